//! `muster-ledger list`: filters, and the formats json, jsonl, csv, md.
//! (Stub: being written.)

use anyhow::Result;
use std::borrow::Cow;
use clap::{Args, ValueEnum};
use muster_shared::schema::Event;

/// Output formats of `list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One document: `{schema: "muster.event-list/v1", events: [...]}`.
    Json,
    /// The events as stored, one per line.
    Jsonl,
    /// CSV with a header; cells that could start a formula are prefixed with `'`.
    Csv,
    /// A Markdown table.
    Md,
}

/// The filter flags of `list`.
#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    /// Only events of this run.
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
    /// Only events about this task.
    #[arg(long, value_name = "ID")]
    pub task: Option<String>,
    /// Only events of this type.
    #[arg(long = "type", value_name = "TYPE")]
    pub event_type: Option<String>,
    /// Only events at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// At most N events (the first N in rendering order).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// A checked filter.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only events of this run.
    pub run_id: Option<String>,
    /// Only events about this task.
    pub task: Option<String>,
    /// Only events of this type.
    pub event_type: Option<String>,
    /// Only events at or after this time.
    pub since: Option<jiff::Timestamp>,
    /// At most this many.
    pub limit: Option<usize>,
}

impl FilterArgs {
    /// Checks the flags.
    pub fn to_filter(&self) -> Result<Filter> {
        anyhow::bail!("list: not written yet")
    }
}

/// The events that pass `filter`, sorted by ts_utc, then event_type, then seq.
pub fn select<'a>(_events: &'a [Event], _filter: &Filter) -> Vec<&'a Event> {
    Vec::new()
}

/// Renders events in a format.
pub fn render(_events: &[&Event], _format: Format, _compact: bool) -> Result<Vec<u8>> {
    anyhow::bail!("list: not written yet")
}

/// A CSV cell defused against formula injection: a cell starting with `=`,
/// `+`, `-`, `@`, tab or carriage return gets a leading `'`.
pub fn defuse(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}
