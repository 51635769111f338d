//! The git commands muster-run needs, run as child processes with the
//! repository given explicitly (`git -C`), each failure an error naming the
//! command and git's stderr.

use anyhow::{bail, Context, Result};
pub use muster_shared::git::{
    blob, diff_binary, diff_raw_z, rev_parse, toplevel, version, MIN_GIT,
};
use muster_shared::git::{rev_arg, stderr_line, words};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Output;

/// A commit by muster: no hooks, no signing, no background gc.
const COMMIT: &str = "-c core.hooksPath=/dev/null -c commit.gpgsign=false -c gc.auto=0 \
                      -c maintenance.auto=false commit -q --no-verify --allow-empty-message -m";

/// Runs `git [-C dir] args…` with stdin closed (see `muster_shared::git`).
fn output<S: AsRef<OsStr>>(dir: Option<&Path>, args: &[S]) -> Result<(String, Output)> {
    muster_shared::git::output(dir, args, None, &[])
}

/// Runs git in `dir` with `input` on its stdin; its stdout, or an error
/// naming the command.
pub fn with_input(dir: &Path, args: &[&str], input: &[u8]) -> Result<Vec<u8>> {
    muster_shared::git::run_with(dir, args, Some(input), &[])
}

/// Runs git in `dir`; its stdout, or an error naming the command.
pub fn stdout(dir: &Path, args: &[&str]) -> Result<Vec<u8>> {
    git(dir, args)
}

/// Runs git in `dir` and returns its stdout, or an error naming the command.
fn git<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Result<Vec<u8>> {
    muster_shared::git::run(dir, args)
}

/// Whether `path` is a registered worktree of `repo`.
fn is_worktree(repo: &Path, path: &Path) -> Result<bool> {
    let want = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let list = git(repo, &["worktree", "list", "--porcelain", "-z"])?;
    Ok(list
        .split(|&b| b == 0)
        .filter_map(|f| f.strip_prefix(b"worktree "))
        .any(|p| Path::new(OsStr::from_bytes(p)) == want))
}

/// Held while a worktree is added or removed: git does not take these
/// concurrently in one repository ("failed to read .git/worktrees/<name>/
/// commondir" now and then), and muster-run starts and collects tasks on
/// several threads.
fn worktree_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `git worktree add -B <branch> <path> <base>`: a new worktree at `path`
/// on a branch made at `base` (reset there if it exists from an earlier,
/// interrupted attempt).
pub fn worktree_add(repo: &Path, path: &Path, branch: &str, base: &str) -> Result<()> {
    let _one_at_a_time = worktree_lock();
    let path = std::path::absolute(path)?;
    let mut args = words("worktree add -B");
    args.extend([
        rev_arg(branch)?.into(),
        path.clone().into(),
        rev_arg(base)?.into(),
    ]);
    if git(repo, &args).is_ok() {
        return Ok(());
    }
    // A worktree left at `path` by an interrupted run holds the branch (or
    // the directory): remove it, prune, and try once more.
    remove_locked(repo, &path)?;
    git(repo, &args).map(|_| ())
}

/// Removes the worktree at `path` (forced, even when locked; the branch
/// stays), and prunes.
/// A path that is not a worktree (any more) is left alone, and is no error.
/// One git cannot remove, left half made by a `worktree add` that was cut
/// off (its muster-run killed, then git by SIGPIPE on its stderr: still
/// locked "initializing", its `.git` file not written yet), is deleted and
/// unregistered by hand: muster made it, and only muster works there.
pub fn worktree_remove(repo: &Path, path: &Path) -> Result<()> {
    let _one_at_a_time = worktree_lock();
    remove_locked(repo, path)
}

/// [`worktree_remove`], the lock held.
fn remove_locked(repo: &Path, path: &Path) -> Result<()> {
    let path = std::path::absolute(path)?;
    // Forced twice: also when locked.
    let mut args = words("worktree remove --force --force");
    args.push(path.clone().into());
    let removed = git(repo, &args);
    git(repo, &["worktree", "prune"])?;
    let Err(refused) = removed else {
        return Ok(());
    };
    if !is_worktree(repo, &path)? {
        return Ok(());
    }
    match std::fs::remove_dir_all(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
    }
    let mut unlock = words("worktree unlock");
    unlock.push(path.clone().into());
    let _ = git(repo, &unlock); // not locked: nothing to undo
    git(repo, &["worktree", "prune"])?;
    if is_worktree(repo, &path)? {
        return Err(refused);
    }
    Ok(())
}

/// Removes the index lock of the worktree at `path`, left by a git command
/// that was killed: only safe when no git command runs there (muster-run
/// resuming a run).
pub fn clear_index_lock(path: &Path) -> Result<()> {
    let lock = git(path, &["rev-parse", "--git-path", "index.lock"])?;
    let lock = String::from_utf8_lossy(&lock).trim().to_string();
    let lock = std::path::PathBuf::from(lock);
    let lock = if lock.is_absolute() {
        lock
    } else {
        path.join(lock)
    };
    match std::fs::remove_file(&lock) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", lock.display())),
    }
}

/// Commits everything in the worktree (`git add -A`, then a commit with
/// `message` by a fixed muster identity, no hooks, no signing) when there is
/// anything to commit. Returns the branch's head commit either way.
pub fn commit_all(worktree: &Path, message: &str) -> Result<String> {
    git(worktree, &["add", "-A"])?;
    let quiet = ["diff", "--cached", "--quiet", "--ignore-submodules=none"];
    let (shown, out) = output(Some(worktree), &quiet)?;
    match out.status.code() {
        Some(0) => {} // nothing staged
        Some(1) => {
            let mut args = words(COMMIT);
            args.push(message.into());
            git(worktree, &args)?;
        }
        _ => bail!("{shown}: {}", stderr_line(&out)),
    }
    rev_parse(worktree, "HEAD")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Runs git in `dir` for a test, panicking on failure; returns stdout.
    pub(crate) fn sh(dir: &Path, args: &[&str]) -> String {
        let out = git(dir, args).unwrap_or_else(|e| panic!("{e:#}"));
        String::from_utf8_lossy(&out).trim().to_string()
    }

    /// A repository with a few committed files: a text file to modify, one
    /// to delete, one to rename, a binary file, a script to make executable,
    /// and `src/lib.rs`. Returns the temp dir, the repo and the base commit.
    pub(crate) fn fixture() -> (tempfile::TempDir, std::path::PathBuf, String) {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        sh(&repo, &["init", "-q", "-b", "main"]);
        sh(&repo, &["config", "user.name", "t"]);
        sh(&repo, &["config", "user.email", "t@t"]);
        let w = |p: &str, b: &[u8]| std::fs::write(repo.join(p), b).unwrap();
        std::fs::create_dir(repo.join("src")).unwrap();
        w("a.txt", b"one\ntwo\n");
        w("del.txt", b"delete me\n");
        w(
            "old.txt",
            b"a file long enough to be found again after a rename\n",
        );
        w("img.bin", &[0, 1, 2, 3, 255, 0, 7]);
        w("run.sh", b"#!/bin/sh\necho hi\n");
        w("src/lib.rs", b"pub fn f() {}\n");
        sh(&repo, &["add", "-A"]);
        sh(&repo, &["commit", "-q", "-m", "base"]);
        let base = sh(&repo, &["rev-parse", "HEAD"]);
        (tmp, repo, base)
    }

    #[test]
    fn worktree_round_trip() {
        let (tmp, repo, base) = fixture();
        assert_eq!(
            toplevel(&repo.join("src")).unwrap(),
            repo.canonicalize().unwrap()
        );
        assert_eq!(rev_parse(&repo, "main").unwrap(), base);
        let e = format!("{:#}", rev_parse(&repo, "nope").unwrap_err());
        assert!(e.contains("git -C") && e.contains("rev-parse"), "{e}");
        assert!(rev_parse(&repo, "--all").is_err());

        let wt = tmp.path().join("wt/T1");
        worktree_add(&repo, &wt, "muster/r1/T1", &base).unwrap();
        assert_eq!(
            commit_all(&wt, "nothing").unwrap(),
            base,
            "no change, no commit"
        );
        std::fs::write(wt.join("new.txt"), "new\n").unwrap();
        let head = commit_all(&wt, "T1: work").unwrap();
        assert_ne!(head, base);
        assert_eq!(sh(&wt, &["rev-parse", "HEAD~"]), base);
        assert_eq!(
            sh(&wt, &["log", "-1", "--format=%an <%ae> %s"]),
            "muster <muster@localhost> T1: work"
        );
        assert_eq!(commit_all(&wt, "again").unwrap(), head);

        worktree_remove(&repo, &wt).unwrap();
        assert!(!wt.exists());
        assert_eq!(
            rev_parse(&repo, "muster/r1/T1").unwrap(),
            head,
            "the branch stays"
        );
        worktree_remove(&repo, &wt).unwrap(); // not a worktree any more: fine
        let plain = tmp.path().join("plain");
        std::fs::create_dir(&plain).unwrap();
        worktree_remove(&repo, &plain).unwrap();
        assert!(
            plain.exists(),
            "a directory that is not a worktree is left alone"
        );

        // A rerun: the branch exists; it is reset to the base.
        worktree_add(&repo, &wt, "muster/r1/T1", &base).unwrap();
        assert_eq!(rev_parse(&wt, "HEAD").unwrap(), base);
        assert!(!wt.join("new.txt").exists());

        // An interrupted run left the worktree registered (with work in it),
        // or registered with its directory gone.
        std::fs::write(wt.join("junk"), "x").unwrap();
        worktree_add(&repo, &wt, "muster/r1/T1", &base).unwrap();
        assert!(!wt.join("junk").exists());
        std::fs::remove_dir_all(&wt).unwrap();
        worktree_add(&repo, &wt, "muster/r1/T1", &base).unwrap();
        assert_eq!(rev_parse(&wt, "HEAD").unwrap(), base);

        // A `worktree add` cut off: still locked, its `.git` file empty.
        let admin = sh(&wt, &["rev-parse", "--absolute-git-dir"]);
        std::fs::write(Path::new(&admin).join("locked"), "initializing\n").unwrap();
        std::fs::write(wt.join(".git"), "").unwrap();
        worktree_add(&repo, &wt, "muster/r1/T1", &base).unwrap();
        assert_eq!(rev_parse(&wt, "HEAD").unwrap(), base);
        std::fs::write(Path::new(&admin).join("locked"), "initializing\n").unwrap();
        worktree_remove(&repo, &wt).unwrap();
        assert!(!wt.exists());
        worktree_add(&repo, &wt, "muster/r1/T1", &base).unwrap();

        let e = format!(
            "{:#}",
            worktree_add(&repo, &plain, "b2", "nope").unwrap_err()
        );
        assert!(e.contains("worktree add"), "{e}");
        worktree_remove(&repo, &wt).unwrap();
    }
}
