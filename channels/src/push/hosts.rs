//! The push services residents' endpoints may point to: by default the four that browsers use,
//! so that an endpoint cannot name any other server on the internet (a slow one, to stall the
//! channel) or inside the network.

use std::fmt;

/// The push services of the browsers, as host suffixes: Chrome, Opera, Samsung Internet and
/// other Chromium browsers use Firebase Cloud Messaging (`fcm.googleapis.com`, formerly
/// `android.googleapis.com`); Firefox uses Mozilla's autopush; Safari uses Apple's Web Push
/// service; Edge uses the Windows Push Notification Services (`wns2-….notify.windows.com`).
pub const BROWSER_PUSH_SERVICES: [&str; 5] = [
    "fcm.googleapis.com",
    "android.googleapis.com",
    "updates.push.services.mozilla.com",
    "web.push.apple.com",
    "notify.windows.com",
];

/// Host suffixes a push endpoint's host must match (the host itself or any subdomain); empty
/// allows any host the outbound guard allows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushHosts(Vec<String>);

impl PushHosts {
    /// The suffixes, lower-cased, with a leading `*.` or `.` taken off.
    pub fn new<S: AsRef<str>>(suffixes: &[S]) -> PushHosts {
        let clean = |s: &S| s.as_ref().trim().trim_start_matches("*.").trim_start_matches('.').to_ascii_lowercase();
        PushHosts(suffixes.iter().map(clean).filter(|s| !s.is_empty()).collect())
    }

    /// Whether the list is empty, which allows any host.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether an endpoint's host (as a URL gives it) is one of the services.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.0.is_empty()
            || self
                .0
                .iter()
                .any(|s| host == *s || (host.ends_with(s.as_str()) && host[..host.len() - s.len()].ends_with('.')))
    }
}

impl fmt::Display for PushHosts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suffix_matches_the_host_and_its_subdomains_only() {
        let h = PushHosts::new(&BROWSER_PUSH_SERVICES);
        assert!(h.allows("fcm.googleapis.com") && h.allows("wns2-par02p.notify.windows.com"));
        assert!(h.allows("WEB.PUSH.APPLE.COM.") && h.allows("updates.push.services.mozilla.com"));
        assert!(!h.allows("evil.example") && !h.allows("evilnotify.windows.com"));
        assert!(!h.allows("fcm.googleapis.com.evil.example") && !h.allows("googleapis.com"));
        assert!(PushHosts::new(&["*.notify.windows.com"]).allows("x.notify.windows.com"));
        assert!(PushHosts::new::<&str>(&[]).allows("anything.example"));
    }
}
