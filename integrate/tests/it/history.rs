//! Real history replays exactly: this repository's own recent commits, each
//! turned into a bundle (its `git diff --binary` against its parent, listed
//! and sealed as muster-run does), integrated by muster-integrate onto the
//! parent of the first of a run of commits that touch disjoint files, give
//! git's own tree of the last; the commit that shares a file with the run
//! makes it BLOCKED, naming the file and both tasks. And git's refusals come
//! through the apply step: a patch applied twice, one writing outside the
//! repository.

use crate::common::{Repo, NOW};
use muster_integrate::apply::{apply, write_tree, Part};
use muster_shared::git;
use muster_shared::schema::TaskOutcome;
use muster_shared::Status;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn text(repo: &Path, args: &[&str]) -> String {
    String::from_utf8(git::run(repo, args).unwrap()).unwrap()
}

/// The last commits of the first-parent history, oldest first.
fn commits(repo: &Path, n: usize) -> Vec<String> {
    let mut c: Vec<String> = text(
        repo,
        &["rev-list", "--first-parent", "-n", &n.to_string(), "HEAD"],
    )
    .lines()
    .map(str::to_string)
    .collect();
    c.reverse();
    c
}

fn files(repo: &Path, c: &str) -> BTreeSet<String> {
    let out = git::run(
        repo,
        &[
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            &format!("{c}^"),
            c,
        ],
    )
    .unwrap();
    out.split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

/// This repository, when its history is there (a full clone); else a
/// repository whose history is made here from this repository's files (a
/// shallow clone or an export): each commit adds one of them, and every
/// third also edits a file an earlier commit added. The first is what CI
/// and developers have.
fn history() -> (PathBuf, Option<tempfile::TempDir>) {
    let repo = workspace();
    let shallow = git::run(&repo, &["rev-parse", "--is-shallow-repository"])
        .map(|o| String::from_utf8_lossy(&o).trim() == "true")
        .unwrap_or(true);
    let count: usize = git::run(&repo, &["rev-list", "--count", "HEAD"])
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o).trim().parse().ok())
        .unwrap_or(0);
    if !shallow && count > 20 {
        return (repo, None);
    }
    let d = tempfile::tempdir().unwrap();
    let p = d.path().to_path_buf();
    git::run(&p, &["init", "-q", "-b", "main"]).unwrap();
    let mut sources: Vec<PathBuf> = ["shared/src", "planner/src", "runner/src", "docs"]
        .iter()
        .flat_map(|dir| {
            std::fs::read_dir(repo.join(dir))
                .unwrap()
                .flatten()
                .map(|e| e.path())
        })
        .filter(|f| f.is_file())
        .collect();
    sources.sort();
    let mut added: Vec<PathBuf> = Vec::new();
    for (i, f) in sources.iter().enumerate().take(40) {
        let name = p
            .join(format!("f{:02}", i % 7))
            .join(f.file_name().unwrap());
        std::fs::create_dir_all(name.parent().unwrap()).unwrap();
        std::fs::write(&name, std::fs::read(f).unwrap()).unwrap();
        if i % 3 == 0 {
            if let Some(earlier) = added.last() {
                let mut b = std::fs::read(earlier).unwrap();
                b.extend_from_slice(format!("\nedit {i}\n").as_bytes());
                std::fs::write(earlier, b).unwrap();
            }
        }
        added.push(name);
        git::run(&p, &["add", "-A"]).unwrap();
        git::run(&p, &["commit", "-qm", &format!("c{i}")]).unwrap();
    }
    (p, Some(d))
}

#[test]
fn runs_of_disjoint_commits_integrate_to_gits_own_tree() {
    let (src, _made) = history();
    let mut repo = Repo::clone_of(&src);
    let all = commits(&repo.root, 60);
    assert!(all.len() >= 10, "too little history: {} commits", all.len());
    // Only commits whose parent is there (a shallow clone's first is not).
    let all: Vec<String> = all
        .into_iter()
        .filter(|c| {
            git::run(
                &repo.root,
                &["rev-parse", "--verify", "-q", &format!("{c}^")],
            )
            .is_ok()
        })
        .collect();
    let touched: Vec<BTreeSet<String>> = all.iter().map(|c| files(&repo.root, c)).collect();
    let task = |i: usize| format!("c{i:03}-{}", &all[i][..10]);
    // Each commit as task `task(i)`'s bundle in the current run: its patch
    // against its own parent, which, for a run of disjoint commits, is the
    // run's base as far as its files go.
    let bundle = |repo: &Repo, i: usize| {
        let c = &all[i];
        let parent = format!("{c}^");
        let patch = repo.patch(&parent, c);
        let listed = repo.files_changed(&parent, c, &patch);
        repo.bundle_from_patch(&task(i), &patch, listed, &["**"]);
    };
    let (mut replayed, mut blocked, mut start, mut runs) = (0, 0, 0, 0);
    while start < all.len() {
        let mut seen = touched[start].clone();
        let mut end = start + 1;
        while end < all.len() && touched[end].is_disjoint(&seen) {
            seen.extend(touched[end].iter().cloned());
            end += 1;
        }
        runs += 1;
        repo.base = repo.git(&["rev-parse", &format!("{}^", all[start])]);
        repo.run_id = format!("run_20240501T120000Z_{}_{runs:03}", &repo.base[..8]);
        let mut tasks: Vec<String> = (start..end).map(task).collect();
        for i in start..end {
            bundle(&repo, i);
        }
        let ids: Vec<&str> = tasks.iter().map(String::as_str).collect();
        if end - start >= 2 {
            let out = repo.exec(&["--now", NOW], &repo.run_doc(&ids));
            let doc = out.expect(Status::Pass);
            assert_eq!(doc.applied, tasks, "{out}");
            let want = repo.tree(&all[end - 1]);
            assert_eq!(
                doc.result.tree.as_deref(),
                Some(want.as_str()),
                "commits {}..{}",
                all[start],
                all[end - 1]
            );
            replayed += 1;
        }
        // The commit that ended the run shares a file with it: with it, the
        // run is BLOCKED, each shared file named with both tasks.
        if end < all.len() {
            bundle(&repo, end);
            tasks.push(task(end));
            let ids: Vec<&str> = tasks.iter().map(String::as_str).collect();
            let out = repo.exec(&["--now", NOW], &repo.run_doc(&ids));
            let doc = out.expect(Status::Blocked);
            for path in touched[end].intersection(&seen) {
                let earlier = (start..end).find(|i| touched[*i].contains(path)).unwrap();
                let named = doc
                    .overlaps
                    .iter()
                    .any(|o| &o.path == path && o.tasks == [task(earlier), task(end)]);
                assert!(
                    named,
                    "{path} with {} and {}: {out}",
                    task(earlier),
                    task(end)
                );
            }
            let last = doc.tasks.last().unwrap();
            assert_eq!(
                (last.id.clone(), last.outcome),
                (task(end), TaskOutcome::Conflict),
                "{out}"
            );
            blocked += 1;
        }
        start = end;
    }
    eprintln!("history: {runs} runs, {replayed} replayed, {blocked} blocked");
    assert!(
        replayed > 0,
        "no run of two or more disjoint commits in the last {} commits",
        all.len()
    );
    assert!(
        blocked > 0,
        "no overlapping commits in the last {} commits",
        all.len()
    );
}

#[test]
fn git_refusals_name_the_task_and_nothing_is_fuzzed() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path();
    git::run(repo, &["init", "-q", "-b", "main"]).unwrap();
    std::fs::write(repo.join("a.txt"), "one\ntwo\nthree\n").unwrap();
    git::run(repo, &["add", "-A"]).unwrap();
    git::run(repo, &["commit", "-qm", "base"]).unwrap();
    std::fs::write(repo.join("a.txt"), "one\n2\nthree\n").unwrap();
    let patch = git::run(repo, &["diff", "--binary"]).unwrap();
    git::run(repo, &["checkout", "-q", "--", "a.txt"]).unwrap();
    let escape =
        b"diff --git a/../x b/../x\nnew file mode 100644\n--- /dev/null\n+++ b/../x\n@@ -0,0 +1 @@\n+x\n";
    let part = |task: &str, patch: &[u8], path: &str| Part {
        task: task.into(),
        patch: patch.to_vec(),
        paths: vec![path.into()],
    };
    let patches = [
        part("T1", &patch, "a.txt"),
        part("T2", &patch, "a.txt"),
        part("T3", escape, "../x"),
    ];
    let index = d.path().join("scratch-index");
    let refused = apply(repo, "HEAD", &patches, &index).unwrap();
    let who: Vec<(&str, &str)> = refused
        .iter()
        .map(|r| (r.task.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(who, [("T2", "a.txt"), ("T3", "../x")], "{refused:?}");
    assert!(refused.iter().all(|r| r.reason.starts_with("error:")));
    let tree = write_tree(repo, &index).unwrap();
    // The working tree and HEAD are untouched; the tree has T1's change.
    assert_eq!(
        std::fs::read_to_string(repo.join("a.txt")).unwrap(),
        "one\ntwo\nthree\n"
    );
    let blob = text(repo, &["cat-file", "-p", &format!("{tree}:a.txt")]);
    assert_eq!(blob, "one\n2\nthree\n");
}
