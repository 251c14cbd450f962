//! Converting element text to model values, reporting what does not convert.

use std::str::FromStr;

use super::CapVersion;
use super::walker::{Walker, leaf};
use crate::codes::Code;
use crate::model::{CapDateTime, Deviation, NamedValue, NotAllowed};

impl Walker<'_> {
    /// An enumerated code value, or `None` after reporting a value that is not allowed.
    pub(crate) fn enumerated<T: FromStr<Err = NotAllowed>>(&mut self, text: &str, path: &str, at: usize) -> Option<T> {
        match text.parse::<T>() {
            Ok(v) => Some(v),
            Err(e) => {
                self.report(
                    Code::NotInEnumeration,
                    path,
                    at,
                    format!("<{}> is {:?}; allowed: {}", leaf(path), e.value, e.allowed),
                );
                None
            }
        }
    }

    /// A date and time. `Z` and fractions of a second are errors in CAP 1.2 and silent
    /// upgrades from 1.0 and 1.1, where xs:dateTime allowed them.
    pub(crate) fn date_time(&mut self, text: &str, path: &str, at: usize) -> Option<CapDateTime> {
        let text = text.trim();
        match CapDateTime::parse_lenient(text) {
            Ok((t, None)) => Some(t),
            Ok((t, Some(d))) => {
                self.deviation(d, text, path, at);
                Some(t)
            }
            Err(e) => {
                self.report(Code::MalformedDateTime, path, at, format!("<{}>: {e}", leaf(path)));
                None
            }
        }
    }

    /// Reports how a time deviated from the CAP 1.2 form.
    pub(crate) fn deviation(&mut self, d: Deviation, text: &str, path: &str, at: usize) {
        let upgrade = self.version != CapVersion::V1_2;
        match (d, upgrade) {
            (Deviation::Zulu, false) => self.report(
                Code::ZuluTimeZone,
                path,
                at,
                format!("{text:?} uses \"Z\"; CAP 1.2 writes UTC as -00:00 (for example 2002-05-24T16:49:00-00:00)"),
            ),
            (Deviation::FractionalSeconds, false) => self.report(
                Code::FractionalSeconds,
                path,
                at,
                format!("{text:?} has fractions of a second, which CAP 1.2 does not allow"),
            ),
            (Deviation::Zulu, true) => self.upgraded("CAP-U005", path, format!("{text:?}: \"Z\" written as -00:00")),
            (Deviation::FractionalSeconds, true) => {
                self.upgraded("CAP-U006", path, format!("{text:?}: fractions of a second dropped"))
            }
        }
    }

    /// An `xs:decimal` (altitude, ceiling), or `None` after reporting.
    pub(crate) fn decimal(&mut self, text: &str, path: &str, at: usize) -> Option<f64> {
        let t = text.trim();
        let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
        let ok = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && digits.bytes().filter(|b| *b == b'.').count() <= 1
            && digits.bytes().any(|b| b.is_ascii_digit());
        match t.parse::<f64>() {
            Ok(v) if ok && v.is_finite() => Some(v),
            _ => {
                self.report(Code::NotANumber, path, at, format!("<{}> is {t:?}, not a decimal number", leaf(path)));
                None
            }
        }
    }

    /// A non-negative `xs:integer` (resource size), or `None` after reporting.
    pub(crate) fn integer(&mut self, text: &str, path: &str, at: usize) -> Option<u64> {
        let t = text.trim();
        match t.strip_prefix('+').unwrap_or(t).parse::<u64>() {
            Ok(v) => Some(v),
            Err(_) => {
                self.report(
                    Code::NotANumber,
                    path,
                    at,
                    format!("<{}> is {t:?}, not a whole number of bytes", leaf(path)),
                );
                None
            }
        }
    }

    /// A CAP 1.0 `name=value` pair, upgraded to a 1.2 value pair.
    pub(crate) fn legacy_pair(&mut self, text: &str, path: &str) -> NamedValue {
        let (name, value) = text.split_once('=').unwrap_or(("", text));
        self.upgraded(
            "CAP-U004",
            path,
            format!("the CAP 1.0 pair {text:?} became valueName {name:?} and value {value:?}"),
        );
        NamedValue::new(name.trim(), value.trim())
    }
}
