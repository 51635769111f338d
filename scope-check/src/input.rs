//! Reading a change: a unified `git diff`, `git diff --raw -z` output (the
//! preferred form: unambiguous for any path), a `muster.bundle/v1`, or a list
//! of paths (`--paths`, one per line as given; `-z` for NUL-separated).
//!
//! The form is told by the first bytes: `diff --git ` is a unified diff, `:`
//! a raw diff, `{` a bundle. Empty input is a change with no files. Anything
//! else is an error (exit 1), never a PASS.

use anyhow::{anyhow, bail, Result};
use muster_shared::diff::{self, ChangeKind, FileChange};
use muster_shared::schema::{Bundle, BundleScope};

/// A change read from input, and the scope a bundle carries.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// The files.
    pub files: Files<'a>,
    /// The bundle's own scope, when the input was a bundle.
    pub bundle_scope: Option<BundleScope>,
}

/// The changed files: read from a diff or a bundle, or a list of paths
/// borrowed from the input (a million of them cost no allocation each).
#[derive(Debug, Clone)]
pub enum Files<'a> {
    /// Files read from a diff, a bundle or two trees.
    Changes(Vec<FileChange>),
    /// Paths from `--paths`, each taken as `modified`.
    Paths(Vec<&'a [u8]>),
}

/// One changed file as it is checked and reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item<'a> {
    /// The path after the change (the deleted path for a deletion).
    pub path: &'a [u8],
    /// What happened to it.
    pub change: ChangeKind,
    /// For renames and copies, the source.
    pub old_path: Option<&'a [u8]>,
    /// The mode after the change, when the input says.
    pub mode: Option<&'a str>,
    /// Whether git calls it binary.
    pub binary: bool,
    /// A symlink's new target, when the input carries content.
    pub symlink_target: Option<&'a [u8]>,
}

impl<'a> Files<'a> {
    /// How many files.
    pub fn len(&self) -> usize {
        match self {
            Files::Changes(c) => c.len(),
            Files::Paths(p) => p.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// File `i` (`i < len()`).
    pub fn get(&self, i: usize) -> Item<'_> {
        match self {
            Files::Changes(c) => {
                let c = &c[i];
                Item {
                    path: &c.path,
                    change: c.change,
                    old_path: c.old_path.as_deref(),
                    mode: c.new_mode.as_deref(),
                    binary: c.binary,
                    symlink_target: c.symlink_target.as_deref(),
                }
            }
            Files::Paths(p) => Item {
                path: p[i],
                change: ChangeKind::Modified,
                old_path: None,
                mode: None,
                binary: false,
                symlink_target: None,
            },
        }
    }
}

/// How `--paths` input is separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathList {
    /// One path per line.
    Lines,
    /// NUL-separated (`-z`).
    Nul,
}

/// Reads a change from `bytes` (named `source` in errors).
pub fn read<'a>(bytes: &'a [u8], source: &str, paths: Option<PathList>) -> Result<Change<'a>> {
    if let Some(sep) = paths {
        return Ok(Change {
            files: Files::Paths(path_list(bytes, sep)),
            bundle_scope: None,
        });
    }
    let start = bytes.iter().position(|b| !b" \t\r\n".contains(b));
    let Some(start) = start else {
        return Ok(Change {
            files: Files::Changes(Vec::new()),
            bundle_scope: None,
        });
    };
    let at = |e: diff::DiffError| anyhow!("{source}: {e}");
    if bytes.starts_with(b"diff --git ") {
        return Ok(Change {
            files: Files::Changes(diff::parse_unified(bytes).map_err(at)?),
            bundle_scope: None,
        });
    }
    if bytes[0] == b':' {
        let first_nul = memchr_nul(bytes);
        if first_nul.is_none() || bytes[..first_nul.unwrap_or(0)].contains(&b'\t') {
            bail!("{source}: line 1: this looks like `git diff --raw` without -z; run `git diff --raw -z` (paths with tabs or newlines are ambiguous otherwise)");
        }
        return Ok(Change {
            files: Files::Changes(diff::parse_raw_z(bytes).map_err(at)?),
            bundle_scope: None,
        });
    }
    if bytes[start] == b'{' {
        let b: Bundle = muster_shared::doc::parse(bytes, source)?;
        return Ok(Change {
            files: Files::Changes(bundle_files(&b)),
            bundle_scope: Some(b.scope),
        });
    }
    let line = 1 + bytes[..start].iter().filter(|&&b| b == b'\n').count();
    bail!(
        "{source}: line {line}: not a change muster-scope reads: expected a unified diff (`diff --git ...`), \
         `git diff --raw -z` output, or a muster.bundle/v1; for a list of paths use --paths"
    )
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == 0)
}

/// Paths as given: no trimming, no comments; a final separator ends the last
/// path rather than starting an empty one.
fn path_list(bytes: &[u8], sep: PathList) -> Vec<&[u8]> {
    let sep = match sep {
        PathList::Lines => b'\n',
        PathList::Nul => 0,
    };
    let body = bytes.strip_suffix(&[sep]).unwrap_or(bytes);
    if body.is_empty() {
        return Vec::new();
    }
    // Sized first: one allocation, not a doubling series.
    let mut out = Vec::with_capacity(1 + memchr::memchr_iter(sep, body).count());
    let mut start = 0;
    for end in memchr::memchr_iter(sep, body) {
        out.push(&body[start..end]);
        start = end + 1;
    }
    out.push(&body[start..]);
    out
}

fn bundle_files(b: &Bundle) -> Vec<FileChange> {
    b.files_changed
        .iter()
        .map(|f| FileChange {
            path: f.path.as_bytes().to_vec(),
            change: f.change,
            old_path: f.old_path.as_ref().map(|p| p.as_bytes().to_vec()),
            old_mode: None,
            new_mode: f.mode.clone(),
            binary: f.binary,
            symlink_target: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn paths(input: &[u8], sep: PathList) -> Vec<String> {
        let files = read(input, "-", Some(sep)).unwrap().files;
        (0..files.len())
            .map(|i| String::from_utf8_lossy(files.get(i).path).into_owned())
            .collect()
    }

    #[test]
    fn path_lists_are_taken_as_given() {
        assert_eq!(paths(b"a\nb c \n", PathList::Lines), ["a", "b c "]);
        assert_eq!(paths(b"a\n\nb", PathList::Lines), ["a", "", "b"]);
        assert_eq!(
            paths(b"# not a comment\n", PathList::Lines),
            ["# not a comment"]
        );
        assert_eq!(paths(b"a\nb\0c\0", PathList::Nul), ["a\nb", "c"]);
        assert!(paths(b"", PathList::Lines).is_empty());
    }

    #[test]
    fn unknown_input_fails_closed() {
        let e = |b: &[u8]| format!("{:#}", read(b, "<stdin>", None).unwrap_err());
        assert!(e(b"hello\n").contains("line 1: not a change muster-scope reads"));
        assert!(e(b"\n\nxx").contains("line 3:"));
        assert!(e(b":100644 100644 abc def M\tfile\n").contains("without -z"));
        assert!(e(b"{\"schema\":\"muster.tasks/v1\"}").contains("expected muster.bundle/v1"));
        assert!(read(b"", "-", None).unwrap().files.is_empty());
        assert_eq!(
            read(b"a\n", "-", Some(PathList::Lines))
                .unwrap()
                .files
                .get(0),
            Item {
                path: b"a",
                change: ChangeKind::Modified,
                old_path: None,
                mode: None,
                binary: false,
                symlink_target: None,
            }
        );
        assert!(read(b"\n \n", "-", None).unwrap().files.is_empty());
    }
}
