//! Exponential time weights (a visit's recency, an event's popularity) relative to a
//! reference time that moves forward, so the stored sums never overflow.

/// Exponent (in half-lives) at which stored time weights are rescaled by 2^-64, keeping
/// f32 votes far from overflow however long the history.
const RESCALE_AT: f64 = 64.0;

/// Exponential time weights relative to a moving reference time.
#[derive(Debug, Clone)]
pub struct Decay {
    half_life_ms: f64,
    reference: Option<f64>,
}

impl Decay {
    pub fn new(days: f64) -> Decay {
        Decay { half_life_ms: days * 86_400_000.0, reference: None }
    }

    /// The weight of an event at `t`, and the factor every stored weight must be
    /// multiplied by first (1 when nothing moved).
    pub fn weight(&mut self, t: u64) -> (f64, f64) {
        if self.half_life_ms <= 0.0 {
            return (1.0, 1.0);
        }
        let t = t as f64;
        let reference = *self.reference.get_or_insert(t);
        let x = (t - reference) / self.half_life_ms;
        if x > RESCALE_AT {
            let shift = (x / RESCALE_AT).floor() * RESCALE_AT;
            self.reference = Some(reference + shift * self.half_life_ms);
            return ((x - shift).exp2(), (-shift).exp2());
        }
        (x.exp2(), 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recency_weighs_recent_visits_more_and_survives_long_histories() {
        let mut d = Decay::new(1.0);
        let day = 86_400_000u64;
        assert_eq!(d.weight(0), (1.0, 1.0));
        assert_eq!(d.weight(day), (2.0, 1.0));
        // 100 half-lives on: weights are rescaled rather than overflowing.
        let (w, f) = d.weight(100 * day);
        assert_eq!(f, (-64.0f64).exp2());
        assert_eq!(w, 36.0f64.exp2());
        assert_eq!(Decay::new(0.0).weight(5 * day), (1.0, 1.0));
    }
}
