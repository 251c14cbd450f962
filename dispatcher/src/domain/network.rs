//! The network a client address belongs to, the unit that rate limits count by.

use std::fmt;
use std::net::IpAddr;

/// A client's network: an IPv4 address alone, or an IPv6 address's /64.
///
/// One IPv6 subscriber (a home, a phone) is given a whole /64 and may pick any address in it,
/// so counting single IPv6 addresses would let one client try as many times as it has
/// addresses. An IPv4 address is counted alone: behind a carrier-grade NAT it already stands
/// for many people, and the limits that use it are sized for that (`docs/security.md`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Network(String);

impl Network {
    /// The network of `address` (as the HTTP layer gives it). An IPv4-mapped IPv6 address is
    /// its IPv4 address; what is not an address at all is kept as it is, cut to 64 characters.
    pub fn of(address: &str) -> Network {
        let text = match address.parse::<IpAddr>() {
            Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
            Ok(IpAddr::V4(v4)) => v4.to_string(),
            Err(_) => address.chars().take(64).collect(),
        };
        Network(text)
    }

    /// The network as text (`192.0.2.7`, `2001:db8:0:1::/64`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Network;

    #[test]
    fn ipv6_addresses_in_one_slash_64_are_one_network() {
        let a = Network::of("2001:db8:1:2::1");
        assert_eq!(a, Network::of("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assert_eq!(a.as_str(), "2001:db8:1:2::/64");
        assert_ne!(a, Network::of("2001:db8:1:3::1"));
    }

    #[test]
    fn ipv4_addresses_stand_alone_even_when_mapped() {
        assert_eq!(Network::of("192.0.2.7").as_str(), "192.0.2.7");
        assert_eq!(Network::of("::ffff:192.0.2.7"), Network::of("192.0.2.7"));
        assert_ne!(Network::of("192.0.2.7"), Network::of("192.0.2.8"));
        assert_eq!(Network::of("unknown").as_str(), "unknown");
    }
}
