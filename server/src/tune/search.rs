//! Coordinate search: one knob at a time, every value of its grid tried with the others
//! held, the best kept; passes over all knobs until a pass improves nothing or the
//! budget of evaluations is spent. Grids are a handful of values spread over each
//! knob's useful range (multiplicative for weights, whose scale depends on the learner).
//! Deterministic: knobs in a fixed order, ties keep the earlier value.

use std::collections::HashMap;

use crate::model::config::ModelConfig;

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

/// Scores a configuration (higher is better) and describes it for the trace.
pub type Evaluate<'a, E> = dyn FnMut(&ModelConfig) -> Result<(f64, String), E> + 'a;

/// Searches from `start` with `evaluate`.
pub fn coordinate<E>(
    start: ModelConfig,
    knobs: &[Knob],
    budget: usize,
    evaluate: &mut Evaluate<'_, E>,
) -> Result<Found, E> {
    let mut seen: HashMap<String, f64> = HashMap::new();
    let mut evaluations = 0;
    let mut score_of = |c: &ModelConfig, evaluations: &mut usize| -> Result<(f64, Option<String>), E> {
        let key = serde_json::to_string(c).unwrap_or_default();
        if let Some(&s) = seen.get(&key) {
            return Ok((s, None));
        }
        *evaluations += 1;
        let (s, text) = evaluate(c)?;
        seen.insert(key, s);
        Ok((s, Some(text)))
    };
    let mut best = start;
    let (mut best_score, text) = score_of(&best, &mut evaluations)?;
    let mut trace = vec![format!("start: {}", text.unwrap_or_default())];
    for pass in 1.. {
        let mut improved = false;
        for k in knobs {
            let current = (k.get)(&best);
            let mut pick: Option<(f64, ModelConfig, String)> = None;
            for &v in &k.values {
                if v == current || evaluations >= budget {
                    continue;
                }
                let mut c = best.clone();
                (k.set)(&mut c, v);
                let (s, text) = score_of(&c, &mut evaluations)?;
                let better = pick.as_ref().map_or(best_score, |p| p.0);
                if s > better + 1e-9 {
                    pick = Some((s, c, text.unwrap_or_default()));
                }
            }
            if let Some((s, c, text)) = pick {
                trace.push(format!("pass {pass}, {} = {}: {text}", k.name, (k.get)(&c)));
                best = c;
                best_score = s;
                improved = true;
            }
        }
        if !improved || evaluations >= budget {
            break;
        }
    }
    Ok(Found { config: best, score: best_score, evaluations, trace })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_best_of_a_separable_objective_and_respects_the_budget() {
        let knobs = [
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
        ];
        // Best at window 10 and popularity 0.1.
        let mut calls = 0;
        let mut f = |c: &ModelConfig| -> Result<(f64, String), ()> {
            calls += 1;
            let w = f64::from(c.learn.window);
            let p = c.weights.get("popularity").copied().unwrap_or(0.0);
            Ok((-(w - 10.0).abs() - (p - 0.1).abs() * 10.0, format!("{w} {p}")))
        };
        let found = coordinate(ModelConfig::default(), &knobs, 100, &mut f).unwrap();
        assert_eq!(found.config.learn.window, 10);
        assert_eq!(found.config.weights["popularity"], 0.1);
        assert_eq!(found.evaluations, calls, "each configuration evaluated once");
        assert!(found.trace.len() >= 3);
        let mut g = |_: &ModelConfig| -> Result<(f64, String), ()> { Ok((0.0, String::new())) };
        assert_eq!(coordinate(ModelConfig::default(), &knobs, 3, &mut g).unwrap().evaluations, 3);
    }
}
