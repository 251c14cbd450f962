//! Residents who sign up themselves: for Web Push (active at once: the browser's endpoint is
//! the proof), or for SMS and email (a 6-digit code sent there must be confirmed before anything
//! else is sent). Each subscription has a management token, shown once and stored as SHA-256,
//! with which its resident reads, changes and deletes it. Sign-ups and codes are rate limited
//! in the database; every change is audited with ids and channel only, never the address.
//! Operators import municipal lists (`import`); old deliveries are purged (`retention`); staff
//! see counts per channel and area, never an address (`stats`).

mod choices;
mod codes;
pub mod csv;
pub mod import;
mod limits;
mod manage;
mod phone;
pub mod retention;
mod signup;
pub mod stats;
mod verify;
mod view;

pub use choices::{Choices, PlaceInput};
pub use manage::{delete, get, update};
pub use signup::{SignUp, resend, sign_up};
pub use verify::verify;
pub use view::{Created, OwnView, PlaceView, Verification, VerifyResult};

/// Where a resident's request came from (the client's IP address), for rate limits and audit.
#[derive(Clone, Debug)]
pub struct Origin<'a> {
    /// The client's address.
    pub address: &'a str,
}
