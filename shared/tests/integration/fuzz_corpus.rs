//! Replays the fuzz corpus kept in git (`shared/tests/fuzz_corpus/<target>/`)
//! and the hand-written seeds (`fuzz/seeds/<target>/`) through the very calls
//! the fuzz targets make (`fuzz/harness.rs`), so every input the fuzzer found
//! runs in `make test` on stable, without cargo-fuzz. Each call must return
//! normally: a parse error is fine, a panic is a bug.

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[path = "../../../fuzz/harness.rs"]
mod harness;

/// The directories replayed for one target, in a fixed order.
fn dirs(target: &str) -> [PathBuf; 2] {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        shared.join("tests").join("fuzz_corpus").join(target),
        shared.join("..").join("fuzz").join("seeds").join(target),
    ]
}

/// Every regular file in the target's directories, sorted by path.
fn inputs(target: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in dirs(target) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("read a corpus directory entry").path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Runs `call` on every input of `target`; fails naming each input that panicked.
fn replay(target: &str, call: fn(&[u8])) {
    let files = inputs(target);
    assert!(
        !files.is_empty(),
        "no corpus or seed files for fuzz target {target} in {:?}",
        dirs(target)
    );
    let mut panicked = Vec::new();
    for file in &files {
        let data = std::fs::read(file).expect("read a corpus file");
        if panic::catch_unwind(AssertUnwindSafe(|| call(&data))).is_err() {
            panicked.push(file.display().to_string());
        }
    }
    assert!(
        panicked.is_empty(),
        "fuzz target {target}: {} of {} inputs panicked: {panicked:#?}",
        panicked.len(),
        files.len()
    );
}

#[test]
fn diff_unified_corpus_never_panics() {
    replay("diff_unified", harness::diff_unified);
}

#[test]
fn diff_raw_corpus_never_panics() {
    replay("diff_raw", harness::diff_raw);
}

#[test]
fn glob_corpus_never_panics() {
    replay("glob", harness::glob);
}

#[test]
fn intersect_corpus_never_panics() {
    replay("intersect", harness::intersect);
}
