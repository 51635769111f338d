//! What `plan next` reads of its `{plan, state}` input, and only that.
//!
//! A plan of 100k tasks with its state is a JSON document of over 100 MB;
//! building every string in it (goals, labels, the conflict list, the
//! state's timestamps) took most of `next`'s time. These types keep what
//! `next` uses (ids, deps, touches, the flags and resources, the waves and
//! the run's statuses and counters) and check the rest as JSON of any shape,
//! without keeping it. Unknown fields are still refused: the field lists here
//! are the plan's and the state's, which a unit test holds them to.

use muster_shared::schema::{ConcurrencyClass, Plan, State, Task, TaskStatus};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::collections::BTreeMap;

/// `{plan, state}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextRead {
    /// The plan.
    pub plan: PlanRead,
    /// The run so far.
    pub state: StateRead,
}

/// The parts of a `muster.plan/v1` that `next` uses.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the IgnoredAny fields: checked as JSON, not kept
pub struct PlanRead {
    /// The tasks.
    pub tasks: Vec<TaskRead>,
    /// The waves, in order.
    pub waves: Vec<Vec<String>>,
    /// How many tasks may run at once.
    pub max_outstanding: u32,
    #[serde(default)]
    schema: IgnoredAny,
    #[serde(default)]
    ready: IgnoredAny,
    #[serde(default)]
    conflicts: IgnoredAny,
    #[serde(default)]
    critical_path: IgnoredAny,
    #[serde(default)]
    stats: IgnoredAny,
}

/// The parts of a task that `next` uses.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the IgnoredAny fields: checked as JSON, not kept
pub struct TaskRead {
    /// Its id.
    pub id: String,
    /// Tasks that must be done first.
    #[serde(default)]
    pub deps: Vec<String>,
    /// The write allowlist.
    #[serde(default)]
    pub touches: Vec<String>,
    /// Whether a person must answer something first.
    #[serde(default)]
    pub needs_user_input: bool,
    /// How it writes.
    #[serde(default)]
    pub concurrency_class: ConcurrencyClass,
    /// Named counting locks it needs.
    #[serde(default)]
    pub resources: BTreeMap<String, u64>,
    #[serde(default)]
    goal: IgnoredAny,
    #[serde(default)]
    role: IgnoredAny,
    #[serde(default)]
    routing: IgnoredAny,
    #[serde(default)]
    reads: IgnoredAny,
    #[serde(default)]
    effort: IgnoredAny,
    #[serde(default)]
    est_s: IgnoredAny,
    #[serde(default)]
    command: IgnoredAny,
    #[serde(default)]
    timeout_s: IgnoredAny,
    #[serde(default)]
    labels: IgnoredAny,
    #[serde(default)]
    mode: IgnoredAny,
    #[serde(default)]
    wave: IgnoredAny,
}

/// The parts of a `muster.state/v1` that `next` uses.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the IgnoredAny fields: checked as JSON, not kept
pub struct StateRead {
    /// Each task's status, by id, in the input's order (a map in JSON; a
    /// list here, as it is only walked).
    #[serde(deserialize_with = "pairs")]
    pub tasks: Vec<(String, TaskStateRead)>,
    /// How many tasks workers spawned.
    pub spawned: u64,
    /// Batches in a row without progress.
    pub loops_without_progress: u64,
    #[serde(default)]
    schema: IgnoredAny,
    #[serde(default)]
    run_id: IgnoredAny,
    #[serde(default)]
    locks_held: IgnoredAny,
    #[serde(default)]
    batches: IgnoredAny,
    #[serde(default)]
    budgets: IgnoredAny,
    #[serde(default)]
    gates: IgnoredAny,
    #[serde(default)]
    approvals: IgnoredAny,
    #[serde(default)]
    denials: IgnoredAny,
    #[serde(default)]
    kill_switch: IgnoredAny,
    #[serde(default)]
    escalations: IgnoredAny,
    #[serde(default)]
    events: IgnoredAny,
    #[serde(default)]
    unknown_events: IgnoredAny,
}

/// A JSON object as its (key, value) pairs, in order.
fn pairs<'de, D, V>(d: D) -> Result<Vec<(String, V)>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Pairs<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Pairs<V> {
        type Value = Vec<(String, V)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(m.size_hint().unwrap_or(0));
            while let Some(pair) = m.next_entry()? {
                out.push(pair);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Pairs(std::marker::PhantomData))
}

/// A task's status.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the IgnoredAny fields: checked as JSON, not kept
pub struct TaskStateRead {
    /// Where it stands.
    pub status: TaskStatus,
    #[serde(default)]
    attempts: IgnoredAny,
    #[serde(default)]
    started: IgnoredAny,
    #[serde(default)]
    finished: IgnoredAny,
    #[serde(default)]
    worktree: IgnoredAny,
}

impl From<&Task> for TaskRead {
    fn from(t: &Task) -> TaskRead {
        TaskRead {
            id: t.id.clone(),
            deps: t.deps.clone(),
            touches: t.touches.clone(),
            needs_user_input: t.needs_user_input,
            concurrency_class: t.concurrency_class,
            resources: t.resources.clone(),
            ..TaskRead::default()
        }
    }
}

impl Default for TaskRead {
    fn default() -> TaskRead {
        TaskRead {
            id: String::new(),
            deps: Vec::new(),
            touches: Vec::new(),
            needs_user_input: false,
            concurrency_class: ConcurrencyClass::default(),
            resources: BTreeMap::new(),
            goal: IgnoredAny,
            role: IgnoredAny,
            routing: IgnoredAny,
            reads: IgnoredAny,
            effort: IgnoredAny,
            est_s: IgnoredAny,
            command: IgnoredAny,
            timeout_s: IgnoredAny,
            labels: IgnoredAny,
            mode: IgnoredAny,
            wave: IgnoredAny,
        }
    }
}

impl NextRead {
    /// The same input, from the full documents.
    pub fn from_documents(plan: &Plan, state: &State) -> NextRead {
        NextRead {
            plan: PlanRead {
                tasks: plan.tasks.iter().map(TaskRead::from).collect(),
                waves: plan.waves.clone(),
                max_outstanding: plan.max_outstanding,
                schema: IgnoredAny,
                ready: IgnoredAny,
                conflicts: IgnoredAny,
                critical_path: IgnoredAny,
                stats: IgnoredAny,
            },
            state: StateRead {
                tasks: state
                    .tasks
                    .iter()
                    .map(|(id, s)| {
                        let read = TaskStateRead {
                            status: s.status,
                            attempts: IgnoredAny,
                            started: IgnoredAny,
                            finished: IgnoredAny,
                            worktree: IgnoredAny,
                        };
                        (id.clone(), read)
                    })
                    .collect(),
                spawned: state.spawned,
                loops_without_progress: state.loops_without_progress,
                schema: IgnoredAny,
                run_id: IgnoredAny,
                locks_held: IgnoredAny,
                batches: IgnoredAny,
                budgets: IgnoredAny,
                gates: IgnoredAny,
                approvals: IgnoredAny,
                denials: IgnoredAny,
                kill_switch: IgnoredAny,
                escalations: IgnoredAny,
                events: IgnoredAny,
                unknown_events: IgnoredAny,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use muster_shared::schema::TaskState;
    use serde_json::{json, Value};

    /// The property names of a type's JSON Schema.
    fn fields<T: schemars::JsonSchema>() -> Vec<String> {
        let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap();
        let mut names: Vec<String> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        names.sort();
        names
    }

    fn keys(v: &Value) -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    }

    /// A document with every field, read as `next` reads it; and with one
    /// more, refused.
    fn reads<T: serde::de::DeserializeOwned>(mut full: Value, what: &str) {
        serde_json::from_value::<T>(full.clone()).unwrap_or_else(|e| panic!("{what}: {e}"));
        full["no_such_field"] = json!(1);
        assert!(
            serde_json::from_value::<T>(full).is_err(),
            "{what} takes unknown fields"
        );
    }

    /// Every field the documents have is named here, so a new field in the
    /// plan or the state cannot be refused by `next`: the examples below
    /// must have every field of the schema, and they must be read.
    #[test]
    fn every_field_of_the_documents_is_read() {
        let task = json!({
            "id": "a", "goal": "g", "role": "implementer",
            "routing": {"rule": "r", "score": 1.0, "matched": ["x"]},
            "deps": [], "touches": ["src/"], "reads": ["docs/"], "effort": "S", "est_s": 3.0,
            "needs_user_input": false, "concurrency_class": "write-local",
            "resources": {"db": 1}, "command": ["true"], "timeout_s": 5,
            "labels": {"team": "x"}, "mode": "foreground", "wave": 0
        });
        assert_eq!(keys(&task), fields::<Task>());
        reads::<TaskRead>(task.clone(), "task");
        let task_state = json!({
            "status": "running", "attempts": 1, "started": "2026-01-01T00:00:00Z",
            "finished": null, "worktree": "/tmp/w"
        });
        assert_eq!(keys(&task_state), fields::<TaskState>());
        reads::<TaskStateRead>(task_state.clone(), "task state");
        let plan = json!({
            "schema": "muster.plan/v1", "tasks": [task], "waves": [["a"]], "ready": ["a"],
            "conflicts": [{"a": "a", "b": "b", "reason": "r", "witness": null}],
            "critical_path": {"length": 1.0, "tasks": ["a"]}, "max_outstanding": 4,
            "stats": {"tasks": 1, "deps": 0, "waves": 1, "conflicts": 0, "widest_wave": 1}
        });
        assert_eq!(keys(&plan), fields::<Plan>());
        serde_json::from_value::<Plan>(plan.clone()).unwrap();
        reads::<PlanRead>(plan, "plan");
        let state = json!({
            "schema": "muster.state/v1", "run_id": "r", "tasks": {"a": task_state},
            "locks_held": [], "batches": 0, "spawned": 0,
            "budgets": {"cost_spent": 0.0, "cost_limit": null},
            "loops_without_progress": 0, "gates": {}, "approvals": [], "denials": [],
            "kill_switch": {"active": false, "by": null, "reason": null, "since": null},
            "escalations": [], "events": 0, "unknown_events": 0
        });
        assert_eq!(keys(&state), fields::<State>());
        serde_json::from_value::<State>(state.clone()).unwrap();
        reads::<StateRead>(state, "state");
    }
}
