//! URLs people enter that Tocsin will call (webhooks and feeds staff add, the push endpoint a
//! resident's browser gives), checked at once against the outbound guard so the person hears
//! which field is wrong and what is allowed. The guard checks again at every connection; this
//! is the early, clear answer, not the defence itself.

use std::time::Duration;

use channels::outbound::Schemes;
use channels::push::PushHosts;

use super::error::{Error, Result};
use super::residents::SignUp;
use crate::app::App;

/// How long entry waits for a name to resolve: a name that takes longer passes here, and the
/// connection-time check still holds.
const RESOLVE_DEADLINE: Duration = Duration::from_secs(2);

/// What the guard allows, for refusals.
const ALLOWED: &str = "Tocsin calls only public addresses (an operator may open networks in outbound.allowed_networks)";

/// Checks a URL staff entered for `field` (`/url`): http or https, no user information, no
/// address inside the network, resolved names included.
pub async fn check_entered(app: &App, field: &str, url: &str) -> Result<()> {
    let guard = app.settings.outbound.guard();
    let refused = |why| Error::invalid(field, format!("{why}; {ALLOWED}"));
    let parsed = guard.check_url(url, Schemes::HttpOrHttps).map_err(refused)?;
    guard.check_resolved(&parsed, RESOLVE_DEADLINE).await.map_err(refused)
}

/// Checks a push endpoint a resident's browser gave: https, no user information, at one of
/// `channels.push.allowed_hosts`, and (when that list is empty) not inside the network. The
/// allowed push services are not contacted here.
pub async fn check_push_endpoint(app: &App, field: &str, endpoint: &str) -> Result<()> {
    let guard = app.settings.outbound.guard();
    let refused = |why| Error::invalid(field, format!("{why}; {ALLOWED}"));
    let url = guard.check_url(endpoint, Schemes::Https).map_err(refused)?;
    let hosts = PushHosts::new(&app.settings.channels.push.allowed_hosts);
    let local = guard.allows_loopback() && url.scheme() == "http";
    if local {
        return Ok(());
    }
    if !hosts.is_empty() {
        if hosts.allows(url.host_str().unwrap_or_default()) {
            return Ok(());
        }
        return Err(Error::invalid(field, format!("must be the URL of a browser's push service: {hosts}")));
    }
    guard.check_resolved(&url, RESOLVE_DEADLINE).await.map_err(refused)
}

/// Checks the push endpoint of a sign-up, when it has one, before anything is stored. The rest
/// of the sign-up is read by `residents::sign_up`.
pub async fn check_sign_up(app: &App, signup: &SignUp) -> Result<()> {
    let endpoint = signup.subscription.as_ref().and_then(|s| s.get("endpoint")).and_then(|e| e.as_str());
    match endpoint {
        Some(e) if signup.channel == "push" => check_push_endpoint(app, "/subscription/endpoint", e).await,
        _ => Ok(()),
    }
}
