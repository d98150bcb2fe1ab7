//! `vitrine tune`: a search over the learner's parameters and the ranking weights and
//! settings, driven by the evaluator on a validation split, never the test set:
//!
//! - YooChoose: learn from `train_tr`, predict `train_valid` (session-rec's split);
//! - DIGINETICA: rolling weeks of the protocol's training part ([`Diginetica::fold`]),
//!   scored together because one week of the sample is a few dozen predictions;
//! - Instacart: predict each user's second to seventh to last orders, each learned
//!   without it and what came after.
//!
//! Each candidate is a real bundle loaded into the real engine, scored on HR@20 + MRR@20
//! by the same code as `vitrine eval`. The result is a model
//! configuration (`model build --config`), whose weights and ranking settings every
//! bundle built with it carries.

pub mod search;

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use vitrine::bundle::{Bundle, RankingSettings};

use crate::cli::Flags;
use crate::error::{write_file, CliError};
use crate::eval::data::{self, SessionData};
use crate::eval::engine::{load, Vitrine};
use crate::eval::instacart::{self, held_out_orders, Target};
use crate::eval::metrics::Summary;
use crate::eval::{self, next_click_cases, Case, Recommender, Vocab};
use crate::model::command::one_of;
use crate::model::config::ModelConfig;
use crate::model::diginetica::Diginetica;
use crate::model::from_instacart_with;
use crate::model::instacart::Instacart;
use crate::model::learn::LearnParams;
use crate::model::stream::{self, Source};
use crate::progress::Progress;
use search::{coordinate, is_learner, Knob, Measured, GATE};

/// Flags of `tune`.
pub const FLAGS: &[&str] =
    &["yoochoose-train", "yoochoose-valid", "diginetica", "views", "instacart", "orders", "out", "budget"];

/// Evaluations when `--budget` is not given: three or four passes over the knobs.
pub const DEFAULT_BUDGET: usize = 400;
/// DIGINETICA weeks scored together.
pub const DIGINETICA_FOLDS: u32 = 6;
/// Instacart orders predicted in tuning: each user's second to seventh to last, each with
/// a model learned from the orders before it. One is about 365 baskets, whose noise
/// (±0.02 of MRR@20) is larger than most knobs' effect: three folds chosen on scored
/// 0.03 ahead of repeat and 0.01 on the next four, so six are scored together.
pub const BASKET_FOLDS: [Target; 6] = [Target::SECOND_LAST, Target(3), Target(4), Target(5), Target(6), Target(7)];

/// One validation split of next-click data.
struct Fold<'a> {
    source: Source<'a>,
    data: SessionData,
    cases: Vec<Case>,
}

/// What is tuned on.
enum Task<'a> {
    NextClick(Vec<Fold<'a>>),
    Basket(&'a Instacart),
}

/// Learned bundles by learner parameters: the search varies one knob at a time, so the
/// last few suffice.
struct Cache {
    bundles: Vec<(String, Vec<Bundle>)>,
}

const CACHED: usize = 12;

impl Cache {
    fn get(
        &mut self,
        learn: &LearnParams,
        make: impl FnOnce() -> Result<Vec<Bundle>, CliError>,
    ) -> Result<&mut Vec<Bundle>, CliError> {
        let key = serde_json::to_string(learn).unwrap_or_default();
        if let Some(at) = self.bundles.iter().position(|(k, _)| *k == key) {
            let hit = self.bundles.remove(at);
            self.bundles.push(hit);
        } else {
            let made = make()?;
            if self.bundles.len() == CACHED {
                self.bundles.remove(0);
            }
            self.bundles.push((key, made));
        }
        Ok(&mut self.bundles.last_mut().expect("just pushed").1)
    }
}

impl Task<'_> {
    fn learn(&self, c: &ModelConfig) -> Result<Vec<Bundle>, CliError> {
        match self {
            Task::NextClick(folds) => folds
                .iter()
                .map(|f| stream::build(&f.source, Some("tune".into()), 0, c, 1, false).map(|(b, _)| b))
                .collect(),
            Task::Basket(data) => Ok(BASKET_FOLDS
                .iter()
                .map(|&t| from_instacart_with(data, "tune".into(), 0, &held_out_orders(data, t), c).0)
                .collect()),
        }
    }

    /// The summary over every fold, the objective (HR@20 + MRR@20) on each prediction,
    /// and each prediction's session (Instacart: the user, the same in every fold).
    fn score(&self, bundles: &mut [Bundle], c: &ModelConfig) -> Result<(Summary, Measured), CliError> {
        let mut parts = Vec::new();
        let mut per_case = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for (k, b) in bundles.iter_mut().enumerate() {
            b.weights = c.weights.clone();
            b.ranking = c.ranking.apply(RankingSettings::default());
            let engine = load(&b.to_bytes())?;
            let run = |vocab: &Vocab, cases: &[Case], pop: &[f32], items: usize| {
                let mut v = Vitrine::new(&engine, vocab, "vitrine");
                let mut recs: Vec<&mut dyn Recommender> = vec![&mut v];
                eval::run(&mut recs, cases, pop, items).remove(0)
            };
            let (scored, sessions) = match self {
                Task::NextClick(folds) => {
                    let f = &folds[k];
                    let pop = f.data.train.popularity(f.data.vocab.len());
                    (run(&f.data.vocab, &f.cases, &pop, f.data.train.items), session_names(&f.cases))
                }
                Task::Basket(data) => {
                    let half_life = f64::from(engine.catalogue().settings.purchase_half_life_days);
                    let (vocab, train, cases) = instacart::cases(data, BASKET_FOLDS[k], half_life)?;
                    let pop = train.popularity(vocab.len());
                    (run(&vocab, &cases, &pop, train.items), session_names(&cases))
                }
            };
            per_case.extend(scored.outcomes.iter().map(|o| o.hit + o.rr));
            names.extend(sessions);
            parts.push(scored.summary);
        }
        let summary = Summary::pooled(&parts);
        let sessions = eval::dense(names.iter().map(String::as_str));
        // The search's objective, on every kind of data.
        let score = summary.hr[2] + summary.mrr[2];
        Ok((summary, Measured { score, cases: per_case, sessions, text: String::new() }))
    }
}

fn session_names(cases: &[Case]) -> Vec<String> {
    cases.iter().map(|c| c.session.clone()).collect()
}

macro_rules! learn {
    ($field:ident, $name:literal, $ty:ty, [$($v:expr),*]) => {
        Knob { name: concat!("learn.", $name), values: vec![$($v as f64),*], get: |c| c.learn.$field as f64, set: |c, v| c.learn.$field = v as $ty }
    };
}
macro_rules! flag {
    ($field:ident, $name:literal) => {
        Knob {
            name: concat!("learn.", $name),
            values: vec![0.0, 1.0],
            get: |c| f64::from(u8::from(c.learn.$field)),
            set: |c, v| c.learn.$field = v > 0.5,
        }
    };
}
macro_rules! weight {
    ($name:literal, [$($v:expr),*]) => {
        Knob {
            name: concat!("weights.", $name),
            values: vec![$($v as f64),*],
            get: |c| c.weights.get($name).copied().unwrap_or(f64::NAN),
            set: |c, v| { c.weights.insert($name.into(), v); },
        }
    };
}
macro_rules! ranking {
    ($field:ident, $name:literal, $ty:ty, [$($v:expr),*]) => {
        Knob {
            name: concat!("ranking.", $name),
            values: vec![$($v as f64),*],
            get: |c| c.ranking.$field.map_or(f64::NAN, |v| v as f64),
            set: |c, v| c.ranking.$field = Some(v as $ty),
        }
    };
}

/// The knobs for next-click data; `categories`: the data has them (diversity, complements).
fn next_click_knobs(categories: bool) -> Vec<Knob> {
    let mut k = vec![
        weight!("revisit", [0, 0.1, 0.3, 1, 3, 10]),
        ranking!(session_half_life, "sessionHalfLife", f64, [0.25, 0.5, 1, 1.5, 2, 3, 5]),
        learn!(window, "window", u32, [1, 2, 3, 5, 10, 20, 50]),
        learn!(distance_decay, "distanceDecay", f64, [0, 0.5, 1, 1.5, 2, 3]),
        learn!(backward, "backward", f64, [0, 0.1, 0.25, 0.5, 0.75, 1]),
        learn!(target_exponent, "targetExponent", f64, [0, 0.1, 0.2, 0.3, 0.5, 0.75]),
        learn!(source_exponent, "sourceExponent", f64, [0, 0.25, 0.5, 0.75]),
        learn!(min_support, "minSupport", u32, [1, 2, 3]),
        learn!(neighbours, "neighbours", usize, [25, 50, 100, 200]),
        learn!(recency_half_life_days, "recencyHalfLifeDays", f64, [0, 1, 2, 4, 8, 16]),
        weight!("popularity", [0, 0.003, 0.01, 0.03, 0.1, 0.3, 1]),
        learn!(popularity_half_life_days, "popularityHalfLifeDays", f64, [0, 1, 4, 16]),
        weight!("recency", [0, 0.01, 0.03, 0.1, 0.3, 1]),
        ranking!(popular_candidates, "popularCandidates", u32, [0, 30, 100]),
    ];
    if categories {
        k.push(ranking!(max_per_category, "maxPerCategory", u32, [1, 2, 3, 5, 1000]));
        k.push(weight!("complement", [0, 0.1, 0.3, 1, 3]));
    }
    k
}

/// Where next-click searches start: reminders on, neighbours from nearby clicks, no
/// diversity cap (YooChoose has no categories), the features without data at 0.
fn next_click_start() -> ModelConfig {
    let mut c = ModelConfig {
        learn: LearnParams {
            neighbours: 100,
            min_support: 1,
            window: 20,
            distance_decay: 1.0,
            backward: 0.5,
            source_exponent: 0.0,
            target_exponent: 0.0,
            unit_scale: true,
            ..LearnParams::default()
        },
        ..ModelConfig::default()
    };
    for (name, w) in [("similarity", 1.0), ("revisit", 1.0), ("popularity", 0.0), ("recency", 0.0)] {
        c.weights.insert(name.into(), w);
    }
    // Constant on this data (no prices, profiles or stock): 0 keeps the scores plain.
    for name in ["priceFit", "stock", "affinity", "margin"] {
        c.weights.insert(name.into(), 0.0);
    }
    c.weights.insert("complement".into(), 0.0);
    c.ranking.max_per_category = Some(1000);
    c.ranking.remind_viewed = Some(true);
    c.ranking.session_half_life = Some(1.0);
    c.ranking.popular_candidates = Some(30);
    c
}

fn basket_knobs() -> Vec<Knob> {
    vec![
        weight!("repeat", [1, 3, 10, 30, 100, 300, 1000, 3000]),
        ranking!(repeat_half_count, "repeatHalfCount", f64, [1, 2, 4, 8, 16, 32]),
        ranking!(purchase_half_life_days, "purchaseHalfLifeDays", f64, [7, 14, 30, 60, 120, 365]),
        weight!("similarity", [0, 0.1, 0.3, 1, 3, 10]),
        weight!("complement", [0, 0.1, 0.3, 1, 3, 10]),
        weight!("popularity", [0, 0.03, 0.1, 0.3, 1, 3, 10]),
        weight!("affinity", [0, 0.1, 0.3, 1, 3, 10]),
        weight!("recency", [0, 0.1, 0.3, 1]),
        learn!(neighbours, "neighbours", usize, [10, 20, 50, 100]),
        learn!(complements, "complements", usize, [5, 10, 20, 50]),
        learn!(min_support, "minSupport", u32, [1, 2, 3]),
        learn!(target_exponent, "targetExponent", f64, [0.25, 0.5, 0.75, 1]),
        flag!(unit_scale, "unitScale"),
        ranking!(max_per_category, "maxPerCategory", u32, [1, 2, 3, 5, 10, 100]),
        ranking!(popular_candidates, "popularCandidates", u32, [30, 100, 300]),
        ranking!(category_candidates, "categoryCandidates", u32, [8, 20, 50]),
        ranking!(affinity_categories, "affinityCategories", u32, [4, 8, 16]),
    ]
}

/// Where basket searches start: the demo's learner, its ranking defaults, and the
/// defaults made explicit so every knob has a value.
fn basket_start() -> ModelConfig {
    let mut c = ModelConfig::default();
    let d = RankingSettings::default();
    for (name, w) in [
        ("repeat", 3.0),
        ("similarity", 1.0),
        ("complement", 0.8),
        ("popularity", 0.3),
        ("affinity", 0.5),
        ("recency", 0.2),
    ] {
        c.weights.insert(name.into(), w);
    }
    for name in ["priceFit", "stock", "margin"] {
        c.weights.insert(name.into(), 0.0);
    }
    c.ranking.purchase_half_life_days = Some(d.purchase_half_life_days);
    c.ranking.repeat_half_count = Some(d.repeat_half_count);
    c.ranking.max_per_category = Some(d.max_per_category);
    c.ranking.popular_candidates = Some(d.popular_candidates);
    c.ranking.category_candidates = Some(d.category_candidates);
    c.ranking.affinity_categories = Some(d.affinity_categories);
    c
}

fn describe(s: &Summary) -> String {
    let extra =
        if s.recall[2] > 0.0 && s.recall[2] != s.hr[2] { format!(" R@20 {:.4}", s.recall[2]) } else { String::new() };
    format!("HR@20 {:.4} MRR@20 {:.4}{extra} ({} predictions)", s.hr[2], s.mrr[2], s.predictions)
}

/// `vitrine tune`.
pub fn run(flags: &Flags) -> Result<Vec<String>, CliError> {
    let started = Instant::now();
    let out = flags.path("out")?;
    let budget = flags.number::<usize>("budget")?.unwrap_or(DEFAULT_BUDGET);
    let source = one_of(flags, &["yoochoose-valid", "diginetica", "instacart"])?;
    let (train_path, dg, ic);
    let (task, knobs, start, what) = match source {
        "yoochoose-valid" => {
            train_path = flags.path("yoochoose-train")?;
            let valid = flags.path("yoochoose-valid")?;
            let data = data::yoochoose(&train_path, &valid)?;
            let cases = next_click_cases(&data.test);
            let fold = Fold { source: Source::Yoochoose(&train_path), data, cases };
            let what = format!("YooChoose: learned from {}, validated on {}", name(&train_path), name(&valid));
            (Task::NextClick(vec![fold]), next_click_knobs(false), next_click_start(), what)
        }
        "diginetica" => {
            dg = Diginetica::read(&flags.path("diginetica")?, flags.opt_path("views").as_deref())?;
            let folds = (0..DIGINETICA_FOLDS)
                .map(|k| {
                    let (train, valid) = dg.fold(k);
                    let to = |v: Vec<crate::model::diginetica::Visit>| v.into_iter().map(|v| (v.id, v.views)).collect();
                    let data = data::sessions(to(train), to(valid));
                    let cases = next_click_cases(&data.test);
                    Fold { source: Source::DigineticaFold(&dg, k), data, cases }
                })
                .filter(|f| !f.cases.is_empty())
                .collect();
            let what = format!("DIGINETICA: the last {DIGINETICA_FOLDS} weeks of the training part, each learned from the weeks before");
            (Task::NextClick(folds), next_click_knobs(true), next_click_start(), what)
        }
        _ => {
            ic = Instacart::read_with(&flags.path("instacart")?, flags.opt_path("orders").as_deref())?;
            let what =
                "Instacart: each user's second to seventh to last orders, each learned from the orders before it"
                    .to_owned();
            (Task::Basket(&ic), basket_knobs(), basket_start(), what)
        }
    };
    let mut cache = Cache { bundles: Vec::new() };
    let mut last = HashMap::new();
    // Against the budget: a search usually converges well before it.
    let mut progress = Progress::new("tuning, of the budget:", Some(budget as u64), true).counting("configurations", 1);
    let mut evaluate = |c: &ModelConfig| -> Result<Measured, CliError> {
        let bundles = cache.get(&c.learn, || task.learn(c))?;
        let (s, mut m) = task.score(bundles, c)?;
        m.text = describe(&s);
        last.insert(serde_json::to_string(c).unwrap_or_default(), s);
        progress.tick(progress.events() + 1);
        Ok(m)
    };
    let learner_knobs = knobs.iter().filter(|k| is_learner(k)).count();
    let found = coordinate(start, &knobs, budget, &mut evaluate)?;
    progress.finish();
    let best = last.get(&serde_json::to_string(&found.config).unwrap_or_default()).cloned();
    let mut config = found.config;
    config.about = Some(format!(
        "Found by `vitrine tune` on validation data only ({what}): coordinate search over {} knobs ({learner_knobs} of the learner), \
         keeping a change only when it gains {GATE} standard errors, {} configurations; best {}.",
        knobs.len(),
        found.evaluations,
        best.as_ref().map_or_else(String::new, describe)
    ));
    write_file(&out, config.to_json().as_bytes())?;
    let mut lines = found.trace;
    lines.push(format!(
        "wrote {} after {} evaluations in {:.0} s (objective {:.4})",
        out.display(),
        found.evaluations,
        started.elapsed().as_secs_f64(),
        found.score
    ));
    Ok(lines)
}

fn name(p: &Path) -> String {
    p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_knob_sets_what_it_reads_and_starts_have_a_value_for_it() {
        for (knobs, start) in [(next_click_knobs(true), next_click_start()), (basket_knobs(), basket_start())] {
            for k in &knobs {
                let mut c = start.clone();
                assert!(!(k.get)(&c).is_nan(), "{} has no starting value", k.name);
                for &v in &k.values {
                    (k.set)(&mut c, v);
                    assert_eq!((k.get)(&c), v, "{}", k.name);
                }
                // The settings a knob writes are ones the engine accepts.
                let settings = c.ranking.apply(RankingSettings::default());
                assert!(vitrine::catalogue::Settings::build(&settings).is_ok(), "{}", k.name);
            }
        }
    }
}
