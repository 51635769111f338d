//! A run's evidence hash: what an approval is bound to (DESIGN.md section 5,
//! "Approvals"). sha256 over the run's artifacts, names and contents, in
//! name order: for each regular file under `.muster/runs/<RUN_ID>/`, its
//! path relative to that directory (`/`-separated bytes), a NUL, the
//! lowercase hex sha256 of its content, a newline. Any change to any
//! artifact (a byte, a file added, removed or renamed) changes the hash.
//!
//! Left out, because they are not evidence but the machinery of a run in
//! progress: `cancel/` (cancel requests), `integrator.work/` and
//! `integrator.tmp/` (scratch of an integration), `integrator.old/`. A
//! symlink is hashed as its target text (never followed).

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Directories of a run that are not evidence.
const SKIP: [&str; 4] = [
    "cancel",
    "integrator.work",
    "integrator.tmp",
    "integrator.old",
];

/// The evidence hash of the run directory `dir`; an error when it is not a
/// directory (a run with no artifacts has nothing to approve).
pub fn hash(dir: &Path) -> Result<String> {
    if !dir.is_dir() {
        bail!(
            "{}: no such run directory (nothing to bind an approval to)",
            dir.display()
        );
    }
    let mut files: Vec<(Vec<u8>, String)> = Vec::new();
    walk(dir, b"", &mut files)?;
    files.sort();
    let mut h = Sha256::new();
    for (name, digest) in &files {
        h.update(name);
        h.update([0]);
        h.update(digest.as_bytes());
        h.update(b"\n");
    }
    Ok(hex(&h.finalize()))
}

fn walk(dir: &Path, prefix: &[u8], out: &mut Vec<(Vec<u8>, String)>) -> Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let name = entry.file_name();
        let mut rel = prefix.to_vec();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(name.as_bytes());
        if prefix.is_empty() && SKIP.iter().any(|s| s.as_bytes() == name.as_bytes()) {
            continue;
        }
        let path = entry.path();
        let kind = entry
            .file_type()
            .with_context(|| format!("reading {}", path.display()))?;
        if kind.is_dir() {
            walk(&path, &rel, out)?;
        } else if kind.is_symlink() {
            let target = std::fs::read_link(&path)
                .with_context(|| format!("reading the link {}", path.display()))?;
            out.push((rel, hex(&Sha256::digest(target.as_os_str().as_bytes()))));
        } else if kind.is_file() {
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            out.push((rel, hex(&Sha256::digest(&bytes))));
        }
    }
    Ok(())
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn any_change_to_an_artifact_changes_the_hash_and_scratch_does_not() {
        let d = tempfile::tempdir().unwrap();
        let run = d.path();
        std::fs::create_dir_all(run.join("T1/LOGS")).unwrap();
        std::fs::write(run.join("T1/DIFF.patch"), "x").unwrap();
        std::fs::write(run.join("T1/LOGS/stdout.log"), "out").unwrap();
        std::fs::write(run.join("run.json"), "{}").unwrap();
        let first = hash(run).unwrap();
        assert_eq!(first, hash(run).unwrap());
        assert_eq!(first.len(), 64);
        // Scratch and cancel requests are not evidence.
        std::fs::create_dir_all(run.join("integrator.work")).unwrap();
        std::fs::write(run.join("integrator.work/index"), "i").unwrap();
        std::fs::create_dir_all(run.join("cancel")).unwrap();
        std::fs::write(run.join("cancel/T1"), "why").unwrap();
        assert_eq!(hash(run).unwrap(), first);
        // A byte, a new file, a rename: each changes it.
        std::fs::write(run.join("T1/DIFF.patch"), "y").unwrap();
        let edited = hash(run).unwrap();
        assert_ne!(edited, first);
        std::fs::write(run.join("T1/extra"), "").unwrap();
        let added = hash(run).unwrap();
        assert_ne!(added, edited);
        std::fs::rename(run.join("T1/extra"), run.join("T1/extra2")).unwrap();
        assert_ne!(hash(run).unwrap(), added);
        assert!(hash(&run.join("nope")).is_err());
    }

    #[test]
    fn the_hash_is_the_documented_construction() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("b")).unwrap();
        std::fs::write(d.path().join("b/c"), "C").unwrap();
        std::fs::write(d.path().join("a"), "A").unwrap();
        let line = |name: &str, content: &str| {
            format!("{name}\0{}\n", hex(&Sha256::digest(content.as_bytes())))
        };
        let want = hex(&Sha256::digest(
            format!("{}{}", line("a", "A"), line("b/c", "C")).as_bytes(),
        ));
        assert_eq!(hash(d.path()).unwrap(), want);
    }
}
