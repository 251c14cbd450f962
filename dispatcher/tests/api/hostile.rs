//! Hostile input to every endpoint of the route table (issue 9): oversized bodies, wrong media
//! types, broken UTF-8, XML bombs and external entities, SQL and HTML injection in every text
//! field, junk and traversal in every path parameter, and markers that must never come back
//! unescaped. Each category runs on one server per backend, and ends by checking that nothing
//! was stored and that the server still answers. `table.rs` classifies every endpoint; an
//! endpoint it does not know fails `every_endpoint_is_classified`. See `docs/hostile-input.md`.

mod bodies;
mod injection;
mod paths;
mod raw;
mod reflection;
mod table;
mod world;
mod xml;

pub use world::World;

/// Runs a category on a fresh world over SQLite and over PostgreSQL.
#[macro_export]
macro_rules! on_both_worlds {
    ($name:ident, $body:path) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                if let Some(w) = $crate::hostile::World::open($crate::support::Backend::Sqlite).await {
                    $body(w).await;
                }
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(w) = $crate::hostile::World::open($crate::support::Backend::Postgres).await {
                    $body(w).await;
                }
            }
        }
    };
}

#[test]
fn every_endpoint_is_classified() {
    let mut unknown = Vec::new();
    for e in dispatcher::http::routes::endpoints() {
        match table::classify(e.method.as_str(), e.path) {
            None => unknown.push(format!("{} {}", e.method, e.path)),
            Some(case) => {
                if let Err(why) = case.takes.agrees_with(&e) {
                    unknown.push(format!("{} {}: {why}", e.method, e.path));
                }
            }
        }
    }
    assert!(unknown.is_empty(), "classify these endpoints in tests/api/hostile/table.rs:\n{}", unknown.join("\n"));
}
