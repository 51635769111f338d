//! muster-plan's waves against networkx.
//!
//! On a task graph where no two tasks conflict (each task touches its own
//! directory, no resources), muster-plan's waves must be exactly the
//! topological generations of the dependency graph. networkx computes those
//! independently (`tests/py/waves.py`, `networkx.topological_generations`);
//! a few hundred random DAGs go through muster-plan, and all of them through
//! one Python call. The waves are compared as a list of sets (the order of
//! the ids inside a wave is muster-plan's own: critical path first).
//!
//! And the order of the tasks in the input does not matter: the same tasks
//! shuffled give a byte-identical plan, with and without conflicts.
//!
//! Binaries (STYLE.md item 17): `muster-plan` is looked up in
//! `MUSTER_BIN_DIR` (the Makefile sets it), else `<workspace>/target/debug`;
//! Python in `MUSTER_PYTHON`, else `<workspace>/target/pyenv/bin/python3`
//! (`make test` creates that venv from tests/py/requirements.txt, networkx
//! included). Relative paths are taken from the workspace root. A missing
//! one fails the tests.

use serde_json::{json, Value};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

#[path = "../../shared/tests/support/rng.rs"]
mod rng;
use rng::Rng;

const SETUP: &str = "run `make build` (or `cargo build -p muster-planner`) at the workspace \
    root; for Python, `make pydeps` (or `python3 -m venv target/pyenv && \
    target/pyenv/bin/pip install -r tests/py/requirements.txt`)";

/// Random DAGs checked against networkx.
const DAGS: u64 = 300;
/// Random task lists planned twice, in two orders.
const SHUFFLED: u64 = 80;

// ---------------------------------------------------------------------------
// Tools

#[path = "support/tools.rs"]
mod tools;

fn plan_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| tools::bin("muster-plan", SETUP))
}

fn python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| tools::python("networkx", SETUP))
}

/// Runs `cmd` with `input` on stdin (written from another thread, so a large
/// output cannot block it).
fn run_with_stdin(cmd: &mut Command, input: Vec<u8>) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}. {SETUP}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || {
        // A tool that exits before reading everything closes the pipe: its
        // exit status says what went wrong, not this write.
        let _ = stdin.write_all(&input);
    });
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("waiting for {cmd:?}: {e}"));
    writer.join().expect("stdin writer");
    out
}

/// muster-plan's compact output for the tasks document `doc`.
#[track_caller]
fn plan(doc: &Value, what: &str) -> Vec<u8> {
    let mut cmd = Command::new(plan_bin());
    cmd.arg("--compact");
    let out = run_with_stdin(&mut cmd, doc.to_string().into_bytes());
    assert!(
        out.status.success(),
        "muster-plan failed on {what} ({}):\nstderr: {}\ninput: {doc}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn waves_of(plan: &[u8], what: &str) -> Value {
    let v: Value = serde_json::from_slice(plan)
        .unwrap_or_else(|e| panic!("muster-plan wrote no JSON for {what}: {e}"));
    assert_eq!(v["schema"], "muster.plan/v1", "{what}");
    v["waves"].clone()
}

// ---------------------------------------------------------------------------
// Random task lists

/// `n` distinct ids, in random order, whose sort order has nothing to do with
/// the order they are created in (so id order is not a topological order).
fn ids(rng: &mut Rng, n: usize) -> Vec<String> {
    const HEADS: &[&str] = &["a", "B", "t", "T", "x9", "0", "build", "z.z", "m_1", "q-"];
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let id = format!("{}{}", rng.pick(HEADS), rng.below(10 * n + 10));
        if seen.insert(id.clone()) {
            out.push(id);
        }
    }
    out
}

/// Each task's dependencies: indexes of tasks created before it. The DAG's
/// shape varies from case to case: chains, wide and flat, dense, sparse.
fn random_deps(rng: &mut Rng, n: usize) -> Vec<Vec<usize>> {
    let style = rng.below(5);
    (0..n)
        .map(|i| {
            if i == 0 {
                return Vec::new();
            }
            let k = match style {
                0 => usize::from(rng.chance(80)),                      // sparse
                1 => 1 + rng.below(3),                                 // dense
                2 => usize::from(!rng.one_in(n.min(8))),               // mostly chains
                3 => usize::from(rng.chance(30)) * (1 + rng.below(2)), // wide, flat
                _ => rng.below(5),                                     // anything
            };
            let mut deps = std::collections::BTreeSet::new();
            for _ in 0..k {
                let d = if style == 2 && rng.chance(70) {
                    i - 1
                } else if rng.chance(50) {
                    i - 1 - rng.below(i.min(4)) // a recent task
                } else {
                    rng.below(i)
                };
                deps.insert(d);
            }
            deps.into_iter().collect()
        })
        .collect()
}

fn shuffle<T>(rng: &mut Rng, xs: &mut [T]) {
    for i in (1..xs.len()).rev() {
        xs.swap(i, rng.below(i + 1));
    }
}

/// A muster.tasks/v1 document. `touches(rng, i, id)` gives task i's
/// touches (None: a read-only task); the tasks are listed in a random order,
/// so a task's dependencies often come after it in the list.
fn tasks_doc(
    rng: &mut Rng,
    ids: &[String],
    deps: &[Vec<usize>],
    mut touches: impl FnMut(&mut Rng, usize, &str) -> Option<Vec<String>>,
) -> Value {
    let mut tasks: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut t = json!({
                "id": id,
                "goal": format!("task {i}"),
                "deps": deps[i].iter().map(|&d| ids[d].clone()).collect::<Vec<_>>(),
                "effort": *rng.pick(&["S", "M", "L", "XL"]),
                "needs_user_input": rng.chance(10),
            });
            if rng.chance(10) {
                t["est_s"] = json!(rng.below(5000) as f64 / 7.0);
            }
            match touches(rng, i, id) {
                Some(globs) => t["touches"] = json!(globs),
                None => {
                    t["touches"] = json!([]);
                    t["concurrency_class"] = json!("read-only");
                }
            }
            t
        })
        .collect();
    shuffle(rng, &mut tasks);
    json!({"schema": "muster.tasks/v1", "tasks": tasks})
}

/// Touches no other task can overlap: the task's own directory (or a file or
/// a wildcard inside it), or nothing (read-only).
fn own_touches(rng: &mut Rng, _i: usize, id: &str) -> Option<Vec<String>> {
    match rng.below(20) {
        0 => None,
        1..=3 => Some(vec![
            format!("work/{id}/src/"),
            format!("work/{id}/**/*.md"),
        ]),
        4 => Some(vec![format!("/work/{id}/Cargo.toml")]),
        _ => Some(vec![format!("work/{id}/")]),
    }
}

fn size(rng: &mut Rng) -> usize {
    match rng.below(10) {
        0 => 1 + rng.below(3),
        1..=6 => 2 + rng.below(30),
        _ => 30 + rng.below(120),
    }
}

// ---------------------------------------------------------------------------
// Tests

#[test]
fn waves_are_the_topological_generations_when_nothing_conflicts() {
    let mut lines = String::new();
    for case in 0..DAGS {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (case + 1).wrapping_mul(0x2545_f491));
        let n = size(&mut rng);
        let ids = ids(&mut rng, n);
        let deps = random_deps(&mut rng, n);
        let doc = tasks_doc(&mut rng, &ids, &deps, own_touches);
        let what = format!("case {case} ({n} tasks)");
        let waves = waves_of(&plan(&doc, &what), &what);
        let graph: Vec<Value> = doc["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .map(|t| json!({"id": t["id"], "deps": t["deps"]}))
            .collect();
        lines.push_str(&json!({"name": what, "tasks": graph, "waves": waves}).to_string());
        lines.push('\n');
    }

    let mut cmd = Command::new(python());
    cmd.env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(tools::workspace().join("tests/py/waves.py"));
    let out = run_with_stdin(&mut cmd, lines.into_bytes());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "tests/py/waves.py wrote no JSON ({e}; {}):\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(report["cases"], DAGS, "waves.py read every case");
    assert!(
        out.status.success() && report["ok"] == true,
        "muster-plan's waves are not networkx's topological generations:\n{}",
        serde_json::to_string_pretty(&report["failures"]).unwrap_or_default()
    );
}

#[test]
fn task_order_does_not_change_the_plan() {
    // Half without conflicts, half with: touches from a small pool (so many
    // pairs overlap, exactly or by a wildcard) and a shared resource.
    const POOL: &[&str] = &[
        "src/",
        "src/a/",
        "src/a/x.rs",
        "src/b/",
        "src/*.md",
        "docs/**/*.md",
        "docs/guide.md",
        "*.toml",
        "tests/",
        "/Cargo.toml",
    ];
    for case in 0..SHUFFLED {
        let mut rng = Rng(0x5151_7a7a_0101_2323 ^ (case + 1).wrapping_mul(0x9e37_79b9));
        let n = size(&mut rng);
        let ids = ids(&mut rng, n);
        let deps = random_deps(&mut rng, n);
        let conflicting = case % 2 == 1;
        let mut doc = if conflicting {
            tasks_doc(&mut rng, &ids, &deps, |rng, _, _| {
                if rng.one_in(15) {
                    return None;
                }
                let mut globs: Vec<String> = (0..1 + rng.below(2))
                    .map(|_| (*rng.pick(POOL)).to_string())
                    .collect();
                globs.dedup();
                Some(globs)
            })
        } else {
            tasks_doc(&mut rng, &ids, &deps, own_touches)
        };
        if conflicting {
            for t in doc["tasks"].as_array_mut().expect("tasks") {
                if rng.chance(15) && t["concurrency_class"].is_null() {
                    t["resources"] = json!({"db": 1});
                }
            }
        }
        let what = format!(
            "case {case} ({n} tasks{})",
            if conflicting { ", with conflicts" } else { "" }
        );
        let first = plan(&doc, &what);
        let mut shuffled = doc.clone();
        shuffle(&mut rng, shuffled["tasks"].as_array_mut().expect("tasks"));
        let second = plan(&shuffled, &what);
        assert!(
            first == second,
            "{what}: the same tasks in another order gave another plan\nfirst:  {}\nsecond: {}\ninput: {doc}",
            String::from_utf8_lossy(&first),
            String::from_utf8_lossy(&second)
        );
    }
}
