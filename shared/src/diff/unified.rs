//! A unified `git diff`: per file a `diff --git` line, extended headers, then
//! `---`/`+++` and hunks, or a `Binary files ... differ` line, or a
//! `GIT binary patch`, or nothing (a pure rename, copy or mode change).

use super::names::{binary_names_fit, label, GitLine};
use super::quote::path;
use super::{is_hex_id, mode, show, type_differs, ChangeKind, DiffError, FileChange, Unit};

pub(super) fn err(at: usize, what: impl Into<String>) -> DiffError {
    DiffError {
        at,
        what: what.into(),
        unit: Unit::Line,
    }
}

pub(super) fn parse(bytes: &[u8]) -> Result<Vec<FileChange>, DiffError> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if lines.pop() != Some(&[][..]) {
        return Err(err(
            lines.len() + 1,
            "the last line has no newline (truncated input?)",
        ));
    }
    let mut p = Parser { lines, i: 0 };
    let mut out: Vec<FileChange> = Vec::new();
    while let Some(line) = p.peek() {
        if !line.starts_with(b"diff --git ") {
            return Err(err(p.i + 1, not_a_file_start(line, out.is_empty())));
        }
        let f = p.file()?;
        // git shows a type change (file <-> symlink <-> gitlink) as a deletion
        // and an addition of the same path, in that order: one change.
        let merge = out.last().and_then(|last| {
            let types = last.old_mode.as_deref().zip(f.new_mode.as_deref());
            (last.change == ChangeKind::Deleted
                && f.change == ChangeKind::Added
                && last.path == f.path
                && types.is_some_and(|(a, b)| type_differs(a, b)))
            .then(|| last.clone())
        });
        match merge {
            Some(gone) => {
                let tc = FileChange {
                    change: ChangeKind::TypeChanged,
                    old_mode: gone.old_mode,
                    binary: gone.binary || f.binary,
                    ..f
                };
                out.pop();
                out.push(tc);
            }
            None => out.push(f),
        }
    }
    Ok(out)
}

fn not_a_file_start(line: &[u8], first: bool) -> String {
    let before = if first {
        "before the first `diff --git`"
    } else {
        "where the next `diff --git` or the end was expected"
    };
    format!(
        "unexpected line {} {before}{}",
        show(line),
        hint(line, first)
    )
}

/// What a misplaced line probably is, as `: ...`, or nothing.
pub(super) fn hint(line: &[u8], first: bool) -> &'static str {
    if line.starts_with(b"diff --cc ") || line.starts_with(b"diff --combined ") {
        ": a combined (merge) diff; diff two trees instead"
    } else if line.starts_with(b"Submodule ") {
        ": diff.submodule=log output; use --submodule=short"
    } else if first && line.starts_with(b"From ") {
        ": a mail header (format-patch); give only the diff"
    } else if line.starts_with(b"\x1b[") {
        ": colored output; run git diff with --no-color"
    } else if first && line.windows(3).any(|w| w == b" | ") {
        ": --stat output; give only the patch"
    } else if first && (line.starts_with(b"--- ") || line.starts_with(b"diff ")) {
        ": not a git diff (no `diff --git` line)"
    } else if line == b"-- " || line == b"--" {
        ": a mail signature after the diff (format-patch); give only the diff"
    } else {
        ""
    }
}

pub(super) struct Parser<'a> {
    pub(super) lines: Vec<&'a [u8]>,
    /// The next line (0-based).
    pub(super) i: usize,
}

/// The extended header lines of one file, as read.
#[derive(Default)]
struct Header {
    old_mode: Option<&'static str>,
    new_mode: Option<&'static str>,
    deleted_file_mode: Option<&'static str>,
    new_file_mode: Option<&'static str>,
    rename_from: Option<Vec<u8>>,
    rename_to: Option<Vec<u8>>,
    copy_from: Option<Vec<u8>>,
    copy_to: Option<Vec<u8>>,
    similarity: Option<u8>,
    dissimilarity: Option<u8>,
    /// Object ids differ; and the mode, when both sides have it.
    index: Option<Option<&'static str>>,
    any: bool,
}

impl Header {
    fn take(&mut self, line: &[u8]) -> Result<(), String> {
        fn set<T>(slot: &mut Option<T>, v: T, name: &str) -> Result<(), String> {
            if slot.replace(v).is_some() {
                return Err(format!("a second `{name}` line"));
            }
            Ok(())
        }
        let pick = |prefix: &str| line.strip_prefix(prefix.as_bytes());
        self.any = true;
        if let Some(m) = pick("old mode ") {
            set(&mut self.old_mode, mode(m)?, "old mode")
        } else if let Some(m) = pick("new mode ") {
            set(&mut self.new_mode, mode(m)?, "new mode")
        } else if let Some(m) = pick("deleted file mode ") {
            set(&mut self.deleted_file_mode, mode(m)?, "deleted file mode")
        } else if let Some(m) = pick("new file mode ") {
            set(&mut self.new_file_mode, mode(m)?, "new file mode")
        } else if let Some(p) = pick("rename from ") {
            set(&mut self.rename_from, path(p)?, "rename from")
        } else if let Some(p) = pick("rename to ") {
            set(&mut self.rename_to, path(p)?, "rename to")
        } else if let Some(p) = pick("copy from ") {
            set(&mut self.copy_from, path(p)?, "copy from")
        } else if let Some(p) = pick("copy to ") {
            set(&mut self.copy_to, path(p)?, "copy to")
        } else if let Some(s) = pick("similarity index ") {
            set(&mut self.similarity, percent(s)?, "similarity index")
        } else if let Some(s) = pick("dissimilarity index ") {
            set(&mut self.dissimilarity, percent(s)?, "dissimilarity index")
        } else if let Some(s) = pick("index ") {
            set(&mut self.index, index(s)?, "index")
        } else if line.starts_with(b"@@ ") {
            Err("a hunk without `---` and `+++` lines before it".into())
        } else {
            Err(format!("unknown header line {}", show(line)))
        }
    }
}

/// A rename or copy, from its headers.
struct Moved {
    from: Vec<u8>,
    to: Vec<u8>,
    kind: ChangeKind,
}

impl Header {
    /// Checks that the headers fit together; returns a rename or copy.
    fn check(&mut self) -> Result<Option<Moved>, &'static str> {
        let is_new = self.new_file_mode.is_some();
        let is_deleted = self.deleted_file_mode.is_some();
        if is_new && is_deleted {
            return Err("both `new file mode` and `deleted file mode`");
        }
        if self.old_mode.is_some() != self.new_mode.is_some() {
            return Err("`old mode` and `new mode` come together");
        }
        if (is_new || is_deleted) && self.old_mode.is_some() {
            return Err("`old mode`/`new mode` with a new or deleted file");
        }
        let moved = match (
            self.rename_from.take(),
            self.rename_to.take(),
            self.copy_from.take(),
            self.copy_to.take(),
        ) {
            (None, None, None, None) => None,
            (Some(from), Some(to), None, None) => Some(Moved {
                from,
                to,
                kind: ChangeKind::Renamed,
            }),
            (None, None, Some(from), Some(to)) => Some(Moved {
                from,
                to,
                kind: ChangeKind::Copied,
            }),
            (Some(_), None, None, None) | (None, Some(_), None, None) => {
                return Err("`rename from` and `rename to` come together")
            }
            (None, None, _, _) => return Err("`copy from` and `copy to` come together"),
            _ => return Err("both rename and copy headers"),
        };
        if moved.is_some() && (is_new || is_deleted) {
            return Err("a rename or copy of a new or deleted file");
        }
        if self.similarity.is_some() && moved.is_none() {
            return Err("`similarity index` without a rename or copy");
        }
        if moved.as_ref().is_some_and(|m| m.from == m.to) {
            return Err("a rename or copy onto itself");
        }
        Ok(moved)
    }
}

/// `86%`, as in `similarity index 86%`.
fn percent(s: &[u8]) -> Result<u8, String> {
    let v = s
        .strip_suffix(b"%")
        .filter(|d| (1..=3).contains(&d.len()) && d.iter().all(u8::is_ascii_digit));
    let v = v
        .and_then(|d| std::str::from_utf8(d).ok()?.parse::<u8>().ok())
        .filter(|&v| v <= 100);
    v.ok_or_else(|| format!("{} is not a percentage", show(s)))
}

/// `abc1234..def5678` and maybe ` 100644`.
fn index(s: &[u8]) -> Result<Option<&'static str>, String> {
    let (ids, m) = match s.iter().position(|&b| b == b' ') {
        Some(sp) => (&s[..sp], Some(mode(&s[sp + 1..])?)),
        None => (s, None),
    };
    let pair = ids
        .windows(2)
        .position(|w| w == b"..")
        .map(|d| (&ids[..d], &ids[d + 2..]));
    match pair {
        Some((a, b)) if is_hex_id(a) && is_hex_id(b) => Ok(m),
        _ => Err(format!(
            "`index` line {} is not `index OLD..NEW [MODE]`",
            show(s)
        )),
    }
}

/// What follows the headers.
enum Body {
    None,
    Hunks { symlink_target: Option<Vec<u8>> },
    Binary,
}

impl<'a> Parser<'a> {
    pub(super) fn peek(&self) -> Option<&'a [u8]> {
        self.lines.get(self.i).copied()
    }

    /// The next line, which must not end in a carriage return (headers
    /// never do: git quotes a `\r` in a path).
    pub(super) fn header_line(&self) -> Result<Option<&'a [u8]>, DiffError> {
        match self.peek() {
            Some(l) if l.ends_with(b"\r") => Err(err(
                self.i + 1,
                "a header line ends in a carriage return (was the diff saved with CRLF line endings?)",
            )),
            l => Ok(l),
        }
    }

    fn file(&mut self) -> Result<FileChange, DiffError> {
        let git_at = self.i + 1;
        let git_line = self.header_line()?.unwrap_or_default();
        let names = GitLine(git_line.get(b"diff --git ".len()..).unwrap_or_default());
        self.i += 1;
        let mut h = Header::default();
        while let Some(line) = self.header_line()? {
            if line.starts_with(b"diff --git ")
                || line.starts_with(b"--- ")
                || line.starts_with(b"Binary files ")
                || line == b"GIT binary patch"
            {
                break;
            }
            h.take(line).map_err(|w| err(self.i + 1, w))?;
            self.i += 1;
        }
        let at_git = |w: &str| err(git_at, w);
        let moved = h.check().map_err(at_git)?;
        let is_new = h.new_file_mode.is_some();
        let is_deleted = h.deleted_file_mode.is_some();
        let (old, new, prefixes, kind) = match moved {
            Some(Moved { from, to, kind }) => {
                let Some(pre) = names.fits(&from, &to) else {
                    return Err(at_git(&format!(
                        "the `diff --git` line does not name {} and {} from the rename or copy headers",
                        show(&from),
                        show(&to)
                    )));
                };
                (from, to, pre, Some(kind))
            }
            None => {
                let Some((name, pre)) = names.same_name() else {
                    return Err(at_git(&format!(
                        "cannot read the `diff --git` line {} as `a/PATH b/PATH` (for diff.noprefix \
                         or custom prefixes, run git diff with --default-prefix)",
                        show(git_line)
                    )));
                };
                (name.clone(), name, pre, None)
            }
        };
        let old_side = (!is_new).then(|| [prefixes.0, &old].concat());
        let new_side = (!is_deleted).then(|| [prefixes.1, &new].concat());
        let new_mode_now = h.new_file_mode.or(h.new_mode).or(h.index.flatten());
        let body = self.body(&old_side, &new_side, new_mode_now == Some("120000"))?;
        if !h.any && matches!(body, Body::None) {
            return Err(at_git(
                "a `diff --git` line with no header or change after it",
            ));
        }
        let mut old_mode = h.deleted_file_mode.or(h.old_mode);
        let mut new_mode = h.new_file_mode.or(h.new_mode);
        if let Some(Some(m)) = h.index {
            let clash = |side: Option<&str>| side.is_some_and(|s| s != m);
            if clash(old_mode) || clash(new_mode) {
                return Err(at_git(
                    "the `index` line's mode contradicts the mode headers",
                ));
            }
            if !is_new {
                old_mode = Some(m);
            }
            if !is_deleted {
                new_mode = Some(m);
            }
        }
        let content = h.index.is_some() || !matches!(body, Body::None);
        let change = match (kind, old_mode.zip(new_mode)) {
            (Some(k), _) => k,
            _ if is_new => ChangeKind::Added,
            _ if is_deleted => ChangeKind::Deleted,
            (None, Some((a, b))) if type_differs(a, b) => ChangeKind::TypeChanged,
            (None, Some((a, b))) if a != b && !content => ChangeKind::ModeChanged,
            _ => ChangeKind::Modified,
        };
        let binary = matches!(body, Body::Binary);
        let symlink_target = match body {
            Body::Hunks { symlink_target } => symlink_target,
            _ => None,
        };
        Ok(FileChange {
            path: new,
            change,
            old_path: kind.map(|_| old),
            old_mode: old_mode.map(str::to_string),
            new_mode: new_mode.map(str::to_string),
            binary,
            symlink_target,
        })
    }

    /// `---`/`+++` and hunks, `Binary files ... differ`, `GIT binary patch`,
    /// or nothing; then the next `diff --git` or the end must follow.
    fn body(
        &mut self,
        old: &Option<Vec<u8>>,
        new: &Option<Vec<u8>>,
        symlink: bool,
    ) -> Result<Body, DiffError> {
        let Some(line) = self.peek() else {
            return Ok(Body::None);
        };
        let at = self.i + 1;
        let body = if let Some(tok) = line.strip_prefix(b"--- ") {
            let check =
                |tok: &[u8], want: &Option<Vec<u8>>, which: &str, at: usize| match label(tok) {
                    Ok(got) if got == *want => Ok(()),
                    Ok(_) => Err(err(
                        at,
                        format!("the `{which}` path does not match the `diff --git` line"),
                    )),
                    Err(w) => Err(err(at, format!("`{which}` line: {w}"))),
                };
            check(tok, old, "---", at)?;
            self.i += 1;
            let plus = self.header_line()?.and_then(|l| l.strip_prefix(b"+++ "));
            let Some(tok) = plus else {
                return Err(err(at + 1, "a `---` line must be followed by a `+++` line"));
            };
            check(tok, new, "+++", at + 1)?;
            self.i += 1;
            let symlink_target = self.hunks(symlink)?;
            return Ok(Body::Hunks { symlink_target });
        } else if let Some(rest) = line.strip_prefix(b"Binary files ") {
            let sides = rest.strip_suffix(b" differ").unwrap_or_default();
            let fits = binary_names_fit(sides, old, new);
            if !fits {
                return Err(err(
                    at,
                    "`Binary files A and B differ` does not name the `diff --git` paths",
                ));
            }
            self.i += 1;
            Body::Binary
        } else if line == b"GIT binary patch" {
            self.i += 1;
            self.binary_patch()?;
            Body::Binary
        } else {
            Body::None
        };
        match self.peek() {
            Some(l) if !l.starts_with(b"diff --git ") => Err(err(
                self.i + 1,
                format!(
                    "unexpected line {} after the file's change{}",
                    show(l),
                    hint(l, false)
                ),
            )),
            _ => Ok(body),
        }
    }
}
