//! Running git: as a child process with the repository given explicitly
//! (`git -C`), the caller's own git environment removed (a hook's GIT_DIR or
//! GIT_INDEX_FILE must not redirect muster's commands), no fsmonitor, a fixed
//! identity (commits work where none is configured), `LC_ALL=C`, and each
//! failure an error naming the command and one line of git's stderr. Used
//! by muster-run and muster-integrate.

use anyhow::{bail, Result};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// What a missing git is told.
pub const NEED: &str = "muster needs git 2.38 or newer";

/// Runs `git [-C dir] args…` with `env` added, `input` on its stdin (closed
/// when None), and its output captured; returns the command as shown in
/// errors, and what it did.
pub fn output<S: AsRef<OsStr>>(
    dir: Option<&Path>,
    args: &[S],
    input: Option<&[u8]>,
    env: &[(&str, &OsStr)],
) -> Result<(String, Output)> {
    let mut cmd = Command::new("git");
    let mut shown = String::from("git");
    if let Some(dir) = dir {
        cmd.arg("-C").arg(dir);
        shown.push_str(&format!(" -C {}", dir.display()));
    }
    for a in args {
        shown.push_str(&format!(" {}", a.as_ref().to_string_lossy()));
    }
    for (name, _) in std::env::vars_os().filter(|(k, _)| k.as_bytes().starts_with(b"GIT_")) {
        cmd.env_remove(name);
    }
    // Not shown: no fsmonitor program (which repo config could name) runs.
    cmd.args(["-c", "core.fsmonitor=false"]);
    for who in ["GIT_AUTHOR", "GIT_COMMITTER"] {
        cmd.env(format!("{who}_NAME"), "muster");
        cmd.env(format!("{who}_EMAIL"), "muster@localhost");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args).env("LC_ALL", "C");
    let out = match input {
        None => cmd.stdin(Stdio::null()).output(),
        Some(bytes) => with_stdin(&mut cmd, bytes),
    };
    match out {
        Ok(out) => Ok((shown, out)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("git not found on PATH: {NEED}")
        }
        Err(e) => bail!("{shown}: {e}"),
    }
}

/// Runs `cmd` with `bytes` on its stdin, written from another thread so
/// that a large answer cannot fill the pipe before git has read it all.
fn with_stdin(cmd: &mut Command, bytes: &[u8]) -> std::io::Result<Output> {
    use std::io::Write as _;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let writer = child.stdin.take().map(|mut stdin| {
        let bytes = bytes.to_vec();
        std::thread::spawn(move || stdin.write_all(&bytes))
    });
    let out = child.wait_with_output()?;
    if let Some(w) = writer {
        let _ = w.join();
    }
    Ok(out)
}

/// Runs git in `dir` (with `input` and `env`); its stdout, or an error
/// naming the command.
pub fn run_with<S: AsRef<OsStr>>(
    dir: &Path,
    args: &[S],
    input: Option<&[u8]>,
    env: &[(&str, &OsStr)],
) -> Result<Vec<u8>> {
    let (shown, out) = output(Some(dir), args, input, env)?;
    if !out.status.success() {
        bail!("{shown}: {}", stderr_line(&out));
    }
    Ok(out.stdout)
}

/// Runs git in `dir`; its stdout, or an error naming the command.
pub fn run<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Result<Vec<u8>> {
    run_with(dir, args, None, &[])
}

/// One line of git's stderr for an error: its first `fatal:` or `error:`
/// line, else its last line, else the exit status.
pub fn stderr_line(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let fatal = lines
        .iter()
        .find(|l| l.starts_with("fatal:") || l.starts_with("error:"));
    match fatal.or(lines.last()) {
        Some(l) => l.to_string(),
        None => format!("git exited with {}", out.status),
    }
}
