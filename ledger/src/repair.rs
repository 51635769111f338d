//! `muster-ledger repair --truncate-torn`: cut a torn last line (bytes after
//! the last newline, left by an append that was killed mid-write) and nothing
//! else. Whole lines are never removed: other damage is for a human to see
//! with `verify`.

use crate::writer::Locked;
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::Path;

/// What repair did.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RepairReport {
    /// Always `muster.repair/v1`.
    pub schema: &'static str,
    /// PASS.
    pub status: &'static str,
    /// Bytes removed from the end (0 when nothing was torn).
    pub removed_bytes: u64,
    /// The file's length after.
    pub length: u64,
}

/// Cuts the torn tail of the ledger at `path`, under the writers' lock.
pub fn truncate_torn(path: &Path) -> Result<RepairReport> {
    if !path.exists() {
        anyhow::bail!("ledger {} does not exist", path.display());
    }
    let mut ledger = Locked::open(path)?;
    let bytes = ledger.read_all()?;
    let keep = memchr::memrchr(b'\n', &bytes).map_or(0, |p| p + 1);
    let removed = (bytes.len() - keep) as u64;
    if removed > 0 {
        ledger
            .truncate(keep as u64)
            .with_context(|| format!("truncating {}", path.display()))?;
    }
    Ok(RepairReport {
        schema: "muster.repair/v1",
        status: "PASS",
        removed_bytes: removed,
        length: keep as u64,
    })
}
