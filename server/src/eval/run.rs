//! The evaluations `vitrine eval` runs, one per kind of data: what is predicted, which
//! recommenders compete, and the report.

use std::path::Path;

use super::baselines::{Pop, Repeat, RuleKind, Rules, SessionPop};
use super::data::SessionData;
use super::engine::{self, Vitrine};
use super::instacart::{self, Target};
use super::report::{Report, Section};
use super::saved;
use super::vsknn::Vsknn;
use super::{next_click_cases, run, sessions_of, Case, Recommender};
use crate::error::CliError;
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

/// Basket completion of the bundle at `bundle` on Instacart's `target` orders.
pub fn basket(bundle: &Path, data: &Instacart, target: Target) -> Result<Report, CliError> {
    let engine = engine::load(&read_bundle(bundle)?)?;
    let half_life = f64::from(engine.catalogue().settings.purchase_half_life_days);
    let (vocab, train, cases) = instacart::cases(data, target, half_life)?;
    let pop = train.popularity(vocab.len());
    let mut vitrine = Vitrine::new(&engine, &vocab, "vitrine");
    let mut repeat = Repeat::new(&train);
    let mut popular = Pop::new(&train);
    let targets: usize = cases.iter().map(|c| c.targets.len()).sum();
    let notes = vec![
        format!(
            "{} users; the model learned from {} earlier orders; {} items to find",
            thousands(cases.len() as u64),
            thousands(train.sessions.len() as u64),
            thousands(targets as u64)
        ),
        "revealed: the first half of each basket (at least one item) as the cart; to find: the rest".into(),
    ];
    let which = match target.0 {
        1 => "each user's last order".to_owned(),
        2 => "each user's second to last order (validation)".to_owned(),
        k => format!("each user's order {k} from last (validation)"),
    };
    let mut recs: Vec<&mut dyn Recommender> = vec![&mut vitrine, &mut repeat, &mut popular];
    let scored = run(&mut recs, &cases, &pop, train.items);
    let section = Section::new(which, true, scored, &sessions_of(&cases));
    Ok(Report {
        dataset: "Instacart basket completion".into(),
        bundle_version: engine.info().bundle_version,
        sections: vec![section],
        notes,
    })
}
