//! `cap-alerts`: OASIS CAP 1.2 that alerting authorities can trust.
//!
//! - A typed [model] of every CAP 1.2 element, where values that have a rule (identifiers,
//!   times, polygons, URIs, language tags) can only hold valid content.
//! - A streaming [`Reader`] on quick-xml that enforces the XSD's element order, refuses any
//!   DOCTYPE, never resolves an entity, bounds size and depth, reads CAP 1.0 and 1.1 and
//!   upgrades them, and reports [`Finding`]s with stable codes, element paths and source lines.
//! - Validation of the spec-text rules the XSD does not express, and [`Profile`]s (IPAWS,
//!   CAP-CP, CAP-AU, MeteoAlarm, Tocsin's authoring rules).
//! - A [`write`]r of canonical CAP 1.2, keeping XML signatures byte for byte.
//! - [`geo`]metry for targeting: containment and bounding boxes of polygons and circles.
//! - A reader of CAP index [`feed`]s (Atom, RSS, EDXL-DE).
//! - XML [`sign`]atures: enveloped XML-DSig signing and verification, with its own
//!   canonicalization and refusal of signature wrapping.
//!
//! The crate does no I/O and nothing async.
//!
//! ```
//! use cap_alerts::{Reader, Mode, Profile};
//!
//! let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
//! <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
//!   <identifier>TOCSIN-1</identifier><sender>ops@example.org</sender>
//!   <sent>2026-11-23T10:00:00Z</sent><status>Actual</status><msgType>Alert</msgType>
//!   <scope>Public</scope>
//! </alert>"#;
//! let report = Reader::new().mode(Mode::Lenient).check(xml);
//! assert_eq!(report.findings[0].code.as_str(), "CAP-T002");
//! assert_eq!(report.findings[0].path, "/alert/sent");
//! assert!(report.alert.is_some(), "lenient mode still gives the model");
//! assert!(Reader::new().read(xml).is_err(), "strict mode refuses it");
//! ```

#![warn(missing_docs)]

mod codes;
mod document;
pub mod feed;
pub mod findings;
pub mod geo;
pub mod model;
pub mod profiles;
pub mod read;
mod rules;
pub mod sign;
mod write;

pub use codes::{Code, UnknownCode, catalogue_markdown};
pub use document::{Document, Mode, Reader, Rejection, Report, validate};
pub use findings::{Finding, Position, Severity};
pub use model::{Alert, Area, Info, Resource};
pub use profiles::{AuEventList, Profile, TocsinProfile};
pub use read::{CapVersion, ReadOptions, UpgradeNote};
pub use write::write;
