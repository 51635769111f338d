//! `muster-ledger verify`: every line's hash, every link, every seq, the torn
//! tail, and optionally the expected head and size. Names the first bad line.
//!
//! Lines carry their own `prev_hash`, so they are checked in parallel (one
//! chunk of lines per core, each also checking the links inside it); the links
//! between chunks are checked after. The cost is one validator pass and one
//! sha256 pass over the bytes.

use crate::chain::{self, Hash, ZERO_HASH};
use crate::store;
use muster_shared::Status;
use serde::Serialize;
use std::ops::Range;

/// What verify found.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct VerifyReport {
    /// Always `muster.verify/v1`.
    pub schema: &'static str,
    /// PASS, or BLOCKED with a problem.
    pub status: Status,
    /// The ledger file.
    pub ledger: String,
    /// Whole lines (events) read.
    pub events: u64,
    /// Bytes read.
    pub bytes: u64,
    /// The hash of the last whole line that checked out (64 zeros if none).
    pub head: String,
    /// The first problem, or null.
    pub problem: Option<Problem>,
}

/// The first thing wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// 1-based line number (0 when the problem is the ledger as a whole).
    pub line: u64,
    /// What is wrong.
    pub what: String,
}

/// What the caller expects the ledger to be.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// The last event's hash.
    pub head: Option<String>,
    /// The number of events.
    pub size: Option<u64>,
}

struct Chunk {
    first_prev: Option<Hash>,
    last: Option<Hash>,
    verified: usize,
    problem: Option<Problem>,
}

fn check_chunk(bytes: &[u8], lines: &[Range<usize>], first_index: usize) -> Chunk {
    let mut c = Chunk {
        first_prev: None,
        last: None,
        verified: 0,
        problem: None,
    };
    for (k, r) in lines.iter().enumerate() {
        let n = (first_index + k + 1) as u64;
        let link = match chain::check_line(&bytes[r.clone()]) {
            Ok(l) => l,
            Err(what) => {
                c.problem = Some(Problem { line: n, what });
                return c;
            }
        };
        if link.seq != n {
            c.problem = Some(Problem {
                line: n,
                what: format!(
                    "seq is {}, expected {n} (a line was deleted, duplicated or moved)",
                    link.seq
                ),
            });
            return c;
        }
        match c.last {
            None => c.first_prev = Some(link.prev),
            Some(prev) if prev != link.prev => {
                c.problem = Some(link_problem(n));
                return c;
            }
            Some(_) => {}
        }
        c.last = Some(link.hash);
        c.verified += 1;
    }
    c
}

fn link_problem(n: u64) -> Problem {
    if n == 1 {
        Problem { line: 1, what: "prev_hash is not 64 zeros: this is not the first event of a chain (lines were cut from the start?)".into() }
    } else {
        Problem {
            line: n,
            what: format!(
                "prev_hash does not match the hash of line {} (line {} or an earlier one was changed, or lines were moved)",
                n - 1,
                n - 1
            ),
        }
    }
}

/// Verifies a ledger held in memory.
pub fn verify_bytes(name: &str, bytes: &[u8], expect: &Expect) -> VerifyReport {
    let lines = store::split_lines(bytes);
    let n = lines.whole.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .clamp(1, 16);
    let per = n.div_ceil(threads).max(4096);
    let chunks: Vec<Chunk> = std::thread::scope(|s| {
        let handles: Vec<_> = lines
            .whole
            .chunks(per)
            .enumerate()
            .map(|(i, part)| s.spawn(move || check_chunk(bytes, part, i * per)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| Chunk {
                    first_prev: None,
                    last: None,
                    verified: 0,
                    problem: Some(Problem {
                        line: 0,
                        what: "internal error: a verify thread panicked".into(),
                    }),
                })
            })
            .collect()
    });

    let zero = [0u8; 32];
    let mut prev = zero;
    let mut verified = 0usize;
    let mut problem = None;
    for (i, c) in chunks.iter().enumerate() {
        if let Some(fp) = c.first_prev {
            if fp != prev {
                problem = Some(link_problem((i * per + 1) as u64));
                break;
            }
        }
        verified += c.verified;
        if let Some(last) = c.last {
            prev = last;
        }
        if c.problem.is_some() {
            problem = c.problem.clone();
            break;
        }
    }
    if problem.is_none() {
        if let Some(t) = &lines.torn {
            problem = Some(Problem {
                line: n as u64 + 1,
                what: format!(
                    "torn last line: {} bytes without a newline (an append was cut short; `muster-ledger repair --truncate-torn` removes it)",
                    t.len()
                ),
            });
        }
    }
    let head = if verified == 0 {
        ZERO_HASH.to_string()
    } else {
        chain::hex(&prev)
    };
    if problem.is_none() {
        if let Some(size) = expect.size {
            if size != n as u64 {
                problem = Some(Problem {
                    line: 0,
                    what: format!("the ledger has {n} events, expected {size} (whole lines were cut from the end, or added)"),
                });
            }
        }
    }
    if problem.is_none() {
        if let Some(h) = &expect.head {
            if *h != head {
                problem = Some(Problem {
                    line: 0,
                    what: format!("the head is {head}, expected {h} (whole lines were cut from the end, or added)"),
                });
            }
        }
    }
    VerifyReport {
        schema: "muster.verify/v1",
        status: if problem.is_some() {
            Status::Blocked
        } else {
            Status::Pass
        },
        ledger: name.to_string(),
        events: n as u64,
        bytes: bytes.len() as u64,
        head,
        problem,
    }
}

#[cfg(test)]
mod tests {
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
}
