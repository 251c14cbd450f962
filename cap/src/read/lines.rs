//! Byte offsets to lines and columns, for findings that point into the source.

use crate::findings::Position;

/// The start offset of every line of a text.
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// Line and column (in characters), both from 1, of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts[line];
        let column = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count()) + 1;
        Position { line: saturate(line + 1), column: saturate(column) }
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let l = LineIndex::new("ab\nčd\n\nx");
        let p = |o| {
            let p = l.position(o);
            (p.line, p.column)
        };
        assert_eq!(p(0), (1, 1));
        assert_eq!(p(2), (1, 3));
        assert_eq!(p(3), (2, 1));
        assert_eq!(p(5), (2, 2), "č is two bytes, one column");
        assert_eq!(p(7), (3, 1));
        assert_eq!(p(8), (4, 1));
    }
}
