//! Tampering and bad input: a pristine ledger verifies; every flipped byte,
//! every line edit and every cut is caught and named; bad input never panics,
//! says what is wrong on one line, and never touches the ledger.
//!
//! The exhaustive byte-flip loop calls the library (`verify_bytes`), which is
//! what the binary runs; a spread of offsets goes through the binary too.

use muster_ledger::chain;
use muster_ledger::verify::{verify_bytes, Expect};
use muster_shared::Status;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const NOW: &str = "2026-11-21T08:00:00Z";

/// Sixteen events appended in one call (JSON Lines on stdin): non-ASCII text,
/// escapes, floats, nested objects and arrays, null task_id, keys that sort
/// differently in UTF-16 and UTF-8, idempotency keys, a given ts_utc.
const BATCH: &[&str] = &[
    r#"{"run_id":"r1","event_type":"run.created","actor":"muster-run","payload":{"base":"0123abcd","note":"héllo wörld — ✓ 日本語 🦀"}}"#,
    r#"{"run_id":"r1","event_type":"task.dispatched","task_id":"T1","payload":{"argv":["sh","-c","echo \"hi\"\n"],"worktree":".muster/worktrees/r1/T1"},"idempotency_key":"r1/T1/dispatch"}"#,
    r#"{"run_id":"r1","event_type":"task.heartbeat","task_id":null,"payload":{"progress":0.75,"big":1e21,"small":1e-7,"neg":-42,"max_safe":9007199254740991,"zero":-0.0}}"#,
    r#"{"run_id":"r1","event_type":"scope.checked","task_id":"T1","payload":{"files":[{"path":"src/a.rs","allowed":true},{"path":"tab\there\\back","allowed":false}],"deny":[],"allow":["src/**"],"nested":{"a":{"b":{"c":[1,[2,[3,{}]]]}}}}}"#,
    r#"{"run_id":"r1","event_type":"task.finished","task_id":"T1","actor":"worker-1","payload":{"status":"done","exit_code":0,"duration_ms":1234},"idempotency_key":"r1/T1/finished"}"#,
    r#"{"run_id":"r1","event_type":"gate.evaluated","payload":{"gates":[{"name":"coverage","observed":0.75,"target":0.8,"why":null,"waived_by":null}],"status":"WARN"}}"#,
    r#"{"run_id":"r1","event_type":"escalation.raised","task_id":"T2","payload":{"question":"Which \"main\" branch?\nC:\\path","options":["a","b"],"recommendation":"a"}}"#,
    r#"{"run_id":"r1","event_type":"task.spawned","payload":{"subtask":"T-AUTO-01","control":"\u0001\u001f\u007f\b\f\r","ünïcode_kéy":true,"ｱ":1,"🦀":2,"z":3}}"#,
    r#"{"run_id":"r2","event_type":"run.created","ts_utc":"2026-11-20T23:59:59.5-01:00","payload":{}}"#,
    r#"{"run_id":"r2","event_type":"task.timed_out","task_id":"T9","payload":{"timeout_s":30.5,"signals":["TERM","KILL"]}}"#,
    r#"{"schema":"muster.event/v1","run_id":"r2","event_type":"task.cancelled","task_id":"T8","actor":"alice","payload":{"reason":"superseded by T9 \u2028 \u2029 \ud83e\udd80 \u00e9"}}"#,
    r#"{"run_id":"global","event_type":"kill_switch.activated","actor":"bob","payload":{"reason":"incident #42: \"stop\"","by":"bob"},"idempotency_key":"ks-1"}"#,
    r#"{"run_id":"global","event_type":"kill_switch.deactivated","actor":"bob","payload":{"reason":"resolved"}}"#,
    r#"{"run_id":"r2","event_type":"bundle.validated","task_id":"T9","payload":{"artifacts":{"DIFF.patch":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},"ok":true}}"#,
    r#"{"run_id":"r2","event_type":"integration.finished","payload":{"order":["T8","T9"],"applied":["T9"],"overlaps":[],"result":{"tree":null,"patch":"diff --git a/x b/x\n--- a/x\n+++ b/x\n"}}}"#,
    r#"{"run_id":"r2","event_type":"approval.granted","actor":"carol","payload":{"action":"publish","evidence":"sha256:abc","reason":"looks good to me"},"idempotency_key":"r2/approve/publish"}"#,
];

/// Four more events, one `append` each (a pretty-printed one among them).
const SINGLES: &[&str] = &[
    r#"{"run_id":"r2","event_type":"run.finished","payload":{"status":"PASS","floats":[0.1,0.2,0.30000000000000004,1e300,5e-324,-1.5e-10]}}"#,
    "{\n  \"run_id\": \"r3\",\n  \"event_type\": \"repair.requested\",\n  \"payload\": {\"emoji\": \"👩‍👩‍👧\", \"rtl\": \"שלום\", \"nul\": \"a\\u0000b\"}\n}\n",
    r#"{"run_id":"r3","event_type":"custom.unknown_type","payload":{"deep":[[[[[[[[[["ten"]]]]]]]]]]}}"#,
    r#"{"run_id":"r3","event_type":"task.heartbeat","task_id":"T1","payload":{"i":20},"idempotency_key":"r3/hb/20"}"#,
];

/// Events in the pristine ledger.
const SIZE: usize = 20;

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&self.stdout),
                self.stderr
            )
        })
    }
}

/// Runs `muster-ledger --ledger LEDGER --now NOW ARGS…` with `stdin` piped in.
fn ledger_run(ledger: &Path, args: &[&str], stdin: &[u8]) -> Run {
    let mut cmd = Command::new(crate::bin());
    cmd.arg("--ledger").arg(ledger).args(["--now", NOW]);
    raw_run(cmd.args(args), stdin)
}

fn raw_run(cmd: &mut Command, stdin: &[u8]) -> Run {
    let (code, out) = crate::run_piped(cmd, stdin);
    Run {
        code,
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes the pristine ledger into `dir` through the binary; returns its path and bytes.
fn pristine(dir: &Path) -> (PathBuf, Vec<u8>) {
    let path = dir.join("ledger.jsonl");
    let batch = BATCH.join("\n") + "\n";
    let r = ledger_run(&path, &["append"], batch.as_bytes());
    assert_eq!(r.code, 0, "batch append: {}", r.stderr);
    assert_eq!(r.json()["appended"], BATCH.len());
    for (i, ev) in SINGLES.iter().enumerate() {
        let r = ledger_run(&path, &["--compact", "append"], ev.as_bytes());
        assert_eq!(r.code, 0, "single append {i}: {}", r.stderr);
        assert_eq!(r.json()["seqs"][0], BATCH.len() + i + 1);
    }
    // The same key with the same content again adds nothing.
    let r = ledger_run(&path, &["append"], BATCH[15].as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = r.json();
    assert_eq!(
        (doc["appended"].as_u64(), doc["duplicates"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(doc["seqs"][0], 16);
    assert_eq!(doc["size"], SIZE);
    let bytes = std::fs::read(&path).expect("reading the pristine ledger");
    (path, bytes)
}

/// The 1-based number of the line holding byte `offset` (its newline included).
fn line_of(bytes: &[u8], offset: usize) -> u64 {
    1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count() as u64
}

/// The lines of a ledger, each with its newline.
fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// Runs `verify` on `bytes` written to a scratch ledger; returns the run.
fn verify_file(dir: &Path, bytes: &[u8], extra: &[&str]) -> Run {
    let path = dir.join("tampered.jsonl");
    std::fs::write(&path, bytes).expect("writing the tampered ledger");
    let mut args = vec!["verify"];
    args.extend_from_slice(extra);
    let r = ledger_run(&path, &args, b"");
    assert_eq!(
        std::fs::read(&path).expect("reading the tampered ledger"),
        bytes,
        "verify changed the ledger"
    );
    r
}

/// Asserts that `verify` said BLOCKED (exit 2) naming line `line`, in its
/// one stderr line and in its report; returns the problem's text.
#[track_caller]
fn assert_blocked_at(r: &Run, line: u64) -> String {
    assert_eq!(r.code, 2, "expected BLOCKED; stderr: {}", r.stderr);
    let doc = r.json();
    assert_eq!(doc["status"], "BLOCKED");
    assert_eq!(doc["problem"]["line"], line, "report: {doc}");
    let err: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(err.len(), 1, "stderr: {}", r.stderr);
    assert!(
        err[0].starts_with("muster-ledger: blocked: "),
        "stderr: {}",
        r.stderr
    );
    let wanted = format!(": line {line}: ");
    assert!(
        err[0].contains(&wanted),
        "stderr does not name line {line}: {}",
        r.stderr
    );
    doc["problem"]["what"]
        .as_str()
        .expect("problem.what is a string")
        .to_string()
}

#[test]
fn pristine_ledger_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = pristine(dir.path());
    assert_eq!(lines(&bytes).len(), SIZE);
    // Every line is canonical JSON, sealed by seal() exactly as written.
    let mut prev = chain::ZERO_HASH.to_string();
    for (i, line) in lines(&bytes).iter().enumerate() {
        let Value::Object(mut m) = serde_json::from_slice::<Value>(line).unwrap() else {
            panic!("line {} is not an object", i + 1)
        };
        assert_eq!(m["seq"], i + 1);
        assert_eq!(m["prev_hash"], prev.as_str());
        let recorded = m["hash"].as_str().unwrap().to_string();
        m.remove("hash");
        let (hash, sealed) = chain::seal(m).unwrap();
        assert_eq!(hash, recorded, "line {}", i + 1);
        assert_eq!(
            sealed,
            line[..line.len() - 1],
            "line {} is not canonical",
            i + 1
        );
        prev = hash;
    }
    // Spot checks of how values were written.
    let text = String::from_utf8(bytes.clone()).unwrap();
    for want in [
        "héllo wörld — ✓ 日本語 🦀",
        r#""big":1e+21"#,
        r#""progress":0.75"#,
        r#""small":1e-7"#,
        r#""zero":0"#,
        r#""task_id":null"#,
        r#"echo \"hi\"\n"#,
        "\"control\":\"\\u0001\\u001f\u{7f}\\b\\f\\r\"",
        // UTF-16 order: U+1F980 (D83E DD80) before U+FF71.
        r#""z":3,"ünïcode_kéy":true,"🦀":2,"ｱ":1"#,
        "2026-11-21T00:59:59.500Z",
        "2026-11-21T08:00:00.000Z",
    ] {
        assert!(text.contains(want), "the ledger lacks {want}");
    }

    let r = ledger_run(&path, &["verify"], b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    let doc = r.json();
    assert_eq!(doc["status"], "PASS");
    assert_eq!(doc["events"], SIZE);
    assert_eq!(doc["problem"], Value::Null);
    assert_eq!(doc["head"].as_str(), Some(prev.as_str()));
    assert!(String::from_utf8_lossy(&r.stdout).contains("\"status\": \"PASS\""));

    let head = ledger_run(&path, &["head"], b"").json();
    assert_eq!(head["size"], SIZE);
    assert_eq!(head["head"].as_str(), Some(prev.as_str()));
    let size = SIZE.to_string();
    let r = ledger_run(
        &path,
        &["verify", "--expect-size", &size, "--expect-head", &prev],
        b"",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Reading commands accept it too.
    let r = ledger_run(&path, &["list", "--format", "jsonl"], b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(String::from_utf8_lossy(&r.stdout).lines().count(), SIZE);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

/// Every byte of the ledger, flipped with XOR 0x01 and then with XOR 0x80,
/// is caught and blamed on the line that holds it (a flipped newline joins
/// two lines into one bad line with that number; a flipped last newline
/// leaves a torn last line).
#[test]
fn every_flipped_byte_is_caught_on_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = pristine(dir.path());
    let last = bytes.len() - 1;
    let mut checked = 0;
    for mask in [0x01u8, 0x80] {
        for offset in 0..bytes.len() {
            let mut t = bytes.clone();
            t[offset] ^= mask;
            let r = verify_bytes("ledger.jsonl", &t, &Expect::default());
            let line = line_of(&bytes, offset);
            let p = r.problem.as_ref().unwrap_or_else(|| {
                panic!("flip {mask:#04x} at byte {offset} (line {line}) passed verify")
            });
            assert_eq!(
                (r.status, p.line),
                (Status::Blocked, line),
                "flip {mask:#04x} at byte {offset}: {p:?}"
            );
            if offset == last {
                assert!(p.what.starts_with("torn last line"), "{p:?}");
            } else {
                assert!(!p.what.contains("torn"), "flip at {offset}: {p:?}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * bytes.len());

    // The binary says the same: a spread of offsets, and the special ones.
    let lines = lines(&bytes);
    let start_of = |n: usize| lines[..n - 1].iter().map(Vec::len).sum::<usize>();
    let crab = start_of(1) + find(&lines[0], "🦀".as_bytes()) + 2;
    let mut offsets: Vec<usize> = (0..14).map(|k| k * bytes.len() / 14).collect();
    offsets.extend([
        start_of(10) - 1,                                // the newline ending line 9
        crab,                                            // inside a 4-byte character
        start_of(5) + find(&lines[4], b"\"hash\":") + 9, // a hex digit of a hash
        start_of(SIZE),                                  // first byte of the last line
        last - 1,                                        // the last line's closing brace
        last,                                            // the last newline
    ]);
    for (k, &offset) in offsets.iter().enumerate() {
        let mask = if k % 2 == 0 { 0x01 } else { 0x80 };
        let mut t = bytes.clone();
        t[offset] ^= mask;
        let r = verify_file(dir.path(), &t, &[]);
        let what = assert_blocked_at(&r, line_of(&bytes, offset));
        if offset == last {
            assert!(what.starts_with("torn last line"), "{what}");
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("needle in line")
}

#[test]
fn line_edits_are_caught_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = pristine(dir.path());
    let l = lines(&bytes);
    let join = |ls: &[&Vec<u8>]| {
        ls.iter()
            .flat_map(|l| l.iter().copied())
            .collect::<Vec<u8>>()
    };
    let all: Vec<&Vec<u8>> = l.iter().collect();

    // Delete line 7: line 7 now holds seq 8.
    let mut del = all.clone();
    del.remove(6);
    let what = assert_blocked_at(&verify_file(dir.path(), &join(&del), &[]), 7);
    assert!(what.contains("seq is 8, expected 7"), "{what}");

    // Duplicate line 7: the copy, line 8, is the bad one.
    let mut dup = all.clone();
    dup.insert(7, &l[6]);
    let what = assert_blocked_at(&verify_file(dir.path(), &join(&dup), &[]), 8);
    assert!(what.contains("seq is 7, expected 8"), "{what}");

    // Swap lines 7 and 8.
    let mut swap = all.clone();
    swap.swap(6, 7);
    assert_blocked_at(&verify_file(dir.path(), &join(&swap), &[]), 7);

    // Delete the first line: line 1 is not the start of a chain.
    assert_blocked_at(&verify_file(dir.path(), &join(&all[1..]), &[]), 1);

    // Rewrite event 10 consistently (new payload, its own hash recomputed):
    // line 10 checks out alone, and line 11's link to it breaks.
    let Value::Object(mut ev) = serde_json::from_slice::<Value>(&l[9]).unwrap() else {
        panic!("line 10 is not an object")
    };
    ev.insert(
        "payload".into(),
        serde_json::json!({"timeout_s": 3600, "signals": [], "forged": "ok"}),
    );
    let (_, line) = chain::seal(ev).unwrap();
    assert!(
        chain::check_line(&line).is_ok(),
        "the rewritten line is self-consistent"
    );
    let mut rewritten = l.clone();
    rewritten[9] = [line, b"\n".to_vec()].concat();
    let rewritten: Vec<u8> = rewritten.concat();
    let what = assert_blocked_at(&verify_file(dir.path(), &rewritten, &[]), 11);
    assert!(
        what.contains("prev_hash does not match the hash of line 10"),
        "{what}"
    );

    // Rewriting the last event the same way is invisible without an expected head.
    let Value::Object(mut ev) = serde_json::from_slice::<Value>(&l[SIZE - 1]).unwrap() else {
        panic!("last line is not an object")
    };
    ev.insert("payload".into(), serde_json::json!({"i": 21}));
    let (_, line) = chain::seal(ev).unwrap();
    let mut forged_tail = l.clone();
    forged_tail[SIZE - 1] = [line, b"\n".to_vec()].concat();
    let forged_tail = forged_tail.concat();

    // Cut whole trailing lines: fine alone, caught by the expected size and head.
    let head = ledger_run(&path, &["head"], b"").json();
    let hash = head["head"].as_str().unwrap().to_string();
    let size = head["size"].to_string();
    assert_eq!(size, SIZE.to_string());
    for keep in [SIZE - 1, 13, 1, 0] {
        let cut = join(&all[..keep]);
        let r = verify_file(dir.path(), &cut, &[]);
        assert_eq!(r.code, 0, "cut to {keep}: {}", r.stderr);
        assert_eq!(r.json()["events"], keep);
        let r = verify_file(dir.path(), &cut, &["--expect-size", &size]);
        assert_eq!(r.code, 2, "cut to {keep} with --expect-size");
        assert_eq!(r.json()["problem"]["line"], 0);
        assert!(
            r.stderr
                .contains(&format!("the ledger has {keep} events, expected {SIZE}")),
            "{}",
            r.stderr
        );
        let r = verify_file(dir.path(), &cut, &["--expect-head", &hash]);
        assert_eq!(r.code, 2, "cut to {keep} with --expect-head");
        assert!(
            r.stderr.contains(&format!("expected {hash}")),
            "{}",
            r.stderr
        );
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    }
    let r = verify_file(dir.path(), &forged_tail, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = verify_file(dir.path(), &forged_tail, &["--expect-head", &hash]);
    assert_eq!(r.code, 2, "a forged last event with --expect-head");
    // The untouched ledger passes both.
    let r = verify_file(
        dir.path(),
        &bytes,
        &["--expect-size", &size, "--expect-head", &hash],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

/// A failed run: the exit code, one `muster-ledger: error:` line (`blocked:`
/// for exit 2) naming the problem, nothing on stdout.
#[track_caller]
fn assert_error(r: &Run, code: i32, phrase: &str) {
    assert_error_in("", r, code, phrase);
}

#[track_caller]
fn assert_error_in(case: &str, r: &Run, code: i32, phrase: &str) {
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert_eq!(
        r.code, code,
        "{case}: stderr: {}; stdout: {stdout}",
        r.stderr
    );
    let err: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(
        err.len(),
        1,
        "{case}: expected one stderr line, got: {}",
        r.stderr
    );
    let prefix = if code == 2 {
        "muster-ledger: blocked: "
    } else {
        "muster-ledger: error: "
    };
    assert!(err[0].starts_with(prefix), "{case}: stderr: {}", r.stderr);
    assert!(
        err[0].contains(phrase),
        "{case}: stderr does not say {phrase:?}: {}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{case}: stdout: {stdout}");
}

#[test]
fn bad_input_is_refused_on_one_line_and_leaves_the_ledger_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = pristine(dir.path());
    let ok = r#"{"run_id":"r9","event_type":"task.heartbeat","payload":{"n":1}}"#;
    let cases: &[(&str, String, i32, &str)] = &[
        ("not JSON", "this is not JSON\n".into(), 1, "not JSON"),
        (
            "truncated",
            r#"{"run_id":"r9","event_type":"a.b""#.into(),
            1,
            "not JSON",
        ),
        ("array", format!("[{ok}]"), 1, "expected an object"),
        ("number", "42".into(), 1, "expected an object"),
        (
            "wrong schema",
            r#"{"schema":"muster.tasks/v1","run_id":"r9","event_type":"a.b"}"#.into(),
            1,
            "schema: expected muster.event/v1, got muster.tasks/v1",
        ),
        (
            "unknown field",
            r#"{"run_id":"r9","event_type":"a.b","colour":"red"}"#.into(),
            1,
            "unknown field `colour`",
        ),
        (
            "hash",
            r#"{"run_id":"r9","event_type":"a.b","hash":"00"}"#.into(),
            1,
            "carries `hash`",
        ),
        (
            "seq",
            r#"{"run_id":"r9","event_type":"a.b","seq":21}"#.into(),
            1,
            "carries `seq`",
        ),
        (
            "prev_hash",
            format!(
                r#"{{"run_id":"r9","event_type":"a.b","prev_hash":"{}"}}"#,
                chain::ZERO_HASH
            ),
            1,
            "carries `prev_hash`",
        ),
        (
            "origin",
            r#"{"run_id":"r9","event_type":"a.b","origin":null}"#.into(),
            1,
            "carries `origin`",
        ),
        (
            "a whole sealed line",
            String::from_utf8(lines(&bytes)[3].clone()).unwrap(),
            1,
            "carries `hash`",
        ),
        // Integers no IEEE 754 double holds (JSON numbers are doubles, RFC 8785).
        (
            "integer 2^53 + 1",
            r#"{"run_id":"r9","event_type":"a.b","payload":{"n":9007199254740993}}"#.into(),
            1,
            "payload.n: integer 9007199254740993",
        ),
        (
            "negative integer -(2^60 + 1)",
            r#"{"run_id":"r9","event_type":"a.b","payload":{"x":[1,-1152921504606846977]}}"#.into(),
            1,
            "payload.x[1]: integer -1152921504606846977",
        ),
        (
            "integer 2^64 - 1",
            r#"{"run_id":"r9","event_type":"a.b","payload":{"n":18446744073709551615}}"#.into(),
            1,
            "integer 18446744073709551615",
        ),
        (
            "payload not an object",
            r#"{"run_id":"r9","event_type":"a.b","payload":[1]}"#.into(),
            1,
            "payload: expected an object",
        ),
        (
            "bad run_id",
            r#"{"run_id":"../etc","event_type":"a.b"}"#.into(),
            1,
            "run_id",
        ),
        (
            "bad event_type",
            r#"{"run_id":"r9","event_type":"Finished"}"#.into(),
            1,
            "event_type",
        ),
        (
            "bad ts_utc",
            r#"{"run_id":"r9","event_type":"a.b","ts_utc":"yesterday"}"#.into(),
            1,
            "ts_utc",
        ),
        (
            "nested too deep",
            format!(
                r#"{{"run_id":"r9","event_type":"a.b","payload":{{"d":{}1{}}}}}"#,
                "[".repeat(300),
                "]".repeat(300)
            ),
            1,
            "not JSON",
        ),
        ("empty", String::new(), 1, "no events"),
        ("whitespace only", " \n\n\t\n".into(), 1, "no events"),
        (
            "good then bad",
            format!("{ok}\n{ok}\n{{\"run_id\":\"r9\",\"event_type\":\"a.b\",\"seq\":3}}\n"),
            1,
            "event 3 (line 3)",
        ),
        (
            "same key, other content",
            r#"{"run_id":"r1","event_type":"task.finished","task_id":"T1","actor":"worker-1","payload":{"status":"failed"},"idempotency_key":"r1/T1/finished"}"#.into(),
            2,
            "idempotency key \"r1/T1/finished\" is already in the ledger at seq 5",
        ),
        (
            "same key twice in a batch, other content",
            format!(
                "{}\n{}\n",
                r#"{"run_id":"r9","event_type":"a.b","idempotency_key":"k9"}"#,
                r#"{"run_id":"r9","event_type":"a.c","idempotency_key":"k9"}"#
            ),
            2,
            "also on event 1",
        ),
    ];
    for (name, input, code, phrase) in cases {
        let r = ledger_run(&path, &["append"], input.as_bytes());
        assert_error_in(name, &r, *code, phrase);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "{name}: the ledger changed"
        );
    }
    // 2^60: refused (exit 1, ledger untouched), or taken as the double it
    // denotes (exactly 2^60), as DESIGN leaves open; never anything else.
    let r = ledger_run(
        &path,
        &["append"],
        br#"{"run_id":"r9","event_type":"a.b","payload":{"n":1152921504606846976}}"#,
    );
    // A double holds 2^60 exactly, so it is stored as that double's canonical
    // text (docs/ledger.md, "Numbers") and the chain verifies.
    assert_eq!(r.code, 0, "2^60 is a double: {}", r.stderr);
    let after = std::fs::read(&path).unwrap();
    let last: Value = serde_json::from_slice(&after[bytes.len()..]).unwrap();
    assert_eq!(last["payload"]["n"].as_f64(), Some(2f64.powi(60)), "{last}");
    assert!(String::from_utf8_lossy(&after[bytes.len()..]).contains("\"n\":1152921504606847000}"));
    assert_eq!(ledger_run(&path, &["verify"], b"").code, 0);
    std::fs::write(&path, &bytes).unwrap();

    // Invalid UTF-8, on stdin and through a file.
    let r = ledger_run(
        &path,
        &["append"],
        b"{\"run_id\":\"r\xff\",\"event_type\":\"a.b\"}",
    );
    assert_error(&r, 1, "not JSON");
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        b"{\"run_id\":\"r9\",\"event_type\":\"a.b\",\"actor\":\"\xc3\x28\"}\n",
    )
    .unwrap();
    let r = ledger_run(&path, &["append", "-i", bad.to_str().unwrap()], b"");
    assert_error(&r, 1, "not JSON");
    let r = ledger_run(&path, &["append", "-i", "/nonexistent/input.jsonl"], b"");
    assert_error(&r, 1, "reading /nonexistent/input.jsonl");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);

    // Bad flags: 64, and the ledger is untouched.
    for args in [
        &["verify", "--expect-size", "many"][..],
        &["verify", "--bogus"],
        &["frobnicate"],
        &["show", "-1"],
        &["list", "--format", "xml"],
    ] {
        let r = ledger_run(&path, args, b"");
        assert_eq!(r.code, 64, "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}");
        assert!(r.stderr.contains("error:"), "{args:?}: {}", r.stderr);
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{args:?}");
    }
    let r = ledger_run(&path, &["repair"], b"");
    assert_error(&r, 64, "repair needs --truncate-torn");
    let r = raw_run(
        Command::new(crate::bin()).arg("--ledger").arg(&path).args([
            "--now",
            "yesterday",
            "append",
        ]),
        ok.as_bytes(),
    );
    // A bad flag value is a usage error.
    assert_error(&r, 64, "--now");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn missing_or_unreachable_ledgers_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let ok = r#"{"run_id":"r9","event_type":"task.heartbeat"}"#;
    let missing = dir.path().join("missing.jsonl");
    for args in [
        &["verify"][..],
        &["list"],
        &["replay", "--run-id", "r1"],
        &["head"],
        &["show", "1"],
        &["runs"],
        &["board"],
        &["repair", "--truncate-torn"],
    ] {
        let r = ledger_run(&missing, args, b"");
        assert_error(&r, 1, "does not exist");
        assert!(!missing.exists(), "{args:?} created the ledger");
    }

    // A ledger in a directory that does not exist, or under a regular file.
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"not a directory\n").unwrap();
    for path in [
        dir.path().join("no/such/dir/ledger.jsonl"),
        file.join("ledger.jsonl"),
    ] {
        let r = ledger_run(&path, &["append"], ok.as_bytes());
        assert_error(&r, 1, "opening ledger");
        assert!(!path.exists());
        for args in [&["verify"][..], &["list"], &["replay", "--run-id", "r1"]] {
            let r = ledger_run(&path, args, b"");
            assert_error(&r, 1, "does not exist");
        }
    }
    assert_eq!(std::fs::read(&file).unwrap(), b"not a directory\n");

    // A ledger path that is a directory.
    let sub = dir.path().join("a-directory");
    std::fs::create_dir(&sub).unwrap();
    let r = ledger_run(&sub, &["append"], ok.as_bytes());
    assert_error(&r, 1, "ledger");
    for args in [&["verify"][..], &["list"], &["replay", "--run-id", "r1"]] {
        let r = ledger_run(&sub, args, b"");
        assert_error(&r, 1, "ledger");
    }
    assert_eq!(std::fs::read_dir(&sub).unwrap().count(), 0);

    // A read-only directory, when permissions bind (they do not for root).
    let ro = dir.path().join("read-only");
    std::fs::create_dir(&ro).unwrap();
    set_mode(&ro, 0o555);
    let probe = ro.join("probe");
    if std::fs::write(&probe, b"").is_err() {
        let path = ro.join("ledger.jsonl");
        let r = ledger_run(&path, &["append"], ok.as_bytes());
        assert_error(&r, 1, "opening ledger");
        assert!(!path.exists());
    }
    set_mode(&ro, 0o755);

    // An existing ledger that cannot be written: read-only file (when
    // permissions bind). Reads still work and nothing changes.
    let (path, bytes) = pristine(dir.path());
    set_mode(&path, 0o444);
    if std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .is_err()
    {
        let r = ledger_run(&path, &["append"], ok.as_bytes());
        assert_error(&r, 1, "opening ledger");
        let r = ledger_run(&path, &["verify"], b"");
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    set_mode(&path, 0o644);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Reading commands on a damaged ledger say BLOCKED on one line, name the
/// line, and change nothing; append refuses to extend a bad last line.
#[test]
fn damaged_ledgers_block_every_command_without_changing_it() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = pristine(dir.path());
    let ok = r#"{"run_id":"r9","event_type":"task.heartbeat"}"#;

    // A torn last line.
    let torn = &bytes[..bytes.len() - 40];
    std::fs::write(&path, torn).unwrap();
    for args in [
        &["list"][..],
        &["replay", "--run-id", "r1"],
        &["show", "1"],
        &["head"],
    ] {
        let r = ledger_run(&path, args, b"");
        assert_error(&r, 2, "torn");
    }
    let r = ledger_run(&path, &["append"], ok.as_bytes());
    assert_error(&r, 2, "repair --truncate-torn");
    let r = ledger_run(&path, &["verify"], b"");
    let what = assert_blocked_at(&r, SIZE as u64);
    assert!(what.starts_with("torn last line"), "{what}");
    assert_eq!(std::fs::read(&path).unwrap(), torn);

    // A damaged (not torn) last line: append refuses to chain onto it,
    // and repair does not remove whole lines.
    let mut bad = bytes.clone();
    let at = bytes.len() - 10;
    bad[at] ^= 0x01;
    std::fs::write(&path, &bad).unwrap();
    let r = ledger_run(&path, &["append"], ok.as_bytes());
    assert_error(&r, 2, "the last line is damaged");
    let r = ledger_run(&path, &["repair", "--truncate-torn"], b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["removed_bytes"], 0);
    assert_blocked_at(&ledger_run(&path, &["verify"], b""), SIZE as u64);
    assert_eq!(std::fs::read(&path).unwrap(), bad);

    // Repair of the torn ledger cuts exactly the torn bytes.
    std::fs::write(&path, torn).unwrap();
    let r = ledger_run(&path, &["repair", "--truncate-torn"], b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let keep = torn.iter().rposition(|&b| b == b'\n').unwrap() + 1;
    assert_eq!(r.json()["removed_bytes"], torn.len() - keep);
    assert_eq!(std::fs::read(&path).unwrap(), &bytes[..keep]);
    let r = ledger_run(&path, &["verify"], b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["events"], SIZE - 1);
}

/// xorshift64*: a fixed sequence of "random" numbers, the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Beyond single-bit flips: bytes replaced by any value (JSON punctuation
/// and quotes often), inserted and deleted, at pseudo-random offsets. Each
/// is caught on the line that holds the offset, or the next one when a
/// newline is inserted or deleted at a line's end.
#[test]
fn random_byte_edits_are_caught_on_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = pristine(dir.path());
    let mut rng = Rng(0x6d75_7374_6572_2121);
    const SPECIAL: &[u8] = b"\"\\,:{}[]\n\r\t 0123456789.eE+-tfnu";
    for k in 0..4000 {
        let offset = rng.below(bytes.len());
        let value = if rng.below(2) == 0 {
            SPECIAL[rng.below(SPECIAL.len())]
        } else {
            rng.below(256) as u8
        };
        let mut t = bytes.clone();
        let op = match k % 3 {
            0 => {
                if t[offset] == value {
                    continue;
                }
                t[offset] = value;
                "set"
            }
            1 => {
                t.insert(offset, value);
                "insert"
            }
            _ => {
                t.remove(offset);
                "delete"
            }
        };
        let r = verify_bytes("ledger.jsonl", &t, &Expect::default());
        let line = line_of(&bytes, offset);
        let p = r.problem.as_ref().unwrap_or_else(|| {
            panic!("{op} {value:#04x} at byte {offset} (line {line}) passed verify")
        });
        let newline_moved = value == b'\n' || bytes[offset] == b'\n';
        assert_eq!(r.status, Status::Blocked);
        assert!(
            p.line == line || (newline_moved && p.line == line + 1),
            "{op} {value:#04x} at byte {offset} (line {line}): {p:?}"
        );
    }
}

/// A ledger long enough that verify splits it into chunks checked in
/// parallel (4,096 lines or more each): edits at and around the chunk
/// boundaries (4,096 and 8,192 with three or more threads, 4,500 with two)
/// are named exactly as in a short ledger.
#[test]
fn edits_at_parallel_chunk_boundaries_are_named() {
    const N: usize = 9_000;
    let mut lines: Vec<Vec<u8>> = Vec::with_capacity(N);
    let mut prev = chain::ZERO_HASH.to_string();
    for seq in 1..=N {
        let Value::Object(m) = serde_json::json!({
            "seq": seq, "ts_utc": "2026-11-21T08:00:00.000Z", "run_id": "big",
            "event_type": "task.heartbeat", "task_id": null, "actor": null,
            "payload": {"i": seq}, "idempotency_key": null, "origin": null,
            "prev_hash": prev,
        }) else {
            unreachable!()
        };
        let (hash, mut line) = chain::seal(m).unwrap();
        line.push(b'\n');
        lines.push(line);
        prev = hash;
    }
    let verify = |ls: &[Vec<u8>]| verify_bytes("big.jsonl", &ls.concat(), &Expect::default());
    let r = verify(&lines);
    assert_eq!(
        (r.status, r.events, r.head.as_str()),
        (Status::Pass, N as u64, prev.as_str())
    );

    for k in [4_096usize, 4_097, 4_500, 4_501, 8_193] {
        let i = k - 1; // index of line k
        let named = |ls: &[Vec<u8>]| verify(ls).problem.map(|p| p.line);

        let mut t = lines.clone();
        t[i][40] ^= 0x01;
        assert_eq!(named(&t), Some(k as u64), "flip in line {k}");

        let mut t = lines.clone();
        t.remove(i);
        assert_eq!(named(&t), Some(k as u64), "delete line {k}");

        let mut t = lines.clone();
        t.insert(i, lines[i].clone());
        assert_eq!(named(&t), Some(k as u64 + 1), "duplicate line {k}");

        let mut t = lines.clone();
        t.swap(i, i + 1);
        assert_eq!(named(&t), Some(k as u64), "swap lines {k} and {}", k + 1);

        let mut t = lines.clone();
        let Value::Object(mut ev) = serde_json::from_slice::<Value>(&t[i]).unwrap() else {
            unreachable!()
        };
        ev.insert("payload".into(), serde_json::json!({"i": "forged"}));
        let (_, mut line) = chain::seal(ev).unwrap();
        line.push(b'\n');
        t[i] = line;
        assert_eq!(named(&t), Some(k as u64 + 1), "rewrite line {k}");
    }
    // Cut at a boundary: a shorter chain that is whole passes alone.
    assert_eq!(verify(&lines[..4_096]).status, Status::Pass);
    assert_eq!(verify(&lines[4_096..]).problem.map(|p| p.line), Some(1));
}
