//! Waves: each task in the earliest wave after all its dependencies, then
//! pushed later while a task already in that wave conflicts with it (their
//! allowlists overlap) or the wave's named resources would run out. Tasks
//! are placed critical path first (the longest weighted chain still ahead
//! of them), ties by id, so when two conflict the one more work hangs on
//! goes first. With no conflicts and no resources the waves are the
//! topological generations of the graph.

use crate::conflicts::Conflicts;
use crate::graph::Graph;
use anyhow::{bail, Result};
use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};

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

/// A task waiting to be placed, in placement order.
#[derive(Debug, PartialEq)]
struct Next {
    earliest: usize,
    tail: f64,
    task: usize,
}

impl Eq for Next {}

impl Ord for Next {
    fn cmp(&self, o: &Self) -> Ordering {
        // Earliest wave first, then the longer tail, then the smaller id.
        self.earliest
            .cmp(&o.earliest)
            .then(o.tail.total_cmp(&self.tail))
            .then(self.task.cmp(&o.task))
    }
}

impl PartialOrd for Next {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
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
/// Each pattern keeps the waves it may not go in: placing a task
/// in wave `w` adds `w` to every pattern near one of its own, so a task fits
/// in a wave when none of its patterns has that wave. The work is the number
/// of overlapping pattern pairs a task has, not of conflicting tasks.
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
    let tail = tails(g);
    let n = g.len();
    let mut wave = vec![usize::MAX; n];
    let mut waves: Vec<Vec<usize>> = Vec::new();
    let mut used: Vec<BTreeMap<&str, u64>> = Vec::new();
    // Per pattern, the waves it may not go in, as a bitset (a few hundred
    // waves: a handful of words; a hash set cost more than its lookups).
    let mut taken: Vec<Vec<u64>> = vec![Vec::new(); conflicts.patterns()];
    let has = |set: &[u64], w: usize| set.get(w / 64).is_some_and(|b| b & (1 << (w % 64)) != 0);
    let mut waiting: Vec<usize> = g.deps.iter().map(Vec::len).collect();
    let mut heap: BinaryHeap<Reverse<Next>> = (0..n)
        .filter(|&i| waiting[i] == 0)
        .map(|i| {
            Reverse(Next {
                earliest: 0,
                tail: tail[i],
                task: i,
            })
        })
        .collect();
    while let Some(Reverse(Next { earliest, task, .. })) = heap.pop() {
        let mut w = earliest;
        loop {
            let clash = conflicts.uses(task).iter().any(|&p| has(&taken[p], w));
            let full = used.get(w).is_some_and(|u| {
                g.tasks[task]
                    .resources
                    .iter()
                    .any(|(name, &k)| u.get(name.as_str()).copied().unwrap_or(0) + k > cap(name))
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
        }
        waves[w].push(task);
        for &p in conflicts.uses(task) {
            for &q in conflicts.near(p) {
                let set = &mut taken[q];
                if set.len() <= w / 64 {
                    set.resize(w / 64 + 1, 0);
                }
                set[w / 64] |= 1 << (w % 64);
            }
        }
        for (name, &k) in &g.tasks[task].resources {
            *used[w].entry(name.as_str()).or_insert(0) += k;
        }
        for &d in &g.dependents[task] {
            waiting[d] -= 1;
            if waiting[d] == 0 {
                let earliest = g.deps[d].iter().map(|&p| wave[p] + 1).max().unwrap_or(0);
                heap.push(Reverse(Next {
                    earliest,
                    tail: tail[d],
                    task: d,
                }));
            }
        }
    }
    for members in &mut waves {
        members.sort_by(|&a, &b| tail[b].total_cmp(&tail[a]).then(a.cmp(&b)));
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
