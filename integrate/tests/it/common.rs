//! What muster-integrate's tests share: a scratch git repository with a base
//! commit; commits made on it in a throwaway worktree; bundles made from
//! those commits as muster-run makes them (DESIGN.md section 7), or from
//! hand-written patch bytes for changes no commit can hold; and the binary,
//! run at the repository's root with its environment pinned down.
//!
//! Layout of one fixture (a temporary directory):
//!
//! ```text
//! home/        HOME for git and the binary: no user config leaks in
//! work/        worktrees, each gone once its commit is made
//! outside/     an empty directory outside the repository (symlink targets)
//! p/repo/      the repository; p/ holds nothing else, so a write to ../x shows
//! ```
#![allow(dead_code)] // not every helper is used by every test

use muster_shared::diff::{parse_raw_z, parse_unified, ChangeKind};
use muster_shared::git;
use muster_shared::io::to_json;
use muster_shared::schema::{
    Bundle, BundleFile, BundleScope, IntegratedTask, Integration, StatusDoc, TaskOutcome,
    TaskStatus,
};
use muster_shared::Status;
use sha2::{Digest, Sha256};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_muster-integrate");

/// What every run is told the time is (`--now`).
pub const NOW: &str = "2024-05-01T12:00:00Z";

/// Every commit's date: the same fixture gives the same commit ids.
const DATE: &str = "2024-01-01T00:00:00+00:00";

/// A scratch repository with a base commit, and the run its bundles belong to.
pub struct Repo {
    tmp: tempfile::TempDir,
    /// The repository's root (`p/repo`).
    pub root: PathBuf,
    /// The base commit (full id).
    pub base: String,
    /// The run: `run_<time>_<first 8 hex of base>_001`.
    pub run_id: String,
    commits: Cell<u32>,
}

/// What the binary did.
pub struct Out {
    /// Its exit code (None when a signal ended it).
    pub code: Option<i32>,
    /// Its stdout, as written.
    pub stdout: Vec<u8>,
    /// Its stderr.
    pub stderr: String,
}

impl Out {
    /// Stdout read as `muster.integration/v1`, strictly (unknown fields are
    /// errors, every field must be there).
    #[track_caller]
    pub fn doc(&self) -> Integration {
        let doc: Integration = serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not a muster.integration/v1: {e}\n{self}"));
        assert_eq!(doc.schema, "muster.integration/v1", "{self}");
        doc
    }

    /// Asserts the exit code and the status, and that the two agree.
    #[track_caller]
    pub fn expect(&self, status: Status) -> Integration {
        let doc = self.doc();
        let code = i32::from(status.exit_code(false));
        assert_eq!((doc.status, self.code), (status, Some(code)), "{self}");
        doc
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code,
            String::from_utf8_lossy(&self.stdout),
            self.stderr
        )
    }
}

/// Writes `bytes` to `dir/path`, making its directories.
pub fn put(dir: &Path, path: &str, bytes: impl AsRef<[u8]>) {
    let file = dir.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, bytes).unwrap();
}

/// Makes `dir/path` a symlink to `target` (replacing what is there).
pub fn link(dir: &Path, path: &str, target: &str) {
    let file = dir.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&file);
    std::os::unix::fs::symlink(target, file).unwrap();
}

/// Sets `dir/path`'s permission bits.
pub fn chmod(dir: &Path, path: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let p = std::fs::Permissions::from_mode(mode);
    std::fs::set_permissions(dir.join(path), p).unwrap();
}

/// One changed file, as FILES_CHANGED.json lists it.
pub fn changed(path: &str, change: ChangeKind, mode: Option<&str>) -> BundleFile {
    BundleFile {
        path: path.into(),
        change,
        old_path: None,
        mode: mode.map(str::to_string),
        binary: false,
    }
}

/// The names (sorted) in a directory.
pub fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

/// The task `id` of an integration.
#[track_caller]
pub fn task<'a>(doc: &'a Integration, id: &str) -> &'a IntegratedTask {
    let found = doc.tasks.iter().find(|t| t.id == id);
    found.unwrap_or_else(|| panic!("no task {id} in {:?}", doc.tasks))
}

/// Each task's outcome, in the document's order.
pub fn outcomes(doc: &Integration) -> Vec<(&str, TaskOutcome)> {
    doc.tasks
        .iter()
        .map(|t| (t.id.as_str(), t.outcome))
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn utf8(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

impl Repo {
    /// The fixture's directories, no repository yet.
    fn layout() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        for d in ["home/.config", "work", "outside", "p"] {
            std::fs::create_dir_all(tmp.path().join(d)).unwrap();
        }
        let root = tmp.path().join("p/repo");
        Repo {
            tmp,
            root,
            base: String::new(),
            run_id: String::new(),
            commits: Cell::new(0),
        }
    }

    /// A repository at `p/repo` whose base commit holds what `setup`
    /// writes, with `.muster/.gitignore` as muster writes it.
    pub fn new(setup: impl FnOnce(&Path)) -> Repo {
        let mut repo = Repo::layout();
        let (root, parent) = (repo.root.clone(), repo.parent());
        repo.git_in(&parent, &["init", "-q", "-b", "main", "repo"]);
        put(&root, ".muster/.gitignore", "*\n");
        setup(&root);
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "--allow-empty", "-m", "base"]);
        repo.base = repo.git(&["rev-parse", "HEAD"]);
        repo.run_id = format!("run_20240501T120000Z_{}_001", &repo.base[..8]);
        repo
    }

    /// A clone of the repository at `src` (its history; objects hard-linked),
    /// for replaying real commits: `base` is its HEAD, and the caller sets
    /// `base` and `run_id` for each run it makes.
    pub fn clone_of(src: &Path) -> Repo {
        let mut repo = Repo::layout();
        let parent = repo.parent();
        let from = src.to_str().unwrap();
        repo.git_in(&parent, &["clone", "-q", "--no-checkout", from, "repo"]);
        repo.base = repo.git(&["rev-parse", "HEAD"]);
        repo.run_id = format!("run_20240501T120000Z_{}_001", &repo.base[..8]);
        repo
    }

    /// The fixture's temporary directory.
    pub fn tmp(&self) -> &Path {
        self.tmp.path()
    }

    /// An empty directory outside the repository.
    pub fn outside(&self) -> PathBuf {
        self.tmp.path().join("outside")
    }

    /// The repository's parent directory, which holds only `repo`.
    pub fn parent(&self) -> PathBuf {
        self.tmp.path().join("p")
    }

    /// `.muster/runs/<RUN_ID>`.
    pub fn run_dir(&self) -> PathBuf {
        self.root.join(".muster/runs").join(&self.run_id)
    }

    /// `.muster/runs/<RUN_ID>/integrator`.
    pub fn integrator(&self) -> PathBuf {
        self.run_dir().join("integrator")
    }

    /// Runs git in `dir` with the fixture's home and fixed dates; its stdout.
    pub fn git_bytes_in(&self, dir: &Path, args: &[&str]) -> Vec<u8> {
        let home = self.tmp.path().join("home");
        let xdg = home.join(".config");
        let env: [(&str, &OsStr); 5] = [
            ("HOME", home.as_os_str()),
            ("XDG_CONFIG_HOME", xdg.as_os_str()),
            ("GIT_CONFIG_NOSYSTEM", OsStr::new("1")),
            ("GIT_AUTHOR_DATE", OsStr::new(DATE)),
            ("GIT_COMMITTER_DATE", OsStr::new(DATE)),
        ];
        git::run_with(dir, args, None, &env).unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// [`Repo::git_bytes_in`] as trimmed text.
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        utf8(&self.git_bytes_in(dir, args)).trim().to_string()
    }

    /// Git at the root, as trimmed text.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.root, args)
    }

    /// Git at the root, as bytes.
    pub fn git_bytes(&self, args: &[&str]) -> Vec<u8> {
        self.git_bytes_in(&self.root, args)
    }

    /// `rev^{tree}`.
    pub fn tree(&self, rev: &str) -> String {
        self.git(&["rev-parse", &format!("{rev}^{{tree}}")])
    }

    /// A commit on `parent` holding what `edit` does to a checkout of it
    /// (in a worktree outside the repository, removed afterwards).
    pub fn commit_on(&self, parent: &str, edit: impl FnOnce(&Path)) -> String {
        let n = self.commits.get() + 1;
        self.commits.set(n);
        let wt = self.tmp.path().join(format!("work/wt{n}"));
        let wts = wt.to_str().unwrap();
        self.git(&["worktree", "add", "-q", "--detach", wts, parent]);
        edit(&wt);
        self.git_in(&wt, &["add", "-A"]);
        let msg = format!("change {n}");
        self.git_in(&wt, &["commit", "-q", "--allow-empty", "-m", &msg]);
        let c = self.git_in(&wt, &["rev-parse", "HEAD"]);
        self.git(&["worktree", "remove", "--force", wts]);
        c
    }

    /// A commit on the base.
    pub fn commit(&self, edit: impl FnOnce(&Path)) -> String {
        self.commit_on(&self.base, edit)
    }

    /// Git's own combination of commits made on the base: `git merge-tree
    /// --write-tree`, one after another; panics on a conflict.
    pub fn merged(&self, commits: &[&str]) -> String {
        let mut acc = commits[0].to_string();
        for c in &commits[1..] {
            let tree = self.git(&["merge-tree", "--write-tree", &acc, c]);
            let tree = tree.lines().next().unwrap().to_string();
            acc = self.git(&["commit-tree", &tree, "-p", &self.base, "-m", "merged"]);
        }
        self.tree(&acc)
    }

    /// The files changed from `from` to `to` as muster-run lists them: `git
    /// diff --raw -z -M`, binary when `patch` calls the file binary.
    pub fn files_changed(&self, from: &str, to: &str, patch: &[u8]) -> Vec<BundleFile> {
        let raw = self.git_bytes(&["diff", "--raw", "-z", "--no-abbrev", "-M", from, to]);
        let binary: BTreeSet<Vec<u8>> = parse_unified(patch)
            .unwrap()
            .into_iter()
            .filter(|f| f.binary)
            .map(|f| f.path)
            .collect();
        let changes = parse_raw_z(&raw).unwrap();
        changes
            .iter()
            .map(|c| BundleFile {
                path: utf8(&c.path),
                change: c.change,
                old_path: c.old_path.as_deref().map(utf8),
                mode: c.new_mode.clone(),
                binary: binary.contains(&c.path),
            })
            .collect()
    }

    /// `git diff --binary --no-renames from to`: a bundle's DIFF.patch.
    pub fn patch(&self, from: &str, to: &str) -> Vec<u8> {
        self.git_bytes(&["diff", "--binary", "--no-renames", from, to])
    }

    /// Task `task`'s bundle of `commit` (made on the base), allowed `**`.
    pub fn bundle(&self, task: &str, commit: &str) -> PathBuf {
        let patch = self.patch(&self.base, commit);
        let files = self.files_changed(&self.base, commit, &patch);
        self.bundle_from_patch(task, &patch, files, &["**"])
    }

    /// Task `task`'s bundle at `.muster/runs/<RUN_ID>/<task>/` holding
    /// `patch` as DIFF.patch and `files` as FILES_CHANGED.json, scope
    /// `allow` (deny nothing), a `done` STATUS.json, and MANIFEST.json
    /// written last with every other file's sha256.
    pub fn bundle_from_patch(
        &self,
        task: &str,
        patch: &[u8],
        files: Vec<BundleFile>,
        allow: &[&str],
    ) -> PathBuf {
        let dir = self.run_dir().join(task);
        std::fs::create_dir_all(&dir).unwrap();
        let scope = BundleScope {
            allow: allow.iter().map(|s| s.to_string()).collect(),
            deny: vec![],
        };
        let status = StatusDoc {
            schema: "muster.status/v1".into(),
            status: TaskStatus::Done,
            exit_code: Some(0),
            reason: "the worker exited 0".into(),
        };
        let written: [(&str, Vec<u8>); 4] = [
            ("DIFF.patch", patch.to_vec()),
            ("FILES_CHANGED.json", to_json(&files, false)),
            ("SCOPE_LOCK.json", to_json(&scope, false)),
            ("STATUS.json", to_json(&status, false)),
        ];
        let mut artifacts = BTreeMap::new();
        for (name, bytes) in &written {
            put(&dir, name, bytes);
            artifacts.insert(name.to_string(), sha256(bytes));
        }
        let manifest = Bundle {
            schema: "muster.bundle/v1".into(),
            run_id: self.run_id.clone(),
            task_id: task.into(),
            base: self.base.clone(),
            status: "done".into(),
            exit_code: Some(0),
            duration_ms: 1000,
            files_changed: files,
            scope,
            artifacts,
        };
        put(&dir, "MANIFEST.json", to_json(&manifest, false));
        dir
    }

    /// A `muster.run/v1` of `tasks` (all done), each with its bundle at
    /// `.muster/runs/<RUN_ID>/<task>`.
    pub fn run_doc(&self, tasks: &[&str]) -> Vec<u8> {
        let rel = |t: &str| format!(".muster/runs/{}/{t}", self.run_id);
        let tasks: Vec<serde_json::Value> = tasks
            .iter()
            .map(|t| serde_json::json!({"id": t, "status": "done", "bundle": rel(t)}))
            .collect();
        let doc = serde_json::json!({
            "schema": "muster.run/v1",
            "run_id": self.run_id,
            "base": self.base,
            "status": "PASS",
            "stop": null,
            "tasks": tasks,
            "started": "2024-05-01T11:00:00Z",
            "finished": "2024-05-01T11:30:00Z",
        });
        to_json(&doc, false)
    }

    /// The binary at the root with `args` and `stdin`; HOME is the
    /// fixture's, no GIT_*, MUSTER_* or SOURCE_DATE_EPOCH from outside.
    pub fn exec(&self, args: &[&str], stdin: &[u8]) -> Out {
        self.exec_env(args, stdin, &[])
    }

    /// [`Repo::exec`] with `env` added.
    pub fn exec_env(&self, args: &[&str], stdin: &[u8], env: &[(&str, &OsStr)]) -> Out {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(&self.root).args(args);
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            if k.starts_with("GIT_") || k.starts_with("MUSTER_") || k == "SOURCE_DATE_EPOCH" {
                cmd.env_remove(k);
            }
        }
        let home = self.tmp.path().join("home");
        cmd.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = child.stdin.take().unwrap();
        let bytes = stdin.to_vec();
        let writer = std::thread::spawn(move || pipe.write_all(&bytes));
        let out = child.wait_with_output().unwrap();
        // The binary may exit without reading stdin (a usage error).
        let _ = writer.join();
        Out {
            code: out.status.code(),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Integrates `tasks` (a run document on stdin) with `args` and `--now`.
    pub fn integrate(&self, tasks: &[&str], args: &[&str]) -> Out {
        let args = [args, &["--now", NOW]].concat();
        self.exec(&args, &self.run_doc(tasks))
    }

    /// Integrates `tasks` and asserts that every one applied, in order, and
    /// that the result is `tree`: PASS, exit 0.
    #[track_caller]
    pub fn applies(&self, tasks: &[&str], tree: &str) -> Integration {
        let out = self.integrate(tasks, &[]);
        let doc = out.expect(Status::Pass);
        let all: Vec<(&str, TaskOutcome)> =
            tasks.iter().map(|t| (*t, TaskOutcome::Applied)).collect();
        assert_eq!(outcomes(&doc), all, "{out}");
        assert_eq!(doc.applied, tasks, "{out}");
        assert_eq!(doc.result.tree.as_deref(), Some(tree), "{out}");
        assert!(doc.conflicts.is_empty() && doc.overlaps.is_empty(), "{out}");
        doc
    }
}
