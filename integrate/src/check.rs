//! `--check CMD`: a merge queue's "test the result before it lands". The
//! combined tree is checked out into a scratch directory of the run (never
//! the repository's own working tree), `sh -c CMD` runs there, and its exit
//! code decides. `--bisect` then finds the smallest failing prefix of the
//! applied tasks: the base is taken to pass and the whole to fail, so n
//! tasks take at most ceil(log2 n) more runs.

use anyhow::{Context, Result};
use muster_shared::git;
use muster_shared::schema::{CheckResult, CheckRun};
use muster_shared::Status;
use std::ffi::OsStr;
use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

/// Where a check runs and what it gets.
pub struct Checker<'a> {
    /// The repository.
    pub repo: &'a Path,
    /// A scratch directory of the run: the checkout and its index go here.
    pub work: &'a Path,
    /// The command, for `sh -c`.
    pub command: &'a str,
    /// Put in the command's environment (MUSTER_RUN_ID, MUSTER_BASE, ...).
    pub env: Vec<(String, String)>,
}

impl Checker<'_> {
    /// Checks out `tree`, runs the command there with its output in `log`,
    /// and removes the checkout. Returns the exit code (None: a signal).
    pub fn run(&self, tree: &str, log: &Path) -> Result<Option<i32>> {
        let dir = self.work.join("tree");
        let index = self.work.join("check.index");
        for stale in [&dir, &index] {
            remove(stale)?;
        }
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let env: [(&str, &OsStr); 1] = [("GIT_INDEX_FILE", index.as_os_str())];
        git::run_with(self.repo, &["read-tree", tree], None, &env)?;
        let work_tree = format!("--work-tree={}", dir.display());
        let args = [work_tree.as_str(), "checkout-index", "--all", "--force"];
        git::run_with(self.repo, &args, None, &env)?;
        let out = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone().context("sharing the check's log")?;
        let status = Command::new("sh")
            .arg("-c")
            .arg(self.command)
            .current_dir(&dir)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("MUSTER_TREE", tree)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .status()
            .with_context(|| format!("running the check `{}`", self.command))?;
        for done in [&dir, &index] {
            remove(done)?;
        }
        Ok(status.code())
    }
}

impl Checker<'_> {
    /// Runs the check on `tree` (holding all `applied` tasks), its log in
    /// `out/LOGS/check-N.log`; when it fails and `bisect` is on, on prefixes
    /// of `applied` (`prefix_tree(n)`: the tree of the first n) to name the
    /// task that first makes it fail. `logs` gets each log's name.
    #[allow(clippy::too_many_arguments)]
    pub fn check(
        &self,
        out: &Path,
        tree: &str,
        applied: &[String],
        bisect: bool,
        prefix_tree: impl Fn(usize) -> Result<String>,
        logs: &mut Vec<String>,
        progress: &dyn Fn(&str),
    ) -> Result<CheckResult> {
        let logs_dir = out.join("LOGS");
        std::fs::create_dir_all(&logs_dir)
            .with_context(|| format!("creating {}", logs_dir.display()))?;
        let mut runs: Vec<CheckRun> = Vec::new();
        let mut once = |n: usize, tree: &str| -> Result<bool> {
            let name = format!("LOGS/check-{}.log", runs.len() + 1);
            progress(&format!(
                "checking {n} of {} tasks: {}",
                applied.len(),
                self.command
            ));
            let code = self.run(tree, &out.join(&name))?;
            logs.push(name.clone());
            runs.push(CheckRun {
                tasks: n,
                tree: tree.to_string(),
                exit_code: code,
                log: name,
            });
            Ok(code != Some(0))
        };
        let failed = once(applied.len(), tree)?;
        let mut culprit = None;
        if failed && bisect && !applied.is_empty() {
            let first_bad = self::bisect(applied.len(), |n| {
                let t = prefix_tree(n)?;
                once(n, &t)
            })?;
            culprit = applied.get(first_bad - 1).cloned();
        }
        Ok(CheckResult {
            command: self.command.to_string(),
            status: if failed {
                Status::Blocked
            } else {
                Status::Pass
            },
            runs,
            culprit,
        })
    }
}

/// Removes a file or a directory tree, if there.
fn remove(path: &Path) -> Result<()> {
    let r = match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(_) => return Ok(()),
    };
    r.with_context(|| format!("removing {}", path.display()))
}

/// The smallest `k` in `1..=n` for which `fails(k)` holds, given that
/// `fails(n)` does (already seen) and `fails(0)` is taken not to: binary
/// search, `fails` called at most ceil(log2 n) times, never on 0 or n.
pub fn bisect(n: usize, mut fails: impl FnMut(usize) -> Result<bool>) -> Result<usize> {
    let (mut good, mut bad) = (0, n);
    while bad - good > 1 {
        let mid = good + (bad - good) / 2;
        if fails(mid)? {
            bad = mid;
        } else {
            good = mid;
        }
    }
    Ok(bad)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn bisect_finds_the_first_failing_prefix_in_log2_runs() {
        for n in 1..=40usize {
            for culprit in 1..=n {
                let mut runs = 0;
                let got = bisect(n, |k| {
                    assert!(k > 0 && k < n);
                    runs += 1;
                    Ok(k >= culprit)
                })
                .unwrap();
                assert_eq!(got, culprit, "n={n}");
                let most = (usize::BITS - (n - 1).leading_zeros()) as usize;
                assert!(runs <= most, "n={n} culprit={culprit} runs={runs}");
            }
        }
    }
}
