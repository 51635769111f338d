//! Flags, and the thin shell around the library.

use anyhow::Result;
use clap::Parser;
use muster_shared::cli::Outcome;

/// Plans a task graph.
#[derive(Debug, Parser)]
#[command(name = "muster-plan", version)]
pub struct Args {}

/// Runs the tool.
pub fn run(_args: Args) -> Result<Outcome> {
    anyhow::bail!("not built yet")
}
