//! The command line: flags and config to [`run::Options`], the plan in,
//! the run document out; `cancel`, `gc` and `doctor`.

use crate::paths::RunPaths;
use crate::{git, run};
use anyhow::{bail, Context, Result};
use clap::{Args as ClapArgs, Parser, Subcommand};
use muster_shared::cli::{Outcome, EXIT_STATUS};
use muster_shared::io::{read_input, to_json};
use muster_shared::schema::{json_schema, Plan, RunDoc};
use muster_shared::{config, Status};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

const EXAMPLES: &str = "Examples:
  muster-plan < tasks.json > plan.json
  muster-run -i plan.json --max-outstanding 3 --timeout-s 600 --stuck-after-s 120
  muster-run --resume run_20261122T010000Z_1a2b3c4d_001
  muster-run cancel --run-id run_20261122T010000Z_1a2b3c4d_001 --task T3 --reason \"wrong approach\"";

/// Runs each task of a plan in its own git worktree, within limits, and
/// writes a bundle per task.
#[derive(Debug, Parser)]
#[command(name = "muster-run", version, after_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"))]
pub struct Args {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Ask a running (or interrupted) run to cancel one task, or all of it.
    #[command(after_help = format!("Examples:\n  muster-run cancel --run-id run_20261122T010000Z_1a2b3c4d_001 --task T3 --reason \"wrong approach\"\n  muster-run cancel --run-id run_20261122T010000Z_1a2b3c4d_001 --reason \"stop everything\"\n\n{EXIT_STATUS}"))]
    Cancel(CancelArgs),
    /// Remove the worktrees finished runs left behind (the branches stay).
    #[command(after_help = format!("Examples:\n  muster-run gc\n  muster-run gc --run-id run_20261122T010000Z_1a2b3c4d_001\n\n{EXIT_STATUS}"))]
    Gc(GcArgs),
    /// Check git, the repository and muster.json.
    #[command(after_help = format!("Examples:\n  muster-run doctor\n  muster-run doctor --config ci/muster.json\n\n{EXIT_STATUS}"))]
    Doctor(CommonArgs),
}

#[derive(Debug, Clone, ClapArgs)]
struct CommonArgs {
    /// Config file (default: muster.json at the repo root).
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    /// Write JSON on one line.
    #[arg(long, global = true)]
    compact: bool,
}

#[derive(Debug, Clone, ClapArgs)]
struct RunArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Read the plan from FILE (`-` is stdin).
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    input: String,
    /// Go on with this run from its ledger (its plan is read from its run directory).
    #[arg(long, value_name = "RUN_ID")]
    resume: Option<String>,
    /// The commit every worktree starts from.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    base: String,
    /// The run's id, instead of a new one (CI jobs of one run share it).
    #[arg(long, value_name = "RUN_ID", conflicts_with = "resume")]
    run_id: Option<String>,
    /// Run only this task of the plan, as if its dependencies were done (a
    /// CI job, whose `needs:` ordered them).
    #[arg(long, value_name = "ID", conflicts_with = "resume")]
    task: Option<String>,
    /// Tasks running at once (default: run.max_outstanding, else the plan's).
    #[arg(long, value_name = "N")]
    max_outstanding: Option<u32>,
    /// Seconds before a worker's process group is killed (a task's timeout_s wins).
    #[arg(long, value_name = "S")]
    timeout_s: Option<u64>,
    /// Seconds without output and without file change before a worker is stuck.
    #[arg(long, value_name = "S")]
    stuck_after_s: Option<u64>,
    /// Stop starting tasks once finished workers' metrics.cost reach N.
    #[arg(long, value_name = "N")]
    budget: Option<f64>,
    /// With --budget: also cancel the running tasks when it is reached.
    #[arg(long, requires = "budget")]
    budget_hard: bool,
    /// Keep each worktree after its bundle is written.
    #[arg(long)]
    keep_worktrees: bool,
    /// The ledger (default: ledger.jsonl in the state directory).
    #[arg(long, value_name = "FILE")]
    ledger: Option<PathBuf>,
    /// The time events get (RFC 3339), for reproducible runs.
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    /// Print the JSON Schemas of what this reads and writes, and exit.
    #[arg(long)]
    schema: bool,
    /// Show progress on stderr even when it is not a terminal.
    #[arg(short, long)]
    verbose: bool,
}

#[derive(Debug, Clone, ClapArgs)]
struct CancelArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The run.
    #[arg(long, value_name = "RUN_ID")]
    run_id: String,
    /// The task (default: the whole run).
    #[arg(long, value_name = "ID")]
    task: Option<String>,
    /// Why (recorded in the ledger).
    #[arg(long, value_name = "TEXT")]
    reason: String,
}

#[derive(Debug, Clone, ClapArgs)]
struct GcArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Only this run's worktrees.
    #[arg(long, value_name = "RUN_ID")]
    run_id: Option<String>,
}

/// The `run` section of muster.json.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// The worker command for tasks without their own `command` (argv;
    /// `{brief}`, `{task_id}`, `{worktree}` are put in).
    pub worker: Option<Vec<String>>,
    /// Tasks running at once.
    pub max_outstanding: Option<u32>,
    /// Seconds before a worker is killed.
    pub timeout_s: Option<u64>,
    /// Seconds without progress before a worker is stuck.
    pub stuck_after_s: Option<u64>,
    /// Seconds a worker has after SIGTERM before SIGKILL (default 5).
    pub grace_s: Option<u64>,
    /// Keep worktrees after their bundles are written.
    pub keep_worktrees: bool,
}

/// Runs the tool.
pub fn run(args: Args) -> Result<Outcome> {
    match args.cmd {
        None => run_run(&args.run),
        Some(Cmd::Cancel(c)) => run_cancel(&c),
        Some(Cmd::Gc(g)) => run_gc(&g),
        Some(Cmd::Doctor(d)) => run_doctor(&d),
    }
}

/// The repository root, the state directory and the config.
fn setup(common: &CommonArgs) -> Result<(PathBuf, PathBuf, RunConfig)> {
    let cwd = std::env::current_dir().context("finding the current directory")?;
    let env = config::process_env();
    let cfg: RunConfig = config::load_section("run", common.config.as_deref(), &env, &cwd)?;
    let repo = git::toplevel(&cwd)?;
    let state = config::state_dir(&env, &repo);
    Ok((repo, state, cfg))
}

fn run_run(a: &RunArgs) -> Result<Outcome> {
    if a.schema {
        let doc = serde_json::json!({
            "reads": {"muster.plan/v1": json_schema::<Plan>()},
            "writes": {"muster.run/v1": json_schema::<RunDoc>()},
        });
        return Ok(Outcome::new(Status::Pass, to_json(&doc, a.common.compact)));
    }
    git::version()?;
    let (repo, state, cfg) = setup(&a.common)?;
    // Resource capacities are the planner's (plan.resources), so that
    // `next` here decides as `muster-plan next` would.
    let plan_cfg: muster_planner::cmd::PlanConfig = config::load_section(
        "plan",
        a.common.config.as_deref(),
        &config::process_env(),
        &repo,
    )?;
    let scope_cfg: muster_scope_check::cmd::ScopeConfig = config::load_section(
        "scope",
        a.common.config.as_deref(),
        &config::process_env(),
        &repo,
    )?;
    config::ensure_state_dir(&state)?;
    let ledger = a
        .ledger
        .clone()
        .unwrap_or_else(|| state.join("ledger.jsonl"));
    if let Some(id) = a.resume.as_ref().or(a.run_id.as_ref()) {
        muster_ledger::lock::refuse_locked(&ledger, id)?;
    }
    let base = git::rev_parse(&repo, &a.base)?;
    let (plan, run_id): (Plan, String) = match &a.resume {
        Some(id) => {
            let paths = RunPaths::new(&state, id)?;
            let file = paths.run_dir().join("plan.json");
            let bytes = std::fs::read(&file)
                .with_context(|| format!("--resume {id}: reading {}", file.display()))?;
            (
                muster_shared::doc::parse(&bytes, &file.display().to_string())?,
                id.clone(),
            )
        }
        None => {
            let inp = read_input(&a.input)?;
            let mut plan: Plan = muster_shared::doc::parse(&inp.bytes, &inp.name)?;
            if let Some(only) = &a.task {
                plan = only_task(plan, only)?;
            }
            let at = match &a.now {
                Some(s) => muster_shared::time::parse_rfc3339(s)?,
                None => jiff::Timestamp::now(),
            };
            let existing = existing_runs(&state);
            let id = match &a.run_id {
                Some(id) if existing.contains(id) => bail!(
                    "--run-id {id}: that run exists in {}; go on with it with --resume {id}",
                    state.display()
                ),
                Some(id) => id.clone(),
                None => muster_shared::runid::new_run_id(
                    "run",
                    at,
                    &base,
                    existing.iter().map(String::as_str),
                )?,
            };
            (plan, id)
        }
    };
    let opts = run::Options {
        repo,
        paths: RunPaths::new(&state, &run_id)?,
        ledger,
        base,
        max_outstanding: a.max_outstanding.or(cfg.max_outstanding),
        timeout_s: a.timeout_s.or(cfg.timeout_s),
        stuck_after_s: a.stuck_after_s.or(cfg.stuck_after_s),
        grace: Duration::from_secs(cfg.grace_s.unwrap_or(5)),
        budget: a.budget,
        budget_hard: a.budget_hard,
        keep_worktrees: a.keep_worktrees || cfg.keep_worktrees,
        worker: cfg.worker,
        capacity: plan_cfg.resources,
        protected: scope_cfg.protected,
        allow_gitlinks: scope_cfg.allow_gitlinks,
        progress: a.verbose || std::io::IsTerminal::is_terminal(&std::io::stderr()),
        resume: a.resume.is_some(),
        now: a.now.clone(),
    };
    let doc = run::run(plan, &opts)?;
    let not_done = doc
        .tasks
        .iter()
        .filter(|t| t.status != muster_shared::schema::TaskStatus::Done)
        .count();
    let mut out = Outcome::new(doc.status, to_json(&doc, a.common.compact));
    if doc.status != Status::Pass {
        out = out.note(format!(
            "blocked: {not_done} of {} tasks not done{}",
            doc.tasks.len(),
            doc.stop
                .as_deref()
                .map(|s| format!(" (stopped: {s})"))
                .unwrap_or_default()
        ));
    }
    Ok(out)
}

/// The plan cut down to task `id`, its dependencies dropped.
fn only_task(mut plan: Plan, id: &str) -> Result<Plan> {
    let Some(mut t) = plan.tasks.iter().find(|t| t.id == id).cloned() else {
        bail!("--task {id}: the plan has no such task");
    };
    t.deps.clear();
    t.wave = Some(0);
    plan.tasks = vec![t];
    plan.waves = vec![vec![id.to_string()]];
    plan.ready = vec![id.to_string()];
    plan.conflicts.clear();
    plan.max_outstanding = plan.max_outstanding.max(1);
    Ok(plan)
}

/// The run ids that have a run directory.
fn existing_runs(state: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(state.join("runs")) else {
        return Vec::new();
    };
    let mut ids: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

fn run_cancel(c: &CancelArgs) -> Result<Outcome> {
    let (_, state, _) = setup(&c.common)?;
    let paths = RunPaths::new(&state, &c.run_id)?;
    if !paths.run_dir().exists() {
        bail!("run {:?}: no such run in {}", c.run_id, state.display());
    }
    muster_ledger::lock::refuse_locked(&state.join("ledger.jsonl"), &c.run_id)?;
    if c.reason.trim().is_empty() {
        bail!("--reason: say why (it goes in the ledger)");
    }
    let target = c.task.as_deref().unwrap_or("run");
    let file = run::request_cancel(&paths, target, &c.reason)?;
    let doc = serde_json::json!({
        "run_id": c.run_id, "target": target, "reason": c.reason,
        "request": file.display().to_string(),
    });
    Ok(Outcome::new(Status::Pass, to_json(&doc, c.common.compact)))
}

fn run_gc(g: &GcArgs) -> Result<Outcome> {
    git::version()?;
    let (repo, state, _) = setup(&g.common)?;
    let root = state.join("worktrees");
    let mut removed = Vec::new();
    let runs: Vec<String> = match &g.run_id {
        Some(id) => vec![id.clone()],
        None => existing_dirs(&root),
    };
    for run_id in runs {
        let paths = RunPaths::new(&state, &run_id)?;
        // A run still going has no run.json yet: leave it alone.
        if !paths.run_dir().join("run.json").exists() {
            continue;
        }
        for task in existing_dirs(&root.join(&run_id)) {
            let wt = paths.worktree(&task)?;
            git::worktree_remove(&repo, &wt)?;
            removed.push(format!("{run_id}/{task}"));
        }
    }
    let doc = serde_json::json!({"removed": removed});
    Ok(Outcome::new(Status::Pass, to_json(&doc, g.common.compact)))
}

fn existing_dirs(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| muster_shared::id::is_valid(n))
        .collect();
    out.sort();
    out
}

fn run_doctor(d: &CommonArgs) -> Result<Outcome> {
    let mut checks = Vec::new();
    let mut ok = true;
    let mut check = |name: &str, r: Result<String>| {
        let (status, detail) = match r {
            Ok(s) => ("PASS", s),
            Err(e) => {
                ok = false;
                ("FAIL", format!("{e:#}"))
            }
        };
        checks.push(serde_json::json!({"check": name, "status": status, "detail": detail}));
    };
    check(
        "git",
        git::version().map(|(a, b, c)| format!("git {a}.{b}.{c} (2.38 or newer needed)")),
    );
    let setup = setup(d);
    match &setup {
        Ok((repo, state, cfg)) => {
            check("repository", Ok(repo.display().to_string()));
            check("state directory", Ok(state.display().to_string()));
            check(
                "run.worker",
                Ok(match &cfg.worker {
                    Some(w) => w.join(" "),
                    None => "not set: every task needs its own command".into(),
                }),
            );
            check("base", git::rev_parse(repo, "HEAD"));
        }
        Err(e) => check("repository and config", Err(anyhow::anyhow!("{e:#}"))),
    }
    let status = if ok { Status::Pass } else { Status::Fail };
    let doc = serde_json::json!({"status": status.as_str(), "checks": checks});
    let mut out = Outcome::new(status, to_json(&doc, d.compact));
    if !ok {
        out = out.note("doctor found problems (see checks)".to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn flags_are_consistent() {
        Args::command().debug_assert();
    }
}
