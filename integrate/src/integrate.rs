//! The integration itself: every task, in the fixed order, through
//! validation, its own file list, its scope, the overlaps, the three-way
//! merges of write-shared files and git; then the check. Gives the
//! `muster.integration/v1` document and what the report needs.
//!
//! A task is taken (`applied`, or `clean` when the whole is blocked) only
//! when everything before said yes; the first task in order wins an overlap
//! (as in a merge queue). Without `--partial` any task not taken blocks the
//! whole: nothing is combined. With it, the taken tasks are combined and
//! the rest reported (WARN).

use crate::apply;
use crate::change::{self, TaskPatch};
use crate::check::Checker;
use crate::combine::{combine, Combined};
use crate::overlap::{self, TaskChange};
use crate::validate;
use anyhow::{Context, Result};
use muster_scope_check::policy::Scope;
use muster_shared::schema::{
    BundleFile, IntegratedTask, Integration, IntegrationConflict, IntegrationOverlap,
    IntegrationProblem, IntegrationResult, TaskOutcome, TaskStatus,
};
use muster_shared::Status;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// One task to integrate, in order.
#[derive(Debug, Clone)]
pub struct TaskIn {
    /// The task.
    pub id: String,
    /// Its bundle directory, when it has one.
    pub bundle: Option<PathBuf>,
    /// Its status in the run, when the run says (else the bundle's).
    pub status: Option<TaskStatus>,
    /// Declared `write-shared` in the plan.
    pub shared: bool,
    /// Its `touches` in the plan, when the plan is known: the bundle's
    /// SCOPE_LOCK.json must say the same.
    pub touches: Option<Vec<String>>,
}

/// What to integrate and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The repository root.
    pub repo: PathBuf,
    /// The run.
    pub run_id: String,
    /// The full commit id every change goes onto.
    pub base: String,
    /// The tasks, in the fixed order.
    pub tasks: Vec<TaskIn>,
    /// `scope.protected`.
    pub protected: Vec<String>,
    /// `scope.allow_gitlinks`.
    pub allow_gitlinks: bool,
    /// Combine the clean tasks and report the rest.
    pub partial: bool,
    /// The check command.
    pub check: Option<String>,
    /// Find the culprit when the check fails.
    pub bisect: bool,
    /// Scratch files (indexes, checkouts, merge inputs): removed after.
    pub work: PathBuf,
    /// The integrator directory being written (check logs go in its LOGS/).
    pub out: PathBuf,
    /// Progress lines on stderr.
    pub progress: bool,
}

/// What the integration gives.
#[derive(Debug, Clone)]
pub struct Done {
    /// The document.
    pub doc: Integration,
    /// Each bundle read: task, valid, its problems (for the ledger).
    pub validated: Vec<(String, bool, Vec<String>)>,
    /// The check logs written, relative to the integrator directory.
    pub logs: Vec<String>,
}

/// A task that passed every check of its own.
pub(crate) struct Candidate {
    /// Index in the task list.
    pub(crate) at: usize,
    /// Its patch, split per file.
    pub(crate) patch: TaskPatch,
    /// The files the patch changes.
    pub(crate) files: Vec<BundleFile>,
}

/// The verdict on each task so far.
struct Verdicts {
    tasks: Vec<IntegratedTask>,
}

impl Verdicts {
    fn set(&mut self, at: usize, outcome: TaskOutcome, reason: impl Into<String>) {
        if let Some(t) = self.tasks.get_mut(at) {
            t.outcome = outcome;
            t.reason = Some(one_line(&reason.into()));
        }
    }

    /// The `taken` tasks would apply, but nothing lands: `clean`, because `why`.
    fn hold_back(&mut self, taken: &BTreeSet<usize>, candidates: &[Candidate], why: &str) {
        for k in taken {
            let reason = format!("applies; held back because {why}");
            self.set(candidates[*k].at, TaskOutcome::Clean, reason);
        }
    }
}

/// Runs the integration.
pub fn run(o: &Options) -> Result<Done> {
    std::fs::create_dir_all(&o.work).with_context(|| format!("creating {}", o.work.display()))?;
    let mut v = Verdicts {
        tasks: o
            .tasks
            .iter()
            .map(|t| IntegratedTask {
                id: t.id.clone(),
                outcome: TaskOutcome::Applied,
                reason: None,
            })
            .collect(),
    };
    let mut scope_violations = Vec::new();
    let mut validated = Vec::new();
    let mut candidates = Vec::new();
    for (at, t) in o.tasks.iter().enumerate() {
        say(o, &format!("reading {}", t.id));
        if let Some(c) = read_task(o, at, t, &mut v, &mut scope_violations, &mut validated)? {
            candidates.push(c);
        }
    }
    let (overlaps, mut conflicts, mut taken, shared_paths) = take(o, &candidates, &mut v);
    // Merge write-shared files, apply the rest; a task git or a merge
    // refuses is dropped and the rest combined again without it.
    let index = o.work.join("index");
    loop {
        say(o, &format!("applying {} patches", taken.len()));
        match combine(o, &candidates, &taken, &shared_paths, &index)? {
            Combined::Tree => break,
            Combined::Conflict { k, ranges, path } => {
                let c = &candidates[k];
                let reason = format!("three-way merge of {path:?} conflicts");
                v.set(c.at, TaskOutcome::Conflict, reason);
                for r in ranges {
                    conflicts.push(IntegrationConflict {
                        task: o.tasks[c.at].id.clone(),
                        path: path.clone(),
                        reason: format!(
                            "write-shared merge conflict at base lines {}-{}",
                            r[0], r[1]
                        ),
                        base_lines: Some(r),
                    });
                }
                taken.remove(&k);
            }
            Combined::Refused(refused) => {
                for r in refused {
                    let found = taken
                        .iter()
                        .copied()
                        .find(|&k| o.tasks[candidates[k].at].id == r.task);
                    let Some(k) = found else { continue };
                    let path = match r.path.is_empty() {
                        true => String::new(),
                        false => format!(" at {:?}", r.path),
                    };
                    let reason = format!("git refused its patch{path}: {}", r.reason);
                    v.set(candidates[k].at, TaskOutcome::Rejected, reason);
                    conflicts.push(IntegrationConflict {
                        task: r.task,
                        path: r.path,
                        reason: r.reason,
                        base_lines: None,
                    });
                    taken.remove(&k);
                }
            }
        }
    }
    let applied_ids: Vec<String> = taken
        .iter()
        .map(|&k| o.tasks[candidates[k].at].id.clone())
        .collect();
    let left_out = v
        .tasks
        .iter()
        .filter(|t| t.outcome != TaskOutcome::Applied)
        .count();
    let mut doc = Integration {
        schema: "muster.integration/v1".into(),
        run_id: o.run_id.clone(),
        base: o.base.clone(),
        status: Status::Pass,
        reason: None,
        order: o.tasks.iter().map(|t| t.id.clone()).collect(),
        applied: Vec::new(),
        tasks: Vec::new(),
        overlaps,
        scope_violations,
        conflicts,
        check: None,
        result: IntegrationResult {
            tree: None,
            commit: None,
            branch: None,
            patch: String::new(),
        },
    };
    let mut logs = Vec::new();
    if left_out > 0 && (!o.partial || applied_ids.is_empty()) {
        v.hold_back(&taken, &candidates, "the integration is blocked");
        doc.status = Status::Blocked;
        doc.reason = Some(summary(&v.tasks, left_out, o.partial));
    } else {
        let tree = apply::write_tree(&o.repo, &index)?;
        if left_out > 0 {
            doc.status = Status::Warn;
            doc.reason = Some(summary(&v.tasks, left_out, true));
        }
        if let Some(command) = &o.check {
            let prefix_tree = |n: usize| -> Result<String> {
                let first: BTreeSet<usize> = taken.iter().copied().take(n).collect();
                let idx = o.work.join("prefix.index");
                match combine(o, &candidates, &first, &shared_paths, &idx)? {
                    Combined::Tree => apply::write_tree(&o.repo, &idx),
                    _ => anyhow::bail!("the first {n} applied tasks do not combine alone"),
                }
            };
            let checker = Checker {
                repo: &o.repo,
                work: &o.work,
                command,
                env: vec![
                    ("MUSTER_RUN_ID".into(), o.run_id.clone()),
                    ("MUSTER_BASE".into(), o.base.clone()),
                ],
            };
            let progress = |line: &str| say(o, line);
            let result = checker.check(
                &o.out,
                &tree,
                &applied_ids,
                o.bisect,
                prefix_tree,
                &mut logs,
                &progress,
            )?;
            let failed = result.status != Status::Pass;
            doc.check = Some(result);
            if failed {
                // Nothing lands: the tasks are held back, as for any block.
                let culprit = doc.check.as_ref().and_then(|c| c.culprit.as_deref());
                let why = match culprit {
                    Some(c) => format!("the check `{command}` fails on the combined tree; it first fails with task {c}"),
                    None => format!("the check `{command}` fails on the combined tree"),
                };
                v.hold_back(&taken, &candidates, "the check fails");
                doc.status = Status::Blocked;
                doc.reason = Some(why);
                doc.tasks = v.tasks;
                return Ok(Done {
                    doc,
                    validated,
                    logs,
                });
            }
        }
        doc.applied = applied_ids;
        doc.result.tree = Some(tree);
    }
    doc.tasks = v.tasks;
    Ok(Done {
        doc,
        validated,
        logs,
    })
}

/// Reads and checks one task's bundle: valid, its own, on the base, its
/// list agreeing with its patch, in scope, done. None when it is out (its
/// verdict set).
fn read_task(
    o: &Options,
    at: usize,
    t: &TaskIn,
    v: &mut Verdicts,
    scope_violations: &mut Vec<IntegrationProblem>,
    validated: &mut Vec<(String, bool, Vec<String>)>,
) -> Result<Option<Candidate>> {
    let Some(dir) = &t.bundle else {
        let status = t.status.map_or("unknown", |s| s.as_str());
        v.set(
            at,
            TaskOutcome::Skipped,
            format!("no bundle (status {status})"),
        );
        return Ok(None);
    };
    let checked = match validate::check(dir) {
        Ok(c) if c.problems.is_empty() => c,
        Ok(validate::Checked { problems, .. }) | Err(validate::Refused { problems, .. }) => {
            v.set(at, TaskOutcome::Rejected, first_of(&problems));
            validated.push((t.id.clone(), false, problems));
            return Ok(None);
        }
    };
    let m = &checked.manifest;
    let mut wrong = |why: String| {
        v.set(at, TaskOutcome::Rejected, format!("bundle {}: {why}", t.id));
        validated.push((t.id.clone(), false, vec![why]));
        Ok(None)
    };
    if m.task_id != t.id {
        return wrong(format!("MANIFEST.json is task {:?}'s", m.task_id));
    }
    if m.run_id != o.run_id {
        return wrong(format!(
            "MANIFEST.json is of run {:?}, not {:?}",
            m.run_id, o.run_id
        ));
    }
    if m.base != o.base {
        return wrong(format!(
            "MANIFEST.json's base is {}, the run's is {}",
            m.base, o.base
        ));
    }
    if let Some(touches) = t.touches.as_ref().filter(|w| **w != m.scope.allow) {
        return wrong(format!(
            "SCOPE_LOCK.json allows {:?}, the plan's touches are {touches:?}",
            m.scope.allow
        ));
    }
    let file = dir.join("DIFF.patch");
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let patch = match change::read(&t.id, bytes) {
        Ok(p) => p,
        Err(e) => return wrong(e),
    };
    if let Err(e) = change::agrees(&patch, &m.files_changed) {
        return wrong(e);
    }
    validated.push((t.id.clone(), true, Vec::new()));
    let files = patch.files();
    if !files.is_empty() {
        let scope = match Scope::new(
            &m.scope.allow,
            &m.scope.deny,
            &o.protected,
            o.allow_gitlinks,
        ) {
            Ok(s) => s,
            Err(e) => {
                v.set(
                    at,
                    TaskOutcome::Rejected,
                    format!("its scope cannot be checked: {e:#}"),
                );
                return Ok(None);
            }
        };
        let out = match change::scope_violations(&t.id, &patch.patch, &scope) {
            Ok(out) => out,
            Err(e) => {
                v.set(at, TaskOutcome::Rejected, e);
                return Ok(None);
            }
        };
        if let Some(first) = out.first() {
            let n = out.len();
            v.set(
                at,
                TaskOutcome::Rejected,
                format!(
                    "{n} of {} files outside its scope: {:?} ({})",
                    files.len(),
                    first.path,
                    first.reason
                ),
            );
            scope_violations.extend(out);
            return Ok(None);
        }
    }
    let status = checked.status.status;
    if status != TaskStatus::Done {
        let (word, reason) = (status.as_str(), &checked.status.reason);
        let why = match reason.starts_with(word) {
            true => format!("not done: {reason}"),
            false => format!("not done ({word}): {reason}"),
        };
        v.set(at, TaskOutcome::Skipped, why);
        return Ok(None);
    }
    Ok(Some(Candidate { at, patch, files }))
}

/// Overlaps among the candidates, and which are taken: in order, a task
/// that overlaps a taken one (on a path not merged three-way) is a
/// conflict. Also the paths to merge three-way.
fn take(
    o: &Options,
    candidates: &[Candidate],
    v: &mut Verdicts,
) -> (
    Vec<IntegrationOverlap>,
    Vec<IntegrationConflict>,
    BTreeSet<usize>,
    BTreeSet<String>,
) {
    let everything = |_: &str| true;
    let changes: Vec<TaskChange<'_>> = candidates
        .iter()
        .map(|c| TaskChange {
            task: &o.tasks[c.at].id,
            files: &c.files,
            shared: o.tasks[c.at]
                .shared
                .then_some(&everything as &dyn Fn(&str) -> bool),
        })
        .collect();
    let found = overlap::find(&changes);
    let by_id: BTreeMap<&str, usize> = changes
        .iter()
        .enumerate()
        .map(|(k, c)| (c.task, k))
        .collect();
    let mut taken = BTreeSet::new();
    let mut conflicts = Vec::new();
    for (k, c) in changes.iter().enumerate() {
        let clash = found.iter().filter(|f| !f.shared).find_map(|f| {
            let mine = f.tasks.iter().any(|t| t == c.task);
            let other = f
                .tasks
                .iter()
                .filter(|t| *t != c.task)
                .find(|t| by_id.get(t.as_str()).is_some_and(|j| taken.contains(j)));
            other.filter(|_| mine).map(|other| (f, other.clone()))
        });
        match clash {
            Some((f, other)) => {
                let reason = format!("overlaps {other} on {:?}: {}", f.path, f.why);
                v.set(candidates[k].at, TaskOutcome::Conflict, reason.clone());
                conflicts.push(IntegrationConflict {
                    task: c.task.to_string(),
                    path: f.path.clone(),
                    reason,
                    base_lines: None,
                });
            }
            None => {
                taken.insert(k);
            }
        }
    }
    let shared: BTreeSet<String> = found
        .iter()
        .filter(|f| f.shared)
        .map(|f| f.path.clone())
        .collect();
    let overlaps = found
        .into_iter()
        .map(|f| IntegrationOverlap {
            path: f.path,
            tasks: f.tasks,
            why: f.why,
            shared: f.shared,
        })
        .collect();
    (overlaps, conflicts, taken, shared)
}

/// `3 of 5 tasks not integrated: T2 (conflict: …); T4 (rejected: …)`.
fn summary(tasks: &[IntegratedTask], left_out: usize, partial: bool) -> String {
    let first: Vec<String> = tasks
        .iter()
        .filter(|t| !matches!(t.outcome, TaskOutcome::Applied | TaskOutcome::Clean))
        .take(3)
        .map(|t| {
            let outcome = serde_json::to_value(t.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            format!(
                "{} ({outcome}: {})",
                t.id,
                t.reason.as_deref().unwrap_or("")
            )
        })
        .collect();
    let more = if left_out > 3 {
        format!("; and {} more", left_out - 3)
    } else {
        String::new()
    };
    let what = if partial {
        "left out"
    } else {
        "not integrated"
    };
    format!(
        "{left_out} of {} tasks {what}: {}{more}",
        tasks.len(),
        first.join("; ")
    )
}

/// The first problem, and how many more.
fn first_of(problems: &[String]) -> String {
    match problems {
        [] => "not a valid bundle".into(),
        [one] => one.clone(),
        [one, rest @ ..] => format!("{one} (and {} more problems)", rest.len()),
    }
}

/// Control characters escaped: a reason is one line.
fn one_line(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let esc: Vec<char> = match c.is_control() {
                true => c.escape_debug().collect(),
                false => vec![c],
            };
            esc
        })
        .collect()
}

fn say(o: &Options, line: &str) {
    if o.progress {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("muster-integrate: {line}");
        }
    }
}
