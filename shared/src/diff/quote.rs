//! Git's C-style path quoting (`quote_c_style` in git's `quote.c`): a path
//! with `"`, `\`, a control byte or (with `core.quotepath`, the default) a
//! byte above 0x7f is written `"..."` with `\a \b \t \n \v \f \r \" \\` and
//! three-digit octal escapes (`\303\251` for `é`).

/// Reads the quoted path that `s` starts with (`s[0]` is `"`): its bytes and
/// what follows the closing quote.
pub(super) fn unquote_prefix(s: &[u8]) -> Result<(Vec<u8>, &[u8]), String> {
    let mut out = Vec::new();
    let mut i = 1;
    loop {
        let Some(&b) = s.get(i) else {
            return Err("quoted path has no closing '\"'".into());
        };
        i += 1;
        match b {
            b'"' => break,
            b'\\' => {
                let Some(&e) = s.get(i) else {
                    return Err("quoted path ends in a lone '\\'".into());
                };
                i += 1;
                out.push(match e {
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b't' => b'\t',
                    b'n' => b'\n',
                    b'v' => 0x0b,
                    b'f' => 0x0c,
                    b'r' => b'\r',
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'0'..=b'3' => {
                        let digits = s
                            .get(i - 1..i + 2)
                            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
                        let Some(d) = digits else {
                            return Err(
                                "quoted path has an octal escape without three octal digits".into(),
                            );
                        };
                        i += 2;
                        let v = (d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0');
                        if v == 0 {
                            return Err("quoted path has a NUL byte (\\000)".into());
                        }
                        v
                    }
                    _ => {
                        return Err(format!(
                            "quoted path has an unknown escape '\\{}'",
                            e.escape_ascii()
                        ))
                    }
                });
            }
            b if b < 0x20 || b == 0x7f => {
                return Err(format!(
                    "quoted path has a raw control byte 0x{b:02x} (git escapes these)"
                ));
            }
            b => out.push(b),
        }
    }
    if out.is_empty() {
        return Err("quoted path is empty".into());
    }
    Ok((out, &s[i..]))
}

/// Reads a whole field as one path: quoted (and then nothing may follow) or
/// taken as it is.
pub(super) fn path(s: &[u8]) -> Result<Vec<u8>, String> {
    if s.first() == Some(&b'"') {
        let (p, rest) = unquote_prefix(s)?;
        if !rest.is_empty() {
            return Err("text after the closing quote of a quoted path".into());
        }
        return Ok(p);
    }
    if s.is_empty() {
        return Err("empty path".into());
    }
    Ok(s.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn ok(quoted: &str, want: &[u8]) {
        assert_eq!(path(quoted.as_bytes()).unwrap(), want, "{quoted}");
    }

    #[track_caller]
    fn bad(quoted: &str, what: &str) {
        let e = path(quoted.as_bytes()).unwrap_err();
        assert!(e.contains(what), "{quoted}: {e}");
    }

    #[test]
    fn escapes() {
        ok(r#""a\tb""#, b"a\tb");
        ok(r#""a\nb""#, b"a\nb");
        ok(r#""\"\\""#, b"\"\\");
        ok(r#""\a\b\f\r\v""#, b"\x07\x08\x0c\r\x0b");
        ok(r#""caf\303\251""#, "café".as_bytes());
        ok(r#""\377""#, b"\xff");
        ok("\"café \\\"x\\\"\"", "café \"x\"".as_bytes());
        ok("plain name", b"plain name");
        ok("not\"quoted", b"not\"quoted");
    }

    #[test]
    fn bad_quoting() {
        bad(r#""abc"#, "no closing");
        bad(r#""abc\"#, "lone");
        bad(r#""a\qb""#, "unknown escape '\\q'");
        bad(r#""a\3""#, "three octal digits");
        bad(r#""a\4""#, "unknown escape");
        bad(r#""a\38""#, "three octal digits");
        bad(r#""a\000""#, "NUL");
        bad("\"a\tb\"", "raw control byte 0x09");
        bad(r#""""#, "empty");
        bad(r#""a"b"#, "after the closing quote");
        bad("", "empty path");
    }
}
