//! Item 18: a second factor was optional for approvers and administrators, and the first
//! administrator's one-time password went to stderr (so into journald and container logs).
//! Now, by default, an approver's or administrator's session signed in with a password alone
//! can only enrol a second factor, and the first password is written to a private file.

use std::process::{Command, Stdio};

use dispatcher::domain::roles::Role;
use dispatcher::domain::totp;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Auth, Backend, TestApp, spawn_with};

/// A test server with the default: approvers and administrators need a second factor.
async fn strict(backend: Backend) -> Option<TestApp> {
    spawn_with(backend, |s| {
        s.security.require_second_factor = dispatcher::config::Security::default().require_second_factor
    })
    .await
}

// Someone who holds an approver's or an administrator's password (phished, reused, read over
// a shoulder) signs in with it alone.
#[tokio::test]
async fn a_password_alone_approves_nothing_and_makes_no_accounts() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(t) = strict(backend).await else { continue };
        let author = t.user("ana", &[Role::Author]).await;
        let approver = t.user("boris", &[Role::Approver]).await;
        let admin = t.user("ada", &[Role::Admin]).await;
        let alert = crate::lifecycle::submitted(&t, &author, crate::support::content("Actual")).await;
        let approve = json!({ "capSha256": alert["capSha256"], "issue": true });
        let r =
            t.post(&format!("/api/v1/alerts/{}/approve", alert["id"]), Auth::Session(&approver), approve.clone()).await;
        assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-014"), "{}", r.text());
        let r = t
            .post(
                "/api/v1/users",
                Auth::Session(&admin),
                json!({ "username": "eve", "displayName": "Eve", "roles": ["approver"] }),
            )
            .await;
        assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-014"), "{}", r.text());
        let r = t
            .post(
                "/api/v1/tokens",
                Auth::Session(&admin),
                json!({ "name": "eve", "role": "author", "scopes": ["cap"] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        // The session says what to do; an author needs no second factor.
        let me = t.get("/api/v1/session", Auth::Session(&approver)).await.json();
        assert_eq!(me["secondFactorRequired"], true, "{me}");
        assert_eq!(t.get("/api/v1/alerts", Auth::Session(&author)).await.status, StatusCode::OK);

        // Enrolling one: the confirming code counts for the session.
        let r = t.post("/api/v1/session/totp", Auth::Session(&approver), json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let secret = totp::base32_decode(r.json()["secret"].as_str().unwrap()).unwrap();
        let code = crate::support::next_totp(&secret);
        let r = t.post("/api/v1/session/totp/confirm", Auth::Session(&approver), json!({ "code": code })).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        assert_eq!(t.get("/api/v1/session", Auth::Session(&approver)).await.json()["secondFactorRequired"], false);
        let r = t.post(&format!("/api/v1/alerts/{}/approve", alert["id"]), Auth::Session(&approver), approve).await;
        assert_eq!(r.json()["state"], "issued", "{}", r.text());
        // From now on the password alone does not sign in.
        let r = t
            .post("/api/v1/session", Auth::None, json!({ "username": "boris", "password": "boris-password-long" }))
            .await;
        assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-014"), "{}", r.text());
    }
}

// The first start of a new instance: the administrator's one-time password must not reach
// stderr (the journal, a container's log) but a file only the service's user reads.
#[cfg(unix)]
#[tokio::test]
async fn the_first_administrators_password_stays_out_of_the_log() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tocsin.db");
    let port = crate::peers::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tocsin"))
        .arg("serve")
        .env("TOCSIN_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("TOCSIN_SERVER_LISTEN", format!("127.0.0.1:{port}"))
        .env("TOCSIN_CHANNELS_PUSH_KEY_POOL", "0")
        .env("TOCSIN_LOG_LEVEL", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..200 {
        if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let file = dir.path().join("tocsin.db.first-admin");
    let password = std::fs::read_to_string(&file).unwrap_or_default().trim().to_owned();
    let mode = std::fs::metadata(&file).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
    // Signing in with it works, and asks for a new password first.
    let r = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({ "username": "admin", "password": password }))
        .send()
        .await;
    let signed_in = r.ok().map(|r| r.status());
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let logged = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(ready, "the server did not start: {logged}");
    assert!(password.len() >= 16, "the password is in {}: {logged}", file.display());
    assert_eq!(mode, 0o600, "the file is its owner's only");
    assert!(!logged.contains(&password), "the password reached the log: {logged}");
    assert!(logged.contains("tocsin.db.first-admin"), "the log says where it is: {logged}");
    assert_eq!(signed_in, Some(StatusCode::OK));
}
