//! `touches` conditions, end to end. They ask whether two globs can match a
//! common path (`muster_shared::glob::intersect::witness`). While that
//! function is a stub answering "never", these tests check only what does
//! not depend on it (the tool runs, the other conditions decide); once it
//! answers, they check the full result.

use crate::route_ok;
use muster_shared::glob::{intersect::witness, Pattern};
use serde_json::{json, Value};

/// Whether the glob intersection is in place.
fn intersection_ready() -> bool {
    let p = |s: &str| Pattern::parse(s).unwrap();
    witness(&p("docs/"), &p("docs/api.md")).is_some()
}

/// `role rule score matched…` of each task, routing `tasks` (id, goal,
/// touches) with `args`.
fn routes(args: &[&str], tasks: &[(&str, &str, &[&str])]) -> Vec<String> {
    let doc = json!({
        "schema": "muster.tasks/v1",
        "tasks": tasks.iter().map(|(id, goal, touches)| json!({
            "id": id, "goal": goal, "touches": touches
        })).collect::<Vec<_>>(),
    });
    let out = route_ok(args, doc.to_string().as_bytes());
    out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let r = &t["routing"];
            let mut s = format!(
                "{} {} {}",
                t["role"].as_str().unwrap(),
                r["rule"].as_str().unwrap(),
                r["score"]
            );
            for m in r["matched"].as_array().unwrap() {
                s.push(' ');
                s.push_str(m.as_str().unwrap());
            }
            s
        })
        .collect()
}

#[test]
fn built_in_rules_have_no_touches_condition() {
    // Touches never decide with the built-in rules (docs/route.md says why).
    let got = routes(
        &[],
        &[
            ("A", "fix typos", &["docs/api.md"]),
            ("B", "add cases", &["tests/auth/"]),
            ("C", "fix the flaky test", &["src/"]),
        ],
    );
    assert_eq!(got[0], "implementer default 0.0");
    assert_eq!(got[1], "implementer default 0.0");
    assert_eq!(got[2], "tester rules[5] 2.0 keywords:test keywords:flaky");
}

#[test]
fn touches_rules_take_tasks_that_may_write_there() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.json");
    std::fs::write(
        &rules,
        json!({
            "schema": "muster.roles/v1",
            "rules": [
                {"role": "auth", "keywords": ["fix"], "touches": ["src/auth/"]},
                {"role": "docs", "touches": ["/docs/", "/*.md"]},
                {"role": "tester", "touches": ["**/test_*"], "weight": 0.5},
            ],
            "default_role": "implementer",
        })
        .to_string(),
    )
    .unwrap();
    let rules = rules.to_str().unwrap();
    let got = routes(
        &["--rules", rules],
        &[
            ("A", "fix login", &["src/auth/login.rs"]),
            ("B", "fix login", &["src/billing/"]),
            ("C", "write", &["docs/api.md", "README.md"]),
            ("D", "anything", &["src/"]),
            ("E", "anything", &[]),
        ],
    );
    // No touches, no touches condition: whatever the intersection says.
    assert_eq!(got[4], "implementer default 0.0");
    if intersection_ready() {
        // Keywords and touches both match: 2 items.
        assert_eq!(got[0], "auth rules[0] 2.0 keywords:fix touches:src/auth/");
        // src/billing/ shares no path with src/auth/ (both anchored), but
        // may hold src/billing/test_x: the tester rule's only item.
        assert_eq!(got[1], "tester rules[2] 0.5 touches:**/test_*");
        // Each rule glob counts once: docs/api.md is under /docs/, README.md
        // (at any depth) includes the root one, /*.md.
        assert_eq!(got[2], "docs rules[1] 2.0 touches:/docs/ touches:/*.md");
        // src/ is not anchored (a trailing slash does not anchor): it takes
        // docs/src/a, which /docs/ takes too.
        assert_eq!(got[3], "docs rules[1] 1.0 touches:/docs/");
    } else {
        // Without the intersection a rule with a touches condition never
        // matches.
        for g in &got {
            assert_eq!(g, "implementer default 0.0");
        }
    }
}

#[test]
fn given_roles_do_not_need_the_intersection() {
    let doc = json!({"schema": "muster.tasks/v1", "tasks": [
        {"id": "A", "goal": "x", "role": "docs", "touches": ["docs/"]}
    ]});
    let out: Value = route_ok(&[], doc.to_string().as_bytes());
    assert_eq!(out["tasks"][0]["role"], "docs");
    assert_eq!(
        out["tasks"][0]["routing"],
        json!({"rule": "given", "score": 0.0, "matched": []})
    );
}
