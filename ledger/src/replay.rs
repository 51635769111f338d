//! `muster-ledger replay`: a pure fold of one run's events into its state.
//! (Stub: being written.)

use muster_shared::schema::{Event, State};

/// The state of run `run_id` after `events` (in ledger order).
pub fn replay(_events: &[Event], run_id: &str) -> State {
    State {
        schema: "muster.state/v1".into(),
        run_id: run_id.into(),
        tasks: Default::default(),
        locks_held: vec![],
        batches: 0,
        spawned: 0,
        budgets: Default::default(),
        loops_without_progress: 0,
        gates: Default::default(),
        approvals: vec![],
        kill_switch: Default::default(),
        escalations: vec![],
        events: 0,
        unknown_events: 0,
    }
}
