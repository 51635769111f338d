//! One task's change as muster-integrate applies it: read from the bundle's
//! DIFF.patch (what git will apply, not what the bundle says of itself),
//! split into one section per file, held to the bundle's FILES_CHANGED list,
//! and checked against the task's scope.

use muster_scope_check::check;
use muster_scope_check::input::Files;
use muster_scope_check::policy::Scope;
use muster_shared::diff::{parse_unified, ChangeKind};
use muster_shared::schema::{BundleFile, IntegrationProblem};
use std::collections::BTreeSet;
use std::ops::Range;

/// A task's patch, read and split.
#[derive(Debug, Clone)]
pub struct TaskPatch {
    /// The task.
    pub task: String,
    /// DIFF.patch, whole.
    pub patch: Vec<u8>,
    /// One section per file, in patch order.
    pub sections: Vec<Section>,
}

/// The part of a patch that changes one file (a type change, which git
/// writes as a deletion and an addition of one path, is one section).
#[derive(Debug, Clone)]
pub struct Section {
    /// What it does, as the bundle's lists say it.
    pub file: BundleFile,
    /// Its bytes in the patch.
    pub range: Range<usize>,
}

impl TaskPatch {
    /// The bytes of `section`.
    pub fn bytes(&self, section: &Section) -> &[u8] {
        self.patch.get(section.range.clone()).unwrap_or_default()
    }

    /// Every changed file, in patch order.
    pub fn files(&self) -> Vec<BundleFile> {
        self.sections.iter().map(|s| s.file.clone()).collect()
    }
}

/// Reads `patch` (task `task`'s DIFF.patch). An error says which line of
/// the patch git's format is broken on.
pub fn read(task: &str, patch: Vec<u8>) -> Result<TaskPatch, String> {
    let starts = section_starts(&patch);
    let mut sections: Vec<Section> = Vec::with_capacity(starts.len());
    let mut line = 1;
    if !patch.is_empty() && starts.first() != Some(&0) {
        return Err("DIFF.patch: line 1: does not start with `diff --git `".into());
    }
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(patch.len());
        let bytes = patch.get(start..end).unwrap_or_default();
        let changes = parse_unified(bytes).map_err(|e| {
            format!(
                "DIFF.patch: line {}: {}",
                line + e.at.saturating_sub(1),
                e.what
            )
        })?;
        line += bytes.iter().filter(|b| **b == b'\n').count();
        let file = match changes.as_slice() {
            [one] => BundleFile::from(one),
            _ => {
                return Err(format!(
                    "DIFF.patch: line {line}: a section that is not one file"
                ))
            }
        };
        // A type change: git writes the deletion and the addition of one
        // path as two sections; they are one change of that path.
        if let Some(prev) = sections.last_mut() {
            if prev.file.path == file.path && prev.file.change == ChangeKind::Deleted {
                prev.range.end = end;
                prev.file = BundleFile {
                    change: ChangeKind::TypeChanged,
                    ..file
                };
                continue;
            }
        }
        sections.push(Section {
            file,
            range: start..end,
        });
    }
    Ok(TaskPatch {
        task: task.to_string(),
        patch,
        sections,
    })
}

/// Where each `diff --git ` header starts (a hunk line never does: it starts
/// with a space, `+`, `-` or `\`; binary data never has a space).
fn section_starts(patch: &[u8]) -> Vec<usize> {
    const HEAD: &[u8] = b"diff --git ";
    let mut out = Vec::new();
    let mut at = 0;
    while at < patch.len() {
        if patch.get(at..).is_some_and(|rest| rest.starts_with(HEAD)) {
            out.push(at);
        }
        at = match memchr_newline(patch, at) {
            Some(nl) => nl + 1,
            None => patch.len(),
        };
    }
    out
}

fn memchr_newline(bytes: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|b| *b == b'\n')
        .map(|i| from + i)
}

/// The paths a list of changes touches: each file's path, and a rename's
/// source (a copy leaves its source alone).
pub fn touched(files: &[BundleFile]) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    for f in files {
        out.insert(f.path.as_str());
        if f.change == ChangeKind::Renamed {
            if let Some(old) = f.old_path.as_deref() {
                out.insert(old);
            }
        }
    }
    out
}

/// Where the bundle's FILES_CHANGED list and its DIFF.patch disagree on
/// the paths changed: a list that hides a path is a bundle that lies.
pub fn agrees(patch: &TaskPatch, listed: &[BundleFile]) -> Result<(), String> {
    let files = patch.files();
    let (got, said) = (touched(&files), touched(listed));
    if let Some(p) = got.difference(&said).next() {
        return Err(format!(
            "DIFF.patch changes {p:?}, which FILES_CHANGED.json does not list"
        ));
    }
    if let Some(p) = said.difference(&got).next() {
        return Err(format!(
            "FILES_CHANGED.json lists {p:?}, which DIFF.patch does not change"
        ));
    }
    Ok(())
}

/// The files of `patch` that `scope` does not allow, with the reason. The
/// patch's own content decides symlinks (their targets are in it).
pub fn scope_violations(
    task: &str,
    patch_bytes: &[u8],
    scope: &Scope,
) -> Result<Vec<IntegrationProblem>, String> {
    let changes = parse_unified(patch_bytes).map_err(|e| format!("DIFF.patch: {e}"))?;
    let files = Files::Changes(changes);
    let verdicts = check::check(&files, scope);
    let mut out = Vec::new();
    for (i, v) in verdicts.iter().enumerate() {
        if v.allowed() {
            continue;
        }
        out.push(IntegrationProblem {
            task: task.to_string(),
            path: String::from_utf8_lossy(files.get(i).path).into_owned(),
            reason: scope.reason(v).unwrap_or("not allowed").to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const TWO: &[u8] = b"diff --git a/a.txt b/a.txt\n\
index 1111111..2222222 100644\n\
--- a/a.txt\n\
+++ b/a.txt\n\
@@ -1 +1 @@\n\
-x\n\
+y\n\
diff --git a/b c/q b/b c/q\n\
new file mode 100644\n\
index 0000000..3333333\n\
--- /dev/null\n\
+++ b/b c/q\n\
@@ -0,0 +1 @@\n\
+diff --git inside a hunk is content\n";

    #[test]
    fn a_patch_splits_into_one_section_per_file() {
        let p = read("T1", TWO.to_vec()).unwrap();
        assert_eq!(p.sections.len(), 2);
        assert_eq!(p.sections[0].file.path, "a.txt");
        assert_eq!(p.sections[1].file.path, "b c/q");
        assert_eq!(p.sections[1].file.change, ChangeKind::Added);
        let joined: Vec<u8> = p
            .sections
            .iter()
            .flat_map(|s| p.bytes(s).to_vec())
            .collect();
        assert_eq!(joined, TWO);
    }

    #[test]
    fn a_type_change_is_one_section() {
        let patch = b"diff --git a/l b/l\n\
deleted file mode 100644\n\
index 1111111..0000000\n\
--- a/l\n\
+++ /dev/null\n\
@@ -1 +0,0 @@\n\
-x\n\
diff --git a/l b/l\n\
new file mode 120000\n\
index 0000000..2222222\n\
--- /dev/null\n\
+++ b/l\n\
@@ -0,0 +1 @@\n\
+target\n\
\\ No newline at end of file\n";
        let p = read("T1", patch.to_vec()).unwrap();
        assert_eq!(p.sections.len(), 1);
        assert_eq!(p.sections[0].file.change, ChangeKind::TypeChanged);
        assert_eq!(p.sections[0].range, 0..patch.len());
    }

    #[test]
    fn a_broken_patch_names_its_line() {
        let mut bad = TWO.to_vec();
        bad.extend_from_slice(b"diff --git a/z b/z\nnonsense header\n");
        let e = read("T1", bad).unwrap_err();
        assert!(e.starts_with("DIFF.patch: line 16:"), "{e}");
        assert!(read("T1", b"garbage\n".to_vec()).is_err());
        assert!(read("T1", Vec::new()).unwrap().sections.is_empty());
    }

    #[test]
    fn the_list_must_agree_with_the_patch() {
        let p = read("T1", TWO.to_vec()).unwrap();
        assert!(agrees(&p, &p.files()).is_ok());
        let hidden = vec![p.files()[0].clone()];
        let e = agrees(&p, &hidden).unwrap_err();
        assert!(e.contains("\"b c/q\""), "{e}");
    }
}
