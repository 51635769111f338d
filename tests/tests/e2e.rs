//! End-to-end pipelines.
//!
//! muster's ledgers against an independent RFC 8785 implementation: the Python
//! package `rfc8785`, through `tests/py/verify_ledger.py`, a verifier written
//! from DESIGN.md section 6 alone. For every event, the hash muster recorded is
//! compared with the hash Python computes from the *input text* of the event
//! (so muster's JSON reading, number formatting, escaping and member order are
//! all checked), and whole ledgers, intact and tampered, are checked by both.
//!
//! Binaries (STYLE.md item 17): `muster-ledger` is looked up in
//! `MUSTER_BIN_DIR` (the Makefile sets it), else `<workspace>/target/debug`;
//! Python in `MUSTER_PYTHON`, else `<workspace>/target/pyenv/bin/python3`
//! (`make test` creates that venv from tests/py/requirements.txt). Relative
//! paths are taken from the workspace root. A missing one fails the tests.

use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const NOW: &str = "2026-11-21T08:00:00Z";
/// `NOW` as append writes it into `ts_utc`.
const NOW_MS: &str = "2026-11-21T08:00:00.000Z";
const ZERO_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const SETUP: &str = "`make test` builds muster and sets up Python; by hand: \
    `cargo build -p muster-ledger && python3 -m venv target/pyenv && \
    target/pyenv/bin/pip install -r tests/py/requirements.txt` at the workspace root";

// ---------------------------------------------------------------------------
// Tools

#[path = "support/tools.rs"]
mod tools;

fn muster_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| tools::bin("muster-ledger", SETUP))
}

fn python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| tools::python("rfc8785", SETUP))
}

/// A command running the test Python (writing no `__pycache__` into tests/py).
fn py_cmd() -> Command {
    let mut c = Command::new(python());
    c.env("PYTHONDONTWRITEBYTECODE", "1");
    c
}

fn verifier() -> PathBuf {
    tools::workspace().join("tests/py/verify_ledger.py")
}

use tools::{run, success};

fn muster(ledger: &Path) -> Command {
    let mut c = Command::new(muster_bin());
    c.arg("--ledger")
        .arg(ledger)
        .args(["--now", NOW, "--compact"]);
    c
}

fn py_verify(ledger: &Path) -> Command {
    let mut c = py_cmd();
    c.arg(verifier()).arg(ledger);
    c
}

/// What a verifier said: exit code, event count (when it passed), head, and
/// the first bad line (when it did not).
#[derive(Debug, PartialEq, Eq)]
struct Verdict {
    code: i32,
    events: Option<u64>,
    head: Option<String>,
    bad_line: Option<u64>,
}

fn json_of(out: &Output, who: &str) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{who} did not print JSON ({e}):\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn muster_verdict(ledger: &Path) -> Verdict {
    let out = run(muster(ledger).arg("verify"));
    let v = json_of(&out, "muster-ledger verify");
    let passed = v["status"] == "PASS";
    Verdict {
        code: out.status.code().unwrap_or(-1),
        events: passed.then(|| v["events"].as_u64()).flatten(),
        head: passed
            .then(|| v["head"].as_str().map(String::from))
            .flatten(),
        bad_line: v["problem"]["line"].as_u64(),
    }
}

fn python_verdict(ledger: &Path) -> Verdict {
    let out = run(&mut py_verify(ledger));
    let v = json_of(&out, "verify_ledger.py");
    Verdict {
        code: out.status.code().unwrap_or(-1),
        events: v["events"].as_u64(),
        head: v["head"].as_str().map(String::from),
        bad_line: v["line"].as_u64(),
    }
}

/// Python's hash of each event body (JSON Lines of events without `hash`).
fn python_hashes(dir: &Path, bodies: &[String]) -> Vec<String> {
    let file = dir.join("bodies.jsonl");
    std::fs::write(&file, bodies.join("\n") + "\n").expect("writing bodies");
    let out = success(py_cmd().arg(verifier()).arg("--hash-events").arg(&file));
    out.lines().map(String::from).collect()
}

/// Python's RFC 8785 form of each body, for failure messages.
fn python_jcs(dir: &Path, bodies: &[String]) -> Vec<String> {
    let file = dir.join("jcs-bodies.jsonl");
    std::fs::write(&file, bodies.join("\n") + "\n").expect("writing bodies");
    let script = "import sys, rfc8785\n\
        sys.path.insert(0, sys.argv[1])\n\
        import verify_ledger as v\n\
        for raw in open(sys.argv[2], 'rb').read().split(b'\\n')[:-1]:\n\
        \x20   print(rfc8785.dumps(v.parse(raw)).decode())\n";
    let out = success(
        py_cmd()
            .args(["-c", script])
            .arg(tools::workspace().join("tests/py"))
            .arg(&file),
    );
    out.lines().map(String::from).collect()
}

// ---------------------------------------------------------------------------
// Events as input text

/// One input event: its members as raw JSON text, exactly as given to append.
#[derive(Debug, Clone)]
struct Ev {
    members: Vec<(&'static str, String)>,
    /// Separator text between tokens of the envelope (whitespace variations).
    sep: &'static str,
}

fn ev(event_type: &str, payload: &str) -> Ev {
    Ev {
        members: vec![
            ("run_id", "\"r1\"".into()),
            ("event_type", format!("\"{event_type}\"")),
            ("payload", payload.into()),
        ],
        sep: "",
    }
}

impl Ev {
    fn with(mut self, name: &'static str, raw: &str) -> Self {
        self.members.retain(|(n, _)| *n != name);
        self.members.push((name, raw.into()));
        self
    }

    fn spaced(mut self, sep: &'static str) -> Self {
        self.sep = sep;
        self
    }

    fn has(&self, name: &str) -> bool {
        self.members.iter().any(|(n, _)| *n == name)
    }

    /// The event as append reads it (one line).
    fn input(&self) -> String {
        let s = self.sep;
        let members: Vec<String> = self
            .members
            .iter()
            .map(|(n, v)| format!("{s}\"{n}\"{s}:{s}{v}{s}"))
            .collect();
        format!("{{{}}}", members.join(","))
    }

    /// The event as DESIGN.md section 6 says it is hashed: every field but
    /// `hash`, the input's members as written, the ones append sets added.
    fn body(&self, seq: usize, prev_hash: &str) -> String {
        let mut members: Vec<String> = self
            .members
            .iter()
            .map(|(n, v)| format!("\"{n}\":{v}"))
            .collect();
        for name in ["task_id", "actor", "idempotency_key"] {
            if !self.has(name) {
                members.push(format!("\"{name}\":null"));
            }
        }
        if !self.has("payload") {
            members.push("\"payload\":{}".into());
        }
        if !self.has("ts_utc") {
            members.push(format!("\"ts_utc\":\"{NOW_MS}\""));
        }
        members.push("\"origin\":null".into());
        members.push(format!("\"seq\":{seq}"));
        members.push(format!("\"prev_hash\":\"{prev_hash}\""));
        format!("{{{}}}", members.join(","))
    }

    fn keys(&self) -> BTreeSet<String> {
        let mut k: BTreeSet<String> = self.members.iter().map(|(n, _)| n.to_string()).collect();
        for name in [
            "task_id",
            "actor",
            "idempotency_key",
            "payload",
            "ts_utc",
            "origin",
            "seq",
            "prev_hash",
            "hash",
        ] {
            k.insert(name.into());
        }
        k
    }
}

/// A ledger built by muster from `batches` of events (one `append` each).
struct Built {
    dir: tempfile::TempDir,
    ledger: PathBuf,
    events: Vec<Ev>,
    lines: Vec<String>,
}

fn build(batches: &[Vec<Ev>]) -> Built {
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = dir.path().join("ledger.jsonl");
    let mut events = Vec::new();
    for (i, batch) in batches.iter().enumerate() {
        let input = dir.path().join(format!("batch{i}.jsonl"));
        let text: Vec<String> = batch.iter().map(Ev::input).collect();
        std::fs::write(&input, text.join("\n") + "\n").expect("writing input");
        let out = run(muster(&ledger).arg("append").arg("-i").arg(&input));
        assert!(
            out.status.success(),
            "muster-ledger append of batch {i} failed: {}\ninput:\n{}",
            String::from_utf8_lossy(&out.stderr),
            text.join("\n")
        );
        events.extend(batch.iter().cloned());
    }
    let lines: Vec<String> = std::fs::read_to_string(&ledger)
        .expect("reading the ledger")
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), events.len(), "one line per event");
    Built {
        dir,
        ledger,
        events,
        lines,
    }
}

fn line_hash(line: &str) -> String {
    let v: Value = serde_json::from_str(line).expect("a ledger line is JSON");
    v["hash"].as_str().expect("a hash").to_string()
}

/// (a)+(b)+(d): muster's ledger verifies in both, with the same head, and each
/// recorded hash is Python's hash of the event's input text.
fn assert_agreement(b: &Built) {
    let hashes: Vec<String> = b.lines.iter().map(|l| line_hash(l)).collect();
    let n = hashes.len() as u64;
    let head = hashes.last().cloned().unwrap_or_else(|| ZERO_HASH.into());

    // Whole ledger: both verifiers, and muster's head.
    let py = python_verdict(&b.ledger);
    let want = Verdict {
        code: 0,
        events: Some(n),
        head: Some(head.clone()),
        bad_line: None,
    };
    assert_eq!(py, want, "verify_ledger.py on {}", b.ledger.display());
    assert_eq!(muster_verdict(&b.ledger), want, "muster-ledger verify");
    let h: Value =
        serde_json::from_str(&success(muster(&b.ledger).arg("head"))).expect("head is JSON");
    assert_eq!(
        (h["size"].as_u64(), h["head"].as_str()),
        (Some(n), Some(head.as_str())),
        "muster-ledger head"
    );

    // Event by event, from the input text.
    let mut bodies = Vec::with_capacity(b.events.len());
    for (i, e) in b.events.iter().enumerate() {
        let prev = if i == 0 { ZERO_HASH } else { &hashes[i - 1] };
        bodies.push(e.body(i + 1, prev));
        let line: serde_json::Map<String, Value> =
            serde_json::from_str(&b.lines[i]).expect("a ledger line is an object");
        let keys: BTreeSet<String> = line.keys().cloned().collect();
        assert_eq!(
            keys,
            e.keys(),
            "line {} has other members than DESIGN.md section 6 lists: {}",
            i + 1,
            b.lines[i]
        );
    }
    let py_hashes = python_hashes(b.dir.path(), &bodies);
    assert_eq!(py_hashes.len(), bodies.len(), "one Python hash per event");
    let bad: Vec<usize> = (0..bodies.len())
        .filter(|&i| py_hashes[i] != hashes[i])
        .collect();
    if !bad.is_empty() {
        let picked: Vec<String> = bad.iter().take(5).map(|&i| bodies[i].clone()).collect();
        let jcs = python_jcs(b.dir.path(), &picked);
        let mut msg = format!(
            "muster and Python's rfc8785 disagree on {} of {} events; the first ones:\n",
            bad.len(),
            bodies.len()
        );
        for (k, &i) in bad.iter().take(5).enumerate() {
            let ours = without_hash(&b.lines[i]);
            let theirs = jcs.get(k).map_or("?", String::as_str);
            let _ = write!(
                msg,
                "\nevent {} (seq {}):\n  input:       {}\n  muster line: {}\n  rfc8785 JCS: {}\n  hashes: muster {}, python {}\n  first difference (muster line without hash | rfc8785):\n    {}\n",
                i + 1,
                i + 1,
                b.events[i].input(),
                b.lines[i],
                theirs,
                hashes[i],
                py_hashes[i],
                first_difference(&ours, theirs)
            );
        }
        panic!("{msg}");
    }
}

/// Where two texts first differ, with some context from each.
fn first_difference(a: &str, b: &str) -> String {
    let at = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i);
    let from = a[..at].char_indices().rev().nth(30).map_or(0, |(i, _)| i);
    let window = |s: &str| {
        s.get(from..)
            .unwrap_or("")
            .chars()
            .take(70)
            .collect::<String>()
    };
    format!("…{} | …{}", window(a), window(b))
}

// ---------------------------------------------------------------------------
// The hand-picked corpus

fn corpus() -> Vec<Vec<Ev>> {
    // Raw characters a Rust raw string cannot show: U+2028, U+2029, U+E000, DEL.
    let raw = |s: &str| {
        s.replace("<LS>", "\u{2028}")
            .replace("<PS>", "\u{2029}")
            .replace("<PUA>", "\u{e000}")
            .replace("<DEL>", "\u{7f}")
    };
    let text = ev(
        "task.finished",
        &raw(r#"{"status":"done","plain":"é😀漢字テスト","line_sep":"<LS>","para_sep":"<PS>","escaped":"\u00e9\ud83d\ude00\u6f22\u2028\u2029\uFB33","bom":"\ufeff","max":"\udbff\udfff","private":"<PUA>"}"#),
    )
    .with("task_id", "\"T1\"")
    .with("actor", r#""agent é😀 \"quoted\" \\ back\u0000""#);
    let escapes = ev(
        "task.heartbeat",
        &raw(r#"{"controls":"\u0000\u0001\u0007\b\t\n\u000b\f\r\u000e\u001f","del":"\u007f","raw_del":"<DEL>","quotes":"\"x\" 'y'","backslashes":"\\ \\\\ \\u0041 \\n","solidus":"\/ /","upper_hex":"\u001F\u000A\u0008\u0041\u00E9","short_as_u":"\u0008\u0009\u000a\u000c\u000d\u0022\u005c\u002f"}"#),
    )
    .with("task_id", "null");
    let floats = ev(
        "gate.evaluated",
        r#"{"x":0.75,"big":1e21,"BIG":1E21,"plus":1e+21,"small":1e-7,"neg_zero":-0.0,"neg_int_zero":-0,"zero":0.0,"tiny":5e-324,"max":1.7976931348623157e308,"max_upper":1.7976931348623157E+308,"sum":0.30000000000000004,"tenth":0.1,"e20":1e20,"e_6":1e-6,"dec_6":0.000001,"e_7":0.0000001,"one":1.0,"hundred":1e2,"trailing":0.750,"min_normal":2.2250738585072014e-308,"long":123456789.123456789,"neg":-4.35,"e16":1e16,"two53":9007199254740992.0,"e_300":-1e-300,"third":0.3333333333333333}"#,
    );
    let integers = ev(
        "task.dispatched",
        r#"{"max_safe":9007199254740991,"min_safe":-9007199254740991,"zero":0,"neg":-1,"one":1,"year":2026,"minus_big":-123456789012345,"list":[0,-0,1,-1,2147483647,-2147483648,4294967296]}"#,
    )
    .with("task_id", "\"T-2.a_b\"");
    let nested = ev(
        "scope.checked",
        r#"{"b":{"é":1,"\u00e8":2,"😀":3,"\ufb33":4,"\ud83d\ude01":5,"A":6,"a":7,"B":8,"b":9,"":10,"\r":11,"1":12,"\u0080":13,"ö":14,"_":15,"aa":16,"a\u0000":17,"\uffff":18,"\ud800\udc00":19},"a":[{"z":[[],{},[{}],{"y":[]}],"k":null},[true,false,null,[1,[2,[3,[4,{"deep":{"deeper":{"deepest":"\u2028"}}}]]]]]],"empty_obj":{},"empty_arr":[],"mixed":[1,"1",1.5,{"1":1},[1],null,true]}"#,
    )
    .with("task_id", "null")
    .with("actor", "null")
    .with("idempotency_key", r#""key-é-😀-\u2028-\"""#);
    let spaced = ev(
        "approval.granted",
        "{ \"k\" : [ 1 , 2.50 , { \"é\" : \"\\u00e9\" } ] ,\t\"j\":\t{ } }",
    )
    .spaced(" \t ")
    .with("ts_utc", "\"2026-11-21T07:59:59.999Z\"");
    let empty = ev("run.created", "{}");
    let minimal = Ev {
        members: vec![
            ("run_id", "\"r2\"".into()),
            ("event_type", "\"run.finished\"".into()),
        ],
        sep: "",
    };
    let unknown = ev(
        "custom.thing_2",
        r#"{"hash":"not the event's","seq":-1,"prev_hash":null,"payload":{"payload":{}}}"#,
    )
    .with("actor", "\"\"")
    .with("ts_utc", "\"2026-01-01T00:00:00.000Z\"");
    vec![
        vec![text],
        vec![escapes],
        vec![floats, integers],
        vec![nested, spaced, empty, minimal, unknown],
    ]
}

/// Decimal texts that need correct rounding to the nearest double (found by
/// the random test): ECMAScript's JSON.parse and Python read them exactly.
fn hard_decimals() -> Vec<Vec<Ev>> {
    let texts = [
        "2.7715077941825975e-163",
        "2.2790121708605243e+274",
        "7.6549271338816906e-231",
        "2.6046447641571202e-297",
        "-1.7724862659022759e-243",
        "-66926478731690.960938",
        "-6.6926478731690960937500000e+13",
        "7.6549271338816906417596202e-231",
    ];
    let events = texts
        .iter()
        .map(|t| ev("task.finished", &format!("{{\"x\":{t},\"text\":\"{t}\"}}")))
        .collect();
    vec![events]
}

#[test]
fn hand_picked_events_hash_as_rfc8785_says() {
    assert_agreement(&build(&corpus()));
}

#[test]
fn decimal_inputs_are_read_as_the_nearest_double() {
    assert_agreement(&build(&hard_decimals()));
}

// ---------------------------------------------------------------------------
// Random events

#[path = "../../shared/tests/support/rng.rs"]
mod rng;
use rng::Rng;

const TRICKY_CHARS: &[char] = &[
    'a',
    'Z',
    '0',
    ' ',
    '~',
    '"',
    '\\',
    '/',
    '\'',
    '\u{0}',
    '\u{1}',
    '\u{8}',
    '\t',
    '\n',
    '\u{b}',
    '\u{c}',
    '\r',
    '\u{1f}',
    '\u{7f}',
    '\u{80}',
    '\u{9f}',
    '\u{a0}',
    'é',
    'ö',
    'ß',
    '\u{2028}',
    '\u{2029}',
    '漢',
    'テ',
    '\u{fb33}',
    '\u{feff}',
    '\u{fffd}',
    '\u{ffff}',
    '\u{e000}',
    '\u{1F600}',
    '\u{1F601}',
    '\u{10000}',
    '\u{10ffff}',
];

/// A string as (its value, its JSON text), each character written one of the
/// ways JSON allows.
fn random_string(rng: &mut Rng, max_len: usize) -> (String, String) {
    let len = rng.below(max_len + 1);
    let mut value = String::new();
    let mut text = String::from("\"");
    for _ in 0..len {
        let c = match rng.below(8) {
            0 => char::from_u32(rng.below(0xd800) as u32).unwrap_or('x'),
            1 => char::from_u32(0x10000 + rng.below(0x100000) as u32).unwrap_or('x'),
            2 | 3 => (b'a' + rng.below(26) as u8) as char,
            _ => *rng.pick(TRICKY_CHARS),
        };
        value.push(c);
        write_char(rng, c, &mut text);
    }
    text.push('"');
    (value, text)
}

fn write_char(rng: &mut Rng, c: char, out: &mut String) {
    let short = match c {
        '"' => Some("\\\""),
        '\\' => Some("\\\\"),
        '/' => Some("\\/"),
        '\u{8}' => Some("\\b"),
        '\u{c}' => Some("\\f"),
        '\n' => Some("\\n"),
        '\r' => Some("\\r"),
        '\t' => Some("\\t"),
        _ => None,
    };
    let must_escape = c < ' ' || c == '"' || c == '\\';
    match rng.below(4) {
        0 | 1 if !must_escape => out.push(c),
        2 if short.is_some() => out.push_str(short.unwrap_or_default()),
        _ if short.is_some() && must_escape && rng.one_in(2) => {
            out.push_str(short.unwrap_or_default())
        }
        _ => {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                if rng.one_in(2) {
                    let _ = write!(out, "\\u{u:04x}");
                } else {
                    let _ = write!(out, "\\u{u:04X}");
                }
            }
        }
    }
}

const SPECIAL_NUMBERS: &[&str] = &[
    "0.75",
    "1e21",
    "1E21",
    "1e+21",
    "1e-7",
    "-0.0",
    "-0",
    "0",
    "5e-324",
    "-5e-324",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "0.30000000000000004",
    "0.1",
    "9007199254740991",
    "-9007199254740991",
    "9007199254740992.0",
    "1e16",
    "1e20",
    "1e-6",
    "0.000001",
    "1.5e-6",
    "123e-20",
    "2.2250738585072014e-308",
    "2.225073858507201e-308",
    "4.9406564584124654e-324",
    "1.0",
    "100",
    "1e2",
    "0.1e1",
    "10e-1",
    "999999999999999999999.0",
    "1e22",
];

fn random_number(rng: &mut Rng) -> String {
    const SAFE: u64 = (1 << 53) - 1;
    match rng.below(10) {
        0 | 1 => rng.pick(SPECIAL_NUMBERS).to_string(),
        2 => {
            let n = (rng.next() % (2 * SAFE + 1)) as i64 - SAFE as i64;
            n.to_string()
        }
        3 => (rng.below(2001) as i64 - 1000).to_string(),
        4 => {
            // Sums and quotients of small numbers, like 0.1 + 0.2.
            let a = (rng.below(1000) as f64) / 10f64.powi(rng.below(4) as i32);
            let b = (rng.below(1000) as f64 + 1.0) / 10f64.powi(rng.below(4) as i32);
            let f = if rng.one_in(2) { a + b } else { a / b };
            format!("{f:?}")
        }
        _ => {
            // Any finite double, written the shortest way or with more digits.
            let f = loop {
                let f = f64::from_bits(rng.next());
                if f.is_finite() {
                    break f;
                }
            };
            match rng.below(5) {
                0 => format!("{f:e}"),
                1 => format!("{f:E}"),
                2 => format!("{f:.16e}"),
                3 => format!("{f:.25e}"),
                _ => format!("{f:?}"),
            }
        }
    }
}

fn random_sep(rng: &mut Rng) -> &'static str {
    const GAPS: &[&str] = &["", "", "", " ", "\t", "  "];
    rng.pick::<&str>(GAPS)
}

const TRICKY_KEYS: &[&str] = &[
    "",
    "a",
    "A",
    "b",
    "B",
    "aa",
    "é",
    "e",
    "\u{e8}",
    "ö",
    "\u{80}",
    "\u{1F600}",
    "\u{1F601}",
    "\u{fb33}",
    "\u{ffff}",
    "\u{10000}",
    "\r",
    "\n",
    "1",
    "10",
    "9",
    "_",
    "a\u{0}",
    "hash",
    "seq",
    "\u{2028}",
];

fn random_value(rng: &mut Rng, depth: usize, out: &mut String) {
    let kinds = if depth >= 6 { 5 } else { 9 };
    match rng.below(kinds) {
        0 => out.push_str("null"),
        1 => out.push_str(if rng.one_in(2) { "true" } else { "false" }),
        2 | 3 => out.push_str(&random_number(rng)),
        4 => out.push_str(&random_string(rng, 12).1),
        5 | 6 => random_object(rng, depth + 1, out),
        _ => {
            out.push('[');
            let n = rng.below(5);
            for i in 0..n {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(random_sep(rng));
                random_value(rng, depth + 1, out);
                out.push_str(random_sep(rng));
            }
            out.push(']');
        }
    }
}

fn random_object(rng: &mut Rng, depth: usize, out: &mut String) {
    out.push('{');
    let n = rng.below(6);
    let mut seen = BTreeSet::new();
    let mut first = true;
    for _ in 0..n {
        let (key, text) = if rng.one_in(2) {
            let k = rng.pick(TRICKY_KEYS).to_string();
            let mut t = String::from("\"");
            for c in k.chars() {
                write_char(rng, c, &mut t);
            }
            t.push('"');
            (k, t)
        } else {
            random_string(rng, 6)
        };
        if !seen.insert(key) {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(random_sep(rng));
        out.push_str(&text);
        out.push_str(random_sep(rng));
        out.push(':');
        out.push_str(random_sep(rng));
        random_value(rng, depth, out);
        out.push_str(random_sep(rng));
    }
    out.push('}');
}

fn random_event(rng: &mut Rng, i: usize) -> Ev {
    const TYPES: &[&str] = &[
        "task.finished",
        "task.heartbeat",
        "gate.evaluated",
        "bundle.validated",
        "run.created",
        "custom.x_1",
    ];
    let mut payload = String::new();
    random_object(rng, 0, &mut payload);
    let event_type = *rng.pick(TYPES);
    let run_id = *rng.pick(&["\"r1\"", "\"run-2\"", "\"R_3.x\""]);
    let mut e = ev(event_type, &payload).with("run_id", run_id);
    match rng.below(3) {
        0 => {}
        1 => e = e.with("task_id", "null"),
        _ => e = e.with("task_id", &format!("\"T{}\"", rng.below(50))),
    }
    match rng.below(3) {
        0 => {}
        1 => e = e.with("actor", "null"),
        _ => e = e.with("actor", &random_string(rng, 10).1),
    }
    if rng.one_in(4) {
        // Unique per event, so no key repeats with other content.
        let (_, text) = random_string(rng, 8);
        e = e.with(
            "idempotency_key",
            &format!("{}#{i}\"", &text[..text.len() - 1]),
        );
    }
    if rng.one_in(3) {
        let ts = format!(
            "\"2026-11-{:02}T{:02}:{:02}:{:02}.{:03}Z\"",
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60),
            rng.below(1000)
        );
        e = e.with("ts_utc", &ts);
    }
    if rng.one_in(4) {
        e = e.spaced(rng.pick::<&str>(&[" ", "\t", " \t "]));
    }
    e
}

#[test]
fn random_events_hash_as_rfc8785_says() {
    let seed = std::env::var("MUSTER_E2E_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6d75_7374_6572_2121_u64);
    let mut rng = Rng(seed | 1);
    let batches: Vec<Vec<Ev>> = (0..4)
        .map(|b| {
            (0..100)
                .map(|i| random_event(&mut rng, b * 100 + i))
                .collect()
        })
        .collect();
    let built = build(&batches);
    assert_agreement(&built);
}

// ---------------------------------------------------------------------------
// Tampering

/// The line with its `hash` member taken out: the event without hash.
fn without_hash(line: &str) -> String {
    let start = line.find(",\"hash\":\"").expect("a hash member");
    let end = start + ",\"hash\":\"".len() + 64 + 1;
    format!("{}{}", &line[..start], &line[end..])
}

/// Re-seals a changed line: its hash becomes Python's hash of the rest.
fn reseal(dir: &Path, line: &str) -> String {
    let body = without_hash(line);
    let hash = python_hashes(dir, std::slice::from_ref(&body))
        .pop()
        .expect("one hash");
    let at = body.find(",\"idempotency_key\":").expect("idempotency_key");
    format!("{},\"hash\":\"{hash}\"{}", &body[..at], &body[at..])
}

#[test]
fn tampered_ledgers_are_refused_by_both() {
    let b = build(&corpus());
    assert_agreement(&b);
    let lines = &b.lines;
    let n = lines.len();
    assert!(n >= 6);
    let dir = b.dir.path();
    let joined = |ls: &[String]| -> Vec<u8> {
        ls.iter()
            .flat_map(|l| format!("{l}\n").into_bytes())
            .collect()
    };

    let mut cases: Vec<(&str, Vec<u8>, u64)> = Vec::new();
    let mut edit = |name: &'static str, k: usize, f: &dyn Fn(&str) -> String, bad: u64| {
        let mut ls = lines.clone();
        ls[k] = f(&ls[k]);
        assert_ne!(ls[k], lines[k], "{name}: the tamper changed nothing");
        cases.push((name, joined(&ls), bad));
    };
    edit(
        "run_id changed",
        1,
        &|l| l.replace("\"run_id\":\"r1\"", "\"run_id\":\"r9\""),
        2,
    );
    edit("payload text changed", 0, &|l| l.replacen("é", "e", 1), 1);
    edit(
        "payload number changed",
        2,
        &|l| l.replace("\"x\":0.75", "\"x\":0.76"),
        3,
    );
    edit(
        "control escape changed",
        1,
        &|l| l.replacen("\\u0000", "\\u0001", 1),
        2,
    );
    edit(
        "hash digit changed",
        3,
        &|l| {
            let at = l.find("\"hash\":\"").expect("hash") + 8;
            let d = if &l[at..=at] == "0" { "1" } else { "0" };
            format!("{}{d}{}", &l[..at], &l[at + 1..])
        },
        4,
    );
    edit(
        "changed and resealed (the next link breaks)",
        2,
        &|l| reseal(dir, &l.replace("\"x\":0.75", "\"x\":0.5")),
        4,
    );
    edit(
        "seq changed and resealed",
        4,
        &|l| reseal(dir, &l.replace(",\"seq\":5,", ",\"seq\":6,")),
        5,
    );
    edit(
        "first prev_hash not zeros, resealed",
        0,
        &|l| reseal(dir, &l.replace(ZERO_HASH, &"1".repeat(64))),
        1,
    );
    edit(
        "a member duplicated",
        5,
        &|l| l.replacen("\"actor\":", "\"actor\":null,\"actor\":", 1),
        6,
    );
    edit("not JSON", 3, &|l| l[..l.len() - 1].to_string(), 4);
    edit("a line of garbage", 2, &|_| "garbage".into(), 3);
    edit("an empty line", 4, &|_| String::new(), 5);

    let mut deleted = lines.clone();
    deleted.remove(2);
    cases.push(("line 3 deleted", joined(&deleted), 3));
    let mut swapped = lines.clone();
    swapped.swap(3, 4);
    cases.push(("lines 4 and 5 swapped", joined(&swapped), 4));
    let mut doubled = lines.clone();
    doubled.push(lines[n - 1].clone());
    cases.push(("last line repeated", joined(&doubled), n as u64 + 1));
    cases.push(("first line cut", joined(&lines[1..]), 1));
    let all = joined(lines);
    cases.push(("torn last line", all[..all.len() - 20].to_vec(), n as u64));
    cases.push((
        "last newline missing",
        all[..all.len() - 1].to_vec(),
        n as u64,
    ));
    let mut not_utf8 = all.clone();
    let at = lines[0].len() + 1 + lines[1].find("task.heartbeat").expect("line 2's type");
    not_utf8[at] = 0xff;
    cases.push(("a byte that is not UTF-8", not_utf8, 2));

    for (i, (name, text, bad)) in cases.iter().enumerate() {
        let path = dir.join(format!("tampered{i}.jsonl"));
        std::fs::write(&path, text).expect("writing a tampered copy");
        let want = Verdict {
            code: 2,
            events: None,
            head: None,
            bad_line: Some(*bad),
        };
        let (m, p) = (muster_verdict(&path), python_verdict(&path));
        assert_eq!(m, want, "{name}: muster-ledger verify");
        assert_eq!(p, want, "{name}: verify_ledger.py");
    }
}

#[test]
fn inputs_without_a_jcs_form_are_refused_by_both() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = dir.path().join("ledger.jsonl");
    for payload in [
        r#"{"lone":"\ud800"}"#,
        r#"{"lone":"\udc00x"}"#,
        r#"{"nan":NaN}"#,
        r#"{"inf":Infinity}"#,
        r#"{"big":1e400}"#,
    ] {
        let e = ev("task.finished", payload);
        let input = dir.path().join("in.jsonl");
        std::fs::write(&input, e.input()).expect("writing input");
        let out = run(muster(&ledger).arg("append").arg("-i").arg(&input));
        assert_eq!(out.status.code(), Some(1), "muster-ledger append {payload}");
        assert!(!ledger.exists(), "{payload}: nothing is written");

        std::fs::write(&input, e.body(1, ZERO_HASH)).expect("writing input");
        let out = run(py_cmd().arg(verifier()).arg("--hash-events").arg(&input));
        assert_eq!(
            out.status.code(),
            Some(2),
            "verify_ledger.py --hash-events {payload}"
        );
    }
}

#[test]
fn empty_ledgers_and_the_hash_rule_by_hand() {
    // An empty ledger: no events, the head is 64 zeros, in both.
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").expect("writing");
    let want = Verdict {
        code: 0,
        events: Some(0),
        head: Some(ZERO_HASH.into()),
        bad_line: None,
    };
    assert_eq!(python_verdict(&empty), want);
    assert_eq!(muster_verdict(&empty), want);
    // The hash rule spelled out by hand: sha256 over the domain and JCS.
    let body = r#"{"b":[1e21,0.75,"é"],"a":{"\u00e9":1,"z":null}}"#;
    let script = "import hashlib, rfc8785, sys\n\
        sys.path.insert(0, sys.argv[1])\n\
        import verify_ledger as v\n\
        raw = sys.argv[2].encode()\n\
        jcs = rfc8785.dumps(v.parse(raw))\n\
        assert jcs == '{\"a\":{\"z\":null,\"é\":1},\"b\":[1e+21,0.75,\"é\"]}'.encode(), jcs\n\
        print(hashlib.sha256(b'muster-ledger-v1\\x00' + jcs).hexdigest())\n";
    let direct = success(
        py_cmd()
            .args(["-c", script])
            .arg(tools::workspace().join("tests/py"))
            .arg(body),
    );
    assert_eq!(
        python_hashes(dir.path(), &[body.to_string()]),
        vec![direct.trim().to_string()]
    );
}
