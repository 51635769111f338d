//! `muster-ledger list`: filters, and the formats json, jsonl, csv, md.
//!
//! Events are picked by every filter given, sorted by `ts_utc` (as a time; ties
//! by the string), then `event_type`, then `seq` (DESIGN.md section 6), and
//! `--limit` keeps the first N. The formats:
//!
//! - `json`: `{"schema":"muster.event-list/v1","events":[...]}`, each event with
//!   every key (`null` when absent), pretty or `--compact`.
//! - `jsonl`: each event as its RFC 8785 canonical line; for a verified ledger
//!   this is the stored line, byte for byte.
//! - `csv`: header `seq,ts_utc,run_id,event_type,task_id,actor,idempotency_key,payload,hash`,
//!   payload as canonical JSON, absent values empty, every cell defused
//!   against formula injection ([`defuse`]).
//! - `md`: a Markdown table of seq, ts_utc, run, type, task, actor, payload
//!   (canonical JSON); `|` and `\` escaped with `\`, newlines as spaces, absent
//!   values empty.

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use muster_shared::schema::Event;
use muster_shared::{canonical, id, io, time, Usage};
use serde::Serialize;
use std::borrow::Cow;
use std::cmp::Ordering;

/// The `schema` of the `json` format.
const EVENT_LIST: &str = "muster.event-list/v1";

/// The header of the `csv` format.
const CSV_HEADER: [&str; 9] = [
    "seq",
    "ts_utc",
    "run_id",
    "event_type",
    "task_id",
    "actor",
    "idempotency_key",
    "payload",
    "hash",
];

/// The header of the `md` format.
const MD_HEADER: &str = "| seq | ts_utc | run | type | task | actor | payload |\n\
                         |---|---|---|---|---|---|---|\n";

/// Output formats of `list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One document: `{schema: "muster.event-list/v1", events: [...]}`.
    Json,
    /// The events as stored, one per line.
    Jsonl,
    /// CSV with a header; cells that could start a formula are prefixed with `'`.
    Csv,
    /// A Markdown table.
    Md,
}

/// The filter flags of `list`.
#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    /// Only events of this run.
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
    /// Only events about this task.
    #[arg(long, value_name = "ID")]
    pub task: Option<String>,
    /// Only events of this type.
    #[arg(long = "type", value_name = "TYPE")]
    pub event_type: Option<String>,
    /// Only events at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// At most N events (the first N in rendering order).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// A checked filter.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only events of this run.
    pub run_id: Option<String>,
    /// Only events about this task.
    pub task: Option<String>,
    /// Only events of this type.
    pub event_type: Option<String>,
    /// Only events at or after this time.
    pub since: Option<jiff::Timestamp>,
    /// At most this many.
    pub limit: Option<usize>,
}

impl FilterArgs {
    /// Checks the flags. A bad value is a usage error (exit 64) naming its flag.
    pub fn to_filter(&self) -> Result<Filter> {
        self.check().map_err(|e| Usage(format!("{e:#}")).into())
    }

    fn check(&self) -> Result<Filter> {
        let since = match &self.since {
            Some(s) => Some(time::parse_rfc3339(s).context("--since")?),
            None => None,
        };
        if let Some(run) = &self.run_id {
            id::check("--run-id", run)?;
        }
        if let Some(task) = &self.task {
            id::check("--task", task)?;
        }
        if self.event_type.as_deref() == Some("") {
            bail!("--type: must not be empty");
        }
        Ok(Filter {
            run_id: self.run_id.clone(),
            task: self.task.clone(),
            event_type: self.event_type.clone(),
            since,
            limit: self.limit,
        })
    }
}

/// The events that pass `filter`, sorted by ts_utc, then event_type, then seq.
///
/// `ts_utc` is compared as a time, ties by the string; an event whose `ts_utc`
/// does not parse sorts after every event whose does, and is dropped by
/// `--since`. `limit` takes the first N of the sorted events.
pub fn select<'a>(events: &'a [Event], filter: &Filter) -> Vec<&'a Event> {
    let mut picked: Vec<(Option<jiff::Timestamp>, &Event)> = events
        .iter()
        .filter_map(|e| {
            let ts = time::parse_rfc3339(&e.ts_utc).ok();
            passes(e, ts, filter).then_some((ts, e))
        })
        .collect();
    picked.sort_by(|(ta, a), (tb, b)| order(*ta, a, *tb, b));
    if let Some(n) = filter.limit {
        picked.truncate(n);
    }
    picked.into_iter().map(|(_, e)| e).collect()
}

fn passes(e: &Event, ts: Option<jiff::Timestamp>, filter: &Filter) -> bool {
    filter.run_id.as_ref().is_none_or(|r| *r == e.run_id)
        && filter
            .task
            .as_ref()
            .is_none_or(|t| e.task_id.as_ref() == Some(t))
        && filter
            .event_type
            .as_ref()
            .is_none_or(|t| *t == e.event_type)
        && filter
            .since
            .is_none_or(|since| ts.is_some_and(|ts| ts >= since))
}

fn order(
    ta: Option<jiff::Timestamp>,
    a: &Event,
    tb: Option<jiff::Timestamp>,
    b: &Event,
) -> Ordering {
    // `None` last: unparsable times after every real one.
    ta.is_none()
        .cmp(&tb.is_none())
        .then(ta.cmp(&tb))
        .then_with(|| a.ts_utc.cmp(&b.ts_utc))
        .then_with(|| a.event_type.cmp(&b.event_type))
        .then(a.seq.cmp(&b.seq))
}

/// Renders events in a format.
pub fn render(events: &[&Event], format: Format, compact: bool) -> Result<Vec<u8>> {
    match format {
        Format::Json => Ok(json(events, compact)),
        Format::Jsonl => jsonl(events),
        Format::Csv => csv(events),
        Format::Md => md(events),
    }
}

/// A CSV cell defused against formula injection: a cell starting with `=`,
/// `+`, `-`, `@`, tab or carriage return gets a leading `'`.
pub fn defuse(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// `muster.event-list/v1`: what `list --format json` writes.
#[derive(Serialize, schemars::JsonSchema)]
pub struct EventList<'a, 'e> {
    /// Always `muster.event-list/v1`.
    pub schema: &'static str,
    /// The events, in rendering order.
    pub events: &'a [&'e Event],
}

fn json(events: &[&Event], compact: bool) -> Vec<u8> {
    io::to_json(
        &EventList {
            schema: EVENT_LIST,
            events,
        },
        compact,
    )
}

fn jsonl(events: &[&Event]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for e in events {
        let value = serde_json::to_value(e).with_context(|| format!("event seq {}", e.seq))?;
        canonical::write(&value, &mut out).with_context(|| format!("event seq {}", e.seq))?;
        out.push(b'\n');
    }
    Ok(out)
}

/// The payload as compact canonical JSON.
fn payload(e: &Event) -> Result<String> {
    let bytes =
        canonical::to_vec(&e.payload).with_context(|| format!("event seq {}: payload", e.seq))?;
    // The canonical writer writes strings as UTF-8 and escapes the rest as ASCII.
    String::from_utf8(bytes).with_context(|| format!("event seq {}: payload", e.seq))
}

/// The cells of an event in CSV column order (`CSV_HEADER`); absent values are empty.
fn cells<'a>(e: &'a Event, seq: &'a str, payload: &'a str) -> [&'a str; 9] {
    [
        seq,
        &e.ts_utc,
        &e.run_id,
        &e.event_type,
        e.task_id.as_deref().unwrap_or(""),
        e.actor.as_deref().unwrap_or(""),
        e.idempotency_key.as_deref().unwrap_or(""),
        payload,
        &e.hash,
    ]
}

fn csv(events: &[&Event]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER.iter().map(|c| defuse(c).into_owned()))
        .context("writing csv")?;
    for e in events {
        let (seq, payload) = (e.seq.to_string(), payload(e)?);
        let row = cells(e, &seq, &payload);
        w.write_record(row.iter().map(|c| defuse(c).into_owned()))
            .with_context(|| format!("writing csv: event seq {}", e.seq))?;
    }
    w.into_inner().context("writing csv")
}

fn md(events: &[&Event]) -> Result<Vec<u8>> {
    let mut out = String::from(MD_HEADER);
    for e in events {
        let (seq, payload) = (e.seq.to_string(), payload(e)?);
        let all = cells(e, &seq, &payload);
        // md leaves out idempotency_key and hash.
        let row = [all[0], all[1], all[2], all[3], all[4], all[5], all[7]];
        out.push('|');
        for cell in row {
            out.push(' ');
            muster_shared::markdown::cell(cell, &mut out);
            out.push_str(" |");
        }
        out.push('\n');
    }
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests;
