//! Flags, and the thin shell around the library: read, route, write.

use crate::route;
use crate::rules;
use anyhow::{Context, Result};
use clap::Parser;
use muster_shared::cli::{Outcome, EXIT_STATUS};
use muster_shared::io::{read_input, to_json};
use muster_shared::schema::{
    json_schema, ConcurrencyClass, Document, RoleRule, Roles, Task, Tasks,
};
use muster_shared::{config, Status, Usage};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

const EXAMPLES: &str = "\
EXAMPLES:
  # one goal, the built-in rules: a tester
  muster-route --goal 'fix the flaky auth test'
  # route a task list, then plan it
  muster-route -i tasks.json | muster-plan
  # your own rules; see which rule decided each task
  muster-route --rules roles.json < tasks.json | jq '.tasks[] | {id, role, routing}'
  # the rules in effect, as a muster.roles/v1 to start your own from
  muster-route --print-rules > roles.json";

/// Gives each task a role by ordered rules.
///
/// Reads a muster.tasks/v1 (or makes one task per --goal) and writes the
/// same tasks, each with `role` and `routing: {rule, score, matched}`. A
/// rule matches when each condition it has matches (keywords, all_keywords,
/// regex on the goal; touches globs against the task's touches); the
/// highest score (weight times the items matched) wins, ties go to the
/// earlier rule, and a task no rule matches gets default_role. A task that
/// comes with a role keeps it. Rules: --rules FILE (a muster.roles/v1), else
/// the `route` section of muster.json, else the built-in rules
/// (docs/route.md).
#[derive(Debug, Parser)]
#[command(name = "muster-route", version, after_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"))]
pub struct Args {
    /// Read the tasks from FILE (`-` is stdin).
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    pub input: String,
    /// Route this goal instead of reading tasks: one task per --goal, with
    /// ids T1, T2, …, no touches, concurrency_class read-only (repeatable).
    #[arg(long, value_name = "TEXT", conflicts_with = "input")]
    pub goal: Vec<String>,
    /// The rules: a muster.roles/v1 (replaces the built-in rules and muster.json's).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<String>,
    /// Print the rules in effect as a muster.roles/v1, and exit.
    #[arg(long)]
    pub print_rules: bool,
    /// Config file (default: muster.json at the repo root).
    #[arg(long, value_name = "FILE", help_heading = "Global options")]
    pub config: Option<PathBuf>,
    /// Write JSON on one line.
    #[arg(long, help_heading = "Global options")]
    pub compact: bool,
    /// Print the JSON Schemas of what this tool reads and writes, and exit.
    #[arg(long)]
    pub schema: bool,
}

/// The `route` section of muster.json.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// Rules replacing the built-in ones (the `rules` of a muster.roles/v1).
    pub rules: Option<Vec<RoleRule>>,
    /// The role of a task no rule matches (default `implementer`).
    pub default_role: Option<String>,
}

/// The rules in effect and where they came from (`origin` starts errors).
fn load_rules(args: &Args) -> Result<(Roles, String)> {
    let cwd = std::env::current_dir().context("finding the current directory")?;
    let cfg: RouteConfig = config::load_section(
        "route",
        args.config.as_deref(),
        &config::process_env(),
        &cwd,
    )?;
    if let Some(path) = &args.rules {
        if path == "-" && args.input == "-" && args.goal.is_empty() {
            return Err(Usage(
                "--rules - and the tasks cannot both be read from stdin; give -i FILE or --goal"
                    .into(),
            )
            .into());
        }
        let inp = read_input(path).context("--rules")?;
        let roles: Roles = muster_shared::doc::parse(&inp.bytes, &inp.name)?;
        return Ok((roles, format!("{}: ", inp.name)));
    }
    let mut roles = rules::defaults();
    if let Some(r) = cfg.rules {
        roles.rules = r;
    }
    if let Some(d) = cfg.default_role {
        roles.default_role = d;
    }
    Ok((roles, "config route.".into()))
}

/// The tasks of `--goal` flags.
fn goal_tasks(goals: &[String]) -> Tasks {
    let task = |(i, goal): (usize, &String)| Task {
        id: format!("T{}", i + 1),
        goal: goal.clone(),
        role: None,
        routing: None,
        deps: Vec::new(),
        touches: Vec::new(),
        reads: Vec::new(),
        effort: None,
        est_s: None,
        needs_user_input: false,
        concurrency_class: ConcurrencyClass::ReadOnly,
        resources: BTreeMap::new(),
        command: None,
        timeout_s: None,
        labels: None,
        mode: None,
        wave: None,
    };
    Tasks {
        schema: Tasks::SCHEMA.into(),
        tasks: goals.iter().enumerate().map(task).collect(),
    }
}

/// Runs the tool.
pub fn run(args: Args) -> Result<Outcome> {
    if args.schema {
        let doc = serde_json::json!({
            "reads": {
                Tasks::SCHEMA: json_schema::<Tasks>(),
                Roles::SCHEMA: json_schema::<Roles>(),
            },
            "writes": {Tasks::SCHEMA: json_schema::<Tasks>()},
        });
        return Ok(Outcome::new(Status::Pass, to_json(&doc, args.compact)));
    }
    let (roles, origin) = load_rules(&args)?;
    let compiled = rules::compile(&roles, &origin)?;
    if args.print_rules {
        return Ok(Outcome::new(Status::Pass, to_json(&roles, args.compact)));
    }
    let (mut tasks, source) = if args.goal.is_empty() {
        let inp = read_input(&args.input)?;
        let tasks: Tasks = muster_shared::doc::parse_split(&inp.bytes, &inp.name)?;
        (tasks, inp.name)
    } else {
        (goal_tasks(&args.goal), "--goal".to_string())
    };
    route::route(&mut tasks, &compiled, &source)?;
    Ok(Outcome::new(Status::Pass, to_json(&tasks, args.compact)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn flags_are_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn goals_become_read_only_tasks() {
        let t = goal_tasks(&["a".into(), "b".into()]);
        assert_eq!(t.tasks[1].id, "T2");
        assert_eq!(t.tasks[1].concurrency_class, ConcurrencyClass::ReadOnly);
        assert_eq!(rules::DEFAULT_ROLE, rules::defaults().default_role);
    }
}
