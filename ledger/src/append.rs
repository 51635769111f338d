//! `muster-ledger append`: events in (one document or JSON Lines), sealed lines out.
//!
//! Every input is checked before the lock is taken, so bad input writes
//! nothing. Idempotency: an event whose `idempotency_key` is already in the
//! ledger with the same content (run_id, event_type, task_id, actor, payload,
//! and ts_utc when the input gives one) adds nothing; with other content it is
//! BLOCKED and nothing of the batch is written. Finding keys reads the whole
//! ledger (one memchr pass), so keyed appends cost O(ledger size); plain
//! appends read only the last line.

use crate::writer::{Head, Locked};
use anyhow::{anyhow, bail, Result};
use muster_shared::schema::{Event, EventInput};
use muster_shared::{canonical, id, time, Blocked};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// What `append` reports.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AppendReport {
    /// Always `muster.append/v1`.
    pub schema: &'static str,
    /// PASS.
    pub status: &'static str,
    /// Events written.
    pub appended: u64,
    /// Events skipped because their idempotency key and content were already there.
    pub duplicates: u64,
    /// The seq of each input event, in input order (existing seq for duplicates).
    pub seqs: Vec<u64>,
    /// Events in the ledger now.
    pub size: u64,
    /// The ledger's last hash now.
    pub head: String,
}

/// Reads one event or a stream of events (JSON Lines, or documents one after
/// another). Errors name the event's number and line.
pub fn parse_inputs(bytes: &[u8], source: &str) -> Result<Vec<EventInput>> {
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    // Line numbers are counted as we go: `line` is the line of byte `counted`.
    let (mut counted, mut line) = (0usize, 1usize);
    loop {
        let start = stream.byte_offset();
        let Some(next) = stream.next() else { break };
        let start = start
            + bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        line += memchr::memchr_iter(b'\n', &bytes[counted..start]).count();
        counted = start;
        let n = out.len() + 1;
        let at = format!("{source}: event {n} (line {line})");
        let value = next.map_err(|e| anyhow!("{source}: not JSON: {e}"))?;
        let Value::Object(obj) = &value else {
            bail!("{at}: expected an object");
        };
        for key in ["hash", "prev_hash", "seq", "origin"] {
            if obj.contains_key(key) {
                bail!("{at}: the event carries `{key}`; append sets seq, prev_hash and hash itself (and merge sets origin): remove it");
            }
        }
        let input: EventInput = serde_path_to_error::deserialize(value)
            .map_err(|e| anyhow!("{at}: {}: {}", e.path(), e.inner()))?;
        check_input(&input).map_err(|e| anyhow!("{at}: {e:#}"))?;
        if let Some(p) = &input.payload {
            canonical::to_vec(p).map_err(|e| anyhow!("{at}: payload.{e}"))?;
        }
        out.push(input);
    }
    if out.is_empty() {
        bail!("{source}: no events; expected one event object or JSON Lines of them");
    }
    Ok(out)
}

fn check_input(e: &EventInput) -> Result<()> {
    if let Some(s) = &e.schema {
        if s != "muster.event/v1" {
            bail!("schema: expected muster.event/v1, got {s}");
        }
    }
    id::check("run_id", &e.run_id)?;
    if !is_event_type(&e.event_type) {
        bail!(
            "event_type {:?} is not of the form `word.word` (lowercase, digits, _)",
            e.event_type
        );
    }
    if let Some(t) = &e.task_id {
        id::check("task_id", t)?;
    }
    if let Some(p) = &e.payload {
        if !p.is_object() {
            bail!("payload: expected an object");
        }
    }
    if let Some(k) = &e.idempotency_key {
        if k.is_empty() || k.len() > 256 {
            bail!("idempotency_key: expected 1 to 256 bytes");
        }
    }
    if let Some(ts) = &e.ts_utc {
        time::parse_rfc3339(ts).map_err(|e| anyhow!("ts_utc: {e:#}"))?;
    }
    Ok(())
}

fn is_event_type(s: &str) -> bool {
    let mut parts = 0;
    for part in s.split('.') {
        parts += 1;
        let b = part.as_bytes();
        if b.is_empty()
            || !b[0].is_ascii_lowercase()
            || !b
                .iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
        {
            return false;
        }
    }
    parts >= 2 && s.len() <= 64
}

/// The fields of an input event, ready for [`Locked::write`]: every key but
/// `seq`, `prev_hash` and `hash`; `ts_utc` normalized to UTC milliseconds.
pub fn draft(input: &EventInput, now: jiff::Timestamp) -> Result<Map<String, Value>> {
    let ts = match &input.ts_utc {
        Some(s) => time::parse_rfc3339(s)?,
        None => now,
    };
    let mut m = Map::new();
    m.insert(
        "actor".into(),
        input.actor.clone().map_or(Value::Null, Value::String),
    );
    m.insert("event_type".into(), Value::String(input.event_type.clone()));
    m.insert(
        "idempotency_key".into(),
        input
            .idempotency_key
            .clone()
            .map_or(Value::Null, Value::String),
    );
    m.insert("origin".into(), Value::Null);
    m.insert(
        "payload".into(),
        input
            .payload
            .clone()
            .unwrap_or_else(|| Value::Object(Map::new())),
    );
    m.insert("run_id".into(), Value::String(input.run_id.clone()));
    m.insert(
        "task_id".into(),
        input.task_id.clone().map_or(Value::Null, Value::String),
    );
    m.insert("ts_utc".into(), Value::String(time::utc_millis(ts)));
    Ok(m)
}

/// Appends events to the ledger at `path`, creating it when missing.
pub fn append(path: &Path, inputs: &[EventInput], now: jiff::Timestamp) -> Result<AppendReport> {
    let mut drafts = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let d = Value::Object(draft(input, now)?);
        canonical::to_vec(&d).map_err(|e| anyhow!("event {}: {e}", i + 1))?;
        if let Value::Object(d) = d {
            drafts.push(d);
        }
    }
    // Conflicts inside the batch do not depend on the ledger: refuse them
    // before the file is opened (or created).
    let mut first: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, input) in inputs.iter().enumerate() {
        if let Some(key) = input.idempotency_key.as_deref() {
            match first.get(key) {
                Some(&j) if !same_input(&inputs[j], input) => {
                    return Err(Blocked(format!(
                        "event {}: idempotency key {key:?} is also on event {} with other content; nothing was appended",
                        i + 1,
                        j + 1
                    ))
                    .into())
                }
                Some(_) => {}
                None => {
                    first.insert(key, i);
                }
            }
        }
    }
    let mut ledger = Locked::open(path)?;
    let head = ledger.head()?;
    let keyed = inputs.iter().any(|e| e.idempotency_key.is_some());
    let existing = if keyed {
        existing_keys(&ledger.read_all()?)?
    } else {
        BTreeMap::new()
    };

    // Decide, for each input, whether it is new or already there.
    let mut in_batch: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
    let mut seqs = Vec::with_capacity(inputs.len());
    let mut to_write = Vec::with_capacity(inputs.len());
    let mut next = head.size;
    for (i, (input, d)) in inputs.iter().zip(drafts).enumerate() {
        if let Some(key) = input.idempotency_key.as_deref() {
            if let Some(old) = existing.get(key) {
                if same_content(input, old) {
                    seqs.push(old.seq);
                    continue;
                }
                return Err(Blocked(format!(
                    "event {}: idempotency key {key:?} is already in the ledger at seq {} with other content; nothing was appended",
                    i + 1,
                    old.seq
                ))
                .into());
            }
            if let Some(&(j, seq)) = in_batch.get(key) {
                if same_input(&inputs[j], input) {
                    seqs.push(seq);
                    continue;
                }
                return Err(Blocked(format!(
                    "event {}: idempotency key {key:?} is also on event {} with other content; nothing was appended",
                    i + 1,
                    j + 1
                ))
                .into());
            }
            in_batch.insert(key, (i, next + 1));
        }
        next += 1;
        seqs.push(next);
        to_write.push(d);
    }
    let appended = to_write.len() as u64;
    let Head { size, hash } = ledger.write(&head, to_write)?;
    Ok(AppendReport {
        schema: "muster.append/v1",
        status: "PASS",
        appended,
        duplicates: inputs.len() as u64 - appended,
        seqs,
        size,
        head: hash,
    })
}

/// Payloads compare by their canonical bytes: `1.0` and `1` are the same number.
fn same_payload(a: Option<&Value>, b: Option<&Value>) -> bool {
    let empty = Value::Object(Map::new());
    let canon = |v: Option<&Value>| canonical::to_vec(v.unwrap_or(&empty)).ok();
    canon(a) == canon(b)
}

fn same_content(input: &EventInput, old: &Event) -> bool {
    input.run_id == old.run_id
        && input.event_type == old.event_type
        && input.task_id == old.task_id
        && input.actor == old.actor
        && same_payload(input.payload.as_ref(), Some(&old.payload))
        && input.ts_utc.as_deref().is_none_or(|ts| {
            time::parse_rfc3339(ts)
                .map(time::utc_millis)
                .ok()
                .as_deref()
                == Some(&old.ts_utc)
        })
}

fn same_input(a: &EventInput, b: &EventInput) -> bool {
    a.run_id == b.run_id
        && a.event_type == b.event_type
        && a.task_id == b.task_id
        && a.actor == b.actor
        && same_payload(a.payload.as_ref(), b.payload.as_ref())
        && a.ts_utc == b.ts_utc
}

/// Every idempotency key in a ledger, with its event. One memchr pass finds the
/// top-level `,"idempotency_key":"` member of each canonical line; only those
/// lines are parsed.
fn existing_keys(bytes: &[u8]) -> Result<BTreeMap<String, Event>> {
    const NEEDLE: &[u8] = b",\"idempotency_key\":\"";
    let mut out = BTreeMap::new();
    let mut last_line_start = usize::MAX;
    for hit in memchr::memmem::find_iter(bytes, NEEDLE) {
        let start = memchr::memrchr(b'\n', &bytes[..hit]).map_or(0, |p| p + 1);
        if start == last_line_start {
            continue; // a nested member inside this line's payload
        }
        last_line_start = start;
        let end = memchr::memchr(b'\n', &bytes[hit..]).map_or(bytes.len(), |p| hit + p);
        let ev: Event = serde_json::from_slice(&bytes[start..end]).map_err(|e| {
            Blocked(format!("a line holding an idempotency key is not an event ({e}); run `muster-ledger verify`"))
        })?;
        if let Some(k) = ev.idempotency_key.clone() {
            out.entry(k).or_insert(ev);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types() {
        assert!(is_event_type("task.finished"));
        assert!(is_event_type("kill_switch.activated"));
        assert!(is_event_type("x.y.z2"));
        assert!(!is_event_type("task"));
        assert!(!is_event_type("Task.finished"));
        assert!(!is_event_type("task..x"));
        assert!(!is_event_type("task.fin ished"));
    }

    #[test]
    fn inputs_are_checked_before_anything_is_written() {
        let e = |s: &str| format!("{:#}", parse_inputs(s.as_bytes(), "<stdin>").unwrap_err());
        assert!(e("").contains("no events"));
        assert!(e("{").contains("not JSON"));
        assert!(e("[]").contains("event 1 (line 1): expected an object"));
        assert!(e("{\"run_id\":\"r\",\"event_type\":\"a.b\"}\n{\"run_id\":\"r\",\"event_type\":\"a.b\",\"hash\":\"x\"}")
            .contains("event 2 (line 2): the event carries `hash`"));
        assert!(e("{\"run_id\":\"r\",\"event_type\":\"a.b\",\"colour\":1}")
            .contains("unknown field `colour`"));
        assert!(
            e("{\"run_id\":\"r\",\"event_type\":\"a.b\",\"payload\":[]}")
                .contains("payload: expected an object")
        );
        assert!(e("{\"run_id\":\"r/x\",\"event_type\":\"a.b\"}")
            .contains("run_id \"r/x\" is not a valid id"));
        let ok = parse_inputs(b"{\"run_id\":\"r\",\"event_type\":\"a.b\"}\n\n{\"run_id\":\"r\",\n\"event_type\":\"a.c\"}\n", "x").unwrap();
        assert_eq!(ok.len(), 2);
    }
}
