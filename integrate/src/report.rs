//! The integrator directory (DESIGN.md section 7): `runs/<RUN_ID>/integrator/`
//! with STATUS.json (the document, byte for byte what stdout gets),
//! FINAL_REPORT.txt (first line `STATUS: <status>`), FILES_CHANGED.json,
//! DIFF.patch, MERGE_PLAN.md and LOGS/INDEX.json.
//!
//! Written whole or not at all: everything goes into `integrator.tmp/`
//! first, which then replaces `integrator/` (an earlier integration's
//! directory is moved aside, then removed).

use anyhow::{Context, Result};
use muster_shared::diff::parse_raw_z;
use muster_shared::git;
use muster_shared::io::to_json;
use muster_shared::schema::{BundleFile, Integration, TaskOutcome};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// An integrator directory being written.
#[derive(Debug, Clone)]
pub struct Staging {
    /// `integrator.tmp/`: written now.
    pub dir: PathBuf,
    /// `integrator/`: what it becomes.
    pub target: PathBuf,
}

/// Starts the integrator directory of the run in `run_dir` (a stale
/// `integrator.tmp/` from an interrupted integration is removed).
pub fn begin(run_dir: &Path) -> Result<Staging> {
    let dir = run_dir.join("integrator.tmp");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir.join("LOGS"))
        .with_context(|| format!("creating {}", dir.display()))?;
    Ok(Staging {
        dir,
        target: run_dir.join("integrator"),
    })
}

/// Writes every file of the directory for `doc` (with `stdout`, the bytes
/// stdout gets, as STATUS.json) and puts it in place.
pub fn finish(
    st: &Staging,
    repo: &Path,
    doc: &Integration,
    stdout: &[u8],
    logs: &[String],
) -> Result<()> {
    let (files, diff) = match &doc.result.tree {
        Some(tree) => {
            let raw = git::diff_raw_z(repo, &doc.base, tree)?;
            let files: Vec<BundleFile> = parse_raw_z(&raw)
                .context("reading git diff --raw of the result")?
                .iter()
                .map(BundleFile::from)
                .collect();
            (files, git::diff_binary(repo, &doc.base, tree)?)
        }
        None => (Vec::new(), Vec::new()),
    };
    put(&st.dir, "STATUS.json", stdout)?;
    put(&st.dir, "FINAL_REPORT.txt", final_report(doc).as_bytes())?;
    put(&st.dir, "FILES_CHANGED.json", &to_json(&files, false))?;
    put(&st.dir, "DIFF.patch", &diff)?;
    put(&st.dir, "MERGE_PLAN.md", merge_plan(doc).as_bytes())?;
    let index = serde_json::json!({
        "logs": logs.iter().map(|l| serde_json::json!({"name": l.trim_start_matches("LOGS/"), "path": l})).collect::<Vec<_>>(),
    });
    put(&st.dir, "LOGS/INDEX.json", &to_json(&index, false))?;
    swap(st)
}

/// Writes the directory of an integration that could not be done: STATUS.json
/// and FINAL_REPORT.txt say FAIL and why.
pub fn fail(st: &Staging, run_id: &str, why: &str) -> Result<()> {
    let doc = serde_json::json!({"schema": "muster.integration/v1", "run_id": run_id, "status": "FAIL", "reason": why});
    put(&st.dir, "STATUS.json", &to_json(&doc, false))?;
    put(
        &st.dir,
        "FINAL_REPORT.txt",
        format!("STATUS: FAIL\nreason: {why}\nrun: {run_id}\n").as_bytes(),
    )?;
    put(
        &st.dir,
        "LOGS/INDEX.json",
        &to_json(&serde_json::json!({"logs": []}), false),
    )?;
    swap(st)
}

fn put(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// `integrator.tmp/` becomes `integrator/`.
fn swap(st: &Staging) -> Result<()> {
    let old = st.target.with_extension("old");
    if old.exists() {
        std::fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
    }
    if st.target.exists() {
        std::fs::rename(&st.target, &old)
            .with_context(|| format!("moving {} aside", st.target.display()))?;
    }
    std::fs::rename(&st.dir, &st.target)
        .with_context(|| format!("putting {} in place", st.target.display()))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
    }
    Ok(())
}

/// An outcome's word.
fn word(o: TaskOutcome) -> &'static str {
    match o {
        TaskOutcome::Applied => "applied",
        TaskOutcome::Clean => "clean",
        TaskOutcome::Conflict => "conflict",
        TaskOutcome::Rejected => "rejected",
        TaskOutcome::Skipped => "skipped",
    }
}

/// FINAL_REPORT.txt: the status on the first line, then what a person
/// reading a CI log needs.
pub fn final_report(doc: &Integration) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "STATUS: {}", doc.status);
    if let Some(r) = &doc.reason {
        let _ = writeln!(s, "reason: {r}");
    }
    let _ = writeln!(s, "run: {}", doc.run_id);
    let _ = writeln!(s, "base: {}", doc.base);
    let _ = writeln!(s, "tree: {}", doc.result.tree.as_deref().unwrap_or("-"));
    if let (Some(b), Some(c)) = (&doc.result.branch, &doc.result.commit) {
        let _ = writeln!(s, "into: {b} at {c}");
    }
    let _ = writeln!(
        s,
        "applied: {} of {} tasks",
        doc.applied.len(),
        doc.order.len()
    );
    let _ = writeln!(s, "\ntasks, in order:");
    for (i, t) in doc.tasks.iter().enumerate() {
        let why = t
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let _ = writeln!(s, "  {:>3}. {} {}{why}", i + 1, t.id, word(t.outcome));
    }
    if !doc.overlaps.is_empty() {
        let _ = writeln!(s, "\noverlaps:");
        for o in &doc.overlaps {
            let merged = if o.shared {
                " (write-shared: merged three-way)"
            } else {
                ""
            };
            let _ = writeln!(s, "  {:?}: {}{merged}", o.path, o.why);
        }
    }
    if !doc.conflicts.is_empty() {
        let _ = writeln!(s, "\nconflicts:");
        for c in &doc.conflicts {
            let _ = writeln!(s, "  {} {:?}: {}", c.task, c.path, c.reason);
        }
    }
    if !doc.scope_violations.is_empty() {
        let _ = writeln!(s, "\nscope violations:");
        for v in &doc.scope_violations {
            let _ = writeln!(s, "  {} {:?}: {}", v.task, v.path, v.reason);
        }
    }
    if let Some(c) = &doc.check {
        let _ = writeln!(s, "\ncheck `{}`: {}", c.command, c.status);
        for (i, r) in c.runs.iter().enumerate() {
            let code = r.exit_code.map_or("signal".to_string(), |c| c.to_string());
            let _ = writeln!(
                s,
                "  run {}: first {} applied tasks, exit {code}, {}",
                i + 1,
                r.tasks,
                r.log
            );
        }
        if let Some(culprit) = &c.culprit {
            let _ = writeln!(s, "  culprit: {culprit}");
        }
    }
    s
}

/// MERGE_PLAN.md: the order, and what became of each task.
pub fn merge_plan(doc: &Integration) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Merge plan: {}\n", doc.run_id);
    let _ = writeln!(
        s,
        "Onto base `{}`, in this order (plan wave, then task id). Status: **{}**.\n",
        doc.base, doc.status
    );
    let _ = writeln!(s, "| # | task | outcome | why |");
    let _ = writeln!(s, "|---|---|---|---|");
    for (i, t) in doc.tasks.iter().enumerate() {
        let why = t.reason.as_deref().unwrap_or("").replace('|', "\\|");
        let _ = writeln!(s, "| {} | {} | {} | {why} |", i + 1, t.id, word(t.outcome));
    }
    if !doc.overlaps.is_empty() {
        let _ = writeln!(s, "\n## Overlaps\n");
        for o in &doc.overlaps {
            let how = if o.shared {
                "merged three-way"
            } else {
                "refused"
            };
            let _ = writeln!(s, "- `{}`: {} ({how})", o.path, o.why);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_outcome_has_the_word_serde_writes() {
        use muster_shared::schema::TaskOutcome::*;
        for o in [Applied, Clean, Conflict, Rejected, Skipped] {
            let json = serde_json::to_string(&o).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", super::word(o)));
        }
    }
}
