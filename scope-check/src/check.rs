//! The pure core: every changed file decided against a scope.
//!
//! A file is allowed when its path is; a rename needs both paths allowed; a
//! copy only its destination; a symlink also needs its target inside the repo
//! (and known: raw diffs and bundles carry no content, so a symlink read from
//! them is not allowed, fail closed); a gitlink (mode 160000) needs
//! `--allow-gitlinks`; binary files are flagged, not refused.

use crate::input::{Files, Item};
use crate::policy::{path_problem, Scope, Verdict};
use muster_shared::diff::ChangeKind;

/// Mode of a symlink.
pub const SYMLINK: &str = "120000";
/// Mode of a gitlink (a submodule's commit).
pub const GITLINK: &str = "160000";

/// Below this many files one thread decides them all.
const PARALLEL_FROM: usize = 20_000;

/// Decides every file, in input order. Large changes are decided on every
/// core (each file alone).
pub fn check(files: &Files<'_>, scope: &Scope) -> Vec<Verdict> {
    let parts = muster_shared::par::map_chunks(files.len(), PARALLEL_FROM, |range| {
        // Each thread its own copy: a regex shared between threads makes
        // them queue for its cache pool.
        let scope = scope.clone();
        range
            .map(|i| decide(files.get(i), &scope))
            .collect::<Vec<_>>()
    });
    let mut out = Vec::with_capacity(files.len());
    for p in parts {
        out.extend(p);
    }
    out
}

/// One file's verdict: its path, then the rules beyond the path.
pub fn decide(item: Item<'_>, scope: &Scope) -> Verdict {
    let v = scope.decide(item.path);
    if !v.allowed() {
        return v;
    }
    extra_rule(item, scope).unwrap_or(v)
}

/// The rules beyond the path itself: the rename source, symlink targets,
/// gitlinks. Returns the refusal when one refuses.
fn extra_rule(c: Item<'_>, scope: &Scope) -> Option<Verdict> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    if c.change == ChangeKind::Renamed {
        if let Some(old) = c.old_path {
            let v = scope.decide(old);
            if !v.allowed() {
                let by = scope.decided_by(&v).unwrap_or("no pattern");
                let why = scope.reason(&v).unwrap_or("not allowed");
                return Some(Verdict::rule(
                    format!("rename source: {by}"),
                    format!("renamed from '{}', which is not allowed: {why}", text(old)),
                ));
            }
        }
    }
    // A pure rename or copy in a unified diff says nothing of the mode: it
    // may be a symlink whose target means something else from its new place.
    if c.mode.is_none() && matches!(c.change, ChangeKind::Renamed | ChangeKind::Copied) {
        return Some(Verdict::rule(
            "symlink rule",
            "a rename or copy whose mode the input does not give (a pure rename in a unified diff) \
             may move a symlink out of the repo: check it with `git diff --raw -z`",
        ));
    }
    if c.mode == Some(GITLINK) && c.change != ChangeKind::Deleted && !scope.allow_gitlinks {
        return Some(Verdict::rule(
            "gitlink rule",
            "a gitlink (submodule commit) changes; gitlinks are denied unless --allow-gitlinks",
        ));
    }
    if c.mode == Some(SYMLINK) && c.change != ChangeKind::Deleted {
        let why = match c.symlink_target {
            None => Some("symlink target unknown: raw diffs and bundles carry no content; check the unified diff"),
            Some(t) => symlink_problem(c.path, t),
        };
        if let Some(why) = why {
            return Some(Verdict::rule("symlink rule", why));
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
    use muster_shared::diff::FileChange;

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

    /// The verdict on one change, and its reason.
    fn one(c: FileChange, s: &Scope) -> (bool, String) {
        let v = check(&Files::Changes(vec![c]), s).remove(0);
        (v.allowed(), s.reason(&v).unwrap_or("").to_string())
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
        let (allowed, why) = one(r.clone(), &s);
        assert!(!allowed);
        assert!(why.starts_with("renamed from 'lib/old.rs'"), "{why}");
        r.change = ChangeKind::Copied;
        assert!(one(r, &s).0);
    }

    #[test]
    fn a_rename_of_unknown_mode_is_refused() {
        let s = scope(&["**"], &[]);
        let mut r = change("b/link2", ChangeKind::Renamed);
        r.old_path = Some(b"a/b/link".to_vec());
        r.new_mode = None;
        let (allowed, why) = one(r, &s);
        assert!(!allowed);
        assert!(why.contains("git diff --raw -z"), "{why}");
    }

    #[test]
    fn gitlinks_symlinks_and_binaries() {
        let s = scope(&["**"], &[]);
        let mut g = change("vendor/lib", ChangeKind::Added);
        g.new_mode = Some(GITLINK.into());
        assert!(!one(g.clone(), &s).0);
        let s2 = Scope::new(&["**".into()], &[], &[], true).unwrap();
        assert!(one(g, &s2).0);
        let mut l = change("docs/link", ChangeKind::Added);
        l.new_mode = Some(SYMLINK.into());
        assert!(!one(l.clone(), &s).0, "unknown target");
        l.symlink_target = Some(b"../README.md".to_vec());
        assert!(one(l.clone(), &s).0);
        l.symlink_target = Some(b"../../outside".to_vec());
        assert!(!one(l, &s).0);
        let mut b = change("img.png", ChangeKind::Added);
        b.binary = true;
        assert!(one(b, &s).0, "binary files are flagged, not refused");
    }

    #[test]
    fn many_files_are_decided_in_input_order() {
        let s = scope(&["src/"], &["src/secret/"]);
        let paths: Vec<String> = (0..PARALLEL_FROM * 2 + 3)
            .map(|i| match i % 3 {
                0 => format!("src/{i}.rs"),
                1 => format!("src/secret/{i}"),
                _ => format!("lib/{i}"),
            })
            .collect();
        let files = Files::Paths(paths.iter().map(|p| p.as_bytes()).collect());
        let got = check(&files, &s);
        let want: Vec<Verdict> = paths.iter().map(|p| s.decide(p.as_bytes())).collect();
        assert_eq!(got, want);
        assert_eq!(got[1], Verdict::Deny(0));
        assert_eq!(got[2], Verdict::NoMatch);
    }
}
