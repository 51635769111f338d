//! Just enough YAML to write workflows: every scalar quoted, scripts as
//! literal blocks when that is safe.

use std::fmt::Write as _;

/// Whether YAML may hold `c` as it is (YAML 1.2 `c-printable`, less the
/// line breaks and tab, which quoting escapes).
fn printable(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

/// `s` as a quoted scalar: single quotes when it has a `"` (and can be
/// written so), else double quotes with backslash escapes.
pub(super) fn quote(s: &str) -> String {
    if s.contains('"') && !s.contains('\'') && s.chars().all(printable) {
        return format!("'{s}'");
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable(c) => out.push(c),
            c => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

/// A YAML document being written line by line.
#[derive(Debug, Default)]
pub(super) struct Doc {
    pub out: String,
}

impl Doc {
    /// `# text` (one line, for text the program wrote).
    pub fn comment(&mut self, text: &str) {
        if text.is_empty() {
            self.out.push_str("#\n");
        } else {
            let _ = writeln!(self.out, "# {text}");
        }
    }

    /// A blank line.
    pub fn blank(&mut self) {
        self.out.push('\n');
    }

    /// `key:` opening a mapping or sequence below it.
    pub fn open(&mut self, indent: usize, key: &str) {
        let _ = writeln!(self.out, "{:indent$}{key}:", "");
    }

    /// `key: "value"`.
    pub fn str(&mut self, indent: usize, key: &str, value: &str) {
        let _ = writeln!(self.out, "{:indent$}{key}: {}", "", quote(value));
    }

    /// `key: value` for a value written as it is (a bool, a number, `[]`,
    /// `{}`).
    pub fn raw(&mut self, indent: usize, key: &str, value: &str) {
        let _ = writeln!(self.out, "{:indent$}{key}: {value}", "");
    }

    /// `- "value"`.
    pub fn item(&mut self, indent: usize, value: &str) {
        let _ = writeln!(self.out, "{:indent$}- {}", "", quote(value));
    }

    /// `key: "a"` when `lines` is one line, else a literal block `key: |`
    /// holding the lines (ending in a newline) when every line can be held
    /// as it is and the first does not start with a space, else the lines
    /// joined as a quoted scalar.
    pub fn script(&mut self, indent: usize, key: &str, lines: &[String]) {
        let block_ok = lines.len() > 1
            && lines
                .iter()
                .all(|l| l.chars().all(|c| c == '\t' || printable(c)))
            && lines
                .first()
                .is_some_and(|l| !l.is_empty() && !l.starts_with([' ', '\t']));
        if !block_ok {
            let mut joined = lines.join("\n");
            if lines.len() > 1 {
                joined.push('\n');
            }
            self.str(indent, key, &joined);
            return;
        }
        let _ = writeln!(self.out, "{:indent$}{key}: |", "");
        let inner = indent + 2;
        for l in lines {
            if l.is_empty() {
                self.out.push('\n');
            } else {
                let _ = writeln!(self.out, "{:inner$}{l}", "");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn q(s: &str, want: &str) {
        assert_eq!(quote(s), want);
    }

    #[test]
    fn quoting() {
        q("a", r#""a""#);
        q("on", r#""on""#);
        q(r#"say "hi""#, r#"'say "hi"'"#);
        q(r#"it's "x""#, r#""it's \"x\"""#);
        q("a\\b", r#""a\\b""#);
        q("a\nb\t\u{1}\u{7f}", r#""a\nb\t\u0001\u007f""#);
        q("é ${{ x }}", r#""é ${{ x }}""#);
        q("\u{feff}", r#""\ufeff""#);
    }

    #[test]
    fn scripts() {
        let mut d = Doc::default();
        d.script(2, "run", &["echo 1".into()]);
        d.script(
            2,
            "run",
            &["echo 1".into(), String::new(), "  echo 2".into()],
        );
        d.script(2, "run", &[" lead".into(), "b".into()]);
        assert_eq!(
            d.out,
            "  run: \"echo 1\"\n  run: |\n    echo 1\n\n      echo 2\n  run: \" lead\\nb\\n\"\n"
        );
    }
}
