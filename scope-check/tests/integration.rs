//! Integration tests of muster-scope: one test binary, one module per concern.
// Test helpers panic on failure by design; clippy's test allowance covers only #[test] fns.
#![allow(clippy::unwrap_used)]

#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/git_pipelines.rs"]
mod git_pipelines;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The muster-scope binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_muster-scope")
}

/// Runs muster-scope with `args` and `stdin`; returns the exit code, stdout
/// parsed as JSON (Null when empty) and stderr. Panics on a panic or signal.
pub fn scope(dir: &Path, args: &[&str], stdin: &[u8]) -> (i32, serde_json::Value, String) {
    let mut child = Command::new(bin())
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning muster-scope");
    let mut input = child.stdin.take().expect("stdin is piped");
    let _ = input.write_all(stdin);
    drop(input);
    let out: Output = child.wait_with_output().expect("waiting for muster-scope");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked"),
        "muster-scope panicked: {stderr}"
    );
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("muster-scope died of a signal: {stderr}"));
    let json = if out.stdout.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {stderr}"))
    };
    (code, json, stderr)
}

/// A git command in `repo`, with an identity; panics when git fails.
pub fn git(repo: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("running git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
