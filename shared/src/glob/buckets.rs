//! The globs that are not literal, grouped by the literal directory they
//! start with (`crates/x/src/*.rs` by `crates/x/src`). Such a glob can only
//! match a path below that directory, so a path runs only the small sets of
//! its own leading directories, plus the set of globs with no literal
//! directory (`**/*.md`, `[ab]/c`).

// Lookups only: nothing here is iterated into output.
#![allow(clippy::disallowed_types)]

use super::fast::{fnv, FnvBuild, IdentityBuild, Scan};
use super::{compile, with_candidate};
use globset::GlobSet;
use std::collections::HashMap;

/// A globset and, for each of its globs, the glob's index in the whole set.
#[derive(Debug, Clone)]
struct Part {
    set: GlobSet,
    index: Vec<usize>,
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
        let mut groups: HashMap<&[u8], Vec<(String, usize)>, FnvBuild> = HashMap::default();
        for (g, i) in globs {
            let dir = if group { leading_dir(g) } else { &[][..] };
            groups.entry(dir).or_default().push((g.clone(), *i));
        }
        let mut floating = None;
        let mut by_dir = ByDir::default();
        for (dir, members) in groups {
            let texts: Vec<String> = members.iter().map(|(g, _)| g.clone()).collect();
            let index: Vec<usize> = members.iter().map(|(_, i)| *i).collect();
            let set = compile(&texts).map_err(|(k, what)| (k.map(|k| index[k]), what))?;
            let part = Part { set, index };
            if dir.is_empty() {
                floating = Some(part);
            } else {
                by_dir.entry(fnv(dir)).or_default().push((dir.into(), part));
            }
        }
        Ok(Buckets { floating, by_dir })
    }

    /// Whether it holds no glob.
    pub(crate) fn is_empty(&self) -> bool {
        self.floating.is_none() && self.by_dir.is_empty()
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
        scratch: &mut Vec<usize>,
        mut found: impl FnMut(usize),
    ) {
        if self.is_empty() {
            return;
        }
        with_candidate(path, |c| {
            for part in self.parts(path, scan) {
                part.set.matches_candidate_into(c, scratch);
                for &k in scratch.iter() {
                    found(part.index[k]);
                }
            }
        });
    }

    /// Whether any glob matches.
    pub(crate) fn is_match(&self, path: &[u8], scan: &Scan) -> bool {
        !self.is_empty()
            && with_candidate(path, |c| {
                self.parts(path, scan).any(|p| p.set.is_match_candidate(c))
            })
    }
}
