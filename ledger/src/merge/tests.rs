//! Tests of `merge`.

use super::*;
use crate::append;
use crate::chain::ZERO_HASH;
use muster_shared::error::exit_code_of;

fn now() -> jiff::Timestamp {
    "2026-11-21T09:00:00Z".parse().unwrap()
}

/// Appends events `(ts second, event_type, task)` to a job ledger.
#[track_caller]
fn add(path: &Path, events: &[(u32, &str, &str)]) {
    let lines: Vec<String> = events
            .iter()
            .map(|(s, t, task)| {
                format!(
                    r#"{{"ts_utc":"2026-11-21T08:00:{s:02}Z","run_id":"r1","event_type":"{t}","task_id":"{task}","actor":"ci","payload":{{"n":{s}}}}}"#
                )
            })
            .collect();
    let inputs = append::parse_inputs(lines.join("\n").as_bytes(), "test").unwrap();
    append::append(path, &inputs, now()).unwrap();
}

fn events(path: &Path) -> Vec<Event> {
    store::read_events(path).unwrap()
}

#[track_caller]
fn verifies(path: &Path) {
    let r = verify::verify_bytes("t", &std::fs::read(path).unwrap(), &Expect::default());
    assert_eq!(r.status, Status::Pass, "{:?}", r.problem);
}

fn blocked(r: Result<MergeReport>) -> String {
    let e = r.unwrap_err();
    assert_eq!(exit_code_of(&e), 2, "{e:#}");
    format!("{e:#}")
}

/// Two job ledgers: T1 in job1, T2 in job2, both finishing at second 3.
fn jobs(dir: &Path) -> (PathBuf, PathBuf) {
    let (j1, j2) = (dir.join("job1.jsonl"), dir.join("job2.jsonl"));
    add(
        &j1,
        &[(1, "task.dispatched", "T1"), (3, "task.finished", "T1")],
    );
    add(
        &j2,
        &[
            (2, "task.dispatched", "T2"),
            (3, "task.heartbeat", "T2"),
            (3, "task.finished", "T2"),
        ],
    );
    (j1, j2)
}

#[test]
fn two_jobs_merge_into_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (j1, j2) = jobs(dir.path());
    let (e1, e2) = (events(&j1), events(&j2));
    let (id1, id2) = (e1[0].hash.clone(), e2[0].hash.clone());
    let t = dir.path().join("all.jsonl");
    let r = merge(&t, &[j1.clone(), j2.clone()], now()).unwrap();
    verifies(&t);
    let all = events(&t);
    assert_eq!((r.appended, r.size, all.len()), (6, 6, 6));
    assert_eq!(r.head, all[5].hash);
    assert_eq!(
        r.sources[0],
        SourceReport {
            path: j1.display().to_string(),
            ledger: Some(id1.clone()),
            size: 2,
            head: e1[1].hash.clone(),
            taken: 2
        }
    );
    assert_eq!((r.sources[1].size, r.sources[1].taken), (3, 3));

    // Order: ts, then event_type, then source id for the tie at second 3.
    let mut finished = [(&id1, "T1"), (&id2, "T2")];
    finished.sort();
    let got: Vec<(&str, Option<&str>)> = all
        .iter()
        .map(|e| (e.event_type.as_str(), e.task_id.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("task.dispatched", Some("T1")),
            ("task.dispatched", Some("T2")),
            ("task.finished", Some(finished[0].1)),
            ("task.finished", Some(finished[1].1)),
            ("task.heartbeat", Some("T2")),
            ("ledger.merged", None),
        ]
    );
    // Every source event once, with its origin and its fields.
    for (src, id) in [(&e1, &id1), (&e2, &id2)] {
        for e in src {
            let m: Vec<&Event> = all
                .iter()
                .filter(|m| m.origin.as_ref() == Some(&origin_of(e, id)))
                .collect();
            assert_eq!(m.len(), 1);
            let m = m[0];
            assert_eq!(
                (&m.ts_utc, &m.run_id, &m.task_id, &m.actor, &m.payload),
                (&e.ts_utc, &e.run_id, &e.task_id, &e.actor, &e.payload)
            );
        }
    }
    let merged = &all[5];
    assert_eq!(
        (
            merged.run_id.as_str(),
            merged.actor.as_deref(),
            merged.ts_utc.as_str(),
            &merged.origin
        ),
        (
            "global",
            Some("muster-ledger"),
            "2026-11-21T09:00:00.000Z",
            &None
        )
    );
    let mut want = vec![
        json!({"ledger": id1, "head": e1[1].hash, "size": 2}),
        json!({"ledger": id2, "head": e2[2].hash, "size": 3}),
    ];
    want.sort_by_key(|v| v["ledger"].as_str().map(String::from));
    assert_eq!(merged.payload, json!({ "sources": want }));
}

#[test]
fn merging_again_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (j1, j2) = jobs(dir.path());
    let t = dir.path().join("all.jsonl");
    merge(&t, &[j1.clone(), j2.clone()], now()).unwrap();
    let before = std::fs::read(&t).unwrap();
    let r = merge(&t, &[j2, j1], now()).unwrap();
    assert_eq!((r.appended, r.size), (0, 6));
    assert_eq!(r.sources.iter().map(|s| s.taken).sum::<u64>(), 0);
    assert_eq!(std::fs::read(&t).unwrap(), before);
}

#[test]
fn a_grown_source_gives_only_its_new_events() {
    let dir = tempfile::tempdir().unwrap();
    let (j1, j2) = jobs(dir.path());
    let t = dir.path().join("all.jsonl");
    merge(&t, &[j1.clone(), j2.clone()], now()).unwrap();
    add(&j1, &[(4, "task.heartbeat", "T1")]);
    let r = merge(&t, &[j1.clone(), j2], now()).unwrap();
    assert_eq!((r.appended, r.size), (2, 8));
    assert_eq!((r.sources[0].taken, r.sources[1].taken), (1, 0));
    verifies(&t);
    let all = events(&t);
    let o = all[6].origin.clone().unwrap();
    assert_eq!((o.ledger, o.seq), (events(&j1)[0].hash.clone(), 3));
    assert_eq!(all[7].event_type, "ledger.merged");
}

#[test]
fn a_forked_source_is_blocked_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let (j1, j2) = jobs(dir.path());
    let t = dir.path().join("all.jsonl");
    merge(&t, &[j1.clone(), j2], now()).unwrap();
    let before = std::fs::read(&t).unwrap();
    // Same first event, another second one.
    let fork = dir.path().join("fork.jsonl");
    let first = std::fs::read(&j1).unwrap();
    let nl = memchr::memchr(b'\n', &first).unwrap();
    std::fs::write(&fork, &first[..=nl]).unwrap();
    add(&fork, &[(9, "task.finished", "T1")]);
    let msg = blocked(merge(&t, std::slice::from_ref(&fork), now()));
    let (old, new) = (&events(&j1)[1].hash, &events(&fork)[1].hash);
    assert!(
        msg.contains("seq 2: fork") && msg.contains(old.as_str()) && msg.contains(new.as_str()),
        "{msg}"
    );
    assert_eq!(std::fs::read(&t).unwrap(), before);
    // Forked against each other in one merge: blocked too.
    let t2 = dir.path().join("fresh.jsonl");
    let msg = blocked(merge(&t2, &[j1, fork], now()));
    assert!(msg.contains("fork"), "{msg}");
    assert!(!t2.exists());
}

#[test]
fn a_tampered_source_is_blocked() {
    let dir = tempfile::tempdir().unwrap();
    let (j1, j2) = jobs(dir.path());
    let t = dir.path().join("all.jsonl");
    merge(&t, std::slice::from_ref(&j1), now()).unwrap();
    let before = std::fs::read(&t).unwrap();
    let text = std::fs::read_to_string(&j2).unwrap();
    std::fs::write(&j2, text.replacen("\"n\":3", "\"n\":4", 1)).unwrap();
    let msg = blocked(merge(&t, &[j1, j2.clone()], now()));
    assert!(
        msg.starts_with(&format!("source {}: line 2: hash mismatch", j2.display())),
        "{msg}"
    );
    assert_eq!(std::fs::read(&t).unwrap(), before);
}

#[test]
fn merged_ledgers_keep_the_deepest_origins() {
    let dir = tempfile::tempdir().unwrap();
    let (j1, j2) = jobs(dir.path());
    let mid = dir.path().join("mid.jsonl");
    merge(&mid, &[j1.clone(), j2.clone()], now()).unwrap();
    let top = dir.path().join("top.jsonl");
    let r = merge(&top, std::slice::from_ref(&mid), now()).unwrap();
    assert_eq!((r.appended, r.size), (7, 7));
    verifies(&top);
    let (m, t) = (events(&mid), events(&top));
    // The job events keep their job origins; mid's ledger.merged points at mid.
    for (a, b) in m[..5].iter().zip(&t[..5]) {
        assert_eq!((&a.origin, &a.payload), (&b.origin, &b.payload));
    }
    assert_eq!(
        t[5].origin,
        Some(Origin {
            ledger: m[0].hash.clone(),
            seq: 6,
            hash: m[5].hash.clone()
        })
    );
    let before = std::fs::read(&top).unwrap();
    let r = merge(&top, &[j1, j2, mid], now()).unwrap();
    assert_eq!(r.appended, 0);
    assert_eq!(std::fs::read(&top).unwrap(), before);
}

#[test]
fn the_target_is_not_a_source() {
    let dir = tempfile::tempdir().unwrap();
    let (j1, _) = jobs(dir.path());
    let spelled = dir.path().join(".").join("job1.jsonl");
    let e = merge(&j1, &[spelled], now()).unwrap_err();
    assert_eq!(exit_code_of(&e), 1);
    assert!(format!("{e:#}").contains("is the target ledger"));
    assert_eq!(events(&j1).len(), 2);
}

#[test]
fn empty_sources_give_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, b"").unwrap();
    let t = dir.path().join("all.jsonl");
    let r = merge(&t, std::slice::from_ref(&empty), now()).unwrap();
    assert_eq!((r.appended, r.size, r.head.as_str()), (0, 0, ZERO_HASH));
    assert_eq!(r.sources[0].ledger, None);
    assert_eq!(std::fs::read(&t).unwrap(), b"");
}

#[test]
fn deterministic_whatever_the_order_of_sources() {
    let dir = tempfile::tempdir().unwrap();
    let (j1, j2) = jobs(dir.path());
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    merge(&a, &[j1.clone(), j2.clone()], now()).unwrap();
    merge(&b, &[j2, j1], now()).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}
