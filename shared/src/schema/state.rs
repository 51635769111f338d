//! `muster.state/v1`: what replaying the ledger for one run gives.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The state of one run, folded from its ledger events in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Always `muster.state/v1`.
    pub schema: String,
    /// The run.
    pub run_id: String,
    /// Each task of the run by id.
    pub tasks: BTreeMap<String, TaskState>,
    /// Write allowlists and resources held by running tasks, sorted by task.
    pub locks_held: Vec<LockHeld>,
    /// How many dispatch batches were sent.
    pub batches: u64,
    /// How many tasks workers spawned (the spawn budget counts these).
    pub spawned: u64,
    /// Spending so far.
    pub budgets: Budgets,
    /// Batches in a row after which no task had finished `done`.
    pub loops_without_progress: u64,
    /// The latest result of each gate, by gate name.
    pub gates: BTreeMap<String, GateState>,
    /// Approvals granted, in ledger order.
    pub approvals: Vec<Approval>,
    /// Approvals refused, in ledger order.
    pub denials: Vec<Denial>,
    /// The kill switch (global: not tied to the run).
    pub kill_switch: KillSwitch,
    /// Questions workers raised, in ledger order.
    pub escalations: Vec<Escalation>,
    /// Events folded: the run's, plus kill-switch events of any run.
    pub events: u64,
    /// Events of a type replay does not know, skipped.
    pub unknown_events: u64,
}

/// A task's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskState {
    /// Where it stands.
    pub status: TaskStatus,
    /// How many times it was dispatched.
    pub attempts: u32,
    /// When the latest attempt started.
    pub started: Option<String>,
    /// When the latest attempt ended.
    pub finished: Option<String>,
    /// The latest attempt's worktree.
    pub worktree: Option<String>,
}

/// Where a task stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Not dispatched yet (or queued again by a repair).
    Pending,
    /// Dispatched and not finished.
    Running,
    /// Finished with success.
    Done,
    /// Finished with failure.
    Failed,
    /// Killed at its timeout.
    TimedOut,
    /// Killed for making no progress.
    Stuck,
    /// Cancelled.
    Cancelled,
    /// Cannot run: a dependency failed, or a check said no.
    Blocked,
}

impl TaskStatus {
    /// The word used in documents: `pending`, `timed_out`, …
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Running => "running",
            TaskStatus::Done => "done",
            TaskStatus::Failed => "failed",
            TaskStatus::TimedOut => "timed_out",
            TaskStatus::Stuck => "stuck",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::Blocked => "blocked",
        }
    }

    /// The status for a word, if it is one.
    pub fn parse(s: &str) -> Option<TaskStatus> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

/// What a running task holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LockHeld {
    /// The task.
    pub task: String,
    /// Its write allowlist.
    pub touches: Vec<String>,
    /// Named counting locks it holds.
    pub resources: BTreeMap<String, u64>,
}

/// Spending so far.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Budgets {
    /// Sum of `metrics.cost` reported by finished workers.
    pub cost_spent: f64,
    /// The run's budget, when it has one.
    pub cost_limit: Option<f64>,
}

/// The latest result of one gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GateState {
    /// PASS, WARN, BLOCKED or FAIL.
    pub status: String,
    /// When it was evaluated.
    pub ts_utc: String,
}

/// An approval granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// `publish` or `lock`.
    pub action: String,
    /// Who approved.
    pub approver: String,
    /// In which role.
    pub role: String,
    /// Why.
    pub reason: String,
    /// The evidence hash the approval is bound to.
    pub evidence_hash: String,
    /// When.
    pub ts_utc: String,
}

/// An approval refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Denial {
    /// The action asked for: `publish` or `lock`.
    pub action: String,
    /// Who asked to approve.
    pub approver: String,
    /// In which role.
    pub role: String,
    /// The reason they gave.
    pub reason: String,
    /// The rule that refused it, like `role` or `self-approval`.
    pub rule: String,
    /// Why, in one line.
    pub why: String,
    /// When.
    pub ts_utc: String,
}

/// The kill switch.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KillSwitch {
    /// Whether it is on.
    pub active: bool,
    /// Who switched it last.
    pub by: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub since: Option<String>,
}

/// A question a worker raised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// The task that raised it.
    pub task_id: Option<String>,
    /// The question.
    pub question: String,
    /// The options offered.
    pub options: Vec<String>,
    /// What the worker recommends.
    pub recommendation: Option<String>,
    /// When.
    pub ts_utc: String,
}

impl super::Document for State {
    const SCHEMA: &'static str = "muster.state/v1";

    fn schema_field(&self) -> Option<&str> {
        Some(&self.schema)
    }
}
