//! The channels against real peers on loopback: each adapter sends to a published
//! implementation of its protocol, and the tests read what that peer received.

mod email;
mod support;
