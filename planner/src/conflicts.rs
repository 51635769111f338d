//! Which tasks may not run at the same time because their write allowlists
//! overlap: some path could match a pattern of each (DESIGN.md section 4).
//!
//! Not every pair of patterns is compared. A pattern anchored at the root
//! only takes paths that start with its literal leading segments
//! (`services/pay/src/*.rs`: `services/pay/src`), so two anchored patterns
//! can share a path only when one's leading segments begin the other's.
//! Patterns are sorted by their leading segments; each is compared with
//! those whose leading segments its own begin (a contiguous run in that
//! order) and with every floating pattern (`*.md`, `build/`), which may
//! take a path anywhere. Each candidate pair is then decided exactly, with a
//! witness path, by `muster_shared::glob::intersect`.

use crate::graph::Graph;
use muster_shared::glob::intersect::Intersector;
use muster_shared::schema::Conflict;
use std::collections::BTreeMap;

/// Below this many candidate pairs one thread decides them all.
const PARALLEL_FROM: usize = 4096;

/// One pattern of one task.
#[derive(Debug, Clone, Copy)]
struct Slot {
    task: usize,
    pattern: usize,
}

/// The overlapping pairs of tasks, each with the first pair of patterns (in
/// each task's touches order) that overlap, and a path both take. Sorted by
/// the two ids.
///
/// Patterns are compared once per distinct text: many tasks touching
/// `services/pay/CHANGELOG.md` cost one comparison with each other
/// pattern, not one per task.
pub fn find(g: &Graph) -> Conflicts {
    // Distinct patterns, each with the tasks (and positions) using it.
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    let mut users: Vec<Vec<Slot>> = Vec::new();
    let mut first: Vec<Slot> = Vec::new();
    for (task, patterns) in g.touches.iter().enumerate() {
        for (pattern, p) in patterns.iter().enumerate() {
            let slot = Slot { task, pattern };
            let id = *ids.entry(p.text.as_str()).or_insert_with(|| {
                users.push(Vec::new());
                first.push(slot);
                users.len() - 1
            });
            users[id].push(slot);
        }
    }
    let pattern = |id: usize| &g.touches[first[id].task][first[id].pattern];

    // Anchored patterns by leading segments, as `a/b/` (a prefix test on
    // these strings is a prefix test on whole segments).
    let mut anchored: Vec<(String, usize)> = Vec::new();
    let mut floating: Vec<usize> = Vec::new();
    for id in 0..users.len() {
        match pattern(id).anchored_lead() {
            Some(lead) => {
                let mut key = String::new();
                for s in lead {
                    key.push_str(s);
                    key.push('/');
                }
                anchored.push((key, id));
            }
            None => floating.push(id),
        }
    }
    anchored.sort();

    // Candidate pairs of distinct patterns (a pattern with itself too: two
    // tasks may both touch it).
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (i, (key, a)) in anchored.iter().enumerate() {
        pairs.push((*a, *a));
        for (other, b) in &anchored[i + 1..] {
            if !other.starts_with(key.as_str()) {
                break;
            }
            pairs.push((*a, *b));
        }
    }
    for (i, &f) in floating.iter().enumerate() {
        for (_, other) in &anchored {
            pairs.push((f, *other));
        }
        for &other in &floating[i..] {
            pairs.push((f, other));
        }
    }
    // A pattern with itself matters only when two tasks use it.
    pairs.retain(|&(a, b)| a != b || users[a].len() > 1);

    // Each candidate decided exactly, on every core.
    let decided = muster_shared::par::map_chunks(pairs.len(), PARALLEL_FROM, |range| {
        let mut x = Intersector::new();
        let mut found = Vec::new();
        for &(a, b) in &pairs[range] {
            if let Some(w) = x.witness(pattern(a), pattern(b)) {
                // Too complex to intersect exactly: a conflict, to be safe,
                // with no witness (the one found may not match both).
                found.push((a, b, x.was_exact().then_some(w)));
            }
        }
        found
    });

    // Per pair of tasks, the first pair of patterns: every (task pair,
    // pattern pair) found, sorted, the first of each task pair kept.
    let witnesses: Vec<(usize, usize, Option<String>)> = decided.into_iter().flatten().collect();
    let mut hits: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
    for (k, (pa, pb, _)) in witnesses.iter().enumerate() {
        for a in &users[*pa] {
            for b in &users[*pb] {
                if a.task == b.task {
                    continue;
                }
                let (a, b) = if a.task < b.task { (a, b) } else { (b, a) };
                hits.push((a.task, b.task, a.pattern, b.pattern, k));
            }
        }
    }
    hits.sort_unstable();
    hits.dedup_by_key(|h| (h.0, h.1));
    let conflicts = hits
        .iter()
        .map(|&(a, b, pa, pb, k)| Found {
            a,
            b,
            patterns: (pa, pb),
            witness: k,
        })
        .collect();
    Conflicts {
        pairs: conflicts,
        witnesses: witnesses.into_iter().map(|w| w.2).collect(),
    }
}

/// One conflicting pair of tasks (by index), the first pair of their
/// patterns that overlap, and its witness.
#[derive(Debug, Clone, Copy)]
pub struct Found {
    /// The task with the smaller id.
    pub a: usize,
    /// The other task.
    pub b: usize,
    /// The overlapping patterns: indexes into each task's touches.
    pub patterns: (usize, usize),
    /// Index of the witness in [`Conflicts::witnesses`].
    pub witness: usize,
}

/// The conflicts of a graph, sorted by task pair, and their witnesses.
#[derive(Debug, Clone, Default)]
pub struct Conflicts {
    /// The pairs.
    pub pairs: Vec<Found>,
    /// Witness paths, shared by the pairs of tasks that use the same
    /// patterns; None where the patterns were too complex to intersect
    /// exactly and the pair is reported to be safe.
    pub witnesses: Vec<Option<String>>,
}

impl Conflicts {
    /// As the plan writes them.
    pub fn documents(&self, g: &Graph) -> Vec<Conflict> {
        self.pairs
            .iter()
            .map(|f| {
                let witness = self.witnesses[f.witness].clone();
                let (pa, pb) = (
                    &g.touches[f.a][f.patterns.0].text,
                    &g.touches[f.b][f.patterns.1].text,
                );
                let reason = if witness.is_some() {
                    format!("touches '{pa}' and '{pb}' overlap")
                } else {
                    format!(
                        "touches '{pa}' and '{pb}' may overlap: too complex to intersect exactly, so kept apart to be safe"
                    )
                };
                Conflict {
                    a: g.tasks[f.a].id.clone(),
                    b: g.tasks[f.b].id.clone(),
                    reason,
                    witness,
                }
            })
            .collect()
    }
}
