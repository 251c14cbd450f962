//! The store test suite: the same tests on SQLite and on PostgreSQL (a fresh database each).

use dispatcher::app::App;
use dispatcher::db::alerts::{self, Mark, NewAlert};
use dispatcher::db::{self, users};
use dispatcher::domain::accounts;
use dispatcher::domain::audit::{self, Actor, Event};
use dispatcher::domain::roles::Role;
use serde_json::json;

use crate::on_both;
use crate::support::TestApp;

async fn raw(app: &App, sql: &'static str) -> Result<u64, sqlx::Error> {
    crate::support::raw_sql(app, sql).await
}

on_both!(users_are_unique_and_roles_round_trip, |t: TestApp| async move {
    let app = &t.app;
    let (u, pw) =
        accounts::add(app, &Actor::System, "test", "ana", "Ana", &[Role::Author, Role::Approver], None).await.unwrap();
    assert_eq!(u.roles, [Role::Author, Role::Approver]);
    assert!(u.must_change_password && pw.is_some_and(|p| p.len() >= 12));
    let e = accounts::add(app, &Actor::System, "test", "ana", "Ana 2", &[Role::Author], Some("another password"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("exists"), "{e}");
    let row = users::by_name(&mut app.db.read().await.unwrap(), "ana").await.unwrap().unwrap();
    assert!(row.password_hash.starts_with("$argon2id$"), "stored hashed");
    assert!(accounts::add(app, &Actor::System, "test", "Bad Name", "x", &[Role::Author], None).await.is_err());
});

on_both!(the_audit_chain_detects_changed_and_deleted_rows, |t: TestApp| async move {
    let app = &t.app;
    for i in 0..5 {
        let mut tx = app.db.begin().await.unwrap();
        let e = Event {
            actor: &Actor::System,
            address: "test",
            action: "test.event",
            target: format!("t:{i}"),
            alert: Some((i, 1)),
            details: json!({ "i": i }),
        };
        audit::record(&mut tx, e).await.unwrap();
        tx.commit().await.unwrap();
    }
    let v = audit::verify(&app.db).await.unwrap();
    assert!(v.intact && v.rows == 5, "{v:?}");
    assert!(raw(app, "UPDATE audit_log SET target = 'x' WHERE seq = 3").await.is_err(), "the table refuses updates");
    assert!(raw(app, "DELETE FROM audit_log WHERE seq = 4").await.is_err(), "and deletions");
    // Someone with the database owner's rights removes the guard and edits a row.
    match app.db.backend() {
        db::Backend::Sqlite => {
            raw(app, "DROP TRIGGER audit_log_no_update").await.unwrap();
            raw(app, "DROP TRIGGER audit_log_no_delete").await.unwrap();
        }
        db::Backend::Postgres => {
            raw(app, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").await.unwrap();
        }
    }
    raw(app, "UPDATE audit_log SET target = 't:changed' WHERE seq = 3").await.unwrap();
    let v = audit::verify(&app.db).await.unwrap();
    assert_eq!((v.intact, v.broken_at), (false, Some(3)), "{v:?}");
    assert!(v.problem.unwrap().contains("changed"));
    raw(app, "DELETE FROM audit_log WHERE seq = 3").await.unwrap();
    let v = audit::verify(&app.db).await.unwrap();
    assert_eq!((v.intact, v.broken_at), (false, Some(3)), "a deleted row is found: {v:?}");
});

on_both!(a_transition_happens_once_however_many_try, |t: TestApp| async move {
    let app = t.app.clone();
    let mut tx = app.db.begin().await.unwrap();
    let new = NewAlert {
        thread_id: None,
        msg_type: "Alert",
        cap_status: "Actual",
        scope: "Public",
        state: "submitted",
        origin: "authored",
        content: "{}",
        author_id: None,
        token_id: None,
    };
    let id = alerts::insert(&mut tx, &new).await.unwrap();
    tx.commit().await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = app.db.begin().await.unwrap();
            let n = alerts::transition(&mut tx, id, &["submitted"], "approved", Mark::None, None).await.unwrap();
            tx.commit().await.unwrap();
            n
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += t.await.unwrap();
    }
    assert_eq!(won, 1, "exactly one approval wins");
    let row = alerts::by_id(&mut app.db.read().await.unwrap(), id).await.unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.thread_id), ("approved", id));
});

on_both!(concurrent_writers_never_see_busy, |t: TestApp| async move {
    let app = t.app.clone();
    let mut tasks = Vec::new();
    for w in 0..16 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..20 {
                let mut tx = app.db.begin().await?;
                let e = Event {
                    actor: &Actor::System,
                    address: "test",
                    action: "load",
                    target: format!("w{w}:{i}"),
                    alert: None,
                    details: json!({}),
                };
                audit::record(&mut tx, e).await?;
                tx.commit().await?;
                let _ = app.db.read().await?;
            }
            Ok::<(), sqlx::Error>(())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let v = audit::verify(&app.db).await.unwrap();
    assert!(v.intact && v.rows == 320, "{v:?}");
});

on_both!(migrations_are_idempotent, |t: TestApp| async move {
    t.app.db.migrate().await.unwrap();
    t.app.db.migrate().await.unwrap();
    assert!(t.app.db.ping(std::time::Duration::from_secs(5)).await);
});

on_both!(an_instance_with_another_key_refuses_to_start, |t: TestApp| async move {
    let mut s = t.app.settings.clone();
    let same = App::open(s.clone()).await;
    assert!(same.is_ok(), "the same key opens the database again");
    s.security.secret_key = dispatcher::config::Secret::new(dispatcher::domain::crypto::SecretKey::generate_base64());
    let e = App::open(s).await.unwrap_err();
    assert!(format!("{e:#}").contains("not the one this database was set up with"), "{e:#}");
});
