//! The outbound guard: every HTTP request to a URL that someone other than the operator's
//! configuration chose (a resident's push endpoint, a webhook or feed URL staff typed, a link
//! inside a feed) goes through it, so that nobody can make Tocsin call into its own network.
//!
//! It works in two places. [`Guard::check_url`] reads the URL when it is entered and when it is
//! used: no user information, https (http only where allowed), and a host that is not an
//! address of a private, loopback or link-local network. Then the clients [`Guard::builder`]
//! makes resolve names through the guard, which drops every such address at connection time,
//! so a name that resolved to a public address when it was entered and to 127.0.0.1 later
//! (DNS rebinding) still cannot reach inside. Those clients never follow a redirect, which
//! would be a second URL nobody checked, and ignore proxy variables (a proxy resolves names
//! itself, out of the guard's sight).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why a URL or an address is refused, in words that never repeat the URL (a push endpoint is a
/// capability; a webhook's path may hold a secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused(String);

impl Refused {
    fn new(why: impl Into<String>) -> Self {
        Refused(why.into())
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// What a refusal says about the addresses Tocsin does not call.
const INWARD: &str = "a private, loopback, link-local or otherwise non-public address";

/// Which schemes a kind of URL may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schemes {
    /// https only; http only to loopback, and only where loopback is allowed (push endpoints:
    /// RFC 8030 push services are https).
    Https,
    /// http or https (webhooks and feeds, whose public servers may still be plain http).
    HttpOrHttps,
}

/// A network in CIDR form (`10.20.0.0/16`, `fd00::/8`) that an operator opened for peers of
/// their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    base: IpAddr,
    prefix: u8,
}

impl Network {
    /// Reads `ADDRESS/PREFIX`; a bare address is a network of one.
    pub fn parse(text: &str) -> Result<Network, Refused> {
        let (addr, prefix) = text.trim().split_once('/').unwrap_or((text.trim(), ""));
        let base: IpAddr = addr
            .parse()
            .map_err(|_| Refused::new(format!("{text:?} is not an address or a network such as 10.20.0.0/16")))?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = if prefix.is_empty() { max } else { prefix.parse().unwrap_or(u8::MAX) };
        if prefix > max {
            return Err(Refused::new(format!("{text:?}: the prefix length must be from 0 to {max}")));
        }
        Ok(Network { base, prefix })
    }

    /// Whether the network holds an address (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip.to_canonical()) {
            (IpAddr::V4(b), IpAddr::V4(a)) => {
                same_prefix(u128::from(b.to_bits()), u128::from(a.to_bits()), 32, self.prefix)
            }
            (IpAddr::V6(b), IpAddr::V6(a)) => same_prefix(b.to_bits(), a.to_bits(), 128, self.prefix),
            _ => false,
        }
    }
}

fn same_prefix(a: u128, b: u128, bits: u8, prefix: u8) -> bool {
    let shift = u32::from(bits - prefix);
    prefix == 0 || (a >> shift) == (b >> shift)
}

/// The guard's two settings; cheap to clone and share.
#[derive(Clone, Debug, Default)]
pub struct Guard {
    allow_loopback: bool,
    allowed: Arc<[Network]>,
}

impl Guard {
    /// A guard. `allow_loopback` lets requests reach this machine (tests and demos only);
    /// `allowed` lists networks opened for the operator's own peers.
    pub fn new(allow_loopback: bool, allowed: Vec<Network>) -> Guard {
        Guard { allow_loopback, allowed: allowed.into() }
    }

    /// Whether loopback addresses may be called.
    pub fn allows_loopback(&self) -> bool {
        self.allow_loopback
    }

    /// Whether an address may be called: a public one, loopback where allowed, or one in a
    /// network the operator opened.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        is_public(ip) || (self.allow_loopback && ip.is_loopback()) || self.allowed.iter().any(|n| n.contains(ip))
    }

    /// Reads a URL and refuses user information, a scheme the kind of URL may not have, a
    /// missing host, and a host that is a non-public address (or a `localhost` name) the guard
    /// does not allow. Names are resolved later, by the clients of [`Guard::builder`].
    pub fn check_url(&self, raw: &str, schemes: Schemes) -> Result<Url, Refused> {
        let url = Url::parse(raw.trim()).map_err(|_| Refused::new("is not an absolute URL"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refused::new("must not carry a user name or password (user@host)"));
        }
        let loopback = match host(&url) {
            None => return Err(Refused::new("has no host")),
            Some(Host::Address(ip)) => self.check_ip(ip)?,
            Some(Host::Name(name)) => self.check_name(name)?,
        };
        match (url.scheme(), schemes) {
            ("https", _) | ("http", Schemes::HttpOrHttps) => Ok(url),
            ("http", Schemes::Https) if loopback => Ok(url),
            (_, Schemes::Https) => Err(Refused::new("must be an https:// URL")),
            (_, Schemes::HttpOrHttps) => Err(Refused::new("must be an http:// or https:// URL")),
        }
    }

    /// Checks an address host; gives whether it is loopback.
    fn check_ip(&self, ip: IpAddr) -> Result<bool, Refused> {
        if self.allows(ip) { Ok(ip.to_canonical().is_loopback()) } else { Err(Refused::new(format!("names {INWARD}"))) }
    }

    /// Checks a name host: `localhost` and its subdomains are loopback by definition (RFC 6761).
    fn check_name(&self, name: &str) -> Result<bool, Refused> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let loopback = name == "localhost" || name.ends_with(".localhost");
        if loopback && !self.allow_loopback {
            return Err(Refused::new(format!("names this machine ({INWARD})")));
        }
        Ok(loopback)
    }

    /// Resolves a URL's host within `deadline` and refuses it when any address it resolves to
    /// is not allowed: an early, clear answer for the person entering it. A name that does not
    /// resolve in time passes here; the connection-time check still holds.
    pub async fn check_resolved(&self, url: &Url, deadline: Duration) -> Result<(), Refused> {
        let Some(Host::Name(name)) = host(url) else { return Ok(()) };
        let port = url.port_or_known_default().unwrap_or(443);
        let Ok(Ok(addrs)) = tokio::time::timeout(deadline, tokio::net::lookup_host((name, port))).await else {
            return Ok(());
        };
        for a in addrs {
            if !self.allows(a.ip()) {
                return Err(Refused::new(format!("resolves to {INWARD}")));
            }
        }
        Ok(())
    }

    /// A client builder that resolves names through the guard, follows no redirect and uses
    /// no proxy. Add timeouts and the like, then build.
    pub fn builder(&self) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .dns_resolver(GuardedResolver { guard: self.clone() })
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
    }

    /// The addresses of `name` the guard allows, in the resolver's order; an error when none.
    pub async fn resolve(&self, name: &str) -> Result<Vec<SocketAddr>, Refused> {
        let found =
            tokio::net::lookup_host((name, 0)).await.map_err(|_| Refused::new("the host name did not resolve"))?;
        let kept: Vec<SocketAddr> = found.filter(|a| self.allows(a.ip())).collect();
        if kept.is_empty() {
            return Err(Refused::new(format!("the host resolves only to {INWARD}")));
        }
        Ok(kept)
    }
}

/// A URL's host: an address, or a name to resolve.
enum Host<'a> {
    Address(IpAddr),
    Name(&'a str),
}

/// The host of a URL. The URL parser has already turned every IPv4 spelling of http and https
/// (`0x7f.1`, `2130706433`) into dotted decimal, and writes IPv6 in brackets.
fn host(url: &Url) -> Option<Host<'_>> {
    let h = url.host_str().filter(|h| !h.is_empty())?;
    let bare = h.strip_prefix('[').and_then(|x| x.strip_suffix(']')).unwrap_or(h);
    Some(bare.parse().map_or(Host::Name(h), Host::Address))
}

/// The resolver of guarded clients: the system's answer, less the addresses not allowed.
struct GuardedResolver {
    guard: Guard,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let kept = guard.resolve(&name).await?;
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// Whether an address is on the public internet: not unspecified, loopback, private, shared
/// (CGNAT), link-local (the cloud metadata service at 169.254.169.254 among them), multicast,
/// broadcast, reserved, documentation or benchmarking space, nor an IPv6 form that carries
/// such an IPv4 address (mapped, NAT64, 6to4) or tunnels out of sight (Teredo).
pub fn is_public(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let inward = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 192 && b == 88 && c == 99)
        || (a == 198 && (b == 18 || b == 19));
    !inward
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if s[0] == 0x2002 {
        // 6to4 carries an IPv4 address in its second and third segments.
        return is_public_v4(Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8));
    }
    if s[0] == 0x64 && s[1] == 0xff9b {
        // NAT64 (64:ff9b::/96 well known, 64:ff9b:1::/48 local): the IPv4 address it reaches
        // decides, and the local prefix is for inside networks.
        let o = ip.octets();
        return s[2] == 0 && is_public_v4(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
    }
    let inward = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || s[0] & 0xfe00 == 0xfc00
        || s[0] & 0xffc0 == 0xfe80
        || s[0] & 0xffc0 == 0xfec0
        || (s[0] == 0x2001 && s[1] < 0x200)
        || (s[0] == 0x2001 && s[1] == 0xdb8)
        || (s[0] == 0x3fff && s[1] < 0x1000)
        || (s[0] == 0x100 && s[1] == 0 && s[2] == 0 && s[3] == 0)
        || s[..6].iter().all(|&x| x == 0);
    !inward
}

#[cfg(test)]
mod tests;
