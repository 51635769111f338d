//! Tests of `replay`.

use super::*;
use serde_json::json;

/// An event at minute `min` (seq and hashes do not matter to replay).
fn ev(min: u32, run: &str, kind: &str, task: Option<&str>, payload: Value) -> Event {
    Event {
        seq: u64::from(min),
        ts_utc: format!("2026-11-21T08:{min:02}:00.000Z"),
        run_id: run.into(),
        event_type: kind.into(),
        task_id: task.map(str::to_string),
        actor: Some("alice".into()),
        payload,
        idempotency_key: None,
        origin: None,
        prev_hash: "0".repeat(64),
        hash: "0".repeat(64),
    }
}

/// Events of run `r1`, one a minute from 08:01, written as
/// `type task [payload]; …` (task `-` for none, payload `{}` when absent).
fn script(s: &str) -> Vec<Event> {
    let lines = s.split(';').map(str::trim).filter(|l| !l.is_empty());
    let ev1 = |(line, min): (&str, u32)| {
        let mut parts = line.splitn(3, ' ');
        let kind = parts.next().unwrap_or_default();
        let task = parts.next().filter(|t| *t != "-");
        let payload = serde_json::from_str(parts.next().unwrap_or("{}")).unwrap();
        ev(min, "r1", kind, task, payload)
    };
    lines.zip(1..).map(ev1).collect()
}

fn state(s: &str) -> State {
    replay(&script(s), "r1")
}

/// The tasks after the script, as `id=status` words.
#[track_caller]
fn statuses(s: &str, want: &str) {
    let got: Vec<String> = (state(s).tasks.iter())
        .map(|(id, t)| format!("{id}={}", t.status.as_str()))
        .collect();
    assert_eq!(got.join(" "), want, "{s}");
}

#[test]
    #[rustfmt::skip]
    fn task_statuses() {
        statuses("", "");
        statuses(r#"run.created - {"tasks": ["T2", "T1", 3, ""]}"#, "T1=pending T2=pending");
        statuses(r#"task.finished T1; run.created - {"tasks": ["T1"]}"#, "T1=done");
        statuses("task.dispatched T1", "T1=running");
        statuses("task.dispatched T1; task.finished T1", "T1=done");
        statuses(r#"task.finished T1 {"exit_code": 0}"#, "T1=done");
        statuses(r#"task.finished T1 {"exit_code": 3}"#, "T1=failed");
        statuses(r#"task.finished T1 {"exit_code": -1.5}"#, "T1=failed");
        statuses(r#"task.finished T1 {"exit_code": "3"}"#, "T1=done");
        statuses(r#"task.finished T1 {"status": "failed"}"#, "T1=failed");
        statuses(r#"task.finished T1 {"status": "stuck", "exit_code": 0}"#, "T1=stuck");
        statuses(r#"task.finished T1 {"status": "running", "exit_code": 1}"#, "T1=failed");
        statuses(r#"task.finished T1 {"status": "pending"}"#, "T1=done");
        statuses(r#"task.finished T1 {"status": "DONE", "exit_code": 2}"#, "T1=failed");
        statuses(r#"task.finished T1 "not an object""#, "T1=done");
        statuses("task.timed_out T1", "T1=timed_out");
        statuses("task.stuck T1", "T1=stuck");
        statuses("task.cancelled T1", "T1=cancelled");
        statuses("task.heartbeat T1", "T1=pending");
        statuses("task.dispatched T1; task.heartbeat T1", "T1=running");
        statuses("task.finished T1; task.spawned T9", "T1=done T9=pending");
        statuses("task.finished T1; task.spawned T1", "T1=done");
        statuses(r#"scope.checked T1 {"status": "PASS"}"#, "T1=pending");
        statuses(r#"scope.checked T1 {"status": "WARN"}"#, "T1=pending");
        statuses(r#"scope.checked T1 {"status": "BLOCKED"}"#, "T1=blocked");
        statuses(r#"scope.checked T1 {"status": "FAIL"}"#, "T1=blocked");
        statuses(r#"scope.checked T1 {"status": "fail"}"#, "T1=pending");
        statuses(r#"task.finished T1 {"exit_code": 1}; repair.requested T1"#, "T1=pending");
        statuses("task.dispatched T1; repair.requested T1", "T1=pending");
        statuses("task.finished T1; bundle.validated T1; integration.finished T1", "T1=done");
        statuses("task.cancelled T1; approval.denied T1; ledger.merged T1", "T1=cancelled");
        statuses("task.finished T1; run.finished T1; gate.evaluated T1", "T1=done");
        statuses("approval.granted T1; kill_switch.activated T2", "T1=pending T2=pending");
        statuses("task.exploded T1", "");
        statuses("task.dispatched -; task.finished -; task.spawned -", "");
        statuses("task.dispatched T1; task.finished; task.stuck", "T1=running");
    }

#[test]
fn attempts_and_times() {
    let s = state(r#"task.dispatched T1 {"worktree": "/w/1"}; task.stuck T1"#);
    let t = &s.tasks["T1"];
    assert_eq!((t.status, t.attempts), (TaskStatus::Stuck, 1));
    assert_eq!(t.started.as_deref(), Some("2026-11-21T08:01:00.000Z"));
    assert_eq!(t.finished.as_deref(), Some("2026-11-21T08:02:00.000Z"));
    assert_eq!(t.worktree.as_deref(), Some("/w/1"));
    let s =
        state(r#"task.dispatched T1 {"worktree": "/w/1"}; task.finished T1; task.dispatched T1"#);
    let t = &s.tasks["T1"];
    assert_eq!((t.status, t.attempts), (TaskStatus::Running, 2));
    assert_eq!(t.started.as_deref(), Some("2026-11-21T08:03:00.000Z"));
    assert_eq!((t.finished.as_deref(), t.worktree.as_deref()), (None, None));
}

/// The tasks holding locks after the script.
#[track_caller]
fn locks(s: &str, want: &[&str]) {
    let st = state(s);
    let got: Vec<&str> = st.locks_held.iter().map(|l| l.task.as_str()).collect();
    assert_eq!(got, want, "{s}");
}

#[test]
    #[rustfmt::skip]
    fn locks_taken_and_released() {
        locks("task.dispatched T2; task.dispatched T1; task.dispatched T3", &["T1", "T2", "T3"]);
        locks("task.dispatched T1; task.dispatched T1", &["T1"]);
        locks("task.dispatched T1; task.dispatched T2; task.finished T1", &["T2"]);
        locks("task.dispatched T1; task.timed_out T1", &[]);
        locks("task.dispatched T1; task.stuck T1", &[]);
        locks("task.dispatched T1; task.cancelled T1", &[]);
        locks("task.dispatched T1; repair.requested T1", &[]);
        locks(r#"task.dispatched T1; scope.checked T1 {"status": "BLOCKED"}"#, &[]);
        locks(r#"task.dispatched T1; scope.checked T1 {"status": "PASS"}"#, &["T1"]);
        locks("task.dispatched T1; task.heartbeat T1", &["T1"]);
        locks("task.dispatched T1; task.finished T2", &["T1"]);
        let held = |s| state(s).locks_held;
        let lock = |touches: &[&str], resources: &[(&str, u64)]| LockHeld {
            task: "T1".into(),
            touches: touches.iter().map(|t| t.to_string()).collect(),
            resources: resources.iter().map(|&(k, n)| (k.to_string(), n)).collect(),
        };
        let d = concat!(
            r#"task.dispatched T1 {"touches": ["src/**", 7, "docs/"],"#,
            r#" "resources": {"gpu": 2, "db": -1, "net": "1"}}"#,
        );
        assert_eq!(held(d), [lock(&["src/**", "docs/"], &[("gpu", 2)])]);
        let d = r#"task.dispatched T1 {"touches": ["a"]}; task.dispatched T1 {"touches": ["b"]}"#;
        assert_eq!(held(d), [lock(&["b"], &[])]);
        let d = r#"task.dispatched T1 {"touches": "a"}"#;
        assert_eq!(held(d), [lock(&[], &[])]);
    }

/// `(batches, loops_without_progress)` after a run written one word per
/// event: a JSON value dispatches with that `batch`, `_` dispatches without
/// one, `+` finishes a task done, `-` failed, `t` timed out.
#[track_caller]
fn loops(words: &str, want: (u64, u64)) {
    let line = |w| match w {
        "_" => "task.dispatched T1".to_string(),
        "+" => r#"task.finished T1 {"status": "done"}"#.into(),
        "-" => r#"task.finished T1 {"exit_code": 1}"#.into(),
        "t" => "task.timed_out T1".into(),
        b => format!(r#"task.dispatched T1 {{"batch": {b}}}"#),
    };
    let s = state(&words.split(' ').map(line).collect::<Vec<_>>().join(";"));
    assert_eq!((s.batches, s.loops_without_progress), want, "{words}");
}

#[test]
fn batches_and_loops_without_progress() {
    loops("+", (0, 0));
    loops("1", (1, 0));
    loops("1 1", (1, 0));
    loops("1 2", (2, 1));
    loops("1 2 1", (2, 1));
    loops("1 2 3", (3, 2));
    loops("_ _", (2, 1));
    loops(r#"null "1" 1.0 1 1"#, (4, 3));
    loops("1 + 2", (2, 0));
    loops("1 - 2", (2, 1));
    loops("1 t 2", (2, 1));
    loops("1 2 + 3", (3, 0));
    loops("1 + 2 - 3", (3, 1));
    loops("1 - + 2 - 3 4 + 5", (5, 0));
    loops("1 2 3 + _", (4, 0));
    loops("+ 1 2", (2, 1));
}

#[test]
fn spawned_and_budgets() {
    let s = state(concat!(
        r#"run.created - {"budget": 10, "tasks": ["T1"]};"#,
        "task.spawned T-AUTO-01; task.spawned -;",
        r#"task.finished T1 {"metrics": {"cost": 1.5}};"#,
        r#"task.finished T2 {"metrics": {"cost": 2}};"#,
        r#"task.finished T3 {"metrics": {"cost": "9"}};"#,
        r#"task.finished T4 {"metrics": 4}"#,
    ));
    assert_eq!((s.spawned, s.tasks.len()), (2, 5));
    let cost_limit = Some(10.0);
    assert_eq!(
        s.budgets,
        Budgets {
            cost_spent: 3.5,
            cost_limit
        }
    );
    let s = state(r#"run.created - {"budget": 10}; run.created - {"budget": "lots"}"#);
    assert_eq!(s.budgets.cost_limit, Some(10.0));
    assert_eq!(state("run.created").budgets, Budgets::default());
}

#[test]
fn gates_latest_by_name() {
    let s = state(concat!(
        r#"gate.evaluated - {"status": "WARN", "gates": [{"name": "tests", "status": "PASS"},"#,
        r#" {"name": "cov", "status": "WARN"}, {"name": 1, "status": "FAIL"},"#,
        r#" {"name": "x"}]};"#,
        r#"gate.evaluated - {"status": "FAIL","#,
        r#" "gates": [{"name": "tests", "status": "FAIL"}]};"#,
        r#"gate.evaluated - {"status": "BLOCKED"}; gate.evaluated - {"gates": []}"#,
    ));
    let g = |name: &str| (s.gates[name].status.as_str(), &s.gates[name].ts_utc[11..16]);
    assert_eq!(s.gates.len(), 3);
    assert_eq!(g("tests"), ("FAIL", "08:02"));
    assert_eq!(g("cov"), ("WARN", "08:01"));
    assert_eq!(g("verdict"), ("BLOCKED", "08:03"));
}

#[test]
fn approvals_in_order() {
    let s = state(concat!(
        r#"approval.granted - {"action": "publish", "approver": "bob", "role": "lead","#,
        r#" "reason": "all green", "evidence_hash": "ab"};"#,
        r#"approval.denied - {"action": "lock"};"#,
        r#"approval.granted - {"action": "lock", "role": 5}"#,
    ));
    let a =
        |action: &str, approver: &str, role: &str, reason: &str, hash: &str, min: u32| Approval {
            action: action.into(),
            approver: approver.into(),
            role: role.into(),
            reason: reason.into(),
            evidence_hash: hash.into(),
            ts_utc: format!("2026-11-21T08:{min:02}:00.000Z"),
        };
    let want = [
        a("publish", "bob", "lead", "all green", "ab", 1),
        a("lock", "alice", "", "", "", 3),
    ];
    assert_eq!(s.approvals, want);
    let mut e = script("approval.granted");
    e[0].actor = None;
    assert_eq!(replay(&e, "r1").approvals[0].approver, "");
}

#[test]
fn denials_in_order_beside_the_approvals() {
    let s = state(concat!(
        r#"approval.denied - {"action": "publish", "approver": "bob", "role": "dev","#,
        r#" "reason": "ship it now", "rule": "role", "why": "role \"dev\" may not publish"};"#,
        r#"approval.granted - {"action": "publish", "approver": "bob", "role": "reviewer"};"#,
        r#"approval.denied - {"action": "lock", "rule": 7, "why": null}"#,
    ));
    let d = |action: &str, approver: &str, role: &str, reason: &str, rule: &str, why: &str| {
        let min = if action == "lock" { 3 } else { 1 };
        Denial {
            action: action.into(),
            approver: approver.into(),
            role: role.into(),
            reason: reason.into(),
            rule: rule.into(),
            why: why.into(),
            ts_utc: format!("2026-11-21T08:{min:02}:00.000Z"),
        }
    };
    let want = [
        d(
            "publish",
            "bob",
            "dev",
            "ship it now",
            "role",
            r#"role "dev" may not publish"#,
        ),
        d("lock", "alice", "", "", "", ""),
    ];
    assert_eq!(s.denials, want);
    assert_eq!((s.approvals.len(), s.unknown_events), (1, 0));
    let mut e = script("approval.denied");
    e[0].actor = None;
    assert_eq!(replay(&e, "r1").denials[0].approver, "");
}

#[test]
fn kill_switch_is_global() {
    let on = json!({"reason": "incident"});
    let on = ev(1, "global", "kill_switch.activated", None, on);
    let other = ev(2, "r2", "task.finished", Some("T1"), json!({}));
    let mine = ev(3, "r1", "task.dispatched", Some("T1"), json!({}));
    let s = replay(&[on.clone(), other.clone(), mine.clone()], "r1");
    let want = KillSwitch {
        active: true,
        by: Some("alice".into()),
        reason: Some("incident".into()),
        since: Some("2026-11-21T08:01:00.000Z".into()),
    };
    assert_eq!(s.kill_switch, want);
    assert_eq!((s.events, s.tasks["T1"].status), (2, TaskStatus::Running));
    assert_eq!(replay(std::slice::from_ref(&on), "any").kill_switch, want);
    let mut off = ev(4, "r9", "kill_switch.deactivated", Some("T7"), json!({}));
    off.actor = None;
    let s = replay(&[on, other, mine, off], "r1");
    let since = Some("2026-11-21T08:04:00.000Z".into());
    let off = KillSwitch {
        since,
        ..KillSwitch::default()
    };
    assert_eq!(s.kill_switch, off);
    assert_eq!((s.events, s.tasks.len()), (3, 1));
}

#[test]
fn escalations_in_order() {
    let s = state(concat!(
        r#"escalation.raised T1 {"question": "which API?", "options": ["v1", "v2", 3], "#,
        r#""recommendation": "v2"}; escalation.raised - {"question": 7}"#,
    ));
    let want = [
        Escalation {
            task_id: Some("T1".into()),
            question: "which API?".into(),
            options: vec!["v1".into(), "v2".into()],
            recommendation: Some("v2".into()),
            ts_utc: "2026-11-21T08:01:00.000Z".into(),
        },
        Escalation {
            task_id: None,
            question: String::new(),
            options: vec![],
            recommendation: None,
            ts_utc: "2026-11-21T08:02:00.000Z".into(),
        },
    ];
    assert_eq!(s.escalations, want);
    assert_eq!(s.tasks.keys().collect::<Vec<_>>(), ["T1"]);
}

#[test]
fn counts_events_of_the_run_and_unknown_types() {
    let mut e = script("run.created; task.exploded T1; task.heartbeat T1; Run.Created");
    e.push(ev(9, "r2", "task.exploded", None, json!({})));
    let s = replay(&e, "r1");
    assert_eq!((s.events, s.unknown_events), (4, 2));
    assert_eq!(
        (s.schema.as_str(), s.run_id.as_str()),
        ("muster.state/v1", "r1")
    );
    let s = replay(&e, "nope");
    assert_eq!((s.events, s.unknown_events, s.tasks.len()), (0, 0, 0));
}

#[test]
fn any_payload_of_any_known_type_folds() {
    let odd = [
        "null",
        "[1]",
        "7",
        r#"{"status": {}, "tasks": "T1", "gates": {}, "batch": -1}"#,
    ];
    for kind in EVENT_TYPES {
        for p in odd {
            let s = state(&format!("{kind} T1 {p}"));
            assert_eq!((s.events, s.unknown_events), (1, 0), "{kind} {p}");
        }
    }
}
