//! Tests of `runs`.

use super::*;

/// An event of `run` at minute `min`, written `type task [payload]` (task
/// `-` for none); seq and hashes do not matter here.
fn ev(min: u32, run: &str, line: &str) -> Event {
    let mut parts = line.splitn(3, ' ');
    Event {
        seq: u64::from(min),
        ts_utc: format!("2026-11-21T08:{min:02}:00.000Z"),
        run_id: run.into(),
        event_type: parts.next().unwrap_or_default().into(),
        task_id: parts.next().filter(|t| *t != "-").map(str::to_string),
        actor: Some("ci".into()),
        payload: serde_json::from_str(parts.next().unwrap_or("{}")).unwrap(),
        idempotency_key: None,
        origin: None,
        prev_hash: "0".repeat(64),
        hash: "0".repeat(64),
    }
}

/// Runs written `id:verdict:done/total …` (verdict `-` for none), created
/// in that order, one a minute.
fn runs(spec: &str) -> Vec<Event> {
    let mut events = vec![];
    for (r, min) in spec.split_whitespace().zip(1..) {
        let [id, verdict, count] = r.splitn(3, ':').collect::<Vec<_>>()[..] else {
            panic!("bad run {r:?}")
        };
        let (done, total) = count.split_once('/').unwrap();
        let (done, total): (usize, usize) = (done.parse().unwrap(), total.parse().unwrap());
        let tasks: Vec<String> = (1..=total).map(|i| format!("\"T{i}\"")).collect();
        let created = format!("run.created - {{\"tasks\": [{}]}}", tasks.join(","));
        events.push(ev(min, id, &created));
        for i in 1..=done {
            events.push(ev(min, id, &format!("task.finished T{i}")));
        }
        if verdict != "-" {
            let gate = format!("gate.evaluated - {{\"status\": \"{verdict}\"}}");
            events.push(ev(min, id, &gate));
        }
    }
    events
}

#[track_caller]
fn order(events: &[Event], want: &str) {
    let got: Vec<String> = rows(events).into_iter().map(|r| r.run_id).collect();
    assert_eq!(got.join(" "), want);
}

/// The run ids down the board.
#[track_caller]
fn ranked(spec: &str, want: &str) {
    let b = board(&runs(spec));
    let got: Vec<&str> = (b.lines().skip(4))
        .map_while(|l| l.split(" | ").nth(1))
        .collect();
    assert_eq!(got.join(" "), want, "{b}");
}

fn text(events: &[Event], format: RunsFormat) -> String {
    String::from_utf8(render_runs(events, format, true).unwrap()).unwrap()
}

#[test]
fn runs_are_ordered_by_first_event_then_id() {
    order(&[], "");
    order(&runs("z:-:0/1 b:-:0/1 a:-:0/1"), "z b a");
    order(
        &[
            ev(2, "b", "x"),
            ev(2, "a", "x"),
            ev(1, "c", "x"),
            ev(0, "a", "y"),
        ],
        "c a b",
    );
    order(
        &[
            ev(1, "global", "kill_switch.activated"),
            ev(2, "r1", "task.x"),
        ],
        "r1",
    );
    order(
        &[ev(1, "r2", "kill_switch.activated"), ev(2, "r1", "task.x")],
        "r2 r1",
    );
}

#[test]
fn a_row_says_status_tasks_coverage_verdict_approvals() {
    let mut events = runs("r1:FAIL:1/3");
    for (min, line) in [
        (2, r#"task.finished T2 {"exit_code": 1}"#),
        (3, r#"scope.checked T4 {"status": "BLOCKED"}"#),
        (4, r#"gate.evaluated - {"status": "WARN"}"#),
        (5, r#"approval.granted - {"action": "publish"}"#),
        (6, r#"approval.granted - {"action": "lock"}"#),
        (7, r#"run.finished - {"status": "PASS"}"#),
    ] {
        events.push(ev(min, "r1", line));
    }
    events.push(ev(8, "r2", "run.finished"));
    let got = rows(&events);
    let want = RunRow {
        run_id: "r1".into(),
        status: "PASS".into(),
        started: "2026-11-21T08:01:00.000Z".into(),
        finished: Some("2026-11-21T08:07:00.000Z".into()),
        tasks: 4,
        done: 1,
        failed: 2,
        coverage: 0.25,
        verdict: Some("WARN".into()),
        approvals: vec!["publish".into(), "lock".into()],
    };
    assert_eq!(got[0], want);
    let r2 = (got[1].status.as_str(), got[1].tasks, got[1].coverage);
    assert_eq!(r2, ("unknown", 0, 0.0));
    let r = &rows(&runs("r3:-:2/3"))[0];
    let r3 = (
        r.status.as_str(),
        r.finished.as_deref(),
        r.coverage,
        r.verdict.as_deref(),
    );
    assert_eq!(r3, ("running", None, 0.6667, None));
}

#[test]
fn failed_counts_every_unsuccessful_end() {
    let lines = [
        "task.timed_out A",
        "task.stuck B",
        "task.cancelled C",
        r#"scope.checked D {"status": "FAIL"}"#,
        r#"task.finished E {"status": "failed"}"#,
        "task.dispatched F",
        "task.finished G",
    ];
    let events: Vec<Event> = lines.iter().map(|l| ev(1, "r1", l)).collect();
    let r = &rows(&events)[0];
    assert_eq!((r.tasks, r.done, r.failed, r.coverage), (7, 1, 5, 0.1429));
}

#[test]
fn json_document() {
    let want = concat!(
        r#"{"schema":"muster.runs/v1","runs":[{"run_id":"r1","status":"running","#,
        r#""started":"2026-11-21T08:01:00.000Z","finished":null,"tasks":2,"done":1,"#,
        r#""failed":0,"coverage":0.5,"verdict":"PASS","approvals":[]}]}"#,
        "\n"
    );
    assert_eq!(text(&runs("r1:PASS:1/2"), RunsFormat::Json), want);
    let empty = "{\"schema\":\"muster.runs/v1\",\"runs\":[]}\n";
    assert_eq!(text(&[], RunsFormat::Json), empty);
    let pretty = render_runs(&[], RunsFormat::Json, false).unwrap();
    assert_eq!(
        pretty,
        b"{\n  \"schema\": \"muster.runs/v1\",\n  \"runs\": []\n}\n"
    );
}

#[test]
fn csv_has_a_header_and_defused_cells() {
    let mut events = runs("=cmd:-1:1/1 r2:-:0/0");
    events.push(ev(3, "=cmd", r#"approval.granted - {"action": "@x"}"#));
    events.push(ev(4, "r2", "run.finished - {\"status\": \"+a,\\\"b\"}"));
    let want = "run_id,status,started,finished,tasks,done,failed,coverage,verdict,approvals\n\
            '=cmd,running,2026-11-21T08:01:00.000Z,,1,1,0,1,'-1,'@x\n\
            r2,\"'+a,\"\"b\",2026-11-21T08:02:00.000Z,2026-11-21T08:04:00.000Z,0,0,0,0,,\n";
    assert_eq!(text(&events, RunsFormat::Csv), want);
}

#[test]
fn markdown_table_escapes_cells() {
    let mut events = runs("r1:-:1/3");
    events.push(ev(2, "r1", r#"run.finished - {"status": "a|b\nc\r\nd"}"#));
    let want = "| run_id | status | started | finished | tasks | done | failed | coverage \
            | verdict | approvals |\n\
            |---|---|---|---|---|---|---|---|---|---|\n\
            | r1 | a\\|b c d | 2026-11-21T08:01:00.000Z | 2026-11-21T08:02:00.000Z \
            | 3 | 1 | 0 | 0.3333 |  |  |\n";
    assert_eq!(text(&events, RunsFormat::Md), want);
}

#[test]
fn board_ranks_by_verdict_then_coverage_then_id() {
    ranked("", "");
    ranked(
        "f:FAIL:1/2 b:BLOCKED:1/2 n:-:1/2 w:WARN:1/2 p:PASS:1/2 o:ODD:1/2",
        "p w n b f o",
    );
    ranked(
        "a:PASS:1/4 b:PASS:4/4 c:PASS:2/4 d:PASS:4/4 e:PASS:0/0",
        "b d c a e",
    );
    ranked("a:WARN:4/4 z:PASS:0/4", "z a");
    ranked("a:FAIL:4/4 z:BLOCKED:0/4 m:-:0/1", "m z a");
}

#[test]
fn board_layout_and_totals() {
    let mut events = runs("r1:PASS:2/3 r|2:FAIL:0/1 r3:-:0/0");
    events.push(ev(4, "r1", r#"approval.granted - {"action": "publish"}"#));
    events.push(ev(5, "r1", r#"approval.granted - {"action": "lock"}"#));
    events.push(ev(6, "r1", r#"run.finished - {"status": "PASS"}"#));
    let head = "# muster board\n\n\
            | rank | run | status | done/total | coverage | verdict | approvals |\n\
            |---|---|---|---|---|---|---|\n";
    let want = format!(
        "{head}\
            | 1 | r1 | PASS | 2/3 | 66.67% | PASS | publish, lock |\n\
            | 2 | r3 | running | 0/0 | 0% | - |  |\n\
            | 3 | r\\|2 | running | 0/1 | 0% | FAIL |  |\n\
            \n**Totals:** 3 runs, 2/4 tasks done (50%), 1 PASS, 1 no verdict, 1 FAIL\n"
    );
    assert_eq!(board(&events), want);
    let empty = format!("{head}\n**Totals:** 0 runs, 0/0 tasks done (0%)\n");
    assert_eq!(board(&[]), empty);
    let one = "\n**Totals:** 1 run, 1/1 tasks done (100%), 1 no verdict\n";
    assert!(board(&runs("r1:-:1/1")).ends_with(one));
}
