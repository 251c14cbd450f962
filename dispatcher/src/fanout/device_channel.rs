//! The `siren` and `display` channels. A device fetches its commands itself (it polls, see
//! `http/device_protocol.rs`), so sending a delivery means making it available: the worker
//! records it as sent and the device's long poll, woken by the planner, answers with it.
//! Acknowledgements then move it to delivered and acknowledged.

use channels::{BoxFuture, Channel, Message, Outcome, Recipient};

/// One of the two device channels.
#[derive(Clone, Copy, Debug)]
pub struct DeviceChannel {
    kind: &'static str,
}

impl DeviceChannel {
    /// The sirens' channel.
    pub const SIRENS: DeviceChannel = DeviceChannel { kind: "siren" };
    /// The displays' channel.
    pub const DISPLAYS: DeviceChannel = DeviceChannel { kind: "display" };
}

impl Channel for DeviceChannel {
    fn name(&self) -> &'static str {
        self.kind
    }

    fn send<'a>(&'a self, m: &'a Message) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            match m.recipient {
                Recipient::Device { .. } => Outcome::Sent { provider_id: None },
                _ => Outcome::Failed { error: "not a device".into() },
            }
        })
    }
}
