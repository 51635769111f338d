//! `muster.run/v1` (what `muster-run` writes) and `muster.status/v1` (a
//! bundle's STATUS.json), DESIGN.md sections 3 and 7.

use super::state::TaskStatus;
use crate::error::Status;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A run: every task of its plan, how it ended and where its bundle is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunDoc {
    /// Always `muster.run/v1`.
    pub schema: String,
    /// The run.
    pub run_id: String,
    /// The commit every worktree started from.
    pub base: String,
    /// PASS when every task is done and in scope; BLOCKED when a task left
    /// its scope or the loop stopped (stuck, timed out, failed, cancelled,
    /// budget, needs user input); FAIL when muster could not do the job.
    pub status: Status,
    /// Why the loop stopped, when it stopped before every task ended.
    pub stop: Option<String>,
    /// Every task of the plan, in plan order.
    pub tasks: Vec<RunTask>,
    /// When the run started (RFC 3339 UTC).
    pub started: String,
    /// When this invocation finished.
    pub finished: String,
}

/// One task of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunTask {
    /// The task.
    pub id: String,
    /// Where it stands.
    pub status: TaskStatus,
    /// Its bundle directory, relative to the repo root, once written.
    pub bundle: Option<String>,
}

/// A bundle's STATUS.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusDoc {
    /// Always `muster.status/v1`.
    pub schema: String,
    /// The task's status.
    pub status: TaskStatus,
    /// The worker's exit code, when it exited by itself.
    pub exit_code: Option<i32>,
    /// Why, in words.
    pub reason: String,
}

impl super::Document for RunDoc {
    const SCHEMA: &'static str = "muster.run/v1";

    fn schema_field(&self) -> Option<&str> {
        Some(&self.schema)
    }
}

impl super::Document for StatusDoc {
    const SCHEMA: &'static str = "muster.status/v1";

    fn schema_field(&self) -> Option<&str> {
        Some(&self.schema)
    }
}
