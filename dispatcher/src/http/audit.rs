//! `/api/v1/audit`: the audit log and its verification.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::ApiQuery;
use super::routes::{AUDITORS, Access, Endpoint};
use crate::app::App;
use crate::db::audit::{self, AuditRow, Filter};
use crate::domain::audit::{Verification, verify};
use crate::domain::error::Error;

/// The audit routes.
pub fn endpoints() -> Vec<Endpoint> {
    let a = Access::Roles(AUDITORS);
    vec![
        Endpoint::get(
            "/api/v1/audit",
            a,
            "audit",
            "Search the audit log, newest first (actor, action, alert, q: words, from/to: ms, before: seq)",
            search,
        )
        .returns::<Vec<AuditRow>>(),
        Endpoint::get("/api/v1/audit/verify", a, "audit", "Verify the audit log's hash chain", verify_chain)
            .returns::<Verification>(),
    ]
}

/// Filters.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    alert: Option<i64>,
    before: Option<i64>,
    limit: Option<i64>,
    /// Words found anywhere in the actor, action, target or details.
    q: Option<String>,
    /// From this time (milliseconds since the epoch).
    from: Option<i64>,
    /// Before this time.
    to: Option<i64>,
}

async fn search(State(app): State<App>, ApiQuery(q): ApiQuery<AuditQuery>) -> ApiResult<Json<Vec<AuditRow>>> {
    let f = Filter {
        actor: q.actor,
        action: q.action,
        alert_id: q.alert,
        before_seq: q.before,
        text: q.q.as_deref().map(str::trim).filter(|w| !w.is_empty()).map(audit::contains_pattern),
        from_ms: q.from,
        to_ms: q.to,
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
    };
    Ok(Json(audit::search(&mut app.db.read().await.map_err(Error::from)?, &f).await.map_err(Error::from)?))
}

async fn verify_chain(State(app): State<App>) -> ApiResult<Json<Verification>> {
    Ok(Json(verify(&app.db).await.map_err(Error::from)?))
}
