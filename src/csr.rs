//! Adjacency lists in compressed sparse row form: one offsets array and two flat arrays,
//! so a product's neighbours are two contiguous slices and loading is two linear passes.

use crate::bundle::Edges;
use crate::error::SnapshotError;
use crate::sort;

/// Largest edge weight. Weights are similarities, typically 0..1; the bound keeps every
/// score finite: 100 session items x 256 edges x 1000 x a ranking weight of 10^6 is far
/// below f32's 3.4e38.
pub const MAX_WEIGHT: f32 = 1000.0;

/// Weighted adjacency lists over products `0..n`.
#[derive(Debug, Clone, Default)]
pub struct Csr {
    offsets: Vec<u32>,
    to: Vec<u32>,
    weight: Vec<f32>,
}

impl Csr {
    /// An empty list for each of `n` products.
    pub fn empty(n: usize) -> Csr {
        Csr { offsets: vec![0; n + 1], to: Vec::new(), weight: Vec::new() }
    }

    /// Builds the lists from an edge list, checking every edge; `path` names the section in
    /// errors. Each product's list ends up strongest first (ties by target index), so a
    /// caller can take just the strongest few; writers that already sort (ours do) pay one
    /// check per edge. Duplicate edges count twice.
    pub fn from_edges(n: usize, edges: Edges, path: &str, max_per_product: usize) -> Result<Csr, SnapshotError> {
        let m = edges.from.len();
        for (name, len) in [("to", edges.to.len()), ("weight", edges.weight.len())] {
            if len != m {
                return Err(SnapshotError::LengthMismatch { path: format!("{path}.from/{name}"), left: m, right: len });
            }
        }
        let mut counts = vec![0u32; n + 1];
        let mut grouped = true;
        let mut last = 0u32;
        for (i, (&from, &to)) in edges.from.iter().zip(&edges.to).enumerate() {
            grouped &= from >= last;
            last = from;
            for (field, idx) in [("from", from), ("to", to)] {
                if idx as usize >= n {
                    return Err(SnapshotError::IndexOutOfRange {
                        path: format!("{path}.{field}[{i}]"),
                        index: u64::from(idx),
                        len: n,
                    });
                }
            }
            if from == to {
                return Err(SnapshotError::invalid(
                    format!("{path}[{i}]"),
                    format!("product {from} is linked to itself"),
                ));
            }
            let w = edges.weight[i];
            if !(0.0..=MAX_WEIGHT).contains(&w) {
                return Err(SnapshotError::number(format!("{path}.weight[{i}]"), f64::from(w), "a weight 0..1000"));
            }
            let c = &mut counts[from as usize + 1];
            *c += 1;
            if *c as usize > max_per_product {
                return Err(SnapshotError::LimitExceeded {
                    what: format!("{path} of product index {from}"),
                    count: *c as usize,
                    limit: max_per_product,
                });
            }
        }
        for i in 1..=n {
            counts[i] += counts[i - 1];
        }
        let offsets = counts;
        if grouped {
            // Edges already grouped by source (our writer's order): the arrays are the rows.
            let mut csr = Csr { offsets, to: edges.to.0, weight: edges.weight.0 };
            csr.sort_rows();
            return Ok(csr);
        }
        let mut fill: Vec<u32> = offsets[..n].to_vec();
        let mut to = vec![0u32; m];
        let mut weight = vec![0f32; m];
        for ((&f, &t), &w) in edges.from.iter().zip(&edges.to).zip(&edges.weight) {
            let slot = &mut fill[f as usize];
            to[*slot as usize] = t;
            weight[*slot as usize] = w;
            *slot += 1;
        }
        let mut csr = Csr { offsets, to, weight };
        csr.sort_rows();
        Ok(csr)
    }

    /// Sorts every row that is not already strongest first.
    fn sort_rows(&mut self) {
        let mut row: Vec<u64> = Vec::new();
        for i in 0..self.offsets.len() - 1 {
            let (a, b) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
            let sorted = (a + 1..b).all(|j| {
                let (w0, w1) = (self.weight[j - 1], self.weight[j]);
                w0 > w1 || (w0 == w1 && self.to[j - 1] < self.to[j])
            });
            if sorted {
                continue;
            }
            row.clear();
            row.extend(self.weight[a..b].iter().zip(&self.to[a..b]).map(|(&w, &t)| sort::key(w, t)));
            sort::sort_descending(&mut row);
            for (j, &k) in row.iter().enumerate() {
                (self.weight[a + j], self.to[a + j]) = sort::unkey(k);
            }
        }
    }

    /// The neighbours of product `i` and their weights.
    #[inline]
    pub fn row(&self, i: u32) -> (&[u32], &[f32]) {
        let i = i as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => (&self.to[a as usize..b as usize], &self.weight[a as usize..b as usize]),
            _ => (&[], &[]),
        }
    }

    /// Number of edges.
    pub fn len(&self) -> usize {
        self.to.len()
    }

    /// True when there are no edges.
    pub fn is_empty(&self) -> bool {
        self.to.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edges(from: &[u32], to: &[u32], weight: &[f32]) -> Edges {
        Edges { from: from.to_vec().into(), to: to.to_vec().into(), weight: weight.to_vec().into() }
    }

    #[test]
    fn rows_are_strongest_first() {
        let csr =
            Csr::from_edges(4, edges(&[2, 0, 2, 3, 2], &[1, 3, 0, 2, 3], &[0.25, 1.0, 0.5, 0.0, 0.5]), "n", 8).unwrap();
        assert_eq!(csr.row(2), (&[0u32, 3, 1][..], &[0.5f32, 0.5, 0.25][..]));
        assert_eq!(csr.row(0), (&[3u32][..], &[1.0f32][..]));
        assert_eq!(csr.row(1), (&[][..], &[][..]));
        assert_eq!(csr.row(99), (&[][..], &[][..]));
        assert_eq!(csr.len(), 5);
    }

    #[test]
    fn bad_edges_are_refused_with_their_position() {
        let code = |e: Edges| Csr::from_edges(3, e, "n", 1).unwrap_err();
        assert_eq!(code(edges(&[0], &[1, 2], &[1.0])).code(), "E_LENGTH_MISMATCH");
        let e = code(edges(&[0, 5], &[1, 1], &[1.0, 1.0]));
        assert_eq!(e.code(), "E_INDEX_OUT_OF_RANGE");
        assert!(e.to_string().contains("n.from[1]"), "{e}");
        assert_eq!(code(edges(&[1], &[1], &[1.0])).code(), "E_INVALID_FIELD");
        assert_eq!(code(edges(&[0], &[1], &[f32::NAN])).code(), "E_INVALID_NUMBER");
        assert_eq!(code(edges(&[0], &[1], &[-1.0])).code(), "E_INVALID_NUMBER");
        assert_eq!(code(edges(&[0, 0], &[1, 2], &[1.0, 1.0])).code(), "E_LIMIT_EXCEEDED");
    }
}
