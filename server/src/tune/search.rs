//! Coordinate search: one knob at a time, every value of its grid tried with the others
//! held, the best kept; passes over all knobs until a pass improves nothing or the
//! budget of evaluations is spent. Grids are a handful of values spread over each
//! knob's useful range (multiplicative for weights, whose scale depends on the learner).
//! Deterministic: knobs in a fixed order, ties keep the earlier value.
//!
//! A change is kept only when its gain is at least [`GATE`] standard errors of the
//! paired, per-session difference to the configuration it would replace. Validation
//! sets are a few thousand predictions; the best of a knob's six values gains about
//! 1.3 standard errors on pure noise (the expected maximum of six normals), and a
//! search that keeps every such gain tunes to its validation set: on Instacart, the
//! weights it had added after `repeat` scored +0.008 of MRR@20 on the orders it was
//! scored on and -0.001 on six later ones it never saw.

use std::collections::HashMap;

use crate::eval::paired::mean_and_se;
use crate::model::config::ModelConfig;

/// Standard errors a gain must reach to be kept: pure noise beats it in about one knob
/// of eight (1 - Φ(2)^6 for six independent values); a real effect must be about this
/// large to be found at all on the data at hand.
pub const GATE: f64 = 2.0;

/// One thing the search may change.
pub struct Knob {
    pub name: &'static str,
    pub values: Vec<f64>,
    pub get: fn(&ModelConfig) -> f64,
    pub set: fn(&mut ModelConfig, f64),
}

/// A knob on the learner: changing it means learning again.
pub fn is_learner(k: &Knob) -> bool {
    k.name.starts_with("learn.")
}

/// What the search found.
pub struct Found {
    pub config: ModelConfig,
    pub score: f64,
    pub evaluations: usize,
    /// One line per improvement.
    pub trace: Vec<String>,
}

/// A configuration's validation result.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Higher is better: the mean of `cases`.
    pub score: f64,
    /// The objective on each prediction, in the same order for every configuration.
    pub cases: Vec<f64>,
    /// Each prediction's session (dense indexes): predictions of one session are not
    /// independent evidence.
    pub sessions: Vec<u32>,
    /// For the trace.
    pub text: String,
}

impl Measured {
    /// Whether this beats `best` by more than the noise: [`GATE`] clustered standard
    /// errors of the paired difference (plain comparison without per-case results).
    pub fn beats(&self, best: &Measured) -> bool {
        if self.score <= best.score + 1e-9 {
            return false;
        }
        match mean_and_se(&self.cases, &best.cases, &self.sessions) {
            Some((gain, se)) if self.cases.len() == best.cases.len() => gain > GATE * se,
            _ => true,
        }
    }
}

/// Scores a configuration.
pub type Evaluate<'a, E> = dyn FnMut(&ModelConfig) -> Result<Measured, E> + 'a;

/// Searches from `start` with `evaluate`.
pub fn coordinate<E>(
    start: ModelConfig,
    knobs: &[Knob],
    budget: usize,
    evaluate: &mut Evaluate<'_, E>,
) -> Result<Found, E> {
    // Each configuration tried, its score and the best it was measured against (a count
    // of changes): it is tried again only when it could now be kept, against a new best.
    let mut seen: HashMap<String, (f64, usize)> = HashMap::new();
    let mut changes = 0;
    let mut evaluations = 0;
    let mut best = start;
    let mut best_result = evaluate(&best)?;
    evaluations += 1;
    seen.insert(serde_json::to_string(&best).unwrap_or_default(), (best_result.score, changes));
    let mut trace = vec![format!("start: {}", best_result.text)];
    for pass in 1.. {
        let mut improved = false;
        for k in knobs {
            let current = (k.get)(&best);
            let mut pick: Option<(ModelConfig, Measured)> = None;
            for &v in &k.values {
                if v == current || evaluations >= budget {
                    continue;
                }
                let mut c = best.clone();
                (k.set)(&mut c, v);
                let key = serde_json::to_string(&c).unwrap_or_default();
                let bar = pick.as_ref().map_or(best_result.score, |p| p.1.score);
                if seen.get(&key).is_some_and(|&(s, against)| s <= bar || against == changes) {
                    continue;
                }
                let r = evaluate(&c)?;
                evaluations += 1;
                seen.insert(key, (r.score, changes));
                if r.score > bar + 1e-9 && r.beats(&best_result) {
                    pick = Some((c, r));
                }
            }
            if let Some((c, r)) = pick {
                trace.push(format!("pass {pass}, {} = {}: {}", k.name, (k.get)(&c), r.text));
                best = c;
                best_result = r;
                changes += 1;
                improved = true;
            }
        }
        if !improved || evaluations >= budget {
            break;
        }
    }
    Ok(Found { config: best, score: best_result.score, evaluations, trace })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knobs() -> [Knob; 2] {
        [
            Knob {
                name: "learn.window",
                values: vec![1.0, 5.0, 10.0, 20.0],
                get: |c| f64::from(c.learn.window),
                set: |c, v| c.learn.window = v as u32,
            },
            Knob {
                name: "weights.popularity",
                values: vec![0.0, 0.1, 0.3],
                get: |c| c.weights.get("popularity").copied().unwrap_or(0.0),
                set: |c, v| {
                    c.weights.insert("popularity".into(), v);
                },
            },
        ]
    }

    fn window(c: &ModelConfig) -> f64 {
        f64::from(c.learn.window)
    }
    fn popularity(c: &ModelConfig) -> f64 {
        c.weights.get("popularity").copied().unwrap_or(0.0)
    }

    /// 400 predictions in 100 sessions: `value` on every one, and noise of ±`noise` that
    /// is the same for every configuration except its sign flips from one window to
    /// the next.
    fn measured(value: f64, noise: f64, seed: u32) -> Measured {
        let cases: Vec<f64> =
            (0..400u32).map(|i| value + if (i * 7 + seed).is_multiple_of(3) { noise } else { -noise / 2.0 }).collect();
        let score = cases.iter().sum::<f64>() / cases.len() as f64;
        Measured { score, cases, sessions: (0..400).map(|i| i / 4).collect(), text: format!("{value}") }
    }

    #[test]
    fn finds_the_best_of_a_separable_objective_and_respects_the_budget() {
        // Best at window 10 and popularity 0.1, every step far above the noise.
        let mut calls = 0;
        let mut f = |c: &ModelConfig| -> Result<Measured, ()> {
            calls += 1;
            Ok(measured(-(window(c) - 10.0).abs() - (popularity(c) - 0.1).abs() * 10.0, 0.0, 0))
        };
        let found = coordinate(ModelConfig::default(), &knobs(), 100, &mut f).unwrap();
        assert_eq!(found.config.learn.window, 10);
        assert_eq!(found.config.weights["popularity"], 0.1);
        assert_eq!(found.evaluations, calls, "each configuration evaluated once");
        assert!(found.trace.len() >= 3);
        let mut g = |_: &ModelConfig| -> Result<Measured, ()> { Ok(measured(0.0, 0.0, 0)) };
        assert_eq!(coordinate(ModelConfig::default(), &knobs(), 3, &mut g).unwrap().evaluations, 3);
    }

    #[test]
    fn a_gain_inside_the_noise_is_not_kept() {
        // Window 20 is better by 0.001 on average, while predictions disagree by ±0.5
        // from one window to another: a gain the validation set cannot tell from luck.
        let start = ModelConfig::default();
        let w0 = start.learn.window;
        let mut f = |c: &ModelConfig| -> Result<Measured, ()> {
            let gain = if c.learn.window == 20 { 0.001 } else { 0.0 };
            Ok(measured(gain, if c.learn.window == w0 { 0.0 } else { 0.5 }, c.learn.window))
        };
        let found = coordinate(start.clone(), &knobs()[..1], 100, &mut f).unwrap();
        assert_eq!(found.config.learn.window, w0, "{:?}", found.trace);
        // The same gain on every prediction alike is certain, and kept.
        let mut g = |c: &ModelConfig| -> Result<Measured, ()> {
            Ok(measured(if c.learn.window == 20 { 0.001 } else { 0.0 }, 0.0, 0))
        };
        assert_eq!(coordinate(start, &knobs()[..1], 100, &mut g).unwrap().config.learn.window, 20);
    }
}
