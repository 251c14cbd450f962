//! `ApiError`: every failure at the HTTP edge as RFC 9457 problem+json, with a stable code
//! (`API-001` …, listed in `docs/api-errors.md`), the field at fault where there is one, and
//! CAP findings where they explain it. Internal details are logged once, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cap_alerts::Finding;
use serde::Serialize;

use crate::domain::error::Error;

/// A problem to answer with (boxed, so that results stay small).
#[derive(Debug)]
pub struct ApiError(Box<Details>);

/// What a problem says.
#[derive(Debug)]
pub struct Details {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable code.
    pub code: &'static str,
    /// A short, fixed title for the code.
    pub title: &'static str,
    /// What happened here.
    pub detail: String,
    /// The field at fault, as a JSON pointer.
    pub field: Option<String>,
    /// CAP findings, for CAP errors.
    pub findings: Vec<Finding>,
    /// Seconds to wait, for rate limits.
    pub retry_after: Option<u64>,
}

/// The codes, their statuses and titles.
pub const CODES: &[(&str, u16, &str)] = &[
    ("API-001", 400, "malformed request body"),
    ("API-002", 422, "invalid field"),
    ("API-003", 401, "authentication required"),
    ("API-004", 403, "not allowed for this role"),
    ("API-005", 403, "CSRF token missing or wrong"),
    ("API-006", 404, "not found"),
    ("API-007", 409, "conflict with the current state"),
    ("API-008", 403, "two-person rule"),
    ("API-009", 422, "the CAP message has errors"),
    ("API-010", 429, "too many attempts"),
    ("API-011", 413, "request body too large"),
    ("API-012", 415, "unsupported media type"),
    ("API-013", 422, "no resolvable area"),
    ("API-014", 403, "second factor required"),
    ("API-015", 403, "password change required"),
    ("API-016", 409, "the approved version is not the current one"),
    ("API-017", 405, "method not allowed"),
    ("API-018", 409, "confirmation required"),
    ("API-019", 422, "verification code expired or void"),
    ("API-020", 400, "malformed query string"),
    ("API-021", 422, "the XML signature is refused"),
    ("API-022", 409, "this push subscription is already signed up"),
    ("API-500", 500, "internal error"),
];

impl ApiError {
    /// A problem with a code from [`CODES`].
    pub fn new(code: &'static str, detail: impl Into<String>) -> Self {
        let (status, title) = CODES
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(_, s, t)| (StatusCode::from_u16(*s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), *t))
            .unwrap_or((StatusCode::INTERNAL_SERVER_ERROR, "internal error"));
        ApiError(Box::new(Details {
            status,
            code,
            title,
            detail: detail.into(),
            field: None,
            findings: Vec::new(),
            retry_after: None,
        }))
    }

    /// The same problem, naming a field.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.0.field = Some(field.into()).filter(|f: &String| !f.is_empty());
        self
    }

    /// The same problem, with CAP findings.
    pub fn with_findings(mut self, findings: Vec<Finding>) -> Self {
        self.0.findings = findings;
        self
    }

    /// The same problem, with another status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.0.status = status;
        self
    }

    /// The same problem, asking the client to wait.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.0.retry_after = Some(seconds);
        self
    }

    /// What the problem says.
    pub fn details(&self) -> &Details {
        &self.0
    }

    /// An invalid field.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiError::new("API-002", detail).with_field(field)
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "<[Finding]>::is_empty")]
    findings: &'a [Finding],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let d = *self.0;
        let body = Problem {
            kind: format!("urn:tocsin:problem:{}", d.code),
            title: d.title,
            status: d.status.as_u16(),
            detail: &d.detail,
            code: d.code,
            field: d.field.as_deref(),
            findings: &d.findings,
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut resp = (d.status, json).into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(s) = d.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if d.status == StatusCode::UNAUTHORIZED {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"tocsin\""));
        }
        resp
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::NotFound(what) => ApiError::new("API-006", format!("{what} not found")),
            Error::Invalid { field, message } => {
                let detail = if field.is_empty() { message } else { format!("{field}: {message}") };
                ApiError::new("API-002", detail).with_field(field)
            }
            Error::Findings(findings) => {
                let first = findings.iter().find(|f| f.is_error()).map(ToString::to_string).unwrap_or_default();
                ApiError::new("API-009", format!("the CAP message has errors; the first: {first}"))
                    .with_findings(findings)
            }
            Error::NoResolvableArea(findings) => ApiError::new(
                "API-013",
                "the alert has no area that can be targeted: add a named area, a polygon or a circle",
            )
            .with_field("/areas")
            .with_findings(findings),
            Error::Conflict(m) => ApiError::new("API-007", m),
            Error::PushTaken(m) => ApiError::new("API-022", m).with_field("/subscription"),
            Error::ConfirmationNeeded { reasons, detail } => {
                ApiError::new("API-018", format!("{detail}; submit again with \"confirm\": {reasons:?}"))
                    .with_field("/confirm")
            }
            Error::Stale => ApiError::new("API-016", e.to_string()).with_field("/capSha256"),
            Error::TwoPersonRule(m) => ApiError::new("API-008", m),
            Error::Forbidden(m) => ApiError::new("API-004", m),
            Error::Unauthenticated(m) => ApiError::new("API-003", m),
            Error::SecondFactor(m) => ApiError::new("API-014", m).with_field("/totp"),
            Error::RateLimited { retry_after_s } | Error::LoginLimited { retry_after_s } => {
                ApiError::new("API-010", e.to_string()).with_retry_after(retry_after_s)
            }
            Error::TooMany { retry_after_s, .. } => {
                ApiError::new("API-010", e.to_string()).with_retry_after(retry_after_s)
            }
            Error::CodeVoid(m) => ApiError::new("API-019", m).with_field("/code"),
            Error::PasswordChangeRequired => ApiError::new("API-015", e.to_string()),
            Error::Signature(_) => ApiError::new("API-021", e.to_string()),
            Error::Db(err) => {
                tracing::error!(error = %err, "database error");
                ApiError::new("API-500", "an internal error occurred; it has been logged")
            }
            Error::Internal(err) => {
                tracing::error!(error = format!("{err:#}"), "internal error");
                ApiError::new("API-500", "an internal error occurred; it has been logged")
            }
        }
    }
}

/// Results of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

/// The codes as a Markdown table, as kept in `docs/api-errors.md`.
pub fn codes_markdown() -> String {
    let mut out = String::from("| code | status | title |\n|---|---|---|\n");
    for (code, status, title) in CODES {
        out.push_str(&format!("| `{code}` | {status} | {title} |\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_documented() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api-errors.md")).unwrap();
        assert!(doc.contains(&codes_markdown()), "update the table in docs/api-errors.md:\n{}", codes_markdown());
    }
}
