//! `vitrine ab simulate`: an experiment run end to end on simulated shoppers, through the
//! real engine, written as the event log a shop would collect.
//!
//! The catalogue (the testkit's synthetic shop, or any bundle) gets one experiment whose
//! variants override ranking weights. Every visit of every shopper ([`shoppers`]) renders a
//! product page: `Engine::assign` puts the visitor in a variant exactly as the storefront
//! would (GrowthBook hashing on the visitor id), the engine ranks the suggestion slot, an
//! exposure is logged, and the shopper buys or not. Pre-experiment orders are logged too,
//! so `--cuped` has a covariate.
//!
//! The ground truth: for every visit the slot is ranked under every variant (forcing it),
//! so each shopper's chance of converting is known under each arm, not just the one they
//! were in. Averaged over all shoppers that is each arm's true conversion rate, and its
//! ratio the true uplift the analysis should find. `--uplift u` plants a known effect on
//! top: every treatment arm's conversion probability is multiplied by 1 + u (in an A/A
//! setup, variants with the same weights, the true uplift is then exactly u).

pub mod catalogue;
pub mod shoppers;

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;

use serde::Serialize;
use vitrine::bundle::{Bundle, Experiment, Variation};
use vitrine::request::{Context, RankRequest, Session};
use vitrine::{Engine, Limits};

use crate::ab::rng::Xoshiro256;
use crate::error::CliError;
use crate::events::{Conversion, Event, EventWriter, Exposure};
use crate::progress::Progress;
use shoppers::{pick, Behaviour, Odds, Shelf, Shopper};

const DAY: u64 = 86_400_000;

/// Mixed into the seed for the purchase draws: their own streams, so a shopper's tastes and
/// visits are the same whatever arm they land in.
const PURCHASE_STREAM: u64 = 0x7075_7263_6861_7365;

/// One variant: its key and its ranking-weight overrides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variant {
    pub key: String,
    pub weights: BTreeMap<String, f64>,
}

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Config {
    pub experiment: String,
    pub variants: Vec<Variant>,
    /// Traffic split; equal when empty.
    pub split: Vec<f64>,
    pub visitors: u64,
    pub days: u32,
    /// The experiment's first day, ms since 1970 (midnight UTC).
    pub start: u64,
    /// Planted relative uplift of every treatment arm's conversion probability.
    pub uplift: f64,
    /// Share of shoppers with a consented profile.
    pub consent: f64,
    pub slots: u32,
    pub seed: u64,
    pub behaviour: Behaviour,
}

/// The truth about one arm, over every simulated shopper.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArmTruth {
    pub key: String,
    /// Shoppers the hash put in this arm (and their exposures were logged).
    pub assigned: u64,
    /// The chance a shopper converts under this arm, averaged over all shoppers.
    pub conversion_rate: f64,
    /// Expected order value per shopper under this arm, minor units.
    pub revenue_per_visitor: f64,
    /// Relative to the control's true rate.
    pub relative_uplift: f64,
}

/// What the simulation wrote and what is true.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Truth {
    pub experiment: String,
    pub visitors: u64,
    pub exposures: u64,
    pub conversions: u64,
    pub earlier_orders: u64,
    pub planted_uplift: f64,
    pub arms: Vec<ArmTruth>,
    pub seconds: f64,
    pub rank_calls: u64,
}

/// The bundle with the experiment in it, instead of any it had.
fn with_experiment(mut b: Bundle, c: &Config) -> Bundle {
    b.experiments = vec![Experiment {
        key: c.experiment.clone(),
        variations: c
            .variants
            .iter()
            .map(|v| Variation { key: Some(v.key.clone()), weights: v.weights.clone(), ..Variation::default() })
            .collect(),
        weights: c.split.clone(),
        hash_version: Some(2),
        ..Experiment::default()
    }];
    b
}

/// Runs the simulation over `bundle` (its stock from `stock`), writing the event log to
/// `out`, and returns the truth.
pub fn run(bundle: Bundle, stock: &[u8], c: &Config, out: impl Write) -> Result<Truth, CliError> {
    let started = Instant::now();
    let shelf = Shelf::new(&bundle);
    if shelf.ids.is_empty() {
        return Err(CliError::Usage("the bundle has no products to suggest".into()));
    }
    let bundle = with_experiment(bundle, c);
    let core = |what: &str, e: vitrine::Error| CliError::core(what, e);
    // The catalogue loaded before the experiment was added: a refusal now is about the
    // variants the command line gave.
    let mut engine = Engine::from_bundle(&bundle.to_bytes(), Limits::default()).map_err(|e| {
        CliError::Usage(format!("the experiment from --variants/--split is refused: {e} ({})", e.code()))
    })?;
    engine.apply_stock(stock).map_err(|e| core("the stock", e))?;
    let version = bundle.version.clone();
    let end = c.start + u64::from(c.days) * DAY;
    let n_arms = c.variants.len();
    let mut events: Vec<Event> = Vec::new();
    let mut expected = vec![(0f64, 0f64); n_arms];
    let mut assigned = vec![0u64; n_arms];
    let (mut conversions, mut earlier, mut rank_calls) = (0u64, 0u64, 0u64);
    // A shopper takes a few rank calls: every one may redraw the line.
    let mut progress = Progress::new("simulating", Some(c.visitors), true).counting("shoppers", 1);
    for n in 0..c.visitors {
        let s = Shopper::draw(&shelf, c.seed, n, c.start, end, c.consent);
        for &(at, value) in &s.earlier_orders {
            events.push(conversion(&s, at, value, vec![], format!("o-{}-pre{earlier}", s.id)));
            earlier += 1;
        }
        // Each visit's chance of a purchase and its parts, under each arm.
        let mut odds: Vec<Vec<Odds>> = vec![Vec::new(); n_arms];
        let mut arm = None;
        for visit in &s.visits {
            let mut req = request(&shelf, &s, visit, c.slots);
            let a = engine.assign(&req).map_err(|e| core("a simulated request", e))?;
            let shown = a.assignments.first().filter(|a| a.in_experiment && a.hash_used).map(|a| a.variant as usize);
            for (v, slots) in odds.iter_mut().enumerate() {
                req.forced_variations = [(c.experiment.clone(), v as u32)].into();
                let res = engine.rank(&req, visit.at).map_err(|e| core("a simulated request", e))?;
                rank_calls += 1;
                let slot: Vec<u32> = res.items.iter().filter_map(|it| shelf.index.get(&it.id).copied()).collect();
                slots.push(s.visit_odds(&shelf, &c.behaviour, visit, &slot));
                if shown == Some(v) {
                    events.push(Event::Exposure(Exposure {
                        at: visit.at,
                        visitor_id: s.id.clone(),
                        experiment: c.experiment.clone(),
                        variant: v as u32,
                        variation_key: Some(c.variants[v].key.clone()),
                        bundle_version: version.clone(),
                        stock_epoch: res.decision.stock_epoch,
                        profile_version: res.decision.profile_version,
                        page: Some("product".into()),
                        items: res.items.iter().map(|i| i.id.clone()).collect(),
                    }));
                }
            }
            arm = arm.or(shown);
        }
        // The shopper's chance of converting under each arm: at least one purchase over
        // their visits, times the planted effect for treatments.
        let chance = |v: usize| {
            let p = 1.0 - odds[v].iter().map(|o| 1.0 - o.p).product::<f64>();
            if v == 0 {
                p
            } else {
                (p * (1.0 + c.uplift)).min(1.0)
            }
        };
        for (v, e) in expected.iter_mut().enumerate() {
            let (p, value) = (chance(v), mean_value(&shelf, &odds[v]));
            e.0 += p;
            e.1 += p * value;
        }
        let Some(v) = arm else {
            progress.tick(n + 1);
            continue;
        };
        assigned[v] += 1;
        let mut rng = Xoshiro256::stream(c.seed ^ PURCHASE_STREAM, n);
        if rng.uniform() < chance(v) {
            // Which visit and which product the purchase was, in proportion to their odds.
            let visit = pick(&mut rng, odds[v].iter().map(|o| o.p));
            let parts = &odds[v][visit].parts;
            let item = parts[pick(&mut rng, parts.iter().map(|x| x.1))].0;
            let at = s.visits[visit].at + (5.0 + rng.uniform() * 40.0) as u64 * 60_000;
            events.push(conversion(
                &s,
                at,
                shelf.prices[item as usize],
                vec![shelf.ids[item as usize].clone()],
                format!("o-{}", s.id),
            ));
            conversions += 1;
        }
        progress.tick(n + 1);
    }
    // Clears the line (the summary says how long it took).
    progress.finish();
    // A log in time order, as a shop's would be.
    events.sort_by_key(Event::at);
    let mut w = EventWriter::new(out);
    let write_err = |source| CliError::Write { path: "the event log".into(), source };
    for e in &events {
        w.write(e).map_err(write_err)?;
    }
    w.finish().map_err(write_err)?;
    let visitors = c.visitors.max(1) as f64;
    let control = expected[0].0 / visitors;
    let arms = expected
        .iter()
        .enumerate()
        .map(|(v, &(p, value))| ArmTruth {
            key: c.variants[v].key.clone(),
            assigned: assigned[v],
            conversion_rate: p / visitors,
            revenue_per_visitor: value / visitors,
            relative_uplift: if control > 0.0 { p / visitors / control - 1.0 } else { 0.0 },
        })
        .collect();
    Ok(Truth {
        experiment: c.experiment.clone(),
        visitors: c.visitors,
        exposures: events.iter().filter(|e| matches!(e, Event::Exposure(_))).count() as u64,
        conversions,
        earlier_orders: earlier,
        planted_uplift: c.uplift,
        arms,
        seconds: started.elapsed().as_secs_f64(),
        rank_calls,
    })
}

fn conversion(s: &Shopper, at: u64, value: f64, items: Vec<String>, order: String) -> Event {
    Event::Conversion(Conversion { at, visitor_id: s.id.clone(), order_id: Some(order), value, items })
}

/// The page request for a visit: the earlier views of the visit as the session, the last
/// product as the page, the profile when the shopper has one.
fn request(shelf: &Shelf, s: &Shopper, visit: &shoppers::Visit, slots: u32) -> RankRequest {
    let id = |i: u32| shelf.ids[i as usize].clone();
    let (current, earlier) = visit.viewed.split_last().map_or((None, &[][..]), |(c, e)| (Some(*c), e));
    RankRequest {
        visitor_id: s.id.clone(),
        profile: s.profile.clone(),
        session: Some(Session {
            viewed: earlier.iter().map(|&i| id(i)).collect(),
            cart: Vec::new(),
            current: current.map(id),
        }),
        context: Some(Context {
            page: Some("product".into()),
            limit: Some(slots),
            now: Some(visit.at),
            ..Context::default()
        }),
        ..RankRequest::default()
    }
}

/// The expected order value given a conversion under one arm.
fn mean_value(shelf: &Shelf, visits: &[Odds]) -> f64 {
    let (mut total, mut weight) = (0.0, 0.0);
    for o in visits {
        for &(i, p) in &o.parts {
            total += p * shelf.prices[i as usize];
            weight += p;
        }
    }
    if weight > 0.0 {
        total / weight
    } else {
        0.0
    }
}

/// The truth as a terminal table.
pub fn summary(t: &Truth) -> Vec<String> {
    use crate::progress::thousands;
    let mut out = vec![
        format!(
            "simulated experiment {}: {} shoppers, {} exposures, {} conversions (+{} orders before it), {} rank calls in {:.1} s",
            t.experiment,
            thousands(t.visitors),
            thousands(t.exposures),
            thousands(t.conversions),
            thousands(t.earlier_orders),
            thousands(t.rank_calls),
            t.seconds
        ),
        format!("ground truth (every shopper under every arm; planted uplift {:+.1}%):", 100.0 * t.planted_uplift),
        format!("  {:<3}{:<28}{:>10}{:>18}{:>18}{:>12}", "", "arm", "assigned", "conversion rate", "revenue/visitor", "uplift"),
    ];
    for (i, a) in t.arms.iter().enumerate() {
        out.push(format!(
            "  {:<3}{:<28}{:>10}{:>17.3}%{:>18.2}{:>11.2}%",
            i,
            a.key,
            thousands(a.assigned),
            100.0 * a.conversion_rate,
            a.revenue_per_visitor,
            100.0 * a.relative_uplift
        ));
    }
    out
}
