//! `muster.scope-report/v1`: a change checked against a task's allow and deny globs.

use crate::diff::ChangeKind;
use crate::error::Status;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The verdict on a change: every file, how it was decided, and the violations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeReport {
    /// Always `muster.scope-report/v1`.
    pub schema: String,
    /// PASS when every file is allowed; BLOCKED when any is not.
    pub status: Status,
    /// The allowlist checked against.
    pub allow: Vec<String>,
    /// The denylist (deny beats allow).
    pub deny: Vec<String>,
    /// Every changed file, in input order.
    pub files: Vec<ScopedFile>,
    /// The files that are not allowed, and why.
    pub violations: Vec<Violation>,
}

/// One changed file and its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopedFile {
    /// The path after the change (the deleted path for a deletion). Bytes
    /// that are not UTF-8 are shown as U+FFFD.
    pub path: String,
    /// What happened to it.
    pub change: ChangeKind,
    /// For renames and copies, the source.
    pub old_path: Option<String>,
    /// The mode after the change (`100644`, `100755`, `120000` symlink,
    /// `160000` gitlink), when the input says.
    pub mode: Option<String>,
    /// Whether git calls it binary (flagged, not a violation by itself).
    pub binary: bool,
    /// Whether the change is inside the scope.
    pub allowed: bool,
    /// What decided: `allow 'P'`, `deny 'P'`, `protected 'P'`, or a rule such
    /// as `path escapes the repo`; null when no pattern matched.
    pub decided_by: Option<String>,
}

/// A file outside the scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Violation {
    /// The path.
    pub path: String,
    /// What happened to it.
    pub change: ChangeKind,
    /// Why it is not allowed.
    pub reason: String,
}

impl super::Document for ScopeReport {
    const SCHEMA: &'static str = "muster.scope-report/v1";

    fn schema_field(&self) -> Option<&str> {
        Some(&self.schema)
    }
}
