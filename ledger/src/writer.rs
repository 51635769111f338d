//! The one way events get into a ledger: lock, read the tail, seal, write whole
//! lines in one `write`, fsync, unlock.
//!
//! A crash in the middle leaves at most one torn line at the end (no newline);
//! whole lines written before it are kept. Appending to a ledger whose last
//! line is torn or damaged is refused (BLOCKED) until `repair` or a look at
//! `verify`, so a chain is never extended from a bad link.

use crate::chain::{self, ZERO_HASH};
use crate::store;
use anyhow::{Context, Result};
use muster_shared::Blocked;
use serde_json::{Map, Value};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The end of the chain: how many events, and the last hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Number of events (the last `seq`).
    pub size: u64,
    /// The last event's hash (64 zeros when empty).
    pub hash: String,
}

/// A ledger locked for writing.
pub struct Locked {
    file: File,
    path: PathBuf,
}

impl Locked {
    /// Opens (creating) and locks the ledger exclusively; waits for other writers.
    pub fn open(path: &Path) -> Result<Locked> {
        Ok(Locked {
            file: store::open_for_append(path)?,
            path: path.to_path_buf(),
        })
    }

    /// The chain's head, from the last line, which is checked. A torn or
    /// damaged last line is BLOCKED.
    pub fn head(&mut self) -> Result<Head> {
        let tail = store::read_tail(&mut self.file)
            .with_context(|| format!("reading ledger {}", self.path.display()))?;
        head_of(&self.path, tail)
    }

    /// The whole file, read under this lock.
    pub fn read_all(&mut self) -> Result<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let mut bytes = Vec::new();
        self.file
            .seek(SeekFrom::Start(0))
            .and_then(|_| self.file.read_to_end(&mut bytes))
            .with_context(|| format!("reading ledger {}", self.path.display()))?;
        Ok(bytes)
    }

    /// Cuts the file to `len` bytes and syncs it.
    pub fn truncate(&mut self, len: u64) -> std::io::Result<()> {
        self.file.set_len(len)?;
        self.file.sync_all()
    }

    /// Seals and writes `drafts` (every field but `seq`, `prev_hash`, `hash`)
    /// after `head`, then fsyncs. Returns the new head.
    pub fn write(&mut self, head: &Head, drafts: Vec<Map<String, Value>>) -> Result<Head> {
        let mut out = Vec::with_capacity(drafts.len() * 400);
        let mut next = head.clone();
        for mut fields in drafts {
            next.size += 1;
            fields.insert("seq".into(), Value::from(next.size));
            fields.insert("prev_hash".into(), Value::String(next.hash.clone()));
            let (hash, line) = chain::seal(fields).context("sealing event")?;
            out.extend_from_slice(&line);
            out.push(b'\n');
            next.hash = hash;
        }
        if out.is_empty() {
            return Ok(next);
        }
        self.file
            .write_all(&out)
            .and_then(|()| self.file.sync_data())
            .with_context(|| format!("writing ledger {}", self.path.display()))?;
        Ok(next)
    }
}

/// The head of a ledger from its tail: the last line, checked. A torn or
/// damaged last line is BLOCKED.
pub fn head_of(path: &Path, tail: store::Tail) -> Result<Head> {
    if tail.torn > 0 {
        return Err(Blocked(format!(
            "{}: the last line is torn ({} bytes without a newline, from an append that was cut short); \
             run `muster-ledger repair --truncate-torn`",
            path.display(),
            tail.torn
        ))
        .into());
    }
    match tail.last {
        None => Ok(Head {
            size: 0,
            hash: ZERO_HASH.into(),
        }),
        Some(line) => match chain::check_line(&line) {
            Ok(link) => Ok(Head {
                size: link.seq,
                hash: chain::hex(&link.hash),
            }),
            Err(what) => Err(Blocked(format!(
                "{}: the last line is damaged ({what}); run `muster-ledger verify`",
                path.display()
            ))
            .into()),
        },
    }
}

/// The head of the ledger at `path`, read under a shared lock.
pub fn read_head(path: &Path) -> Result<Head> {
    let mut f = store::open_existing(path)?;
    f.lock_shared()
        .with_context(|| format!("locking ledger {}", path.display()))?;
    let tail =
        store::read_tail(&mut f).with_context(|| format!("reading ledger {}", path.display()))?;
    head_of(path, tail)
}
