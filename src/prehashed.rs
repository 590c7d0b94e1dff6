//! Hash maps and sets keyed by a 64-bit hash computed beforehand (with a
//! per-process random key), which need no hashing of their own.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A map keyed by a precomputed hash.
pub type Map<V> = HashMap<u64, V, BuildHasherDefault<PassThrough>>;

/// A set of precomputed hashes.
pub type Set = HashSet<u64, BuildHasherDefault<PassThrough>>;

/// The keys are already uniformly distributed hashes: pass them through.
#[derive(Default)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}
