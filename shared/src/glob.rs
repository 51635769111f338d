//! The glob dialect of every allowlist, denylist and rule (DESIGN.md section 4;
//! users read `docs/globs.md`).
//!
//! gitignore's pattern syntax without `!`, matched against repo-relative,
//! `/`-separated paths as bytes:
//!
//! - a slash at the start or in the middle anchors a pattern at the repo root;
//!   otherwise it matches the last segment at any depth (a trailing slash does
//!   not count);
//! - `*` and `?` never match `/`; `?` matches one byte; `**/` at the start,
//!   `/**` at the end and `/**/` in the middle cross directories, any other
//!   run of stars is one star;
//! - `[...]` classes as git reads them (`!` or `^`, ranges, `]` first,
//!   `[:alpha:]`, escapes), never matching `/`; `\` escapes; unescaped
//!   trailing spaces are dropped.
//!
//! What a pattern *takes*: one that ends with `/` or `/**`, or has no wildcard
//! at all, takes the path it names and everything below it. Any other pattern
//! takes whole file paths only. That is the one deliberate difference from
//! gitignore: there `*.md` also takes everything inside a directory named
//! `notes.md/`; a scope must not. Everywhere else the answer is the one `git
//! check-ignore --no-index` gives for a file at that path, which the
//! `glob_git` integration test checks.
//!
//! ```
//! use muster_shared::glob::{Pattern, PatternSet};
//!
//! let set = PatternSet::new(vec![
//!     Pattern::parse("*.md").unwrap(),
//!     Pattern::parse("src/auth").unwrap(),
//! ])
//! .unwrap();
//! assert_eq!(set.first_match(b"docs/a.md"), Some(0));
//! assert_eq!(set.first_match(b"notes.md/run.sh"), None);
//! assert_eq!(set.first_match(b"src/auth/x/y.rs"), Some(1));
//! assert!(Pattern::parse("{a,b}").is_err());
//! ```
//!
//! Patterns are parsed here (escapes, classes, anchoring, `**`) and written
//! out as normalized globset globs built with `literal_separator(true)` and
//! `backslash_escape(true)`, case-sensitive.

mod buckets;
mod class;
mod emit;
mod fast;
pub mod intersect;
mod parse;
mod plain;

use std::fmt;

use globset::{Candidate, Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// Why a pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobError {
    /// The pattern as given.
    pub pattern: String,
    /// What is wrong, with a hint where one helps.
    pub what: String,
}

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pattern {:?}: {}", self.pattern, self.what)
    }
}

impl std::error::Error for GlobError {}

/// One compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The pattern as given.
    pub text: String,
    anchored: bool,
    /// The whole literal segments before the first wildcard.
    lead: Vec<String>,
    globs: Vec<String>,
    /// Whether every glob is a literal form (`intersect::is_literal`).
    literal: bool,
    /// Compiled on first use: checking a pattern (every task's touches in a
    /// plan of 100k tasks) must not pay for a matcher nobody asks.
    matcher: std::sync::OnceLock<Option<GlobSet>>,
}

impl Pattern {
    /// Parses and checks one pattern.
    pub fn parse(text: &str) -> Result<Pattern, GlobError> {
        // Most are plain paths: read those directly (glob/plain.rs).
        let Some(p) = plain::read(text) else {
            return Self::parse_tokens(text);
        };
        Ok(Pattern {
            text: text.into(),
            anchored: p.anchored,
            lead: p.lead,
            literal: intersect::is_literal(&p.globs),
            globs: p.globs,
            matcher: std::sync::OnceLock::new(),
        })
    }

    /// [`Pattern::parse`] the general way: characters to tokens to globs.
    fn parse_tokens(text: &str) -> Result<Pattern, GlobError> {
        let error = |what: String| GlobError {
            pattern: text.into(),
            what,
        };
        let parsed = parse::parse(text).map_err(error)?;
        let globs = emit::globs(&parsed);
        // Each glob is checked now (cheap); the set is compiled when first
        // used. globset refuses only what has a class, braces or an escape
        // (`[`, `{`, `}`, `\`; `,` only inside braces): the others, most
        // of a plan's scopes, need no check.
        for g in globs
            .iter()
            .filter(|g| g.bytes().any(|c| b"[{}\\".contains(&c)))
        {
            glob(g).map_err(error)?;
        }
        Ok(Pattern {
            text: text.into(),
            anchored: parsed.anchored,
            lead: parsed.literal_lead(),
            literal: intersect::is_literal(&globs),
            globs,
            matcher: std::sync::OnceLock::new(),
        })
    }

    /// Whether the pattern is anchored and its leading literal part (before
    /// any wildcard) is `dir` or below it (`dir` ends with `/`): whether it
    /// names something inside `dir` explicitly. `.github/workflows/ci.yml`
    /// and `.github/workflows/*.yml` name inside `.github/workflows/`; `*.yml`,
    /// `**` and `.github/*` do not. Whole segments count: `.github/work*/x`
    /// does not either.
    pub fn names_inside(&self, dir: &str) -> bool {
        let dir = dir.strip_prefix('/').unwrap_or(dir);
        let dir = dir.strip_suffix('/').unwrap_or(dir);
        if !self.anchored {
            return false;
        }
        if dir.is_empty() {
            return true;
        }
        let segs: Vec<&str> = dir.split('/').collect();
        segs.len() <= self.lead.len() && segs.iter().zip(&self.lead).all(|(d, l)| d == l)
    }

    /// For a pattern anchored at the repo root, its whole literal segments
    /// before the first wildcard (`src/auth/*.rs` gives `src`, `auth`): every
    /// path it takes starts with them. None for a pattern that floats
    /// (`*.md`, `build/`), which may take a path anywhere.
    pub fn anchored_lead(&self) -> Option<&[String]> {
        self.anchored.then_some(self.lead.as_slice())
    }

    /// Whether the pattern takes the repo-relative, `/`-separated path.
    pub fn is_match(&self, path: &[u8]) -> bool {
        // A set whose globs each compiled can still fail as a whole only on
        // regex size limits; such a pattern matches nothing (for an allowlist,
        // the closed side).
        let matcher = self.matcher.get_or_init(|| compile(&self.globs).ok());
        matcher
            .as_ref()
            .is_some_and(|m| with_candidate(path, |c| m.is_match_candidate(c)))
    }

    /// The normalized globset globs (built with `literal_separator(true)` and
    /// `backslash_escape(true)`) whose union is what the pattern takes; empty
    /// when it can match nothing (a class like `[z-a]`).
    pub fn globs(&self) -> &[String] {
        &self.globs
    }
}

/// Patterns compiled together; asks which match a path.
///
/// Literal globs (most scope patterns) are answered by hash lookups
/// (`glob/fast.rs`); the rest by one globset.
#[derive(Debug, Clone)]
pub struct PatternSet {
    patterns: Vec<Pattern>,
    /// The literal globs, by their index among all globs.
    literals: fast::Literals,
    /// The other globs, by leading literal directory.
    rest: buckets::Buckets,
    /// For each glob (all of them, in pattern order), the index of its pattern.
    owner: Vec<usize>,
}

impl PatternSet {
    /// Compiles the patterns into one matcher.
    pub fn new(patterns: Vec<Pattern>) -> Result<PatternSet, GlobError> {
        Self::build(patterns, true)
    }

    /// `fast` false: one plain globset (the reference the tests compare with).
    fn build(patterns: Vec<Pattern>, fast: bool) -> Result<PatternSet, GlobError> {
        let mut owner = Vec::new();
        let mut literals = fast::Literals::default();
        let mut rest_globs = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            for g in &p.globs {
                let index = owner.len();
                owner.push(i);
                if !(fast && literals.take(g, index)) {
                    rest_globs.push((g.clone(), index));
                }
            }
        }
        let rest = buckets::Buckets::new(&rest_globs, fast).map_err(|(k, what)| GlobError {
            pattern: k.map_or_else(String::new, |k| patterns[owner[k]].text.clone()),
            what,
        })?;
        Ok(PatternSet {
            patterns,
            literals,
            rest,
            owner,
        })
    }

    /// The patterns, in the order given.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// The index of the first pattern (in the order given) that matches the
    /// repo-relative, `/`-separated path.
    pub fn first_match(&self, path: &[u8]) -> Option<usize> {
        // Globs are numbered in pattern order, so the smallest glob index
        // belongs to the first pattern.
        let mut first = None::<usize>;
        let mut keep = |g: usize| first = Some(first.map_or(g, |f| f.min(g)));
        self.each_glob(path, &mut keep);
        first.map(|g| self.owner[g])
    }

    /// The indexes of all patterns that match the path, ascending.
    pub fn matches(&self, path: &[u8]) -> Vec<usize> {
        let mut out = Vec::new();
        self.each_glob(path, |g| out.push(self.owner[g]));
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether any pattern matches the path.
    pub fn is_match(&self, path: &[u8]) -> bool {
        SCRATCH.with_borrow_mut(|s| {
            s.scan.read(path);
            let mut any = false;
            self.literals.each_match(path, &s.scan, |_| any = true);
            any || self.rest.is_match(path, &s.scan)
        })
    }

    /// Calls `found` with the index of every glob that matches the path.
    fn each_glob(&self, path: &[u8], mut found: impl FnMut(usize)) {
        SCRATCH.with_borrow_mut(|s| {
            s.scan.read(path);
            self.literals.each_match(path, &s.scan, &mut found);
            self.rest
                .each_match(path, &s.scan, &mut s.matched, &mut found);
        });
    }
}

/// Working space for matching one path.
#[derive(Default)]
struct Scratch {
    scan: fast::Scan,
    /// The matches in one bucket.
    matched: buckets::Scratch,
}

thread_local! {
    /// Working space, one per thread: matching a million paths should not
    /// allocate a million times.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// One normalized glob, built as every glob here is: `*` and `?` do not
/// match `/`, `\` escapes, case-sensitive.
fn glob(g: &str) -> Result<Glob, String> {
    GlobBuilder::new(g)
        .literal_separator(true)
        .backslash_escape(true)
        .case_insensitive(false)
        .empty_alternates(false)
        .build()
        .map_err(|e| format!("globset cannot compile it (as {g:?}): {}", e.kind()))
}

/// Compiles globs; an error names the glob's index when it is known.
fn compile(globs: &[String]) -> Result<GlobSet, (Option<usize>, String)> {
    let mut b = GlobSetBuilder::new();
    for (k, g) in globs.iter().enumerate() {
        b.add(glob(g).map_err(|e| (Some(k), e))?);
    }
    b.build()
        .map_err(|e| (None, format!("globset cannot compile the patterns: {e}")))
}

#[cfg(unix)]
fn with_candidate<R>(path: &[u8], f: impl FnOnce(&Candidate<'_>) -> R) -> R {
    use std::os::unix::ffi::OsStrExt;
    f(&Candidate::new(std::ffi::OsStr::from_bytes(path)))
}

#[cfg(not(unix))]
fn with_candidate<R>(path: &[u8], f: impl FnOnce(&Candidate<'_>) -> R) -> R {
    let path = String::from_utf8_lossy(path);
    f(&Candidate::new(path.as_ref()))
}

#[cfg(test)]
mod tests;
