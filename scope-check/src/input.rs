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
pub struct Change {
    /// The files.
    pub files: Vec<FileChange>,
    /// The bundle's own scope, when the input was a bundle.
    pub bundle_scope: Option<BundleScope>,
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
pub fn read(bytes: &[u8], source: &str, paths: Option<PathList>) -> Result<Change> {
    if let Some(sep) = paths {
        return Ok(Change {
            files: path_list(bytes, sep),
            bundle_scope: None,
        });
    }
    let start = bytes.iter().position(|b| !b" \t\r\n".contains(b));
    let Some(start) = start else {
        return Ok(Change {
            files: Vec::new(),
            bundle_scope: None,
        });
    };
    let at = |e: diff::DiffError| anyhow!("{source}: {e}");
    if bytes.starts_with(b"diff --git ") {
        return Ok(Change {
            files: diff::parse_unified(bytes).map_err(at)?,
            bundle_scope: None,
        });
    }
    if bytes[0] == b':' {
        let first_nul = memchr_nul(bytes);
        if first_nul.is_none() || bytes[..first_nul.unwrap_or(0)].contains(&b'\t') {
            bail!("{source}: line 1: this looks like `git diff --raw` without -z; run `git diff --raw -z` (paths with tabs or newlines are ambiguous otherwise)");
        }
        return Ok(Change {
            files: diff::parse_raw_z(bytes).map_err(at)?,
            bundle_scope: None,
        });
    }
    if bytes[start] == b'{' {
        let b: Bundle = muster_shared::doc::parse(bytes, source)?;
        return Ok(Change {
            files: bundle_files(&b),
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
/// path rather than starting an empty one. Each is taken as `modified`.
fn path_list(bytes: &[u8], sep: PathList) -> Vec<FileChange> {
    let sep = match sep {
        PathList::Lines => b'\n',
        PathList::Nul => 0,
    };
    let body = bytes.strip_suffix(&[sep]).unwrap_or(bytes);
    if body.is_empty() {
        return Vec::new();
    }
    body.split(|&b| b == sep)
        .map(|p| FileChange {
            path: p.to_vec(),
            change: ChangeKind::Modified,
            old_path: None,
            old_mode: None,
            new_mode: None,
            binary: false,
            symlink_target: None,
        })
        .collect()
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
        read(input, "-", Some(sep))
            .unwrap()
            .files
            .iter()
            .map(|f| String::from_utf8_lossy(&f.path).into_owned())
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
        assert!(read(b"\n \n", "-", None).unwrap().files.is_empty());
    }
}
