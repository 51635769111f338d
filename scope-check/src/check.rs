//! The pure core: every changed file decided against a scope.
//!
//! A file is allowed when its path is; a rename needs both paths allowed; a
//! copy only its destination; a symlink also needs its target inside the repo
//! (and known: raw diffs and bundles carry no content, so a symlink read from
//! them is not allowed, fail closed); a gitlink (mode 160000) needs
//! `--allow-gitlinks`; binary files are flagged, not refused.

use crate::policy::{path_problem, Scope};
use muster_shared::diff::{ChangeKind, FileChange};
use muster_shared::schema::{ScopeReport, ScopedFile, Violation};
use muster_shared::Status;

/// Mode of a symlink.
pub const SYMLINK: &str = "120000";
/// Mode of a gitlink (a submodule's commit).
pub const GITLINK: &str = "160000";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Checks every change against the scope. Large changes are decided on
/// every core (each file alone); the report keeps the input order.
pub fn check(changes: &[FileChange], scope: &Scope) -> ScopeReport {
    let threads = if changes.len() < 20_000 {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(16)
    };
    let per = changes.len().div_ceil(threads).max(1);
    let decided: Vec<Vec<(ScopedFile, Option<Violation>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = changes
            .chunks(per)
            .map(|part| {
                // Each thread its own copy: a regex shared between threads
                // makes them queue for its cache pool.
                let scope = scope.clone();
                s.spawn(move || {
                    part.iter()
                        .map(|c| decide_file(c, &scope))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(changes.chunks(per))
            // A panicking thread is a bug; decide that part again here so the
            // report is whole (and the panic shows in that call if it recurs).
            .map(|(h, part)| {
                h.join()
                    .unwrap_or_else(|_| part.iter().map(|c| decide_file(c, scope)).collect())
            })
            .collect()
    });
    let mut files = Vec::with_capacity(changes.len());
    let mut violations = Vec::new();
    for (file, violation) in decided.into_iter().flatten() {
        files.push(file);
        violations.extend(violation);
    }
    ScopeReport {
        schema: "muster.scope-report/v1".into(),
        status: if violations.is_empty() {
            Status::Pass
        } else {
            Status::Blocked
        },
        allow: scope.allow(),
        deny: scope.deny(),
        files,
        violations,
    }
}

/// One file's entry in the report, and its violation if it is not allowed.
fn decide_file(c: &FileChange, scope: &Scope) -> (ScopedFile, Option<Violation>) {
    let d = scope.decide(&c.path);
    let (mut allowed, mut decided_by, mut reason) = (d.allowed, d.decided_by, d.reason);
    if allowed {
        if let Some(why) = extra_rule(c, scope) {
            allowed = false;
            decided_by = Some(why.0);
            reason = Some(why.1);
        }
    }
    let violation = (!allowed).then(|| Violation {
        path: text(&c.path),
        change: c.change,
        reason: reason.unwrap_or_else(|| "not allowed".into()),
    });
    let file = ScopedFile {
        path: text(&c.path),
        change: c.change,
        old_path: c.old_path.as_deref().map(text),
        mode: c.new_mode.clone(),
        binary: c.binary,
        allowed,
        decided_by,
    };
    (file, violation)
}

/// The rules beyond the path itself: the rename source, symlink targets,
/// gitlinks. Returns (decided_by, reason) when one refuses.
fn extra_rule(c: &FileChange, scope: &Scope) -> Option<(String, String)> {
    if c.change == ChangeKind::Renamed {
        if let Some(old) = &c.old_path {
            let d = scope.decide(old);
            if !d.allowed {
                let why = d.reason.unwrap_or_else(|| "not allowed".into());
                return Some((
                    format!(
                        "rename source: {}",
                        d.decided_by.unwrap_or_else(|| "no pattern".into())
                    ),
                    format!("renamed from '{}', which is not allowed: {why}", text(old)),
                ));
            }
        }
    }
    let mode = c.new_mode.as_deref();
    // A pure rename or copy in a unified diff says nothing of the mode: it
    // may be a symlink whose target means something else from its new place.
    if mode.is_none() && matches!(c.change, ChangeKind::Renamed | ChangeKind::Copied) {
        return Some((
            "symlink rule".into(),
            "a rename or copy whose mode the input does not give (a pure rename in a unified diff) \
             may move a symlink out of the repo: check it with `git diff --raw -z`"
                .into(),
        ));
    }
    if mode == Some(GITLINK) && c.change != ChangeKind::Deleted && !scope.allow_gitlinks {
        return Some((
            "gitlink rule".into(),
            "a gitlink (submodule commit) changes; gitlinks are denied unless --allow-gitlinks"
                .into(),
        ));
    }
    if mode == Some(SYMLINK) && c.change != ChangeKind::Deleted {
        let why = match &c.symlink_target {
            None => Some("symlink target unknown: raw diffs and bundles carry no content; check the unified diff".to_string()),
            Some(t) => symlink_problem(&c.path, t).map(str::to_string),
        };
        if let Some(why) = why {
            return Some(("symlink rule".into(), why));
        }
    }
    None
}

/// Why a symlink at `path` pointing at `target` is not allowed, if it is not:
/// the target, resolved from the link's directory, must stay inside the repo
/// and out of `.git`.
pub fn symlink_problem(path: &[u8], target: &[u8]) -> Option<&'static str> {
    if target.is_empty() {
        return Some("symlink with an empty target");
    }
    if target[0] == b'/' {
        return Some("symlink points outside the repo (absolute target)");
    }
    let mut parts: Vec<&[u8]> = path.split(|&b| b == b'/').collect();
    parts.pop(); // the link's own name
    let mut named = false;
    for seg in target.split(|&b| b == b'/') {
        match seg {
            b"" | b"." => {}
            // `x/..` is not the directory it reads as when `x` is itself a
            // link (one this change may add): refuse rather than guess.
            b".." if named => return Some("symlink target goes up after a name (x/..): it cannot be resolved from the text; write it with leading .. only"),
            b".." => {
                if parts.pop().is_none() {
                    return Some("symlink points outside the repo (..)");
                }
            }
            s => {
                named = true;
                parts.push(s);
            }
        }
    }
    let resolved = parts.join(&b'/');
    if resolved.is_empty() {
        return None; // the repo root itself
    }
    match path_problem(&resolved) {
        Some("path inside .git") => Some("symlink points into .git"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(allow: &[&str], deny: &[&str]) -> Scope {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Scope::new(
            &s(allow),
            &s(deny),
            &s(crate::policy::DEFAULT_PROTECTED),
            false,
        )
        .unwrap()
    }

    fn change(path: &str, kind: ChangeKind) -> FileChange {
        FileChange {
            path: path.as_bytes().to_vec(),
            change: kind,
            old_path: None,
            old_mode: Some("100644".into()),
            new_mode: Some("100644".into()),
            binary: false,
            symlink_target: None,
        }
    }

    #[test]
    fn symlink_targets() {
        assert_eq!(symlink_problem(b"a/link", b"../b"), None);
        assert_eq!(symlink_problem(b"a/link", b"b/c"), None);
        assert_eq!(symlink_problem(b"link", b"."), None);
        assert!(symlink_problem(b"a/link", b"../../etc/passwd").is_some());
        assert!(symlink_problem(b"link", b"/etc/passwd").is_some());
        assert!(symlink_problem(b"a/link", b"../.git/config").is_some());
        assert!(symlink_problem(b"link", b"").is_some());
        // `up/../..` escapes when `up` is itself a link to `..`.
        assert!(symlink_problem(b"links/esc", b"up/../..").is_some());
        assert!(symlink_problem(b"a/b/link", b"../c/../d").is_some());
    }

    #[test]
    fn renames_need_both_paths_copies_the_destination() {
        let s = scope(&["src/"], &[]);
        let mut r = change("src/new.rs", ChangeKind::Renamed);
        r.old_path = Some(b"lib/old.rs".to_vec());
        let report = check(&[r.clone()], &s);
        assert_eq!(report.status, Status::Blocked);
        assert!(report.violations[0]
            .reason
            .starts_with("renamed from 'lib/old.rs'"));
        r.change = ChangeKind::Copied;
        assert_eq!(check(&[r], &s).status, Status::Pass);
    }

    #[test]
    fn a_rename_of_unknown_mode_is_refused() {
        let s = scope(&["**"], &[]);
        let mut r = change("b/link2", ChangeKind::Renamed);
        r.old_path = Some(b"a/b/link".to_vec());
        r.new_mode = None;
        let report = check(&[r], &s);
        assert_eq!(report.status, Status::Blocked);
        assert!(report.violations[0].reason.contains("git diff --raw -z"));
    }

    #[test]
    fn gitlinks_symlinks_and_binaries() {
        let s = scope(&["**"], &[]);
        let mut g = change("vendor/lib", ChangeKind::Added);
        g.new_mode = Some(GITLINK.into());
        assert_eq!(check(&[g.clone()], &s).status, Status::Blocked);
        let s2 = Scope::new(&["**".into()], &[], &[], true).unwrap();
        assert_eq!(check(&[g], &s2).status, Status::Pass);
        let mut l = change("docs/link", ChangeKind::Added);
        l.new_mode = Some(SYMLINK.into());
        assert_eq!(
            check(&[l.clone()], &s).status,
            Status::Blocked,
            "unknown target"
        );
        l.symlink_target = Some(b"../README.md".to_vec());
        assert_eq!(check(&[l.clone()], &s).status, Status::Pass);
        l.symlink_target = Some(b"../../outside".to_vec());
        assert_eq!(check(&[l], &s).status, Status::Blocked);
        let mut b = change("img.png", ChangeKind::Added);
        b.binary = true;
        let r = check(&[b], &s);
        assert_eq!((r.status, r.files[0].binary), (Status::Pass, true));
    }
}
