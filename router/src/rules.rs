//! The rules: the built-in defaults, and compiling a `muster.roles/v1` into
//! [`Rules`] (regexes built, globs parsed, keywords split into words), with
//! every refusal naming the JSON path of what is wrong.

use crate::route::words;
use anyhow::{bail, Result};
use muster_shared::glob::Pattern;
use muster_shared::schema::{Document, RoleRule, Roles};
use regex_automata::meta::Regex;

/// The role of a task no rule matches, unless the rules say otherwise.
pub const DEFAULT_ROLE: &str = "implementer";

/// The built-in rules (docs/route.md has them as a table): keyword rules
/// only, in the order that breaks their ties: the activity (explore,
/// review, design, integrate) before the object (docs, tests).
///
/// No touches rule: a touches condition asks whether the task *may* write a
/// path the rule's globs take, and in the glob dialect that is true of most
/// pairs. `tests/` and `**/test_*` match at any depth and a literal takes
/// what is below it, so they share a path with every task (`src/auth/login.rs`
/// with `src/auth/login.rs/tests/a`); even the anchored `/docs/` shares one
/// with `src/` (`docs/src/a`). Such a rule would give the tester or docs role
/// to nearly every task that has no keyword.
pub fn defaults() -> Roles {
    let kw = |role: &str, words: &[&str]| RoleRule {
        role: role.into(),
        keywords: Some(words.iter().map(|w| w.to_string()).collect()),
        all_keywords: None,
        regex: None,
        touches: None,
        weight: None,
    };
    Roles {
        schema: Roles::SCHEMA.into(),
        rules: vec![
            kw(
                "explorer",
                &[
                    "investigate",
                    "investigation",
                    "explore",
                    "find out",
                    "research",
                    "spike",
                    "look into",
                    "root cause",
                ],
            ),
            kw("reviewer", &["review", "audit", "inspect"]),
            kw(
                "architect",
                &["design", "architecture", "rfc", "adr", "proposal"],
            ),
            kw(
                "integrator",
                &[
                    "merge",
                    "integrate",
                    "release",
                    "rebase",
                    "backport",
                    "cherry-pick",
                ],
            ),
            kw(
                "docs",
                &[
                    "docs",
                    "documentation",
                    "document",
                    "readme",
                    "changelog",
                    "docstrings",
                    "tutorial",
                ],
            ),
            kw(
                "tester",
                &[
                    "test", "tests", "testing", "flaky", "coverage", "e2e", "fuzz",
                ],
            ),
        ],
        default_role: DEFAULT_ROLE.into(),
    }
}

/// Rules ready to score tasks.
#[derive(Debug, Clone)]
pub struct Rules {
    /// The rules, in order.
    pub rules: Vec<Rule>,
    /// The role of a task no rule matches.
    pub default_role: String,
}

/// One compiled rule. A condition kind is `None` when the rule does not
/// have it.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The role it gives.
    pub role: String,
    /// Any of these in the goal.
    pub keywords: Option<Vec<Keyword>>,
    /// All of these in the goal.
    pub all_keywords: Option<Vec<Keyword>>,
    /// The regex as written, and compiled.
    pub regex: Option<(String, Regex)>,
    /// Globs the task's touches must share a path with.
    pub touches: Option<Vec<Pattern>>,
    /// Multiplies the score.
    pub weight: f64,
}

/// A keyword as written, and the lowercase words it is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyword {
    /// As written in the rule.
    pub text: String,
    /// Its words, lowercase (`"Find out"` is `["find", "out"]`).
    pub words: Vec<String>,
}

/// Compiles rules. `origin` starts every error and says where the rules
/// came from, ending where the JSON path begins: `"rules.json: "`, or
/// `"config route."`.
pub fn compile(roles: &Roles, origin: &str) -> Result<Rules> {
    check_role(&roles.default_role, &format!("{origin}default_role"))?;
    let mut rules = Vec::with_capacity(roles.rules.len());
    for (i, r) in roles.rules.iter().enumerate() {
        let at = format!("{origin}rules[{i}]");
        rules.push(compile_rule(r, &at)?);
    }
    Ok(Rules {
        rules,
        default_role: roles.default_role.clone(),
    })
}

fn compile_rule(r: &RoleRule, at: &str) -> Result<Rule> {
    check_role(&r.role, &format!("{at}.role"))?;
    if r.keywords.is_none() && r.all_keywords.is_none() && r.regex.is_none() && r.touches.is_none()
    {
        bail!("{at}: the rule has no condition (keywords, all_keywords, regex, touches); a task no rule matches gets default_role");
    }
    let keywords = match &r.keywords {
        Some(list) => Some(keyword_list(list, &format!("{at}.keywords"))?),
        None => None,
    };
    let all_keywords = match &r.all_keywords {
        Some(list) => Some(keyword_list(list, &format!("{at}.all_keywords"))?),
        None => None,
    };
    let regex = match &r.regex {
        Some(text) => match Regex::new(text) {
            Ok(re) => Some((text.clone(), re)),
            Err(e) => bail!("{at}.regex: invalid regex {text:?}: {}", regex_error(&e)),
        },
        None => None,
    };
    let touches = match &r.touches {
        Some(list) => {
            if list.is_empty() {
                bail!("{at}.touches: empty list matches nothing; leave the field out");
            }
            let mut out = Vec::with_capacity(list.len());
            for (j, g) in list.iter().enumerate() {
                match Pattern::parse(g) {
                    Ok(p) => out.push(p),
                    Err(e) => bail!("{at}.touches[{j}]: {e}"),
                }
            }
            Some(out)
        }
        None => None,
    };
    let weight = r.weight.unwrap_or(1.0);
    if !(weight.is_finite() && weight > 0.0) {
        bail!("{at}.weight: {weight} is not a number above 0");
    }
    Ok(Rule {
        role: r.role.clone(),
        keywords,
        all_keywords,
        regex,
        touches,
        weight,
    })
}

/// A regex build error on one line. A syntax error's text is a drawing
/// over several lines (the pattern, a caret, `error: what`): keep the what.
fn regex_error(e: &regex_automata::meta::BuildError) -> String {
    let text = match e.syntax_error() {
        Some(syntax) => syntax.to_string(),
        None => muster_shared::cli::one_line(&anyhow::Error::new(e.clone())),
    };
    match text.lines().last().and_then(|l| l.strip_prefix("error: ")) {
        Some(what) => what.to_string(),
        None => text.replace('\n', " "),
    }
}

/// Splits keywords into words; a keyword listed twice (by its words) is
/// kept once.
fn keyword_list(list: &[String], at: &str) -> Result<Vec<Keyword>> {
    if list.is_empty() {
        bail!("{at}: empty list matches nothing; leave the field out");
    }
    let mut out: Vec<Keyword> = Vec::with_capacity(list.len());
    for (j, text) in list.iter().enumerate() {
        let w = words(text);
        if w.is_empty() {
            bail!("{at}[{j}]: keyword {text:?} has no word in it (letters, digits, _)");
        }
        if !out.iter().any(|k| k.words == w) {
            out.push(Keyword {
                text: text.clone(),
                words: w,
            });
        }
    }
    Ok(out)
}

/// A role name has the syntax of an id: it names workers, files and
/// branches downstream.
pub fn check_role(role: &str, at: &str) -> Result<()> {
    if !muster_shared::id::is_valid(role) {
        bail!("{at}: role {role:?} is not a valid name (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: &str) -> String {
        let r: RoleRule = serde_json::from_str(json).unwrap();
        let roles = Roles {
            schema: Roles::SCHEMA.into(),
            rules: vec![r],
            default_role: "implementer".into(),
        };
        match compile(&roles, "f: ") {
            Ok(_) => "ok".into(),
            Err(e) => format!("{e:#}"),
        }
    }

    #[test]
    fn defaults_compile() {
        let rules = compile(&defaults(), "built-in rules: ").unwrap();
        assert_eq!(rules.default_role, "implementer");
        assert_eq!(rules.rules.len(), 6);
    }

    #[test]
    fn refusals_name_the_path() {
        assert_eq!(rule(r#"{"role": "x", "regex": "(?i)fix\\b"}"#), "ok");
        assert_eq!(
            rule(r#"{"role": "x", "regex": "fix("}"#),
            "f: rules[0].regex: invalid regex \"fix(\": unclosed group"
        );
        assert_eq!(
            rule(r#"{"role": "x", "regex": "a{99999}{99999}"}"#),
            "f: rules[0].regex: invalid regex \"a{99999}{99999}\": error building NFA: heap usage during NFA compilation exceeded limit of 10485760"
        );
        assert_eq!(
            rule(r#"{"role": "x"}"#),
            "f: rules[0]: the rule has no condition (keywords, all_keywords, regex, touches); a task no rule matches gets default_role"
        );
        assert_eq!(
            rule(r#"{"role": "x", "keywords": []}"#),
            "f: rules[0].keywords: empty list matches nothing; leave the field out"
        );
        assert_eq!(
            rule(r#"{"role": "x", "all_keywords": ["a", "--"]}"#),
            "f: rules[0].all_keywords[1]: keyword \"--\" has no word in it (letters, digits, _)"
        );
        assert_eq!(
            rule(r#"{"role": "x", "touches": ["docs/", "{a,b}"]}"#),
            "f: rules[0].touches[1]: pattern \"{a,b}\": braces are not part of the dialect: write two patterns (or escape the { as \\{)"
        );
        assert_eq!(
            rule(r#"{"role": "x", "touches": []}"#),
            "f: rules[0].touches: empty list matches nothing; leave the field out"
        );
        assert_eq!(
            rule(r#"{"role": "a b", "regex": "x"}"#),
            "f: rules[0].role: role \"a b\" is not a valid name (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)"
        );
        assert_eq!(
            rule(r#"{"role": "x", "regex": "x", "weight": 0}"#),
            "f: rules[0].weight: 0 is not a number above 0"
        );
        assert_eq!(
            rule(r#"{"role": "x", "regex": "x", "weight": -1.5}"#),
            "f: rules[0].weight: -1.5 is not a number above 0"
        );
    }

    #[test]
    fn keywords_are_split_and_kept_once() {
        let k = keyword_list(&["Find out".into(), "find  OUT".into(), "x".into()], "k").unwrap();
        assert_eq!(k.len(), 2);
        assert_eq!(k[0].text, "Find out");
        assert_eq!(k[0].words, ["find", "out"]);
    }
}
