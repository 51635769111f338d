//! Locked runs: after an `approval.granted` of action `lock`, a run is
//! immutable (DESIGN.md section 5, "Approvals"), and muster-run and
//! muster-integrate refuse it. Payloads are read leniently, as replay reads
//! them.

use anyhow::{bail, Result};
use muster_shared::schema::Event;
use serde_json::Value;
use std::path::Path;

/// Whether run `run_id` is locked: one line saying by whom, in which role,
/// when and why (`run R was locked by A (role) at T: "reason"`), from its
/// first `approval.granted` whose `payload.action` is `lock`; `None` when it
/// has none.
pub fn locked(events: &[Event], run_id: &str) -> Option<String> {
    lock_of(events, run_id).map(|by| format!("run {run_id} was locked {by}"))
}

/// Refuses a locked run, for the tools that would change it: reads the
/// ledger at `ledger` (a missing file: nothing is locked) and fails, exit 1,
/// when run `run_id` is locked. A damaged ledger is BLOCKED, as everywhere.
pub fn refuse_locked(ledger: &Path, run_id: &str) -> Result<()> {
    if !ledger.exists() {
        return Ok(());
    }
    let events = crate::store::read_events(ledger)?;
    if let Some(by) = lock_of(&events, run_id) {
        bail!("run {run_id} is locked ({by}); a locked run is immutable");
    }
    Ok(())
}

/// `by A (role) at T: "reason"` of the run's first granted lock.
fn lock_of(events: &[Event], run_id: &str) -> Option<String> {
    let lock = events.iter().find(|e| {
        e.run_id == run_id
            && e.event_type == "approval.granted"
            && e.payload.get("action").and_then(Value::as_str) == Some("lock")
    })?;
    let field = |k: &str| lock.payload.get(k).and_then(Value::as_str);
    let by = field("approver")
        .or(lock.actor.as_deref())
        .unwrap_or("(unknown)");
    let role = field("role").unwrap_or("no role");
    let reason = field("reason").unwrap_or_default();
    Some(format!("by {by} ({role}) at {}: {reason:?}", lock.ts_utc))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use muster_shared::schema::EventInput;
    use serde_json::json;

    fn ev(run: &str, kind: &str, payload: Value) -> Event {
        Event {
            seq: 1,
            ts_utc: "2026-11-21T08:00:00.000Z".into(),
            run_id: run.into(),
            event_type: kind.into(),
            task_id: None,
            actor: Some("carol".into()),
            payload,
            idempotency_key: None,
            origin: None,
            prev_hash: "0".repeat(64),
            hash: "0".repeat(64),
        }
    }

    #[test]
    fn only_a_granted_lock_of_the_run_locks_it() {
        let lock = json!({"action": "lock", "approver": "alice", "role": "maintainer",
                          "reason": "release 1.2 signed off"});
        let publish = json!({"action": "publish", "approver": "bob"});
        let events = [
            ev("r1", "approval.granted", publish),
            ev("r1", "approval.denied", lock.clone()),
            ev("r2", "approval.granted", lock.clone()),
        ];
        assert_eq!(locked(&events, "r1"), None);
        assert_eq!(
            locked(&events, "r2").as_deref(),
            Some(
                "run r2 was locked by alice (maintainer) at 2026-11-21T08:00:00.000Z: \
                 \"release 1.2 signed off\""
            )
        );
        // Lenient: the actor stands in for a missing approver.
        let bare = [ev(
            "r3",
            "approval.granted",
            json!({"action": "lock", "role": 3}),
        )];
        assert_eq!(
            locked(&bare, "r3").as_deref(),
            Some("run r3 was locked by carol (no role) at 2026-11-21T08:00:00.000Z: \"\"")
        );
    }

    #[test]
    fn refuse_reads_the_ledger_and_a_missing_one_locks_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.jsonl");
        refuse_locked(&path, "r1").unwrap();
        let input = |kind: &str, payload: Value| EventInput {
            schema: None,
            ts_utc: None,
            run_id: "r1".into(),
            event_type: kind.into(),
            task_id: None,
            actor: Some("alice".into()),
            payload: Some(payload),
            idempotency_key: None,
        };
        let now = jiff::Timestamp::UNIX_EPOCH;
        let created = input("run.created", json!({}));
        crate::append::append(&path, &[created], now).unwrap();
        refuse_locked(&path, "r1").unwrap();
        let lock = input(
            "approval.granted",
            json!({"action": "lock", "reason": "done"}),
        );
        crate::append::append(&path, &[lock], now).unwrap();
        let err = refuse_locked(&path, "r1").unwrap_err().to_string();
        assert!(
            err.starts_with("run r1 is locked (by alice (no role) at ")
                && err.ends_with("; a locked run is immutable"),
            "{err}"
        );
        refuse_locked(&path, "r2").unwrap();
    }
}
