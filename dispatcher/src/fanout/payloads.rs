//! Issued alerts as channels need them, built once per alert from the stored CAP and cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cap_alerts::{Mode, Reader};
use channels::AlertPayload;

use crate::app::App;
use crate::db::alerts;
use crate::domain::alerts::state::mode;

/// A small cache of payloads by alert id.
#[derive(Debug, Default)]
pub struct Payloads {
    cache: Mutex<HashMap<i64, Arc<AlertPayload>>>,
}

/// The payload channels get of an alert and its CAP bytes; public alerts carry the links to
/// their CAP document and their page.
pub fn payload(app: &App, alert_id: i64, alert: cap_alerts::Alert, xml: Vec<u8>) -> AlertPayload {
    let public = alert.scope == cap_alerts::model::Scope::Public;
    let url = public.then(|| crate::domain::feed::cap_url(&app.settings, alert_id));
    let page = public.then(|| crate::domain::feed::page_url(&app.settings, alert_id));
    let mode = mode(alert.status);
    AlertPayload::new(alert_id, alert, Arc::from(xml), mode, url).with_page_url(page)
}

impl Payloads {
    /// The payload of an issued alert.
    pub async fn get(&self, app: &App, alert_id: i64) -> anyhow::Result<Arc<AlertPayload>> {
        if let Some(p) = self.cache.lock().ok().and_then(|c| c.get(&alert_id).cloned()) {
            return Ok(p);
        }
        let mut db = app.db.read().await?;
        let row = alerts::by_id(&mut db, alert_id).await?.ok_or_else(|| anyhow::anyhow!("alert {alert_id} is gone"))?;
        let another = approved_by_another(&mut db, &row).await?;
        drop(db);
        let xml = row.cap_xml.ok_or_else(|| anyhow::anyhow!("alert {alert_id} has no CAP"))?;
        let doc =
            Reader::new().mode(Mode::Lenient).max_bytes(usize::MAX).read(&xml).map_err(|e| anyhow::anyhow!("{e}"))?;
        let payload = Arc::new(payload(app, alert_id, doc.alert, xml).with_approved_by_another(another));
        if let Ok(mut c) = self.cache.lock() {
            if c.len() > 256 {
                c.clear();
            }
            c.insert(alert_id, payload.clone());
        }
        Ok(payload)
    }
}

/// Whether someone approved the alert who did not bring it in (its author, its poster, the
/// creator of the token or the feed it came by): the second person a Test or Exercise needs
/// before it may sound anything but a test signal.
async fn approved_by_another(ex: &mut impl crate::db::Executor, row: &alerts::AlertRow) -> anyhow::Result<bool> {
    Ok(match row.approved_by {
        Some(user) => crate::domain::alerts::lifecycle::brought_in_by(ex, row, user).await?.is_none(),
        None => false,
    })
}
