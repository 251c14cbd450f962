//! `/api/v1/alerts/{id}/deliveries/timeline`: the dashboard's chart of deliveries over time,
//! per channel: how many were sent and delivered in each interval after issue, in at most
//! [`MAX_BUCKETS`] intervals of a round length.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::error::ApiResult;
use super::extract::Id;
use super::routes::{Access, Endpoint, READERS};
use crate::app::App;
use crate::db::{alerts, delivery_timeline};
use crate::domain::error::Error;

/// The most intervals a timeline has.
pub const MAX_BUCKETS: i64 = 60;

/// Interval lengths, shortest first: the first that covers the span in [`MAX_BUCKETS`] is used.
const LENGTHS_MS: &[i64] = &[1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000];

/// The timeline's route.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get(
            "/api/v1/alerts/{id}/deliveries/timeline",
            Access::Roles(READERS),
            "alerts",
            "Deliveries sent and delivered per channel in each interval after issue",
            timeline,
        )
        .returns::<Timeline>(),
    ]
}

/// One channel's counts per interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Series {
    /// Handed to the peer (push service, SMSC, SMTP server, device poll) in each interval.
    pub sent: Vec<i64>,
    /// Confirmed (receipt, device acknowledgement) in each interval.
    pub delivered: Vec<i64>,
}

/// An alert's deliveries over time.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    /// When the alert was issued (Unix milliseconds); none before issue.
    pub start_ms: Option<i64>,
    /// The length of each interval.
    pub bucket_ms: i64,
    /// Per channel, counts in each interval (every series has the same length).
    pub channels: BTreeMap<String, Series>,
}

/// The interval length for a span: the shortest round length giving at most `MAX_BUCKETS`.
pub fn bucket_for(span_ms: i64) -> i64 {
    LENGTHS_MS.iter().copied().find(|l| span_ms / l < MAX_BUCKETS).unwrap_or(LENGTHS_MS[LENGTHS_MS.len() - 1])
}

async fn timeline(State(app): State<App>, Id(id): Id) -> ApiResult<Json<Timeline>> {
    let mut c = app.db.read().await.map_err(Error::from)?;
    let alert = alerts::by_id(&mut c, id).await.map_err(Error::from)?.ok_or(Error::NotFound("alert"))?;
    let Some(start) = alert.issued_ms else {
        return Ok(Json(Timeline { start_ms: None, bucket_ms: LENGTHS_MS[0], channels: BTreeMap::new() }));
    };
    let last = delivery_timeline::span(&mut c, id).await.map_err(Error::from)?.and_then(|s| s.last_ms);
    let bucket_ms = bucket_for(last.map_or(0, |l| (l - start).max(0)));
    let rows = delivery_timeline::buckets(&mut c, id, start, bucket_ms).await.map_err(Error::from)?;
    let len = rows.iter().map(|r| r.bucket + 1).max().unwrap_or(0).clamp(0, MAX_BUCKETS) as usize;
    let mut channels: BTreeMap<String, Series> = BTreeMap::new();
    for r in rows {
        let series =
            channels.entry(r.channel).or_insert_with(|| Series { sent: vec![0; len], delivered: vec![0; len] });
        let to = if r.kind == "sent" { &mut series.sent } else { &mut series.delivered };
        // A delivery confirmed after the span was measured lands in the last interval.
        let at = (r.bucket.max(0) as usize).min(len.saturating_sub(1));
        if let Some(slot) = to.get_mut(at) {
            *slot += r.n;
        }
    }
    Ok(Json(Timeline { start_ms: Some(start), bucket_ms, channels }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_the_shortest_round_length_that_fits() {
        assert_eq!(bucket_for(0), 1_000);
        assert_eq!(bucket_for(59_999), 1_000);
        assert_eq!(bucket_for(60_000), 2_000);
        assert_eq!(bucket_for(10 * 60_000 - 1), 10_000);
        assert_eq!(bucket_for(10 * 60_000), 30_000);
        assert_eq!(bucket_for(100 * 3_600_000), 21_600_000);
    }
}
