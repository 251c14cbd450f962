//! How a text is cut into SMS segments: GSM 03.38 septets or UCS-2 code units, 160/70 in a
//! single message and 153/67 per part of a concatenated one (the rest of the 140 octets carry
//! the 6-octet user data header). A character is never split: an extension character keeps
//! its escape, a surrogate pair stays whole.

use super::{Encoding, gsm};

/// Septets or code units in a single message.
fn single_capacity(encoding: Encoding) -> usize {
    match encoding {
        Encoding::Gsm7 => 160,
        Encoding::Ucs2 => 70,
    }
}

/// Septets or code units in each part of a concatenated message.
fn part_capacity(encoding: Encoding) -> usize {
    match encoding {
        Encoding::Gsm7 => 153,
        Encoding::Ucs2 => 67,
    }
}

/// GSM when the whole text fits the default alphabet and its extension, else UCS-2.
pub fn encoding_of(text: &str) -> Encoding {
    if gsm::fits(text) { Encoding::Gsm7 } else { Encoding::Ucs2 }
}

/// The room one character takes in the encoding.
fn units(c: char, encoding: Encoding) -> usize {
    match encoding {
        Encoding::Gsm7 => gsm::septets(c).map_or(1, gsm::Septets::len),
        Encoding::Ucs2 => c.len_utf16(),
    }
}

/// The text's segments, each a slice of whole characters.
pub fn split(text: &str, encoding: Encoding) -> Vec<&str> {
    let total: usize = text.chars().map(|c| units(c, encoding)).sum();
    if total <= single_capacity(encoding) {
        return vec![text];
    }
    let capacity = part_capacity(encoding);
    let mut parts = Vec::with_capacity(total / capacity + 1);
    let (mut start, mut used) = (0, 0);
    for (i, c) in text.char_indices() {
        let u = units(c, encoding);
        if used + u > capacity {
            parts.push(&text[start..i]);
            start = i;
            used = 0;
        }
        used += u;
    }
    parts.push(&text[start..]);
    parts
}

/// How many segments the text takes.
pub fn count(text: &str, encoding: Encoding) -> u32 {
    u32::try_from(split(text, encoding).len()).unwrap_or(u32::MAX)
}

/// `body` and `suffix` within `limit` segments: unchanged when they fit, else the body is cut
/// (at a word boundary where one is near) and ends with an ellipsis, and the suffix is kept
/// whole. Returns the text and whether it was cut.
pub fn fit(body: &str, suffix: &str, limit: u32) -> (String, bool) {
    // A concatenated message numbers its parts in one octet.
    let limit = limit.clamp(1, 255);
    let whole = format!("{body}{suffix}");
    let encoding = encoding_of(&whole);
    if count(&whole, encoding) <= limit {
        return (whole, false);
    }
    let ellipsis = match encoding {
        Encoding::Gsm7 => "...",
        Encoding::Ucs2 => "…",
    };
    let fits = |cut: usize| count(&format!("{}{ellipsis}{suffix}", &body[..cut]), encoding) <= limit;
    if !fits(0) {
        // Even the suffix alone is too long: keep the start of everything rather than nothing.
        return (fit(&whole, "", limit).0, true);
    }
    let cuts: Vec<usize> = body.char_indices().map(|(i, _)| i).chain([body.len()]).collect();
    // The longest prefix that fits; the count only grows with the prefix, so bisect.
    let (mut lo, mut hi) = (0, cuts.len() - 1);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(cuts[mid]) { lo = mid } else { hi = mid - 1 }
    }
    let prefix = at_word_boundary(body, cuts[lo]);
    (format!("{prefix}{ellipsis}{suffix}"), true)
}

/// The prefix of `body` up to `cut`, moved back to the last word boundary when that loses at
/// most half of it, without trailing spaces or separators.
fn at_word_boundary(body: &str, cut: usize) -> &str {
    let mut prefix = &body[..cut];
    let next_is_space = body[cut..].chars().next().is_none_or(char::is_whitespace);
    if !next_is_space
        && let Some(space) = prefix.rfind(char::is_whitespace)
        && space >= prefix.len() / 2
    {
        prefix = &prefix[..space];
    }
    prefix.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '.' | '·'))
}

/// The short_message of each segment: the encoded text, after a user data header
/// (concatenation with an 8-bit reference, IEI 0x00) when there is more than one.
pub fn short_messages(text: &str, encoding: Encoding, reference: u8) -> Vec<Vec<u8>> {
    let parts = split(text, encoding);
    let total = u8::try_from(parts.len()).unwrap_or(u8::MAX);
    let encode = |part: &str| match encoding {
        Encoding::Gsm7 => gsm::encode(part),
        Encoding::Ucs2 => gsm::encode_ucs2(part),
    };
    if parts.len() == 1 {
        return vec![encode(parts[0])];
    }
    (1..=total)
        .zip(parts)
        .map(|(number, part)| {
            let mut sm = vec![0x05, 0x00, 0x03, reference, total, number];
            sm.extend(encode(part));
            sm
        })
        .collect()
}
