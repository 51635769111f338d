//! Flags, and the thin shell around the library: read, call, write.

use crate::{append, merge, render, repair, replay, runs, store, verify};
use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use muster_shared::cli::{Outcome, EXIT_STATUS};
use muster_shared::io::to_json;
use muster_shared::schema::{json_schema, Event, EventInput, State};
use muster_shared::{config, time, Status, Usage};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const EX_APPEND: &str = r#"echo '{"run_id":"r1","event_type":"task.finished","task_id":"T1"}' | muster-ledger append
  muster-ledger --ledger ci.jsonl append -i events.jsonl"#;
const EX_VERIFY: &str = r#"muster-ledger verify
  muster-ledger verify --expect-size 42 --expect-head "$(muster-ledger head | jq -r .head)""#;
const EX_LIST: &str = r#"muster-ledger list --run-id r1 --type task.finished --format md
  muster-ledger list --since 2026-11-21T00:00:00Z --format csv > events.csv"#;
const EX_SHOW: &str = r#"muster-ledger show 7"#;
const EX_REPLAY: &str = r#"muster-ledger replay --run-id r1 | jq .tasks"#;
const EX_RUNS: &str = r#"muster-ledger runs --format md"#;
const EX_BOARD: &str = r#"muster-ledger board > BOARD.md"#;
const EX_HEAD: &str = r#"muster-ledger head --compact"#;
const EX_MERGE: &str =
    r#"muster-ledger --ledger all.jsonl merge job1/ledger.jsonl job2/ledger.jsonl"#;
const EX_REPAIR: &str = r#"muster-ledger verify || muster-ledger repair --truncate-torn"#;
const EXAMPLES: &str = "\
EXAMPLES:
  # record a decision, then check the whole chain
  echo '{\"run_id\":\"r1\",\"event_type\":\"task.finished\",\"task_id\":\"T1\",\"payload\":{\"status\":\"done\"}}' \\
    | muster-ledger append
  muster-ledger verify --expect-size 1
  # what happened in run r1, as state and as a table
  muster-ledger replay --run-id r1
  muster-ledger list --run-id r1 --format md
  # fold ledgers written by parallel CI jobs into one
  muster-ledger --ledger all.jsonl merge job1/ledger.jsonl job2/ledger.jsonl";

/// Append-only, hash-chained log of every muster decision.
///
/// Reads events (append) or a ledger file, writes one JSON document on stdout.
/// The ledger is `.muster/ledger.jsonl` at the repo root unless `--ledger FILE`,
/// `MUSTER_LEDGER_PATH`, `ledger.path` in muster.json, or `MUSTER_HOME` says otherwise.
#[derive(Debug, Parser)]
#[command(name = "muster-ledger", version, after_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"),
    arg_required_else_help = true)]
pub struct Args {
    /// The ledger file.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        help_heading = "Global options"
    )]
    pub ledger: Option<PathBuf>,
    /// Config file (default: muster.json at the repo root).
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        help_heading = "Global options"
    )]
    pub config: Option<PathBuf>,
    /// Write JSON on one line.
    #[arg(long, global = true, help_heading = "Global options")]
    pub compact: bool,
    /// The time to stamp events with (RFC 3339); default SOURCE_DATE_EPOCH, else the clock.
    #[arg(
        long,
        global = true,
        value_name = "TIME",
        help_heading = "Global options"
    )]
    pub now: Option<String>,
    /// Print the JSON Schemas of what this tool reads and writes, and exit.
    #[arg(long)]
    pub schema: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Append events: one JSON object, or JSON Lines, without seq/prev_hash/hash.
    #[command(after_help = sub_help(EX_APPEND))]
    Append {
        /// Read events from FILE (`-` is stdin).
        #[arg(short, long, value_name = "FILE", default_value = "-")]
        input: String,
    },
    /// Check every hash, link and seq; exit 2 naming the first bad line.
    #[command(after_help = sub_help(EX_VERIFY))]
    Verify {
        /// The last event's hash must be this.
        #[arg(long, value_name = "HASH", value_parser = parse_hash)]
        expect_head: Option<String>,
        /// The ledger must hold exactly N events.
        #[arg(long, value_name = "N")]
        expect_size: Option<u64>,
    },
    /// List events, sorted by ts_utc, then event_type, then seq.
    #[command(after_help = sub_help(EX_LIST))]
    List {
        #[command(flatten)]
        filter: render::FilterArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = render::Format::Json)]
        format: render::Format,
    },
    /// Show the event with sequence number SEQ.
    #[command(after_help = sub_help(EX_SHOW))]
    Show {
        /// The event's seq.
        seq: u64,
    },
    /// Fold one run's events into its state (muster.state/v1).
    #[command(after_help = sub_help(EX_REPLAY))]
    Replay {
        /// The run.
        #[arg(long, value_name = "ID")]
        run_id: String,
    },
    /// One row per run: status, tasks, coverage, gates.
    #[command(after_help = sub_help(EX_RUNS))]
    Runs {
        /// Output format.
        #[arg(long, value_enum, default_value_t = runs::RunsFormat::Json)]
        format: runs::RunsFormat,
    },
    /// The runs as a Markdown leader board.
    #[command(after_help = sub_help(EX_BOARD))]
    Board,
    /// The last event's seq and hash (for --expect-size/--expect-head later).
    #[command(after_help = sub_help(EX_HEAD))]
    Head,
    /// Append the events of other ledgers (from parallel jobs), each once, keeping its origin.
    #[command(after_help = sub_help(EX_MERGE))]
    Merge {
        /// Source ledgers.
        #[arg(required = true, value_name = "LEDGER")]
        sources: Vec<PathBuf>,
    },
    /// Repair a ledger.
    #[command(after_help = sub_help(EX_REPAIR))]
    Repair {
        /// Cut a torn last line (an append cut short); nothing else is ever removed.
        #[arg(long)]
        truncate_torn: bool,
    },
}

/// The EXAMPLES and EXIT STATUS under a subcommand's help.
fn sub_help(example: &str) -> String {
    format!("EXAMPLES:\n  {example}\n\n{EXIT_STATUS}")
}

/// A `--expect-head` value: 64 lowercase hex digits.
fn parse_hash(s: &str) -> Result<String, String> {
    if crate::chain::parse_hex(s.as_bytes()).is_some() {
        Ok(s.to_string())
    } else {
        Err("expected 64 lowercase hex digits, as `muster-ledger head` prints".into())
    }
}

/// The `ledger` section of muster.json.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerConfig {
    /// The ledger file (relative to the current directory).
    pub path: Option<String>,
}

/// Where the ledger is, and whether it is the default one in the state dir.
fn ledger_path(args: &Args) -> Result<(PathBuf, bool)> {
    if let Some(p) = &args.ledger {
        return Ok((p.clone(), false));
    }
    let cwd = std::env::current_dir().context("finding the current directory")?;
    let env = config::process_env();
    let cfg: LedgerConfig = config::load_section("ledger", args.config.as_deref(), &env, &cwd)?;
    if let Some(p) = cfg.path {
        return Ok((PathBuf::from(p), false));
    }
    Ok((config::state_dir(&env, &cwd).join("ledger.jsonl"), true))
}

fn require_existing(path: &Path) -> Result<()> {
    if !path.exists() {
        bail!(
            "ledger {} does not exist (append creates it; --ledger FILE names another)",
            path.display()
        );
    }
    Ok(())
}

/// The time to stamp events with; a bad `--now` is a usage error.
fn now(args: &Args) -> Result<jiff::Timestamp> {
    if let Some(flag) = &args.now {
        return time::parse_rfc3339(flag).map_err(|e| Usage(format!("--now: {e:#}")).into());
    }
    time::now(None)
}

/// Runs the tool.
pub fn run(args: Args) -> Result<Outcome> {
    if args.schema {
        let doc = serde_json::json!({
            "reads": {
                "muster.event/v1 (append input)": json_schema::<EventInput>(),
                "muster.event/v1 (ledger line)": json_schema::<Event>(),
            },
            "writes": {
                "muster.append/v1": json_schema::<append::AppendReport>(),
                "muster.verify/v1": json_schema::<verify::VerifyReport>(),
                "muster.event-list/v1": json_schema::<render::EventList<'static, 'static>>(),
                "muster.event/v1": json_schema::<Event>(),
                "muster.state/v1": json_schema::<State>(),
                "muster.runs/v1": json_schema::<runs::RunsDoc>(),
                "muster.ledger-head/v1": json_schema::<HeadDoc>(),
                "muster.merge/v1": json_schema::<merge::MergeReport>(),
                "muster.repair/v1": json_schema::<repair::RepairReport>(),
            },
        });
        return Ok(Outcome::new(Status::Pass, to_json(&doc, args.compact)));
    }
    let Some(command) = &args.command else {
        return Err(Usage("a subcommand is required; see --help".into()).into());
    };
    let (path, default) = ledger_path(&args)?;
    let compact = args.compact;
    let json = |v: &dyn erased::Ser| v.to_json(compact);
    match command {
        Command::Append { input } => {
            let input = muster_shared::io::read_input(input)?;
            let events = append::parse_inputs(&input.bytes, &input.name)?;
            let now = now(&args)?;
            if default {
                if let Some(dir) = path.parent() {
                    config::ensure_state_dir(dir)?;
                }
            }
            let report = append::append(&path, &events, now)?;
            Ok(Outcome::new(Status::Pass, json(&report)))
        }
        Command::Verify {
            expect_head,
            expect_size,
        } => {
            require_existing(&path)?;
            let expect = verify::Expect {
                head: expect_head.clone(),
                size: *expect_size,
            };
            let report = verify::verify_file(&path, &expect)?;
            let mut out = Outcome::new(report.status, json(&report));
            if let Some(p) = &report.problem {
                out = out.note(if p.line > 0 {
                    format!("blocked: {}: line {}: {}", path.display(), p.line, p.what)
                } else {
                    format!("blocked: {}: {}", path.display(), p.what)
                });
            }
            Ok(out)
        }
        Command::List { filter, format } => {
            let filter = filter.to_filter()?;
            require_existing(&path)?;
            let events = store::read_events(&path)?;
            let picked = render::select(&events, &filter);
            Ok(Outcome::new(
                Status::Pass,
                render::render(&picked, *format, compact)?,
            ))
        }
        Command::Show { seq } => {
            require_existing(&path)?;
            let events = store::read_events(&path)?;
            match events.iter().find(|e| e.seq == *seq) {
                Some(e) => Ok(Outcome::new(Status::Pass, to_json(e, compact))),
                None => bail!(
                    "no event with seq {seq} in {} ({} events)",
                    path.display(),
                    events.len()
                ),
            }
        }
        Command::Replay { run_id } => {
            require_existing(&path)?;
            let events = store::read_events(&path)?;
            if !events.iter().any(|e| e.run_id == *run_id) {
                bail!(
                    "no events of run {run_id:?} in {} (`muster-ledger runs` lists the runs)",
                    path.display()
                );
            }
            let state = replay::replay(&events, run_id);
            Ok(Outcome::new(Status::Pass, to_json(&state, compact)))
        }
        Command::Runs { format } => {
            require_existing(&path)?;
            let events = store::read_events(&path)?;
            Ok(Outcome::new(
                Status::Pass,
                runs::render_runs(&events, *format, compact)?,
            ))
        }
        Command::Board => {
            require_existing(&path)?;
            let events = store::read_events(&path)?;
            Ok(Outcome::new(
                Status::Pass,
                runs::board(&events).into_bytes(),
            ))
        }
        Command::Head => {
            require_existing(&path)?;
            let head = crate::writer::read_head(&path)?;
            let doc = HeadDoc {
                schema: "muster.ledger-head/v1",
                size: head.size,
                head: head.hash,
            };
            Ok(Outcome::new(Status::Pass, json(&doc)))
        }
        Command::Merge { sources } => {
            let now = now(&args)?;
            let report = merge::merge(&path, sources, now)?;
            Ok(Outcome::new(Status::Pass, json(&report)))
        }
        Command::Repair { truncate_torn } => {
            if !truncate_torn {
                return Err(Usage(
                    "repair needs --truncate-torn (the only repair there is)".into(),
                )
                .into());
            }
            let report = repair::truncate_torn(&path)?;
            Ok(Outcome::new(Status::Pass, json(&report)))
        }
    }
}

/// What `head` prints.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct HeadDoc {
    /// Always `muster.ledger-head/v1`.
    pub schema: &'static str,
    /// Number of events.
    pub size: u64,
    /// The last event's hash.
    pub head: String,
}

mod erased {
    pub trait Ser {
        fn to_json(&self, compact: bool) -> Vec<u8>;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_json(&self, compact: bool) -> Vec<u8> {
            muster_shared::io::to_json(self, compact)
        }
    }
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
