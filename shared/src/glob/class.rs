//! Bracket classes `[...]`, read the way git's wildmatch reads them, and
//! written back out as a globset class.
//!
//! git's rules, followed step by step: `!` or `^` first negates; the first
//! member may be `]`; `\` escapes the next character; `a-z` is a range unless
//! the `-` comes first, last, or right after another range or POSIX class;
//! `[:name:]` is a POSIX class (an unknown name makes git match nothing, so it
//! is an error here), and `[:` without a closing `:]` is an ordinary `[`. A
//! class matches one byte and, under git's path rules, never `/`.
//!
//! globset's own class syntax has no escapes, no POSIX classes and lets a
//! negated class match `/`, so the class is written back out as a plain list
//! of members in an order globset reads unambiguously.

/// A parsed class: which bytes it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Class {
    /// `[!...]` or `[^...]`.
    pub negated: bool,
    /// ASCII members as written (before `/` is taken out).
    ascii: [bool; 128],
    /// Non-ASCII members. Like git, the class matches each of their bytes.
    wide: Vec<char>,
}

/// Why a class was refused.
pub(super) enum ClassError {
    /// No closing `]`.
    Unclosed,
    /// `[:name:]` with an unknown name.
    UnknownPosix(String),
    /// A range with a non-ASCII end.
    WideRange(char, char),
}

/// The POSIX classes as git 2.47 defines them (ASCII only; checked against
/// `git check-ignore` byte by byte).
fn posix(name: &str) -> Option<&'static [(u8, u8)]> {
    Some(match name {
        "alnum" => &[(b'0', b'9'), (b'A', b'Z'), (b'a', b'z')],
        "alpha" => &[(b'A', b'Z'), (b'a', b'z')],
        "blank" => &[(b'\t', b'\t'), (b' ', b' ')],
        "cntrl" => &[(0x00, 0x1f), (0x7f, 0x7f)],
        "digit" => &[(b'0', b'9')],
        "graph" => &[(0x21, 0x7e)],
        "lower" => &[(b'a', b'z')],
        "print" => &[(0x20, 0x7e)],
        "punct" => &[(0x21, 0x2f), (0x3a, 0x40), (0x5b, 0x60), (0x7b, 0x7e)],
        "space" => &[(b'\t', b'\n'), (b'\r', b'\r'), (b' ', b' ')],
        "upper" => &[(b'A', b'Z')],
        "xdigit" => &[(b'0', b'9'), (b'A', b'F'), (b'a', b'f')],
        _ => return None,
    })
}

impl Class {
    fn add(&mut self, c: char) {
        if c.is_ascii() {
            self.ascii[c as usize] = true;
        } else if !self.wide.contains(&c) {
            self.wide.push(c);
        }
    }

    fn add_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.ascii[usize::from(b)] = true;
        }
    }

    /// The bytes the class matches: never `/` (git's path rules) nor NUL.
    pub fn bytes(&self) -> [bool; 256] {
        let mut member = [false; 256];
        for (b, &m) in self.ascii.iter().enumerate() {
            member[b] = m;
        }
        let mut buf = [0; 4];
        for c in &self.wide {
            for &b in c.encode_utf8(&mut buf).as_bytes() {
                member[usize::from(b)] = true;
            }
        }
        let mut out = [false; 256];
        for b in 1..256 {
            out[b] = b != usize::from(b'/') && member[b] != self.negated;
        }
        out
    }

    /// Whether no byte can match: then the pattern matches nothing.
    pub fn is_empty(&self) -> bool {
        !self.bytes().iter().any(|&m| m)
    }

    /// Writes the class for globset (with `backslash_escape(true)`).
    pub fn emit(&self, out: &mut String) {
        // globset reads a class literally (no escapes), takes `!` or `^` first
        // as negation, `]` first as a member and `-` last as a member. A
        // negated globset class matches any byte not listed, `/` included, so
        // `/` is listed; a positive one lists only what may match.
        let mut members: Vec<char> = (1u8..128)
            .filter(|&b| {
                let listed = self.ascii[usize::from(b)];
                if self.negated {
                    listed || b == b'/'
                } else {
                    listed && b != b'/'
                }
            })
            .map(char::from)
            .collect();
        members.extend(self.wide.iter().copied());
        if !self.negated {
            if let [only] = members[..] {
                if only.is_ascii() {
                    super::emit::literal(only, out);
                    return;
                }
            }
        }
        let rank = |c: &char| match c {
            ']' => 0,
            '!' | '^' => 2,
            '-' => 3,
            _ => 1,
        };
        members.sort_by_key(rank);
        if !self.negated && matches!(members.first(), Some('!' | '^')) {
            // Only `!`, `^` and maybe `-`: a leading `!` or `^` would read as
            // a negation, so lead with `-`, or spell the two out.
            if members.last() == Some(&'-') {
                members.rotate_right(1);
            } else {
                out.push_str("{\\!,\\^}");
                return;
            }
        }
        out.push('[');
        if self.negated {
            out.push('!');
        }
        out.extend(members);
        out.push(']');
    }
}

/// Reads a class from `chars[start..]`, where `start` is just after the `[`.
/// Returns the class and the index just after its closing `]`.
pub(super) fn parse(chars: &[char], start: usize) -> Result<(Class, usize), ClassError> {
    let mut class = Class {
        negated: false,
        ascii: [false; 128],
        wide: Vec::new(),
    };
    let mut i = start;
    if matches!(chars.get(i), Some('!' | '^')) {
        class.negated = true;
        i += 1;
    }
    // git's `prev_ch`: the last member, or none right after a range or a
    // POSIX class (then a `-` is a member, not a range).
    let mut prev: Option<char> = None;
    loop {
        let c = *chars.get(i).ok_or(ClassError::Unclosed)?;
        let mut now = Some(c);
        if c == '\\' {
            i += 1;
            let e = *chars.get(i).ok_or(ClassError::Unclosed)?;
            class.add(e);
            now = Some(e);
        } else if let (Some(lo), Some(&next)) = (prev.filter(|_| c == '-'), chars.get(i + 1)) {
            if next == ']' {
                class.add('-');
            } else {
                i += 1;
                let mut hi = next;
                if hi == '\\' {
                    i += 1;
                    hi = *chars.get(i).ok_or(ClassError::Unclosed)?;
                }
                if !lo.is_ascii() || !hi.is_ascii() {
                    return Err(ClassError::WideRange(lo, hi));
                }
                // A range whose ends are the wrong way round matches nothing.
                if lo <= hi {
                    class.add_range(lo as u8, hi as u8);
                }
                now = None;
            }
        } else if c == '[' && chars.get(i + 1) == Some(&':') {
            let name_start = i + 2;
            let close = chars[name_start..]
                .iter()
                .position(|&x| x == ']')
                .map(|k| name_start + k)
                .ok_or(ClassError::Unclosed)?;
            if close > name_start && chars[close - 1] == ':' {
                let name: String = chars[name_start..close - 1].iter().collect();
                for &(lo, hi) in posix(&name).ok_or(ClassError::UnknownPosix(name))? {
                    class.add_range(lo, hi);
                }
                i = close;
                now = None;
            } else {
                // No `:]` before the first `]`: an ordinary `[`.
                class.add('[');
            }
        } else {
            class.add(c);
        }
        prev = now;
        i += 1;
        match chars.get(i) {
            Some(']') => return Ok((class, i + 1)),
            Some(_) => {}
            None => return Err(ClassError::Unclosed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, ClassError};

    /// The bytes a class matches, as a string of the printable ones.
    #[track_caller]
    fn members(class: &str) -> String {
        let chars: Vec<char> = class.chars().collect();
        assert_eq!(chars[0], '[');
        let Ok((c, end)) = parse(&chars, 1) else {
            panic!("{class} did not parse")
        };
        assert_eq!(end, chars.len(), "{class}");
        let bytes = c.bytes();
        (0x20u8..0x7f)
            .filter(|&b| bytes[usize::from(b)])
            .map(char::from)
            .collect()
    }

    #[track_caller]
    fn error(class: &str) -> ClassError {
        let chars: Vec<char> = class.chars().collect();
        match parse(&chars, 1) {
            Ok(_) => panic!("{class} parsed"),
            Err(e) => e,
        }
    }

    #[test]
    fn classes_as_git_reads_them() {
        assert_eq!(members("[a-c]"), "abc");
        assert_eq!(members("[]]"), "]");
        assert_eq!(members("[]-]"), "-]");
        assert_eq!(members("[]a-]"), "-]a");
        assert_eq!(members("[-]"), "-");
        assert_eq!(members("[a-]"), "-a");
        assert_eq!(members("[\\]]"), "]");
        assert_eq!(members("[\\\\]"), "\\");
        assert_eq!(members("[\\-_]"), "-_");
        assert_eq!(members("[a-e-n]"), "-abcden");
        assert_eq!(members("[------]"), "-");
        assert_eq!(members("[--A]"), "-.0123456789:;<=>?@A");
        assert_eq!(members("[,-.]"), ",-.");
        assert_eq!(members("[\\1-\\3]"), "123");
        assert_eq!(members("[[-\\]]"), "[\\]");
        assert_eq!(members("[z-a]"), "z");
        assert_eq!(members("[/]"), "");
        assert_eq!(members("[.-0]"), ".0");
        assert_eq!(members("[[:digit:]x]"), "0123456789x");
        assert_eq!(members("[a-c[:digit:]x-z]"), "0123456789abcxyz");
        assert_eq!(members("[[:digit:]-a]"), "-0123456789a");
        assert_eq!(members("[[:]"), ":[");
        assert_eq!(members("[[:digit]"), ":[dgit");
        assert_eq!(members("[[abc]"), "[abc");
        assert_eq!(members("[{,}]"), ",{}");
        assert!(members("[!a]").contains('b'));
        assert!(!members("[!a]").contains('a'));
        assert!(!members("[^a]").contains('/'));
        assert!(members("[!]]").contains('a'));
        assert!(!members("[!]]").contains(']'));
    }

    #[test]
    fn class_errors() {
        assert!(matches!(error("["), ClassError::Unclosed));
        assert!(matches!(error("[]"), ClassError::Unclosed));
        assert!(matches!(error("[!]"), ClassError::Unclosed));
        assert!(matches!(error("[\\]"), ClassError::Unclosed));
        assert!(matches!(error("[a-"), ClassError::Unclosed));
        assert!(matches!(error("[[:alpha:]"), ClassError::Unclosed));
        assert!(matches!(error("[[:foo:]]"), ClassError::UnknownPosix(n) if n == "foo"));
        assert!(matches!(error("[[::]]"), ClassError::UnknownPosix(n) if n.is_empty()));
        assert!(matches!(error("[a-é]"), ClassError::WideRange('a', 'é')));
        assert!(matches!(error("[é-z]"), ClassError::WideRange('é', 'z')));
    }
}
