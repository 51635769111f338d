//! Each rule of the approval decision, on events built in memory.
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
