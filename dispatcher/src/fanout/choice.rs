//! The channels an author chose for an alert: the CAP parameter `TOCSIN_CHANNELS`
//! (comma-separated channel names) in its info blocks; absent, every channel.

use std::sync::Arc;

use crate::app::App;

/// The CAP parameter naming the channels an alert goes out on.
pub const CHANNELS_PARAMETER: &str = "TOCSIN_CHANNELS";

/// The channels every instance knows, in the order the admin app shows them.
pub const KNOWN: &[&str] = &["push", "sms", "email", "display", "siren", "webhook"];

/// The channel names an author may choose: the known ones and any other this instance runs.
pub fn allowed(app: &App) -> Vec<String> {
    let mut out: Vec<String> = KNOWN.iter().map(|&c| c.to_owned()).collect();
    for (channel, _) in app.channels.running() {
        // A cascade is not a medium: children apply the alert's own choice to their channels.
        if channel.name() != channels::cascade::NAME && !out.iter().any(|c| c == channel.name()) {
            out.push(channel.name().to_owned());
        }
    }
    out
}

/// Which channels an alert may create new deliveries on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Choice {
    /// The chosen names; `None` when the alert names none (every channel).
    only: Option<Vec<Arc<str>>>,
}

impl Choice {
    /// The choice a CAP alert carries: the names in its `TOCSIN_CHANNELS` parameters. A
    /// parameter that names nothing is no choice: a warning that went nowhere because of a
    /// typing error in a received message would be far worse than one sent everywhere.
    pub fn of(alert: &cap_alerts::Alert) -> Choice {
        Choice::from_values(alert.infos.iter().filter_map(|i| i.parameter(CHANNELS_PARAMETER)))
    }

    /// The choice the parameter values give (one value per info block that has it).
    pub fn from_values<'a>(values: impl Iterator<Item = &'a str>) -> Choice {
        let mut names: Vec<Arc<str>> = values
            .flat_map(|v| v.split(',').map(str::trim).filter(|c| !c.is_empty()).map(Arc::from).collect::<Vec<_>>())
            .collect();
        names.sort();
        names.dedup();
        Choice { only: (!names.is_empty()).then_some(names) }
    }

    /// Whether the alert goes out on `channel`.
    pub fn allows(&self, channel: &str) -> bool {
        self.only.as_ref().is_none_or(|o| o.iter().any(|c| &**c == channel))
    }

    /// The chosen names, sorted; empty when every channel is.
    pub fn names(&self) -> Vec<String> {
        self.only.iter().flatten().map(|c| c.to_string()).collect()
    }

    /// Whether the author limited the channels.
    pub fn is_limited(&self) -> bool {
        self.only.is_some()
    }
}

/// Checks an author's selection: every name must be one of `allowed`. Names the first wrong
/// one by its place (`/channels/0`), with the names allowed.
pub fn check(chosen: &[String], allowed: &[String]) -> crate::domain::error::Result<()> {
    for (i, name) in chosen.iter().enumerate() {
        if !allowed.contains(name) {
            return Err(crate::domain::error::Error::invalid(
                format!("/channels/{i}"),
                format!("there is no channel \"{name}\"; the channels are: {}", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_or_empty_means_every_channel() {
        for v in [vec![], vec![""], vec![" , "]] {
            let c = Choice::from_values(v.iter().copied());
            assert!(!c.is_limited() && c.allows("sms") && c.allows("siren"), "{v:?}");
        }
    }

    #[test]
    fn named_channels_only() {
        let c = Choice::from_values(["push, siren", "push"].into_iter());
        assert!(c.is_limited() && c.allows("push") && c.allows("siren"));
        assert!(!c.allows("sms") && !c.allows("webhook") && !c.allows("display"));
    }

    #[test]
    fn a_wrong_name_is_named_with_its_place() {
        let allowed: Vec<String> = KNOWN.iter().map(|&c| c.to_owned()).collect();
        assert!(check(&["push".into(), "sms".into()], &allowed).is_ok());
        let e = check(&["push".into(), "fax".into()], &allowed).unwrap_err();
        assert!(matches!(&e, crate::domain::error::Error::Invalid { field, message }
            if field == "/channels/1" && message.contains("\"fax\"") && message.contains("push, sms")));
    }
}
