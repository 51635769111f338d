//! The scope: allow, deny and protected globs, and how one path is decided.
//!
//! In order: a path that is not a normal repo-relative path (absolute, `..`,
//! inside `.git`, empty or `.` segments) is never allowed; deny beats allow; a
//! protected path (`scope.protected`, default `.github/workflows/` and
//! `.muster/`) is allowed only by an allow pattern that names something inside
//! it explicitly (`.github/workflows/ci.yml` does, `**` and `*.yml` do not);
//! otherwise the first allow pattern that matches decides; no match is a
//! violation.

use anyhow::{anyhow, bail, Result};
use muster_shared::glob::{Pattern, PatternSet};
use std::borrow::Cow;

/// What `scope.protected` holds unless muster.json says otherwise.
pub const DEFAULT_PROTECTED: &[&str] = &[".github/workflows/", ".muster/"];

/// A compiled scope.
///
/// Deny, protected and allow patterns are compiled as one set, in that
/// order, so one pass over a path finds its first match: a deny pattern
/// there means denied, a protected one means protected, else the allow
/// pattern decides.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Deny, then protected, then allow patterns.
    all: PatternSet,
    deny_len: usize,
    protected_len: usize,
    /// For each protected pattern, the allow patterns that name inside it,
    /// and their indexes among the allow patterns.
    explicit: Vec<(PatternSet, Vec<usize>)>,
    /// `allow 'P'`, `deny 'P'`, `protected 'P'` and the reasons, made once
    /// per pattern rather than once per path.
    allow_labels: Vec<String>,
    deny_labels: Vec<(String, String)>,
    protected_labels: Vec<(String, String)>,
    /// Whether gitlinks (submodule pointers) may change.
    pub allow_gitlinks: bool,
}

/// How one file was decided. Small, because there is one per changed file:
/// a pattern is named by its index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Allowed by this allow pattern.
    Allow(u32),
    /// Denied by this deny pattern.
    Deny(u32),
    /// Under this protected pattern, and no allow pattern names it.
    Protected(u32),
    /// No allow pattern matches.
    NoMatch,
    /// Refused by a rule: a path that is not repo-relative, a rename source,
    /// a symlink target, a gitlink.
    Rule(Box<Rule>),
}

/// A rule's refusal: what decided and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// What decided (`symlink rule`, `path escapes the repo (..)`, ...).
    pub decided_by: Cow<'static, str>,
    /// Why the file is not allowed.
    pub reason: Cow<'static, str>,
}

impl Verdict {
    /// A refusal by a rule.
    pub fn rule(
        decided_by: impl Into<Cow<'static, str>>,
        reason: impl Into<Cow<'static, str>>,
    ) -> Verdict {
        Verdict::Rule(Box::new(Rule {
            decided_by: decided_by.into(),
            reason: reason.into(),
        }))
    }

    /// Whether the file may be changed.
    pub fn allowed(&self) -> bool {
        matches!(self, Verdict::Allow(_))
    }
}

fn compile(flag: &str, texts: &[String]) -> Result<Vec<Pattern>> {
    texts
        .iter()
        .map(|t| Pattern::parse(t).map_err(|e| anyhow!("{flag}: {e}")))
        .collect()
}

/// A pattern index as a verdict holds it.
fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl Scope {
    /// Compiles a scope. An empty allowlist is an error: a scope that allows
    /// nothing is a mistake, not a policy (fail closed).
    pub fn new(
        allow: &[String],
        deny: &[String],
        protected: &[String],
        allow_gitlinks: bool,
    ) -> Result<Scope> {
        if allow.is_empty() {
            bail!("the allowlist is empty: give --allow GLOB or --allow-file FILE (a scope must allow something)");
        }
        let allow_patterns = compile("--allow", allow)?;
        let deny_patterns = compile("--deny", deny)?;
        let protected_patterns = compile("scope.protected", protected)?;
        let mut explicit = Vec::with_capacity(protected.len());
        for p in protected {
            let (index, naming): (Vec<usize>, Vec<Pattern>) = allow_patterns
                .iter()
                .enumerate()
                .filter(|(_, a)| a.names_inside(p))
                .map(|(i, a)| (i, a.clone()))
                .unzip();
            let set = PatternSet::new(naming).map_err(|e| anyhow!("--allow: {e}"))?;
            explicit.push((set, index));
        }
        let allow_labels = allow_patterns
            .iter()
            .map(|p| format!("allow '{}'", p.text))
            .collect();
        let deny_labels = deny_patterns
            .iter()
            .map(|p| {
                (
                    format!("deny '{}'", p.text),
                    format!("denied by '{}'", p.text),
                )
            })
            .collect();
        let protected_labels = protected_patterns
            .iter()
            .map(|p| {
                (
                    format!("protected '{}'", p.text),
                    format!(
                        "protected path ('{}' in scope.protected): the allowlist must name it explicitly",
                        p.text
                    ),
                )
            })
            .collect();
        let (deny_len, protected_len) = (deny_patterns.len(), protected_patterns.len());
        let mut all = deny_patterns;
        all.extend(protected_patterns);
        all.extend(allow_patterns);
        // Each list compiled on its own first, so an error names its flag.
        let all = PatternSet::new(all).map_err(|e| anyhow!("--allow/--deny: {e}"))?;
        Ok(Scope {
            all,
            deny_len,
            protected_len,
            explicit,
            allow_labels,
            deny_labels,
            protected_labels,
            allow_gitlinks,
        })
    }

    fn texts(&self, from: usize, len: usize) -> Vec<String> {
        self.all.patterns()[from..from + len]
            .iter()
            .map(|p| p.text.clone())
            .collect()
    }

    /// The allow patterns as given.
    pub fn allow(&self) -> Vec<String> {
        self.texts(self.deny_len + self.protected_len, self.allow_labels.len())
    }

    /// The deny patterns as given.
    pub fn deny(&self) -> Vec<String> {
        self.texts(0, self.deny_len)
    }

    /// Decides one repo-relative path.
    pub fn decide(&self, path: &[u8]) -> Verdict {
        if let Some(problem) = path_problem(path) {
            return Verdict::rule(problem, problem);
        }
        let Some(first) = self.all.first_match(path) else {
            return Verdict::NoMatch;
        };
        if first < self.deny_len {
            return Verdict::Deny(index(first));
        }
        let k = first - self.deny_len;
        if k < self.protected_len {
            let (set, index_of) = &self.explicit[k];
            return match set.first_match(path) {
                Some(a) => Verdict::Allow(index(index_of[a])),
                None => Verdict::Protected(index(k)),
            };
        }
        Verdict::Allow(index(k - self.protected_len))
    }

    /// What decided: `allow 'P'`, `deny 'P'`, `protected 'P'`, a rule; None
    /// when no pattern matched.
    pub fn decided_by<'a>(&'a self, v: &'a Verdict) -> Option<&'a str> {
        let at = |i: &u32| usize::try_from(*i).unwrap_or(usize::MAX);
        match v {
            Verdict::Allow(i) => self.allow_labels.get(at(i)).map(String::as_str),
            Verdict::Deny(i) => self.deny_labels.get(at(i)).map(|l| l.0.as_str()),
            Verdict::Protected(i) => self.protected_labels.get(at(i)).map(|l| l.0.as_str()),
            Verdict::NoMatch => None,
            Verdict::Rule(r) => Some(&r.decided_by),
        }
    }

    /// Why the file is not allowed; None when it is.
    pub fn reason<'a>(&'a self, v: &'a Verdict) -> Option<&'a str> {
        let at = |i: &u32| usize::try_from(*i).unwrap_or(usize::MAX);
        match v {
            Verdict::Allow(_) => None,
            Verdict::Deny(i) => self.deny_labels.get(at(i)).map(|l| l.1.as_str()),
            Verdict::Protected(i) => self.protected_labels.get(at(i)).map(|l| l.1.as_str()),
            Verdict::NoMatch => Some("not in the allowlist"),
            Verdict::Rule(r) => Some(&r.reason),
        }
    }
}

/// Why a path is not a normal repo-relative path, if it is not.
pub fn path_problem(path: &[u8]) -> Option<&'static str> {
    if path.is_empty() {
        return Some("empty path");
    }
    if path[0] == b'/' {
        return Some("absolute path: outside the repo");
    }
    for seg in path.split(|&b| b == b'/') {
        match seg {
            b".." => return Some("path escapes the repo (..)"),
            s if s.eq_ignore_ascii_case(b".git") => return Some("path inside .git"),
            b"" | b"." => return Some("not a normal repo-relative path (empty or . segment)"),
            _ => {}
        }
    }
    None
}
