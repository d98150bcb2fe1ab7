//! The always-valid sequential test: results that may be watched every day, and acted on
//! the day they cross the line, without inflating the false-positive rate.
//!
//! A fixed-horizon p-value is valid at the one sample size chosen in advance; checking it
//! daily and stopping at the first p < 0.05 rejects a true null far more often than 5%
//! (`vitrine ab calibrate` measures it). The mixture sequential probability ratio test
//! (mSPRT) of Johari, Koomen, Pekelis & Walsh, "Peeking at A/B tests" (KDD 2017; Operations
//! Research 2022) gives a p-value that is valid at every look at once: with a normal
//! mixture N(0, τ²) over the effect θ and an estimate θ̂ ~ N(θ, V),
//!
//! Λ = √(V / (V + τ²)) · exp(τ² θ̂² / (2V (V + τ²))),
//!
//! and under the null P(Λ ever reaches 1/α) ≤ α (Ville's inequality: Λ is a nonnegative
//! martingale with mean 1). So the always-valid p-value is the running minimum of 1/Λ, and
//! the always-valid interval is the running intersection of {θ₀ : Λ(θ̂ − θ₀) < 1/α}.
//!
//! What is tested: θ = ln(treatment rate / control rate), the log of one plus the relative
//! uplift, with the delta-method variance V = (1 − p₁)/x₁ + (1 − p₀)/x₀ (x the conversions):
//! the scale the report and its chart speak in, so the always-valid interval is on the
//! uplift directly. Johari et al. apply the same statistic to the difference of means with
//! a plug-in variance; either is asymptotically normal, the guarantee is asymptotic in
//! both. Looking only once a day (not after every visitor) makes it conservative.
//!
//! The mixing variance τ² (`--tau`, default [`DEFAULT_TAU`]): the test detects fastest
//! effects of about the size of τ, and Johari et al. advise setting it to the spread of
//! effects seen in past experiments. Shop changes that matter move conversion by a few
//! percent, so τ = 0.05 on the log scale (a 5% relative uplift). Any τ > 0 keeps the
//! guarantee; only the power changes.

use serde::Serialize;

use super::hypothesis::{finite, Arm, Interval};

/// The default mixture standard deviation τ, on ln(rate ratio): a 5% relative uplift.
pub const DEFAULT_TAU: f64 = 0.05;

/// One always-valid test, fed the cumulative arms at each look.
#[derive(Debug, Clone)]
pub struct Msprt {
    tau2: f64,
    alpha: f64,
    looks: u32,
    /// Running minimum of 1/Λ.
    p: f64,
    /// Running intersection of the intervals, on the log scale.
    lo: f64,
    hi: f64,
}

/// The state of the test after a look.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sequential {
    /// The mixture standard deviation used.
    pub tau: f64,
    /// Looks taken (days, for event logs with timestamps).
    pub looks: u32,
    /// Always-valid p-value: the smallest 1/Λ so far, at most 1.
    pub p: f64,
    /// Always-valid interval of the relative uplift (`null` ends: not bounded yet).
    pub relative_ci: Interval,
    /// p ≤ alpha: the test may stop here and declare a difference.
    pub significant: bool,
}

impl Msprt {
    /// A test at level `alpha` with mixture standard deviation `tau` (> 0).
    pub fn new(tau: f64, alpha: f64) -> Msprt {
        Msprt { tau2: tau * tau, alpha, looks: 0, p: 1.0, lo: f64::NEG_INFINITY, hi: f64::INFINITY }
    }

    /// One look at the cumulative data; returns the state after it.
    pub fn look(&mut self, control: &Arm, treatment: &Arm) -> Sequential {
        self.looks += 1;
        let (x0, x1) = (control.conversions as f64, treatment.conversions as f64);
        let (p0, p1) = (control.rate(), treatment.rate());
        let v = (1.0 - p1) / x1 + (1.0 - p0) / x0;
        // Before both arms have a conversion (or when every unit converts) the log ratio
        // has no variance estimate: the look tells nothing, and Λ stays at 1.
        if x0 > 0.0 && x1 > 0.0 && v > 0.0 && v.is_finite() {
            let theta = (p1 / p0).ln();
            let (tau2, sum) = (self.tau2, v + self.tau2);
            let ln_lambda = 0.5 * (v / sum).ln() + tau2 * theta * theta / (2.0 * v * sum);
            self.p = self.p.min((-ln_lambda).exp());
            // Λ(θ̂ − θ₀) < 1/α ⇔ |θ̂ − θ₀| < h.
            let h = (2.0 * v * sum / tau2 * ((1.0 / self.alpha).ln() + 0.5 * (sum / v).ln())).sqrt();
            self.lo = self.lo.max(theta - h);
            self.hi = self.hi.min(theta + h);
        }
        self.state()
    }

    /// The state after the looks so far.
    pub fn state(&self) -> Sequential {
        Sequential {
            tau: self.tau2.sqrt(),
            looks: self.looks,
            p: self.p,
            relative_ci: [finite(self.lo).map(f64::exp_m1), finite(self.hi).map(f64::exp_m1)],
            significant: self.p <= self.alpha,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arm(units: u64, conversions: u64) -> Arm {
        Arm { units, conversions, ..Arm::default() }
    }

    #[test]
    fn no_evidence_before_both_arms_convert() {
        let mut t = Msprt::new(DEFAULT_TAU, 0.05);
        let s = t.look(&arm(100, 0), &arm(100, 5));
        assert_eq!((s.p, s.relative_ci, s.looks), (1.0, [None, None], 1));
    }

    #[test]
    fn p_is_one_over_lambda_and_the_interval_is_where_lambda_is_below_one_over_alpha() {
        let (c, t) = (arm(100_000, 5_000), arm(100_000, 5_400));
        let mut test = Msprt::new(0.05, 0.05);
        let s = test.look(&c, &t);
        let v: f64 = 0.946 / 5_400.0 + 0.95 / 5_000.0;
        let theta = (0.054f64 / 0.05).ln();
        let lambda = |d: f64| (v / (v + 0.0025)).sqrt() * (0.0025 * d * d / (2.0 * v * (v + 0.0025))).exp();
        assert!((s.p - 1.0 / lambda(theta)).abs() < 1e-12 * s.p, "{s:?}");
        let [lo, hi] = s.relative_ci.map(|e| e.unwrap().ln_1p());
        for edge in [lo, hi] {
            assert!((lambda(theta - edge) - 20.0).abs() < 1e-9, "Λ at the interval's edge is 1/α");
        }
        assert!(s.significant && lo > 0.0);
    }

    #[test]
    fn p_never_rises_and_the_interval_never_widens() {
        let mut test = Msprt::new(0.05, 0.05);
        let first = test.look(&arm(10_000, 520), &arm(10_000, 600));
        // Later data pointing the other way cannot undo what was seen.
        let second = test.look(&arm(20_000, 1_100), &arm(20_000, 1_050));
        assert!(second.p <= first.p);
        let width = |s: &Sequential| s.relative_ci[1].unwrap() - s.relative_ci[0].unwrap();
        assert!(width(&second) <= width(&first));
        assert_eq!(second.looks, 2);
    }

    #[test]
    fn equal_arms_are_far_from_significant() {
        let s = Msprt::new(0.05, 0.05).look(&arm(50_000, 2_500), &arm(50_000, 2_500));
        assert!(!s.significant && s.p == 1.0, "Λ < 1 at θ̂ = 0, so 1/Λ caps at 1: {s:?}");
    }
}
