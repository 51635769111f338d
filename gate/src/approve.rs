//! `muster-gate approve`: the approval decision (DESIGN.md section 5,
//! "Approvals"). Pure: the shell reads the policy (`gate.approvals` in
//! muster.json), the ledger and the run's evidence hash, asks [`decide`], and
//! appends the [`event`] it is given, granted or denied, so that every refusal
//! is on record as well as every grant.
//!
//! The rules, in the order they are checked. The first that fails refuses,
//! and [`Refused`] names it and says why in one line:
//!
//! | rule | passes when |
//! |---|---|
//! | `kill-switch` | the kill switch is off (the latest `kill_switch.*` event of any run) |
//! | `shadow-mode` | muster-gate is not in shadow mode |
//! | `unknown-run` | the run has events in the ledger |
//! | `role` | the role is one of the policy's roles for the action |
//! | `reason` | the reason, trimmed, has at least `min_reason` characters |
//! | `self-approval` | the approver is not the run's author (`author` of its `run.created`; none: passes) |
//! | `verdict` | the run's latest `gate.evaluated` has status PASS or WARN |
//! | `pending-repairs` | no task of the run was queued again by `repair.requested` and has not finished since |
//! | `publish-before-lock` | lock only: the run has a publish approval |
//! | `stale-publish` | lock only: its latest publish approval is bound to the current evidence hash |
//! | `already-locked` | the run is not locked |

use muster_ledger::lock::locked;
use muster_ledger::replay::replay;
use muster_shared::schema::{Event, EventInput, KillSwitch};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What is approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// The run's result may be published.
    Publish,
    /// The run is locked: immutable from then on (muster-run and
    /// muster-integrate refuse it).
    Lock,
}

impl Action {
    /// The word used on the command line and in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Publish => "publish",
            Action::Lock => "lock",
        }
    }

    /// The action for a word, if it is one.
    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "publish" => Some(Action::Publish),
            "lock" => Some(Action::Lock),
            _ => None,
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One request for an approval, as given on the command line.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// What is to be approved.
    pub action: Action,
    /// The run.
    pub run_id: &'a str,
    /// Who approves.
    pub approver: &'a str,
    /// In which role.
    pub role: &'a str,
    /// Why.
    pub reason: &'a str,
}

/// The policy: `gate.approvals` in muster.json. A field left out keeps its
/// default: publish by `reviewer` or `maintainer`, lock by `maintainer`, a
/// reason of at least 10 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Who may approve publishing.
    pub publish: ActionPolicy,
    /// Who may lock.
    pub lock: ActionPolicy,
    /// The fewest characters a reason may have (after trimming).
    pub min_reason: usize,
}

impl Default for Policy {
    fn default() -> Self {
        let roles = |r: &[&str]| ActionPolicy {
            roles: r.iter().map(|s| s.to_string()).collect(),
        };
        Policy {
            publish: roles(&["reviewer", "maintainer"]),
            lock: roles(&["maintainer"]),
            min_reason: 10,
        }
    }
}

impl Policy {
    /// The roles that may approve `action`.
    pub fn roles(&self, action: Action) -> &[String] {
        match action {
            Action::Publish => &self.publish.roles,
            Action::Lock => &self.lock.roles,
        }
    }
}

/// Who may approve one action. An action given without `roles` may be
/// approved by no one (the defaults apply only when the action is left out).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActionPolicy {
    /// The roles allowed.
    pub roles: Vec<String>,
}

/// An approval granted, bound to the run's evidence hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    /// The evidence hash the approval is bound to.
    pub evidence_hash: String,
}

/// An approval refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The rule that refused it (see the module's table), like `role`.
    pub rule: &'static str,
    /// Why, in one line.
    pub why: String,
}

/// Decides `req` under `policy`, given the ledger's `events` (in ledger
/// order), the run's current `evidence_hash` and whether muster-gate runs in
/// `shadow` mode. The rules are checked in the order of the module's table.
pub fn decide(
    req: &Request,
    policy: &Policy,
    events: &[Event],
    evidence_hash: &str,
    shadow: bool,
) -> Result<Granted, Refused> {
    let run = req.run_id;
    let action = req.action;
    let state = replay(events, run);
    if state.kill_switch.active {
        return refuse(
            "kill-switch",
            format!(
                "the kill switch is on ({}): nothing is approved until it is deactivated",
                kill_switch_line(&state.kill_switch)
            ),
        );
    }
    if shadow {
        return refuse(
            "shadow-mode",
            "shadow mode is on: gates only report, and nothing is approved".into(),
        );
    }
    let ours = || events.iter().filter(move |e| e.run_id == run);
    if ours().next().is_none() {
        return refuse(
            "unknown-run",
            format!("run {run} has no events in the ledger"),
        );
    }
    let roles = policy.roles(action);
    if !roles.iter().any(|r| r == req.role) {
        let allowed = match roles.is_empty() {
            true => "none".to_string(),
            false => roles.join(", "),
        };
        return refuse(
            "role",
            format!(
                "role {:?} may not {action} (gate.approvals.{action}.roles: {allowed})",
                req.role
            ),
        );
    }
    let chars = req.reason.trim().chars().count();
    if chars < policy.min_reason {
        return refuse(
            "reason",
            format!(
                "the reason has {chars} characters, at least {} are needed: say why",
                policy.min_reason
            ),
        );
    }
    let mut authors = ours()
        .filter(|e| e.event_type == "run.created")
        .filter_map(|e| str_at(&e.payload, "author"))
        .filter(|a| !a.is_empty());
    if authors.any(|a| a == req.approver) {
        return refuse(
            "self-approval",
            format!(
                "{:?} created run {run}: someone else must approve it",
                req.approver
            ),
        );
    }
    let verdict = events
        .iter()
        .rev()
        .find(|e| e.run_id == run && e.event_type == "gate.evaluated");
    let Some(verdict) = verdict else {
        return refuse("verdict", "no verdict yet: run muster-gate first".into());
    };
    let status = str_at(&verdict.payload, "status");
    if !matches!(status, Some("PASS" | "WARN")) {
        return refuse(
            "verdict",
            format!(
                "the latest verdict of run {run} is {} ({}); {action} needs PASS or WARN",
                status.unwrap_or("missing"),
                verdict.ts_utc
            ),
        );
    }
    let repairs = pending_repairs(events, run);
    if !repairs.is_empty() {
        return refuse(
            "pending-repairs",
            format!(
                "run {run} has repairs pending: {} (queued again and not finished since)",
                repairs.join(", ")
            ),
        );
    }
    if action == Action::Lock {
        let Some(publish) = latest(events, run, Action::Publish) else {
            return refuse(
                "publish-before-lock",
                format!("run {run} has no publish approval: publish comes before lock"),
            );
        };
        let bound = str_at(&publish.payload, "evidence_hash").unwrap_or_default();
        if bound != evidence_hash {
            return refuse(
                "stale-publish",
                format!(
                    "the publish approval of {} is bound to evidence {}, the run's is now {}: \
                     its artifacts changed, publish again",
                    publish.ts_utc,
                    short(bound),
                    short(evidence_hash)
                ),
            );
        }
    }
    if let Some(line) = locked(events, run) {
        return refuse(
            "already-locked",
            format!("{line}; a locked run is immutable"),
        );
    }
    Ok(Granted {
        evidence_hash: evidence_hash.to_string(),
    })
}

/// The ledger event recording `decision` on `req`: `approval.granted` or
/// `approval.denied` of the run, by the approver, with payload `{action,
/// approver, role, reason, evidence_hash}` (`evidence_hash` null on a
/// denial), and `{rule, why}` on a denial.
pub fn event(req: &Request, decision: &Result<Granted, Refused>) -> EventInput {
    let mut p = Map::new();
    let mut put = |k: &str, v: Value| {
        p.insert(k.to_string(), v);
    };
    put("action", req.action.as_str().into());
    put("approver", req.approver.into());
    put("role", req.role.into());
    put("reason", req.reason.into());
    let event_type = match decision {
        Ok(g) => {
            put("evidence_hash", g.evidence_hash.as_str().into());
            "approval.granted"
        }
        Err(r) => {
            put("evidence_hash", Value::Null);
            put("rule", r.rule.into());
            put("why", r.why.as_str().into());
            "approval.denied"
        }
    };
    EventInput {
        schema: None,
        ts_utc: None,
        run_id: req.run_id.to_string(),
        event_type: event_type.to_string(),
        task_id: None,
        actor: Some(req.approver.to_string()),
        payload: Some(Value::Object(p)),
        idempotency_key: None,
    }
}

/// Whether the latest `action` approval of `run_id` is stale: bound to an
/// evidence hash other than `evidence_hash` (the run's artifacts changed
/// since). `None` when the run has no such approval.
pub fn stale(events: &[Event], run_id: &str, action: Action, evidence_hash: &str) -> Option<bool> {
    let a = latest(events, run_id, action)?;
    Some(str_at(&a.payload, "evidence_hash") != Some(evidence_hash))
}

/// The tasks of run `run_id` (sorted) with a repair pending: queued again by
/// `repair.requested` and not finished since (no `task.finished`,
/// `task.timed_out`, `task.stuck` or `task.cancelled` after the request).
/// Whether the task waits (replay says `pending`) or runs again, the repair
/// is not done.
pub fn pending_repairs<'a>(events: &'a [Event], run_id: &str) -> Vec<&'a str> {
    let mut open: BTreeMap<&str, bool> = BTreeMap::new();
    for e in events.iter().filter(|e| e.run_id == run_id) {
        let Some(task) = e.task_id.as_deref().filter(|t| !t.is_empty()) else {
            continue;
        };
        match e.event_type.as_str() {
            "repair.requested" => {
                open.insert(task, true);
            }
            "task.finished" | "task.timed_out" | "task.stuck" | "task.cancelled" => {
                open.insert(task, false);
            }
            _ => {}
        }
    }
    open.into_iter()
        .filter(|(_, o)| *o)
        .map(|(t, _)| t)
        .collect()
}

/// The run's latest `approval.granted` of `action`.
fn latest<'a>(events: &'a [Event], run_id: &str, action: Action) -> Option<&'a Event> {
    events.iter().rev().find(|e| {
        e.run_id == run_id
            && e.event_type == "approval.granted"
            && str_at(&e.payload, "action") == Some(action.as_str())
    })
}

fn refuse(rule: &'static str, why: String) -> Result<Granted, Refused> {
    Err(Refused { rule, why })
}

/// A string field of a payload (lenient: anything else is absent).
fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// `activated by A at T: "reason"`, with what the ledger says.
fn kill_switch_line(ks: &KillSwitch) -> String {
    let by = ks.by.as_ref().map(|b| format!(" by {b}"));
    let since = ks.since.as_ref().map(|t| format!(" at {t}"));
    let reason = ks.reason.as_ref().map(|r| format!(": {r:?}"));
    let parts = [by, since, reason].map(Option::unwrap_or_default);
    format!("activated{}", parts.concat())
}

/// The first 12 characters of a hash (`(none)` when empty), for messages.
fn short(hash: &str) -> &str {
    match hash {
        "" => "(none)",
        h => h.get(..12).unwrap_or(h),
    }
}

#[cfg(test)]
mod tests;
