//! `vitrine ab calibrate`: the benchmark that checks the tests do what they claim, on
//! simulated experiments where the truth is known.
//!
//! Each run simulates one experiment: `visitors_per_day` visitors a day for `days` days,
//! each assigned to either arm with probability ½, converting with the arm's rate, and
//! spending a lognormal order value when they do (median £40, σ = 1: right-skewed like
//! real baskets, so Welch is checked away from normal data). A/A runs give both arms the
//! same rate: every rejection is a false positive, and at α = 0.05 the fixed-horizon
//! tests must reject about 5% of them; the sequential test, looked at after every day,
//! at most 5%. Runs with a planted relative uplift give the power at that sample size.
//! The fixed-horizon z-test looked at daily ("peeking") is reported too: it is the
//! mistake the sequential test exists to prevent.
//!
//! Every figure goes through the same functions as `vitrine ab analyze` (per-arm
//! summaries, [`two_proportions`], [`welch`], [`Msprt`]). Run `r` of a scenario draws from
//! its own stream of the seed, so the result does not depend on the thread count.

use std::time::Instant;

use serde::Serialize;

use super::hypothesis::{two_proportions, welch, Arm};
use super::rng::Xoshiro256;
use super::sequential::Msprt;
use super::stats::normal_quantile;
use crate::progress::thousands;

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    pub runs: u32,
    pub days: u32,
    pub visitors_per_day: u32,
    /// The control's conversion rate.
    pub rate: f64,
    /// The planted relative uplift of the treatment's rate.
    pub uplift: f64,
    pub alpha: f64,
    pub tau: f64,
    pub seed: u64,
}

/// Median order value of the simulated baskets, in pence: £40.
const ORDER_MEDIAN: f64 = 4_000.0;
/// σ of the log order value: mean/median = e^(σ²/2) ≈ 1.65, a long right tail.
const ORDER_SIGMA: f64 = 1.0;

/// How often a test rejected, with its Wilson score 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rate {
    pub rejected: u32,
    pub runs: u32,
    pub rate: f64,
    pub ci: [f64; 2],
}

impl Rate {
    fn new(rejected: u32, runs: u32) -> Rate {
        // Wilson (1927): better than the Wald interval near 0 and 1, closed form.
        let (n, p, z) = (f64::from(runs), f64::from(rejected) / f64::from(runs), normal_quantile(0.975));
        let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
        let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
        Rate { rejected, runs, rate: p, ci: [centre - half, centre + half] }
    }
}

/// The rejection rates of one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Scenario {
    /// The treatment's conversion rate.
    pub treatment_rate: f64,
    /// Two-proportion z-test at the last day.
    pub fixed_z: Rate,
    /// Welch's t-test on revenue per visitor at the last day.
    pub welch: Rate,
    /// The z-test checked after every day, stopping at the first p ≤ alpha.
    pub peeking_z: Rate,
    /// The mSPRT checked after every day.
    pub sequential: Rate,
    /// Mean day (1-based) on which the sequential test stopped, over the runs it did.
    pub sequential_mean_stop_day: Option<f64>,
}

/// The benchmark's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Calibration {
    pub config: Config,
    /// Expected units per arm at the end.
    pub units_per_arm: f64,
    pub aa: Scenario,
    pub planted: Scenario,
    pub threads: usize,
    pub seconds: f64,
}

/// What one run's tests concluded.
#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    fixed_z: bool,
    welch: bool,
    peeking_z: bool,
    /// Day the sequential test stopped on, 1-based.
    sequential: Option<u32>,
}

/// One simulated experiment.
fn simulate(config: &Config, rates: [f64; 2], rng: &mut Xoshiro256) -> Outcome {
    let mut arms = [Arm::default(); 2];
    let mut test = Msprt::new(config.tau, config.alpha);
    let mut out = Outcome::default();
    // A 53-bit threshold per arm: a visitor converts when its 53 random bits fall below.
    let threshold = rates.map(|r| (r * (1u64 << 53) as f64) as u64);
    for day in 1..=config.days {
        // Per arm today: visitors, and the converters' order values (Welford); the
        // non-converters' zeros are merged in as one block, which keeps the per-visitor
        // cost to one random draw.
        let mut visitors = [0u64; 2];
        let mut buyers = [Arm::default(); 2];
        for _ in 0..config.visitors_per_day {
            let bits = rng.next_u64();
            // The top bit assigns the arm, the low 53 bits decide the conversion.
            let arm = (bits >> 63) as usize;
            visitors[arm] += 1;
            if bits & ((1 << 53) - 1) < threshold[arm] {
                let value = ORDER_MEDIAN * (ORDER_SIGMA * rng.normal()).exp();
                buyers[arm].push(true, value);
            }
        }
        for arm in 0..2 {
            let zeros = Arm { units: visitors[arm] - buyers[arm].units, ..Arm::default() };
            arms[arm].merge(&zeros);
            arms[arm].merge(&buyers[arm]);
        }
        if arms[0].units == 0 || arms[1].units == 0 {
            continue;
        }
        let z = two_proportions(&arms[0], &arms[1], config.alpha);
        let rejects = |p: Option<f64>| p.is_some_and(|p| p <= config.alpha);
        out.peeking_z |= rejects(z.p);
        if out.sequential.is_none() && test.look(&arms[0], &arms[1]).significant {
            out.sequential = Some(day);
        }
        if day == config.days {
            out.fixed_z = rejects(z.p);
            out.welch = rejects(welch(&arms[0], &arms[1], config.alpha).p);
        }
    }
    out
}

/// Runs the A/A and the planted scenarios on `threads` threads.
pub fn run(config: &Config, threads: usize) -> Calibration {
    let started = Instant::now();
    let threads = threads.clamp(1, config.runs.max(1) as usize);
    let treatment = config.rate * (1.0 + config.uplift);
    let aa = scenario(config, [config.rate, config.rate], 0, threads);
    let planted = scenario(config, [config.rate, treatment], 1, threads);
    Calibration {
        config: config.clone(),
        units_per_arm: f64::from(config.visitors_per_day) * f64::from(config.days) / 2.0,
        aa,
        planted,
        threads,
        seconds: started.elapsed().as_secs_f64(),
    }
}

fn scenario(config: &Config, rates: [f64; 2], which: u64, threads: usize) -> Scenario {
    let runs = u64::from(config.runs);
    let outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads as u64)
            .map(|t| {
                s.spawn(move || {
                    (t..runs)
                        .step_by(threads)
                        .map(|r| simulate(config, rates, &mut Xoshiro256::stream(config.seed, which << 32 | r)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // A simulation thread only does arithmetic; if one panicked it is a bug, and the
        // panic is passed on rather than hidden.
        workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count() as u32;
    let stops: Vec<u32> = outcomes.iter().filter_map(|o| o.sequential).collect();
    Scenario {
        treatment_rate: rates[1],
        fixed_z: Rate::new(count(|o| o.fixed_z), config.runs),
        welch: Rate::new(count(|o| o.welch), config.runs),
        peeking_z: Rate::new(count(|o| o.peeking_z), config.runs),
        sequential: Rate::new(stops.len() as u32, config.runs),
        sequential_mean_stop_day: (!stops.is_empty())
            .then(|| stops.iter().map(|&d| f64::from(d)).sum::<f64>() / stops.len() as f64),
    }
}

/// The terminal report.
pub fn table(c: &Calibration) -> Vec<String> {
    let cfg = &c.config;
    let rate = |r: &Rate| format!("{:.4}  [{:.4}, {:.4}]", r.rate, r.ci[0], r.ci[1]);
    let verdict = |ok: bool| if ok { "ok" } else { "OUTSIDE" };
    let aa = &c.aa;
    let fixed_ok = (0.04..=0.06).contains(&aa.fixed_z.rate);
    let mut lines = vec![
        format!(
            "vitrine ab calibrate: {} runs per scenario, {} days x {} visitors/day ({} units per arm), \
             control conversion {:.2}%, alpha {}, tau {}, seed {}",
            thousands(u64::from(cfg.runs)),
            cfg.days,
            thousands(u64::from(cfg.visitors_per_day)),
            thousands(c.units_per_arm.round() as u64),
            cfg.rate * 100.0,
            cfg.alpha,
            cfg.tau,
            cfg.seed
        ),
        String::new(),
        "A/A, no difference: false-positive rate [Wilson 95% interval]".into(),
        format!(
            "  fixed-horizon z-test, day {:<3}        {}   target [0.04, 0.06]: {}",
            cfg.days,
            rate(&aa.fixed_z),
            verdict(fixed_ok)
        ),
        format!(
            "  Welch t-test on revenue, day {:<3}     {}   target [0.04, 0.06]: {}",
            cfg.days,
            rate(&aa.welch),
            verdict((0.04..=0.06).contains(&aa.welch.rate))
        ),
        format!(
            "  mSPRT, checked every day             {}   target <= 0.05: {}",
            rate(&aa.sequential),
            verdict(aa.sequential.rate <= 0.05)
        ),
        format!("  z-test checked every day (peeking)   {}   what the mSPRT prevents", rate(&aa.peeking_z)),
        String::new(),
        format!(
            "planted {:+.1}% relative uplift ({:.3}% -> {:.3}%): power [Wilson 95% interval]",
            cfg.uplift * 100.0,
            cfg.rate * 100.0,
            c.planted.treatment_rate * 100.0
        ),
        format!("  fixed-horizon z-test, day {:<3}        {}", cfg.days, rate(&c.planted.fixed_z)),
        format!("  Welch t-test on revenue, day {:<3}     {}", cfg.days, rate(&c.planted.welch)),
        format!(
            "  mSPRT, checked every day             {}{}",
            rate(&c.planted.sequential),
            c.planted
                .sequential_mean_stop_day
                .map(|d| format!("   stops on day {d:.1} on average"))
                .unwrap_or_default()
        ),
        String::new(),
        format!("{:.1} s on {} threads", c.seconds, c.threads),
    ];
    lines.dedup_by(|a, b| a.is_empty() && b.is_empty());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small and strong: +50% on 10%, 1,000 units per arm; τ at the effect's size (ln 1.5 ≈ 0.4).
    fn config(runs: u32) -> Config {
        Config { runs, days: 5, visitors_per_day: 400, rate: 0.1, uplift: 0.5, alpha: 0.05, tau: 0.4, seed: 9 }
    }

    #[test]
    fn the_same_seed_gives_the_same_figures_on_any_thread_count() {
        let (one, two) = (run(&config(40), 1), run(&config(40), 3));
        assert_eq!((&one.aa, &one.planted), (&two.aa, &two.planted));
        let other = run(&Config { seed: 10, ..config(40) }, 2);
        assert_ne!(one.planted, other.planted, "a different seed simulates different experiments");
    }

    #[test]
    fn a_large_effect_is_found_and_peeking_rejects_most_often() {
        // z ≈ 3.4 on average: the fixed test's power is about 0.93, the sequential's lower.
        let c = run(&config(60), 2);
        assert!(c.planted.fixed_z.rate > 0.8 && c.planted.sequential.rate > 0.5, "{:?}", c.planted);
        assert!(c.aa.peeking_z.rejected >= c.aa.fixed_z.rejected);
        assert!(c.planted.sequential_mean_stop_day.is_some_and(|d| (1.0..=5.0).contains(&d)));
    }

    #[test]
    fn wilson_interval() {
        let r = Rate::new(100, 2000);
        // p = 0.05, n = 2000: [0.041281, 0.060444] (statsmodels `proportion_confint`, "wilson").
        assert!((r.ci[0] - 0.041_281).abs() < 1e-6 && (r.ci[1] - 0.060_444).abs() < 1e-6, "{r:?}");
        assert!(Rate::new(0, 10).ci[0].abs() < 1e-15);
    }
}
