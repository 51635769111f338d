//! `muster.gates/v1` (what `muster-gate --gates FILE` reads) and
//! `muster.verdict/v1` (what it writes), DESIGN.md section 5 ("muster-gate").

use crate::error::Status;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Gate definitions and the waivers in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gates {
    /// Always `muster.gates/v1`.
    pub schema: String,
    /// The gates, evaluated in this order.
    pub gates: Vec<Gate>,
    /// Waivers: a gate that does not pass counts apart while its waiver is
    /// in force; an expired waiver is itself a violation.
    #[serde(default)]
    pub waivers: Vec<Waiver>,
}

/// One gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// Its name (unique): what rows, waivers and the ledger call it.
    pub name: String,
    /// What it checks.
    pub kind: GateKind,
    /// `threshold`, `equals`: the observation, a JSON Pointer into the input
    /// document (`/stats/coverage`). `evidence`: optional pointer to the
    /// recorded sha256 in the input (instead of `sha256`).
    #[serde(default)]
    pub pointer: Option<String>,
    /// `threshold`: how the observation compares to `target`.
    #[serde(default)]
    pub op: Option<Op>,
    /// `threshold`: a number; `equals`: any JSON value.
    #[serde(default)]
    pub target: Option<Value>,
    /// `threshold`: the warn band's edge. An observation that misses
    /// `target` but meets `warn` (with the same `op`) is WARN.
    #[serde(default)]
    pub warn: Option<f64>,
    /// `evidence`: the file (relative to the run's directory when the input
    /// names a run, else to the current directory); `ledger`: the ledger
    /// (default: the one `--ledger` names).
    #[serde(default)]
    pub path: Option<String>,
    /// `evidence`: the sha256 (hex) the file must have.
    #[serde(default)]
    pub sha256: Option<String>,
    /// `ledger`: the head hash verify must find.
    #[serde(default)]
    pub expect_head: Option<String>,
    /// `ledger`: the number of events verify must find.
    #[serde(default)]
    pub expect_size: Option<u64>,
    /// `approval`: the action that must be approved, and not stale.
    #[serde(default)]
    pub action: Option<String>,
    /// What the gate is for, in words (shown in reports).
    #[serde(default)]
    pub description: Option<String>,
}

/// The gate kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GateKind {
    /// A number compared with a target, with an optional warn band.
    Threshold,
    /// A JSON value equal to a target.
    Equals,
    /// A file that must exist, parse (JSON when it ends in `.json`) and hash
    /// as recorded.
    Evidence,
    /// A ledger that verifies (and has the head and size expected).
    Ledger,
    /// An approval of an action, bound to the run's current evidence.
    Approval,
}

/// How a threshold compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Op {
    /// At least.
    #[serde(rename = ">=")]
    Ge,
    /// More than.
    #[serde(rename = ">")]
    Gt,
    /// At most.
    #[serde(rename = "<=")]
    Le,
    /// Less than.
    #[serde(rename = "<")]
    Lt,
    /// Equal.
    #[serde(rename = "==")]
    Eq,
}

/// A waiver of one gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The gate it waives (must exist).
    pub gate: String,
    /// Why (at least 10 characters).
    pub reason: String,
    /// Who answers for it.
    pub owner: String,
    /// When it stops (RFC 3339); after that it is a violation.
    pub expires: String,
}

/// A verdict: each gate's row and the whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    /// Always `muster.verdict/v1`.
    pub schema: String,
    /// The worst row not waived (FAIL > BLOCKED > WARN > PASS); at least WARN
    /// when a row is waived; BLOCKED for every row when the kill switch is on.
    pub status: Status,
    /// The run the verdict is on, when known.
    pub run_id: Option<String>,
    /// Shadow mode: evaluated and reported, but the exit code is 0.
    pub shadow: bool,
    /// The kill switch, when it is active: who, why, since when.
    pub kill_switch: Option<String>,
    /// One row per gate, in the order of the gates file.
    pub gates: Vec<GateRow>,
    /// Counts and one line.
    pub summary: Summary,
}

/// One gate's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GateRow {
    /// The gate.
    pub name: String,
    /// Its kind.
    pub kind: GateKind,
    /// What it wants, in words (`>= 0.75`, `"PASS"`, `sha256 1a2b…`).
    pub target: String,
    /// What was observed (JSON; null when missing).
    pub observed: Value,
    /// PASS, WARN, BLOCKED or FAIL.
    pub status: Status,
    /// Why, in one line: the reason, not a trace.
    pub why: String,
    /// The waiver in force, when one is: `owner: reason (until …)`.
    pub waived_by: Option<String>,
}

/// Counts of rows by status (waived rows counted apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Rows that passed.
    pub pass: usize,
    /// Rows in their warn band.
    pub warn: usize,
    /// Rows that said no.
    pub blocked: usize,
    /// Rows that could not be evaluated (missing, NaN, bad evidence).
    pub fail: usize,
    /// Rows that did not pass but are waived.
    pub waived: usize,
    /// One line for people.
    pub line: String,
}

impl super::Document for Gates {
    const SCHEMA: &'static str = "muster.gates/v1";

    fn schema_field(&self) -> Option<&str> {
        Some(&self.schema)
    }
}

impl super::Document for Verdict {
    const SCHEMA: &'static str = "muster.verdict/v1";

    fn schema_field(&self) -> Option<&str> {
        Some(&self.schema)
    }
}
