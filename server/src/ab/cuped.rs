//! CUPED (Deng, Xu, Kohavi & Walker, "Improving the sensitivity of online controlled
//! experiments by utilizing pre-experiment data", WSDM 2013): a metric's variance shrinks
//! by the share a pre-period covariate explains, so the same traffic detects smaller
//! effects.
//!
//! Each unit's metric y becomes y − θ (x − x̄), with x the covariate (here the unit's
//! revenue before its first exposure) and θ = cov(x, y) / var(x). θ and x̄ come from all
//! units of the experiment **pooled** across arms, as the paper does: the covariate is
//! measured before assignment, so it is independent of the arm, the adjustment has mean
//! zero in every arm, and the difference of adjusted means stays unbiased; a per-arm θ
//! would let the treatment's effect leak into the adjustment. The variance falls by the
//! factor 1 − ρ², ρ the correlation of x and y. The adjusted means then go through the
//! same Welch test as the raw ones.

use serde::Serialize;

/// θ and x̄ for one metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Adjustment {
    /// cov(x, y) / var(x); 0 when the covariate does not vary (nothing to learn from it).
    pub theta: f64,
    /// The pooled mean of the covariate.
    pub covariate_mean: f64,
    /// 1 − var(adjusted) / var(raw) = ρ², pooled: the share of variance removed.
    pub variance_reduction: f64,
}

/// Running co-moments of (x, y), one pass (Welford's update extended to the covariance).
#[derive(Debug, Clone, Copy, Default)]
pub struct Moments {
    n: f64,
    mean_x: f64,
    mean_y: f64,
    m2_x: f64,
    m2_y: f64,
    co: f64,
}

impl Moments {
    /// Adds one unit's metric `y` and covariate `x`.
    pub fn push(&mut self, y: f64, x: f64) {
        self.n += 1.0;
        let dx = x - self.mean_x;
        self.mean_x += dx / self.n;
        let dy = y - self.mean_y;
        self.mean_y += dy / self.n;
        self.m2_x += dx * (x - self.mean_x);
        self.m2_y += dy * (y - self.mean_y);
        self.co += dx * (y - self.mean_y);
    }

    /// The pooled adjustment.
    pub fn adjustment(&self) -> Adjustment {
        // NaN (an infinite covariate) counts as no usable variation too.
        if self.m2_x.is_nan() || self.m2_x <= 0.0 {
            return Adjustment { theta: 0.0, covariate_mean: self.mean_x, variance_reduction: 0.0 };
        }
        let theta = self.co / self.m2_x;
        let variance_reduction = if self.m2_y > 0.0 { self.co * self.co / (self.m2_x * self.m2_y) } else { 0.0 };
        Adjustment { theta, covariate_mean: self.mean_x, variance_reduction }
    }
}

impl Adjustment {
    /// The adjusted metric of a unit with metric `y` and covariate `x`.
    pub fn apply(&self, y: f64, x: f64) -> f64 {
        y - self.theta * (x - self.covariate_mean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theta_is_the_regression_slope() {
        let pairs = [(3.0, 1.0), (5.0, 2.0), (4.0, 3.0), (8.0, 4.0)];
        let mut m = Moments::default();
        pairs.iter().for_each(|&(y, x)| m.push(y, x));
        let a = m.adjustment();
        // x̄ = 2.5, ȳ = 5; Σ(x−x̄)(y−ȳ) = 7, Σ(x−x̄)² = 5, Σ(y−ȳ)² = 14.
        assert!((a.theta - 1.4).abs() < 1e-14);
        assert!((a.covariate_mean - 2.5).abs() < 1e-14);
        assert!((a.variance_reduction - 49.0 / 70.0).abs() < 1e-14);
        // Adjusted values keep the mean and lose the explained variance.
        let adjusted: Vec<f64> = pairs.iter().map(|&(y, x)| a.apply(y, x)).collect();
        let mean = adjusted.iter().sum::<f64>() / 4.0;
        assert!((mean - 5.0).abs() < 1e-14);
        let ss: f64 = adjusted.iter().map(|v| (v - mean).powi(2)).sum();
        assert!((ss - 14.0 * (1.0 - a.variance_reduction)).abs() < 1e-12);
    }

    #[test]
    fn a_constant_covariate_adjusts_nothing() {
        let mut m = Moments::default();
        [(1.0, 0.0), (0.0, 0.0), (7.0, 0.0)].iter().for_each(|&(y, x)| m.push(y, x));
        let a = m.adjustment();
        assert_eq!((a.theta, a.variance_reduction), (0.0, 0.0));
        assert_eq!(a.apply(7.0, 0.0), 7.0);
    }
}
