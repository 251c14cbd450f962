//! Administration from the command line: users, tokens, the audit log, named areas and
//! migrations, against either backend. Actions are audited as the system, from `cli`.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use crate::app::App;
use crate::config::Settings;
use crate::domain::audit::Actor;
use crate::domain::roles::{Role, parse_roles};
use crate::domain::{accounts, areas, audit, tokens};

const CLI: &str = "cli";

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user; a password is generated (and printed once) unless --password-stdin.
    Add {
        /// Login name.
        username: String,
        /// Roles, comma-separated: author, approver, operator, admin, auditor.
        #[arg(long, value_name = "ROLES")]
        roles: String,
        /// Name shown to colleagues (default: the login name).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Disable a user and end their sessions.
    Disable {
        /// Login name or id.
        user: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token; its value is printed once.
    Create {
        /// A unique name (the integration).
        name: String,
        /// The token's role.
        #[arg(long)]
        role: Role,
        /// Scopes, comma-separated: alerts, cap, templates, areas, users, tokens, audit, metrics, or *.
        #[arg(long)]
        scopes: String,
        /// Days until it stops working.
        #[arg(long)]
        expires_days: Option<u32>,
    },
    /// Revoke a token.
    Revoke {
        /// Name or id.
        token: String,
    },
    /// List tokens.
    List,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the hash chain; exit 1 if a row was changed, inserted or removed.
    Verify,
}

#[derive(Subcommand, Debug)]
pub enum AreaCommand {
    /// Import named areas from a GeoJSON file (names replace).
    Import {
        /// The GeoJSON file.
        file: PathBuf,
    },
    /// List named areas.
    List,
}

async fn open(settings: Settings) -> anyhow::Result<App> {
    crate::server::install_crypto_provider();
    App::open(settings).await
}

pub async fn migrate(settings: Settings) -> anyhow::Result<ExitCode> {
    let app = open(settings).await?;
    println!("migrations applied ({:?})", app.db.backend());
    Ok(ExitCode::SUCCESS)
}

pub async fn user(settings: Settings, c: &UserCommand) -> anyhow::Result<ExitCode> {
    let app = open(settings).await?;
    match c {
        UserCommand::Add { username, roles, display_name, password_stdin } => {
            let roles = parse_roles(roles)?;
            let password = if *password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                Some(s.trim_end_matches(['\n', '\r']).to_owned())
            } else {
                None
            };
            let display = display_name.clone().unwrap_or_else(|| username.clone());
            let (u, generated) =
                accounts::add(&app, &Actor::System, CLI, username, &display, &roles, password.as_deref()).await?;
            println!(
                "added user {} (id {}) with roles {}",
                u.username,
                u.id,
                crate::domain::roles::join_roles(&u.roles)
            );
            if let Some(pw) = generated {
                println!("one-time password (must be changed at first login): {pw}");
            }
        }
        UserCommand::List => {
            for u in accounts::list(&app).await? {
                let flags = [
                    (u.disabled, "disabled"),
                    (u.totp_enabled, "totp"),
                    (u.must_change_password, "must-change-password"),
                ];
                let flags: Vec<&str> = flags.iter().filter(|(on, _)| *on).map(|(_, f)| *f).collect();
                println!(
                    "{:>4}  {:<20} {:<30} {}  {}",
                    u.id,
                    u.username,
                    u.display_name,
                    crate::domain::roles::join_roles(&u.roles),
                    flags.join(" ")
                );
            }
        }
        UserCommand::Disable { user } => {
            let row = accounts::find(&app, user).await?;
            let change = accounts::UserChange { disabled: Some(true), ..Default::default() };
            accounts::change(&app, &Actor::System, CLI, row.id, &change).await?;
            println!("disabled {}", row.username);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn token(settings: Settings, c: &TokenCommand) -> anyhow::Result<ExitCode> {
    let app = open(settings).await?;
    match c {
        TokenCommand::Create { name, role, scopes, expires_days } => {
            let scopes: Vec<String> =
                scopes.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
            let (t, value) = tokens::create(&app, &Actor::System, CLI, name, *role, &scopes, *expires_days).await?;
            println!("created token {} (id {}), role {}, scopes {}", t.name, t.id, t.role, t.scopes.join(","));
            println!("token (shown only now): {value}");
        }
        TokenCommand::Revoke { token } => {
            let t = tokens::revoke(&app, &Actor::System, CLI, token).await?;
            println!("revoked token {} (id {})", t.name, t.id);
        }
        TokenCommand::List => {
            for t in tokens::list(&app).await? {
                let state = if t.revoked_ms.is_some() { "revoked" } else { "active" };
                println!("{:>4}  {:<24} {}…  {:<9} {:<30} {state}", t.id, t.name, t.prefix, t.role, t.scopes.join(","));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn audit(settings: Settings, c: &AuditCommand) -> anyhow::Result<ExitCode> {
    let app = open(settings).await?;
    match c {
        AuditCommand::Verify => {
            let v = audit::verify(&app.db).await?;
            if v.intact {
                println!("the audit log is intact: {} rows, head {}", v.rows, v.head);
                Ok(ExitCode::SUCCESS)
            } else {
                println!(
                    "the audit log is BROKEN at row {}: {} ({} rows before it verify)",
                    v.broken_at.unwrap_or_default(),
                    v.problem.unwrap_or_default(),
                    v.rows
                );
                Ok(ExitCode::FAILURE)
            }
        }
    }
}

pub async fn area(settings: Settings, c: &AreaCommand) -> anyhow::Result<ExitCode> {
    let app = open(settings).await?;
    match c {
        AreaCommand::Import { file } => {
            let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
            let (views, warnings) = areas::import(&app, &Actor::System, CLI, &text).await?;
            for w in warnings {
                eprintln!("warning: {w}");
            }
            for a in views {
                println!("{:>4}  {}  ({} polygons, {:.1} km²)", a.id, a.name, a.polygons, a.area_km2);
            }
        }
        AreaCommand::List => {
            for a in areas::all(&mut app.db.read().await?).await? {
                println!("{:>4}  {}  ({} polygons, {:.1} km²)", a.id, a.name, a.polygons.len(), a.area_km2);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
