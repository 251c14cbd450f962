//! The session's end seen from the admin app: a warning before an idle session ends, which
//! keeps it alive when asked, and the return to sign-in when the time runs out.

use dispatcher::domain::roles::Role;
use serde_json::json;

use super::desk::Desk;
use crate::support::{Backend, spawn_with};

#[tokio::test]
async fn the_app_warns_before_an_idle_session_ends_keeps_it_when_asked_and_then_signs_out() {
    // One idle minute: the warning comes with half of it left.
    let Some(app) = spawn_with(Backend::Sqlite, |s| s.security.session_idle_minutes = 1).await else { return };
    app.user("ana", &[Role::Author]).await;
    let Some(d) = Desk::open(&app).await else { return };
    let b = &d.b;
    d.sign_in("ana", None).await;
    let hidden = "return document.getElementById('expiry').hidden;";
    assert_eq!(b.execute(hidden, json!([])).await, json!(true), "no warning with the minute ahead");

    d.wait_for_element("#expiry-stay").await;
    assert_eq!(b.text("#expiry-title").await, "Your session is about to end");
    let left = b.text("#expiry-left").await;
    assert!(left.starts_with("0:") && left.contains("signed out"), "{left}");
    let said = "return document.getElementById('expiry-said').textContent;";
    assert!(b.execute(said, json!([])).await.as_str().unwrap().contains("stay signed in"));
    d.shot("30-session-ending").await;
    // Staying signed in is one keypress away and puts the end a minute off again.
    let focus = "document.getElementById('expiry-stay').focus(); return true;";
    b.execute(focus, json!([])).await;
    b.press("\u{E007}").await;
    d.wait("the warning to go", hidden).await;

    // Left alone, the session ends and the app says so on the sign-in screen, without the user
    // doing anything.
    d.wait_for_element("#expiry-stay").await;
    let signin = "const e = document.getElementById('signin'); return !!e && e.offsetParent !== null;";
    b.wait_for("the sign-in screen", signin, std::time::Duration::from_secs(60)).await;
    let reason = "return document.getElementById('notice').textContent === 'Your session has expired. Sign in again to continue.';";
    d.wait("the reason on the sign-in screen", reason).await;
    assert_eq!(b.execute(hidden, json!([])).await, json!(true), "the warning goes with the session");
    d.b.quit().await;
}
