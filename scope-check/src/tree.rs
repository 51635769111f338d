//! `--before DIR --after DIR`: the change between two directory trees,
//! compared with walkdir and sha256; `--emit-diff` writes it as a unified
//! diff made with `similar`.
//!
//! Files, symlinks and the executable bit are compared; directories are not
//! entries (like git, an empty directory is no change). Nothing is skipped:
//! a `.git` inside either tree is compared too, and its changes are
//! violations (compare trees without `.git`). Renames are not detected: a
//! move is a deletion and an addition. A file is binary when its first 8000
//! bytes hold a NUL (git's rule).

use crate::check::SYMLINK;
use anyhow::{bail, Context, Result};
use muster_shared::diff::{ChangeKind, FileChange};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// One entry of a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// A regular file: its sha256 and whether it is executable.
    File { sha: [u8; 32], exec: bool },
    /// A symlink and its target.
    Link(Vec<u8>),
}

impl Entry {
    fn mode(&self) -> &'static str {
        match self {
            Entry::File { exec: true, .. } => "100755",
            Entry::File { exec: false, .. } => "100644",
            Entry::Link(_) => SYMLINK,
        }
    }
}

/// Every file and symlink under `root`, by repo-relative path.
fn walk(root: &Path) -> Result<BTreeMap<Vec<u8>, Entry>> {
    if !root.is_dir() {
        bail!("{} is not a directory", root.display());
    }
    let mut out = BTreeMap::new();
    for item in walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
    {
        let item = item.with_context(|| format!("reading {}", root.display()))?;
        let rel = item.path().strip_prefix(root).unwrap_or(item.path());
        if rel.as_os_str().is_empty() {
            continue;
        }
        let key = rel.as_os_str().as_bytes().to_vec();
        let ft = item.file_type();
        if ft.is_dir() {
            continue;
        }
        let entry = if ft.is_symlink() {
            let t = std::fs::read_link(item.path())
                .with_context(|| format!("reading link {}", item.path().display()))?;
            Entry::Link(t.as_os_str().as_bytes().to_vec())
        } else if ft.is_file() {
            let bytes = std::fs::read(item.path())
                .with_context(|| format!("reading {}", item.path().display()))?;
            let meta = item
                .metadata()
                .with_context(|| format!("reading {}", item.path().display()))?;
            Entry::File {
                sha: Sha256::digest(&bytes).into(),
                exec: meta.permissions().mode() & 0o111 != 0,
            }
        } else {
            bail!(
                "{}: not a file, symlink or directory",
                item.path().display()
            );
        };
        out.insert(key, entry);
    }
    Ok(out)
}

fn is_binary(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.iter().take(8000).any(|&c| c == 0))
}

/// The changes from `before` to `after`, sorted by path.
pub fn compare(before: &Path, after: &Path) -> Result<Vec<FileChange>> {
    let (a, b) = (walk(before)?, walk(after)?);
    let mut keys: Vec<&Vec<u8>> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for k in keys {
        let (old, new) = (a.get(k), b.get(k));
        let change = match (old, new) {
            (None, Some(_)) => ChangeKind::Added,
            (Some(_), None) => ChangeKind::Deleted,
            (Some(o), Some(n)) if o == n => continue,
            (Some(Entry::File { sha: s1, .. }), Some(Entry::File { sha: s2, .. })) if s1 == s2 => {
                ChangeKind::ModeChanged
            }
            (Some(o), Some(n))
                if o.mode() == n.mode()
                    || (matches!(o, Entry::File { .. }) && matches!(n, Entry::File { .. })) =>
            {
                ChangeKind::Modified
            }
            (Some(_), Some(_)) => ChangeKind::TypeChanged,
            (None, None) => continue,
        };
        let side = |root: &Path| root.join(std::ffi::OsStr::from_bytes(k));
        out.push(FileChange {
            path: k.clone(),
            change,
            old_path: None,
            old_mode: old.map(|e| e.mode().to_string()),
            new_mode: new.map(|e| e.mode().to_string()),
            binary: match new {
                Some(Entry::File { .. }) => is_binary(&side(after)),
                _ => {
                    matches!(old, Some(Entry::File { .. }))
                        && new.is_none()
                        && is_binary(&side(before))
                }
            },
            symlink_target: match new {
                Some(Entry::Link(t)) => Some(t.clone()),
                _ => None,
            },
        });
    }
    Ok(out)
}

/// A unified diff of `changes` between the trees, in git's format (`diff
/// --git` headers, modes, `Binary files ... differ`), readable by
/// `muster-scope` and by `git apply`.
pub fn unified_diff(before: &Path, after: &Path, changes: &[FileChange]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for c in changes {
        let read =
            |root: &Path| -> Result<Vec<u8>> {
                let full = root.join(std::ffi::OsStr::from_bytes(&c.path));
                match std::fs::symlink_metadata(&full) {
                    Err(_) => Ok(Vec::new()),
                    Ok(m) if m.file_type().is_symlink() => {
                        Ok(std::fs::read_link(&full)?.as_os_str().as_bytes().to_vec())
                    }
                    Ok(_) => Ok(std::fs::read(&full)
                        .with_context(|| format!("reading {}", full.display()))?),
                }
            };
        let (old, new) = (read(before)?, read(after)?);
        let (qa, qb) = (git_quote(b"a/", &c.path), git_quote(b"b/", &c.path));
        out.extend_from_slice(b"diff --git ");
        out.extend_from_slice(&qa);
        out.push(b' ');
        out.extend_from_slice(&qb);
        out.push(b'\n');
        match c.change {
            ChangeKind::Added => {
                out.extend_from_slice(format!("new file mode {}\n", mode(&c.new_mode)).as_bytes())
            }
            ChangeKind::Deleted => out
                .extend_from_slice(format!("deleted file mode {}\n", mode(&c.old_mode)).as_bytes()),
            _ if c.old_mode != c.new_mode => out.extend_from_slice(
                format!(
                    "old mode {}\nnew mode {}\n",
                    mode(&c.old_mode),
                    mode(&c.new_mode)
                )
                .as_bytes(),
            ),
            _ => {}
        }
        if old == new {
            continue;
        }
        // The blob ids are not computed (zeros, as git writes for the work
        // tree): git apply does not check them on text patches.
        if c.change == ChangeKind::Modified && c.old_mode == c.new_mode {
            out.extend_from_slice(
                format!("index 0000000..0000000 {}\n", mode(&c.new_mode)).as_bytes(),
            );
        } else {
            out.extend_from_slice(b"index 0000000..0000000\n");
        }
        let dev_null = b"/dev/null".to_vec();
        let a = String::from_utf8_lossy(if c.change == ChangeKind::Added {
            &dev_null
        } else {
            &qa
        })
        .into_owned();
        let b = String::from_utf8_lossy(if c.change == ChangeKind::Deleted {
            &dev_null
        } else {
            &qb
        })
        .into_owned();
        let (Ok(old_text), Ok(new_text)) = (std::str::from_utf8(&old), std::str::from_utf8(&new))
        else {
            out.extend_from_slice(format!("Binary files {a} and {b} differ\n").as_bytes());
            continue;
        };
        if old.contains(&0) || new.contains(&0) {
            out.extend_from_slice(format!("Binary files {a} and {b} differ\n").as_bytes());
            continue;
        }
        let diff = similar::TextDiff::from_lines(old_text, new_text);
        out.extend_from_slice(format!("--- {a}\n+++ {b}\n").as_bytes());
        for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
            out.extend_from_slice(format!("{}\n", hunk.header()).as_bytes());
            for change in hunk.iter_changes() {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                };
                out.push(sign as u8);
                out.extend_from_slice(change.value().as_bytes());
                if change.missing_newline() {
                    out.extend_from_slice(b"\n\\ No newline at end of file\n");
                }
            }
        }
    }
    Ok(out)
}

/// `prefix` + `path` as git writes it in a diff: in double quotes with C
/// escapes and octal bytes when it holds a control character, a quote, a
/// backslash or a byte above 0x7f (git's core.quotepath default).
pub fn git_quote(prefix: &[u8], path: &[u8]) -> Vec<u8> {
    let plain = path
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    let mut out = Vec::with_capacity(path.len() + prefix.len() + 2);
    if plain {
        out.extend_from_slice(prefix);
        out.extend_from_slice(path);
        return out;
    }
    out.push(b'"');
    for &b in prefix.iter().chain(path) {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0b => out.extend_from_slice(b"\\v"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(format!("\\{b:03o}").as_bytes()),
        }
    }
    out.push(b'"');
    out
}

fn mode(m: &Option<String>) -> &str {
    m.as_deref().unwrap_or("100644")
}

#[cfg(test)]
mod tests {
    use super::git_quote;

    #[test]
    fn quoting_follows_git() {
        assert_eq!(git_quote(b"a/", b"src/x y.rs"), b"a/src/x y.rs");
        assert_eq!(git_quote(b"a/", "é".as_bytes()), b"\"a/\\303\\251\"");
        assert_eq!(git_quote(b"b/", b"t\tq\"b\\"), b"\"b/t\\tq\\\"b\\\\\"");
    }
}
