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

/// FNV-1a: keys are short paths, and hashing them with SipHash costs more
/// than the lookup saves. (Not for untrusted keys in long-lived maps; these
/// maps are built from the scope's own patterns.)
#[derive(Clone, Copy, Default)]
pub(crate) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Builds [`Fnv`] hashers.
pub(crate) type FnvBuild = std::hash::BuildHasherDefault<Fnv>;

/// Glob indexes by literal (ascending: globs are taken in index order).
type Map = HashMap<Box<[u8]>, Vec<usize>, FnvBuild>;

/// The literal globs of a set, by form.
#[derive(Debug, Clone, Default)]
pub(crate) struct Literals {
    exact: Map,
    prefix: Map,
    suffix: Map,
    inner: Map,
}

fn put(map: &mut Map, key: &[u8], index: usize) {
    map.entry(key.into()).or_default().push(index);
}

impl Literals {
    /// Takes glob `index` if it is one of the literal forms; false otherwise.
    pub(crate) fn take(&mut self, glob: &str, index: usize) -> bool {
        if let Some(m) = glob
            .strip_prefix("**/")
            .and_then(|g| g.strip_suffix("/**"))
            .and_then(literal)
        {
            put(&mut self.inner, m, index);
        } else if let Some(m) = glob.strip_prefix("**/").and_then(literal) {
            put(&mut self.suffix, m, index);
        } else if let Some(m) = glob.strip_suffix("/**").and_then(literal) {
            put(&mut self.prefix, m, index);
        } else if let Some(m) = literal(glob) {
            put(&mut self.exact, m, index);
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
            && self.inner.is_empty()
    }

    /// Calls `found` with the glob index of every literal glob that matches.
    pub(crate) fn each_match(&self, path: &[u8], mut found: impl FnMut(usize)) {
        let mut hit = |map: &Map, key: &[u8]| {
            for &i in map.get(key).map_or(&[][..], Vec::as_slice) {
                found(i);
            }
        };
        if !self.exact.is_empty() {
            hit(&self.exact, path);
        }
        if !self.suffix.is_empty() {
            hit(&self.suffix, path);
        }
        // Every place a component starts: 0 and after each `/`.
        let mut buf = [0usize; 64];
        let heap;
        let n = path.iter().filter(|&&b| b == b'/').count();
        let slashes: &[usize] = if n <= buf.len() {
            let positions = path.iter().enumerate().filter(|(_, &b)| b == b'/');
            for (slot, (i, _)) in buf.iter_mut().zip(positions) {
                *slot = i;
            }
            &buf[..n]
        } else {
            heap = slash_positions(path);
            &heap
        };
        for &cut in slashes {
            if !self.prefix.is_empty() {
                hit(&self.prefix, &path[..cut]);
            }
            if !self.suffix.is_empty() {
                hit(&self.suffix, &path[cut + 1..]);
            }
        }
        if !self.inner.is_empty() {
            let starts = std::iter::once(0).chain(slashes.iter().map(|&c| c + 1));
            for start in starts {
                for &end in slashes.iter().filter(|&&e| e > start) {
                    hit(&self.inner, &path[start..end]);
                }
            }
        }
    }
}

fn slash_positions(path: &[u8]) -> Vec<usize> {
    path.iter()
        .enumerate()
        .filter(|(_, &b)| b == b'/')
        .map(|(i, _)| i)
        .collect()
}
