//! The globs that are not literal, grouped by the literal directory they
//! start with (`crates/x/src/*.rs` by `crates/x/src`). Such a glob can only
//! match a path below that directory, so a path runs only the small sets of
//! its own leading directories, plus the set of globs with no literal
//! directory (`**/*.md`, `[ab]/c`).
//!
//! Each group is one regex set (regex-automata's meta engine, the one
//! globset runs, with globset's settings and its regex for each glob), so a
//! path is one pass over its bytes per group. A globset would try its globs
//! one regex at a time when they share an extension (`**/router_*.py`,
//! `**/handler_*.py`, ...), which is most of the time of a large scope.

// Lookups only: nothing here is iterated into output.
#![allow(clippy::disallowed_types)]

use super::fast::{fnv, IdentityBuild, Scan};
use super::{compile, glob, with_candidate};
use globset::GlobSet;
use regex_automata::meta::Regex;
use regex_automata::{Input, PatternSet};
use std::collections::{BTreeMap, HashMap};

/// The globs of a group, compiled together.
#[derive(Debug, Clone)]
enum Matcher {
    /// One regex set (the fast path).
    Regexes(Regex),
    /// A plain globset (the reference the tests compare with).
    Globs(GlobSet),
}

/// A group's matcher and, for each of its globs, the glob's index in the
/// whole set.
#[derive(Debug, Clone)]
struct Part {
    matcher: Matcher,
    index: Vec<usize>,
}

/// Compiles globs into one regex set; an error names the glob's index when
/// it is known.
fn regex_set(globs: &[String]) -> Result<Regex, (Option<usize>, String)> {
    let mut regexes = Vec::with_capacity(globs.len());
    for (k, g) in globs.iter().enumerate() {
        regexes.push(glob(g).map_err(|e| (Some(k), e))?.regex().to_string());
    }
    let syntax = regex_automata::util::syntax::Config::new()
        .utf8(false)
        .dot_matches_new_line(true);
    let config = Regex::config()
        .match_kind(regex_automata::MatchKind::All)
        .utf8_empty(false)
        .nfa_size_limit(Some(10 << 20))
        .hybrid_cache_capacity(10 << 20);
    Regex::builder()
        .syntax(syntax)
        .configure(config)
        .build_many(&regexes)
        .map_err(|e| (None, format!("the patterns do not compile together: {e}")))
}

/// Parts by directory hash; each hash's directories, to tell them apart.
type ByDir = HashMap<u64, Vec<(Box<[u8]>, Part)>, IdentityBuild>;

/// Non-literal globs by leading literal directory.
#[derive(Debug, Clone)]
pub(crate) struct Buckets {
    floating: Option<Part>,
    /// By the FNV hash of the directory (as [`Scan`] takes it at each `/`),
    /// then the directory itself.
    by_dir: ByDir,
}

/// The literal directory a glob starts with: its bytes before the first
/// special character, up to the last `/` there.
fn leading_dir(glob: &str) -> &[u8] {
    let b = glob.as_bytes();
    let literal = b
        .iter()
        .position(|c| b"*?[]{}\\".contains(c))
        .unwrap_or(b.len());
    match b[..literal].iter().rposition(|&c| c == b'/') {
        Some(slash) => &b[..slash],
        None => &[],
    }
}

impl Buckets {
    /// Groups (when `group`; else one set) and compiles `(glob, index)`. An
    /// error gives the failing glob's index in the whole set, when known.
    pub(crate) fn new(
        globs: &[(String, usize)],
        group: bool,
    ) -> Result<Buckets, (Option<usize>, String)> {
        // Sorted, so groups compile (and a failing one is reported) in a fixed order.
        let mut groups: BTreeMap<&[u8], Vec<(String, usize)>> = BTreeMap::new();
        for (g, i) in globs {
            let dir = if group { leading_dir(g) } else { &[][..] };
            groups.entry(dir).or_default().push((g.clone(), *i));
        }
        let mut floating = None;
        let mut by_dir = ByDir::default();
        for (dir, members) in groups {
            let texts: Vec<String> = members.iter().map(|(g, _)| g.clone()).collect();
            let index: Vec<usize> = members.iter().map(|(_, i)| *i).collect();
            let at = |(k, what): (Option<usize>, String)| (k.map(|k| index[k]), what);
            let matcher = if group {
                Matcher::Regexes(regex_set(&texts).map_err(at)?)
            } else {
                Matcher::Globs(compile(&texts).map_err(at)?)
            };
            let part = Part { matcher, index };
            if dir.is_empty() {
                floating = Some(part);
            } else {
                by_dir.entry(fnv(dir)).or_default().push((dir.into(), part));
            }
        }
        Ok(Buckets { floating, by_dir })
    }

    /// The parts a path must be run against: the floating one, then those
    /// of its leading directories, shortest first.
    fn parts<'a>(&'a self, path: &'a [u8], scan: &'a Scan) -> impl Iterator<Item = &'a Part> + 'a {
        let dirs = scan
            .cuts
            .iter()
            .filter(|_| !self.by_dir.is_empty())
            .filter_map(move |&(cut, h, _)| {
                let dir = &path[..cut];
                self.by_dir
                    .get(&h)?
                    .iter()
                    .find(|(d, _)| **d == *dir)
                    .map(|(_, part)| part)
            });
        self.floating.iter().chain(dirs)
    }

    /// Calls `found` with the whole-set index of every glob that matches
    /// `path`, which `scan` has read. `scratch` is working space (kept by
    /// the caller to spare an allocation per path).
    pub(crate) fn each_match(
        &self,
        path: &[u8],
        scan: &Scan,
        scratch: &mut Scratch,
        mut found: impl FnMut(usize),
    ) {
        for part in self.parts(path, scan) {
            match &part.matcher {
                Matcher::Regexes(re) => {
                    let set = &mut scratch.regex_matches;
                    if set.capacity() < re.pattern_len() {
                        *set = PatternSet::new(re.pattern_len());
                    }
                    set.clear();
                    re.which_overlapping_matches(&Input::new(path), set);
                    for k in set.iter() {
                        found(part.index[k.as_usize()]);
                    }
                }
                Matcher::Globs(g) => {
                    with_candidate(path, |c| {
                        g.matches_candidate_into(c, &mut scratch.glob_matches)
                    });
                    for &k in &scratch.glob_matches {
                        found(part.index[k]);
                    }
                }
            }
        }
    }

    /// Whether any glob matches.
    pub(crate) fn is_match(&self, path: &[u8], scan: &Scan) -> bool {
        self.parts(path, scan).any(|part| match &part.matcher {
            Matcher::Regexes(re) => re.is_match(Input::new(path)),
            Matcher::Globs(g) => with_candidate(path, |c| g.is_match_candidate(c)),
        })
    }
}

/// Working space for matching one path (kept per thread by the caller).
#[derive(Debug)]
pub(crate) struct Scratch {
    regex_matches: PatternSet,
    glob_matches: Vec<usize>,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            regex_matches: PatternSet::new(0),
            glob_matches: Vec::new(),
        }
    }
}
