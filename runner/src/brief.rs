//! BRIEF.md: what a worker is told. The goal, the globs it may write, and a
//! snippet pack: the head and tail of each file at the base that its
//! allowlist takes, in path order, capped, so the same task and base always
//! give the same brief.

use anyhow::{Context, Result};
use muster_shared::glob::{Pattern, PatternSet};
use muster_shared::schema::Task;
use std::fmt::Write as _;
use std::path::Path;

/// Lines from the start of each file.
const HEAD_LINES: usize = 20;
/// Lines from the end of each file longer than that.
const TAIL_LINES: usize = 10;
/// Files in the pack, at most.
const MAX_FILES: usize = 40;
/// Bytes of the whole pack, at most.
const MAX_BYTES: usize = 64 * 1024;

/// The brief of `task` for run `run_id`, with snippets of `files` (path
/// and contents at the base, in path order) that its touches take.
pub fn brief(task: &Task, run_id: &str, files: &[(String, Vec<u8>)]) -> Result<String> {
    let mut out = String::new();
    let _ = writeln!(out, "# Task {}\n", task.id);
    let _ = writeln!(out, "Run: {run_id}\n\n## Goal\n\n{}\n", task.goal.trim());
    let _ = writeln!(out, "## You may change\n");
    if task.touches.is_empty() {
        let _ = writeln!(out, "Nothing: this task is read-only.");
    }
    for g in &task.touches {
        let _ = writeln!(out, "- `{g}`");
    }
    let none = unmatched(&task.touches, files);
    if !none.is_empty() {
        let _ = writeln!(
            out,
            "\nThese match no file of the repository yet (files to create, or a typo in the task):\n"
        );
        for g in &none {
            let _ = writeln!(out, "- `{g}`");
        }
    }
    let _ = writeln!(
        out,
        "\nAny other change makes the task BLOCKED. Write a REPORT.json into $MUSTER_BUNDLE_DIR to report metrics, spawn candidates or questions.\n"
    );
    let patterns = task
        .touches
        .iter()
        .map(|g| Pattern::parse(g))
        .collect::<Result<Vec<_>, _>>()
        .context("touches")?;
    let set = PatternSet::new(patterns).context("touches")?;
    let mut pack = String::new();
    let mut shown = 0;
    for (path, bytes) in files {
        if shown == MAX_FILES || pack.len() >= MAX_BYTES {
            let _ = writeln!(pack, "(more files not shown)\n");
            break;
        }
        if set.first_match(path.as_bytes()).is_none() {
            continue;
        }
        shown += 1;
        let text = String::from_utf8_lossy(bytes);
        let lines: Vec<&str> = text.lines().collect();
        let _ = writeln!(pack, "### `{path}` ({} lines)\n\n```", lines.len());
        if lines.len() <= HEAD_LINES + TAIL_LINES {
            for l in &lines {
                let _ = writeln!(pack, "{l}");
            }
        } else {
            for l in &lines[..HEAD_LINES] {
                let _ = writeln!(pack, "{l}");
            }
            let _ = writeln!(
                pack,
                "[... {} lines ...]",
                lines.len() - HEAD_LINES - TAIL_LINES
            );
            for l in &lines[lines.len() - TAIL_LINES..] {
                let _ = writeln!(pack, "{l}");
            }
        }
        let _ = writeln!(pack, "```\n");
    }
    if pack.len() > MAX_BYTES {
        let mut cut = MAX_BYTES;
        while !pack.is_char_boundary(cut) {
            cut -= 1;
        }
        pack.truncate(cut);
        pack.push_str("\n[... cut at 64 KiB ...]\n");
    }
    if !pack.is_empty() {
        let _ = writeln!(out, "## What those files hold now\n\n{pack}");
    }
    Ok(out)
}

/// The `touches` patterns that take none of `files` (every file at the base
/// the task's allowlist takes): DESIGN section 4, "a pattern that matches
/// nothing in the repo is reported". A file the task is to create, or a
/// typo. A pattern that does not parse is left to the scope check.
pub fn unmatched<'a>(touches: &'a [String], files: &[(String, Vec<u8>)]) -> Vec<&'a str> {
    touches
        .iter()
        .filter(|g| {
            Pattern::parse(g)
                .is_ok_and(|p| !files.iter().any(|(path, _)| p.is_match(path.as_bytes())))
        })
        .map(String::as_str)
        .collect()
}

/// The files of `repo` at `base` (path and contents), in path order: what
/// the snippet pack is made from. Only the blobs `want` takes (by path) are
/// read, through one `git cat-file --batch`.
pub fn files_at(
    repo: &Path,
    base: &str,
    want: impl Fn(&str) -> bool,
) -> Result<Vec<(String, Vec<u8>)>> {
    let listing = crate::git::stdout(repo, &["ls-tree", "-r", "-z", "--full-tree", base])?;
    let mut wanted: Vec<(String, String)> = Vec::new();
    for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        // `<mode> SP <type> SP <oid> TAB <path>`
        let Some(tab) = entry.iter().position(|&b| b == b'\t') else {
            continue;
        };
        let meta = String::from_utf8_lossy(&entry[..tab]);
        let path = String::from_utf8_lossy(&entry[tab + 1..]).into_owned();
        let mut parts = meta.split(' ');
        let (Some(mode), Some(kind), Some(oid)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if kind == "blob" && mode != "120000" && want(&path) {
            wanted.push((path, oid.to_string()));
        }
    }
    wanted.sort();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let request: String = wanted.iter().map(|(_, oid)| format!("{oid}\n")).collect();
    let batch = crate::git::with_input(repo, &["cat-file", "--batch"], request.as_bytes())?;
    // Each answer: `<oid> SP blob SP <size> LF <contents> LF`.
    let mut out = Vec::with_capacity(wanted.len());
    let mut at = 0;
    for (path, _) in wanted {
        let Some(nl) = batch[at..].iter().position(|&b| b == b'\n') else {
            anyhow::bail!("git cat-file --batch: answer cut short");
        };
        let header = String::from_utf8_lossy(&batch[at..at + nl]).into_owned();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("git cat-file --batch: bad header {header:?}"))?;
        let start = at + nl + 1;
        let end = start + size;
        let bytes = batch
            .get(start..end)
            .with_context(|| format!("git cat-file --batch: {path}: cut short"))?;
        out.push((path, bytes.to_vec()));
        at = end + 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(touches: &[&str]) -> Task {
        serde_json::from_value(serde_json::json!({
            "id": "T1", "goal": "Fix the parser", "touches": touches,
        }))
        .unwrap()
    }

    #[test]
    fn patterns_that_match_no_file_are_named() {
        let files = vec![("src/auth/login.py".to_string(), b"x\n".to_vec())];
        let touches: Vec<String> = ["src/auth/", "src/auht/", "docs/new.md"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(unmatched(&touches, &files), ["src/auht/", "docs/new.md"]);
        let b = brief(&task(&["src/auth/", "src/auht/"]), "run_1", &files).unwrap();
        assert!(b.contains("match no file of the repository yet"), "{b}");
        assert!(b.contains("- `src/auht/`\n\nAny other change"), "{b}");
        let all = brief(&task(&["src/auth/"]), "run_1", &files).unwrap();
        assert!(!all.contains("match no file"), "{all}");
    }

    #[test]
    fn names_goal_globs_and_snippets_in_path_order() {
        let long: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        let files = vec![
            ("docs/a.md".to_string(), b"# doc\n".to_vec()),
            ("src/a.rs".to_string(), long.into_bytes()),
            ("src/b.rs".to_string(), b"fn b() {}\n".to_vec()),
        ];
        let b = brief(&task(&["src/"]), "run_1", &files).unwrap();
        assert!(b.contains("Fix the parser"));
        assert!(b.contains("- `src/`"));
        assert!(b.contains("### `src/a.rs` (100 lines)"));
        assert!(b.contains("line 20\n[... 70 lines ...]\nline 91"));
        assert!(!b.contains("docs/a.md"));
        assert!(b.find("src/a.rs").unwrap() < b.find("src/b.rs").unwrap());
        assert_eq!(b, brief(&task(&["src/"]), "run_1", &files).unwrap());
    }

    #[test]
    fn the_pack_is_capped() {
        let files: Vec<(String, Vec<u8>)> = (0..100)
            .map(|i| (format!("src/f{i:03}.rs"), vec![b'x'; 4000]))
            .collect();
        let b = brief(&task(&["src/"]), "r", &files).unwrap();
        assert!(b.len() < MAX_BYTES + 8 * 1024, "{}", b.len());
        assert!(b.contains("not shown") || b.contains("cut at 64 KiB"));
    }
}
