//! The formats against exact fixtures and independent readers.
#![allow(clippy::unwrap_used)]

use super::*;
use muster_shared::schema::Summary;
use serde_json::json;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

/// One row of each status, and a waived one; tests/format/verdict.* is
/// what each format makes of it.
fn sample() -> Verdict {
    serde_json::from_str(include_str!("../../tests/format/verdict.json")).unwrap()
}

fn row(name: &str, target: &str, observed: Value, status: Status, why: &str) -> GateRow {
    GateRow {
        name: name.to_owned(),
        kind: GateKind::Equals,
        target: target.to_owned(),
        observed,
        status,
        why: why.to_owned(),
        waived_by: None,
    }
}

fn verdict(status: Status, line: &str, gates: Vec<GateRow>) -> Verdict {
    let summary = Summary {
        pass: 0,
        warn: 0,
        blocked: 0,
        fail: 0,
        waived: 0,
        line: line.to_owned(),
    };
    Verdict {
        schema: "muster.verdict/v1".to_owned(),
        status,
        run_id: None,
        shadow: false,
        kill_switch: None,
        gates,
        summary,
    }
}

fn text(v: &Verdict, format: Format) -> String {
    String::from_utf8(render(v, format, false)).unwrap()
}

#[test]
fn names_parse_back() {
    let all = [Format::Json, Format::Md, Format::Junit, Format::Github];
    assert_eq!(all.map(Format::name), NAMES);
    for f in all {
        assert_eq!(parse(f.name()), Some(f));
    }
    for bad in ["", "MD", "markdown", "xml", " json"] {
        assert_eq!(parse(bad), None, "{bad:?}");
    }
}

#[test]
fn json_is_the_verdict() {
    let v = sample();
    let golden = include_str!("../../tests/format/verdict.json");
    assert_eq!(text(&v, Format::Json), golden);
    assert_eq!(
        render(&v, Format::Json, true),
        muster_shared::io::to_json(&v, true)
    );
}

#[test]
fn md_one_row_of_each_status() {
    assert_eq!(
        text(&sample(), Format::Md),
        include_str!("../../tests/format/verdict.md")
    );
}

#[test]
fn md_escapes_cells_and_shows_kill_switch_and_shadow() {
    let mut v = verdict(
        Status::Blocked,
        " ",
        vec![
            row(
                "a|b\\c",
                "x\ny",
                json!({"k": [1, "two"]}),
                Status::Blocked,
                "l1\nl2\r",
            ),
            row("empty", "\"\"", json!(""), Status::Pass, "ok"),
            row("flag", "true", json!(true), Status::Warn, ""),
        ],
    );
    v.kill_switch = Some("ops: incident 42\n(since 2026-05-01)".to_owned());
    v.shadow = true;
    // A waiver on a passing row changes nothing.
    v.gates[1].waived_by = Some("bob: not needed".to_owned());
    assert_eq!(
        text(&v, Format::Md),
        "## Gate Progress\n\
             \n\
             | Gate | Target | Current | Status |\n\
             |------|--------|---------|--------|\n\
             | a\\|b\\\\c | x y | {\"k\":[1,\"two\"]} | gap |\n\
             | empty | \"\" | \"\" | pass |\n\
             | flag | true | true | warn |\n\
             \n\
             **Verdict: BLOCKED**\n\
             \n\
             ### Why\n\
             \n\
             - **a|b\\c** (gap): l1 l2\n\
             - **flag** (warn): WARN\n\
             \n\
             **Kill switch on:** ops: incident 42 (since 2026-05-01)\n\
             \n\
             **Shadow mode:** gates evaluated and reported; the exit code is 0.\n"
    );
}

#[test]
fn md_with_no_gates_has_the_header_and_the_verdict() {
    assert_eq!(
        text(&verdict(Status::Pass, "no gates", vec![]), Format::Md),
        "## Gate Progress\n\
             \n\
             | Gate | Target | Current | Status |\n\
             |------|--------|---------|--------|\n\
             \n\
             **Verdict: PASS** — no gates\n"
    );
}

#[test]
fn github_one_line_per_row_that_did_not_pass() {
    assert_eq!(
        text(&sample(), Format::Github),
        include_str!("../../tests/format/verdict.github")
    );
}

#[test]
fn github_escapes_tricky_text() {
    let tricky = row(
        "a:b,c%d\ne",
        ">= 1, <= 2",
        json!("x:y"),
        Status::Blocked,
        "50% done\nnext\rline",
    );
    let mut v = verdict(Status::Blocked, "0 pass, 1 blocked", vec![tricky]);
    v.kill_switch = Some("ops: halt,\nnow".to_owned());
    v.shadow = true;
    assert_eq!(
        text(&v, Format::Github),
        "::error title=muster-gate%3A a%3Ab%2Cc%25d%0Ae::50%25 done%0Anext%0Dline \
             (target >= 1, <= 2, observed x:y)\n\
             ::notice title=muster-gate::Verdict: BLOCKED — 0 pass, 1 blocked; \
             kill switch on: ops: halt,%0Anow; shadow mode, the exit code is 0\n"
    );
}

// -----------------------------------------------------------------------
// junit, read back by Python's xml.etree.ElementTree

/// Parses XML on stdin and prints the tree as JSON: for each element its
/// tag, attributes, text (null when only whitespace) and children.
const PARSE: &str = r#"
import json, sys
import xml.etree.ElementTree as ET
def tree(e):
    text = e.text if e.text is not None and e.text.strip() else None
    return {"tag": e.tag, "attrib": e.attrib, "text": text, "children": [tree(c) for c in e]}
print(json.dumps(tree(ET.fromstring(sys.stdin.buffer.read()))))
"#;

/// `$MUSTER_PYTHON` (a relative path is relative to the workspace root,
/// as in the other tests), else `python3` on PATH.
fn python() -> String {
    match std::env::var("MUSTER_PYTHON") {
        Ok(p) if p.contains('/') && Path::new(&p).is_relative() => {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            root.join(p).to_string_lossy().into_owned()
        }
        Ok(p) if !p.is_empty() => p,
        _ => "python3".to_owned(),
    }
}

#[track_caller]
fn python_tree(xml: &[u8]) -> Value {
    let py = python();
    let mut child = Command::new(&py)
        .args(["-c", PARSE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {py} (MUSTER_PYTHON names a python3): {e}"));
    child.stdin.take().unwrap().write_all(xml).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "ElementTree rejected the XML: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(xml)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The (name, child tags) of each test case, and the counts of each suite.
fn cases(tree: &Value) -> Vec<(String, Vec<String>)> {
    let suite = &tree["children"][0];
    assert_eq!(tree["tag"], "testsuites");
    assert_eq!(suite["tag"], "testsuite");
    assert_eq!(tree["attrib"], suite["attrib"]);
    let tags = |e: &Value| -> Vec<String> {
        let children = e["children"].as_array().unwrap();
        children
            .iter()
            .map(|c| c["tag"].as_str().unwrap().to_owned())
            .collect()
    };
    let children = suite["children"].as_array().unwrap();
    assert_eq!(children[0]["tag"], "properties");
    let names = children[1..]
        .iter()
        .map(|c| c["attrib"]["name"].as_str().unwrap().to_owned());
    names.zip(children[1..].iter().map(tags)).collect()
}

#[test]
fn junit_reads_back_with_one_testcase_per_gate() {
    let xml = render(&sample(), Format::Junit, false);
    assert_eq!(
        xml,
        include_str!("../../tests/format/verdict.xml").as_bytes()
    );
    let tree = python_tree(&xml);
    let counts = json!({"name": "muster-gate", "tests": "5", "failures": "1", "errors": "1", "skipped": "1"});
    assert_eq!(tree["attrib"], counts);
    let expected = [
        ("coverage", &["failure"][..]),
        ("lint", &[]),
        ("latency_ms", &["system-out"]),
        ("report", &["error"]),
        ("docs", &["skipped", "system-out"]),
    ];
    let expected: Vec<(String, Vec<String>)> = expected
        .iter()
        .map(|(n, t)| (n.to_string(), t.iter().map(|t| t.to_string()).collect()))
        .collect();
    assert_eq!(cases(&tree), expected);
    let suite = &tree["children"][0]["children"];
    assert_eq!(
        suite[0]["children"][0]["attrib"],
        json!({"name": "verdict", "value": "FAIL"})
    );
    assert_eq!(
        suite[1]["children"][0],
        json!({
            "tag": "failure",
            "attrib": {"message": "coverage 0.68 is below 0.75", "type": "BLOCKED"},
            "text": "target: >= 0.75\nobserved: 0.68\nwhy: coverage 0.68 is below 0.75",
            "children": [],
        })
    );
    assert_eq!(suite[1]["attrib"]["classname"], "muster-gate.threshold");
    assert_eq!(suite[4]["attrib"]["classname"], "muster-gate.evidence");
    assert_eq!(suite[4]["children"][0]["attrib"]["type"], "FAIL");
    assert_eq!(
        suite[5]["children"][0]["attrib"]["message"],
        "waived by alice: docs land next sprint (until 2026-07-01T00:00:00Z)"
    );
}

#[test]
fn junit_escapes_markup_and_replaces_forbidden_characters() {
    let why = "bad\u{1}byte\u{ffff} & <more>\r\nnext\tline '";
    let clean = "bad\u{fffd}byte\u{fffd} & <more>\r\nnext\tline '";
    let gate = row(
        "a<b&\"c\"",
        "approved 'publish'",
        json!("</x>"),
        Status::Blocked,
        why,
    );
    let mut v = verdict(Status::Blocked, "a\u{1b}[31m", vec![gate]);
    v.kill_switch = Some("ops:\tstop\nnow".to_owned());
    v.shadow = true;
    let tree = python_tree(&render(&v, Format::Junit, false));
    let suite = &tree["children"][0]["children"];
    let props: Vec<&Value> = suite[0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["attrib"])
        .collect();
    let expected = [
        json!({"name": "verdict", "value": "BLOCKED"}),
        json!({"name": "summary", "value": "a\u{fffd}[31m"}),
        json!({"name": "shadow", "value": "true"}),
        json!({"name": "kill_switch", "value": "ops:\tstop\nnow"}),
    ];
    assert_eq!(props, expected.iter().collect::<Vec<_>>());
    let case = &suite[1];
    assert_eq!(
        case["attrib"],
        json!({"classname": "muster-gate.equals", "name": "a<b&\"c\""})
    );
    let failure = &case["children"][0];
    assert_eq!(
        failure["attrib"],
        json!({"message": clean, "type": "BLOCKED"})
    );
    let detail = format!("target: approved 'publish'\nobserved: </x>\nwhy: {clean}");
    assert_eq!(failure["text"], detail);
}

/// Text that has broken reports before: markup, control characters,
/// workflow-command syntax, Markdown table syntax, non-BMP characters.
const NASTY: &[&str] = &[
    "",
    " ",
    "\0",
    "]]>",
    "<!--",
    "&amp;",
    "\u{7f}\u{85}\u{2028}",
    "é 日本 🎉",
    "\u{fffe}\u{ffff}",
    "\\",
    "%0A",
    "::error::x",
    "a,b:c",
    "\r",
    "\n\n",
    "|",
    "**",
    "\u{b}\u{c}",
];

fn nasty() -> Verdict {
    let statuses = [Status::Pass, Status::Warn, Status::Blocked, Status::Fail];
    let gates = NASTY.iter().enumerate().map(|(i, s)| {
        let mut r = row(s, s, json!(s), statuses[i % 4], s);
        r.waived_by = (i % 3 == 0).then(|| (*s).to_owned());
        r
    });
    let mut v = verdict(Status::Fail, "\n", gates.collect());
    v.kill_switch = Some("\0".to_owned());
    v.shadow = true;
    v
}

/// What GitHub's runner reads from a workflow command: command, properties
/// and message (actions/runner `ActionCommand.TryParseV2`: the first `::`
/// after the start ends the command and its properties, which split on
/// `,` and then on the first `=`; `UnescapeProperty` and `UnescapeData`
/// replace each escape in this order).
fn runner_parse(line: &str) -> (String, Vec<(String, String)>, String) {
    const DATA: &[(&str, &str)] = &[("\r", "%0D"), ("\n", "%0A"), ("%", "%25")];
    const PROPERTY: &[(&str, &str)] = &[
        ("\r", "%0D"),
        ("\n", "%0A"),
        (":", "%3A"),
        (",", "%2C"),
        ("%", "%25"),
    ];
    let unescape = |s: &str, map: &[(&str, &str)]| {
        map.iter().fold(s.to_owned(), |s, (token, escaped)| {
            s.replace(escaped, token)
        })
    };
    let line = line.strip_prefix("::").unwrap();
    let (info, data) = line.split_once("::").unwrap();
    let (command, props) = info.split_once(' ').unwrap_or((info, ""));
    let props = props
        .split(',')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), unescape(v, PROPERTY)))
        .collect();
    (command.to_owned(), props, unescape(data, DATA))
}

#[test]
fn nasty_text_keeps_every_format_in_shape() {
    let v = nasty();
    let not_passed = v.gates.iter().filter(|r| r.status != Status::Pass).count();

    let forbidden =
        |c: char| (c < ' ' && !"\t\n\r".contains(c)) || c == '\u{fffe}' || c == '\u{ffff}';
    let clean = |s: &&str| -> String {
        s.chars()
            .map(|c| if forbidden(c) { '\u{fffd}' } else { c })
            .collect()
    };
    let names: Vec<String> = cases(&python_tree(&render(&v, Format::Junit, false)))
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, NASTY.iter().map(clean).collect::<Vec<_>>());

    let github = text(&v, Format::Github);
    assert!(!github.contains('\r'), "{github}");
    let lines: Vec<&str> = github.lines().collect();
    let rows = v.gates.iter().filter(|r| r.status != Status::Pass);
    assert_eq!(lines.len(), rows.clone().count() + 1, "{github}");
    for (line, row) in lines.iter().zip(rows) {
        let (command, props, data) = runner_parse(line);
        let expected = match (&row.waived_by, row.status) {
            (Some(_), _) => "notice",
            (None, Status::Warn) => "warning",
            _ => "error",
        };
        assert_eq!(command, expected, "{line:?}");
        let title = format!("muster-gate: {}", row.name);
        assert_eq!(props, [("title".to_owned(), title)], "{line:?}");
        assert!(data.contains(why(row)), "{line:?}");
    }
    let last = runner_parse(lines[lines.len() - 1]);
    assert_eq!(
        last.2,
        "Verdict: FAIL; kill switch on: \0; shadow mode, the exit code is 0"
    );

    let md = text(&v, Format::Md);
    let table = md.lines().skip(4).take_while(|l| !l.is_empty());
    assert_eq!(table.count(), v.gates.len(), "{md}");
    let why = md.lines().filter(|l| l.starts_with("- **"));
    assert_eq!(why.count(), not_passed, "{md}");
}

#[test]
fn every_format_is_deterministic() {
    for v in [sample(), nasty()] {
        for name in NAMES {
            let f = parse(name).unwrap();
            for compact in [false, true] {
                let once = render(&v, f, compact);
                assert_eq!(once, render(&v.clone(), f, compact), "{name}");
                assert!(once.ends_with(b"\n"), "{name}");
            }
        }
    }
}
