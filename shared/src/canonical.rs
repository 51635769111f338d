//! RFC 8785 canonical JSON (JCS): a writer, and a validator for bytes that
//! claim to be canonical already.
//!
//! The writer: no whitespace; object members sorted by the UTF-16 code units of
//! their names; strings escaped only where JSON requires (`\"`, `\\`, `\b`,
//! `\f`, `\n`, `\r`, `\t`, and `\u00xx` in lowercase hex for other control
//! characters), everything else as raw UTF-8; numbers as ECMAScript's
//! `Number.prototype.toString` writes the IEEE 754 double (ryu-js does that).
//! Numbers are IEEE 754 doubles (I-JSON): an integer beyond ±(2^53 − 1) is
//! written as the double that holds it exactly (`1e16` read back as an
//! integer stays `10000000000000000`), and one that no double holds exactly
//! (`9007199254740993`) is refused rather than silently changed. (serde_json
//! reads integers beyond the u64/i64 range as the nearest double.)
//!
//! The validator, [`check`], accepts exactly the bytes the writer produces for
//! some value, in one pass and without building the value. The ledger writes
//! every line in canonical form and `verify` checks lines with it, so the bytes
//! hashed are the bytes on disk.
//!
//! Written here rather than taken from a crate: no JCS crate offers the
//! validator, and the validator and the writer must agree byte for byte; both
//! are tested against an independent implementation (tests/, Python `rfc8785`).

use serde_json::Value;
use std::cmp::Ordering;
use std::fmt;
use std::ops::Range;

/// The largest integer JSON carries exactly between implementations: 2^53 − 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Nesting deeper than this is refused (by the validator; the writer follows
/// serde_json's own limit of 128 when parsing).
pub const MAX_DEPTH: usize = 128;

/// Why a value cannot be written canonically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError {
    /// The JSON path of the value, like `payload.items[2]`.
    pub path: String,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.what)
    }
}

impl std::error::Error for WriteError {}

/// The canonical bytes of `value`.
pub fn to_vec(value: &Value) -> Result<Vec<u8>, WriteError> {
    let mut out = Vec::with_capacity(256);
    write(value, &mut out)?;
    Ok(out)
}

/// Appends the canonical bytes of `value` to `out`.
pub fn write(value: &Value, out: &mut Vec<u8>) -> Result<(), WriteError> {
    let mut path = String::new();
    write_at(value, out, &mut path)
}

fn write_at(value: &Value, out: &mut Vec<u8>, path: &mut String) -> Result<(), WriteError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            let int = n.as_u64().map(i128::from).or(n.as_i64().map(i128::from));
            if let Some(i) = int {
                if i.unsigned_abs() <= u128::from(MAX_SAFE_INTEGER) {
                    out.extend_from_slice(i.to_string().as_bytes());
                } else if let Some(text) = big_integer(i) {
                    out.extend_from_slice(text.as_bytes());
                } else {
                    return Err(unsafe_integer(path, &n.to_string()));
                }
            } else if let Some(f) = n.as_f64().filter(|f| f.is_finite()) {
                let mut buf = ryu_js::Buffer::new();
                out.extend_from_slice(buf.format_finite(f).as_bytes());
            } else {
                return Err(WriteError {
                    path: shown(path),
                    what: format!("number {n} has no IEEE 754 double form"),
                });
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                write_at(item, out, path)?;
                path.truncate(len);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| utf16_cmp(a.0, b.0));
            out.push(b'{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(k, out);
                out.push(b':');
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                write_at(v, out, path)?;
                path.truncate(len);
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// The canonical text of an integer beyond ±(2^53 − 1), when it stands for a
/// double: one that holds it exactly (2^60 → `1152921504606847000`), or whose
/// canonical text it already is (`1152921504606847000` itself).
fn big_integer(i: i128) -> Option<String> {
    let f = i as f64;
    let text = ryu_js::Buffer::new().format_finite(f).to_string();
    let exact = f as i128 == i && f.abs() < 1.8e19;
    (exact || text == i.to_string()).then_some(text)
}

fn shown(path: &str) -> String {
    if path.is_empty() {
        "(top)".into()
    } else {
        path.to_string()
    }
}

fn unsafe_integer(path: &str, n: &str) -> WriteError {
    WriteError {
        path: shown(path),
        what: format!(
            "integer {n} has no exact IEEE 754 double form, so JSON cannot carry it exactly; write it as a string"
        ),
    }
}

/// Orders two strings by their UTF-16 code units, as RFC 8785 sorts names.
pub fn utf16_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.as_bytes().cmp(b.as_bytes());
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Appends `s` as a canonical JSON string.
pub fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(c >> 4) as usize]);
                out.push(HEX[(c & 15) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

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
const PLAIN: [bool; 256] = {
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
fn skip_plain(b: &[u8], mut i: usize) -> usize {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[track_caller]
    fn canon(v: Value, want: &str) {
        let got = String::from_utf8(to_vec(&v).unwrap()).unwrap();
        assert_eq!(got, want);
        assert_eq!(
            check(got.as_bytes()),
            Ok(()),
            "validator refuses writer output {got}"
        );
    }

    #[track_caller]
    fn not_canon(s: &str) {
        assert!(check(s.as_bytes()).is_err(), "validator accepts {s}");
    }

    #[test]
    fn writes_rfc8785_forms() {
        canon(
            json!({"b": 1, "a": [true, false, null]}),
            r#"{"a":[true,false,null],"b":1}"#,
        );
        canon(json!(0.75), "0.75");
        canon(json!(1e21), "1e+21");
        canon(json!(1e20), "100000000000000000000");
        canon(json!(1e-7), "1e-7");
        canon(json!(-0.0), "0");
        canon(json!(1.0), "1");
        canon(json!(4.5), "4.5");
        canon(json!(0.000001), "0.000001");
        canon(json!(333_333_333.333_333_3), "333333333.3333333");
        canon(json!(9007199254740991_u64), "9007199254740991");
        canon(json!(-9007199254740991_i64), "-9007199254740991");
        canon(
            json!("é\u{1F600}\u{7f}\u{2028}/"),
            "\"é\u{1F600}\u{7f}\u{2028}/\"",
        );
        canon(
            json!("\"\\\u{8}\u{c}\n\r\t\u{0}\u{1f}"),
            r#""\"\\\b\f\n\r\t\u0000\u001f""#,
        );
        // RFC 8785 3.2.3: sort by UTF-16 code units, so U+1F600 (D83D) before U+FB33.
        canon(
            json!({"\u{fb33}": 1, "\u{1F600}": 2, "\r": 3, "1": 4, "\u{80}": 5, "ö": 6}),
            "{\"\\r\":3,\"1\":4,\"\u{80}\":5,\"ö\":6,\"\u{1F600}\":2,\"\u{fb33}\":1}",
        );
    }

    #[test]
    fn refuses_integers_it_cannot_carry() {
        let e = to_vec(&json!({"payload": {"n": [9007199254740993_u64]}})).unwrap_err();
        assert_eq!(e.path, "payload.n[0]");
        assert!(to_vec(&json!(-9007199254740993_i64)).is_err());
        assert!(to_vec(&json!(u64::MAX)).is_err());
        // Integers a double holds exactly are written as that double.
        assert_eq!(
            to_vec(&json!(9007199254740992_u64)).unwrap(),
            b"9007199254740992"
        );
        assert_eq!(
            to_vec(&json!(10000000000000000_u64)).unwrap(),
            b"10000000000000000"
        );
        // ECMAScript's shortest form, and that form read back as an integer.
        assert_eq!(to_vec(&json!(1_u64 << 60)).unwrap(), b"1152921504606847000");
        assert_eq!(
            to_vec(&json!(1152921504606847000_u64)).unwrap(),
            b"1152921504606847000"
        );
        assert_eq!(
            to_vec(&json!(-(1_i64 << 62))).unwrap(),
            b"-4611686018427388000"
        );
    }

    #[test]
    fn validator_refuses_everything_else() {
        not_canon("");
        not_canon(" 1");
        not_canon("1 ");
        not_canon("{\"a\": 1}");
        not_canon("{\"b\":1,\"a\":2}");
        not_canon("{\"a\":1,\"a\":2}");
        not_canon("01");
        not_canon("-0");
        not_canon("1.0");
        not_canon("1E+21");
        not_canon("1e21");
        not_canon("0.750");
        not_canon("9007199254740993");
        not_canon("\"\\u0041\"");
        not_canon("\"\\u000a\"");
        not_canon("\"\\u001F\"");
        not_canon("\"\\/\"");
        not_canon("\"a\tb\"");
        not_canon("\"\\x\"");
        not_canon("[1,]");
        not_canon("[1");
        not_canon("{\"a\":1");
        not_canon("tru");
        not_canon("nulll");
        not_canon("[1]\n");
        assert_eq!(
            check(b"\"\xff\""),
            Err(NotCanonical {
                offset: 1,
                what: "invalid UTF-8"
            })
        );
        let deep = "[".repeat(200) + &"]".repeat(200);
        not_canon(&deep);
    }

    #[test]
    fn validator_takes_writer_forms() {
        for s in [
            "1e+21",
            "-1e-7",
            "0",
            "-1",
            "123456789012345",
            "1234567890123456",
            "0.1",
            "{}",
            "[]",
            "\"\"",
            "{\"\\n\":1,\"a\":{\"\":[]}}",
            "18446744073709552000",
        ] {
            assert_eq!(check(s.as_bytes()), Ok(()), "{s}");
        }
    }

    #[test]
    fn skip_plain_stops_at_every_special_byte_in_every_position() {
        for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
            for len in 0..20 {
                for at in 0..len {
                    let mut b = vec![b'a'; len];
                    b[at] = special;
                    assert_eq!(skip_plain(&b, 0), at, "{special:#x} at {at} of {len}");
                }
                assert_eq!(skip_plain(&vec![0xe9; len], 0), len);
                assert_eq!(skip_plain(&vec![b' '; len], 0), len);
            }
        }
        for c in 0u8..=255 {
            let b = [b'a', b'a', b'a', b'a', b'a', b'a', b'a', c, b'a'];
            assert_eq!(skip_plain(&b, 0) == 7, !PLAIN[c as usize], "byte {c:#x}");
        }
    }

    #[test]
    fn members_are_listed_with_spans() {
        let line = br#"{"a":1,"hash":"x","z":{"k":[1]}}"#;
        let m = check_object(line).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(&line[m[1].name.clone()], b"hash");
        assert_eq!(&line[m[1].span.clone()], br#""hash":"x""#);
        assert_eq!(&line[m[2].value.clone()], br#"{"k":[1]}"#);
        assert!(check_object(b"[1]").is_err());
    }
}
