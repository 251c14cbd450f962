//! What a feed subscription takes and what it does with it: the rules (status, severity,
//! urgency, certainty, events, territory) and the action (relay, draft, ignore).

use cap_alerts::Alert;
use cap_alerts::model::{Certainty, Info, Severity, Status, Urgency};
use serde::{Deserialize, Serialize};

use crate::domain::territory::Territory;

/// What happens to an alert the rules accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Issued at once with its original bytes, like posted CAP under `ingest.policy = "issue"`.
    Relay,
    /// Queued for an approver as a submitted alert.
    Draft,
    /// Only counted.
    Ignore,
}

impl Action {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Relay => "relay",
            Action::Draft => "draft",
            Action::Ignore => "ignore",
        }
    }

    /// From the stored text.
    pub fn parse(s: &str) -> Option<Action> {
        [Action::Relay, Action::Draft, Action::Ignore].into_iter().find(|a| a.as_str() == s)
    }
}

/// The rules an alert must meet. Every rule given must hold; within `events` and `eventCodes`,
/// any one is enough. Severity, urgency, certainty and events must hold for one same info.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Rules {
    /// The least severity taken (`Extreme` > `Severe` > `Moderate` > `Minor` > `Unknown`).
    #[serde(alias = "min_severity", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub min_severity: Option<Severity>,
    /// The least urgency taken (`Immediate` > `Expected` > `Future` > `Past` > `Unknown`).
    #[serde(alias = "min_urgency", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub min_urgency: Option<Urgency>,
    /// The least certainty taken (`Observed` > `Likely` > `Possible` > `Unlikely` > `Unknown`).
    #[serde(alias = "min_certainty", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub min_certainty: Option<Certainty>,
    /// Event names taken (compared without regard to case); empty takes any.
    pub events: Vec<String>,
    /// Event codes taken, as `valueName=value` or just `value`; empty takes any.
    #[serde(alias = "event_codes")]
    pub event_codes: Vec<String>,
    /// Only alerts with an area that overlaps `[territory]`.
    #[serde(alias = "in_territory")]
    pub in_territory: bool,
    /// The statuses taken: `Actual` by default; `Exercise`, `System` and `Test` only when
    /// named, and they keep their status (they are never relayed as live).
    #[schemars(with = "Vec<String>")]
    pub statuses: Vec<Status>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            min_severity: None,
            min_urgency: None,
            min_certainty: None,
            events: Vec::new(),
            event_codes: Vec::new(),
            in_territory: false,
            statuses: vec![Status::Actual],
        }
    }
}

/// Why an alert was not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Its status is not one the rules take.
    Status,
    /// No info meets severity, urgency, certainty and events.
    Info,
    /// No area overlaps the territory.
    Territory,
}

impl Rules {
    /// Checks the rules themselves; the error names the field.
    pub fn check(&self, territory_configured: bool) -> Result<(), (String, String)> {
        if self.statuses.is_empty() {
            return Err(("/rules/statuses".into(), "name at least one status, such as Actual".into()));
        }
        if self.statuses.contains(&Status::Draft) {
            return Err(("/rules/statuses".into(), "Draft messages are never taken".into()));
        }
        if self.events.iter().chain(&self.event_codes).any(|e| e.trim().is_empty() || e.len() > 200) {
            return Err(("/rules/events".into(), "events and event codes are 1 to 200 characters".into()));
        }
        if self.in_territory && !territory_configured {
            return Err(("/rules/inTerritory".into(), "no [territory] is configured on this instance".into()));
        }
        Ok(())
    }

    /// Whether the alert is taken; `territory` is the loaded territory when the rules need it.
    pub fn accepts(&self, alert: &Alert, territory: Option<&Territory>) -> Result<(), Skip> {
        self.decide(alert, territory, |i| self.info_accepted(i))
    }

    /// Whether an Update or Cancel of an alert relayed from the same feed is taken: its status,
    /// its events and its area must pass the rules like a new alert's; the severity, urgency
    /// and certainty floors do not apply, so that a downgrade or an all clear gets through.
    pub fn accepts_follow_up(&self, alert: &Alert, territory: Option<&Territory>) -> Result<(), Skip> {
        self.decide(alert, territory, |i| self.event_named(i))
    }

    fn decide(
        &self,
        alert: &Alert,
        territory: Option<&Territory>,
        info_ok: impl Fn(&Info) -> bool,
    ) -> Result<(), Skip> {
        if !self.statuses.contains(&alert.status) {
            return Err(Skip::Status);
        }
        if !alert.infos.is_empty() && !alert.infos.iter().any(info_ok) {
            return Err(Skip::Info);
        }
        if self.in_territory && !territory.is_some_and(|t| t.overlaps(alert)) {
            return Err(Skip::Territory);
        }
        Ok(())
    }

    fn event_named(&self, info: &Info) -> bool {
        self.events.is_empty() && self.event_codes.is_empty()
            || self.events.iter().any(|e| e.trim().eq_ignore_ascii_case(info.event.trim()))
            || info.event_codes.iter().any(|c| {
                self.event_codes.iter().any(|want| match want.split_once('=') {
                    Some((name, value)) => c.value_name == name.trim() && c.value == value.trim(),
                    None => c.value == want.trim(),
                })
            })
    }

    fn info_accepted(&self, info: &Info) -> bool {
        let at_least = |min: Option<u8>, got: u8| min.is_none_or(|m| got >= m);
        self.event_named(info)
            && at_least(self.min_severity.map(Severity::rank), info.severity.rank())
            && at_least(self.min_urgency.map(urgency_rank), urgency_rank(info.urgency))
            && at_least(self.min_certainty.map(certainty_rank), certainty_rank(info.certainty))
    }
}

fn urgency_rank(u: Urgency) -> u8 {
    match u {
        Urgency::Immediate => 4,
        Urgency::Expected => 3,
        Urgency::Future => 2,
        Urgency::Past => 1,
        Urgency::Unknown => 0,
    }
}

fn certainty_rank(c: Certainty) -> u8 {
    match c {
        Certainty::Observed => 4,
        Certainty::Likely => 3,
        Certainty::Possible => 2,
        Certainty::Unlikely => 1,
        Certainty::Unknown => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(status: &str, severity: &str, event: &str, code: &str) -> Alert {
        let xml = format!(
            r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier><sender>s@x</sender>
            <sent>2026-01-01T00:00:00+00:00</sent><status>{status}</status><msgType>Alert</msgType><scope>Public</scope>
            <info><category>Met</category><event>{event}</event><urgency>Expected</urgency><severity>{severity}</severity>
            <certainty>Likely</certainty><eventCode><valueName>SAME</valueName><value>{code}</value></eventCode>
            <area><areaDesc>a</areaDesc></area></info></alert>"#
        );
        cap_alerts::Reader::new().mode(cap_alerts::Mode::Lenient).read(xml.as_bytes()).unwrap().alert
    }

    #[test]
    fn the_defaults_take_any_actual_alert_and_nothing_else() {
        let r = Rules::default();
        assert_eq!(r.accepts(&alert("Actual", "Minor", "Fog", "FOG"), None), Ok(()));
        assert_eq!(r.accepts(&alert("Exercise", "Extreme", "Fog", "FOG"), None), Err(Skip::Status));
        assert_eq!(r.accepts(&alert("Test", "Extreme", "Fog", "FOG"), None), Err(Skip::Status));
    }

    #[test]
    fn severity_urgency_certainty_and_events_filter() {
        let r = Rules { min_severity: Some(Severity::Severe), ..Rules::default() };
        assert_eq!(r.accepts(&alert("Actual", "Moderate", "Fog", "FOG"), None), Err(Skip::Info));
        assert_eq!(r.accepts(&alert("Actual", "Extreme", "Fog", "FOG"), None), Ok(()));
        let r = Rules { min_urgency: Some(Urgency::Immediate), ..Rules::default() };
        assert_eq!(r.accepts(&alert("Actual", "Extreme", "Fog", "FOG"), None), Err(Skip::Info));
        let r = Rules { min_certainty: Some(Certainty::Likely), ..Rules::default() };
        assert_eq!(r.accepts(&alert("Actual", "Extreme", "Fog", "FOG"), None), Ok(()));
        let r = Rules { events: vec!["flash flood watch".into()], event_codes: vec!["SAME=TOR".into()], ..r };
        assert_eq!(r.accepts(&alert("Actual", "Minor", "Flash Flood Watch", "FFA"), None), Ok(()));
        assert_eq!(r.accepts(&alert("Actual", "Minor", "Tornado", "TOR"), None), Ok(()));
        assert_eq!(r.accepts(&alert("Actual", "Minor", "Fog", "FOG"), None), Err(Skip::Info));
    }

    #[test]
    fn territory_rules_without_a_territory_take_nothing_and_are_refused() {
        let r = Rules { in_territory: true, ..Rules::default() };
        assert_eq!(r.accepts(&alert("Actual", "Minor", "Fog", "FOG"), None), Err(Skip::Territory));
        assert_eq!(r.check(false).unwrap_err().0, "/rules/inTerritory");
        let drafts = Rules { statuses: vec![Status::Draft], ..Rules::default() };
        assert_eq!(drafts.check(true).unwrap_err().0, "/rules/statuses");
    }
}
