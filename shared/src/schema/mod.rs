//! Document types, one kind per file. Each type's doc comments are its schema
//! documentation; `--schema` prints the JSON Schema derived from them.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub mod bundle;
pub mod event;
pub mod gates;
pub mod integration;
pub mod plan;
pub mod report;
pub mod roles;
pub mod run;
pub mod scope_report;
pub mod state;
pub mod tasks;

pub use bundle::{Bundle, BundleFile, BundleScope};
pub use event::{Event, EventInput, Origin, EVENT_TYPES};
pub use gates::{Gate, GateKind, GateRow, Gates, Op, Summary, Verdict, Waiver};
pub use integration::{
    CheckResult, CheckRun, IntegratedTask, Integration, IntegrationConflict, IntegrationOverlap,
    IntegrationProblem, IntegrationResult, TaskOutcome,
};
pub use plan::{Batch, Conflict, CriticalPath, Plan, PlanStats, Stop, Waiting};
pub use report::{ReportEscalation, SpawnCandidate, WorkerReport};
pub use roles::{RoleRule, Roles};
pub use run::{RunDoc, RunTask, StatusDoc};
pub use scope_report::{ScopeReport, ScopedFile, Violation};
pub use state::{
    Approval, Budgets, Denial, Escalation, GateState, KillSwitch, LockHeld, State, TaskState,
    TaskStatus,
};
pub use tasks::{ConcurrencyClass, Effort, Mode, Routing, Task, Tasks};

/// A document kind: its `schema` string and its Rust type.
pub trait Document: Serialize + DeserializeOwned + JsonSchema {
    /// The value of the document's `schema` field, like `muster.state/v1`.
    const SCHEMA: &'static str;

    /// The `schema` field of a document read, when the type has one: lets
    /// the reader check the kind after one fast pass instead of two.
    fn schema_field(&self) -> Option<&str> {
        None
    }
}

/// The JSON Schema of `T`, as a JSON value.
pub fn json_schema<T: JsonSchema>() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod golden {
    //! Every document kind has a golden example in `shared/golden/` that must
    //! read strictly and re-write to the same bytes.
    use super::{Document, Event, State};
    use crate::io::to_json;

    fn golden(file: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("golden")
            .join(file);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn state_reads_and_rewrites_to_the_same_bytes() {
        let bytes = golden("state.json");
        let doc: State = crate::doc::parse(&bytes, "state.json").unwrap();
        assert_eq!(doc.schema, State::SCHEMA);
        assert_eq!(
            String::from_utf8(to_json(&doc, false)).unwrap(),
            String::from_utf8(bytes).unwrap()
        );
    }

    #[test]
    fn event_reads_and_rewrites_to_the_same_bytes() {
        // Ledger lines carry no `schema` field (DESIGN.md section 6): read the body strictly.
        let bytes = golden("event.json");
        let doc: Event = crate::doc::parse_body(&bytes, "event.json").unwrap();
        assert_eq!(
            String::from_utf8(to_json(&doc, false)).unwrap(),
            String::from_utf8(bytes).unwrap()
        );
        let mut unknown: serde_json::Value = serde_json::from_slice(&golden("event.json")).unwrap();
        unknown["colour"] = "red".into();
        let e = crate::doc::parse_body::<Event>(unknown.to_string().as_bytes(), "x").unwrap_err();
        assert!(format!("{e:#}").contains("unknown field `colour`"), "{e:#}");
    }
}
