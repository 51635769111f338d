//! The pipelines users run, on real git repositories: `git diff --raw -z` and
//! unified diffs piped into muster-scope, bundles, path lists, two trees.

use crate::{git, scope};
use serde_json::Value;
use std::fs;
use std::path::Path;

fn write(repo: &Path, path: &str, text: &str) {
    let p = repo.join(path);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// A repo with a base commit and a change staged on top of it.
fn repo_with_change() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    git(r, &["init", "-q"]);
    write(r, "src/auth/login.py", "def login(): pass\n");
    write(r, "src/auth/old_name.py", "x = 1\n");
    write(r, "config/prod.yaml", "mode: prod\n");
    write(r, "docs/notes.md/run.sh", "echo hi\n");
    git(r, &["add", "-A"]);
    git(r, &["commit", "-qm", "base"]);
    write(r, "src/auth/login.py", "def login(user): return user\n");
    write(r, "src/auth/secrets/key.pem", "KEY\n");
    write(r, "config/prod.yaml", "mode: debug\n");
    git(r, &["mv", "src/auth/old_name.py", "src/auth/new_name.py"]);
    git(r, &["add", "-A"]);
    dir
}

fn violations(report: &Value) -> Vec<String> {
    report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_readme_pipeline_catches_what_strays() {
    let dir = repo_with_change();
    let r = dir.path();
    let raw = git(r, &["diff", "--cached", "--raw", "-z", "-M"]);
    let unified = git(r, &["diff", "--cached", "-M"]);
    // A pure rename in a unified diff has no mode (it could be a symlink):
    // refused there; the raw form gives the mode.
    let cases = [
        (
            "raw -z",
            &raw,
            vec!["config/prod.yaml", "src/auth/secrets/key.pem"],
        ),
        (
            "unified",
            &unified,
            vec![
                "config/prod.yaml",
                "src/auth/new_name.py",
                "src/auth/secrets/key.pem",
            ],
        ),
    ];
    for (name, input, strays) in cases {
        let (code, report, stderr) = scope(
            r,
            &["--allow", "src/auth/", "--deny", "src/auth/secrets/"],
            input,
        );
        assert_eq!(code, 2, "{name}: {stderr}");
        assert_eq!(report["status"], "BLOCKED", "{name}");
        assert_eq!(violations(&report), strays, "{name}");
        let files = report["files"].as_array().unwrap();
        let rename = files.iter().find(|f| f["change"] == "renamed").unwrap();
        assert_eq!(
            (rename["path"].as_str(), rename["old_path"].as_str()),
            (Some("src/auth/new_name.py"), Some("src/auth/old_name.py"))
        );
        assert_eq!(rename["allowed"], name == "raw -z", "{name}");
        let summary = format!("blocked: {} of 4 files outside the scope", strays.len());
        assert!(stderr.contains(&summary), "{stderr}");
    }
    // Inside the scope: PASS.
    let (code, report, _) = scope(r, &["--allow", "src/auth/", "--allow", "config/"], &raw);
    assert_eq!((code, report["status"].as_str()), (0, Some("PASS")));
}

#[test]
fn a_rename_needs_both_paths() {
    let dir = repo_with_change();
    let raw = git(dir.path(), &["diff", "--cached", "--raw", "-z", "-M"]);
    let (code, report, _) = scope(
        dir.path(),
        &[
            "--allow",
            "src/auth/new_name.py",
            "--allow",
            "src/auth/login.py",
        ],
        &raw,
    );
    assert_eq!(code, 2);
    let v = &report["violations"].as_array().unwrap();
    let r = v
        .iter()
        .find(|v| v["path"] == "src/auth/new_name.py")
        .expect("the rename is a violation");
    assert!(
        r["reason"]
            .as_str()
            .unwrap()
            .starts_with("renamed from 'src/auth/old_name.py'"),
        "{r}"
    );
}

#[test]
fn wildcards_never_take_the_contents_of_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (code, report, _) = scope(
        dir.path(),
        &["--paths", "--allow", "*.md"],
        b"docs/notes.md/run.sh\nREADME.md\n",
    );
    assert_eq!(code, 2);
    assert_eq!(violations(&report), ["docs/notes.md/run.sh"]);
}

#[test]
fn always_violations_and_protected_paths() {
    let dir = tempfile::tempdir().unwrap();
    let input = b"../escape\n/etc/passwd\n.git/config\nsrc/.git/hooks/x\n.github/workflows/ci.yml\n.muster/ledger.jsonl\nsrc/ok.rs\n";
    let (code, report, _) = scope(dir.path(), &["--paths", "--allow", "**"], input);
    assert_eq!(code, 2);
    assert_eq!(
        violations(&report),
        [
            "../escape",
            "/etc/passwd",
            ".git/config",
            "src/.git/hooks/x",
            ".github/workflows/ci.yml",
            ".muster/ledger.jsonl"
        ]
    );
    // Named explicitly, a protected path may change.
    let (code, _, _) = scope(
        dir.path(),
        &["--paths", "--allow", ".github/workflows/ci.yml"],
        b".github/workflows/ci.yml\n",
    );
    assert_eq!(code, 0);
}

#[test]
fn fail_closed_on_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, out, err) = scope(d, &["--allow", "src/"], b"this is not a diff\n");
    assert_eq!((code, out), (1, Value::Null));
    assert!(
        err.starts_with("muster-scope: error: <stdin>: line 1: not a change"),
        "{err}"
    );
    let (code, _, err) = scope(d, &["--paths"], b"a\n");
    assert_eq!(code, 1);
    assert!(err.contains("the allowlist is empty"), "{err}");
    let (code, _, err) = scope(d, &["--paths", "--allow", "!src/"], b"a\n");
    assert_eq!(code, 1);
    assert!(err.contains("--deny"), "a hint: {err}");
    let (code, _, err) = scope(d, &["--paths", "--allow", "src/{a,b}"], b"a\n");
    assert_eq!(code, 1);
    assert!(err.contains("brace"), "{err}");
    let truncated =
        b"diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n";
    let (code, _, err) = scope(d, &["--allow", "x"], truncated);
    assert_eq!(code, 1, "{err}");
    let (code, _, _) = scope(d, &["--frobnicate"], b"");
    assert_eq!(code, 64);
}

#[test]
fn two_trees_and_the_diff_between_them() {
    let dir = tempfile::tempdir().unwrap();
    let (b, a) = (dir.path().join("before"), dir.path().join("after"));
    write(&b, "docs/a.md", "one\ntwo\n");
    write(&b, "docs/gone.md", "bye\n");
    write(&b, "src/main.rs", "fn main() {}\n");
    write(&a, "docs/a.md", "one\nTWO\n");
    write(&a, "docs/new.md", "hello\n");
    write(&a, "src/main.rs", "fn main() {}\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(a.join("src/main.rs"), fs::Permissions::from_mode(0o755)).unwrap();
    }
    let patch = dir.path().join("change.patch");
    let (code, report, err) = scope(
        dir.path(),
        &[
            "--before",
            "before",
            "--after",
            "after",
            "--emit-diff",
            "change.patch",
            "--allow",
            "docs/",
        ],
        b"",
    );
    assert_eq!(code, 2, "{err}");
    let kinds: Vec<(String, String)> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().into(),
                f["change"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("docs/a.md".into(), "modified".into()),
            ("docs/gone.md".into(), "deleted".into()),
            ("docs/new.md".into(), "added".into()),
            ("src/main.rs".into(), "mode_changed".into())
        ]
    );
    // The emitted diff reads back the same, and git applies it to `before`.
    let text = fs::read(&patch).unwrap();
    let (code2, report2, _) = scope(dir.path(), &["--allow", "docs/"], &text);
    assert_eq!(code2, 2);
    assert_eq!(report2["files"], report["files"]);
    git(&b, &["init", "-q"]);
    git(&b, &["apply", "--check", patch.to_str().unwrap()]);
}

#[test]
fn a_bundle_brings_its_own_scope_and_a_ledger_records_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = serde_json::json!({
        "schema": "muster.bundle/v1", "run_id": "r1", "task_id": "T1", "base": "abc", "status": "done",
        "exit_code": 0, "duration_ms": 10,
        "files_changed": [
            {"path": "src/a.rs", "change": "modified", "old_path": null, "mode": "100644", "binary": false},
            {"path": "src/secret.key", "change": "added", "old_path": null, "mode": "100644", "binary": true}
        ],
        "scope": {"allow": ["src/"], "deny": ["*.key"]}, "artifacts": {}
    });
    let (code, report, _) = scope(
        dir.path(),
        &["--ledger", "l.jsonl", "--now", "2026-11-21T08:00:00Z"],
        bundle.to_string().as_bytes(),
    );
    assert_eq!(code, 2);
    assert_eq!(violations(&report), ["src/secret.key"]);
    assert_eq!(report["files"][1]["binary"], true);
    let line: Value =
        serde_json::from_slice(&fs::read(dir.path().join("l.jsonl")).unwrap()).unwrap();
    assert_eq!(
        (
            line["event_type"].as_str(),
            line["run_id"].as_str(),
            line["task_id"].as_str()
        ),
        (Some("scope.checked"), Some("r1"), Some("T1"))
    );
    assert_eq!(line["payload"]["status"], "BLOCKED");
}

#[test]
fn same_input_same_bytes() {
    let dir = repo_with_change();
    let raw = git(dir.path(), &["diff", "--cached", "--raw", "-z", "-M"]);
    let args = ["--allow", "src/", "--deny", "src/auth/secrets/"];
    let first = scope(dir.path(), &args, &raw);
    let second = scope(dir.path(), &args, &raw);
    assert_eq!(first.1.to_string(), second.1.to_string());
}
