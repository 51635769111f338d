//! The change part of a file in a unified diff: hunks, whose line counts
//! must be met exactly, and `GIT binary patch` blocks (checked and skipped).

use super::show;
use super::unified::{err, hint, Parser};
use crate::diff::DiffError;

impl Parser<'_> {
    /// Hunks until the next `diff --git` or the end; at least one. Returns
    /// the new content when `collect` and the one hunk provably holds all of
    /// it (it starts at line 1 and ends with `\ No newline at end of file`).
    pub(super) fn hunks(&mut self, collect: bool) -> Result<Option<Vec<u8>>, DiffError> {
        let mut count = 0;
        let mut content = Vec::new();
        let mut whole = false;
        while let Some(line) = self.header_line()? {
            if line.starts_with(b"diff --git ") {
                break;
            }
            let at = self.i + 1;
            let Some((old_len, new_start, new_len)) = hunk_header(line) else {
                let what = if count == 0 {
                    format!(
                        "expected a hunk header `@@ -A,B +C,D @@`, got {}",
                        show(line)
                    )
                } else {
                    let why = match hint(line, false) {
                        "" => " (a hunk holds exactly the lines its header counts)",
                        h => h,
                    };
                    format!("unexpected line {} after a complete hunk{why}", show(line))
                };
                return Err(err(at, what));
            };
            self.i += 1;
            count += 1;
            let (mut old_left, mut new_left) = (old_len, new_len);
            // the last line read: which sides it belongs to
            let mut last: Option<(bool, bool)> = None;
            let mut new_ends_open = false;
            loop {
                let next = self.peek();
                if old_left == 0 && new_left == 0 && !next.is_some_and(|l| l.starts_with(b"\\")) {
                    break;
                }
                let Some(l) = next else {
                    return Err(err(at, format!("the hunk is truncated: the input ends with {old_left} old and {new_left} new lines missing")));
                };
                let here = self.i + 1;
                let sides = match l.first() {
                    Some(b' ') => (true, true),
                    Some(b'-') => (true, false),
                    Some(b'+') => (false, true),
                    Some(b'\\') => {
                        match last.take() {
                            Some((_, true)) => new_ends_open = true,
                            Some(_) => {}
                            None => return Err(err(
                                here,
                                "a `\\ No newline at end of file` line that follows no hunk line",
                            )),
                        }
                        self.i += 1;
                        continue;
                    }
                    _ if l.starts_with(b"diff --git ") || l.starts_with(b"@@ ") => {
                        return Err(err(here, format!("the hunk at line {at} is truncated: {old_left} old and {new_left} new lines missing")));
                    }
                    None => {
                        return Err(err(
                            here,
                            "an empty line in a hunk (a context line lost its leading space?)",
                        ))
                    }
                    _ => {
                        return Err(err(
                            here,
                            format!(
                                "hunk line {} does not start with ' ', '+', '-' or '\\'",
                                show(l)
                            ),
                        ))
                    }
                };
                if (sides.0 && old_left == 0) || (sides.1 && new_left == 0) {
                    return Err(err(
                        here,
                        format!("the hunk at line {at} has more lines than its header counts"),
                    ));
                }
                old_left -= usize::from(sides.0);
                new_left -= usize::from(sides.1);
                if sides.1 && collect {
                    content.extend_from_slice(&l[1..]);
                    content.push(b'\n');
                }
                new_ends_open = false;
                last = Some(sides);
                self.i += 1;
            }
            whole = count == 1 && new_start <= 1 && new_ends_open;
        }
        if count == 0 {
            return Err(err(self.i + 1, "`---` and `+++` lines without a hunk"));
        }
        if collect && whole {
            content.pop();
            return Ok(Some(content));
        }
        Ok(None)
    }

    /// After `GIT binary patch`: a forward and (optionally) a reverse block,
    /// each `literal N` or `delta N`, base85 lines, and an empty line.
    pub(super) fn binary_patch(&mut self) -> Result<(), DiffError> {
        for block in 0..2 {
            let head = self.peek();
            let size = head.and_then(|l| {
                l.strip_prefix(b"literal ")
                    .or_else(|| l.strip_prefix(b"delta "))
            });
            let Some(size) = size else {
                if block == 1 {
                    return Ok(());
                }
                return Err(err(
                    self.i + 1,
                    "`GIT binary patch` must be followed by `literal N` or `delta N`",
                ));
            };
            if size.is_empty() || !size.iter().all(u8::is_ascii_digit) {
                return Err(err(
                    self.i + 1,
                    format!("binary patch size {} is not a number", show(size)),
                ));
            }
            self.i += 1;
            let mut data = 0;
            loop {
                let Some(l) = self.peek() else {
                    return Err(err(
                        self.i,
                        "the binary patch is truncated (no empty line ends it)",
                    ));
                };
                self.i += 1;
                if l.is_empty() {
                    break;
                }
                if !base85_line(l) {
                    return Err(err(
                        self.i,
                        format!("binary patch line {} is not base85 data", show(l)),
                    ));
                }
                data += 1;
            }
            if data == 0 {
                return Err(err(self.i, "a binary patch block without data"));
            }
        }
        Ok(())
    }
}

/// `@@ -A[,B] +C[,D] @@[ heading]` → (B, C, D).
fn hunk_header(line: &[u8]) -> Option<(usize, usize, usize)> {
    let rest = line.strip_prefix(b"@@ -")?;
    let (old, rest) = range(rest)?;
    let rest = rest.strip_prefix(b" +")?;
    let (new, rest) = range(rest)?;
    let rest = rest.strip_prefix(b" @@")?;
    if !(rest.is_empty() || rest.starts_with(b" ")) || (old.1 == 0 && new.1 == 0) {
        return None;
    }
    Some((old.1, new.0, new.1))
}

/// `A[,B]` → ((A, B), rest), B defaulting to 1.
fn range(s: &[u8]) -> Option<((usize, usize), &[u8])> {
    let num = |s: &[u8]| -> Option<(usize, usize)> {
        let n = s.iter().take_while(|b| b.is_ascii_digit()).count();
        let v = std::str::from_utf8(s.get(..n)?).ok()?.parse().ok()?;
        Some((v, n))
    };
    let (start, n) = num(s)?;
    let s = &s[n..];
    match s.strip_prefix(b",") {
        Some(s) => {
            let (len, n) = num(s)?;
            Some(((start, len), &s[n..]))
        }
        None => Some(((start, 1), s)),
    }
}

/// One line of git's base85 binary patch data: a length letter (A-Z for 1
/// to 26 bytes, a-z for 27 to 52), then 5 characters per 4 bytes.
fn base85_line(l: &[u8]) -> bool {
    const ALPHABET: &[u8] =
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
    let Some((&len, data)) = l.split_first() else {
        return false;
    };
    let bytes = match len {
        b'A'..=b'Z' => usize::from(len - b'A') + 1,
        b'a'..=b'z' => usize::from(len - b'a') + 27,
        _ => return false,
    };
    data.len() == bytes.div_ceil(4) * 5 && data.iter().all(|c| ALPHABET.contains(c))
}
