//! `vitrine model build`: learns a catalogue bundle from event history.
//!
//! Three layers, so a new data source is one new adapter: an adapter reads a source's
//! files into events ([`events`] for the generic format, [`yoochoose`], [`diginetica`])
//! or, for Instacart, baskets ([`instacart`]); [`sessions`] cuts events into visits;
//! the learner ([`learn`]) turns visits into neighbour and complement edge lists and
//! popularity; [`build`] (baskets) and [`stream`] (events) add the catalogue, the
//! promotions and the tuned weights and settings ([`config`]), and assemble the
//! [`Bundle`] the engine loads.

pub mod command;
pub mod config;
pub mod diginetica;
pub mod events;
pub mod ids;
pub mod instacart;
pub mod learn;
pub mod price;
pub mod promotions;
pub mod sessions;
pub mod stream;
pub mod synth;
pub mod table;
pub mod yoochoose;

use std::collections::HashMap;

use vitrine::bundle::{Bundle, Category, Popularity, Product, RankingSettings, Rules, Scores, BUNDLE_SCHEMA};

use config::ModelConfig;
use events::Kind;
use instacart::Instacart;
use learn::Learned;
use sessions::Step;

/// One purchase: product indexes, and the cohort it counts for (an index into
/// [`Input::cohorts`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Basket {
    pub items: Vec<u32>,
    pub cohort: Option<usize>,
}

/// What an adapter hands the build.
#[derive(Debug, Clone)]
pub struct Input {
    pub categories: Vec<Category>,
    pub products: Vec<Product>,
    /// Names of the popularity cohorts baskets may belong to.
    pub cohorts: Vec<String>,
    pub baskets: Vec<Basket>,
}

/// How to label the bundle.
#[derive(Debug, Clone)]
pub struct Options {
    pub version: String,
    /// ms since the Unix epoch.
    pub created_at: u64,
    pub currency: String,
}

/// What a build learned, for the log and the tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub products: usize,
    pub categories: usize,
    /// Visits (baskets) learned from.
    pub baskets: u64,
    pub neighbour_edges: usize,
    /// Products with at least one neighbour.
    pub with_neighbours: usize,
    pub complement_edges: usize,
    pub with_complements: usize,
    /// Products bought (or seen, for event histories) at least once.
    pub bought: usize,
}

/// Default bundle version: the source and a digest of its files, so a bundle names the
/// data it was learned from and two builds of the same data agree.
pub fn default_version(data: &Instacart) -> String {
    format!("instacart-{:08x}", data.digest >> 32)
}

/// Learns a bundle from Instacart data already read, leaving out the orders in
/// `held_out` (ids), with the default configuration. Prices are in pence, shown as GBP.
pub fn from_instacart(data: &Instacart, version: String, created_at: u64, held_out: &[u32]) -> (Bundle, Stats) {
    from_instacart_with(data, version, created_at, held_out, &ModelConfig::default())
}

/// As [`from_instacart`], with a configuration.
pub fn from_instacart_with(
    data: &Instacart,
    version: String,
    created_at: u64,
    held_out: &[u32],
    config: &ModelConfig,
) -> (Bundle, Stats) {
    let options = Options { version, created_at, currency: "GBP".into() };
    build(data.to_input(held_out), &options, config)
}

/// One line about a build, for the log.
pub fn describe(stats: &Stats, bytes: usize) -> String {
    format!(
        "{} products ({} bought) in {} categories from {} baskets; {} neighbour edges over {} products, \
         {} complement edges over {} products; {:.1} MB",
        stats.products,
        stats.bought,
        stats.categories,
        stats.baskets,
        stats.neighbour_edges,
        stats.with_neighbours,
        stats.complement_edges,
        stats.with_complements,
        bytes as f64 / 1e6,
    )
}

/// Learns the bundle from baskets: each basket is a visit of purchases in the order its
/// items were put in the cart.
pub fn build(input: Input, options: &Options, config: &ModelConfig) -> (Bundle, Stats) {
    let n = input.products.len();
    // The category (aisle) of each product, as a small integer for the complement filter.
    let mut group_of: HashMap<&str, u32> = HashMap::new();
    let group: Vec<u32> = input
        .products
        .iter()
        .map(|p| {
            let next = group_of.len() as u32;
            *group_of.entry(p.category.0.as_str()).or_insert(next)
        })
        .collect();
    let mut steps: Vec<Step> = Vec::new();
    // One thread: a basket history is small (the Instacart sample learns in 0.1 s).
    let learned = learn::learn::<std::convert::Infallible>(&config.learn, 1, |l| {
        for b in &input.baskets {
            steps.clear();
            steps.extend(b.items.iter().filter(|&&p| (p as usize) < n).map(|&item| Step {
                item,
                time: 0,
                kind: Kind::Purchase,
            }));
            l.visit(&steps, b.cohort.map(|c| c as u32));
        }
        Ok(group)
    });
    let learned = match learned {
        Ok(l) => l,
        Err(never) => match never {},
    };
    assemble(input.categories, input.products, &input.cohorts, learned, options, config, true)
}

/// The bundle from a catalogue and what was learned over its products (by index);
/// `sample_promotions` adds the demo's three sample promotions (see [`promotions`]).
pub fn assemble(
    categories: Vec<Category>,
    products: Vec<Product>,
    cohorts: &[String],
    learned: Learned,
    options: &Options,
    config: &ModelConfig,
    sample_promotions: bool,
) -> (Bundle, Stats) {
    let n = products.len();
    let mut global = learned.popularity.clone();
    global.resize(n, 0.0);
    let popularity = Popularity {
        global: sparse(&global),
        cohorts: cohorts
            .iter()
            .cloned()
            .zip((0..cohorts.len()).map(|c| {
                let mut v = learned.cohort_popularity.get(c).cloned().unwrap_or_default();
                v.resize(n, 0.0);
                sparse(&v)
            }))
            .collect(),
    };
    let promotions = if sample_promotions { promotions::sample(&products, &global) } else { Vec::new() };
    let stats = Stats {
        products: n,
        categories: categories.len(),
        baskets: learned.visits,
        neighbour_edges: learned.neighbours.from.len(),
        with_neighbours: linked_products(&learned.neighbours),
        complement_edges: learned.complements.from.len(),
        with_complements: linked_products(&learned.complements),
        bought: global.iter().filter(|&&c| c > 0.0).count(),
    };
    let bundle = Bundle {
        kind: "bundle".into(),
        schema: BUNDLE_SCHEMA,
        version: options.version.clone(),
        created_at: Some(options.created_at),
        currency: Some(options.currency.clone()),
        categories,
        products,
        neighbours: Some(learned.neighbours),
        complements: Some(learned.complements),
        popularity,
        promotions,
        experiments: Vec::new(),
        saved_groups: Default::default(),
        // Features the configuration does not name keep the engine's default weight.
        weights: config.weights.clone(),
        ranking: config.ranking.apply(RankingSettings::default()),
        rules: Rules::default(),
    };
    (bundle, stats)
}

/// Products with at least one edge in `e` (edges are grouped by product).
pub fn linked_products(e: &vitrine::bundle::Edges) -> usize {
    let mut n = 0;
    let mut last = None;
    for &f in e.from.iter() {
        if last != Some(f) {
            n += 1;
            last = Some(f);
        }
    }
    n
}

/// Scores of the products with a non-zero count (products never bought are left out:
/// the engine reads a missing product as 0, and half the catalogue was never bought).
fn sparse(counts: &[f32]) -> Scores {
    let mut s = Scores::default();
    for (i, &c) in counts.iter().enumerate() {
        if c > 0.0 {
            s.item.push(i as u32);
            s.score.push(c);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use vitrine::codec::Id;

    fn product(id: &str, category: &str) -> Product {
        Product {
            id: Id(id.into()),
            name: format!("product {id}"),
            category: Id(category.into()),
            brand: None,
            price: 199,
            flags: vec![],
            margin: None,
            url: None,
            image: None,
        }
    }

    #[test]
    fn counts_popularity_per_cohort_and_loads_in_the_engine() {
        let input = Input {
            categories: vec![
                Category { id: Id("x".into()), name: "X".into(), parent: None },
                Category { id: Id("y".into()), name: "Y".into(), parent: None },
            ],
            products: vec![product("1", "x"), product("2", "x"), product("3", "y")],
            cohorts: vec!["weekday".into(), "weekend".into()],
            baskets: vec![
                Basket { items: vec![0, 1, 2], cohort: Some(0) },
                Basket { items: vec![0, 2], cohort: Some(1) },
                Basket { items: vec![0], cohort: None },
            ],
        };
        let options = Options { version: "t1".into(), created_at: 1, currency: "GBP".into() };
        let (bundle, stats) = build(input, &options, &ModelConfig::default());
        assert_eq!(stats.baskets, 3);
        assert_eq!(stats.bought, 3);
        assert_eq!(bundle.popularity.global.item.0, [0, 1, 2]);
        assert_eq!(bundle.popularity.global.score.0, [3.0, 1.0, 2.0]);
        let weekend = &bundle.popularity.cohorts["weekend"];
        assert_eq!((weekend.item.0.clone(), weekend.score.0.clone()), (vec![0, 2], vec![1.0, 1.0]));
        // 0-2 met twice: neighbours both ways, and complements (x and y differ).
        assert_eq!(bundle.neighbours.as_ref().unwrap().from.0, [0, 2]);
        assert_eq!(bundle.complements.as_ref().unwrap().to.0, [2, 0]);
        let engine = vitrine::Engine::from_bundle(&bundle.to_bytes(), vitrine::Limits::default())
            .expect("the engine loads what we build");
        assert_eq!(engine.info().products, 3);
    }
}
