//! The fixed-horizon tests: what one look at the data, at a horizon chosen in advance,
//! says about a treatment arm against the control.
//!
//! - Conversion rate: the two-proportion z-test. The p-value uses the **pooled** standard
//!   error (under the null both arms share one rate, so that is the null's variance: the
//!   test equals Pearson's chi-square without continuity correction, as the published
//!   Cookie Cats analysis uses); the interval for the difference uses the **unpooled**
//!   (Wald) standard error, since away from the null the arms' variances differ.
//! - Relative uplift (treatment / control − 1), for conversion and revenue: the delta
//!   method on the **logarithm** of the ratio, Var ln(m̂) ≈ Var(m̂)/m², exponentiated back
//!   (Katz et al. 1978 for proportions; statsmodels' `method="log"`). The interval is
//!   asymmetric and never crosses −100%, unlike the delta method on the ratio itself.
//! - Revenue per visitor: Welch's t-test (unequal variances, Welch–Satterthwaite degrees
//!   of freedom) and its t interval; revenue is far from normal per visitor (mostly zeros,
//!   a long tail), but its mean is close enough to normal at shop sample sizes, which
//!   `vitrine ab calibrate` checks with lognormal order values.
//! - Sample-ratio mismatch: Pearson's chi-square of the units per arm against the
//!   expected split, k − 1 degrees of freedom.

use serde::Serialize;

use super::stats::{chi_square_sf, normal_cdf, normal_quantile, t_quantile, t_two_sided};

/// What one arm holds: units, conversions, and the revenue's mean and spread.
///
/// Revenue is kept as a running mean and sum of squared deviations (Welford 1962), merged
/// with Chan et al.'s formula, rather than as Σy and Σy²: in pence, Σy² of a large shop's
/// arm passes 2⁵³ and the textbook variance formula would cancel away its digits.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Arm {
    pub units: u64,
    pub conversions: u64,
    pub mean: f64,
    /// Σ (y − mean)².
    pub m2: f64,
}

impl Arm {
    /// Adds one unit with revenue `value`.
    pub fn push(&mut self, converted: bool, value: f64) {
        self.units += 1;
        self.conversions += u64::from(converted);
        let delta = value - self.mean;
        self.mean += delta / self.units as f64;
        self.m2 += delta * (value - self.mean);
    }

    /// Adds every unit of `other`.
    pub fn merge(&mut self, other: &Arm) {
        if other.units == 0 {
            return;
        }
        let (n1, n2) = (self.units as f64, other.units as f64);
        let n = n1 + n2;
        let delta = other.mean - self.mean;
        self.mean += delta * n2 / n;
        self.m2 += other.m2 + delta * delta * n1 * n2 / n;
        self.units += other.units;
        self.conversions += other.conversions;
    }

    /// Conversions / units.
    pub fn rate(&self) -> f64 {
        self.conversions as f64 / self.units as f64
    }

    /// The sample variance of revenue per unit (n − 1 in the denominator).
    pub fn variance(&self) -> f64 {
        self.m2 / (self.units as f64 - 1.0)
    }

    /// Total revenue.
    pub fn revenue(&self) -> f64 {
        self.mean * self.units as f64
    }
}

/// An interval; either end may be infinite or missing (NaN becomes `null` in JSON).
pub type Interval = [Option<f64>; 2];

/// `Some(v)` when `v` is a number (NaN and infinities have no JSON form).
pub fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn interval(lo: f64, hi: f64) -> Interval {
    [finite(lo), finite(hi)]
}

/// The two-sided p-value of a standard normal statistic.
pub fn normal_p(z: f64) -> f64 {
    2.0 * normal_cdf(-z.abs())
}

/// The z of a two-sided interval at level `alpha`: 1.959964 at 0.05.
pub fn z_crit(alpha: f64) -> f64 {
    normal_quantile(1.0 - alpha / 2.0)
}

/// The conversion-rate comparison of `treatment` with `control`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Proportions {
    /// Treatment rate − control rate.
    pub difference: f64,
    /// Wald interval of the difference (unpooled standard error).
    pub difference_ci: Interval,
    /// Treatment rate / control rate − 1.
    pub relative_uplift: Option<f64>,
    /// Log-scale delta-method interval of the relative uplift.
    pub relative_ci: Interval,
    /// (treatment − control) / pooled standard error.
    pub z: Option<f64>,
    pub p: Option<f64>,
}

/// The two-proportion z-test at level `alpha`.
pub fn two_proportions(control: &Arm, treatment: &Arm, alpha: f64) -> Proportions {
    let (p0, p1) = (control.rate(), treatment.rate());
    let (n0, n1) = (control.units as f64, treatment.units as f64);
    let difference = p1 - p0;
    let pooled = (control.conversions + treatment.conversions) as f64 / (n0 + n1);
    let se_pooled = (pooled * (1.0 - pooled) * (1.0 / n0 + 1.0 / n1)).sqrt();
    // No conversions, or nothing but: the statistic is 0/0 and there is no test to do.
    let z = if se_pooled > 0.0 { difference / se_pooled } else { f64::NAN };
    let zc = z_crit(alpha);
    let se = (p0 * (1.0 - p0) / n0 + p1 * (1.0 - p1) / n1).sqrt();
    let (relative_uplift, relative_ci) =
        log_ratio(p0, p1, (1.0 - p0) / control.conversions as f64 + (1.0 - p1) / treatment.conversions as f64, zc);
    Proportions {
        difference,
        difference_ci: interval(difference - zc * se, difference + zc * se),
        relative_uplift,
        relative_ci,
        z: finite(z),
        p: finite(normal_p(z)),
    }
}

/// m₁/m₀ − 1 and its interval exp(ln(m₁/m₀) ± z √v) − 1, `v` the delta-method variance of
/// the log ratio; `None`s when the control's mean is zero (no ratio) or v is not finite.
fn log_ratio(m0: f64, m1: f64, v: f64, zc: f64) -> (Option<f64>, Interval) {
    let uplift = finite(m1 / m0 - 1.0).filter(|_| m0 > 0.0);
    if !(m0 > 0.0 && m1 > 0.0 && v.is_finite()) {
        return (uplift, [None, None]);
    }
    let centre = (m1 / m0).ln();
    let half = zc * v.sqrt();
    (uplift, interval((centre - half).exp_m1(), (centre + half).exp_m1()))
}

/// The revenue-per-visitor comparison (or any per-unit mean, CUPED's adjusted one too).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Welch {
    /// Treatment mean − control mean.
    pub difference: f64,
    /// t interval of the difference, Welch–Satterthwaite degrees of freedom.
    pub difference_ci: Interval,
    /// Treatment mean / control mean − 1.
    pub relative_uplift: Option<f64>,
    /// Log-scale delta-method interval (normal quantile) of the relative uplift.
    pub relative_ci: Interval,
    pub t: Option<f64>,
    pub df: Option<f64>,
    pub p: Option<f64>,
}

/// Welch's t-test on the per-unit means of `treatment` and `control`.
pub fn welch(control: &Arm, treatment: &Arm, alpha: f64) -> Welch {
    let (n0, n1) = (control.units as f64, treatment.units as f64);
    let (v0, v1) = (control.variance() / n0, treatment.variance() / n1);
    let difference = treatment.mean - control.mean;
    let se = (v0 + v1).sqrt();
    // Welch–Satterthwaite: (v₀ + v₁)² / (v₀²/(n₀−1) + v₁²/(n₁−1)).
    let df = (v0 + v1).powi(2) / (v0 * v0 / (n0 - 1.0) + v1 * v1 / (n1 - 1.0));
    let (t, p, half) = if se > 0.0 && df > 0.0 {
        let t = difference / se;
        (t, t_two_sided(t, df), t_quantile(1.0 - alpha / 2.0, df) * se)
    } else {
        (f64::NAN, f64::NAN, f64::NAN)
    };
    let v_log = v1 / (treatment.mean * treatment.mean) + v0 / (control.mean * control.mean);
    let (relative_uplift, relative_ci) = log_ratio(control.mean, treatment.mean, v_log, z_crit(alpha));
    Welch {
        difference,
        difference_ci: interval(difference - half, difference + half),
        relative_uplift,
        relative_ci,
        t: finite(t),
        df: finite(df),
        p: finite(p),
    }
}

/// The sample-ratio-mismatch check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Srm {
    /// The expected share of each arm (sums to 1).
    pub expected: Vec<f64>,
    pub chi_square: f64,
    pub df: u32,
    pub p: f64,
    /// p below [`SRM_ALPHA`]: the split is not what assignment should give, and every
    /// other figure of the experiment is suspect.
    pub mismatch: bool,
}

/// The level at which a sample-ratio mismatch is flagged: strict, because the check runs
/// on every experiment and a false alarm stops a sound one, while a real mismatch (a
/// redirect losing one arm's visitors, a bot filter) is usually large enough to clear it.
pub const SRM_ALPHA: f64 = 0.001;

/// Pearson's chi-square of `units` against the shares `weights` (positive, any scale).
pub fn srm(units: &[u64], weights: &[f64]) -> Srm {
    let total: f64 = units.iter().sum::<u64>() as f64;
    let weight_sum: f64 = weights.iter().sum();
    let expected: Vec<f64> = weights.iter().map(|w| w / weight_sum).collect();
    let chi_square = units
        .iter()
        .zip(&expected)
        .map(|(&o, &e)| {
            let e = e * total;
            (o as f64 - e).powi(2) / e
        })
        .sum::<f64>();
    let df = units.len().saturating_sub(1) as u32;
    let p = chi_square_sf(chi_square, f64::from(df));
    Srm { expected, chi_square, df, p, mismatch: p < SRM_ALPHA }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arm(units: u64, conversions: u64) -> Arm {
        Arm { units, conversions, ..Arm::default() }
    }

    fn close(got: f64, want: f64, rel: f64) {
        assert!(((got - want) / want).abs() <= rel, "got {got}, want {want}");
    }

    #[test]
    fn cookie_cats_seven_day_retention() {
        // The published analysis: gate_30 8,502 of 44,700 retained, gate_40 8,279 of 45,489;
        // z = 3.1644 for gate_30 − gate_40 (so −3.1644 for gate_40 against gate_30), p = 0.001554.
        let r = two_proportions(&arm(44_700, 8_502), &arm(45_489, 8_279), 0.05);
        close(r.z.unwrap(), -3.1644, 1e-4);
        close(r.p.unwrap(), 0.001554, 1e-3);
        close(r.difference, -0.008201, 1e-3);
        let [lo, hi] = r.difference_ci.map(Option::unwrap);
        assert!(lo < r.difference && r.difference < hi && hi < 0.0);
        let [rlo, rhi] = r.relative_ci.map(Option::unwrap);
        assert!(rlo < r.relative_uplift.unwrap() && r.relative_uplift.unwrap() < rhi && rhi < 0.0);
    }

    #[test]
    fn no_conversions_gives_no_statistic_not_a_panic() {
        let r = two_proportions(&arm(100, 0), &arm(100, 0), 0.05);
        assert_eq!((r.z, r.p, r.relative_uplift), (None, None, None));
        assert_eq!(r.difference, 0.0);
    }

    #[test]
    fn welford_merge_equals_one_pass() {
        let values = [0.0, 0.0, 1250.0, 0.0, 399.0, 99_999.0, 0.0, 12.5];
        let mut whole = Arm::default();
        let (mut a, mut b) = (Arm::default(), Arm::default());
        for (i, &v) in values.iter().enumerate() {
            whole.push(v > 0.0, v);
            if i < 3 {
                a.push(v > 0.0, v)
            } else {
                b.push(v > 0.0, v)
            }
        }
        a.merge(&b);
        assert_eq!((a.units, a.conversions), (8, 4));
        close(a.mean, whole.mean, 1e-14);
        close(a.variance(), whole.variance(), 1e-13);
        let mean = values.iter().sum::<f64>() / 8.0;
        close(whole.variance(), values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 7.0, 1e-13);
    }

    #[test]
    fn welch_on_a_hand_computed_case() {
        // Control 1, 2, 3, 4 (mean 2.5, var 5/3); treatment 2, 4, 6, 8, 10 (mean 6, var 10).
        let (mut c, mut t) = (Arm::default(), Arm::default());
        [1.0, 2.0, 3.0, 4.0].iter().for_each(|&v| c.push(true, v));
        [2.0, 4.0, 6.0, 8.0, 10.0].iter().for_each(|&v| t.push(true, v));
        let w = welch(&c, &t, 0.05);
        let (v0, v1) = (5.0 / 3.0 / 4.0, 10.0 / 5.0);
        close(w.t.unwrap(), 3.5 / f64::sqrt(v0 + v1), 1e-14);
        close(w.df.unwrap(), (v0 + v1) * (v0 + v1) / (v0 * v0 / 3.0 + v1 * v1 / 4.0), 1e-14);
        close(w.relative_uplift.unwrap(), 6.0 / 2.5 - 1.0, 1e-14);
        // scipy.stats.ttest_ind(t, c, equal_var=False): p 0.06913359319239237, interval
        // (−0.3853680805140449, 7.385368080514045).
        close(w.p.unwrap(), 0.069_133_593_192_392_37, 1e-12);
        close(w.difference_ci[0].unwrap(), -0.385_368_080_514_044_9, 1e-11);
        close(w.difference_ci[1].unwrap(), 7.385_368_080_514_045, 1e-12);
    }

    #[test]
    fn srm_of_cookie_cats_is_not_flagged() {
        // 44,700 / 45,489 against 50/50: chi-square 6.90, p 0.0086, above 0.001.
        let s = srm(&[44_700, 45_489], &[1.0, 1.0]);
        close(s.chi_square, 789.0 * 789.0 / 90_189.0, 1e-12);
        assert!(!s.mismatch && s.p > 0.008 && s.p < 0.009, "{s:?}");
        let skewed = srm(&[1_000, 1_200], &[0.5, 0.5]);
        assert!(skewed.mismatch);
        assert_eq!(srm(&[300, 600, 900], &[1.0, 2.0, 3.0]).chi_square, 0.0);
    }
}
