//! Feature flags, as far as experiments need them: a prerequisite (`parentConditions`)
//! tests the value of another feature, and a feature's experiment rules are experiments
//! whose sticky buckets the conformance cases check.
//!
//! Rules are tried in order: prerequisites, filters, then a forced value (within its
//! rollout) or an experiment (when the visitor is in it); otherwise the default value.
//! Evaluation keeps the chain of features being evaluated, so a prerequisite cycle ends
//! as "cyclic" instead of recursing forever.

use super::condition::Condition;
use super::hash::{hash, in_range};
use super::js;
use super::run::{filtered_out, run_in, Assigned, Context, Experiment, Filter, ParentCondition};
use super::sticky::{hash_attribute, StickyDocs};
use crate::codec::Value;

/// One rule of a feature.
#[derive(Debug, Clone, Default)]
pub struct Rule {
    pub parent_conditions: Vec<ParentCondition>,
    pub filters: Option<Vec<Filter>>,
    pub condition: Option<Condition>,
    /// A forced value (a force rule), rolled out by `range` or `coverage`.
    pub force: Option<Value<'static>>,
    pub range: Option<(f64, f64)>,
    pub coverage: Option<f64>,
    pub seed: Option<String>,
    pub hash_attribute: Option<String>,
    pub fallback_attribute: Option<String>,
    pub hash_version: Option<u32>,
    pub disable_sticky_bucketing: bool,
    /// An experiment rule: the experiment and its variations' values.
    pub experiment: Option<(Experiment, Vec<Value<'static>>)>,
}

/// A feature flag.
#[derive(Debug, Clone, Default)]
pub struct Feature {
    pub default_value: Value<'static>,
    pub rules: Vec<Rule>,
}

/// Feature flags by id.
#[derive(Debug, Clone, Default)]
pub struct Features(pub Vec<(String, Feature)>);

/// Where a feature's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    UnknownFeature,
    DefaultValue,
    Force,
    Experiment,
    Prerequisite,
    CyclicPrerequisite,
}

/// A feature's value for the visitor.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureResult {
    pub value: Value<'static>,
    pub source: Source,
    /// The experiment that decided the value, when one did.
    pub experiment: Option<Assigned>,
}

impl FeatureResult {
    fn of(value: Value<'static>, source: Source) -> FeatureResult {
        FeatureResult { value, source, experiment: None }
    }

    /// The value, unless evaluation ran into a prerequisite cycle.
    pub(crate) fn value_unless_cyclic(self) -> Option<Value<'static>> {
        (self.source != Source::CyclicPrerequisite).then_some(self.value)
    }
}

/// The features being evaluated, outermost first.
#[derive(Debug, Default)]
pub(crate) struct Stack(Vec<String>);

/// `_isIncludedInRollout`: a force rule applies to the share of visitors its range or
/// coverage selects.
fn in_rollout(ctx: &Context, rule: &Rule, seed: &str, fallback: Option<&str>) -> bool {
    if rule.range.is_none() && rule.coverage.is_none() {
        return true;
    }
    if rule.range.is_none() && rule.coverage == Some(0.0) {
        return false;
    }
    let (_, value) = hash_attribute(ctx.attributes, rule.hash_attribute.as_deref(), fallback);
    if !js::truthy(&value) {
        return false;
    }
    let Some(n) = hash(seed, &js::js_string(&value), rule.hash_version.unwrap_or(1)) else {
        return false;
    };
    match (rule.range, rule.coverage) {
        (Some(r), _) => in_range(n, r),
        (None, Some(c)) => n <= c,
        (None, None) => true,
    }
}

/// Evaluates feature `id` for the visitor in `ctx`.
pub fn eval(ctx: &Context, id: &str, sticky: Option<&mut StickyDocs>) -> FeatureResult {
    eval_in(ctx, id, sticky, &mut Stack::default())
}

pub(crate) fn eval_in(ctx: &Context, id: &str, sticky: Option<&mut StickyDocs>, stack: &mut Stack) -> FeatureResult {
    if stack.0.iter().any(|f| f == id) {
        return FeatureResult::of(Value::Nil, Source::CyclicPrerequisite);
    }
    let Some((_, feature)) = ctx.features.0.iter().find(|(f, _)| f == id) else {
        return FeatureResult::of(Value::Nil, Source::UnknownFeature);
    };
    stack.0.push(id.to_owned());
    let result = rules(ctx, id, feature, sticky, stack);
    stack.0.pop();
    result.unwrap_or_else(|| FeatureResult::of(feature.default_value.clone(), Source::DefaultValue))
}

/// The first rule that decides the value, or `None` for the default.
fn rules(
    ctx: &Context,
    id: &str,
    feature: &Feature,
    mut sticky: Option<&mut StickyDocs>,
    stack: &mut Stack,
) -> Option<FeatureResult> {
    'rules: for rule in &feature.rules {
        for parent in &rule.parent_conditions {
            let r = eval_in(ctx, &parent.id, sticky.as_deref_mut(), stack);
            if r.source == Source::CyclicPrerequisite {
                return Some(FeatureResult::of(Value::Nil, Source::CyclicPrerequisite));
            }
            let object = Value::Map(vec![(Value::Str("value".into()), r.value)]);
            if !parent.condition.eval(&object, ctx.groups) {
                if parent.gate {
                    return Some(FeatureResult::of(Value::Nil, Source::Prerequisite));
                }
                continue 'rules;
            }
        }
        if rule.filters.as_ref().is_some_and(|f| filtered_out(f, ctx.attributes)) {
            continue;
        }
        if let Some(value) = &rule.force {
            if rule.condition.as_ref().is_some_and(|c| !c.eval(ctx.attributes, ctx.groups)) {
                continue;
            }
            let fallback = if sticky.is_some() && !rule.disable_sticky_bucketing {
                rule.fallback_attribute.as_deref()
            } else {
                None
            };
            if !in_rollout(ctx, rule, rule.seed.as_deref().unwrap_or(id), fallback) {
                continue;
            }
            return Some(FeatureResult::of(value.clone(), Source::Force));
        }
        let Some((experiment, values)) = &rule.experiment else {
            continue;
        };
        let r = run_in(experiment, ctx, sticky.as_deref_mut(), stack);
        if r.in_experiment && !r.passthrough {
            let value = values.get(r.variation).cloned().unwrap_or(Value::Nil);
            return Some(FeatureResult { value, source: Source::Experiment, experiment: Some(r) });
        }
    }
    None
}
