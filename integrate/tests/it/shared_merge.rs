//! Files two `write-shared` tasks both edited are merged three-way (git
//! merge-file over the base), not refused; a conflict is reported by hunk
//! with its base line range, and blocks.

use crate::common::{put, Repo};
use muster_shared::schema::TaskOutcome;
use muster_shared::Status;
use std::path::PathBuf;

const LINES: &str = "one\ntwo\nthree\nfour\nfive\nsix\nseven\n";

/// A plan of `tasks` (id, concurrency class), all in wave 0, touching
/// `CHANGELOG.md` and `src/`.
fn plan(r: &Repo, tasks: &[(&str, &str)]) -> PathBuf {
    let list: Vec<serde_json::Value> = tasks
        .iter()
        .map(|(id, class)| {
            serde_json::json!({"id": id, "goal": "g", "touches": ["**"],
                               "concurrency_class": class, "wave": 0})
        })
        .collect();
    let ids: Vec<&str> = tasks.iter().map(|t| t.0).collect();
    let plan = serde_json::json!({
        "schema": "muster.plan/v1", "tasks": list, "waves": [ids], "ready": ids,
        "conflicts": [], "critical_path": {"length": 1.0, "tasks": [ids[0]]},
        "max_outstanding": 4,
        "stats": {"tasks": ids.len(), "deps": 0, "waves": 1, "conflicts": 0, "widest_wave": ids.len()},
    });
    let file = r.tmp().join("plan.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&plan).unwrap()).unwrap();
    file
}

fn base() -> Repo {
    Repo::new(|d| put(d, "CHANGELOG.md", LINES))
}

#[test]
fn edits_to_different_lines_merge_as_git_merges_them() {
    let r = base();
    let a = r.commit(|d| put(d, "CHANGELOG.md", LINES.replace("two", "TWO")));
    let b = r.commit(|d| {
        put(d, "CHANGELOG.md", LINES.replace("six", "SIX"));
        put(d, "src/b.rs", "b\n");
    });
    r.bundle("A", &a);
    r.bundle("B", &b);
    let p = plan(&r, &[("A", "write-shared"), ("B", "write-shared")]);
    let out = r.integrate(&["A", "B"], &["--plan", p.to_str().unwrap()]);
    let doc = out.expect(Status::Pass);
    assert_eq!(doc.applied, ["A", "B"], "{out}");
    assert!(doc.overlaps.len() == 1 && doc.overlaps[0].shared, "{out}");
    // git's own merge of the two commits gives the same tree.
    assert_eq!(doc.result.tree, Some(r.merged(&[&a, &b])), "{out}");
    let merged = r.git(&[
        "cat-file",
        "blob",
        &format!("{}:CHANGELOG.md", doc.result.tree.unwrap()),
    ]);
    assert_eq!(
        merged,
        LINES.replace("two", "TWO").replace("six", "SIX").trim_end()
    );
}

#[test]
fn a_merge_conflict_names_the_task_and_the_base_lines_and_blocks() {
    let r = base();
    let a = r.commit(|d| put(d, "CHANGELOG.md", LINES.replace("four", "FOUR")));
    let b = r.commit(|d| {
        put(
            d,
            "CHANGELOG.md",
            LINES.replace("four", "4").replace("seven", "7"),
        )
    });
    let c = r.commit(|d| put(d, "CHANGELOG.md", LINES.replace("one", "ONE")));
    for (t, commit) in [("A", &a), ("B", &b), ("C", &c)] {
        r.bundle(t, commit);
    }
    let shared = [
        ("A", "write-shared"),
        ("B", "write-shared"),
        ("C", "write-shared"),
    ];
    let p = plan(&r, &shared);
    let out = r.integrate(&["A", "B", "C"], &["--plan", p.to_str().unwrap()]);
    let doc = out.expect(Status::Blocked);
    let outcomes: Vec<TaskOutcome> = doc.tasks.iter().map(|t| t.outcome).collect();
    assert_eq!(
        outcomes,
        [
            TaskOutcome::Clean,
            TaskOutcome::Conflict,
            TaskOutcome::Clean
        ],
        "{out}"
    );
    assert_eq!(doc.conflicts.len(), 1, "{out}");
    let hit = &doc.conflicts[0];
    assert_eq!(
        (hit.task.as_str(), hit.path.as_str(), hit.base_lines),
        ("B", "CHANGELOG.md", Some([4, 4])),
        "{out}"
    );
    // With --partial, A and C merge; B is left out.
    let out = r.integrate(
        &["A", "B", "C"],
        &["--partial", "--plan", p.to_str().unwrap()],
    );
    let doc = out.expect(Status::Warn);
    assert_eq!(doc.applied, ["A", "C"], "{out}");
    assert_eq!(doc.result.tree, Some(r.merged(&[&a, &c])), "{out}");
}

#[test]
fn only_tasks_that_both_declared_it_shared_are_merged() {
    let r = base();
    let a = r.commit(|d| put(d, "CHANGELOG.md", LINES.replace("two", "TWO")));
    let b = r.commit(|d| put(d, "CHANGELOG.md", LINES.replace("six", "SIX")));
    r.bundle("A", &a);
    r.bundle("B", &b);
    let p = plan(&r, &[("A", "write-shared"), ("B", "write-local")]);
    let out = r.integrate(&["A", "B"], &["--plan", p.to_str().unwrap()]);
    let doc = out.expect(Status::Blocked);
    assert!(!doc.overlaps[0].shared, "{out}");
    assert_eq!(doc.tasks[1].outcome, TaskOutcome::Conflict, "{out}");
    // A deletion is never merged, shared or not.
    let r = base();
    let a = r.commit(|d| put(d, "CHANGELOG.md", LINES.replace("two", "TWO")));
    let b = r.commit(|d| std::fs::remove_file(d.join("CHANGELOG.md")).unwrap());
    r.bundle("A", &a);
    r.bundle("B", &b);
    let p = plan(&r, &[("A", "write-shared"), ("B", "write-shared")]);
    let out = r.integrate(&["A", "B"], &["--plan", p.to_str().unwrap()]);
    out.expect(Status::Blocked);
}
