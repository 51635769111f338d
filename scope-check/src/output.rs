//! Writing a scope report: byte for byte what `muster_shared::io::to_json`
//! writes, but with the `files` and `violations` entries serialized on every
//! core (a report of a million files is a couple of hundred MB of JSON).

use muster_shared::io::to_json;
use muster_shared::schema::ScopeReport;
use serde::Serialize;

/// Below this many files the plain writer is used.
const PARALLEL_FROM: usize = 50_000;

/// The report as JSON: pretty (two spaces) or compact, trailing newline.
pub fn report_json(report: &ScopeReport, compact: bool) -> Vec<u8> {
    if report.files.len() < PARALLEL_FROM {
        return to_json(report, compact);
    }
    // The envelope with empty lists, then the lists' entries spliced in.
    let mut head = report.clone();
    head.files = Vec::new();
    head.violations = Vec::new();
    let envelope = to_json(&head, compact);
    let files = entries(&report.files, compact);
    let violations = entries(&report.violations, compact);
    let (files_at, violations_at) = if compact {
        (b"\"files\":[]".as_slice(), b"\"violations\":[]".as_slice())
    } else {
        (
            b"\"files\": []".as_slice(),
            b"\"violations\": []".as_slice(),
        )
    };
    let mut out = Vec::with_capacity(envelope.len() + files.len() + violations.len());
    let mut rest = &envelope[..];
    for (key, body) in [(files_at, &files), (violations_at, &violations)] {
        let at = find(rest, key).unwrap_or(rest.len());
        let open = at + key.len() - 1; // just before `]`
        out.extend_from_slice(&rest[..open]);
        if !body.is_empty() {
            out.extend_from_slice(body);
            if !compact {
                out.extend_from_slice(b"\n  ");
            }
        }
        rest = &rest[open..];
    }
    out.extend_from_slice(rest);
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The entries of a list as they appear between its brackets.
fn entries<T: Serialize + Sync>(items: &[T], compact: bool) -> Vec<u8> {
    if items.is_empty() {
        return Vec::new();
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(16);
    let per = items.len().div_ceil(threads);
    let parts: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(per)
            .map(|part| s.spawn(move || chunk(part, compact)))
            .collect();
        handles
            .into_iter()
            .zip(items.chunks(per))
            .map(|(h, part)| h.join().unwrap_or_else(|_| chunk(part, compact)))
            .collect()
    });
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum::<usize>() + 4);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(p);
    }
    out
}

/// Entries joined by commas; pretty ones on their own lines, indented four.
fn chunk<T: Serialize>(items: &[T], compact: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.len() * 200);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let mut one = to_json(item, compact);
        one.pop(); // its newline
        if compact {
            out.extend_from_slice(&one);
        } else {
            for line in one.split(|&b| b == b'\n') {
                out.extend_from_slice(b"\n    ");
                out.extend_from_slice(line);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use muster_shared::diff::ChangeKind;
    use muster_shared::schema::{ScopedFile, Violation};
    use muster_shared::Status;

    fn report(n: usize, violations: usize) -> ScopeReport {
        ScopeReport {
            schema: "muster.scope-report/v1".into(),
            status: if violations > 0 {
                Status::Blocked
            } else {
                Status::Pass
            },
            allow: vec!["src/".into(), "é \"q\"".into()],
            deny: vec![],
            files: (0..n)
                .map(|i| ScopedFile {
                    path: format!("src/f{i}\n\"x\"é"),
                    change: ChangeKind::Modified,
                    old_path: (i % 3 == 0).then(|| "old".into()),
                    mode: Some("100644".into()),
                    binary: i % 2 == 0,
                    allowed: i >= violations,
                    decided_by: Some("allow 'src/'".into()),
                })
                .collect(),
            violations: (0..violations)
                .map(|i| Violation {
                    path: format!("src/f{i}"),
                    change: ChangeKind::Added,
                    reason: "r".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn same_bytes_as_the_plain_writer() {
        for (n, v) in [
            (PARALLEL_FROM, 0),
            (PARALLEL_FROM + 7, 3),
            (PARALLEL_FROM * 2 + 1, PARALLEL_FROM),
        ] {
            let r = report(n, v);
            for compact in [false, true] {
                assert!(
                    report_json(&r, compact) == to_json(&r, compact),
                    "{n} files, {v} violations, compact {compact}"
                );
            }
        }
        let small = report(3, 1);
        assert_eq!(report_json(&small, false), to_json(&small, false));
    }
}
