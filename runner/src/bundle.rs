//! A task's bundle (DESIGN.md section 7): what the worker changed, as the
//! files integrate and people read, each hashed in MANIFEST.json.

use crate::git;
use anyhow::{bail, Context, Result};
use muster_scope_check::input::Files;
use muster_scope_check::policy::Scope;
use muster_scope_check::{check, output};
use muster_shared::diff::{parse_raw_z, parse_unified, FileChange};
use muster_shared::io::{to_json, write_atomic};
use muster_shared::schema::{
    Bundle, BundleFile, BundleScope, ScopeReport, ScopedFile, StatusDoc, TaskStatus, Violation,
};
use muster_shared::Status;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// What a bundle is made from.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// The repository (any worktree of it).
    pub repo: &'a Path,
    /// The run.
    pub run_id: &'a str,
    /// The task.
    pub task_id: &'a str,
    /// The base commit.
    pub base: &'a str,
    /// The task branch's head commit (after `git::commit_all`).
    pub head: &'a str,
    /// The task's status so far (`done`, `failed`, `timed_out`, `stuck`, `cancelled`).
    pub status: &'a str,
    /// The worker's exit code, when it exited by itself.
    pub exit_code: Option<i32>,
    /// Why it ended that way, in words.
    pub reason: &'a str,
    /// How long the worker ran.
    pub duration_ms: u64,
    /// The globs the task may write, and those it may not.
    pub allow: &'a [String],
    /// Deny globs.
    pub deny: &'a [String],
    /// Paths denied unless the allowlist names them (`scope.protected`).
    pub protected: &'a [String],
    /// Whether gitlinks may change (`scope.allow_gitlinks`).
    pub allow_gitlinks: bool,
    /// The bundle directory (`.muster/runs/<RUN_ID>/<TASK_ID>/`), which
    /// already holds BRIEF.md and LOGS/stdout.log, LOGS/stderr.log, and
    /// maybe REPORT.json from the worker.
    pub dir: &'a Path,
}

/// What writing the bundle found.
#[derive(Debug, Clone)]
pub struct Written {
    /// The manifest written.
    pub manifest: Bundle,
    /// The scope report of the change.
    pub scope: ScopeReport,
    /// The task's final status: `blocked` when the change leaves its scope
    /// (or the scope check could not be done), else the input status.
    pub status: String,
    /// The bundle directory.
    pub dir: PathBuf,
}

/// LOGS/INDEX.json: `{"files": [LogFile]}`.
#[derive(Serialize)]
struct LogIndex {
    files: Vec<LogFile>,
}

/// One log file, its size and sha256.
#[derive(Serialize)]
struct LogFile {
    path: String,
    bytes: u64,
    sha256: String,
}

/// Writes DIFF.patch, FILES_CHANGED.json, SCOPE_LOCK.json, SCOPE_REPORT.json,
/// STATUS.json, SUMMARY.md, LOGS/INDEX.json and, last, MANIFEST.json.
pub fn write(input: &Input<'_>) -> Result<Written> {
    let worker_status = match TaskStatus::parse(input.status) {
        Some(TaskStatus::Pending | TaskStatus::Running) | None => bail!(
            "{:?} is not the status of a finished task (done, failed, timed_out, stuck, cancelled, blocked)",
            input.status
        ),
        Some(s) => s,
    };
    let dir = input.dir;
    if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        bail!("bundle directory {} is not a directory", dir.display());
    }
    let (repo, base) = (input.repo, git::rev_parse(input.repo, input.base)?);
    let head = git::rev_parse(repo, input.head)?;

    let patch = git::diff_binary(repo, &base, &head)?;
    let changes = changes(repo, &head, &git::diff_raw_z(repo, &base, &head)?, &patch)?;
    let files_changed: Vec<BundleFile> = changes.iter().map(BundleFile::from).collect();
    let n_files = changes.len();
    let (report, scope_error) = check_scope(changes, input)?;

    let blocked = match (&scope_error, report.status) {
        (None, Status::Pass) => None,
        (Some(e), _) => Some(format!("the scope check failed: {e}")),
        (None, _) => Some(violations(&report, n_files)),
    };
    let (status, reason) = match blocked {
        None => (worker_status, input.reason.to_string()),
        Some(why) if input.reason.is_empty() => (TaskStatus::Blocked, why),
        Some(why) => {
            let was = format!("(worker: {}: {})", worker_status.as_str(), input.reason);
            (TaskStatus::Blocked, format!("{why} {was}"))
        }
    };
    let scope = BundleScope {
        allow: input.allow.to_vec(),
        deny: input.deny.to_vec(),
    };
    let doc = StatusDoc {
        schema: "muster.status/v1".into(),
        status,
        exit_code: input.exit_code,
        reason,
    };

    // Only fixed names are joined onto the directory.
    let put = |name: &str, bytes: &[u8]| write_atomic(&dir.join(name), bytes);
    put("DIFF.patch", &patch)?;
    put("FILES_CHANGED.json", &to_json(&files_changed, false))?;
    put("SCOPE_LOCK.json", &to_json(&scope, false))?;
    put("SCOPE_REPORT.json", &to_json(&report, false))?;
    put("STATUS.json", &to_json(&doc, false))?;
    put(
        "SUMMARY.md",
        summary(input, &doc, &report, n_files).as_bytes(),
    )?;

    let logs = dir.join("LOGS");
    match std::fs::symlink_metadata(&logs) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => bail!("{} is not a directory", logs.display()),
        Err(_) => {
            std::fs::create_dir(&logs).with_context(|| format!("creating {}", logs.display()))?
        }
    }
    let mut index = LogIndex { files: Vec::new() };
    for (path, file) in files_in(&logs, "LOGS/")? {
        if path != "LOGS/INDEX.json" {
            let (bytes, sha256) = hash_file(&file)?;
            index.files.push(LogFile {
                path,
                bytes,
                sha256,
            });
        }
    }
    put("LOGS/INDEX.json", &to_json(&index, false))?;

    let mut artifacts = BTreeMap::new();
    for (path, file) in files_in(dir, "")? {
        if path != "MANIFEST.json" {
            artifacts.insert(path, hash_file(&file)?.1);
        }
    }
    let manifest = Bundle {
        schema: "muster.bundle/v1".into(),
        run_id: input.run_id.into(),
        task_id: input.task_id.into(),
        base,
        status: status.as_str().into(),
        exit_code: input.exit_code,
        duration_ms: input.duration_ms,
        files_changed,
        scope,
        artifacts,
    };
    put("MANIFEST.json", &to_json(&manifest, false))?;
    Ok(Written {
        manifest,
        scope: report,
        status: status.as_str().into(),
        dir: dir.to_path_buf(),
    })
}

/// The changed files from the raw diff (renames found, modes given), each
/// binary when the patch says so, each symlink with its target (which the
/// scope check needs to keep the link inside the repo).
fn changes(repo: &Path, head: &str, raw: &[u8], patch: &[u8]) -> Result<Vec<FileChange>> {
    let mut changes = parse_raw_z(raw).context("reading git diff --raw -z")?;
    let binary: BTreeSet<Vec<u8>> = parse_unified(patch)
        .context("reading DIFF.patch")?
        .into_iter()
        .filter(|f| f.binary)
        .map(|f| f.path)
        .collect();
    for c in &mut changes {
        c.binary = binary.contains(&c.path);
        if c.new_mode.as_deref() == Some(check::SYMLINK) {
            c.symlink_target = Some(git::blob(repo, head, &c.path)?);
        }
    }
    Ok(changes)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The change against the scope (protected paths and gitlinks as configured),
/// and the error when the scope does not compile (an empty allowlist, or a
/// bad glob): then the report is FAIL and every file a violation. One case
/// is not an error: a task that may write nothing (a read-only task, with
/// no `touches`) and wrote nothing.
fn check_scope(
    changes: Vec<FileChange>,
    input: &Input<'_>,
) -> Result<(ScopeReport, Option<String>)> {
    let (allow, deny) = (input.allow, input.deny);
    let scope = match Scope::new(allow, deny, input.protected, input.allow_gitlinks) {
        Ok(scope) => scope,
        Err(_) if allow.is_empty() && changes.is_empty() => {
            return Ok((unchecked(&[], allow, deny, Status::Pass, ""), None));
        }
        Err(e) => {
            let why = format!("{e:#}");
            let report = unchecked(&changes, allow, deny, Status::Fail, &why);
            return Ok((report, Some(why)));
        }
    };
    let files = Files::Changes(changes);
    let verdicts = check::check(&files, &scope);
    // The library writes the report as JSON only: read it back.
    let json = output::report_json(&files, &verdicts, &scope, false).concat();
    let report = serde_json::from_slice(&json).context("reading back the scope report")?;
    Ok((report, None))
}

/// A report made without the library: every file refused because `why`.
fn unchecked(
    changes: &[FileChange],
    allow: &[String],
    deny: &[String],
    status: Status,
    why: &str,
) -> ScopeReport {
    let file = |c: &FileChange| ScopedFile {
        path: text(&c.path),
        change: c.change,
        old_path: c.old_path.as_deref().map(text),
        mode: c.new_mode.clone(),
        binary: c.binary,
        allowed: false,
        decided_by: Some("scope error".into()),
    };
    let reason = format!("the scope could not be checked: {why}");
    let refused = |c: &FileChange| Violation {
        path: text(&c.path),
        change: c.change,
        reason: reason.clone(),
    };
    ScopeReport {
        schema: "muster.scope-report/v1".into(),
        status,
        allow: allow.to_vec(),
        deny: deny.to_vec(),
        files: changes.iter().map(file).collect(),
        violations: changes.iter().map(refused).collect(),
    }
}

/// `N of M files outside the scope: "a" (why); … and K more`.
fn violations(report: &ScopeReport, n_files: usize) -> String {
    let v = &report.violations;
    let first: Vec<String> = v
        .iter()
        .take(3)
        .map(|v| format!("{:?} ({})", v.path, v.reason))
        .collect();
    let more = if v.len() > 3 {
        format!(" and {} more", v.len() - 3)
    } else {
        String::new()
    };
    let n = v.len();
    format!(
        "{n} of {n_files} files outside the scope: {}{more}",
        first.join("; ")
    )
}

fn summary(input: &Input<'_>, doc: &StatusDoc, report: &ScopeReport, n_files: usize) -> String {
    let exit = doc.exit_code.map_or("none".into(), |c| c.to_string());
    format!(
        "# {}: {}\n\n{}\n\n- run: {}\n- worker exit code: {exit}\n- duration: {} ms\n\
         - files changed: {n_files}\n- scope: {} ({} violations)\n",
        input.task_id,
        doc.status.as_str(),
        doc.reason,
        input.run_id,
        input.duration_ms,
        report.status,
        report.violations.len(),
    )
}

/// Every regular file under `dir`, as `prefix` + its `/`-separated relative
/// path, sorted. Anything else (a symlink, a fifo, a name that is not UTF-8)
/// is an error: it could not be hashed or named safely.
fn files_in(dir: &Path, prefix: &str) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            bail!(
                "{}: the bundle holds a file name that is not UTF-8",
                path.display()
            );
        };
        let kind = entry
            .file_type()
            .with_context(|| format!("reading {}", path.display()))?;
        if kind.is_dir() {
            out.extend(files_in(&path, &format!("{prefix}{name}/"))?);
        } else if kind.is_file() {
            out.push((format!("{prefix}{name}"), path));
        } else {
            bail!(
                "{}: the bundle holds something that is not a regular file",
                path.display()
            );
        }
    }
    out.sort();
    Ok(out)
}

/// A file's size and lowercase hex sha256, read in pieces.
fn hash_file(path: &Path) -> Result<(u64, String)> {
    let (mut h, mut buf, mut size) = (Sha256::new(), vec![0u8; 64 * 1024], 0u64);
    let mut f = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    while let n @ 1.. = f
        .read(&mut buf)
        .with_context(|| format!("reading {}", path.display()))?
    {
        h.update(&buf[..n]);
        size += n as u64;
    }
    Ok((
        size,
        h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::tests::{fixture, sh};
    use std::fs;
    use std::os::unix::ffi::OsStrExt;

    /// A task's committed work on the fixture, and a bundle directory
    /// holding what a worker leaves there.
    struct Task {
        _tmp: tempfile::TempDir,
        repo: PathBuf,
        base: String,
        head: String,
        dir: PathBuf,
    }

    impl Task {
        fn new(work: impl FnOnce(&Path)) -> Task {
            let (tmp, repo, base) = fixture();
            let wt = tmp.path().join("wt");
            git::worktree_add(&repo, &wt, "muster/r1/T1", &base).unwrap();
            work(&wt);
            let head = git::commit_all(&wt, "T1").unwrap();
            git::worktree_remove(&repo, &wt).unwrap();
            let dir = tmp.path().join("bundle");
            fs::create_dir_all(dir.join("LOGS")).unwrap();
            fs::write(dir.join("BRIEF.md"), "# T1\n").unwrap();
            fs::write(dir.join("LOGS/stdout.log"), "out\n").unwrap();
            fs::write(dir.join("LOGS/stderr.log"), "").unwrap();
            let _tmp = tmp;
            Task {
                _tmp,
                repo,
                base,
                head,
                dir,
            }
        }

        fn write(&self, allow: &[&str], deny: &[&str], status: &str) -> Result<Written> {
            let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            let (allow, deny) = (strings(allow), strings(deny));
            let protected = strings(muster_scope_check::policy::DEFAULT_PROTECTED);
            write(&Input {
                repo: &self.repo,
                run_id: "r1",
                task_id: "T1",
                base: &self.base,
                head: &self.head,
                status,
                exit_code: Some(0),
                reason: "worker exited 0",
                duration_ms: 1234,
                allow: &allow,
                deny: &deny,
                protected: &protected,
                allow_gitlinks: false,
                dir: &self.dir,
            })
        }

        fn json(&self, name: &str) -> serde_json::Value {
            serde_json::from_slice(&fs::read(self.dir.join(name)).unwrap()).unwrap()
        }
    }

    #[test]
    fn the_patch_rebuilds_the_tree_and_the_manifest_hashes_every_file() {
        use std::os::unix::fs::PermissionsExt;
        let t = Task::new(|wt| {
            let w = |p: &str, b: &[u8]| fs::write(wt.join(p), b).unwrap();
            w("a.txt", b"one\nTWO\n");
            w("new.txt", b"new\n");
            w("img.bin", &[0, 1, 2, 3, 255, 0, 8, 9]);
            fs::remove_file(wt.join("del.txt")).unwrap();
            fs::create_dir(wt.join("moved")).unwrap();
            fs::rename(wt.join("old.txt"), wt.join("moved/old.txt")).unwrap();
            fs::set_permissions(wt.join("run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
            std::os::unix::fs::symlink("a.txt", wt.join("link")).unwrap();
        });
        let got = t.write(&["**"], &[], "done").unwrap();
        assert_eq!(
            (got.status.as_str(), got.scope.status),
            ("done", Status::Pass)
        );

        // FILES_CHANGED: git's order, kinds, renames, modes, binaries.
        let files: Vec<BundleFile> = serde_json::from_value(t.json("FILES_CHANGED.json")).unwrap();
        assert_eq!(files, got.manifest.files_changed);
        let shown: String = files
            .iter()
            .map(|f| {
                let from = f
                    .old_path
                    .as_ref()
                    .map_or(String::new(), |p| format!("{p} -> "));
                let mode = f.mode.as_deref().unwrap_or("-");
                let bin = if f.binary { " binary" } else { "" };
                format!("{} {from}{} {mode}{bin}\n", f.change.as_str(), f.path)
            })
            .collect();
        let want = "modified a.txt 100644\ndeleted del.txt -\nmodified img.bin 100644 binary\n\
                    added link 120000\nrenamed old.txt -> moved/old.txt 100644\n\
                    added new.txt 100644\nmode_changed run.sh 100755\n";
        assert_eq!(shown, want);

        // DIFF.patch applied onto the base gives the head's tree.
        let check = t._tmp.path().join("check");
        git::worktree_add(&t.repo, &check, "check", &t.base).unwrap();
        let patch = t.dir.join("DIFF.patch");
        sh(&check, &["apply", "--index", patch.to_str().unwrap()]);
        let tree = sh(&t.repo, &["rev-parse", &format!("{}^{{tree}}", t.head)]);
        assert_eq!(sh(&check, &["write-tree"]), tree);

        // MANIFEST: written last, as returned; every other file, hashed.
        let manifest: Bundle = serde_json::from_value(t.json("MANIFEST.json")).unwrap();
        assert_eq!(manifest, got.manifest);
        assert_eq!(
            (manifest.base.as_str(), manifest.status.as_str()),
            (t.base.as_str(), "done")
        );
        let names: Vec<&str> = manifest.artifacts.keys().map(String::as_str).collect();
        let want = "BRIEF.md DIFF.patch FILES_CHANGED.json LOGS/INDEX.json LOGS/stderr.log \
                    LOGS/stdout.log SCOPE_LOCK.json SCOPE_REPORT.json STATUS.json SUMMARY.md";
        assert_eq!(names.join(" "), want);
        for (name, sha) in &manifest.artifacts {
            let (_, want) = hash_file(&t.dir.join(name)).unwrap();
            assert_eq!(sha, &want, "{name}");
        }
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(manifest.artifacts["LOGS/stderr.log"], empty);
        let log = &t.json("LOGS/INDEX.json")["files"][1];
        assert_eq!(
            (&log["path"], &log["bytes"]),
            (&"LOGS/stdout.log".into(), &4.into())
        );
        assert_eq!(log["sha256"], manifest.artifacts["LOGS/stdout.log"]);
        let lock = serde_json::json!({"allow": ["**"], "deny": []});
        assert_eq!(t.json("SCOPE_LOCK.json"), lock);
        let status = t.json("STATUS.json");
        assert_eq!(status["schema"], "muster.status/v1");
        assert_eq!(
            (&status["status"], &status["exit_code"]),
            (&"done".into(), &0.into())
        );
    }

    #[test]
    fn a_change_outside_the_scope_blocks_the_task() {
        let t = Task::new(|wt| {
            fs::write(wt.join("src/lib.rs"), "pub fn g() {}\n").unwrap();
            fs::write(wt.join("a.txt"), "changed\n").unwrap();
            fs::write(wt.join(std::ffi::OsStr::from_bytes(b"odd\nname\xff")), "x").unwrap();
            fs::write(wt.join("src/secret.rs"), "x").unwrap();
            fs::create_dir_all(wt.join(".github/workflows")).unwrap();
            fs::write(wt.join(".github/workflows/ci.yml"), "x").unwrap();
        });
        let got = t
            .write(&["src/", "**/*.yml"], &["src/secret.rs"], "done")
            .unwrap();
        assert_eq!(
            (got.status.as_str(), got.manifest.status.as_str()),
            ("blocked", "blocked")
        );
        let report = t.json("SCOPE_REPORT.json");
        assert_eq!(report["schema"], "muster.scope-report/v1");
        assert_eq!(report["status"], "BLOCKED");
        let why: Vec<(&str, &str)> = got
            .scope
            .violations
            .iter()
            .map(|v| (v.path.as_str(), v.reason.as_str()))
            .collect();
        assert_eq!(why.len(), 4);
        assert!(why[0].0 == ".github/workflows/ci.yml" && why[0].1.starts_with("protected path"));
        assert_eq!(
            why[1..],
            [
                ("a.txt", "not in the allowlist"),
                ("odd\nname\u{fffd}", "not in the allowlist"),
                ("src/secret.rs", "denied by 'src/secret.rs'"),
            ]
        );
        let status = t.json("STATUS.json");
        assert_eq!(status["status"], "blocked");
        let reason = status["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("4 of 5 files outside the scope: \".github"),
            "{reason}"
        );
        assert!(
            reason.ends_with(" and 1 more (worker: done: worker exited 0)"),
            "{reason}"
        );
        let summary = fs::read_to_string(t.dir.join("SUMMARY.md")).unwrap();
        assert!(summary.starts_with("# T1: blocked\n"), "{summary}");

        // Everything inside the scope: the task stays done.
        let got = t.write(&["**", ".github/workflows/"], &[], "done").unwrap();
        assert_eq!(got.status, "done");
        assert_eq!(t.json("SCOPE_REPORT.json")["status"], "PASS");
        assert_eq!(t.json("STATUS.json")["reason"], "worker exited 0");

        // An empty allowlist fails closed.
        let got = t.write(&[], &[], "done").unwrap();
        assert_eq!(
            (got.status.as_str(), got.scope.status),
            ("blocked", Status::Fail)
        );
        assert_eq!(got.scope.violations.len(), 5);
        let reason = t.json("STATUS.json")["reason"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            reason.starts_with("the scope check failed: the allowlist is empty"),
            "{reason}"
        );
    }

    #[test]
    fn no_change_and_bad_input() {
        let t = Task::new(|_| {});
        assert!(t.write(&["**"], &[], "finished").is_err());
        assert!(t.write(&["**"], &[], "running").is_err());
        let got = t.write(&["**"], &[], "failed").unwrap();
        assert_eq!(got.status, "failed");
        assert!(got.manifest.files_changed.is_empty());
        assert!(fs::read(t.dir.join("DIFF.patch")).unwrap().is_empty());
        // A task that may write nothing and wrote nothing is in scope.
        let got = t.write(&[], &[], "done").unwrap();
        assert_eq!(
            (got.status.as_str(), got.scope.status),
            ("done", Status::Pass)
        );
        std::os::unix::fs::symlink("/etc", t.dir.join("LOGS/etc")).unwrap();
        let e = format!("{:#}", t.write(&["**"], &[], "done").unwrap_err());
        assert!(e.contains("not a regular file"), "{e}");
    }
}
