//! Run IDs: `<kind>_<utc YYYYMMDDTHHMMSSZ>_<first 8 hex of base commit>_<seq>`.
//!
//! `seq` is three digits: one more than the number of earlier runs in the
//! ledger with the same kind, time and base, so the first is `001`.

use crate::time::utc_compact;
use anyhow::{bail, Result};
use jiff::Timestamp;

/// A new run ID, given the run IDs already in the ledger.
pub fn new_run_id<'a>(
    kind: &str,
    at: Timestamp,
    base_commit: &str,
    existing: impl IntoIterator<Item = &'a str>,
) -> Result<String> {
    if kind.is_empty()
        || !kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        bail!("run kind {kind:?} must be lowercase letters and digits");
    }
    if base_commit.len() < 8 || !base_commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("base commit {base_commit:?} is not a hex object id");
    }
    let prefix = format!(
        "{kind}_{}_{}_",
        utc_compact(at),
        base_commit[..8].to_ascii_lowercase()
    );
    let mut seen = std::collections::BTreeSet::new();
    for id in existing {
        if let Some(seq) = id.strip_prefix(&prefix) {
            seen.insert(seq.to_string());
        }
    }
    let seq = seen.len() + 1;
    if seq > 999 {
        bail!("more than 999 runs of kind {kind} at the same second and base");
    }
    Ok(format!("{prefix}{seq:03}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_counts_earlier_runs_of_same_kind_time_and_base() {
        let t: Timestamp = "2026-11-21T08:00:00Z".parse().unwrap();
        let base = "ABCDEF0123456789";
        let first = new_run_id("run", t, base, []).unwrap();
        assert_eq!(first, "run_20261121T080000Z_abcdef01_001");
        let others = [
            first.as_str(),
            first.as_str(),
            "plan_20261121T080000Z_abcdef01_001",
        ];
        assert_eq!(
            new_run_id("run", t, base, others).unwrap(),
            "run_20261121T080000Z_abcdef01_002"
        );
        assert!(new_run_id("run", t, "xyz", []).is_err());
        assert!(new_run_id("Run", t, base, []).is_err());
        assert!(crate::id::is_valid(&first));
    }
}
