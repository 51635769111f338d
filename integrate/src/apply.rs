//! Applying patches in a fixed order onto a base commit, with git and
//! without a checkout: a scratch index (`GIT_INDEX_FILE`) is read from the
//! base (`git read-tree`), the patches applied to it (`git apply --cached`:
//! exact context, never fuzz; git refuses paths that leave the repository or
//! go through a symlink), and the result written as a tree (`git
//! write-tree`). Nothing in the repository changes but new objects.
//!
//! The patches given here change disjoint paths (overlaps were taken out
//! before), so applying them one after another is applying them all at
//! once: [`apply`] first gives git every patch in one input (one process for
//! hundreds of tasks), and only when git refuses that goes through them one
//! by one, to learn whose patch it was.

use anyhow::{Context, Result};
use muster_shared::git;
use std::ffi::OsStr;
use std::path::Path;

/// One task's patch to apply.
#[derive(Debug, Clone)]
pub struct Part {
    /// The task.
    pub task: String,
    /// The patch (sections of its DIFF.patch).
    pub patch: Vec<u8>,
    /// The paths it changes, to name the one git refused.
    pub paths: Vec<String>,
}

/// A patch git would not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The task.
    pub task: String,
    /// The path git named (empty when it named none of the patch's).
    pub path: String,
    /// git's reason, one line.
    pub reason: String,
}

/// The environment that points git at the scratch index.
fn env(index: &Path) -> [(&'static str, &OsStr); 1] {
    [("GIT_INDEX_FILE", index.as_os_str())]
}

/// Reads `base` into the scratch index at `index` (replacing it).
pub fn reset(repo: &Path, base: &str, index: &Path) -> Result<()> {
    if index.exists() {
        std::fs::remove_file(index).with_context(|| format!("removing {}", index.display()))?;
    }
    git::run_with(repo, &["read-tree", base], None, &env(index))?;
    Ok(())
}

/// Applies `parts` in order onto `base` in `repo`, in the scratch index at
/// `index` (a path in the run's directory; replaced). A patch git refuses is
/// left out and the rest go on; the index then holds the base with every
/// other patch. Returns the refusals, in order.
pub fn apply(repo: &Path, base: &str, parts: &[Part], index: &Path) -> Result<Vec<Refused>> {
    reset(repo, base, index)?;
    let all: Vec<u8> = parts.iter().flat_map(|p| p.patch.iter().copied()).collect();
    if all.is_empty() || try_apply(repo, &all, index)?.is_none() {
        return Ok(Vec::new());
    }
    // git applies a patch whole or not at all: the index is still the base.
    let mut refused = Vec::new();
    for p in parts.iter().filter(|p| !p.patch.is_empty()) {
        if let Some(reason) = try_apply(repo, &p.patch, index)? {
            refused.push(Refused {
                task: p.task.clone(),
                path: named_path(&reason, &p.paths),
                reason,
            });
        }
    }
    Ok(refused)
}

/// `git apply --cached` of `patch` to the scratch index: None when it
/// applied, else git's reason.
fn try_apply(repo: &Path, patch: &[u8], index: &Path) -> Result<Option<String>> {
    let args = ["apply", "--cached", "--whitespace=nowarn", "-"];
    let (_, out) = git::output(Some(repo), &args, Some(patch), &env(index))?;
    Ok((!out.status.success()).then(|| git::stderr_line(&out)))
}

/// The path of `paths` git's message names, or "". git writes a path as
/// `: PATH:`, `: PATH` at the end, or `'PATH'` (`patch failed: a.txt:3`,
/// `b: already exists in index`, `affected file 'd/x' is beyond a symbolic
/// link`); the longest such wins, so that `a/b` beats `a`.
fn named_path(reason: &str, paths: &[String]) -> String {
    let names = |p: &str| {
        reason.contains(&format!(": {p}:"))
            || reason.contains(&format!("'{p}'"))
            || reason.ends_with(&format!(": {p}"))
    };
    paths
        .iter()
        .filter(|p| !p.is_empty() && names(p))
        .max_by_key(|p| p.len())
        .cloned()
        .unwrap_or_default()
}

/// Writes the scratch index as a tree; its id.
pub fn write_tree(repo: &Path, index: &Path) -> Result<String> {
    let tree = git::run_with(repo, &["write-tree"], None, &env(index))?;
    Ok(String::from_utf8_lossy(&tree).trim().to_string())
}

/// The mode and blob of `path` in the scratch index, when it is there.
pub fn entry(repo: &Path, index: &Path, path: &str) -> Result<Option<(String, String)>> {
    let args = ["ls-files", "-s", "-z", "--", path];
    let out = git::run_with(repo, &args, None, &env(index))?;
    let text = String::from_utf8_lossy(&out);
    let mut words = text.split([' ', '\t']);
    match (words.next(), words.next()) {
        (Some(mode), Some(blob)) if !mode.is_empty() => Ok(Some((mode.into(), blob.into()))),
        _ => Ok(None),
    }
}

/// Puts `blob` with `mode` at `path` in the scratch index.
pub fn set(repo: &Path, index: &Path, mode: &str, blob: &str, path: &str) -> Result<()> {
    let info = format!("{mode},{blob},{path}");
    let args = ["update-index", "--add", "--cacheinfo", info.as_str()];
    git::run_with(repo, &args, None, &env(index))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refused_path_is_the_longest_named() {
        let paths = vec!["a".to_string(), "a/b c".to_string(), "z".to_string()];
        let why = "error: patch failed: a/b c:3";
        assert_eq!(named_path(why, &paths), "a/b c");
        assert_eq!(named_path("error: a patch of nothing", &paths), "");
        let why = "error: affected file 'z' is beyond a symbolic link";
        assert_eq!(named_path(why, &paths), "z");
        assert_eq!(named_path("error: a: already exists in index", &paths), "a");
    }
}
