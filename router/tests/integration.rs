//! Integration tests of muster-route: one test binary, one module per concern.
// Test helpers panic on failure by design; clippy's test allowance covers only #[test] fns.
#![allow(clippy::unwrap_used)]

#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/determinism.rs"]
mod determinism;
#[path = "integration/touches.rs"]
mod touches;

use std::io::Write;
use std::process::{Command, Stdio};

/// The muster-route binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_muster-route")
}

/// Runs muster-route with `args` and `stdin` in a fresh temporary directory
/// (so no muster.json is found); returns the exit code, stdout and stderr.
/// Panics on a panic or a signal.
pub fn route(args: &[&str], stdin: &[u8]) -> (i32, Vec<u8>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(bin())
        .current_dir(dir.path())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning muster-route");
    let mut input = child.stdin.take().expect("stdin is piped");
    let _ = input.write_all(stdin);
    drop(input);
    let out = child.wait_with_output().expect("waiting for muster-route");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked"),
        "muster-route panicked: {stderr}"
    );
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("muster-route died of a signal: {stderr}"));
    (code, out.stdout, stderr)
}

/// Routes `stdin` with `args` and expects success; returns stdout as JSON.
pub fn route_ok(args: &[&str], stdin: &[u8]) -> serde_json::Value {
    let (code, out, err) = route(args, stdin);
    assert_eq!(code, 0, "{err}");
    serde_json::from_slice(&out).unwrap()
}
