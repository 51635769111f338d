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
            md_cell(cell, &mut out);
            out.push_str(" |");
        }
        out.push('\n');
    }
    Ok(out.into_bytes())
}

/// A Markdown table cell: `|` escaped as `\|` and `\` as `\\` (so that a
/// backslash in the text cannot unescape the pipe after it), newlines and
/// carriage returns as spaces.
fn md_cell(cell: &str, out: &mut String) {
    for c in cell.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// An event; `hash` is `h<seq>`, which rendering does not check.
    fn ev(seq: u64, ts: &str, run: &str, ty: &str, task: Option<&str>) -> Event {
        Event {
            seq,
            ts_utc: ts.into(),
            run_id: run.into(),
            event_type: ty.into(),
            task_id: task.map(Into::into),
            actor: None,
            payload: json!({}),
            idempotency_key: None,
            origin: None,
            prev_hash: format!("h{}", seq - 1),
            hash: format!("h{seq}"),
        }
    }

    const T0: &str = "2026-11-21T08:00:00.000Z";
    const T1: &str = "2026-11-21T08:00:01.000Z";
    const T2: &str = "2026-11-21T08:00:02.000Z";

    /// A small ledger, stored out of rendering order.
    fn ledger() -> Vec<Event> {
        vec![
            ev(1, T2, "r1", "task.finished", Some("T1")),
            ev(2, T0, "r1", "run.created", None),
            ev(3, T1, "r2", "task.dispatched", Some("T1")),
            ev(4, T1, "r1", "task.dispatched", Some("T2")),
            ev(5, "yesterday", "r1", "task.heartbeat", Some("T1")),
            ev(6, T2, "r2", "task.finished", Some("T2")),
        ]
    }

    fn args() -> FilterArgs {
        FilterArgs {
            run_id: None,
            task: None,
            event_type: None,
            since: None,
            limit: None,
        }
    }

    /// The seqs `select` picks from `events`, in order.
    #[track_caller]
    fn picks_from(events: &[Event], args: FilterArgs, want: &[u64]) {
        let filter = args.to_filter().unwrap();
        let got: Vec<u64> = select(events, &filter).iter().map(|e| e.seq).collect();
        assert_eq!(got, want, "{args:?}");
    }

    #[track_caller]
    fn picks(args: FilterArgs, want: &[u64]) {
        picks_from(&ledger(), args, want);
    }

    #[track_caller]
    fn bad(args: FilterArgs, want: &str) {
        let err = args.to_filter().unwrap_err();
        assert_eq!(muster_shared::error::exit_code_of(&err), 64, "{args:?}");
        let err = format!("{err:#}");
        assert!(err.starts_with(want), "{args:?}: {err}");
    }

    fn run(r: &str) -> FilterArgs {
        FilterArgs {
            run_id: Some(r.into()),
            ..args()
        }
    }
    fn task(t: &str) -> FilterArgs {
        FilterArgs {
            task: Some(t.into()),
            ..args()
        }
    }
    fn ty(t: &str) -> FilterArgs {
        FilterArgs {
            event_type: Some(t.into()),
            ..args()
        }
    }
    fn since(t: &str) -> FilterArgs {
        FilterArgs {
            since: Some(t.into()),
            ..args()
        }
    }
    fn limit(n: usize) -> FilterArgs {
        FilterArgs {
            limit: Some(n),
            ..args()
        }
    }

    #[test]
    fn each_filter_alone() {
        picks(args(), &[2, 3, 4, 1, 6, 5]);
        picks(run("r1"), &[2, 4, 1, 5]);
        picks(run("r3"), &[]);
        picks(task("T1"), &[3, 1, 5]);
        picks(task("T3"), &[]);
        picks(ty("task.finished"), &[1, 6]);
        picks(ty("task"), &[]);
        // At or after; an unparsable ts_utc never passes --since.
        picks(since(T1), &[3, 4, 1, 6]);
        picks(since("2026-11-21T08:00:00.001Z"), &[3, 4, 1, 6]);
        picks(since("2026-11-21T09:00:01+01:00"), &[3, 4, 1, 6]);
        picks(since("2026-11-21T08:00:02.001Z"), &[]);
        picks(since("1970-01-01T00:00:00Z"), &[2, 3, 4, 1, 6]);
        picks(limit(2), &[2, 3]);
        picks(limit(0), &[]);
        picks(limit(99), &[2, 3, 4, 1, 6, 5]);
    }

    #[test]
    fn filters_combined() {
        let a = |run: &str, task: &str| FilterArgs {
            run_id: Some(run.into()),
            task: Some(task.into()),
            ..args()
        };
        picks(a("r1", "T1"), &[1, 5]);
        picks(a("r2", "T1"), &[3]);
        picks(
            FilterArgs {
                since: Some(T1.into()),
                ..a("r1", "T1")
            },
            &[1],
        );
        picks(
            FilterArgs {
                event_type: Some("task.finished".into()),
                since: Some(T1.into()),
                ..args()
            },
            &[1, 6],
        );
        // The limit applies after filtering and sorting.
        picks(
            FilterArgs {
                limit: Some(1),
                ..run("r2")
            },
            &[3],
        );
        picks(
            FilterArgs {
                limit: Some(3),
                ..since(T0)
            },
            &[2, 3, 4],
        );
        picks(
            FilterArgs {
                run_id: Some("r1".into()),
                task: Some("T2".into()),
                event_type: Some("task.dispatched".into()),
                since: Some(T0.into()),
                limit: Some(5),
            },
            &[4],
        );
        picks(
            FilterArgs {
                limit: Some(0),
                ..run("r1")
            },
            &[],
        );
    }

    #[test]
    fn sort_order_and_ties() {
        let t = "2026-11-21T08:00:00.000Z";
        // Same ts: by type. Same ts and type: by seq.
        picks_from(
            &[
                ev(1, t, "r", "task.finished", None),
                ev(2, t, "r", "run.created", None),
                ev(9, t, "r", "task.dispatched", None),
                ev(3, t, "r", "task.dispatched", None),
                ev(4, t, "r", "approval.granted", None),
            ],
            args(),
            &[4, 2, 3, 9, 1],
        );
        // As a time, not as a string: 09:00+01:00 is before 08:30Z.
        picks_from(
            &[
                ev(1, "2026-11-21T08:30:00.000Z", "r", "a", None),
                ev(2, "2026-11-21T09:00:00+01:00", "r", "b", None),
            ],
            args(),
            &[2, 1],
        );
        // The same instant written two ways: by the string, before type and seq.
        picks_from(
            &[
                ev(1, "2026-11-21T08:00:00Z", "r", "a", None),
                ev(2, "2026-11-21T08:00:00.000Z", "r", "b", None),
            ],
            args(),
            &[2, 1],
        );
        // Unparsable times last, by string, then type and seq.
        picks_from(
            &[
                ev(1, "z", "r", "a", None),
                ev(2, "", "r", "b", None),
                ev(3, "z", "r", "a", None),
                ev(4, t, "r", "z", None),
            ],
            args(),
            &[4, 2, 1, 3],
        );
    }

    #[test]
    fn bad_flags_say_which() {
        bad(
            since("yesterday"),
            "--since: \"yesterday\" is not an RFC 3339 time with an offset",
        );
        bad(
            since("2026-11-21T08:00:00"),
            "--since: \"2026-11-21T08:00:00\" is not",
        );
        bad(run("a b"), "--run-id \"a b\" is not a valid id");
        bad(run(""), "--run-id \"\" is not a valid id");
        bad(task("-T1"), "--task \"-T1\" is not a valid id");
        bad(ty(""), "--type: must not be empty");
        let f = FilterArgs {
            run_id: Some("run_20260101T000000Z_abcdef12_001".into()),
            task: Some("T-AUTO-01".into()),
            event_type: Some("task.finished".into()),
            since: Some("2026-11-21T09:00:00+01:00".into()),
            limit: Some(0),
        }
        .to_filter()
        .unwrap();
        assert_eq!(f.since, Some("2026-11-21T08:00:00Z".parse().unwrap()));
        assert_eq!(f.limit, Some(0));
    }

    #[test]
    fn defuse_each_trigger() {
        #[track_caller]
        fn d(cell: &str, want: &str) {
            assert_eq!(defuse(cell), want, "{cell:?}");
        }
        d("=1+1", "'=1+1");
        d("+1", "'+1");
        d("-1", "'-1");
        d("@SUM(A1)", "'@SUM(A1)");
        d("\t=1", "'\t=1");
        d("\r=1", "'\r=1");
        d("", "");
        d("a=1", "a=1");
        d(" =1", " =1");
        d("'=1", "'=1");
        d("\n=1", "\n=1");
        d("é", "é");
        assert!(matches!(defuse("ok"), Cow::Borrowed(_)));
    }

    /// Two events with awkward values: a pipe, a newline and non-ASCII in the
    /// payload, a formula as actor, and absent task and actor.
    fn two() -> Vec<Event> {
        let mut a = ev(1, T0, "r1", "run.created", None);
        a.actor = Some("=HYPERLINK(\"http://x\",\"y\")".into());
        a.payload = json!({"note": "a|b\nc é", "n": 1.5});
        let mut b = ev(2, T1, "r1", "task.finished", Some("T1"));
        b.idempotency_key = Some("-k".into());
        b.payload = json!({"status": "done"});
        vec![a, b]
    }

    #[track_caller]
    fn renders(format: Format, compact: bool, want: &str) {
        let events = two();
        let refs: Vec<&Event> = events.iter().collect();
        let got = render(&refs, format, compact).unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), want);
    }

    #[test]
    fn json_format() {
        renders(
            Format::Json,
            true,
            concat!(
                r#"{"schema":"muster.event-list/v1","events":["#,
                r#"{"seq":1,"ts_utc":"2026-11-21T08:00:00.000Z","run_id":"r1","event_type":"run.created","task_id":null,"actor":"=HYPERLINK(\"http://x\",\"y\")","payload":{"n":1.5,"note":"a|b\nc é"},"idempotency_key":null,"origin":null,"prev_hash":"h0","hash":"h1"},"#,
                r#"{"seq":2,"ts_utc":"2026-11-21T08:00:01.000Z","run_id":"r1","event_type":"task.finished","task_id":"T1","actor":null,"payload":{"status":"done"},"idempotency_key":"-k","origin":null,"prev_hash":"h1","hash":"h2"}"#,
                "]}\n",
            ),
        );
        let events = two();
        let pretty =
            String::from_utf8(render(&[&events[1]], Format::Json, false).unwrap()).unwrap();
        assert_eq!(
            pretty,
            r#"{
  "schema": "muster.event-list/v1",
  "events": [
    {
      "seq": 2,
      "ts_utc": "2026-11-21T08:00:01.000Z",
      "run_id": "r1",
      "event_type": "task.finished",
      "task_id": "T1",
      "actor": null,
      "payload": {
        "status": "done"
      },
      "idempotency_key": "-k",
      "origin": null,
      "prev_hash": "h1",
      "hash": "h2"
    }
  ]
}
"#
        );
        renders_empty(
            Format::Json,
            "{\"schema\":\"muster.event-list/v1\",\"events\":[]}\n",
        );
    }

    #[track_caller]
    fn renders_empty(format: Format, want: &str) {
        let got = render(&[], format, true).unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), want);
    }

    #[test]
    fn jsonl_format() {
        renders(
            Format::Jsonl,
            false,
            concat!(
                r#"{"actor":"=HYPERLINK(\"http://x\",\"y\")","event_type":"run.created","hash":"h1","idempotency_key":null,"origin":null,"payload":{"n":1.5,"note":"a|b\nc é"},"prev_hash":"h0","run_id":"r1","seq":1,"task_id":null,"ts_utc":"2026-11-21T08:00:00.000Z"}"#,
                "\n",
                r#"{"actor":null,"event_type":"task.finished","hash":"h2","idempotency_key":"-k","origin":null,"payload":{"status":"done"},"prev_hash":"h1","run_id":"r1","seq":2,"task_id":"T1","ts_utc":"2026-11-21T08:00:01.000Z"}"#,
                "\n",
            ),
        );
        renders_empty(Format::Jsonl, "");
    }

    #[test]
    fn jsonl_is_the_stored_line() {
        let Value::Object(fields) = json!({
            "seq": 7, "ts_utc": T0, "run_id": "r1", "event_type": "ledger.merged",
            "task_id": null, "actor": "=cmd|' /C calc'!A0",
            "payload": {"s": "é\n\u{1}\u{2028}|", "x": 0.1, "big": 1e21, "neg": -0.0,
                        "nested": {"b": [1, null, true], "a": "\u{10000}"}},
            "idempotency_key": "k",
            "origin": {"ledger": "a".repeat(64), "seq": 3, "hash": "b".repeat(64)},
            "prev_hash": "c".repeat(64),
        }) else {
            panic!("not an object")
        };
        let (_, line) = crate::chain::seal(fields).unwrap();
        crate::chain::check_line(&line).unwrap();
        let event: Event = serde_json::from_slice(&line).unwrap();
        let got = render(&[&event], Format::Jsonl, false).unwrap();
        assert_eq!(got[..got.len() - 1], line[..]);
        assert_eq!(got.last(), Some(&b'\n'));
    }

    #[test]
    fn csv_format() {
        renders(Format::Csv, false, concat!(
            "seq,ts_utc,run_id,event_type,task_id,actor,idempotency_key,payload,hash\n",
            "1,2026-11-21T08:00:00.000Z,r1,run.created,,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",,\"{\"\"n\"\":1.5,\"\"note\"\":\"\"a|b\\nc é\"\"}\",h1\n",
            "2,2026-11-21T08:00:01.000Z,r1,task.finished,T1,,'-k,\"{\"\"status\"\":\"\"done\"\"}\",h2\n",
        ));
        renders_empty(
            Format::Csv,
            "seq,ts_utc,run_id,event_type,task_id,actor,idempotency_key,payload,hash\n",
        );
    }

    #[test]
    fn csv_defuses_every_cell() {
        let mut e = ev(1, "=ts", "+run", "@type", Some("-task"));
        e.actor = Some("\tactor".into());
        e.idempotency_key = Some("\rkey".into());
        e.payload = json!(-1);
        e.hash = "=hash".into();
        let got = String::from_utf8(render(&[&e], Format::Csv, false).unwrap()).unwrap();
        let row = got.lines().nth(1).unwrap();
        assert_eq!(
            row,
            "1,'=ts,'+run,'@type,'-task,'\tactor,\"'\rkey\",'-1,'=hash"
        );
    }

    #[test]
    fn md_format() {
        renders(Format::Md, false, concat!(
            "| seq | ts_utc | run | type | task | actor | payload |\n",
            "|---|---|---|---|---|---|---|\n",
            "| 1 | 2026-11-21T08:00:00.000Z | r1 | run.created |  | =HYPERLINK(\"http://x\",\"y\") | {\"n\":1.5,\"note\":\"a\\|b\\\\nc é\"} |\n",
            "| 2 | 2026-11-21T08:00:01.000Z | r1 | task.finished | T1 |  | {\"status\":\"done\"} |\n",
        ));
        renders_empty(
            Format::Md,
            "| seq | ts_utc | run | type | task | actor | payload |\n|---|---|---|---|---|---|---|\n",
        );
    }

    #[test]
    fn md_cells_stay_in_their_column() {
        #[track_caller]
        fn cell(s: &str, want: &str) {
            let mut out = String::new();
            md_cell(s, &mut out);
            assert_eq!(out, want, "{s:?}");
        }
        cell("a|b", "a\\|b");
        cell("a\nb\r\nc", "a b  c");
        cell("a\\|b", "a\\\\\\|b");
        cell("a\\", "a\\\\");
        cell("é", "é");
        cell("", "");
    }
}
