//! The caller of an API request: a signed-in user or an integration's token.

use super::audit::Actor;
use super::roles::Role;

/// How the caller authenticated.
#[derive(Clone, Debug)]
pub enum Via {
    /// A browser session cookie.
    Session {
        /// The SHA-256 of the cookie value.
        id_hash: String,
        /// The session's CSRF token.
        csrf: String,
        /// Whether a TOTP code was given at login.
        second_factor: bool,
        /// Whether the password must be changed before anything else.
        must_change_password: bool,
        /// When the session ends however active it is (Unix milliseconds).
        expires_ms: i64,
    },
    /// A bearer token, with its scopes.
    Token {
        /// What parts of the API the token may use (`alerts`, `cap`, … or `*`).
        scopes: Vec<String>,
    },
}

/// Who is calling.
#[derive(Clone, Debug)]
pub struct Caller {
    /// For the audit log.
    pub actor: Actor,
    /// The caller's roles.
    pub roles: Vec<Role>,
    /// The client's address.
    pub address: String,
    /// How they authenticated.
    pub via: Via,
}

impl Caller {
    /// Tocsin itself, acting on something a person approved earlier (a scheduled siren test).
    pub fn system() -> Caller {
        Caller {
            actor: Actor::System,
            roles: Vec::new(),
            address: "tocsin".into(),
            via: Via::Token { scopes: Vec::new() },
        }
    }

    /// Whether the caller holds any of the roles.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.roles.contains(r))
    }

    /// Whether the caller holds a role.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The user id, for a signed-in user.
    pub fn user_id(&self) -> Option<i64> {
        self.actor.user_id()
    }

    /// Whether a token may use a part of the API; users always may (roles decide).
    pub fn in_scope(&self, scope: &str) -> bool {
        match &self.via {
            Via::Session { .. } => true,
            Via::Token { scopes } => scopes.iter().any(|s| s == "*" || s == scope),
        }
    }
}
