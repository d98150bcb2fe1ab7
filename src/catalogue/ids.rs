//! The product id index: every id in one contiguous text buffer, and an open-addressing
//! table of (hash fingerprint, index).
//!
//! A request looks up some fifty ids (session, profile views and purchases). With a hash
//! map of `String`s each lookup chased a pointer to a separately allocated key, scattered
//! over the heap: about 120 ns. Here the table and the ids are two dense arrays, the
//! fingerprint settles almost every probe without touching the text, and a hit compares
//! bytes that sit next to their neighbours.

use std::hash::Hasher;

use crate::hash::FastHasher;

const EMPTY: u64 = 0;

/// Ids of products `0..n`, found by their text.
#[derive(Debug, Clone)]
pub struct IdIndex {
    text: String,
    /// `text[starts[i]..starts[i + 1]]` is product `i`'s id.
    starts: Vec<u32>,
    /// Per slot: the upper 32 bits of the id's hash, then the product index + 1 (0: empty).
    slots: Vec<u64>,
}

impl Default for IdIndex {
    fn default() -> Self {
        IdIndex::with_capacity(0, 0)
    }
}

fn hash(id: &str) -> u64 {
    let mut h = FastHasher::default();
    h.write(id.as_bytes());
    h.finish()
}

impl IdIndex {
    /// An index with room for `n` ids (the table stays at most half full).
    pub fn with_capacity(n: usize, text_bytes: usize) -> IdIndex {
        let size = (2 * n).max(8).next_power_of_two();
        IdIndex { text: String::with_capacity(text_bytes), starts: vec![0], slots: vec![EMPTY; size] }
    }

    /// Probes for `id` (hash `h`): `Ok(index)` when present, else `Err(free slot)`.
    #[inline]
    fn probe(&self, id: &str, h: u64) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut at = h as usize & mask;
        loop {
            let slot = self.slots[at];
            if slot == EMPTY {
                return Err(at);
            }
            let i = (slot as u32) - 1;
            if slot >> 32 == h >> 32 && self.id(i) == id {
                return Ok(i);
            }
            at = (at + 1) & mask;
        }
    }

    /// Adds the next product's id; `Err(index)` of the product that already has it.
    pub fn push(&mut self, id: &str) -> Result<u32, u32> {
        let index = (self.starts.len() - 1) as u32;
        let h = hash(id);
        let at = match self.probe(id, h) {
            Ok(other) => return Err(other),
            Err(free) => free,
        };
        self.slots[at] = (h & !0xffff_ffff) | u64::from(index + 1);
        self.text.push_str(id);
        self.starts.push(self.text.len() as u32);
        // Keep the table at most half full: probes stay short.
        if 2 * self.starts.len() > self.slots.len() {
            self.grow();
        }
        Ok(index)
    }

    fn grow(&mut self) {
        let mut bigger = vec![EMPTY; self.slots.len() * 2];
        let mask = bigger.len() - 1;
        for i in 0..self.len() as u32 {
            let h = hash(self.id(i));
            let mut at = h as usize & mask;
            while bigger[at] != EMPTY {
                at = (at + 1) & mask;
            }
            bigger[at] = (h & !0xffff_ffff) | u64::from(i + 1);
        }
        self.slots = bigger;
    }

    /// The index of a product id.
    #[inline]
    pub fn find(&self, id: &str) -> Option<u32> {
        self.probe(id, hash(id)).ok()
    }

    /// Product `i`'s id.
    #[inline]
    pub fn id(&self, i: u32) -> &str {
        let (a, b) = (self.starts[i as usize] as usize, self.starts[i as usize + 1] as usize);
        &self.text[a..b]
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_id_and_refuses_duplicates() {
        let mut ix = IdIndex::with_capacity(2, 0);
        let ids: Vec<String> = (0..5000).map(|i| format!("p{i}")).collect();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(ix.push(id), Ok(i as u32));
        }
        assert_eq!(ix.push("p17"), Err(17));
        assert_eq!(ix.len(), 5000);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(ix.find(id), Some(i as u32));
            assert_eq!(ix.id(i as u32), id);
        }
        assert_eq!(ix.find("p5000"), None);
        assert_eq!(ix.find(""), None);
        assert!(IdIndex::default().is_empty());
        assert_eq!(IdIndex::default().find("x"), None);
    }

    /// Slots probed to find each id: its distance from its home slot, plus one.
    fn probes(ids: &[String]) -> (f64, usize) {
        let mut ix = IdIndex::with_capacity(ids.len(), 0);
        for id in ids {
            ix.push(id).unwrap();
        }
        let mask = ix.slots.len() - 1;
        let lengths: Vec<usize> = (ix.slots.iter().enumerate())
            .filter(|&(_, &s)| s != EMPTY)
            .map(|(at, &s)| {
                let home = hash(ix.id((s as u32) - 1)) as usize & mask;
                ((at + ix.slots.len() - home) & mask) + 1
            })
            .collect();
        assert_eq!(lengths.len(), ids.len());
        (lengths.iter().sum::<usize>() as f64 / ids.len() as f64, *lengths.iter().max().unwrap())
    }

    #[test]
    fn probes_stay_short_for_the_id_schemes_shops_use() {
        // Linear probing at this load (a third full) expects about 1.25 probes; with
        // the low bits depending on the first bytes only, 8-digit ids took 57.
        let n = 10_000;
        type Scheme = (&'static str, fn(usize) -> String);
        let schemes: [Scheme; 7] = [
            ("8-digit numbers", |i| (10_000_000 + i).to_string()),
            ("9-digit numbers, as YooChoose's", |i| (214_536_502 + 7 * i).to_string()),
            ("short numbers, as Instacart's", |i| (i + 1).to_string()),
            ("PRD00042", |i| format!("PRD{i:05}")),
            ("16 zero-padded digits", |i| format!("{i:016}")),
            ("p00042, as the benchmarks'", |i| format!("p{i:05}")),
            ("uuid", |i| format!("{:08x}-1b2c-4d5e-8f90-{:012x}", 0x1234_5678 + i, i * 7919)),
        ];
        for (name, id) in schemes {
            let ids: Vec<String> = (0..n).map(id).collect();
            let (mean, max) = probes(&ids);
            assert!(mean < 1.5 && max < 32, "{name}: {mean:.2} probes on average, {max} at most");
        }
    }
}
