//! Reading GrowthBook's own JSON shapes (experiments, features, sticky bucket documents)
//! from a [`Value`] tree: for the conformance suite, and for a server that receives
//! GrowthBook definitions and wants to assign exactly as the edge does.
//!
//! Keys this module does not use are ignored, as the SDK ignores them; a used key with the
//! wrong type is an error naming it.

use super::condition::Condition;
use super::feature::{Feature, Features, Rule};
use super::js;
use super::run::{Experiment, Filter, ParentCondition};
use super::sticky::{StickyDoc, StickyDocs};
use crate::codec::Value;

type R<T> = Result<T, String>;

fn num(v: &Value, at: &str) -> R<f64> {
    js::as_number(v).ok_or_else(|| format!("{at}: expected a number, found {}", v.kind()))
}

fn text(v: &Value, at: &str) -> R<String> {
    v.as_str().map(str::to_owned).ok_or_else(|| format!("{at}: expected a string, found {}", v.kind()))
}

fn list<'v, 'a>(v: &'v Value<'a>, at: &str) -> R<&'v [Value<'a>]> {
    match v {
        Value::Array(items) => Ok(items),
        other => Err(format!("{at}: expected an array, found {}", other.kind())),
    }
}

fn range(v: &Value, at: &str) -> R<(f64, f64)> {
    match list(v, at)? {
        [a, b] => Ok((num(a, at)?, num(b, at)?)),
        _ => Err(format!("{at}: expected [start, end]")),
    }
}

fn ranges(v: &Value, at: &str) -> R<Vec<(f64, f64)>> {
    list(v, at)?.iter().map(|r| range(r, at)).collect()
}

fn version(v: &Value, at: &str) -> R<u32> {
    let n = num(v, at)?;
    // Any other number is a version no SDK knows: hashing then fails, as in the SDK.
    Ok(if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) { n as u32 } else { u32::MAX })
}

/// A field of an object, `None` when absent (or null, which the SDK treats alike).
fn field<'v, 'a>(o: &'v Value<'a>, key: &str) -> Option<&'v Value<'a>> {
    js::get(o, key).filter(|v| !matches!(v, Value::Nil))
}

fn filters(v: &Value, at: &str) -> R<Vec<Filter>> {
    list(v, at)?
        .iter()
        .map(|f| {
            Ok(Filter {
                seed: field(f, "seed").map(|s| text(s, at)).transpose()?.unwrap_or_default(),
                ranges: field(f, "ranges").map(|r| ranges(r, at)).transpose()?.unwrap_or_default(),
                attribute: field(f, "attribute").map(|s| text(s, at)).transpose()?,
                hash_version: field(f, "hashVersion").map(|s| version(s, at)).transpose()?,
            })
        })
        .collect()
}

fn parents(v: &Value, at: &str) -> R<Vec<ParentCondition>> {
    list(v, at)?
        .iter()
        .map(|p| {
            let empty = Value::Map(Vec::new());
            Ok(ParentCondition {
                id: text(field(p, "id").unwrap_or(&Value::Nil), &format!("{at}.id"))?,
                condition: Condition::compile(field(p, "condition").unwrap_or(&empty))?,
                gate: field(p, "gate").is_some_and(js::truthy),
            })
        })
        .collect()
}

/// The parts of an experiment that an experiment and an experiment rule share.
fn experiment_fields(o: &Value, e: &mut Experiment, at: &str) -> R<()> {
    let at = |k: &str| format!("{at}.{k}");
    if let Some(v) = field(o, "weights") {
        e.weights = Some(list(v, &at("weights"))?.iter().map(|w| num(w, &at("weights"))).collect::<R<_>>()?);
    }
    e.coverage = field(o, "coverage").map(|v| num(v, &at("coverage"))).transpose()?;
    e.ranges = field(o, "ranges").map(|v| ranges(v, &at("ranges"))).transpose()?;
    e.condition = field(o, "condition").map(Condition::compile).transpose()?;
    if let Some(v) = field(o, "namespace") {
        match list(v, &at("namespace"))? {
            [id, start, end] => {
                e.namespace =
                    Some((text(id, &at("namespace"))?, num(start, &at("namespace"))?, num(end, &at("namespace"))?))
            }
            _ => return Err(format!("{}: expected [id, start, end]", at("namespace"))),
        }
    }
    e.filters = field(o, "filters").map(|v| filters(v, &at("filters"))).transpose()?;
    e.parent_conditions =
        field(o, "parentConditions").map(|v| parents(v, &at("parentConditions"))).transpose()?.unwrap_or_default();
    e.hash_attribute = field(o, "hashAttribute").map(|v| text(v, &at("hashAttribute"))).transpose()?;
    e.fallback_attribute = field(o, "fallbackAttribute").map(|v| text(v, &at("fallbackAttribute"))).transpose()?;
    e.hash_version = field(o, "hashVersion").map(|v| version(v, &at("hashVersion"))).transpose()?;
    e.seed = field(o, "seed").map(|v| text(v, &at("seed"))).transpose()?;
    if let Some(meta) = field(o, "meta") {
        for m in list(meta, &at("meta"))? {
            e.keys.push(field(m, "key").map(|k| text(k, &at("meta.key"))).transpose()?);
            e.passthrough.push(field(m, "passthrough").is_some_and(js::truthy));
        }
    }
    let uint =
        |k: &str| -> R<u32> { Ok(field(o, k).map(|v| num(v, &at(k))).transpose()?.unwrap_or(0.0).max(0.0) as u32) };
    e.bucket_version = uint("bucketVersion")?;
    e.min_bucket_version = uint("minBucketVersion")?;
    e.disable_sticky_bucketing = field(o, "disableStickyBucketing").is_some_and(js::truthy);
    Ok(())
}

/// An experiment object (`{key, variations, weights, ...}`) and its variations' values.
pub fn experiment(o: &Value) -> R<(Experiment, Vec<Value<'static>>)> {
    let key = text(field(o, "key").unwrap_or(&Value::Nil), "experiment.key")?;
    let values: Vec<Value<'static>> = match field(o, "variations") {
        Some(v) => list(v, "experiment.variations")?.iter().map(|x| x.clone().into_owned()).collect(),
        None => Vec::new(),
    };
    let mut e = Experiment { key, variations: values.len(), ..Experiment::default() };
    experiment_fields(o, &mut e, "experiment")?;
    // `"force" in experiment`: present, even as null (which forces nothing valid).
    if let Some(f) = js::get(o, "force") {
        e.force = Some(js::as_number(f).unwrap_or(-1.0));
    }
    e.active = field(o, "active").map(js::truthy);
    e.status = field(o, "status").map(|v| text(v, "experiment.status")).transpose()?;
    Ok((e, values))
}

fn rule(o: &Value, feature: &str, at: &str) -> R<Rule> {
    let mut r = Rule {
        parent_conditions: field(o, "parentConditions").map(|v| parents(v, at)).transpose()?.unwrap_or_default(),
        filters: field(o, "filters").map(|v| filters(v, at)).transpose()?,
        range: field(o, "range").map(|v| range(v, at)).transpose()?,
        coverage: field(o, "coverage").map(|v| num(v, at)).transpose()?,
        seed: field(o, "seed").map(|v| text(v, at)).transpose()?,
        hash_attribute: field(o, "hashAttribute").map(|v| text(v, at)).transpose()?,
        fallback_attribute: field(o, "fallbackAttribute").map(|v| text(v, at)).transpose()?,
        hash_version: field(o, "hashVersion").map(|v| version(v, at)).transpose()?,
        disable_sticky_bucketing: field(o, "disableStickyBucketing").is_some_and(js::truthy),
        ..Rule::default()
    };
    if let Some(f) = js::get(o, "force") {
        r.force = Some(f.clone().into_owned());
        r.condition = field(o, "condition").map(Condition::compile).transpose()?;
    } else if let Some(v) = field(o, "variations") {
        let values: Vec<Value<'static>> = list(v, at)?.iter().map(|x| x.clone().into_owned()).collect();
        let key = field(o, "key").map(|k| text(k, at)).transpose()?.unwrap_or_else(|| feature.to_owned());
        let mut e = Experiment { key, variations: values.len(), ..Experiment::default() };
        experiment_fields(o, &mut e, at)?;
        r.experiment = Some((e, values));
    }
    Ok(r)
}

/// A map of feature id → `{defaultValue, rules}`.
pub fn features(o: &Value) -> R<Features> {
    let Value::Map(entries) = o else {
        return Err(format!("features: expected an object, found {}", o.kind()));
    };
    let mut out = Vec::with_capacity(entries.len());
    for (k, f) in entries {
        let id = js::js_string(k);
        let at = format!("features.{id}");
        let rules = match field(f, "rules") {
            Some(v) => list(v, &at)?.iter().map(|r| rule(r, &id, &at)).collect::<R<_>>()?,
            None => Vec::new(),
        };
        let default_value = field(f, "defaultValue").map_or(Value::Nil, |v| v.clone().into_owned());
        out.push((id, Feature { default_value, rules }));
    }
    Ok(Features(out))
}

/// One sticky bucket document `{attributeName, attributeValue, assignments}`.
pub fn sticky_doc(o: &Value) -> R<StickyDoc> {
    let at = "stickyBucket";
    let assignments = match field(o, "assignments") {
        Some(Value::Map(m)) => m.iter().map(|(k, v)| Ok((js::js_string(k), text(v, at)?))).collect::<R<_>>()?,
        Some(other) => return Err(format!("{at}.assignments: expected an object, found {}", other.kind())),
        None => Vec::new(),
    };
    Ok(StickyDoc {
        attribute_name: text(field(o, "attributeName").unwrap_or(&Value::Nil), &format!("{at}.attributeName"))?,
        attribute_value: text(field(o, "attributeValue").unwrap_or(&Value::Nil), &format!("{at}.attributeValue"))?,
        assignments,
    })
}

/// The attributes whose sticky bucket documents a set of features needs: each experiment
/// rule's hash attribute (`id` by default) and fallback attribute.
pub fn sticky_identifiers(features: &Features) -> Vec<&str> {
    let rules = features.0.iter().flat_map(|(_, f)| &f.rules);
    super::sticky::identifiers(rules.filter_map(|r| r.experiment.as_ref().map(|(e, _)| e)))
}

/// Sticky bucket documents as a list of documents.
pub fn sticky_docs(v: &Value) -> R<Vec<StickyDoc>> {
    list(v, "stickyBuckets")?.iter().map(sticky_doc).collect()
}

impl StickyDocs {
    /// The documents as GrowthBook writes them.
    pub fn to_value(&self) -> Value<'static> {
        let s = |x: &str| Value::Str(x.to_owned().into());
        Value::Array(
            self.docs
                .iter()
                .map(|d| {
                    Value::Map(vec![
                        (s("attributeName"), s(&d.attribute_name)),
                        (s("attributeValue"), s(&d.attribute_value)),
                        (s("assignments"), Value::Map(d.assignments.iter().map(|(k, v)| (s(k), s(v))).collect())),
                    ])
                })
                .collect(),
        )
    }
}
