//! The Web Push VAPID key pair: made on first start, kept sealed in the database, the same for
//! every instance on it.

use channels::push::VapidKey;

use super::error::{Error, Result};
use crate::app::App;
use crate::db::instance_keys;

const NAME: &str = "vapid";
const CONTEXT: &str = "instance-key:vapid";

/// The VAPID key pair, made and stored the first time it is asked for.
pub async fn vapid_key(app: &App) -> Result<VapidKey> {
    let stored = match instance_keys::get(&mut app.db.read().await?, NAME).await? {
        Some(k) => k,
        None => {
            let pkcs8 = VapidKey::generate().map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?;
            let public = VapidKey::from_pkcs8(&pkcs8).map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?;
            let sealed = app.key.encrypt(&pkcs8, CONTEXT);
            let mut tx = app.db.begin().await?;
            let k = instance_keys::set_once(&mut tx, NAME, &sealed, &public.public_key()).await?;
            tx.commit().await?;
            k
        }
    };
    let pkcs8 = app.key.decrypt(&stored.sealed, CONTEXT).map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?;
    VapidKey::from_pkcs8(&pkcs8).map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))
}

/// The public key browsers subscribe with (base64url, uncompressed P-256).
pub async fn vapid_public_key(app: &App) -> Result<String> {
    if let Some(k) = instance_keys::get(&mut app.db.read().await?, NAME).await? {
        return Ok(k.public_key);
    }
    Ok(vapid_key(app).await?.public_key())
}
