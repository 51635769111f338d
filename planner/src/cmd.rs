//! Flags, and the thin shell around the library: read, plan, write.

use crate::next_input::NextRead;
use crate::{next, plan, spawn};
use anyhow::{Context, Result};
use clap::{Args as ClapArgs, Parser, Subcommand};
use muster_shared::cli::{Outcome, Stream, EXIT_STATUS};
use muster_shared::io::{read_input, to_json};
use muster_shared::schema::{json_schema, Batch, Plan, State, Tasks};
use muster_shared::{config, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

const EXAMPLES: &str = "\
EXAMPLES:
  # route, plan, and draw the waves
  muster-route < tasks.json | muster-plan | muster-plan export --format mermaid
  # what may start now, given the run so far
  jq -n --slurpfile p plan.json --slurpfile s state.json '{plan: $p[0], state: $s[0]}' | muster-plan next
  # a GitHub Actions workflow with one job per task
  muster-plan -i tasks.json | muster-plan export --format github-actions > .github/workflows/muster.yml";

/// Checks the task graph, puts conflicting tasks in different waves, says
/// what may run next, and exports the plan to CI engines.
///
/// With no subcommand, plans: stdin a muster.tasks/v1, stdout a
/// muster.plan/v1 (waves, ready set, conflicts with a witness path each,
/// critical path). docs/plan.md says how.
#[derive(Debug, Parser)]
#[command(name = "muster-plan", version, args_conflicts_with_subcommands = true,
          after_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"))]
pub struct Args {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    #[command(flatten)]
    plan: PlanArgs,
}

const NEXT_EXAMPLES: &str = "\
EXAMPLES:
  muster-ledger replay --run-id \"$RUN\" > state.json
  jq -n --slurpfile p plan.json --slurpfile s state.json '{plan: $p[0], state: $s[0]}' | muster-plan next";

const SPAWN_EXAMPLES: &str = "\
EXAMPLES:
  # T3's worker found more work; fold it into the plan (exit 2 if a candidate is critical)
  jq -n --slurpfile p plan.json --slurpfile r .muster/runs/RUN/T3/REPORT.json \\
     '{plan: $p[0], reports: [{task_id: \"T3\", report: $r[0]}]}' | muster-plan spawn > spawned.json";

const EXPORT_EXAMPLES: &str = "\
EXAMPLES:
  muster-plan export --format github-actions -i plan.json --setup 'cargo install --locked --path planner' > .github/workflows/muster.yml
  muster-plan export --format make -i plan.json --run-id run_1 > muster.mk && make -j4 -f muster.mk
  muster-plan export --format dot -i plan.json | dot -Tsvg > plan.svg";

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Plan a muster.tasks/v1 (the default).
    #[command(after_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"))]
    Plan(PlanArgs),
    /// From {plan, state}: what to dispatch now, and why the rest waits.
    #[command(after_help = format!("{NEXT_EXAMPLES}\n\n{EXIT_STATUS}"))]
    Next(NextArgs),
    /// From {plan, reports}: workers' spawn candidates become tasks T-AUTO-01, ...
    #[command(after_help = format!("{SPAWN_EXAMPLES}\n\n{EXIT_STATUS}"))]
    Spawn(NextArgs),
    /// Write the plan as a CI workflow or a graph.
    #[command(after_help = format!("{EXPORT_EXAMPLES}\n\n{EXIT_STATUS}"))]
    Export(ExportArgs),
}

/// Options every subcommand takes.
#[derive(Debug, Clone, ClapArgs)]
struct Common {
    /// Read from FILE (`-` is stdin).
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    input: String,
    /// Config file (default: muster.json at the repo root).
    #[arg(long, value_name = "FILE", help_heading = "Global options")]
    config: Option<PathBuf>,
    /// Write JSON on one line.
    #[arg(long, help_heading = "Global options")]
    compact: bool,
    /// Print the JSON Schemas of what this reads and writes, and exit.
    #[arg(long)]
    schema: bool,
}

#[derive(Debug, Clone, ClapArgs)]
struct PlanArgs {
    #[command(flatten)]
    common: Common,
    /// How many tasks may run at once (default: plan.max_outstanding, 4).
    #[arg(long, value_name = "N")]
    max_outstanding: Option<u32>,
    /// List every conflicting pair of tasks, not only the pairs that order
    /// them all (quadratic in the tasks sharing an area).
    #[arg(long)]
    all_conflicts: bool,
}

#[derive(Debug, Clone, ClapArgs)]
struct NextArgs {
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Clone, ClapArgs)]
struct ExportArgs {
    #[command(flatten)]
    common: Common,
    /// What to write.
    #[arg(long, value_enum)]
    format: crate::export::Format,
    /// The run id every job shares (default: the CI's own run id).
    #[arg(long, value_name = "ID")]
    run_id: Option<String>,
    /// The plan file as the jobs see it, relative to the repository root.
    #[arg(long, value_name = "PATH", default_value = "muster-plan.json")]
    plan_path: String,
    /// The gates file the final job gives muster-gate.
    #[arg(long, value_name = "PATH", default_value = "muster-gates.json")]
    gates_path: String,
    /// A shell line every CI job runs first, to put the muster tools on PATH (repeatable).
    #[arg(long, value_name = "LINE")]
    setup: Vec<String>,
}

/// The `plan` section of muster.json.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanConfig {
    /// How many tasks may run at once.
    pub max_outstanding: u32,
    /// Units of each named resource (tasks' `resources`) that may be in
    /// use at once; 1 for a name not listed.
    pub resources: BTreeMap<String, u64>,
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig {
            max_outstanding: 4,
            resources: BTreeMap::new(),
        }
    }
}

/// What `plan next` reads: its JSON Schema. It is read as
/// [`crate::next_input::NextRead`], which keeps only what `next` uses.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NextInput {
    /// The plan.
    pub plan: Plan,
    /// The run so far (`muster-ledger replay`).
    pub state: State,
}

fn load_config(common: &Common) -> Result<PlanConfig> {
    let cwd = std::env::current_dir().context("finding the current directory")?;
    config::load_section(
        "plan",
        common.config.as_deref(),
        &config::process_env(),
        &cwd,
    )
}

/// Runs the tool.
pub fn run(args: Args) -> Result<Outcome> {
    match args.cmd {
        None => run_plan(&args.plan),
        Some(Cmd::Plan(p)) => run_plan(&p),
        Some(Cmd::Next(n)) => run_next(&n),
        Some(Cmd::Spawn(n)) => run_spawn(&n),
        Some(Cmd::Export(e)) => run_export(&e),
    }
}

fn run_plan(a: &PlanArgs) -> Result<Outcome> {
    let c = &a.common;
    if c.schema {
        let doc = serde_json::json!({
            "reads": {"muster.tasks/v1": json_schema::<Tasks>()},
            "writes": {"muster.plan/v1": json_schema::<Plan>()},
        });
        return Ok(Outcome::new(Status::Pass, to_json(&doc, c.compact)));
    }
    let cfg = load_config(c)?;
    let inp = read_input(&c.input)?;
    let tasks: Tasks = muster_shared::doc::parse_split(&inp.bytes, &inp.name)?;
    let opts = plan::Options {
        max_outstanding: a.max_outstanding.unwrap_or(cfg.max_outstanding),
        resources: cfg.resources,
        all_conflicts: a.all_conflicts,
    };
    let p = plan::plan_listed(tasks.tasks, &opts).with_context(|| inp.name.clone())?;
    let mut out = Outcome::new(Status::Pass, Vec::new());
    let compact = c.compact;
    out.stdout_stream = Some(Stream::new(move |w| {
        let written = write_planned(&p, compact, w);
        std::mem::forget(p); // as in run_next: the OS frees faster
        written
    }));
    Ok(out)
}

/// The plan as JSON to `w`, its tasks and conflicts written on every core:
/// the same bytes as [`to_json`] (a test holds them to it).
pub fn write_plan(p: &Plan, compact: bool, w: &mut dyn Write) -> std::io::Result<()> {
    write_plan_with(p, compact, w, |o| o.array("conflicts", &p.conflicts))
}

/// [`write_plan`] of [`plan::Planned::into_plan`], written without making
/// the conflicts' records: the same bytes (a test holds them to it).
pub fn write_planned(p: &plan::Planned, compact: bool, w: &mut dyn Write) -> std::io::Result<()> {
    let listed = p.conflicts.json(&p.plan.tasks, compact);
    write_plan_with(&p.plan, compact, w, |o| {
        o.array_by("conflicts", p.conflicts.len(), |out, i| {
            listed.write(out, i)
        });
    })
}

/// The plan's fields in its order, the conflicts written by `conflicts`.
fn write_plan_with(
    p: &Plan,
    compact: bool,
    w: &mut dyn Write,
    conflicts: impl FnOnce(&mut muster_shared::json_pieces::Object),
) -> std::io::Result<()> {
    let mut o = muster_shared::json_pieces::Object::new(w, compact);
    o.field("schema", &p.schema);
    o.array("tasks", &p.tasks);
    o.field("waves", &p.waves);
    o.field("ready", &p.ready);
    conflicts(&mut o);
    o.field("critical_path", &p.critical_path);
    o.field("max_outstanding", &p.max_outstanding);
    o.field("stats", &p.stats);
    o.finish()
}

fn run_next(a: &NextArgs) -> Result<Outcome> {
    let c = &a.common;
    if c.schema {
        let doc = serde_json::json!({
            "reads": {"{plan, state}": json_schema::<NextInput>()},
            "writes": {"muster.batch/v1": json_schema::<Batch>()},
        });
        return Ok(Outcome::new(Status::Pass, to_json(&doc, c.compact)));
    }
    let cfg = load_config(c)?;
    // The plan's conflicts (most of a big plan) are only checked as JSON:
    // on another core, while the rest is read and `next` decides.
    let src = muster_shared::io::open_input(&c.input)?;
    let json = muster_shared::doc::parse_body_around(
        src,
        &["plan", "conflicts"],
        "critical_path",
        |bytes, name| {
            let input: NextRead = muster_shared::doc::parse_body_borrowed(bytes, name)?;
            let decided = next::next_read(&input, &cfg.resources)?;
            let json = to_json(&decided, c.compact);
            // A 100k-task plan and state, and the batch, are a few hundred
            // thousand small allocations; the process is about to exit, so
            // let the OS take them back.
            std::mem::forget(decided);
            std::mem::forget(input);
            Ok(json)
        },
    )?;
    let out = Outcome::new(Status::Pass, json);
    Ok(out)
}

fn run_spawn(a: &NextArgs) -> Result<Outcome> {
    let c = &a.common;
    if c.schema {
        let doc = serde_json::json!({
            "reads": {"{plan, reports}": json_schema::<spawn::SpawnInput>()},
            "writes": {"muster.spawn/v1": json_schema::<spawn::Spawned>()},
        });
        return Ok(Outcome::new(Status::Pass, to_json(&doc, c.compact)));
    }
    let cfg = load_config(c)?;
    let inp = read_input(&c.input)?;
    let input: spawn::SpawnInput = muster_shared::doc::parse_body(&inp.bytes, &inp.name)?;
    let out = spawn::spawn(input, &cfg.resources).with_context(|| inp.name.clone())?;
    let mut outcome = Outcome::new(out.status, to_json(&out, c.compact));
    if let Some(stop) = &out.stop {
        outcome = outcome.note(format!(
            "blocked: the loop stops ({}): {} task(s) spawned, {} skipped",
            stop.reason,
            out.spawned.len(),
            out.skipped.len()
        ));
    }
    Ok(outcome)
}

fn run_export(a: &ExportArgs) -> Result<Outcome> {
    let c = &a.common;
    if c.schema {
        let doc = serde_json::json!({"reads": {"muster.plan/v1": json_schema::<Plan>()}});
        return Ok(Outcome::new(Status::Pass, to_json(&doc, c.compact)));
    }
    let inp = read_input(&c.input)?;
    let p: Plan = muster_shared::doc::parse(&inp.bytes, &inp.name)?;
    let opts = crate::export::Options {
        run_id: a.run_id.clone(),
        plan_path: a.plan_path.clone(),
        gates_path: a.gates_path.clone(),
        setup: a.setup.clone(),
        ..crate::export::Options::default()
    };
    let out = crate::export::export(&p, a.format, &opts)?;
    Ok(Outcome::new(Status::Pass, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn flags_are_consistent() {
        Args::command().debug_assert();
    }

    /// write_planned writes what write_plan writes of the whole plan, the
    /// conflicts on every core and across pieces, with texts to escape
    /// (quotes, backslashes, a control character, non-ASCII) and a pair too
    /// complex to intersect (no witness).
    #[test]
    fn write_planned_is_write_plan() {
        let raw = b"\xff\xff\xff\xff\xff\xff\xff\xff\xbf*[:alpha:]???????????????\xff\xff\xff\xff\xff\x08\xff";
        let big = String::from_utf8_lossy(raw).into_owned();
        let odd = [
            "src/",
            "src/\"q\"/**",
            "src/\\*.rs",
            "docs/é/*.md",
            "Z",
            &big,
        ];
        let tasks = |n: usize| -> Vec<muster_shared::schema::Task> {
            (0..n)
                .map(|i| {
                    serde_json::from_value(serde_json::json!({
                        "id": format!("T{i:03}"), "goal": "g",
                        "deps": if i > 7 && i % 3 == 0 { vec![format!("T{:03}", i - 7)] } else { vec![] },
                        "touches": [odd[i % odd.len()], format!("src/{}/x", i % 5)],
                    }))
                    .unwrap()
                })
                .collect()
        };
        for (n, all_conflicts) in [(12, false), (12, true), (400, false), (400, true)] {
            let opts = plan::Options {
                max_outstanding: 3,
                all_conflicts,
                ..plan::Options::default()
            };
            let listed = plan::plan_listed(tasks(n), &opts).unwrap();
            let whole = plan::plan(tasks(n), &opts).unwrap();
            assert!(!whole.conflicts.is_empty());
            assert!(whole.conflicts.iter().any(|c| c.witness.is_none()));
            assert!(whole.conflicts.iter().any(|c| c.reason.contains('"')));
            assert_eq!(whole.stats.conflicts, listed.conflicts.len());
            for compact in [false, true] {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                write_planned(&listed, compact, &mut a).unwrap();
                write_plan(&whole, compact, &mut b).unwrap();
                assert_eq!(
                    String::from_utf8(a).unwrap(),
                    String::from_utf8(b).unwrap(),
                    "{n} tasks, all_conflicts {all_conflicts}, compact {compact}"
                );
            }
            assert_eq!(listed.into_plan(), whole);
        }
    }

    /// A `{plan, state}` big enough for its conflicts to be checked on
    /// another core reads as the strict reader reads it, pretty and compact.
    #[test]
    fn next_input_read_around_its_conflicts_is_the_strict_read() {
        let tasks: Vec<muster_shared::schema::Task> = (0..3000)
            .map(|i| {
                serde_json::from_value(serde_json::json!({
                    "id": format!("T{i:04}"), "goal": "conflicts: \"critical_path\"",
                    "deps": if i > 9 { vec![format!("T{:04}", i - 9)] } else { vec![] },
                    "touches": [format!("src/{}/", i % 40), "docs/*.md"],
                }))
                .unwrap()
            })
            .collect();
        let p = plan::plan(tasks, &plan::Options::default()).unwrap();
        assert!(p.conflicts.len() > 2000);
        let state = serde_json::json!({
            "run_id": "r", "tasks": {"T0000": {"status": "done", "attempts": 1}},
            "locks_held": {}, "batches": [], "spawned": 0, "budgets": {},
            "loops_without_progress": 0, "gates": {}, "approvals": [],
            "kill_switch": null, "escalations": []
        });
        let doc = serde_json::json!({"plan": p, "state": state});
        for text in [
            serde_json::to_vec(&doc).unwrap(),
            serde_json::to_vec_pretty(&doc).unwrap(),
        ] {
            assert!(text.len() > muster_shared::doc::hole::CUT_FROM);
            let path = ["plan", "conflicts"];
            let then = |b: &[u8]| {
                let r: NextRead = muster_shared::doc::parse_body_borrowed(b, "-").ok()?;
                Some(format!("{r:?}"))
            };
            let around = muster_shared::doc::hole::read(&text, &path, "critical_path", then);
            let strict: NextRead = muster_shared::doc::parse_body_borrowed(&text, "-").unwrap();
            assert_eq!(around, Some(format!("{strict:?}")));
            // From a file, read at offsets, the hole never in memory.
            let mut f = tempfile::tempfile().unwrap();
            std::io::Write::write_all(&mut f, &text).unwrap();
            let from_file =
                muster_shared::doc::hole::file::read(&f, 0, &path, "critical_path", then);
            assert_eq!(from_file, Some(format!("{strict:?}")));
        }
    }

    /// write_plan names the plan's fields in its order, with its values.
    #[test]
    fn write_plan_is_serdes_plan() {
        let tasks: Vec<muster_shared::schema::Task> = (0..40)
            .map(|i| {
                serde_json::from_value(serde_json::json!({
                    "id": format!("T{i:02}"), "goal": "g\n\"x\"",
                    "deps": if i > 3 { vec![format!("T{:02}", i - 3)] } else { vec![] },
                    "touches": [if i % 2 == 0 { "src/".to_string() } else { format!("docs/{i}.md") }],
                    "labels": {"k": [1, {"v": null}]}, "resources": {"db": 1}
                }))
                .unwrap()
            })
            .collect();
        let opts = plan::Options {
            max_outstanding: 3,
            resources: BTreeMap::from([("db".to_string(), 2)]),
            all_conflicts: true,
        };
        let p = plan::plan(tasks, &opts).unwrap();
        assert!(!p.conflicts.is_empty());
        for compact in [false, true] {
            let mut written = Vec::new();
            write_plan(&p, compact, &mut written).unwrap();
            assert_eq!(
                String::from_utf8(written).unwrap(),
                String::from_utf8(to_json(&p, compact)).unwrap()
            );
        }
    }
}
