//! Experiment definitions carried by the bundle.
//!
//! Definitions follow GrowthBook's experiment fields so a shop can move an experiment to
//! the edge unchanged; each variation may override ranking weights. Loading checks what
//! would otherwise fail later, per request: split weights, coverage, namespace ranges,
//! hash versions and the names and values of weight overrides.

use crate::bundle::Experiment;
use crate::error::SnapshotError;
use crate::hash::FastSet;
use crate::weights::Weights;

/// A checked experiment definition.
#[derive(Debug, Clone)]
pub struct ExperimentDef {
    pub def: Experiment,
}

fn fraction(path: String, v: f64) -> Result<(), SnapshotError> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(SnapshotError::number(path, v, "a fraction 0..1"))
    }
}

/// Checks the bundle's experiments.
pub fn validate(list: Vec<Experiment>) -> Result<Vec<ExperimentDef>, SnapshotError> {
    let mut keys = FastSet::default();
    for (i, e) in list.iter().enumerate() {
        let path = |f: &str| format!("bundle.experiments[{i}].{f}");
        if e.key.is_empty() || !keys.insert(e.key.as_str()) {
            return Err(SnapshotError::DuplicateId { path: path("key"), id: e.key.clone() });
        }
        if e.variations.is_empty() {
            return Err(SnapshotError::invalid(path("variations"), "an experiment needs a variation"));
        }
        if !e.weights.is_empty() && e.weights.len() != e.variations.len() {
            return Err(SnapshotError::LengthMismatch {
                path: path("weights/variations"),
                left: e.weights.len(),
                right: e.variations.len(),
            });
        }
        for (j, &w) in e.weights.iter().enumerate() {
            fraction(path(&format!("weights[{j}]")), w)?;
        }
        if let Some(c) = e.coverage {
            fraction(path("coverage"), c)?;
        }
        if let Some((_, start, end)) = &e.namespace {
            fraction(path("namespace[1]"), *start)?;
            fraction(path("namespace[2]"), *end)?;
        }
        if let Some(v) = e.hash_version {
            if v != 1 && v != 2 {
                return Err(SnapshotError::number(path("hashVersion"), f64::from(v), "1 or 2"));
            }
        }
        for (j, v) in e.variations.iter().enumerate() {
            Weights::default()
                .with(v.weights.iter().map(|(k, w)| (k.as_str(), *w)))
                .map_err(|err| err.in_snapshot(path(&format!("variations[{j}].weights"))))?;
        }
    }
    Ok(list.into_iter().map(|def| ExperimentDef { def }).collect())
}
