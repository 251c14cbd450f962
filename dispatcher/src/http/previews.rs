//! `/api/v1/alerts/{id}/previews`: what each chosen channel would send of an alert, for its
//! author before submitting and for its approver, drafts and frozen alerts alike.

use axum::Json;
use axum::extract::State;

use super::error::ApiResult;
use super::extract::Id;
use super::routes::{Access, Endpoint, READERS};
use crate::app::App;
use crate::domain::alerts::build;
use crate::fanout::previews::{self, Previews};

/// The previews' route.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get(
            "/api/v1/alerts/{id}/previews",
            Access::Roles(READERS),
            "alerts",
            "What push, SMS, email, displays and sirens would send, per language, as the sending renders it",
            get,
        )
        .returns::<Previews>(),
    ]
}

async fn get(State(app): State<App>, Id(id): Id) -> ApiResult<Json<Previews>> {
    let alert = build::frozen_or_preview(&app, id).await?;
    Ok(Json(previews::of(&app, id, &alert)))
}
