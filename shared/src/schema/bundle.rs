//! `muster.bundle/v1`: a worker's bundle manifest (`MANIFEST.json`, DESIGN.md section 7).

use crate::diff::{ChangeKind, FileChange};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a worker's bundle holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Always `muster.bundle/v1`.
    pub schema: String,
    /// The run.
    pub run_id: String,
    /// The task.
    pub task_id: String,
    /// The commit the worker started from.
    pub base: String,
    /// The task's status (`done` for a worker that finished).
    pub status: String,
    /// The worker's exit code.
    pub exit_code: Option<i32>,
    /// How long the worker ran.
    pub duration_ms: u64,
    /// The files the worker changed.
    pub files_changed: Vec<BundleFile>,
    /// The scope the worker had.
    pub scope: BundleScope,
    /// Each file of the bundle (relative path) and its sha256.
    pub artifacts: BTreeMap<String, String>,
}

/// One changed file in a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleFile {
    /// The path after the change.
    pub path: String,
    /// What happened to it.
    pub change: ChangeKind,
    /// For renames and copies, the source.
    pub old_path: Option<String>,
    /// The mode after the change.
    pub mode: Option<String>,
    /// Whether git calls it binary.
    pub binary: bool,
}

/// A worker's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleScope {
    /// Globs the worker may write.
    pub allow: Vec<String>,
    /// Globs it may not.
    pub deny: Vec<String>,
}

impl super::Document for Bundle {
    const SCHEMA: &'static str = "muster.bundle/v1";

    fn schema_field(&self) -> Option<&str> {
        Some(&self.schema)
    }
}

impl From<&FileChange> for BundleFile {
    /// A changed file as a bundle lists it (paths that are not UTF-8 shown
    /// with U+FFFD).
    fn from(c: &FileChange) -> BundleFile {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        BundleFile {
            path: text(&c.path),
            change: c.change,
            old_path: c.old_path.as_deref().map(text),
            mode: c.new_mode.clone(),
            binary: c.binary,
        }
    }
}
