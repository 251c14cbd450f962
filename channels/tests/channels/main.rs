//! The channels against real peers on loopback: each adapter sends to a published
//! implementation of its protocol, and the tests read what that peer received.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod email;
mod mqtt;
mod push;
mod sms;
mod support;
