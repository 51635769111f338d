//! `plan spawn`: the work workers found (their reports' spawn candidates)
//! becomes tasks `T-AUTO-01`, `T-AUTO-02`, ... within the spawn budget, and
//! the plan is made again with them (DESIGN.md section 5). A critical
//! candidate stops the loop: it is added, and the result is BLOCKED so that
//! a person looks before anything else is dispatched.

use crate::next::SPAWN_BUDGET;
use crate::plan::{self, Options};
use anyhow::Result;
use muster_shared::schema::{ConcurrencyClass, Plan, Stop, Task, WorkerReport};
use muster_shared::Status;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What `plan spawn` reads.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpawnInput {
    /// The plan so far.
    pub plan: Plan,
    /// The workers' reports, each with the task that wrote it.
    pub reports: Vec<TaskReport>,
}

/// One worker's report.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskReport {
    /// The task whose worker wrote it.
    pub task_id: String,
    /// The report (`REPORT.json`).
    pub report: WorkerReport,
}

/// What `plan spawn` writes: `muster.spawn/v1`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spawned {
    /// Always `muster.spawn/v1`.
    pub schema: String,
    /// PASS, or BLOCKED when a critical candidate stops the loop.
    pub status: Status,
    /// The new tasks' ids.
    pub spawned: Vec<String>,
    /// Candidates not made into tasks, and why.
    pub skipped: Vec<Skipped>,
    /// Set when the loop should stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
    /// The plan made again with the new tasks.
    pub plan: Plan,
}

/// A candidate that did not become a task.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Skipped {
    /// The task whose worker proposed it.
    pub task_id: String,
    /// Its goal.
    pub subtask: String,
    /// Why.
    pub reason: String,
}

const PREFIX: &str = "T-AUTO-";

/// Folds the reports' candidates into the plan. Reports are taken in
/// task-id order, each report's candidates in order. A candidate whose
/// goal and touches equal an existing task's is skipped; one past the
/// budget (20 spawned tasks in the plan) is skipped; a new task depends on
/// the task that proposed it.
pub fn spawn(input: SpawnInput, resources: &BTreeMap<String, u64>) -> Result<Spawned> {
    let SpawnInput { plan, mut reports } = input;
    reports.sort_by(|a, b| a.task_id.cmp(&b.task_id));
    let known: BTreeMap<&str, &Task> = plan.tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut taken = plan
        .tasks
        .iter()
        .filter(|t| t.id.starts_with(PREFIX))
        .count();
    let mut next_number = plan
        .tasks
        .iter()
        .filter_map(|t| t.id.strip_prefix(PREFIX)?.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    let mut tasks: Vec<Task> = plan.tasks.clone();
    let mut spawned = Vec::new();
    let mut skipped = Vec::new();
    let mut critical = false;
    for (r, tr) in reports.iter().enumerate() {
        if !known.contains_key(tr.task_id.as_str()) {
            anyhow::bail!(
                "reports[{r}].task_id: {:?} is not a task of the plan",
                tr.task_id
            );
        }
        for c in &tr.report.spawn_candidates {
            let skip = |reason: &str| Skipped {
                task_id: tr.task_id.clone(),
                subtask: c.subtask.clone(),
                reason: reason.into(),
            };
            if tasks
                .iter()
                .any(|t| t.goal == c.subtask && t.touches == c.touches)
            {
                skipped.push(skip("already a task with this goal and touches"));
                continue;
            }
            if taken >= SPAWN_BUDGET as usize {
                skipped.push(skip("the spawn budget (20 tasks) is spent"));
                continue;
            }
            let severity = c.severity.as_str();
            critical |= severity == "critical";
            let id = format!("{PREFIX}{next_number:02}");
            next_number += 1;
            taken += 1;
            let mut labels = serde_json::Map::new();
            labels.insert("spawned_by".into(), tr.task_id.clone().into());
            labels.insert("severity".into(), severity.into());
            tasks.push(Task {
                id: id.clone(),
                goal: c.subtask.clone(),
                role: None,
                routing: None,
                deps: vec![tr.task_id.clone()],
                touches: c.touches.clone(),
                reads: Vec::new(),
                effort: c.effort,
                est_s: None,
                needs_user_input: c.user_input,
                concurrency_class: if c.touches.is_empty() {
                    ConcurrencyClass::ReadOnly
                } else {
                    ConcurrencyClass::WriteLocal
                },
                resources: BTreeMap::new(),
                command: None,
                timeout_s: None,
                labels: Some(labels),
                mode: None,
                wave: None,
            });
            spawned.push(id);
        }
    }
    let opts = Options {
        max_outstanding: plan.max_outstanding,
        resources: resources.clone(),
        all_conflicts: false,
    };
    let plan = plan::plan(tasks, &opts)?;
    let stop = if critical {
        Some("critical_spawn")
    } else if taken >= SPAWN_BUDGET as usize && !skipped.is_empty() {
        Some("spawn_budget_spent")
    } else {
        None
    };
    Ok(Spawned {
        schema: "muster.spawn/v1".into(),
        status: if stop.is_some() {
            Status::Blocked
        } else {
            Status::Pass
        },
        spawned,
        skipped,
        stop: stop.map(|r| Stop { reason: r.into() }),
        plan,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(ids: &[&str]) -> Plan {
        let tasks = ids
            .iter()
            .map(|id| {
                serde_json::from_value(serde_json::json!({
                    "id": id, "goal": "g", "touches": [format!("{id}/")],
                }))
                .unwrap()
            })
            .collect();
        plan::plan(tasks, &Options::default()).unwrap()
    }

    fn report(n: usize) -> WorkerReport {
        let cands: Vec<serde_json::Value> = (0..n)
            .map(|i| serde_json::json!({"subtask": format!("more {i}"), "touches": [format!("m{i}/")]}))
            .collect();
        serde_json::from_value(serde_json::json!({
            "schema": "muster.report/v1", "spawn_candidates": cands,
        }))
        .unwrap()
    }

    #[test]
    fn the_budget_holds_and_numbering_goes_on() {
        let input = SpawnInput {
            plan: plan_of(&["A", "T-AUTO-07"]),
            reports: vec![TaskReport {
                task_id: "A".into(),
                report: report(25),
            }],
        };
        let out = spawn(input, &BTreeMap::new()).unwrap();
        assert_eq!(out.spawned.len(), 19, "one of the 20 was spawned before");
        assert_eq!(out.spawned[0], "T-AUTO-08");
        assert_eq!(out.skipped.len(), 6);
        assert_eq!(
            out.stop.map(|s| s.reason).as_deref(),
            Some("spawn_budget_spent")
        );
        assert_eq!(out.status, Status::Blocked);
        let t = out.plan.tasks.iter().find(|t| t.id == "T-AUTO-08").unwrap();
        assert_eq!(t.deps, ["A"]);
    }
}
