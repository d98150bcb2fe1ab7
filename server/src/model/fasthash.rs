//! A fast, deterministic hasher for the learner's tables.
//!
//! The learner hashes tens of millions of pair keys (`i << 32 | j`) and item ids per
//! build. std's SipHash is several times slower than needed, and its per-process random
//! seed would make a table's iteration order (and so float sums taken in that order)
//! differ between runs. The input is the operator's own event history, so resistance to
//! chosen-key flooding is not what matters here. The finaliser is splitmix64's: a plain
//! multiply would leave the low bits (hashbrown's bucket index) depending on `j` alone.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// See the module documentation.
#[derive(Default, Clone, Copy)]
pub struct Mix(u64);

impl Mix {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 =
            (self.0 ^ word).wrapping_add(0x9e37_79b9_7f4a_7c15).rotate_left(23).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    }
}

impl Hasher for Mix {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        // The length goes in with the tail, so "a" and "a\0" differ.
        self.add(u64::from_le_bytes(w) ^ ((bytes.len() as u64) << 56));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        crate::ab::rng::mix64(self.0)
    }
}

/// A `HashMap` with the [`Mix`] hasher.
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Mix>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash<T: Hash>(t: T) -> u64 {
        BuildHasherDefault::<Mix>::default().hash_one(t)
    }

    #[test]
    fn pair_keys_spread_over_the_low_bits() {
        // Keys that differ only in the high half (the row) must not share buckets.
        let buckets: std::collections::BTreeSet<u64> = (0..1024u64).map(|i| hash((i << 32) | 7) & 1023).collect();
        assert!(buckets.len() > 550, "{} distinct buckets of 1024", buckets.len());
        assert_eq!(hash("abc"), hash("abc"));
        assert_ne!(hash("a"), hash("a\0"));
    }
}
