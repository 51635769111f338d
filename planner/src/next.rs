//! `plan next`: given a plan and the run's state (what `muster-ledger
//! replay` gives), what to dispatch now and why everything else waits, or
//! that the loop should stop (DESIGN.md section 5).
//!
//! In plan order (wave, then the wave's order), a task not yet started is
//! dispatched when all its dependencies are done, it needs no person, it
//! conflicts with no running or just-dispatched task, its resources fit
//! next to theirs, and a slot is free (`max_outstanding` minus running).
//!
//! Conflicts are decided here from the tasks' `touches` (the same exact
//! intersection the plan uses), only between the tasks that may start and
//! those running: the plan's `conflicts` list is not needed, so a plan
//! edited by hand cannot make two overlapping tasks run together.

use crate::flat::Flat;
use crate::ids::Ids;
use crate::next_input::{NextRead, TaskRead};
use anyhow::{anyhow, Result};
use muster_shared::glob::intersect::Intersector;
use muster_shared::glob::Pattern;
use muster_shared::schema::{Batch, ConcurrencyClass, Plan, State, Stop, TaskStatus, Waiting};
use serde::Serialize;
use std::collections::BTreeMap;

/// The spawn budget: tasks workers may add to a run.
pub const SPAWN_BUDGET: u64 = 20;
/// Batches in a row without progress before the loop stops.
pub const MAX_LOOPS_WITHOUT_PROGRESS: u64 = 3;

fn failed(s: TaskStatus) -> bool {
    matches!(
        s,
        TaskStatus::Failed
            | TaskStatus::TimedOut
            | TaskStatus::Stuck
            | TaskStatus::Cancelled
            | TaskStatus::Blocked
    )
}

/// What to do next, from the full documents (see [`next_read`]).
pub fn next(plan: &Plan, state: &State, capacity: &BTreeMap<String, u64>) -> Result<Batch> {
    Ok(next_read(&NextRead::from_documents(plan, state), capacity)?.to_batch())
}

/// A `muster.batch/v1` as [`next_read`] decides it, its ids borrowed from
/// the input: written as [`Batch`] is (a test holds the two to the same
/// bytes), without a string copied for each of 100k waiting tasks.
#[derive(Debug, Serialize)]
pub struct Decided<'a> {
    schema: &'static str,
    dispatch: Vec<&'a str>,
    waiting: Vec<Waits<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop: Option<Stops>,
}

/// [`Waiting`], borrowed.
#[derive(Debug, Serialize)]
struct Waits<'a> {
    id: &'a str,
    why: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    on: Vec<&'a str>,
}

/// [`Stop`], borrowed.
#[derive(Debug, Serialize)]
struct Stops {
    reason: &'static str,
}

impl Decided<'_> {
    /// The same batch, owning its strings.
    pub fn to_batch(&self) -> Batch {
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Batch {
            schema: self.schema.into(),
            dispatch: owned(&self.dispatch),
            waiting: (self.waiting.iter())
                .map(|w| Waiting {
                    id: w.id.into(),
                    why: w.why.into(),
                    on: owned(&w.on),
                })
                .collect(),
            stop: (self.stop.as_ref()).map(|s| Stop {
                reason: s.reason.into(),
            }),
        }
    }
}

/// What to do next. `capacity`: units of each named resource (1 for names
/// not listed), as the plan was made with.
pub fn next_read<'a>(
    input: &'a NextRead<'_>,
    capacity: &BTreeMap<String, u64>,
) -> Result<Decided<'a>> {
    let (plan, state) = (&input.plan, &input.state);
    let tasks = &plan.tasks;
    let index = Ids::new(tasks.iter().map(|t| t.id.as_str()).collect())
        .ok_or_else(|| anyhow!("plan: more tasks than next can index"))?;
    // Each task's status, its dependencies by index and the plan order, the
    // first two on another core: they are 300k lookups in the ids' table.
    let (status, order, deps) = std::thread::scope(|s| {
        let deps = s.spawn(|| {
            // One the plan does not have is never done. In one vector (a
            // vector per task was a hundred thousand allocations).
            let n = tasks.iter().map(|t| t.deps.len()).sum();
            let mut deps = Flat::with_capacity(tasks.len(), n);
            for t in tasks {
                deps.push(t.deps.iter().map(|d| index.get(d)));
            }
            deps
        });
        // A task the state does not name is pending; one the plan does not
        // have is not this plan's business.
        let mut status: Vec<TaskStatus> = vec![TaskStatus::Pending; tasks.len()];
        for (id, s) in &state.tasks {
            if let Some(i) = index.get(id) {
                status[i] = s.status;
            }
        }
        let order: Vec<usize> = (plan.waves.iter().flatten())
            .filter_map(|id| index.get(id))
            .collect();
        (status, order, deps.join())
    });
    let deps = deps.map_err(|_| anyhow!("plan next: a thread failed"))?;
    let deps = |i: usize| deps.get(i);
    let is_done = |d: Option<usize>| d.is_some_and(|d| status[d] == TaskStatus::Done);
    let mut overlap = Overlap::new(tasks.len());
    // Blocked: a dependency failed, or is itself blocked (in plan order,
    // dependencies come in earlier waves); decided for each task in the
    // loop below, before anything else.
    let mut blocked = vec![false; tasks.len()];

    let running: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| status[i] == TaskStatus::Running)
        .collect();
    let mut busy = running.clone();
    let mut used: BTreeMap<&str, u64> = BTreeMap::new();
    for &i in &busy {
        for (name, &k) in &tasks[i].resources {
            *used.entry(name.as_str()).or_insert(0) += k;
        }
    }
    let mut slots = u64::from(plan.max_outstanding).saturating_sub(busy.len() as u64);
    let cap = |name: &str| capacity.get(name).copied().unwrap_or(1);
    let ids = |v: &[usize]| -> Vec<&'a str> { v.iter().map(|&i| &*tasks[i].id).collect() };

    let mut dispatch = Vec::new();
    let mut waiting = Vec::new();
    let mut open = 0usize; // not done, not failed
    let mut open_needing_input = 0usize;
    for &i in &order {
        let blocked_on: Vec<usize> = (deps(i).iter().flatten().copied())
            .filter(|&d| failed(status[d]) || blocked[d])
            .collect();
        blocked[i] = !blocked_on.is_empty();
        let t = &tasks[i];
        let s = status[i];
        if s == TaskStatus::Done || failed(s) {
            continue;
        }
        open += 1;
        if s == TaskStatus::Running {
            continue;
        }
        if t.needs_user_input {
            open_needing_input += 1;
        }
        let wait = |why: &'static str, on: Vec<&'a str>| Waits { id: &t.id, why, on };
        if blocked[i] {
            waiting.push(wait("blocked", ids(&blocked_on)));
            continue;
        }
        // A dependency the plan has is named by its task's id (they sit
        // together in memory), one it does not by its name in the input.
        let not_done: Vec<&'a str> = t
            .deps
            .iter()
            .zip(deps(i))
            .filter(|(_, &d)| !is_done(d))
            .map(|(name, &d)| d.map_or(&**name, |d| tasks[d].id.as_str()))
            .collect();
        if !not_done.is_empty() {
            waiting.push(wait("deps", not_done));
            continue;
        }
        if t.needs_user_input {
            waiting.push(wait("needs_user_input", Vec::new()));
            continue;
        }
        let mut holders: Vec<usize> = Vec::new();
        for &b in &busy {
            if overlap.between((i, t), (b, &tasks[b]))? {
                holders.push(b);
            }
        }
        let short = |name: &str, k: u64| used.get(name).copied().unwrap_or(0) + k > cap(name);
        for (name, &k) in &t.resources {
            if short(name, k) {
                let has = |b: &usize| tasks[*b].resources.contains_key(name);
                holders.extend(busy.iter().copied().filter(has));
            }
        }
        let any_short = t.resources.iter().any(|(n, &k)| short(n, k));
        if !holders.is_empty() || any_short {
            holders.sort_unstable();
            holders.dedup();
            waiting.push(wait("lock", ids(&holders)));
            continue;
        }
        if slots == 0 {
            waiting.push(wait("max_outstanding", Vec::new()));
            continue;
        }
        slots -= 1;
        busy.push(i);
        for (name, &k) in &t.resources {
            *used.entry(name.as_str()).or_insert(0) += k;
        }
        dispatch.push(&*t.id);
    }

    let stuck = dispatch.is_empty() && running.is_empty();
    let only = |why: &[&str]| waiting.iter().all(|w| why.contains(&w.why));
    let stop = if open == 0 {
        Some("all_done")
    } else if stuck && open_needing_input > 0 && only(&["needs_user_input", "blocked"]) {
        Some("needs_user_input")
    } else if stuck && only(&["blocked"]) {
        Some("all_blocked")
    } else if state.spawned >= SPAWN_BUDGET {
        Some("spawn_budget_spent")
    } else if state.loops_without_progress >= MAX_LOOPS_WITHOUT_PROGRESS {
        Some("no_progress")
    } else {
        None
    };
    Ok(Decided {
        schema: "muster.batch/v1",
        dispatch: if stop.is_some() { Vec::new() } else { dispatch },
        waiting,
        stop: stop.map(|reason| Stops { reason }),
    })
}

/// Whether two tasks' allowlists overlap, with each task's patterns
/// compiled once (by task index).
struct Overlap {
    compiled: Vec<Option<Vec<Pattern>>>,
    x: Intersector,
}

impl Overlap {
    fn new(tasks: usize) -> Overlap {
        Overlap {
            compiled: vec![None; tasks],
            x: Intersector::new(),
        }
    }

    fn compile(&mut self, (i, t): (usize, &TaskRead<'_>)) -> Result<()> {
        if self.compiled[i].is_some() {
            return Ok(());
        }
        let mut out = Vec::new();
        if t.concurrency_class != ConcurrencyClass::ReadOnly {
            for (k, g) in t.touches.iter().enumerate() {
                out.push(
                    Pattern::parse(g)
                        .map_err(|e| anyhow!("plan: task {:?}: touches[{k}]: {e}", t.id))?,
                );
            }
        }
        self.compiled[i] = Some(out);
        Ok(())
    }

    fn between(&mut self, a: (usize, &TaskRead<'_>), b: (usize, &TaskRead<'_>)) -> Result<bool> {
        self.compile(a)?;
        self.compile(b)?;
        let (Some(pa), Some(pb)) = (&self.compiled[a.0], &self.compiled[b.0]) else {
            return Ok(true); // not reached: both were just compiled; fail closed
        };
        let x = &mut self.x;
        Ok(pa
            .iter()
            .any(|p| pb.iter().any(|q| x.witness(p, q).is_some())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use muster_shared::io::to_json;

    /// Ids read with escapes (owned) and without (borrowed) are the same
    /// ids, and the batch written is the owned batch's bytes, for every
    /// reason to wait and a stop.
    #[test]
    fn borrowed_and_escaped_ids_decide_as_the_documents_do() {
        let text = r#"{"plan": {"schema": "muster.plan/v1", "tasks": [
            {"id": "a\u0062", "goal": "g", "touches": ["/src/"]},
            {"id": "c", "goal": "g", "deps": ["ab"], "touches": ["/docs/"]},
            {"id": "d", "goal": "g", "touches": ["/src/x/"]},
            {"id": "e", "goal": "g", "touches": ["/e/"], "needs_user_input": true},
            {"id": "f", "goal": "g", "deps": ["x\"y"], "touches": ["/f/"]},
            {"id": "x\"y", "goal": "g", "touches": ["/g/"]},
            {"id": "h", "goal": "g", "touches": ["/h/"]},
            {"id": "i", "goal": "g", "touches": ["/i/"]},
            {"id": "j", "goal": "g", "deps": ["f", "c"], "touches": ["/j/"]}],
          "waves": [["ab", "d", "e", "x\"y", "h", "i"], ["c", "f"], ["j"]], "ready": [], "conflicts": [],
          "critical_path": {"length": 1.0, "tasks": []}, "max_outstanding": 2,
          "stats": {"tasks": 9, "deps": 4, "waves": 2, "conflicts": 0, "widest_wave": 6}},
         "state": {"schema": "muster.state/v1", "run_id": "r", "tasks": {
            "a\u0062": {"status": "running", "attempts": 1},
            "x\"y": {"status": "failed", "attempts": 1}},
          "locks_held": [], "batches": 0, "spawned": 0,
          "budgets": {"cost_spent": 0.0, "cost_limit": null}, "loops_without_progress": 0,
          "gates": {}, "approvals": [], "denials": [],
          "kill_switch": {"active": false, "by": null, "reason": null, "since": null},
          "escalations": [], "events": 0, "unknown_events": 0}}"#;
        #[derive(serde::Deserialize)]
        struct Docs {
            plan: Plan,
            state: State,
        }
        let docs: Docs = serde_json::from_str(text).unwrap();
        let owned = next(&docs.plan, &docs.state, &BTreeMap::new()).unwrap();
        let input: NextRead = serde_json::from_str(text).unwrap();
        let decided = next_read(&input, &BTreeMap::new()).unwrap();
        for compact in [false, true] {
            let (a, b) = (to_json(&decided, compact), to_json(&owned, compact));
            assert_eq!(String::from_utf8(a), String::from_utf8(b));
        }
        let why: Vec<(&str, &str)> = (owned.waiting.iter())
            .map(|w| (w.id.as_str(), w.why.as_str()))
            .collect();
        assert_eq!(
            why,
            [
                ("d", "lock"),
                ("e", "needs_user_input"),
                ("i", "max_outstanding"),
                ("c", "deps"),
                ("f", "blocked"),
                ("j", "blocked")
            ]
        );
        // Blocked by a blocked dependency, not by one merely not done.
        let j = owned.waiting.iter().find(|w| w.id == "j").unwrap();
        assert_eq!(j.on, ["f"]);
        assert_eq!(owned.dispatch, ["h"]);
    }
}
