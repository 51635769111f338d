#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure
//! muster-run end to end, on throwaway git repositories: concurrency and
//! conflicts from the ledger's timestamps, timeouts that kill whole process
//! groups, the stuck watchdog, cancel, bundles that reproduce the branch,
//! scope, and hostile ids.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = muster_shared::git::run(dir, args).unwrap_or_else(|e| panic!("{e:#}"));
    String::from_utf8_lossy(&out).trim().to_string()
}

/// A repository with a few files in `src/` and `docs/`, one commit.
fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    git(p, &["init", "-q", "-b", "main"]);
    git(p, &["config", "user.email", "t@example.invalid"]);
    git(p, &["config", "user.name", "t"]);
    for dir in ["src", "docs", "lib"] {
        std::fs::create_dir_all(p.join(dir)).unwrap();
        for i in 0..3 {
            std::fs::write(
                p.join(dir).join(format!("f{i}.txt")),
                format!("{dir} {i}\n"),
            )
            .unwrap();
        }
    }
    git(p, &["add", "-A"]);
    git(p, &["commit", "-qm", "base"]);
    d
}

/// A task running `sh -c SCRIPT` in its worktree.
fn task(id: &str, touches: &[&str], script: &str) -> Value {
    json!({"id": id, "goal": format!("task {id}"), "touches": touches,
           "command": ["sh", "-c", script]})
}

/// Plans `tasks` with the library.
fn plan(tasks: Vec<Value>) -> Value {
    let tasks: Vec<muster_shared::schema::Task> = tasks
        .into_iter()
        .map(|t| serde_json::from_value(t).unwrap())
        .collect();
    let opts = muster_planner::plan::Options {
        max_outstanding: 4,
        ..Default::default()
    };
    let p = muster_planner::plan::plan(tasks, &opts).unwrap();
    serde_json::to_value(p).unwrap()
}

fn muster_run(repo: &Path, args: &[&str], stdin: &Value) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_muster-run"))
        .current_dir(repo)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let body = serde_json::to_vec(stdin).unwrap();
    child.stdin.take().unwrap().write_all(&body).unwrap();
    child.wait_with_output().unwrap()
}

fn events(repo: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(repo.join(".muster/ledger.jsonl")).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn run_doc(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {:?} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn status_of(doc: &Value, id: &str) -> String {
    doc["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .map(|t| t["status"].as_str().unwrap().to_string())
        .unwrap()
}

/// (task, start, end) of each attempt, from the ledger's timestamps.
fn spans(events: &[Value]) -> Vec<(String, String, String)> {
    let mut open: std::collections::BTreeMap<String, String> = Default::default();
    let mut out = Vec::new();
    for e in events {
        let t = e["task_id"].as_str().unwrap_or("").to_string();
        let ts = e["ts_utc"].as_str().unwrap().to_string();
        match e["event_type"].as_str().unwrap() {
            "task.dispatched" => {
                open.insert(t, ts);
            }
            "task.finished" | "task.timed_out" | "task.stuck" | "task.cancelled" => {
                if let Some(s) = open.remove(&t) {
                    out.push((t, s, ts));
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn at_most_three_at_once_and_conflicting_tasks_never_together() {
    let r = repo();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let f = format!("lib/t{i}.txt");
        tasks.push(task(
            &format!("T{i:02}"),
            &[&f],
            &format!("sleep 0.3; echo {i} > {f}"),
        ));
    }
    // Two tasks on the same directory: they conflict.
    tasks.push(task("C1", &["src/"], "sleep 0.3; echo a > src/f0.txt"));
    tasks.push(task(
        "C2",
        &["src/f1.txt"],
        "sleep 0.3; echo b > src/f1.txt",
    ));
    let out = muster_run(r.path(), &["--max-outstanding", "3"], &plan(tasks));
    let doc = run_doc(&out);
    assert_eq!(doc["status"], "PASS", "{doc}");
    let ev = events(r.path());
    let spans = spans(&ev);
    assert_eq!(spans.len(), 12);
    // At any start, at most 3 spans are open.
    for (_, s, _) in &spans {
        let open = spans.iter().filter(|(_, a, b)| a <= s && s < b).count();
        assert!(open <= 3, "{open} running at {s}: {spans:?}");
    }
    let c1 = spans.iter().find(|x| x.0 == "C1").unwrap();
    let c2 = spans.iter().find(|x| x.0 == "C2").unwrap();
    assert!(
        c1.2 <= c2.1 || c2.2 <= c1.1,
        "C1 {c1:?} and C2 {c2:?} overlap"
    );
    // The ledger verifies.
    let v = Command::new(env!("CARGO_BIN_EXE_muster-run"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(v.status.success());
}

#[test]
fn a_timeout_kills_the_whole_process_group() {
    let r = repo();
    let pidfile = r.path().join("grandchild.pid");
    let script = format!(
        "trap '' TERM; (trap '' TERM; exec sleep 60) & echo $! > {}; sleep 60",
        pidfile.display()
    );
    let t0 = Instant::now();
    let out = muster_run(
        r.path(),
        &["--timeout-s", "1"],
        &plan(vec![task("SLOW", &["lib/"], &script)]),
    );
    let doc = run_doc(&out);
    assert_eq!(status_of(&doc, "SLOW"), "timed_out", "{doc}");
    assert_eq!(out.status.code(), Some(2));
    assert!(t0.elapsed() < Duration::from_secs(20));
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    let proc_dir = PathBuf::from(format!("/proc/{}", pid.trim()));
    std::thread::sleep(Duration::from_millis(200));
    let gone = !proc_dir.exists()
        || std::fs::read_to_string(proc_dir.join("stat")).is_ok_and(|s| s.contains(") Z "));
    assert!(gone, "grandchild {} is still running", pid.trim());
    let ev = events(r.path());
    assert!(ev.iter().any(|e| e["event_type"] == "task.timed_out"));
}

#[test]
fn silent_workers_are_stuck_and_busy_ones_are_not() {
    let r = repo();
    let tasks = vec![
        task("HANG", &["lib/a/"], "sleep 60"),
        // Slow but talking: prints every 0.3 s for 3 s.
        task(
            "TALK",
            &["lib/b/"],
            "for i in 1 2 3 4 5 6 7 8 9 10; do echo $i; sleep 0.3; done",
        ),
        // Slow but writing files.
        task(
            "WRITE",
            &["lib/c/"],
            "mkdir -p lib/c; for i in 1 2 3 4 5 6 7 8 9 10; do echo $i > lib/c/x; sleep 0.3; done",
        ),
    ];
    let out = muster_run(r.path(), &["--stuck-after-s", "2"], &plan(tasks));
    let doc = run_doc(&out);
    assert_eq!(status_of(&doc, "HANG"), "stuck", "{doc}");
    assert_eq!(status_of(&doc, "TALK"), "done", "{doc}");
    assert_eq!(status_of(&doc, "WRITE"), "done", "{doc}");
}

#[test]
fn cancel_from_another_shell_stops_a_task_within_two_seconds() {
    let r = repo();
    let p = plan(vec![task("LONG", &["lib/"], "sleep 60")]);
    let repo_path = r.path().to_path_buf();
    let handle = std::thread::spawn(move || muster_run(&repo_path, &[], &p));
    // Wait for the run to start its task.
    let t0 = Instant::now();
    let run_id = loop {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "the task never started"
        );
        if let Ok(text) = std::fs::read_to_string(r.path().join(".muster/ledger.jsonl")) {
            if let Some(line) = text.lines().find(|l| l.contains("task.dispatched")) {
                let e: Value = serde_json::from_str(line).unwrap();
                break e["run_id"].as_str().unwrap().to_string();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let asked = Instant::now();
    let c = Command::new(env!("CARGO_BIN_EXE_muster-run"))
        .current_dir(r.path())
        .args([
            "cancel",
            "--run-id",
            &run_id,
            "--task",
            "LONG",
            "--reason",
            "not needed any more",
        ])
        .output()
        .unwrap();
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    let out = handle.join().unwrap();
    assert!(asked.elapsed() < Duration::from_secs(2) + Duration::from_millis(1500));
    let doc = run_doc(&out);
    assert_eq!(status_of(&doc, "LONG"), "cancelled", "{doc}");
    let ev = events(r.path());
    let e = ev
        .iter()
        .find(|e| e["event_type"] == "task.cancelled")
        .unwrap();
    assert!(e["payload"]["reason"]
        .as_str()
        .unwrap()
        .contains("not needed any more"));
}

#[test]
fn bundles_reproduce_the_branch_and_scope_blocks_strays() {
    let r = repo();
    let tasks = vec![
        task(
            "GOOD",
            &["src/"],
            "echo changed > src/f0.txt; rm src/f1.txt; echo new > src/new.txt; printf '\\000\\001' > src/bin.dat; cat src/f0.txt; echo to-stderr >&2",
        ),
        task("STRAY", &["docs/"], "echo x > docs/f0.txt; echo y > lib/f0.txt"),
    ];
    let out = muster_run(r.path(), &[], &plan(tasks));
    let doc = run_doc(&out);
    assert_eq!(status_of(&doc, "GOOD"), "done", "{doc}");
    assert_eq!(status_of(&doc, "STRAY"), "blocked", "{doc}");
    let run_id = doc["run_id"].as_str().unwrap();
    let dir = r.path().join(".muster/runs").join(run_id);
    // DIFF.patch onto the base gives the branch's tree.
    let base = doc["base"].as_str().unwrap();
    let check = tempfile::tempdir().unwrap();
    git(
        r.path(),
        &[
            "worktree",
            "add",
            "-q",
            "--detach",
            check.path().to_str().unwrap(),
            base,
        ],
    );
    git(
        check.path(),
        &[
            "apply",
            "--index",
            dir.join("GOOD/DIFF.patch").to_str().unwrap(),
        ],
    );
    let tree = git(check.path(), &["write-tree"]);
    let branch = format!("muster/{run_id}/GOOD");
    assert_eq!(
        tree,
        git(r.path(), &["rev-parse", &format!("{branch}^{{tree}}")])
    );
    // MANIFEST hashes match the files.
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("GOOD/MANIFEST.json")).unwrap()).unwrap();
    for (file, hash) in manifest["artifacts"].as_object().unwrap() {
        use sha2::Digest;
        let bytes = std::fs::read(dir.join("GOOD").join(file)).unwrap();
        let got: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(&got, hash.as_str().unwrap(), "{file}");
    }
    for f in [
        "MANIFEST.json",
        "STATUS.json",
        "DIFF.patch",
        "FILES_CHANGED.json",
        "SCOPE_LOCK.json",
        "BRIEF.md",
        "LOGS/stdout.log",
        "LOGS/stderr.log",
    ] {
        assert!(dir.join("GOOD").join(f).exists(), "{f}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("GOOD/LOGS/stderr.log")).unwrap(),
        "to-stderr\n"
    );
    // The stray change is named in the scope report.
    let report = std::fs::read_to_string(dir.join("STRAY/SCOPE_REPORT.json")).unwrap();
    assert!(report.contains("lib/f0.txt"), "{report}");
    // Worktrees are gone, branches stay.
    assert!(!r
        .path()
        .join(".muster/worktrees")
        .join(run_id)
        .join("GOOD")
        .exists());
}

#[test]
fn worker_stdin_is_closed_and_hostile_ids_write_nothing() {
    let r = repo();
    // `cat` would wait forever on an open stdin.
    let out = muster_run(
        r.path(),
        &["--timeout-s", "10"],
        &plan(vec![task("CAT", &["lib/"], "cat; echo done")]),
    );
    assert_eq!(status_of(&run_doc(&out), "CAT"), "done");
    // An id that names a path is refused by the plan reader before anything runs.
    let mut p = plan(vec![task("OK", &["lib/"], "true")]);
    p["tasks"][0]["id"] = json!("../x");
    p["waves"] = json!([["../x"]]);
    p["ready"] = json!(["../x"]);
    let before = std::fs::read_dir(r.path().join(".muster/runs"))
        .unwrap()
        .count();
    let out = muster_run(r.path(), &[], &p);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tasks[0].id \"../x\" is not valid"), "{err}");
    // Refused before anything was written: no new run directory, no ../x.
    let after = std::fs::read_dir(r.path().join(".muster/runs"))
        .unwrap()
        .count();
    assert_eq!(before, after);
    assert!(!r.path().join(".muster/x").exists());
    assert!(!r.path().join(".muster/worktrees/x").exists());
}

#[test]
fn kill_9_then_resume_loses_nothing_and_runs_nothing_twice() {
    let r = repo();
    let counter = r.path().join("..").join(format!(
        "{}-completions.txt",
        r.path().file_name().unwrap().to_string_lossy()
    ));
    let counter = counter.to_string_lossy().into_owned();
    let tasks: Vec<Value> = (0..8)
        .map(|i| {
            let id = format!("K{i}");
            task(
                &id,
                &[&format!("lib/{id}/")],
                &format!("mkdir -p lib/{id}; sleep 0.{}; echo $MUSTER_TASK_ID >> {counter}; echo ok > lib/{id}/out", 2 + i % 5),
            )
        })
        .collect();
    let p = plan(tasks);
    let spawn = |args: &[&str]| {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_muster-run"))
            .current_dir(r.path())
            .args(["--max-outstanding", "3"])
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let body = serde_json::to_vec(&p).unwrap();
        let _ = child.stdin.take().unwrap().write_all(&body);
        child
    };
    let run_id = |path: &Path| -> Option<String> {
        let text = std::fs::read_to_string(path.join(".muster/ledger.jsonl")).ok()?;
        let first: Value = serde_json::from_str(text.lines().next()?).ok()?;
        first["run_id"].as_str().map(str::to_string)
    };
    // Kill it at uneven moments, several times, resuming each time.
    let waits = [180u64, 420, 90, 650, 260, 330];
    let mut id: Option<String> = None;
    for w in waits {
        let mut child = match &id {
            None => spawn(&[]),
            Some(id) => spawn(&["--resume", id]),
        };
        std::thread::sleep(Duration::from_millis(w));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if id.is_none() {
            id = run_id(r.path());
        }
    }
    let id = id.expect("the first run never recorded run.created");
    let out = spawn(&["--resume", &id]).wait_with_output().unwrap();
    let doc = run_doc(&out);
    assert_eq!(doc["status"], "PASS", "{doc}");
    // The ledger verifies (read_events checks the chain).
    let events = muster_ledger::store::read_events(&r.path().join(".muster/ledger.jsonl")).unwrap();
    for i in 0..8 {
        let t = format!("K{i}");
        let endings = events
            .iter()
            .filter(|e| e.task_id.as_deref() == Some(t.as_str()))
            .filter(|e| {
                matches!(
                    e.event_type.as_str(),
                    "task.finished" | "task.timed_out" | "task.stuck" | "task.cancelled"
                )
            })
            .count();
        assert_eq!(endings, 1, "{t} ended {endings} times");
    }
    // No worker ran to completion twice: each wrote its line once (workers
    // cut off by a kill -9 of muster-run were killed before they finished).
    let text = std::fs::read_to_string(&counter).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    let want: Vec<String> = (0..8).map(|i| format!("K{i}")).collect();
    assert_eq!(lines, want, "completions: {text}");
    let _ = std::fs::remove_file(&counter);
}

#[test]
fn one_task_of_a_plan_under_a_given_run_id_as_a_ci_job_runs_it() {
    let r = repo();
    let p = plan(vec![
        task("A", &["lib/a/"], "mkdir -p lib/a; echo a > lib/a/x"),
        json!({"id": "B", "goal": "after A", "deps": ["A"], "touches": ["lib/b/"],
               "command": ["sh", "-c", "mkdir -p lib/b; echo b > lib/b/x"]}),
    ]);
    let out = muster_run(r.path(), &["--task", "B", "--run-id", "ci-run-7"], &p);
    let doc = run_doc(&out);
    assert_eq!(doc["run_id"], "ci-run-7");
    assert_eq!(doc["status"], "PASS", "{doc}");
    let ids: Vec<&str> = doc["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["B"]);
    assert!(r
        .path()
        .join(".muster/runs/ci-run-7/B/MANIFEST.json")
        .exists());
    // The same id again is refused: that run exists.
    let again = muster_run(r.path(), &["--task", "B", "--run-id", "ci-run-7"], &p);
    assert_eq!(again.status.code(), Some(1));
    let out = muster_run(r.path(), &["--task", "Z"], &p);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--task Z: the plan has no such task"));
}

#[test]
fn a_worker_cannot_make_muster_write_outside_its_state_directory() {
    let r = repo();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    std::fs::write(&victim, "keep\n").unwrap();
    let v = victim.display();
    // Symlinks in its bundle directory, at the names muster writes, and at
    // the temporary names of those writes (for every pid nearby).
    let script = format!(
        "d=$MUSTER_BUNDLE_DIR; for f in STATUS.json MANIFEST.json DIFF.patch SUMMARY.md FILES_CHANGED.json; do \
         ln -sf {v} $d/$f; p=$((PPID-5)); while [ $p -lt $((PPID+5)) ]; do ln -sf {v} $d/.$f.tmp-$p; p=$((p+1)); done; done; \
         echo x > lib/f0.txt"
    );
    let out = muster_run(r.path(), &[], &plan(vec![task("EVIL", &["lib/"], &script)]));
    let doc = run_doc(&out);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep\n");
    // A bundle directory with symlinks left in it cannot be hashed: the
    // task fails, saying why.
    assert_eq!(status_of(&doc, "EVIL"), "failed", "{doc}");
    let ev = events(r.path());
    let e = ev
        .iter()
        .rev()
        .find(|e| e["task_id"] == "EVIL" && e["event_type"] == "task.finished")
        .unwrap();
    assert!(
        e["payload"]["reason"]
            .as_str()
            .unwrap()
            .contains("could not collect"),
        "{e}"
    );
    // LOGS swapped for a symlink: the task fails, nothing is written there,
    // and the run goes on.
    let script = format!(
        "rm -rf $MUSTER_BUNDLE_DIR/LOGS; ln -s {} $MUSTER_BUNDLE_DIR/LOGS",
        outside.path().display()
    );
    let out = muster_run(
        r.path(),
        &[],
        &plan(vec![
            task("EVIL2", &["lib/"], &script),
            task("FINE", &["docs/"], "echo y > docs/f0.txt"),
        ]),
    );
    let doc = run_doc(&out);
    assert_eq!(status_of(&doc, "EVIL2"), "failed", "{doc}");
    assert_eq!(status_of(&doc, "FINE"), "done", "{doc}");
    let names: Vec<_> = std::fs::read_dir(outside.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn a_budget_stops_new_work_and_gc_and_doctor_do_their_jobs() {
    let r = repo();
    let report = r#"printf '{"schema":"muster.report/v1","metrics":{"cost":1}}' > $MUSTER_BUNDLE_DIR/REPORT.json"#;
    let tasks: Vec<Value> = (0..4)
        .map(|i| task(&format!("B{i}"), &[&format!("lib/b{i}/")], report))
        .collect();
    let out = muster_run(
        r.path(),
        &[
            "--max-outstanding",
            "1",
            "--budget",
            "2",
            "--keep-worktrees",
        ],
        &plan(tasks),
    );
    let doc = run_doc(&out);
    assert_eq!(doc["stop"], "budget_spent", "{doc}");
    let done = doc["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "done")
        .count();
    assert_eq!(done, 2, "{doc}");
    // Kept worktrees, removed by gc once the run has finished.
    let run_id = doc["run_id"].as_str().unwrap();
    let wt = r.path().join(".muster/worktrees").join(run_id);
    assert_eq!(std::fs::read_dir(&wt).unwrap().count(), 2);
    let gc = Command::new(env!("CARGO_BIN_EXE_muster-run"))
        .current_dir(r.path())
        .args(["gc", "--compact"])
        .output()
        .unwrap();
    assert!(
        gc.status.success(),
        "{}",
        String::from_utf8_lossy(&gc.stderr)
    );
    assert_eq!(std::fs::read_dir(&wt).unwrap().count(), 0);
    assert!(String::from_utf8_lossy(&gc.stdout).contains(&format!("{run_id}/B0")));
    let listed = git(r.path(), &["worktree", "list"]);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    // doctor: git, the repository, the config.
    let d = Command::new(env!("CARGO_BIN_EXE_muster-run"))
        .current_dir(r.path())
        .arg("doctor")
        .output()
        .unwrap();
    assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stdout));
    let report: Value = serde_json::from_slice(&d.stdout).unwrap();
    assert_eq!(report["status"], "PASS");
}

#[test]
fn scope_protected_paths_come_from_muster_json() {
    let r = repo();
    std::fs::write(
        r.path().join("muster.json"),
        r#"{"scope": {"protected": ["lib/secret/"], "allow_gitlinks": false}}"#,
    )
    .unwrap();
    let out = muster_run(
        r.path(),
        &["-v"],
        &plan(vec![task(
            "SNEAK",
            &["lib/"],
            "mkdir -p lib/secret; echo k > lib/secret/key",
        )]),
    );
    let doc = run_doc(&out);
    assert_eq!(status_of(&doc, "SNEAK"), "blocked", "{doc}");
    // -v: progress on stderr.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SNEAK: started"), "{err}");
    assert!(err.contains("SNEAK: blocked"), "{err}");
}

#[test]
fn a_locked_run_is_neither_run_resumed_nor_cancelled() {
    let r = repo();
    let state = r.path().join(".muster");
    std::fs::create_dir_all(&state).unwrap();
    let ledger = state.join("ledger.jsonl");
    let lock = muster_shared::schema::EventInput {
        schema: None,
        ts_utc: None,
        run_id: "ci-run-9".into(),
        event_type: "approval.granted".into(),
        task_id: None,
        actor: Some("mia".into()),
        payload: Some(
            json!({"action": "lock", "approver": "mia", "role": "maintainer",
                             "reason": "release signed off", "evidence_hash": "ab"}),
        ),
        idempotency_key: None,
    };
    let now = jiff::Timestamp::UNIX_EPOCH;
    muster_ledger::append::append(&ledger, &[lock], now).unwrap();
    let before = std::fs::read(&ledger).unwrap();
    let p = plan(vec![task(
        "A",
        &["lib/a/"],
        "mkdir -p lib/a; echo a > lib/a/x",
    )]);
    let refused = |out: &Output| {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(out.stdout.is_empty(), "{err}");
        assert!(
            err.starts_with("muster-run: error: run ci-run-9 is locked (by mia (maintainer) at ")
                && err.trim_end().ends_with("; a locked run is immutable"),
            "{err}"
        );
    };
    refused(&muster_run(r.path(), &["--run-id", "ci-run-9"], &p));
    refused(&muster_run(r.path(), &["--resume", "ci-run-9"], &p));
    let run_dir = state.join("runs/ci-run-9");
    assert!(!run_dir.exists(), "a locked run got a run directory");
    std::fs::create_dir_all(&run_dir).unwrap();
    let cancel = Command::new(env!("CARGO_BIN_EXE_muster-run"))
        .current_dir(r.path())
        .args(["cancel", "--run-id", "ci-run-9", "--reason", "stop it"])
        .output()
        .unwrap();
    refused(&cancel);
    assert_eq!(std::fs::read_dir(&run_dir).unwrap().count(), 0);
    assert_eq!(
        std::fs::read(&ledger).unwrap(),
        before,
        "the ledger changed"
    );
    // Another run id is not locked.
    let out = muster_run(r.path(), &["--run-id", "ci-run-10"], &p);
    assert_eq!(run_doc(&out)["status"], "PASS");
}
