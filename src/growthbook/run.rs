//! Running an experiment for one visitor: GrowthBook's `run`, step for step.
//!
//! The order of the checks is part of the contract (a query-string override beats an
//! inactive experiment, coverage beats a forced variation, a sticky bucket skips
//! targeting), so [`run`] follows the SDK's numbered steps and names them.

use super::condition::{Condition, SavedGroups};
use super::feature::{self, Features, Stack};
use super::hash::{bucket_ranges, choose_variation, hash, in_namespace, in_range, query_string_override};
use super::js;
use super::sticky::{self, attribute_text, hash_attribute, StickyDocs};
use crate::codec::Value;

/// A hash filter: the visitor passes when the hash of `attribute` under `seed` falls into
/// one of the ranges.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub seed: String,
    pub ranges: Vec<(f64, f64)>,
    pub attribute: Option<String>,
    pub hash_version: Option<u32>,
}

/// A prerequisite: the feature `id` must evaluate to a value passing `condition`.
#[derive(Debug, Clone)]
pub struct ParentCondition {
    pub id: String,
    pub condition: Condition,
    pub gate: bool,
}

/// An experiment, in GrowthBook's terms: the fields assignment reads.
#[derive(Debug, Clone, Default)]
pub struct Experiment {
    pub key: String,
    /// How many variations (their values are the caller's business).
    pub variations: usize,
    pub weights: Option<Vec<f64>>,
    pub coverage: Option<f64>,
    /// Explicit bucket ranges; override weights and coverage.
    pub ranges: Option<Vec<(f64, f64)>>,
    pub condition: Option<Condition>,
    pub parent_conditions: Vec<ParentCondition>,
    pub namespace: Option<(String, f64, f64)>,
    pub filters: Option<Vec<Filter>>,
    /// A forced variation (`"force" in experiment`): applies to visitors in coverage.
    pub force: Option<f64>,
    pub hash_attribute: Option<String>,
    pub fallback_attribute: Option<String>,
    pub hash_version: Option<u32>,
    pub seed: Option<String>,
    pub active: Option<bool>,
    /// `"draft"` and `"stopped"` experiments assign nobody.
    pub status: Option<String>,
    /// Each variation's key (GrowthBook's `meta[i].key`); sticky buckets store these.
    pub keys: Vec<Option<String>>,
    /// Each variation's `meta[i].passthrough`.
    pub passthrough: Vec<bool>,
    pub bucket_version: u32,
    pub min_bucket_version: u32,
    pub disable_sticky_bucketing: bool,
}

/// Everything about the visitor and the page that assignment reads.
#[derive(Debug, Clone, Copy)]
pub struct Context<'c> {
    /// An object of attributes (`id`, `country`, ...).
    pub attributes: &'c Value<'c>,
    /// False: nobody is in any experiment.
    pub enabled: bool,
    /// QA mode: only forced variations apply.
    pub qa_mode: bool,
    /// The page URL, for `?<experiment>=<variation>` overrides.
    pub url: Option<&'c str>,
    /// Experiment key → forced variation.
    pub forced: &'c [(String, f64)],
    pub groups: SavedGroups<'c>,
    /// Feature flags, for prerequisites.
    pub features: &'c Features,
}

/// What running an experiment decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Assigned {
    /// The variation shown (0 when not in the experiment).
    pub variation: usize,
    pub in_experiment: bool,
    /// Whether the hash decided (false for overrides and forced variations): only hashed
    /// assignments count as exposures.
    pub hash_used: bool,
    pub hash_attribute: String,
    pub hash_value: String,
    /// The visitor's hash, when it was computed.
    pub bucket: Option<f64>,
    pub sticky_bucket_used: bool,
    /// The variation's key (its index as text when it has none).
    pub key: String,
    pub passthrough: bool,
}

impl Experiment {
    fn sticky(&self, docs: &Option<&mut StickyDocs>) -> bool {
        docs.is_some() && !self.disable_sticky_bucketing
    }
}

/// `_getResult`: the result for variation `index` (out of range: not in the experiment).
fn result(
    e: &Experiment,
    ctx: &Context,
    sticky_on: bool,
    index: f64,
    hash_used: bool,
    bucket: Option<f64>,
    sticky_used: bool,
) -> Assigned {
    let valid = index >= 0.0 && index < e.variations as f64 && index.fract() == 0.0;
    let variation = if valid { index as usize } else { 0 };
    let fallback = if sticky_on { e.fallback_attribute.as_deref() } else { None };
    let (name, value) = hash_attribute(ctx.attributes, e.hash_attribute.as_deref(), fallback);
    Assigned {
        variation,
        in_experiment: valid,
        hash_used,
        hash_attribute: name.to_owned(),
        hash_value: attribute_text(&value),
        bucket,
        sticky_bucket_used: sticky_used,
        key: e.keys.get(variation).cloned().flatten().unwrap_or_else(|| variation.to_string()),
        passthrough: e.passthrough.get(variation).copied().unwrap_or(false),
    }
}

/// `_isFilteredOut`: true when any filter leaves the visitor out.
pub(crate) fn filtered_out(filters: &[Filter], attributes: &Value) -> bool {
    filters.iter().any(|f| {
        let (_, value) = hash_attribute(attributes, f.attribute.as_deref(), None);
        if !js::truthy(&value) {
            return true;
        }
        match hash(&f.seed, &js::js_string(&value), f.hash_version.unwrap_or(2)) {
            Some(n) => !f.ranges.iter().any(|&r| in_range(n, r)),
            None => true,
        }
    })
}

/// The sticky variation found for the visitor: `Ok(Some(i))`, `Ok(None)` (none stored or
/// its key unknown) or `Err(())` when an older, blocked bucket version is stored.
fn sticky_variation(e: &Experiment, docs: &StickyDocs, attributes: &Value) -> Result<Option<usize>, ()> {
    let stored = docs.assignments(
        attributes,
        Some(e.hash_attribute.as_deref().unwrap_or("id")),
        e.fallback_attribute.as_deref(),
    );
    for v in 0..e.min_bucket_version {
        let blocked = sticky::experiment_key(&e.key, v);
        if stored.iter().any(|(k, _)| *k == blocked) {
            return Err(());
        }
    }
    let id = sticky::experiment_key(&e.key, e.bucket_version);
    let Some((_, want)) = stored.iter().find(|(k, _)| *k == id) else {
        return Ok(None);
    };
    Ok(e.keys.iter().position(|k| k.as_deref() == Some(want.as_str())))
}

/// Runs `e` for the visitor in `ctx`; `sticky` is the visitor's sticky bucket documents
/// when sticky bucketing is on (they gain the new assignment).
pub fn run(e: &Experiment, ctx: &Context, sticky: Option<&mut StickyDocs>) -> Assigned {
    run_in(e, ctx, sticky, &mut Stack::default())
}

pub(crate) fn run_in(
    e: &Experiment,
    ctx: &Context,
    mut sticky: Option<&mut StickyDocs>,
    stack: &mut Stack,
) -> Assigned {
    let sticky_on = e.sticky(&sticky);
    let out = |index: f64, hash_used: bool, bucket: Option<f64>, sticky_used: bool| {
        result(e, ctx, sticky_on, index, hash_used, bucket, sticky_used)
    };
    let not_in = || out(-1.0, false, None, false);
    // 1. fewer than two variations; 2. the context is disabled
    if e.variations < 2 || !ctx.enabled {
        return not_in();
    }
    // 3. a variation forced by the page's query string
    if let Some(i) = ctx.url.and_then(|u| query_string_override(&e.key, u, e.variations)) {
        return out(i as f64, false, None, false);
    }
    // 4. a variation forced by the context
    if let Some((_, v)) = ctx.forced.iter().find(|(k, _)| *k == e.key) {
        return out(*v, false, None, false);
    }
    // 5. drafts and inactive experiments
    if e.status.as_deref() == Some("draft") || e.active == Some(false) {
        return not_in();
    }
    // 6. the hash attribute (or the fallback, with sticky bucketing) must have a value
    let fallback = if sticky_on { e.fallback_attribute.as_deref() } else { None };
    let (hash_name, hash_value) = hash_attribute(ctx.attributes, e.hash_attribute.as_deref(), fallback);
    if !js::truthy(&hash_value) {
        return not_in();
    }
    let hash_text = js::js_string(&hash_value);
    let mut assigned: Option<usize> = None;
    let mut blocked = false;
    if sticky_on {
        if let Some(docs) = sticky.as_deref() {
            match sticky_variation(e, docs, ctx.attributes) {
                Ok(found) => assigned = found,
                Err(()) => blocked = true,
            }
        }
    }
    let found_sticky = assigned.is_some();
    // 7-8. targeting, skipped for a visitor who already has a sticky bucket
    if !found_sticky {
        match &e.filters {
            Some(filters) if filtered_out(filters, ctx.attributes) => return not_in(),
            Some(_) => {}
            None => {
                if let Some((id, start, end)) = &e.namespace {
                    if !in_namespace(&hash_text, (id, *start, *end)) {
                        return not_in();
                    }
                }
            }
        }
        if e.condition.as_ref().is_some_and(|c| !c.eval(ctx.attributes, ctx.groups)) {
            return not_in();
        }
        for parent in &e.parent_conditions {
            let Some(value) = feature::eval_in(ctx, &parent.id, sticky.as_deref_mut(), stack).value_unless_cyclic()
            else {
                return not_in();
            };
            let object = Value::Map(vec![(Value::Str("value".into()), value)]);
            if !parent.condition.eval(&object, ctx.groups) {
                return not_in();
            }
        }
    }
    // 9. the hash, and the variation whose range it falls into
    let Some(n) = hash(e.seed.as_deref().unwrap_or(&e.key), &hash_text, e.hash_version.unwrap_or(1)) else {
        return not_in();
    };
    if !found_sticky {
        let ranges = match &e.ranges {
            Some(r) => r.clone(),
            None => bucket_ranges(e.variations, e.coverage.unwrap_or(1.0), e.weights.as_deref()),
        };
        assigned = choose_variation(n, &ranges);
    }
    // 9.5. a blocked sticky bucket version unenrolls the visitor
    if blocked {
        return out(-1.0, false, None, true);
    }
    // 10. outside coverage
    let Some(variation) = assigned else {
        return not_in();
    };
    // 11. a forced variation applies to those in coverage
    if let Some(force) = e.force {
        return out(force, false, None, false);
    }
    // 12. QA mode; 12.5. stopped experiments
    if ctx.qa_mode || e.status.as_deref() == Some("stopped") {
        return not_in();
    }
    // 13. the result, and its sticky bucket
    let r = out(variation as f64, true, Some(n), found_sticky);
    if sticky_on {
        if let Some(docs) = sticky {
            docs.save(
                hash_name,
                &attribute_text(&hash_value),
                (sticky::experiment_key(&e.key, e.bucket_version), r.key.clone()),
            );
        }
    }
    r
}
