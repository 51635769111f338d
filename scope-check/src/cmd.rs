//! Flags, and the thin shell around the library: read, decide, write.

use crate::input::{self, Files, PathList};
use crate::policy::{Scope, DEFAULT_PROTECTED};
use crate::{check, output, tree};
use anyhow::{Context, Result};
use clap::Parser;
use muster_shared::cli::{Outcome, EXIT_STATUS};
use muster_shared::io::{read_input, to_json, write_atomic};
use muster_shared::schema::{json_schema, Bundle, EventInput, ScopeReport, Violation};
use muster_shared::{config, time, Status, Usage};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

const EXAMPLES: &str = "\
EXAMPLES:
  # may this branch's change touch only src/auth/, but never its secrets?
  git diff --raw -z -M main | muster-scope --allow 'src/auth/' --deny 'src/auth/secrets/'
  # the same from a unified diff, saying which pattern decided each path
  git diff main | muster-scope --allow-file scope.txt --explain
  # a worker's bundle carries its own scope
  muster-scope -i .muster/runs/RUN/T1/MANIFEST.json
  # two directory trees, and the diff between them
  muster-scope --before snap/ --after work/ --emit-diff change.patch --allow 'docs/'";

/// Checks a change against the globs a task may touch, and fails closed.
///
/// Reads a unified `git diff`, `git diff --raw -z` output (preferred: it is
/// unambiguous for any path), a muster.bundle/v1, a list of paths (--paths),
/// or compares two directories (--before/--after). Writes a
/// muster.scope-report/v1: every file, the pattern that decided it, and the
/// violations. Globs are gitignore's syntax without `!` (docs/globs.md).
#[derive(Debug, Parser)]
#[command(name = "muster-scope", version, after_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"))]
pub struct Args {
    /// A glob the change may touch (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub allow: Vec<String>,
    /// A glob the change may not touch, even if allowed (repeatable; deny beats allow).
    #[arg(long, value_name = "GLOB")]
    pub deny: Vec<String>,
    /// Allow globs from FILE, one per line (blank lines and lines starting with # are skipped).
    #[arg(long, value_name = "FILE")]
    pub allow_file: Vec<PathBuf>,
    /// Allow gitlinks (submodule commits) to change.
    #[arg(long)]
    pub allow_gitlinks: bool,
    /// Read a list of paths, one per line as given (no trimming, no comments).
    #[arg(long)]
    pub paths: bool,
    /// With --paths: paths are separated by NUL.
    #[arg(short = 'z', requires = "paths")]
    pub nul: bool,
    /// Compare this directory (before the change)…
    #[arg(long, value_name = "DIR", requires = "after", conflicts_with_all = ["paths", "input"])]
    pub before: Option<PathBuf>,
    /// …with this one (after it).
    #[arg(long, value_name = "DIR", requires = "before")]
    pub after: Option<PathBuf>,
    /// With --before/--after: write the change as a unified diff to FILE.
    #[arg(long, value_name = "FILE", requires = "before")]
    pub emit_diff: Option<PathBuf>,
    /// Say on stderr which pattern decided each path.
    #[arg(long)]
    pub explain: bool,
    /// Read the change from FILE (`-` is stdin).
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    pub input: String,
    /// Also record a scope.checked event in this ledger.
    #[arg(long, value_name = "FILE", help_heading = "Global options")]
    pub ledger: Option<PathBuf>,
    /// The run the event belongs to (default: the bundle's, else `adhoc`).
    #[arg(long, value_name = "ID", requires = "ledger")]
    pub run_id: Option<String>,
    /// The task the event is about (default: the bundle's).
    #[arg(long, value_name = "ID", requires = "ledger")]
    pub task: Option<String>,
    /// Config file (default: muster.json at the repo root).
    #[arg(long, value_name = "FILE", help_heading = "Global options")]
    pub config: Option<PathBuf>,
    /// Write JSON on one line.
    #[arg(long, help_heading = "Global options")]
    pub compact: bool,
    /// The time for the ledger event (RFC 3339).
    #[arg(long, value_name = "TIME", help_heading = "Global options")]
    pub now: Option<String>,
    /// Print the JSON Schemas of what this tool reads and writes, and exit.
    #[arg(long)]
    pub schema: bool,
}

/// The `scope` section of muster.json.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeConfig {
    /// Paths denied unless the allowlist names them explicitly.
    pub protected: Vec<String>,
    /// Whether gitlinks may change.
    pub allow_gitlinks: bool,
}

impl Default for ScopeConfig {
    fn default() -> Self {
        ScopeConfig {
            protected: DEFAULT_PROTECTED.iter().map(|s| s.to_string()).collect(),
            allow_gitlinks: false,
        }
    }
}

fn allow_file(path: &PathBuf) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading --allow-file {}", path.display()))?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// Runs the tool.
pub fn run(args: Args) -> Result<Outcome> {
    if args.schema {
        let doc = serde_json::json!({
            "reads": {"muster.bundle/v1": json_schema::<Bundle>()},
            "writes": {"muster.scope-report/v1": json_schema::<ScopeReport>()},
        });
        return Ok(Outcome::new(Status::Pass, to_json(&doc, args.compact)));
    }
    let now = match &args.now {
        Some(t) => Some(time::parse_rfc3339(t).map_err(|e| Usage(format!("--now: {e:#}")))?),
        None => None,
    };
    let cwd = std::env::current_dir().context("finding the current directory")?;
    let cfg: ScopeConfig = config::load_section(
        "scope",
        args.config.as_deref(),
        &config::process_env(),
        &cwd,
    )?;

    // The change.
    // The emitted diff is written only once the scope has compiled: a run
    // that fails leaves no file behind.
    let mut emitted: Option<(&PathBuf, Vec<u8>)> = None;
    let inp;
    let (change, bundle_ids) = match (&args.before, &args.after) {
        (Some(b), Some(a)) => {
            let files = tree::compare(b, a).context("--before/--after")?;
            if let Some(out) = &args.emit_diff {
                emitted = Some((out, tree::unified_diff(b, a, &files)?));
            }
            (
                input::Change {
                    files: Files::Changes(files),
                    bundle_scope: None,
                },
                None,
            )
        }
        _ => {
            inp = read_input(&args.input)?;
            let sep = args.paths.then_some(if args.nul {
                PathList::Nul
            } else {
                PathList::Lines
            });
            let change = input::read(&inp.bytes, &inp.name, sep)?;
            let ids = if change.bundle_scope.is_some() {
                let b: Bundle = muster_shared::doc::parse(&inp.bytes, &inp.name)?;
                Some((b.run_id, b.task_id))
            } else {
                None
            };
            (change, ids)
        }
    };

    // The scope: flags, else the bundle's own.
    let mut allow = args.allow.clone();
    for f in &args.allow_file {
        allow.extend(allow_file(f)?);
    }
    let mut deny = args.deny.clone();
    if allow.is_empty() && deny.is_empty() {
        if let Some(s) = &change.bundle_scope {
            allow = s.allow.clone();
            deny = s.deny.clone();
        }
    }
    let scope = Scope::new(
        &allow,
        &deny,
        &cfg.protected,
        args.allow_gitlinks || cfg.allow_gitlinks,
    )?;
    let files = &change.files;
    let verdicts = check::check(files, &scope);
    let status = output::status(&verdicts);
    if let Some((path, bytes)) = emitted {
        write_atomic(path, &bytes)?;
    }
    // The violations, in input order.
    let refused = || {
        verdicts.iter().enumerate().filter_map(|(i, v)| {
            scope.reason(v).map(|reason| Violation {
                path: String::from_utf8_lossy(files.get(i).path).into_owned(),
                change: files.get(i).change,
                reason: reason.to_string(),
            })
        })
    };

    if let Some(ledger) = &args.ledger {
        let (bundle_run, bundle_task) = bundle_ids.clone().unzip();
        let run_id = args
            .run_id
            .clone()
            .or(bundle_run)
            .unwrap_or_else(|| "adhoc".into());
        let event = EventInput {
            schema: None,
            ts_utc: None,
            run_id,
            event_type: "scope.checked".into(),
            task_id: args.task.clone().or(bundle_task),
            actor: Some("muster-scope".into()),
            payload: Some(serde_json::json!({
                "status": status,
                "files": files.len(),
                "violations": refused().collect::<Vec<_>>(),
                "allow": scope.allow(),
                "deny": scope.deny(),
            })),
            idempotency_key: None,
        };
        let now = match now {
            Some(t) => t,
            None => time::now(None)?,
        };
        muster_ledger::append::append(ledger, &[event], now).context("recording scope.checked")?;
    }

    let mut pieces = output::report_json(files, &verdicts, &scope, args.compact).into_iter();
    let mut out = Outcome::new(status, pieces.next().unwrap_or_default());
    out.stdout_pieces = pieces.collect();
    if args.explain {
        for (i, v) in verdicts.iter().enumerate() {
            let verdict = if v.allowed() { "allowed" } else { "DENIED " };
            let by = scope.decided_by(v).unwrap_or("no pattern matched");
            let path = String::from_utf8_lossy(files.get(i).path);
            out = out.note(format!("{verdict} {path:?} ({by})"));
        }
    }
    let n = verdicts.iter().filter(|v| !v.allowed()).count();
    if n > 0 {
        let first: Vec<String> = refused()
            .take(3)
            .map(|v| format!("{:?} ({})", v.path, v.reason))
            .collect();
        let more = if n > 3 {
            format!(" and {} more", n - 3)
        } else {
            String::new()
        };
        out = out.note(format!(
            "blocked: {n} of {} files outside the scope: {}{more}",
            files.len(),
            first.join("; ")
        ));
    }
    // A million-file change is many allocations: the process is about to
    // exit, so let the OS take them back instead of freeing each.
    std::mem::forget(verdicts);
    std::mem::forget(change);
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

    #[test]
    fn bad_allow_file_is_an_error() {
        assert!(allow_file(&PathBuf::from("/nonexistent/x")).is_err());
    }
}
