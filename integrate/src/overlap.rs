//! Overlaps: paths that two tasks' changes both touch, found before any
//! change is applied (DESIGN.md section 5). A task touches the path each of
//! its files ends at, and the path a rename moved away from (a copy leaves
//! its source alone). Two tasks touching one path overlap: both changed it,
//! both created it, one renamed it away or deleted it while the other
//! edited it. The exception: both tasks are `write-shared` and the path is
//! in both their allowlists; those are merged three-way, not refused.

use muster_shared::diff::ChangeKind;
use muster_shared::schema::BundleFile;
use std::collections::BTreeMap;

/// One task's change, as its bundle gives it.
#[derive(Clone, Copy)]
pub struct TaskChange<'a> {
    /// The task.
    pub task: &'a str,
    /// Its changed files (FILES_CHANGED.json).
    pub files: &'a [BundleFile],
    /// For a `write-shared` task: whether a path is in its allowlist.
    pub shared: Option<&'a dyn Fn(&str) -> bool>,
}

/// A path more than one task touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// The path.
    pub path: String,
    /// The tasks, in the order given.
    pub tasks: Vec<String>,
    /// What each did to it, in words: `T1 modified it; T2 deleted it`.
    pub why: String,
    /// Whether every task touching it declared it write-shared: merged
    /// three-way instead of refused.
    pub shared: bool,
}

/// What a task did to a path.
fn what(kind: ChangeKind, moved_away: bool) -> &'static str {
    if moved_away {
        return "renamed it away";
    }
    match kind {
        ChangeKind::Added => "created it",
        ChangeKind::Modified => "modified it",
        ChangeKind::Deleted => "deleted it",
        ChangeKind::Renamed => "renamed a file to it",
        ChangeKind::Copied => "copied a file to it",
        ChangeKind::ModeChanged => "changed its mode",
        ChangeKind::TypeChanged => "changed its type",
    }
}

/// The overlaps among `changes`, sorted by path. A task that touches a path
/// twice (a rename's source and a new file there) counts once. A path one
/// task touches and a path below it another task touches overlap too (one
/// makes `d` a file or a symlink, the other writes `d/x`): reported at the
/// upper path, the lower one named in `why`.
pub fn find<'a>(changes: &[TaskChange<'a>]) -> Vec<Overlap> {
    // Path -> (task index, what it did), in task order.
    let mut touched: BTreeMap<&str, Vec<(usize, String)>> = BTreeMap::new();
    let mut add = |path: &'a str, i: usize, did: &'static str| {
        let entry = touched.entry(path).or_default();
        if entry.last().is_none_or(|(t, _)| *t != i) {
            entry.push((i, did.to_string()));
        }
    };
    for (i, c) in changes.iter().enumerate() {
        for f in c.files {
            add(f.path.as_str(), i, what(f.change, false));
            if f.change == ChangeKind::Renamed {
                if let Some(old) = f.old_path.as_deref() {
                    add(old, i, what(f.change, true));
                }
            }
        }
    }
    let below = below_other_tasks(&touched);
    for (upper, i, lower) in below {
        let did = format!("changed {lower:?} below it");
        let entry = touched.entry(upper).or_default();
        if !entry.iter().any(|(t, _)| *t == i) {
            entry.push((i, did));
            entry.sort_by_key(|(t, _)| *t);
        }
    }
    touched
        .into_iter()
        .filter(|(_, by)| by.len() > 1)
        .map(|(path, by)| {
            // Only edits of one file by tasks that all declared it shared
            // are merged; a creation, deletion, rename or mode change is not.
            let shared = by.iter().all(|(i, did)| {
                did == what(ChangeKind::Modified, false)
                    && changes[*i].shared.is_some_and(|allowed| allowed(path))
            });
            Overlap {
                path: path.to_string(),
                tasks: by
                    .iter()
                    .map(|(i, _)| changes[*i].task.to_string())
                    .collect(),
                why: by
                    .iter()
                    .map(|(i, did)| format!("{} {did}", changes[*i].task))
                    .collect::<Vec<_>>()
                    .join("; "),
                shared,
            }
        })
        .collect()
}

/// Each (upper path, task, lower path) where the task touches `lower`, a
/// path below `upper`, and another task touches `upper` itself.
fn below_other_tasks<'p>(
    touched: &BTreeMap<&'p str, Vec<(usize, String)>>,
) -> Vec<(&'p str, usize, &'p str)> {
    let mut out = Vec::new();
    for (lower, by) in touched {
        let mut dir = *lower;
        while let Some(cut) = dir.rfind('/') {
            dir = &dir[..cut];
            let Some((upper, above)) = touched.get_key_value(dir) else {
                continue;
            };
            for (i, _) in by {
                if above.iter().any(|(t, _)| t != i) {
                    out.push((*upper, *i, *lower));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, change: ChangeKind, old: Option<&str>) -> BundleFile {
        BundleFile {
            path: path.into(),
            change,
            old_path: old.map(str::to_string),
            mode: Some("100644".into()),
            binary: false,
        }
    }

    fn change<'a>(task: &'a str, files: &'a [BundleFile]) -> TaskChange<'a> {
        TaskChange {
            task,
            files,
            shared: None,
        }
    }

    #[test]
    fn each_kind_of_overlap_is_found_and_named() {
        use ChangeKind::*;
        let a = [
            file("src/a.rs", Modified, None),
            file("new.txt", Added, None),
            file("moved.rs", Renamed, Some("old.rs")),
            file("gone.rs", Deleted, None),
            file("only-a.rs", Modified, None),
        ];
        let b = [
            file("src/a.rs", Modified, None),
            file("new.txt", Added, None),
            file("old.rs", Modified, None),
            file("gone.rs", Modified, None),
            file("copy.rs", Copied, Some("only-a.rs")),
        ];
        let found = find(&[change("A", &a), change("B", &b)]);
        let got: Vec<(&str, &str)> = found
            .iter()
            .map(|o| (o.path.as_str(), o.why.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("gone.rs", "A deleted it; B modified it"),
                ("new.txt", "A created it; B created it"),
                ("old.rs", "A renamed it away; B modified it"),
                ("src/a.rs", "A modified it; B modified it"),
            ]
        );
        assert!(found.iter().all(|o| o.tasks == ["A", "B"] && !o.shared));
    }

    #[test]
    fn disjoint_changes_do_not_overlap_and_one_task_never_overlaps_itself() {
        use ChangeKind::*;
        let a = [file("x", Renamed, Some("y")), file("y", Added, None)];
        let b = [file("z", Modified, None)];
        assert!(find(&[change("A", &a), change("B", &b)]).is_empty());
    }

    #[test]
    fn write_shared_paths_in_both_allowlists_are_marked_shared() {
        use ChangeKind::*;
        let files = [
            file("CHANGELOG.md", Modified, None),
            file("src/x.rs", Modified, None),
        ];
        let changelog_only = |p: &str| p == "CHANGELOG.md";
        let everything = |_: &str| true;
        let a = TaskChange {
            task: "A",
            files: &files,
            shared: Some(&changelog_only),
        };
        let b = TaskChange {
            task: "B",
            files: &files,
            shared: Some(&everything),
        };
        let found = find(&[a, b]);
        assert_eq!(found.len(), 2);
        assert!(found[0].shared, "{found:?}");
        assert!(!found[1].shared, "src/x.rs is not in A's shared allowlist");
        // A task that is not write-shared: refused.
        let c = change("C", &files);
        let found = find(&[a, c]);
        assert!(found.iter().all(|o| !o.shared));
    }

    #[test]
    fn a_path_and_a_path_below_it_overlap() {
        use ChangeKind::*;
        let a = [file("d", Added, None)];
        let b = [file("d/x", Added, None), file("e/y", Added, None)];
        let found = find(&[change("A", &a), change("B", &b)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "d");
        assert_eq!(found[0].why, "A created it; B changed \"d/x\" below it");
        assert_eq!(found[0].tasks, ["A", "B"]);
        // One task making both is its own business (git judges it).
        let both = [file("d", Added, None), file("d/x", Added, None)];
        assert!(find(&[change("A", &both)]).is_empty());
    }

    #[test]
    fn a_shared_path_is_merged_only_when_every_task_edited_it() {
        use ChangeKind::*;
        let everything = |_: &str| true;
        let edit = [file("CHANGELOG.md", Modified, None)];
        let gone = [file("CHANGELOG.md", Deleted, None)];
        let t = |task, files| TaskChange {
            task,
            files,
            shared: Some(&everything),
        };
        assert!(find(&[t("A", &edit), t("B", &edit)])[0].shared);
        assert!(!find(&[t("A", &edit), t("B", &gone)])[0].shared);
    }
}
