//! muster-integrate's integration tests, one binary (links are slow on 2
//! cores): `cli` (the command line, exit codes, write policy, bisect),
//! `failure_modes` (one fixture per way a patch can go wrong, git deciding
//! what is right), `history` (this repository's own history replayed).
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

mod cli;
mod common;
mod failure_modes;
mod history;
mod shared_merge;
