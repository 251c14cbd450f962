//! Transliteration for SMS, which staff can switch on to save segments: letters GSM 03.38
//! lacks become their base letters (Slovak, Czech, Polish, Hungarian, German; the accented
//! letters GSM has stay), Ukrainian Cyrillic becomes Latin by the national system (Cabinet of
//! Ministers of Ukraine resolution 55 of 27 January 2010), and typographic quotes, dashes and
//! spaces become ASCII.

/// The text with what GSM lacks replaced where a faithful replacement exists; anything else
/// is kept (the text then goes as UCS-2).
pub fn transliterate(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if let Some(latin) = ukrainian(&chars, i) {
            out.push_str(&latin);
        } else if let Some(s) = latin_base(c) {
            out.push_str(s);
        } else {
            out.push(c);
        }
    }
    out
}

/// Latin letters with diacritics GSM lacks, and typography, to what GSM has.
fn latin_base(c: char) -> Option<&'static str> {
    Some(match c {
        'á' | 'ą' | 'â' | 'ă' => "a",
        'Á' | 'Ą' | 'Â' | 'Ă' | 'À' => "A",
        'č' | 'ć' | 'ç' => "c",
        'Č' | 'Ć' => "C",
        'ď' => "d",
        'Ď' => "D",
        'ě' | 'ę' | 'ë' | 'ê' => "e",
        'Ě' | 'Ę' | 'Ë' | 'Ê' | 'È' => "E",
        'í' | 'î' | 'ï' => "i",
        'Í' | 'Î' | 'Ï' | 'Ì' => "I",
        'ĺ' | 'ľ' | 'ł' => "l",
        'Ĺ' | 'Ľ' | 'Ł' => "L",
        'ň' | 'ń' => "n",
        'Ň' | 'Ń' => "N",
        'ó' | 'ô' | 'ő' | 'õ' => "o",
        'Ó' | 'Ô' | 'Ő' | 'Õ' | 'Ò' => "O",
        'ŕ' | 'ř' => "r",
        'Ŕ' | 'Ř' => "R",
        'š' | 'ś' | 'ş' | 'ș' => "s",
        'Š' | 'Ś' | 'Ş' | 'Ș' => "S",
        'ť' | 'ţ' | 'ț' => "t",
        'Ť' | 'Ţ' | 'Ț' => "T",
        'ú' | 'ů' | 'ű' | 'û' => "u",
        'Ú' | 'Ů' | 'Ű' | 'Û' | 'Ù' => "U",
        'ý' | 'ÿ' => "y",
        'Ý' | 'Ÿ' => "Y",
        'ž' | 'ź' | 'ż' => "z",
        'Ž' | 'Ź' | 'Ż' => "Z",
        'ẞ' => "SS",
        '‘' | '’' | '‚' | '‛' | '′' | 'ʼ' | '`' | '´' => "'",
        '“' | '”' | '„' | '‟' | '«' | '»' | '″' => "\"",
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | '·' => "-",
        '…' => "...",
        '\u{a0}' | '\u{2007}' | '\u{202f}' | '\u{2009}' => " ",
        _ => return None,
    })
}

/// The Latin of the Cyrillic letter at `i`, by KMU 2010: some letters are written differently
/// at the start of a word, `зг` is `zgh`, the soft sign and the apostrophe are dropped.
fn ukrainian(chars: &[char], i: usize) -> Option<String> {
    let c = chars[i];
    let lower = c.to_lowercase().next().unwrap_or(c);
    let prev = i.checked_sub(1).map(|p| chars[p]);
    let initial = prev.is_none_or(|p| !p.is_alphabetic() && !is_apostrophe(p));
    let latin: &str = match lower {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' if prev.is_some_and(|p| matches!(p, 'з' | 'З')) => "gh",
        'г' => "h",
        'ґ' => "g",
        'д' => "d",
        'е' => "e",
        'є' => pick(initial, "ye", "ie"),
        'ж' => "zh",
        'з' => "z",
        'и' => "y",
        'і' => "i",
        'ї' => pick(initial, "yi", "i"),
        'й' => pick(initial, "y", "i"),
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ь' | 'ъ' => "",
        'ю' => pick(initial, "yu", "iu"),
        'я' => pick(initial, "ya", "ia"),
        // Letters of Russian and Belarusian that Ukrainian lacks, so that no Cyrillic is left.
        'ы' => "y",
        'э' => "e",
        'ё' => "io",
        'ў' => "u",
        _ if is_apostrophe(c) && between_cyrillic(chars, i) => "",
        _ => return None,
    };
    if lower == c || latin.is_empty() {
        return Some(latin.to_owned());
    }
    // An upper-case letter: all capitals inside a word in capitals, else only the first.
    if word_in_capitals(chars, i) {
        Some(latin.to_uppercase())
    } else {
        let mut s = latin.chars();
        Some(s.next().map(|f| f.to_uppercase().chain(s).collect()).unwrap_or_default())
    }
}

fn pick(initial: bool, at_start: &'static str, inside: &'static str) -> &'static str {
    if initial { at_start } else { inside }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ')
}

fn is_cyrillic(c: char) -> bool {
    ('\u{400}'..='\u{4ff}').contains(&c)
}

fn between_cyrillic(chars: &[char], i: usize) -> bool {
    i > 0 && is_cyrillic(chars[i - 1]) && chars.get(i + 1).is_some_and(|&n| is_cyrillic(n))
}

/// Whether the letter at `i` stands among other capitals (a word written in capitals).
fn word_in_capitals(chars: &[char], i: usize) -> bool {
    let neighbour = |j: usize| chars.get(j).filter(|c| c.is_alphabetic());
    let before = i.checked_sub(1).and_then(neighbour);
    let after = neighbour(i + 1);
    match (before, after) {
        (None, None) => false,
        _ => before.is_none_or(|c| c.is_uppercase()) && after.is_none_or(|c| c.is_uppercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ukrainian_follows_the_national_system() {
        let cases = [
            ("Київ", "Kyiv"),
            ("Згорани", "Zghorany"),
            ("Розгон", "Rozghon"),
            ("Знам'янка", "Znamianka"),
            ("Короп’є", "Koropie"),
            ("Щербухи", "Shcherbukhy"),
            ("Юрій", "Yurii"),
            ("Яготин", "Yahotyn"),
            ("Єнакієве", "Yenakiieve"),
            ("Їжакевич", "Yizhakevych"),
            ("Стрий", "Stryi"),
            ("Львів", "Lviv"),
            ("Харків", "Kharkiv"),
            ("НАВЧАННЯ", "NAVCHANNIA"),
            ("Alice's", "Alice's"),
        ];
        for (uk, latin) in cases {
            assert_eq!(transliterate(uk), latin, "{uk}");
        }
    }

    #[test]
    fn gsm_letters_stay_and_the_others_lose_their_marks() {
        assert_eq!(transliterate("Žltá ľadová búrka: päť ôsmich"), "Zlta ladova burka: pät osmich");
        assert_eq!(transliterate("Zażółć gęślą jaźń"), "Zazolc gesla jazn");
        assert_eq!(transliterate("Příliš žluťoučký kůň"), "Prilis zlutoucky kun");
        assert_eq!(transliterate("Árvíztűrő tükörfúrógép"), "Arvizturo tükörfurogép");
        assert_eq!(transliterate("Größe Übung señor à"), "Größe Übung señor à");
        assert_eq!(transliterate("„Pozor“ – bežte…"), "\"Pozor\" - bezte...");
    }
}
