//! muster-run's bundles as muster-integrate reads them: a real run's
//! bundles validate, a tampered one does not, and two tasks that changed
//! the same file overlap, named with both tasks; the run document goes
//! straight into the muster-integrate binary.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

#[path = "support/tools.rs"]
mod tools;

use muster_integrate::{overlap, validate};
use muster_shared::schema::BundleFile;
use serde_json::{json, Value};
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

const SETUP: &str = "run `make build` (or `cargo build --workspace`) at the workspace root";

fn git(dir: &Path, args: &[&str]) {
    muster_shared::git::run(dir, args).unwrap_or_else(|e| panic!("{e:#}"));
}

fn piped(bin: &Path, dir: &Path, args: &[&str], input: &[u8]) -> (i32, Vec<u8>, String) {
    let mut child = Command::new(bin)
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), out.stdout, err)
}

#[test]
fn a_runs_bundles_validate_tampering_is_caught_and_overlaps_are_named() {
    let (plan_bin, run_bin, integrate_bin) = (
        tools::bin("muster-plan", SETUP),
        tools::bin("muster-run", SETUP),
        tools::bin("muster-integrate", SETUP),
    );
    let r = tempfile::tempdir().unwrap();
    let p = r.path();
    git(p, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(p.join("lib")).unwrap();
    std::fs::write(p.join("lib/shared.txt"), "one\n").unwrap();
    std::fs::write(p.join("lib/a.txt"), "a\n").unwrap();
    git(p, &["add", "-A"]);
    git(
        p,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "commit",
            "-qm",
            "base",
        ],
    );
    // A and B both edit lib/shared.txt (their touches conflict, so they run
    // one after the other, each from the base); C edits its own file.
    let tasks = json!({"schema": "muster.tasks/v1", "tasks": [
        {"id": "A", "goal": "a", "touches": ["lib/shared.txt", "lib/a.txt"],
         "command": ["sh", "-c", "echo A >> lib/shared.txt; echo A2 >> lib/a.txt"]},
        {"id": "B", "goal": "b", "touches": ["lib/shared.txt"],
         "command": ["sh", "-c", "echo B >> lib/shared.txt"]},
        {"id": "C", "goal": "c", "touches": ["lib/c/"],
         "command": ["sh", "-c", "mkdir -p lib/c; echo C > lib/c/new.txt"]}
    ]});
    let (code, plan, err) = piped(&plan_bin, p, &[], &serde_json::to_vec(&tasks).unwrap());
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = piped(&run_bin, p, &[], &plan);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let run_dir = p.join(".muster/runs").join(doc["run_id"].as_str().unwrap());

    let mut files: Vec<(String, Vec<BundleFile>)> = Vec::new();
    for id in ["A", "B", "C"] {
        let checked =
            validate::check(&run_dir.join(id)).unwrap_or_else(|r| panic!("{:?}", r.problems));
        assert!(checked.problems.is_empty(), "{id}: {:?}", checked.problems);
        assert_eq!(checked.manifest.task_id, id);
        files.push((id.to_string(), checked.manifest.files_changed));
    }
    let changes: Vec<overlap::TaskChange<'_>> = files
        .iter()
        .map(|(id, f)| overlap::TaskChange {
            task: id,
            files: f,
            shared: None,
        })
        .collect();
    let found = overlap::find(&changes);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, "lib/shared.txt");
    assert_eq!(found[0].tasks, ["A", "B"]);
    assert_eq!(found[0].why, "A modified it; B modified it");

    // The binary on the run document: blocked by the overlap; with
    // --partial, A (first in plan order) and C combine, B is left out.
    let (code, _, err) = piped(&integrate_bin, p, &[], &out);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("overlaps A on \"lib/shared.txt\""), "{err}");
    let (code, int, err) = piped(&integrate_bin, p, &["--partial"], &out);
    assert_eq!(code, 0, "{err}");
    let int: Value = serde_json::from_slice(&int).unwrap();
    assert_eq!(int["status"], "WARN");
    assert_eq!(int["applied"], json!(["A", "C"]), "{int}");
    let tree = int["result"]["tree"].as_str().unwrap();
    let shared =
        muster_shared::git::run(p, &["cat-file", "blob", &format!("{tree}:lib/shared.txt")])
            .unwrap();
    assert_eq!(shared, b"one\nA\n");

    // One byte more in A's patch after its manifest was written: caught.
    let patch = run_dir.join("A/DIFF.patch");
    let mut bytes = std::fs::read(&patch).unwrap();
    bytes.push(b'\n');
    std::fs::write(&patch, bytes).unwrap();
    let checked =
        validate::check(&run_dir.join("A")).unwrap_or_else(|r| panic!("{:?}", r.problems));
    assert!(
        checked
            .problems
            .iter()
            .any(|p| p.contains("DIFF.patch") && p.contains("sha256")),
        "{:?}",
        checked.problems
    );
    let (code, int, err) = piped(&integrate_bin, p, &["--partial"], &out);
    assert_eq!(code, 0, "{err}");
    let int: Value = serde_json::from_slice(&int).unwrap();
    assert_eq!(int["applied"], json!(["C", "B"]), "{int}"); // plan order
    assert_eq!(int["tasks"][0]["outcome"], "rejected", "{int}");
}
