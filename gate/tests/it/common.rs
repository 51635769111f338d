//! A scratch directory to run muster-gate in (its own state directory, no
//! outside MUSTER_*, GIT_* or SOURCE_DATE_EPOCH), and the binary.
#![allow(dead_code)] // not every helper is used by every test

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_muster-gate");

/// What every run is told the time is.
pub const NOW: &str = "2026-06-01T12:00:00Z";

/// A scratch directory: `.muster/` is its state directory.
pub struct Dir {
    tmp: tempfile::TempDir,
}

/// What the binary did.
pub struct Out {
    /// Exit code.
    pub code: i32,
    /// Stdout.
    pub stdout: String,
    /// Stderr.
    pub stderr: String,
}

impl Out {
    /// Stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self}"))
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Dir {
    /// A new, empty one.
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// `.muster/ledger.jsonl`.
    pub fn ledger(&self) -> PathBuf {
        self.path().join(".muster/ledger.jsonl")
    }

    /// Writes `rel` (directories made).
    pub fn put(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Runs the binary here with `args` and `stdin`.
    pub fn gate(&self, args: &[&str], stdin: &str) -> Out {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(self.path()).args(args);
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            if k.starts_with("GIT_") || k.starts_with("MUSTER_") || k == "SOURCE_DATE_EPOCH" {
                cmd.env_remove(k);
            }
        }
        cmd.env("MUSTER_HOME", self.path().join(".muster"));
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A run that fails early may not read its stdin: no broken pipe panic.
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        let out = child.wait_with_output().unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Appends events (JSON Lines without seq/hash) with muster-ledger's library.
    pub fn events(&self, lines: &[serde_json::Value]) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let inputs = muster_ledger::append::parse_inputs(text.as_bytes(), "test").unwrap();
        std::fs::create_dir_all(self.path().join(".muster")).unwrap();
        let now = muster_shared::time::parse_rfc3339("2026-06-01T11:00:00Z").unwrap();
        muster_ledger::append::append(&self.ledger(), &inputs, now).unwrap();
    }
}
