//! Where a run keeps its files (DESIGN.md section 2, "State directory"), and
//! the write policy: every path muster-run writes is made here, from the
//! state directory and ids that passed `muster_shared::id::is_valid` (letters,
//! digits, `.`, `_`, `-`, not starting with `.`), so no id can lead outside.

use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

/// The paths of one run.
#[derive(Debug, Clone)]
pub struct RunPaths {
    /// The state directory (`.muster/`).
    pub state: PathBuf,
    /// The run.
    pub run_id: String,
}

impl RunPaths {
    /// The paths of run `run_id` under `state`; refuses an id that is not
    /// valid (it would name a path).
    pub fn new(state: &Path, run_id: &str) -> Result<RunPaths> {
        check_id("run id", run_id)?;
        Ok(RunPaths {
            state: state.to_path_buf(),
            run_id: run_id.to_string(),
        })
    }

    /// `.muster/runs/<RUN_ID>/`.
    pub fn run_dir(&self) -> PathBuf {
        self.state.join("runs").join(&self.run_id)
    }

    /// `.muster/runs/<RUN_ID>/<TASK_ID>/`: the task's bundle.
    pub fn task_dir(&self, task: &str) -> Result<PathBuf> {
        check_id("task id", task)?;
        Ok(self.run_dir().join(task))
    }

    /// `.muster/worktrees/<RUN_ID>/<TASK_ID>/`.
    pub fn worktree(&self, task: &str) -> Result<PathBuf> {
        check_id("task id", task)?;
        Ok(self.state.join("worktrees").join(&self.run_id).join(task))
    }

    /// `.muster/runs/<RUN_ID>/cancel/`: one file per cancel request (`run`
    /// for the whole run, else the task id), holding the reason.
    pub fn cancel_dir(&self) -> PathBuf {
        self.run_dir().join("cancel")
    }

    /// The branch of a task: `muster/<RUN_ID>/<TASK_ID>`.
    pub fn branch(&self, task: &str) -> Result<String> {
        check_id("task id", task)?;
        Ok(format!("muster/{}/{task}", self.run_id))
    }
}

/// Refuses an id that could name a path outside the state directory.
pub fn check_id(what: &str, id: &str) -> Result<()> {
    if !muster_shared::id::is_valid(id) {
        bail!("{what} {id:?} is not valid (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit); nothing was written for it");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ids_are_refused() {
        let p = RunPaths::new(Path::new("/r/.muster"), "run_1").unwrap();
        for bad in ["../x", "..", "a/b", "", ".hidden", "a\0b", "/abs"] {
            assert!(p.task_dir(bad).is_err(), "{bad:?}");
            assert!(p.worktree(bad).is_err(), "{bad:?}");
            assert!(RunPaths::new(Path::new("/r"), bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            p.task_dir("T-1").unwrap(),
            Path::new("/r/.muster/runs/run_1/T-1")
        );
        assert_eq!(p.branch("T-1").unwrap(), "muster/run_1/T-1");
    }
}
