//! Item-to-item learning from baskets: how often two products are bought together,
//! normalised against how often each is bought at all.
//!
//! The raw count c(i,j) favours best sellers: bananas are in a fifth of all baskets, so
//! they "go with" everything. Dividing by sqrt(n_i n_j) (the cosine between the two
//! products' basket vectors, n_i being the baskets holding i) asks instead how much more
//! often they meet than their popularity alone explains. A minimum support drops pairs
//! seen once: on a few thousand baskets a single meeting is chance, and the cosine of
//! two products bought once, together, is a perfect 1.
//!
//! The learner knows nothing of the source: an adapter feeds it baskets of product
//! indexes, one at a time, and chooses which pairs to keep (all of them for neighbours,
//! those across aisles for complements).

use vitrine::bundle::Edges;

/// Co-occurrence counts being gathered.
#[derive(Debug, Clone)]
pub struct CoOccurrence {
    /// Baskets holding each product.
    support: Vec<u32>,
    /// For each product, every product that shared a basket with it, once per basket;
    /// sorted and counted by [`CoOccurrence::finish`]. Pushing is cheaper than a hash map
    /// update per pair, and the whole Instacart sample is 1.3 million entries (5 MB).
    met: Vec<Vec<u32>>,
    baskets: u64,
    scratch: Vec<u32>,
}

impl CoOccurrence {
    /// A learner over products `0..products`.
    pub fn new(products: usize) -> CoOccurrence {
        CoOccurrence { support: vec![0; products], met: vec![Vec::new(); products], baskets: 0, scratch: Vec::new() }
    }

    /// Adds one basket of product indexes. A product listed twice counts once; indexes
    /// beyond the learner's products are ignored.
    pub fn add(&mut self, basket: &[u32]) {
        let n = self.support.len();
        self.scratch.clear();
        self.scratch.extend(basket.iter().copied().filter(|&p| (p as usize) < n));
        self.scratch.sort_unstable();
        self.scratch.dedup();
        self.baskets += 1;
        for (k, &i) in self.scratch.iter().enumerate() {
            self.support[i as usize] += 1;
            let row = &mut self.met[i as usize];
            row.extend_from_slice(&self.scratch[..k]);
            row.extend_from_slice(&self.scratch[k + 1..]);
        }
    }

    /// Baskets added so far.
    pub fn baskets(&self) -> u64 {
        self.baskets
    }

    /// The counts, ready to be turned into edge lists.
    pub fn finish(self) -> Counts {
        let rows = self
            .met
            .into_iter()
            .map(|mut met| {
                met.sort_unstable();
                let mut row: Vec<(u32, u32)> = Vec::new();
                for j in met {
                    match row.last_mut() {
                        Some((last, c)) if *last == j => *c += 1,
                        _ => row.push((j, 1)),
                    }
                }
                row
            })
            .collect();
        Counts { support: self.support, rows }
    }
}

/// How many edges to keep per product, and the fewest shared baskets for an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep {
    pub top: usize,
    pub min_support: u32,
}

/// Co-occurrence counts: per product, how many baskets hold it and which products it met
/// how often.
#[derive(Debug, Clone)]
pub struct Counts {
    support: Vec<u32>,
    /// (other product, baskets shared), sorted by product.
    rows: Vec<Vec<(u32, u32)>>,
}

impl Counts {
    /// Baskets holding product `i`.
    pub fn support(&self, i: u32) -> u32 {
        self.support.get(i as usize).copied().unwrap_or(0)
    }

    /// Baskets holding both `i` and `j`.
    pub fn together(&self, i: u32, j: u32) -> u32 {
        let Some(row) = self.rows.get(i as usize) else {
            return 0;
        };
        row.binary_search_by_key(&j, |&(k, _)| k).map_or(0, |at| row[at].1)
    }

    /// c(i,j) / sqrt(n_i n_j), in 0..1.
    pub fn cosine(&self, i: u32, j: u32) -> f32 {
        let c = f64::from(self.together(i, j));
        let norm = (f64::from(self.support(i)) * f64::from(self.support(j))).sqrt();
        if norm > 0.0 {
            (c / norm) as f32
        } else {
            0.0
        }
    }

    /// Each product's strongest links by cosine, among the pairs with at least
    /// `keep.min_support` shared baskets that `pair(i, j)` accepts: at most `keep.top` per
    /// product, each product's list strongest first (ties to the lower index), products in
    /// index order. The engine takes a row's head as its strongest, so the order matters.
    pub fn edges(&self, keep: Keep, pair: impl Fn(u32, u32) -> bool) -> Edges {
        let mut e = Edges::default();
        let mut row: Vec<(f32, u32)> = Vec::new();
        for (i, links) in self.rows.iter().enumerate() {
            let i = i as u32;
            let n_i = f64::from(self.support[i as usize]);
            row.clear();
            row.extend(links.iter().filter(|&&(j, c)| c >= keep.min_support && pair(i, j)).map(|&(j, c)| {
                let n_j = f64::from(self.support[j as usize]);
                ((f64::from(c) / (n_i * n_j).sqrt()) as f32, j)
            }));
            // Sorted on the stored f32, so the engine finds every row already in order.
            row.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            row.truncate(keep.top);
            for &(w, j) in &row {
                e.from.push(i);
                e.to.push(j);
                e.weight.push(w);
            }
        }
        e
    }
}

/// Products with at least one edge in `e`.
pub fn linked_products(e: &Edges) -> usize {
    let mut n = 0;
    let mut last = None;
    for &f in e.from.iter() {
        if last != Some(f) {
            n += 1;
            last = Some(f);
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Edges of `e` as (from, to, weight) triples.
    fn triples(e: &Edges) -> Vec<(u32, u32, f32)> {
        e.from.iter().zip(e.to.iter()).zip(e.weight.iter()).map(|((&f, &t), &w)| (f, t, w)).collect()
    }

    /// Six products; 0..=2 in aisle A, 3..=5 in aisle B.
    ///  - 0 and 1 meet in 3 baskets; 0 is in 4, 1 in 3.
    ///  - 0 and 3 meet in 2 baskets; 3 is in 2.
    ///  - 0 and 4 meet once (below the minimum support).
    ///  - 2 is in 4 baskets with 0 twice.
    fn counts() -> Counts {
        let baskets: &[&[u32]] = &[
            &[0, 1, 3, 0], // a repeat counts once
            &[0, 1, 3],
            &[0, 1, 2, 4],
            &[0, 2],
            &[2, 5],
            &[2, 5, 99], // out of range: ignored
        ];
        let mut co = CoOccurrence::new(6);
        for b in baskets {
            co.add(b);
        }
        assert_eq!(co.baskets(), 6);
        co.finish()
    }

    #[test]
    fn counts_each_basket_once() {
        let c = counts();
        assert_eq!((0..6).map(|i| c.support(i)).collect::<Vec<_>>(), [4, 3, 4, 2, 1, 2]);
        assert_eq!(c.together(0, 1), 3);
        assert_eq!(c.together(1, 0), 3);
        assert_eq!(c.together(0, 0), 0, "no self pairs");
        assert_eq!(c.together(0, 4), 1);
        assert_eq!(c.together(7, 0), 0);
    }

    #[test]
    fn weights_are_cosine_over_popularity() {
        let c = counts();
        let w = c.cosine(0, 1);
        assert!((w - 3.0 / (4.0f32 * 3.0).sqrt()).abs() < 1e-6, "{w}");
        assert!((c.cosine(0, 3) - 2.0 / (4.0f32 * 2.0).sqrt()).abs() < 1e-6);
        // 2 and 5 meet in both of 5's baskets but 2 is bought more: weaker than 0-1's 3 of 3.
        assert!((c.cosine(2, 5) - 2.0 / (4.0f32 * 2.0).sqrt()).abs() < 1e-6);
    }

    #[test]
    fn neighbours_keep_min_support_top_k_strongest_first_no_self() {
        let c = counts();
        let all = triples(&c.edges(Keep { top: 20, min_support: 2 }, |_, _| true));
        let of0: Vec<(u32, u32, f32)> = all.iter().copied().filter(|t| t.0 == 0).collect();
        // 0-1 (0.866), 0-3 (0.707), 0-2 (0.5); 0-4 met once and is dropped.
        assert_eq!(of0.iter().map(|t| t.1).collect::<Vec<_>>(), [1, 3, 2], "{of0:?}");
        assert!(of0.windows(2).all(|w| w[0].2 >= w[1].2));
        assert!(all.iter().all(|t| t.0 != t.1));
        assert!(all.iter().all(|t| t.1 != 4 && t.0 != 4));
        // Symmetric: every kept pair is kept both ways when nothing is truncated.
        for &(f, t, w) in &all {
            assert!(all.contains(&(t, f, w)));
        }
        // Grouped by product, in index order.
        assert!(all.windows(2).all(|w| w[0].0 <= w[1].0));

        let top1 = triples(&c.edges(Keep { top: 1, min_support: 2 }, |_, _| true));
        assert_eq!(top1.iter().filter(|t| t.0 == 0).count(), 1);
        assert_eq!(top1[0].1, 1);
        assert_eq!(
            linked_products(&c.edges(Keep { top: 1, min_support: 3 }, |_, _| true,)),
            2,
            "only 0-1 has 3 shared baskets"
        );
    }

    #[test]
    fn complements_cross_aisles() {
        let c = counts();
        let aisle = [0u32, 0, 0, 1, 1, 1];
        let comp = triples(&c.edges(Keep { top: 10, min_support: 2 }, |i, j| aisle[i as usize] != aisle[j as usize]));
        assert!(!comp.is_empty());
        assert!(comp.iter().all(|&(f, t, _)| aisle[f as usize] != aisle[t as usize]));
        let of0: Vec<u32> = comp.iter().filter(|t| t.0 == 0).map(|t| t.1).collect();
        assert_eq!(of0, [3], "0's strongest overall is 1, but 1 is in its own aisle");
        let of2: Vec<u32> = comp.iter().filter(|t| t.0 == 2).map(|t| t.1).collect();
        assert_eq!(of2, [5]);
    }

    #[test]
    fn ties_go_to_the_lower_index() {
        let mut co = CoOccurrence::new(4);
        for _ in 0..2 {
            co.add(&[3, 2, 1, 0]);
        }
        let e = co.finish().edges(Keep { top: 2, min_support: 2 }, |_, _| true);
        assert_eq!(triples(&e)[..2], [(0, 1, 1.0), (0, 2, 1.0)]);
    }
}
