//! `--into BRANCH`: the combined tree as a commit on a branch. The commit's
//! parent is the base; the branch is made, or moved, with a compare-and-swap
//! (`git update-ref NEW OLD`), and only from where it may be moved: nowhere
//! (a new branch), the base, or an earlier integration commit of the same
//! run (integrating again). A branch checked out in a worktree is refused,
//! as `git branch -f` refuses it: its working tree would silently lag.
//! Nothing else in the repository changes.

use anyhow::{bail, Result};
use muster_shared::git;
use std::ffi::OsStr;
use std::path::Path;

/// The first line of every integration commit's message.
pub fn subject(run_id: &str) -> String {
    format!("muster-integrate {run_id}")
}

/// Checks `branch` may be moved to an integration of `run_id` on `base`:
/// a valid branch name, not checked out, and new, at the base, or at an
/// earlier integration of the run. Returns its full ref and where it is.
pub fn check_branch(
    repo: &Path,
    branch: &str,
    base: &str,
    run_id: &str,
) -> Result<(String, Option<String>)> {
    if branch.starts_with('-') {
        bail!("--into {branch:?}: not a branch name");
    }
    let (_, out) = git::output(
        Some(repo),
        &["check-ref-format", "--branch", branch],
        None,
        &[],
    )?;
    if !out.status.success() {
        bail!("--into {branch:?}: not a valid branch name");
    }
    let full = format!("refs/heads/{branch}");
    let list = git::run(repo, &["worktree", "list", "--porcelain"])?;
    let want = format!("branch {full}");
    if String::from_utf8_lossy(&list).lines().any(|l| l == want) {
        bail!("--into {branch}: that branch is checked out in a worktree; muster-integrate never changes a working tree (use another branch)");
    }
    let old = match git::output(
        Some(repo),
        &["rev-parse", "--verify", "--quiet", &full],
        None,
        &[],
    )? {
        (_, out) if out.status.success() => {
            Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
        }
        _ => None,
    };
    if let Some(old) = old.as_deref().filter(|o| *o != base) {
        let parent = git::run(
            repo,
            &["rev-parse", "--verify", "--quiet", &format!("{old}^1")],
        )
        .ok();
        let message = git::run(repo, &["log", "-1", "--format=%s", old])?;
        let ours = parent
            .as_deref()
            .map(|p| String::from_utf8_lossy(p).trim().to_string())
            == Some(base.to_string())
            && String::from_utf8_lossy(&message).trim() == subject(run_id);
        if !ours {
            bail!("--into {branch}: the branch is at {old}, which is neither the base nor an earlier integration of {run_id}; choose another branch or delete it (git branch -D {branch})");
        }
    }
    Ok((full, old))
}

/// Commits `tree` with parent `base` and points `branch` at it; the commit.
/// `date` (`@<unix seconds> +0000`) makes the commit id reproducible.
pub fn commit(
    repo: &Path,
    run_id: &str,
    base: &str,
    tree: &str,
    branch: &str,
    body: &str,
    date: &str,
) -> Result<String> {
    let (full, old) = check_branch(repo, branch, base, run_id)?;
    let subject = subject(run_id);
    let message = format!("{subject}\n\n{body}");
    let env: [(&str, &OsStr); 2] = [
        ("GIT_AUTHOR_DATE", OsStr::new(date)),
        ("GIT_COMMITTER_DATE", OsStr::new(date)),
    ];
    let args = ["commit-tree", tree, "-p", base, "-F", "-"];
    let out = git::run_with(repo, &args, Some(message.as_bytes()), &env)?;
    let commit = String::from_utf8_lossy(&out).trim().to_string();
    // Compare and swap: the branch must still be where it was read.
    // (An empty old value: the branch must not exist.)
    let expect = old.as_deref().unwrap_or("");
    git::run(
        repo,
        &["update-ref", "-m", &subject, &full, &commit, expect],
    )?;
    Ok(commit)
}
