//! `muster-ledger replay`: a pure fold of one run's events into its state.
//!
//! The event vocabulary, and what each event does to the state, is documented
//! for users in `docs/ledger-events.md`; this file is its implementation.
//! Replay reads payloads leniently (a missing or mistyped field is absent) and
//! never fails: a ledger that verifies always replays.

use muster_shared::schema::{
    Approval, Budgets, Denial, Escalation, Event, GateState, KillSwitch, LockHeld, State,
    TaskState, TaskStatus, EVENT_TYPES,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The state of run `run_id` after `events` (in ledger order).
///
/// Folds the events whose `run_id` is `run_id`, and the `kill_switch.*` events
/// of any run (the switch is global).
pub fn replay(events: &[Event], run_id: &str) -> State {
    fold(events, run_id)
}

/// [`replay`] over any sequence of events, so that `runs` can fold each run's
/// events without copying them.
pub(crate) fn fold<'a>(events: impl IntoIterator<Item = &'a Event>, run_id: &str) -> State {
    let mut f = Fold::new(run_id);
    for e in events {
        f.apply(e);
    }
    f.finish()
}

/// The state being built, and what the fold remembers between events.
struct Fold {
    state: State,
    /// Locks of running tasks, by task (sorted, as `locks_held` wants).
    locks: BTreeMap<String, LockHeld>,
    /// The `batch` values seen so far.
    batch_ids: BTreeSet<String>,
    /// Whether a batch has started, and whether a task has finished `done` since.
    batch_open: bool,
    batch_progress: bool,
}

impl Fold {
    fn new(run_id: &str) -> Fold {
        Fold {
            state: State {
                schema: "muster.state/v1".into(),
                run_id: run_id.into(),
                tasks: BTreeMap::new(),
                locks_held: vec![],
                batches: 0,
                spawned: 0,
                budgets: Budgets::default(),
                loops_without_progress: 0,
                gates: BTreeMap::new(),
                approvals: vec![],
                denials: vec![],
                kill_switch: KillSwitch::default(),
                escalations: vec![],
                events: 0,
                unknown_events: 0,
            },
            locks: BTreeMap::new(),
            batch_ids: BTreeSet::new(),
            batch_open: false,
            batch_progress: false,
        }
    }

    fn finish(mut self) -> State {
        self.state.locks_held = self.locks.into_values().collect();
        self.state
    }

    fn apply(&mut self, e: &Event) {
        let kind = e.event_type.as_str();
        let global = kind.starts_with("kill_switch.");
        let ours = e.run_id == self.state.run_id;
        if !ours && !global {
            return;
        }
        self.state.events += 1;
        if !EVENT_TYPES.contains(&kind) {
            self.state.unknown_events += 1;
            return;
        }
        // A task first named by any known event of the run starts out pending.
        let task = e.task_id.as_deref().filter(|t| ours && !t.is_empty());
        if let Some(t) = task {
            self.task(t);
        }
        let p = &e.payload;
        let ts = &e.ts_utc;
        match (kind, task) {
            ("run.created", _) => {
                for t in strings(p, "tasks").iter().filter(|t| !t.is_empty()) {
                    self.task(t);
                }
                if let Some(b) = p.get("budget").and_then(Value::as_f64) {
                    self.state.budgets.cost_limit = Some(b);
                }
            }
            ("task.dispatched", Some(t)) => {
                self.dispatch_batch(p.get("batch"));
                let s = self.task(t);
                s.attempts = s.attempts.saturating_add(1);
                s.started = Some(ts.clone());
                s.finished = None;
                s.worktree = string(p, "worktree");
                self.set_status(t, TaskStatus::Running);
                let lock = LockHeld {
                    task: t.to_string(),
                    touches: strings(p, "touches"),
                    resources: counts(p.get("resources")),
                };
                self.locks.insert(t.to_string(), lock);
            }
            ("task.finished", Some(t)) => {
                let status = finished_status(p);
                if status == TaskStatus::Done {
                    self.batch_progress = true;
                }
                self.end(t, status, ts);
                if let Some(c) = p.pointer("/metrics/cost").and_then(Value::as_f64) {
                    self.state.budgets.cost_spent += c;
                }
            }
            ("task.timed_out", Some(t)) => self.end(t, TaskStatus::TimedOut, ts),
            ("task.stuck", Some(t)) => self.end(t, TaskStatus::Stuck, ts),
            ("task.cancelled", Some(t)) => self.end(t, TaskStatus::Cancelled, ts),
            ("task.spawned", _) => self.state.spawned = self.state.spawned.saturating_add(1),
            ("scope.checked", Some(t)) => {
                if matches!(str_field(p, "status"), Some("BLOCKED" | "FAIL")) {
                    self.set_status(t, TaskStatus::Blocked);
                }
            }
            ("repair.requested", Some(t)) => self.set_status(t, TaskStatus::Pending),
            ("gate.evaluated", _) => self.gates(p, ts),
            ("approval.granted", _) => {
                let field = |k| string(p, k).unwrap_or_default();
                self.state.approvals.push(Approval {
                    action: field("action"),
                    approver: approver(e),
                    role: field("role"),
                    reason: field("reason"),
                    evidence_hash: field("evidence_hash"),
                    ts_utc: ts.clone(),
                });
            }
            ("approval.denied", _) => {
                let field = |k| string(p, k).unwrap_or_default();
                self.state.denials.push(Denial {
                    action: field("action"),
                    approver: approver(e),
                    role: field("role"),
                    reason: field("reason"),
                    rule: field("rule"),
                    why: field("why"),
                    ts_utc: ts.clone(),
                });
            }
            ("kill_switch.activated" | "kill_switch.deactivated", _) => {
                self.state.kill_switch = KillSwitch {
                    active: kind == "kill_switch.activated",
                    by: e.actor.clone(),
                    reason: string(p, "reason"),
                    since: Some(ts.clone()),
                };
            }
            ("escalation.raised", _) => self.state.escalations.push(Escalation {
                task_id: task.map(str::to_string),
                question: string(p, "question").unwrap_or_default(),
                options: strings(p, "options"),
                recommendation: string(p, "recommendation"),
                ts_utc: ts.clone(),
            }),
            // Known, and no change: task.heartbeat, bundle.validated,
            // integration.finished, run.finished, ledger.merged; and task
            // events that name no task.
            _ => {}
        }
    }

    /// The task `id`, created pending when it is new.
    fn task(&mut self, id: &str) -> &mut TaskState {
        self.state
            .tasks
            .entry(id.to_string())
            .or_insert_with(|| TaskState {
                status: TaskStatus::Pending,
                attempts: 0,
                started: None,
                finished: None,
                worktree: None,
            })
    }

    /// Sets a task's status; a task that is not running holds no lock.
    fn set_status(&mut self, id: &str, status: TaskStatus) {
        self.task(id).status = status;
        if status != TaskStatus::Running {
            self.locks.remove(id);
        }
    }

    /// An attempt ended with `status` at `ts`.
    fn end(&mut self, id: &str, status: TaskStatus, ts: &str) {
        self.task(id).finished = Some(ts.to_string());
        self.set_status(id, status);
    }

    /// Counts a dispatch towards batches: a `batch` value not seen before, or
    /// no `batch` at all, starts a new batch, which closes the previous one.
    fn dispatch_batch(&mut self, batch: Option<&Value>) {
        let new = match batch.filter(|b| b.is_i64() || b.is_u64()) {
            Some(b) => self.batch_ids.insert(b.to_string()),
            None => true,
        };
        if !new {
            return;
        }
        if self.batch_open {
            self.state.loops_without_progress = if self.batch_progress {
                0
            } else {
                self.state.loops_without_progress.saturating_add(1)
            };
        }
        self.batch_open = true;
        self.batch_progress = false;
        self.state.batches = self.state.batches.saturating_add(1);
    }

    /// `gate.evaluated`: one entry per `{name, status}` row, or `verdict`.
    fn gates(&mut self, p: &Value, ts: &str) {
        let rows: Vec<(String, String)> = array(p, "gates")
            .filter_map(|r| Some((string(r, "name")?, string(r, "status")?)))
            .collect();
        let rows = if rows.is_empty() {
            string(p, "status")
                .map(|s| ("verdict".to_string(), s))
                .into_iter()
                .collect()
        } else {
            rows
        };
        for (name, status) in rows {
            let ts_utc = ts.to_string();
            self.state.gates.insert(name, GateState { status, ts_utc });
        }
    }
}

/// The status a `task.finished` sets: `payload.status` when it is a status a
/// finished task can have, else from `exit_code` (0 or absent: done).
fn finished_status(p: &Value) -> TaskStatus {
    let given = str_field(p, "status").and_then(TaskStatus::parse);
    match given {
        Some(s) if !matches!(s, TaskStatus::Pending | TaskStatus::Running) => s,
        _ => match p.get("exit_code").and_then(Value::as_f64) {
            Some(code) if code != 0.0 => TaskStatus::Failed,
            _ => TaskStatus::Done,
        },
    }
}

/// The approver of an `approval.*` event: `payload.approver`, else the
/// event's actor, else `""`.
fn approver(e: &Event) -> String {
    string(&e.payload, "approver")
        .or_else(|| e.actor.clone())
        .unwrap_or_default()
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn string(v: &Value, key: &str) -> Option<String> {
    str_field(v, key).map(str::to_string)
}

/// The elements of an array field (none when it is not an array).
fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// The strings of an array field (other elements skipped).
fn strings(v: &Value, key: &str) -> Vec<String> {
    let items = array(v, key).filter_map(Value::as_str);
    items.map(str::to_string).collect()
}

/// `{name: count}` (entries whose count is not a whole number ≥ 0 skipped).
fn counts(v: Option<&Value>) -> BTreeMap<String, u64> {
    let entries = v.and_then(Value::as_object).into_iter().flatten();
    entries
        .filter_map(|(k, n)| Some((k.clone(), n.as_u64()?)))
        .collect()
}

#[cfg(test)]
mod tests;
