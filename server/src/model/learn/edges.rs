//! Turning an item's row of votes into its strongest edges, and edge lists into the
//! bundle's form.

use vitrine::bundle::Edges;

use super::MAX_EDGE_WEIGHT;

/// Which edges of a row to keep, and how to weigh them.
pub struct Select<'a> {
    /// Visits holding each item.
    pub support: &'a [f64],
    /// Visits in all (time-weighted like `support`).
    pub visits: f64,
    pub keep: usize,
    pub min_support: u32,
    /// Source and target exponents of the normalisation.
    pub exponents: (f64, f64),
    pub pair: &'a (dyn Fn(u32, u32) -> bool + Sync),
}

/// An item's strongest edges from its sorted row `(j, votes, visits)`.
pub fn top_edges(row: impl Iterator<Item = (u32, f32, u32)>, i: u32, s: &Select, out: &mut Vec<(u32, u32, f32)>) {
    let Select { support, visits, keep, min_support, exponents: (alpha, beta), pair } = *s;
    // (W/N) / ((n_i/N)^a (n_j/N)^b) = W / (n_i^a n_j^b) * N^(a+b-1).
    let scale = visits.powf(alpha + beta - 1.0);
    let n_i = support.get(i as usize).copied().unwrap_or(0.0);
    if n_i <= 0.0 || keep == 0 {
        return;
    }
    let cosine = alpha == 0.5 && beta == 0.5;
    let mut row: Vec<(f32, u32)> = row
        .filter(|&(j, _, c)| c >= min_support && pair(i, j))
        .filter_map(|(j, w, _)| {
            let n_j = support.get(j as usize).copied().unwrap_or(0.0);
            if n_j <= 0.0 || w <= 0.0 {
                return None;
            }
            // sqrt(n_i n_j) for the cosine (N^0), as the basket learner has always computed it.
            let v = if cosine {
                f64::from(w) / (n_i * n_j).sqrt()
            } else {
                f64::from(w) * scale / (n_i.powf(alpha) * n_j.powf(beta))
            };
            // The engine refuses weights above 1000; only `a + b > 1` comes near.
            let v = v.min(MAX_EDGE_WEIGHT) as f32;
            (v.is_finite() && v > 0.0).then_some((v, j))
        })
        .collect();
    row.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    row.truncate(keep);
    out.extend(row.into_iter().map(|(v, j)| (i, j, v)));
}

/// Scales `edges` (grouped by source, strongest first) so that the median of the rows'
/// first weights is 1, keeping every weight within the engine's limit.
pub fn unit_scale(edges: &mut [(u32, u32, f32)]) {
    let mut firsts: Vec<f32> = edges.chunk_by(|a, b| a.0 == b.0).map(|row| row[0].2).collect();
    if firsts.is_empty() {
        return;
    }
    let mid = firsts.len() / 2;
    let median = *firsts.select_nth_unstable_by(mid, f32::total_cmp).1;
    if median > 0.0 {
        let f = 1.0 / f64::from(median);
        edges.iter_mut().for_each(|e| e.2 = (f64::from(e.2) * f).min(MAX_EDGE_WEIGHT) as f32);
    }
}

pub fn to_edges(list: &[(u32, u32, f32)]) -> Edges {
    let mut e = Edges::default();
    for &(f, t, w) in list {
        e.from.push(f);
        e.to.push(t);
        e.weight.push(w);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_scale_puts_the_median_strongest_edge_at_one() {
        let mut e = vec![(0, 1, 0.2), (0, 2, 0.1), (1, 0, 0.4), (2, 0, 0.01), (2, 1, 0.001)];
        unit_scale(&mut e);
        let want = [1.0, 0.5, 2.0, 0.05, 0.005];
        assert!(e.iter().zip(want).all(|(x, w)| (x.2 - w).abs() < 1e-6), "{e:?}");
    }
}
