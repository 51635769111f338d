//! `muster.event/v1`: one line of the ledger (DESIGN.md section 6).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The event types muster writes. Replay ignores others and counts them.
pub const EVENT_TYPES: &[&str] = &[
    "run.created",
    "task.dispatched",
    "task.heartbeat",
    "task.finished",
    "task.timed_out",
    "task.stuck",
    "task.cancelled",
    "task.spawned",
    "scope.checked",
    "bundle.validated",
    "integration.finished",
    "gate.evaluated",
    "approval.granted",
    "approval.denied",
    "kill_switch.activated",
    "kill_switch.deactivated",
    "repair.requested",
    "escalation.raised",
    "run.finished",
    "ledger.merged",
];

/// One ledger line. Written as the RFC 8785 canonical form of the whole event,
/// every key present (`null` when absent), one event per line.
///
/// `hash = sha256("muster-ledger-v1\0" ‖ JCS(event without hash))`, lowercase
/// hex; `prev_hash` is the previous line's `hash`, 64 zeros on the first line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Position in the ledger, from 1, one more on each line.
    pub seq: u64,
    /// When it happened: RFC 3339 UTC with milliseconds, `2026-11-21T08:00:00.000Z`.
    pub ts_utc: String,
    /// The run it belongs to (`global` for events of no run, such as the kill switch).
    pub run_id: String,
    /// What happened, like `task.finished`.
    pub event_type: String,
    /// The task it is about, if any.
    #[serde(default)]
    pub task_id: Option<String>,
    /// Who or what did it.
    #[serde(default)]
    pub actor: Option<String>,
    /// Details, an object; its fields depend on `event_type` (docs/ledger-events.md).
    pub payload: Value,
    /// Appending the same key with the same content again adds nothing.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// Where a merged event came from.
    #[serde(default)]
    pub origin: Option<Origin>,
    /// The previous line's hash; 64 zeros on the first line.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// Where a merged event came from: the source ledger (named by the hash of its
/// first event), and the event's seq and hash there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    /// The source ledger's id: the hash of its first event.
    pub ledger: String,
    /// The event's seq in the source.
    pub seq: u64,
    /// The event's hash in the source.
    pub hash: String,
}

/// An event as given to `muster-ledger append`: no `seq`, `prev_hash`, `hash`
/// or `origin`, which the ledger sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// `muster.event/v1`, optional.
    #[serde(default)]
    pub schema: Option<String>,
    /// When it happened; set by append when absent.
    #[serde(default)]
    pub ts_utc: Option<String>,
    /// The run it belongs to.
    pub run_id: String,
    /// What happened.
    pub event_type: String,
    /// The task it is about.
    #[serde(default)]
    pub task_id: Option<String>,
    /// Who or what did it.
    #[serde(default)]
    pub actor: Option<String>,
    /// Details (an object); `{}` when absent.
    #[serde(default)]
    pub payload: Option<Value>,
    /// See [`Event::idempotency_key`].
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

impl super::Document for Event {
    const SCHEMA: &'static str = "muster.event/v1";
}
