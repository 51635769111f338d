//! The task graph: tasks by index (sorted by id), their dependencies, and the
//! checks a graph must pass (DESIGN.md section 5): unique valid ids, known
//! dependencies, a write allowlist on every writing task, globs that
//! compile, and no cycle (every cycle is reported as a path).

use anyhow::{bail, Result};
use muster_shared::glob::Pattern;
use muster_shared::hash::FnvMap;
use muster_shared::schema::{ConcurrencyClass, Task};
use std::collections::BTreeMap;

/// A checked task graph. Task `i` is the `i`-th by id.
#[derive(Debug)]
pub struct Graph {
    /// The tasks, sorted by id.
    pub tasks: Vec<Task>,
    /// Each task's dependencies (indexes, ascending, no repeats).
    pub deps: Vec<Vec<usize>>,
    /// Each task's dependents (indexes, ascending).
    pub dependents: Vec<Vec<usize>>,
    /// The distinct patterns of all the tasks' write allowlists, numbered in
    /// the byte order of their texts (so not by the input's order).
    pub patterns: Vec<Pattern>,
    /// Each task's write allowlist as pattern numbers, in its touches order
    /// (empty for read-only tasks).
    pub touches: Vec<Vec<usize>>,
    /// The tasks in a topological order (dependencies first; ties by id).
    pub order: Vec<usize>,
}

impl Graph {
    /// Checks `tasks` and builds the graph. Every problem found is reported,
    /// each with its JSON path (`tasks[3].deps[0]`).
    pub fn new(mut tasks: Vec<Task>) -> Result<Graph> {
        // The ids and dependencies checked on one thread while the write
        // allowlists are parsed on the others: neither needs the other.
        let ((mut problems, raw_deps), allowlists) = std::thread::scope(|s| {
            let ids = s.spawn(|| check_ids(&tasks));
            let allowlists = Allowlists::read(&tasks);
            let ids = ids.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            (ids, allowlists)
        });
        let Allowlists { mut raw, parsed } = allowlists;
        for (i, mine) in raw.iter().enumerate() {
            for (k, &id) in mine.iter().enumerate() {
                if let Err(e) = &parsed[id] {
                    problems.push(format!("tasks[{i}].touches[{k}]: {e}"));
                }
            }
        }
        if !problems.is_empty() {
            bail!("{}", join_problems(&problems));
        }

        // Sorted by id (in place: a task is a few hundred bytes), touches
        // alongside.
        let mut perm: Vec<usize> = (0..tasks.len()).collect();
        perm.sort_by(|&a, &b| tasks[a].id.cmp(&tasks[b].id));
        permute(&mut tasks, &perm);
        permute(&mut raw, &perm);
        let touches = raw;
        // Every pattern parsed (or the problems above were reported).
        let patterns: Vec<Pattern> = parsed.into_iter().filter_map(Result::ok).collect();
        // Each input position's place in id order.
        let n = tasks.len();
        let mut place = vec![0; n];
        for (k, &i) in perm.iter().enumerate() {
            place[i] = k;
        }
        let mut deps = vec![Vec::new(); n];
        let mut dependents = vec![Vec::new(); n];
        for (i, &input) in perm.iter().enumerate() {
            let mut d: Vec<usize> = raw_deps[input].iter().map(|&j| place[j]).collect();
            d.sort_unstable();
            d.dedup();
            for &j in &d {
                dependents[j].push(i);
            }
            deps[i] = d;
        }
        let order = topological(&deps, &dependents);
        if order.len() < n {
            let cycles = cycles(&tasks, &deps, &order);
            let shown: Vec<String> = cycles.iter().take(MAX_CYCLES).cloned().collect();
            let (count, more) = if cycles.len() > MAX_CYCLES {
                (format!("more than {MAX_CYCLES}"), "; and more".to_string())
            } else {
                (cycles.len().to_string(), String::new())
            };
            bail!(
                "the dependencies have {count} cycle{}: {}{more}",
                if cycles.len() == 1 { "" } else { "s" },
                shown.join("; ")
            );
        }
        Ok(Graph {
            tasks,
            deps,
            dependents,
            patterns,
            touches,
            order,
        })
    }

    /// How many tasks.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }
}

/// Below this many distinct patterns one thread parses them all.
const PARSE_PARALLEL_FROM: usize = 2048;

/// At most this many cycles are written out.
const MAX_CYCLES: usize = 50;

/// Checks the ids (valid, unique), the dependencies (known) and that every
/// writing task has a write allowlist. The problems found, and each task's
/// dependencies as input positions.
fn check_ids(tasks: &[Task]) -> (Vec<String>, Vec<Vec<usize>>) {
    let mut problems = Vec::new();
    let mut seen: FnvMap<&str, usize> =
        FnvMap::with_capacity_and_hasher(tasks.len(), Default::default());
    for (i, t) in tasks.iter().enumerate() {
        if !muster_shared::id::is_valid(&t.id) {
            problems.push(format!(
                "tasks[{i}].id: {:?} is not a valid id (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)",
                t.id
            ));
        }
        if let Some(first) = seen.insert(&t.id, i) {
            problems.push(format!(
                "tasks[{i}].id: duplicate id {:?} (also tasks[{first}])",
                t.id
            ));
        }
    }
    let mut raw_deps: Vec<Vec<usize>> = Vec::with_capacity(tasks.len());
    for (i, t) in tasks.iter().enumerate() {
        let mut mine = Vec::with_capacity(t.deps.len());
        for (k, d) in t.deps.iter().enumerate() {
            if let Some(&j) = seen.get(d.as_str()) {
                mine.push(j);
            } else {
                problems.push(format!(
                    "tasks[{i}].deps[{k}]: unknown task {d:?} (task {:?} depends on it)",
                    t.id
                ));
            }
        }
        let writes = t.concurrency_class != ConcurrencyClass::ReadOnly;
        if writes && t.touches.is_empty() {
            problems.push(format!(
                "tasks[{i}].touches: task {:?} writes ({}) but has no touches; give its write allowlist, or make it read-only",
                t.id,
                serde_json::to_value(t.concurrency_class)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            ));
        }
        raw_deps.push(mine);
    }
    (problems, raw_deps)
}

/// The tasks' write allowlists: each distinct pattern text parsed once, on
/// every core.
struct Allowlists {
    /// Per task (input order), its touches as distinct-pattern numbers
    /// (empty for read-only tasks).
    raw: Vec<Vec<usize>>,
    /// The distinct patterns, numbered in the byte order of their texts.
    parsed: Vec<Result<Pattern, muster_shared::glob::GlobError>>,
}

impl Allowlists {
    fn read(tasks: &[Task]) -> Allowlists {
        let mut distinct: FnvMap<&str, usize> = FnvMap::default();
        let mut texts: Vec<&str> = Vec::new();
        let mut raw: Vec<Vec<usize>> = Vec::with_capacity(tasks.len());
        for t in tasks {
            let mut mine = Vec::new();
            if t.concurrency_class != ConcurrencyClass::ReadOnly {
                for g in &t.touches {
                    let id = *distinct.entry(g.as_str()).or_insert_with(|| {
                        texts.push(g);
                        texts.len() - 1
                    });
                    mine.push(id);
                }
            }
            raw.push(mine);
        }
        drop(distinct);
        // Numbered, and parsed, in the byte order of their texts: the
        // numbers do not depend on the input's order, and patterns that
        // share leading directories sit side by side in memory, in the
        // order the conflict search visits them (a third of its time went
        // in cache misses when they were strewn in order of first use).
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_unstable_by_key(|&i| texts[i]);
        let mut rank = vec![0; texts.len()];
        for (k, &i) in order.iter().enumerate() {
            rank[i] = k;
        }
        for id in raw.iter_mut().flatten() {
            *id = rank[*id];
        }
        let parsed = muster_shared::par::map_chunks(order.len(), PARSE_PARALLEL_FROM, |r| {
            order[r]
                .iter()
                .map(|&i| Pattern::parse(texts[i]))
                .collect::<Vec<_>>()
        })
        .into_iter()
        .flatten()
        .collect();
        Allowlists { raw, parsed }
    }
}

/// Reorders `v` in place so that item `k` is the one that was at `perm[k]`
/// (`perm` a permutation of `0..v.len()`): each item moved once along its
/// cycle; nothing moves when `perm` is in order.
fn permute<T>(v: &mut [T], perm: &[usize]) {
    let mut placed = vec![false; v.len()];
    for start in 0..v.len() {
        let mut k = start;
        while !placed[k] {
            placed[k] = true;
            let from = perm[k];
            if from == start {
                break;
            }
            v.swap(k, from);
            k = from;
        }
    }
}

fn join_problems(problems: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut s = problems
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > SHOWN {
        s.push_str(&format!("; and {} more problems", problems.len() - SHOWN));
    }
    s
}

/// Kahn's algorithm, smallest index first: the tasks that are not on or
/// behind a cycle, dependencies first.
fn topological(deps: &[Vec<usize>], dependents: &[Vec<usize>]) -> Vec<usize> {
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<usize>> = waiting
        .iter()
        .enumerate()
        .filter(|(_, &w)| w == 0)
        .map(|(i, _)| std::cmp::Reverse(i))
        .collect();
    let mut order = Vec::with_capacity(deps.len());
    while let Some(std::cmp::Reverse(i)) = ready.pop() {
        order.push(i);
        for &d in &dependents[i] {
            waiting[d] -= 1;
            if waiting[d] == 0 {
                ready.push(std::cmp::Reverse(d));
            }
        }
    }
    order
}

/// The cycles among the tasks Kahn's algorithm could not order, each as a
/// path `A -> B -> A` (A depends on B, ... ). For each task on a cycle, in
/// id order, the shortest cycle through it; each distinct cycle once, and no
/// more than one past [`MAX_CYCLES`].
fn cycles(tasks: &[Task], deps: &[Vec<usize>], ordered: &[usize]) -> Vec<String> {
    let n = deps.len();
    let mut done = vec![false; n];
    for &i in ordered {
        done[i] = true;
    }
    // Tasks behind a cycle (depending on one) are not on it: keep only
    // those that reach themselves.
    let mut found: Vec<Vec<usize>> = Vec::new();
    for start in 0..n {
        if done[start] {
            continue;
        }
        if let Some(cycle) = shortest_cycle(start, deps, &done) {
            // The same cycle from its smallest member, so rotations agree.
            let at = cycle
                .iter()
                .enumerate()
                .min_by_key(|(_, &v)| v)
                .map_or(0, |(k, _)| k);
            let mut canon = cycle[at..].to_vec();
            canon.extend_from_slice(&cycle[..at]);
            if !found.contains(&canon) {
                found.push(canon);
                if found.len() > MAX_CYCLES {
                    break; // enough to show, and "more" to say
                }
            }
        }
    }
    found.sort();
    found
        .iter()
        .map(|c| {
            let mut names: Vec<&str> = c.iter().map(|&v| tasks[v].id.as_str()).collect();
            names.push(names[0]);
            names.join(" -> ")
        })
        .collect()
}

/// The shortest path from `start` along dependencies back to `start`
/// (breadth first, smallest index first), among tasks not `done`.
fn shortest_cycle(start: usize, deps: &[Vec<usize>], done: &[bool]) -> Option<Vec<usize>> {
    let mut parent: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &d in &deps[v] {
            if done[d] {
                continue;
            }
            if d == start {
                let mut path = vec![v];
                let mut at = v;
                while at != start {
                    at = parent[&at];
                    path.push(at);
                }
                path.reverse();
                return Some(path);
            }
            if let std::collections::btree_map::Entry::Vacant(e) = parent.entry(d) {
                e.insert(v);
                queue.push_back(d);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permute_puts_each_item_where_the_permutation_says() {
        let mut state = 0x853c_49e6_748f_ea9bu64;
        for n in [0, 1, 2, 3, 10, 257] {
            for _ in 0..20 {
                // A random permutation (Fisher-Yates).
                let mut perm: Vec<usize> = (0..n).collect();
                for i in (1..n).rev() {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    perm.swap(i, (state % (i as u64 + 1)) as usize);
                }
                let items: Vec<String> = (0..n).map(|i| format!("item {i}")).collect();
                let mut got = items.clone();
                permute(&mut got, &perm);
                let want: Vec<String> = perm.iter().map(|&p| items[p].clone()).collect();
                assert_eq!(got, want, "{perm:?}");
            }
        }
    }

    fn task(id: &str, deps: &[&str]) -> Task {
        serde_json::from_value(serde_json::json!({
            "id": id, "goal": "g", "deps": deps, "touches": [format!("{id}/")],
        }))
        .unwrap()
    }

    fn err(tasks: Vec<Task>) -> String {
        format!("{:#}", Graph::new(tasks).unwrap_err())
    }

    #[test]
    fn every_cycle_is_a_path() {
        let e = err(vec![
            task("A", &["B"]),
            task("B", &["A"]),
            task("C", &["D"]),
            task("D", &["E"]),
            task("E", &["C"]),
            task("F", &["A"]),
        ]);
        assert!(e.contains("2 cycles"), "{e}");
        assert!(e.contains("A -> B -> A"), "{e}");
        assert!(e.contains("C -> D -> E -> C"), "{e}");
        assert!(!e.contains("F ->"), "F is behind a cycle, not on one: {e}");
        let e = err(vec![task("C", &["D"]), task("D", &["C", "D"])]);
        assert!(e.contains("2 cycles: C -> D -> C; D -> D"), "{e}");
        let e = err(vec![task("A", &["A"])]);
        assert!(e.contains("A -> A"), "{e}");
    }

    #[test]
    fn problems_name_their_place() {
        let mut t = task("A", &["Z"]);
        t.touches.clear();
        let e = err(vec![t, task("A", &[]), task("b c", &[])]);
        assert!(e.contains("tasks[0].deps[0]: unknown task \"Z\""), "{e}");
        assert!(e.contains("tasks[1].id: duplicate id \"A\""), "{e}");
        assert!(e.contains("tasks[0].touches: task \"A\" writes"), "{e}");
        assert!(e.contains("tasks[2].id: \"b c\" is not a valid id"), "{e}");
        let mut bad = task("A", &[]);
        bad.touches = vec!["{a,b}".into()];
        assert!(err(vec![bad]).contains("tasks[0].touches[0]"));
    }

    #[test]
    fn sorted_by_id_with_deps_as_indexes() {
        let g = Graph::new(vec![
            task("b", &["a"]),
            task("a", &[]),
            task("c", &["a", "b", "a"]),
        ])
        .unwrap();
        assert_eq!(
            g.tasks.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(g.deps, [vec![], vec![0], vec![0, 1]]);
        assert_eq!(g.order, [0, 1, 2]);
        assert_eq!(g.patterns[g.touches[1][0]].text, "b/");
    }
}
