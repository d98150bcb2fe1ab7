//! How sure a difference is: vitrine minus a baseline on HR@20, MRR@20 and Recall@20, with
//! a 95% paired bootstrap interval (Efron & Tibshirani 1993, ch. 13, percentile method).
//!
//! Paired, because both recommenders answer the same predictions: resampling the
//! per-prediction differences cancels how hard each prediction is, which is most of the
//! variance. Whole sessions (Instacart: users) are resampled, not single predictions: the
//! predictions of one session share its shopper and are not independent, so resampling
//! them one by one would give intervals that are too narrow.
//!
//! The generator is seeded, so a report is the same on every run and machine.

use serde::Serialize;

use crate::ab::rng::Xoshiro256;

/// Resamples per interval: the percentiles' own noise is then a few 1e-4.
pub const RESAMPLES: usize = 2000;
const SEED: u64 = 0x0076_6974_7269_6e65; // "vitrine" in ASCII

/// A difference of means and its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Diff {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

impl Diff {
    /// `+0.0123 [-0.0040, +0.0290]`, and whether the interval leaves out 0.
    pub fn render(&self) -> String {
        let mark = if self.low > 0.0 || self.high < 0.0 { " *" } else { "" };
        format!("{:+.4} [{:+.4}, {:+.4}]{mark}", self.mean, self.low, self.high)
    }
}

pub use super::metrics::Outcome;

/// One recommender's outcome on each prediction.
pub type Outcomes = Vec<Outcome>;

/// `a` minus `b` at 20: HR, MRR and Recall, in that order.
pub type Diffs = [Diff; 3];

/// `a` minus `b` on HR@20, MRR@20 and Recall@20; `cluster[i]` is prediction `i`'s session
/// (dense indexes from 0). `None` without predictions.
pub fn compare(a: &Outcomes, b: &Outcomes, cluster: &[u32]) -> Option<Diffs> {
    assert!(a.len() == b.len() && a.len() == cluster.len(), "the same predictions");
    if a.is_empty() {
        return None;
    }
    // Per session: the sums of the three differences, and its predictions.
    let sums = per_session(a.iter().zip(b).map(|(x, y)| [x.hit - y.hit, x.rr - y.rr, x.recall - y.recall]), cluster);
    let total = |picked: &mut dyn Iterator<Item = usize>| {
        let (mut d, mut n) = ([0.0; 3], 0u64);
        for i in picked {
            for (t, x) in d.iter_mut().zip(sums[i].0) {
                *t += x;
            }
            n += u64::from(sums[i].1);
        }
        d.map(|t| t / n as f64)
    };
    let means = total(&mut (0..sums.len()));
    let mut rng = Xoshiro256::stream(SEED, 0);
    let m = sums.len();
    let mut draws: [Vec<f64>; 3] = std::array::from_fn(|_| Vec::with_capacity(RESAMPLES));
    for _ in 0..RESAMPLES {
        let d = total(&mut (0..m).map(|_| (rng.uniform() * m as f64) as usize));
        for (v, x) in draws.iter_mut().zip(d) {
            v.push(x);
        }
    }
    let [hr, mrr, recall] = &mut draws;
    Some([interval(means[0], hr), interval(means[1], mrr), interval(means[2], recall)])
}

/// The mean of `a[i] - b[i]` and its standard error, clustered by `cluster[i]` (dense
/// session indexes): the sandwich estimator over session sums, with the small-sample
/// factor C/(C-1) (Cameron & Miller 2015, "A practitioner's guide to cluster-robust
/// inference", §2.4). Analytic, for the tuner, which compares hundreds of configurations.
/// `None` with fewer than two sessions.
pub fn mean_and_se(a: &[f64], b: &[f64], cluster: &[u32]) -> Option<(f64, f64)> {
    assert!(a.len() == b.len() && a.len() == cluster.len(), "the same predictions");
    let sums = per_session(a.iter().zip(b).map(|(x, y)| [x - y]), cluster);
    let c = sums.len() as f64;
    if c < 2.0 {
        return None;
    }
    let n = a.len() as f64;
    let mean = sums.iter().map(|s| s.0[0]).sum::<f64>() / n;
    let spread: f64 = sums.iter().map(|&([sum], k)| (sum - f64::from(k) * mean).powi(2)).sum();
    Some((mean, (spread * c / (c - 1.0)).sqrt() / n))
}

/// Each session's sums of the per-prediction `values`, and its predictions: the sessions
/// that have any, in index order (`cluster[i]` is prediction `i`'s session).
fn per_session<const N: usize>(values: impl Iterator<Item = [f64; N]>, cluster: &[u32]) -> Vec<([f64; N], u32)> {
    let clusters = cluster.iter().max().map_or(0, |&c| c as usize + 1);
    let mut sums = vec![([0.0; N], 0u32); clusters];
    for (v, &c) in values.zip(cluster) {
        let s = &mut sums[c as usize];
        for (total, x) in s.0.iter_mut().zip(v) {
            *total += x;
        }
        s.1 += 1;
    }
    sums.retain(|s| s.1 > 0);
    sums
}

fn interval(mean: f64, draws: &mut [f64]) -> Diff {
    draws.sort_by(f64::total_cmp);
    let at = |q: f64| draws[((draws.len() - 1) as f64 * q).round() as usize];
    Diff { mean, low: at(0.025), high: at(0.975) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-target outcome: recall is the hit.
    fn o(hit: f64, rr: f64) -> Outcome {
        Outcome { hit, rr, recall: hit }
    }

    #[test]
    fn a_clear_difference_leaves_out_zero_and_a_tie_does_not() {
        // 200 sessions of 3 predictions; `a` hits at rank 1 in 60%, `b` in 40%.
        let cluster: Vec<u32> = (0..600).map(|i| i / 3).collect();
        let a: Outcomes = (0..600).map(|i| if i % 5 < 3 { o(1.0, 1.0) } else { o(0.0, 0.0) }).collect();
        let b: Outcomes = (0..600).map(|i| if i % 5 < 2 { o(1.0, 1.0) } else { o(0.0, 0.0) }).collect();
        let [hr, mrr, _] = compare(&a, &b, &cluster).unwrap();
        assert!((hr.mean - 0.2).abs() < 1e-12 && (mrr.mean - 0.2).abs() < 1e-12);
        assert!(hr.low > 0.1 && hr.high < 0.3, "{hr:?}");
        assert!(hr.render().ends_with('*'));
        let [tie, ..] = compare(&a, &a, &cluster).unwrap();
        assert_eq!((tie.mean, tie.low, tie.high), (0.0, 0.0, 0.0));
        // As many hits each, on different predictions: a noisy zero.
        let c: Outcomes = (0..600).map(|i| if i % 2 == 0 { o(1.0, 0.5) } else { o(0.0, 0.0) }).collect();
        let d: Outcomes = (0..600).map(|i| if (i / 2) % 2 == 0 { o(1.0, 0.5) } else { o(0.0, 0.0) }).collect();
        let [hr, ..] = compare(&c, &d, &cluster).unwrap();
        assert!(hr.low < 0.0 && hr.high > 0.0, "{hr:?}");
        assert!(!hr.render().ends_with('*'));
    }

    #[test]
    fn sessions_resampled_whole_widen_the_interval() {
        // Each session's 10 predictions agree with each other: 50 sessions of evidence,
        // not 500. Resampling single predictions would make the interval ~3x narrower.
        let by_session: Vec<u32> = (0..500).map(|i| i / 10).collect();
        let alone: Vec<u32> = (0..500).collect();
        let a: Outcomes = (0..500).map(|i| if (i / 10) % 2 == 0 { o(1.0, 1.0) } else { o(0.0, 0.0) }).collect();
        let b: Outcomes = vec![o(0.5, 0.5); 500];
        let [wide, ..] = compare(&a, &b, &by_session).unwrap();
        let [narrow, ..] = compare(&a, &b, &alone).unwrap();
        assert!(wide.high - wide.low > 2.5 * (narrow.high - narrow.low), "{wide:?} {narrow:?}");
    }

    #[test]
    fn the_standard_error_counts_sessions_not_predictions() {
        // Differences of +1 and -1 in alternate sessions of 10: mean 0, and the error of
        // 50 independent values of ±1 (≈ 1/√50 per prediction mean), not of 500.
        let cluster: Vec<u32> = (0..500).map(|i| i / 10).collect();
        let a: Vec<f64> = (0..500).map(|i| if (i / 10) % 2 == 0 { 1.0 } else { 0.0 }).collect();
        let b = vec![0.5; 500];
        let (mean, se) = mean_and_se(&a, &b, &cluster).unwrap();
        assert!(mean.abs() < 1e-12);
        let expected = 0.5 * (50.0f64 / 49.0).sqrt() / 50f64.sqrt();
        assert!((se - expected).abs() < 1e-12, "{se} {expected}");
        let (_, alone) = mean_and_se(&a, &b, &(0..500).collect::<Vec<u32>>()).unwrap();
        assert!(se > 3.0 * alone);
        assert_eq!(mean_and_se(&[1.0], &[0.0], &[0]), None);
    }

    #[test]
    fn recall_counts_every_target_found_not_only_the_first() {
        // Baskets of two targets: `a` finds both in half the baskets, `b` one in every
        // basket, both at rank 1. Hits and ranks tie; recall does not.
        let cluster: Vec<u32> = (0..400).map(|i| i / 2).collect();
        let a: Outcomes = (0..400).map(|i| Outcome::new(Some(0), if i % 4 < 2 { 1.0 } else { 0.5 })).collect();
        let b: Outcomes = vec![Outcome::new(Some(0), 0.5); 400];
        let [hr, mrr, recall] = compare(&a, &b, &cluster).unwrap();
        assert_eq!((hr.mean, mrr.mean), (0.0, 0.0));
        assert!((recall.mean - 0.25).abs() < 1e-12 && recall.low > 0.15, "{recall:?}");
        assert_eq!(Outcome::new(None, 0.0), Outcome { hit: 0.0, rr: 0.0, recall: 0.0 });
        assert_eq!(Outcome::new(Some(3), 0.5).rr, 0.25);
    }

    #[test]
    fn no_predictions_no_interval() {
        assert_eq!(compare(&vec![], &vec![], &[]), None);
    }
}
