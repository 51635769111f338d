//! Writing a scope report: byte for byte what `muster_shared::io::to_json`
//! writes for a [`ScopeReport`], but written straight from the files and
//! their verdicts, with no report struct in between, and on every core (a
//! report of a million files is a couple of hundred MB of JSON). Strings go
//! through serde_json's own escaping.

use crate::input::{Files, Item};
use crate::policy::{Scope, Verdict};
use muster_shared::io::to_json;
use muster_shared::schema::ScopeReport;
use muster_shared::Status;
use std::borrow::Cow;

/// Below this many files one thread writes them all.
const PARALLEL_FROM: usize = 50_000;

/// PASS when every file is allowed, else BLOCKED.
pub fn status(verdicts: &[Verdict]) -> Status {
    if verdicts.iter().all(Verdict::allowed) {
        Status::Pass
    } else {
        Status::Blocked
    }
}

/// The report as JSON (pretty, two spaces, or compact; trailing newline), in
/// pieces to be written one after another.
pub fn report_json(
    files: &Files<'_>,
    verdicts: &[Verdict],
    scope: &Scope,
    compact: bool,
) -> Vec<Vec<u8>> {
    let parts = muster_shared::par::map_chunks(files.len(), PARALLEL_FROM, |range| {
        let mut listed = Vec::with_capacity(range.len() * 200);
        let mut violations = Vec::new();
        for i in range {
            let (item, v) = (files.get(i), &verdicts[i]);
            file_entry(&mut listed, item, v, scope, compact);
            if let Some(reason) = scope.reason(v) {
                violation_entry(&mut violations, item, reason, compact);
            }
        }
        (listed, violations)
    });
    let (listed, violations): (Vec<Vec<u8>>, Vec<Vec<u8>>) = parts.into_iter().unzip();

    // The envelope with empty lists, cut where the entries go.
    let head = ScopeReport {
        schema: "muster.scope-report/v1".into(),
        status: status(verdicts),
        allow: scope.allow(),
        deny: scope.deny(),
        files: Vec::new(),
        violations: Vec::new(),
    };
    let envelope = to_json(&head, compact);
    let keys: [&[u8]; 2] = if compact {
        [b"\"files\":[]", b"\"violations\":[]"]
    } else {
        [b"\"files\": []", b"\"violations\": []"]
    };
    let mut out = Vec::new();
    let mut rest = &envelope[..];
    for (key, list) in keys.into_iter().zip([listed, violations]) {
        let at = find(rest, key).unwrap_or(rest.len());
        let close = (at + key.len()).saturating_sub(1).min(rest.len()); // at `]`
        out.push(rest[..close].to_vec());
        let mut any = false;
        for piece in list.into_iter().filter(|p| !p.is_empty()) {
            if any {
                out.push(b",".to_vec());
            }
            any = true;
            out.push(piece);
        }
        if any && !compact {
            out.push(b"\n  ".to_vec());
        }
        rest = &rest[close..];
    }
    out.push(rest.to_vec());
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// One entry of `files`, after a comma unless it is the first in `out`.
fn file_entry(out: &mut Vec<u8>, f: Item<'_>, v: &Verdict, scope: &Scope, compact: bool) {
    let mut e = Entry::open(out, compact);
    e.string("path", Some(&text(f.path)));
    e.string("change", Some(f.change.as_str()));
    e.string("old_path", f.old_path.map(text).as_deref());
    e.string("mode", f.mode);
    e.boolean("binary", f.binary);
    e.boolean("allowed", v.allowed());
    e.string("decided_by", scope.decided_by(v));
    e.close();
}

/// One entry of `violations`, after a comma unless it is the first in `out`.
fn violation_entry(out: &mut Vec<u8>, f: Item<'_>, reason: &str, compact: bool) {
    let mut e = Entry::open(out, compact);
    e.string("path", Some(&text(f.path)));
    e.string("change", Some(f.change.as_str()));
    e.string("reason", Some(reason));
    e.close();
}

/// A JSON object in a list's entries, laid out as serde_json lays it out at
/// that depth: compact, or pretty with the object indented four spaces and
/// its members six.
struct Entry<'o> {
    out: &'o mut Vec<u8>,
    compact: bool,
    first: bool,
}

impl<'o> Entry<'o> {
    fn open(out: &'o mut Vec<u8>, compact: bool) -> Entry<'o> {
        if !out.is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(if compact { b"{" } else { b"\n    {" });
        Entry {
            out,
            compact,
            first: true,
        }
    }

    fn key(&mut self, name: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        if !self.compact {
            self.out.extend_from_slice(b"\n      ");
        }
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes()); // names are plain ASCII
        self.out
            .extend_from_slice(if self.compact { b"\":" } else { b"\": " });
    }

    fn string(&mut self, name: &str, value: Option<&str>) {
        self.key(name);
        match value {
            // Writing a str into a Vec cannot fail.
            Some(s) => serde_json::to_writer(&mut *self.out, s).unwrap_or(()),
            None => self.out.extend_from_slice(b"null"),
        }
    }

    fn boolean(&mut self, name: &str, value: bool) {
        self.key(name);
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    fn close(self) {
        self.out
            .extend_from_slice(if self.compact { b"}" } else { b"\n    }" });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use muster_shared::diff::{ChangeKind, FileChange};
    use muster_shared::schema::{ScopedFile, Violation};

    /// The report as the schema's structs, written by serde: the reference.
    fn reference(files: &Files<'_>, verdicts: &[Verdict], scope: &Scope) -> ScopeReport {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let mut report = ScopeReport {
            schema: "muster.scope-report/v1".into(),
            status: status(verdicts),
            allow: scope.allow(),
            deny: scope.deny(),
            files: Vec::new(),
            violations: Vec::new(),
        };
        for (i, v) in verdicts.iter().enumerate() {
            let f = files.get(i);
            report.files.push(ScopedFile {
                path: text(f.path),
                change: f.change,
                old_path: f.old_path.map(text),
                mode: f.mode.map(str::to_string),
                binary: f.binary,
                allowed: v.allowed(),
                decided_by: scope.decided_by(v).map(str::to_string),
            });
            if let Some(reason) = scope.reason(v) {
                report.violations.push(Violation {
                    path: text(f.path),
                    change: f.change,
                    reason: reason.into(),
                });
            }
        }
        report
    }

    fn changes(n: usize) -> Files<'static> {
        let kinds = [
            ChangeKind::Added,
            ChangeKind::Modified,
            ChangeKind::Renamed,
            ChangeKind::ModeChanged,
        ];
        Files::Changes(
            (0..n)
                .map(|i| {
                    let dir = ["src", "lib", "src/secret", ".github/workflows"][i % 4];
                    let mut path = format!("{dir}/f{i}\n\"x\"é\t\u{1}").into_bytes();
                    if i % 5 == 0 {
                        path.push(0xff); // not UTF-8
                    }
                    FileChange {
                        path,
                        change: kinds[i % 4],
                        old_path: (i % 4 == 2).then(|| b"src/old\\".to_vec()),
                        old_mode: None,
                        new_mode: (i % 3 != 0).then(|| "100644".into()),
                        binary: i % 2 == 0,
                        symlink_target: None,
                    }
                })
                .collect(),
        )
    }

    #[test]
    fn same_bytes_as_serde_writing_the_report() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let scopes = [
            Scope::new(
                &s(&["src/", "é \"q\""]),
                &s(&["src/secret/"]),
                &s(&[".github/workflows/"]),
                false,
            ),
            Scope::new(&s(&["**"]), &[], &[], false),
        ];
        for scope in scopes.iter().map(|s| s.as_ref().unwrap()) {
            for n in [0, 1, 3, PARALLEL_FROM + 7] {
                let files = changes(n);
                let verdicts = crate::check::check(&files, scope);
                let want = reference(&files, &verdicts, scope);
                for compact in [false, true] {
                    let got = report_json(&files, &verdicts, scope, compact).concat();
                    assert!(
                        got == to_json(&want, compact),
                        "{n} files, compact {compact}:\n{}",
                        String::from_utf8_lossy(&got[..got.len().min(2000)])
                    );
                }
            }
        }
    }
}
