//! The verdict's acceptance table (like conftest's): each case a gates
//! file, an input, flags and the ledger, and the status and exit code it
//! must give. Every row of every verdict names target, observed and why.

use crate::common::{Dir, NOW};
use serde_json::{json, Value};

/// A case: its name, the gates, the input, extra flags, what to set up,
/// and the status and exit code wanted.
struct Case {
    name: &'static str,
    gates: Value,
    input: Value,
    args: &'static [&'static str],
    setup: fn(&Dir),
    status: &'static str,
    exit: i32,
}

fn nothing(_: &Dir) {}

fn gates(list: Value) -> Value {
    json!({"schema": "muster.gates/v1", "gates": list})
}

fn coverage(warn: Option<f64>) -> Value {
    let mut g = json!({"name": "coverage", "kind": "threshold", "pointer": "/coverage", "op": ">=", "target": 0.75});
    if let Some(w) = warn {
        g["warn"] = json!(w);
    }
    g
}

fn lint() -> Value {
    json!({"name": "lint", "kind": "equals", "pointer": "/checks/lint", "target": "pass"})
}

fn green() -> Value {
    json!({"run_id": "r1", "coverage": 0.8, "checks": {"lint": "pass"}})
}

fn with_waiver(expires: &str) -> Value {
    let mut g = gates(json!([coverage(None), lint()]));
    g["waivers"] = json!([{"gate": "coverage", "reason": "legacy module, tests land next sprint", "owner": "ana", "expires": expires}]);
    g
}

fn evidence(path: &str, sha: &str) -> Value {
    gates(json!([{"name": "report", "kind": "evidence", "path": path, "sha256": sha}]))
}

const REPORT_SHA: &str = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"; // sha256("{}")

fn report(d: &Dir) {
    d.put("report.json", "{}");
}

fn broken_report(d: &Dir) {
    d.put("report.json", "{not json");
}

fn kill_switch_on(d: &Dir) {
    d.events(&[
        json!({"run_id": "global", "event_type": "kill_switch.activated", "actor": "ops",
                      "payload": {"reason": "bad deploy, stop everything"}}),
    ]);
}

fn cases() -> Vec<Case> {
    let two = || gates(json!([coverage(None), lint()]));
    vec![
        Case {
            name: "all pass",
            gates: two(),
            input: green(),
            args: &[],
            setup: nothing,
            status: "PASS",
            exit: 0,
        },
        Case {
            name: "warn band",
            gates: gates(json!([coverage(Some(0.65))])),
            input: json!({"coverage": 0.7}),
            args: &[],
            setup: nothing,
            status: "WARN",
            exit: 0,
        },
        Case {
            name: "warn band, --fail-on-warn",
            gates: gates(json!([coverage(Some(0.65))])),
            input: json!({"coverage": 0.7}),
            args: &["--fail-on-warn"],
            setup: nothing,
            status: "WARN",
            exit: 2,
        },
        Case {
            name: "failing threshold",
            gates: two(),
            input: json!({"coverage": 0.5, "checks": {"lint": "pass"}}),
            args: &[],
            setup: nothing,
            status: "BLOCKED",
            exit: 2,
        },
        Case {
            name: "equals says no",
            gates: two(),
            input: json!({"coverage": 0.9, "checks": {"lint": "fail"}}),
            args: &[],
            setup: nothing,
            status: "BLOCKED",
            exit: 2,
        },
        Case {
            name: "missing observation",
            gates: two(),
            input: json!({"checks": {"lint": "pass"}}),
            args: &[],
            setup: nothing,
            status: "FAIL",
            exit: 1,
        },
        Case {
            name: "null observation",
            gates: two(),
            input: json!({"coverage": null, "checks": {"lint": "pass"}}),
            args: &[],
            setup: nothing,
            status: "FAIL",
            exit: 1,
        },
        Case {
            name: "NaN",
            gates: two(),
            input: json!({"coverage": "NaN", "checks": {"lint": "pass"}}),
            args: &[],
            setup: nothing,
            status: "FAIL",
            exit: 1,
        },
        Case {
            name: "skipped check counts as missing",
            gates: two(),
            input: json!({"coverage": 0.9, "checks": {"lint": "skipped"}}),
            args: &[],
            setup: nothing,
            status: "FAIL",
            exit: 1,
        },
        Case {
            name: "skipped check object",
            gates: two(),
            input: json!({"coverage": 0.9, "checks": {"lint": {"status": "skipped"}}}),
            args: &[],
            setup: nothing,
            status: "FAIL",
            exit: 1,
        },
        Case {
            name: "evidence present and as recorded",
            gates: evidence("report.json", REPORT_SHA),
            input: json!({}),
            args: &[],
            setup: report,
            status: "PASS",
            exit: 0,
        },
        Case {
            name: "evidence missing",
            gates: evidence("report.json", REPORT_SHA),
            input: json!({}),
            args: &[],
            setup: nothing,
            status: "FAIL",
            exit: 1,
        },
        Case {
            name: "evidence unparsable",
            gates: evidence("report.json", REPORT_SHA),
            input: json!({}),
            args: &[],
            setup: broken_report,
            status: "FAIL",
            exit: 1,
        },
        Case {
            name: "evidence wrong hash",
            gates: evidence("report.json", &"0".repeat(64)),
            input: json!({}),
            args: &[],
            setup: report,
            status: "FAIL",
            exit: 1,
        },
        Case {
            name: "waiver in force",
            gates: with_waiver("2026-12-31T00:00:00Z"),
            input: json!({"coverage": 0.5, "checks": {"lint": "pass"}}),
            args: &[],
            setup: nothing,
            status: "WARN",
            exit: 0,
        },
        Case {
            name: "expired waiver",
            gates: with_waiver("2026-05-01T00:00:00Z"),
            input: json!({"coverage": 0.5, "checks": {"lint": "pass"}}),
            args: &[],
            setup: nothing,
            status: "BLOCKED",
            exit: 2,
        },
        Case {
            name: "expired waiver on a passing gate",
            gates: with_waiver("2026-05-01T00:00:00Z"),
            input: green(),
            args: &[],
            setup: nothing,
            status: "BLOCKED",
            exit: 2,
        },
        Case {
            name: "kill switch, all green",
            gates: two(),
            input: green(),
            args: &[],
            setup: kill_switch_on,
            status: "BLOCKED",
            exit: 2,
        },
        Case {
            name: "shadow mode",
            gates: two(),
            input: json!({"coverage": 0.5, "checks": {"lint": "pass"}}),
            args: &["--shadow"],
            setup: nothing,
            status: "BLOCKED",
            exit: 0,
        },
    ]
}

#[test]
fn every_case_gives_its_status_and_exit_code() {
    let mut failures = Vec::new();
    for c in cases() {
        let d = Dir::new();
        (c.setup)(&d);
        let g = d.put("gates.json", c.gates.to_string());
        let mut args = vec!["--gates", g.to_str().unwrap(), "--now", NOW];
        args.extend(c.args);
        let out = d.gate(&args, &c.input.to_string());
        let doc = out.json();
        if doc["status"] != c.status || out.code != c.exit {
            failures.push(format!(
                "{}: want {} exit {}, got {} exit {}\n{out}",
                c.name, c.status, c.exit, doc["status"], out.code
            ));
            continue;
        }
        for row in doc["gates"].as_array().unwrap() {
            for key in ["target", "observed", "why", "status"] {
                assert!(
                    row.get(key).is_some(),
                    "{}: a row without {key}: {row}",
                    c.name
                );
            }
            assert!(
                !row["why"].as_str().unwrap().is_empty(),
                "{}: {row}",
                c.name
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_reasons_are_reasons() {
    let d = Dir::new();
    kill_switch_on(&d);
    let g = d.put("gates.json", gates(json!([coverage(None)])).to_string());
    let doc = d
        .gate(
            &["--gates", g.to_str().unwrap(), "--now", NOW],
            &green().to_string(),
        )
        .json();
    let why = doc["gates"][0]["why"].as_str().unwrap();
    assert!(
        why.contains("kill switch") && why.contains("bad deploy"),
        "{why}"
    );
    // A waiver in force is counted apart, and says who.
    let d = Dir::new();
    let g = d.put(
        "gates.json",
        with_waiver("2026-12-31T00:00:00Z").to_string(),
    );
    let doc = d
        .gate(
            &["--gates", g.to_str().unwrap(), "--now", NOW],
            &json!({"coverage": 0.5, "checks": {"lint": "pass"}}).to_string(),
        )
        .json();
    assert_eq!(doc["summary"]["waived"], 1, "{doc}");
    assert!(
        doc["gates"][0]["waived_by"]
            .as_str()
            .unwrap()
            .starts_with("ana: legacy module"),
        "{doc}"
    );
    assert_eq!(doc["gates"][0]["why"], "0.5 is not >= 0.75");
    let d = Dir::new();
    let g = d.put("gates.json", gates(json!([coverage(None)])).to_string());
    let doc = d
        .gate(
            &["--gates", g.to_str().unwrap()],
            &json!({"x": 1}).to_string(),
        )
        .json();
    assert!(
        doc["gates"][0]["why"]
            .as_str()
            .unwrap()
            .contains("never a pass"),
        "{doc}"
    );
}

#[test]
fn bad_gates_files_and_flags_exit_as_documented() {
    let d = Dir::new();
    let mut unknown = gates(json!([coverage(None)]));
    unknown["waivers"] = json!([{"gate": "nope", "reason": "a reason long enough", "owner": "ana", "expires": "2027-01-01T00:00:00Z"}]);
    let bad = [
        unknown,
        gates(json!([coverage(None), coverage(None)])),
        gates(json!([{"name": "x", "kind": "threshold", "pointer": "/x", "op": ">="}])),
        json!({"schema": "muster.gates/v1", "gates": [], "extra": 1}),
    ];
    for g in bad {
        let f = d.put("gates.json", g.to_string());
        let out = d.gate(&["--gates", f.to_str().unwrap()], "{}");
        assert_eq!(out.code, 1, "{g}: {out}");
        assert!(out.stdout.is_empty(), "{out}");
        assert_eq!(out.stderr.lines().count(), 1, "{out}");
        assert!(out.stderr.starts_with("muster-gate: error: "), "{out}");
    }
    let f = d.put("gates.json", gates(json!([coverage(None)])).to_string());
    assert_eq!(
        d.gate(&["--gates", f.to_str().unwrap(), "--bogus"], "{}")
            .code,
        64
    );
    assert_eq!(
        d.gate(&["--gates", f.to_str().unwrap(), "--format", "xml"], "{}")
            .code,
        64
    );
    assert_eq!(d.gate(&[], "{}").code, 64, "no --gates");
    assert_eq!(
        d.gate(&["--gates", f.to_str().unwrap()], "not json").code,
        1
    );
    let schema = d.gate(&["--schema"], "");
    assert_eq!(schema.code, 0);
    assert!(schema.json()["writes"]["muster.verdict/v1"].is_object());
}

#[test]
fn the_same_input_gives_the_same_bytes_in_every_format() {
    let d = Dir::new();
    let g = d.put(
        "gates.json",
        gates(json!([coverage(Some(0.6)), lint()])).to_string(),
    );
    for format in ["json", "md", "junit", "github"] {
        let args = [
            "--gates",
            g.to_str().unwrap(),
            "--now",
            NOW,
            "--format",
            format,
        ];
        let input = json!({"coverage": 0.7, "checks": {"lint": "fail"}}).to_string();
        let (a, b) = (d.gate(&args, &input), d.gate(&args, &input));
        assert_eq!(a.code, 2, "{format}: {a}");
        assert_eq!(a.stdout, b.stdout, "{format}");
        assert!(!a.stdout.is_empty(), "{format}");
    }
}

#[test]
fn a_verdict_goes_in_the_ledger_and_replay_shows_it() {
    let d = Dir::new();
    let g = d.put("gates.json", gates(json!([coverage(None)])).to_string());
    let ledger = d.ledger();
    let args = [
        "--gates",
        g.to_str().unwrap(),
        "--now",
        NOW,
        "--ledger",
        ledger.to_str().unwrap(),
    ];
    assert_eq!(d.gate(&args, &green().to_string()).code, 0);
    let events = muster_ledger::store::read_events(&ledger).unwrap();
    let state = muster_ledger::replay::replay(&events, "r1");
    assert_eq!(state.gates["coverage"].status, "PASS");
}
