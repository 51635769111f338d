//! `muster-ledger runs` and `board`. (Stub: being written.)

use anyhow::Result;
use clap::ValueEnum;
use muster_shared::schema::Event;

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

/// Renders one row per run.
pub fn render_runs(_events: &[Event], _format: RunsFormat, _compact: bool) -> Result<Vec<u8>> {
    anyhow::bail!("runs: not written yet")
}

/// The Markdown leader board.
pub fn board(_events: &[Event]) -> String {
    String::new()
}
