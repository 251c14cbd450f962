//! A small reader of CSV (RFC 4180): comma-separated fields, double quotes around fields that
//! hold commas, quotes or line breaks, a doubled quote for a quote. Gives each record with the
//! line it starts on.

/// One record: the line it starts on (from 1) and its fields.
pub type Record = (usize, Vec<String>);

/// Reads every record; an unterminated quote is an error naming its line.
pub fn records(text: &str) -> Result<Vec<Record>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let (mut line, mut start) = (1, 1);
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                line += usize::from(c == '\n');
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                fields.push(std::mem::take(&mut field));
                push(&mut out, start, std::mem::take(&mut fields));
                line += 1;
                start = line;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(format!("line {start}: a quoted field is not closed"));
    }
    fields.push(field);
    push(&mut out, start, fields);
    Ok(out)
}

/// Keeps a record unless it is an empty line.
fn push(out: &mut Vec<Record>, line: usize, fields: Vec<String>) {
    if !(fields.len() == 1 && fields[0].trim().is_empty()) {
        out.push((line, fields));
    }
}

#[cfg(test)]
mod tests {
    use super::records;

    #[test]
    fn quotes_commas_and_line_breaks() {
        let r = records("a,b\r\n\"x, \"\"y\"\"\",2\n\n\"multi\nline\",3\n").unwrap();
        assert_eq!(r[0], (1, vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(r[1], (2, vec!["x, \"y\"".to_owned(), "2".to_owned()]));
        assert_eq!(r[2], (4, vec!["multi\nline".to_owned(), "3".to_owned()]));
        assert_eq!(r.len(), 3);
        assert!(records("a\n\"open").unwrap_err().contains("line 2"));
    }
}
