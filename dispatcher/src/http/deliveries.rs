//! `/api/v1/alerts/{id}/deliveries`: how an alert's fan-out stands, per channel and status, per
//! recipient (with paging and CSV), and live as Server-Sent Events for the dashboard. Residents'
//! addresses never appear: recipients are named by kind and id.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiQuery, Id};
use super::routes::{Access, Endpoint, READERS};
use crate::app::App;
use crate::db::deliveries::{self, DeliveryRow};
use crate::db::{alerts, fanouts};
use crate::domain::caller::Caller;
use crate::domain::error::Error;

/// The deliveries' routes.
pub fn endpoints() -> Vec<Endpoint> {
    let r = Access::Roles(READERS);
    vec![
        Endpoint::get(
            "/api/v1/alerts/{id}/deliveries",
            r,
            "alerts",
            "Deliveries per channel and status",
            summary_handler,
        )
        .returns::<Summary>(),
        Endpoint::get(
            "/api/v1/alerts/{id}/deliveries/list",
            r,
            "alerts",
            "Deliveries per recipient, with filters and paging",
            list,
        )
        .returns::<Vec<DeliveryRow>>(),
        Endpoint::get("/api/v1/alerts/{id}/deliveries/export", r, "alerts", "Every delivery as CSV", export),
        Endpoint::get(
            "/api/v1/alerts/{id}/deliveries/stream",
            r,
            "alerts",
            "Delivery counts as they change (Server-Sent Events)",
            stream_handler,
        ),
    ]
}

/// Where an alert's deliveries stand.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The alert.
    pub alert_id: i64,
    /// `pending` while recipients are being targeted, `done` after, `none` before issue.
    pub fanout: String,
    /// Recipients targeted, once planned.
    pub recipients: Option<i64>,
    /// Counts per channel and status.
    pub channels: BTreeMap<String, BTreeMap<String, i64>>,
    /// Deliveries in all.
    pub total: i64,
}

async fn summary(app: &App, id: i64) -> Result<Summary, Error> {
    let mut c = app.db.read().await?;
    alerts::by_id(&mut c, id).await?.ok_or(Error::NotFound("alert"))?;
    let f = fanouts::get(&mut c, id).await?;
    let mut channels: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut total = 0;
    for row in deliveries::summary(&mut c, id).await? {
        total += row.n;
        channels.entry(row.channel).or_default().insert(row.status, row.n);
    }
    Ok(Summary {
        alert_id: id,
        fanout: f.as_ref().map_or("none".to_owned(), |f| f.state.clone()),
        recipients: f.and_then(|f| f.recipients),
        channels,
        total,
    })
}

async fn summary_handler(State(app): State<App>, Id(id): Id) -> ApiResult<Json<Summary>> {
    Ok(Json(summary(&app, id).await?))
}

/// Filters and paging.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    channel: Option<String>,
    status: Option<String>,
    after: Option<i64>,
    limit: Option<i64>,
}

const STATUSES: &[&str] = &["queued", "sent", "delivered", "acknowledged", "failed", "expired", "cancelled"];

async fn list(
    State(app): State<App>,
    Id(id): Id,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<DeliveryRow>>> {
    if let Some(s) = q.status.as_deref().filter(|s| !STATUSES.contains(s)) {
        return Err(ApiError::invalid(
            "status",
            format!("{s:?} is not a status; statuses are {}", STATUSES.join(", ")),
        ));
    }
    let mut c = app.db.read().await.map_err(Error::from)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let rows = deliveries::list(&mut c, id, q.channel.as_deref(), q.status.as_deref(), q.after.unwrap_or(0), limit)
        .await
        .map_err(Error::from)?;
    Ok(Json(rows))
}

/// A text cell of the export: always quoted, quotes doubled (RFC 4180), and with a leading `'`
/// when a spreadsheet would read it as a formula (OWASP's CSV injection advice). Text cells
/// hold what came from outside: a resident's push service chooses the `Location` its pushes
/// are answered with, which becomes the provider id, and a gateway words its own errors.
/// Quoting every cell also keeps a `;` inside from starting a new cell where a spreadsheet
/// splits on semicolons.
fn csv_text(s: &str) -> String {
    let formula = s.trim_start_matches(' ').starts_with(FORMULA_STARTS);
    let quote = if formula { "'" } else { "" };
    format!("\"{quote}{}\"", s.replace('"', "\"\""))
}

/// What makes a spreadsheet read a cell as a formula: OWASP's `=`, `+`, `-`, `@`, tab and
/// carriage return, a line feed, and the full-width forms some spreadsheets take as the same.
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r', '\n', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}'];

async fn export(State(app): State<App>, Id(id): Id) -> ApiResult<Response> {
    let mut c = app.db.read().await.map_err(Error::from)?;
    alerts::by_id(&mut c, id).await.map_err(Error::from)?.ok_or(Error::NotFound("alert"))?;
    let mut out = String::from(
        "id,channel,recipient_kind,recipient_id,status,attempts,provider_id,last_error,created_ms,sent_ms,delivered_ms\n",
    );
    let mut after = 0;
    loop {
        let page = deliveries::list(&mut c, id, None, None, after, 10_000).await.map_err(Error::from)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for d in &page {
            let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{}\n",
                d.id,
                csv_text(&d.channel),
                csv_text(&d.recipient_kind),
                d.recipient_id,
                csv_text(&d.status),
                d.attempts,
                csv_text(d.provider_id.as_deref().unwrap_or("")),
                csv_text(d.last_error.as_deref().unwrap_or("")),
                d.created_ms,
                opt(d.sent_ms),
                opt(d.delivered_ms)
            ));
        }
    }
    let mut resp = out.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    resp.headers_mut()
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"deliveries.csv\""));
    Ok(resp)
}

/// Counts every second, sent when they change. Counting a very large fan-out takes a while:
/// the pause is then ten times the count's own time, so a dashboard never keeps the database
/// busy for more than a tenth of the time.
fn counts(app: App, id: i64, caller: Caller) -> impl Stream<Item = Result<Event, Infallible>> {
    let checked = std::time::Instant::now();
    stream::unfold((app, None::<Summary>, None::<Duration>, checked), move |(app, last, pause, checked)| {
        let caller = caller.clone();
        async move {
            let mut pause = pause;
            let mut checked = checked;
            loop {
                if let Some(p) = pause {
                    tokio::time::sleep(p).await;
                }
                // The stream ends when its caller signs out, expires or is revoked.
                if checked.elapsed() >= RECHECK {
                    if !crate::domain::sessions::still_valid(&app, &caller).await.unwrap_or(false) {
                        return None;
                    }
                    checked = std::time::Instant::now();
                }
                let started = std::time::Instant::now();
                let result = summary(&app, id).await;
                pause = Some((started.elapsed() * 10).max(Duration::from_secs(1)));
                match result {
                    Ok(s) if Some(&s) != last.as_ref() => {
                        let event = Event::default().event("counts").json_data(&s).unwrap_or_default();
                        return Some((Ok(event), (app, Some(s), pause, checked)));
                    }
                    Ok(_) => {}
                    Err(_) => return None,
                }
            }
        }
    })
}

/// How often a delivery stream checks that its caller may still watch.
const RECHECK: Duration = Duration::from_secs(5);

async fn stream_handler(State(app): State<App>, caller: Caller, Id(id): Id) -> ApiResult<Response> {
    summary(&app, id).await?;
    Ok(Sse::new(counts(app, id, caller)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response())
}

#[cfg(test)]
mod tests {
    use super::csv_text;

    #[test]
    fn text_cells_never_start_a_formula() {
        assert_eq!(csv_text("push"), "\"push\"");
        assert_eq!(csv_text(r#"=HYPERLINK("x","y")"#), r#""'=HYPERLINK(""x"",""y"")""#);
        for start in ["+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "  =1", "\u{FF1D}1"] {
            assert!(csv_text(start).starts_with("\"'"), "{start:?}");
        }
        assert_eq!(csv_text("a,b;c\nd"), "\"a,b;c\nd\"");
    }
}
