//! Before parsing: the size limit, the declared encoding, and the characters XML allows.

use std::borrow::Cow;

use crate::codes::Code;
use crate::findings::Finding;

/// The text of a document as UTF-8, ready for the XML reader.
pub(crate) fn prepare(bytes: &[u8], max_bytes: usize) -> Result<Cow<'_, str>, Finding> {
    if bytes.len() > max_bytes {
        return Err(Finding::new(
            Code::TooLarge,
            "/",
            format!("the document has {} bytes; the limit is {max_bytes}", bytes.len()),
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\xFF\xFE") {
        return Err(unsupported("UTF-16"));
    }
    let text = match declared_encoding(bytes).map(|e| e.to_ascii_lowercase()) {
        None => utf8(bytes)?,
        Some(e) if matches!(e.as_str(), "utf-8" | "utf8" | "us-ascii" | "ascii") => utf8(bytes)?,
        Some(e) if is_latin1(&e) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
        Some(e) => return Err(unsupported(&e)),
    };
    check_characters(&text)?;
    Ok(text)
}

fn is_latin1(name: &str) -> bool {
    matches!(
        name,
        "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin1" | "latin-1" | "l1" | "iso-ir-100" | "cp819" | "ibm819"
    )
}

fn unsupported(name: &str) -> Finding {
    Finding::new(
        Code::UnsupportedEncoding,
        "/",
        format!("the encoding {name:?} is not supported; use UTF-8, US-ASCII or ISO-8859-1"),
    )
}

fn utf8(bytes: &[u8]) -> Result<Cow<'_, str>, Finding> {
    std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
        let at = e.valid_up_to();
        Finding::new(
            Code::NotWellFormed,
            "/",
            format!("the document is not valid UTF-8 at byte {at}; declare encoding=\"ISO-8859-1\" if it is Latin-1"),
        )
    })
}

/// The value of `encoding` in the XML declaration, if there is a declaration that gives one.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.strip_prefix(b"<?xml")?;
    let end = head.windows(2).take(512).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let after = &decl[decl.find("encoding")? + "encoding".len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    Some(value[..value.find(quote)?].to_owned())
}

/// XML 1.0 §2.2: no control characters but tab, line feed and carriage return, and no
/// U+FFFE or U+FFFF.
fn check_characters(text: &str) -> Result<(), Finding> {
    // A byte scan: control characters are single bytes, and U+FFFE and U+FFFF are the only
    // characters encoded EF BF BE and EF BF BF.
    let b = text.as_bytes();
    let bad = b.iter().enumerate().find_map(|(i, &c)| match c {
        0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F => Some((i, u32::from(c))),
        0xEF if b.get(i + 1) == Some(&0xBF) && matches!(b.get(i + 2), Some(0xBE | 0xBF)) => {
            Some((i, 0xFFFE + u32::from(b[i + 2] - 0xBE)))
        }
        _ => None,
    });
    match bad {
        None => Ok(()),
        Some((at, c)) => {
            let lines = super::lines::LineIndex::new(text);
            let mut f =
                Finding::new(Code::InvalidCharacter, "/", format!("the character U+{c:04X} is not allowed in XML"));
            f.position = Some(lines.position(at));
            Err(f)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(prepare(b"<a/>", 10).unwrap(), "<a/>");
        let latin = b"<?xml version='1.0' encoding='ISO-8859-1'?><a>\xe9</a>";
        assert!(prepare(latin, 100).unwrap().contains('é'));
        let wrong = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xe9</a>";
        assert_eq!(prepare(wrong, 100).unwrap_err().code, Code::NotWellFormed);
        let other = b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a/>";
        assert_eq!(prepare(other, 100).unwrap_err().code, Code::UnsupportedEncoding);
        assert_eq!(prepare(b"\xFF\xFE<\0a\0", 100).unwrap_err().code, Code::UnsupportedEncoding);
        assert_eq!(prepare(b"\xEF\xBB\xBF<a/>", 100).unwrap(), "<a/>");
    }

    #[test]
    fn limits_and_characters() {
        assert_eq!(prepare(b"<a>0123456789</a>", 10).unwrap_err().code, Code::TooLarge);
        let f = prepare(b"<a>\n x\x01</a>", 100).unwrap_err();
        assert_eq!(f.code, Code::InvalidCharacter);
        assert_eq!(f.position.map(|p| (p.line, p.column)), Some((2, 3)));
        let f = prepare("<a>\u{FFFF}</a>".as_bytes(), 100).unwrap_err();
        assert!(f.message.contains("U+FFFF"), "{}", f.message);
        assert!(prepare("<a>\u{FFFD}\u{EFBF}\t</a>".as_bytes(), 100).is_ok());
    }
}
