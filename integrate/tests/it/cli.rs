//! muster-integrate's command-line contract, through the binary: it writes
//! only its run's integrator directory, git objects, the ledger and the
//! `--into` branch; `--bisect` finds the culprit in 1 + ceil(log2 n) check
//! runs; STATUS.json, FINAL_REPORT.txt, stdout and the exit code agree; the
//! same input gives the same bytes; usage and input errors exit 64 and 1
//! with one line on stderr.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use crate::common::{put, task, Out, Repo, NOW};
use muster_shared::git;
use muster_shared::schema::{Bundle, TaskOutcome};
use muster_shared::Status;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;

/// Three tasks on one base: T1 edits a.txt, T2 adds b/b.txt, T3 edits
/// a.txt too (so it overlaps T1). Gives the repo and the three commits.
fn three() -> (Repo, [String; 3]) {
    let r = Repo::new(|d| {
        put(d, "a.txt", "a\n");
        put(d, "keep.txt", "keep\n");
    });
    let c1 = r.commit(|d| put(d, "a.txt", "edited\n"));
    let c2 = r.commit(|d| put(d, "b/b.txt", "b\n"));
    let c3 = r.commit(|d| put(d, "a.txt", "edited again\n"));
    for (t, c) in [("T1", &c1), ("T2", &c2), ("T3", &c3)] {
        r.bundle(t, c);
    }
    (r, [c1, c2, c3])
}

/// A file's sha256, in hex.
fn sha256(path: &Path) -> String {
    let sha = Sha256::digest(std::fs::read(path).unwrap());
    sha.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every file, symlink and directory under `root` but `.git/` and the
/// paths in `skip` (relative, `/`-separated): what it is, with its mode
/// and the sha256 of its bytes.
fn snapshot(root: &Path, skip: &[&str]) -> BTreeMap<String, String> {
    use std::os::unix::fs::PermissionsExt;
    fn walk(dir: &Path, rel: &str, skip: &[&str], out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if path == ".git" || skip.contains(&path.as_str()) {
                continue;
            }
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            let mode = m.permissions().mode();
            let what = if m.is_symlink() {
                let t = std::fs::read_link(e.path()).unwrap();
                format!("link -> {}", t.display())
            } else if m.is_dir() {
                walk(&e.path(), &path, skip, out);
                format!("dir {mode:o}")
            } else {
                format!("file {mode:o} {}", sha256(&e.path()))
            };
            out.insert(path, what);
        }
    }
    let mut out = BTreeMap::new();
    walk(root, "", skip, &mut out);
    out
}

/// What of git's state muster must leave alone.
fn git_state(r: &Repo) -> BTreeMap<&'static str, String> {
    let read = |p: &str| -> String {
        String::from_utf8_lossy(&std::fs::read(r.root.join(p)).unwrap()).into_owned()
    };
    BTreeMap::from([
        ("HEAD file", read(".git/HEAD")),
        ("HEAD", r.git(&["rev-parse", "HEAD"])),
        ("config", read(".git/config")),
        ("index", sha256(&r.root.join(".git/index"))),
        ("status", r.git(&["status", "--porcelain", "-uall"])),
        ("worktrees", r.git(&["worktree", "list", "--porcelain"])),
    ])
}

/// Every ref and what it points at.
fn refs(r: &Repo) -> BTreeMap<String, String> {
    let all = r.git(&["for-each-ref", "--format=%(refname) %(objectname)"]);
    all.lines()
        .map(|l| l.split_once(' ').unwrap())
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The tree of `patch` applied onto the base in a scratch index.
fn apply_to_base(r: &Repo, patch: &Path) -> String {
    let index = r.tmp().join("scratch-index");
    let env: [(&str, &OsStr); 1] = [("GIT_INDEX_FILE", index.as_os_str())];
    let run = |args: &[&str]| git::run_with(&r.root, args, None, &env).unwrap();
    run(&["read-tree", &r.base]);
    run(&["apply", "--cached", patch.to_str().unwrap()]);
    String::from_utf8(run(&["write-tree"]))
        .unwrap()
        .trim()
        .into()
}

#[test]
fn it_writes_only_its_run_dir_the_ledger_objects_and_the_into_branch() {
    let (r, [c1, c2, _]) = three();
    // A repository in use: a dirty tree, a staged file, other refs.
    put(&r.root, "a.txt", "dirty, not staged\n");
    put(&r.root, "staged.txt", "staged\n");
    r.git(&["add", "staged.txt"]);
    put(&r.root, "untracked.txt", "untracked\n");
    r.git(&["branch", "feature"]);
    r.git(&["tag", "v1"]);
    let integrator = format!(".muster/runs/{}/integrator", r.run_id);
    let skip = [integrator.as_str(), ".muster/ledger.jsonl"];
    let (files, state, before) = (snapshot(&r.root, &skip), git_state(&r), refs(&r));
    assert!(files.contains_key(".muster/runs"), "{files:?}");

    // The check passes only in a checkout of the combined tree.
    let check = "grep -qx edited a.txt && test -f b/b.txt && test ! -e untracked.txt";
    let out = r.integrate(&["T1", "T2"], &["--into", "out", "--check", check]);
    let doc = out.expect(Status::Pass);
    let tree = r.merged(&[&c1, &c2]);
    assert_eq!(doc.result.tree.as_deref(), Some(tree.as_str()), "{out}");
    let c = doc.check.as_ref().unwrap();
    assert_eq!(
        (c.status, c.runs.len(), &c.culprit),
        (Status::Pass, 1, &None)
    );
    assert_eq!((c.runs[0].tasks, c.runs[0].exit_code), (2, Some(0)));

    assert_eq!(snapshot(&r.root, &skip), files);
    assert_eq!(git_state(&r), state);
    let mut after = refs(&r);
    let out_commit = after.remove("refs/heads/out").expect("refs/heads/out made");
    assert_eq!(after, before, "refs other than refs/heads/out changed");
    assert_eq!(doc.result.commit.as_deref(), Some(out_commit.as_str()));
    let branch = doc.result.branch.as_deref().unwrap();
    assert!(["out", "refs/heads/out"].contains(&branch), "{branch}");
    let parents = r.git(&["rev-list", "--parents", "-n", "1", &out_commit]);
    assert_eq!(parents, format!("{out_commit} {}", r.base));
    assert_eq!(r.tree(&out_commit), tree);
    assert!(r.integrator().join("STATUS.json").is_file());
}

#[test]
fn bisect_names_the_culprit_in_at_most_1_plus_log2_n_check_runs() {
    let r = Repo::new(|d| put(d, "keep.txt", "keep\n"));
    let ids: Vec<String> = (1..=16).map(|i| format!("T{i:02}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let c = r.commit(|d| put(d, &format!("f{:02}", i + 1), "x\n"));
        r.bundle(id, &c);
    }
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    for bad in [11, 1, 16] {
        let check = format!("test ! -e f{bad:02}");
        let args = ["--check", &check, "--bisect", "--into", "landed"];
        let out = r.integrate(&ids, &args);
        let doc = out.expect(Status::Blocked);
        let c = doc.check.as_ref().unwrap();
        assert_eq!(c.status, Status::Blocked, "{out}");
        assert_eq!(c.culprit.as_deref(), Some(ids[bad - 1]), "{out}");
        assert!(c.runs.len() <= 5, "{} check runs: {out}", c.runs.len());
        assert_eq!(c.runs[0].tasks, 16, "{out}");
        for run in &c.runs {
            let passed = run.exit_code == Some(0);
            assert_eq!(passed, run.tasks < bad, "{run:?} with f{bad:02} failing");
            assert!(r.integrator().join(&run.log).is_file(), "{run:?}");
        }
        assert!(!refs(&r).contains_key("refs/heads/landed"), "{out}");
        // BLOCKED: nothing lands, the tasks are held back as `clean`.
        assert_eq!(
            (&doc.result.tree, &doc.result.commit),
            (&None, &None),
            "{out}"
        );
        assert!(doc.applied.is_empty(), "{out}");
        let held = doc.tasks.iter().all(|t| t.outcome == TaskOutcome::Clean);
        assert!(held, "{out}");
    }
}

#[test]
fn status_json_final_report_stdout_and_exit_code_agree() {
    let (r, [c1, c2, _]) = three();
    let cases: [(&[&str], &[&str], Status); 3] = [
        (&["T1", "T2"], &[], Status::Pass),
        (&["T1", "T2", "T3"], &["--into", "blocked"], Status::Blocked),
        (&["T1", "T2", "T3"], &["--partial"], Status::Warn),
    ];
    let dir = r.integrator();
    for (tasks, args, status) in cases {
        let out = r.integrate(tasks, args);
        let doc = out.expect(status);
        let written = std::fs::read(dir.join("STATUS.json")).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&written),
            String::from_utf8_lossy(&out.stdout)
        );
        let report = std::fs::read_to_string(dir.join("FINAL_REPORT.txt")).unwrap();
        assert_eq!(
            report.lines().next(),
            Some(format!("STATUS: {status}").as_str())
        );
        for f in [
            "FILES_CHANGED.json",
            "DIFF.patch",
            "MERGE_PLAN.md",
            "LOGS/INDEX.json",
        ] {
            assert!(dir.join(f).is_file(), "{status}: no {f}");
        }
        for f in ["FILES_CHANGED.json", "LOGS/INDEX.json"] {
            let bytes = std::fs::read(dir.join(f)).unwrap();
            let json = serde_json::from_slice::<serde_json::Value>(&bytes);
            assert!(json.is_ok(), "{status}: {f} is not JSON");
        }
        let patch = format!(".muster/runs/{}/integrator/DIFF.patch", r.run_id);
        match doc.result.tree {
            Some(tree) => {
                assert_eq!(doc.result.patch, patch);
                assert_eq!(apply_to_base(&r, &r.root.join(&patch)), tree);
                assert_eq!(tree, r.merged(&[&c1, &c2]));
            }
            None => assert_eq!((doc.result.patch.as_str(), &doc.result.commit), ("", &None)),
        }
    }
    assert!(
        !refs(&r).contains_key("refs/heads/blocked"),
        "BLOCKED made a branch"
    );
}

#[test]
fn the_same_input_gives_the_same_bytes_however_it_is_given() {
    let args = ["--partial", "--check", "true", "--now", NOW];
    let (r, _) = three();
    let tasks = ["T1", "T2", "T3"];
    let first = r.exec(&args, &r.run_doc(&tasks));
    first.expect(Status::Warn);
    let again = r.exec(&args, &r.run_doc(&tasks));
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        String::from_utf8_lossy(&first.stdout)
    );
    // Another repository made the same way: no path or time leaks in.
    let (r2, _) = three();
    assert_eq!(r2.base, r.base);
    let elsewhere = r2.exec(&args, &r2.run_doc(&tasks));
    assert_eq!(
        String::from_utf8_lossy(&elsewhere.stdout),
        String::from_utf8_lossy(&first.stdout)
    );
    // From a file, and from the bundle directories.
    let file = r.tmp().join("run.json");
    std::fs::write(&file, r.run_doc(&tasks)).unwrap();
    let from_file = r.exec(&[&args[..], &["-i", file.to_str().unwrap()]].concat(), b"");
    assert_eq!(from_file.stdout, first.stdout, "{from_file}");
    let dirs: Vec<String> = tasks
        .iter()
        .map(|t| format!(".muster/runs/{}/{t}", r.run_id))
        .collect();
    let mut bundle_args: Vec<&str> = args.to_vec();
    bundle_args.push("--bundle");
    bundle_args.extend(dirs.iter().map(String::as_str));
    let from_bundles = r.exec(&bundle_args, b"");
    assert_eq!(from_bundles.stdout, first.stdout, "{from_bundles}");
    // --compact: the same document on one line.
    let compact = r.exec(&[&args[..], &["--compact"]].concat(), &r.run_doc(&tasks));
    let text = String::from_utf8(compact.stdout.clone()).unwrap();
    assert!(
        text.ends_with('\n') && text.lines().count() == 1,
        "{compact}"
    );
    assert_eq!(compact.doc(), first.doc());
}

#[test]
fn schema_bad_flags_and_bad_input_exit_as_documented() {
    let (r, _) = three();
    let schema = r.exec(&["--schema"], b"");
    assert_eq!(schema.code, Some(0), "{schema}");
    let json: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert!(json.is_object(), "{schema}");

    let usage = r.exec(&["--no-such-flag"], &r.run_doc(&["T1"]));
    assert_eq!(
        (usage.code, usage.stdout.is_empty()),
        (Some(64), true),
        "{usage}"
    );
    assert!(!usage.stderr.is_empty());

    let one_line_error = |out: &Out, says: &str| {
        assert_eq!((out.code, out.stdout.is_empty()), (Some(1), true), "{out}");
        assert_eq!(out.stderr.lines().count(), 1, "{out}");
        assert!(out.stderr.starts_with("muster-integrate: error: "), "{out}");
        assert!(out.stderr.contains(says), "{out}");
        assert!(!r.integrator().exists(), "a failed run wrote {out}");
    };
    one_line_error(&r.exec(&[], b"this is not JSON {"), "");
    let plan = br#"{"schema": "muster.plan/v1", "tasks": []}"#;
    one_line_error(&r.exec(&[], plan), "muster.run/v1");

    // Bundles of two runs cannot be integrated as one.
    let t2 = r.run_dir().join("T2/MANIFEST.json");
    let mut m: Bundle = serde_json::from_slice(&std::fs::read(&t2).unwrap()).unwrap();
    m.run_id = "run_20240501T120000Z_00000000_002".into();
    std::fs::write(&t2, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let dirs = [r.run_dir().join("T1"), r.run_dir().join("T2")];
    let dirs: Vec<&str> = dirs.iter().map(|d| d.to_str().unwrap()).collect();
    let mixed = r.exec(&[&["--bundle"][..], &dirs].concat(), b"");
    one_line_error(&mixed, "");
}

#[test]
fn muster_home_moves_the_state_dir_and_ledger_takes_the_event() {
    let (r, _) = three();
    let home = r.tmp().join("state");
    let ledger = r.tmp().join("events.jsonl");
    let env: [(&str, &OsStr); 1] = [("MUSTER_HOME", home.as_os_str())];
    let args = ["--now", NOW, "--ledger", ledger.to_str().unwrap()];
    let out = r.exec_env(&args, &r.run_doc(&["T1", "T2"]), &env);
    let doc = out.expect(Status::Pass);
    assert_eq!(task(&doc, "T2").outcome, TaskOutcome::Applied);
    let status = home
        .join("runs")
        .join(&r.run_id)
        .join("integrator/STATUS.json");
    assert_eq!(std::fs::read(&status).unwrap(), out.stdout);
    assert!(
        !r.integrator().exists(),
        "wrote under .muster despite MUSTER_HOME"
    );
    assert!(!r.root.join(".muster/ledger.jsonl").exists());
    let events = std::fs::read_to_string(&ledger).unwrap();
    let finished = events.lines().any(|l| {
        let e: serde_json::Value = serde_json::from_str(l).unwrap();
        e["event_type"] == "integration.finished" && e["run_id"] == r.run_id.as_str()
    });
    assert!(
        finished,
        "no integration.finished event for the run:\n{events}"
    );
}

#[test]
fn the_plan_orders_by_wave_then_id_and_the_first_wins_an_overlap() {
    let r = Repo::new(|d| put(d, "keep.txt", "keep\n"));
    let c1 = r.commit(|d| put(d, "same.txt", "one\n"));
    let c2 = r.commit(|d| put(d, "same.txt", "two\n"));
    let c3 = r.commit(|d| put(d, "three.txt", "three\n"));
    for (t, c) in [("T1", &c1), ("T2", &c2), ("T3", &c3)] {
        r.bundle(t, c);
    }
    let task = |id: &str, wave: usize| serde_json::json!({"id": id, "goal": "g", "touches": ["**"], "wave": wave});
    let plan = serde_json::json!({
        "schema": "muster.plan/v1",
        "tasks": [task("T1", 1), task("T2", 0), task("T3", 0)],
        "waves": [["T2", "T3"], ["T1"]],
        "ready": ["T2", "T3"],
        "conflicts": [],
        "critical_path": {"length": 1.0, "tasks": ["T2"]},
        "max_outstanding": 4,
        "stats": {"tasks": 3, "deps": 0, "waves": 2, "conflicts": 0, "widest_wave": 2},
    });
    let file = r.tmp().join("plan.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&plan).unwrap()).unwrap();
    let tasks = ["T1", "T2", "T3"];
    let given = r.integrate(&tasks, &["--partial", "--plan", file.to_str().unwrap()]);
    let doc = given.expect(Status::Warn);
    assert_eq!(doc.order, ["T2", "T3", "T1"], "{given}");
    assert_eq!(doc.applied, ["T2", "T3"], "{given}");
    assert_eq!(doc.overlaps[0].tasks, ["T2", "T1"], "{given}");
    let outcome = |id| doc.tasks.iter().find(|t| t.id == id).unwrap().outcome;
    assert_eq!(outcome("T1"), TaskOutcome::Conflict, "{given}");
    assert_eq!(doc.result.tree, Some(r.merged(&[&c2, &c3])), "{given}");
    // The run's own plan.json, when no --plan is given.
    std::fs::copy(&file, r.run_dir().join("plan.json")).unwrap();
    let own = r.integrate(&tasks, &["--partial"]);
    assert_eq!(own.stdout, given.stdout, "{own}");
    // Without a plan: task id.
    std::fs::remove_file(r.run_dir().join("plan.json")).unwrap();
    let by_id = r.integrate(&tasks, &["--partial"]).doc();
    assert_eq!(by_id.order, tasks);
    assert_eq!(by_id.applied, ["T1", "T3"]);
}

#[test]
fn into_moves_only_a_new_branch_the_base_or_its_own_earlier_integration() {
    let (r, _) = three();
    let tasks = ["T1", "T2"];
    let first = r
        .integrate(&tasks, &["--into", "landed"])
        .expect(Status::Pass);
    let commit = first.result.commit.clone().unwrap();
    assert_eq!(r.git(&["rev-parse", "landed"]), commit);
    assert_eq!(r.git(&["rev-parse", "landed^1"]), r.base);
    // Integrating again moves it (same time: the same commit).
    let again = r
        .integrate(&tasks, &["--into", "landed"])
        .expect(Status::Pass);
    assert_eq!(again.result.commit, Some(commit));
    // A branch anywhere else, or checked out, is refused before any work.
    let other = r.commit(|d| put(d, "other.txt", "x\n"));
    r.git(&["branch", "elsewhere", &other]);
    for (branch, why) in [
        ("elsewhere", "neither the base"),
        ("main", "checked out"),
        ("-x", "not a branch"),
    ] {
        let out = r.integrate(&tasks, &[&format!("--into={branch}")]);
        assert_eq!(out.code, Some(1), "{out}");
        assert!(out.stdout.is_empty() && out.stderr.contains(why), "{out}");
    }
    assert_eq!(r.git(&["rev-parse", "elsewhere"]), other);
}

#[test]
fn a_locked_run_is_refused_before_anything_is_written() {
    let (r, _) = three();
    let ledger = r.root.join(".muster/ledger.jsonl");
    let event = |run_id: &str, event_type: &str, payload: serde_json::Value| {
        muster_shared::schema::EventInput {
            schema: None,
            ts_utc: None,
            run_id: run_id.into(),
            event_type: event_type.into(),
            task_id: None,
            actor: Some("mia".into()),
            payload: Some(payload),
            idempotency_key: None,
        }
    };
    let lock = serde_json::json!({"action": "lock", "approver": "mia", "role": "maintainer",
                                  "reason": "release signed off", "evidence_hash": "ab"});
    let now = muster_shared::time::parse_rfc3339(NOW).unwrap();
    // Another run's lock, and a refused one, lock nothing.
    let others = [
        event("run_other", "approval.granted", lock.clone()),
        event(&r.run_id, "approval.denied", lock.clone()),
    ];
    muster_ledger::append::append(&ledger, &others, now).unwrap();
    r.integrate(&["T1", "T2"], &[]).expect(Status::Pass);
    std::fs::remove_dir_all(r.integrator()).unwrap();

    let locked = [event(&r.run_id, "approval.granted", lock)];
    muster_ledger::append::append(&ledger, &locked, now).unwrap();
    let before = std::fs::read(&ledger).unwrap();
    let out = r.integrate(&["T1", "T2"], &[]);
    assert_eq!((out.code, out.stdout.is_empty()), (Some(1), true), "{out}");
    assert_eq!(out.stderr.lines().count(), 1, "{out}");
    let says = format!(
        "muster-integrate: error: run {} is locked (by mia (maintainer) at ",
        r.run_id
    );
    assert!(out.stderr.starts_with(&says), "{out}");
    assert!(
        out.stderr.ends_with("; a locked run is immutable\n"),
        "{out}"
    );
    assert!(!r.integrator().exists(), "a locked run got {out}");
    assert_eq!(
        std::fs::read(&ledger).unwrap(),
        before,
        "the ledger changed"
    );
}
