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

use anyhow::{anyhow, Result};
use muster_shared::glob::intersect::Intersector;
use muster_shared::glob::Pattern;
use muster_shared::schema::{
    Batch, ConcurrencyClass, Plan, State, Stop, Task, TaskStatus, Waiting,
};
use std::collections::{BTreeMap, BTreeSet};

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

/// What to do next. `capacity`: units of each named resource (1 for names
/// not listed), as the plan was made with.
pub fn next(plan: &Plan, state: &State, capacity: &BTreeMap<String, u64>) -> Result<Batch> {
    let status = |id: &str| {
        state
            .tasks
            .get(id)
            .map_or(TaskStatus::Pending, |t| t.status)
    };
    let by_id: BTreeMap<&str, &muster_shared::schema::Task> =
        plan.tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut overlap = Overlap::default();

    // Blocked: a dependency failed, or is itself blocked (in plan order,
    // dependencies come in earlier waves).
    let order: Vec<&str> = plan.waves.iter().flatten().map(String::as_str).collect();
    let mut blocked_by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for &id in &order {
        let Some(t) = by_id.get(id) else { continue };
        let on: Vec<&str> = t
            .deps
            .iter()
            .map(String::as_str)
            .filter(|d| failed(status(d)) || blocked_by.contains_key(d))
            .collect();
        if !on.is_empty() {
            blocked_by.insert(id, on);
        }
    }

    let mut busy: BTreeSet<&str> = order
        .iter()
        .copied()
        .filter(|id| status(id) == TaskStatus::Running)
        .collect();
    let mut used: BTreeMap<&str, u64> = BTreeMap::new();
    for id in &busy {
        if let Some(t) = by_id.get(id) {
            for (name, &k) in &t.resources {
                *used.entry(name.as_str()).or_insert(0) += k;
            }
        }
    }
    let mut slots = u64::from(plan.max_outstanding).saturating_sub(busy.len() as u64);
    let cap = |name: &str| capacity.get(name).copied().unwrap_or(1);

    let mut dispatch = Vec::new();
    let mut waiting = Vec::new();
    let mut open = 0usize; // not done, not failed
    let mut open_needing_input = 0usize;
    for &id in &order {
        let Some(t) = by_id.get(id) else { continue };
        let s = status(id);
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
        let wait = |why: &str, on: Vec<&str>| Waiting {
            id: id.to_string(),
            why: why.into(),
            on: on.into_iter().map(str::to_string).collect(),
        };
        if let Some(on) = blocked_by.get(id) {
            waiting.push(wait("blocked", on.clone()));
            continue;
        }
        let not_done: Vec<&str> = t
            .deps
            .iter()
            .map(String::as_str)
            .filter(|d| status(d) != TaskStatus::Done)
            .collect();
        if !not_done.is_empty() {
            waiting.push(wait("deps", not_done));
            continue;
        }
        if t.needs_user_input {
            waiting.push(wait("needs_user_input", Vec::new()));
            continue;
        }
        let mut holders: Vec<&str> = Vec::new();
        for &b in &busy {
            if let Some(bt) = by_id.get(b) {
                if overlap.between(t, bt)? {
                    holders.push(b);
                }
            }
        }
        for (name, &k) in &t.resources {
            if used.get(name.as_str()).copied().unwrap_or(0) + k > cap(name) {
                let has = |b: &&str| {
                    by_id
                        .get(b)
                        .is_some_and(|bt| bt.resources.contains_key(name))
                };
                holders.extend(busy.iter().copied().filter(has));
            }
        }
        let short = t
            .resources
            .iter()
            .any(|(n, &k)| used.get(n.as_str()).copied().unwrap_or(0) + k > cap(n));
        if !holders.is_empty() || short {
            holders.sort_unstable();
            holders.dedup();
            waiting.push(wait("lock", holders));
            continue;
        }
        if slots == 0 {
            waiting.push(wait("max_outstanding", Vec::new()));
            continue;
        }
        slots -= 1;
        busy.insert(id);
        for (name, &k) in &t.resources {
            *used.entry(name.as_str()).or_insert(0) += k;
        }
        dispatch.push(id.to_string());
    }

    let running = order
        .iter()
        .filter(|id| status(id) == TaskStatus::Running)
        .count();
    let stuck = dispatch.is_empty() && running == 0;
    let only = |why: &[&str]| waiting.iter().all(|w| why.contains(&w.why.as_str()));
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
    Ok(Batch {
        schema: "muster.batch/v1".into(),
        dispatch: if stop.is_some() { Vec::new() } else { dispatch },
        waiting,
        stop: stop.map(|r| Stop { reason: r.into() }),
    })
}

/// Whether two tasks' allowlists overlap, with each task's patterns
/// compiled once.
#[derive(Default)]
struct Overlap {
    compiled: BTreeMap<String, Vec<Pattern>>,
    x: Intersector,
}

impl Overlap {
    fn compile(&mut self, t: &Task) -> Result<()> {
        if self.compiled.contains_key(&t.id) {
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
        self.compiled.insert(t.id.clone(), out);
        Ok(())
    }

    fn between(&mut self, a: &Task, b: &Task) -> Result<bool> {
        self.compile(a)?;
        self.compile(b)?;
        let (Some(pa), Some(pb)) = (self.compiled.get(&a.id), self.compiled.get(&b.id)) else {
            return Ok(true); // not reached: both were just compiled; fail closed
        };
        let x = &mut self.x;
        Ok(pa
            .iter()
            .any(|p| pb.iter().any(|q| x.witness(p, q).is_some())))
    }
}
