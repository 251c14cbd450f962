//! CAP posted by integrations (a regional operations centre): validated, then by policy issued
//! at once, queued for approval, or refused. A signed message is verified and refused if its
//! signature is broken; `ingest.require_signature` (for every token, or the tokens named in
//! `require_signature_from`) refuses unsigned ones too. The posted bytes are kept as they
//! came, so a signed message is relayed unchanged.

use cap_alerts::{Finding, Profile, Reader};
use serde_json::json;

use super::content::AlertContent;
use super::lifecycle::{get, issue_row, record};
use super::state::State;
use crate::app::App;
use crate::config::IngestPolicy;
use crate::db::alerts::{self, AlertRow, Frozen, Mark, NewAlert};
use crate::domain::caller::Caller;
use crate::domain::crypto::sha256_hex;
use crate::domain::error::{Error, Result};
use crate::domain::signatures;
use crate::metrics::Metrics;

/// What ingesting produced.
#[derive(Debug)]
pub struct Ingested {
    /// The alert.
    pub row: AlertRow,
    /// The findings (warnings only, since errors refuse).
    pub findings: Vec<Finding>,
    /// Whether this exact message had been posted before.
    pub duplicate: bool,
}

/// Ingests a CAP document.
pub async fn ingest(app: &App, caller: &Caller, bytes: &[u8]) -> Result<Ingested> {
    let mut reader = Reader::new().max_bytes(app.settings.cap.max_bytes);
    if let Some(p) = Profile::by_name(&app.settings.ingest.profile) {
        reader = reader.profile(p);
    }
    let doc = match reader.read(bytes) {
        Ok(doc) => doc,
        Err(rejection) => {
            Metrics::count(&app.metrics.cap_ingest, "refused");
            return Err(Error::Findings(rejection.findings));
        }
    };
    // A parent of a cascade (known by its token's name) has its own policy and signature rule.
    let parent = match &caller.actor {
        crate::domain::audit::Actor::Token { name, .. } => app.settings.cascade.parent(name),
        _ => None,
    };
    let policy = parent.map_or(app.settings.ingest.policy, |p| p.policy);
    if policy == IngestPolicy::Refuse {
        Metrics::count(&app.metrics.cap_ingest, "refused");
        return Err(Error::Forbidden("this instance does not accept posted CAP (ingest.policy = refuse)".into()));
    }
    // A signed message is always verified; an unsigned or untrusted one only if required.
    let must_sign = app.settings.ingest.must_sign(&caller.actor) || parent.is_some_and(|p| p.require_signature);
    let signature = match signatures::check(app, bytes).and_then(|c| c.required(must_sign)) {
        Ok(checked) => checked,
        Err(e) => {
            Metrics::count(&app.metrics.cap_ingest, "refused");
            return Err(e);
        }
    };
    let alert = &doc.alert;
    if let Some((field, len)) = oversized_name(alert) {
        Metrics::count(&app.metrics.cap_ingest, "refused");
        return Err(Error::invalid(
            format!("/alert/{field}"),
            format!(
                "is {len} bytes long; Tocsin takes at most {MAX_NAME_BYTES} (it is stored and indexed as the message's name)"
            ),
        ));
    }
    if let Some(name) = control_parameter(alert)
        && !app.settings.ingest.trusts_control_parameters(&caller.actor)
    {
        Metrics::count(&app.metrics.cap_ingest, "refused");
        return Err(Error::invalid(
            "/alert/info/parameter",
            format!(
                "{name} is one of Tocsin's control parameters (they choose channels, sirens and signals beyond the \
                 alert's area); CAP from outside may carry them only from a token named in ingest.control_parameters_from"
            ),
        ));
    }
    let sha = sha256_hex(bytes);
    let mut tx = app.db.begin().await?;
    if let Some(existing) = alerts::by_identifier(&mut tx, alert.sender.as_str(), alert.identifier.as_str()).await? {
        if existing.cap_sha256.as_deref() == Some(sha.as_str()) {
            return Ok(Ingested { row: existing, findings: doc.findings, duplicate: true });
        }
        return Err(Error::Conflict(format!(
            "a different message from {} with identifier {} was posted before; CAP identifiers are unique per sender",
            alert.sender, alert.identifier
        )));
    }
    let token = match &caller.actor {
        crate::domain::audit::Actor::Token { id, .. } => Some(*id),
        _ => None,
    };
    // Staff may post CAP with their session (a file from a neighbouring authority, say): it
    // is recorded as theirs, so they cannot be its second person, and it always waits for an
    // approver: `ingest.policy = issue` is for an integration's token, not for one person.
    let poster = caller.user_id();
    // A parent's Cancel is never held for a local approver: a correction takes one step. What
    // of its thread still waits here for an approver is withdrawn with it.
    let parent_cancel = parent.is_some() && alert.msg_type == cap_alerts::model::MsgType::Cancel;
    let would_issue = poster.is_none() && (policy == IngestPolicy::Issue || parent_cancel);
    let hold = if would_issue { unconfirmed(&mut tx, token).await? } else { None };
    let parent_cancel = parent_cancel && hold.is_none();
    let incoming = Incoming {
        origin: if parent.is_some() { "cascade" } else { "ingested" },
        token,
        author: poster,
        feed: None,
        issue: would_issue,
        action: "cap.ingest",
        details: json!({
            "identifier": alert.identifier,
            "sender": alert.sender,
            "policy": policy,
            "parent": parent.is_some(),
            "postedBy": poster,
            "signature": signature.audit(),
            "unconfirmedToken": hold.is_some(),
        }),
        hold,
    };
    let row = store_incoming(app, &mut tx, caller, alert, bytes, incoming).await?;
    if parent_cancel {
        let waiting = [State::Submitted.as_str(), State::Approved.as_str()];
        for m in alerts::thread(&mut tx, row.thread_id).await? {
            if m.id != row.id && waiting.contains(&m.state.as_str()) {
                let reason = Some("cancelled by the parent instance");
                alerts::transition(&mut tx, m.id, &waiting, State::Withdrawn.as_str(), Mark::None, reason).await?;
                let m = get(&mut tx, m.id).await?;
                record(&mut tx, caller, "alert.withdraw", &m, json!({ "reason": reason })).await?;
            }
        }
    }
    tx.commit().await?;
    app.wake.plan();
    Metrics::count(&app.metrics.cap_ingest, "accepted");
    Ok(Ingested { row, findings: doc.findings, duplicate: false })
}

/// Why CAP posted with `token` waits for an approver whatever the policy says: the token was
/// made in the admin app or the API and no second person has confirmed it (issue 18, item 4).
async fn unconfirmed(tx: &mut crate::db::Tx, token: Option<i64>) -> Result<Option<String>> {
    let Some(id) = token else { return Ok(None) };
    let row = crate::db::tokens::by_id(&mut *tx, id).await?;
    Ok(row.filter(|t| t.confirmed_ms.is_none()).map(|t| {
        format!(
            "held: the API token {} that posted it has not been confirmed by a second person (an approver who did \
             not create it); until then what it posts waits for an approver",
            t.name
        )
    }))
}

/// How a CAP message from outside is stored: where it came from, and whether it is issued at
/// once or waits for an approver.
pub(crate) struct Incoming<'a> {
    /// `ingested`, `feed`.
    pub origin: &'a str,
    /// The API token that posted it, if one did.
    pub token: Option<i64>,
    /// The person who posted it with their session, if one did.
    pub author: Option<i64>,
    /// The feed subscription it was read from, if it was.
    pub feed: Option<i64>,
    /// Issue at once (an Update supersedes and a Cancel cancels its thread's issued messages).
    pub issue: bool,
    /// The audit action, such as `cap.ingest`.
    pub action: &'a str,
    /// The audit details.
    pub details: serde_json::Value,
    /// Why it waits for an approver although its route would issue it at once: the token or
    /// feed it came by has not been confirmed by a second person.
    pub hold: Option<String>,
}

/// Where a message from outside came in: how (`ingested`, `cascade`, `feed`), and by which
/// token or feed subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Route<'a> {
    pub origin: &'a str,
    pub token: Option<i64>,
    pub feed: Option<i64>,
}

/// The threads a message from outside may join, and the references it may not follow.
#[derive(Debug, Default)]
pub(crate) struct Joins {
    /// The thread of the first referenced message it may follow.
    pub thread: Option<i64>,
    /// References to messages stored here that it may not follow: another sender's, or one
    /// that came by another route (a local warning, another feed, another token).
    pub refused: Vec<String>,
}

/// Which of the messages `alert` references it may follow. A message joins a thread (and so
/// can update or cancel it) only when the referenced message has the same sender and came in
/// by the same route: the same token, the same feed, the same parent. A feed or a token can
/// never correct a warning written here, nor one that came from elsewhere.
pub(crate) async fn joins(
    ex: &mut impl crate::db::Executor,
    alert: &cap_alerts::Alert,
    route: Route<'_>,
) -> Result<Joins> {
    let mut out = Joins::default();
    for r in &alert.references {
        let Some(m) = alerts::by_identifier(&mut *ex, r.sender.as_str(), r.identifier.as_str()).await? else {
            continue;
        };
        let feed = if m.origin == "feed" { crate::db::feeds::feed_of_alert(&mut *ex, m.id).await? } else { None };
        let theirs = Route { origin: m.origin.as_str(), token: m.token_id, feed };
        if r.sender.as_str() == alert.sender.as_str() && theirs == route {
            out.thread = out.thread.or(Some(m.thread_id));
        } else {
            out.refused.push(format!("{},{}", r.sender.as_str(), r.identifier.as_str()));
        }
    }
    Ok(out)
}

/// Stores a CAP message from outside (posted, or read from a subscribed feed) with its bytes
/// as they came, in the caller's transaction: in the thread of the first message its
/// references name that it may follow ([`joins`]), audited, and issued at once when
/// `incoming.issue`. A message whose references name messages here it may not follow is
/// stored as an alert of its own, held for an approver whatever the policy, with the reason in
/// its `reason` and in the audit log.
pub(crate) async fn store_incoming(
    app: &App,
    tx: &mut crate::db::Tx,
    caller: &Caller,
    alert: &cap_alerts::Alert,
    bytes: &[u8],
    mut incoming: Incoming<'_>,
) -> Result<AlertRow> {
    let route = Route { origin: incoming.origin, token: incoming.token, feed: incoming.feed };
    let joins = joins(&mut *tx, alert, route).await?;
    let by = (incoming.author, incoming.token);
    let id = insert_frozen(tx, alert, bytes, incoming.origin, by, joins.thread).await?;
    if let Some(reason) = incoming.hold.as_deref() {
        alerts::set_reason(&mut *tx, id, reason).await?;
        incoming.issue = false;
    }
    let held = !joins.refused.is_empty();
    if held {
        let reason = format!(
            "held: it references {} stored here, which came from another sender or by another route; \
             it was kept as an alert of its own and does not update or cancel them",
            joins.refused.join(" ")
        );
        alerts::set_reason(&mut *tx, id, &reason).await?;
        tracing::warn!(alert = id, "a message from outside named messages it may not follow; held for an approver");
        incoming.issue = false;
    }
    let row = get(&mut *tx, id).await?;
    record(tx, caller, incoming.action, &row, incoming.details).await?;
    if held {
        record(tx, caller, "cap.reference_refused", &row, json!({ "references": joins.refused })).await?;
    }
    if !incoming.issue {
        return Ok(row);
    }
    alerts::transition(&mut *tx, id, &[State::Submitted.as_str()], State::Approved.as_str(), Mark::None, None).await?;
    let row = get(&mut *tx, id).await?;
    issue_row(app, tx, caller, &row).await
}

/// Stores a CAP message that is already frozen (posted, or made by Tocsin itself) as a new
/// alert row, submitted and waiting for approval; gives its id. `by` is the author and the
/// token, when known.
pub(crate) async fn insert_frozen(
    tx: &mut crate::db::Tx,
    alert: &cap_alerts::Alert,
    bytes: &[u8],
    origin: &str,
    by: (Option<i64>, Option<i64>),
    thread_id: Option<i64>,
) -> Result<i64> {
    let content = AlertContent {
        status: alert.status,
        scope: alert.scope,
        restriction: alert.restriction.clone(),
        addresses: alert.addresses.clone(),
        note: alert.note.clone(),
        incidents: alert.incidents.clone(),
        infos: alert.infos.clone(),
        channels: crate::fanout::choice::Choice::of(alert).names(),
        areas: Vec::new(),
        template: None,
        from: None,
    };
    let json = serde_json::to_string(&content).map_err(|e| Error::Internal(e.into()))?;
    let new = NewAlert {
        thread_id,
        msg_type: alert.msg_type.as_str(),
        cap_status: alert.status.as_str(),
        scope: alert.scope.as_str(),
        state: State::Draft.as_str(),
        origin,
        content: &json,
        author_id: by.0,
        token_id: by.1,
    };
    let id = alerts::insert(&mut *tx, &new).await?;
    let first = alert.infos.first();
    let frozen = Frozen {
        identifier: alert.identifier.as_str(),
        sender: alert.sender.as_str(),
        sent_ms: alert.sent.to_utc().timestamp_millis(),
        cap_xml: bytes,
        cap_sha256: &sha256_hex(bytes),
        headline: first.and_then(|i| i.headline.as_deref()),
        event: first.map(|i| i.event.as_str()),
        severity: first.map(|i| i.severity.as_str()),
        urgency: first.map(|i| i.urgency.as_str()),
        expires_ms: alert.infos.iter().filter_map(|i| i.expires).map(|e| e.to_utc().timestamp_millis()).max(),
    };
    alerts::freeze(&mut *tx, id, 1, State::Draft.as_str(), State::Submitted.as_str(), &frozen).await?;
    Ok(id)
}

/// The longest `identifier` and `sender` Tocsin stores, in bytes. CAP sets no limit; real ones
/// are under 200 bytes, and PostgreSQL cannot index the pair beyond about 2,700 (a 600 KB
/// identifier failed there with an internal error).
pub(crate) const MAX_NAME_BYTES: usize = 500;

/// The field of an alert's name that is longer than [`MAX_NAME_BYTES`], and its length.
pub(crate) fn oversized_name(alert: &cap_alerts::Alert) -> Option<(&'static str, usize)> {
    [("identifier", alert.identifier.as_str().len()), ("sender", alert.sender.as_str().len())]
        .into_iter()
        .find(|(_, len)| *len > MAX_NAME_BYTES)
}

/// The first of Tocsin's own control parameters (`TOCSIN_…`) an alert carries, if any.
pub(crate) fn control_parameter(alert: &cap_alerts::Alert) -> Option<String> {
    alert
        .infos
        .iter()
        .flat_map(|i| i.parameters.iter())
        .find(|p| p.value_name.trim().to_ascii_uppercase().starts_with("TOCSIN_"))
        .map(|p| p.value_name.clone())
}
