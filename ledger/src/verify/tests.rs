//! Tests of `verify`.

use super::*;
use serde_json::json;

fn ledger(n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut prev = ZERO_HASH.to_string();
    for seq in 1..=n {
        let serde_json::Value::Object(m) = json!({"seq": seq, "ts_utc": "2026-01-01T00:00:00.000Z",
                "run_id": "r", "event_type": "task.heartbeat", "task_id": null, "actor": null,
                "payload": {"i": seq}, "idempotency_key": null, "origin": null, "prev_hash": prev})
        else {
            panic!()
        };
        let (h, line) = chain::seal(m).unwrap();
        out.extend_from_slice(&line);
        out.push(b'\n');
        prev = h;
    }
    out
}

#[track_caller]
fn problem(bytes: &[u8], expect: &Expect) -> Option<Problem> {
    verify_bytes("l", bytes, expect).problem
}

#[test]
fn pristine_passes_and_reports_head() {
    let b = ledger(5);
    let r = verify_bytes("l", &b, &Expect::default());
    assert_eq!((r.status, r.events), (Status::Pass, 5));
    let r2 = verify_bytes(
        "l",
        &b,
        &Expect {
            head: Some(r.head.clone()),
            size: Some(5),
        },
    );
    assert_eq!(r2.status, Status::Pass);
    assert_eq!(verify_bytes("l", b"", &Expect::default()).head, ZERO_HASH);
}

/// Threads split the lines at byte offsets; whatever the split, the
/// report must be the one a single thread gives.
#[test]
fn any_split_gives_the_serial_answer() {
    let b = ledger(40);
    let lines: Vec<&[u8]> = b.split_inclusive(|&c| c == b'\n').collect();
    let mut cases: Vec<Vec<u8>> = vec![b.clone(), b[..b.len() - 7].to_vec(), Vec::new()];
    for i in 0..lines.len() {
        let mut del = lines.clone();
        del.remove(i);
        cases.push(del.concat());
        let mut dup = lines.clone();
        dup.insert(i, lines[i]);
        cases.push(dup.concat());
        if i + 1 < lines.len() {
            let mut swap = lines.clone();
            swap.swap(i, i + 1);
            cases.push(swap.concat());
        }
        let mut flip = b.clone();
        let at = lines[..i].iter().map(|l| l.len()).sum::<usize>() + 20;
        flip[at] ^= 1;
        cases.push(flip);
    }
    for (k, case) in cases.iter().enumerate() {
        let serial = verify_with_threads("l", case, &Expect::default(), 1);
        for threads in [2, 3, 5, 16, 64] {
            let par = verify_with_threads("l", case, &Expect::default(), threads);
            assert_eq!(
                (par.status, par.events, &par.head, &par.problem),
                (serial.status, serial.events, &serial.head, &serial.problem),
                "case {k}, {threads} threads"
            );
        }
    }
}

/// Reading the file in blocks (smaller than a line, too) and ranges gives
/// the answer of the in-memory, single-thread check.
#[test]
fn streaming_gives_the_in_memory_answer() {
    let b = ledger(30);
    let lines: Vec<&[u8]> = b.split_inclusive(|&c| c == b'\n').collect();
    let mut swapped = lines.clone();
    swapped.swap(11, 12);
    let mut flipped = b.clone();
    flipped[b.len() / 2] ^= 1;
    let cases = [
        b.clone(),
        b[..b.len() - 9].to_vec(),
        swapped.concat(),
        flipped,
        Vec::new(),
        b"x".to_vec(),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    for (k, case) in cases.iter().enumerate() {
        std::fs::write(&path, case).unwrap();
        let want = verify_with_threads("l", case, &Expect::default(), 1);
        for threads in [1, 2, 3, 8] {
            for block in [7, 100, 333, 4096, 1 << 20] {
                let got =
                    verify_file_with(&path, &Expect::default(), Some(threads), block).unwrap();
                assert_eq!(
                    (got.status, got.events, got.bytes, &got.head, &got.problem),
                    (
                        want.status,
                        want.events,
                        want.bytes,
                        &want.head,
                        &want.problem
                    ),
                    "case {k}, {threads} threads, block {block}"
                );
            }
        }
    }
}

#[test]
fn line_edits_are_named() {
    let b = ledger(5);
    let lines: Vec<&[u8]> = b.split_inclusive(|&c| c == b'\n').collect();
    let join = |ls: Vec<&[u8]>| ls.concat();
    let del = join(vec![lines[0], lines[2], lines[3], lines[4]]);
    assert_eq!(problem(&del, &Expect::default()).unwrap().line, 2);
    let dup = join(vec![lines[0], lines[1], lines[1], lines[2]]);
    assert_eq!(problem(&dup, &Expect::default()).unwrap().line, 3);
    let swap = join(vec![lines[0], lines[2], lines[1]]);
    assert_eq!(problem(&swap, &Expect::default()).unwrap().line, 2);
    let cut_start = join(vec![lines[1], lines[2]]);
    assert_eq!(problem(&cut_start, &Expect::default()).unwrap().line, 1);
    let cut_end = join(vec![lines[0], lines[1], lines[2], lines[3]]);
    assert!(problem(&cut_end, &Expect::default()).is_none());
    assert!(problem(
        &cut_end,
        &Expect {
            size: Some(5),
            head: None
        }
    )
    .is_some());
    let full = verify_bytes("l", &b, &Expect::default()).head;
    assert!(problem(
        &cut_end,
        &Expect {
            size: None,
            head: Some(full)
        }
    )
    .is_some());
    let torn = &b[..b.len() - 10];
    let p = problem(torn, &Expect::default()).unwrap();
    assert_eq!(p.line, 5);
    assert!(p.what.starts_with("torn last line"));
}
