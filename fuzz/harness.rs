//! The calls each fuzz target makes, shared by the targets
//! (`fuzz/fuzz_targets/*.rs`) and by the replay test that runs the kept
//! corpus on stable (`shared/tests/integration/fuzz_corpus.rs`).
//! Each function must return normally for every input: errors are fine,
//! panics are bugs.

#![allow(dead_code)]

use muster_shared::diff;
use muster_shared::glob::{Pattern, PatternSet};

/// `diff_unified`: the whole input is a unified `git diff`.
pub fn diff_unified(data: &[u8]) {
    match diff::parse_unified(data) {
        Ok(changes) => {
            let _ = format!("{changes:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// `diff_raw`: the whole input is `git diff --raw -z` output.
pub fn diff_raw(data: &[u8]) {
    match diff::parse_raw_z(data) {
        Ok(changes) => {
            let _ = format!("{changes:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// `glob`: the input up to the first NUL byte is the pattern (as UTF-8,
/// invalid sequences replaced), the rest is the path to match. Compiles the
/// pattern, builds a one-pattern set, matches the path, and asks whether the
/// pattern names something inside the path taken as a directory.
pub fn glob(data: &[u8]) {
    let (pattern, path) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let text = String::from_utf8_lossy(pattern);
    let p = match Pattern::parse(&text) {
        Ok(p) => p,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let mut dir = String::from_utf8_lossy(path).into_owned();
    if !dir.ends_with('/') {
        dir.push('/');
    }
    let _ = p.names_inside(&dir);
    match PatternSet::new(vec![p]) {
        Ok(set) => {
            if let Some(i) = set.first_match(path) {
                assert_eq!(i, 0, "first_match gave an index past the only pattern");
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// `intersect`: the input is `A\0B\0PATH`; A and B are patterns (each cut
/// to 48 bytes). The witness of A and B must be the same both ways round;
/// when the answer was exact (no automaton too big to build), a valid path
/// taken by both, and no longer than PATH when PATH is a valid path both
/// take; in any case Some when PATH is one (sound).
pub fn intersect(data: &[u8]) {
    let mut parts = data.splitn(3, |&b| b == 0);
    let (a, b) = (parts.next().unwrap_or(&[]), parts.next().unwrap_or(&[]));
    let path = parts.next().unwrap_or(&[]);
    let cut = |x: &[u8]| String::from_utf8_lossy(&x[..x.len().min(48)]).into_owned();
    let (Ok(a), Ok(b)) = (Pattern::parse(&cut(a)), Pattern::parse(&cut(b))) else {
        return;
    };
    let mut x = muster_shared::glob::intersect::Intersector::new();
    let w = x.witness(&a, &b);
    let exact = x.was_exact();
    assert_eq!(w, x.witness(&b, &a), "not symmetric");
    if let (Some(w), true) = (&w, exact) {
        // A witness with bytes that are not UTF-8 comes back lossy; only a
        // faithful one can be checked byte for byte.
        if !w.contains('\u{fffd}') {
            assert!(a.is_match(w.as_bytes()), "{w:?} not taken by {:?}", a.text);
            assert!(b.is_match(w.as_bytes()), "{w:?} not taken by {:?}", b.text);
            assert!(valid(w.as_bytes()), "{w:?} is not a valid path");
        }
    }
    if valid(path) && a.is_match(path) && b.is_match(path) {
        let w = w.unwrap_or_else(|| {
            panic!(
                "{:?} and {:?} share {path:?} but no witness",
                a.text, b.text
            )
        });
        if exact {
            assert!(
                w.len() <= path.len(),
                "witness {w:?} longer than the common path {path:?}"
            );
        }
    }
}

/// A repo path as intersect counts one: not empty, relative, no empty, `.`
/// or `..` segment, no NUL.
fn valid(p: &[u8]) -> bool {
    !p.is_empty()
        && !p.contains(&0)
        && p.split(|&c| c == b'/')
            .all(|s| !s.is_empty() && s != b"." && s != b"..")
}
