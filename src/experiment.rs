//! The bundle's experiments: checked and compiled when the bundle loads, assigned per
//! visitor, and applied to the ranking weights.
//!
//! Assignment is GrowthBook's ([`crate::growthbook`]), so a visitor lands in the same
//! variation in the browser, at the edge and on the server. Loading checks what would
//! otherwise misbehave per request without a word: split weights that GrowthBook would
//! silently replace by an equal split, ranges, coverage, namespaces, filters, hash
//! versions, forced variations, conditions (compiled here, regular expressions included)
//! and the names and values of each variation's weight overrides.
//!
//! As in GrowthBook, a visitor outside an experiment gets variation 0 (the control): its
//! overrides, if it has any, apply to everyone the experiment does not take.

use serde::Serialize;

use crate::bundle::{Experiment, Variation};
use crate::codec::Value;
use crate::error::SnapshotError;
use crate::growthbook::{self, Condition, Context, StickyDocs};
use crate::hash::FastSet;
use crate::profile::ProfileView;
use crate::request::Context as PageContext;
use crate::weights::{Feature, Weights};

/// A compiled experiment.
#[derive(Debug, Clone)]
pub struct ExperimentDef {
    pub key: String,
    pub name: Option<String>,
    /// What GrowthBook's assignment reads.
    pub assign: growthbook::Experiment,
    /// Each variation's key: its own, or its index as text.
    pub variation_keys: Vec<String>,
    /// Each variation's weight overrides, checked.
    pub overrides: Vec<Vec<(Feature, f32)>>,
}

/// The bundle's experiments and what assigning them needs.
#[derive(Debug, Clone, Default)]
pub struct Experiments {
    pub list: Vec<ExperimentDef>,
    /// Saved groups, for `$inGroup`.
    pub groups: Vec<(String, Vec<Value<'static>>)>,
    /// The attributes whose sticky bucket documents apply: every hash and fallback
    /// attribute.
    pub identifiers: Vec<String>,
    /// No feature flags travel in a bundle; prerequisites are refused when loading.
    features: growthbook::feature::Features,
}

/// One experiment's assignment for a visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    /// Index into [`Experiments::list`].
    pub experiment: u32,
    /// The variation shown (0 when not in the experiment).
    pub variation: u32,
    pub in_experiment: bool,
    /// True when the hash decided; only such assignments are exposures.
    pub hash_used: bool,
    pub sticky_bucket_used: bool,
}

/// An assignment as the response shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShownAssignment {
    pub experiment: String,
    pub variant: u32,
    /// The variation's key.
    pub key: String,
    pub in_experiment: bool,
    pub hash_used: bool,
    pub sticky_bucket_used: bool,
}

/// What the visitor brings to assignment besides attributes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Overrides<'a> {
    /// The page URL: `?<experiment>=<n>` forces variation n (for QA).
    pub url: Option<&'a str>,
    /// Experiment key → forced variation.
    pub forced: &'a [(String, f64)],
}

fn fraction(path: String, v: f64) -> Result<(), SnapshotError> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(SnapshotError::number(path, v, "a fraction 0..1"))
    }
}

fn ranges(path: &dyn Fn(&str) -> String, field: &str, list: &[(f64, f64)]) -> Result<(), SnapshotError> {
    for (j, &(start, end)) in list.iter().enumerate() {
        fraction(path(&format!("{field}[{j}][0]")), start)?;
        fraction(path(&format!("{field}[{j}][1]")), end)?;
        if start > end {
            return Err(SnapshotError::invalid(
                path(&format!("{field}[{j}]")),
                "a range must not end before it starts",
            ));
        }
    }
    Ok(())
}

fn hash_version(path: String, v: Option<u32>) -> Result<(), SnapshotError> {
    match v {
        None | Some(1 | 2) => Ok(()),
        Some(v) => Err(SnapshotError::number(path, f64::from(v), "1 or 2")),
    }
}

fn overrides(path: String, v: &Variation) -> Result<Vec<(Feature, f32)>, SnapshotError> {
    // `with` checks names and values; the list keeps only the named features.
    let checked = Weights::default()
        .with(v.weights.iter().map(|(k, w)| (k.as_str(), *w)))
        .map_err(|err| err.in_snapshot(path))?;
    Ok(v.weights.keys().filter_map(|k| Feature::from_name(k)).map(|f| (f, checked.get(f))).collect())
}

fn compile(i: usize, e: Experiment) -> Result<ExperimentDef, SnapshotError> {
    let path = |f: &str| format!("bundle.experiments[{i}].{f}");
    let n = e.variations.len();
    if n == 0 {
        return Err(SnapshotError::invalid(path("variations"), "an experiment needs a variation"));
    }
    if !e.weights.is_empty() {
        if e.weights.len() != n {
            return Err(SnapshotError::LengthMismatch {
                path: path("weights/variations"),
                left: e.weights.len(),
                right: n,
            });
        }
        for (j, &w) in e.weights.iter().enumerate() {
            fraction(path(&format!("weights[{j}]")), w)?;
        }
        // GrowthBook replaces weights outside this band by an equal split without a word.
        let total: f64 = e.weights.iter().sum();
        if !(0.99..=1.01).contains(&total) {
            return Err(SnapshotError::number(path("weights"), total, "weights must sum to 1 (within 0.01)"));
        }
    }
    if !e.ranges.is_empty() && e.ranges.len() != n {
        return Err(SnapshotError::LengthMismatch { path: path("ranges/variations"), left: e.ranges.len(), right: n });
    }
    ranges(&path, "ranges", &e.ranges)?;
    if let Some(c) = e.coverage {
        fraction(path("coverage"), c)?;
    }
    if let Some((_, start, end)) = &e.namespace {
        fraction(path("namespace[1]"), *start)?;
        fraction(path("namespace[2]"), *end)?;
    }
    hash_version(path("hashVersion"), e.hash_version)?;
    for (j, f) in e.filters.iter().enumerate() {
        ranges(&path, &format!("filters[{j}].ranges"), &f.ranges)?;
        hash_version(path(&format!("filters[{j}].hashVersion")), f.hash_version)?;
    }
    if let Some(f) = e.force {
        if f as usize >= n {
            return Err(SnapshotError::number(path("force"), f64::from(f), "the index of a variation"));
        }
    }
    if let Some(s) = &e.status {
        if !matches!(s.as_str(), "draft" | "running" | "stopped") {
            return Err(SnapshotError::invalid(
                path("status"),
                format!("unknown status {s:?} (draft, running or stopped)"),
            ));
        }
    }
    let condition = match &e.condition {
        Some(c) => Some(Condition::compile(c).map_err(|detail| SnapshotError::invalid(path("condition"), detail))?),
        None => None,
    };
    let variation_keys: Vec<String> =
        e.variations.iter().enumerate().map(|(j, v)| v.key.clone().unwrap_or_else(|| j.to_string())).collect();
    let mut seen = FastSet::default();
    for (j, k) in variation_keys.iter().enumerate() {
        if !seen.insert(k.as_str()) {
            return Err(SnapshotError::DuplicateId { path: path(&format!("variations[{j}].key")), id: k.clone() });
        }
    }
    let mut variation_overrides = Vec::with_capacity(n);
    for (j, v) in e.variations.iter().enumerate() {
        variation_overrides.push(overrides(path(&format!("variations[{j}].weights")), v)?);
    }
    let assign = growthbook::Experiment {
        key: e.key.clone(),
        variations: n,
        weights: (!e.weights.is_empty()).then(|| e.weights.clone()),
        coverage: e.coverage,
        ranges: (!e.ranges.is_empty()).then(|| e.ranges.clone()),
        condition,
        parent_conditions: Vec::new(),
        namespace: e.namespace.clone(),
        filters: (!e.filters.is_empty()).then(|| {
            e.filters
                .iter()
                .map(|f| growthbook::run::Filter {
                    seed: f.seed.clone(),
                    ranges: f.ranges.clone(),
                    attribute: f.attribute.clone(),
                    hash_version: f.hash_version,
                })
                .collect()
        }),
        force: e.force.map(f64::from),
        hash_attribute: e.hash_attribute.clone(),
        fallback_attribute: e.fallback_attribute.clone(),
        hash_version: e.hash_version,
        seed: e.seed.clone(),
        active: e.active,
        status: e.status.clone(),
        keys: variation_keys.iter().cloned().map(Some).collect(),
        passthrough: vec![false; n],
        bucket_version: e.bucket_version.unwrap_or(0),
        min_bucket_version: e.min_bucket_version.unwrap_or(0),
        disable_sticky_bucketing: e.disable_sticky_bucketing,
    };
    Ok(ExperimentDef { key: e.key, name: e.name, assign, variation_keys, overrides: variation_overrides })
}

/// Checks and compiles the bundle's experiments and saved groups.
pub fn validate(
    list: Vec<Experiment>,
    saved_groups: std::collections::BTreeMap<String, Vec<Value<'static>>>,
) -> Result<Experiments, SnapshotError> {
    let mut keys = FastSet::default();
    for (i, e) in list.iter().enumerate() {
        if e.key.is_empty() || !keys.insert(e.key.as_str()) {
            return Err(SnapshotError::DuplicateId { path: format!("bundle.experiments[{i}].key"), id: e.key.clone() });
        }
    }
    let mut compiled = Vec::with_capacity(list.len());
    for (i, e) in list.into_iter().enumerate() {
        compiled.push(compile(i, e)?);
    }
    let list = compiled;
    let identifiers =
        growthbook::sticky::identifiers(list.iter().map(|e| &e.assign)).into_iter().map(str::to_owned).collect();
    Ok(Experiments { list, groups: saved_groups.into_iter().collect(), identifiers, features: Default::default() })
}

/// The attributes experiments see: the request's own, with what the engine knows filled
/// in where they say nothing: `id` (the visitor id), `page`, `region` and `url` from the
/// context, and, from a profile with personalization consent, `customerId`, `segment`,
/// `cohort`, `tier` (and `region` when the context has none).
pub fn attributes<'a>(
    given: Option<&Value<'static>>,
    visitor_id: &'a str,
    page: &'a PageContext,
    profile: Option<&'a ProfileView<'a>>,
) -> Value<'a> {
    use std::borrow::Cow;
    let mut entries: Vec<(Value<'a>, Value<'a>)> = match given {
        Some(Value::Map(m)) => m.to_vec(),
        _ => Vec::new(),
    };
    let text = |s: &'a str| Value::Str(Cow::Borrowed(s));
    let mut fill = |key: &'static str, v: Option<Value<'a>>| {
        if let Some(v) = v {
            if !entries.iter().any(|(k, _)| k.as_str() == Some(key)) {
                entries.push((text(key), v));
            }
        }
    };
    fill("id", Some(text(visitor_id)));
    fill("page", page.page.as_deref().map(text));
    fill("region", page.region.as_deref().map(text));
    fill("url", page.url.as_deref().map(text));
    if let Some(p) = profile {
        let borrowed = |c: &'a Cow<'a, str>| text(c);
        fill("customerId", Some(borrowed(&p.customer_id)));
        fill("segment", p.segment.as_ref().map(borrowed));
        fill("cohort", p.cohort.as_ref().map(borrowed));
        fill("region", p.region.as_ref().map(borrowed));
        fill("tier", p.tier.map(|t| Value::UInt(u64::from(t))));
    }
    Value::Map(entries)
}

impl Experiments {
    /// The number of experiments.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when the bundle has no experiment.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Assigns the visitor with `attributes` (an object) to every experiment, in bundle
    /// order; `sticky` (when sticky bucketing is on) gains the new assignments.
    pub fn assign(&self, attributes: &Value, o: Overrides, mut sticky: Option<&mut StickyDocs>) -> Vec<Assignment> {
        let ctx = Context {
            attributes,
            enabled: true,
            qa_mode: false,
            url: o.url,
            forced: o.forced,
            groups: &self.groups,
            features: &self.features,
        };
        self.list
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let r = growthbook::run(&e.assign, &ctx, sticky.as_deref_mut());
                Assignment {
                    experiment: i as u32,
                    variation: r.variation as u32,
                    in_experiment: r.in_experiment,
                    hash_used: r.hash_used,
                    sticky_bucket_used: r.sticky_bucket_used,
                }
            })
            .collect()
    }

    /// `base` with each assigned variation's overrides applied, in bundle order (a later
    /// experiment overriding the same feature wins).
    pub fn weights(&self, base: Weights, assignments: &[Assignment]) -> Weights {
        let mut w = base;
        for a in assignments {
            if let Some(list) = self.list.get(a.experiment as usize).and_then(|e| e.overrides.get(a.variation as usize))
            {
                for &(f, v) in list {
                    w.0[f as usize] = v;
                }
            }
        }
        w
    }

    /// An assignment with its names, for a response.
    pub fn show(&self, a: &Assignment) -> ShownAssignment {
        let e = &self.list[a.experiment as usize];
        ShownAssignment {
            experiment: e.key.clone(),
            variant: a.variation,
            key: e.variation_keys[a.variation as usize].clone(),
            in_experiment: a.in_experiment,
            hash_used: a.hash_used,
            sticky_bucket_used: a.sticky_bucket_used,
        }
    }
}
