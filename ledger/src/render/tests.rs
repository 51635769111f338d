//! Tests of `render`.

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
    let pretty = String::from_utf8(render(&[&events[1]], Format::Json, false).unwrap()).unwrap();
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
        muster_shared::markdown::cell(s, &mut out);
        assert_eq!(out, want, "{s:?}");
    }
    cell("a|b", "a\\|b");
    cell("a\nb\r\nc", "a b  c");
    cell("a\\|b", "a\\\\\\|b");
    cell("a\\", "a\\\\");
    cell("é", "é");
    cell("", "");
}
