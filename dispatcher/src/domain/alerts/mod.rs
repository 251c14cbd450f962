//! Alerts: authored content, the CAP message built from it, and its life from draft to issued,
//! with corrections and CAP posted by integrations.

pub mod build;
pub mod content;
pub mod corrections;
mod drills;
pub mod expiry;
pub mod ingest;
pub mod lifecycle;
pub mod phrases;
pub mod state;
pub mod system;
pub mod view;
