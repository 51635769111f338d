//! The plan as the exporters see it: waves, and what each task waits for.

use anyhow::{bail, Result};
use muster_shared::schema::plan::Plan;
use std::collections::BTreeMap;

/// Why a task waits for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Why {
    /// It depends on it.
    Dep,
    /// They conflict and the other is in an earlier wave.
    Conflict,
}

/// A checked plan.
#[derive(Debug)]
pub(super) struct Graph<'a> {
    /// The waves in the plan's order, each in the plan's order.
    pub waves: Vec<Vec<&'a str>>,
    /// Every task id, sorted.
    pub ids: Vec<&'a str>,
    /// For each task (sorted), what it waits for (sorted), and why (a dep
    /// wins over a conflict).
    pub needs: BTreeMap<&'a str, BTreeMap<&'a str, Why>>,
}

/// Whether `s` is a task id: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`.
pub(super) fn is_id(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(c))
}

impl<'a> Graph<'a> {
    /// Checks that the plan's waves, deps and conflicts agree.
    pub fn new(plan: &'a Plan) -> Result<Self> {
        if plan.schema != "muster.plan/v1" {
            bail!(
                "expected a muster.plan/v1, got \"{}\"",
                plan.schema.escape_debug()
            );
        }
        let mut needs: BTreeMap<&str, BTreeMap<&str, Why>> = BTreeMap::new();
        for (i, t) in plan.tasks.iter().enumerate() {
            if !is_id(&t.id) {
                bail!(
                    "tasks[{i}].id: \"{}\" is not of the form [A-Za-z0-9][A-Za-z0-9._-]{{0,63}}",
                    t.id.escape_debug()
                );
            }
            if needs.insert(&t.id, BTreeMap::new()).is_some() {
                bail!("tasks[{i}].id: duplicate task \"{}\"", t.id);
            }
        }
        let mut wave_of: BTreeMap<&str, usize> = BTreeMap::new();
        let mut waves = Vec::with_capacity(plan.waves.len());
        for (w, wave) in plan.waves.iter().enumerate() {
            let mut ids = Vec::with_capacity(wave.len());
            for (j, id) in wave.iter().enumerate() {
                if !needs.contains_key(id.as_str()) {
                    bail!("waves[{w}][{j}]: unknown task \"{}\"", id.escape_debug());
                }
                if let Some(other) = wave_of.insert(id, w) {
                    bail!("waves[{w}][{j}]: task \"{id}\" is already in wave {other}");
                }
                ids.push(id.as_str());
            }
            waves.push(ids);
        }
        for (i, t) in plan.tasks.iter().enumerate() {
            let Some(&w) = wave_of.get(t.id.as_str()) else {
                bail!("tasks[{i}]: task \"{}\" is in no wave", t.id);
            };
            if let Some(tw) = t.wave {
                if tw != w {
                    bail!(
                        "tasks[{i}].wave: task \"{}\" says wave {tw} but waves put it in wave {w}",
                        t.id
                    );
                }
            }
            for (j, dep) in t.deps.iter().enumerate() {
                let Some(&dw) = wave_of.get(dep.as_str()) else {
                    bail!(
                        "tasks[{i}].deps[{j}]: unknown task \"{}\"",
                        dep.escape_debug()
                    );
                };
                if dw >= w {
                    bail!(
                        "tasks[{i}].deps[{j}]: task \"{}\" (wave {w}) depends on \"{dep}\" (wave {dw}), which is not in an earlier wave",
                        t.id
                    );
                }
                if let Some(n) = needs.get_mut(t.id.as_str()) {
                    n.insert(dep, Why::Dep);
                }
            }
        }
        for (i, c) in plan.conflicts.iter().enumerate() {
            let wave = |field: &str, id: &str| match wave_of.get(id) {
                Some(&w) => Ok(w),
                None => bail!(
                    "conflicts[{i}].{field}: unknown task \"{}\"",
                    id.escape_debug()
                ),
            };
            let (wa, wb) = (wave("a", &c.a)?, wave("b", &c.b)?);
            let (first, later) = match wa.cmp(&wb) {
                std::cmp::Ordering::Less => (&*c.a, &*c.b),
                std::cmp::Ordering::Greater => (&*c.b, &*c.a),
                std::cmp::Ordering::Equal => bail!(
                    "conflicts[{i}]: conflicting tasks \"{}\" and \"{}\" are both in wave {wa}",
                    c.a,
                    c.b
                ),
            };
            if let Some(n) = needs.get_mut(later) {
                n.entry(first).or_insert(Why::Conflict);
            }
        }
        let ids = needs.keys().copied().collect();
        Ok(Graph { waves, ids, needs })
    }

    /// What `id` waits for, sorted.
    pub fn needs_of(&self, id: &str) -> impl Iterator<Item = (&'a str, Why)> + '_ {
        self.needs
            .get(id)
            .into_iter()
            .flat_map(|n| n.iter().map(|(k, v)| (*k, *v)))
    }

    /// Every need as (earlier, later, why), sorted by earlier then later.
    pub fn edges(&self) -> Vec<(&'a str, &'a str, Why)> {
        let mut edges: Vec<_> = self
            .needs
            .iter()
            .flat_map(|(later, n)| n.iter().map(move |(first, why)| (*first, *later, *why)))
            .collect();
        edges.sort();
        edges
    }
}
