//! The three-way merge of one file that two tasks both changed and both
//! declared `write-shared` (DESIGN.md section 5, "muster-integrate").
//!
//! git decides: the three blobs are written to files and merged with
//! `git merge-file -p --diff3`, whose exit status is the number of
//! conflicts (0: clean; at most 127, more are reported as 127; 255 is
//! git's error). A clean result is written to the object store. Where a
//! merge conflicts, git does not say which base lines are involved, so
//! that is worked out here the way git's merge does it (xdiff, at the
//! level `--diff3` implies): each side is diffed against the base by
//! line (similar's Myers, each changed run then slid as far down as it
//! goes, as xdiff does), and a conflict is a run of changes of both sides
//! that overlap or merely touch, unless it is the same change on both
//! sides. Lines are split as git splits them: each ends after its `\n`,
//! and a last line without one is still a line (and differs from the same
//! line with one). Where equally short diffs exist, similar and xdiff may
//! pick different ones (and xdiff gives up on a minimal diff when it is
//! costly), so on heavily edited files a range here can differ from the
//! conflict git marked; when no run is found at all, the answer is one
//! range over every change of either side.
//!
//! The bytes are merged as they are: no attributes, filters or merge
//! drivers apply (`git merge` would use them).

use anyhow::{bail, Context, Result};
use muster_shared::git;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

mod ranges;
use ranges::{conflicts, lines};

/// A file's content merged from three versions, or where they conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// Merged cleanly: the merged blob, already written to the object
    /// store (`git hash-object -w`).
    Clean {
        /// Its id, in full.
        blob: String,
    },
    /// Conflicting hunks, each as the base line range it covers, 1-based
    /// inclusive `[first, last]`; an insertion at a point (no base lines)
    /// is `[n, n - 1]`, meaning "before base line n". Sorted, never empty.
    Conflicts(Vec<[u64; 2]>),
}

/// Merges `theirs` into `ours` over `base` (three blob ids in `repo`), the
/// way `git merge-file --diff3` does. `scratch` is a directory to write the
/// three versions in (a subdirectory is made there and removed before
/// returning); `path` only names the file in errors.
///
/// Binary content (a NUL byte anywhere in any version), which git refuses
/// to merge, is not an error: it is merged only when that is trivial (both
/// sides the same, or one side the base: the other side is the result),
/// and otherwise is `Conflicts` with one range, the whole base
/// (`[1, base line count]`; `[1, 0]` for an empty base).
///
/// Errors: a blob that cannot be read, the scratch directory, or git
/// failing (an exit status above 127, or a signal).
pub fn merge3(
    repo: &Path,
    scratch: &Path,
    path: &str,
    base: &str,
    ours: &str,
    theirs: &str,
) -> Result<Merged> {
    merge(repo, scratch, base, ours, theirs).with_context(|| format!("merging {path:?}"))
}

fn merge(repo: &Path, scratch: &Path, base: &str, ours: &str, theirs: &str) -> Result<Merged> {
    let base = read_blob(repo, "base", base)?;
    let ours = read_blob(repo, "ours", ours)?;
    let theirs = read_blob(repo, "theirs", theirs)?;
    if [&base, &ours, &theirs].iter().any(|v| v.contains(&0)) {
        return binary(repo, &base, &ours, &theirs);
    }
    let (shown, out) = in_scratch(scratch, |dir| {
        let mut files = Vec::with_capacity(3);
        for (name, bytes) in [("ours", &ours), ("base", &base), ("theirs", &theirs)] {
            let file = dir.join(name);
            std::fs::write(&file, bytes).with_context(|| format!("writing {}", file.display()))?;
            files.push(file);
        }
        let mut args: Vec<&OsStr> = ["merge-file", "-p", "--diff3"]
            .into_iter()
            .chain(["-L", "ours", "-L", "base", "-L", "theirs"])
            .map(OsStr::new)
            .collect();
        args.extend(files.iter().map(|f| f.as_os_str()));
        git::output(Some(repo), &args, None, &[])
    })?;
    match out.status.code() {
        Some(0) => Ok(Merged::Clean {
            blob: write_blob(repo, &out.stdout)?,
        }),
        Some(1..=127) => Ok(Merged::Conflicts(conflicts(&base, &ours, &theirs))),
        _ => bail!("{shown}: {}", git::stderr_line(&out)),
    }
}

/// The content of blob `id`; `side` names it in errors.
fn read_blob(repo: &Path, side: &str, id: &str) -> Result<Vec<u8>> {
    if id.is_empty() || id.starts_with('-') {
        bail!("{side} blob {id:?}: not an object id");
    }
    git::run(repo, &["cat-file", "blob", id]).with_context(|| format!("reading the {side} blob"))
}

/// Writes `bytes` to the object store; the blob's id.
fn write_blob(repo: &Path, bytes: &[u8]) -> Result<String> {
    let id = git::run_with(repo, &["hash-object", "-w", "--stdin"], Some(bytes), &[])?;
    Ok(String::from_utf8_lossy(&id).trim().to_string())
}

/// Binary content: merged when that is trivial, else the whole base.
fn binary(repo: &Path, base: &[u8], ours: &[u8], theirs: &[u8]) -> Result<Merged> {
    let result = if ours == theirs || base == theirs {
        ours
    } else if base == ours {
        theirs
    } else {
        let whole = lines(base).len() as u64;
        return Ok(Merged::Conflicts(vec![[1, whole]]));
    };
    Ok(Merged::Clean {
        blob: write_blob(repo, result)?,
    })
}

/// Runs `f` in a new directory under `scratch` (absolute, since git runs
/// with `-C repo`), then removes the directory.
fn in_scratch<T>(scratch: &Path, f: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let scratch = std::path::absolute(scratch)
        .with_context(|| format!("scratch directory {}", scratch.display()))?;
    let mut tries = 0;
    let dir = loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir: PathBuf = scratch.join(format!(".merge3-{}-{n}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => break dir,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 100 => tries += 1,
            Err(e) => bail!("creating {}: {e}", dir.display()),
        }
    };
    let result = f(&dir);
    let removed =
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()));
    let value = result?;
    removed?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tempfile::TempDir;

    /// A repository and a scratch directory, each temporary.
    struct Repo(TempDir, TempDir);

    impl Repo {
        fn new() -> Repo {
            let repo = Repo(TempDir::new().unwrap(), TempDir::new().unwrap());
            git::run(repo.0.path(), &["init", "-q"]).unwrap();
            repo
        }

        fn blob(&self, text: &[u8]) -> String {
            write_blob(self.0.path(), text).unwrap()
        }

        fn cat(&self, blob: &str) -> Vec<u8> {
            git::run(self.0.path(), &["cat-file", "blob", blob]).unwrap()
        }

        fn merge(&self, base: &str, ours: &str, theirs: &str) -> Result<Merged> {
            let [b, o, t] = [base, ours, theirs].map(|s| self.blob(s.as_bytes()));
            let got = merge3(self.0.path(), self.1.path(), "src/f.rs", &b, &o, &t);
            let left = std::fs::read_dir(self.1.path()).unwrap().count();
            assert_eq!(left, 0, "scratch left behind");
            got
        }

        /// `git merge-file --diff3` on the three texts, run by hand: its
        /// exit status and output.
        fn oracle(&self, base: &str, ours: &str, theirs: &str) -> (i32, Vec<u8>) {
            let d = self.1.path();
            for (name, text) in [("o", ours), ("b", base), ("t", theirs)] {
                std::fs::write(d.join(name), text).unwrap();
            }
            let args = ["merge-file", "-p", "--diff3", "o", "b", "t"];
            let (_, out) = git::output(Some(d), &args, None, &[]).unwrap();
            for name in ["o", "b", "t"] {
                std::fs::remove_file(d.join(name)).unwrap();
            }
            (out.status.code().unwrap(), out.stdout)
        }

        /// Merges cleanly into `want`, as git merge-file does.
        #[track_caller]
        fn clean(&self, base: &str, ours: &str, theirs: &str, want: &str) {
            let Ok(Merged::Clean { blob }) = self.merge(base, ours, theirs) else {
                panic!("not clean: {base:?} {ours:?} {theirs:?}")
            };
            assert_eq!(self.cat(&blob), want.as_bytes());
            assert_eq!(self.oracle(base, ours, theirs), (0, want.into()));
        }

        /// Conflicts at `want`, and as many times as git merge-file says.
        #[track_caller]
        fn conflicts(&self, base: &str, ours: &str, theirs: &str, want: &[[u64; 2]]) {
            let got = self.merge(base, ours, theirs).unwrap();
            assert_eq!(
                got,
                Merged::Conflicts(want.to_vec()),
                "{base:?} {ours:?} {theirs:?}"
            );
            let count = self.oracle(base, ours, theirs).0;
            assert_eq!(count, want.len().min(127) as i32, "git's count");
        }
    }

    #[test]
    fn clean_merges_are_git_merge_files() {
        let r = Repo::new();
        r.clean(
            "a\nb\nc\nd\ne\n",
            "a\nB\nc\nd\ne\n",
            "a\nb\nc\nD\ne\n",
            "a\nB\nc\nD\ne\n",
        );
        r.clean("a\nb\nc\n", "a\nB\nc\n", "a\nB\nc\n", "a\nB\nc\n");
        r.clean("a\nb\nc\n", "a\nb\nc\n", "a\nc\n", "a\nc\n");
        r.clean(
            "a\nb\nc\n",
            "x\na\nb\nc\n",
            "a\nb\nc\ny\n",
            "x\na\nb\nc\ny\n",
        );
        r.clean("", "a\n", "a\n", "a\n");
        // No newline at the end.
        r.clean("a\nb\nc", "A\nb\nc", "a\nb\nC", "A\nb\nC");
        r.clean("a\nb\nc\nd", "a\nb\nc\nd\n", "A\nb\nc\nd", "A\nb\nc\nd\n");
        let Ok(Merged::Clean { blob }) = r.merge("a\n", "b\n", "b\n") else {
            panic!("not clean")
        };
        assert_eq!(blob, r.blob(b"b\n"), "a full id");
    }

    #[test]
    fn conflict_ranges() {
        let r = Repo::new();
        let base = "1\n2\n3\n4\n5\n";
        r.conflicts(base, "1\n2\nA\n4\n5\n", "1\n2\nB\n4\n5\n", &[[3, 3]]);
        // Touching changes conflict, as in git.
        r.conflicts(base, "1\nA\n3\n4\n5\n", "1\n2\nB\n4\n5\n", &[[2, 3]]);
        // Deleting lines the other side changed.
        r.conflicts(base, "1\n4\n5\n", "1\n2\nC\n4\n5\n", &[[2, 3]]);
        // Overlaps chain: 2-3 with 3-4 with 4-5.
        r.conflicts(base, "1\nA\nB\n4\nE\n", "1\n2\nC\nD\n5\n", &[[2, 5]]);
        // Two conflicts, one unchanged line between them.
        r.conflicts(
            base,
            "1\nA\n3\nB\n5\n",
            "1\nX\n3\nY\n5\n",
            &[[2, 2], [4, 4]],
        );
        // The same change on both sides beside a conflict.
        r.conflicts(base, "X\n2\n3\nA\n5\n", "X\n2\n3\nB\n5\n", &[[4, 4]]);
        // No newline at the end: "b" and "b\n" differ.
        r.conflicts("a\nb", "a\nB", "a\nb\nc", &[[2, 2]]);
        r.conflicts("a\nb", "a\nb\n", "a\nb\nc", &[[2, 2]]);
        // More than git's exit status can count.
        let text = |f: fn(u64) -> String| (1..=400).map(f).collect::<String>();
        let base = text(|n| format!("{n}\n"));
        let ours = text(|n| format!("{n}{}\n", if n % 2 == 0 { " o" } else { "" }));
        let theirs = text(|n| format!("{n}{}\n", if n % 2 == 0 { " t" } else { "" }));
        let want: Vec<[u64; 2]> = (1..=200).map(|k| [2 * k, 2 * k]).collect();
        r.conflicts(&base, &ours, &theirs, &want);
    }

    #[test]
    fn insertions_at_the_same_point() {
        let r = Repo::new();
        r.conflicts("a\nb\n", "a\nX\nb\n", "a\nY\nb\n", &[[2, 1]]);
        r.conflicts("a\nb\n", "X\na\nb\n", "Y\na\nb\n", &[[1, 0]]);
        r.conflicts("a\nb\n", "a\nb\nX\n", "a\nb\nY\n", &[[3, 2]]);
        r.conflicts("a\nb", "a\nb\nX", "a\nb\nY", &[[2, 2]]);
        r.conflicts("", "x\n", "y\n", &[[1, 0]]);
        r.conflicts("a\nb\n", "a\nX\nb\n", "a\nB\n", &[[2, 2]]);
    }

    #[test]
    fn repeated_lines_align_as_in_git() {
        // Where an insertion among equal lines goes is a choice: git puts
        // it as far down as it goes, and the conflicts follow.
        let r = Repo::new();
        r.conflicts("a\na\nb\n", "a\na\na\nb\n", "a\na\nB\n", &[[3, 3]]);
        r.clean("a\na\nb\n", "a\na\na\nb\n", "A\na\nb\n", "A\na\na\nb\n");
        let base = "fn a() {\n}\n\nfn c() {\n}\n";
        let ours = "fn a() {\n}\n\nfn b() {\n}\n\nfn c() {\n}\n";
        r.conflicts(base, ours, "fn a() {\n}\n\nfn c(x: u8) {\n}\n", &[[4, 4]]);
        r.conflicts(base, ours, "fn a() {\n}\n#\nfn c() {\n}\n", &[[3, 3]]);
        let theirs = "fn a(x: u8) {\n}\n\nfn c() {\n}\n";
        r.clean(
            base,
            ours,
            theirs,
            "fn a(x: u8) {\n}\n\nfn b() {\n}\n\nfn c() {\n}\n",
        );
    }

    #[test]
    fn random_merges_give_sound_ranges() {
        // Repetitive lines and dense edits: git decides, the ranges here
        // must still be in the base, in order, apart and never empty.
        let r = Repo::new();
        let mut seed = 7u64;
        let mut pick = |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % n
        };
        let words = ["}\n", "\n", "a\n", "b\n", "c\n", "d\n", "e", "f\n"];
        for _ in 0..100 {
            let base: String = (0..pick(30)).map(|_| words[pick(8) as usize]).collect();
            let mut edit = || {
                let mut side = String::new();
                for line in lines(base.as_bytes()) {
                    match pick(10) {
                        0 => {}
                        1 => side.push_str("x\n"),
                        2 => side.push_str(words[pick(8) as usize]),
                        _ => side.push_str(std::str::from_utf8(line).unwrap()),
                    }
                    if pick(10) == 0 {
                        side.push_str(words[pick(8) as usize]);
                    }
                }
                side
            };
            let (ours, theirs) = (edit(), edit());
            if let Merged::Conflicts(found) = r.merge(&base, &ours, &theirs).unwrap() {
                let n = lines(base.as_bytes()).len() as u64;
                assert!(!found.is_empty());
                assert!(
                    found.iter().all(|&[a, b]| a >= 1 && a <= b + 1 && b <= n),
                    "{found:?}"
                );
                assert!(found.windows(2).all(|w| w[0][1] + 1 < w[1][0]), "{found:?}");
            }
        }
    }

    #[test]
    fn hunks_are_git_diffs() {
        let r = Repo::new();
        let cases = [
            ("a\na\nb\n", "a\na\na\nb\n"),
            ("a\nb\na\nb\n", "a\nb\na\nb\na\nb\n"),
            ("x\n}\n\ny\n}\n\nz\n", "x\n}\n\nq\n}\n\ny\n}\n\nz\n"),
            ("1\n2\n3\n", "0\n1\n3\n4\n"),
            ("a\n\n\nb\n", "a\n\nb\n"),
            ("a\nb", "a\nb\n"),
        ];
        for (old, new) in cases {
            let (o, n) = (r.blob(old.as_bytes()), r.blob(new.as_bytes()));
            let args = [
                "diff",
                "-U0",
                "--no-indent-heuristic",
                "--diff-algorithm=myers",
                &o,
                &n,
            ];
            let diff = String::from_utf8(git::run(r.0.path(), &args).unwrap()).unwrap();
            // "@@ -3,0 +4,2 @@": a count of 0 is after the line named.
            let span = |s: &str| {
                let (at, len) = s.split_once(',').unwrap_or((s, "1"));
                let (at, len): (usize, usize) = (at.parse().unwrap(), len.parse().unwrap());
                let start = at - usize::from(len > 0);
                start..start + len
            };
            let want: Vec<_> = diff
                .lines()
                .filter_map(|l| l.strip_prefix("@@ -")?.split_once(" @@"))
                .map(|(spans, _)| spans.split_once(" +").unwrap())
                .map(|(a, b)| (span(a), span(b)))
                .collect();
            let got = ranges::hunks(&lines(old.as_bytes()), &lines(new.as_bytes()));
            assert_eq!(got, want, "{old:?} -> {new:?}");
        }
    }

    #[test]
    fn binary_content() {
        let r = Repo::new();
        let got = r
            .merge("a\n\0b\nc\n", "A\n\0b\nc\n", "a\n\0b\nC\n")
            .unwrap();
        assert_eq!(got, Merged::Conflicts(vec![[1, 3]]));
        let got = r.merge("", "\0", "x").unwrap();
        assert_eq!(got, Merged::Conflicts(vec![[1, 0]]));
        for (base, ours, theirs, want) in [("a\n", "\0", "\0", "\0"), ("\0", "\0", "b\n", "b\n")] {
            let Ok(Merged::Clean { blob }) = r.merge(base, ours, theirs) else {
                panic!("not clean: {base:?} {ours:?} {theirs:?}")
            };
            assert_eq!(r.cat(&blob), want.as_bytes());
        }
    }

    #[test]
    fn errors_name_the_path() {
        let r = Repo::new();
        let good = r.blob(b"a\n");
        let merge = |scratch: &Path, theirs: &str| {
            let err = merge3(r.0.path(), scratch, "src/f.rs", &good, &good, theirs).unwrap_err();
            format!("{err:#}")
        };
        let missing = "0123456789abcdef0123456789abcdef01234567";
        let err = merge(r.1.path(), missing);
        assert!(
            err.starts_with("merging \"src/f.rs\": reading the theirs blob: git "),
            "{err}"
        );
        let err = merge(r.1.path(), "--help");
        assert_eq!(
            err,
            "merging \"src/f.rs\": theirs blob \"--help\": not an object id"
        );
        let err = merge(&r.1.path().join("none"), &good);
        assert!(err.starts_with("merging \"src/f.rs\": creating "), "{err}");
    }

    #[test]
    fn a_fallback_range_when_no_run_conflicts() {
        // Not reachable through git (it said there is a conflict): the
        // changes of both sides, else the whole base.
        assert_eq!(
            conflicts(b"a\nb\nc\n", b"A\nb\nc\n", b"A\nb\nc\n"),
            [[1, 1]]
        );
        assert_eq!(
            conflicts(b"a\nb\nc\n", b"A\nb\nc\n", b"a\nb\nC\n"),
            [[1, 3]]
        );
        assert_eq!(conflicts(b"a\nb\n", b"a\nb\n", b"a\nb\n"), [[1, 2]]);
        assert_eq!(conflicts(b"", b"", b""), [[1, 0]]);
        assert_eq!(lines(b"a\nb").len(), 2);
        assert_eq!(lines(b"a\nb\n").len(), 2);
    }
}
