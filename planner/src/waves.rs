//! Waves: each task in the earliest wave after all its dependencies, then
//! pushed later while a task already in that wave conflicts with it (their
//! allowlists overlap) or the wave's named resources would run out. Tasks
//! are placed critical path first (the longest weighted chain still ahead
//! of them), ties by id, so when two conflict the one more work hangs on
//! goes first. With no conflicts and no resources the waves are the
//! topological generations of the graph.

use crate::conflicts::Conflicts;
use crate::flat::Flat;
use crate::graph::Graph;
use anyhow::{bail, Result};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Where each task goes, and the waves in order.
#[derive(Debug)]
pub struct Waves {
    /// Each task's wave.
    pub wave: Vec<usize>,
    /// The waves: task indexes, critical path first, ties by id.
    pub waves: Vec<Vec<usize>>,
    /// Each task's weight plus the heaviest chain of dependents after it.
    pub tail: Vec<f64>,
}

/// Placement order of two tasks given as (tail, index): the longer tail
/// first, then the smaller index.
fn first(a: (f64, usize), b: (f64, usize)) -> Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Each task's weight plus the heaviest chain of dependents after it.
pub fn tails(g: &Graph) -> Vec<f64> {
    let mut tail = vec![0.0; g.len()];
    for &i in g.order.iter().rev() {
        let after = g.dependents[i].iter().map(|&d| tail[d]).fold(0.0, f64::max);
        tail[i] = g.tasks[i].weight() + after;
    }
    tail
}

/// Places every task. Two tasks conflict when a pattern one uses is near a
/// pattern the other uses (`conflicts`); `capacity` is how many units of
/// each named resource a wave has (1 for a name it does not list).
///
/// Each wave keeps the patterns that may not go in it: placing a task in
/// wave `w` adds every pattern near one of its own to wave `w`'s set, so a
/// task fits in a wave when none of its patterns is in that wave's set. The
/// work is the number of overlapping pattern pairs a task has, not of
/// conflicting tasks.
///
/// A task placed in wave `w` readies only tasks whose earliest wave is
/// after `w`, so the ready tasks are kept by earliest wave and placed a
/// wave at a time, each wave's sorted once: the order a priority queue on
/// (earliest, tail, id) would give, with fewer cache misses.
pub fn place(g: &Graph, conflicts: &Conflicts, capacity: &BTreeMap<String, u64>) -> Result<Waves> {
    let cap = |name: &str| capacity.get(name).copied().unwrap_or(1);
    for t in &g.tasks {
        for (name, &n) in &t.resources {
            if n > cap(name) {
                bail!(
                    "task {:?} needs {n} of resource {name:?}, but a wave has only {} (plan.resources in muster.json)",
                    t.id,
                    cap(name)
                );
            }
        }
    }
    let n = g.len();
    if u32::try_from(n).is_err() || u32::try_from(conflicts.patterns()).is_err() {
        bail!(
            "too many tasks or patterns to place: at most {} of each",
            u32::MAX
        );
    }
    let tail = tails(g);
    let mut wave = vec![usize::MAX; n];
    let mut waves: Vec<Vec<usize>> = Vec::new();
    let mut used: Vec<BTreeMap<&str, u64>> = Vec::new();
    let uses_resources: Vec<bool> = g.tasks.iter().map(|t| !t.resources.is_empty()).collect();
    // Per wave, the patterns that may not go in it: a bitset of `stride`
    // words, the waves one after another in one vector. Placing a task sets
    // a few hundred bits of one wave's set, which stays in the cache (a
    // set of waves per pattern took a cache miss for nearly every bit).
    let stride = conflicts.patterns().div_ceil(64);
    let mut taken: Vec<u64> = Vec::new();
    let has = |taken: &[u64], w: usize, p: usize| {
        taken
            .get(w * stride + p / 64)
            .is_some_and(|b| b & (1 << (p % 64)) != 0)
    };
    // Indexes as u32 (checked above): half the cache lines.
    fn as_u32(list: &[usize]) -> impl Iterator<Item = u32> + '_ {
        list.iter().map(|&i| i as u32)
    }
    let near = Flat::from_lists((0..conflicts.patterns()).map(|p| as_u32(conflicts.near(p))));
    let uses = Flat::from_lists((0..n).map(|t| as_u32(conflicts.uses(t))));
    let dependents = Flat::from_lists(g.dependents.iter().map(|d| as_u32(d)));
    // Per task, its dependencies not yet placed and the earliest wave after
    // those placed, side by side (one cache miss for both).
    let mut waiting: Vec<(u32, u32)> = g.deps.iter().map(|d| (d.len() as u32, 0)).collect();
    // The ready tasks (every dependency placed) as (tail, index), by
    // earliest wave.
    let mut ready: Vec<Vec<(f64, usize)>> = vec![(0..n)
        .filter(|&i| waiting[i].0 == 0)
        .map(|i| (tail[i], i))
        .collect()];
    let mut at = 0;
    while let Some(bucket) = ready.get_mut(at) {
        let mut bucket = std::mem::take(bucket);
        bucket.sort_unstable_by(|&a, &b| first(a, b));
        for (_, task) in bucket {
            let mut w = at;
            loop {
                let clash = uses.get(task).iter().any(|&p| has(&taken, w, p as usize));
                let full = uses_resources[task]
                    && used.get(w).is_some_and(|u| {
                        g.tasks[task].resources.iter().any(|(name, &k)| {
                            u.get(name.as_str()).copied().unwrap_or(0) + k > cap(name)
                        })
                    });
                if !clash && !full {
                    break;
                }
                w += 1;
            }
            wave[task] = w;
            while waves.len() <= w {
                waves.push(Vec::new());
                used.push(BTreeMap::new());
                taken.resize(waves.len() * stride, 0);
            }
            waves[w].push(task);
            let set = &mut taken[w * stride..(w + 1) * stride];
            for &p in uses.get(task) {
                for &q in near.get(p as usize) {
                    set[q as usize / 64] |= 1 << (q % 64);
                }
            }
            if uses_resources[task] {
                for (name, &k) in &g.tasks[task].resources {
                    *used[w].entry(name.as_str()).or_insert(0) += k;
                }
            }
            for &d in dependents.get(task) {
                let d = d as usize;
                let (left, earliest) = &mut waiting[d];
                *left -= 1;
                *earliest = (*earliest).max(w as u32 + 1);
                if *left == 0 {
                    let e = *earliest as usize;
                    if ready.len() <= e {
                        ready.resize_with(e + 1, Vec::new);
                    }
                    ready[e].push((tail[d], d));
                }
            }
        }
        at += 1;
    }
    for members in &mut waves {
        members.sort_by(|&a, &b| first((tail[a], a), (tail[b], b)));
    }
    // A wave left empty (every task in it pushed on) is dropped.
    let mut renumber = Vec::with_capacity(waves.len());
    let mut kept = Vec::with_capacity(waves.len());
    for members in waves {
        renumber.push(kept.len());
        if !members.is_empty() {
            kept.push(members);
        }
    }
    for w in &mut wave {
        *w = renumber[*w];
    }
    Ok(Waves {
        wave,
        waves: kept,
        tail,
    })
}

/// The critical path: from the task with the longest tail (ties by id),
/// each step to the dependent with the longest tail.
pub fn critical_path(g: &Graph, tail: &[f64]) -> (f64, Vec<usize>) {
    let longest = |of: &mut dyn Iterator<Item = usize>| {
        of.fold(None::<usize>, |best, i| match best {
            Some(b) if tail[b] >= tail[i] => Some(b),
            _ => Some(i),
        })
    };
    let Some(mut at) = longest(&mut (0..g.len())) else {
        return (0.0, Vec::new());
    };
    let length = tail[at];
    let mut path = vec![at];
    while let Some(next) = longest(&mut g.dependents[at].iter().copied()) {
        path.push(next);
        at = next;
    }
    (length, path)
}
