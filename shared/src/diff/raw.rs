//! `git diff --raw -z`: per file, a record field
//! `:OLDMODE NEWMODE OLDSHA NEWSHA STATUS` then the path field, or for a
//! rename or copy (`R086`, `C100`) the source and the destination fields.
//! Paths are bytes as they are (`-z` never quotes).

use super::{is_hex_id, mode, show, type_differs, ChangeKind, DiffError, FileChange, Unit};

fn err(at: usize, what: impl Into<String>) -> DiffError {
    DiffError {
        at,
        what: what.into(),
        unit: Unit::Field,
    }
}

/// One record's first field, read.
struct Record<'a> {
    old_mode: Option<&'static str>,
    new_mode: Option<&'static str>,
    old_id: &'a [u8],
    new_id: &'a [u8],
    status: u8,
}

pub(super) fn parse(bytes: &[u8]) -> Result<Vec<FileChange>, DiffError> {
    let Some(body) = bytes.strip_suffix(b"\0") else {
        if bytes.is_empty() {
            return Ok(Vec::new());
        }
        let at = 1 + bytes.iter().filter(|&&b| b == 0).count();
        return Err(err(
            at,
            "the input does not end with a NUL (truncated, or not `git diff --raw -z`?)",
        ));
    };
    let fields: Vec<&[u8]> = body.split(|&b| b == 0).collect();
    let mut out = Vec::new();
    let mut k = 0;
    while k < fields.len() {
        let at = k + 1;
        let r = record(fields[k]).map_err(|w| err(at, w))?;
        let paths = if matches!(r.status, b'R' | b'C') {
            2
        } else {
            1
        };
        let mut names = Vec::with_capacity(2);
        for n in 1..=paths {
            let Some(&p) = fields.get(k + n) else {
                let which = if paths == 2 && n == 1 {
                    "source path"
                } else {
                    "path"
                };
                return Err(err(
                    at + n,
                    format!("the record at field {at} has no {which} (truncated?)"),
                ));
            };
            if p.is_empty() {
                return Err(err(at + n, "empty path"));
            }
            names.push(p.to_vec());
        }
        k += 1 + paths;
        let path = names.pop().unwrap_or_default();
        let old_path = names.pop();
        let change = match r.status {
            b'A' => ChangeKind::Added,
            b'D' => ChangeKind::Deleted,
            b'R' => ChangeKind::Renamed,
            b'C' => ChangeKind::Copied,
            b'T' => ChangeKind::TypeChanged,
            _ => match (r.old_mode, r.new_mode) {
                (Some(o), Some(n)) if type_differs(o, n) => ChangeKind::TypeChanged,
                (Some(o), Some(n)) if o != n && r.old_id == r.new_id => ChangeKind::ModeChanged,
                _ => ChangeKind::Modified,
            },
        };
        out.push(FileChange {
            path,
            change,
            old_path,
            old_mode: r.old_mode.map(str::to_string),
            new_mode: r.new_mode.map(str::to_string),
            binary: false,
            symlink_target: None,
        });
    }
    Ok(out)
}

/// Reads `:OLDMODE NEWMODE OLDSHA NEWSHA STATUS[SCORE]`.
fn record(f: &[u8]) -> Result<Record<'_>, String> {
    if f.starts_with(b"::") {
        return Err("a combined (merge) diff record; diff two trees instead".into());
    }
    let Some(rest) = f.strip_prefix(b":") else {
        return Err(format!(
            "expected a raw record `:OLDMODE NEWMODE OLDSHA NEWSHA STATUS`, got {}",
            show(f)
        ));
    };
    if f.contains(&b'\t') || f.contains(&b'\n') {
        return Err(format!(
            "record {} holds a tab or newline: this is `git diff --raw` without -z",
            show(f)
        ));
    }
    let parts: Vec<&[u8]> = rest.split(|&b| b == b' ').collect();
    let [old_mode, new_mode, old_id, new_id, status] = parts[..] else {
        return Err(format!(
            "record {} does not have 5 space-separated parts",
            show(f)
        ));
    };
    let raw_mode = |m: &[u8], side: &str| match m {
        b"000000" => Ok(None),
        m => mode(m).map(Some).map_err(|e| format!("{side} mode: {e}")),
    };
    let old_mode = raw_mode(old_mode, "old")?;
    let new_mode = raw_mode(new_mode, "new")?;
    let id = |s: &'_ [u8], side: &str| {
        let s = s.strip_suffix(b"...").unwrap_or(s);
        if is_hex_id(s) {
            Ok(())
        } else {
            Err(format!("{side} object id {} is not hex", show(s)))
        }
    };
    id(old_id, "old")?;
    id(new_id, "new")?;
    let (&letter, score) = status.split_first().ok_or("empty status")?;
    let score_ok = score.is_empty()
        || (score.len() <= 3
            && score.iter().all(u8::is_ascii_digit)
            && std::str::from_utf8(score)
                .ok()
                .and_then(|s| s.parse::<u8>().ok())
                .is_some_and(|v| v <= 100));
    if !score_ok {
        return Err(format!(
            "status {} has a bad score (want 0 to 100)",
            show(status)
        ));
    }
    let scored = !score.is_empty();
    let (needs_old, needs_new) = match letter {
        b'A' if !scored => (false, true),
        b'D' if !scored => (true, false),
        b'T' if !scored => (true, true),
        b'M' => (true, true),
        b'R' | b'C' if scored => (true, true),
        b'R' | b'C' => return Err(format!("status {} needs a score, as in R086", show(status))),
        b'A' | b'D' | b'T' => return Err(format!("status {} takes no score", show(status))),
        b'U' => return Err("status U: an unmerged path; finish the merge first".into()),
        b'X' => return Err("status X: git could not tell the change type".into()),
        _ => {
            return Err(format!(
                "unknown status {} (want A, C, D, M, R or T)",
                show(status)
            ))
        }
    };
    if needs_old != old_mode.is_some() || needs_new != new_mode.is_some() {
        return Err(format!(
            "status {} does not fit modes {} and {}",
            show(status),
            show(parts[0]),
            show(parts[1])
        ));
    }
    Ok(Record {
        old_mode,
        new_mode,
        old_id,
        new_id,
        status: letter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn one(input: &[u8], change: ChangeKind, path: &str, old: Option<&str>) {
        let got = parse(input).unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
        let got = (got[0].change, &got[0].path[..], got[0].old_path.as_deref());
        assert_eq!(got, (change, path.as_bytes(), old.map(str::as_bytes)));
    }

    #[track_caller]
    fn bad(input: &[u8], at: usize, what: &str) {
        let e = parse(input).unwrap_err();
        let ok = e.at == at && e.unit == Unit::Field && e.what.contains(what);
        assert!(ok, "{input:?}: {e}");
    }

    const Z: &str = "0000000";

    #[test]
    #[rustfmt::skip]
    fn records() {
        one(format!(":000000 100644 {Z} e69de29 A\0new\0").as_bytes(), ChangeKind::Added, "new", None);
        one(format!(":100644 000000 e69de29 {Z} D\0gone\0").as_bytes(), ChangeKind::Deleted, "gone", None);
        one(b":100644 100644 1234567 89abcde M\0a\nb\0", ChangeKind::Modified, "a\nb", None);
        one(b":100644 100755 1234567 1234567 M\0x\0", ChangeKind::ModeChanged, "x", None);
        one(b":100644 100755 1234567 89abcde M\0x\0", ChangeKind::Modified, "x", None);
        one(b":100644 120000 1234567 89abcde T\0x\0", ChangeKind::TypeChanged, "x", None);
        one(b":100644 100644 1234567 89abcde R086\0o ld\0n\tew\0", ChangeKind::Renamed, "n\tew", Some("o ld"));
        one(b":100644 100644 1234567 1234567 C100\0src\0:dst\0", ChangeKind::Copied, ":dst", Some("src"));
        one(b":160000 160000 1234567... 89abcde... M\0sub\0", ChangeKind::Modified, "sub", None);
        one(b":100644 100644 1234567 89abcde M070\0x\0", ChangeKind::Modified, "x", None);
        assert_eq!(parse(b"").unwrap(), []);
        let two = parse(b":100644 100644 1234567 89abcde M\0a\0:100644 000000 1234567 0000000 D\0b\0").unwrap();
        assert_eq!(two.iter().map(|f| (f.change, f.new_mode.as_deref())).collect::<Vec<_>>(), [(ChangeKind::Modified, Some("100644")), (ChangeKind::Deleted, None)]);
    }

    #[test]
    #[rustfmt::skip]
    fn bad_records() {
        bad(b":100644 100644 1234567 89abcde M\0x", 2, "does not end with a NUL");
        bad(b":100644 100644 1234567 89abcde M\tx\n", 1, "does not end with a NUL");
        bad(b":100644 100644 1234567 89abcde M\tx\0", 1, "without -z");
        bad(b"x\0", 1, "expected a raw record");
        bad(b"\0", 1, "expected a raw record");
        bad(b"::100644 100644 100644 1 2 3 MM\0x\0", 1, "combined");
        bad(b":100644 100644 1234567 M\0x\0", 1, "5 space-separated");
        bad(b":100644  100644 1234567 89abcde M\0x\0", 1, "5 space-separated");
        bad(b":100645 100644 1234567 89abcde M\0x\0", 1, "old mode: \"100645\" is not a file mode");
        bad(b":040000 040000 1234567 89abcde M\0x\0", 1, "-r");
        bad(b":100644 100644 12345g7 89abcde M\0x\0", 1, "old object id");
        bad(b":100644 100644 1234567 89abcde Q\0x\0", 1, "unknown status");
        bad(b":100644 100644 1234567 89abcde \0x\0", 1, "empty status");
        bad(b":100644 100644 1234567 89abcde U\0x\0", 1, "unmerged");
        bad(b":100644 100644 1234567 89abcde X\0x\0", 1, "status X");
        bad(b":100644 100644 1234567 89abcde R\0x\0y\0", 1, "needs a score");
        bad(b":100644 100644 1234567 89abcde R101\0x\0y\0", 1, "bad score");
        bad(b":100644 100644 1234567 89abcde R1x\0x\0y\0", 1, "bad score");
        bad(b":000000 100644 1234567 89abcde A100\0x\0", 1, "takes no score");
        bad(b":100644 100644 1234567 89abcde A\0x\0", 1, "does not fit modes");
        bad(b":000000 100644 1234567 89abcde D\0x\0", 1, "does not fit modes");
        bad(b":100644 100644 1234567 89abcde R090\0x\0", 3, "no path");
        bad(b":100644 100644 1234567 89abcde R090\0", 2, "no source path");
        bad(b":100644 100644 1234567 89abcde M\0\0", 2, "empty path");
        bad(b":100644 100644 1234567 89abcde M\0x\0y\0", 3, "expected a raw record");
        bad(b":100644 100644 1234567 89abcde M\0x\0:100644 100644 1234567 89abcde M\0", 4, "no path");
    }
}
