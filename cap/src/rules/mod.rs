//! The CAP 1.2 rules that hold between elements, checked on the model. Together with the
//! value types (which cannot hold a malformed value) and the reader (which reports what it
//! could not read), they cover the spec-text rules the XSD does not express.

mod alert;
mod area;
mod info;

use crate::findings::Finding;
use crate::model::Alert;

/// Checks an alert against the core CAP 1.2 rules. Paths use the model's indexes, from 1.
pub fn validate(alert: &Alert) -> Vec<Finding> {
    let mut out = Vec::new();
    alert::check(alert, &mut out);
    for (i, info) in alert.infos.iter().enumerate() {
        let path = format!("/alert/info[{}]", i + 1);
        info::check(alert, info, &path, &mut out);
        for (j, a) in info.areas.iter().enumerate() {
            area::check(a, &format!("{path}/area[{}]", j + 1), &mut out);
        }
    }
    out
}
