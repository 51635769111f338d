//! The canonical validator: bytes checked to be exactly the writer's output
//! for some value, in one pass, without building the value.

use super::{utf16_cmp, MAX_DEPTH};
use std::cmp::Ordering;
use std::fmt;
use std::ops::Range;

/// Why bytes are not canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCanonical {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What is wrong there.
    pub what: &'static str,
}

impl fmt::Display for NotCanonical {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.offset + 1)
    }
}

impl std::error::Error for NotCanonical {}

/// One member of a top-level object, as found by [`check_object`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The bytes of the name between its quotes, as written.
    pub name: Range<usize>,
    /// The whole member, from the opening quote of its name to the end of its value.
    pub span: Range<usize>,
    /// The value's bytes.
    pub value: Range<usize>,
}

/// Checks that `bytes` is exactly one value in canonical form.
pub fn check(bytes: &[u8]) -> Result<(), NotCanonical> {
    let mut s = Scanner::new(bytes)?;
    s.value(0)?;
    s.end()
}

/// Checks that `bytes` is one object in canonical form and lists its members.
pub fn check_object(bytes: &[u8]) -> Result<Vec<Member>, NotCanonical> {
    let mut members = Vec::with_capacity(12);
    check_object_members(bytes, |m| members.push(m))?;
    Ok(members)
}

/// Checks that `bytes` is one object in canonical form, handing each of its
/// members to `each` as it is found (no allocation).
pub fn check_object_members(
    bytes: &[u8],
    mut each: impl FnMut(Member),
) -> Result<(), NotCanonical> {
    let mut s = Scanner::new(bytes)?;
    s.object(0, Some(&mut each))?;
    s.end()
}

/// Bytes a canonical string holds as they are: not a quote, backslash or control character.
pub(super) const PLAIN: [bool; 256] = {
    let mut t = [true; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = false;
        c += 1;
    }
    t[b'"' as usize] = false;
    t[b'\\' as usize] = false;
    t
};

/// The first index at or after `i` whose byte is not plain. Eight bytes at a
/// time while no byte of the word is a quote, backslash or control character
/// (exact word tests: "some byte is below n", for n <= 128).
pub(super) fn skip_plain(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGHS;
    while let Some(word) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let x = u64::from_le_bytes(w);
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        if below(x, 0x20) | below(quote, 1) | below(backslash, 1) != 0 {
            break;
        }
        i += 8;
    }
    while i < b.len() && PLAIN[b[i] as usize] {
        i += 1;
    }
    i
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn new(b: &'a [u8]) -> Result<Self, NotCanonical> {
        if let Err(e) = std::str::from_utf8(b) {
            return Err(NotCanonical {
                offset: e.valid_up_to(),
                what: "invalid UTF-8",
            });
        }
        Ok(Scanner { b, i: 0 })
    }

    fn fail<T>(&self, what: &'static str) -> Result<T, NotCanonical> {
        Err(NotCanonical {
            offset: self.i,
            what,
        })
    }

    fn end(&self) -> Result<(), NotCanonical> {
        if self.i == self.b.len() {
            Ok(())
        } else {
            self.fail("expected the end after the value")
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), NotCanonical> {
        let here = self.b.get(self.i..self.i + word.len());
        if here.is_some_and(|h| h.iter().eq(word.iter())) {
            self.i += word.len();
            Ok(())
        } else {
            self.fail("expected a value")
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), NotCanonical> {
        match self.peek() {
            Some(b'{') => self.object(depth, None),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(|_| ()),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b' ' | b'\t' | b'\n' | b'\r') => self.fail("whitespace outside a string"),
            Some(_) => self.fail("expected a value"),
            None => self.fail("unexpected end"),
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), NotCanonical> {
        if depth >= MAX_DEPTH {
            return self.fail("nested too deep");
        }
        self.i += 1;
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.value(depth + 1)?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return self.fail("expected ',' or ']'"),
            }
        }
    }

    fn object(
        &mut self,
        depth: usize,
        mut out: Option<&mut dyn FnMut(Member)>,
    ) -> Result<(), NotCanonical> {
        if depth >= MAX_DEPTH {
            return self.fail("nested too deep");
        }
        if self.peek() != Some(b'{') {
            return self.fail("expected an object");
        }
        self.i += 1;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        let mut prev: Option<(Range<usize>, bool)> = None;
        loop {
            let start = self.i;
            if self.peek() != Some(b'"') {
                return self.fail("expected a member name");
            }
            let (name, escaped) = self.string()?;
            if let Some((p, p_escaped)) = &prev {
                let order = if escaped || *p_escaped {
                    utf16_cmp(
                        &unescape(&self.b[p.clone()]),
                        &unescape(&self.b[name.clone()]),
                    )
                } else {
                    name_cmp(&self.b[p.clone()], &self.b[name.clone()])
                };
                match order {
                    Ordering::Less => {}
                    Ordering::Equal => {
                        self.i = start;
                        return self.fail("duplicate member name");
                    }
                    Ordering::Greater => {
                        self.i = start;
                        return self.fail("member names out of order");
                    }
                }
            }
            if self.peek() != Some(b':') {
                return self.fail("expected ':'");
            }
            self.i += 1;
            let vstart = self.i;
            self.value(depth + 1)?;
            if let Some(out) = out.as_deref_mut() {
                out(Member {
                    name: name.clone(),
                    span: start..self.i,
                    value: vstart..self.i,
                });
            }
            prev = Some((name, escaped));
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return self.fail("expected ',' or '}'"),
            }
        }
    }

    /// Scans a string; returns the range between the quotes and whether it has escapes.
    fn string(&mut self) -> Result<(Range<usize>, bool), NotCanonical> {
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            // Skip plain bytes in a tight loop; only quotes, backslashes and
            // control characters need a closer look.
            self.i = skip_plain(self.b, self.i);
            let Some(c) = self.peek() else {
                return self.fail("unterminated string");
            };
            match c {
                b'"' => {
                    let r = start..self.i;
                    self.i += 1;
                    return Ok((r, escaped));
                }
                b'\\' => {
                    escaped = true;
                    match self.b.get(self.i + 1) {
                        Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 2,
                        Some(b'u') => {
                            let hex = self.b.get(self.i + 2..self.i + 6);
                            match hex {
                                Some([b'0', b'0', h, l])
                                    if matches!(h, b'0' | b'1') && (l.is_ascii_digit() || (b'a'..=b'f').contains(l)) =>
                                {
                                    let v = (h - b'0') * 16 + if l.is_ascii_digit() { l - b'0' } else { l - b'a' + 10 };
                                    if matches!(v, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d) {
                                        return self.fail("\\u escape where a short escape is canonical");
                                    }
                                    self.i += 6;
                                }
                                _ => return self.fail("\\u escape of a character that is written raw in canonical form"),
                            }
                        }
                        Some(b'/') => return self.fail("escaped '/' is not canonical"),
                        _ => return self.fail("invalid escape"),
                    }
                }
                0x00..=0x1f => return self.fail("raw control character in a string"),
                _ => self.i += 1,
            }
        }
    }

    fn number(&mut self) -> Result<(), NotCanonical> {
        let start = self.i;
        let b = self.b;
        let mut i = self.i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == int_start {
            self.i = i;
            return self.fail("invalid number");
        }
        let int_digits = i - int_start;
        let mut simple = true;
        if b.get(i) == Some(&b'.') {
            simple = false;
            i += 1;
            let f = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == f {
                self.i = i;
                return self.fail("invalid number");
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            simple = false;
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let e = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == e {
                self.i = i;
                return self.fail("invalid number");
            }
        }
        self.i = i;
        let token = &b[start..i];
        if simple && int_digits <= 15 {
            let leading_zero = int_digits > 1 && b[int_start] == b'0';
            let negative_zero = token == b"-0";
            if leading_zero || negative_zero {
                self.i = start;
                return self.fail("number not in canonical form");
            }
            return Ok(());
        }
        // Rare: fractions, exponents, long integers. Compare with the writer's form.
        let text = std::str::from_utf8(token).unwrap_or("");
        let canonical = text
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| ryu_js::Buffer::new().format_finite(f).to_string());
        if canonical.as_deref() == Some(text) {
            Ok(())
        } else {
            self.i = start;
            self.fail("number not in canonical form")
        }
    }
}

/// Compares two names given as raw bytes without escapes, by UTF-16 code units.
fn name_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let i = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if i == a.len().min(b.len()) {
        return a.len().cmp(&b.len());
    }
    // An ASCII byte where they first differ sits on a character boundary in
    // both, and orders the same in UTF-8 and UTF-16.
    if a[i] < 0x80 || b[i] < 0x80 {
        return a[i].cmp(&b[i]);
    }
    utf16_cmp(
        std::str::from_utf8(a).unwrap_or(""),
        std::str::from_utf8(b).unwrap_or(""),
    )
}

/// The text of a canonical string's contents (between the quotes).
fn unescape(raw: &[u8]) -> String {
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    serde_json::from_slice(&quoted).unwrap_or_default()
}
