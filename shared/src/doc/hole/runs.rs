//! Whether the bytes of a file from one offset to another are exactly one
//! JSON array, as serde_json skips a value read as
//! [`serde::de::IgnoredAny`], read in pieces of about a megabyte into one
//! buffer, never whole.
//!
//! The array's items are cut into runs at item boundaries, as
//! [`crate::doc::split`] cuts them, and each run is read as `[run]`. A cut
//! is a guess (a comma with `}` before it and `{` after, white space aside)
//! and the reading proves it: the first run starts just inside the array,
//! so serde sees its bytes as it would in the whole array, and it reads
//! them as a list of values only when the run ends at the end of a value;
//! each later run then starts at a value too. A cut inside a string makes
//! a run that does not read, and the answer is no (the caller then reads
//! the document the strict way). Values read as IgnoredAny have no nesting
//! limit in serde_json, so how deep a run is read does not matter.

use serde::de::IgnoredAny;
use std::fs::File;
use std::os::unix::fs::FileExt;

/// How much is read at a time: a run stays in the core's cache.
const PIECE: usize = 1 << 20;

/// Whether `file`'s bytes `open..=close` are one JSON array.
pub fn is_one_array(file: &File, open: u64, close: u64) -> bool {
    let byte = |at: u64| {
        let mut b = [0u8];
        file.read_exact_at(&mut b, at).ok().map(|()| b[0])
    };
    if close <= open || byte(open) != Some(b'[') || byte(close) != Some(b']') {
        return false;
    }
    // buf[..fill] is `[` and the run read so far; a cut is looked for at
    // or after `after`.
    let mut buf = vec![0u8; 2 * PIECE];
    buf[0] = b'[';
    let (mut fill, mut after, mut missed) = (1, 1, 0);
    let mut at = open + 1;
    loop {
        let Ok(want) = usize::try_from((close - at).min(PIECE as u64)) else {
            return false;
        };
        if want == 0 {
            buf[fill] = b']';
            return reads(&buf[..=fill]);
        }
        if buf.len() < fill + want + 1 {
            buf.resize(fill + want + 1, 0); // a run longer than a piece
        }
        if file.read_exact_at(&mut buf[fill..fill + want], at).is_err() {
            return false;
        }
        at += want as u64;
        // In what is new, and a little before it (white space around a
        // comma that ended the last piece).
        let from = fill.saturating_sub(64).max(after);
        fill += want;
        let Some(c) = last_cut(&buf[..fill], from) else {
            continue;
        };
        buf[c] = b']';
        if reads(&buf[..=c]) {
            buf.copy_within(c + 1..fill, 1);
            fill -= c;
            (after, missed) = (1, 0);
        } else {
            // A cut inside a string (`},{` in it), or a bad array: the run
            // goes on to a later cut, a few times, then the answer is no.
            buf[c] = b',';
            (after, missed) = (c + 1, missed + 1);
            if missed > MISSES {
                return false;
            }
        }
    }
}

/// Runs that do not read, in a row, before the answer is no.
const MISSES: usize = 4;

/// Whether `text` reads as one JSON value and nothing after it.
fn reads(text: &[u8]) -> bool {
    serde_json::from_slice::<IgnoredAny>(text).is_ok()
}

/// The last comma at or after `from` with `}` before it and `{` after it,
/// white space aside, both within `run`.
fn last_cut(run: &[u8], from: usize) -> Option<usize> {
    let is_ws = crate::doc::scan::is_ws;
    memchr::memrchr_iter(b',', run.get(from..)?).find_map(|k| {
        let c = from + k;
        let before = run[..c].iter().rev().find(|&&b| !is_ws(b));
        let after = run[c + 1..].iter().find(|&&b| !is_ws(b));
        (before == Some(&b'}') && after == Some(&b'{')).then_some(c)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn check(body: &[u8]) -> bool {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(b"xx").unwrap();
        f.write_all(body).unwrap();
        f.write_all(b"yy").unwrap();
        is_one_array(&f, 2, 2 + body.len() as u64 - 1)
    }

    fn strict(body: &[u8]) -> bool {
        reads(body)
    }

    /// Big arrays (many pieces), good and broken at several places, read as
    /// the whole-array reader reads them.
    #[test]
    fn the_same_answer_as_reading_the_whole_array() {
        let item = |i: usize| format!(r#"{{"a":"T{i}","w":[{i},{{"k":null}}],"r":"\u00e9\" ,"}}"#);
        let items: Vec<String> = (0..100_000).map(item).collect();
        let good = format!("[{}]", items.join(",\n "));
        assert!(good.len() > 4 * PIECE);
        let mut docs = vec![good.clone().into_bytes()];
        for at in [1, good.len() / 3, good.len() / 2 + 7, good.len() - 2] {
            // a byte changed to a quote, an extra comma, a raw newline in a
            // string
            for b in [b'"', b',', b'\n'] {
                let mut v = good.clone().into_bytes();
                v[at] = b;
                docs.push(v);
            }
        }
        for v in &docs {
            assert_eq!(check(v), strict(v), "{}", v.len());
        }
        assert!(check(&docs[0]));
        for small in [
            &b"[]"[..],
            b"[ ]",
            b"[{}]",
            b"[{},{}]",
            b"[{} , {}]",
            b"[{},]",
            b"[,{}]",
            b"[{}{}]",
            b"[1,[2,{\"a\":[]}]]",
        ] {
            assert_eq!(
                check(small),
                strict(small),
                "{}",
                String::from_utf8_lossy(small)
            );
        }
    }

    /// A cut guessed inside a string (`},{` in it) is passed over; many in a
    /// row make the answer no for a good array; never yes for a bad one.
    #[test]
    fn a_cut_inside_a_string_never_passes_a_bad_array() {
        let odd = |i: usize| format!(r#"{{"a":"T{i}","b":"x}},{{y"}}"#);
        let fine = |i: usize| format!(r#"{{"a":"T{i}"}}"#);
        let some: Vec<String> = (0..200_000)
            .map(|i| if i % 5000 == 0 { odd(i) } else { fine(i) })
            .collect();
        let some = format!("[{}]", some.join(","));
        assert!(strict(some.as_bytes()) && check(some.as_bytes()));
        let item = |i: usize| format!(r#"{{"a":"T{i}","b":"x}},{{y"}}"#);
        let items: Vec<String> = (0..60_000).map(item).collect();
        let good = format!("[{}]", items.join(","));
        assert!(strict(good.as_bytes()));
        let mut bad = good.clone().into_bytes();
        let at = good.len() / 2;
        bad[at] = b'"';
        assert!(!strict(&bad));
        assert!(!check(&bad));
        assert!(check(br#"[{"a":"},{"}]"#));
        assert!(check(br#"[{"a":"},{"},{"b":"},{"}]"#));
        assert!(!check(br#"[{"a":"},{"},{"b":"},{"]"#));
    }

    /// One item bigger than a piece, with no cut in it.
    #[test]
    fn an_item_longer_than_a_piece() {
        let big = format!(r#"[{{"a":"{}"}},{{"b":1}}]"#, "x".repeat(3 * PIECE));
        assert!(check(big.as_bytes()));
        let broken = format!(r#"[{{"a":"{}}},{{"b":1}}]"#, "x".repeat(3 * PIECE));
        assert!(!check(broken.as_bytes()));
    }

    /// Deeply nested items: no nesting limit here, as in serde_json's
    /// skipping of an IgnoredAny.
    #[test]
    fn nesting_has_no_limit() {
        let deep = format!("[{}{}]", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(check(deep.as_bytes()), strict(deep.as_bytes()));
        assert!(check(deep.as_bytes()));
    }

    #[test]
    fn not_an_array_at_the_offsets() {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(b"x{}y[1]").unwrap();
        assert!(!is_one_array(&f, 1, 2));
        assert!(is_one_array(&f, 4, 6));
        assert!(!is_one_array(&f, 4, 4));
        assert!(!is_one_array(&f, 4, 60));
    }
}
