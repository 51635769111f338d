//! The loop: ask the planner what may start (on the state replayed from the
//! ledger), start it, watch what runs, collect what ended, record every
//! step; until the planner says stop and nothing runs.
//!
//! The ledger is the run's memory. Each worker runs under a small `sh`
//! wrapper ([`crate::wrapper`]) that starts it only once its process group
//! is written down and keeps its exit code, so a worker that finished while
//! muster-run was down (killed, crashed) is collected on `--resume`, not run
//! again; one still running is waited for; one that never started is
//! started.

use crate::paths::RunPaths;
use crate::worker::{Exit, Spec, Worker};
use crate::{brief, bundle, git, wrapper};
use anyhow::{anyhow, Context, Result};
use muster_shared::error::Status;
use muster_shared::glob::{Pattern, PatternSet};
use muster_shared::schema::{
    Event, EventInput, Plan, RunDoc, RunTask, State, Task, TaskStatus, WorkerReport,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the loop sleeps when nothing happened.
const TICK: Duration = Duration::from_millis(25);
/// How often a running worker is checked for progress.
const IDLE_EVERY: Duration = Duration::from_millis(500);

/// What a run is made with besides the plan.
#[derive(Debug, Clone)]
pub struct Options {
    /// The repository's top directory.
    pub repo: PathBuf,
    /// The run's paths.
    pub paths: RunPaths,
    /// The ledger file.
    pub ledger: PathBuf,
    /// The base commit (full id).
    pub base: String,
    /// Tasks running at once (the plan's own when None).
    pub max_outstanding: Option<u32>,
    /// Seconds before a worker is killed (a task's `timeout_s` wins).
    pub timeout_s: Option<u64>,
    /// Seconds without output or file change before a worker is stuck.
    pub stuck_after_s: Option<u64>,
    /// Time a worker has to go after SIGTERM.
    pub grace: Duration,
    /// Nothing new starts once finished workers' `metrics.cost` reach it.
    pub budget: Option<f64>,
    /// With a budget: also cancel what runs when it is reached.
    pub budget_hard: bool,
    /// Keep each worktree after its bundle is written.
    pub keep_worktrees: bool,
    /// `run.worker` from muster.json: the command for tasks without one.
    pub worker: Option<Vec<String>>,
    /// Units of each named resource (1 when not listed).
    pub capacity: BTreeMap<String, u64>,
    /// Paths denied unless a task's touches name them (`scope.protected`).
    pub protected: Vec<String>,
    /// Whether gitlinks may change (`scope.allow_gitlinks`).
    pub allow_gitlinks: bool,
    /// Show progress on stderr (a terminal, or `-v`).
    pub progress: bool,
    /// Go on with a run from its ledger (the run must exist).
    pub resume: bool,
    /// The time events get (`--now`), else the clock.
    pub now: Option<String>,
}

/// A task being worked on.
struct Active {
    task: usize,
    worker: Worker,
    timeout: Option<Duration>,
    worktree: PathBuf,
    dir: PathBuf,
    last_idle_check: Instant,
}

/// What a start or collect thread finished.
enum Done {
    /// A task's worker started (or could not).
    Started(String, Result<Box<Active>>),
    /// An attempt was collected.
    Collected(Result<()>),
}

/// Why an attempt ended.
enum Ending {
    Exited(Exit),
    TimedOut(Exit),
    Stuck(Exit),
    Cancelled(Exit, String),
}

/// Runs `plan`: every task it can, then the run document.
pub fn run(mut plan: Plan, opts: &Options) -> Result<RunDoc> {
    // Ids name directories and branches: refuse the plan before anything
    // is written if one could lead elsewhere.
    for (i, t) in plan.tasks.iter().enumerate() {
        crate::paths::check_id(&format!("tasks[{i}].id"), &t.id)?;
    }
    if let Some(n) = opts.max_outstanding {
        plan.max_outstanding = n;
    }
    if plan.max_outstanding == 0 {
        return Err(anyhow!(
            "max_outstanding is 0, so no task could start: give --max-outstanding N"
        ));
    }
    let run_id = opts.paths.run_id.clone();
    let run_dir = opts.paths.run_dir();
    std::fs::create_dir_all(&run_dir).with_context(|| format!("creating {}", run_dir.display()))?;
    let index: BTreeMap<&str, usize> = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let r = Recorder::new(opts)?;
    let started_at;
    if opts.resume {
        let state = r.state()?;
        if state.events == 0 {
            return Err(anyhow!("--resume {run_id}: the ledger has no such run"));
        }
        started_at = r.created_at()?.unwrap_or_else(|| r.now());
        adopt_interrupted(&plan, &index, &state, opts, &r)?;
    } else {
        muster_shared::io::write_atomic(
            &run_dir.join("plan.json"),
            &muster_shared::io::to_json(&plan, false),
        )?;
        started_at = r.now();
        let ids: Vec<&str> = plan.tasks.iter().map(|t| t.id.as_str()).collect();
        r.record(
            "run.created",
            None,
            json!({"tasks": ids, "base": opts.base, "budget": opts.budget,
                   "max_outstanding": plan.max_outstanding, "author": author()}),
        )?;
    }

    let r = Arc::new(r);
    let (tx, rx) = mpsc::channel::<Done>();
    let mut active: BTreeMap<String, Active> = BTreeMap::new();
    // Tasks being started or collected on their own threads.
    let mut starting: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut collecting: usize = 0;
    let mut stop: Option<String> = None;
    let mut changed = true;
    let mut state = r.state()?;
    // Batches cut off by a crash made no progress, but not for want of
    // trying: the no-progress rule counts from this invocation's start.
    let mut cut_off = state.loops_without_progress;
    loop {
        // What the start and collect threads finished.
        while let Ok(done) = rx.try_recv() {
            changed = true;
            match done {
                Done::Started(id, Ok(a)) => {
                    let mut a = *a;
                    // A cancel that came while it was starting.
                    if let Some(Some(reason)) = starting.remove(&id) {
                        let exit = a.worker.kill(opts.grace)?;
                        collecting += 1;
                        spawn_collect(&plan, a, Ending::Cancelled(exit, reason), opts, &r, &tx);
                    } else {
                        active.insert(id, a);
                    }
                }
                Done::Started(id, Err(e)) => {
                    starting.remove(&id);
                    r.record(
                        "task.finished",
                        Some(&id),
                        json!({"status": "failed", "exit_code": null,
                               "reason": format!("could not start: {e:#}")}),
                    )?;
                }
                Done::Collected(result) => {
                    collecting -= 1;
                    result?;
                }
            }
        }

        // Cancel requests from `muster-run cancel`.
        let mut cancel_all = None;
        for (target, reason) in take_cancels(&opts.paths)? {
            if target == "run" {
                cancel_all = Some(reason);
            } else if let Some(mut a) = active.remove(&target) {
                let exit = a.worker.kill(opts.grace)?;
                collecting += 1;
                spawn_collect(&plan, a, Ending::Cancelled(exit, reason), opts, &r, &tx);
            } else if let Some(pending) = starting.get_mut(&target) {
                *pending = Some(reason);
            } else if index.contains_key(target.as_str()) {
                let status = state.tasks.get(&target).map(|s| s.status);
                if matches!(status, None | Some(TaskStatus::Pending)) {
                    r.record("task.cancelled", Some(&target), json!({"reason": reason}))?;
                    changed = true;
                }
            }
        }
        if let Some(reason) = cancel_all {
            for (_, mut a) in std::mem::take(&mut active) {
                let exit = a.worker.kill(opts.grace)?;
                collecting += 1;
                spawn_collect(
                    &plan,
                    a,
                    Ending::Cancelled(exit, reason.clone()),
                    opts,
                    &r,
                    &tx,
                );
            }
            for pending in starting.values_mut() {
                *pending = Some(reason.clone());
            }
            stop = Some("cancelled".into());
        }

        // What ended, timed out or stopped making progress.
        let now = Instant::now();
        let ids: Vec<String> = active.keys().cloned().collect();
        for id in ids {
            let Some(a) = active.get_mut(&id) else {
                continue;
            };
            let ending = if let Some(exit) = a.worker.poll()? {
                Some(Ending::Exited(exit))
            } else if a
                .timeout
                .is_some_and(|t| now.duration_since(a.worker.started()) >= t)
            {
                Some(Ending::TimedOut(a.worker.kill(opts.grace)?))
            } else if opts.stuck_after_s.is_some()
                && now.duration_since(a.last_idle_check) >= IDLE_EVERY
            {
                a.last_idle_check = now;
                let limit = Duration::from_secs(opts.stuck_after_s.unwrap_or(0));
                if a.worker.idle(now) >= limit {
                    Some(Ending::Stuck(a.worker.kill(opts.grace)?))
                } else {
                    None
                }
            } else {
                None
            };
            if let Some(ending) = ending {
                if let Some(a) = active.remove(&id) {
                    collecting += 1;
                    spawn_collect(&plan, a, ending, opts, &r, &tx);
                }
            }
        }

        if changed && stop.is_none() {
            state = r.state()?;
            if state.loops_without_progress < cut_off {
                cut_off = 0; // progress since: the count started again
            }
            state.loops_without_progress -= cut_off;
            changed = false;
            // The budget.
            if let Some(limit) = opts.budget {
                if state.budgets.cost_spent >= limit {
                    stop = Some("budget_spent".into());
                    if opts.budget_hard {
                        for (_, mut a) in std::mem::take(&mut active) {
                            let exit = a.worker.kill(opts.grace)?;
                            let why = format!("budget of {limit} reached (--budget-hard)");
                            collecting += 1;
                            spawn_collect(&plan, a, Ending::Cancelled(exit, why), opts, &r, &tx);
                        }
                    }
                }
            }
            if stop.is_none() {
                let batch = muster_planner::next::next(&plan, &state, &opts.capacity)?;
                let number = state.batches + 1;
                for id in &batch.dispatch {
                    let Some(&i) = index.get(id.as_str()) else {
                        continue;
                    };
                    let t = &plan.tasks[i];
                    // Recorded before anything starts, so no worker runs
                    // that the ledger does not know of.
                    r.record(
                        "task.dispatched",
                        Some(id),
                        json!({"batch": number, "worktree": path_string(&opts.paths.worktree(id)?),
                               "branch": opts.paths.branch(id)?, "touches": t.touches,
                               "resources": t.resources}),
                    )?;
                    say(opts, &format!("{id}: started (batch {number})"));
                    starting.insert(id.clone(), None);
                    let (t, o, tx) = (t.clone(), opts.clone(), tx.clone());
                    std::thread::spawn(move || {
                        let started = start(&t, i, &o).map(Box::new);
                        let _ = tx.send(Done::Started(t.id.clone(), started));
                    });
                    changed = true;
                }
                let busy = !active.is_empty() || !starting.is_empty() || collecting > 0;
                if let Some(s) = batch.stop {
                    stop = Some(s.reason);
                } else if batch.dispatch.is_empty() && !busy {
                    stop = Some("nothing_to_run".into());
                }
            }
        }
        if stop.is_some() && active.is_empty() && starting.is_empty() && collecting == 0 {
            break;
        }
        if !changed {
            std::thread::sleep(TICK);
        }
    }

    let state = r.state()?;
    let tasks: Vec<RunTask> = plan
        .tasks
        .iter()
        .map(|t| {
            let status = state
                .tasks
                .get(&t.id)
                .map_or(TaskStatus::Pending, |s| s.status);
            let dir = run_dir.join(&t.id);
            let bundle = dir
                .join("MANIFEST.json")
                .exists()
                .then(|| format!(".muster/runs/{run_id}/{}", t.id));
            RunTask {
                id: t.id.clone(),
                status,
                bundle,
            }
        })
        .collect();
    let all_done = tasks.iter().all(|t| t.status == TaskStatus::Done);
    let status = if all_done {
        Status::Pass
    } else {
        Status::Blocked
    };
    // The planner's `all_done` means every task ended, done or not.
    let stop = match stop.as_deref() {
        _ if all_done => None,
        Some("all_done") => Some("all_ended".to_string()),
        _ => stop,
    };
    let doc = RunDoc {
        schema: "muster.run/v1".into(),
        run_id: run_id.clone(),
        base: opts.base.clone(),
        status,
        stop: stop.clone(),
        tasks,
        started: started_at,
        finished: r.now(),
    };
    muster_shared::io::write_atomic(
        &run_dir.join("run.json"),
        &muster_shared::io::to_json(&doc, false),
    )?;
    r.record(
        "run.finished",
        None,
        json!({"status": status.as_str(), "stop": stop}),
    )?;
    Ok(doc)
}

/// Starts task `t` (plan index `i`), on its own thread: its worktree, brief
/// and worker (`task.dispatched` is already recorded).
fn start(t: &Task, i: usize, opts: &Options) -> Result<Active> {
    let paths = &opts.paths;
    let worktree = paths.worktree(&t.id)?;
    let dir = paths.task_dir(&t.id)?;
    let branch = paths.branch(&t.id)?;
    if worktree.exists() {
        git::worktree_remove(&opts.repo, &worktree)?;
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir.join("LOGS"))
        .with_context(|| format!("creating {}", dir.display()))?;
    if let Some(parent) = worktree.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    git::worktree_add(&opts.repo, &worktree, &branch, &opts.base)?;

    let patterns = t
        .touches
        .iter()
        .map(|g| Pattern::parse(g))
        .collect::<Result<Vec<_>, _>>()?;
    let set = PatternSet::new(patterns)?;
    let files = brief::files_at(&opts.repo, &opts.base, |p| {
        set.first_match(p.as_bytes()).is_some()
    })?;
    let none = brief::unmatched(&t.touches, &files);
    if !none.is_empty() {
        let list = none.iter().map(|g| format!("{g:?}")).collect::<Vec<_>>();
        say(
            opts,
            &format!(
                "{}: touches {} match no file in the repository yet",
                t.id,
                list.join(", ")
            ),
        );
    }
    let brief_path = dir.join("BRIEF.md");
    let text = brief::brief(t, &paths.run_id, &files)?;
    muster_shared::io::write_atomic(&brief_path, text.as_bytes())?;

    let argv = command(t, opts, &brief_path, &worktree)?;
    let env = vec![
        ("MUSTER_RUN_ID".to_string(), paths.run_id.clone()),
        ("MUSTER_TASK_ID".to_string(), t.id.clone()),
        ("MUSTER_BRIEF".to_string(), path_string(&brief_path)),
        ("MUSTER_ALLOWED_GLOBS".to_string(), t.touches.join("\n")),
        ("MUSTER_BUNDLE_DIR".to_string(), path_string(&dir)),
        wrapper::env(&dir),
    ];
    let spec = Spec {
        argv: wrapper::wrap(argv),
        cwd: worktree.clone(),
        env,
        stdout: dir.join("LOGS").join("stdout.log"),
        stderr: dir.join("LOGS").join("stderr.log"),
        gated: true,
    };
    let mut worker = Worker::spawn(&spec)?;
    // Its process group written down for `--resume`, then it may start.
    wrapper::release(&mut worker, &dir)?;
    let timeout = t.timeout_s.or(opts.timeout_s).map(Duration::from_secs);
    Ok(Active {
        task: i,
        worker,
        timeout,
        worktree,
        dir,
        last_idle_check: Instant::now(),
    })
}

/// The worker command of `t`: its own `command`, else `run.worker` with
/// `{brief}`, `{task_id}` and `{worktree}` put in.
fn command(t: &Task, opts: &Options, brief: &Path, worktree: &Path) -> Result<Vec<String>> {
    if let Some(c) = t.command.as_ref().filter(|c| !c.is_empty()) {
        return Ok(c.clone());
    }
    let Some(w) = opts.worker.as_ref().filter(|w| !w.is_empty()) else {
        return Err(anyhow!(
            "task {:?} has no command and muster.json sets no run.worker",
            t.id
        ));
    };
    Ok(w.iter()
        .map(|a| {
            a.replace("{brief}", &path_string(brief))
                .replace("{task_id}", &t.id)
                .replace("{worktree}", &path_string(worktree))
        })
        .collect())
}

/// Collects an attempt: commit its work, write its bundle, record how it
/// ended and the scope check, remove its worktree.
fn finish(t: &Task, a: Active, ending: Ending, opts: &Options, r: &Recorder) -> Result<()> {
    let duration_ms = u64::try_from(a.worker.started().elapsed().as_millis()).unwrap_or(u64::MAX);
    collect(t, &a.worktree, &a.dir, ending, duration_ms, opts, r)
}

/// [`finish`]; when the attempt cannot be collected (its bundle directory
/// tampered with, git refusing its commit), the task fails with why, and
/// the run goes on.
fn finish_or_fail(t: &Task, a: Active, ending: Ending, opts: &Options, r: &Recorder) -> Result<()> {
    let worktree = a.worktree.clone();
    if let Err(e) = finish(t, a, ending, opts, r) {
        r.record(
            "task.finished",
            Some(&t.id),
            json!({"status": "failed", "exit_code": null,
                   "reason": format!("could not collect the task's work: {e:#}")}),
        )?;
        if !opts.keep_worktrees {
            let _ = git::worktree_remove(&opts.repo, &worktree);
        }
    }
    Ok(())
}

/// Collects an attempt on its own thread ([`finish_or_fail`]); says so on
/// `tx` when done.
fn spawn_collect(
    plan: &Plan,
    a: Active,
    ending: Ending,
    opts: &Options,
    r: &Arc<Recorder>,
    tx: &mpsc::Sender<Done>,
) {
    let (t, o, r, tx) = (
        plan.tasks[a.task].clone(),
        opts.clone(),
        Arc::clone(r),
        tx.clone(),
    );
    std::thread::spawn(move || {
        let result = finish_or_fail(&t, a, ending, &o, &r);
        let _ = tx.send(Done::Collected(result));
    });
}

/// [`finish`] from the parts (also for an attempt that ended while
/// muster-run was down).
fn collect(
    t: &Task,
    worktree: &Path,
    dir: &Path,
    ending: Ending,
    duration_ms: u64,
    opts: &Options,
    r: &Recorder,
) -> Result<()> {
    let (event, status, exit_code, reason) = match ending {
        Ending::Exited(Exit::Code(0)) => (
            "task.finished",
            "done",
            Some(0),
            "the worker exited 0".to_string(),
        ),
        Ending::Exited(Exit::Code(c)) => (
            "task.finished",
            "failed",
            Some(c),
            format!("the worker exited {c}"),
        ),
        Ending::Exited(Exit::Signal(s)) => (
            "task.finished",
            "failed",
            None,
            format!("the worker was ended by signal {s}"),
        ),
        Ending::Exited(Exit::Killed) => (
            "task.finished",
            "failed",
            None,
            "the worker was killed".to_string(),
        ),
        // A result that landed before the kill is kept.
        Ending::TimedOut(Exit::Code(c))
        | Ending::Stuck(Exit::Code(c))
        | Ending::Cancelled(Exit::Code(c), _) => {
            let s = if c == 0 { "done" } else { "failed" };
            (
                "task.finished",
                s,
                Some(c),
                format!("the worker exited {c} before it was stopped"),
            )
        }
        Ending::TimedOut(_) => (
            "task.timed_out",
            "timed_out",
            None,
            "timeout: the worker's process group was killed".to_string(),
        ),
        Ending::Stuck(_) => (
            "task.stuck",
            "stuck",
            None,
            format!(
            "stuck: no output and no file change for {} s; the worker's process group was killed",
            opts.stuck_after_s.unwrap_or(0)
        ),
        ),
        Ending::Cancelled(_, why) => (
            "task.cancelled",
            "cancelled",
            None,
            format!("cancelled: {why}"),
        ),
    };
    let head = git::commit_all(
        worktree,
        &format!("muster: {} ({})", t.id, opts.paths.run_id),
    )?;
    let report: Option<WorkerReport> = std::fs::read(dir.join("REPORT.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let metrics = report.as_ref().map(|r| r.metrics.clone());
    let written = bundle::write(&bundle::Input {
        repo: &opts.repo,
        run_id: &opts.paths.run_id,
        task_id: &t.id,
        base: &opts.base,
        head: &head,
        status,
        exit_code,
        reason: &reason,
        duration_ms,
        allow: &t.touches,
        deny: &[],
        protected: &opts.protected,
        allow_gitlinks: opts.allow_gitlinks,
        dir,
    })?;
    // Both in one append: a crash cannot leave an ending without its scope
    // check.
    say(
        opts,
        &format!(
            "{}: {} in {:.1} s{}",
            t.id,
            written.status,
            duration_ms as f64 / 1000.0,
            if written.status == status {
                String::new()
            } else {
                " (its change leaves its scope: see SCOPE_REPORT.json)".to_string()
            }
        ),
    );
    r.record_all(&[
        (
            event,
            Some(&t.id),
            json!({"status": status, "exit_code": exit_code, "reason": reason,
                   "metrics": metrics, "head": head, "duration_ms": duration_ms}),
        ),
        (
            "scope.checked",
            Some(&t.id),
            json!({"status": written.scope.status.as_str(),
                   "violations": written.scope.violations.len()}),
        ),
    ])?;
    if !opts.keep_worktrees {
        git::worktree_remove(&opts.repo, worktree)?;
    }
    Ok(())
}

/// On `--resume`: each task the ledger has running was cut off when
/// muster-run went down. Its worker finished if it left its exit code:
/// collect it. A worker still running is waited for, up to its timeout
/// (else the stuck limit, else 5 minutes), and collected when it ends:
/// killing it could cut it off after it did its work and run that work
/// twice. A worker that never started (never released, see
/// [`crate::wrapper`]), is gone without an exit code or does not end in
/// time is killed and its task started again (`repair.requested`).
fn adopt_interrupted(
    plan: &Plan,
    index: &BTreeMap<&str, usize>,
    state: &State,
    opts: &Options,
    r: &Recorder,
) -> Result<()> {
    for (id, s) in &state.tasks {
        if s.status != TaskStatus::Running {
            continue;
        }
        let Some(&i) = index.get(id.as_str()) else {
            continue;
        };
        let t = &plan.tasks[i];
        let dir = opts.paths.task_dir(id)?;
        let worktree = opts.paths.worktree(id)?;
        let limit = t
            .timeout_s
            .or(opts.timeout_s)
            .or(opts.stuck_after_s)
            .map_or(Duration::from_secs(300), Duration::from_secs);
        match wrapper::settle(&dir, limit) {
            Some(c) if worktree.exists() => {
                // A commit cut off by the crash leaves its lock behind;
                // nothing else works in this worktree now.
                git::clear_index_lock(&worktree)?;
                collect(
                    t,
                    &worktree,
                    &dir,
                    Ending::Exited(Exit::Code(c)),
                    0,
                    opts,
                    r,
                )?;
            }
            _ => {
                wrapper::forget(&dir)?;
                r.record(
                    "repair.requested",
                    Some(id),
                    json!({"reason": "muster-run stopped while the task ran; it starts again"}),
                )?;
            }
        }
    }
    Ok(())
}

/// Cancel requests waiting in the run's cancel directory, taken (removed):
/// (`run` or a task id, reason).
fn take_cancels(paths: &RunPaths) -> Result<Vec<(String, String)>> {
    let dir = paths.cancel_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let reason = std::fs::read_to_string(e.path()).unwrap_or_default();
        let _ = std::fs::remove_file(e.path());
        out.push((name, reason.trim().to_string()));
    }
    out.sort();
    Ok(out)
}

/// Writes a cancel request for `target` (`run` or a task id) of a run.
pub fn request_cancel(paths: &RunPaths, target: &str, reason: &str) -> Result<PathBuf> {
    if target != "run" {
        crate::paths::check_id("task id", target)?;
    }
    let dir = paths.cancel_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let file = dir.join(target);
    muster_shared::io::write_atomic(&file, reason.as_bytes())?;
    Ok(file)
}

/// A progress line on stderr, when progress is wanted (DESIGN.md section 2:
/// on a terminal, or with `-v`).
fn say(opts: &Options, line: &str) {
    if opts.progress {
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), "muster-run: {line}");
    }
}

fn path_string(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Appends the run's events and replays its state; shared by the loop and
/// its start and collect threads (appends are serialized by the ledger's
/// lock, the cache by a mutex).
struct Recorder {
    ledger: PathBuf,
    run_id: String,
    now: Option<jiff::Timestamp>,
    cache: Mutex<Cache>,
}

/// The ledger's events read so far, and where reading stopped.
#[derive(Default)]
struct Cache {
    events: Vec<Event>,
    offset: u64,
}

impl Recorder {
    fn new(opts: &Options) -> Result<Recorder> {
        let now = match &opts.now {
            Some(s) => Some(muster_shared::time::parse_rfc3339(s)?),
            None => None,
        };
        Ok(Recorder {
            ledger: opts.ledger.clone(),
            run_id: opts.paths.run_id.clone(),
            now,
            cache: Mutex::new(Cache::default()),
        })
    }

    fn timestamp(&self) -> jiff::Timestamp {
        self.now.unwrap_or_else(jiff::Timestamp::now)
    }

    fn now(&self) -> String {
        muster_shared::time::utc_millis(self.timestamp())
    }

    fn record(&self, event_type: &str, task: Option<&str>, payload: Value) -> Result<()> {
        self.record_all(&[(event_type, task, payload)])
    }

    /// Appends events in one write.
    fn record_all(&self, events: &[(&str, Option<&str>, Value)]) -> Result<()> {
        let inputs: Vec<EventInput> = events
            .iter()
            .map(|(event_type, task, payload)| EventInput {
                schema: None,
                ts_utc: None,
                run_id: self.run_id.clone(),
                event_type: (*event_type).to_string(),
                task_id: task.map(str::to_string),
                actor: Some("muster-run".into()),
                payload: Some(payload.clone()),
                idempotency_key: None,
            })
            .collect();
        let kinds: Vec<&str> = events.iter().map(|e| e.0).collect();
        muster_ledger::append::append(&self.ledger, &inputs, self.timestamp())
            .with_context(|| format!("recording {}", kinds.join(", ")))?;
        Ok(())
    }

    /// `f` of every event of the ledger. The first read verifies the whole chain;
    /// later ones read only the lines appended since (whole lines; this
    /// run's own appends), so a run of n events does not verify n times.
    fn with_events<T>(&self, f: impl FnOnce(&[Event]) -> T) -> Result<T> {
        let mut c = self
            .cache
            .lock()
            .map_err(|_| anyhow!("the ledger cache was poisoned by a panic"))?;
        if !self.ledger.exists() {
            return Ok(f(&[]));
        }
        if c.offset == 0 {
            let bytes = muster_ledger::store::read_all(&self.ledger)?;
            c.events = muster_ledger::store::read_events(&self.ledger)?;
            c.offset = bytes.len() as u64;
            return Ok(f(&c.events));
        }
        let mut file = std::fs::File::open(&self.ledger)
            .with_context(|| format!("reading {}", self.ledger.display()))?;
        file.seek(SeekFrom::Start(c.offset))
            .with_context(|| format!("reading {}", self.ledger.display()))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .with_context(|| format!("reading {}", self.ledger.display()))?;
        let lines = muster_ledger::store::split_lines(&bytes);
        for range in &lines.whole {
            let line = &bytes[range.clone()];
            let e: Event = serde_json::from_slice(line).with_context(|| {
                format!(
                    "{}: a line appended during the run is not an event",
                    self.ledger.display()
                )
            })?;
            c.events.push(e);
            c.offset += (range.end - range.start + 1) as u64;
        }
        Ok(f(&c.events))
    }

    fn state(&self) -> Result<State> {
        self.with_events(|e| muster_ledger::replay::replay(e, &self.run_id))
    }

    /// When the run was created, from its `run.created` event.
    fn created_at(&self) -> Result<Option<String>> {
        self.with_events(|events| {
            events
                .iter()
                .find(|e| e.run_id == self.run_id && e.event_type == "run.created")
                .map(|e| e.ts_utc.clone())
        })
    }
}

/// Who started the run, for `muster-gate approve` (an approver may not
/// approve their own run): `MUSTER_AUTHOR`, else the login name (`USER`,
/// `LOGNAME`), else null.
fn author() -> Option<String> {
    ["MUSTER_AUTHOR", "USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
}
