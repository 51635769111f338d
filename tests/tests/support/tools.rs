//! Finding the muster binaries and the test Python, for the e2e tests.
//! Included with `#[path]` by each test file (one copy), also planner's
//! export test.

#![allow(dead_code)] // each including test uses some of these

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `$var` (relative to the workspace root), else the workspace-relative default.
pub fn from_env(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(v) => workspace().join(v),
        None => workspace().join(default),
    }
}

/// The binary `name` in `$MUSTER_BIN_DIR` (default `target/debug`); panics
/// with `setup` (how to get it) when it is missing.
pub fn bin(name: &str, setup: &str) -> PathBuf {
    let dir = from_env("MUSTER_BIN_DIR", "target/debug");
    let bin = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{name} not found at {} (MUSTER_BIN_DIR names the directory holding it). {setup}",
        bin.display()
    );
    bin
}

/// `$MUSTER_PYTHON` (default `target/pyenv/bin/python3`), checked to import
/// `module`; panics with `setup` when it cannot.
pub fn python(module: &str, setup: &str) -> PathBuf {
    let py = from_env("MUSTER_PYTHON", "target/pyenv/bin/python3");
    assert!(
        py.is_file(),
        "Python not found at {} (MUSTER_PYTHON names a python3 that has the `{module}` package). {setup}",
        py.display()
    );
    let out = Command::new(&py)
        .args(["-c", &format!("import {module}")])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}. {setup}", py.display()));
    assert!(
        out.status.success(),
        "{} cannot import {module}: {}. {setup}",
        py.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    py
}

/// Runs `cmd` to the end; panics when it cannot start.
pub fn run(cmd: &mut Command) -> std::process::Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Runs `cmd`, which must succeed, and returns its stdout.
#[track_caller]
pub fn success(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}
