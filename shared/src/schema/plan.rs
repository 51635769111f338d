//! `muster.plan/v1` (what `muster-plan` writes) and `muster.batch/v1` (what
//! `muster-plan next` says), DESIGN.md sections 3 and 5.

use super::tasks::Task;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A checked task graph and its schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Always `muster.plan/v1`.
    pub schema: String,
    /// Every task, sorted by id, with its role, mode and wave.
    pub tasks: Vec<Task>,
    /// The waves, in order; each wave's ids critical path first, then by id.
    pub waves: Vec<Vec<String>>,
    /// What may start now: the first wave, in its order.
    pub ready: Vec<String>,
    /// Pairs of tasks that may not run at the same time, sorted by (a, b):
    /// enough pairs to order every conflicting pair (each conflicting pair
    /// is listed, or ordered through a chain of listed ones), or every
    /// conflicting pair with `muster-plan --all-conflicts`.
    pub conflicts: Vec<Conflict>,
    /// The longest chain of dependencies by weight.
    pub critical_path: CriticalPath,
    /// How many tasks may run at once (limits dispatch, not wave size).
    pub max_outstanding: u32,
    /// Counts.
    pub stats: PlanStats,
}

/// Two tasks that may not run at the same time.
///
/// The strings are shared (`Arc<str>`): a plan of 100k tasks lists hundreds
/// of thousands of pairs that name the same ids, reasons and witnesses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Conflict {
    /// The smaller id.
    pub a: Arc<str>,
    /// The larger id.
    pub b: Arc<str>,
    /// Why: the two patterns that overlap.
    pub reason: Arc<str>,
    /// A path both patterns take; None when the patterns were too complex
    /// to intersect exactly and the pair is kept apart to be safe (the
    /// reason says so).
    pub witness: Option<Arc<str>>,
}

/// The longest chain of dependencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CriticalPath {
    /// The sum of the weights along it (effort weights, or `est_s`).
    pub length: f64,
    /// Its tasks, first to last.
    pub tasks: Vec<String>,
}

/// A plan's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanStats {
    /// Tasks.
    pub tasks: usize,
    /// Dependency edges.
    pub deps: usize,
    /// Waves.
    pub waves: usize,
    /// Conflicting pairs.
    pub conflicts: usize,
    /// The largest wave.
    pub widest_wave: usize,
}

/// What may be dispatched now, and why the rest waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// Always `muster.batch/v1`.
    pub schema: String,
    /// Tasks to start now, in plan order.
    pub dispatch: Vec<String>,
    /// Tasks not done, not running and not dispatched, and why.
    pub waiting: Vec<Waiting>,
    /// Set when the loop should stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
}

/// A task that waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiting {
    /// The task.
    pub id: String,
    /// `deps` (dependencies not done), `lock` (a running task holds a
    /// conflicting allowlist or the resource), `needs_user_input`,
    /// `blocked` (a dependency failed), `max_outstanding` (no free slot).
    pub why: String,
    /// The tasks it waits on, when there are some.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on: Vec<String>,
}

/// Why the loop stops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stop {
    /// `all_done`, `needs_user_input`, `critical_spawn`,
    /// `spawn_budget_spent` or `no_progress`.
    pub reason: String,
}

impl super::Document for Plan {
    const SCHEMA: &'static str = "muster.plan/v1";

    fn schema_field(&self) -> Option<&str> {
        Some(&self.schema)
    }
}

impl super::Document for Batch {
    const SCHEMA: &'static str = "muster.batch/v1";

    fn schema_field(&self) -> Option<&str> {
        Some(&self.schema)
    }
}
