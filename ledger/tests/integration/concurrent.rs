//! Many writers and hard crashes: N processes appending at once never fork the
//! chain or lose an event, and `kill -9` in the middle of an append leaves at
//! most a torn last line, which `repair --truncate-torn` removes without
//! touching a whole event.

// The helpers here are test code too; clippy's allow-unwrap-in-tests and
// allow-print-in-tests only cover the #[test] functions themselves.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use serde_json::Value;
use std::collections::BTreeSet;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-21T08:00:00Z";

/// `muster-ledger --ledger LEDGER --now NOW --compact ARGS…`, stdin piped.
fn command(ledger: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(crate::bin());
    cmd.arg("--ledger")
        .arg(ledger)
        .args(["--now", NOW, "--compact"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs the tool to the end with `stdin`; panics if it died of a signal or panicked.
fn run(ledger: &Path, args: &[&str], stdin: &[u8]) -> (i32, Output) {
    crate::run_piped(&mut command(ledger, args), stdin)
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The events of a ledger that ends with a newline, checked to be numbered 1, 2, …
fn events(bytes: &[u8]) -> Vec<Value> {
    assert!(bytes.is_empty() || bytes.ends_with(b"\n"));
    bytes
        .split_inclusive(|&b| b == b'\n')
        .enumerate()
        .map(|(k, line)| {
            let ev: Value = serde_json::from_slice(line)
                .unwrap_or_else(|e| panic!("line {} is not JSON: {e}", k + 1));
            assert_eq!(ev["seq"], k + 1, "line {}", k + 1);
            ev
        })
        .collect()
}

/// Waits until no writer holds the ledger's lock (a killed writer releases it
/// when it is gone), so that the bytes read after are final.
fn wait_for_writers(path: &Path) {
    let f = File::open(path).expect("opening the ledger");
    f.lock_shared().expect("locking the ledger");
}

#[test]
fn eight_processes_appending_at_once_keep_one_chain() {
    const WRITERS: u64 = 8;
    const EACH: u64 = 500;
    let dir = tempfile::tempdir().unwrap();
    let path = Arc::new(dir.path().join("ledger.jsonl"));
    let barrier = Arc::new(Barrier::new(WRITERS as usize));
    let started = Instant::now();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (path, barrier) = (Arc::clone(&path), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                let mut acks = Vec::with_capacity(EACH as usize);
                for i in 0..EACH {
                    let ev = format!(
                        r#"{{"run_id":"c1","event_type":"task.heartbeat","actor":"writer-{w}","payload":{{"writer":{w},"i":{i}}}}}"#
                    );
                    let (code, out) = run(&path, &["append"], ev.as_bytes());
                    assert_eq!(code, 0, "writer {w}, event {i}: {}", stderr(&out));
                    let report = json(&out);
                    assert_eq!(report["appended"], 1);
                    let seq = report["seqs"][0].as_u64().expect("a seq");
                    acks.push((w, i, seq));
                }
                acks
            })
        })
        .collect();
    let acks: Vec<(u64, u64, u64)> = writers
        .into_iter()
        .flat_map(|h| h.join().expect("a writer thread panicked"))
        .collect();
    eprintln!(
        "{} appends by {WRITERS} processes at once: {:?}",
        WRITERS * EACH,
        started.elapsed()
    );

    let total = (WRITERS * EACH).to_string();
    let (code, out) = run(&path, &["verify", "--expect-size", &total], b"");
    assert_eq!(code, 0, "{}", stderr(&out));
    assert_eq!(json(&out)["status"], "PASS");

    let bytes = std::fs::read(&*path).unwrap();
    let evs = events(&bytes);
    assert_eq!(evs.len() as u64, WRITERS * EACH);
    let mut seen = BTreeSet::new();
    let mut last_i = vec![None; WRITERS as usize];
    for ev in &evs {
        let (w, i) = (
            ev["payload"]["writer"].as_u64().unwrap(),
            ev["payload"]["i"].as_u64().unwrap(),
        );
        assert!(seen.insert((w, i)), "({w}, {i}) is in the ledger twice");
        assert_eq!(ev["actor"], format!("writer-{w}"));
        // One writer's appends follow each other, so they land in its order.
        assert!(last_i[w as usize] < Some(i), "writer {w}: {i} out of order");
        last_i[w as usize] = Some(i);
    }
    assert_eq!(seen.len() as u64, WRITERS * EACH);
    let switches = evs
        .windows(2)
        .filter(|p| p[0]["payload"]["writer"] != p[1]["payload"]["writer"])
        .count();
    eprintln!(
        "consecutive events from different writers: {switches} of {}",
        evs.len() - 1
    );
    for (w, i, seq) in acks {
        let ev = &evs[seq as usize - 1];
        assert_eq!(
            (&ev["payload"]["writer"], &ev["payload"]["i"]),
            (&Value::from(w), &Value::from(i)),
            "append reported seq {seq} for ({w}, {i})"
        );
    }
}

/// The ledger under test, and what has to survive every crash.
struct Crashes {
    path: PathBuf,
    /// Each acknowledged event: its seq and payload, as a finished append reported it.
    acked: Vec<(u64, Value)>,
    /// Rounds whose kill left a torn last line.
    torn: usize,
}

impl Crashes {
    /// After a kill: verify passes or names only a torn last line; a torn
    /// line blocks further appends; repair cuts exactly the torn bytes; the
    /// whole lines, `before` (the ledger before this round) and every
    /// acknowledged event are all still there. Returns the events added
    /// since `before`.
    fn check(&mut self, before: &[u8], round: &str) -> Vec<Value> {
        wait_for_writers(&self.path);
        let bytes = std::fs::read(&self.path).unwrap();
        assert!(
            bytes.starts_with(before),
            "{round}: the ledger before this round is no longer its prefix"
        );
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let lines = bytes[..whole].iter().filter(|&&b| b == b'\n').count();
        let size = lines.to_string();
        let torn = whole < bytes.len();
        if torn {
            self.torn += 1;
            let (code, out) = run(&self.path, &["verify"], b"");
            assert_eq!(code, 2, "{round}: {}", stderr(&out));
            let problem = &json(&out)["problem"];
            assert_eq!(problem["line"], lines + 1, "{round}: {problem}");
            let what = problem["what"].as_str().unwrap();
            assert!(what.starts_with("torn last line"), "{round}: {what}");
            let err = stderr(&out);
            assert_eq!(err.lines().count(), 1, "{round}: {err}");
            assert!(err.contains(&format!("line {}: torn last line", lines + 1)));
            // Nothing is chained onto a torn line.
            let (code, out) = run(
                &self.path,
                &["append"],
                br#"{"run_id":"k0","event_type":"task.heartbeat"}"#,
            );
            assert_eq!(
                code,
                2,
                "{round}: append onto a torn line: {}",
                stderr(&out)
            );
            assert_eq!(std::fs::read(&self.path).unwrap(), bytes);
        }
        let (code, out) = run(&self.path, &["repair", "--truncate-torn"], b"");
        assert_eq!(code, 0, "{round}: {}", stderr(&out));
        assert_eq!(json(&out)["removed_bytes"], bytes.len() - whole);
        let after = std::fs::read(&self.path).unwrap();
        assert_eq!(after, bytes[..whole], "{round}: repair changed whole lines");
        let (code, out) = run(&self.path, &["verify", "--expect-size", &size], b"");
        assert_eq!(code, 0, "{round}: {}", stderr(&out));

        let all: Vec<&[u8]> = after.split_inclusive(|&b| b == b'\n').collect();
        for (seq, payload) in &self.acked {
            let ev: Value = serde_json::from_slice(all[*seq as usize - 1]).unwrap();
            assert_eq!(
                (&ev["seq"], &ev["payload"]),
                (&Value::from(*seq), payload),
                "{round}: acknowledged event {seq} changed or lost"
            );
        }
        let first = before.iter().filter(|&&b| b == b'\n').count();
        all[first..]
            .iter()
            .enumerate()
            .map(|(k, line)| {
                let ev: Value = serde_json::from_slice(line).unwrap();
                assert_eq!(ev["seq"], first + k + 1, "{round}");
                ev
            })
            .collect()
    }

    /// Appends one event to completion, acknowledged.
    fn append_acked(&mut self, payload: Value) {
        let ev =
            serde_json::json!({"run_id": "k0", "event_type": "task.heartbeat", "payload": payload});
        let (code, out) = run(&self.path, &["append"], ev.to_string().as_bytes());
        assert_eq!(code, 0, "{}", stderr(&out));
        let seq = json(&out)["seqs"][0].as_u64().unwrap();
        self.acked.push((seq, payload));
    }
}

/// When to kill a batch append.
#[derive(Debug, Clone, Copy)]
enum Kill {
    /// This long after it starts.
    After(u64),
    /// As soon as the ledger has grown by more than this many bytes: in the
    /// middle of its one write.
    Grown(u64),
}

/// The payloads of one batch: 20,000 small events (about 6.6 MB written in
/// one `write`), then four of 256 kB with escapes and non-ASCII text.
///
/// A kill lands inside a write only between two page-cache folios, which
/// are up to 2 MiB on x86-64 with large folios, so a batch must write well
/// over that for a kill to tear it; 20,000 events do.
fn batch_payloads(round: usize) -> Vec<Value> {
    let small = (0..20_000).map(|i| serde_json::json!({"b": round, "i": i}));
    let big = (20_000..20_004).map(|i| {
        let pad = format!("{round}:{i}:é✓\"\\\n").repeat(256 * 1024 / 12);
        serde_json::json!({"b": round, "i": i, "pad": pad})
    });
    small.chain(big).collect()
}

#[test]
fn kill_9_mid_append_leaves_at_most_a_torn_line() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut c = Crashes {
        path: dir.path().join("ledger.jsonl"),
        acked: Vec::new(),
        torn: 0,
    };
    c.append_acked(serde_json::json!({"start": true}));
    // The loop first, while the ledger is small and verifying it is cheap.
    let delays = [20, 50, 120, 35, 80, 10];
    kill_a_loop_of_single_appends(&mut c, dir.path(), &delays);
    // Batches killed while they parse, then inside their one write.
    let plan = [
        Kill::After(20),
        Kill::After(50),
        Kill::After(120),
        Kill::Grown(0),
        Kill::Grown(1 << 20),
        Kill::Grown(3 << 20),
        Kill::Grown(0),
    ];
    kill_batches(&mut c, dir.path(), &plan);

    let bytes = std::fs::read(&c.path).unwrap();
    let size = bytes.iter().filter(|&&b| b == b'\n').count().to_string();
    let (code, out) = run(&c.path, &["verify", "--expect-size", &size], b"");
    assert_eq!(code, 0, "{}", stderr(&out));
    eprintln!(
        "kill -9: {} of {} rounds left a torn line; {size} events, {} acknowledged; {:?}",
        c.torn,
        delays.len() + plan.len(),
        c.acked.len(),
        started.elapsed()
    );
}

/// A loop of single appends in a child shell, killed (the whole process
/// group: the shell and the append in flight) after each of `delays_ms`.
fn kill_a_loop_of_single_appends(c: &mut Crashes, dir: &Path, delays_ms: &[u64]) {
    let acks = dir.join("acks.jsonl");
    for (round, &ms) in delays_ms.iter().enumerate() {
        let t = Instant::now();
        let name = format!("loop round {round} (kill after {ms} ms)");
        let before = std::fs::read(&c.path).unwrap();
        std::fs::write(&acks, b"").unwrap();
        let shell = Command::new("sh")
            .arg("-c")
            .arg(
                r#"i=0
while :; do
  i=$((i+1))
  printf '{"run_id":"k2","event_type":"task.heartbeat","payload":{"r":%d,"i":%d}}\n' "$ROUND" "$i" |
    "$BIN" --ledger "$LEDGER" --compact append >> "$ACKS" || exit 3
done"#,
            )
            .env("ROUND", round.to_string())
            .env("BIN", crate::bin())
            .env("LEDGER", &c.path)
            .env("ACKS", &acks)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!("kill -s KILL -- -{}", shell.id()))
            .status()
            .unwrap();
        assert!(status.success(), "{name}: kill failed");
        let out = shell.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            None,
            "{name}: the loop stopped by itself: {}",
            stderr(&out)
        );
        // Each whole line in the acks file is one finished append, in order.
        let acked_text = std::fs::read(&acks).unwrap();
        let mut acked = 0;
        for line in acked_text.split_inclusive(|&b| b == b'\n') {
            if !line.ends_with(b"\n") {
                break; // killed while writing its report: not acknowledged
            }
            acked += 1;
            let report: Value = serde_json::from_slice(line).unwrap();
            let seq = report["seqs"][0].as_u64().unwrap();
            c.acked
                .push((seq, serde_json::json!({"r": round, "i": acked})));
        }
        let evs = c.check(&before, &name);
        let landed: Vec<&Value> = evs.iter().map(|e| &e["payload"]).collect();
        for (k, p) in landed.iter().enumerate() {
            assert_eq!(
                (&p["r"], &p["i"]),
                (&Value::from(round), &Value::from(k + 1)),
                "{name}: loop events out of order or missing"
            );
        }
        assert!(
            landed.len() == acked || landed.len() == acked + 1,
            "{name}: {acked} acknowledged, {} landed",
            landed.len()
        );
        eprintln!(
            "{name}: {acked} acknowledged, {} landed ({:?})",
            landed.len(),
            t.elapsed()
        );
    }
}

/// One big batch per `append` call, killed as `plan` says.
fn kill_batches(c: &mut Crashes, dir: &Path, plan: &[Kill]) {
    for (round, kill) in plan.iter().enumerate() {
        let t = Instant::now();
        let name = format!("batch round {round} ({kill:?})");
        let input = dir.join("batch.jsonl");
        let payloads = batch_payloads(round);
        let mut text = String::new();
        for p in &payloads {
            let ev =
                serde_json::json!({"run_id": "k1", "event_type": "task.heartbeat", "payload": p});
            text.push_str(&ev.to_string());
            text.push('\n');
        }
        std::fs::write(&input, text).unwrap();
        let before = std::fs::read(&c.path).unwrap();
        let mut child = command(&c.path, &["append", "-i", input.to_str().unwrap()])
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        match *kill {
            Kill::After(ms) => {
                std::thread::sleep(Duration::from_millis(ms));
                let _ = child.kill();
            }
            Kill::Grown(by) => kill_on_growth(&mut child, &c.path, before.len() as u64 + by),
        }
        let out = child.wait_with_output().unwrap();
        let ran = t.elapsed();
        if out.status.success() {
            // It finished before the kill: all of it is acknowledged.
            let seqs = json(&out)["seqs"].clone();
            for (seq, p) in seqs.as_array().unwrap().iter().zip(&payloads) {
                c.acked.push((seq.as_u64().unwrap(), p.clone()));
            }
        } else {
            assert_eq!(out.status.code(), None, "{name}: {}", stderr(&out));
        }
        let evs = c.check(&before, &name);
        // What landed of the batch is a prefix of it, in order.
        for (ev, want) in evs.iter().zip(&payloads) {
            assert_eq!(
                &ev["payload"], want,
                "{name}: batch events out of order or changed"
            );
        }
        eprintln!(
            "{name}: {} of {} events landed (append ran {ran:?}, round {:?})",
            evs.len(),
            payloads.len(),
            t.elapsed()
        );
        c.append_acked(serde_json::json!({"after_batch": round}));
    }
}

/// Kills `child` as soon as the ledger grows past `len` (it is writing), or
/// lets it be if it ends first.
fn kill_on_growth(child: &mut Child, path: &Path, len: u64) {
    loop {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        if std::fs::metadata(path).map_or(0, |m| m.len()) > len {
            let _ = child.kill();
            return;
        }
        std::thread::yield_now();
    }
}
