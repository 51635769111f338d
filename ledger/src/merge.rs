//! `muster-ledger merge SRC...`: fold ledgers written by parallel CI jobs into
//! one target ledger (created if missing), each event once, keeping its origin.
//!
//! # Contract
//!
//! - **Ids.** A ledger's id is the hash of its first event. An empty source
//!   has no id and contributes nothing.
//! - **Sources are checked first.** Each source is read (under a shared lock)
//!   and verified like `muster-ledger verify`; a source that does not verify
//!   is BLOCKED (exit 2) naming the source, the line and the problem, and
//!   nothing is written. A source that is the target file itself (same
//!   canonical path, or on Unix the same inode) is an error (exit 1).
//! - **Origins.** A source event's origin is the event's own `origin` when it
//!   has one (it was merged before: the deepest origin is kept), else
//!   `{ledger: <source id>, seq, hash}` of the event in the source.
//! - **Each origin once.** Under the target's writer lock, the origins of the
//!   target's events are collected (a target line that is not an event is
//!   BLOCKED). A source event whose origin `(ledger, seq)` is already in the
//!   target with the same `hash` is skipped; with another hash the source is
//!   a *fork* of something merged before (same ledger, different history):
//!   BLOCKED, naming the source, the seq and both hashes, and nothing is
//!   written. The same origin among the sources themselves is taken once; with
//!   different hashes it is a fork too (BLOCKED).
//! - **Order.** New events are appended sorted by `ts_utc` (as a time; ties,
//!   and times that do not parse, which go last, by the string), then
//!   `event_type`, then origin ledger, then origin seq. For an event that was
//!   not merged before, the origin ledger and seq are its source's id and its
//!   seq there; using the origin (not the source that brought the event)
//!   makes the result independent of the order and nesting of the sources.
//!   Each event gets a new `seq`, `prev_hash` and `hash` and keeps every other
//!   field as it was (`ts_utc`, `run_id`, `event_type`, `task_id`, `actor`,
//!   `payload`, `idempotency_key`) plus its `origin`.
//! - **One `ledger.merged` event** follows them, in the same write: run_id
//!   `global`, actor `muster-ledger`, task_id null, `ts_utc` the merge time
//!   (`--now`), origin and idempotency_key null, payload
//!   `{"sources":[{"ledger": id, "head": hash, "size": n}, ...]}` for every
//!   non-empty source, sorted by ledger id (then size, then head; exact
//!   repeats listed once).
//! - **Nothing new, nothing written.** When every source event is already in
//!   the target (or every source is empty), nothing is written, not even
//!   `ledger.merged`, and the report says `appended: 0`. Merging the same
//!   sources again therefore leaves the target byte for byte as it was.
//! - **Idempotency keys.** Merged events keep theirs, and append's
//!   idempotency check is *not* applied to them: origins already deduplicate,
//!   and two jobs may legitimately have used the same key. A target can so
//!   hold one key on several events; `append` compares new events with the
//!   first of them.
//!
//! Only the target's explicit `origin`s count as "already merged": an event
//! appended to the target directly (including its own `ledger.merged` events)
//! is not recognised when a copy of it comes back through another ledger.
//!
//! # Wire format
//!
//! ```text
//! {
//!   "schema": "muster.merge/v1",
//!   "status": "PASS",
//!   "sources": [
//!     {"path": "job1/ledger.jsonl", "ledger": "5c0e…", "size": 12, "head": "9a41…", "taken": 12},
//!     {"path": "job2/empty.jsonl", "ledger": null, "size": 0, "head": "0000…", "taken": 0}
//!   ],
//!   "appended": 13,
//!   "size": 13,
//!   "head": "e7d2…"
//! }
//! ```
//!
//! ```
//! # fn main() -> anyhow::Result<()> {
//! use muster_ledger::{append, merge};
//! let dir = tempfile::tempdir()?;
//! let now: jiff::Timestamp = "2026-11-21T08:00:00Z".parse()?;
//! let job = dir.path().join("job1.jsonl");
//! let ev = append::parse_inputs(br#"{"run_id":"r1","event_type":"task.finished","task_id":"T1"}"#, "-")?;
//! append::append(&job, &ev, now)?;
//! let all = dir.path().join("all.jsonl");
//! let report = merge::merge(&all, &[job.clone()], now)?;
//! assert_eq!((report.appended, report.size), (2, 2)); // the event and ledger.merged
//! assert_eq!(merge::merge(&all, &[job], now)?.appended, 0); // already there
//! # Ok(())
//! # }
//! ```

use crate::store;
use crate::verify::{self, Expect};
use crate::writer::Locked;
use anyhow::{bail, Context, Result};
use muster_shared::schema::{Event, Origin};
use muster_shared::{time, Blocked, Status};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What merge did.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MergeReport {
    /// Always `muster.merge/v1`.
    pub schema: &'static str,
    /// PASS.
    pub status: &'static str,
    /// Each source, in the order given.
    pub sources: Vec<SourceReport>,
    /// Lines written to the target: the new events plus `ledger.merged`, or 0.
    pub appended: u64,
    /// Events in the target now.
    pub size: u64,
    /// The target's last hash now.
    pub head: String,
}

/// One source of a merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SourceReport {
    /// The path as given.
    pub path: String,
    /// The source's id (the hash of its first event); null when it is empty.
    pub ledger: Option<String>,
    /// Events in the source.
    pub size: u64,
    /// The source's last hash (64 zeros when empty).
    pub head: String,
    /// New events taken from this source (an event found in several sources
    /// counts for the first that has it).
    pub taken: u64,
}

/// A source ledger, read and verified.
struct Source {
    path: String,
    id: Option<String>,
    head: String,
    events: Vec<Event>,
}

/// Where an origin was found first among the sources: its hash, and the
/// place to name in a fork.
struct Seen {
    hash: String,
    /// Index of the source.
    source: usize,
    /// The event's seq in that source.
    seq: u64,
}

/// A new event picked for the target.
struct Pick<'a> {
    ts: Option<jiff::Timestamp>,
    event: &'a Event,
    origin: Origin,
}

/// Merges `sources` into the ledger at `target`.
pub fn merge(target: &Path, sources: &[PathBuf], now: jiff::Timestamp) -> Result<MergeReport> {
    let mut read = Vec::with_capacity(sources.len());
    for path in sources {
        let source = read_source(path)?;
        if same_file(path, target) {
            bail!(
                "source {} is the target ledger {}; merge other ledgers into it",
                path.display(),
                target.display()
            );
        }
        read.push(source);
    }
    // Sources against each other first: a fork among them writes nothing.
    let candidates = dedup_sources(&read)?;

    let mut ledger = Locked::open(target)?;
    let head = ledger.head()?;
    let present = target_origins(target, &ledger.read_all()?)?;
    let mut picks = Vec::with_capacity(candidates.len());
    let mut taken = vec![0u64; read.len()];
    for (i, pick) in candidates {
        let o = &pick.origin;
        if let Some((hash, seq)) = present.get(&(o.ledger.clone(), o.seq)) {
            if *hash == o.hash {
                continue;
            }
            return Err(Blocked(format!(
                "source {}: seq {}: fork: event {} of ledger {} has hash {} here, but {} in {} (seq {}), \
                 merged before (same ledger, different history); nothing was written",
                read[i].path,
                pick.event.seq,
                o.seq,
                o.ledger,
                o.hash,
                hash,
                target.display(),
                seq
            ))
            .into());
        }
        taken[i] += 1;
        picks.push(pick);
    }
    let reports: Vec<SourceReport> = read
        .iter()
        .zip(&taken)
        .map(|(s, &taken)| SourceReport {
            path: s.path.clone(),
            ledger: s.id.clone(),
            size: s.events.len() as u64,
            head: s.head.clone(),
            taken,
        })
        .collect();
    if picks.is_empty() {
        return Ok(MergeReport {
            schema: "muster.merge/v1",
            status: "PASS",
            sources: reports,
            appended: 0,
            size: head.size,
            head: head.hash,
        });
    }

    picks.sort_by(order);
    let mut drafts: Vec<Map<String, Value>> = picks.iter().map(draft).collect::<Result<_>>()?;
    drafts.push(merged_event(&reports, now));
    let appended = drafts.len() as u64;
    let after = ledger.write(&head, drafts)?;
    Ok(MergeReport {
        schema: "muster.merge/v1",
        status: "PASS",
        sources: reports,
        appended,
        size: after.size,
        head: after.hash,
    })
}

/// Reads and verifies one source; a source that does not verify is BLOCKED.
fn read_source(path: &Path) -> Result<Source> {
    let name = path.display().to_string();
    let bytes = store::read_all(path)?;
    let report = verify::verify_bytes(&name, &bytes, &Expect::default());
    if report.status != Status::Pass {
        let problem = report.problem.map_or_else(
            || "does not verify".to_string(),
            |p| match p.line {
                0 => p.what,
                n => format!("line {n}: {}", p.what),
            },
        );
        return Err(Blocked(format!("source {name}: {problem}; nothing was written")).into());
    }
    let lines = store::split_lines(&bytes);
    let mut events = Vec::with_capacity(lines.whole.len());
    for (i, r) in lines.whole.iter().enumerate() {
        let ev: Event = serde_json::from_slice(&bytes[r.clone()]).map_err(|e| {
            Blocked(format!(
                "source {name}: line {}: not an event: {e}; nothing was written",
                i + 1
            ))
        })?;
        events.push(ev);
    }
    Ok(Source {
        id: events.first().map(|e| e.hash.clone()),
        path: name,
        head: report.head,
        events,
    })
}

/// The event's deepest origin: its own when it was merged before, else itself
/// in the source `id`.
fn origin_of(ev: &Event, id: &str) -> Origin {
    ev.origin.clone().unwrap_or_else(|| Origin {
        ledger: id.to_string(),
        seq: ev.seq,
        hash: ev.hash.clone(),
    })
}

/// Every source event with its origin, each origin once (first source wins);
/// the same origin with different hashes is a fork, BLOCKED.
fn dedup_sources(sources: &[Source]) -> Result<Vec<(usize, Pick<'_>)>> {
    let mut seen: BTreeMap<(String, u64), Seen> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        let Some(id) = &s.id else { continue };
        for ev in &s.events {
            let origin = origin_of(ev, id);
            let key = (origin.ledger.clone(), origin.seq);
            if let Some(first) = seen.get(&key) {
                if first.hash == origin.hash {
                    continue;
                }
                let other = &sources[first.source].path;
                return Err(Blocked(format!(
                    "source {}: seq {}: fork: event {} of ledger {} has hash {} here, but {} in source {} \
                     (seq {}) (same ledger, different history); nothing was written",
                    s.path, ev.seq, origin.seq, origin.ledger, origin.hash, first.hash, other, first.seq
                ))
                .into());
            }
            seen.insert(
                key,
                Seen {
                    hash: origin.hash.clone(),
                    source: i,
                    seq: ev.seq,
                },
            );
            out.push((
                i,
                Pick {
                    ts: time::parse_rfc3339(&ev.ts_utc).ok(),
                    event: ev,
                    origin,
                },
            ));
        }
    }
    Ok(out)
}

/// The origins already in the target: (ledger, seq) → (hash, seq in the target).
fn target_origins(path: &Path, bytes: &[u8]) -> Result<BTreeMap<(String, u64), (String, u64)>> {
    let mut out = BTreeMap::new();
    for (i, r) in store::split_lines(bytes).whole.iter().enumerate() {
        let ev: Event = serde_json::from_slice(&bytes[r.clone()]).map_err(|e| {
            Blocked(format!(
                "{}: line {}: not an event: {e}; run `muster-ledger verify`; nothing was written",
                path.display(),
                i + 1
            ))
        })?;
        if let Some(o) = ev.origin {
            out.entry((o.ledger, o.seq)).or_insert((o.hash, ev.seq));
        }
    }
    Ok(out)
}

/// The merge order: ts_utc as a time (unparsable last, ties by the string),
/// event_type, origin ledger, origin seq.
fn order(a: &Pick<'_>, b: &Pick<'_>) -> Ordering {
    a.ts.is_none()
        .cmp(&b.ts.is_none())
        .then(a.ts.cmp(&b.ts))
        .then_with(|| a.event.ts_utc.cmp(&b.event.ts_utc))
        .then_with(|| a.event.event_type.cmp(&b.event.event_type))
        .then_with(|| a.origin.ledger.cmp(&b.origin.ledger))
        .then(a.origin.seq.cmp(&b.origin.seq))
}

/// A picked event as a draft for [`Locked::write`]: every field but seq,
/// prev_hash and hash, as it was, with its origin.
fn draft(p: &Pick<'_>) -> Result<Map<String, Value>> {
    let e = p.event;
    let opt = |s: &Option<String>| s.clone().map_or(Value::Null, Value::String);
    let mut m = Map::new();
    m.insert("actor".into(), opt(&e.actor));
    m.insert("event_type".into(), Value::String(e.event_type.clone()));
    m.insert("idempotency_key".into(), opt(&e.idempotency_key));
    m.insert(
        "origin".into(),
        serde_json::to_value(&p.origin).context("writing an origin")?,
    );
    m.insert("payload".into(), e.payload.clone());
    m.insert("run_id".into(), Value::String(e.run_id.clone()));
    m.insert("task_id".into(), opt(&e.task_id));
    m.insert("ts_utc".into(), Value::String(e.ts_utc.clone()));
    Ok(m)
}

/// The `ledger.merged` event: every non-empty source's id, head and size.
fn merged_event(sources: &[SourceReport], now: jiff::Timestamp) -> Map<String, Value> {
    let heads: BTreeSet<(&str, u64, &str)> = sources
        .iter()
        .filter_map(|s| Some((s.ledger.as_deref()?, s.size, s.head.as_str())))
        .collect();
    let list: Vec<Value> = heads
        .into_iter()
        .map(|(ledger, size, head)| json!({"ledger": ledger, "head": head, "size": size}))
        .collect();
    let mut m = Map::new();
    m.insert("actor".into(), Value::String("muster-ledger".into()));
    m.insert("event_type".into(), Value::String("ledger.merged".into()));
    m.insert("idempotency_key".into(), Value::Null);
    m.insert("origin".into(), Value::Null);
    m.insert("payload".into(), json!({ "sources": list }));
    m.insert("run_id".into(), Value::String("global".into()));
    m.insert("task_id".into(), Value::Null);
    m.insert("ts_utc".into(), Value::String(time::utc_millis(now)));
    m
}

/// Whether `source` (which exists) is the file `target` (which may not yet).
fn same_file(source: &Path, target: &Path) -> bool {
    let canonical_target = target.canonicalize().ok().or_else(|| {
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty());
        let dir = parent.unwrap_or(Path::new(".")).canonicalize().ok()?;
        Some(dir.join(target.file_name()?))
    });
    if let (Ok(s), Some(t)) = (source.canonicalize(), canonical_target) {
        if s == t {
            return true;
        }
    }
    same_inode(source, target)
}

#[cfg(unix)]
fn same_inode(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_inode(_: &Path, _: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests;
