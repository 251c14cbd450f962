//! The alert lifecycle: draft, submitted (frozen as CAP), approved by a second person, issued;
//! or rejected, withdrawn. Every step is one transaction with its audit record, and moves the
//! alert only from the state it was seen in.

use std::collections::BTreeMap;

use cap_alerts::model::{CapDateTime, Identifier, MsgType, Reference, Sender, Status};
use serde_json::json;

use super::build::{Envelope, authoring_profile, build, freeze};
use super::content::AlertContent;
use super::state::{State, approval_rule};
use crate::app::App;
use crate::config::ApprovalRule;
use crate::db::alerts::{self, AlertRow, Frozen, Mark, NewAlert};
use crate::db::{Executor, Tx, now_ms, templates};
use crate::domain::audit::{self, Event};
use crate::domain::caller::Caller;
use crate::domain::crypto::sha256_hex;
use crate::domain::error::{Error, Result};
use crate::domain::{areas, sessions};
use crate::metrics::Metrics;

/// How a new alert starts: from content, a template or an earlier alert, with overrides.
#[derive(Clone, Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRequest {
    /// The whole content.
    pub content: Option<serde_json::Value>,
    /// A template to start from, by id.
    pub template: Option<i64>,
    /// Values for the template's placeholders.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// An earlier alert to start from, by id.
    pub from: Option<i64>,
    /// Overrides the status: `Actual`, `Exercise` or `Test`.
    pub status: Option<String>,
    /// Overrides the named areas.
    pub areas: Option<Vec<i64>>,
    /// Sets every info block to expire this many minutes from now.
    pub expires_in_minutes: Option<u32>,
}

/// Creates a draft.
pub async fn create(app: &App, caller: &Caller, req: CreateRequest) -> Result<AlertRow> {
    let mut tx = app.db.begin().await?;
    let mut content = match (req.content, req.template, req.from) {
        (Some(c), None, None) => AlertContent::from_json(c)?,
        (None, Some(t), None) => {
            let row = templates::by_id(&mut tx, t)
                .await?
                .ok_or_else(|| Error::invalid("/template", format!("there is no template {t}")))?;
            let mut c =
                AlertContent::from_json(serde_json::from_str(&row.content).map_err(|e| Error::Internal(e.into()))?)?;
            c.fill(&req.values)?;
            (c.template, c.from) = (Some(t), None);
            c
        }
        (None, None, Some(id)) => {
            let row = alerts::by_id(&mut tx, id)
                .await?
                .ok_or_else(|| Error::invalid("/from", format!("there is no alert {id}")))?;
            let mut c =
                AlertContent::from_json(serde_json::from_str(&row.content).map_err(|e| Error::Internal(e.into()))?)?;
            (c.template, c.from) = (None, Some(id));
            c
        }
        _ => return Err(Error::invalid("", "give exactly one of content, template or from")),
    };
    if let Some(s) = &req.status {
        content.status =
            s.parse().map_err(|e: cap_alerts::model::NotAllowed| Error::invalid("/status", e.to_string()))?;
    }
    if let Some(a) = req.areas {
        content.areas = a;
    }
    if let Some(minutes) = req.expires_in_minutes {
        let at = local_now_plus(i64::from(minutes) * 60);
        content.infos.iter_mut().for_each(|i| i.expires = Some(at));
    }
    content.check()?;
    crate::fanout::choice::check(&content.channels, &crate::fanout::choice::allowed(app))?;
    areas::load(&mut tx, &content.areas).await?;
    let json = serde_json::to_string(&content).map_err(|e| Error::Internal(e.into()))?;
    let new = NewAlert::draft(
        None,
        MsgType::Alert.as_str(),
        content.status.as_str(),
        content.scope.as_str(),
        &json,
        caller.user_id(),
    );
    let id = alerts::insert(&mut tx, &new).await?;
    let row = get(&mut tx, id).await?;
    record(&mut tx, caller, "alert.create", &row, json!({ "template": req.template, "from": req.from })).await?;
    tx.commit().await?;
    Ok(row)
}

/// Replaces a draft's content; only its author may, and only from the version they saw.
pub async fn edit(app: &App, caller: &Caller, id: i64, version: i64, content: serde_json::Value) -> Result<AlertRow> {
    let content = AlertContent::from_json(content)?;
    crate::fanout::choice::check(&content.channels, &crate::fanout::choice::allowed(app))?;
    let mut tx = app.db.begin().await?;
    let row = get(&mut tx, id).await?;
    only_author(caller, &row, "edit")?;
    expect_state(&row, &[State::Draft], "edited")?;
    areas::load(&mut tx, &content.areas).await?;
    let json = serde_json::to_string(&content).map_err(|e| Error::Internal(e.into()))?;
    if alerts::update_content(&mut tx, id, version, &json, content.status.as_str(), content.scope.as_str()).await? == 0
    {
        return Err(Error::Conflict(format!("the draft is at version {}, not {version}: reload it", row.version)));
    }
    let row = get(&mut tx, id).await?;
    record(&mut tx, caller, "alert.edit", &row, json!({})).await?;
    tx.commit().await?;
    Ok(row)
}

/// Submits a draft: builds and freezes its CAP message, which must pass the authoring profile
/// (in particular, have an area that can be targeted). An alert that reaches nobody, or covers
/// far more than the territory, needs those reasons named in `confirm`.
pub async fn submit(app: &App, caller: &Caller, id: i64, confirm: &[String]) -> Result<AlertRow> {
    // Reach is checked on the draft before the write transaction opens: it reads with other
    // connections, and a transaction must never wait for a second connection from the pool.
    let draft = get(&mut app.db.read().await?, id).await?;
    only_author(caller, &draft, "submit")?;
    expect_state(&draft, &[State::Draft], "submitted")?;
    let preview = super::build::preview_alert(app, &draft).await?;
    confirmed(app, id, &preview, confirm, 0).await?;
    let mut tx = app.db.begin().await?;
    let row = get(&mut tx, id).await?;
    if row.version != draft.version {
        return Err(Error::Conflict("the draft changed meanwhile: reload it".into()));
    }
    expect_state(&row, &[State::Draft], "submitted")?;
    let row = freeze_row(app, &mut tx, &row).await?;
    record(&mut tx, caller, "alert.submit", &row, json!({ "capSha256": row.cap_sha256 })).await?;
    tx.commit().await?;
    Metrics::count(&app.metrics.alert_transitions, State::Submitted.as_str());
    Ok(row)
}

/// Checks that `confirm` names every reason the reach of `alert` (message `id`) asks for:
/// nobody reached (unless `reached_before` recipients get it as a correction anyway), an area
/// far beyond the territory.
pub(super) async fn confirmed(
    app: &App,
    id: i64,
    alert: &cap_alerts::Alert,
    confirm: &[String],
    reached_before: usize,
) -> Result<()> {
    let reach = crate::fanout::reach::of(app, id, alert).await?;
    // A correction reaches whoever the earlier messages reached, whatever its area reaches.
    let waived = |r: &String| reached_before > 0 && r == "no-recipients";
    let missing: Vec<String> =
        reach.confirmations.iter().filter(|r| !confirm.contains(r) && !waived(r)).cloned().collect();
    if missing.is_empty() {
        return Ok(());
    }
    let detail = format!(
        "the alert reaches {} residents and devices over {:.1} km² (territory {:.1} km²)",
        reach.people_and_devices(),
        reach.area_km2,
        reach.territory_km2
    );
    Err(Error::ConfirmationNeeded { reasons: missing, detail })
}

/// Builds the CAP message of a draft row and freezes it; the row moves to submitted.
pub(super) async fn freeze_row(app: &App, tx: &mut Tx, row: &AlertRow) -> Result<AlertRow> {
    let content = AlertContent::from_json(serde_json::from_str(&row.content).map_err(|e| Error::Internal(e.into()))?)?;
    let named = areas::load(tx, &content.areas).await?;
    let all = areas::all(tx).await?;
    let msg_type: MsgType =
        row.msg_type.parse().map_err(|e: cap_alerts::model::NotAllowed| Error::Internal(e.into()))?;
    let cap = &app.settings.cap;
    let env = Envelope {
        identifier: Identifier::parse(format!("{}-{}-{}", cap.identifier_prefix, row.id, row.version))
            .map_err(|e| Error::Internal(e.into()))?,
        sender: Sender::parse(cap.sender.as_str()).map_err(|e| Error::Internal(e.into()))?,
        sent: local_now_plus(0),
        msg_type,
        references: references(tx, row).await?,
    };
    for (i, info) in content.infos.iter().enumerate() {
        if info.expires.is_some_and(|e| e.to_utc() <= env.sent.to_utc()) {
            return Err(Error::invalid(
                format!("/infos/{i}/expires"),
                "is in the past; a warning must still be valid when it goes out",
            ));
        }
    }
    let alert = build(&content, &env, &named, &cap.sender_name);
    let (xml, _) = freeze(&alert, &authoring_profile(&all))?;
    // Signed as it is frozen: the approver approves, and every channel carries, these bytes.
    let xml = crate::domain::signatures::sign(app, xml.as_bytes())?;
    let first = alert.infos.first();
    let frozen = Frozen {
        identifier: alert.identifier.as_str(),
        sender: alert.sender.as_str(),
        sent_ms: alert.sent.to_utc().timestamp_millis(),
        cap_xml: &xml,
        cap_sha256: &sha256_hex(&xml),
        headline: first.and_then(|i| i.headline.as_deref()),
        event: first.map(|i| i.event.as_str()),
        severity: first.map(|i| i.severity.as_str()),
        urgency: first.map(|i| i.urgency.as_str()),
        expires_ms: alert.infos.iter().filter_map(|i| i.expires).map(|e| e.to_utc().timestamp_millis()).max(),
    };
    if alerts::freeze(tx, row.id, row.version, State::Draft.as_str(), State::Submitted.as_str(), &frozen).await? == 0 {
        return Err(Error::Conflict("the draft changed meanwhile: reload it".into()));
    }
    get(tx, row.id).await
}

/// The messages an Update or Cancel references: every message of its thread that was issued.
async fn references(tx: &mut Tx, row: &AlertRow) -> Result<Vec<Reference>> {
    if row.msg_type == MsgType::Alert.as_str() {
        return Ok(Vec::new());
    }
    let issued = [State::Issued, State::Superseded, State::Cancelled, State::Expired].map(State::as_str);
    let mut out = Vec::new();
    for m in alerts::thread(tx, row.thread_id).await? {
        if m.id == row.id || !issued.contains(&m.state.as_str()) {
            continue;
        }
        if let Some(xml) = &m.cap_xml
            && let Ok(doc) = cap_alerts::Reader::new().mode(cap_alerts::Mode::Lenient).read(xml)
        {
            out.push(doc.alert.as_reference());
        }
    }
    Ok(out)
}

/// Approves a submitted alert. The approver names the SHA-256 of the CAP they saw; where the
/// rule is two people ([`rule_for`]: Actual alerts, corrections of a thread that went out live,
/// and whatever the settings say for others) the approver must not be the one who brought the
/// message in ([`brought_in_by`]: its author, its poster, or the creator of the token that
/// posted it).
pub async fn approve(app: &App, caller: &Caller, id: i64, cap_sha256: &str, issue_now: bool) -> Result<AlertRow> {
    let user =
        caller.user_id().ok_or_else(|| Error::Forbidden("approvals are made by people, not API tokens".into()))?;
    sessions::check_second_factor_for_approval(app, caller)?;
    // Reach reads with other connections: before the write transaction opens.
    let danger = super::drills::danger_signal(app, &get(&mut app.db.read().await?, id).await?).await?;
    let mut tx = app.db.begin().await?;
    let row = get(&mut tx, id).await?;
    expect_state(&row, &[State::Submitted], "approved")?;
    if row.cap_sha256.as_deref() != Some(cap_sha256.trim()) {
        return Err(Error::Stale);
    }
    let rule = rule_for(app, &mut tx, &row).await?;
    if let Some(how) = brought_in_by(&mut tx, &row, user).await? {
        let what = format!("you {how} this {} {}", row.cap_status, row.msg_type);
        if rule == ApprovalRule::TwoPerson {
            return Err(Error::TwoPersonRule(format!("{what}; another approver must approve it")));
        }
        if let Some(danger) = danger {
            return Err(Error::TwoPersonRule(format!(
                "{what}, and it {danger}: approved by the person who brought it in, a Test or Exercise may sound only test signals; another approver must approve it, or withdraw it and choose a test signal"
            )));
        }
    }
    if alerts::transition(
        &mut tx,
        id,
        &[State::Submitted.as_str()],
        State::Approved.as_str(),
        Mark::Approved(user),
        None,
    )
    .await?
        == 0
    {
        return Err(Error::Conflict("the alert changed meanwhile".into()));
    }
    let row = get(&mut tx, id).await?;
    record(&mut tx, caller, "alert.approve", &row, json!({ "capSha256": cap_sha256 })).await?;
    Metrics::count(&app.metrics.alert_transitions, State::Approved.as_str());
    let row = if issue_now { issue_row(app, &mut tx, caller, &row).await? } else { row };
    tx.commit().await?;
    app.wake.plan();
    Ok(row)
}

/// The approval rule for a message: its own status's, but a message in a thread that has
/// gone out live (an Update or Cancel of an issued Actual alert, whatever status the
/// correction carries) follows the live rule: two people. A self-approved Exercise Update
/// must not supersede a live warning.
pub(crate) async fn rule_for(app: &App, ex: &mut impl Executor, row: &AlertRow) -> Result<ApprovalRule> {
    let status: Status = row.cap_status.parse().unwrap_or(Status::Actual);
    let own = approval_rule(&app.settings.approval, status);
    if own == ApprovalRule::TwoPerson {
        return Ok(own);
    }
    let live = alerts::thread(ex, row.thread_id)
        .await?
        .iter()
        .any(|m| m.id != row.id && m.issued_ms.is_some() && m.cap_status == Status::Actual.as_str());
    Ok(if live { ApprovalRule::TwoPerson } else { own })
}

/// How `user` brought the message in, if they did: wrote it, posted it with their session,
/// created the API token that posted it, or made (or last changed) the feed subscription it
/// came by. Such a person may not be its second person.
pub(crate) async fn brought_in_by(ex: &mut impl Executor, row: &AlertRow, user: i64) -> Result<Option<&'static str>> {
    if row.author_id == Some(user) {
        return Ok(Some(if row.origin == "authored" { "wrote" } else { "posted" }));
    }
    if let Some(token) = row.token_id
        && crate::db::tokens::by_id(ex, token).await?.and_then(|t| t.created_by) == Some(user)
    {
        return Ok(Some("created the API token that posted"));
    }
    if row.origin == "feed"
        && let Some(feed) = crate::db::feeds::feed_of_alert(&mut *ex, row.id).await?
        && crate::db::feeds::by_id(ex, feed).await?.and_then(|f| f.changed_by) == Some(user)
    {
        return Ok(Some("set up the feed subscription that brought"));
    }
    Ok(None)
}

/// Rejects a submitted alert, with a reason for its author.
pub async fn reject(app: &App, caller: &Caller, id: i64, reason: &str) -> Result<AlertRow> {
    if reason.trim().is_empty() {
        return Err(Error::invalid("/reason", "say why, so the author can correct it"));
    }
    decide(app, caller, id, &[State::Submitted], State::Rejected, reason, "alert.reject").await
}

/// Withdraws an alert that is not yet issued (its author, or an approver).
pub async fn withdraw(app: &App, caller: &Caller, id: i64, reason: &str) -> Result<AlertRow> {
    decide(
        app,
        caller,
        id,
        &[State::Draft, State::Submitted, State::Approved],
        State::Withdrawn,
        reason,
        "alert.withdraw",
    )
    .await
}

async fn decide(
    app: &App,
    caller: &Caller,
    id: i64,
    from: &[State],
    to: State,
    reason: &str,
    action: &str,
) -> Result<AlertRow> {
    let mut tx = app.db.begin().await?;
    let row = get(&mut tx, id).await?;
    if to == State::Withdrawn && !caller.has(crate::domain::roles::Role::Approver) {
        only_author(caller, &row, "withdraw")?;
    }
    expect_state(&row, from, to.as_str())?;
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let reason = Some(reason.trim()).filter(|r| !r.is_empty());
    if alerts::transition(&mut tx, id, &from, to.as_str(), Mark::Decided(caller.user_id()), reason).await? == 0 {
        return Err(Error::Conflict("the alert changed meanwhile".into()));
    }
    let row = get(&mut tx, id).await?;
    record(&mut tx, caller, action, &row, json!({ "reason": reason })).await?;
    tx.commit().await?;
    Metrics::count(&app.metrics.alert_transitions, to.as_str());
    Ok(row)
}

/// Issues an approved alert.
pub async fn issue(app: &App, caller: &Caller, id: i64) -> Result<AlertRow> {
    let mut tx = app.db.begin().await?;
    let row = get(&mut tx, id).await?;
    expect_state(&row, &[State::Approved], "issued")?;
    let row = issue_row(app, &mut tx, caller, &row).await?;
    tx.commit().await?;
    app.wake.plan();
    Ok(row)
}

/// Issues an approved row in the caller's transaction: an Update supersedes, a Cancel cancels
/// the thread's issued messages.
pub(super) async fn issue_row(app: &App, tx: &mut Tx, caller: &Caller, row: &AlertRow) -> Result<AlertRow> {
    let changed = alerts::transition(
        tx,
        row.id,
        &[State::Approved.as_str()],
        State::Issued.as_str(),
        Mark::Issued(caller.user_id()),
        None,
    )
    .await?;
    if changed == 0 {
        return Err(Error::Conflict("the alert changed meanwhile".into()));
    }
    let ended = match row.msg_type.as_str() {
        "Update" => Some(State::Superseded),
        "Cancel" => Some(State::Cancelled),
        _ => None,
    };
    if let Some(ended) = ended {
        let mut earlier = Vec::new();
        for m in alerts::thread(tx, row.thread_id).await? {
            if m.id != row.id && m.state == State::Issued.as_str() {
                alerts::transition(tx, m.id, &[State::Issued.as_str()], ended.as_str(), Mark::None, None).await?;
                earlier.push(m.id);
            }
        }
        // What the earlier messages have not sent yet, they never will: the correction goes
        // to everyone they did reach.
        crate::db::deliveries::cancel_queued(tx, &earlier).await?;
    }
    if row.expires_ms.is_none() && row.msg_type == "Cancel" {
        alerts::set_expires(tx, row.id, now_ms() + i64::from(app.settings.feed.cancel_visible_minutes) * 60_000)
            .await?;
    }
    let row = get(tx, row.id).await?;
    let priority = row
        .cap_xml
        .as_deref()
        .and_then(|x| cap_alerts::Reader::new().mode(cap_alerts::Mode::Lenient).read(x).ok())
        .map_or(crate::fanout::priority::NORMAL, |d| crate::fanout::priority::of(&d.alert));
    crate::db::fanouts::insert(tx, row.id, priority).await?;
    crate::fanout::wake::notify_others(tx, "plan").await?;
    record(tx, caller, "alert.issue", &row, json!({ "identifier": row.identifier })).await?;
    Metrics::count(&app.metrics.alert_transitions, State::Issued.as_str());
    Ok(row)
}

/// The CAP alert frozen in a row.
pub fn frozen_alert(row: &AlertRow) -> Result<cap_alerts::Alert> {
    let xml = row.cap_xml.as_deref().ok_or_else(|| Error::Conflict("the alert has no CAP message yet".into()))?;
    let doc = cap_alerts::Reader::new().mode(cap_alerts::Mode::Lenient).max_bytes(usize::MAX).read(xml);
    doc.map(|d| d.alert).map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))
}

/// Now in the server's local time zone, plus some seconds, as CAP writes it.
pub fn local_now_plus(seconds: i64) -> CapDateTime {
    CapDateTime::new((chrono::Local::now() + chrono::Duration::seconds(seconds)).fixed_offset())
}

pub(super) async fn get(tx: &mut impl crate::db::Executor, id: i64) -> Result<AlertRow> {
    alerts::by_id(tx, id).await?.ok_or(Error::NotFound("alert"))
}

pub(super) fn expect_state(row: &AlertRow, allowed: &[State], what: &str) -> Result<()> {
    if allowed.iter().any(|s| s.as_str() == row.state) {
        return Ok(());
    }
    let allowed: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
    Err(Error::Conflict(format!(
        "the alert is {}; only an alert that is {} can be {what}",
        row.state,
        allowed.join(" or ")
    )))
}

fn only_author(caller: &Caller, row: &AlertRow, what: &str) -> Result<()> {
    if row.author_id.is_some() && row.author_id == caller.user_id() {
        Ok(())
    } else {
        Err(Error::Forbidden(format!("only the alert's author may {what} it; start a new draft from it instead")))
    }
}

pub(super) async fn record(
    tx: &mut Tx,
    caller: &Caller,
    action: &str,
    row: &AlertRow,
    details: serde_json::Value,
) -> Result<()> {
    let event = Event {
        actor: &caller.actor,
        address: &caller.address,
        action,
        target: format!("alert:{}", row.id),
        alert: Some((row.id, row.version)),
        details,
    };
    audit::record(tx, event).await.map_err(Error::from)
}
