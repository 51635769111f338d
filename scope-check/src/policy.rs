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

/// What `scope.protected` holds unless muster.json says otherwise.
pub const DEFAULT_PROTECTED: &[&str] = &[".github/workflows/", ".muster/"];

/// A compiled scope.
#[derive(Debug, Clone)]
pub struct Scope {
    allow: PatternSet,
    deny: PatternSet,
    protected: PatternSet,
    /// For each protected pattern, the allow patterns that name inside it.
    explicit: Vec<PatternSet>,
    /// `allow 'P'` for each allow pattern, and for each explicit set's
    /// patterns: made once, not once per path.
    allow_labels: Vec<String>,
    explicit_labels: Vec<Vec<String>>,
    /// Whether gitlinks (submodule pointers) may change.
    pub allow_gitlinks: bool,
}

/// How one path was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the path may be changed.
    pub allowed: bool,
    /// What decided: `allow 'P'`, `deny 'P'`, `protected 'P'`, or the rule.
    pub decided_by: Option<String>,
    /// Why it is not allowed (None when allowed).
    pub reason: Option<String>,
}

fn compile(flag: &str, texts: &[String]) -> Result<PatternSet> {
    let mut patterns = Vec::with_capacity(texts.len());
    for t in texts {
        patterns.push(Pattern::parse(t).map_err(|e| anyhow!("{flag}: {e}"))?);
    }
    PatternSet::new(patterns).map_err(|e| anyhow!("{flag}: {e}"))
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
        let allow_set = compile("--allow", allow)?;
        let deny = compile("--deny", deny)?;
        let protected_set = compile("scope.protected", protected)?;
        let mut explicit = Vec::with_capacity(protected.len());
        for p in protected {
            let naming: Vec<Pattern> = allow_set
                .patterns()
                .iter()
                .filter(|a| a.names_inside(p))
                .cloned()
                .collect();
            explicit.push(PatternSet::new(naming).map_err(|e| anyhow!("--allow: {e}"))?);
        }
        let label = |set: &PatternSet| -> Vec<String> {
            set.patterns()
                .iter()
                .map(|p| format!("allow '{}'", p.text))
                .collect()
        };
        let allow_labels = label(&allow_set);
        let explicit_labels = explicit.iter().map(label).collect();
        Ok(Scope {
            allow: allow_set,
            deny,
            protected: protected_set,
            explicit,
            allow_gitlinks,
            allow_labels,
            explicit_labels,
        })
    }

    /// The allow patterns as given.
    pub fn allow(&self) -> Vec<String> {
        self.allow
            .patterns()
            .iter()
            .map(|p| p.text.clone())
            .collect()
    }

    /// The deny patterns as given.
    pub fn deny(&self) -> Vec<String> {
        self.deny
            .patterns()
            .iter()
            .map(|p| p.text.clone())
            .collect()
    }

    /// Decides one repo-relative path.
    pub fn decide(&self, path: &[u8]) -> Decision {
        if let Some(problem) = path_problem(path) {
            return refuse(problem.to_string(), problem.to_string());
        }
        // Deny and protected rarely match: ask yes/no first, which is cheaper.
        if let Some(d) = self
            .deny
            .is_match(path)
            .then(|| self.deny.first_match(path))
            .flatten()
        {
            let p = &self.deny.patterns()[d].text;
            return refuse(format!("deny '{p}'"), format!("denied by '{p}'"));
        }
        if let Some(k) = self
            .protected
            .is_match(path)
            .then(|| self.protected.first_match(path))
            .flatten()
        {
            let p = &self.protected.patterns()[k].text;
            return match self.explicit[k].first_match(path) {
                Some(a) => allowed(self.explicit_labels[k][a].clone()),
                None => refuse(
                    format!("protected '{p}'"),
                    format!("protected path ('{p}' in scope.protected): the allowlist must name it explicitly"),
                ),
            };
        }
        match self.allow.first_match(path) {
            Some(a) => allowed(self.allow_labels[a].clone()),
            None => Decision {
                allowed: false,
                decided_by: None,
                reason: Some("not in the allowlist".into()),
            },
        }
    }
}

fn allowed(label: String) -> Decision {
    Decision {
        allowed: true,
        decided_by: Some(label),
        reason: None,
    }
}

fn refuse(decided_by: String, reason: String) -> Decision {
    Decision {
        allowed: false,
        decided_by: Some(decided_by),
        reason: Some(reason),
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
