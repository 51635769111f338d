//! What `plan next` reads of its `{plan, state}` input, and only that.
//!
//! A plan of 100k tasks with its state is a JSON document of over 100 MB;
//! building every string in it (goals, labels, the conflict list, the
//! state's timestamps) took most of `next`'s time. These types keep what
//! `next` uses (ids, deps, touches, the flags and resources, the waves and
//! the run's statuses and counters) and check the rest as JSON of any shape,
//! without keeping it. Unknown fields are still refused: the field lists here
//! are the plan's and the state's, which a unit test holds them to. The
//! strings kept are borrowed from the input where they have no escapes (a
//! million small allocations fewer at 100k tasks).

use muster_shared::schema::{ConcurrencyClass, Plan, State, Task, TaskStatus};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A string of the input: borrowed from it, or owned when it had escapes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Text<'a>(#[serde(borrow)] pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'a> Text<'a> {
    /// A string of a document already read.
    pub fn of(s: &'a str) -> Text<'a> {
        Text(Cow::Borrowed(s))
    }
}

/// `{plan, state}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextRead<'a> {
    /// The plan.
    #[serde(borrow)]
    pub plan: PlanRead<'a>,
    /// The run so far.
    #[serde(borrow)]
    pub state: StateRead<'a>,
}

/// The parts of a `muster.plan/v1` that `next` uses.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the IgnoredAny fields: checked as JSON, not kept
pub struct PlanRead<'a> {
    /// The tasks.
    #[serde(borrow)]
    pub tasks: Vec<TaskRead<'a>>,
    /// The waves, in order.
    #[serde(borrow)]
    pub waves: Vec<Vec<Text<'a>>>,
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
pub struct TaskRead<'a> {
    /// Its id: owned, so that the ids sit together in memory (their table
    /// is what `next` looks up most; borrowed, they were spread over the
    /// whole input, and `next` ran slower).
    pub id: String,
    /// Tasks that must be done first.
    #[serde(default, borrow)]
    pub deps: Vec<Text<'a>>,
    /// The write allowlist.
    #[serde(default, borrow)]
    pub touches: Vec<Text<'a>>,
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
pub struct StateRead<'a> {
    /// Each task's status, by id, in the input's order (a map in JSON; a
    /// list here, as it is only walked).
    #[serde(borrow, deserialize_with = "pairs")]
    pub tasks: Vec<(Text<'a>, TaskStateRead)>,
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
fn pairs<'de, D, K, V>(d: D) -> Result<Vec<(K, V)>, D::Error>
where
    D: serde::Deserializer<'de>,
    K: Deserialize<'de>,
    V: Deserialize<'de>,
{
    struct Pairs<K, V>(std::marker::PhantomData<(K, V)>);
    impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> serde::de::Visitor<'de> for Pairs<K, V> {
        type Value = Vec<(K, V)>;
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

impl<'a> From<&'a Task> for TaskRead<'a> {
    fn from(t: &'a Task) -> TaskRead<'a> {
        TaskRead {
            id: t.id.clone(),
            deps: t.deps.iter().map(|d| Text::of(d)).collect(),
            touches: t.touches.iter().map(|g| Text::of(g)).collect(),
            needs_user_input: t.needs_user_input,
            concurrency_class: t.concurrency_class,
            resources: t.resources.clone(),
            ..TaskRead::default()
        }
    }
}

impl Default for TaskRead<'_> {
    fn default() -> Self {
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

impl<'a> NextRead<'a> {
    /// The same input, from the full documents.
    pub fn from_documents(plan: &'a Plan, state: &'a State) -> NextRead<'a> {
        NextRead {
            plan: PlanRead {
                tasks: plan.tasks.iter().map(TaskRead::from).collect(),
                waves: plan
                    .waves
                    .iter()
                    .map(|w| w.iter().map(|id| Text::of(id)).collect())
                    .collect(),
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
                        (Text::of(id), read)
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

    /// A document with every field, read as `next` reads it (by `parse`);
    /// and with one more, refused.
    fn reads(mut full: Value, what: &str, parse: impl Fn(&str) -> serde_json::Result<()>) {
        parse(&full.to_string()).unwrap_or_else(|e| panic!("{what}: {e}"));
        full["no_such_field"] = json!(1);
        assert!(
            parse(&full.to_string()).is_err(),
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
        reads(task.clone(), "task", |t| {
            serde_json::from_str::<TaskRead>(t).map(drop)
        });
        let task_state = json!({
            "status": "running", "attempts": 1, "started": "2026-01-01T00:00:00Z",
            "finished": null, "worktree": "/tmp/w"
        });
        assert_eq!(keys(&task_state), fields::<TaskState>());
        let read = |t: &str| serde_json::from_str::<TaskStateRead>(t).map(drop);
        reads(task_state.clone(), "task state", read);
        let plan = json!({
            "schema": "muster.plan/v1", "tasks": [task], "waves": [["a"]], "ready": ["a"],
            "conflicts": [{"a": "a", "b": "b", "reason": "r", "witness": null}],
            "critical_path": {"length": 1.0, "tasks": ["a"]}, "max_outstanding": 4,
            "stats": {"tasks": 1, "deps": 0, "waves": 1, "conflicts": 0, "widest_wave": 1}
        });
        assert_eq!(keys(&plan), fields::<Plan>());
        serde_json::from_value::<Plan>(plan.clone()).unwrap();
        reads(plan, "plan", |t| {
            serde_json::from_str::<PlanRead>(t).map(drop)
        });
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
        reads(state, "state", |t| {
            serde_json::from_str::<StateRead>(t).map(drop)
        });
    }
}
