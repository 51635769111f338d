//! Writes a parsed pattern as globset globs (compiled with
//! `literal_separator(true)` and `backslash_escape(true)`) whose union is what
//! the pattern takes.

use super::parse::{Parsed, Token};

/// Writes one literal character, escaped where globset would read it as
/// syntax.
pub(super) fn literal(c: char, out: &mut String) {
    if matches!(c, '\\' | '*' | '?' | '[' | ']' | '{' | '}' | ',') {
        out.push('\\');
    }
    out.push(c);
}

/// The globs for a pattern: empty when it matches nothing.
pub(super) fn globs(p: &Parsed) -> Vec<String> {
    if p.matches_nothing() {
        return Vec::new();
    }
    let start = if p.anchored { "" } else { "**/" };
    let below = [Token::Sep { escaped: false }, Token::Recursive];
    if p.dir_only {
        // Everything below a directory the pattern matches. `a/**` + `/**`
        // would read as one `a/**` in globset, so write `a/*/**`.
        let mut t = p.tokens.clone();
        if let Some(last @ Token::Recursive) = t.last_mut() {
            *last = Token::Star;
        }
        t.extend(below);
        vec![format!("{start}{}", emit(&t))]
    } else if p.is_literal() {
        // The path it names and everything below it.
        let mut t = p.tokens.clone();
        t.extend(below);
        vec![
            format!("{start}{}", emit(&p.tokens)),
            format!("{start}{}", emit(&t)),
        ]
    } else {
        // Whole paths only (a pattern ending in `/**` takes what is below by
        // itself).
        vec![format!("{start}{}", emit(&p.tokens))]
    }
}

fn emit(tokens: &[Token]) -> String {
    let mut out = String::new();
    for (k, t) in tokens.iter().enumerate() {
        match t {
            Token::Lit(c) => literal(*c, &mut out),
            Token::Sep { .. } => out.push('/'),
            Token::Any => out.push('?'),
            Token::Star => out.push('*'),
            Token::Recursive => {
                out.push_str("**");
                if matches!(tokens.get(k + 1), Some(Token::Sep { escaped: true })) {
                    // `**\/` is any bytes, then `/`: it cannot match zero
                    // directories the way `**/` does. globset: `**/*` + `/`.
                    out.push_str("/*");
                }
            }
            Token::Class(c) => c.emit(&mut out),
        }
    }
    out
}
