//! `muster.tasks/v1`: the task list route and plan read (DESIGN.md section 3).
//! route adds `role` and `routing`; plan adds `mode` and `wave`. Optional
//! fields are left out of the output when absent, so a hand-written file
//! passes through the tools unchanged but for what they add.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A list of tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tasks {
    /// Always `muster.tasks/v1`.
    pub schema: String,
    /// The tasks.
    pub tasks: Vec<Task>,
}

/// One task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// Unique id: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`.
    pub id: String,
    /// What to do, in words.
    pub goal: String,
    /// The role that does it (route sets it; a given role is kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Why route chose the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<Routing>,
    /// Tasks that must be done first.
    #[serde(default)]
    pub deps: Vec<String>,
    /// The write allowlist (globs, DESIGN.md section 4). Required and not
    /// empty unless `concurrency_class` is `read-only`.
    #[serde(default)]
    pub touches: Vec<String>,
    /// Globs the task reads (informational).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<String>,
    /// Size: S, M, L, XL (weights 1, 2, 4, 8). `M` when neither it nor
    /// `est_s` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<Effort>,
    /// Estimated seconds; used instead of the effort weight when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub est_s: Option<f64>,
    /// Whether a person must answer something for it to go on.
    #[serde(default)]
    pub needs_user_input: bool,
    /// How it writes: `read-only`, `write-local` (the default) or `write-shared`.
    #[serde(default)]
    pub concurrency_class: ConcurrencyClass,
    /// Named counting locks it needs: name to count.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: BTreeMap<String, u64>,
    /// The command to run (argv), when not the configured worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Seconds before it is killed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<u64>,
    /// Free-form labels, passed through untouched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<serde_json::Map<String, serde_json::Value>>,
    /// Set by plan: foreground or background.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Set by plan: the wave it is in (0-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wave: Option<usize>,
}

/// Why route gave a task its role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    /// The rule that decided: `rules[N]`, `given` (the task came with a
    /// role) or `default`.
    pub rule: String,
    /// The rule's score (its weight times what matched).
    pub score: f64,
    /// What matched: keywords, the regex, touches globs.
    pub matched: Vec<String>,
}

/// A task's size.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Effort {
    /// Weight 1.
    S,
    /// Weight 2.
    M,
    /// Weight 4.
    L,
    /// Weight 8.
    XL,
}

impl Effort {
    /// The weight DESIGN.md gives it.
    pub fn weight(self) -> f64 {
        match self {
            Effort::S => 1.0,
            Effort::M => 2.0,
            Effort::L => 4.0,
            Effort::XL => 8.0,
        }
    }
}

/// How a task writes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ConcurrencyClass {
    /// Writes nothing: needs no touches, conflicts with nothing.
    ReadOnly,
    /// Writes its own files (the default).
    #[default]
    WriteLocal,
    /// Writes files others may also write (runs in the foreground).
    WriteShared,
}

/// Where a task runs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// With a person watching: needs input, is small, or writes shared files.
    Foreground,
    /// Unattended.
    Background,
}

impl Task {
    /// Its weight on the critical path: `est_s` when given, else the
    /// effort's weight (`M` when none).
    pub fn weight(&self) -> f64 {
        self.est_s
            .unwrap_or_else(|| self.effort.unwrap_or(Effort::M).weight())
    }
}

impl super::Document for Tasks {
    const SCHEMA: &'static str = "muster.tasks/v1";

    fn schema_field(&self) -> Option<&str> {
        Some(&self.schema)
    }
}

impl crate::doc::SplitArray for Tasks {
    type Item = Task;
    const FIELD: &'static str = "tasks";

    fn set_items(&mut self, items: Vec<Task>) {
        self.tasks = items;
    }
}
