//! References to earlier messages (`sender,identifier,sent` triples) and the quoted,
//! space-delimited group lists used by `addresses` and `incidents`.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::time::{CapDateTime, Deviation};
use super::values::{Identifier, InvalidValue, Sender};

/// One earlier message named in `references`: its sender, identifier and sent time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Reference {
    /// The earlier message's sender.
    pub sender: Sender,
    /// The earlier message's identifier.
    pub identifier: Identifier,
    /// The earlier message's sent time.
    pub sent: CapDateTime,
}

impl Reference {
    /// Parses one `sender,identifier,sent` triple. A `Z` or fractional time is accepted and
    /// reported as a deviation, as in `CapDateTime::parse_lenient`.
    pub fn parse(triple: &str) -> Result<(Self, Option<Deviation>), InvalidValue> {
        let parts: Vec<&str> = triple.split(',').collect();
        let [sender, identifier, sent] = parts[..] else {
            return Err(InvalidValue(format!("{triple:?} is not a sender,identifier,sent triple")));
        };
        let sender = Sender::parse(sender).map_err(|e| InvalidValue(format!("sender in {triple:?}: {e}")))?;
        let identifier =
            Identifier::parse(identifier).map_err(|e| InvalidValue(format!("identifier in {triple:?}: {e}")))?;
        let (sent, deviation) =
            CapDateTime::parse_lenient(sent).map_err(|e| InvalidValue(format!("sent in {triple:?}: {e}")))?;
        Ok((Reference { sender, identifier, sent }, deviation))
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{}", self.sender, self.identifier, self.sent)
    }
}

/// Splits a group list: space-delimited values, where a value containing whitespace is
/// enclosed in double quotes. Fails on an unclosed quote.
pub fn split_group(text: &str) -> Result<Vec<String>, InvalidValue> {
    let mut items = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut item = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some(ch) => item.push(ch),
                    None => return Err(InvalidValue(format!("unclosed double quote in {text:?}"))),
                }
            }
            items.push(item);
        } else {
            let mut item = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() {
                    break;
                }
                if ch == '"' {
                    return Err(InvalidValue(format!("a double quote inside a value in {text:?}")));
                }
                item.push(ch);
                chars.next();
            }
            items.push(item);
        }
    }
    Ok(items)
}

/// Joins a group list, quoting values that contain whitespace.
pub fn join_group(items: &[String]) -> String {
    items
        .iter()
        .map(|i| if i.is_empty() || i.chars().any(char::is_whitespace) { format!("\"{i}\"") } else { i.clone() })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triples() {
        let (r, d) = Reference::parse("hsas@dhs.gov,123,2003-04-02T14:39:01-05:00").unwrap();
        assert_eq!(r.to_string(), "hsas@dhs.gov,123,2003-04-02T14:39:01-05:00");
        assert_eq!(d, None);
        for bad in
            ["", "a,b", "a,b,c,d", "a,b,2003-04-02", ",b,2003-04-02T14:39:01-05:00", "a,,2003-04-02T14:39:01-05:00"]
        {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn group_lists_round_trip() {
        let items = split_group(r#"one "two words"  three"#).unwrap();
        assert_eq!(items, vec!["one", "two words", "three"]);
        assert_eq!(join_group(&items), r#"one "two words" three"#);
        assert!(split_group(r#"one "two"#).is_err());
        assert!(split_group(r#"on"e"#).is_err());
        assert!(split_group("  ").unwrap().is_empty());
    }
}
