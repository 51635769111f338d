//! The muster-shared integration tests: one binary, one module per area.

#[path = "integration/fuzz_corpus.rs"]
mod fuzz_corpus;

#[path = "integration/diff_git.rs"]
mod diff_git;

#[path = "integration/glob_git.rs"]
mod glob_git;
