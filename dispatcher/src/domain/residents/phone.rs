//! Phone numbers as residents and municipal lists write them: a national form becomes
//! international with `residents.default_country_code`, before the E.164 check.

/// A number in international form: `+…` and `00…` are kept as written; a national number (with
/// a trunk `0`, or without) gets the default country code when one is configured.
pub fn international(raw: &str, country: &str) -> String {
    let t = raw.trim();
    if country.is_empty() || t.starts_with('+') || t.starts_with("00") {
        return t.to_owned();
    }
    format!("+{country}{}", t.strip_prefix('0').unwrap_or(t))
}

#[cfg(test)]
mod tests {
    use super::international;

    #[test]
    fn national_numbers_get_the_default_country_code() {
        assert_eq!(international("0905 123 456", "421"), "+421905 123 456");
        assert_eq!(international("601 123 456", "420"), "+420601 123 456");
        assert_eq!(international("+48 601 123 456", "421"), "+48 601 123 456");
        assert_eq!(international("0048601123456", "421"), "0048601123456");
        assert_eq!(international("0905 123 456", ""), "0905 123 456", "no default: left to be refused");
    }
}
