//! Scoring: which rule gives each task its role. Pure: no I/O.
//!
//! A rule matches a task when every condition kind it has matches; its
//! score is its weight times the number of its items that matched:
//!
//! - `keywords`: each keyword found in the goal (whole words,
//!   case-insensitive) is one item; none found, no match;
//! - `all_keywords`: all found, each is one item; one missing, no match;
//! - `regex`: one item when it matches the goal;
//! - `touches`: each rule glob that can match a path one of the task's
//!   touches globs can match is one item; none, no match.
//!
//! `matched` lists those items as `kind:item` (`keywords:flaky`,
//! `touches:docs/`), so `score = weight × len(matched)`. The highest score
//! wins; on a tie, the earlier rule. No rule matching: `default_role`, rule
//! `default`. A task that comes with a role keeps it.

use crate::rules::{check_role, Keyword, Rule, Rules};
use anyhow::{bail, Result};
use muster_shared::glob::{intersect, Pattern};
use muster_shared::schema::{Routing, Tasks};
use std::collections::BTreeMap;

/// The words of a text, lowercase: runs of letters, digits and `_` (as in
/// a regex's `\w`); everything else separates words.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether two globs can match a common path.
pub fn overlaps(a: &Pattern, b: &Pattern) -> bool {
    intersect::witness(a, b).is_some()
}

/// What a task is routed by.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    /// The goal as written.
    pub goal: &'a str,
    /// Its words ([`words`]).
    pub words: Vec<String>,
    /// Its touches, compiled.
    pub touches: &'a [Pattern],
}

impl<'a> Subject<'a> {
    /// A subject from a goal and compiled touches.
    pub fn new(goal: &'a str, touches: &'a [Pattern]) -> Self {
        Subject {
            goal,
            words: words(goal),
            touches,
        }
    }

    fn has(&self, k: &Keyword) -> bool {
        self.words.windows(k.words.len()).any(|w| w == k.words)
    }
}

/// The items of `rule` that match, when the rule matches.
pub fn matches(
    rule: &Rule,
    s: &Subject<'_>,
    overlap: &dyn Fn(&Pattern, &Pattern) -> bool,
) -> Option<Vec<String>> {
    let mut items = Vec::new();
    if let Some(list) = &rule.keywords {
        let hit: Vec<String> = list
            .iter()
            .filter(|k| s.has(k))
            .map(|k| format!("keywords:{}", k.text))
            .collect();
        if hit.is_empty() {
            return None;
        }
        items.extend(hit);
    }
    if let Some(list) = &rule.all_keywords {
        if !list.iter().all(|k| s.has(k)) {
            return None;
        }
        items.extend(list.iter().map(|k| format!("all_keywords:{}", k.text)));
    }
    if let Some((text, re)) = &rule.regex {
        if !re.is_match(s.goal) {
            return None;
        }
        items.push(format!("regex:{text}"));
    }
    if let Some(list) = &rule.touches {
        let hit: Vec<String> = list
            .iter()
            .filter(|p| s.touches.iter().any(|t| overlap(t, p)))
            .map(|p| format!("touches:{}", p.text))
            .collect();
        if hit.is_empty() {
            return None;
        }
        items.extend(hit);
    }
    Some(items)
}

/// The role for a subject, and why.
pub fn decide(
    rules: &Rules,
    s: &Subject<'_>,
    overlap: &dyn Fn(&Pattern, &Pattern) -> bool,
) -> (String, Routing) {
    let mut best: Option<(f64, usize, Vec<String>)> = None;
    for (i, rule) in rules.rules.iter().enumerate() {
        if let Some(items) = matches(rule, s, overlap) {
            let score = rule.weight * items.len() as f64;
            // Strictly greater: on a tie the earlier rule stays.
            if best.as_ref().is_none_or(|(b, _, _)| score > *b) {
                best = Some((score, i, items));
            }
        }
    }
    match best {
        Some((score, i, matched)) => (
            rules.rules[i].role.clone(),
            Routing {
                rule: format!("rules[{i}]"),
                score,
                matched,
            },
        ),
        None => (
            rules.default_role.clone(),
            Routing {
                rule: "default".into(),
                score: 0.0,
                matched: Vec::new(),
            },
        ),
    }
}

/// Checks the tasks (ids valid and unique, given roles valid, touches
/// globs parse) and gives each its role and routing, in place; `source`
/// names the input in errors. Task order is kept.
pub fn route(tasks: &mut Tasks, rules: &Rules, source: &str) -> Result<()> {
    route_with(tasks, rules, source, &overlaps)
}

/// [`route`] with another test of whether two globs share a path.
pub fn route_with(
    tasks: &mut Tasks,
    rules: &Rules,
    source: &str,
    overlap: &dyn Fn(&Pattern, &Pattern) -> bool,
) -> Result<()> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut compiled = Vec::with_capacity(tasks.tasks.len());
    for (i, t) in tasks.tasks.iter().enumerate() {
        if !muster_shared::id::is_valid(&t.id) {
            bail!(
                "{source}: tasks[{i}].id: {:?} is not a valid id (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)",
                t.id
            );
        }
        if let Some(j) = seen.insert(&t.id, i) {
            bail!(
                "{source}: tasks[{i}].id: duplicate id {:?} (also tasks[{j}].id)",
                t.id
            );
        }
        if let Some(role) = &t.role {
            check_role(role, &format!("{source}: tasks[{i}].role"))?;
        }
        let mut touches = Vec::with_capacity(t.touches.len());
        for (j, g) in t.touches.iter().enumerate() {
            match Pattern::parse(g) {
                Ok(p) => touches.push(p),
                Err(e) => bail!("{source}: tasks[{i}].touches[{j}]: {e}"),
            }
        }
        compiled.push(touches);
    }
    for (t, touches) in tasks.tasks.iter_mut().zip(&compiled) {
        if t.role.is_some() {
            // A role given by hand, or by an earlier route (which left its
            // routing): kept, so routing twice changes nothing.
            if t.routing.is_none() {
                t.routing = Some(Routing {
                    rule: "given".into(),
                    score: 0.0,
                    matched: Vec::new(),
                });
            }
            continue;
        }
        let (role, routing) = decide(rules, &Subject::new(&t.goal, touches), overlap);
        t.role = Some(role);
        t.routing = Some(routing);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{compile, defaults};
    use muster_shared::schema::{Document, RoleRule, Roles};

    /// A stand-in for the glob intersection, exact for the literal
    /// directories and files these tests use: two globs overlap when one's
    /// text (without a trailing `/`) is a path prefix of the other's.
    fn prefix_overlap(a: &Pattern, b: &Pattern) -> bool {
        let a = a.text.trim_end_matches('/');
        let b = b.text.trim_end_matches('/');
        let under = |x: &str, y: &str| x == y || x.starts_with(&format!("{y}/"));
        under(a, b) || under(b, a)
    }

    fn rules(json: &str) -> Rules {
        let rules: Vec<RoleRule> = serde_json::from_str(json).unwrap();
        let roles = Roles {
            schema: Roles::SCHEMA.into(),
            rules,
            default_role: "implementer".into(),
        };
        compile(&roles, "").unwrap()
    }

    /// `role rule score matched…` for a goal and touches.
    #[track_caller]
    fn route_of(rules: &Rules, goal: &str, touches: &[&str]) -> String {
        let touches: Vec<Pattern> = touches.iter().map(|t| Pattern::parse(t).unwrap()).collect();
        let (role, r) = decide(rules, &Subject::new(goal, &touches), &prefix_overlap);
        let mut out = format!("{role} {} {}", r.rule, r.score);
        for m in r.matched {
            out.push(' ');
            out.push_str(&m);
        }
        out
    }

    #[test]
    fn words_are_lowercase_runs_of_word_characters() {
        assert_eq!(
            words("Fix the FLAKY auth-test (tests/test_auth.py), Ünïcode!"),
            [
                "fix",
                "the",
                "flaky",
                "auth",
                "test",
                "tests",
                "test_auth",
                "py",
                "ünïcode"
            ]
        );
        assert!(words(" -- ").is_empty());
    }

    #[test]
    fn built_in_rules() {
        let d = compile(&defaults(), "").unwrap();
        let r = |goal: &str| route_of(&d, goal, &[]);
        assert_eq!(
            r("fix the flaky auth test"),
            "tester rules[5] 2 keywords:test keywords:flaky"
        );
        assert_eq!(r("update the README"), "docs rules[4] 1 keywords:readme");
        assert_eq!(
            r("Investigate why login is slow"),
            "explorer rules[0] 1 keywords:investigate"
        );
        assert_eq!(
            r("find out who calls it"),
            "explorer rules[0] 1 keywords:find out"
        );
        assert_eq!(
            r("audit the auth module"),
            "reviewer rules[1] 1 keywords:audit"
        );
        assert_eq!(r("write an RFC"), "architect rules[2] 1 keywords:rfc");
        assert_eq!(
            r("cherry-pick the fix and release"),
            "integrator rules[3] 2 keywords:release keywords:cherry-pick"
        );
        assert_eq!(r("implement login"), "implementer default 0");
        // The ties docs/route.md explains.
        assert_eq!(
            r("investigate the slow test"),
            "explorer rules[0] 1 keywords:investigate"
        );
        assert_eq!(
            r("review the release script"),
            "reviewer rules[1] 1 keywords:review"
        );
        assert_eq!(
            r("write docs for the test harness"),
            "docs rules[4] 1 keywords:docs"
        );
        assert_eq!(
            r("add an integration test"),
            "tester rules[5] 1 keywords:test"
        );
        assert_eq!(r("fix the regression in login"), "implementer default 0");
        assert_eq!(r("auth-test, test_auth"), "tester rules[5] 1 keywords:test");
        // Whole words only: "testing" is listed, "tested" and "contest" are not.
        assert_eq!(r("the contest is tested"), "implementer default 0");
    }

    #[test]
    fn every_condition_kind_must_match() {
        let r = rules(
            r#"[{"role": "a", "keywords": ["fix", "bug"], "regex": "^fix", "touches": ["src/"]}]"#,
        );
        assert_eq!(
            route_of(&r, "fix the bug", &["src/x.rs"]),
            "a rules[0] 4 keywords:fix keywords:bug regex:^fix touches:src/"
        );
        assert_eq!(
            route_of(&r, "fix the bug", &["lib/"]),
            "implementer default 0"
        );
        assert_eq!(
            route_of(&r, "the bug: fix", &["src/"]),
            "implementer default 0"
        );
        assert_eq!(route_of(&r, "fix the bug", &[]), "implementer default 0");
        assert_eq!(route_of(&r, "do it", &["src/"]), "implementer default 0");
    }

    #[test]
    fn all_keywords_count_each_or_nothing() {
        let r = rules(r#"[{"role": "a", "all_keywords": ["security", "Review"]}]"#);
        assert_eq!(
            route_of(&r, "review security", &[]),
            "a rules[0] 2 all_keywords:security all_keywords:Review"
        );
        assert_eq!(route_of(&r, "review it", &[]), "implementer default 0");
    }

    #[test]
    fn weight_multiplies_and_highest_score_wins() {
        let r = rules(
            r#"[{"role": "a", "keywords": ["x", "y"]},
                {"role": "b", "keywords": ["z"], "weight": 2.5},
                {"role": "c", "touches": ["docs/", "README.md", "src/"]}]"#,
        );
        assert_eq!(
            route_of(&r, "x y", &[]),
            "a rules[0] 2 keywords:x keywords:y"
        );
        assert_eq!(route_of(&r, "x y z", &[]), "b rules[1] 2.5 keywords:z");
        assert_eq!(
            route_of(&r, "x y z", &["docs/a.md", "README.md", "src/"]),
            "c rules[2] 3 touches:docs/ touches:README.md touches:src/"
        );
    }

    #[test]
    fn ties_go_to_the_earlier_rule() {
        let r = rules(
            r#"[{"role": "a", "keywords": ["x"]},
                {"role": "b", "keywords": ["y"]},
                {"role": "c", "regex": "x", "weight": 0.5}]"#,
        );
        assert_eq!(route_of(&r, "x y", &[]), "a rules[0] 1 keywords:x");
        assert_eq!(route_of(&r, "y x", &[]), "a rules[0] 1 keywords:x");
        let r = rules(
            r#"[{"role": "b", "keywords": ["y"]},
                {"role": "a", "keywords": ["x"]}]"#,
        );
        assert_eq!(route_of(&r, "x y", &[]), "b rules[0] 1 keywords:y");
    }

    fn tasks(json: &str) -> Tasks {
        muster_shared::doc::parse(json.as_bytes(), "t").unwrap()
    }

    fn route_err(json: &str) -> String {
        let d = compile(&defaults(), "").unwrap();
        format!(
            "{:#}",
            route_with(&mut tasks(json), &d, "t", &prefix_overlap).unwrap_err()
        )
    }

    #[test]
    fn given_roles_are_kept_and_routing_twice_changes_nothing() {
        let d = compile(&defaults(), "").unwrap();
        let mut t = tasks(
            r#"{"schema": "muster.tasks/v1", "tasks": [
                {"id": "A", "goal": "fix the flaky test", "role": "reviewer"},
                {"id": "B", "goal": "fix the flaky test"}]}"#,
        );
        route_with(&mut t, &d, "t", &prefix_overlap).unwrap();
        assert_eq!(t.tasks[0].role.as_deref(), Some("reviewer"));
        let given = t.tasks[0].routing.clone().unwrap();
        assert_eq!((given.rule.as_str(), given.score), ("given", 0.0));
        assert!(given.matched.is_empty());
        assert_eq!(t.tasks[1].role.as_deref(), Some("tester"));
        let once = t.clone();
        route_with(&mut t, &d, "t", &prefix_overlap).unwrap();
        assert_eq!(t, once);
    }

    #[test]
    fn bad_tasks_are_refused_with_their_path() {
        assert_eq!(
            route_err(
                r#"{"schema": "muster.tasks/v1", "tasks": [
                {"id": "A", "goal": ""}, {"id": "B", "goal": ""}, {"id": "A", "goal": ""}]}"#
            ),
            "t: tasks[2].id: duplicate id \"A\" (also tasks[0].id)"
        );
        assert_eq!(
            route_err(r#"{"schema": "muster.tasks/v1", "tasks": [{"id": "a b", "goal": ""}]}"#),
            "t: tasks[0].id: \"a b\" is not a valid id (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)"
        );
        // The glob's own message is shared's.
        assert!(route_err(
            r#"{"schema": "muster.tasks/v1", "tasks": [{"id": "a", "goal": "", "touches": ["src/", "x/!y", "[z"]}]}"#
        )
        .starts_with("t: tasks[0].touches[2]: pattern \"[z\": "));
        assert_eq!(
            route_err(
                r#"{"schema": "muster.tasks/v1", "tasks": [{"id": "a", "goal": "", "role": ""}]}"#
            ),
            "t: tasks[0].role: role \"\" is not a valid name (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)"
        );
    }
}
