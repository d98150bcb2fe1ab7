//! Ranking features and their weights.
//!
//! A suggestion's score is the weighted sum of its features. The bundle sets the weights
//! (learned or tuned offline); a request, or an experiment variation, may override any of
//! them by name. Names are checked: a misspelt override is an error, not a silent no-op.

use crate::error::{RequestError, SnapshotError};

/// A ranking feature. Each is scaled to roughly 0..1 before weighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Feature {
    /// Neighbour weight summed over the session's and profile's views, by recency.
    Similarity,
    /// Complement weight from the cart and past purchases.
    Complement,
    /// The shopper's affinity to the product's category (and ancestors) and brand.
    Affinity,
    /// Popularity in the shopper's cohort (log-scaled to 0..1).
    Popularity,
    /// Freshness of the strongest signal that led to the product.
    Recency,
    /// How well the price fits the shopper's price band.
    PriceFit,
    /// Stock depth, saturating at the bundle's `stockDepth`.
    Stock,
    /// The product's margin fraction.
    Margin,
    /// Repurchase pull of a consumable bought before.
    Repeat,
    /// Pull of a product viewed earlier in this visit (with `ranking.remindViewed`).
    Revisit,
}

/// Number of features.
pub const FEATURES: usize = 10;

impl Feature {
    /// Every feature, in index order.
    pub const ALL: [Feature; FEATURES] = [
        Feature::Similarity,
        Feature::Complement,
        Feature::Affinity,
        Feature::Popularity,
        Feature::Recency,
        Feature::PriceFit,
        Feature::Stock,
        Feature::Margin,
        Feature::Repeat,
        Feature::Revisit,
    ];

    /// The name used in bundles, requests and experiment variations.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Similarity => "similarity",
            Feature::Complement => "complement",
            Feature::Affinity => "affinity",
            Feature::Popularity => "popularity",
            Feature::Recency => "recency",
            Feature::PriceFit => "priceFit",
            Feature::Stock => "stock",
            Feature::Margin => "margin",
            Feature::Repeat => "repeat",
            Feature::Revisit => "revisit",
        }
    }

    /// The feature with this name.
    pub fn from_name(name: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Largest absolute weight accepted. Features are 0..1, so a weight beyond this would
/// only drown the others; it also keeps scores far from f32 overflow.
pub const MAX_WEIGHT: f64 = 1e6;

/// One weight per feature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights(pub [f32; FEATURES]);

impl Default for Weights {
    /// Defaults that rank sensibly before any tuning: what the shopper is looking at now
    /// first, then what goes with the cart, then taste and popularity.
    fn default() -> Self {
        let mut w = [0.0; FEATURES];
        w[Feature::Similarity as usize] = 1.0;
        w[Feature::Complement as usize] = 0.8;
        w[Feature::Affinity as usize] = 0.5;
        w[Feature::Popularity as usize] = 0.3;
        w[Feature::Recency as usize] = 0.2;
        w[Feature::PriceFit as usize] = 0.1;
        w[Feature::Stock as usize] = 0.05;
        w[Feature::Margin as usize] = 0.0;
        w[Feature::Repeat as usize] = 0.6;
        // Only products of this visit have it, and only with `ranking.remindViewed`.
        w[Feature::Revisit as usize] = 1.0;
        Weights(w)
    }
}

/// Why a weight override was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum WeightError {
    Unknown(String),
    NotAllowed { name: String, value: f64 },
}

impl WeightError {
    /// The error as found in a snapshot section named `path`.
    pub(crate) fn in_snapshot(self, path: String) -> SnapshotError {
        match self {
            WeightError::Unknown(name) => SnapshotError::UnknownWeight { path, name },
            WeightError::NotAllowed { name, value } => {
                SnapshotError::number(format!("{path}.{name}"), value, "finite, |w| <= 1e6")
            }
        }
    }

    /// The error as found in a rank request's `weights`.
    pub(crate) fn in_request(self) -> RequestError {
        match self {
            WeightError::Unknown(name) => RequestError::UnknownWeight { name },
            WeightError::NotAllowed { name, value } => RequestError::InvalidNumber {
                path: format!("request.weights.{name}"),
                value,
                rule: "finite, |w| <= 1e6",
            },
        }
    }
}

impl Weights {
    /// The weight of one feature.
    pub fn get(&self, f: Feature) -> f32 {
        self.0[f as usize]
    }

    /// These weights with `overrides` applied; checks every name and value first, so a
    /// refused override changes nothing.
    pub fn with<'a>(
        &self,
        overrides: impl IntoIterator<Item = (&'a str, f64)> + Clone,
    ) -> Result<Weights, WeightError> {
        let mut out = *self;
        for (name, value) in overrides {
            let f = Feature::from_name(name).ok_or_else(|| WeightError::Unknown(name.into()))?;
            if !value.is_finite() || value.abs() > MAX_WEIGHT {
                return Err(WeightError::NotAllowed { name: name.into(), value });
            }
            out.0[f as usize] = value as f32;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Feature::ALL {
            assert_eq!(Feature::from_name(f.name()), Some(f));
            assert_eq!(Feature::ALL[f as usize], f);
        }
        assert_eq!(Feature::from_name("Similarity"), None);
    }

    #[test]
    fn overrides_are_checked_before_any_is_applied() {
        let base = Weights::default();
        let w = base.with([("margin", 2.0), ("popularity", -1.0)]).unwrap();
        assert_eq!(w.get(Feature::Margin), 2.0);
        assert_eq!(w.get(Feature::Popularity), -1.0);
        assert_eq!(base.with([("margin", 1.0), ("margn", 1.0)]), Err(WeightError::Unknown("margn".into())));
        assert!(matches!(base.with([("stock", f64::NAN)]), Err(WeightError::NotAllowed { .. })));
        assert!(matches!(base.with([("stock", 1e7)]), Err(WeightError::NotAllowed { .. })));
    }
}
