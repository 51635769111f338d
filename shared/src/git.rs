//! Running git: as a child process with the repository given explicitly
//! (`git -C`), the caller's own git environment removed (a hook's GIT_DIR or
//! GIT_INDEX_FILE must not redirect muster's commands), no fsmonitor, a fixed
//! identity (commits work where none is configured), `LC_ALL=C`, and each
//! failure an error naming the command and one line of git's stderr. Used
//! by muster-run and muster-integrate.

use anyhow::{bail, Context, Result};
use std::ffi::OsStr;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// What a missing git is told.
pub const NEED: &str = "muster needs git 2.38 or newer";

/// The oldest git muster works with (DESIGN.md section 1).
pub const MIN_GIT: (u32, u32) = (2, 38);

/// How every diff of two commits starts, so that user config (external diff
/// drivers, textconv, ignored submodules, order files) cannot change what
/// muster reads or writes.
const DIFF: &str =
    "diff --no-ext-diff --no-textconv --no-color --ignore-submodules=none --no-relative -O/dev/null";

/// Space-separated words as arguments.
pub fn words(s: &str) -> Vec<OsString> {
    s.split_whitespace().map(OsString::from).collect()
}

/// A revision or branch given on the command line must not read as an option.
pub fn rev_arg(rev: &str) -> Result<&str> {
    if rev.is_empty() || rev.starts_with('-') {
        bail!("{rev:?} is not a revision");
    }
    Ok(rev)
}

/// `x.y.z` from `git version x.y.z…` (`2.39.3 (Apple Git-145)`, `2.45.0.windows.1`).
fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let v = text.trim().strip_prefix("git version ")?;
    let mut nums = v.split_whitespace().next()?.split('.').map(|p| {
        let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u32>().ok()
    });
    let (major, minor) = (nums.next()??, nums.next()??);
    Some((major, minor, nums.next().flatten().unwrap_or(0)))
}

/// git's version, or an error saying git is missing or older than [`MIN_GIT`].
pub fn version() -> Result<(u32, u32, u32)> {
    let (shown, out) = output(None, &["--version"], None, &[])?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v = parse_version(&text)
        .with_context(|| format!("{shown}: cannot read a version in {:?}", text.trim()))?;
    if (v.0, v.1) < MIN_GIT {
        bail!("git {}.{}.{} is too old: {NEED}", v.0, v.1, v.2);
    }
    Ok(v)
}

/// The top directory of the repository `dir` is in.
pub fn toplevel(dir: &Path) -> Result<PathBuf> {
    let mut out = run(dir, &["rev-parse", "--show-toplevel"])?;
    if out.last() == Some(&b'\n') {
        out.pop();
    }
    Ok(PathBuf::from(OsString::from_vec(out)))
}

/// The full commit id `rev` names in `repo`.
pub fn rev_parse(repo: &Path, rev: &str) -> Result<String> {
    let spec = format!("{}^{{commit}}", rev_arg(rev)?);
    let out = run(repo, &["rev-parse", "--verify", "--quiet", &spec])
        .with_context(|| format!("{rev:?} does not name a commit"))?;
    Ok(String::from_utf8_lossy(&out).trim().to_string())
}

/// `git diff` of two commits with [`DIFF`]'s options and `opts`.
fn diff(repo: &Path, opts: &str, base: &str, head: &str) -> Result<Vec<u8>> {
    let mut args = words(DIFF);
    args.extend(words(opts));
    args.extend([rev_arg(base)?, rev_arg(head)?, "--"].map(OsString::from));
    run(repo, &args)
}

/// The change from `base` to `head` as a patch `git apply` takes: binary
/// files included, full object ids, renames as a deletion and an addition
/// (so that every path in it carries its mode).
pub fn diff_binary(repo: &Path, base: &str, head: &str) -> Result<Vec<u8>> {
    let opts = "--binary --full-index --no-renames --src-prefix=a/ --dst-prefix=b/";
    diff(repo, opts, base, head)
}

/// `git diff --raw -z --no-abbrev -M`: one record per changed file.
pub fn diff_raw_z(repo: &Path, base: &str, head: &str) -> Result<Vec<u8>> {
    diff(repo, "--raw -z --no-abbrev -M", base, head)
}

/// The content of the blob at `path` in commit `rev` (a symlink's target).
pub fn blob(repo: &Path, rev: &str, path: &[u8]) -> Result<Vec<u8>> {
    let mut spec = format!("{}:", rev_arg(rev)?).into_bytes();
    spec.extend_from_slice(path);
    run(
        repo,
        &[
            OsString::from("cat-file"),
            "blob".into(),
            OsString::from_vec(spec),
        ],
    )
}

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn versions_are_read_and_checked() {
        assert_eq!(parse_version("git version 2.47.3\n"), Some((2, 47, 3)));
        assert_eq!(
            parse_version("git version 2.39.3 (Apple Git-145)"),
            Some((2, 39, 3))
        );
        assert_eq!(
            parse_version("git version 2.45.0.windows.1"),
            Some((2, 45, 0))
        );
        assert_eq!(parse_version("git version 3.0"), Some((3, 0, 0)));
        assert_eq!(parse_version("hello"), None);
        let v = version().unwrap();
        assert!((v.0, v.1) >= MIN_GIT, "{v:?}");
    }
}
