//! The evaluations `vitrine eval` runs, one per kind of data: what is predicted, which
//! recommenders compete, and the report.

use std::ops::RangeInclusive;
use std::path::Path;

use super::baselines::{Pop, Repeat, RuleKind, Rules, SessionPop};
use super::data::SessionData;
use super::engine::{self, Vitrine};
use super::instacart::{self, held_out_orders, Target};
use super::metrics::Summary;
use super::paired::Outcomes;
use super::report::{Report, Section};
use super::saved;
use super::vsknn::Vsknn;
use super::{dense, next_click_cases, run, sessions_of, Case, Recommender, Scored};
use crate::error::CliError;
use crate::model::config::ModelConfig;
use crate::model::from_instacart_with;
use crate::model::instacart::Instacart;
use crate::progress::thousands;

/// The bundle's bytes.
pub fn read_bundle(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::Read { path: path.to_owned(), source })
}

/// Next-click evaluation of the bundle at `bundle` on `data`, against every baseline;
/// with `saved` (a folder of session-rec lists), first on exactly their predictions.
pub fn next_click(dataset: &str, bundle: &Path, data: &SessionData, saved: Option<&Path>) -> Result<Report, CliError> {
    let engine = engine::load(&read_bundle(bundle)?)?;
    let cases = next_click_cases(&data.test);
    if cases.is_empty() {
        return Err(CliError::NoData(format!("{dataset}: no test session has two events of known items")));
    }
    let pop = data.train.popularity(data.vocab.len());
    let mut vitrine = Vitrine::new(&engine, &data.vocab, "vitrine");
    let mut vsknn = Vsknn::new(&data.train);
    let mut ar = Rules::new(&data.train, RuleKind::Association);
    let mut sr = Rules::new(&data.train, RuleKind::Sequential);
    let mut spop = SessionPop::new(&data.train);
    let mut popular = Pop::new(&data.train);
    let mut notes = vec![
        format!(
            "training: {} sessions, {} events, {} items; test: {} sessions, {} predictions",
            thousands(data.train.sessions.len() as u64),
            thousands(data.train.sessions.iter().map(|s| s.events.len() as u64).sum()),
            thousands(data.train.items as u64),
            thousands(data.test.len() as u64),
            thousands(cases.len() as u64)
        ),
        format!("test events of items unseen in training, dropped: {}", data.unknown_dropped),
    ];
    let missing = vitrine.missing(&data.vocab);
    if missing > 0 {
        notes.push(format!("items of the training data the bundle lacks (never recommended by vitrine): {missing}"));
    }
    let mut sections = Vec::new();
    if let Some(dir) = saved {
        let mut lists = saved::read_dir(dir, &data.vocab)?;
        let keys = lists[0].keys();
        let subset: Vec<Case> =
            cases.iter().filter(|c| keys.contains(&(c.session.clone(), c.position))).cloned().collect();
        let sessions = subset.iter().map(|c| c.session.as_str()).collect::<std::collections::HashSet<_>>().len();
        let mut recs: Vec<&mut dyn Recommender> = vec![&mut vitrine];
        for l in lists.iter_mut() {
            recs.push(l);
        }
        recs.extend([&mut vsknn as &mut dyn Recommender, &mut ar, &mut sr, &mut spop, &mut popular]);
        let title = format!("the predictions of the saved lists ({sessions} sessions)");
        let scored = run(&mut recs, &subset, &pop, data.train.items);
        sections.push(Section::new(title, false, scored, &sessions_of(&subset)));
    }
    let mut recs: Vec<&mut dyn Recommender> = vec![&mut vitrine, &mut vsknn, &mut ar, &mut sr, &mut spop, &mut popular];
    let scored = run(&mut recs, &cases, &pop, data.train.items);
    sections.push(Section::new("the whole test set", false, scored, &sessions_of(&cases)));
    Ok(Report { dataset: dataset.into(), bundle_version: engine.info().bundle_version, sections, notes })
}

/// One order of each user completed by `engine`, vitrine first, then repeat and POP.
struct Baskets {
    scored: Vec<Scored>,
    cases: Vec<Case>,
    /// Orders learned from.
    learned: usize,
}

fn baskets(engine: &vitrine::Engine, data: &Instacart, target: Target) -> Result<Baskets, CliError> {
    let half_life = f64::from(engine.catalogue().settings.purchase_half_life_days);
    let (vocab, train, cases) = instacart::cases(data, target, half_life)?;
    let pop = train.popularity(vocab.len());
    let mut vitrine = Vitrine::new(engine, &vocab, "vitrine");
    let mut repeat = Repeat::new(&train);
    let mut popular = Pop::new(&train);
    let mut recs: Vec<&mut dyn Recommender> = vec![&mut vitrine, &mut repeat, &mut popular];
    let scored = run(&mut recs, &cases, &pop, train.items);
    Ok(Baskets { scored, cases, learned: train.sessions.len() })
}

const REVEALED: &str = "revealed: the first half of each basket (at least one item) as the cart; to find: the rest";

fn which(target: Target) -> String {
    match target.0 {
        1 => "each user's last order".to_owned(),
        2 => "each user's second to last order (validation)".to_owned(),
        k => format!("each user's order {k} from last"),
    }
}

/// Basket completion of the bundle at `bundle` on Instacart's `target` orders.
pub fn basket(bundle: &Path, data: &Instacart, target: Target) -> Result<Report, CliError> {
    let engine = engine::load(&read_bundle(bundle)?)?;
    let b = baskets(&engine, data, target)?;
    let targets: usize = b.cases.iter().map(|c| c.targets.len()).sum();
    let notes = vec![
        format!(
            "{} users; the model learned from {} earlier orders; {} items to find",
            thousands(b.cases.len() as u64),
            thousands(b.learned as u64),
            thousands(targets as u64)
        ),
        REVEALED.into(),
    ];
    let section = Section::new(which(target), true, b.scored, &sessions_of(&b.cases));
    Ok(Report {
        dataset: "Instacart basket completion".into(),
        bundle_version: engine.info().bundle_version,
        sections: vec![section],
        notes,
    })
}

/// Basket completion on several orders from last, `orders`, each with a model learned
/// with `config` from the orders before it (what `model build --part before:<k>` then
/// `eval --part order:<k>` does, once per order): first all of them pooled, the paired
/// intervals resampling users (a user's orders share the shopper), then each order.
/// Orders a search never scored give an estimate of how a configuration does on unseen
/// data that is several times larger than one last order.
pub fn rolling(data: &Instacart, config: &ModelConfig, orders: RangeInclusive<usize>) -> Result<Report, CliError> {
    let (first, last) = (*orders.start(), *orders.end());
    let mut per_order = Vec::new();
    let mut versions = Vec::new();
    let mut pooled: Vec<(String, Vec<Summary>, Outcomes)> = Vec::new();
    let mut users: Vec<String> = Vec::new();
    let mut skipped = Vec::new();
    for k in orders {
        let target = Target(k);
        let held = held_out_orders(data, target);
        let (bundle, _) = from_instacart_with(data, format!("instacart-before{k}"), 0, &held, config);
        let engine = engine::load(&bundle.to_bytes())?;
        // Another split may have no shopper with that many orders: the others still count.
        let b = match baskets(&engine, data, target) {
            Err(CliError::NoData(why)) => {
                skipped.push(format!("order {k} from last: {why}"));
                continue;
            }
            other => other?,
        };
        versions.push(engine.info().bundle_version);
        if pooled.is_empty() {
            pooled = b.scored.iter().map(|s| (s.name.clone(), Vec::new(), Vec::new())).collect();
        }
        for (p, s) in pooled.iter_mut().zip(&b.scored) {
            p.1.push(s.summary.clone());
            p.2.extend_from_slice(&s.outcomes);
        }
        users.extend(b.cases.iter().map(|c| c.session.clone()));
        per_order.push(Section::new(which(target), true, b.scored, &sessions_of(&b.cases)));
    }
    if users.is_empty() {
        return Err(CliError::NoData(format!("orders {first} to {last} from last: {}", skipped.join("; "))));
    }
    let scored: Vec<Scored> = pooled
        .into_iter()
        .map(|(name, parts, outcomes)| Scored { name, summary: Summary::pooled(&parts), outcomes })
        .collect();
    let title = format!("orders {first} to {last} from last, pooled");
    let mut sections = vec![Section::new(title, true, scored, &dense(users.iter().map(String::as_str)))];
    sections.extend(per_order);
    let mut notes = vec![
        format!(
            "{} predictions over {} order{}; each order's model learned with the configuration from the orders before it",
            thousands(users.len() as u64),
            versions.len(),
            if versions.len() == 1 { "" } else { "s" }
        ),
        REVEALED.into(),
        "pooled: each metric the mean over every prediction; the intervals resample whole users".into(),
    ];
    notes.extend(skipped.into_iter().map(|s| format!("skipped, {s}")));
    Ok(Report {
        dataset: "Instacart basket completion, rolling origin".into(),
        bundle_version: versions.join(", "),
        sections,
        notes,
    })
}
