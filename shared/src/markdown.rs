//! Markdown that holds whatever text it is given: used by every tool that
//! writes a Markdown table (ledger `--format md`, muster-gate's Gate
//! Progress).

/// Appends `cell` as a Markdown table cell: `|` escaped as `\|` and `\` as
/// `\\` (so that a backslash in the text cannot unescape the pipe after
/// it), newlines and carriage returns as spaces.
pub fn cell(cell: &str, out: &mut String) {
    for c in cell.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cell_cannot_break_its_row() {
        let mut out = String::new();
        super::cell("a|b\\|c\nd\re", &mut out);
        assert_eq!(out, "a\\|b\\\\\\|c d e");
    }
}
