//! The approval workflow through the binary: each refusal names its rule;
//! a grant is bound to the run's evidence, and any change to an artifact
//! makes it stale (the approval gate says so, and lock is refused); every
//! grant and refusal is in the ledger and replay shows both; the kill
//! switch, status and request-repair.

use crate::common::{Dir, Out, NOW};
use serde_json::{json, Value};

const RUN: &str = "run_20260601T100000Z_0a1b2c3d_001";

/// A run `RUN` by `dev` with one done task and one failed, its artifacts in
/// the run directory, and a PASS verdict recorded.
fn run() -> Dir {
    let d = Dir::new();
    d.put(
        &format!(".muster/runs/{RUN}/T1/DIFF.patch"),
        "diff --git a/x b/x\n",
    );
    d.put(
        &format!(".muster/runs/{RUN}/integrator/STATUS.json"),
        "{\"status\": \"PASS\"}\n",
    );
    d.events(&[
        json!({"run_id": RUN, "event_type": "run.created", "actor": "muster-run", "payload": {"tasks": ["T1", "T2"], "author": "dev"}}),
        json!({"run_id": RUN, "event_type": "task.dispatched", "task_id": "T1", "payload": {}}),
        json!({"run_id": RUN, "event_type": "task.finished", "task_id": "T1", "payload": {"status": "done"}}),
        json!({"run_id": RUN, "event_type": "task.dispatched", "task_id": "T2", "payload": {}}),
        json!({"run_id": RUN, "event_type": "task.finished", "task_id": "T2", "payload": {"status": "failed", "exit_code": 1}}),
        json!({"run_id": RUN, "event_type": "gate.evaluated", "actor": "muster-gate", "payload": {"status": "PASS"}}),
    ]);
    d
}

fn approve(d: &Dir, action: &str, approver: &str, role: &str, reason: &str) -> Out {
    let args = [
        "approve",
        "--action",
        action,
        "--run-id",
        RUN,
        "--approver",
        approver,
        "--role",
        role,
        "--reason",
        reason,
        "--now",
        NOW,
    ];
    d.gate(&args, "")
}

#[track_caller]
fn refused(out: &Out, rule: &str) {
    assert_eq!(out.code, 2, "{out}");
    assert_eq!(out.json()["rule"], rule, "{out}");
    assert!(out.stderr.contains(&format!("refused ({rule})")), "{out}");
}

fn release_gate(d: &Dir) -> Value {
    let g = d.put("release.json", json!({"schema": "muster.gates/v1", "gates": [{"name": "published", "kind": "approval", "action": "publish"}]}).to_string());
    d.gate(
        &[
            "--gates",
            g.to_str().unwrap(),
            "--run-id",
            RUN,
            "--now",
            NOW,
        ],
        "",
    )
    .json()
}

#[test]
fn each_refusal_names_its_rule() {
    let d = run();
    refused(
        &approve(&d, "publish", "ana", "intern", "read it all, looks right"),
        "role",
    );
    refused(&approve(&d, "publish", "ana", "reviewer", "ok"), "reason");
    refused(
        &approve(&d, "publish", "dev", "reviewer", "my own work, trust me"),
        "self-approval",
    );
    refused(
        &approve(&d, "lock", "bo", "maintainer", "freeze the release now"),
        "publish-before-lock",
    );
    d.gate(
        &[
            "kill-switch",
            "--activate",
            "--by",
            "ops",
            "--reason",
            "bad deploy, stop",
        ],
        "",
    );
    refused(
        &approve(&d, "publish", "ana", "reviewer", "read it all, looks right"),
        "kill-switch",
    );
    d.gate(
        &[
            "kill-switch",
            "--deactivate",
            "--by",
            "ops",
            "--reason",
            "fixed",
        ],
        "",
    );
    // A verdict that is not PASS or WARN.
    d.events(&[
        json!({"run_id": RUN, "event_type": "gate.evaluated", "payload": {"status": "BLOCKED"}}),
    ]);
    refused(
        &approve(&d, "publish", "ana", "reviewer", "read it all, looks right"),
        "verdict",
    );
    // An unknown action is a usage error.
    assert_eq!(
        approve(&d, "deploy", "ana", "reviewer", "read it all, looks right").code,
        64
    );
}

#[test]
fn an_approval_goes_stale_when_any_artifact_changes() {
    let d = run();
    let out = approve(
        &d,
        "publish",
        "ana",
        "reviewer",
        "read the diff and the logs",
    );
    assert_eq!(out.code, 0, "{out}");
    let hash = out.json()["evidence_hash"].as_str().unwrap().to_string();
    let fresh = release_gate(&d);
    assert_eq!(fresh["status"], "PASS", "{fresh}");
    // One byte in one artifact.
    d.put(
        &format!(".muster/runs/{RUN}/T1/DIFF.patch"),
        "diff --git a/x b/y\n",
    );
    let stale = release_gate(&d);
    assert_eq!(stale["status"], "BLOCKED", "{stale}");
    assert!(
        stale["gates"][0]["why"]
            .as_str()
            .unwrap()
            .starts_with("stale"),
        "{stale}"
    );
    refused(
        &approve(&d, "lock", "bo", "maintainer", "freeze the release now"),
        "stale-publish",
    );
    // Publish again on the new evidence, then lock.
    let again = approve(&d, "publish", "ana", "reviewer", "re-read after the change");
    assert_ne!(again.json()["evidence_hash"], hash.as_str());
    assert_eq!(
        approve(&d, "lock", "bo", "maintainer", "freeze the release now").code,
        0
    );
    refused(
        &approve(&d, "publish", "ana", "reviewer", "one more time, please"),
        "already-locked",
    );
}

#[test]
fn every_grant_and_refusal_is_in_the_ledger_and_replay_shows_them() {
    let d = run();
    refused(
        &approve(&d, "publish", "dev", "reviewer", "my own work, trust me"),
        "self-approval",
    );
    assert_eq!(
        approve(
            &d,
            "publish",
            "ana",
            "reviewer",
            "read the diff and the logs"
        )
        .code,
        0
    );
    let events = muster_ledger::store::read_events(&d.ledger()).unwrap();
    let state = muster_ledger::replay::replay(&events, RUN);
    assert_eq!(state.approvals.len(), 1);
    assert_eq!(state.approvals[0].approver, "ana");
    assert_eq!(state.denials.len(), 1);
    assert_eq!(
        (
            state.denials[0].approver.as_str(),
            state.denials[0].rule.as_str()
        ),
        ("dev", "self-approval")
    );
}

#[test]
fn status_and_repairs() {
    let d = run();
    // T1 is done: nothing to repair. T2 failed: queued again.
    let no = d.gate(
        &[
            "request-repair",
            "--run-id",
            RUN,
            "--task",
            "T1",
            "--by",
            "ana",
            "--reason",
            "try again",
        ],
        "",
    );
    assert_eq!(no.code, 2, "{no}");
    let yes = d.gate(
        &[
            "request-repair",
            "--run-id",
            RUN,
            "--task",
            "T2",
            "--by",
            "ana",
            "--reason",
            "flaky runner",
        ],
        "",
    );
    assert_eq!(yes.code, 0, "{yes}");
    let events = muster_ledger::store::read_events(&d.ledger()).unwrap();
    assert_eq!(
        muster_ledger::replay::replay(&events, RUN).tasks["T2"]
            .status
            .as_str(),
        "pending"
    );
    let status = d.gate(&["status"], "").json();
    assert_eq!(
        status["pending_repairs"],
        json!([{"run_id": RUN, "task": "T2"}]),
        "{status}"
    );
    assert_eq!(status["kill_switch"]["active"], false);
    // A pending repair blocks approvals.
    refused(
        &approve(
            &d,
            "publish",
            "ana",
            "reviewer",
            "read the diff and the logs",
        ),
        "pending-repairs",
    );
    let on = d.gate(
        &[
            "kill-switch",
            "--activate",
            "--by",
            "ops",
            "--reason",
            "stop",
        ],
        "",
    );
    assert_eq!(on.json()["kill_switch"]["active"], true, "{on}");
    assert_eq!(d.gate(&["status"], "").json()["kill_switch"]["by"], "ops");
}
