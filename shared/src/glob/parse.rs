//! Reads one pattern of the dialect into tokens, the way git reads a
//! gitignore line (dir.c and wildmatch.c), and refuses what the dialect
//! leaves out or what can never match a normalized path.

use super::class::{self, Class, ClassError};

/// One piece of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    /// A character that matches itself (escapes already removed).
    Lit(char),
    /// A `/`. `escaped` for `\/`, which differs in one place: a `**` before
    /// it does not also match zero directories.
    Sep {
        /// Written as `\/`.
        escaped: bool,
    },
    /// `?`: one byte, not `/`.
    Any,
    /// A run of `*` that is not a whole-segment `**`: any bytes but `/`.
    Star,
    /// A `**` that is a whole path segment of an anchored pattern.
    Recursive,
    /// `[...]`: one byte, not `/`.
    Class(Class),
}

impl Token {
    fn is_wildcard(&self) -> bool {
        matches!(
            self,
            Token::Any | Token::Star | Token::Recursive | Token::Class(_)
        )
    }
}

/// A pattern read into tokens.
#[derive(Debug, Clone)]
pub(super) struct Parsed {
    /// A slash at the start or in the middle: matched against the whole path
    /// from the repo root. Otherwise against the last segment, at any depth.
    pub anchored: bool,
    /// Ended with `/`: names directories only.
    pub dir_only: bool,
    /// The pattern without the leading and trailing `/`.
    pub tokens: Vec<Token>,
}

impl Parsed {
    /// No wildcard at all: a literal path.
    pub fn is_literal(&self) -> bool {
        !self.tokens.iter().any(Token::is_wildcard)
    }

    /// Some class matches no byte, so the pattern matches nothing.
    pub fn matches_nothing(&self) -> bool {
        self.tokens
            .iter()
            .any(|t| matches!(t, Token::Class(c) if c.is_empty()))
    }

    /// The whole literal segments before the first wildcard.
    pub fn literal_lead(&self) -> Vec<String> {
        let mut lead = Vec::new();
        let mut seg = String::new();
        for t in &self.tokens {
            match t {
                Token::Lit(c) => seg.push(*c),
                Token::Sep { .. } => lead.push(std::mem::take(&mut seg)),
                _ => return lead,
            }
        }
        lead.push(seg);
        lead
    }
}

/// git's rule: trailing spaces are dropped unless escaped with `\`.
fn trim_trailing_spaces(s: &str) -> &str {
    let b = s.as_bytes();
    let mut end = b.len();
    while end > 0 && b[end - 1] == b' ' {
        let backslashes = b[..end - 1]
            .iter()
            .rev()
            .take_while(|&&c| c == b'\\')
            .count();
        if backslashes % 2 == 1 {
            break;
        }
        end -= 1;
    }
    &s[..end]
}

/// Reads a pattern; the error is the `what` of a `GlobError`.
pub(super) fn parse(text: &str) -> Result<Parsed, String> {
    if text.is_empty() {
        return Err("empty pattern: write ** for every path".into());
    }
    if text.contains(['\n', '\r', '\0']) {
        return Err(
            "a pattern is one line: it cannot hold a newline, carriage return or NUL".into(),
        );
    }
    if text.starts_with('#') {
        return Err("a # line is a comment in gitignore: escape it as \\#".into());
    }
    if text.starts_with('!') {
        return Err("negation is not part of the dialect: put the pattern in --deny".into());
    }
    let trimmed = trim_trailing_spaces(text);
    if trimmed.is_empty() {
        return Err(
            "empty pattern: gitignore drops trailing spaces (escape one as \"\\ \")".into(),
        );
    }
    let (body, dir_only) = match trimmed.strip_suffix('/') {
        Some(b) => (b, true),
        None => (trimmed, false),
    };
    if dir_only && ends_with_escape(body) {
        return Err("a trailing \\/ matches nothing in gitignore: write a plain /".into());
    }
    let anchored = body.contains('/');
    let body = if anchored {
        body.strip_prefix('/').unwrap_or(body)
    } else {
        body
    };
    if body.is_empty() {
        return Err("empty pattern: a lone / names the repo root; write ** for every path".into());
    }
    let chars: Vec<char> = body.chars().collect();
    if anchored {
        check_glued_recursive(&chars)?;
    }
    let tokens = tokenize(&chars, anchored)?;
    check_segments(&tokens)?;
    Ok(Parsed {
        anchored,
        dir_only,
        tokens,
    })
}

/// Whether `s` ends with an unescaped `\`.
fn ends_with_escape(s: &str) -> bool {
    s.bytes().rev().take_while(|&c| c == b'\\').count() % 2 == 1
}

fn tokenize(chars: &[char], anchored: bool) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let Some(&c) = chars.get(i + 1) else {
                    return Err("the pattern ends with a \\ that escapes nothing: write \\\\ for a backslash".into());
                };
                tokens.push(if c == '/' {
                    Token::Sep { escaped: true }
                } else {
                    Token::Lit(c)
                });
                i += 2;
            }
            '/' => {
                tokens.push(Token::Sep { escaped: false });
                i += 1;
            }
            '?' => {
                tokens.push(Token::Any);
                i += 1;
            }
            '*' => {
                let end = i + chars[i..].iter().take_while(|&&c| c == '*').count();
                // wildmatch: two or more stars after the start or a `/`, and
                // before the end, a `/` or a `\/`, cross directories. Elsewhere
                // (and in a pattern without `/`, matched against one segment)
                // they are one star.
                let after_ok = match chars.get(end) {
                    None | Some('/') => true,
                    Some('\\') => chars.get(end + 1) == Some(&'/'),
                    Some(_) => false,
                };
                let recursive =
                    anchored && end - i >= 2 && (i == 0 || chars[i - 1] == '/') && after_ok;
                tokens.push(if recursive {
                    Token::Recursive
                } else {
                    Token::Star
                });
                i = end;
            }
            '[' => {
                let (class, next) =
                    class::parse(chars, i + 1).map_err(|e| class_error(e, chars, i))?;
                tokens.push(Token::Class(class));
                i = next;
            }
            '{' | '}' => {
                return Err(format!(
                    "braces are not part of the dialect: write two patterns (or escape the {} as \\{})",
                    chars[i], chars[i]
                ));
            }
            c => {
                tokens.push(Token::Lit(c));
                i += 1;
            }
        }
    }
    Ok(tokens)
}

fn class_error(e: ClassError, chars: &[char], at: usize) -> String {
    match e {
        ClassError::Unclosed => {
            let rest: String = chars[at..].iter().collect();
            format!("unclosed character class {rest:?}: escape the [ as \\[ to match it literally")
        }
        ClassError::UnknownPosix(name) => format!(
            "unknown character class [:{name}:]: known are alnum alpha blank cntrl digit graph lower print punct space upper xdigit"
        ),
        ClassError::WideRange(lo, hi) => format!(
            "range {lo}-{hi} in a class: range ends must be ASCII, since a class matches one byte (list the characters instead)"
        ),
    }
}

/// git compares an anchored pattern's literal start as a plain prefix and
/// hands only the rest to wildmatch, so a `**` right after that prefix counts
/// as the start of a pattern: `src/a**` and `src/a**/x` cross directories in
/// git, unlike every other `**` glued to a name. The dialect refuses them
/// rather than copy or contradict that.
fn check_glued_recursive(chars: &[char]) -> Result<(), String> {
    let Some(i) = chars
        .iter()
        .position(|c| matches!(c, '*' | '?' | '[' | '\\'))
    else {
        return Ok(());
    };
    if i == 0 || chars[i] != '*' || chars.get(i + 1) != Some(&'*') || chars[i - 1] == '/' {
        return Ok(());
    }
    let end = i + chars[i..].iter().take_while(|&&c| c == '*').count();
    let crosses = match chars.get(end) {
        None | Some('/') => true,
        Some('\\') => chars.get(end + 1) == Some(&'/'),
        Some(_) => false,
    };
    if crosses {
        return Err("a ** glued to the name before it crosses directories here in git: write * to stay in one directory, or */** for everything below".into());
    }
    Ok(())
}

/// Refuses segments no normalized path has: empty ones, `.` and `..`.
fn check_segments(tokens: &[Token]) -> Result<(), String> {
    for seg in tokens.split(|t| matches!(t, Token::Sep { .. })) {
        if seg.is_empty() {
            return Err("an empty segment (//) never matches a path".into());
        }
        let dots = seg.iter().take_while(|t| **t == Token::Lit('.')).count();
        if dots == seg.len() && dots == 2 {
            return Err(
                "a .. segment is not allowed: patterns are relative to the repo root".into(),
            );
        }
        if dots == seg.len() && dots == 1 {
            return Err("a . segment never matches a path: leave out ./".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::trim_trailing_spaces;

    #[test]
    fn trailing_spaces_as_git_trims_them() {
        assert_eq!(trim_trailing_spaces("foo  "), "foo");
        assert_eq!(trim_trailing_spaces("foo\\ "), "foo\\ ");
        assert_eq!(trim_trailing_spaces("foo\\  "), "foo\\ ");
        assert_eq!(trim_trailing_spaces("foo \\ "), "foo \\ ");
        assert_eq!(trim_trailing_spaces("foo\\\\ "), "foo\\\\");
        assert_eq!(trim_trailing_spaces(" foo"), " foo");
        assert_eq!(trim_trailing_spaces("foo\t"), "foo\t");
    }
}
