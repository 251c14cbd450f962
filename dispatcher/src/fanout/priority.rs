//! Which alerts go first: an Actual alert of Immediate urgency or Extreme severity, and every
//! Cancel, before anything else; Test and Exercise traffic last.

use cap_alerts::Alert;
use cap_alerts::model::{MsgType, Severity, Status, Urgency};

/// The most urgent.
pub const URGENT: i32 = 0;
/// Ordinary Actual alerts.
pub const NORMAL: i32 = 1;
/// Tests and exercises.
pub const LOW: i32 = 2;

/// An alert's priority: lower goes first.
pub fn of(alert: &Alert) -> i32 {
    if alert.msg_type == MsgType::Cancel {
        return URGENT;
    }
    if alert.status != Status::Actual {
        return LOW;
    }
    let urgent = alert.infos.iter().any(|i| i.urgency == Urgency::Immediate || i.severity == Severity::Extreme);
    if urgent { URGENT } else { NORMAL }
}

/// The highest severity of an alert's info blocks.
pub fn severity(alert: &Alert) -> Severity {
    alert.infos.iter().map(|i| i.severity).max_by_key(|s| s.rank()).unwrap_or(Severity::Unknown)
}
