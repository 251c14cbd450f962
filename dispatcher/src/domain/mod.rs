//! The domain: accounts and sessions, the audit log, named areas, templates and the alert
//! lifecycle. Functions take the [`crate::app::App`] and a caller, own their transactions and
//! record what they do in the audit log.

pub mod accounts;
pub mod alerts;
pub mod areas;
pub mod audit;
pub mod caller;
pub mod cascade;
pub mod crypto;
pub mod device_acks;
pub mod device_commands;
pub mod device_limits;
pub mod device_notices;
pub mod devices;
pub mod error;
pub mod feed;
pub mod feeds;
pub mod network;
pub mod outbound;
pub mod password;
pub mod public;
pub mod push;
pub mod residents;
pub mod roles;
pub mod sessions;
pub mod signatures;
pub mod siren_tests;
pub mod subscriptions;
pub mod templates;
pub mod territory;
pub mod tokens;
pub mod totp;
pub mod webhooks;
