//! No two tasks that may run together (one wave; one `plan next` dispatch
//! alongside the running tasks) share a path both of their patterns take,
//! checked by brute force over generated paths; every pair that shares one
//! is listed (`--all-conflicts`) or ordered through listed pairs and
//! dependencies (the default); disjoint patterns are not reported as
//! conflicts.

use crate::rng::Rng;
use muster_planner::{next, plan};
use muster_shared::glob::Pattern;
use muster_shared::io::to_json;
use muster_shared::schema::{State, Task, TaskState, TaskStatus};
use std::collections::BTreeMap;

const NAMES: &[&str] = &["a", "b", "src", "docs", "x.md", "y.rs", "lib", "main.rs"];
const PATTERNS: &[&str] = &[
    "a/",
    "b/",
    "/a/",
    "/b/",
    "src/",
    "src/*.rs",
    "src/x/*.rs",
    "*.md",
    "*.rs",
    "docs/*.md",
    "docs/**",
    "src/**",
    "a/b/",
    "a/*/x.md",
    "**/lib/",
    "/src/main.rs",
    "docs/x.md",
    "b/y.rs",
    "?.md",
    "[ab]/",
    "lib",
    "/docs/",
    "a/**/y.rs",
];

fn universe() -> Vec<String> {
    let mut out: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
    for _ in 0..3 {
        let mut more = Vec::new();
        for p in &out {
            for n in NAMES {
                more.push(format!("{p}/{n}"));
            }
        }
        out.extend(more);
        out.sort();
        out.dedup();
        if out.len() > 5000 {
            break;
        }
    }
    out
}

fn task(id: String, deps: Vec<String>, touches: Vec<String>) -> Task {
    serde_json::from_value(serde_json::json!({
        "id": id, "goal": "g", "deps": deps, "touches": touches,
    }))
    .unwrap()
}

fn random_tasks(rng: &mut Rng, n: usize) -> Vec<Task> {
    (0..n)
        .map(|i| {
            let deps = (0..i)
                .filter(|_| rng.one_in(6))
                .map(|d| format!("T{d:02}"))
                .collect();
            let k = 1 + rng.below(2);
            let touches = (0..k).map(|_| rng.pick(PATTERNS).to_string()).collect();
            task(format!("T{i:02}"), deps, touches)
        })
        .collect()
}

/// Whether two tasks' allowlists share a path of the universe.
fn share(a: &[Pattern], b: &[Pattern], paths: &[String]) -> Option<String> {
    paths
        .iter()
        .find(|p| {
            let p = p.as_bytes();
            a.iter().any(|x| x.is_match(p)) && b.iter().any(|y| y.is_match(p))
        })
        .cloned()
}

fn compiled(t: &Task) -> Vec<Pattern> {
    t.touches
        .iter()
        .map(|g| Pattern::parse(g).unwrap())
        .collect()
}

#[test]
fn tasks_that_run_together_share_no_path() {
    let paths = universe();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for round in 0..160 {
        // Odd rounds list every conflicting pair, even rounds the pairs
        // that order them.
        let all = round % 2 == 1;
        let opts = plan::Options {
            max_outstanding: 6,
            resources: BTreeMap::new(),
            all_conflicts: all,
        };
        let n = 3 + rng.below(14);
        let tasks = random_tasks(&mut rng, n);
        let p = plan::plan(tasks, &opts).unwrap();
        let wave: BTreeMap<&str, usize> = p
            .waves
            .iter()
            .enumerate()
            .flat_map(|(w, ids)| ids.iter().map(move |id| (id.as_str(), w)))
            .collect();
        // What must finish before what: deps, and listed conflicts from
        // the earlier wave to the later.
        let mut before: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for t in &p.tasks {
            for d in &t.deps {
                before.entry(t.id.as_str()).or_default().push(d.as_str());
            }
        }
        for c in &p.conflicts {
            let (first, last) = if wave[&*c.a] < wave[&*c.b] {
                (&*c.a, &*c.b)
            } else {
                (&*c.b, &*c.a)
            };
            assert!(wave[first] < wave[last], "round {round}: {c:?} in one wave");
            before.entry(last).or_default().push(first);
        }
        let after = |late: &str, early: &str| -> bool {
            let mut stack = vec![late];
            let mut seen = std::collections::BTreeSet::new();
            while let Some(x) = stack.pop() {
                if x == early {
                    return true;
                }
                if seen.insert(x) {
                    stack.extend(before.get(x).into_iter().flatten().copied());
                }
            }
            false
        };
        let by_id: BTreeMap<&str, Vec<Pattern>> = p
            .tasks
            .iter()
            .map(|t| (t.id.as_str(), compiled(t)))
            .collect();
        let conflicting: std::collections::BTreeSet<(&str, &str)> =
            p.conflicts.iter().map(|c| (&*c.a, &*c.b)).collect();
        // Every pair that shares a path of the universe (which holds a
        // witness for each pattern pair used here) is listed, or ordered.
        for a in &p.tasks {
            for b in &p.tasks {
                if a.id >= b.id {
                    continue;
                }
                let shared = share(&by_id[a.id.as_str()], &by_id[b.id.as_str()], &paths);
                let reported = conflicting.contains(&(a.id.as_str(), b.id.as_str()));
                // (Listed pairs are checked by their witness below.)
                if shared.is_none() {
                    continue;
                }
                if all {
                    assert!(reported, "round {round}: {} {:?} and {} {:?} share {shared:?} but no conflict is reported", a.id, a.touches, b.id, b.touches);
                } else {
                    let (x, y) = (a.id.as_str(), b.id.as_str());
                    let (early, late) = if wave[x] < wave[y] { (x, y) } else { (y, x) };
                    assert!(after(late, early), "round {round}: {x} {:?} and {y} {:?} share {shared:?} but nothing orders them", a.touches, b.touches);
                }
            }
        }
        for c in &p.conflicts {
            let w = c.witness.as_deref().unwrap().as_bytes();
            assert!(
                by_id[&*c.a].iter().any(|x| x.is_match(w)),
                "round {round}: {c:?}"
            );
            assert!(
                by_id[&*c.b].iter().any(|x| x.is_match(w)),
                "round {round}: {c:?}"
            );
        }
        // One wave: no shared path.
        for wave in &p.waves {
            for (i, a) in wave.iter().enumerate() {
                for b in &wave[i + 1..] {
                    let shared = share(&by_id[a.as_str()], &by_id[b.as_str()], &paths);
                    assert!(
                        shared.is_none(),
                        "round {round}: {a} and {b} share {shared:?} in one wave"
                    );
                }
            }
        }
        // plan next, with a random set of done and running tasks: what is
        // dispatched shares no path with what runs or with each other.
        let mut state: State = serde_json::from_value(serde_json::json!({
            "schema": "muster.state/v1", "run_id": "r", "tasks": {}, "locks_held": [],
            "batches": 0, "spawned": 0, "budgets": {"cost_spent": 0.0, "cost_limit": null},
            "loops_without_progress": 0, "gates": {}, "approvals": [], "denials": [],
            "kill_switch": {"active": false, "by": null, "reason": null, "since": null},
            "escalations": [], "events": 0, "unknown_events": 0
        }))
        .unwrap();
        let mut running = Vec::new();
        for t in &p.tasks {
            let status = match rng.below(4) {
                0 => TaskStatus::Done,
                1 if t.deps.iter().all(|d| {
                    state
                        .tasks
                        .get(d)
                        .is_some_and(|s| s.status == TaskStatus::Done)
                }) =>
                {
                    if running.iter().any(|r: &String| {
                        share(&by_id[r.as_str()], &by_id[t.id.as_str()], &paths).is_some()
                    }) {
                        continue;
                    }
                    running.push(t.id.clone());
                    TaskStatus::Running
                }
                _ => continue,
            };
            state.tasks.insert(
                t.id.clone(),
                TaskState {
                    status,
                    attempts: 1,
                    started: None,
                    finished: None,
                    worktree: None,
                },
            );
        }
        let batch = next::next(&p, &state, &BTreeMap::new()).unwrap();
        // What `plan next` writes (its ids borrowed from the input) is the
        // batch's bytes.
        let input = muster_planner::next_input::NextRead::from_documents(&p, &state);
        let decided = next::next_read(&input, &BTreeMap::new()).unwrap();
        for compact in [false, true] {
            let (ours, owned) = (to_json(&decided, compact), to_json(&batch, compact));
            assert_eq!(String::from_utf8(ours), String::from_utf8(owned));
        }
        let together: Vec<&String> = batch.dispatch.iter().chain(&running).collect();
        for (i, a) in together.iter().enumerate() {
            for b in &together[i + 1..] {
                let shared = share(&by_id[a.as_str()], &by_id[b.as_str()], &paths);
                assert!(
                    shared.is_none(),
                    "round {round}: {a} and {b} run together and share {shared:?}"
                );
            }
        }
        assert!(batch.dispatch.len() + running.len() <= 6 || batch.dispatch.is_empty());
    }
}

#[test]
fn disjoint_patterns_are_not_conflicts() {
    let opts = plan::Options::default();
    for (a, b) in [
        ("*.md", "*.rs"),
        ("/a/", "/b/"),
        ("src/*.rs", "src/x/*.rs"),
        ("docs/*.md", "src/**"),
    ] {
        let p = plan::plan(
            vec![
                task("A".into(), vec![], vec![a.into()]),
                task("B".into(), vec![], vec![b.into()]),
            ],
            &opts,
        )
        .unwrap();
        assert!(p.conflicts.is_empty(), "{a} / {b}: {:?}", p.conflicts);
        assert_eq!(p.waves.len(), 1, "{a} / {b}");
    }
    // Floating `a/` and `b/` overlap through `a/b/x`; a directory and a file
    // inside it overlap through the file.
    for (a, b, witness) in [
        ("a/", "b/", "a/b/a"),
        (
            "backend/core/",
            "backend/core/__init__.py",
            "backend/core/__init__.py",
        ),
    ] {
        let p = plan::plan(
            vec![
                task("A".into(), vec![], vec![a.into()]),
                task("B".into(), vec![], vec![b.into()]),
            ],
            &opts,
        )
        .unwrap();
        assert_eq!(p.conflicts.len(), 1, "{a} / {b}");
        let w = p.conflicts[0].witness.as_deref().unwrap();
        assert!(Pattern::parse(a).unwrap().is_match(w.as_bytes()), "{w}");
        assert!(Pattern::parse(b).unwrap().is_match(w.as_bytes()), "{w}");
        if a.starts_with("backend") {
            assert_eq!(w, witness);
        }
        assert_eq!(p.waves.len(), 2, "{a} / {b}");
    }
}

/// Patterns too complex to intersect exactly are kept apart, without a
/// witness, and the reason says why.
#[test]
fn too_complex_patterns_conflict_to_be_safe() {
    let raw = b"\xff\xff\xff\xff\xff\xff\xff\xff\xbf*[:alpha:]???????????????\xff\xff\xff\xff\xff\x08\xff";
    let big = String::from_utf8_lossy(raw).into_owned();
    let p = plan::plan(
        vec![
            task("A".into(), vec![], vec![big]),
            task("B".into(), vec![], vec!["Z".into()]),
        ],
        &plan::Options::default(),
    )
    .unwrap();
    assert_eq!(p.conflicts.len(), 1);
    assert_eq!(p.conflicts[0].witness, None);
    assert!(
        p.conflicts[0].reason.contains("too complex"),
        "{}",
        p.conflicts[0].reason
    );
    assert_eq!(p.waves.len(), 2);
}
