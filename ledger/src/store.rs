//! The ledger file: locks, whole reads, the last line, and typed events.
//!
//! Writers take an exclusive lock on the ledger file itself (flock, through
//! `std::fs::File::lock`) for the whole read-tail, write, fsync sequence;
//! readers take a shared lock while they read, so they never see half a line
//! from a writer that is still writing. The file is never replaced, only
//! appended to (or cut back by `repair`), so the lock is always on the right inode.

use anyhow::{Context, Result};
use muster_shared::schema::Event;
use muster_shared::Blocked;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;

/// Opens the ledger for appending (creating it) and locks it exclusively.
pub fn open_for_append(path: &Path) -> Result<File> {
    let f = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("opening ledger {}", path.display()))?;
    f.lock()
        .with_context(|| format!("locking ledger {}", path.display()))?;
    Ok(f)
}

/// Opens an existing ledger for reading.
pub fn open_existing(path: &Path) -> Result<File> {
    File::open(path).with_context(|| format!("opening ledger {}", path.display()))
}

/// Reads the whole ledger under a shared lock. A large file is read in two
/// halves by two threads at once (the copy out of the page cache, and the
/// page faults of a fresh buffer, are a good part of `verify`'s time).
pub fn read_all(path: &Path) -> Result<Vec<u8>> {
    let f = open_existing(path)?;
    f.lock_shared()
        .with_context(|| format!("locking ledger {}", path.display()))?;
    let len = f
        .metadata()
        .with_context(|| format!("reading ledger {}", path.display()))?
        .len() as usize;
    let mut bytes = vec![0u8; len];
    let read =
        |buf: &mut [u8], at: usize| std::os::unix::fs::FileExt::read_exact_at(&f, buf, at as u64);
    let result = if len < (16 << 20) {
        read(&mut bytes, 0)
    } else {
        let half = len / 2;
        let (a, b) = bytes.split_at_mut(half);
        std::thread::scope(|s| {
            let second = s.spawn(|| read(b, half));
            let first = read(a, 0);
            first.and(
                second
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("reader thread panicked"))),
            )
        })
    };
    result.with_context(|| format!("reading ledger {}", path.display()))?;
    Ok(bytes)
}

/// The lines of a ledger (without their newlines), and the torn tail if the
/// file does not end with a newline.
#[derive(Debug, Default)]
pub struct Lines {
    /// Byte ranges of the whole lines.
    pub whole: Vec<Range<usize>>,
    /// Byte range of a last line that has no newline.
    pub torn: Option<Range<usize>>,
}

/// Splits a ledger into lines.
pub fn split_lines(bytes: &[u8]) -> Lines {
    let mut whole = Vec::with_capacity(bytes.len() / 300 + 1);
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        whole.push(start..nl);
        start = nl + 1;
    }
    let torn = (start < bytes.len()).then_some(start..bytes.len());
    Lines { whole, torn }
}

/// The end of a ledger, read without reading the whole file.
#[derive(Debug, Default)]
pub struct Tail {
    /// The file's length in bytes.
    pub len: u64,
    /// The last whole line, without its newline.
    pub last: Option<Vec<u8>>,
    /// Bytes after the last newline (a torn line), if any.
    pub torn: u64,
}

/// Reads the last whole line (and notices a torn tail) from the end of the file.
pub fn read_tail(f: &mut File) -> std::io::Result<Tail> {
    let len = f.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(Tail::default());
    }
    let mut window = 4096u64;
    loop {
        let start = len.saturating_sub(window);
        let mut buf = vec![0u8; (len - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf)?;
        // The last newline in the file, and the one before it.
        let last_nl = memchr::memrchr(b'\n', &buf);
        let Some(last_nl) = last_nl else {
            if start == 0 {
                return Ok(Tail {
                    len,
                    last: None,
                    torn: len,
                });
            }
            window *= 4;
            continue;
        };
        let torn = buf.len() - 1 - last_nl;
        match memchr::memrchr(b'\n', &buf[..last_nl]) {
            Some(prev) => {
                return Ok(Tail {
                    len,
                    last: Some(buf[prev + 1..last_nl].to_vec()),
                    torn: torn as u64,
                })
            }
            None if start == 0 => {
                return Ok(Tail {
                    len,
                    last: Some(buf[..last_nl].to_vec()),
                    torn: torn as u64,
                })
            }
            None => window *= 4,
        }
    }
}

/// Reads every event, in file order, after verifying the whole chain: any
/// damage (a torn last line included) is BLOCKED, naming the line, so no
/// command ever shows a tampered event.
pub fn read_events(path: &Path) -> Result<Vec<Event>> {
    let bytes = read_all(path)?;
    let name = path.display().to_string();
    let report = crate::verify::verify_bytes(&name, &bytes, &crate::verify::Expect::default());
    if let Some(p) = report.problem {
        return Err(Blocked(format!(
            "{name}: line {}: {}; see `muster-ledger verify`",
            p.line, p.what
        ))
        .into());
    }
    let lines = split_lines(&bytes);
    let mut events = Vec::with_capacity(lines.whole.len());
    for (i, r) in lines.whole.iter().enumerate() {
        let ev: Event = serde_json::from_slice(&bytes[r.clone()]).map_err(|e| {
            Blocked(format!(
                "{}: line {}: not an event: {e}; run `muster-ledger verify`",
                path.display(),
                i + 1
            ))
        })?;
        events.push(ev);
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn tail_finds_last_line_and_torn_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("l");
        let mut f = open_for_append(&p).unwrap();
        assert!(read_tail(&mut f).unwrap().last.is_none());
        f.write_all(b"one\n").unwrap();
        let t = read_tail(&mut f).unwrap();
        assert_eq!((t.last.as_deref(), t.torn), (Some(&b"one"[..]), 0));
        let long = "x".repeat(100_000);
        write!(f, "{long}\nthr").unwrap();
        let t = read_tail(&mut f).unwrap();
        assert_eq!(
            (t.last.unwrap().len(), t.torn, t.len),
            (100_000, 3, 100_008)
        );
        let l = split_lines(&std::fs::read(&p).unwrap());
        assert_eq!((l.whole.len(), l.torn), (2, Some(100_005..100_008)));
    }
}
