//! `muster-ledger runs` and `board`: one row per run, as a document, CSV or a
//! Markdown table, and the runs ranked as a Markdown leader board.
//!
//! Task counts come from [`replay`](crate::replay): the same fold that
//! `replay --run-id` prints, so the two never disagree.

use crate::render::defuse;
use crate::replay;
use anyhow::{Context, Result};
use clap::ValueEnum;
use muster_shared::schema::{Event, TaskStatus};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Output formats of `runs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunsFormat {
    /// One document, `muster.runs/v1`.
    Json,
    /// CSV with a header.
    Csv,
    /// A Markdown table.
    Md,
}

/// `muster.runs/v1`: one row per run.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RunsDoc {
    /// Always `muster.runs/v1`.
    pub schema: &'static str,
    /// The runs, by their first event's ts_utc, then run_id.
    pub runs: Vec<RunRow>,
}

/// One run, as `runs` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RunRow {
    /// The run.
    pub run_id: String,
    /// `payload.status` of the last `run.finished` (`unknown` when it has
    /// none), else `running`.
    pub status: String,
    /// The ts_utc of the run's first event.
    pub started: String,
    /// The ts_utc of the last `run.finished`, or null.
    pub finished: Option<String>,
    /// Tasks known to the run.
    pub tasks: usize,
    /// Tasks done.
    pub done: usize,
    /// Tasks failed, timed out, stuck, cancelled or blocked.
    pub failed: usize,
    /// done / tasks, rounded to 4 places; 0 when there are no tasks.
    pub coverage: f64,
    /// `payload.status` of the last `gate.evaluated`, or null.
    pub verdict: Option<String>,
    /// The actions approved, in ledger order.
    pub approvals: Vec<String>,
}

const COLUMNS: [&str; 10] = [
    "run_id",
    "status",
    "started",
    "finished",
    "tasks",
    "done",
    "failed",
    "coverage",
    "verdict",
    "approvals",
];

/// The rows of every run in `events` (run `global` excluded).
pub fn rows(events: &[Event]) -> Vec<RunRow> {
    let mut by_run: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in events.iter().filter(|e| e.run_id != "global") {
        by_run.entry(&e.run_id).or_default().push(e);
    }
    let mut rows: Vec<RunRow> = by_run.into_iter().map(|(id, ev)| row(id, &ev)).collect();
    rows.sort_by(|a, b| a.started.cmp(&b.started).then(a.run_id.cmp(&b.run_id)));
    rows
}

/// One run's row from its events (`events` is not empty).
fn row(run_id: &str, events: &[&Event]) -> RunRow {
    let state = replay::fold(events.iter().copied(), run_id);
    let count = |f: fn(TaskStatus) -> bool| state.tasks.values().filter(|t| f(t.status)).count();
    let done = count(|s| s == TaskStatus::Done);
    let failed = count(|s| {
        use TaskStatus::*;
        matches!(s, Failed | TimedOut | Stuck | Cancelled | Blocked)
    });
    let tasks = state.tasks.len();
    let last = |kind: &str| events.iter().rev().find(|e| e.event_type == kind);
    let status_of = |e: &Event| {
        e.payload
            .get("status")
            .and_then(|s| s.as_str().map(str::to_string))
    };
    let finished = last("run.finished");
    RunRow {
        run_id: run_id.to_string(),
        status: match finished {
            Some(e) => status_of(e).unwrap_or_else(|| "unknown".into()),
            None => "running".into(),
        },
        started: events.first().map(|e| e.ts_utc.clone()).unwrap_or_default(),
        finished: finished.map(|e| e.ts_utc.clone()),
        tasks,
        done,
        failed,
        coverage: ratio(done, tasks),
        verdict: last("gate.evaluated").and_then(|e| status_of(e)),
        approvals: state.approvals.into_iter().map(|a| a.action).collect(),
    }
}

impl RunRow {
    /// The row's cells as text, in [`COLUMNS`] order (null is empty).
    fn cells(&self) -> [String; 10] {
        [
            self.run_id.clone(),
            self.status.clone(),
            self.started.clone(),
            self.finished.clone().unwrap_or_default(),
            self.tasks.to_string(),
            self.done.to_string(),
            self.failed.to_string(),
            self.coverage.to_string(),
            self.verdict.clone().unwrap_or_default(),
            self.approvals.join(" "),
        ]
    }
}

/// Renders one row per run.
pub fn render_runs(events: &[Event], format: RunsFormat, compact: bool) -> Result<Vec<u8>> {
    let runs = rows(events);
    match format {
        RunsFormat::Json => {
            let doc = RunsDoc {
                schema: "muster.runs/v1",
                runs,
            };
            Ok(muster_shared::io::to_json(&doc, compact))
        }
        RunsFormat::Csv => csv(&runs).context("writing runs as CSV"),
        RunsFormat::Md => {
            let mut out = table(&COLUMNS);
            for r in &runs {
                out.push_str(&table_row(&r.cells()));
            }
            Ok(out.into_bytes())
        }
    }
}

fn csv(runs: &[RunRow]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    for r in runs {
        w.write_record(r.cells().iter().map(|c| defuse(c).into_owned()))?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{}", e.error()))
}

/// Where a verdict ranks on the board: PASS, WARN, none, BLOCKED, FAIL, then
/// any other word.
fn verdict_rank(v: Option<&str>) -> u8 {
    match v {
        Some("PASS") => 0,
        Some("WARN") => 1,
        None => 2,
        Some("BLOCKED") => 3,
        Some("FAIL") => 4,
        Some(_) => 5,
    }
}

/// The Markdown leader board: runs ranked by verdict, then coverage
/// (highest first), then run_id; and a totals line.
pub fn board(events: &[Event]) -> String {
    let mut runs = rows(events);
    runs.sort_by(|a, b| {
        verdict_rank(a.verdict.as_deref())
            .cmp(&verdict_rank(b.verdict.as_deref()))
            .then(b.coverage.total_cmp(&a.coverage))
            .then(a.run_id.cmp(&b.run_id))
    });
    let mut out = String::from("# muster board\n\n");
    out.push_str(&table(&[
        "rank",
        "run",
        "status",
        "done/total",
        "coverage",
        "verdict",
        "approvals",
    ]));
    for (r, rank) in runs.iter().zip(1..) {
        out.push_str(&table_row(&[
            format!("{rank}"),
            r.run_id.clone(),
            r.status.clone(),
            format!("{}/{}", r.done, r.tasks),
            percent(r.coverage),
            r.verdict.clone().unwrap_or_else(|| "-".into()),
            r.approvals.join(", "),
        ]));
    }
    let (done, tasks) = runs
        .iter()
        .fold((0, 0), |(d, t), r| (d + r.done, t + r.tasks));
    let mut verdicts: BTreeMap<(u8, &str), usize> = BTreeMap::new();
    for r in &runs {
        let v = r.verdict.as_deref();
        *verdicts
            .entry((verdict_rank(v), v.unwrap_or("no verdict")))
            .or_default() += 1;
    }
    let _ = write!(
        out,
        "\n**Totals:** {} run{}, {done}/{tasks} tasks done ({})",
        runs.len(),
        if runs.len() == 1 { "" } else { "s" },
        percent(ratio(done, tasks)),
    );
    for ((_, word), n) in verdicts {
        let _ = write!(out, ", {n} {}", escape(word));
    }
    out.push('\n');
    out
}

/// done / total rounded to 4 places; 0 when there is nothing to do.
fn ratio(done: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        (done as f64 / total as f64 * 10_000.0).round() / 10_000.0
    }
}

/// `0.6667` as `66.67%`.
fn percent(coverage: f64) -> String {
    format!("{}%", (coverage * 10_000.0).round() / 100.0)
}

/// A Markdown cell: `|` escaped, line breaks as spaces.
fn escape(cell: &str) -> String {
    cell.replace('|', "\\|")
        .replace("\r\n", " ")
        .replace(['\n', '\r'], " ")
}

/// A Markdown table's header and rule.
fn table(headers: &[&str]) -> String {
    let cells: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let mut out = table_row(&cells);
    out.push('|');
    out.push_str(&"---|".repeat(headers.len()));
    out.push('\n');
    out
}

fn table_row(cells: &[String]) -> String {
    let mut out = String::from("|");
    for c in cells {
        out.push(' ');
        out.push_str(&escape(c));
        out.push_str(" |");
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests;
