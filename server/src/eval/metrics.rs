//! The offline metrics, as the session-rec framework (Ludewig, Mauro, Latifi, Jannach)
//! defines them, so the numbers compare with its published tables:
//!
//! - **HR@k** (hit rate): the share of predictions with a target in the top k;
//! - **MRR@k**: the mean of 1/rank of the first target within the top k (0 beyond);
//! - **Recall@k**: the share of a prediction's targets in the top k (HR@k when there
//!   is one target, as in next-click prediction; basket completion has several);
//! - **COV@20** (coverage): distinct items ever recommended in a top 20, over the
//!   training set's distinct items;
//! - **POP@20** (popularity bias): the mean, over predictions, of the mean popularity of
//!   the top 20's items, each item's training event count over the largest count.

use serde::Serialize;

/// The cut-offs reported.
pub const KS: [usize; 3] = [5, 10, 20];
/// The cut-off of coverage and popularity bias.
pub const COVERAGE_K: usize = 20;

/// One prediction's outcome at the largest cut-off (20): what the paired comparisons
/// ([`super::paired`]) resample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// 1 with a target in the top 20, else 0.
    pub hit: f64,
    /// 1/rank of the first target within the top 20, else 0.
    pub rr: f64,
    /// The share of the targets in the top 20 (`hit` with one target).
    pub recall: f64,
}

impl Outcome {
    /// The outcome of a prediction whose first target is at `first` (0-based, within the
    /// top 20) and which found `recall` of its targets there.
    pub fn new(first: Option<usize>, recall: f64) -> Outcome {
        match first {
            Some(k) => Outcome { hit: 1.0, rr: 1.0 / (k + 1) as f64, recall },
            None => Outcome { hit: 0.0, rr: 0.0, recall },
        }
    }
}

/// Metrics being accumulated over predictions.
#[derive(Debug, Clone)]
pub struct Metrics {
    hits: [f64; 3],
    rr: [f64; 3],
    recall: [f64; 3],
    n: u64,
    covered: Vec<bool>,
    pop_sum: f64,
    pop_n: u64,
}

/// The metrics of one recommender on one set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub predictions: u64,
    /// HR@5, HR@10, HR@20.
    pub hr: [f64; 3],
    pub mrr: [f64; 3],
    pub recall: [f64; 3],
    pub coverage: f64,
    pub popularity: f64,
}

impl Summary {
    /// Several sets of predictions as one: each metric the mean over all predictions
    /// (COV@20 and POP@20 too: coverage of a union of vocabularies is not defined).
    pub fn pooled(parts: &[Summary]) -> Summary {
        let n: u64 = parts.iter().map(|s| s.predictions).sum();
        let w = |f: &dyn Fn(&Summary) -> f64| {
            parts.iter().map(|s| f(s) * s.predictions as f64).sum::<f64>() / n.max(1) as f64
        };
        let k3 = |f: &dyn Fn(&Summary) -> [f64; 3]| [0, 1, 2].map(|k| w(&|s| f(s)[k]));
        Summary {
            predictions: n,
            hr: k3(&|s| s.hr),
            mrr: k3(&|s| s.mrr),
            recall: k3(&|s| s.recall),
            coverage: w(&|s| s.coverage),
            popularity: w(&|s| s.popularity),
        }
    }
}

impl Metrics {
    /// Metrics over a vocabulary of `items` (items beyond `train_items` never count
    /// towards coverage's denominator).
    pub fn new(items: usize) -> Metrics {
        Metrics {
            hits: [0.0; 3],
            rr: [0.0; 3],
            recall: [0.0; 3],
            n: 0,
            covered: vec![false; items],
            pop_sum: 0.0,
            pop_n: 0,
        }
    }

    /// One prediction: `recs` best first, the `targets` it should have found, and each
    /// item's normalised training popularity. Returns its outcome at 20.
    pub fn add(&mut self, recs: &[u32], targets: &[u32], popularity: &[f32]) -> Outcome {
        self.n += 1;
        let first = recs.iter().position(|r| targets.contains(r));
        let mut recall_at_20 = 0.0;
        for (k, &cut) in KS.iter().enumerate() {
            if let Some(rank) = first.filter(|&r| r < cut) {
                self.hits[k] += 1.0;
                self.rr[k] += 1.0 / (rank + 1) as f64;
            }
            if !targets.is_empty() {
                let found = targets.iter().filter(|t| recs[..recs.len().min(cut)].contains(t)).count();
                // The last cut-off, 20, leaves its value here.
                recall_at_20 = found as f64 / targets.len() as f64;
                self.recall[k] += recall_at_20;
            }
        }
        let head = &recs[..recs.len().min(COVERAGE_K)];
        if !head.is_empty() {
            // session-rec takes the mean over the list's distinct items; ours are distinct.
            let sum: f64 = head.iter().map(|&i| f64::from(popularity.get(i as usize).copied().unwrap_or(0.0))).sum();
            self.pop_sum += sum / head.len() as f64;
            self.pop_n += 1;
        }
        for &i in head {
            if let Some(c) = self.covered.get_mut(i as usize) {
                *c = true;
            }
        }
        Outcome::new(first.filter(|&r| r < KS[2]), recall_at_20)
    }

    /// The averages; coverage is over `train_items` items.
    pub fn summary(&self, train_items: usize) -> Summary {
        let n = self.n.max(1) as f64;
        let avg = |v: [f64; 3]| v.map(|x| x / n);
        Summary {
            predictions: self.n,
            hr: avg(self.hits),
            mrr: avg(self.rr),
            recall: avg(self.recall),
            coverage: self.covered.iter().filter(|&&c| c).count() as f64 / train_items.max(1) as f64,
            popularity: if self.pop_n > 0 { self.pop_sum / self.pop_n as f64 } else { 0.0 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_rate_mrr_recall_coverage_popularity() {
        let pop = [1.0, 0.5, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let mut m = Metrics::new(10);
        // The target at rank 2, then at rank 7, then missing, then two of three targets.
        assert_eq!(m.add(&[5, 3, 1], &[3], &pop), Outcome { hit: 1.0, rr: 0.5, recall: 1.0 });
        m.add(&[0, 1, 2, 4, 5, 6, 9, 8], &[9], &pop);
        assert_eq!(m.add(&[0], &[7], &pop), Outcome { hit: 0.0, rr: 0.0, recall: 0.0 });
        assert_eq!(m.add(&[2, 8, 1], &[1, 2, 6], &pop), Outcome { hit: 1.0, rr: 1.0, recall: 2.0 / 3.0 });
        let s = m.summary(10);
        assert_eq!(s.predictions, 4);
        assert_eq!(s.hr, [0.5, 0.75, 0.75]);
        assert_eq!(s.mrr[0], (0.5 + 0.0 + 0.0 + 1.0) / 4.0);
        assert_eq!(s.mrr[2], (0.5 + 1.0 / 7.0 + 0.0 + 1.0) / 4.0);
        assert_eq!(s.recall[2], (1.0 + 1.0 + 0.0 + 2.0 / 3.0) / 4.0);
        // Items 0, 1, 2, 3, 4, 5, 6, 8, 9 recommended: 9 of 10.
        assert_eq!(s.coverage, 0.9);
        let first = (0.0 + 0.0 + 0.5) / 3.0;
        let second = (1.0 + 0.5 + 0.25) / 8.0;
        let fourth = (0.25 + 0.0 + 0.5) / 3.0;
        assert!((s.popularity - (first + second + 1.0 + fourth) / 4.0).abs() < 1e-12);
    }

    #[test]
    fn pooled_sets_weigh_each_by_its_predictions() {
        let s = |n: u64, hr: f64| Summary {
            predictions: n,
            hr: [hr; 3],
            mrr: [hr / 2.0; 3],
            recall: [0.0; 3],
            coverage: hr,
            popularity: 0.0,
        };
        let c = Summary::pooled(&[s(100, 0.5), s(300, 0.9)]);
        assert_eq!(c.predictions, 400);
        assert!((c.hr[2] - 0.8).abs() < 1e-12 && (c.mrr[0] - 0.4).abs() < 1e-12);
        assert_eq!(Summary::pooled(&[]).predictions, 0);
    }
}
