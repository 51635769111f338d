//! Literal globs answered with hash lookups instead of regexes.
//!
//! Most scope patterns are literal: `services/payments/` (emitted as
//! `services/payments/**`), `Cargo.toml` (`**/Cargo.toml` and
//! `**/Cargo.toml/**`), `packages/ui/package.json`. A regex set of a thousand
//! of them is slow; each form here is a lookup at the path's `/` boundaries
//! and means exactly what globset's regex for it means (`**/` is
//! `(?:/?|.*/)`, `/**` is `/.*`, and `.` matches any byte):
//!
//! | glob | matches the path when |
//! |---|---|
//! | `lit` | it is `lit` |
//! | `lit/**` | it starts with `lit/` |
//! | `**/lit` | it is `lit` or ends with `/lit` |
//! | `**/lit/**` | `lit/` starts it or follows a `/` |

// Lookups only: nothing here is iterated into output, so hash order is harmless.
#![allow(clippy::disallowed_types)]

use std::collections::HashMap;

/// The bytes that make a glob more than a literal.
const SPECIAL: &[u8] = b"*?[]{}\\";

fn literal(s: &str) -> Option<&[u8]> {
    let b = s.as_bytes();
    (!b.is_empty() && !b.iter().any(|c| SPECIAL.contains(c))).then_some(b)
}

pub(crate) use crate::hash::FnvBuild;

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv_step(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
}

/// The forward FNV-1a hash of `bytes`, as [`Scan`] takes it.
pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_START, |h, &b| fnv_step(h, b))
}

/// Builds maps keyed by a hash already taken.
pub(crate) type IdentityBuild = std::hash::BuildHasherDefault<Identity>;

/// Passes a `u64` that is already a hash through unchanged.
#[derive(Clone, Copy, Default)]
pub(crate) struct Identity(u64);

impl std::hash::Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = fnv_step(self.0, b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A literal and the indexes of the globs it stands for.
type Entry = (Box<[u8]>, Vec<usize>);

/// Literals by their FNV hash (taken forward, or backward for suffixes, so
/// that a path's pieces are hashed in one pass), with their glob indexes
/// (ascending: globs are taken in index order).
#[derive(Debug, Clone, Default)]
struct Map {
    by_hash: HashMap<u64, Vec<Entry>, IdentityBuild>,
    /// The longest key: no longer piece can hit.
    max_len: usize,
    backward: bool,
}

impl Map {
    fn backward() -> Map {
        Map {
            backward: true,
            ..Map::default()
        }
    }

    fn hash(&self, key: &[u8]) -> u64 {
        if self.backward {
            key.iter().rev().fold(FNV_START, |h, &b| fnv_step(h, b))
        } else {
            fnv(key)
        }
    }

    fn put(&mut self, key: &[u8], index: usize) {
        self.max_len = self.max_len.max(key.len());
        let h = self.hash(key);
        let bucket = self.by_hash.entry(h).or_default();
        match bucket.iter_mut().find(|(k, _)| **k == *key) {
            Some((_, v)) => v.push(index),
            None => bucket.push((key.into(), vec![index])),
        }
    }

    fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// The indexes of `key`, whose hash (in this map's direction) is `h`.
    fn get(&self, h: u64, key: &[u8]) -> &[usize] {
        match self.by_hash.get(&h) {
            Some(bucket) => bucket
                .iter()
                .find(|(k, _)| **k == *key)
                .map_or(&[], |(_, v)| v.as_slice()),
            None => &[],
        }
    }
}

/// Where a path's `/` are, and the hashes a lookup needs, taken in one pass
/// and shared by the literal maps and the directory buckets.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// For each `/`: its position, the hash of the path before it, and the
    /// hash of the segment before it.
    pub(crate) cuts: Vec<(usize, u64, u64)>,
    /// The hash of the whole path.
    whole: u64,
    /// The hash of the last segment, and where it starts.
    last: u64,
    last_start: usize,
}

impl Scan {
    /// Scans `path` (forgetting the previous one).
    pub(crate) fn read(&mut self, path: &[u8]) {
        self.cuts.clear();
        let (mut whole, mut seg, mut start) = (FNV_START, FNV_START, 0);
        for (i, &b) in path.iter().enumerate() {
            if b == b'/' {
                self.cuts.push((i, whole, seg));
                seg = FNV_START;
                start = i + 1;
            } else {
                seg = fnv_step(seg, b);
            }
            whole = fnv_step(whole, b);
        }
        self.whole = whole;
        self.last = seg;
        self.last_start = start;
    }
}

/// The literal globs of a set, by form. The suffix and inner literals of
/// one segment (most of them: `**/Cargo.toml`, `**/testdata/**`) are looked
/// up by segment; those with a `/` in them by the slower walks.
#[derive(Debug, Clone)]
pub(crate) struct Literals {
    exact: Map,
    prefix: Map,
    suffix: Map,
    suffix_multi: Map,
    inner: Map,
    inner_multi: Map,
}

impl Default for Literals {
    fn default() -> Self {
        Literals {
            exact: Map::default(),
            prefix: Map::default(),
            suffix: Map::default(),
            suffix_multi: Map::backward(),
            inner: Map::default(),
            inner_multi: Map::default(),
        }
    }
}

impl Literals {
    /// Takes glob `index` if it is one of the literal forms; false otherwise.
    pub(crate) fn take(&mut self, glob: &str, index: usize) -> bool {
        if let Some(m) = glob
            .strip_prefix("**/")
            .and_then(|g| g.strip_suffix("/**"))
            .and_then(literal)
        {
            let map = if m.contains(&b'/') {
                &mut self.inner_multi
            } else {
                &mut self.inner
            };
            map.put(m, index);
        } else if let Some(m) = glob.strip_prefix("**/").and_then(literal) {
            let map = if m.contains(&b'/') {
                &mut self.suffix_multi
            } else {
                &mut self.suffix
            };
            map.put(m, index);
        } else if let Some(m) = glob.strip_suffix("/**").and_then(literal) {
            self.prefix.put(m, index);
        } else if let Some(m) = literal(glob) {
            self.exact.put(m, index);
        } else {
            return false;
        }
        true
    }

    /// Whether it holds no glob.
    pub(crate) fn is_empty(&self) -> bool {
        self.exact.is_empty()
            && self.prefix.is_empty()
            && self.suffix.is_empty()
            && self.suffix_multi.is_empty()
            && self.inner.is_empty()
            && self.inner_multi.is_empty()
    }

    /// Calls `found` with the glob index of every literal glob that matches
    /// `path`, which `scan` has read.
    pub(crate) fn each_match(&self, path: &[u8], scan: &Scan, mut found: impl FnMut(usize)) {
        if self.is_empty() {
            return;
        }
        let mut hit = |map: &Map, h: u64, key: &[u8]| {
            if !map.is_empty() && key.len() <= map.max_len {
                for &i in map.get(h, key) {
                    found(i);
                }
            }
        };
        // At each `/`: the path before it (`lit/**`), the segment before it
        // (`**/lit/**`).
        let mut start = 0;
        for &(cut, whole, seg) in &scan.cuts {
            hit(&self.prefix, whole, &path[..cut]);
            hit(&self.inner, seg, &path[start..cut]);
            start = cut + 1;
        }
        hit(&self.exact, scan.whole, path);
        hit(&self.suffix, scan.last, &path[scan.last_start..]);
        // Backward: suffixes `…/lit` with a `/` in them, at each `/`, and
        // the whole path.
        if !self.suffix_multi.is_empty() {
            let mut h = FNV_START;
            let mut len = 0;
            for (i, &b) in path.iter().enumerate().rev() {
                if b == b'/' {
                    hit(&self.suffix_multi, h, &path[i + 1..]);
                }
                h = fnv_step(h, b);
                len += 1;
                if len > self.suffix_multi.max_len {
                    break;
                }
            }
            if len == path.len() {
                hit(&self.suffix_multi, h, path);
            }
        }
        // Inner `lit/` with a `/` in it, at the start or after a `/`: one
        // pass from each start.
        if !self.inner_multi.is_empty() {
            let starts = std::iter::once(0).chain(scan.cuts.iter().map(|c| c.0 + 1));
            for start in starts {
                let mut h = FNV_START;
                for (k, &b) in path[start..]
                    .iter()
                    .enumerate()
                    .take(self.inner_multi.max_len + 1)
                {
                    if b == b'/' {
                        hit(&self.inner_multi, h, &path[start..start + k]);
                    }
                    h = fnv_step(h, b);
                }
            }
        }
    }
}
