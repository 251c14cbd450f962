//! Subscriptions to external CAP feeds (Atom and RSS index feeds): managed by administrators
//! through the API or seeded from `[[feeds.subscriptions]]`, polled by `poll`, whose entries
//! `entries` relays, drafts or ignores by the subscription's `rules`.

pub mod entries;
pub mod fetch;
pub mod poll;
pub mod rules;

use serde::{Deserialize, Serialize};
use serde_json::json;

use self::fetch::FeedError;
use self::rules::{Action, Rules};
use super::audit::{self, Actor, Event};
use super::caller::Caller;
use super::error::{Error, Result};
use crate::app::App;
use crate::db::feeds::{self, FeedRow, NewFeed};

/// A subscription as given to `POST /api/v1/feeds`, or as `[[feeds.subscriptions]]` in the
/// configuration (which may write the fields in snake case: `poll_seconds`).
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeedSpec {
    /// A unique name.
    pub name: String,
    /// The feed's http:// or https:// URL.
    pub url: String,
    /// `relay`, `draft` or `ignore`.
    pub action: Action,
    /// Seconds between polls (10 to 86400; 120 when not given).
    #[serde(default = "default_poll_seconds", alias = "poll_seconds")]
    pub poll_seconds: u32,
    /// Whether it is polled (true when not given).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Refuse documents without a valid XML signature.
    #[serde(default, alias = "must_sign")]
    pub must_sign: bool,
    /// What is taken (only Actual alerts when not given).
    #[serde(default)]
    pub rules: Rules,
}

fn default_poll_seconds() -> u32 {
    120
}

fn yes() -> bool {
    true
}

/// A change to a subscription: only the fields given change.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeedPatch {
    /// A new name.
    pub name: Option<String>,
    /// A new URL.
    pub url: Option<String>,
    /// A new action.
    pub action: Option<Action>,
    /// New seconds between polls.
    pub poll_seconds: Option<u32>,
    /// Polled or not.
    pub enabled: Option<bool>,
    /// Whether signatures are required.
    pub must_sign: Option<bool>,
    /// New rules (replacing the old ones whole).
    pub rules: Option<Rules>,
}

impl FeedSpec {
    /// Checks every field; the error names the field at fault.
    pub fn check(&self, territory_configured: bool) -> Result<()> {
        if self.name.trim().is_empty() || self.name.chars().count() > 64 {
            return Err(Error::invalid("/name", "1 to 64 characters"));
        }
        if !fetch::fetchable(&self.url) || self.url.len() > 2000 || self.url.contains(char::is_whitespace) {
            return Err(Error::invalid("/url", "an http:// or https:// URL with a host"));
        }
        if !(10..=86_400).contains(&self.poll_seconds) {
            return Err(Error::invalid("/pollSeconds", "from 10 to 86400 seconds"));
        }
        self.rules.check(territory_configured).map_err(|(field, message)| Error::invalid(field, message))
    }

    fn apply(&mut self, p: FeedPatch) {
        self.name = p.name.unwrap_or(std::mem::take(&mut self.name));
        self.url = p.url.unwrap_or(std::mem::take(&mut self.url));
        self.action = p.action.unwrap_or(self.action);
        self.poll_seconds = p.poll_seconds.unwrap_or(self.poll_seconds);
        self.enabled = p.enabled.unwrap_or(self.enabled);
        self.must_sign = p.must_sign.unwrap_or(self.must_sign);
        self.rules = p.rules.unwrap_or(std::mem::take(&mut self.rules));
    }
}

/// A subscription as the API shows it, with what its polls came to.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The feed's URL.
    pub url: String,
    /// `relay`, `draft` or `ignore`.
    pub action: Action,
    /// Whether it is polled.
    pub enabled: bool,
    /// Seconds between polls.
    pub poll_seconds: i32,
    /// Whether documents must carry a valid XML signature.
    pub must_sign: bool,
    /// What is taken.
    pub rules: Rules,
    /// Whether `[[feeds.subscriptions]]` made it (and changes it at start).
    pub from_config: bool,
    /// When the next poll is due (Unix milliseconds).
    pub next_poll_ms: i64,
    /// When it was last polled.
    pub last_polled_ms: Option<i64>,
    /// When a poll last succeeded.
    pub last_ok_ms: Option<i64>,
    /// What went wrong in the last poll, if anything.
    pub last_error: Option<FeedError>,
    /// Failed polls in a row (the backoff doubles with each).
    pub failures: i32,
    /// Polls, failed polls, alerts relayed, drafted and skipped, since it was added.
    pub polls: i64,
    /// Failed polls.
    pub errors: i64,
    /// Alerts relayed.
    pub relayed: i64,
    /// Alerts put in the approval queue.
    pub drafted: i64,
    /// Alerts the rules or the action left out.
    pub skipped: i64,
    /// When it was made or what it takes last changed (name it to confirm it).
    pub changed_ms: i64,
    /// Who made it or last changed what it takes (none: the configuration file).
    pub changed_by: Option<i64>,
    /// The approver who confirmed it as it now stands (none: not confirmed, or confirmed by
    /// the configuration file or before confirmations existed).
    pub confirmed_by: Option<i64>,
    /// When it was confirmed.
    pub confirmed_ms: Option<i64>,
    /// A relaying feed that no second person confirmed since it was made or changed: what it
    /// would relay waits for an approver instead.
    pub awaiting_confirmation: bool,
}

impl FeedView {
    fn from_row(r: &FeedRow) -> Result<FeedView> {
        Ok(FeedView {
            id: r.id,
            name: r.name.clone(),
            url: r.url.clone(),
            action: Action::parse(&r.action).unwrap_or(Action::Ignore),
            enabled: r.enabled,
            poll_seconds: r.poll_seconds,
            must_sign: r.must_sign,
            rules: rules_of(r)?,
            from_config: r.from_config,
            next_poll_ms: r.next_poll_ms,
            last_polled_ms: r.last_polled_ms,
            last_ok_ms: r.last_ok_ms,
            last_error: r.last_error.as_deref().and_then(|e| serde_json::from_str(e).ok()),
            failures: r.failures,
            polls: r.polls,
            errors: r.errors,
            relayed: r.relayed,
            drafted: r.drafted,
            skipped: r.skipped,
            changed_ms: r.changed_ms,
            changed_by: r.changed_by,
            confirmed_by: r.confirmed_by,
            confirmed_ms: r.confirmed_ms,
            awaiting_confirmation: r.action == Action::Relay.as_str() && r.confirmed_ms.is_none(),
        })
    }

    fn spec(&self) -> FeedSpec {
        FeedSpec {
            name: self.name.clone(),
            url: self.url.clone(),
            action: self.action,
            poll_seconds: u32::try_from(self.poll_seconds).unwrap_or(120),
            enabled: self.enabled,
            must_sign: self.must_sign,
            rules: self.rules.clone(),
        }
    }
}

/// The stored rules of a subscription.
pub fn rules_of(r: &FeedRow) -> Result<Rules> {
    serde_json::from_str(&r.rules).map_err(|e| Error::Internal(e.into()))
}

/// A subscription to store, made or changed by `by` (None: the configuration file). One that
/// relays needs a second person unless the configuration file made it (issue 18, item 4:
/// an administrator without the approver role issued live alerts through a feed they set up).
fn stored<'a>(spec: &'a FeedSpec, rules: &'a str, from_config: bool, by: Option<i64>) -> NewFeed<'a> {
    let poll_seconds = i32::try_from(spec.poll_seconds).unwrap_or(i32::MAX);
    let (name, url, action) = (spec.name.trim(), spec.url.as_str(), spec.action.as_str());
    let confirmed = from_config || spec.action != Action::Relay;
    NewFeed {
        name,
        url,
        rules,
        action,
        enabled: spec.enabled,
        must_sign: spec.must_sign,
        poll_seconds,
        from_config,
        changed_by: by,
        confirmed,
    }
}

/// Every subscription.
pub async fn list(app: &App) -> Result<Vec<FeedView>> {
    feeds::list(&mut app.db.read().await?).await?.iter().map(FeedView::from_row).collect()
}

/// One subscription.
pub async fn get(app: &App, id: i64) -> Result<FeedView> {
    let row = feeds::by_id(&mut app.db.read().await?, id).await?.ok_or(Error::NotFound("feed"))?;
    FeedView::from_row(&row)
}

/// Subscribes to a feed; the first poll is due at once.
pub async fn add(app: &App, actor: &Actor, address: &str, spec: &FeedSpec) -> Result<FeedView> {
    spec.check(app.settings.territory.is_configured())?;
    crate::domain::outbound::check_entered(app, "/url", &spec.url).await?;
    let rules = serde_json::to_string(&spec.rules).map_err(|e| Error::Internal(e.into()))?;
    let mut tx = app.db.begin().await?;
    let id = match feeds::insert(&mut tx, &stored(spec, &rules, false, actor.user_id())).await {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(Error::invalid("/name", format!("a feed named {} exists", spec.name.trim())));
        }
        Err(e) => return Err(e.into()),
    };
    let details = json!({ "url": fetch::shown(&spec.url), "action": spec.action });
    audit::record(&mut tx, Event::new(actor, address, "feed.add", format!("feed:{id}")).details(details)).await?;
    let row = feeds::by_id(&mut tx, id).await?.ok_or(Error::NotFound("feed"))?;
    tx.commit().await?;
    FeedView::from_row(&row)
}

/// Changes a subscription. A new URL or new rules make the next poll (due at once) read the
/// whole feed again, entries skipped before included.
pub async fn change(app: &App, actor: &Actor, address: &str, id: i64, patch: FeedPatch) -> Result<FeedView> {
    let mut tx = app.db.begin().await?;
    let row = feeds::by_id(&mut tx, id).await?.ok_or(Error::NotFound("feed"))?;
    let before = FeedView::from_row(&row)?;
    let mut spec = before.spec();
    spec.apply(patch);
    spec.check(app.settings.territory.is_configured())?;
    crate::domain::outbound::check_entered(app, "/url", &spec.url).await?;
    let rules = serde_json::to_string(&spec.rules).map_err(|e| Error::Internal(e.into()))?;
    let reread = spec.url != before.url || spec.rules != before.rules || spec.action != before.action;
    // A change of what it takes or where from needs a second person again; a new name,
    // interval, or switching it off or on again, does not.
    let keep = !reread && spec.must_sign == before.must_sign;
    let new = stored(&spec, &rules, row.from_config, actor.user_id());
    match feeds::update(&mut tx, id, &new, reread, keep).await {
        Ok(_) => {}
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(Error::invalid("/name", format!("a feed named {} exists", spec.name.trim())));
        }
        Err(e) => return Err(e.into()),
    }
    let details = json!({ "url": fetch::shown(&spec.url), "action": spec.action, "enabled": spec.enabled });
    audit::record(&mut tx, Event::new(actor, address, "feed.change", format!("feed:{id}")).details(details)).await?;
    let row = feeds::by_id(&mut tx, id).await?.ok_or(Error::NotFound("feed"))?;
    tx.commit().await?;
    FeedView::from_row(&row)
}

/// Confirms a subscription as it stood at `changed_ms`, as a second person: an approver who
/// neither made it nor last changed what it takes. From then on it relays.
pub async fn confirm(app: &App, caller: &Caller, id: i64, changed_ms: i64) -> Result<FeedView> {
    let user =
        caller.user_id().ok_or_else(|| Error::Forbidden("confirmations are made by people, not API tokens".into()))?;
    crate::domain::sessions::check_second_factor_for_approval(app, caller)?;
    let mut tx = app.db.begin().await?;
    let row = feeds::by_id(&mut tx, id).await?.ok_or(Error::NotFound("feed"))?;
    if row.confirmed_ms.is_some() {
        return Err(Error::Conflict("the feed is confirmed already as it stands".into()));
    }
    if row.changed_by == Some(user) {
        return Err(Error::TwoPersonRule(
            "you made or last changed this feed subscription; another approver must confirm it".into(),
        ));
    }
    if feeds::confirm(&mut tx, id, changed_ms, user).await? == 0 {
        return Err(Error::Conflict(format!(
            "the feed changed since you saw it (changedMs is now {}): read it again and confirm what is current",
            row.changed_ms
        )));
    }
    let details = json!({ "changedMs": changed_ms, "url": fetch::shown(&row.url), "action": row.action, "changedBy": row.changed_by });
    let event = Event::new(&caller.actor, &caller.address, "feed.confirm", format!("feed:{id}")).details(details);
    audit::record(&mut tx, event).await?;
    let row = feeds::by_id(&mut tx, id).await?.ok_or(Error::NotFound("feed"))?;
    tx.commit().await?;
    FeedView::from_row(&row)
}

/// Unsubscribes (the alerts it stored stay).
pub async fn remove(app: &App, actor: &Actor, address: &str, id: i64) -> Result<()> {
    let mut tx = app.db.begin().await?;
    feeds::by_id(&mut tx, id).await?.ok_or(Error::NotFound("feed"))?;
    feeds::delete(&mut tx, id).await?;
    audit::record(&mut tx, Event::new(actor, address, "feed.remove", format!("feed:{id}"))).await?;
    tx.commit().await?;
    Ok(())
}

/// Keeps the subscriptions of `[[feeds.subscriptions]]` (`configured`) in step with the
/// file, matched by name: new ones are added, changed ones changed; gives how many changed.
/// Ones added through the API are left alone.
pub async fn seed(app: &App, configured: &[FeedSpec]) -> Result<usize> {
    let mut n = 0;
    for spec in configured {
        let rules = serde_json::to_string(&spec.rules).map_err(|e| Error::Internal(e.into()))?;
        let mut tx = app.db.begin().await?;
        match feeds::by_name(&mut tx, spec.name.trim()).await? {
            None => {
                let id = match feeds::insert(&mut tx, &stored(spec, &rules, true, None)).await {
                    Ok(id) => id,
                    // Another instance starting at the same time stored it first.
                    Err(e) if crate::db::is_unique_violation(&e) => continue,
                    Err(e) => return Err(e.into()),
                };
                let event = Event::new(&Actor::System, "config", "feed.add", format!("feed:{id}"));
                audit::record(&mut tx, event.details(json!({ "url": fetch::shown(&spec.url) }))).await?;
                n += 1;
            }
            Some(row) if row.from_config => {
                let before = FeedView::from_row(&row)?;
                let same = before.url == spec.url && before.rules == spec.rules && before.action == spec.action;
                let unchanged = same
                    && before.enabled == spec.enabled
                    && before.must_sign == spec.must_sign
                    && i64::from(before.poll_seconds) == i64::from(spec.poll_seconds);
                if !unchanged {
                    feeds::update(&mut tx, row.id, &stored(spec, &rules, true, None), !same, false).await?;
                    let event = Event::new(&Actor::System, "config", "feed.change", format!("feed:{}", row.id));
                    audit::record(&mut tx, event).await?;
                    n += 1;
                }
            }
            Some(_) => {
                tracing::warn!(feed = %spec.name, "a feed of that name was added through the API; the configured one is left out")
            }
        }
        tx.commit().await?;
    }
    Ok(n)
}
