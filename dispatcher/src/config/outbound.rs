//! `[outbound]`: where Tocsin's requests to URLs that others chose (residents' push endpoints,
//! webhook and feed URLs staff enter, links inside feeds) may go.

use channels::outbound::{Guard, Network};
use serde::{Deserialize, Serialize};

/// `[outbound]`
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Outbound {
    /// Let those requests reach this machine (127.0.0.0/8, ::1, `localhost`), and push
    /// endpoints be plain http there: for tests and demos only, never in production.
    pub allow_loopback: bool,
    /// Networks (CIDR, such as `10.20.0.0/16`) opened for the operator's own peers: a webhook
    /// receiver or a feed on the internal network. Empty: only public addresses.
    pub allowed_networks: Vec<String>,
}

impl Outbound {
    /// The guard these settings describe (the networks were checked when the settings loaded).
    pub fn guard(&self) -> Guard {
        let networks = self.allowed_networks.iter().filter_map(|n| Network::parse(n).ok()).collect();
        Guard::new(self.allow_loopback, networks)
    }

    /// Checks every network; the error names the entry at fault.
    pub fn check(&self) -> Result<(), String> {
        for n in &self.allowed_networks {
            Network::parse(n).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}
