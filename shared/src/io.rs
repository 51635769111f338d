//! Reading input, writing documents, and writing files atomically.

use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::io::{IsTerminal, Read, Seek, Write};
use std::path::Path;

/// Bytes read from a file or stdin, with the name errors use for it.
#[derive(Debug, Clone)]
pub struct Input {
    /// `<stdin>` or the file's path.
    pub name: String,
    /// Everything that was read.
    pub bytes: Vec<u8>,
}

/// Reads `path`, or stdin when it is `-`. Refuses to wait on a terminal.
pub fn read_input(path: &str) -> Result<Input> {
    open_input(path)?.into_input()
}

/// An input not read yet: a regular file (a path, or stdin redirected from
/// one), which a reader may read in pieces and at offsets, or what was read
/// from anything else (a pipe, a terminal is refused).
#[derive(Debug)]
pub enum Source {
    /// A regular file, to be read from `start` (where stdin's offset was)
    /// to its end.
    File {
        /// `<stdin>` or the file's path.
        name: String,
        /// The open file.
        file: std::fs::File,
        /// Where its input starts.
        start: u64,
    },
    /// Everything read from a pipe or another stream.
    Read(Input),
}

/// Opens `path`, or stdin when it is `-`; reads it at once unless it is a
/// regular file. Refuses to wait on a terminal.
pub fn open_input(path: &str) -> Result<Source> {
    let (name, file) = if path == "-" {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            bail!("no input: stdin is a terminal; pipe a document in or give -i FILE");
        }
        // A file handle on fd 0: a file redirected in (`< plan.json`) is
        // then read into a buffer of its size at once (std's Stdin grows
        // its buffer by doubling, each step copying it all), or at offsets.
        let fd = std::os::fd::AsFd::as_fd(&stdin)
            .try_clone_to_owned()
            .context("reading <stdin>")?;
        ("<stdin>".to_string(), std::fs::File::from(fd))
    } else {
        let file = std::fs::File::open(path).with_context(|| format!("reading {path}"))?;
        (path.to_string(), file)
    };
    let regular = file.metadata().is_ok_and(|m| m.is_file());
    if regular {
        if let Ok(start) = (&file).stream_position() {
            return Ok(Source::File { name, file, start });
        }
    }
    let mut bytes = Vec::new();
    (&file)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {name}"))?;
    Ok(Source::Read(Input { name, bytes }))
}

impl Source {
    /// The name errors use for it.
    pub fn name(&self) -> &str {
        match self {
            Source::File { name, .. } => name,
            Source::Read(input) => &input.name,
        }
    }

    /// All of it, read (a file from where its input starts, wherever a
    /// reader left its offset).
    pub fn into_input(self) -> Result<Input> {
        match self {
            Source::Read(input) => Ok(input),
            Source::File { name, file, start } => {
                let mut bytes = Vec::new();
                (&file)
                    .seek(std::io::SeekFrom::Start(start))
                    .and_then(|_| (&file).read_to_end(&mut bytes))
                    .with_context(|| format!("reading {name}"))?;
                Ok(Input { name, bytes })
            }
        }
    }
}

/// A document as JSON: pretty with two spaces, or on one line when `compact`;
/// always with a trailing newline.
pub fn to_json<T: Serialize + ?Sized>(value: &T, compact: bool) -> Vec<u8> {
    let mut out = if compact {
        serde_json::to_vec(value)
    } else {
        serde_json::to_vec_pretty(value)
    }
    .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()).into_bytes());
    out.push(b'\n');
    out
}

/// Writes `bytes` to `path` through a temporary file in the same directory and
/// a rename, so that a reader never sees a partial file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("writing {}: not a file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> std::io::Result<()> {
        // Never through what is already there: a symlink planted at the
        // temporary name (a worker can write in its bundle directory) would
        // take the write elsewhere. It is removed (the link, not its
        // target), and the file made anew; if something appears there
        // again meanwhile, create_new fails and nothing is written.
        match std::fs::remove_file(&tmp) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_pretty_or_compact_with_newline() {
        let v = serde_json::json!({"b": 1, "a": [1, 2]});
        assert_eq!(
            to_json(&v, false),
            b"{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": 1\n}\n"
        );
        assert_eq!(to_json(&v, true), b"{\"a\":[1,2],\"b\":1}\n");
    }

    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let missing = dir.path().join("no/such/dir/x");
        assert!(write_atomic(&missing, b"x").is_err());
    }

    /// Symlinks planted at the file's name or at its temporary name do not
    /// take the write elsewhere.
    #[test]
    fn atomic_write_never_writes_through_a_planted_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("victim");
        std::fs::write(&target, b"keep").unwrap();
        let p = dir.path().join("STATUS.json");
        let tmp = dir
            .path()
            .join(format!(".STATUS.json.tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(&target, &tmp).unwrap();
        std::os::unix::fs::symlink(&target, &p).unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert!(!std::fs::symlink_metadata(&p)
            .unwrap()
            .file_type()
            .is_symlink());
    }
}
