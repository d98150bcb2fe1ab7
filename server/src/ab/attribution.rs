//! From an event log to units: the attribution rules of docs/FORMATS.md ("Events").
//!
//! - A unit is a visitor with at least one exposure to the experiment; its variant is
//!   that of its first exposure (earliest `at`, not the first line: logs from several
//!   edges arrive out of order).
//! - A visitor exposed to two different variants of one experiment is excluded and
//!   counted as a crossover: it saw both treatments, so it belongs to neither, and a
//!   rising count points at broken sticky assignment.
//! - A conversion counts for a unit when its `at` is at or after the unit's first
//!   exposure; the unit converted if one counts, its revenue is their sum. Earlier
//!   conversions are its pre-period revenue, the CUPED covariate.
//!
//! Conversions may come before the exposures they belong to in the file, so both are
//! gathered first and joined at the end; memory is one entry per visitor and conversion.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::error::CliError;
use crate::events::{Event, EventReader};

use super::{AbError, Dataset, Unit};
use crate::progress::thousands;

/// More variants than any experiment runs (GrowthBook experiments have a handful); an
/// index past it is a corrupt log, not an arm to allocate.
pub const MAX_VARIANTS: u32 = 100;

/// A visitor's exposures to one experiment, folded.
#[derive(Debug, Clone)]
struct Exposed {
    first: u64,
    variant: u32,
    crossover: bool,
}

/// What is known of one variant of an experiment.
#[derive(Debug, Clone, Default)]
struct VariantSeen {
    key: Option<String>,
    /// The line of its first exposure, to point at when the variant is unknown.
    line: u64,
}

#[derive(Debug, Default)]
struct Experiment {
    visitors: HashMap<String, Exposed>,
    variants: BTreeMap<u32, VariantSeen>,
}

/// Reads the log at `path` and attributes the units of `experiment` (required when the
/// log holds several). `weights` fixes the number of variants and the expected split;
/// without it the variants are 0..=the largest seen (at least 0 and 1), expected equal.
pub fn from_events(path: &Path, experiment: Option<&str>, weights: Option<&[f64]>) -> Result<Dataset, CliError> {
    let mut reader = EventReader::open(path)?;
    let mut experiments: BTreeMap<String, Experiment> = BTreeMap::new();
    let mut conversions: HashMap<String, Vec<(u64, f64)>> = HashMap::new();
    let mut read = (0u64, 0u64);
    while let Some(event) = reader.next_event()? {
        match event {
            Event::Exposure(e) => {
                read.0 += 1;
                if experiment.is_some_and(|want| want != e.experiment) {
                    continue;
                }
                if e.variant >= MAX_VARIANTS {
                    return Err(AbError::UnknownVariant {
                        at: format!("{}:{}", path.display(), reader.line()),
                        variant: e.variant.to_string(),
                        known: format!("at most {MAX_VARIANTS} variants"),
                    }
                    .into());
                }
                let exp = experiments.entry(e.experiment).or_default();
                let seen =
                    exp.variants.entry(e.variant).or_insert_with(|| VariantSeen { key: None, line: reader.line() });
                if seen.key.is_none() {
                    seen.key = e.variation_key;
                }
                exp.visitors
                    .entry(e.visitor_id)
                    .and_modify(|x| {
                        x.crossover |= x.variant != e.variant;
                        x.first = x.first.min(e.at);
                    })
                    .or_insert(Exposed { first: e.at, variant: e.variant, crossover: false });
            }
            Event::Conversion(c) => {
                read.1 += 1;
                conversions.entry(c.visitor_id).or_default().push((c.at, c.value));
            }
        }
    }
    if let Some(want) = experiment.filter(|_| experiments.is_empty() && read.0 > 0) {
        let found = all_experiments(path)?;
        return Err(AbError::UnknownExperiment { path: path.to_owned(), wanted: want.to_owned(), found }.into());
    }
    if experiments.len() > 1 {
        let found = experiments.keys().cloned().collect();
        return Err(AbError::ExperimentRequired { path: path.to_owned(), found }.into());
    }
    let Some((name, exp)) = experiments.pop_first() else {
        return Err(AbError::NoExposures { path: path.to_owned(), experiment: experiment.map(str::to_owned) }.into());
    };
    let largest = exp.variants.keys().next_back().copied().unwrap_or(0);
    let weights = match weights {
        Some(w) => {
            if let Some((&v, seen)) = exp.variants.range(w.len() as u32..).next() {
                return Err(AbError::UnknownVariant {
                    at: format!("{}:{}", path.display(), seen.line),
                    variant: v.to_string(),
                    known: format!("{} variants, 0..={}, by --weights", w.len(), w.len() - 1),
                }
                .into());
            }
            w.to_vec()
        }
        // At least a control and one treatment: a log with variant 0 only has an empty arm.
        None => vec![1.0; (largest as usize + 1).max(2)],
    };
    let arms = (0..weights.len() as u32)
        .map(|v| match exp.variants.get(&v).and_then(|s| s.key.clone()) {
            Some(key) => key,
            None => format!("variant {v}"),
        })
        .collect();
    Ok(attribute(path, name, exp, conversions, arms, weights, read))
}

/// The experiments a log holds, for the error that names one it does not: a second
/// pass, taken only on that error (the first pass skipped other experiments' exposures).
fn all_experiments(path: &Path) -> Result<Vec<String>, CliError> {
    let mut reader = EventReader::open(path)?;
    let mut names = std::collections::BTreeSet::new();
    while let Some(event) = reader.next_event()? {
        if let Event::Exposure(e) = event {
            names.insert(e.experiment);
        }
    }
    Ok(names.into_iter().collect())
}

/// Joins exposures and conversions into units.
fn attribute(
    path: &Path,
    name: String,
    exp: Experiment,
    mut conversions: HashMap<String, Vec<(u64, f64)>>,
    arms: Vec<String>,
    weights: Vec<f64>,
    (exposures, conversions_read): (u64, u64),
) -> Dataset {
    let mut visitors: Vec<(String, Exposed)> = exp.visitors.into_iter().collect();
    // Visitor order fixes the order of floating-point sums: sorted, the report is the same
    // bits on every run (a HashMap's order is random per process).
    visitors.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let (mut units, mut crossovers, mut counted, mut pre_period) = (Vec::new(), 0u64, 0u64, 0u64);
    for (visitor, x) in visitors {
        if x.crossover {
            crossovers += 1;
            continue;
        }
        let mut unit = Unit { arm: x.variant as usize, first: Some(x.first), ..Unit::default() };
        for (at, value) in conversions.remove(&visitor).unwrap_or_default() {
            if at >= x.first {
                unit.conversions.push((at, value));
            } else {
                unit.pre += value;
                pre_period += 1;
            }
        }
        unit.conversions.sort_by_key(|c| c.0);
        counted += unit.conversions.len() as u64;
        units.push(unit);
    }
    let unexposed: u64 = conversions.values().map(|v| v.len() as u64).sum();
    let notes = vec![format!(
        "{} exposures and {} conversions read; {} conversions counted, {} before their visitor's first exposure \
         (pre-period), {} from visitors who are not units (never exposed, or crossovers)",
        thousands(exposures),
        thousands(conversions_read),
        thousands(counted),
        thousands(pre_period),
        thousands(unexposed)
    )];
    Dataset {
        source: path.display().to_string(),
        experiment: name,
        metric: "conversion".into(),
        arms,
        weights,
        units,
        has_revenue: true,
        has_covariate: true,
        crossovers,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exposure(at: u64, visitor: &str, experiment: &str, variant: u32) -> String {
        format!(
            r#"{{"type":"exposure","at":{at},"visitorId":"{visitor}","experiment":"{experiment}","variant":{variant},"bundleVersion":"b","stockEpoch":1,"profileVersion":null,"items":[]}}"#
        )
    }

    fn conversion(at: u64, visitor: &str, value: f64) -> String {
        format!(r#"{{"type":"conversion","at":{at},"visitorId":"{visitor}","value":{value},"items":[]}}"#)
    }

    fn log(name: &str, lines: &[String]) -> std::path::PathBuf {
        let path = crate::scratch_dir("attribution").join(format!("{name}.jsonl"));
        std::fs::write(&path, lines.join("\n")).unwrap();
        path
    }

    #[test]
    fn the_rules() {
        let path = log(
            "rules",
            &[
                conversion(50, "a", 700.0), // before a's first exposure: pre-period
                exposure(200, "a", "e", 0),
                exposure(100, "a", "e", 0),  // earlier, later in the file: a starts at 100
                conversion(100, "a", 250.0), // at the first exposure: counts
                conversion(300, "a", 50.0),
                exposure(100, "b", "e", 1),
                exposure(150, "c", "e", 0),
                exposure(160, "c", "e", 1), // crossover
                conversion(170, "c", 999.0),
                conversion(10, "z", 1.0), // never exposed
            ],
        );
        let d = from_events(&path, None, None).unwrap();
        assert_eq!((d.experiment.as_str(), d.crossovers, d.arms.len()), ("e", 1, 2));
        assert_eq!(d.units.len(), 2);
        let a = &d.units[0];
        assert_eq!((a.arm, a.first, a.pre), (0, Some(100), 700.0));
        assert_eq!(a.conversions, vec![(100, 250.0), (300, 50.0)]);
        assert_eq!((a.revenue(), d.units[1].converted()), (300.0, false));
        assert!(d.notes[0].contains("2 conversions counted, 1 before"), "{:?}", d.notes);
        assert!(d.notes[0].contains("2 from visitors who are not units"), "{:?}", d.notes);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn choosing_the_experiment() {
        let path = log("choose", &[exposure(1, "a", "e1", 0), exposure(1, "b", "e2", 1), exposure(2, "c", "e2", 0)]);
        let e = from_events(&path, None, None).unwrap_err();
        assert_eq!(e.code(), "E_AB_EXPERIMENT_REQUIRED");
        let d = from_events(&path, Some("e2"), None).unwrap();
        assert_eq!((d.units.len(), d.arms.clone()), (2, vec!["variant 0".to_string(), "variant 1".to_string()]));
        let e = from_events(&path, Some("e3"), None).unwrap_err();
        assert_eq!(e.code(), "E_AB_UNKNOWN_EXPERIMENT");
        assert!(e.to_string().contains("it holds e1, e2"), "{e}");
        let e = from_events(&path, Some("e2"), Some(&[1.0])).unwrap_err();
        assert_eq!(e.code(), "E_AB_UNKNOWN_VARIANT");
        assert!(e.to_string().contains(":2: unknown variant 1"), "{e}");
        std::fs::remove_file(path).unwrap();
    }
}
