//! `muster-ledger merge`. (Stub: being written.)

use anyhow::Result;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What merge did.
#[derive(Debug, Clone, Serialize)]
pub struct MergeReport {
    /// Always `muster.merge/v1`.
    pub schema: &'static str,
}

/// Merges `sources` into the ledger at `target`.
pub fn merge(_target: &Path, _sources: &[PathBuf], _now: jiff::Timestamp) -> Result<MergeReport> {
    anyhow::bail!("merge: not written yet")
}
