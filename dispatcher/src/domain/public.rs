//! What anyone may read, for the residents' app: issued public alerts with their texts and
//! areas as GeoJSON, and the named areas' outlines. Nothing here names a person or an account.

use cap_alerts::geo::{Circle, Polygon};
use cap_alerts::model::{Alert, Area, Info, Severity};
use cap_alerts::{Mode, Reader};
use serde::Serialize;
use serde_json::{Value, json};

use super::error::{Error, Result};
use crate::db::Executor;
use crate::db::alerts::{self, AlertRow};

/// The states in which an alert has been published.
const PUBLISHED: [&str; 4] = ["issued", "superseded", "cancelled", "expired"];

/// A published public alert as residents read it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicAlert {
    /// Tocsin's id (the `/alerts/{id}` page).
    pub id: i64,
    /// The CAP identifier.
    pub identifier: String,
    /// The CAP sender.
    pub sender: String,
    /// `Actual`, `Exercise` or `Test`.
    pub status: String,
    /// `Alert`, `Update` or `Cancel`.
    pub msg_type: String,
    /// The CAP `sent`, as the sender wrote it.
    pub sent: String,
    /// `active`, `updated` (a later message replaced it), `cancelled` or `expired`.
    pub state: String,
    /// The latest published message of the same thread, when it is not this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_id: Option<i64>,
    /// One entry per CAP `info`, in the CAP's order.
    pub infos: Vec<PublicInfo>,
}

/// One CAP `info`.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicInfo {
    /// The language tag (`en-US` when the CAP gives none).
    pub language: String,
    pub event: String,
    pub severity: String,
    pub urgency: String,
    pub certainty: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instruction: Option<String>,
    /// The issuing authority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The areas' descriptions, joined with `, `.
    pub area_desc: String,
    /// Each area with its shapes.
    pub areas: Vec<PublicArea>,
}

/// One CAP `area`: polygons as a GeoJSON MultiPolygon (`[lon, lat]`), circles as centre and
/// radius (GeoJSON has no circles).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicArea {
    pub area_desc: String,
    /// A GeoJSON MultiPolygon, or null when the area has no polygon.
    #[schemars(with = "Option<serde_json::Value>")]
    pub geometry: Option<Value>,
    pub circles: Vec<PublicCircle>,
}

/// A CAP circle.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicCircle {
    /// `[lon, lat]`, as in GeoJSON.
    pub center: [f64; 2],
    pub radius_km: f64,
}

/// A named area's outline.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicNamedArea {
    pub id: i64,
    pub name: String,
    /// A GeoJSON MultiPolygon.
    #[schemars(with = "Option<serde_json::Value>")]
    pub geometry: Option<Value>,
}

/// Polygons as a GeoJSON MultiPolygon, `None` when there are none.
pub fn multipolygon(polygons: &[Polygon]) -> Option<Value> {
    let rings: Vec<Value> = polygons
        .iter()
        .map(|p| json!([p.points().iter().map(|pt| [round(pt.lon()), round(pt.lat())]).collect::<Vec<_>>()]))
        .collect();
    (!rings.is_empty()).then(|| json!({ "type": "MultiPolygon", "coordinates": rings }))
}

/// Six decimals (about 10 cm): more only makes the answer longer.
fn round(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// The active public alerts (issued, not expired, not a Cancel), most severe first, then
/// newest; Exercise and Test only when `with_exercises`.
pub async fn active(ex: &mut impl Executor, now_ms: i64, with_exercises: bool) -> Result<Vec<PublicAlert>> {
    let rows = alerts::active_public(ex, now_ms).await?;
    let mut out: Vec<(u8, i64, PublicAlert)> = rows
        .iter()
        .filter(|r| r.msg_type != "Cancel" && (with_exercises || r.cap_status == "Actual"))
        .filter_map(|r| parse(r).map(|a| view(r, &a, now_ms, None)).map(|v| (rank(&v), r.sent_ms.unwrap_or(0), v)))
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    Ok(out.into_iter().map(|(_, _, a)| a).collect())
}

/// One published public alert, also when it has been updated, cancelled or has expired, and
/// also an Exercise or Test that the list leaves out: a resident who asked for exercises got
/// its notification, and the tap must open it.
pub async fn one(ex: &mut impl Executor, id: i64, now_ms: i64) -> Result<PublicAlert> {
    let row = alerts::by_id(ex, id).await?.ok_or(Error::NotFound("public alert"))?;
    if !PUBLISHED.contains(&row.state.as_str()) || row.scope != "Public" {
        return Err(Error::NotFound("public alert"));
    }
    let alert = parse(&row).ok_or(Error::NotFound("public alert"))?;
    let latest = alerts::thread(ex, row.thread_id)
        .await?
        .iter()
        .filter(|r| PUBLISHED.contains(&r.state.as_str()) && r.scope == "Public")
        .map(|r| r.id)
        .max()
        .filter(|l| *l != id);
    Ok(view(&row, &alert, now_ms, latest))
}

/// Every named area's outline.
pub async fn named_areas(ex: &mut impl Executor) -> Result<Vec<PublicNamedArea>> {
    Ok(super::areas::all(ex)
        .await?
        .into_iter()
        .map(|a| PublicNamedArea { id: a.id, name: a.name, geometry: multipolygon(&a.polygons) })
        .collect())
}

fn parse(row: &AlertRow) -> Option<Alert> {
    let xml = row.cap_xml.as_deref()?;
    Reader::new().mode(Mode::Lenient).read(xml).ok().map(|d| d.alert)
}

/// The alert's highest severity, for ordering.
fn rank(a: &PublicAlert) -> u8 {
    let of = |s: &str| match s {
        "Extreme" => 4,
        "Severe" => 3,
        "Moderate" => 2,
        "Minor" => 1,
        _ => 0,
    };
    a.infos.iter().map(|i| of(&i.severity)).max().unwrap_or(0)
}

fn view(row: &AlertRow, a: &Alert, now_ms: i64, latest_id: Option<i64>) -> PublicAlert {
    let expired = row.expires_ms.is_some_and(|e| e <= now_ms);
    let state = match row.state.as_str() {
        "issued" if expired => "expired",
        "issued" => "active",
        "superseded" => "updated",
        other => other,
    };
    PublicAlert {
        id: row.id,
        identifier: a.identifier.as_str().to_owned(),
        sender: a.sender.as_str().to_owned(),
        status: a.status.to_string(),
        msg_type: a.msg_type.to_string(),
        sent: a.sent.to_string(),
        state: state.to_owned(),
        latest_id,
        infos: a.infos.iter().map(info).collect(),
    }
}

fn info(i: &Info) -> PublicInfo {
    let severity: Severity = i.severity;
    PublicInfo {
        language: i.language_or_default().to_owned(),
        event: i.event.clone(),
        severity: severity.to_string(),
        urgency: i.urgency.to_string(),
        certainty: i.certainty.to_string(),
        headline: i.headline.clone(),
        description: i.description.clone(),
        instruction: i.instruction.clone(),
        sender_name: i.sender_name.clone(),
        onset: i.onset.as_ref().map(ToString::to_string),
        expires: i.expires.as_ref().map(ToString::to_string),
        area_desc: i.areas.iter().map(|a| a.area_desc.as_str()).collect::<Vec<_>>().join(", "),
        areas: i.areas.iter().map(area).collect(),
    }
}

fn area(a: &Area) -> PublicArea {
    PublicArea {
        area_desc: a.area_desc.clone(),
        geometry: multipolygon(&a.polygons),
        circles: a.circles.iter().map(circle).collect(),
    }
}

fn circle(c: &Circle) -> PublicCircle {
    let p = c.center();
    PublicCircle { center: [round(p.lon()), round(p.lat())], radius_km: c.radius_km() }
}
