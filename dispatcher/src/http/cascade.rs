//! Cascades, as the parent sees them: `GET /api/v1/alerts/{id}/cascade` (each child's
//! hand-over and latest report, and the counts of parent and children together) and
//! `GET /api/v1/cascade/children` (the configured children). The child's side is
//! `GET /api/v1/cap/report`, beside `POST /api/v1/cap` in `cap.rs`.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::error::ApiResult;
use super::extract::Id;
use super::routes::{Access, Endpoint, READERS};
use crate::app::App;
use crate::domain::cascade::view::{self, CascadeView};

/// The cascade's routes.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get(
            "/api/v1/alerts/{id}/cascade",
            Access::Roles(READERS),
            "alerts",
            "The alert across the cascade: each child's hand-over and report, and all counts together",
            alert_view,
        )
        .returns::<CascadeView>(),
        Endpoint::get(
            "/api/v1/cascade/children",
            Access::Roles(READERS),
            "alerts",
            "The child instances this one hands its alerts to",
            children,
        )
        .returns::<Vec<ChildInfo>>(),
    ]
}

async fn alert_view(State(app): State<App>, Id(id): Id) -> ApiResult<Json<CascadeView>> {
    Ok(Json(view::of(&app, id).await?))
}

/// A configured child (its token never shown).
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChildInfo {
    /// Its id and name.
    pub id: i64,
    pub name: String,
    /// Its base URL.
    pub url: String,
    /// The stored named areas of its territory.
    pub areas: Vec<String>,
    /// Polygons of its territory from its GeoJSON file.
    pub polygons: usize,
    /// Whether Exercise and Test alerts go to it.
    pub exercises: bool,
}

async fn children(State(app): State<App>) -> Json<Vec<ChildInfo>> {
    Json(
        app.cascade
            .children
            .iter()
            .map(|c| ChildInfo {
                id: c.id,
                name: c.name.clone(),
                url: c.url.clone(),
                areas: c.areas.clone(),
                polygons: c.polygons.len(),
                exercises: c.exercises,
            })
            .collect(),
    )
}
