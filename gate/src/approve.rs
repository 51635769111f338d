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
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    const H1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
    const H2: &str = "2222222222222222222222222222222222222222222222222222222222222222";

    /// The ledger being built: events get a minute each from 08:01.
    struct Ledger(Vec<Event>);

    impl Ledger {
        /// Run `r1`, created by erin with task T1, which ran and passed the gates.
        fn passed() -> Ledger {
            let mut l = Ledger(vec![]);
            l.add(
                "r1",
                "run.created",
                None,
                json!({"author": "erin", "tasks": ["T1"]}),
            );
            l.add("r1", "task.dispatched", Some("T1"), json!({}));
            l.add("r1", "task.finished", Some("T1"), json!({"exit_code": 0}));
            l.add("r1", "gate.evaluated", None, json!({"status": "PASS"}));
            l
        }

        fn add(&mut self, run: &str, kind: &str, task: Option<&str>, payload: Value) -> &mut Self {
            let n = self.0.len() as u64 + 1;
            self.0.push(Event {
                seq: n,
                ts_utc: format!("2026-11-21T08:{n:02}:00.000Z"),
                run_id: run.into(),
                event_type: kind.into(),
                task_id: task.map(str::to_string),
                actor: Some("muster-run".into()),
                payload,
                idempotency_key: None,
                origin: None,
                prev_hash: "0".repeat(64),
                hash: "0".repeat(64),
            });
            self
        }

        /// Appends an event as the shell would append `input`.
        fn append(&mut self, input: EventInput) -> &mut Self {
            let payload = input.payload.unwrap_or_else(|| json!({}));
            self.add(&input.run_id, &input.event_type, None, payload);
            let last = self.0.len() - 1;
            self.0[last].actor = input.actor;
            self
        }

        /// Records what `decide` says of `req` (with evidence `hash`).
        fn approve(&mut self, req: &Request, hash: &str) -> &mut Self {
            let d = decide(req, &Policy::default(), &self.0, hash, false);
            self.append(event(req, &d))
        }

        fn gate(&mut self, status: &str) -> &mut Self {
            self.add("r1", "gate.evaluated", None, json!({ "status": status }))
        }
    }

    fn publish<'a>() -> Request<'a> {
        Request {
            action: Action::Publish,
            run_id: "r1",
            approver: "bob",
            role: "reviewer",
            reason: "all checks are green",
        }
    }

    fn lock<'a>() -> Request<'a> {
        Request {
            action: Action::Lock,
            approver: "mia",
            role: "maintainer",
            reason: "release 1.2 is signed off",
            ..publish()
        }
    }

    /// The rule `decide` refuses with (`granted` when it grants), on the
    /// evidence `H1`, not in shadow mode, under the default policy.
    #[track_caller]
    fn rule(l: &Ledger, req: Request) -> &'static str {
        rule_with(l, req, &Policy::default(), H1, false)
    }

    #[track_caller]
    fn rule_with(l: &Ledger, req: Request, p: &Policy, hash: &str, shadow: bool) -> &'static str {
        match decide(&req, p, &l.0, hash, shadow) {
            Ok(g) => {
                assert_eq!(g.evidence_hash, hash);
                "granted"
            }
            Err(r) => {
                assert!(!r.why.contains('\n') && !r.why.is_empty(), "{r:?}");
                r.rule
            }
        }
    }

    fn why(l: &Ledger, req: Request) -> String {
        let d = decide(&req, &Policy::default(), &l.0, H1, false);
        d.err().map(|r| r.why).unwrap_or_default()
    }

    #[test]
    fn a_publish_on_a_passed_run_is_granted() {
        assert_eq!(rule(&Ledger::passed(), publish()), "granted");
    }

    #[test]
    fn the_kill_switch_refuses_first_and_the_latest_event_wins() {
        let mut l = Ledger::passed();
        l.add(
            "global",
            "kill_switch.activated",
            None,
            json!({"reason": "incident 42"}),
        );
        let shadow = rule_with(&l, publish(), &Policy::default(), H1, true);
        assert_eq!(shadow, "kill-switch");
        let unknown = Request {
            run_id: "r9",
            role: "x",
            ..publish()
        };
        assert_eq!(rule(&l, unknown), "kill-switch");
        assert_eq!(
            why(&l, publish()),
            "the kill switch is on (activated by muster-run at 2026-11-21T08:05:00.000Z: \
             \"incident 42\"): nothing is approved until it is deactivated"
        );
        l.add("other", "kill_switch.deactivated", None, json!({}));
        assert_eq!(rule(&l, publish()), "granted");
    }

    #[test]
    fn shadow_mode_approves_nothing() {
        let l = Ledger::passed();
        let shadow = rule_with(&l, publish(), &Policy::default(), H1, true);
        assert_eq!(shadow, "shadow-mode");
        let unknown = Request {
            run_id: "r9",
            ..publish()
        };
        assert_eq!(
            rule_with(&l, unknown, &Policy::default(), H1, true),
            "shadow-mode"
        );
    }

    #[test]
    fn a_run_without_events_is_unknown() {
        let mut l = Ledger::passed();
        l.add("global", "kill_switch.deactivated", None, json!({}));
        let other = Request {
            run_id: "r2",
            ..publish()
        };
        assert_eq!(rule(&l, other), "unknown-run");
        assert_eq!(why(&l, other), "run r2 has no events in the ledger");
    }

    #[test]
    #[rustfmt::skip]
    fn the_role_must_be_allowed_for_the_action() {
        let l = Ledger::passed();
        let as_role = |req: Request<'static>, role: &'static str| Request { role, ..req };
        assert_eq!(rule(&l, as_role(publish(), "maintainer")), "granted");
        assert_eq!(rule(&l, as_role(publish(), "dev")), "role");
        assert_eq!(rule(&l, as_role(publish(), "Reviewer")), "role");
        assert_eq!(rule(&l, as_role(publish(), "")), "role");
        // Role comes before the reason.
        assert_eq!(rule(&l, Request { role: "dev", reason: "", ..publish() }), "role");
        assert_eq!(
            why(&l, as_role(publish(), "dev")),
            "role \"dev\" may not publish (gate.approvals.publish.roles: reviewer, maintainer)"
        );
        let nobody = Policy { lock: ActionPolicy::default(), ..Policy::default() };
        assert_eq!(rule_with(&l, lock(), &nobody, H1, false), "role");
        let mut l = Ledger::passed();
        l.approve(&publish(), H1);
        assert_eq!(rule(&l, as_role(lock(), "reviewer")), "role");
        assert_eq!(rule(&l, lock()), "granted");
    }

    #[test]
    #[rustfmt::skip]
    fn the_reason_must_say_enough() {
        let l = Ledger::passed();
        let because = |reason: &'static str| Request { reason, ..publish() };
        assert_eq!(rule(&l, because("")), "reason");
        assert_eq!(rule(&l, because("123456789")), "reason");
        assert_eq!(rule(&l, because("   123456789 \n\t")), "reason");
        assert_eq!(rule(&l, because("1234567890")), "granted");
        assert_eq!(rule(&l, because("éééééééééé")), "granted");
        assert_eq!(why(&l, because(" ok ")), "the reason has 2 characters, at least 10 are needed: say why");
        let lax = Policy { min_reason: 0, ..Policy::default() };
        assert_eq!(rule_with(&l, because(""), &lax, H1, false), "granted");
    }

    #[test]
    fn the_author_may_not_approve_their_own_run() {
        let l = Ledger::passed();
        let erin = Request {
            approver: "erin",
            ..publish()
        };
        assert_eq!(rule(&l, erin), "self-approval");
        assert_eq!(
            why(&l, erin),
            "\"erin\" created run r1: someone else must approve it"
        );
        // Any run.created of the run names an author (CI jobs of one run).
        let mut l = Ledger::passed();
        l.add("r1", "run.created", None, json!({"author": "bob"}));
        assert_eq!(rule(&l, publish()), "self-approval");
        // No author: the rule cannot fire; another run's author is not ours.
        let mut l = Ledger(vec![]);
        l.add("r2", "run.created", None, json!({"author": "erin"}));
        l.add("r1", "run.created", None, json!({"author": 7}));
        l.gate("PASS");
        assert_eq!(rule(&l, erin), "granted");
        let nobody = Request {
            approver: "",
            role: "reviewer",
            ..publish()
        };
        let mut l = Ledger(vec![]);
        l.add("r1", "run.created", None, json!({"author": ""}));
        l.gate("WARN");
        assert_eq!(rule(&l, nobody), "granted");
    }

    #[test]
    #[rustfmt::skip]
    fn the_latest_verdict_must_be_pass_or_warn() {
        let mut l = Ledger(vec![]);
        l.add("r1", "run.created", None, json!({}));
        l.add("r2", "gate.evaluated", None, json!({"status": "PASS"}));
        assert_eq!(rule(&l, publish()), "verdict");
        assert_eq!(why(&l, publish()), "no verdict yet: run muster-gate first");
        l.gate("FAIL");
        assert_eq!(rule(&l, publish()), "verdict");
        assert_eq!(
            why(&l, publish()),
            "the latest verdict of run r1 is FAIL (2026-11-21T08:03:00.000Z); publish needs PASS or WARN"
        );
        l.gate("WARN");
        assert_eq!(rule(&l, publish()), "granted");
        l.gate("BLOCKED");
        assert_eq!(rule(&l, publish()), "verdict");
        l.gate("PASS");
        assert_eq!(rule(&l, publish()), "granted");
        l.add("r1", "gate.evaluated", None, json!({"status": "pass"}));
        assert_eq!(rule(&l, publish()), "verdict");
        l.add("r1", "gate.evaluated", None, json!({}));
        assert!(why(&l, publish()).starts_with("the latest verdict of run r1 is missing ("));
    }

    #[test]
    fn a_task_queued_again_by_a_repair_holds_approvals_back() {
        let mut l = Ledger::passed();
        // A task never dispatched is not a repair.
        l.add("r1", "run.created", None, json!({"tasks": ["T2"]}));
        assert_eq!(rule(&l, publish()), "granted");
        l.add("r1", "repair.requested", Some("T1"), json!({}));
        l.add("r1", "repair.requested", Some("T2"), json!({}));
        assert_eq!(rule(&l, publish()), "pending-repairs");
        assert_eq!(
            why(&l, publish()),
            "run r1 has repairs pending: T1, T2 (queued again and not finished since)"
        );
        // Running again is not finished.
        l.add("r1", "task.dispatched", Some("T1"), json!({}));
        l.add("r1", "task.cancelled", Some("T2"), json!({}));
        assert_eq!(rule(&l, publish()), "pending-repairs");
        l.add("r1", "scope.checked", Some("T1"), json!({"status": "PASS"}));
        assert_eq!(rule(&l, publish()), "pending-repairs");
        l.add("r1", "task.finished", Some("T1"), json!({"exit_code": 1}));
        assert_eq!(rule(&l, lock()), "publish-before-lock");
        assert_eq!(rule(&l, publish()), "granted");
        // Another run's repairs are not ours.
        l.add("r2", "repair.requested", Some("T1"), json!({}));
        assert_eq!(rule(&l, publish()), "granted");
        assert_eq!(pending_repairs(&l.0, "r2"), ["T1"]);
        assert!(pending_repairs(&l.0, "r1").is_empty());
    }

    #[test]
    #[rustfmt::skip]
    fn lock_needs_a_publish_on_the_current_evidence() {
        let mut l = Ledger::passed();
        assert_eq!(rule(&l, lock()), "publish-before-lock");
        assert_eq!(why(&l, lock()), "run r1 has no publish approval: publish comes before lock");
        // A refused publish is no publish; nor is another run's.
        l.approve(&Request { role: "dev", ..publish() }, H1);
        l.approve(&Request { run_id: "r2", ..publish() }, H1);
        assert_eq!(rule(&l, lock()), "publish-before-lock");
        l.approve(&publish(), H1);
        assert_eq!(rule_with(&l, lock(), &Policy::default(), H2, false), "stale-publish");
        let d = decide(&lock(), &Policy::default(), &l.0, H2, false);
        assert_eq!(
            d.err().map(|r| r.why).unwrap_or_default(),
            "the publish approval of 2026-11-21T08:07:00.000Z is bound to evidence 111111111111, \
             the run's is now 222222222222: its artifacts changed, publish again"
        );
        assert_eq!(rule(&l, lock()), "granted");
        // The latest publish counts.
        l.approve(&publish(), H2);
        assert_eq!(rule(&l, lock()), "stale-publish");
        assert_eq!(rule_with(&l, lock(), &Policy::default(), H2, false), "granted");
    }

    #[test]
    fn a_locked_run_is_neither_locked_again_nor_published() {
        let mut l = Ledger::passed();
        l.approve(&publish(), H1).approve(&lock(), H1);
        assert_eq!(
            l.0.last().map(|e| e.event_type.as_str()),
            Some("approval.granted")
        );
        assert_eq!(rule(&l, lock()), "already-locked");
        assert_eq!(rule(&l, publish()), "already-locked");
        assert_eq!(
            why(&l, publish()),
            "run r1 was locked by mia (maintainer) at 2026-11-21T08:06:00.000Z: \
             \"release 1.2 is signed off\"; a locked run is immutable"
        );
    }

    #[test]
    fn a_granted_publish_goes_stale_when_the_evidence_changes() {
        let mut l = Ledger::passed();
        assert_eq!(stale(&l.0, "r1", Action::Publish, H1), None);
        l.approve(&publish(), H1);
        assert_eq!(stale(&l.0, "r1", Action::Publish, H1), Some(false));
        assert_eq!(stale(&l.0, "r1", Action::Publish, H2), Some(true));
        assert_eq!(stale(&l.0, "r1", Action::Lock, H1), None);
        assert_eq!(stale(&l.0, "r2", Action::Publish, H1), None);
        // A denial binds nothing.
        l.approve(
            &Request {
                role: "dev",
                ..publish()
            },
            H2,
        );
        assert_eq!(stale(&l.0, "r1", Action::Publish, H2), Some(true));
        l.approve(&publish(), H2);
        assert_eq!(stale(&l.0, "r1", Action::Publish, H2), Some(false));
    }

    #[test]
    fn the_event_records_the_decision() {
        let l = Ledger::passed();
        let granted = decide(&publish(), &Policy::default(), &l.0, H1, false);
        let e = event(&publish(), &granted);
        assert_eq!(
            (e.run_id.as_str(), e.event_type.as_str(), e.actor.as_deref()),
            ("r1", "approval.granted", Some("bob"))
        );
        let want = json!({"action": "publish", "approver": "bob", "role": "reviewer",
                          "reason": "all checks are green", "evidence_hash": H1});
        assert_eq!(e.payload, Some(want));
        assert_eq!((e.task_id, e.ts_utc, e.idempotency_key), (None, None, None));

        let req = Request {
            role: "dev",
            ..lock()
        };
        let denied = decide(&req, &Policy::default(), &l.0, H1, false);
        let e = event(&req, &denied);
        assert_eq!(
            (e.event_type.as_str(), e.actor.as_deref()),
            ("approval.denied", Some("mia"))
        );
        let want = json!({"action": "lock", "approver": "mia", "role": "dev",
                          "reason": "release 1.2 is signed off", "evidence_hash": null,
                          "rule": "role",
                          "why": "role \"dev\" may not lock (gate.approvals.lock.roles: maintainer)"});
        assert_eq!(e.payload, Some(want));
        // Replay shows it.
        let mut l = l;
        l.append(e);
        let s = replay(&l.0, "r1");
        let d = &s.denials[0];
        assert_eq!(
            (d.action.as_str(), d.approver.as_str(), d.rule.as_str()),
            ("lock", "mia", "role")
        );
    }

    #[test]
    fn actions_read_and_write_their_words() {
        for a in [Action::Publish, Action::Lock] {
            assert_eq!(Action::parse(a.as_str()), Some(a));
            assert_eq!(a.to_string(), a.as_str());
        }
        assert_eq!(Action::parse("Publish"), None);
        assert_eq!(Action::parse(""), None);
    }

    #[test]
    fn the_policy_reads_from_muster_json_with_defaults() {
        let p: Policy = serde_json::from_value(json!({})).unwrap();
        assert_eq!(p, Policy::default());
        assert_eq!(p.roles(Action::Publish), ["reviewer", "maintainer"]);
        assert_eq!(p.roles(Action::Lock), ["maintainer"]);
        assert_eq!(p.min_reason, 10);
        let p: Policy =
            serde_json::from_value(json!({"publish": {"roles": ["qa"]}, "min_reason": 3})).unwrap();
        assert_eq!(
            (p.roles(Action::Publish), p.roles(Action::Lock)),
            (&["qa".to_string()][..], &["maintainer".to_string()][..])
        );
        assert_eq!(p.min_reason, 3);
        let p: Policy = serde_json::from_value(json!({"lock": {}})).unwrap();
        assert!(p.roles(Action::Lock).is_empty());
        let e = serde_json::from_value::<Policy>(json!({"publsh": {}})).unwrap_err();
        assert!(e.to_string().contains("unknown field `publsh`"), "{e}");
        let e = serde_json::from_value::<Policy>(json!({"lock": {"role": []}})).unwrap_err();
        assert!(e.to_string().contains("unknown field `role`"), "{e}");
    }
}
