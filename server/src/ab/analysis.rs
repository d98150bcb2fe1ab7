//! The analysis of one experiment: per-arm figures, each treatment arm against the
//! control (variant 0), the sample-ratio check, and the day-by-day cumulative view.
//!
//! With more than two arms every treatment is compared with the control at the same
//! `alpha`, without a multiplicity correction: the report gives each comparison's own
//! p-value, and whoever acts on several at once should divide alpha themselves.

use serde::Serialize;

use super::calendar::{day_of, label};
use super::cuped::{Adjustment, Moments};
use super::hypothesis::{finite, srm, two_proportions, welch, Arm, Interval, Proportions, Srm, Welch};
use super::sequential::{Msprt, Sequential};
use super::{AbError, Dataset};

/// How to analyse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Two-sided level of every test and interval.
    pub alpha: f64,
    /// The mSPRT mixture standard deviation.
    pub tau: f64,
    /// Adjust with the pre-period covariate.
    pub cuped: bool,
}

/// One arm's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Variant {
    pub index: usize,
    pub name: String,
    pub units: u64,
    pub conversions: u64,
    pub conversion_rate: f64,
    /// Sum of order values, minor units (`null` for sources without values).
    pub revenue: Option<f64>,
    pub revenue_per_visitor: Option<f64>,
}

/// A treatment arm against the control.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub variant: usize,
    pub name: String,
    pub control: usize,
    /// The fixed-horizon two-proportion z-test.
    pub conversion: Proportions,
    /// Welch's t-test on revenue per visitor.
    pub revenue: Option<Welch>,
    /// The always-valid test after the last look.
    pub sequential: Sequential,
    pub cuped: Option<CupedComparison>,
}

/// Welch's test on the CUPED-adjusted metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CupedComparison {
    pub conversion: Welch,
    pub revenue: Welch,
}

/// The pooled adjustments, one per metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CupedFit {
    pub covariate: &'static str,
    pub conversion: Adjustment,
    pub revenue: Adjustment,
}

/// The cumulative state at the end of one UTC day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Per arm: units first exposed by the end of the day, and those of them converted.
    pub units: Vec<u64>,
    pub conversions: Vec<u64>,
    /// Per treatment arm, in the order of [`Analysis::comparisons`].
    pub comparisons: Vec<DayComparison>,
}

/// One treatment arm's cumulative uplift at the end of a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DayComparison {
    pub relative_uplift: Option<f64>,
    /// The fixed-horizon interval: valid only if this day was the planned horizon.
    pub relative_ci: Interval,
    pub p: Option<f64>,
    /// The always-valid interval and p-value: valid whenever one looks.
    pub sequential_ci: Interval,
    pub sequential_p: f64,
}

/// Everything the report shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Analysis {
    pub experiment: String,
    pub source: String,
    pub metric: String,
    pub alpha: f64,
    pub units: u64,
    pub crossovers: u64,
    pub notes: Vec<String>,
    pub variants: Vec<Variant>,
    pub srm: Srm,
    pub comparisons: Vec<Comparison>,
    pub cuped: Option<CupedFit>,
    /// Empty for sources without times.
    pub daily: Vec<Day>,
}

/// Analyses `data`; fails, before computing anything, when an arm has no units.
pub fn analyze(data: &Dataset, options: &Options) -> Result<Analysis, AbError> {
    let k = data.arms.len();
    let mut arms = vec![Arm::default(); k];
    for unit in &data.units {
        arms[unit.arm].push(unit.converted(), unit.revenue());
    }
    if let Some(empty) = arms.iter().position(|a| a.units == 0) {
        // "variant 1 (treatment)", or just "variant 1" when the log names no variation key.
        let name = &data.arms[empty];
        let arm = if *name == format!("variant {empty}") { empty.to_string() } else { format!("{empty} ({name})") };
        return Err(AbError::EmptyArm { arm, crossovers: data.crossovers });
    }
    let variants = arms
        .iter()
        .enumerate()
        .map(|(index, a)| Variant {
            index,
            name: data.arms[index].clone(),
            units: a.units,
            conversions: a.conversions,
            conversion_rate: a.rate(),
            revenue: data.has_revenue.then(|| a.revenue()),
            revenue_per_visitor: data.has_revenue.then_some(a.mean),
        })
        .collect();
    let (cuped, adjusted) = match options.cuped && data.has_covariate {
        true => {
            let (fit, adjusted) = cuped_arms(data);
            (Some(fit), Some(adjusted))
        }
        false => (None, None),
    };
    let daily = daily(data, options);
    let comparisons = (1..k)
        .map(|v| {
            let sequential = match daily.last() {
                Some(last) => last.sequential[v - 1].clone(),
                // Without times the whole sample is one look.
                None => Msprt::new(options.tau, options.alpha).look(&arms[0], &arms[v]),
            };
            Comparison {
                variant: v,
                name: data.arms[v].clone(),
                control: 0,
                conversion: two_proportions(&arms[0], &arms[v], options.alpha),
                revenue: data.has_revenue.then(|| welch(&arms[0], &arms[v], options.alpha)),
                sequential,
                cuped: adjusted.as_ref().map(|a: &Vec<[Arm; 2]>| CupedComparison {
                    conversion: welch(&a[0][0], &a[v][0], options.alpha),
                    revenue: welch(&a[0][1], &a[v][1], options.alpha),
                }),
            }
        })
        .collect();
    let units: Vec<u64> = arms.iter().map(|a| a.units).collect();
    Ok(Analysis {
        experiment: data.experiment.clone(),
        source: data.source.clone(),
        metric: data.metric.clone(),
        alpha: options.alpha,
        units: units.iter().sum(),
        crossovers: data.crossovers,
        notes: data.notes.clone(),
        variants,
        srm: srm(&units, &data.weights),
        comparisons,
        cuped,
        daily: daily.into_iter().map(|d| d.day).collect(),
    })
}

/// Per arm, the CUPED-adjusted [conversion, revenue] summaries, with θ fitted on all units.
fn cuped_arms(data: &Dataset) -> (CupedFit, Vec<[Arm; 2]>) {
    let (mut conversion, mut revenue) = (Moments::default(), Moments::default());
    for u in &data.units {
        conversion.push(f64::from(u8::from(u.converted())), u.pre);
        revenue.push(u.revenue(), u.pre);
    }
    let fit = CupedFit {
        covariate: "pre-period revenue",
        conversion: conversion.adjustment(),
        revenue: revenue.adjustment(),
    };
    let mut arms = vec![[Arm::default(); 2]; data.arms.len()];
    for u in &data.units {
        let converted = u.converted();
        arms[u.arm][0].push(converted, fit.conversion.apply(f64::from(u8::from(converted)), u.pre));
        arms[u.arm][1].push(converted, fit.revenue.apply(u.revenue(), u.pre));
    }
    (fit, arms)
}

/// A day with the sequential tests' states kept aside for the final result.
struct DayState {
    day: Day,
    sequential: Vec<Sequential>,
}

/// The cumulative analysis at the end of each UTC day on which something happened (days
/// without events change nothing); empty when units have no times.
fn daily(data: &Dataset, options: &Options) -> Vec<DayState> {
    // (day, arm, is a conversion): a unit enters on its first exposure's day and counts
    // as converted from its first counted conversion's day.
    let mut steps: Vec<(i64, usize, bool)> = Vec::with_capacity(data.units.len() * 2);
    for u in &data.units {
        let Some(first) = u.first else { return Vec::new() };
        steps.push((day_of(first), u.arm, false));
        if let Some(&(at, _)) = u.conversions.first() {
            steps.push((day_of(at), u.arm, true));
        }
    }
    steps.sort_unstable();
    let k = data.arms.len();
    let mut tests: Vec<Msprt> = (1..k).map(|_| Msprt::new(options.tau, options.alpha)).collect();
    let mut arms = vec![Arm::default(); k];
    let mut days = Vec::new();
    let mut i = 0;
    while i < steps.len() {
        let day = steps[i].0;
        while i < steps.len() && steps[i].0 == day {
            let (_, arm, conversion) = steps[i];
            if conversion {
                arms[arm].conversions += 1;
            } else {
                arms[arm].units += 1;
            }
            i += 1;
        }
        let mut comparisons = Vec::with_capacity(k - 1);
        let mut sequential = Vec::with_capacity(k - 1);
        for v in 1..k {
            // An arm with no units yet has no rate: the day has no comparison, and the
            // sequential test does not look.
            if arms[0].units == 0 || arms[v].units == 0 {
                comparisons.push(DayComparison {
                    relative_uplift: None,
                    relative_ci: [None, None],
                    p: None,
                    sequential_ci: [None, None],
                    sequential_p: 1.0,
                });
                sequential.push(tests[v - 1].state());
                continue;
            }
            let fixed = two_proportions(&arms[0], &arms[v], options.alpha);
            let s = tests[v - 1].look(&arms[0], &arms[v]);
            comparisons.push(DayComparison {
                relative_uplift: fixed.relative_uplift.and_then(finite),
                relative_ci: fixed.relative_ci,
                p: fixed.p,
                sequential_ci: s.relative_ci,
                sequential_p: s.p,
            });
            sequential.push(s);
        }
        days.push(DayState {
            day: Day {
                day: label(day),
                units: arms.iter().map(|a| a.units).collect(),
                conversions: arms.iter().map(|a| a.conversions).collect(),
                comparisons,
            },
            sequential,
        });
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ab::calendar::DAY_MS;
    use crate::ab::Unit;

    fn unit(arm: usize, day: u64, converted_day: Option<u64>, value: f64, pre: f64) -> Unit {
        Unit {
            arm,
            first: Some(day * DAY_MS + 5),
            conversions: converted_day.map(|d| vec![(d * DAY_MS + 9, value)]).unwrap_or_default(),
            pre,
        }
    }

    fn dataset(units: Vec<Unit>) -> Dataset {
        Dataset {
            source: "test".into(),
            experiment: "e".into(),
            metric: "conversion".into(),
            arms: vec!["control".into(), "treatment".into()],
            weights: vec![1.0, 1.0],
            units,
            has_revenue: true,
            has_covariate: true,
            crossovers: 0,
            notes: vec![],
        }
    }

    const OPTIONS: Options = Options { alpha: 0.05, tau: 0.05, cuped: true };

    #[test]
    fn per_arm_figures_and_days() {
        let data = dataset(vec![
            unit(0, 0, Some(0), 1000.0, 0.0),
            unit(0, 0, None, 0.0, 300.0),
            unit(0, 1, Some(2), 500.0, 0.0),
            unit(0, 2, None, 0.0, 0.0),
            unit(1, 0, Some(1), 2000.0, 0.0),
            unit(1, 1, Some(1), 100.0, 50.0),
            unit(1, 2, None, 0.0, 0.0),
        ]);
        let a = analyze(&data, &OPTIONS).unwrap();
        assert_eq!((a.units, a.variants[0].units, a.variants[1].conversions), (7, 4, 2));
        assert_eq!(a.variants[0].revenue_per_visitor, Some(375.0));
        assert_eq!(a.variants[1].revenue, Some(2100.0));
        let days: Vec<_> = a.daily.iter().map(|d| (d.day.as_str(), d.units.clone(), d.conversions.clone())).collect();
        assert_eq!(
            days,
            [
                ("1970-01-01", vec![2, 1], vec![1, 0]),
                ("1970-01-02", vec![3, 2], vec![1, 2]),
                ("1970-01-03", vec![4, 3], vec![2, 2])
            ]
        );
        // Day 1: the treatment has units but no conversion yet: an uplift of −100%, no
        // log-scale interval, and no sequential look with information.
        assert_eq!(a.daily[0].comparisons[0].relative_uplift, Some(-1.0));
        assert_eq!(a.daily[0].comparisons[0].sequential_ci, [None, None]);
        // The last day is the whole sample.
        assert_eq!(a.daily[2].comparisons[0].p, a.comparisons[0].conversion.p);
        assert_eq!(a.comparisons[0].sequential.looks, 3);
        assert!(a.cuped.is_some() && a.comparisons[0].cuped.is_some());
    }

    #[test]
    fn an_empty_arm_is_refused() {
        let e = analyze(&dataset(vec![unit(0, 0, None, 0.0, 0.0)]), &OPTIONS).unwrap_err();
        assert_eq!(e.code(), "E_AB_EMPTY_ARM");
        assert!(e.to_string().contains("variant 1 (treatment)"), "{e}");
    }

    #[test]
    fn cuped_shrinks_the_interval_when_the_covariate_predicts() {
        // Revenue = pre-period revenue + 100 in the treatment + a little noise: CUPED should
        // remove nearly all of the spread, raw Welch cannot. What is left pooled is mostly
        // the arms' difference itself (100² / 4 against var(pre) ≈ 240,000).
        let mut units = Vec::new();
        for i in 0..200u64 {
            let pre = (i % 17) as f64 * 100.0;
            let arm = (i % 2) as usize;
            let value = pre + 500.0 + 100.0 * arm as f64 + (i % 3) as f64;
            units.push(Unit { arm, first: Some(DAY_MS), conversions: vec![(DAY_MS, value)], pre });
        }
        let a = analyze(&dataset(units), &OPTIONS).unwrap();
        let raw = a.comparisons[0].revenue.as_ref().unwrap();
        let adj = &a.comparisons[0].cuped.as_ref().unwrap().revenue;
        let width = |w: &Welch| w.difference_ci[1].unwrap() - w.difference_ci[0].unwrap();
        assert!(width(adj) < width(raw) / 10.0, "{adj:?} vs {raw:?}");
        assert!((adj.difference - 100.0).abs() < 2.0, "{adj:?}");
        assert!(a.cuped.unwrap().revenue.variance_reduction > 0.98);
    }
}
