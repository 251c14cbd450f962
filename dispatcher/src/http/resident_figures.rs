//! `/api/v1/residents/stats` and `/api/v1/residents/import`: what staff see of residents
//! (counts per channel and named area, never an address) and municipal lists imported as CSV,
//! with the same reader and rules as `tocsin residents import`.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiQuery, body_bytes, has_media_type};
use super::routes::{Access, Endpoint, READERS};
use crate::app::App;
use crate::domain::caller::Caller;
use crate::domain::residents::import::{self, Options, Report};
use crate::domain::residents::stats::{self, ResidentStats};
use crate::domain::roles::Role;

/// Who may import lists of residents.
const IMPORTERS: &[Role] = &[Role::Operator, Role::Admin];

/// The routes.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        // Every staff role: the same figures per area are what an alert's reach shows authors
        // and approvers, and they hold no personal data.
        Endpoint::get(
            "/api/v1/residents/stats",
            Access::Roles(READERS),
            "residents",
            "Subscriptions per channel and named area, verified or pending (no personal data)",
            figures,
        )
        .returns::<ResidentStats>(),
        Endpoint::post(
            "/api/v1/residents/import",
            Access::Roles(IMPORTERS),
            "residents",
            "Import residents from CSV (?dryRun=true checks and stores nothing; ?skipBadRows=true imports the good rows)",
            import_csv,
        )
        .body_media("text/csv")
        .returns::<ImportView>(),
    ]
}

async fn figures(State(app): State<App>) -> ApiResult<Json<ResidentStats>> {
    Ok(Json(stats::stats(&app).await?))
}

/// How to import.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    skip_bad_rows: bool,
}

/// A row that was refused.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Refusal {
    /// Its line in the file.
    pub line: usize,
    /// The column at fault.
    pub field: String,
    /// What is wrong and what is allowed (never the address).
    pub reason: String,
}

/// An address skipped because it is already subscribed or repeated.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Duplicate {
    /// Its line in the file.
    pub line: usize,
    /// The address, mostly hidden: `+42190•••••56`, `j•••@example.org`.
    pub masked: String,
}

/// What an import did, or would do.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportView {
    /// Whether this was a dry run (nothing stored).
    pub dry_run: bool,
    /// Data rows read.
    pub rows: usize,
    /// Subscriptions imported (or that would be): a row with a phone and an email is two.
    pub imported: usize,
    /// Addresses skipped as already subscribed or repeated.
    pub duplicates: Vec<Duplicate>,
    /// Rows refused.
    pub bad: Vec<Refusal>,
    /// Whether nothing was (or would be) imported because of refused rows.
    pub refused: bool,
}

impl ImportView {
    fn new(dry_run: bool, r: Report) -> Self {
        ImportView {
            dry_run,
            rows: r.rows,
            imported: if r.refused { 0 } else { r.imported },
            duplicates: r.duplicates.into_iter().map(|(line, masked)| Duplicate { line, masked }).collect(),
            bad: r.bad.into_iter().map(|b| Refusal { line: b.line, field: b.field, reason: b.reason }).collect(),
            refused: r.refused,
        }
    }
}

/// 201 when subscriptions were stored, 200 for a dry run or a refused file.
async fn import_csv(
    State(app): State<App>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ImportQuery>,
    req: Request,
) -> ApiResult<(StatusCode, Json<ImportView>)> {
    if !has_media_type(&req, &["text/csv"]) {
        return Err(ApiError::new("API-012", "send the list as text/csv"));
    }
    let bytes = body_bytes(req, app.settings.residents.import_max_bytes).await?;
    let text = std::str::from_utf8(&bytes).map_err(|_| ApiError::new("API-001", "the file is not UTF-8"))?;
    let opts = Options { skip_bad_rows: q.skip_bad_rows, dry_run: q.dry_run };
    let report = import::import(&app, (&caller.actor, &caller.address), text, opts, &mut |_, _| {}).await?;
    let stored = !q.dry_run && !report.refused;
    let status = if stored { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(ImportView::new(q.dry_run, report))))
}
