//! Expiry: issued alerts past their `<expires>` move to expired, recorded in the audit log.
//! Every instance runs this; the state check makes each alert expire once.

use serde_json::json;

use super::lifecycle::get;
use super::state::State;
use crate::app::App;
use crate::db::alerts::{self, Mark};
use crate::db::now_ms;
use crate::domain::audit::{self, Actor, Event};
use crate::domain::error::Result;

/// Marks what has expired; gives how many.
pub async fn expire_due(app: &App) -> Result<usize> {
    let due = alerts::expire_due(&mut app.db.read().await?, now_ms()).await?;
    let mut n = 0;
    for id in due {
        let mut tx = app.db.begin().await?;
        if alerts::transition(&mut tx, id, &[State::Issued.as_str()], State::Expired.as_str(), Mark::None, None).await?
            == 1
        {
            let row = get(&mut tx, id).await?;
            let event = Event {
                actor: &Actor::System,
                address: "tocsin",
                action: "alert.expire",
                target: format!("alert:{id}"),
                alert: Some((id, row.version)),
                details: json!({}),
            };
            audit::record(&mut tx, event).await?;
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(n)
}
