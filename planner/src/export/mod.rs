//! `muster-plan export`: a plan as a CI workflow or a picture (DESIGN.md section 8).
//!
//! [`export`] turns a checked `muster.plan/v1` into the bytes of one file. The
//! same plan and options give the same bytes: waves keep the plan's order,
//! everything else is sorted by task id, and nothing reads the clock.
//!
//! # Ordering
//!
//! A task must wait for its `deps` and, for each pair in `conflicts`, the task
//! in the later wave waits for the one in the earlier wave (the plan never
//! puts two conflicting tasks in one wave; [`export`] refuses a plan that
//! does, or whose deps point to the same or a later wave). These "needs" are
//! what every format writes; a need that is only a conflict (no dep) is drawn
//! dashed in the pictures.
//!
//! # What the CI jobs run
//!
//! Every job shares three environment variables: `MUSTER_RUN_ID` (the run id,
//! [`Options::run_id`], by default `ci_${{ github.run_id }}` on GitHub and
//! `ci_${CI_PIPELINE_ID}` on GitLab, so that re-running a failed job keeps the
//! run), `MUSTER_PLAN` (the plan file in the repository, [`Options::plan_path`])
//! and `MUSTER_GATES` (the gates file, [`Options::gates_path`]). A task job sets
//! `MUSTER_TASK` to its task id, runs the [`Options::setup`] lines (to put the
//! muster tools on `PATH`; without them the runner must already have them), and
//! then:
//!
//! ```sh
//! mkdir -p muster-ci/ledgers
//! muster-run --input "$MUSTER_PLAN" --task "$MUSTER_TASK" --run-id "$MUSTER_RUN_ID" --ledger "muster-ci/ledgers/$MUSTER_TASK.jsonl"
//! ```
//!
//! so that its bundle lands in `.muster/runs/$MUSTER_RUN_ID/$MUSTER_TASK/` and its
//! ledger in a file of its own. Both are kept as artifacts even when the task
//! fails. The final job, `integrate`, waits for every task job, runs even when
//! some failed (not when the run was cancelled), collects the bundles and the
//! ledgers, and runs:
//!
//! ```sh
//! mkdir -p .muster
//! muster-ledger merge --ledger .muster/ledger.jsonl muster-ci/ledgers/*.jsonl
//! set --; for bundle in BUNDLES/*/; do set -- "$@" --bundle "$bundle"; done
//! muster-integrate --plan "$MUSTER_PLAN" --ledger .muster/ledger.jsonl "$@" > muster-ci/integration.json
//! muster-gate --gates "$MUSTER_GATES" --ledger .muster/ledger.jsonl --input muster-ci/integration.json > muster-ci/verdict.json
//! ```
//!
//! and keeps the merged ledger, the integrator's directory, `integration.json`
//! and `verdict.json` as the artifact `muster-result`.
//!
//! # Job ids
//!
//! A task's job id is `task_` followed by its id with each `_` written `__`
//! and each `.` written `_d` (`T1.2` is `task_T1_d2`, `a_b` is `task_a__b`):
//! valid everywhere (`[A-Za-z_][A-Za-z0-9_-]*`), one-to-one, and never equal to
//! a GitLab keyword or to the other jobs' ids (`wave_N`, `wave_N_K`,
//! `integrate`). The job's display name is the task id.
//!
//! # Formats
//!
//! **`github-actions`** (save as `.github/workflows/muster.yml`): triggered
//! by `workflow_dispatch`, `permissions: contents: read`. Up to 256 jobs in
//! all (tasks and the final job), one job per task whose `needs:` are the
//! task's needs. A job with a need that is only a conflict also gets
//! `if: ${{ !cancelled() && needs.<dep job>.result == 'success' && ... }}`
//! over its deps alone: a conflict is a lock, not a dependency, so the job
//! waits for the other task to finish however it ends, but runs only if its
//! deps succeeded. Past that, one job per wave (`wave_N`) with
//! `strategy.matrix.task` listing the wave's tasks (`fail-fast: false`); a wave
//! wider than GitHub's 256 matrix jobs is cut into `wave_N_0`, `wave_N_1`, ...
//! Each wave's jobs need every job of the wave before; that is sound because a
//! task's deps and conflicts are all in earlier waves, but coarser: one failed
//! task holds back the whole next wave. A task job checks out the repository
//! (`actions/checkout@v4`), runs the setup lines and the task, and uploads the
//! artifacts `bundle-ID` (the bundle directory) and `ledger-ID` (its ledger)
//! with `actions/upload-artifact@v4`. The final job downloads them with
//! `actions/download-artifact@v4` into `muster-ci/bundles/bundle-ID/` and
//! `muster-ci/ledgers/` and runs the commands above.
//!
//! **`gitlab`** (save as `.gitlab-ci.yml`): one stage per wave (`wave-0`,
//! `wave-1`, ...) and a last stage `integrate`. Up to 256 jobs, one job per
//! task in its wave's stage with `needs:` on its needs' jobs (`artifacts:
//! false`: a task never sees another's bundle); wave 0 has `needs: []`.
//! (GitLab cannot wait for a job without needing it to succeed, so there a
//! failed task also holds back the later tasks it conflicts with.) A job
//! with more than 50 needs (GitLab's limit) has no `needs:` and waits for all
//! earlier stages instead, which is sound for the same reason as above. Past
//! 256 jobs, one job per wave with `parallel: matrix: - MUSTER_TASK: [...]`
//! (cut every 200 tasks, GitLab's limit), ordered by the stages. Task jobs
//! keep `.muster/runs/$MUSTER_RUN_ID/ID/` and `muster-ci/ledgers/ID.jsonl` as
//! artifacts (`when: always`); the final job (`when: always`, no `needs:`)
//! receives all of them and runs the commands above on
//! `.muster/runs/$MUSTER_RUN_ID/*/`. [`Options::image`] sets `default: image:`
//! and the setup lines are `default: before_script:`.
//!
//! **`make`** (run as `make -j -f muster.mk`): for one machine, where every
//! task appends to the one ledger `.muster/ledger.jsonl`. One phony target
//! `task/ID` per task, whose prerequisites are its needs' targets, running
//! `$(MUSTER_RUN) --input $(PLAN) --task ID --run-id $(RUN_ID) --ledger
//! $(LEDGER)`; `tasks` needs every task; `integrate` runs `$(MUSTER_INTEGRATE)`
//! on every bundle into `$(RUN_DIR)/integration.json`; `gate` runs
//! `$(MUSTER_GATE)` into `$(RUN_DIR)/verdict.json`; `all` (the default) is
//! `gate`. Every command and path is a variable that `make VAR=...` overrides;
//! without [`Options::run_id`] the Makefile asks for `RUN_ID=...`.
//!
//! **`mermaid`**: a `flowchart LR` with one subgraph per wave (`wave_N`,
//! titled `wave N`), one node per task (labelled with its id; the node id is
//! `t_` followed by the id with `_` written `__`, `.` written `_d` and `-`
//! written `_h`), an arrow `-->` from each dep to its dependant and a dashed
//! arrow `-.->` for each conflict ordering that is not also a dep.
//!
//! **`dot`**: a Graphviz `digraph "muster_plan"` laid out left to right, one
//! `cluster_wave_N` per wave (labelled `wave N`), nodes named by task id,
//! edges as in mermaid (conflict orderings `style="dashed"`).

mod dot;
mod github;
mod gitlab;
mod graph;
mod make;
mod mermaid;
mod yaml;

use anyhow::{bail, Result};
use muster_shared::schema::plan::Plan;
use std::fmt;
use std::str::FromStr;

/// The file kinds `muster-plan export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Format {
    /// A GitHub Actions workflow.
    GithubActions,
    /// A GitLab CI pipeline.
    Gitlab,
    /// A Makefile for `make -j`.
    Make,
    /// A mermaid flowchart.
    Mermaid,
    /// A Graphviz digraph.
    Dot,
}

impl Format {
    /// Its name on the command line (`github-actions`, `gitlab`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Format::GithubActions => "github-actions",
            Format::Gitlab => "gitlab",
            Format::Make => "make",
            Format::Mermaid => "mermaid",
            Format::Dot => "dot",
        }
    }

    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 5] = [
        Format::GithubActions,
        Format::Gitlab,
        Format::Make,
        Format::Mermaid,
        Format::Dot,
    ];
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Self> {
        match Format::ALL.into_iter().find(|f| f.name() == s) {
            Some(f) => Ok(f),
            None => bail!(
                "unknown export format \"{s}\": want one of github-actions, gitlab, make, mermaid, dot"
            ),
        }
    }
}

/// How the exported jobs run. Only the CI and make formats read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The run id every job shares. `None`: the CI's own (`ci_<run id>` on
    /// GitHub, `ci_<pipeline id>` on GitLab); make then asks for `RUN_ID=`.
    pub run_id: Option<String>,
    /// The plan file, relative to the repository root, as the jobs see it.
    pub plan_path: String,
    /// The gates file `muster-gate --gates` reads.
    pub gates_path: String,
    /// GitHub's `runs-on`.
    pub runs_on: String,
    /// GitLab's `default: image:`; `None` leaves it to the runner.
    pub image: Option<String>,
    /// Shell lines every CI job runs first, to put the muster tools on `PATH`
    /// (for example `cargo install --locked --path planner`).
    pub setup: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            run_id: None,
            plan_path: "muster-plan.json".to_owned(),
            gates_path: "muster-gates.json".to_owned(),
            runs_on: "ubuntu-latest".to_owned(),
            image: None,
            setup: Vec::new(),
        }
    }
}

/// Writes `plan` as a `format` file.
///
/// Fails when the plan is inconsistent (a task in no wave or in two, a dep or
/// conflict naming an unknown task, a dep not in an earlier wave, two
/// conflicting tasks in one wave, an id outside `[A-Za-z0-9][A-Za-z0-9._-]*`)
/// or an option is unusable (a run id or path with characters a shell or make
/// would read specially, or a line break in any option).
pub fn export(plan: &Plan, format: Format, opts: &Options) -> Result<Vec<u8>> {
    check_options(opts)?;
    let g = graph::Graph::new(plan)?;
    let text = match format {
        Format::GithubActions => github::render(&g, opts),
        Format::Gitlab => gitlab::render(&g, opts),
        Format::Make => make::render(&g, opts),
        Format::Mermaid => mermaid::render(&g),
        Format::Dot => dot::render(&g),
    };
    Ok(text.into_bytes())
}

/// Run ids, plan and gates paths go into shell commands, YAML and make
/// unquoted by make, so they keep to characters none of them reads specially.
fn check_options(opts: &Options) -> Result<()> {
    if let Some(id) = &opts.run_id {
        if !graph::is_id(id) {
            bail!("run id \"{id}\" is not of the form [A-Za-z0-9][A-Za-z0-9._-]*");
        }
    }
    for (what, path) in [
        ("plan path", &opts.plan_path),
        ("gates path", &opts.gates_path),
    ] {
        let ok = !path.is_empty()
            && !path.starts_with('-')
            && path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._/+@-".contains(&b));
        if !ok {
            bail!(
                "{what} \"{}\" must be non-empty, not start with '-', and use only letters, digits and ._/+@-",
                path.escape_debug()
            );
        }
    }
    let one_line = |what: &str, s: &str| -> Result<()> {
        if s.contains(['\n', '\r']) {
            bail!("{what} \"{}\" must be one line", s.escape_debug());
        }
        Ok(())
    };
    one_line("runs-on", &opts.runs_on)?;
    if let Some(image) = &opts.image {
        one_line("image", image)?;
    }
    for line in &opts.setup {
        one_line("setup line", line)?;
    }
    Ok(())
}

/// A task's CI job id (see the module docs).
pub fn job_id(task: &str) -> String {
    let mut out = String::with_capacity(task.len() + 8);
    out.push_str("task_");
    for c in task.chars() {
        match c {
            '_' => out.push_str("__"),
            '.' => out.push_str("_d"),
            c => out.push(c),
        }
    }
    out
}

/// The commands a task job runs once `MUSTER_TASK` is set.
const RUN_TASK: [&str; 2] = [
    "mkdir -p muster-ci/ledgers",
    r#"muster-run --input "$MUSTER_PLAN" --task "$MUSTER_TASK" --run-id "$MUSTER_RUN_ID" --ledger "muster-ci/ledgers/$MUSTER_TASK.jsonl""#,
];

/// The final job's steps (lines each) once the ledgers are in
/// `muster-ci/ledgers/` and the bundles in `bundles/*/`.
fn finish(bundles: &str) -> [Vec<String>; 3] {
    [
        vec![
            // A fresh checkout has no state directory for the merged ledger.
            "mkdir -p .muster".to_owned(),
            "muster-ledger merge --ledger .muster/ledger.jsonl muster-ci/ledgers/*.jsonl".to_owned(),
        ],
        vec![
            "set --".to_owned(),
            format!(r#"for bundle in {bundles}/*/; do set -- "$@" --bundle "$bundle"; done"#),
            r#"muster-integrate --plan "$MUSTER_PLAN" --ledger .muster/ledger.jsonl "$@" > muster-ci/integration.json"#
                .to_owned(),
        ],
        vec![r#"muster-gate --gates "$MUSTER_GATES" --ledger .muster/ledger.jsonl --input muster-ci/integration.json > muster-ci/verdict.json"#.to_owned()],
    ]
}

/// The most jobs a workflow gets before it is cut into matrices per wave.
const MAX_JOBS: usize = 256;

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn job(task: &str, want: &str) {
        assert_eq!(job_id(task), want);
    }

    #[test]
    fn job_ids() {
        job("a", "task_a");
        job("T1.2", "task_T1_d2");
        job("a_b", "task_a__b");
        job("a_.b", "task_a___db");
        job("a._b", "task_a_d__b");
        job("0-x", "task_0-x");
    }

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().ok(), Some(f));
            let pv = clap::ValueEnum::to_possible_value(&f);
            assert_eq!(
                pv.map(|p| p.get_name().to_owned()),
                Some(f.name().to_owned())
            );
        }
        assert!("yaml".parse::<Format>().is_err());
    }
}
