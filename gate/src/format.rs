//! `--format json|md|junit|github`: one verdict, four ways to read it
//! (DESIGN.md section 5, "muster-gate").
//!
//! - `json`: the `muster.verdict/v1` document itself.
//! - `md`: the "Gate Progress" table teams already read, then the verdict,
//!   why each gate that did not pass did not, and the kill switch and shadow
//!   mode when they are on:
//!
//!   ```text
//!   ## Gate Progress
//!
//!   | Gate | Target | Current | Status |
//!   |------|--------|---------|--------|
//!   | coverage | >= 0.75 | 0.68 | gap |
//!
//!   **Verdict: BLOCKED** — 0 pass, 1 blocked
//!
//!   ### Why
//!
//!   - **coverage** (gap): 0.68 is below 0.75
//!   ```
//!
//!   Status words: `pass`, `warn`, `gap` (BLOCKED), `fail`, and `waived` for
//!   a row that did not pass but has a waiver in force.
//! - `junit`: JUnit XML, one test case per gate: BLOCKED is a `<failure>`,
//!   FAIL an `<error>`, a waived row `<skipped>`, WARN passes with a
//!   `<system-out>`. No times or timestamps.
//! - `github`: GitHub Actions workflow commands: an `::error`, `::warning`
//!   or `::notice` line per gate that did not pass, then a `::notice` with
//!   the verdict.
//!
//! Every format is a pure function of the verdict (same verdict, same bytes)
//! and ends with a newline.

use muster_shared::schema::{GateKind, GateRow, Verdict};
use muster_shared::Status;
use serde_json::Value;

/// The formats `--format` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The `muster.verdict/v1` document.
    Json,
    /// Markdown: the "Gate Progress" table, the verdict and why.
    Md,
    /// JUnit XML: one test case per gate, for CI test reports.
    Junit,
    /// GitHub Actions workflow commands: an annotation per gate that did not pass.
    Github,
}

/// The names `--format` takes, in the order of [`Format`]'s variants.
pub const NAMES: &[&str] = &["json", "md", "junit", "github"];

/// The format called `s` (exactly one of [`NAMES`]), if there is one.
pub fn parse(s: &str) -> Option<Format> {
    match s {
        "json" => Some(Format::Json),
        "md" => Some(Format::Md),
        "junit" => Some(Format::Junit),
        "github" => Some(Format::Github),
        _ => None,
    }
}

impl Format {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Md => "md",
            Format::Junit => "junit",
            Format::Github => "github",
        }
    }
}

/// `v` in `format`. `compact` (one line) applies to JSON only.
pub fn render(v: &Verdict, format: Format, compact: bool) -> Vec<u8> {
    match format {
        Format::Json => muster_shared::io::to_json(v, compact),
        Format::Md => md::md(v).into_bytes(),
        Format::Junit => junit::junit(v).into_bytes(),
        Format::Github => github::github(v).into_bytes(),
    }
}

// ---------------------------------------------------------------------------
// What every format says about a row

/// The waiver of a row that did not pass, if it has one. A passing row needs
/// no waiver, so one named on it changes nothing (as in the summary, which
/// counts rows that "did not pass but are waived").
fn waiver(row: &GateRow) -> Option<&str> {
    match row.waived_by.as_deref() {
        Some(w) if row.status != Status::Pass => Some(w),
        _ => None,
    }
}

/// The seeds' word for a status.
fn word(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Blocked => "gap",
        Status::Fail => "fail",
    }
}

/// The observed value for people: compact JSON, a string without its
/// quotes (an empty one as `""`), null as `missing`.
fn observed(value: &Value) -> String {
    match value {
        Value::Null => "missing".to_owned(),
        Value::String(s) if !s.is_empty() => s.clone(),
        other => other.to_string(),
    }
}

/// The row's why, or its status when the why is empty.
fn why(row: &GateRow) -> &str {
    if row.why.trim().is_empty() {
        row.status.as_str()
    } else {
        &row.why
    }
}

/// `Verdict: BLOCKED — <summary line>`, the verdict in one line.
fn verdict_line(v: &Verdict, bold: bool) -> String {
    let stars = if bold { "**" } else { "" };
    let mut out = format!("{stars}Verdict: {}{stars}", v.status.as_str());
    let line = v.summary.line.trim();
    if !line.is_empty() {
        out.push_str(" — ");
        out.push_str(line);
    }
    out
}

fn kind(kind: GateKind) -> &'static str {
    match kind {
        GateKind::Threshold => "threshold",
        GateKind::Equals => "equals",
        GateKind::Evidence => "evidence",
        GateKind::Ledger => "ledger",
        GateKind::Approval => "approval",
    }
}

mod github;
mod junit;
mod md;
#[cfg(test)]
mod tests;
