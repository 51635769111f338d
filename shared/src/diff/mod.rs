//! Reading git's change formats: a unified `git diff` ([`parse_unified`]) and
//! `git diff --raw -z` ([`parse_raw_z`]), into one [`FileChange`] per file.
//!
//! Both readers fail closed: a line or record they do not understand is an
//! error naming where it is and what is wrong, never a silently shorter list.
//! Paths are raw bytes as git stores them (quoting undone), without the `a/`
//! and `b/` prefixes.
//!
//! ```
//! use muster_shared::diff::{parse_raw_z, parse_unified, ChangeKind};
//!
//! let unified = b"diff --git a/old name b/new name\n\
//!                 similarity index 100%\n\
//!                 rename from old name\n\
//!                 rename to new name\n";
//! let files = parse_unified(unified).unwrap();
//! assert_eq!(files[0].path, b"new name");
//! assert_eq!(files[0].change, ChangeKind::Renamed);
//! assert_eq!(files[0].old_path.as_deref(), Some(&b"old name"[..]));
//!
//! let raw = b":100644 100755 1234567 1234567 M\0run.sh\0";
//! assert_eq!(parse_raw_z(raw).unwrap()[0].change, ChangeKind::ModeChanged);
//! ```

mod hunk;
mod names;
mod quote;
mod raw;
mod unified;

use serde::{Deserialize, Serialize};
use std::fmt;

/// What happened to a file (DESIGN.md section 3, `muster.scope-report/v1`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new file.
    Added,
    /// Content changed (and maybe the mode).
    Modified,
    /// The file is gone.
    Deleted,
    /// Moved from `old_path` (maybe with edits).
    Renamed,
    /// Copied from `old_path` (maybe with edits).
    Copied,
    /// Only the mode changed (100644 <-> 100755).
    ModeChanged,
    /// The type changed (file <-> symlink <-> gitlink).
    TypeChanged,
}

impl ChangeKind {
    /// The name JSON uses (`added`, `mode_changed`, ...): what serde writes.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Modified => "modified",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Copied => "copied",
            ChangeKind::ModeChanged => "mode_changed",
            ChangeKind::TypeChanged => "type_changed",
        }
    }
}

/// One changed file, as read from a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The path after the change (for a deletion, the deleted path): raw bytes.
    pub path: Vec<u8>,
    /// What happened.
    pub change: ChangeKind,
    /// For renames and copies, the source path.
    pub old_path: Option<Vec<u8>>,
    /// The mode before, as git writes it (`100644`, `100755`, `120000`, `160000`), if known.
    pub old_mode: Option<String>,
    /// The mode after, if known (None for a deletion).
    pub new_mode: Option<String>,
    /// Whether git calls the content binary.
    pub binary: bool,
    /// For a symlink (mode 120000) added or changed, its new target, when the
    /// input carries content (unified diffs do; raw diffs do not).
    pub symlink_target: Option<Vec<u8>>,
}

/// What [`DiffError::at`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Lines of a unified diff.
    Line,
    /// NUL-separated fields of `git diff --raw -z` output.
    Field,
}

/// Why a diff could not be read: the line (unified) or NUL-separated field
/// (raw) at fault, and what is wrong; shown as `line 7: ...` or `field 3: ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffError {
    /// 1-based line (unified) or NUL-separated field (raw) number.
    pub at: usize,
    /// What is wrong.
    pub what: String,
    /// Whether `at` is a line or a field number.
    pub unit: Unit,
}

impl fmt::Display for DiffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            Unit::Line => "line",
            Unit::Field => "field",
        };
        write!(f, "{unit} {}: {}", self.at, self.what)
    }
}

impl std::error::Error for DiffError {}

/// Reads a unified `git diff` (with extended headers): `git diff`, with or
/// without `-M`, `-C`, `--binary`; the `a/`+`b/` prefixes or the
/// `diff.mnemonicPrefix` ones. A type change, which git shows as a deletion
/// and an addition of the same path, comes back as one
/// [`ChangeKind::TypeChanged`]. Empty input is no change.
pub fn parse_unified(bytes: &[u8]) -> Result<Vec<FileChange>, DiffError> {
    unified::parse(bytes)
}

/// Reads `git diff --raw -z` output (optionally with `-M`/`-C`): records
/// `:OLDMODE NEWMODE OLDSHA NEWSHA STATUS\0PATH\0` (two paths for `R`/`C`).
/// `M` with equal object ids and different modes is
/// [`ChangeKind::ModeChanged`]. Raw output carries no content: `binary` is
/// false and `symlink_target` is None. Empty input is no change.
pub fn parse_raw_z(bytes: &[u8]) -> Result<Vec<FileChange>, DiffError> {
    raw::parse(bytes)
}

/// The modes a diff may name, as `%06o`; `000000` is "no file" (raw only).
fn mode(s: &[u8]) -> Result<&'static str, String> {
    Ok(match s {
        b"100644" => "100644",
        b"100755" => "100755",
        b"120000" => "120000",
        b"160000" => "160000",
        b"040000" => {
            return Err(
                "mode 040000 is a directory (tree); diff with -r so files are listed".into(),
            )
        }
        _ => {
            return Err(format!(
                "{} is not a file mode (100644, 100755, 120000 or 160000)",
                show(s)
            ))
        }
    })
}

/// Whether two modes name different kinds of object (file, symlink, gitlink).
fn type_differs(a: &str, b: &str) -> bool {
    a.get(..2) != b.get(..2)
}

/// An object id as git prints it: 4 to 64 lowercase hex digits.
fn is_hex_id(s: &[u8]) -> bool {
    (4..=64).contains(&s.len())
        && s.iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// User input for a message: quoted, escaped, cut at 60 bytes.
fn show(bytes: &[u8]) -> String {
    const MAX: usize = 60;
    let cut = bytes.len() > MAX;
    let s = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX)]);
    format!("{s:?}{}", if cut { "..." } else { "" })
}

#[cfg(test)]
mod tests;
