//! The command line: `muster-gate --gates FILE` (evaluate), `approve`,
//! `kill-switch`, `status` and `request-repair`. Reads the ledger for the
//! kill switch, approvals and repairs; writes to it only what it decides.

use crate::approve::{self, Action, Policy, Request};
use crate::format;
use crate::{eval, evidence};
use anyhow::{bail, Context, Result};
use clap::{ArgGroup, Args as ClapArgs, Parser, Subcommand};
use muster_shared::cli::{Outcome, EXIT_STATUS};
use muster_shared::io::{read_input, to_json};
use muster_shared::schema::{json_schema, Event, EventInput, Gates, TaskStatus, Verdict};
use muster_shared::{config, doc, Status};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "Examples:
  muster-integrate -i run.json | muster-gate --gates gates.json --ledger .muster/ledger.jsonl
  muster-gate --gates gates.json -i integration.json --format md
  muster-gate approve --action publish --run-id RUN --approver ana --role reviewer --reason \"reviewed the diff and the check logs\"
  muster-gate kill-switch --activate --by ops --reason \"bad deploy, stop everything\"
  muster-gate status";

/// Turns evidence into PASS / WARN / BLOCKED / FAIL; approvals, waivers,
/// the kill switch.
#[derive(Debug, Parser)]
#[command(name = "muster-gate", version, after_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"))]
pub struct Args {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    #[command(flatten)]
    eval: EvalArgs,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Approve an action on a run (publish, then lock), bound to its evidence.
    #[command(after_help = format!("Examples:\n  muster-gate approve --action publish --run-id RUN --approver ana --role reviewer --reason \"read the diff and the check log\"\n  muster-gate approve --action lock --run-id RUN --approver bo --role maintainer --reason \"released as 2026.47\"\n\n{EXIT_STATUS}"))]
    Approve(ApproveArgs),
    /// Turn the global kill switch on or off.
    #[command(after_help = format!("Examples:\n  muster-gate kill-switch --activate --by ops --reason \"bad deploy: stop everything\"\n  muster-gate kill-switch --deactivate --by ops --reason \"fixed in 2026.47.1\"\n\n{EXIT_STATUS}"))]
    KillSwitch(KillArgs),
    /// The kill switch, shadow mode, the latest runs, pending repairs.
    #[command(after_help = format!("Examples:\n  muster-gate status\n  muster-gate status --ledger ci/ledger.jsonl --compact\n\n{EXIT_STATUS}"))]
    Status(CommonArgs),
    /// Queue a failed or abandoned task of a run again (plan next sees it).
    #[command(after_help = format!("Examples:\n  muster-gate request-repair --run-id RUN --task T3 --by ana --reason \"flaky runner, try again\"\n\n{EXIT_STATUS}"))]
    RequestRepair(RepairArgs),
}

#[derive(Debug, Clone, ClapArgs)]
struct CommonArgs {
    /// The ledger (default: ledger.jsonl in the state directory).
    #[arg(long, value_name = "FILE", global = true)]
    ledger: Option<PathBuf>,
    /// Config file (default: muster.json at the repo root).
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    /// The time (RFC 3339) for waivers and events.
    #[arg(long, value_name = "TIME", global = true)]
    now: Option<String>,
    /// Write JSON on one line.
    #[arg(long, global = true)]
    compact: bool,
}

#[derive(Debug, Clone, ClapArgs)]
struct EvalArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The gates (muster.gates/v1).
    #[arg(long, value_name = "FILE")]
    gates: Option<PathBuf>,
    /// The document to observe (`-` is stdin).
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    input: String,
    /// The run (default: the input's `run_id`).
    #[arg(long, value_name = "RUN_ID")]
    run_id: Option<String>,
    /// json, md, junit or github.
    #[arg(long, value_name = "FORMAT", default_value = "json")]
    format: String,
    /// Evaluate and report, but exit 0 (also `gate.shadow` in muster.json).
    #[arg(long)]
    shadow: bool,
    /// Exit 2 on WARN.
    #[arg(long)]
    fail_on_warn: bool,
    /// Print the JSON Schemas of what this reads and writes, and exit.
    #[arg(long)]
    schema: bool,
}

#[derive(Debug, Clone, ClapArgs)]
struct ApproveArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// publish or lock.
    #[arg(long, value_name = "ACTION")]
    action: String,
    /// The run.
    #[arg(long, value_name = "RUN_ID")]
    run_id: String,
    /// Who approves.
    #[arg(long, value_name = "NAME")]
    approver: String,
    /// In which role (checked against gate.approvals in muster.json).
    #[arg(long, value_name = "ROLE")]
    role: String,
    /// Why (at least 10 characters).
    #[arg(long, value_name = "TEXT")]
    reason: String,
}

#[derive(Debug, Clone, ClapArgs)]
#[command(group(ArgGroup::new("switch").required(true).args(["activate", "deactivate"])))]
struct KillArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Turn it on: every gate BLOCKED, no approvals.
    #[arg(long)]
    activate: bool,
    /// Turn it off.
    #[arg(long)]
    deactivate: bool,
    /// Who.
    #[arg(long, value_name = "NAME")]
    by: String,
    /// Why.
    #[arg(long, value_name = "TEXT")]
    reason: String,
}

#[derive(Debug, Clone, ClapArgs)]
struct RepairArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The run.
    #[arg(long, value_name = "RUN_ID")]
    run_id: String,
    /// The task to queue again.
    #[arg(long, value_name = "ID")]
    task: String,
    /// Who asks.
    #[arg(long, value_name = "NAME")]
    by: String,
    /// Why.
    #[arg(long, value_name = "TEXT")]
    reason: String,
}

/// The `gate` section of muster.json.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GateConfig {
    /// Shadow mode: evaluate and report, exit 0, record no approvals.
    pub shadow: bool,
    /// Who may approve what.
    pub approvals: Policy,
}

/// Where things are.
struct Setup {
    state: PathBuf,
    ledger: PathBuf,
    cfg: GateConfig,
    now: jiff::Timestamp,
}

fn setup(c: &CommonArgs) -> Result<Setup> {
    let cwd = std::env::current_dir().context("finding the current directory")?;
    let env = config::process_env();
    let cfg: GateConfig = config::load_section("gate", c.config.as_deref(), &env, &cwd)?;
    let root = config::repo_root(&cwd);
    let state = config::state_dir(&env, &root);
    let ledger = c
        .ledger
        .clone()
        .unwrap_or_else(|| state.join("ledger.jsonl"));
    let sde = env.get("SOURCE_DATE_EPOCH").map(String::as_str);
    let now = muster_shared::time::now_from(c.now.as_deref(), sde)?;
    Ok(Setup {
        state,
        ledger,
        cfg,
        now,
    })
}

/// The ledger's events; none when there is no ledger yet.
fn events(ledger: &Path) -> Result<Vec<Event>> {
    if !ledger.exists() {
        return Ok(Vec::new());
    }
    muster_ledger::store::read_events(ledger)
}

fn record(s: &Setup, events: Vec<EventInput>) -> Result<()> {
    if let Some(dir) = s.ledger.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    muster_ledger::append::append(&s.ledger, &events, s.now).context("recording in the ledger")?;
    Ok(())
}

fn input(
    run_id: &str,
    event_type: &str,
    actor: &str,
    task: Option<&str>,
    payload: Value,
) -> EventInput {
    EventInput {
        schema: None,
        ts_utc: None,
        run_id: run_id.to_string(),
        event_type: event_type.to_string(),
        task_id: task.map(str::to_string),
        actor: Some(actor.to_string()),
        payload: Some(payload),
        idempotency_key: None,
    }
}

/// Runs the tool.
pub fn run(args: Args) -> Result<Outcome> {
    match args.cmd {
        None => run_eval(&args.eval),
        Some(Cmd::Approve(a)) => run_approve(&a),
        Some(Cmd::KillSwitch(k)) => run_kill(&k),
        Some(Cmd::Status(c)) => run_status(&c),
        Some(Cmd::RequestRepair(r)) => run_repair(&r),
    }
}

/// The kill switch as one line, when it is on.
fn kill_line(events: &[Event]) -> Option<String> {
    let ks = muster_ledger::replay::replay(events, "global").kill_switch;
    ks.active.then(|| {
        format!(
            "activated by {} at {}: {}",
            ks.by.as_deref().unwrap_or("?"),
            ks.since.as_deref().unwrap_or("?"),
            ks.reason.as_deref().unwrap_or("no reason given")
        )
    })
}

fn run_eval(a: &EvalArgs) -> Result<Outcome> {
    if a.schema {
        let doc = json!({
            "reads": {"muster.gates/v1": json_schema::<Gates>()},
            "writes": {"muster.verdict/v1": json_schema::<Verdict>()},
        });
        return Ok(Outcome::new(Status::Pass, to_json(&doc, a.common.compact)));
    }
    let Some(gates_file) = &a.gates else {
        return Err(muster_shared::error::Usage(
            "--gates FILE is required (the gate definitions, muster.gates/v1)".into(),
        )
        .into());
    };
    let format = format::parse(&a.format).ok_or_else(|| {
        muster_shared::error::Usage(format!(
            "--format {}: one of {}",
            a.format,
            format::NAMES.join(", ")
        ))
    })?;
    let s = setup(&a.common)?;
    let bytes =
        std::fs::read(gates_file).with_context(|| format!("reading {}", gates_file.display()))?;
    let gates: Gates = doc::parse(&bytes, &gates_file.display().to_string())?;
    eval::check(&gates).with_context(|| gates_file.display().to_string())?;
    let inp = read_input(&a.input)?;
    // No document at all (gates that read none: ledger, evidence,
    // approval) is `{}`: every pointer into it is missing, so it fails closed.
    let empty = inp.bytes.iter().all(u8::is_ascii_whitespace);
    let text: &[u8] = if empty { b"{}" } else { &inp.bytes };
    let observed: Value = serde_json::from_slice(text).map_err(|e| {
        anyhow::anyhow!(
            "{}: line {} column {}: not JSON: {e}",
            inp.name,
            e.line(),
            e.column()
        )
    })?;
    let run_id = a.run_id.clone().or_else(|| {
        observed
            .get("run_id")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    let events = events(&s.ledger)?;
    let run_dir = match &run_id {
        Some(r) => {
            check_id(r)?;
            Some(s.state.join("runs").join(r))
        }
        None => None,
    };
    let cwd = std::env::current_dir().context("finding the current directory")?;
    let base_dir = run_dir.clone().filter(|d| d.is_dir()).unwrap_or(cwd);
    let mut approvals = Vec::new();
    if let (Some(run), Some(dir)) = (&run_id, &run_dir) {
        let current = evidence::hash(dir).ok();
        for g in gates.gates.iter().filter_map(|g| g.action.as_deref()) {
            let Some(action) = Action::parse(g) else {
                continue;
            };
            let fresh = current
                .as_deref()
                .and_then(|h| approve::stale(&events, run, action, h))
                .map(|stale| !stale);
            approvals.push((g.to_string(), fresh, who(&events, run, g)));
        }
    }
    let ctx = eval::Context {
        now: Some(s.now),
        run_id: run_id.clone(),
        base_dir,
        ledger: Some(s.ledger.clone()),
        kill_switch: kill_line(&events),
        shadow: a.shadow || s.cfg.shadow,
        approvals,
    };
    let verdict = eval::evaluate(&gates, &observed, &ctx);
    if a.common.ledger.is_some() {
        let rows: Vec<Value> = verdict
            .gates
            .iter()
            .map(|r| json!({"name": r.name, "status": r.status}))
            .collect();
        let payload = json!({"status": verdict.status, "gates": rows, "shadow": verdict.shadow, "summary": verdict.summary.line});
        let run = run_id.as_deref().unwrap_or("global");
        record(
            &s,
            vec![input(run, "gate.evaluated", "muster-gate", None, payload)],
        )?;
    }
    let bytes = format::render(&verdict, format, a.common.compact);
    let status = if verdict.shadow {
        Status::Pass
    } else {
        verdict.status
    };
    let mut out = Outcome::new(status, bytes);
    out.fail_on_warn = a.fail_on_warn && !verdict.shadow;
    if verdict.status != Status::Pass {
        let shadow = if verdict.shadow {
            " (shadow mode: exit 0)"
        } else {
            ""
        };
        out = out.note(format!(
            "{}: {}{shadow}",
            verdict.status.as_str().to_lowercase(),
            verdict.summary.line
        ));
    }
    Ok(out)
}

/// `approved by A (role) at T` for the latest approval of `action`.
fn who(events: &[Event], run: &str, action: &str) -> String {
    events
        .iter()
        .rev()
        .find(|e| {
            e.run_id == run
                && e.event_type == "approval.granted"
                && e.payload.get("action").and_then(Value::as_str) == Some(action)
        })
        .map(|e| {
            let field = |k: &str| {
                e.payload
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string()
            };
            format!(
                "approved by {} ({}) at {}",
                field("approver"),
                field("role"),
                e.ts_utc
            )
        })
        .unwrap_or_default()
}

fn check_id(run: &str) -> Result<()> {
    if !muster_shared::id::is_valid(run) {
        bail!("run id {run:?} is not valid (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)");
    }
    Ok(())
}

fn run_approve(a: &ApproveArgs) -> Result<Outcome> {
    let s = setup(&a.common)?;
    check_id(&a.run_id)?;
    let action = Action::parse(&a.action).ok_or_else(|| {
        muster_shared::error::Usage(format!("--action {}: publish or lock", a.action))
    })?;
    let events = events(&s.ledger)?;
    let dir = s.state.join("runs").join(&a.run_id);
    let hash = evidence::hash(&dir).with_context(|| format!("run {}", a.run_id))?;
    let req = Request {
        action,
        run_id: &a.run_id,
        approver: &a.approver,
        role: &a.role,
        reason: &a.reason,
    };
    let decision = approve::decide(&req, &s.cfg.approvals, &events, &hash, s.cfg.shadow);
    record(&s, vec![approve::event(&req, &decision)])?;
    let (status, rule, why) = match &decision {
        Ok(_) => (Status::Pass, None, None),
        Err(r) => (Status::Blocked, Some(r.rule), Some(r.why.clone())),
    };
    let doc = json!({
        "schema": "muster.approval/v1", "status": status, "action": action.as_str(), "run_id": a.run_id,
        "approver": a.approver, "role": a.role, "reason": a.reason, "evidence_hash": hash,
        "rule": rule, "why": why,
    });
    let mut out = Outcome::new(status, to_json(&doc, a.common.compact));
    if let (Some(rule), Some(why)) = (rule, why) {
        out = out.note(format!("refused ({rule}): {why}"));
    }
    Ok(out)
}

fn run_kill(k: &KillArgs) -> Result<Outcome> {
    let s = setup(&k.common)?;
    if k.reason.trim().is_empty() || k.by.trim().is_empty() {
        bail!("--by and --reason: say who and why (they go in the ledger)");
    }
    let kind = if k.activate {
        "kill_switch.activated"
    } else {
        "kill_switch.deactivated"
    };
    record(
        &s,
        vec![input(
            "global",
            kind,
            &k.by,
            None,
            json!({"reason": k.reason}),
        )],
    )?;
    let state = muster_ledger::replay::replay(&events(&s.ledger)?, "global").kill_switch;
    let doc = json!({"kill_switch": state});
    Ok(Outcome::new(Status::Pass, to_json(&doc, k.common.compact)))
}

fn run_status(c: &CommonArgs) -> Result<Outcome> {
    let s = setup(c)?;
    let events = events(&s.ledger)?;
    let ks = muster_ledger::replay::replay(&events, "global").kill_switch;
    let rows = muster_ledger::runs::rows(&events);
    let latest: Vec<_> = rows.iter().rev().take(10).collect();
    let mut pending = Vec::new();
    for r in &rows {
        for task in approve::pending_repairs(&events, &r.run_id) {
            pending.push(json!({"run_id": r.run_id, "task": task}));
        }
    }
    let doc = json!({
        "schema": "muster.gate-status/v1", "kill_switch": ks, "shadow": s.cfg.shadow,
        "runs": latest, "pending_repairs": pending,
    });
    Ok(Outcome::new(Status::Pass, to_json(&doc, c.compact)))
}

fn run_repair(r: &RepairArgs) -> Result<Outcome> {
    let s = setup(&r.common)?;
    check_id(&r.run_id)?;
    if r.reason.trim().is_empty() || r.by.trim().is_empty() {
        bail!("--by and --reason: say who and why (they go in the ledger)");
    }
    let events = events(&s.ledger)?;
    if let Some(why) = muster_ledger::lock::locked(&events, &r.run_id) {
        bail!(
            "run {} is locked ({why}); a locked run is immutable",
            r.run_id
        );
    }
    let state = muster_ledger::replay::replay(&events, &r.run_id);
    let Some(t) = state.tasks.get(&r.task) else {
        bail!("run {} has no task {:?} in the ledger", r.run_id, r.task);
    };
    use TaskStatus::*;
    if !matches!(t.status, Failed | TimedOut | Stuck | Cancelled | Blocked) {
        let doc = json!({"status": "BLOCKED", "run_id": r.run_id, "task": r.task,
                         "why": format!("task {} is {}: only a failed or abandoned task is repaired", r.task, t.status.as_str())});
        return Ok(
            Outcome::new(Status::Blocked, to_json(&doc, r.common.compact)).note(format!(
                "refused: task {} is {}",
                r.task,
                t.status.as_str()
            )),
        );
    }
    record(
        &s,
        vec![input(
            &r.run_id,
            "repair.requested",
            &r.by,
            Some(&r.task),
            json!({"reason": r.reason}),
        )],
    )?;
    let doc = json!({"status": "PASS", "run_id": r.run_id, "task": r.task, "was": t.status.as_str(), "now": "pending"});
    Ok(Outcome::new(Status::Pass, to_json(&doc, r.common.compact)))
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
