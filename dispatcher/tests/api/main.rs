//! The dispatcher's integration tests: the whole app over HTTP on port 0, on a fresh SQLite file
//! and (when TOCSIN_TEST_DATABASE_URL is set, as under CI) a fresh PostgreSQL database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod admin;
mod adversarial;
mod agent;
mod authz;
mod browser;
mod cap;
mod cascade;
mod cli_admin;
mod cli_cap;
mod cli_residents;
mod crash;
mod crash_channels;
mod demo;
mod device_mqtt;
mod devices;
mod display;
mod engine;
mod feeds;
mod hostile;
mod input;
mod lifecycle;
mod management;
mod outage;
mod outbox;
mod partition;
mod peers;
mod previews;
mod pwa;
mod receipts;
mod resident_data;
mod resident_figures;
mod resident_logs;
mod residents;
mod security;
mod signatures;
mod signup;
mod siren_tests;
mod sqlite_load;
mod store;
mod storm;
