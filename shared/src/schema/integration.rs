//! `muster.integration/v1`: what `muster-integrate` did with a run's
//! bundles (DESIGN.md sections 3, 5 and 7). The same document is written to
//! stdout and to `integrator/STATUS.json`, so the two always agree.

use crate::error::Status;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An integration: every task in the order it was taken, what became of
/// it, and the combined result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    /// Always `muster.integration/v1`.
    pub schema: String,
    /// The run.
    pub run_id: String,
    /// The commit every change is applied onto.
    pub base: String,
    /// PASS: every task applied (and the check passed). WARN: `--partial`
    /// left some tasks out and the rest applied. BLOCKED: a bundle, scope,
    /// overlap, patch, merge or check said no. FAIL: the job could not be
    /// done.
    pub status: Status,
    /// Why, in one line, when not PASS.
    pub reason: Option<String>,
    /// Every task, in the fixed order changes are applied (plan wave, then
    /// task id).
    pub order: Vec<String>,
    /// The tasks whose change is in the result, in order.
    pub applied: Vec<String>,
    /// Each task and what became of it, in order.
    pub tasks: Vec<IntegratedTask>,
    /// Paths that more than one task changed, sorted by path.
    pub overlaps: Vec<IntegrationOverlap>,
    /// Changed files outside their task's scope.
    pub scope_violations: Vec<IntegrationProblem>,
    /// Changes that could not be applied: git refused a patch, a path
    /// overlaps, or a three-way merge of a write-shared file conflicts (one
    /// entry per conflicting hunk, with its base line range).
    pub conflicts: Vec<IntegrationConflict>,
    /// The `--check` command on the combined tree, when one was given.
    pub check: Option<CheckResult>,
    /// The combined result.
    pub result: IntegrationResult,
}

/// What became of one task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegratedTask {
    /// The task.
    pub id: String,
    /// `applied`, `clean` (would apply, held back because the integration
    /// is blocked), `conflict`, `rejected` or `skipped`.
    pub outcome: TaskOutcome,
    /// Why, when not applied or clean.
    pub reason: Option<String>,
}

/// What became of a task's change.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TaskOutcome {
    /// In the result.
    Applied,
    /// Applies, but held back: the integration is blocked (no `--partial`).
    Clean,
    /// Overlaps an earlier task's change, or its three-way merge conflicts.
    Conflict,
    /// Its bundle is not valid, it left its scope, or git refused its patch.
    Rejected,
    /// It did not finish `done`, or has no bundle.
    Skipped,
}

/// A path more than one task changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationOverlap {
    /// The path.
    pub path: String,
    /// The tasks, in order.
    pub tasks: Vec<String>,
    /// What each did to it: `T1 modified it; T2 deleted it`.
    pub why: String,
    /// Whether every task declared it `write-shared`: merged three-way
    /// instead of refused.
    pub shared: bool,
}

/// One task's problem with one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationProblem {
    /// The task.
    pub task: String,
    /// The path.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// A change that could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationConflict {
    /// The task whose change could not be applied.
    pub task: String,
    /// The path (empty when git named none).
    pub path: String,
    /// Why, in git's words or ours.
    pub reason: String,
    /// For a three-way merge conflict: the first and last line of the base
    /// the conflicting hunk covers (1-based; `[n, n - 1]` is an insertion
    /// before line n).
    pub base_lines: Option<[u64; 2]>,
}

/// The `--check` command and what it said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckResult {
    /// The command (run with `sh -c` in a checkout of the tree).
    pub command: String,
    /// PASS when it exited 0 on the combined tree, else BLOCKED.
    pub status: Status,
    /// Each run, in the order made: the first on the whole result, then the
    /// prefixes `--bisect` tried.
    pub runs: Vec<CheckRun>,
    /// With `--bisect`: the task whose change first makes the check fail.
    pub culprit: Option<String>,
}

/// One run of the check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRun {
    /// How many of the applied tasks (in order) the checked tree holds.
    pub tasks: usize,
    /// The tree checked.
    pub tree: String,
    /// The command's exit code (None when a signal ended it).
    pub exit_code: Option<i32>,
    /// Its output (stdout and stderr), relative to the integrator directory.
    pub log: String,
}

/// The combined result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationResult {
    /// The tree of the base with every applied change, when the status is
    /// PASS or WARN.
    pub tree: Option<String>,
    /// With `--into`: the commit made (parent: the base).
    pub commit: Option<String>,
    /// With `--into`: the branch that now points at it.
    pub branch: Option<String>,
    /// The combined change as `git diff --binary` of the base and the tree
    /// (repo-relative path of `integrator/DIFF.patch`; empty when no tree).
    pub patch: String,
}

impl super::Document for Integration {
    const SCHEMA: &'static str = "muster.integration/v1";

    fn schema_field(&self) -> Option<&str> {
        Some(&self.schema)
    }
}
