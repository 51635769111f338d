//! A task list to a `muster.plan/v1`: check the graph, find the conflicts,
//! place the waves, and fill in modes, the ready set and the critical path.
//! Pure: the same tasks (in any order) give the same plan.

use crate::graph::Graph;
use crate::{conflicts, waves};
use anyhow::Result;
use muster_shared::schema::{ConcurrencyClass, CriticalPath, Effort, Mode, Plan, PlanStats, Task};
use std::collections::BTreeMap;

/// What a plan is made with besides the tasks.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// How many tasks may run at once.
    pub max_outstanding: u32,
    /// Units of each named resource a wave has (1 for names not listed).
    pub resources: BTreeMap<String, u64>,
    /// List every conflicting pair of tasks, not only the pairs that order
    /// them all (see [`conflicts::Conflicts::ordering_pairs`]).
    pub all_conflicts: bool,
}

/// Foreground when the task needs a person, is small, or writes shared
/// files; background otherwise.
pub fn mode(t: &Task) -> Mode {
    if t.needs_user_input
        || t.effort == Some(Effort::S)
        || t.concurrency_class == ConcurrencyClass::WriteShared
    {
        Mode::Foreground
    } else {
        Mode::Background
    }
}

/// A plan whose conflicts are still indexes: [`Planned::into_plan`] makes
/// the records, [`Planned::conflicts`] writes them as JSON without.
#[derive(Debug)]
pub struct Planned {
    /// The plan, its `conflicts` empty (`stats.conflicts` counts them).
    pub plan: Plan,
    /// The conflicts it lists.
    pub conflicts: conflicts::Listed,
}

impl Planned {
    /// The whole plan.
    pub fn into_plan(self) -> Plan {
        let mut plan = self.plan;
        plan.conflicts = self.conflicts.records(&plan.tasks);
        plan
    }
}

/// Plans `tasks`.
pub fn plan(tasks: Vec<Task>, opts: &Options) -> Result<Plan> {
    plan_listed(tasks, opts).map(Planned::into_plan)
}

/// Plans `tasks`, its conflicts left as indexes.
pub fn plan_listed(tasks: Vec<Task>, opts: &Options) -> Result<Planned> {
    let g = Graph::new(tasks)?;
    let found = conflicts::find(&g);
    let placed = waves::place(&g, &found, &opts.resources)?;
    let conflicts = if opts.all_conflicts {
        found.every_pair(&g)
    } else {
        found.ordering_pairs(&g, &placed.wave)
    };
    let (length, path) = waves::critical_path(&g, &placed.tail);
    let id = |i: &usize| g.tasks[*i].id.clone();
    let waves: Vec<Vec<String>> = placed
        .waves
        .iter()
        .map(|w| w.iter().map(id).collect())
        .collect();
    let stats = PlanStats {
        tasks: g.len(),
        deps: g.deps.iter().map(Vec::len).sum(),
        waves: waves.len(),
        conflicts: conflicts.len(),
        widest_wave: waves.iter().map(Vec::len).max().unwrap_or(0),
    };
    let critical_path = CriticalPath {
        length,
        tasks: path.iter().map(id).collect(),
    };
    let ready = waves.first().cloned().unwrap_or_default();
    let mut tasks = g.tasks;
    for (i, t) in tasks.iter_mut().enumerate() {
        t.mode = Some(mode(t));
        t.wave = Some(placed.wave[i]);
    }
    let plan = Plan {
        schema: "muster.plan/v1".into(),
        tasks,
        waves,
        ready,
        conflicts: Vec::new(),
        critical_path,
        max_outstanding: opts.max_outstanding,
        stats,
    };
    Ok(Planned { plan, conflicts })
}
