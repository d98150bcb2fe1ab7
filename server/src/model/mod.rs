//! `vitrine model build`: learns a catalogue bundle from purchase history.
//!
//! Three layers, so a new data source is one new adapter: an adapter ([`instacart`])
//! reads a source's files into an [`Input`] (categories, products, baskets of product
//! indexes); the learner ([`cooccur`]) turns baskets into neighbour and complement edge
//! lists; [`build`] counts popularity, adds the promotions and settings, and assembles the
//! [`Bundle`] the engine loads.

pub mod cooccur;
pub mod instacart;
pub mod price;
pub mod promotions;
pub mod table;

use std::collections::{BTreeMap, HashMap};

use vitrine::bundle::{Bundle, Category, Popularity, Product, RankingSettings, Rules, Scores, BUNDLE_SCHEMA};

use cooccur::{CoOccurrence, Keep};
use instacart::Instacart;

/// Neighbours ("bought with this") kept per product; the engine's session views use all
/// of a product's neighbours, earlier visits the strongest `historyNeighbours` (10).
pub const NEIGHBOURS: Keep = Keep { top: 20, min_support: 2 };

/// Complements ("goes with", from another aisle) kept per product.
pub const COMPLEMENTS: Keep = Keep { top: 10, min_support: 2 };

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
    pub baskets: u64,
    pub neighbour_edges: usize,
    /// Products with at least one neighbour.
    pub with_neighbours: usize,
    pub complement_edges: usize,
    pub with_complements: usize,
    /// Products bought at least once.
    pub bought: usize,
}

/// Default bundle version: the source and a digest of its files, so a bundle names the
/// data it was learned from and two builds of the same data agree.
pub fn default_version(data: &Instacart) -> String {
    format!("instacart-{:08x}", data.digest >> 32)
}

/// Learns a bundle from Instacart data already read, leaving out the orders in
/// `held_out` (ids). Prices are in pence, shown as GBP.
pub fn from_instacart(data: &Instacart, version: String, created_at: u64, held_out: &[u32]) -> (Bundle, Stats) {
    let options = Options { version, created_at, currency: "GBP".into() };
    build(data.to_input(held_out), &options)
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

/// Learns the bundle from `input`.
pub fn build(input: Input, options: &Options) -> (Bundle, Stats) {
    let n = input.products.len();
    let mut co = CoOccurrence::new(n);
    let mut cohorts = vec![vec![0f32; n]; input.cohorts.len()];
    for b in &input.baskets {
        co.add(&b.items);
        if let Some(counts) = b.cohort.and_then(|c| cohorts.get_mut(c)) {
            // Products are listed once per basket by the adapters; a repeat would
            // count twice here, which only overstates one basket's favourite.
            for &p in &b.items {
                if let Some(slot) = counts.get_mut(p as usize) {
                    *slot += 1.0;
                }
            }
        }
    }
    let baskets = co.baskets();
    let counts = co.finish();

    // The aisle (category) of each product, as a small integer for the pair filter.
    let mut group_of: HashMap<&str, u32> = HashMap::new();
    let group: Vec<u32> = input
        .products
        .iter()
        .map(|p| {
            let next = group_of.len() as u32;
            *group_of.entry(p.category.0.as_str()).or_insert(next)
        })
        .collect();
    let neighbours = counts.edges(NEIGHBOURS, |_, _| true);
    let complements = counts.edges(COMPLEMENTS, |i, j| group[i as usize] != group[j as usize]);

    let global: Vec<f32> = (0..n as u32).map(|i| counts.support(i) as f32).collect();
    let popularity = Popularity {
        global: sparse(&global),
        cohorts: input.cohorts.iter().cloned().zip(cohorts.iter().map(|c| sparse(c))).collect(),
    };
    let promotions = promotions::sample(&input.products, &global);

    let stats = Stats {
        products: n,
        categories: input.categories.len(),
        baskets,
        neighbour_edges: neighbours.from.len(),
        with_neighbours: cooccur::linked_products(&neighbours),
        complement_edges: complements.from.len(),
        with_complements: cooccur::linked_products(&complements),
        bought: global.iter().filter(|&&c| c > 0.0).count(),
    };
    let bundle = Bundle {
        kind: "bundle".into(),
        schema: BUNDLE_SCHEMA,
        version: options.version.clone(),
        created_at: Some(options.created_at),
        currency: Some(options.currency.clone()),
        categories: input.categories,
        products: input.products,
        neighbours: Some(neighbours),
        complements: Some(complements),
        popularity,
        promotions,
        experiments: Vec::new(),
        saved_groups: Default::default(),
        // Empty: every feature keeps the engine's default weight (see vitrine::weights).
        weights: BTreeMap::new(),
        ranking: RankingSettings::default(),
        rules: Rules::default(),
    };
    (bundle, stats)
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
        let (bundle, stats) = build(input, &options);
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
