//! The command line: flags and config to [`integrate::Options`], the run (or
//! bundles) and the plan in, the integration document out; the integrator
//! directory, `--into` and the ledger around it.

use crate::integrate::{self, Options, TaskIn};
use crate::{into, report};
use anyhow::{bail, Context, Result};
use clap::Parser;
use muster_shared::cli::{Outcome, EXIT_STATUS};
use muster_shared::io::{read_input, to_json};
use muster_shared::schema::{
    json_schema, Bundle, ConcurrencyClass, EventInput, Integration, Plan, RunDoc, TaskStatus,
};
use muster_shared::{config, doc, git, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "Examples:
  muster-run -i plan.json > run.json && muster-integrate -i run.json
  muster-integrate -i run.json --check 'make test' --bisect --into integrated
  muster-integrate --bundle artifacts/T1 artifacts/T2 --plan plan.json --partial";

/// Validates a run's bundles, finds overlaps, applies them in a fixed order
/// with git (never fuzz) and can test the combined tree before it lands.
#[derive(Debug, Parser)]
#[command(name = "muster-integrate", version, after_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"))]
pub struct Args {
    /// Read the run (muster.run/v1) from FILE (`-` is stdin).
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    input: String,
    /// Integrate these bundle directories instead of a run's (run id and
    /// base from their manifests).
    #[arg(long, value_name = "DIR", num_args = 1..)]
    bundle: Vec<PathBuf>,
    /// The plan: order (wave, then id), write-shared tasks and each task's
    /// touches (default: plan.json in the run's directory, if there).
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// Combine the tasks that are clean and report the rest (WARN).
    #[arg(long)]
    partial: bool,
    /// Run CMD (sh -c) in a checkout of the combined tree; failing blocks.
    #[arg(long, value_name = "CMD")]
    check: Option<String>,
    /// When the check fails, find the first task that makes it fail.
    #[arg(long)]
    bisect: bool,
    /// Commit the result (parent: the base) on BRANCH.
    #[arg(long, value_name = "BRANCH")]
    into: Option<String>,
    /// The ledger (default: ledger.jsonl in the state directory).
    #[arg(long, value_name = "FILE")]
    ledger: Option<PathBuf>,
    /// The time events and the --into commit get (RFC 3339).
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    /// Config file (default: muster.json at the repo root).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Write JSON on one line.
    #[arg(long)]
    compact: bool,
    /// Exit 2 on WARN.
    #[arg(long)]
    fail_on_warn: bool,
    /// Print the JSON Schemas of what this reads and writes, and exit.
    #[arg(long)]
    schema: bool,
    /// Show progress on stderr even when it is not a terminal.
    #[arg(short, long)]
    verbose: bool,
}

/// The `integrate` section of muster.json.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntegrateConfig {
    /// The check command (`--check`).
    pub check: Option<String>,
    /// Bisect a failing check (`--bisect`).
    pub bisect: bool,
    /// Combine the clean tasks and report the rest (`--partial`).
    pub partial: bool,
}

/// What the tasks come from.
struct Source {
    run_id: String,
    base: String,
    tasks: Vec<(String, Option<PathBuf>, Option<TaskStatus>)>,
}

/// Runs the tool.
pub fn run(a: Args) -> Result<Outcome> {
    if a.schema {
        let doc = serde_json::json!({
            "reads": {"muster.run/v1": json_schema::<RunDoc>(), "muster.plan/v1": json_schema::<Plan>()},
            "writes": {"muster.integration/v1": json_schema::<Integration>()},
        });
        return Ok(Outcome::new(Status::Pass, to_json(&doc, a.compact)));
    }
    git::version()?;
    let cwd = std::env::current_dir().context("finding the current directory")?;
    let env = config::process_env();
    let cfg: IntegrateConfig = config::load_section("integrate", a.config.as_deref(), &env, &cwd)?;
    let scope: muster_scope_check::cmd::ScopeConfig =
        config::load_section("scope", a.config.as_deref(), &env, &cwd)?;
    let repo = git::toplevel(&cwd)?;
    let state = config::state_dir(&env, &repo);
    let src = match a.bundle.is_empty() {
        true => from_run(&a.input, &repo)?,
        false => from_bundles(&a.bundle)?,
    };
    check_id("run id", &src.run_id)?;
    let ledger = a
        .ledger
        .clone()
        .unwrap_or_else(|| state.join("ledger.jsonl"));
    muster_ledger::lock::refuse_locked(&ledger, &src.run_id)?;
    let base =
        git::rev_parse(&repo, &src.base).with_context(|| format!("the run's base {}", src.base))?;
    let run_dir = state.join("runs").join(&src.run_id);
    let plan = read_plan(a.plan.as_deref(), &run_dir)?;
    let tasks = ordered(src.tasks, plan.as_ref())?;
    if let Some(b) = &a.into {
        into::check_branch(&repo, b, &base, &src.run_id)?;
    }
    let now = muster_shared::time::now_from(
        a.now.as_deref(),
        env.get("SOURCE_DATE_EPOCH").map(String::as_str),
    )?;
    config::ensure_state_dir(&state)?;
    std::fs::create_dir_all(&run_dir).with_context(|| format!("creating {}", run_dir.display()))?;
    let staging = report::begin(&run_dir)?;
    let opts = Options {
        repo: repo.clone(),
        run_id: src.run_id.clone(),
        base,
        tasks,
        protected: scope.protected,
        allow_gitlinks: scope.allow_gitlinks,
        partial: a.partial || cfg.partial,
        check: a.check.clone().or(cfg.check),
        bisect: a.bisect || cfg.bisect,
        work: run_dir.join("integrator.work"),
        out: staging.dir.clone(),
        progress: a.verbose || std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let done = integrate_and_land(&opts, &staging, a.into.as_deref(), now, a.compact);
    let _ = std::fs::remove_dir_all(&opts.work);
    let (done, stdout) = match done {
        Ok(d) => d,
        Err(e) => {
            let why = format!("{e:#}");
            let _ = report::fail(&staging, &src.run_id, &why);
            let _ = record(
                &ledger,
                &src.run_id,
                now,
                &[(
                    "integration.finished",
                    None,
                    serde_json::json!({"status": "FAIL", "reason": why}),
                )],
            );
            return Err(e);
        }
    };
    let mut events: Vec<(&str, Option<&str>, serde_json::Value)> = done
        .validated
        .iter()
        .map(|(task, ok, problems)| {
            let status = if *ok { "PASS" } else { "BLOCKED" };
            (
                "bundle.validated",
                Some(task.as_str()),
                serde_json::json!({"status": status, "problems": problems}),
            )
        })
        .collect();
    let d = &done.doc;
    events.push((
        "integration.finished",
        None,
        serde_json::json!({
            "status": d.status, "reason": d.reason, "applied": d.applied, "tree": d.result.tree,
            "commit": d.result.commit, "branch": d.result.branch,
            "culprit": d.check.as_ref().and_then(|c| c.culprit.clone()),
        }),
    ));
    record(&ledger, &src.run_id, now, &events)?;
    let mut out = Outcome::new(d.status, stdout);
    out.fail_on_warn = a.fail_on_warn;
    if let Some(r) = &d.reason {
        out = out.note(format!("{}: {r}", d.status.as_str().to_lowercase()));
    }
    Ok(out)
}

/// Integrates, commits with `--into` when the result may land, and writes
/// the integrator directory; the document and the bytes stdout gets.
fn integrate_and_land(
    opts: &Options,
    staging: &report::Staging,
    into_branch: Option<&str>,
    now: jiff::Timestamp,
    compact: bool,
) -> Result<(integrate::Done, Vec<u8>)> {
    let mut done = integrate::run(opts)?;
    let doc = &mut done.doc;
    if let (Some(branch), Some(tree)) = (into_branch, doc.result.tree.clone()) {
        if matches!(doc.status, Status::Pass | Status::Warn) {
            let body = format!("Tasks: {}\n", doc.applied.join(", "));
            let date = format!("@{} +0000", now.as_second());
            let commit = into::commit(
                &opts.repo,
                &doc.run_id,
                &doc.base,
                &tree,
                branch,
                &body,
                &date,
            )?;
            doc.result.commit = Some(commit);
            doc.result.branch = Some(branch.to_string());
        }
    }
    if doc.result.tree.is_some() {
        let patch = staging.target.join("DIFF.patch");
        doc.result.patch = patch
            .strip_prefix(&opts.repo)
            .unwrap_or(&patch)
            .display()
            .to_string();
    }
    let stdout = to_json(&*doc, compact);
    report::finish(staging, &opts.repo, doc, &stdout, &done.logs)?;
    Ok((done, stdout))
}

/// The tasks of a `muster.run/v1`.
fn from_run(input: &str, repo: &Path) -> Result<Source> {
    let inp = read_input(input)?;
    let run: RunDoc = doc::parse(&inp.bytes, &inp.name)?;
    let tasks = run
        .tasks
        .iter()
        .map(|t| {
            (
                t.id.clone(),
                t.bundle.as_ref().map(|b| repo.join(b)),
                Some(t.status),
            )
        })
        .collect();
    Ok(Source {
        run_id: run.run_id,
        base: run.base,
        tasks,
    })
}

/// The tasks of bundle directories: ids, run id and base from their
/// manifests (a bundle whose manifest does not read is still taken, by its
/// directory's name, and validation refuses it).
fn from_bundles(dirs: &[PathBuf]) -> Result<Source> {
    let mut runs: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut tasks = Vec::new();
    for dir in dirs {
        let file = dir.join("MANIFEST.json");
        let manifest: Option<Bundle> = std::fs::read(&file)
            .ok()
            .and_then(|b| doc::parse(&b, &file.display().to_string()).ok());
        let id = match &manifest {
            Some(m) => m.task_id.clone(),
            None => dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        if let Some(m) = manifest {
            runs.entry((m.run_id, m.base)).or_default().push(id.clone());
        }
        tasks.push((id, Some(dir.clone()), None));
    }
    let mut keys = runs.keys();
    let (run_id, base) = match (keys.next(), keys.next()) {
        (Some(k), None) => k.clone(),
        (None, _) => bail!("--bundle: no bundle has a readable MANIFEST.json (no run id or base to integrate onto)"),
        (Some(a), Some(b)) => bail!(
            "--bundle: the bundles are of more than one run or base: {} at {} ({}) and {} at {} ({})",
            a.0, a.1, runs[a].join(", "), b.0, b.1, runs[b].join(", ")
        ),
    };
    Ok(Source {
        run_id,
        base,
        tasks,
    })
}

/// The plan given, else the run's own, else none.
fn read_plan(given: Option<&Path>, run_dir: &Path) -> Result<Option<Plan>> {
    let file = match given {
        Some(f) => f.to_path_buf(),
        None => {
            let f = run_dir.join("plan.json");
            if !f.exists() {
                return Ok(None);
            }
            f
        }
    };
    let bytes =
        std::fs::read(&file).with_context(|| format!("reading the plan {}", file.display()))?;
    Ok(Some(doc::parse(&bytes, &file.display().to_string())?))
}

/// The tasks in the fixed order (plan wave, then task id; tasks the plan
/// does not name last), with what the plan says of each.
fn ordered(
    tasks: Vec<(String, Option<PathBuf>, Option<TaskStatus>)>,
    plan: Option<&Plan>,
) -> Result<Vec<TaskIn>> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(tasks.len());
    for (id, bundle, status) in tasks {
        if !seen.insert(id.clone()) {
            bail!("task {id:?} is given twice");
        }
        let planned = plan.and_then(|p| p.tasks.iter().find(|t| t.id == id));
        let wave = planned.map_or(usize::MAX, |t| t.wave.unwrap_or(usize::MAX));
        out.push((
            wave,
            TaskIn {
                id,
                bundle,
                status,
                shared: planned
                    .is_some_and(|t| t.concurrency_class == ConcurrencyClass::WriteShared),
                touches: planned.map(|t| t.touches.clone()),
            },
        ));
    }
    out.sort_by(|a, b| (a.0, &a.1.id).cmp(&(b.0, &b.1.id)));
    Ok(out.into_iter().map(|(_, t)| t).collect())
}

/// Refuses an id that could name a path outside the state directory.
fn check_id(what: &str, id: &str) -> Result<()> {
    if !muster_shared::id::is_valid(id) {
        bail!("{what} {id:?} is not valid (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)");
    }
    Ok(())
}

/// Appends `events` to the ledger in one write.
fn record(
    ledger: &Path,
    run_id: &str,
    now: jiff::Timestamp,
    events: &[(&str, Option<&str>, serde_json::Value)],
) -> Result<()> {
    let inputs: Vec<EventInput> = events
        .iter()
        .map(|(event_type, task, payload)| EventInput {
            schema: None,
            ts_utc: None,
            run_id: run_id.to_string(),
            event_type: (*event_type).to_string(),
            task_id: task.map(str::to_string),
            actor: Some("muster-integrate".into()),
            payload: Some(payload.clone()),
            idempotency_key: None,
        })
        .collect();
    muster_ledger::append::append(ledger, &inputs, now)
        .context("recording the integration in the ledger")?;
    Ok(())
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
