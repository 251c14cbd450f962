//! The gateway's body template: placeholders replaced by values escaped for the body's
//! content type, so that quotes, ampersands and any letter arrive intact.

/// How values are escaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escape {
    /// Inside a JSON string.
    Json,
    /// As application/x-www-form-urlencoded (UTF-8, space as `+`).
    Form,
}

/// The template with each `{name}` of `values` replaced; other braces stay as written.
pub fn render(template: &str, values: &[(&str, &str)], escape: Escape) -> String {
    let mut out = String::with_capacity(template.len() + 200);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let found = after
            .find('}')
            .and_then(|close| values.iter().find(|(name, _)| *name == &after[..close]).map(|(_, v)| (close, v)));
        match found {
            Some((close, value)) => {
                out.push_str(&escaped(value, escape));
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn escaped(value: &str, escape: Escape) -> String {
    match escape {
        Escape::Json => {
            let quoted = serde_json::Value::String(value.to_owned()).to_string();
            quoted[1..quoted.len() - 1].to_owned()
        }
        Escape::Form => form_encode(value),
    }
}

/// application/x-www-form-urlencoded, as the URL standard serialises it.
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_escaped_for_json_and_forms() {
        let values = [("to", "+421900123456"), ("text", "Pozor \"voda\" & ľad\n")];
        let json = render(r#"{"to":"{to}","text":"{text}","x":{}}"#, &values, Escape::Json);
        assert_eq!(json, r#"{"to":"+421900123456","text":"Pozor \"voda\" & ľad\n","x":{}}"#);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["text"], "Pozor \"voda\" & ľad\n");
        let form = render("to={to}&text={text}&{unknown}", &values, Escape::Form);
        assert_eq!(form, "to=%2B421900123456&text=Pozor+%22voda%22+%26+%C4%BEad%0A&{unknown}");
    }
}
