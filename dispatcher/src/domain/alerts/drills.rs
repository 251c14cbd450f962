//! What a Test or Exercise may sound when one person approves it (issue 18, item 2): only the
//! siren catalogue's test signals, unless a second person approves it.

use cap_alerts::model::Status;

use crate::app::App;
use crate::db::alerts::AlertRow;
use crate::domain::error::Result;

/// What a submitted Test or Exercise would sound that only a second person may let it sound
/// (issue 18, item 2): "would sound NAME (CODE) on N sirens", when it asks for a danger
/// signal and reaches sirens; `None` for an Actual alert, a test signal, or no siren.
pub(super) async fn danger_signal(app: &App, row: &AlertRow) -> Result<Option<String>> {
    if row.cap_status == Status::Actual.as_str() || row.cap_xml.is_none() {
        return Ok(None);
    }
    let alert = super::lifecycle::frozen_alert(row)?;
    let asked = crate::domain::device_commands::asked_signal(app, &alert);
    let Some(signal) = asked.filter(|s| crate::domain::device_commands::needs_second_person(&alert, Some(s))) else {
        return Ok(None);
    };
    let sirens = crate::fanout::reach::of(app, row.id, &alert).await?.sirens;
    Ok((sirens > 0).then(|| format!("would sound {} ({}) on {sirens} sirens", signal.name, signal.code)))
}
