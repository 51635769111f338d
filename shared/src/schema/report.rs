//! `muster.report/v1`: what a worker may write for itself (`REPORT.json`).

use super::tasks::Effort;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A worker's own report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerReport {
    /// Always `muster.report/v1`.
    pub schema: String,
    /// What it did, in words.
    #[serde(default)]
    pub summary: String,
    /// Work it found that should be a task of its own.
    #[serde(default)]
    pub spawn_candidates: Vec<SpawnCandidate>,
    /// Questions for a person.
    #[serde(default)]
    pub escalations: Vec<ReportEscalation>,
    /// Free-form numbers (`cost` counts against the run's budget).
    #[serde(default)]
    pub metrics: serde_json::Map<String, serde_json::Value>,
}

/// Work a worker found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpawnCandidate {
    /// The goal of the new task.
    pub subtask: String,
    /// Its write allowlist.
    pub touches: Vec<String>,
    /// Its size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<Effort>,
    /// Whether it needs a person's answer.
    #[serde(default)]
    pub user_input: bool,
    /// `low`, `medium`, `high` or `critical` (critical stops the loop).
    #[serde(default = "medium")]
    pub severity: String,
}

fn medium() -> String {
    "medium".into()
}

/// A question a worker raises.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportEscalation {
    /// The question.
    pub question: String,
    /// The options.
    #[serde(default)]
    pub options: Vec<String>,
    /// What the worker recommends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<String>,
}

impl super::Document for WorkerReport {
    const SCHEMA: &'static str = "muster.report/v1";

    fn schema_field(&self) -> Option<&str> {
        Some(&self.schema)
    }
}
