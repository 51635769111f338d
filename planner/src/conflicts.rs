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
pub fn find(g: &Graph) -> Vec<Conflict> {
    // Anchored patterns by leading segments, as `a/b/` (a prefix test on
    // these strings is a prefix test on whole segments).
    let mut anchored: Vec<(String, Slot)> = Vec::new();
    let mut floating: Vec<Slot> = Vec::new();
    for (task, patterns) in g.touches.iter().enumerate() {
        for (pattern, p) in patterns.iter().enumerate() {
            let slot = Slot { task, pattern };
            match p.anchored_lead() {
                Some(lead) => {
                    let mut key = String::new();
                    for s in lead {
                        key.push_str(s);
                        key.push('/');
                    }
                    anchored.push((key, slot));
                }
                None => floating.push(slot),
            }
        }
    }
    anchored.sort_by(|a, b| a.0.cmp(&b.0));

    // Candidate pairs.
    let mut pairs: Vec<(Slot, Slot)> = Vec::new();
    for (i, (key, a)) in anchored.iter().enumerate() {
        for (other, b) in &anchored[i + 1..] {
            if !other.starts_with(key.as_str()) {
                break;
            }
            if a.task != b.task {
                pairs.push((*a, *b));
            }
        }
    }
    let all: Vec<Slot> = anchored.iter().map(|(_, s)| *s).collect();
    for (i, f) in floating.iter().enumerate() {
        for other in all.iter().chain(&floating[i + 1..]) {
            if f.task != other.task {
                pairs.push((*f, *other));
            }
        }
    }

    // Each candidate decided exactly, on every core.
    let decided = muster_shared::par::map_chunks(pairs.len(), PARALLEL_FROM, |range| {
        let mut x = Intersector::new();
        let mut found = Vec::new();
        for &(a, b) in &pairs[range] {
            let (pa, pb) = (&g.touches[a.task][a.pattern], &g.touches[b.task][b.pattern]);
            if let Some(w) = x.witness(pa, pb) {
                found.push((a, b, w));
            }
        }
        found
    });

    // Per pair of tasks, the first pair of patterns.
    type Key = (usize, usize);
    let mut best: BTreeMap<Key, ((usize, usize), String)> = BTreeMap::new();
    for (a, b, w) in decided.into_iter().flatten() {
        let (a, b) = if a.task < b.task { (a, b) } else { (b, a) };
        let key = (a.task, b.task);
        let rank = (a.pattern, b.pattern);
        match best.get(&key) {
            Some((r, _)) if *r <= rank => {}
            _ => {
                best.insert(key, (rank, w));
            }
        }
    }
    best.into_iter()
        .map(|((a, b), ((pa, pb), witness))| Conflict {
            a: g.tasks[a].id.clone(),
            b: g.tasks[b].id.clone(),
            reason: format!(
                "touches '{}' and '{}' overlap",
                g.touches[a][pa].text, g.touches[b][pb].text
            ),
            witness: Some(witness),
        })
        .collect()
}
