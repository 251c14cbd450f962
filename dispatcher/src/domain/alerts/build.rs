//! Turning authored content into the CAP message that will be approved and issued.

use cap_alerts::model::{Area, Identifier, MsgType, NamedValue, Reference, Sender, Status};
use cap_alerts::{Alert, Finding, Mode, Profile, Reader, TocsinProfile};

use crate::domain::alerts::content::AlertContent;
use crate::domain::areas::NamedArea;
use crate::domain::error::{Error, Result};
use crate::fanout::choice::CHANNELS_PARAMETER;

/// The fields the dispatcher fills.
#[derive(Clone, Debug)]
pub struct Envelope {
    /// `PREFIX-ALERT-VERSION`.
    pub identifier: Identifier,
    /// The configured sender.
    pub sender: Sender,
    /// Now, in the server's local offset.
    pub sent: cap_alerts::model::CapDateTime,
    /// Alert, Update or Cancel.
    pub msg_type: MsgType,
    /// Earlier messages of the thread that this one updates or cancels.
    pub references: Vec<Reference>,
}

/// The words that mark a message that is not for real, in every response, feed and channel.
pub fn marking(status: Status) -> Option<&'static str> {
    match status {
        Status::Exercise => Some("EXERCISE - this is not a real warning"),
        Status::Test => Some("TEST - this is not a real warning"),
        Status::Draft => Some("DRAFT - not to be acted on"),
        Status::Actual | Status::System => None,
    }
}

/// The CAP alert for content: named areas expanded into each info block, the default sender
/// name filled in, the chosen channels written as `TOCSIN_CHANNELS`, and Exercise and Test
/// marked in `<note>`.
pub fn build(content: &AlertContent, env: &Envelope, named: &[NamedArea], sender_name: &str) -> Alert {
    let mut infos = content.infos.clone();
    for info in &mut infos {
        for n in named {
            info.areas.push(n.to_cap_area());
        }
        if info.sender_name.as_deref().is_none_or(|s| s.trim().is_empty()) {
            info.sender_name = Some(sender_name.to_owned());
        }
        // The content's choice is the one truth: whatever the blocks carried is replaced.
        info.parameters.retain(|p| p.value_name != CHANNELS_PARAMETER);
        if !content.channels.is_empty() {
            info.parameters
                .push(NamedValue { value_name: CHANNELS_PARAMETER.to_owned(), value: content.channels.join(",") });
        }
    }
    let note = match (marking(content.status), &content.note) {
        (Some(m), Some(n)) if !n.starts_with(m) => Some(format!("{m}. {n}")),
        (Some(m), None) => Some(m.to_owned()),
        (_, n) => n.clone(),
    };
    Alert {
        identifier: env.identifier.clone(),
        sender: env.sender.clone(),
        sent: env.sent,
        status: content.status,
        msg_type: env.msg_type,
        source: None,
        scope: content.scope,
        restriction: content.restriction.clone(),
        addresses: content.addresses.clone(),
        codes: Vec::new(),
        note,
        references: env.references.clone(),
        incidents: content.incidents.clone(),
        infos,
        signatures: Vec::new(),
    }
}

/// The Tocsin authoring profile, knowing the geocodes of the named areas.
pub fn authoring_profile(known: &[NamedArea]) -> Profile {
    let geocodes = known.iter().flat_map(|a| a.geocodes.iter().map(|g| (g.value_name.clone(), g.value.clone())));
    Profile::Tocsin(TocsinProfile::with_geocodes(geocodes))
}

/// Writes the alert and reads the XML back strictly with the authoring profile: what is
/// frozen is what was checked. Fails with the findings (or, when no area can be targeted,
/// with `NoResolvableArea`).
pub fn freeze(alert: &Alert, profile: &Profile) -> Result<(String, Vec<Finding>)> {
    let xml = cap_alerts::write(alert);
    let report = Reader::new().mode(Mode::Lenient).profile(profile.clone()).check(xml.as_bytes());
    let errors = report.findings.iter().any(Finding::is_error);
    if report.findings.iter().any(|f| f.code == cap_alerts::Code::TocsinArea) {
        return Err(Error::NoResolvableArea(report.findings));
    }
    if errors {
        return Err(Error::Findings(report.findings));
    }
    Ok((xml, report.findings))
}

/// The CAP a draft would become (with a placeholder identifier), for previews and reach.
pub async fn preview_alert(app: &crate::app::App, row: &crate::db::alerts::AlertRow) -> Result<Alert> {
    let content = AlertContent::from_json(serde_json::from_str(&row.content).map_err(|e| Error::Internal(e.into()))?)?;
    preview_content(app, &content, row.id, row.msg_type.parse().unwrap_or(MsgType::Alert)).await
}

/// The CAP that content would become as message `id` (with a placeholder identifier).
pub async fn preview_content(
    app: &crate::app::App,
    content: &AlertContent,
    id: i64,
    msg_type: MsgType,
) -> Result<Alert> {
    let named = crate::domain::areas::load(&mut app.db.read().await?, &content.areas).await?;
    let env = Envelope {
        identifier: Identifier::parse(format!("preview-{id}")).map_err(|e| Error::Internal(e.into()))?,
        sender: Sender::parse(app.settings.cap.sender.as_str()).map_err(|e| Error::Internal(e.into()))?,
        sent: cap_alerts::model::CapDateTime::now_utc(),
        msg_type,
        references: Vec::new(),
    };
    Ok(build(content, &env, &named, &app.settings.cap.sender_name))
}

/// The CAP of alert `id`: the frozen message, or what its draft would become.
pub async fn frozen_or_preview(app: &crate::app::App, id: i64) -> Result<Alert> {
    let row = crate::db::alerts::by_id(&mut app.db.read().await?, id).await?.ok_or(Error::NotFound("alert"))?;
    match row.cap_xml {
        Some(_) => super::lifecycle::frozen_alert(&row),
        None => preview_alert(app, &row).await,
    }
}

/// Findings for content not yet frozen (drafts): the same checks, never an error.
pub fn preview_findings(
    content: &AlertContent,
    msg_type: MsgType,
    named: &[NamedArea],
    sender: &Sender,
    sender_name: &str,
) -> Vec<Finding> {
    let Ok(identifier) = Identifier::parse("preview") else { return Vec::new() };
    let env = Envelope {
        identifier,
        sender: sender.clone(),
        sent: cap_alerts::model::CapDateTime::now_utc(),
        msg_type,
        references: Vec::new(),
    };
    let alert = build(content, &env, named, sender_name);
    let mut findings = cap_alerts::validate(&alert, Some(&authoring_profile(named)));
    // A draft of an Update or Cancel gets its references when it is submitted.
    findings.retain(|f| f.code != cap_alerts::Code::MissingReferences);
    findings
}

/// A CAP area for a named area.
impl NamedArea {
    /// The area as CAP: its name, polygons and geocodes.
    pub fn to_cap_area(&self) -> Area {
        Area {
            area_desc: self.name.clone(),
            polygons: self.polygons.clone(),
            circles: Vec::new(),
            geocodes: self.geocodes.clone(),
            altitude: None,
            ceiling: None,
        }
    }
}
