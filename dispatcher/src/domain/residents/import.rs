//! Importing residents from a municipal list: CSV with a header (`phone` and/or `email`,
//! `lat` and `lon` or `area` (a named area's name or id), `language`); national phone numbers
//! take `residents.default_country_code`. Every row is read
//! first; a file with bad rows imports nothing unless told to skip them. Addresses that are
//! already subscribed (or appear twice) are reported and skipped. Imported addresses count as
//! verified: the municipality's list is the proof (see `docs/privacy.md`). No report line
//! shows an address in full.

use std::collections::{HashMap, HashSet};

use cap_alerts::model::Severity;
use serde_json::json;

use super::choices;
use super::csv;
use super::phone::international;
use crate::app::App;
use crate::db::{areas, residents};
use crate::domain::audit::{self, Actor, Event};
use crate::domain::error::{Error, Result};
use crate::domain::subscriptions::{self, Place, Subscription, address_hash, normalise_address};

/// The columns a file may have.
const COLUMNS: &[&str] = &["phone", "email", "lat", "lon", "area", "language"];

/// How to import.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Import the good rows of a file that has bad ones.
    pub skip_bad_rows: bool,
    /// Check everything, store nothing.
    pub dry_run: bool,
}

/// A row that cannot be imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    /// Its line in the file.
    pub line: usize,
    /// The column at fault.
    pub field: String,
    /// What is wrong and what is allowed.
    pub reason: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.reason)
    }
}

/// What an import did (or, in a dry run or when refused, would do).
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Data rows read.
    pub rows: usize,
    /// Subscriptions imported (or that would be).
    pub imported: usize,
    /// Addresses already subscribed or repeated: line and masked address.
    pub duplicates: Vec<(usize, String)>,
    /// Bad rows.
    pub bad: Vec<BadRow>,
    /// Whether nothing was imported because of bad rows.
    pub refused: bool,
}

struct Candidate {
    line: usize,
    sub: Subscription,
}

/// Imports a file's text for `actor` (from `address`, for the audit log). `progress` is told
/// (done, total) as subscriptions are stored.
pub async fn import(
    app: &App,
    (actor, address): (&Actor, &str),
    text: &str,
    opts: Options,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Report> {
    let records = csv::records(text).map_err(|e| Error::invalid("file", e))?;
    let Some(((_, header), rows)) = records.split_first() else {
        return Err(Error::invalid("file", "is empty: give a header line and one row per resident"));
    };
    let columns = read_header(header)?;
    let named = area_names(app).await?;
    let country = &app.settings.residents.default_country_code;
    let mut report = Report { rows: rows.len(), ..Report::default() };
    let mut candidates = Vec::new();
    for (line, fields) in rows {
        match read_row(*line, fields, &columns, &named, country) {
            Ok(subs) => candidates.extend(subs.into_iter().map(|sub| Candidate { line: *line, sub })),
            Err(bad) => report.bad.push(bad),
        }
    }
    if !report.bad.is_empty() && !opts.skip_bad_rows {
        report.refused = true;
        return Ok(report);
    }
    let fresh = without_duplicates(app, candidates, &mut report).await?;
    report.imported = fresh.len();
    if opts.dry_run {
        return Ok(report);
    }
    let total = fresh.len();
    for (i, chunk) in fresh.chunks(500).enumerate() {
        subscriptions::add(app, chunk).await?;
        progress((i * 500 + chunk.len()).min(total), total);
    }
    record(app, actor, address, &report).await?;
    Ok(report)
}

fn read_header(header: &[String]) -> Result<HashMap<&'static str, usize>> {
    let mut columns = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().to_ascii_lowercase();
        let Some(known) = COLUMNS.iter().find(|c| **c == name) else {
            return Err(Error::invalid(
                "line 1",
                format!("unknown column {name:?}; the columns are {}", COLUMNS.join(", ")),
            ));
        };
        columns.insert(*known, i);
    }
    let has = |c: &str| columns.contains_key(c);
    if !(has("phone") || has("email")) || !has("language") || !((has("lat") && has("lon")) || has("area")) {
        return Err(Error::invalid("line 1", "the header needs phone or email, lat and lon or area, and language"));
    }
    Ok(columns)
}

/// Named areas by lowercase name and by id.
async fn area_names(app: &App) -> Result<HashMap<String, i64>> {
    let list = areas::list(&mut app.db.read().await?).await?;
    Ok(list.into_iter().flat_map(|a| [(a.name.to_lowercase(), a.id), (a.id.to_string(), a.id)]).collect())
}

fn read_row(
    line: usize,
    fields: &[String],
    columns: &HashMap<&'static str, usize>,
    named: &HashMap<String, i64>,
    country: &str,
) -> Result<Vec<Subscription>, BadRow> {
    let bad = |field: &str, reason: String| BadRow { line, field: field.into(), reason };
    let get = |c: &str| columns.get(c).and_then(|i| fields.get(*i)).map(|v| v.trim()).unwrap_or("");
    let place = if !get("lat").is_empty() || !get("lon").is_empty() {
        let lat = get("lat").parse::<f64>().map_err(|_| bad("lat", "must be a number such as 48.14".into()))?;
        let lon = get("lon").parse::<f64>().map_err(|_| bad("lon", "must be a number such as 17.1".into()))?;
        choices::point("", lat, lon).map_err(|e| bad_from(line, e))?
    } else if !get("area").is_empty() {
        let id = named
            .get(&get("area").to_lowercase())
            .ok_or_else(|| bad("area", "is not the name or id of a named area (tocsin area list)".into()))?;
        Place::Area(*id)
    } else {
        return Err(bad("lat", "give lat and lon, or area".into()));
    };
    let tags: Vec<String> =
        get("language").split([',', ';', '|', ' ']).filter(|t| !t.is_empty()).map(str::to_owned).collect();
    let languages = choices::languages(&tags)
        .map_err(|_| bad("language", "give 1 to 5 language tags such as sk or \"sk,en\"".into()))?;
    let mut subs = Vec::new();
    for (column, channel) in [("phone", "sms"), ("email", "email")] {
        let raw = get(column);
        if raw.is_empty() {
            continue;
        }
        let raw = if channel == "sms" { international(raw, country) } else { raw.to_owned() };
        let address = normalise_address(channel, &raw).map_err(|e| match e {
            Error::Invalid { message, .. } => bad(column, message),
            other => bad(column, other.to_string()),
        })?;
        subs.push(Subscription {
            channel: channel.into(),
            address,
            languages: languages.clone(),
            min_severity: Severity::Moderate,
            exercises: true,
            tests: false,
            verified: true,
            places: vec![place],
        });
    }
    if subs.is_empty() {
        return Err(bad("phone", "give a phone number or an email address".into()));
    }
    Ok(subs)
}

fn bad_from(line: usize, e: Error) -> BadRow {
    match e {
        Error::Invalid { field, message } => {
            BadRow { line, field: field.trim_start_matches('/').to_owned(), reason: message }
        }
        other => BadRow { line, field: String::new(), reason: other.to_string() },
    }
}

/// Drops addresses already subscribed or repeated in the file, reporting them.
async fn without_duplicates(app: &App, candidates: Vec<Candidate>, report: &mut Report) -> Result<Vec<Subscription>> {
    let mut seen = HashSet::new();
    let mut fresh = Vec::with_capacity(candidates.len());
    let mut c = app.db.read().await?;
    for cand in candidates {
        let hash = address_hash(app, &cand.sub.channel, &cand.sub.address);
        let known = !seen.insert((cand.sub.channel.clone(), hash.clone()))
            || residents::by_address(&mut c, &cand.sub.channel, &hash).await?.is_some();
        if known {
            report.duplicates.push((cand.line, mask(&cand.sub.address)));
        } else {
            fresh.push(cand.sub);
        }
    }
    Ok(fresh)
}

async fn record(app: &App, actor: &Actor, address: &str, report: &Report) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let e = Event::new(actor, address, "resident.import", "subscriptions").details(json!({
        "rows": report.rows,
        "imported": report.imported,
        "duplicates": report.duplicates.len(),
        "bad_rows_skipped": report.bad.len(),
    }));
    audit::record(&mut tx, e).await?;
    tx.commit().await?;
    Ok(())
}

/// An address with most of it hidden: `+42190•••••56`, `j•••@example.org`.
pub fn mask(address: &str) -> String {
    if let Some((local, domain)) = address.split_once('@') {
        let first: String = local.chars().take(1).collect();
        return format!("{first}•••@{domain}");
    }
    let chars: Vec<char> = address.chars().collect();
    let (keep_start, keep_end) = (chars.len().min(6), 2.min(chars.len().saturating_sub(6)));
    let hidden = chars.len() - keep_start - keep_end;
    let start: String = chars[..keep_start].iter().collect();
    let end: String = chars[chars.len() - keep_end..].iter().collect();
    format!("{start}{}{end}", "•".repeat(hidden))
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_hide_most_of_an_address() {
        assert_eq!(super::mask("+421900123456"), "+42190•••••56");
        assert_eq!(super::mask("jana@levice.example"), "j•••@levice.example");
    }
}
