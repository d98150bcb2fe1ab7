//! Pair votes in per-item rows, pruned to each row's strongest `rowCap` when the table
//! grows past twice that per item (see the learner's documentation).

use vitrine::hash::FastMap;

/// Pair votes with per-row pruning (see the module documentation).
#[derive(Debug, Default)]
pub struct PairTable {
    /// `i << 32 | j` -> (time-weighted votes, visits).
    map: FastMap<u64, (f32, u32)>,
    row_cap: usize,
    /// Prune when the map grows past this.
    limit: usize,
    /// The least `limit` ever is: below a million entries (16 MB) pruning saves nothing
    /// worth its time.
    floor: usize,
    rows_seen: usize,
}

impl PairTable {
    pub fn new(row_cap: usize) -> PairTable {
        PairTable { map: FastMap::default(), row_cap: row_cap.max(1), limit: 1 << 20, floor: 1 << 20, rows_seen: 0 }
    }

    #[inline]
    pub fn add(&mut self, key: u64, w: f32) {
        let e = self.map.entry(key).or_insert((0.0, 0));
        e.0 += w;
        e.1 += 1;
        let row = (key >> 32) as usize + 1;
        if row > self.rows_seen {
            self.rows_seen = row;
        }
        if self.map.len() > self.limit {
            self.prune();
        }
    }

    pub fn scale(&mut self, f: f32) {
        for v in self.map.values_mut() {
            v.0 *= f;
        }
    }

    /// Keeps each row's strongest `row_cap` entries.
    pub fn prune(&mut self) {
        // The old table is dropped as it is read, and the new one sized for what is kept:
        // memory falls back after a prune instead of keeping the high-water capacity.
        let mut all: Vec<(u64, f32, u32)> =
            std::mem::take(&mut self.map).into_iter().map(|(k, (w, c))| (k, w, c)).collect();
        all.sort_unstable_by_key(|e| e.0);
        let mut kept = Vec::with_capacity(all.len());
        for row in all.chunk_by_mut(|a, b| a.0 >> 32 == b.0 >> 32) {
            if row.len() > self.row_cap {
                // Strongest first; ties to the lower key so pruning is deterministic.
                row.select_nth_unstable_by(self.row_cap - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                kept.extend_from_slice(&row[..self.row_cap]);
            } else {
                kept.extend_from_slice(row);
            }
        }
        drop(all);
        self.map.reserve(kept.len());
        for (k, w, c) in kept {
            self.map.insert(k, (w, c));
        }
        // Twice the cap per item seen, and never less than twice what survived, so
        // pruning stays rare (amortised) even when every row is full.
        self.limit = (2 * self.row_cap * self.rows_seen).max(2 * self.map.len()).max(self.floor);
    }

    /// Every entry, grouped by row: a counting sort (two linear passes) rather than a
    /// sort of tens of millions of keys. Within a row the order is the table's; what reads
    /// a row orders it itself.
    pub fn into_rows(self) -> Rows {
        let mut offsets = vec![0usize; self.rows_seen + 1];
        for &k in self.map.keys() {
            offsets[(k >> 32) as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut fill = offsets.clone();
        let mut entries = vec![(0u32, 0f32, 0u32); self.map.len()];
        for (k, (w, c)) in self.map {
            let slot = &mut fill[(k >> 32) as usize];
            entries[*slot] = (k as u32, w, c);
            *slot += 1;
        }
        Rows { offsets, entries }
    }
}

/// One entry of a row: the other item, its time-weighted votes, the visits voting.
pub type Vote = (u32, f32, u32);

/// A table's entries by row: row `i`'s at `offsets[i]..offsets[i+1]`.
pub struct Rows {
    offsets: Vec<usize>,
    entries: Vec<Vote>,
}

impl Rows {
    /// The non-empty rows, in row order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &[Vote])> + '_ {
        self.offsets
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[1] > w[0])
            .map(|(i, w)| (i as u32, &self.entries[w[0]..w[1]]))
    }
}

#[cfg(test)]
mod tests {
    use super::super::edges::{top_edges, Select};
    use super::*;

    #[test]
    fn pruning_keeps_nearly_every_items_top() {
        let visits = super::super::clustered_visits();
        let refs: Vec<&[u32]> = visits.iter().map(Vec::as_slice).collect();
        // The same votes into a table of rows of at most 12 (2.4 times the neighbours
        // kept), pruned whenever it passes twice that per item, give nearly the same top 5
        // of every item: the pairs pruned are mostly noise. (Near-ties can swap: a pair
        // pruned while its count was still low starts again from zero.)
        let top5 = |t: PairTable| {
            let mut out = Vec::new();
            let rows = t.into_rows();
            for (i, row) in rows.iter() {
                let it = row.iter().copied();
                let support = one_support(&refs);
                let all = |_: u32, _: u32| true;
                let s = Select {
                    support: &support,
                    visits: 4000.0,
                    keep: 5,
                    min_support: 2,
                    exponents: (0.5, 0.5),
                    pair: &all,
                };
                top_edges(it, i, &s, &mut out);
            }
            out
        };
        let (mut exact, mut pruned) = (PairTable::new(usize::MAX), PairTable::new(12));
        pruned.floor = 12_000;
        pruned.limit = 12_000;
        for v in &refs {
            for (k, &a) in v.iter().enumerate() {
                for &b in v[k + 1..].iter().take(3) {
                    if a != b {
                        for key in [(u64::from(a) << 32) | u64::from(b), (u64::from(b) << 32) | u64::from(a)] {
                            exact.add(key, 1.0);
                            pruned.add(key, 1.0);
                        }
                    }
                }
            }
        }
        assert!(pruned.map.len() < exact.map.len() * 3 / 4, "{} vs {}", pruned.map.len(), exact.map.len());
        let (a, b) = (top5(exact), top5(pruned));
        assert_eq!(a.len(), b.len());
        let (mut same_set, mut same_first) = (0, 0);
        for (x, y) in a.chunks(5).zip(b.chunks(5)) {
            let (mut xs, mut ys): (Vec<u32>, Vec<u32>) =
                (x.iter().map(|e| e.1).collect(), y.iter().map(|e| e.1).collect());
            same_first += usize::from(xs[0] == ys[0]);
            xs.sort_unstable();
            ys.sort_unstable();
            same_set += xs.iter().filter(|j| ys.contains(j)).count();
        }
        // Measured: 98% of the neighbours and of the strongest neighbours agree.
        assert!(same_set * 100 >= a.len() * 97, "{same_set} of {}", a.len());
        assert!(same_first * 100 >= 500 * 97, "{same_first} of 500");
    }

    fn one_support(visits: &[&[u32]]) -> Vec<f64> {
        let mut s = vec![0.0; 500];
        for v in visits {
            let mut d = v.to_vec();
            d.sort_unstable();
            d.dedup();
            d.iter().for_each(|&i| s[i as usize] += 1.0);
        }
        s
    }
}
