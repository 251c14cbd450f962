//! The route table: every endpoint with its method, path, the access it needs, the token scope
//! it belongs to, and its schemas. The router, the authorization layer, the OpenAPI document
//! and the route-table test are all built from this one list.

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use schemars::{JsonSchema, Schema, SchemaGenerator};

use crate::app::App;
use crate::domain::roles::Role;

/// Who may call an endpoint.
#[derive(Clone, Copy, Debug)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in or holding a token.
    Signed,
    /// Callers holding one of these roles.
    Roles(&'static [Role]),
    /// Peers that prove a shared secret the handler checks itself (a gateway's status
    /// callbacks with the token from the settings); no user or API token.
    PeerSecret,
}

/// Every role: reading alerts, templates and areas.
pub const READERS: &[Role] = &[Role::Author, Role::Approver, Role::Operator, Role::Admin, Role::Auditor];
/// Writing alerts.
pub const AUTHORS: &[Role] = &[Role::Author];
/// Approving and rejecting.
pub const APPROVERS: &[Role] = &[Role::Approver];
/// Issuing, withdrawing and cancelling.
pub const AUTHORS_AND_APPROVERS: &[Role] = &[Role::Author, Role::Approver];
/// Templates.
pub const TEMPLATE_EDITORS: &[Role] = &[Role::Author, Role::Admin];
/// Users, tokens, areas.
pub const ADMINS: &[Role] = &[Role::Admin];
/// Administrators, and approvers who confirm what administrators set up (tokens and feeds
/// that relay need a second person).
pub const ADMINS_AND_APPROVERS: &[Role] = &[Role::Admin, Role::Approver];
/// The audit log.
pub const AUDITORS: &[Role] = &[Role::Auditor, Role::Admin];
/// Metrics.
pub const MONITORS: &[Role] = &[Role::Operator, Role::Auditor, Role::Admin];

/// What the authorization layer needs to know about a route.
#[derive(Clone, Copy, Debug)]
pub struct Meta {
    /// Who may call it.
    pub access: Access,
    /// The API token scope it belongs to.
    pub scope: &'static str,
    /// Whether a user who must change their password may still call it.
    pub during_password_change: bool,
}

type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// One endpoint.
pub struct Endpoint {
    /// The method.
    pub method: Method,
    /// The path, with `{param}` segments.
    pub path: &'static str,
    /// Access, scope and flags.
    pub meta: Meta,
    /// What it does, for the OpenAPI document.
    pub summary: &'static str,
    /// The JSON body it takes.
    pub request: Option<SchemaFn>,
    /// The JSON it answers with.
    pub response: Option<SchemaFn>,
    /// The media type of its body, when not JSON.
    pub request_media: Option<&'static str>,
    /// The handler.
    pub handler: MethodRouter<App>,
}

macro_rules! constructor {
    ($name:ident, $method:ident, $route:ident) => {
        /// An endpoint for this method.
        pub fn $name<H: Handler<T, App>, T: 'static>(
            path: &'static str,
            access: Access,
            scope: &'static str,
            summary: &'static str,
            h: H,
        ) -> Self {
            Endpoint::new(Method::$method, path, access, scope, summary, $route(h))
        }
    };
}

impl Endpoint {
    fn new(
        method: Method,
        path: &'static str,
        access: Access,
        scope: &'static str,
        summary: &'static str,
        handler: MethodRouter<App>,
    ) -> Self {
        let meta = Meta { access, scope, during_password_change: false };
        Endpoint { method, path, meta, summary, request: None, response: None, request_media: None, handler }
    }

    constructor!(get, GET, get);
    constructor!(post, POST, post);
    constructor!(put, PUT, put);
    constructor!(patch, PATCH, patch);
    constructor!(delete, DELETE, delete);

    /// Declares the JSON body.
    pub fn body<T: JsonSchema>(mut self) -> Self {
        self.request = Some(|g| g.subschema_for::<T>());
        self
    }

    /// Declares a body that is not JSON.
    pub fn body_media(mut self, media: &'static str) -> Self {
        self.request_media = Some(media);
        self
    }

    /// Declares the JSON answer.
    pub fn returns<T: JsonSchema>(mut self) -> Self {
        self.response = Some(|g| g.subschema_for::<T>());
        self
    }

    /// Answers gzip-compressed to clients that accept it (static files and public JSON for
    /// phones on slow networks; never a stream or a long poll, which must flush as they go).
    pub fn compressed(mut self) -> Self {
        self.handler = self.handler.layer(tower_http::compression::CompressionLayer::new().gzip(true));
        self
    }

    /// Allows the call while the account is being set up: a password change pending, or a
    /// second factor not yet enrolled.
    pub fn during_password_change(mut self) -> Self {
        self.meta.during_password_change = true;
        self
    }
}

/// Every endpoint of the API.
pub fn endpoints() -> Vec<Endpoint> {
    let mut all = Vec::new();
    all.extend(super::session::endpoints());
    all.extend(super::alerts::endpoints());
    all.extend(super::previews::endpoints());
    all.extend(super::deliveries::endpoints());
    all.extend(super::timeline::endpoints());
    all.extend(super::webhooks::endpoints());
    all.extend(super::feeds::endpoints());
    all.extend(super::cascade::endpoints());
    all.extend(super::channels::endpoints());
    all.extend(super::residents::endpoints());
    all.extend(super::resident_figures::endpoints());
    all.extend(super::devices::endpoints());
    all.extend(super::device_protocol::endpoints());
    all.extend(super::siren_tests::endpoints());
    all.extend(super::signals::endpoints());
    all.extend(super::templates::endpoints());
    all.extend(super::areas::endpoints());
    all.extend(super::users::endpoints());
    all.extend(super::audit::endpoints());
    all.extend(super::cap::endpoints());
    all.extend(super::health::endpoints());
    all.extend(super::display::endpoints());
    all.extend(super::public::endpoints());
    all.extend(super::pwa::endpoints());
    all.extend(super::admin::endpoints());
    all
}
