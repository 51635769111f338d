//! `muster-ledger verify`: every line's hash, every link, every seq, the torn
//! tail, and optionally the expected head and size. Names the first bad line.
//!
//! Lines carry their own `prev_hash`, so they are checked in parallel: the
//! file is cut at newlines into one byte range per core; each thread checks
//! its lines and the links inside its range, reading it in blocks into one
//! reused buffer (constant memory, whatever the ledger's size); the first line
//! of each range is then checked against what came before. The cost is one
//! canonical-form validator pass and one sha256 pass over the bytes.

use crate::chain::{self, Link, ZERO_HASH};
use anyhow::{Context, Result};
use muster_shared::Status;
use serde::Serialize;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

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

/// What one thread found in its range of whole lines.
#[derive(Default)]
struct Chunk {
    /// The first line's link, when it checked out.
    first: Option<Link>,
    /// The last line that checked out.
    last: Option<Link>,
    /// Lines in the range (all of them, also past a problem).
    lines: usize,
    /// Lines that checked out before the first problem.
    verified: usize,
    /// The first problem: 0-based line index in the range, and what (empty
    /// for a broken link, which the caller words).
    problem: Option<(usize, String)>,
}

impl Chunk {
    /// Checks whole lines (each ending in a newline) that follow the ones
    /// fed before: each line on its own, and the seq and link to the one
    /// before it. After a problem, lines are only counted.
    fn feed(&mut self, bytes: &[u8]) {
        if self.problem.is_some() {
            self.lines += memchr::memchr_iter(b'\n', bytes).count();
            return;
        }
        let mut start = 0;
        let mut newlines = memchr::memchr_iter(b'\n', bytes);
        for nl in newlines.by_ref() {
            let i = self.lines;
            self.lines += 1;
            let line = &bytes[start..nl];
            start = nl + 1;
            let link = match chain::check_line(line) {
                Ok(l) => l,
                Err(what) => {
                    self.problem = Some((i, what));
                    break;
                }
            };
            if let Some(p) = self.last {
                let want = p.seq.wrapping_add(1);
                if link.seq != want {
                    self.problem = Some((
                        i,
                        format!(
                            "seq is {}, expected {want} (a line was deleted, duplicated or moved)",
                            link.seq
                        ),
                    ));
                    break;
                }
                if link.prev != p.hash {
                    self.problem = Some((i, String::new()));
                    break;
                }
            } else {
                self.first = Some(link);
            }
            self.last = Some(link);
            self.verified += 1;
        }
        self.lines += newlines.count();
    }
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
    let threads = if bytes.len() < (1 << 20) {
        1
    } else {
        muster_shared::par::cores()
    };
    verify_with_threads(name, bytes, expect, threads)
}

/// [`verify_bytes`] with the number of threads given.
fn verify_with_threads(name: &str, bytes: &[u8], expect: &Expect, threads: usize) -> VerifyReport {
    let whole = memchr::memrchr(b'\n', bytes).map_or(0, |p| p + 1);
    let body = &bytes[..whole];
    let mut bounds = vec![0usize];
    for k in 1..threads.max(1) {
        let from = (body.len() * k / threads).max(bounds[k - 1]);
        bounds.push(memchr::memchr(b'\n', &body[from..]).map_or(body.len(), |q| from + q + 1));
    }
    bounds.push(body.len());
    let chunks = in_parallel(&bounds, |from, to| {
        let mut c = Chunk::default();
        c.feed(&body[from..to]);
        Ok(c)
    })
    .unwrap_or_else(|e| {
        // Only a panicking thread gets here: fail closed.
        vec![Chunk {
            problem: Some((0, format!("internal error: {e}"))),
            ..Chunk::default()
        }]
    });
    combine(
        name,
        chunks,
        bytes.len() - whole,
        bytes.len() as u64,
        expect,
    )
}

/// Verifies the ledger file at `path` under a shared lock, reading it in
/// blocks (memory stays a few MB at any size).
pub fn verify_file(path: &Path, expect: &Expect) -> Result<VerifyReport> {
    verify_file_with(path, expect, None, BLOCK)
}

/// [`verify_file`] with the threads (default: one per core for files over 1 MB)
/// and the block size given.
fn verify_file_with(
    path: &Path,
    expect: &Expect,
    threads: Option<usize>,
    block: usize,
) -> Result<VerifyReport> {
    let name = path.display().to_string();
    let f = File::open(path).with_context(|| format!("opening ledger {name}"))?;
    f.lock_shared()
        .with_context(|| format!("locking ledger {name}"))?;
    let len = f
        .metadata()
        .with_context(|| format!("reading ledger {name}"))?
        .len() as usize;
    let threads = threads.unwrap_or(if len < (1 << 20) {
        1
    } else {
        muster_shared::par::cores()
    });
    // Cut at newlines: each range but the last ends with one.
    let mut bounds = vec![0usize];
    for k in 1..threads {
        let from = (len * k / threads).max(bounds[k - 1]);
        let cut = next_newline(&f, from, len).with_context(|| format!("reading ledger {name}"))?;
        bounds.push(cut.map_or(len, |p| p + 1));
    }
    bounds.push(len);
    let torn = std::sync::atomic::AtomicUsize::new(0);
    let chunks = in_parallel(&bounds, |from, to| {
        let (chunk, left) = stream(&f, from, to, block)?;
        // Every range but the one holding the end stops at a newline (or is
        // empty), so only that one leaves bytes over.
        torn.fetch_add(left, std::sync::atomic::Ordering::Relaxed);
        Ok(chunk)
    })
    .with_context(|| format!("reading ledger {name}"))?;
    Ok(combine(
        &name,
        chunks,
        torn.into_inner(),
        len as u64,
        expect,
    ))
}

const BLOCK: usize = 256 << 10;

/// The offset of the first newline at or after `from`, if any before `end`.
fn next_newline(f: &File, mut from: usize, end: usize) -> std::io::Result<Option<usize>> {
    let mut buf = vec![0u8; 64 << 10];
    while from < end {
        let n = (end - from).min(buf.len());
        f.read_exact_at(&mut buf[..n], from as u64)?;
        if let Some(q) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(Some(from + q));
        }
        from += n;
    }
    Ok(None)
}

/// Checks the lines of `f` in `from..to`, block by block; returns the chunk
/// and how many bytes after its last newline were left (a torn tail).
fn stream(f: &File, from: usize, to: usize, block: usize) -> std::io::Result<(Chunk, usize)> {
    let mut c = Chunk::default();
    let mut buf = vec![0u8; block.min(to - from)];
    let (mut pos, mut carry) = (from, 0usize);
    while pos < to {
        let want = (to - pos).min(block);
        if buf.len() < carry + want {
            buf.resize(carry + want, 0); // a line longer than a block
        }
        f.read_exact_at(&mut buf[carry..carry + want], pos as u64)?;
        pos += want;
        let filled = carry + want;
        let whole = memchr::memrchr(b'\n', &buf[..filled]).map_or(0, |p| p + 1);
        c.feed(&buf[..whole]);
        buf.copy_within(whole..filled, 0);
        carry = filled - whole;
    }
    Ok((c, carry))
}

/// Runs `check` on each range `bounds[i]..bounds[i + 1]` in its own thread.
fn in_parallel<F>(bounds: &[usize], check: F) -> std::io::Result<Vec<Chunk>>
where
    F: Fn(usize, usize) -> std::io::Result<Chunk> + Sync,
{
    muster_shared::par::map_ranges(bounds, |r| check(r.start, r.end))
        .into_iter()
        .collect()
}

/// The report from the ranges' chunks, in order, and the torn tail.
fn combine(
    name: &str,
    chunks: Vec<Chunk>,
    torn: usize,
    bytes: u64,
    expect: &Expect,
) -> VerifyReport {
    let mut prev = [0u8; 32];
    let mut verified = 0usize;
    let mut before = 0usize; // lines before the current chunk
    let mut problem = None;
    for c in &chunks {
        if let Some(f) = c.first {
            let n = before as u64 + 1;
            if f.seq != n {
                problem = Some(Problem {
                    line: n,
                    what: format!(
                        "seq is {}, expected {n} (a line was deleted, duplicated or moved)",
                        f.seq
                    ),
                });
                break;
            }
            if f.prev != prev {
                problem = Some(link_problem(n));
                break;
            }
        }
        verified += c.verified;
        if let Some(last) = c.last {
            prev = last.hash;
        }
        if let Some((i, what)) = &c.problem {
            let n = (before + i) as u64 + 1;
            problem = Some(if what.is_empty() {
                link_problem(n)
            } else {
                Problem {
                    line: n,
                    what: what.clone(),
                }
            });
            break;
        }
        before += c.lines;
    }
    let n: usize = chunks.iter().map(|c| c.lines).sum();
    if problem.is_none() && torn > 0 {
        problem = Some(Problem {
            line: n as u64 + 1,
            what: format!(
                "torn last line: {torn} bytes without a newline (an append was cut short; `muster-ledger repair --truncate-torn` removes it)"
            ),
        });
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
        bytes,
        head,
        problem,
    }
}

#[cfg(test)]
mod tests;
