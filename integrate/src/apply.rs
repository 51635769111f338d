//! Applying patches in a fixed order onto a base commit, with git and
//! without a checkout: a scratch index (`GIT_INDEX_FILE`) is read from the
//! base (`git read-tree`), each patch applied to it (`git apply --cached`:
//! exact context, never fuzz; git refuses paths that leave the repository),
//! and the result written as a tree (`git write-tree`). Nothing in the
//! repository changes but new objects.

use anyhow::{Context, Result};
use muster_shared::git;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// One patch to apply: whose it is, and the file.
#[derive(Debug, Clone)]
pub struct Patch {
    /// The task.
    pub task: String,
    /// Its DIFF.patch.
    pub file: PathBuf,
}

/// What applying gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Combined {
    /// The tree of the base with every applied patch.
    pub tree: String,
    /// Each patch in order: applied (None), or refused with git's reason.
    pub results: Vec<(String, Option<String>)>,
}

/// Applies `patches` in order onto `base` in `repo`, with the scratch
/// index at `index` (a path in the run's directory; replaced). A patch git
/// refuses is left out and the next ones go on (the caller decides whether
/// a refusal blocks the whole).
pub fn apply(repo: &Path, base: &str, patches: &[Patch], index: &Path) -> Result<Combined> {
    let env: [(&str, &OsStr); 1] = [("GIT_INDEX_FILE", index.as_os_str())];
    if index.exists() {
        std::fs::remove_file(index).with_context(|| format!("removing {}", index.display()))?;
    }
    git::run_with(repo, &["read-tree", base], None, &env)?;
    let mut results = Vec::with_capacity(patches.len());
    for p in patches {
        let bytes = std::fs::read(&p.file)
            .with_context(|| format!("task {}: reading {}", p.task, p.file.display()))?;
        if bytes.is_empty() {
            results.push((p.task.clone(), None));
            continue;
        }
        let args = ["apply", "--cached", "--whitespace=nowarn", "-"];
        let (_, out) = git::output(Some(repo), &args, Some(&bytes), &env)?;
        let refused = (!out.status.success()).then(|| git::stderr_line(&out));
        results.push((p.task.clone(), refused));
    }
    let tree = git::run_with(repo, &["write-tree"], None, &env)?;
    Ok(Combined {
        tree: String::from_utf8_lossy(&tree).trim().to_string(),
        results,
    })
}
