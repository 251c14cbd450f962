//! Alerts Tocsin makes itself, such as a scheduled siren test: frozen as they are made,
//! approved in the name of the person who approved what made them (the schedule), and issued
//! in the caller's transaction.

use serde_json::json;

use super::ingest::insert_frozen;
use super::lifecycle::{get, issue_row, record};
use super::state::State;
use crate::app::App;
use crate::db::Tx;
use crate::db::alerts::{self, AlertRow, Mark};
use crate::domain::caller::Caller;
use crate::domain::error::Result;

/// Stores and issues an alert Tocsin made. `author` wrote what made it and `approver`
/// approved that; `origin` says what made it (`siren-test`).
pub async fn issue_made(
    app: &App,
    tx: &mut Tx,
    alert: &cap_alerts::Alert,
    origin: &str,
    author: i64,
    approver: i64,
) -> Result<AlertRow> {
    let xml = crate::domain::signatures::sign(app, cap_alerts::write(alert).as_bytes())?;
    let id = insert_frozen(tx, alert, &xml, origin, (Some(author), None), None).await?;
    alerts::transition(
        &mut *tx,
        id,
        &[State::Submitted.as_str()],
        State::Approved.as_str(),
        Mark::Approved(approver),
        None,
    )
    .await?;
    let row = get(&mut *tx, id).await?;
    let caller = Caller::system();
    record(tx, &caller, "alert.approve", &row, json!({ "origin": origin, "approvedBy": approver })).await?;
    issue_row(app, tx, &caller, &row).await
}
