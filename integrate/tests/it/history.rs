//! Real history replays exactly: this repository's own recent commits, each
//! turned into a patch (`git diff --binary` against its parent), applied in
//! order onto the parent of the first of a run of commits that touch
//! disjoint files, give git's own tree of the last; commits that share a
//! file overlap, naming the file and both. And git's refusals come through:
//! a patch applied twice, a patch that would write outside the repository.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use muster_integrate::apply::{apply, Patch};
use muster_integrate::overlap::{find, TaskChange};
use muster_shared::diff::ChangeKind;
use muster_shared::git;
use muster_shared::schema::BundleFile;
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
fn runs_of_disjoint_commits_replay_to_gits_own_tree() {
    let (repo, _made) = history();
    let scratch = tempfile::tempdir().unwrap();
    let all = commits(&repo, 60);
    assert!(all.len() >= 10, "too little history: {} commits", all.len());
    // Only commits that have a parent in the list's reach.
    let all: Vec<String> = all
        .into_iter()
        .filter(|c| git::run(&repo, &["rev-parse", "--verify", "-q", &format!("{c}^")]).is_ok())
        .collect();
    let mut patches = Vec::new();
    let mut touched = Vec::new();
    for (i, c) in all.iter().enumerate() {
        let file = scratch.path().join(format!("{i:03}.patch"));
        let diff = git::run(
            &repo,
            &[
                "diff",
                "--binary",
                "--full-index",
                "--no-renames",
                &format!("{c}^"),
                c,
            ],
        )
        .unwrap();
        std::fs::write(&file, diff).unwrap();
        patches.push(Patch {
            task: c[..12].to_string(),
            file,
        });
        touched.push(files(&repo, c));
    }
    // Greedy runs of consecutive commits whose files are disjoint.
    let (mut replayed, mut overlaps, mut start) = (0, 0, 0);
    while start < all.len() {
        let mut seen = touched[start].clone();
        let mut end = start + 1;
        while end < all.len() && touched[end].is_disjoint(&seen) {
            seen.extend(touched[end].iter().cloned());
            end += 1;
        }
        if end - start >= 2 {
            let index = scratch.path().join("index");
            let base = format!("{}^", all[start]);
            let got = apply(&repo, &base, &patches[start..end], &index).unwrap();
            assert!(
                got.results.iter().all(|(_, r)| r.is_none()),
                "{:?}",
                got.results
            );
            let want = text(&repo, &["rev-parse", &format!("{}^{{tree}}", all[end - 1])]);
            assert_eq!(
                got.tree,
                want.trim(),
                "commits {}..{}",
                all[start],
                all[end - 1]
            );
            replayed += 1;
        }
        // The commit that ended the run shares a file with it: an overlap.
        if end < all.len() {
            let shared: Vec<&String> = touched[end].intersection(&seen).collect();
            let as_files = |set: &BTreeSet<String>| -> Vec<BundleFile> {
                set.iter()
                    .map(|p| BundleFile {
                        path: p.clone(),
                        change: ChangeKind::Modified,
                        old_path: None,
                        mode: None,
                        binary: false,
                    })
                    .collect()
            };
            let (run_files, next_files) = (as_files(&seen), as_files(&touched[end]));
            let found = find(&[
                TaskChange {
                    task: "run",
                    files: &run_files,
                    shared: None,
                },
                TaskChange {
                    task: &patches[end].task,
                    files: &next_files,
                    shared: None,
                },
            ]);
            let paths: Vec<&String> = found.iter().map(|o| &o.path).collect();
            assert_eq!(paths, shared);
            assert!(found
                .iter()
                .all(|o| o.tasks == ["run", patches[end].task.as_str()]));
            overlaps += 1;
        }
        start = end;
    }
    assert!(
        replayed > 0,
        "no run of two or more disjoint commits in the last {} commits",
        all.len()
    );
    assert!(
        overlaps > 0,
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
    let p = d.path().join("p.patch");
    std::fs::write(&p, &patch).unwrap();
    let escape = d.path().join("escape.patch");
    std::fs::write(
        &escape,
        "diff --git a/../x b/../x\nnew file mode 100644\n--- /dev/null\n+++ b/../x\n@@ -0,0 +1 @@\n+x\n",
    )
    .unwrap();
    let patches = [
        Patch {
            task: "T1".into(),
            file: p.clone(),
        },
        Patch {
            task: "T2".into(),
            file: p,
        },
        Patch {
            task: "T3".into(),
            file: escape,
        },
    ];
    let index = d.path().join("scratch-index");
    let got = apply(repo, "HEAD", &patches, &index).unwrap();
    assert_eq!(got.results[0], ("T1".to_string(), None));
    assert!(
        got.results[1]
            .1
            .as_deref()
            .is_some_and(|r| r.contains("a.txt")),
        "{:?}",
        got.results
    );
    assert!(got.results[2].1.is_some(), "{:?}", got.results);
    // The working tree and HEAD are untouched; the tree has T1's change.
    assert_eq!(
        std::fs::read_to_string(repo.join("a.txt")).unwrap(),
        "one\ntwo\nthree\n"
    );
    let blob = text(repo, &["cat-file", "-p", &format!("{}:a.txt", got.tree)]);
    assert_eq!(blob, "one\n2\nthree\n");
}
