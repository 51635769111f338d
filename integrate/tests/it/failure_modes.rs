//! The changes that break naive patch appliers, one fixture each, through
//! the binary. Where a real commit holds the change, git decides what is
//! right: the integrated tree must be the commit's own tree (or git's
//! `merge-tree` of several). Where git must refuse (a patch against another
//! base, a binary patch without its data, a path outside the repository or
//! beyond a symlink, a tampered bundle), the refusal must name the task, the
//! path and the reason, and nothing outside the repository may be written.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use crate::common::{changed, chmod, link, names, outcomes, put, task, Repo};
use muster_shared::diff::ChangeKind;
use muster_shared::schema::{Integration, TaskOutcome};
use muster_shared::Status;

use TaskOutcome::{Applied, Clean, Conflict, Rejected};

/// Asserts a `conflicts` entry for `task` at `path` whose reason holds
/// `because` (git's words), and gives it.
#[track_caller]
fn refused<'a>(doc: &'a Integration, task: &str, path: &str, because: &str) -> &'a str {
    let found = doc
        .conflicts
        .iter()
        .find(|c| c.task == task && c.path == path);
    let c = found.unwrap_or_else(|| panic!("no conflict for {task} at {path:?}: {doc:#?}"));
    assert!(c.reason.contains(because), "{c:?} does not say {because:?}");
    &c.reason
}

/// Asserts a problem reported for `task` at one of `paths`, in `conflicts`
/// or `scope_violations`, with a reason.
#[track_caller]
fn refused_at(doc: &Integration, task: &str, paths: &[&str]) {
    let conflicts = doc.conflicts.iter().map(|c| (&c.task, &c.path, &c.reason));
    let scope = doc
        .scope_violations
        .iter()
        .map(|v| (&v.task, &v.path, &v.reason));
    let hit = conflicts
        .chain(scope)
        .any(|(t, p, r)| t == task && paths.contains(&p.as_str()) && !r.is_empty());
    assert!(hit, "nothing names {task} at {paths:?}: {doc:#?}");
}

/// BLOCKED: nothing combined, the rest held back as `clean`.
#[track_caller]
fn blocked(r: &Repo, tasks: &[&str]) -> Integration {
    let out = r.integrate(tasks, &[]);
    let doc = out.expect(Status::Blocked);
    assert_eq!(doc.result.tree, None, "{out}");
    assert!(doc.applied.is_empty(), "{out}");
    assert!(
        doc.reason.as_deref().is_some_and(|r| !r.is_empty()),
        "{out}"
    );
    doc
}

/// WARN with `--partial`: what applied is exactly `applied`, giving `tree`.
#[track_caller]
fn partial(r: &Repo, tasks: &[&str], applied: &[&str], tree: &str) -> Integration {
    let out = r.integrate(tasks, &["--partial"]);
    let doc = out.expect(Status::Warn);
    assert_eq!(doc.applied, applied, "{out}");
    assert_eq!(doc.result.tree.as_deref(), Some(tree), "{out}");
    doc
}

/// A hand-written patch adding `path` (mode 100644) with one line.
fn adds(path: &str, line: &str) -> String {
    format!(
        "diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n\
         --- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+{line}\n"
    )
}

/// A hand-written patch adding a symlink `path` -> `target`.
fn adds_link(path: &str, target: &str) -> String {
    format!(
        "diff --git a/{path} b/{path}\nnew file mode 120000\nindex 0000000..2222222\n\
         --- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+{target}\n\\ No newline at end of file\n"
    )
}

/// A symlink `d` -> `target` and a file `d/x`, in one hand-written patch.
fn link_then_file(r: &Repo, target: &str) {
    let patch = adds_link("d", target) + &adds("d/x", "pwned");
    let files = vec![
        changed("d", ChangeKind::Added, Some("120000")),
        changed("d/x", ChangeKind::Added, Some("100644")),
    ];
    r.bundle_from_patch("T1", patch.as_bytes(), files, &["**"]);
}

#[test]
fn a_crlf_file_edit_keeps_its_line_endings() {
    let r = Repo::new(|d| put(d, "crlf.txt", "one\r\ntwo\r\nthree\r\nfour\r\n"));
    let c = r.commit(|d| {
        put(d, "crlf.txt", "one\r\nTWO\r\nthree\r\nfour\r\n");
        put(d, "new-crlf.txt", "a\r\nb\r\n");
    });
    r.bundle("T1", &c);
    r.applies(&["T1"], &r.tree(&c));
}

#[test]
fn a_missing_newline_at_end_of_file_is_added_and_removed() {
    let r = Repo::new(|d| {
        put(d, "gains.txt", "a\nb");
        put(d, "loses.txt", "a\nb\n");
        put(d, "stays.txt", "a\nb");
    });
    let c1 = r.commit(|d| {
        put(d, "gains.txt", "a\nb\n");
        put(d, "stays.txt", "a\nB");
    });
    let c2 = r.commit(|d| {
        put(d, "loses.txt", "a\nb");
        put(d, "new.txt", "no newline");
    });
    r.bundle("T1", &c1);
    r.bundle("T2", &c2);
    r.applies(&["T1", "T2"], &r.merged(&[&c1, &c2]));
}

fn binary_repo() -> Repo {
    Repo::new(|d| {
        let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 256) as u8).collect();
        put(d, "img.bin", &bytes);
        put(d, "old.bin", b"\0\x01\x02gone\0");
        put(d, "clean.txt", "clean\n");
    })
}

fn edit_binaries(d: &std::path::Path) {
    let mut bytes = std::fs::read(d.join("img.bin")).unwrap();
    bytes[100..110].copy_from_slice(b"\0changed\0\xff");
    put(d, "img.bin", &bytes);
    put(d, "new.bin", b"\0\0new\xfe\xff");
    std::fs::remove_file(d.join("old.bin")).unwrap();
}

#[test]
fn binary_files_apply_from_a_binary_patch() {
    let r = binary_repo();
    let c = r.commit(edit_binaries);
    r.bundle("T1", &c);
    let files = r.files_changed(&r.base, &c, &r.patch(&r.base, &c));
    assert!(files.iter().all(|f| f.binary), "{files:?}");
    r.applies(&["T1"], &r.tree(&c));
}

#[test]
fn a_binary_patch_without_its_data_is_rejected_naming_task_and_path() {
    let r = binary_repo();
    let c1 = r.commit(edit_binaries);
    let c2 = r.commit(|d| put(d, "clean.txt", "cleaner\n"));
    // What `git diff` writes without --binary: "Binary files ... differ".
    let patch = r.git_bytes(&["diff", "--no-renames", &r.base, &c1]);
    let files = r.files_changed(&r.base, &c1, &patch);
    r.bundle_from_patch("T1", &patch, files, &["**"]);
    r.bundle("T2", &c2);
    let doc = blocked(&r, &["T1", "T2"]);
    assert_eq!(outcomes(&doc), [("T1", Rejected), ("T2", Clean)]);
    refused(&doc, "T1", "img.bin", "binary");
    let doc = partial(&r, &["T1", "T2"], &["T2"], &r.tree(&c2));
    assert_eq!(outcomes(&doc), [("T1", Rejected), ("T2", Applied)]);
}

#[test]
fn a_mode_change_applies() {
    let r = Repo::new(|d| {
        put(d, "run.sh", "echo hi\n");
        put(d, "tool", "#!/bin/sh\n");
        chmod(d, "tool", 0o755);
    });
    let c = r.commit(|d| {
        chmod(d, "run.sh", 0o755);
        put(d, "tool", "#!/bin/sh\nexit 0\n");
        chmod(d, "tool", 0o644);
    });
    r.bundle("T1", &c);
    assert_ne!(r.tree(&c), r.tree(&r.base));
    r.applies(&["T1"], &r.tree(&c));
}

#[test]
fn a_rename_with_an_edit_applies() {
    let body: String = (1..=20).map(|i| format!("line {i}\n")).collect();
    let r = Repo::new(|d| put(d, "src/old.rs", &body));
    let c = r.commit(|d| {
        std::fs::rename(d.join("src/old.rs"), d.join("src/new.rs")).unwrap();
        put(d, "src/new.rs", body.replace("line 7\n", "line seven\n"));
    });
    r.bundle("T1", &c);
    let files = r.files_changed(&r.base, &c, &r.patch(&r.base, &c));
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].change, ChangeKind::Renamed);
    assert_eq!(files[0].old_path.as_deref(), Some("src/old.rs"));
    r.applies(&["T1"], &r.tree(&c));
}

#[test]
fn symlinks_added_changed_and_from_a_file_apply() {
    let r = Repo::new(|d| {
        put(d, "a.txt", "a\n");
        put(d, "b.txt", "b\n");
        link(d, "ln", "a.txt");
        put(d, "was-file", "plain\n");
    });
    let c = r.commit(|d| {
        link(d, "ln", "b.txt");
        link(d, "dir/ln2", "../a.txt");
        link(d, "was-file", "a.txt");
    });
    r.bundle("T1", &c);
    r.applies(&["T1"], &r.tree(&c));
}

#[test]
fn paths_with_spaces_quotes_and_non_ascii_apply() {
    let r = Repo::new(|d| {
        put(d, "with space.txt", "1\n");
        put(d, "quote\"d.txt", "2\n");
        put(d, "back\\slash.txt", "3\n");
        put(d, "dir with space/日本語.txt", "4\n");
        put(d, "naïve.txt", "5\n");
    });
    let c = r.commit(|d| {
        put(d, "with space.txt", "one\n");
        std::fs::remove_file(d.join("quote\"d.txt")).unwrap();
        put(d, "back\\slash.txt", "three\n");
        put(d, "dir with space/日本語.txt", "four\n");
        put(d, "new \"q\" é\tend.txt", "new\n");
        std::fs::rename(d.join("naïve.txt"), d.join("naïve 2.txt")).unwrap();
    });
    r.bundle("T1", &c);
    r.applies(&["T1"], &r.tree(&c));
}

#[test]
fn a_patch_made_against_another_base_is_rejected_not_fuzzed() {
    let body: String = (1..=12).map(|i| format!("line {i}\n")).collect();
    let r = Repo::new(|d| {
        put(d, "ctx.txt", &body);
        put(d, "clean.txt", "clean\n");
    });
    // Another base differs two lines above the change: inside the hunk's
    // context, where fuzz would still apply it.
    let other = r.commit(|d| put(d, "ctx.txt", body.replace("line 4\n", "line four\n")));
    let c1 = r.commit_on(&other, |d| {
        let b = std::fs::read_to_string(d.join("ctx.txt")).unwrap();
        put(d, "ctx.txt", b.replace("line 6\n", "line six\n"));
    });
    let c2 = r.commit(|d| put(d, "clean.txt", "cleaner\n"));
    let patch = r.patch(&other, &c1);
    let files = r.files_changed(&other, &c1, &patch);
    r.bundle_from_patch("T1", &patch, files, &["**"]);
    r.bundle("T2", &c2);
    let doc = blocked(&r, &["T1", "T2"]);
    assert_eq!(outcomes(&doc), [("T1", Rejected), ("T2", Clean)]);
    assert!(task(&doc, "T1").reason.is_some());
    let why = refused(&doc, "T1", "ctx.txt", "");
    assert!(
        why.contains("patch failed") || why.contains("does not apply"),
        "not git's reason: {why:?}"
    );
    let doc = partial(&r, &["T1", "T2"], &["T2"], &r.tree(&c2));
    assert_eq!(outcomes(&doc), [("T1", Rejected), ("T2", Applied)]);
}

#[test]
fn two_tasks_creating_one_path_overlap() {
    let r = Repo::new(|d| put(d, "keep.txt", "keep\n"));
    let c1 = r.commit(|d| put(d, "same.txt", "one\n"));
    let c2 = r.commit(|d| put(d, "same.txt", "two\n"));
    let c3 = r.commit(|d| put(d, "other.txt", "three\n"));
    for (t, c) in [("T1", &c1), ("T2", &c2), ("T3", &c3)] {
        r.bundle(t, c);
    }
    let doc = blocked(&r, &["T1", "T2", "T3"]);
    assert_eq!(
        outcomes(&doc),
        [("T1", Clean), ("T2", Conflict), ("T3", Clean)]
    );
    assert_eq!(doc.overlaps.len(), 1, "{doc:#?}");
    assert_eq!(doc.overlaps[0].path, "same.txt");
    assert_eq!(doc.overlaps[0].tasks, ["T1", "T2"]);
    assert!(task(&doc, "T2")
        .reason
        .as_deref()
        .is_some_and(|r| !r.is_empty()));
    let want = r.merged(&[&c1, &c3]);
    let doc = partial(&r, &["T1", "T2", "T3"], &["T1", "T3"], &want);
    assert_eq!(
        outcomes(&doc),
        [("T1", Applied), ("T2", Conflict), ("T3", Applied)]
    );
}

#[test]
fn a_patch_writing_dot_dot_is_rejected_and_writes_nothing_outside() {
    let r = Repo::new(|d| put(d, "keep.txt", "keep\n"));
    let patch = adds("../x", "pwned");
    let files = vec![changed("../x", ChangeKind::Added, Some("100644"))];
    r.bundle_from_patch("T1", patch.as_bytes(), files, &["**"]);
    let c2 = r.commit(|d| put(d, "ok.txt", "ok\n"));
    r.bundle("T2", &c2);
    let doc = blocked(&r, &["T1", "T2"]);
    assert_eq!(outcomes(&doc), [("T1", Rejected), ("T2", Clean)]);
    refused_at(&doc, "T1", &["../x"]);
    let doc = partial(&r, &["T1", "T2"], &["T2"], &r.tree(&c2));
    refused_at(&doc, "T1", &["../x"]);
    // With a checkout for a check, too.
    let out = r.integrate(&["T1", "T2"], &["--partial", "--check", "true"]);
    out.expect(Status::Warn);
    assert_eq!(names(&r.parent()), ["repo"]);
    assert!(!r.root.join("x").exists());
}

#[test]
fn a_file_beyond_a_symlink_in_the_same_patch_is_rejected_by_git() {
    // The link stays inside the repository, so only git can refuse.
    let r = Repo::new(|d| put(d, "sub/keep.txt", "keep\n"));
    link_then_file(&r, "sub");
    let doc = blocked(&r, &["T1"]);
    assert_eq!(outcomes(&doc), [("T1", Rejected)]);
    refused(&doc, "T1", "d/x", "symbolic link");
    assert!(!r.root.join("sub/x").exists());
}

#[test]
fn a_symlink_to_the_parent_and_a_file_through_it_are_rejected() {
    let r = Repo::new(|d| put(d, "keep.txt", "keep\n"));
    link_then_file(&r, "..");
    let doc = blocked(&r, &["T1"]);
    assert_eq!(outcomes(&doc), [("T1", Rejected)]);
    refused_at(&doc, "T1", &["d", "d/x"]);
    let out = r.integrate(&["T1"], &["--partial", "--check", "true"]);
    assert_eq!(task(&out.doc(), "T1").outcome, Rejected, "{out}");
    assert_eq!(names(&r.parent()), ["repo"]);
}

#[test]
fn a_symlink_to_an_absolute_dir_and_a_file_through_it_are_rejected() {
    let r = Repo::new(|d| put(d, "keep.txt", "keep\n"));
    let outside = r.outside();
    link_then_file(&r, outside.to_str().unwrap());
    let doc = blocked(&r, &["T1"]);
    assert_eq!(outcomes(&doc), [("T1", Rejected)]);
    refused_at(&doc, "T1", &["d", "d/x"]);
    let out = r.integrate(&["T1"], &["--partial", "--check", "true"]);
    assert_eq!(task(&out.doc(), "T1").outcome, Rejected, "{out}");
    assert!(names(&outside).is_empty(), "{:?}", names(&outside));
}

#[test]
fn a_symlink_in_one_task_and_a_file_below_it_in_another_overlap() {
    let r = Repo::new(|d| put(d, "sub/keep.txt", "keep\n"));
    let c1 = r.commit(|d| link(d, "d", "sub"));
    let c2 = r.commit(|d| put(d, "d/x", "x\n"));
    r.bundle("T1", &c1);
    r.bundle("T2", &c2);
    let doc = blocked(&r, &["T1", "T2"]);
    assert_eq!(outcomes(&doc), [("T1", Clean), ("T2", Conflict)]);
    let o = doc
        .overlaps
        .iter()
        .find(|o| o.path == "d" || o.path == "d/x");
    let o = o.unwrap_or_else(|| panic!("no overlap at d: {doc:#?}"));
    assert_eq!(o.tasks, ["T1", "T2"]);
    partial(&r, &["T1", "T2"], &["T1"], &r.tree(&c1));
    assert!(!r.root.join("sub/x").exists());
}

#[test]
fn a_symlink_out_of_the_repo_in_one_task_and_a_file_through_it_in_another() {
    let r = Repo::new(|d| put(d, "keep.txt", "keep\n"));
    let outside = r.outside();
    let c1 = r.commit(|d| link(d, "d", outside.to_str().unwrap()));
    let c2 = r.commit(|d| put(d, "d/x", "pwned\n"));
    r.bundle("T1", &c1);
    r.bundle("T2", &c2);
    let doc = blocked(&r, &["T1", "T2"]);
    // A link out of the repository leaves any scope.
    assert_eq!(task(&doc, "T1").outcome, Rejected, "{doc:#?}");
    refused_at(&doc, "T1", &["d"]);
    assert_ne!(task(&doc, "T2").outcome, Applied);
    let out = r.integrate(&["T1", "T2"], &["--partial", "--check", "true"]);
    let doc = out.doc();
    assert_eq!(task(&doc, "T1").outcome, Rejected, "{out}");
    assert!(!doc.applied.contains(&"T1".to_string()), "{out}");
    assert!(names(&outside).is_empty(), "{:?}", names(&outside));
    assert_eq!(names(&r.parent()), ["repo"]);
}

#[test]
fn a_tampered_bundle_is_rejected_naming_the_file() {
    let r = Repo::new(|d| put(d, "keep.txt", "keep\n"));
    let c1 = r.commit(|d| put(d, "a.txt", "a\n"));
    let c2 = r.commit(|d| put(d, "b.txt", "b\n"));
    let c3 = r.commit(|d| put(d, "c.txt", "c\n"));
    let t1 = r.bundle("T1", &c1);
    let t2 = r.bundle("T2", &c2);
    r.bundle("T3", &c3);
    // Still a patch that applies: only the manifest can tell.
    let p = std::fs::read_to_string(t1.join("DIFF.patch")).unwrap();
    put(&t1, "DIFF.patch", p.replace("+a", "+evil"));
    put(&t2, "LOGS/extra.log", "added after the manifest\n");
    let doc = blocked(&r, &["T1", "T2", "T3"]);
    assert_eq!(
        outcomes(&doc),
        [("T1", Rejected), ("T2", Rejected), ("T3", Clean)]
    );
    let why1 = task(&doc, "T1").reason.clone().unwrap_or_default();
    assert!(why1.contains("DIFF.patch"), "{why1:?}");
    let why2 = task(&doc, "T2").reason.clone().unwrap_or_default();
    assert!(why2.contains("LOGS/extra.log"), "{why2:?}");
    partial(&r, &["T1", "T2", "T3"], &["T3"], &r.tree(&c3));
}

#[test]
fn a_bundle_whose_file_list_hides_what_its_patch_writes_is_rejected() {
    let r = Repo::new(|d| put(d, "keep.txt", "keep\n"));
    // FILES_CHANGED.json (and the manifest) say x.txt; the patch writes
    // ../x, then a symlink out of the repository.
    let cases = [
        (adds("../x", "pwned"), "../x"),
        (adds_link("x.txt", r.outside().to_str().unwrap()), "x.txt"),
    ];
    for (patch, path) in cases {
        let files = vec![changed("x.txt", ChangeKind::Added, Some("100644"))];
        r.bundle_from_patch("T1", patch.as_bytes(), files, &["**"]);
        let doc = blocked(&r, &["T1"]);
        assert_eq!(outcomes(&doc), [("T1", Rejected)]);
        let why = task(&doc, "T1").reason.clone().unwrap_or_default();
        assert!(why.contains(path), "{path}: {why:?}");
        let out = r.integrate(&["T1"], &["--partial", "--check", "true"]);
        assert_eq!(task(&out.doc(), "T1").outcome, Rejected, "{out}");
    }
    assert_eq!(names(&r.parent()), ["repo"]);
    assert!(names(&r.outside()).is_empty());
}
