//! Flags, and the thin shell around the library.

use anyhow::Result;
use clap::Parser;
use muster_shared::cli::Outcome;

/// Gives each task a role by ordered rules.
#[derive(Debug, Parser)]
#[command(name = "muster-route", version)]
pub struct Args {}

/// Runs the tool.
pub fn run(_args: Args) -> Result<Outcome> {
    anyhow::bail!("not built yet")
}
