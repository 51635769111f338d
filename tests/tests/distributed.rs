//! A distributed run, simulated on one machine (DESIGN.md section 8).
//!
//! Each task is run by `muster-run --task ID` in its own fresh clone of the
//! origin, with its own ledger, as the task jobs of a `muster-plan export`
//! workflow run on separate CI machines; then a final "integrate job", in one
//! more fresh clone that receives only the jobs' artifacts (bundles and
//! ledgers), merges the ledgers, integrates the bundles and gates the result,
//! with the commands the export writes (planner/src/export/mod.rs, "What the
//! CI jobs run"). The result must be the single-machine run's: the same
//! integration document (tree, order, every task's outcome), the same bytes of
//! the integrator's result files, the same task statuses, the same verdict;
//! and the merged ledger verifies, replays with every task `done`, does not
//! grow when the same ledgers are merged again, and does not depend on the
//! order the ledgers come in (DESIGN.md section 6).
//!
//! The artifacts arrive as each export lays them out: GitLab restores every
//! job's `.muster/runs/$RUN/ID/` and `muster-ci/ledgers/ID.jsonl` at the same
//! paths; GitHub Actions downloads them into `muster-ci/bundles/bundle-ID/`
//! and `muster-ci/ledgers/`, in a checkout that has no `.muster/`.
//!
//! Binaries (STYLE.md item 17): looked up in `MUSTER_BIN_DIR` (the Makefile
//! sets it), else `<workspace>/target/debug`.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

#[path = "support/tools.rs"]
mod tools;

use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const SETUP: &str = "run `make build` (or `cargo build --workspace`) at the workspace root";

/// The single-machine run's time; the CI jobs get later ones, one each.
const RUN_NOW: &str = "2026-01-01T00:00:00Z";
/// When integrate, gate and merge run (both sides).
const LATER: &str = "2026-01-01T01:00:00Z";
/// The plan, in the repository (the exports' default `MUSTER_PLAN`).
const PLAN: &str = "muster-plan.json";
/// The order integrate applies in: plan wave, then task id.
const ORDER: [&str; 5] = ["A", "D", "E", "B", "C"];

fn git(dir: &Path, args: &[&str]) -> String {
    let out = muster_shared::git::run(dir, args).unwrap_or_else(|e| panic!("{e:#}"));
    String::from_utf8(out).unwrap()
}

fn clone(origin: &Path, to: &Path) {
    let parent = to.parent().unwrap();
    git(
        parent,
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            to.to_str().unwrap(),
        ],
    );
}

/// What one muster command did.
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
    shown: String,
}

impl Out {
    /// The stdout as JSON; the command must have exited 0.
    #[track_caller]
    fn ok(&self) -> Value {
        assert_eq!(
            self.code, 0,
            "{} exited {}:\nstdout: {}\nstderr: {}",
            self.shown, self.code, self.stdout, self.stderr
        );
        self.json()
    }

    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "{} did not print JSON ({e}):\nstdout: {}\nstderr: {}",
                self.shown, self.stdout, self.stderr
            )
        })
    }
}

/// Runs the muster binary `name` in `dir` with `args`.
fn muster(name: &str, dir: &Path, args: &[&str]) -> Out {
    let bin = tools::bin(name, SETUP);
    let mut cmd = Command::new(&bin);
    cmd.current_dir(dir)
        .args(args)
        .env_remove("MUSTER_HOME")
        .env_remove("MUSTER_LEDGER_PATH")
        .env("MUSTER_AUTHOR", "ci");
    let out = tools::run(&mut cmd);
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        shown: format!("{name} {} (in {})", args.join(" "), dir.display()),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            write!(s, "{b:02x}").unwrap();
            s
        })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            assert!(kind.is_file(), "{}: not a file", entry.path().display());
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The task → status map of a `muster-ledger replay`.
fn replayed(state: &Value) -> BTreeMap<String, String> {
    state["tasks"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, t)| (id.clone(), t["status"].as_str().unwrap().to_string()))
        .collect()
}

/// (name, status) of each row of a verdict.
fn rows(verdict: &Value) -> Vec<(String, String)> {
    verdict["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap().to_string(),
                g["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The files of the integrator's result that must be byte for byte the same.
const RESULT_FILES: [&str; 3] = ["STATUS.json", "FILES_CHANGED.json", "DIFF.patch"];

/// The origin repository, the single-machine run's results, and the gates.
struct World {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    origin: PathBuf,
    run_id: String,
    /// Every task id of the plan, in wave order.
    tasks: Vec<String>,
    gates: PathBuf,
    single: Single,
}

/// What the single-machine run gave.
struct Single {
    run_statuses: BTreeMap<String, String>,
    integration: Value,
    integration_code: i32,
    result_files: BTreeMap<&'static str, Vec<u8>>,
    verdict: Value,
    verdict_code: i32,
    replayed: BTreeMap<String, String>,
}

/// An origin with a few files in a couple of directories, and the plan in
/// it. A writes src/a.txt (touches `src/**`); B writes src/b.txt (touches
/// it: a conflict with A, so B waits for A, though they edit different
/// files); C needs A and edits docs/README.md; D creates its own file;
/// E edits top.txt and deletes docs/old.txt.
fn origin(root: &Path) -> (PathBuf, Vec<String>) {
    let origin = root.join("origin");
    std::fs::create_dir_all(&origin).unwrap();
    git(&origin, &["init", "-q", "-b", "main"]);
    write(&origin.join("src/a.txt"), "one\n");
    write(&origin.join("src/b.txt"), "two\n");
    write(&origin.join("docs/README.md"), "readme\n");
    write(&origin.join("docs/old.txt"), "old\n");
    write(&origin.join("top.txt"), "top\n");
    let tasks = json!({"schema": "muster.tasks/v1", "tasks": [
        {"id": "A", "goal": "extend a", "touches": ["src/**"],
         "command": ["sh", "-c", "echo A >> src/a.txt"]},
        {"id": "B", "goal": "extend b", "touches": ["src/b.txt"],
         "command": ["sh", "-c", "echo B >> src/b.txt"]},
        {"id": "C", "goal": "document a", "deps": ["A"], "touches": ["docs/README.md"],
         "command": ["sh", "-c", "echo C >> docs/README.md"]},
        {"id": "D", "goal": "notes", "touches": ["notes/**"],
         "command": ["sh", "-c", "mkdir -p notes && echo D > notes/d.txt"]},
        {"id": "E", "goal": "tidy", "touches": ["/top.txt", "docs/old.txt"],
         "command": ["sh", "-c", "echo E >> top.txt && rm docs/old.txt"]}
    ]});
    write(&root.join("tasks.json"), &tasks.to_string());
    let plan = muster(
        "muster-plan",
        root,
        &["--input", root.join("tasks.json").to_str().unwrap()],
    );
    let doc = plan.ok();
    assert_eq!(doc["waves"], json!([["A", "D", "E"], ["B", "C"]]), "{doc}");
    let pairs: Vec<(&str, &str)> = doc["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["a"].as_str().unwrap(), c["b"].as_str().unwrap()))
        .collect();
    assert_eq!(pairs, [("A", "B")], "{doc}");
    write(&origin.join(PLAN), &plan.stdout);
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-qm", "base"]);
    let tasks = doc["waves"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w.as_array().unwrap())
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    (origin, tasks)
}

/// The origin, then the whole run on one machine: `muster-run` in a clone,
/// `muster-integrate` on its run document, and `muster-gate`.
fn world() -> World {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let (origin, tasks) = origin(&root);
    let base = git(&origin, &["rev-parse", "HEAD"]);
    let run_id = format!("run_20260101T000000Z_{}_001", &base[..8]);

    let single = root.join("single");
    clone(&origin, &single);
    let run = muster(
        "muster-run",
        &single,
        &["--input", PLAN, "--run-id", &run_id, "--now", RUN_NOW],
    )
    .ok();
    assert_eq!(run["status"], "PASS", "{run}");
    let run_statuses: BTreeMap<String, String> = run["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let run_dir = single.join(".muster/runs").join(&run_id);
    let integrate = muster(
        "muster-integrate",
        &single,
        &[
            "--input",
            run_dir.join("run.json").to_str().unwrap(),
            "--now",
            LATER,
        ],
    );
    let integration = integrate.ok();
    let result_files: BTreeMap<&'static str, Vec<u8>> = RESULT_FILES
        .iter()
        .map(|f| {
            (
                *f,
                std::fs::read(run_dir.join("integrator").join(f)).unwrap(),
            )
        })
        .collect();

    // The gates, the same file for both sides: the status, every task
    // applied in order, the result's diff and file list as this run wrote
    // them, and the ledger.
    let gates = root.join("muster-gates.json");
    let evidence = |f: &str| {
        json!({"name": f, "kind": "evidence", "path": format!("integrator/{f}"),
               "sha256": sha256_hex(&result_files[f])})
    };
    let gates_doc = json!({"schema": "muster.gates/v1", "gates": [
        {"name": "integrated", "kind": "equals", "pointer": "/status", "target": "PASS"},
        {"name": "all-applied", "kind": "equals", "pointer": "/applied", "target": ORDER},
        evidence("DIFF.patch"),
        evidence("FILES_CHANGED.json"),
        {"name": "ledger", "kind": "ledger"}
    ]});
    write(&gates, &gates_doc.to_string());
    let integration_file = root.join("single-integration.json");
    write(&integration_file, &integrate.stdout);
    let gate = muster(
        "muster-gate",
        &single,
        &[
            "--gates",
            gates.to_str().unwrap(),
            "--input",
            integration_file.to_str().unwrap(),
            "--now",
            LATER,
        ],
    );
    let verdict = gate.json();
    let replay = muster("muster-ledger", &single, &["replay", "--run-id", &run_id]).ok();

    World {
        root,
        origin,
        run_id,
        tasks,
        gates,
        single: Single {
            run_statuses,
            integration,
            integration_code: integrate.code,
            result_files,
            verdict,
            verdict_code: gate.code,
            replayed: replayed(&replay),
        },
        _tmp: tmp,
    }
}

/// The single-machine result is the intended one (so that the distributed
/// run is not compared with something wrong).
fn check_single(w: &World) {
    let s = &w.single;
    let all_done: BTreeMap<String, String> = w
        .tasks
        .iter()
        .map(|t| (t.clone(), "done".to_string()))
        .collect();
    assert_eq!(s.run_statuses, all_done);
    assert_eq!(s.replayed, all_done);
    assert_eq!(s.integration_code, 0);
    assert_eq!(s.integration["status"], "PASS", "{}", s.integration);
    assert_eq!(s.integration["applied"], json!(ORDER), "{}", s.integration);
    let tree = s.integration["result"]["tree"].as_str().unwrap();
    let single = w.root.join("single");
    let expect = [
        ("src/a.txt", "one\nA\n"),
        ("src/b.txt", "two\nB\n"),
        ("docs/README.md", "readme\nC\n"),
        ("notes/d.txt", "D\n"),
        ("top.txt", "top\nE\n"),
    ];
    for (path, text) in expect {
        assert_eq!(
            git(&single, &["cat-file", "blob", &format!("{tree}:{path}")]),
            text
        );
    }
    let files = git(&single, &["ls-tree", "-r", "--name-only", tree]);
    assert!(!files.lines().any(|f| f == "docs/old.txt"), "{files}");
    assert_eq!(s.verdict_code, 0, "{}", s.verdict);
    assert_eq!(s.verdict["status"], "PASS", "{}", s.verdict);
}

/// How the final job receives the task jobs' artifacts.
#[derive(Clone, Copy, Debug)]
enum Layout {
    /// GitLab: each job's `.muster/runs/$RUN/ID/` and
    /// `muster-ci/ledgers/ID.jsonl`, at the same paths.
    Gitlab,
    /// GitHub Actions: `muster-ci/bundles/bundle-ID/` and
    /// `muster-ci/ledgers/ID.jsonl`; the checkout has no `.muster/`.
    Github,
}

/// The distributed run, checked against the single-machine one.
fn distributed(layout: Layout) {
    let w = world();
    check_single(&w);
    let run_id = w.run_id.as_str();

    // The task jobs: one clone each, as the export's task job runs it.
    let mut job_statuses: BTreeMap<String, String> = BTreeMap::new();
    for (k, task) in w.tasks.iter().enumerate() {
        let job = w.root.join(format!("job-{task}"));
        clone(&w.origin, &job);
        std::fs::create_dir_all(job.join("muster-ci/ledgers")).unwrap();
        let now = format!("2026-01-01T00:{:02}:00Z", k + 1);
        let ledger = format!("muster-ci/ledgers/{task}.jsonl");
        let run = muster(
            "muster-run",
            &job,
            &[
                "--input", PLAN, "--task", task, "--run-id", run_id, "--ledger", &ledger, "--now",
                &now,
            ],
        )
        .ok();
        assert_eq!(run["status"], "PASS", "{task}: {run}");
        let ran = run["tasks"].as_array().unwrap();
        assert_eq!(ran.len(), 1, "{task}: {run}");
        assert_eq!(ran[0]["id"], task.as_str(), "{run}");
        job_statuses.insert(task.clone(), ran[0]["status"].as_str().unwrap().into());
    }
    assert_eq!(job_statuses, w.single.run_statuses, "statuses per job");

    // The integrate job: a fresh clone, the artifacts as the CI engine
    // delivers them, then the export's commands.
    let fin = w.root.join("integrate-job");
    clone(&w.origin, &fin);
    let mut bundles: Vec<String> = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    for task in &w.tasks {
        let job = w.root.join(format!("job-{task}"));
        let bundle = match layout {
            Layout::Gitlab => format!(".muster/runs/{run_id}/{task}/"),
            Layout::Github => format!("muster-ci/bundles/bundle-{task}/"),
        };
        copy_dir(
            &job.join(".muster/runs").join(run_id).join(task),
            &fin.join(&bundle),
        );
        bundles.push(bundle);
        let ledger = format!("muster-ci/ledgers/{task}.jsonl");
        std::fs::create_dir_all(fin.join("muster-ci/ledgers")).unwrap();
        std::fs::copy(job.join(&ledger), fin.join(&ledger)).unwrap();
        sources.push(ledger);
    }
    // What the shell's globs give: sorted.
    bundles.sort();
    sources.sort();

    // The export's first line of the merge step: `mkdir -p .muster`.
    std::fs::create_dir_all(fin.join(".muster")).unwrap();
    let merged = fin.join(".muster/ledger.jsonl");
    let mut merge_args = vec!["merge", "--ledger", ".muster/ledger.jsonl", "--now", LATER];
    merge_args.extend(sources.iter().map(String::as_str));
    let merge = muster("muster-ledger", &fin, &merge_args);
    assert_eq!(
        merge.code,
        0,
        "{layout:?}: the integrate job's `muster-ledger merge --ledger .muster/ledger.jsonl \
         muster-ci/ledgers/*.jsonl`, in a fresh checkout holding only the artifacts \
         (.muster/ exists: {}), failed:\nstdout: {}\nstderr: {}",
        fin.join(".muster").is_dir(),
        merge.stdout,
        merge.stderr
    );
    let report = merge.json();
    let sizes: Vec<u64> = report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["taken"], s["size"], "{report}");
            s["size"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(sizes.len(), w.tasks.len(), "{report}");
    // Every event once, and one ledger.merged.
    assert_eq!(
        report["appended"].as_u64().unwrap(),
        sizes.iter().sum::<u64>() + 1,
        "{report}"
    );
    let merged_bytes = std::fs::read(&merged).unwrap();

    let mut integrate_args = vec![
        "--plan",
        PLAN,
        "--ledger",
        ".muster/ledger.jsonl",
        "--now",
        LATER,
    ];
    for b in &bundles {
        integrate_args.extend(["--bundle", b.as_str()]);
    }
    let integrate = muster("muster-integrate", &fin, &integrate_args);
    assert_eq!(
        integrate.code, w.single.integration_code,
        "{}: {}",
        integrate.shown, integrate.stderr
    );
    let integration = integrate.json();
    let single = &w.single.integration;
    assert_eq!(integration["result"]["tree"], single["result"]["tree"]);
    assert_eq!(integration["applied"], single["applied"]);
    assert_eq!(integration["tasks"], single["tasks"]);
    assert_eq!(integration["status"], single["status"]);
    assert_eq!(&integration, single, "the whole integration document");
    let int_dir = fin.join(".muster/runs").join(run_id).join("integrator");
    for (f, bytes) in &w.single.result_files {
        let got = std::fs::read(int_dir.join(f)).unwrap();
        assert!(
            &got == bytes,
            "integrator/{f} differs:\nsingle machine:\n{}\ndistributed:\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&got)
        );
    }

    write(&fin.join("muster-ci/integration.json"), &integrate.stdout);
    let gate = muster(
        "muster-gate",
        &fin,
        &[
            "--gates",
            w.gates.to_str().unwrap(),
            "--ledger",
            ".muster/ledger.jsonl",
            "--input",
            "muster-ci/integration.json",
            "--now",
            LATER,
        ],
    );
    let verdict = gate.json();
    assert_eq!(gate.code, w.single.verdict_code, "{verdict}");
    assert_eq!(verdict["status"], w.single.verdict["status"], "{verdict}");
    assert_eq!(rows(&verdict), rows(&w.single.verdict), "{verdict}");

    // The merged ledger (with integrate's and gate's events after the
    // merge) verifies and replays with every task done.
    let verify = muster(
        "muster-ledger",
        &fin,
        &["verify", "--ledger", ".muster/ledger.jsonl"],
    )
    .ok();
    assert_eq!(verify["status"], "PASS", "{verify}");
    let state = muster(
        "muster-ledger",
        &fin,
        &[
            "replay",
            "--ledger",
            ".muster/ledger.jsonl",
            "--run-id",
            run_id,
        ],
    )
    .ok();
    assert_eq!(replayed(&state), w.single.replayed, "{state}");
    for (id, t) in state["tasks"].as_object().unwrap() {
        assert_eq!(t["attempts"], 1, "{id}: {state}");
    }

    // Merging the same ledgers again adds nothing.
    let before = std::fs::read(&merged).unwrap();
    let again = muster("muster-ledger", &fin, &merge_args).ok();
    assert_eq!(again["appended"], 0, "{again}");
    assert!(
        std::fs::read(&merged).unwrap() == before,
        "merge again wrote"
    );

    // The ledgers in another order (artifacts come in any order) give the
    // same merged ledger, byte for byte.
    let mut reversed = vec!["merge", "--ledger", "reversed.jsonl", "--now", LATER];
    reversed.extend(sources.iter().rev().map(String::as_str));
    muster("muster-ledger", &fin, &reversed).ok();
    assert!(
        std::fs::read(fin.join("reversed.jsonl")).unwrap() == merged_bytes,
        "merging in another order gave another ledger"
    );
}

#[test]
fn a_distributed_run_as_gitlab_jobs_equals_the_single_machine_run() {
    distributed(Layout::Gitlab);
}

#[test]
fn a_distributed_run_as_github_jobs_equals_the_single_machine_run() {
    distributed(Layout::Github);
}
