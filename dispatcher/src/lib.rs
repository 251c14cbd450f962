//! The Tocsin dispatcher: configuration, storage on SQLite or PostgreSQL, the alert lifecycle
//! with two-person approval, accounts and the audit log, the HTTP API and CAP feeds, and the
//! `tocsin` command line. `ARCHITECTURE.md` has the map.

pub mod agent;
pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod fanout;
pub mod http;
pub mod metrics;
pub mod server;
pub mod tls;
