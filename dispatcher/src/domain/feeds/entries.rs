//! One poll of one subscription: the feed fetched with its validators, each entry's alert
//! (inline, or fetched from its link) read, checked, deduplicated by sender and identifier,
//! and relayed, drafted or skipped. An alert and the note that its entry was handled are
//! stored in one transaction, so an entry fetched but not stored is fetched again next poll.

use cap_alerts::feed::{Entry, read_feed};
use cap_alerts::model::MsgType;
use cap_alerts::{Alert, Document, ReadOptions, Reader};
use serde_json::json;

use super::fetch::{self, FeedError, Fetched};
use super::rules::{Action, Rules};
use crate::app::App;
use crate::db::alerts;
use crate::db::feeds::{self, FeedRow, Item, PollOutcome};
use crate::domain::alerts::ingest::{Incoming, Route, control_parameter, joins, oversized_name, store_incoming};
use crate::domain::caller::Caller;
use crate::domain::error::Result;
use crate::domain::territory::Territory;
use crate::metrics::Metrics;

/// The one place a document's XML signature is checked (`docs/signatures.md`): a broken
/// signature is always refused, and an unsigned one, or one whose signer is not trusted,
/// when the subscription says the feed must sign; each with `FEED-008` and the reason.
pub fn check_signature(app: &App, bytes: &[u8], must_sign: bool) -> Result<(), FeedError> {
    crate::domain::signatures::verify(app, bytes, must_sign)
        .map(|_| ())
        .map_err(|e| FeedError::new("FEED-008", format!("the signature was refused: {e}")))
}

/// What became of one alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Relayed,
    Drafted,
    Skipped,
    Duplicate,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Relayed => "relayed",
            Outcome::Drafted => "drafted",
            Outcome::Skipped => "skipped",
            Outcome::Duplicate => "duplicate",
        }
    }
}

/// A poll in progress.
struct Poll<'a> {
    app: &'a App,
    client: &'a fetch::FeedClient,
    row: &'a FeedRow,
    rules: Rules,
    action: Action,
    territory: Option<Territory>,
    errors: Vec<FeedError>,
    /// The alerts read, with the key of the entry each came from, stored oldest first.
    found: Vec<(String, Document)>,
    budget: u32,
    incomplete: bool,
    out: PollOutcome,
}

/// Polls a subscription once; gives what to record. Never fails: failures are the outcome's.
pub async fn poll_once(app: &App, client: &fetch::FeedClient, row: &FeedRow) -> PollOutcome {
    let settings = &app.settings.feeds;
    let out = PollOutcome { etag: row.etag.clone(), last_modified: row.last_modified.clone(), ..Default::default() };
    let fetched = fetch::get(client, settings, &row.url, row.etag.as_deref(), row.last_modified.as_deref()).await;
    let (bytes, etag, last_modified) = match fetched {
        Ok(Fetched::NotModified) => {
            super::poll::count(app, "not-modified");
            return out;
        }
        Ok(Fetched::Body { bytes, etag, last_modified }) => (bytes, etag, last_modified),
        Err(e) => return failed(app, out, e),
    };
    let (rules, territory) = match decided_by(app, row).await {
        Ok(r) => r,
        Err(e) => return failed(app, out, FeedError::new("FEED-009", e.to_string())),
    };
    let options = ReadOptions { max_bytes: settings.max_document_bytes, ..ReadOptions::default() };
    let feed = match read_feed(&bytes, &options) {
        Ok(f) => f,
        Err(f) => return failed(app, out, FeedError::new("FEED-004", format!("not a readable feed: {}", f.message))),
    };
    let action = Action::parse(&row.action).unwrap_or(Action::Ignore);
    let budget = settings.max_documents_per_poll;
    let (errors, found) = (Vec::new(), Vec::new());
    let mut poll = Poll { app, client, row, rules, action, territory, errors, found, budget, incomplete: false, out };
    if let Some(f) = feed.findings.iter().find(|f| f.is_error()) {
        poll.errors.push(FeedError::new("FEED-005", format!("the feed has errors: {} {}", f.path, f.message)));
    }
    for entry in &feed.entries {
        poll.entry(entry).await;
    }
    poll.keep_all().await;
    poll.outcome(etag, last_modified)
}

/// The rules of a subscription, and the territory when they need it.
async fn decided_by(app: &App, row: &FeedRow) -> Result<(Rules, Option<Territory>)> {
    let rules = super::rules_of(row)?;
    if !rules.in_territory {
        return Ok((rules, None));
    }
    let territory = Territory::load(&app.settings, &mut app.db.read().await?).await?;
    Ok((rules, territory))
}

fn failed(app: &App, mut out: PollOutcome, e: FeedError) -> PollOutcome {
    super::poll::count(app, "failed");
    out.error = serde_json::to_string(&e).ok();
    out
}

impl Poll<'_> {
    /// Stores what was read, oldest first whatever order the feed lists it in: an original is
    /// stored before the Update that names it.
    async fn keep_all(&mut self) {
        let mut found = std::mem::take(&mut self.found);
        found.sort_by_key(|(_, d)| d.alert.sent.to_utc());
        for (key, doc) in found {
            self.keep(&key, &doc).await;
        }
    }

    /// What to record. Validators are kept only when everything was handled: otherwise the
    /// next poll must read the feed again rather than hear that nothing changed.
    fn outcome(self, etag: Option<String>, last_modified: Option<String>) -> PollOutcome {
        let mut out = self.out;
        let done = self.errors.is_empty() && !self.incomplete;
        (out.etag, out.last_modified) = if done { (etag, last_modified) } else { (None, None) };
        if let Some(first) = self.errors.first() {
            let more = self.errors.len() - 1;
            let message = if more > 0 { format!("{} (and {more} more)", first.message) } else { first.message.clone() };
            return failed(self.app, out, FeedError::new(&first.code, message));
        }
        super::poll::count(self.app, "changed");
        out
    }

    async fn entry(&mut self, e: &Entry) {
        if !e.inline.is_empty() {
            for text in &e.inline {
                self.document(text.as_bytes(), None).await;
            }
            return;
        }
        let Some(link) = &e.cap_link else { return };
        let key = format!("link:{link}|{}", e.updated.as_deref().unwrap_or(""));
        match self.seen(&key).await {
            Ok(false) => {}
            Ok(true) => return,
            Err(err) => return self.errors.push(FeedError::new("FEED-009", err.to_string())),
        }
        if self.budget == 0 {
            self.incomplete = true;
            return;
        }
        self.budget -= 1;
        match fetch::get(self.client, &self.app.settings.feeds, link, None, None).await {
            Ok(Fetched::Body { bytes, .. }) => self.document(&bytes, Some(&key)).await,
            Ok(Fetched::NotModified) => {}
            Err(err) => self.errors.push(err),
        }
    }

    async fn seen(&self, key: &str) -> Result<bool> {
        Ok(feeds::item_seen(&mut self.app.db.read().await?, self.row.id, key).await?)
    }

    async fn document(&mut self, bytes: &[u8], link_key: Option<&str>) {
        if let Err(e) = check_signature(self.app, bytes, self.row.must_sign) {
            return self.errors.push(e);
        }
        let reader = Reader::new().max_bytes(self.app.settings.feeds.max_document_bytes);
        let doc = match reader.read(bytes) {
            Ok(d) => d,
            Err(rejection) => {
                Metrics::count(&self.app.metrics.feed_alerts, "refused");
                let first = rejection.findings.iter().find(|f| f.is_error()).or(rejection.findings.first());
                let why = first.map(|f| format!("{} {} {}", f.code.as_str(), f.path, f.message)).unwrap_or_default();
                return self.errors.push(FeedError::new("FEED-006", format!("a CAP message has errors: {why}")));
            }
        };
        let alert = &doc.alert;
        let key = match link_key {
            Some(k) => k.to_owned(),
            None => format!("alert:{}|{}", alert.sender.as_str(), alert.identifier.as_str()),
        };
        if link_key.is_none() {
            match self.seen(&key).await {
                Ok(false) => {}
                Ok(true) => return,
                Err(err) => return self.errors.push(FeedError::new("FEED-009", err.to_string())),
            }
        }
        self.found.push((key, doc));
    }

    async fn keep(&mut self, key: &str, doc: &Document) {
        match self.store(&doc.alert, doc.original(), key).await {
            Ok(outcome) => {
                Metrics::count(&self.app.metrics.feed_alerts, outcome.as_str());
                match outcome {
                    Outcome::Relayed => self.out.relayed += 1,
                    Outcome::Drafted => self.out.drafted += 1,
                    Outcome::Skipped => self.out.skipped += 1,
                    Outcome::Duplicate => {}
                }
            }
            Err(err) => {
                tracing::warn!(feed = self.row.id, error = %err, "storing an alert from a feed failed; it is read again next poll");
                self.errors.push(FeedError::new("FEED-009", format!("the alert could not be stored: {err}")));
            }
        }
    }

    /// Decides and stores, in one transaction with the note that the entry was handled.
    async fn store(&self, alert: &Alert, bytes: &[u8], key: &str) -> Result<Outcome> {
        let mut tx = self.app.db.begin().await?;
        let (sender, identifier) = (alert.sender.as_str(), alert.identifier.as_str());
        let mut item = Item { key, sender: Some(sender), identifier: Some(identifier), outcome: "", alert_id: None };
        if let Some(existing) = alerts::by_identifier(&mut tx, sender, identifier).await? {
            item.outcome = Outcome::Duplicate.as_str();
            item.alert_id = Some(existing.id);
            feeds::remember(&mut tx, self.row.id, &item).await?;
            tx.commit().await?;
            return Ok(Outcome::Duplicate);
        }
        // It follows a message only one relayed from this feed, by the same sender: a feed
        // cannot update or cancel a warning written here or read from elsewhere.
        let route = Route { origin: "feed", token: None, feed: Some(self.row.id) };
        let follows = joins(&mut tx, alert, route).await?.thread.is_some();
        // A relaying subscription that no second person confirmed since it was made or
        // changed drafts instead (issue 18, item 4).
        let confirmed = self.row.confirmed_ms.is_some();
        let outcome = match (self.take(alert, follows), self.action) {
            (false, _) | (true, Action::Ignore) => Outcome::Skipped,
            (true, Action::Relay) if confirmed => Outcome::Relayed,
            (true, Action::Relay | Action::Draft) => Outcome::Drafted,
        };
        let hold = (self.action == Action::Relay && !confirmed).then(|| {
            format!(
                "held: the feed subscription {} relays, but no second person has confirmed it since it was made or \
                 last changed; until then what it brings waits for an approver",
                self.row.name
            )
        });
        item.outcome = outcome.as_str();
        if outcome != Outcome::Skipped {
            let incoming = Incoming {
                origin: "feed",
                token: None,
                author: None,
                feed: Some(self.row.id),
                issue: outcome == Outcome::Relayed,
                action: if outcome == Outcome::Relayed { "feed.relay" } else { "feed.draft" },
                details: json!({ "feed": self.row.id, "identifier": identifier, "sender": sender, "follows": follows, "unconfirmedFeed": hold.is_some() }),
                hold,
            };
            let row = store_incoming(self.app, &mut tx, &Caller::system(), alert, bytes, incoming).await?;
            item.alert_id = Some(row.id);
        }
        feeds::remember(&mut tx, self.row.id, &item).await?;
        tx.commit().await?;
        if outcome != Outcome::Skipped {
            self.app.wake.plan();
        }
        Ok(outcome)
    }

    /// Whether the alert is taken: a message that follows one relayed from this feed by the
    /// same sender (an Update or Cancel naming it) is if it passes the rules' statuses, events
    /// and territory, whatever its severity; a Cancel of nothing relayed from this feed, an Ack
    /// or an Error is not; else the rules decide, and an alert that has already expired is not
    /// taken.
    ///
    /// An alert that carries Tocsin's own control parameters (`TOCSIN_…`: channels, device
    /// groups, siren signals) is never taken from a feed.
    fn take(&self, alert: &Alert, follows: bool) -> bool {
        if !self.rules.statuses.contains(&alert.status) {
            return false;
        }
        if let Some((field, len)) = oversized_name(alert) {
            tracing::warn!(feed = self.row.id, field, len, "a feed's alert has a name too long to store; skipped");
            return false;
        }
        if let Some(name) = control_parameter(alert) {
            tracing::warn!(
                feed = self.row.id,
                parameter = name,
                "a feed's alert carries a Tocsin control parameter; skipped"
            );
            return false;
        }
        if follows {
            return self.rules.accepts_follow_up(alert, self.territory.as_ref()).is_ok();
        }
        if matches!(alert.msg_type, MsgType::Cancel | MsgType::Ack | MsgType::Error) {
            return false;
        }
        let now = chrono::Utc::now();
        let expired =
            !alert.infos.is_empty() && alert.infos.iter().all(|i| i.expires.is_some_and(|e| e.to_utc() <= now));
        !expired && self.rules.accepts(alert, self.territory.as_ref()).is_ok()
    }
}
