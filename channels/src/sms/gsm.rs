//! The GSM 03.38 default alphabet and its extension table (3GPP TS 23.038 §6.2.1), and the
//! decoders for the other codings a phone may send us (UCS-2, Latin-1).

/// The default alphabet, indexed by septet. 0x1B is the escape to the extension table and
/// never stands for a character of its own.
const BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1b}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The extension table: each character is sent as the escape septet and this septet.
const EXTENSION: [(char, u8); 10] = [
    ('\u{0c}', 0x0A),
    ('^', 0x14),
    ('{', 0x28),
    ('}', 0x29),
    ('\\', 0x2F),
    ('[', 0x3C),
    ('~', 0x3D),
    (']', 0x3E),
    ('|', 0x40),
    ('€', 0x65),
];

/// The escape septet.
pub const ESCAPE: u8 = 0x1B;

/// The septets of one character: one for the default alphabet, two (escape and code) for the
/// extension table, `None` when GSM cannot write it.
pub fn septets(c: char) -> Option<Septets> {
    if c != '\u{1b}'
        && let Some(i) = BASIC.iter().position(|&b| b == c)
    {
        return Some(Septets::One(i as u8));
    }
    EXTENSION.iter().find(|(e, _)| *e == c).map(|&(_, code)| Septets::Two(code))
}

/// How one character is written in GSM 03.38.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Septets {
    /// A character of the default alphabet.
    One(u8),
    /// An extension character: the escape, then this code.
    Two(u8),
}

impl Septets {
    /// How many septets the character takes.
    pub fn len(self) -> usize {
        match self {
            Septets::One(_) => 1,
            Septets::Two(_) => 2,
        }
    }
}

/// Whether GSM 03.38 can write the whole text.
pub fn fits(text: &str) -> bool {
    text.chars().all(|c| septets(c).is_some())
}

/// The text as unpacked septets (one per octet), as SMPP carries data_coding 0; characters
/// GSM cannot write become `?` (callers check [`fits`] first).
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match septets(c) {
            Some(Septets::One(s)) => out.push(s),
            Some(Septets::Two(s)) => out.extend([ESCAPE, s]),
            None => out.push(0x3F),
        }
    }
    out
}

/// Unpacked septets back to text; an unknown escape gives a space, as 23.038 advises.
pub fn decode(septets: &[u8]) -> String {
    let mut out = String::with_capacity(septets.len());
    let mut escaped = false;
    for &s in septets {
        let s = s & 0x7F;
        if escaped {
            escaped = false;
            out.push(EXTENSION.iter().find(|(_, code)| *code == s).map_or(' ', |&(c, _)| c));
        } else if s == ESCAPE {
            escaped = true;
        } else {
            out.push(BASIC[usize::from(s)]);
        }
    }
    out
}

/// UCS-2 (UTF-16 big-endian) to text; a lone surrogate becomes U+FFFD.
pub fn decode_ucs2(bytes: &[u8]) -> String {
    let units = bytes.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]]));
    char::decode_utf16(units).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
}

/// The text as UCS-2 (UTF-16 big-endian; characters beyond the BMP as surrogate pairs).
pub fn encode_ucs2(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// ISO-8859-1 to text.
pub fn decode_latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_and_extension_characters_round_trip() {
        let text = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./09:;<=>?¡AZÄÖÑÜ§¿azäöñüà^{}\\[~]|€\u{0c}";
        assert!(fits(text));
        assert_eq!(decode(&encode(text)), text);
        assert_eq!(encode("€["), vec![0x1B, 0x65, 0x1B, 0x3C]);
        assert_eq!(encode("@A"), vec![0x00, 0x41]);
    }

    #[test]
    fn characters_outside_gsm_do_not_fit() {
        assert!(!fits("č"));
        assert!(!fits("á"));
        assert!(!fits("\u{1b}"));
        assert!(!fits("`"));
        assert_eq!(septets('€').map(Septets::len), Some(2));
    }

    #[test]
    fn ucs2_and_latin1_decode() {
        assert_eq!(decode_ucs2(&encode_ucs2("Žiar 🚨")), "Žiar 🚨");
        assert_eq!(decode_latin1(&[0x41, 0xE9]), "Aé");
    }
}
