//! Sign-in and sessions: cookie attributes, limits on failed logins, idle and absolute session
//! limits, sign-out, the TOTP second factor, and the first administrator's password change.

use dispatcher::domain::accounts;
use dispatcher::domain::roles::Role;
use dispatcher::domain::totp;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Auth, Backend, Body, spawn, spawn_with};

#[tokio::test]
async fn the_session_cookie_is_host_bound_secure_http_only_and_strict() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    app.user("ana", &[Role::Author]).await;
    let r =
        app.post("/api/v1/session", Auth::None, json!({ "username": "ana", "password": "ana-password-long" })).await;
    let cookie = r.header("set-cookie");
    assert!(cookie.starts_with("__Host-tocsin_session="), "{cookie}");
    for attr in ["Path=/", "Secure", "HttpOnly", "SameSite=Strict", "Max-Age=43200"] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
    let again = app.login("ana", "ana-password-long").await;
    let first = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
    assert_ne!(again.cookie, first, "each login gets a new session");
    let r = app.call(reqwest::Method::DELETE, "/api/v1/session", Auth::Session(&again), Body::Empty).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.header("set-cookie").contains("Max-Age=0"));
    assert_eq!(app.get("/api/v1/session", Auth::Session(&again)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn failed_logins_are_limited_per_account_and_per_address() {
    let Some(app) = spawn_with(Backend::Sqlite, |s| {
        s.security.login_limit_per_account = 3;
        s.security.login_limit_per_address = 5;
    })
    .await
    else {
        return;
    };
    for name in ["ana", "boris"] {
        let pw = format!("{name}-password-long");
        accounts::add(
            &app.app,
            &dispatcher::domain::audit::Actor::System,
            "test",
            name,
            name,
            &[Role::Author],
            Some(&pw),
        )
        .await
        .unwrap();
    }
    for _ in 0..3 {
        let r =
            app.post("/api/v1/session", Auth::None, json!({ "username": "ana", "password": "wrong-password!" })).await;
        assert_eq!((r.status, r.code().as_str()), (StatusCode::UNAUTHORIZED, "API-003"));
        assert_eq!(r.json()["detail"], "invalid username or password");
    }
    let r =
        app.post("/api/v1/session", Auth::None, json!({ "username": "ana", "password": "ana-password-long" })).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "API-010"),
        "even the right password waits"
    );
    assert!(r.header("retry-after").parse::<u64>().unwrap() > 0);
    // Unknown users count against the address too.
    for name in ["x1", "x2"] {
        app.post("/api/v1/session", Auth::None, json!({ "username": name, "password": "whatever-long" })).await;
    }
    let r = app
        .post("/api/v1/session", Auth::None, json!({ "username": "boris", "password": "boris-password-long" }))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "five failures from this address");
    let verify = dispatcher::domain::audit::verify(&app.app.db).await.unwrap();
    assert!(verify.intact && verify.rows >= 5);
}

async fn age_session(app: &crate::support::TestApp, last_seen_ago_ms: i64, expires_in_ms: i64) {
    let now = dispatcher::db::now_ms();
    let mut tx = app.app.db.begin().await.unwrap();
    use dispatcher::db::Executor as _;
    match tx.conn() {
        dispatcher::db::Conn::Sqlite(c) => sqlx::query("UPDATE sessions SET last_seen_ms = $1, expires_ms = $2")
            .bind(now - last_seen_ago_ms)
            .bind(now + expires_in_ms)
            .execute(&mut *c)
            .await
            .unwrap()
            .rows_affected(),
        dispatcher::db::Conn::Postgres(c) => sqlx::query("UPDATE sessions SET last_seen_ms = $1, expires_ms = $2")
            .bind(now - last_seen_ago_ms)
            .bind(now + expires_in_ms)
            .execute(&mut *c)
            .await
            .unwrap()
            .rows_affected(),
    };
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn sessions_end_when_idle_and_at_their_absolute_limit() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let s = app.user("ana", &[Role::Author]).await;
    age_session(&app, 29 * 60_000, 3_600_000).await;
    assert_eq!(app.get("/api/v1/session", Auth::Session(&s)).await.status, StatusCode::OK, "29 idle minutes are fine");
    age_session(&app, 31 * 60_000, 3_600_000).await;
    let r = app.get("/api/v1/session", Auth::Session(&s)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.json()["detail"].as_str().unwrap().contains("expired"));
    let s = app.login("ana", "ana-password-long").await;
    age_session(&app, 0, -1).await;
    assert_eq!(
        app.get("/api/v1/session", Auth::Session(&s)).await.status,
        StatusCode::UNAUTHORIZED,
        "past the absolute limit"
    );
}

#[tokio::test]
async fn totp_second_factor_is_enrolled_then_required() {
    let Some(app) = spawn_with(Backend::Sqlite, |s| s.security.require_second_factor = true).await else { return };
    let author = app.user("ana", &[Role::Author]).await;
    let approver = app.user("boris", &[Role::Approver]).await;
    let a = crate::lifecycle::submitted(&app, &author, crate::support::content("Actual")).await;
    let r = app
        .post(
            &format!("/api/v1/alerts/{}/approve", a["id"]),
            Auth::Session(&approver),
            json!({ "capSha256": a["capSha256"] }),
        )
        .await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-014"), "approvers must use a second factor");

    let r = app.post("/api/v1/session/totp", Auth::Session(&approver), json!({})).await;
    let secret = totp::base32_decode(r.json()["secret"].as_str().unwrap()).unwrap();
    assert!(r.json()["otpauthUri"].as_str().unwrap().starts_with("otpauth://totp/"));
    let r = app.post("/api/v1/session/totp/confirm", Auth::Session(&approver), json!({ "code": "000000" })).await;
    assert_eq!(r.json()["field"], "code");
    let r = app
        .post("/api/v1/session/totp/confirm", Auth::Session(&approver), json!({ "code": totp::current(&secret) }))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());

    let r = app
        .post("/api/v1/session", Auth::None, json!({ "username": "boris", "password": "boris-password-long" }))
        .await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-014"), "a code is now needed");
    let r = app
        .post(
            "/api/v1/session",
            Auth::None,
            json!({ "username": "boris", "password": "boris-password-long", "totp": "123456" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .post(
            "/api/v1/session",
            Auth::None,
            json!({ "username": "boris", "password": "boris-password-long", "totp": crate::support::next_totp(&secret) }),
        )
        .await;
    assert_eq!(r.json()["secondFactor"], true, "{}", r.text());
    let cookie = r.header("set-cookie").split(';').next().unwrap().split_once('=').unwrap().1.to_owned();
    let s = crate::support::Session { cookie, csrf: r.json()["csrfToken"].as_str().unwrap().into(), user_id: 0 };
    let r = app
        .post(&format!("/api/v1/alerts/{}/approve", a["id"]), Auth::Session(&s), json!({ "capSha256": a["capSha256"] }))
        .await;
    assert_eq!(r.json()["state"], "approved", "{}", r.text());
}

#[tokio::test]
async fn the_first_administrator_must_change_the_one_time_password() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let password = accounts::ensure_first_admin(&app.app).await.unwrap().expect("a one-time password");
    assert!(accounts::ensure_first_admin(&app.app).await.unwrap().is_none(), "only on first start");
    let admin = app.login("admin", &password).await;
    let r = app.get("/api/v1/users", Auth::Session(&admin)).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "API-015"));
    assert_eq!(app.get("/api/v1/session", Auth::Session(&admin)).await.json()["mustChangePassword"], true);
    let r = app
        .post(
            "/api/v1/session/password",
            Auth::Session(&admin),
            json!({ "currentPassword": password, "newPassword": "short" }),
        )
        .await;
    assert_eq!(r.json()["field"], "newPassword");
    let r = app
        .post(
            "/api/v1/session/password",
            Auth::Session(&admin),
            json!({ "currentPassword": password, "newPassword": "a much better password" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(app.get("/api/v1/users", Auth::Session(&admin)).await.status, StatusCode::OK);
    let r = app.post("/api/v1/session", Auth::None, json!({ "username": "admin", "password": password })).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "the one-time password is gone");
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions() {
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let admin = app.user("root", &[Role::Admin]).await;
    let ana = app.user("ana", &[Role::Author]).await;
    let r = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/users/{}", ana.user_id),
            Auth::Session(&admin),
            Body::Json(json!({ "disabled": true })),
        )
        .await;
    assert_eq!(r.json()["disabled"], true, "{}", r.text());
    assert_eq!(app.get("/api/v1/session", Auth::Session(&ana)).await.status, StatusCode::UNAUTHORIZED);
    let r =
        app.post("/api/v1/session", Auth::None, json!({ "username": "ana", "password": "ana-password-long" })).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/users/{}", admin.user_id),
            Auth::Session(&admin),
            Body::Json(json!({ "disabled": true })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "an administrator cannot lock themselves out");
}
