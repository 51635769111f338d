//! Following a JSON document's structure by its bytes, without reading it:
//! strings (with their escapes) and nesting, so that a key is only found
//! where it really is a key of the object on the way. What [`super::split`]
//! and [`super::hole`] use to find the big array they read apart; neither
//! trusts it further than as a place to start (serde then reads the bytes).

/// Where the value at `path` starts: the key path followed down through the
/// objects from the top. None when the document is not an object, or a key
/// on the path is not there as a plain (unescaped) key, or a key before the
/// last does not hold an object.
pub fn find_value(bytes: &[u8], path: &[&str]) -> Option<usize> {
    let mut i = skip_ws(bytes, 0);
    if bytes.get(i) != Some(&b'{') || path.is_empty() {
        return None;
    }
    i += 1;
    // `depth`: how many objects and arrays are open; `level`: how many keys
    // of the path were found (the object being read is then the one at
    // `level + 1` open brackets).
    let (mut depth, mut level) = (1usize, 0usize);
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let end = string_end(bytes, i)?;
                let after = skip_ws(bytes, end);
                if depth == level + 1
                    && bytes.get(after) == Some(&b':')
                    && bytes.get(i + 1..end - 1) == Some(path[level].as_bytes())
                {
                    let value = skip_ws(bytes, after + 1);
                    level += 1;
                    if level == path.len() {
                        return Some(value);
                    }
                    if bytes.get(value) != Some(&b'{') {
                        return None;
                    }
                    depth += 1;
                    i = value + 1;
                    continue;
                }
                i = end;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth <= level {
                    // Left the object the next key should be in.
                    return None;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Just past the closing quote of the string opening at `at`.
pub fn string_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    loop {
        i += memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
        if bytes[i] == b'"' {
            return Some(i + 1);
        }
        i += 2;
    }
}

/// JSON's white space.
pub fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The first byte at or after `i` that is not white space (or the end).
pub fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).copied().is_some_and(is_ws) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_only_where_they_are_keys() {
        let d = br#" {"a": {"x": "\"b\": [", "b": [1, {"c": 2}]}, "b": {"c": [3]}, "c": 4}"#;
        let at = |path: &[&str]| find_value(d, path).map(|i| d[i]);
        assert_eq!(at(&["a", "b"]), Some(b'['));
        assert_eq!(at(&["b", "c"]), Some(b'['));
        assert_eq!(at(&["c"]), Some(b'4'));
        // `c` is not a key of `a`; `x` holds no object; no such key.
        assert_eq!(at(&["a", "c"]), None);
        assert_eq!(at(&["a", "x", "b"]), None);
        assert_eq!(at(&["d"]), None);
        assert_eq!(at(&[]), None);
        assert_eq!(find_value(b"[1]", &["a"]), None);
        assert_eq!(find_value(br#"{"a": "unclosed"#, &["b"]), None);
    }

    #[test]
    fn strings_end_after_their_escapes() {
        assert_eq!(string_end(br#""ab""#, 0), Some(4));
        assert_eq!(string_end(br#""a\"b" x"#, 0), Some(6));
        assert_eq!(string_end(br#""a\\" x"#, 0), Some(5));
        assert_eq!(string_end(br#""a\"#, 0), None);
        assert_eq!(string_end(br#""a"#, 0), None);
    }
}
