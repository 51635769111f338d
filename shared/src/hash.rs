//! Quick hashers for maps whose keys the program made itself (pattern texts,
//! paths, indexes): SipHash, the standard default, guards against keys
//! chosen to collide, which these maps do not face, and costs more than
//! their lookups save. Lookups only: nothing iterates these maps into
//! output, so hash order cannot leak into what a tool writes.

use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a, for short byte strings (paths, pattern texts).
#[derive(Clone, Copy, Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
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
pub type FnvBuild = BuildHasherDefault<Fnv>;

/// For integer keys (and tuples of them): each integer mixed in with one
/// rotate, xor and multiply.
#[derive(Clone, Copy, Default)]
pub struct Int(u64);

impl Int {
    fn mix(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(26) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl Hasher for Int {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.mix(u64::from(b));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }
}

/// Builds [`Int`] hashers.
pub type IntBuild = BuildHasherDefault<Int>;

/// A map for lookups by text (never iterated into output).
#[allow(clippy::disallowed_types)]
pub type FnvMap<K, V> = std::collections::HashMap<K, V, FnvBuild>;

/// A map for lookups by integers (never iterated into output).
#[allow(clippy::disallowed_types)]
pub type IntMap<K, V> = std::collections::HashMap<K, V, IntBuild>;

/// A set of integers for membership tests (never iterated into output).
#[allow(clippy::disallowed_types)]
pub type IntSet<K> = std::collections::HashSet<K, IntBuild>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn equal_keys_hash_equal_and_near_keys_apart() {
        let int = IntBuild::default();
        assert_eq!(
            int.hash_one((3usize, 4usize)),
            int.hash_one((3usize, 4usize))
        );
        assert_ne!(
            int.hash_one((3usize, 4usize)),
            int.hash_one((4usize, 3usize))
        );
        assert_ne!(int.hash_one(1usize), int.hash_one(2usize));
        let fnv = FnvBuild::default();
        assert_eq!(fnv.hash_one("src/a"), fnv.hash_one("src/a"));
        assert_ne!(fnv.hash_one("src/a"), fnv.hash_one("src/b"));
    }
}
