//! Document types, one kind per file. Each type's doc comments are its schema
//! documentation; `--schema` prints the JSON Schema derived from them.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub mod event;
pub mod state;

pub use event::{Event, EventInput, Origin, EVENT_TYPES};
pub use state::{
    Approval, Budgets, Escalation, GateState, KillSwitch, LockHeld, State, TaskState, TaskStatus,
};

/// A document kind: its `schema` string and its Rust type.
pub trait Document: Serialize + DeserializeOwned + JsonSchema {
    /// The value of the document's `schema` field, like `muster.state/v1`.
    const SCHEMA: &'static str;
}

/// The JSON Schema of `T`, as a JSON value.
pub fn json_schema<T: JsonSchema>() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or(serde_json::Value::Null)
}
