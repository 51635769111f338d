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
