//! XML signatures on CAP: the signed files of the shared corpus, sign-and-verify round trips,
//! tampering and wrapping attacks, and xmlsec1 as an independent verifier of what we sign.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod c14n_xmllint;
mod corpus;
mod round_trip;
mod support;
mod wrapping;
mod xmlsec;
