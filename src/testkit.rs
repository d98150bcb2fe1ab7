//! Synthetic catalogues, stock, profiles and requests for tests, property tests and
//! benchmarks (feature `testkit`). Deterministic: the same seed gives the same bytes.
//!
//! The shapes follow a department store: a two-level category tree, neighbours mostly
//! within a product's own category, Zipf-like popularity, a few regional cohorts.

use std::collections::BTreeMap;

use crate::bundle::{
    Bundle, Category, Edges, Experiment, Flag, Pin, Popularity, Product, Promotion, RankingSettings, Rules, Scores,
    Variation, BUNDLE_SCHEMA,
};
use crate::codec::{Id, Value};
use crate::profile::{Consent, PriceBand, Profile, Purchase, View, PROFILE_SCHEMA};
use crate::request::{Context, RankRequest, Session};
use crate::stock::{Levels, StockWire, STOCK_SCHEMA};

/// A small deterministic generator (SplitMix64), so fixtures need no extra crate.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The shape of a synthetic catalogue.
#[derive(Debug, Clone)]
pub struct Shape {
    pub products: usize,
    pub departments: usize,
    pub categories_per_department: usize,
    pub brands: usize,
    pub neighbours: usize,
    pub complements: usize,
    pub cohorts: Vec<String>,
    pub promotions: usize,
}

impl Shape {
    /// `products` products with 20 neighbours and 5 complements each, 20 departments of
    /// 10 categories, 200 brands, four regional cohorts and 12 promotions.
    pub fn store(products: usize) -> Shape {
        Shape {
            products,
            departments: 20,
            categories_per_department: 10,
            brands: 200,
            neighbours: 20,
            complements: 5,
            cohorts: ["north", "south", "east", "west"].map(String::from).to_vec(),
            promotions: 12,
        }
    }
}

impl Shape {
    /// A 12-product shop with every section of the format, small enough that every prefix
    /// of its bundle can be tried (bad-input tests, fuzz seeds).
    pub fn tiny() -> Shape {
        Shape {
            products: 12,
            departments: 2,
            categories_per_department: 2,
            brands: 3,
            neighbours: 3,
            complements: 2,
            cohorts: vec!["north".into(), "south".into()],
            promotions: 3,
        }
    }
}

/// The id of synthetic product `i`.
pub fn product_id(i: usize) -> String {
    format!("p{i:05}")
}

fn leaf_of(i: usize, shape: &Shape) -> usize {
    // Products spread over categories in contiguous runs, so neighbours "in the same
    // category" are easy to pick.
    let leaves = shape.departments * shape.categories_per_department;
    i * leaves / shape.products.max(1)
}

/// A synthetic catalogue bundle.
pub fn bundle(shape: &Shape, seed: u64) -> Bundle {
    let mut rng = Rng::new(seed);
    let n = shape.products;
    let leaves = shape.departments * shape.categories_per_department;
    let mut categories = Vec::with_capacity(shape.departments + leaves);
    for d in 0..shape.departments {
        categories.push(Category { id: Id(format!("d{d}")), name: format!("Department {d}"), parent: None });
    }
    for c in 0..leaves {
        let d = c / shape.categories_per_department;
        categories.push(Category {
            id: Id(format!("c{c}")),
            name: format!("Category {c}"),
            parent: Some(Id(format!("d{d}"))),
        });
    }
    let products: Vec<Product> = (0..n)
        .map(|i| {
            let leaf = leaf_of(i, shape);
            let flag = match rng.below(10) {
                0..=3 => vec![Flag::Durable],
                4..=7 => vec![Flag::Consumable],
                8 => vec![],
                _ => vec![Flag::Untracked],
            };
            Product {
                id: Id(product_id(i)),
                name: format!("Product {i}"),
                category: Id(format!("c{leaf}")),
                brand: Some(format!("brand{}", rng.below(shape.brands.max(1)))),
                price: 199 + (rng.unit() * rng.unit() * 200_000.0) as u64,
                flags: flag,
                margin: Some((rng.unit() * 0.5 * 100.0).round() / 100.0),
                url: Some(format!("/p/{i}")),
                image: None,
            }
        })
        .collect();
    let run = n / leaves.max(1);
    let edges = |rng: &mut Rng, k: usize, local: f64| {
        let mut e = Edges::default();
        for i in 0..n {
            let mut picked: Vec<usize> = Vec::with_capacity(k);
            let mut tries = 0;
            while picked.len() < k.min(n.saturating_sub(1)) && tries < k * 10 {
                tries += 1;
                let j = if rng.unit() < local && run > 1 { (i / run) * run + rng.below(run) } else { rng.below(n) };
                if j != i && j < n && !picked.contains(&j) {
                    picked.push(j);
                }
            }
            let mut w: Vec<f32> = picked.iter().map(|_| rng.unit() as f32).collect();
            w.sort_by(|a, b| b.total_cmp(a));
            for (j, w) in picked.into_iter().zip(w) {
                e.from.push(i as u32);
                e.to.push(j as u32);
                e.weight.push(w);
            }
        }
        e
    };
    let neighbours = edges(&mut rng, shape.neighbours, 0.7);
    let complements = edges(&mut rng, shape.complements, 0.2);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let zipf = |order: &[usize]| {
        let mut s = Scores::default();
        for (rank, &i) in order.iter().enumerate() {
            s.item.push(i as u32);
            s.score.push(10_000.0 / (rank as f32 + 1.0));
        }
        s
    };
    let mut cohorts = BTreeMap::new();
    for name in &shape.cohorts {
        let mut o = order.clone();
        // Each cohort reshuffles a tenth of the ranking: mostly the same best sellers.
        for _ in 0..n / 10 {
            let (a, b) = (rng.below(n.max(1)), rng.below(n.max(1)));
            o.swap(a, b);
        }
        cohorts.insert(name.clone(), zipf(&o));
    }
    let promotions = (0..shape.promotions.min(n))
        .map(|k| Promotion {
            id: format!("promo{k}"),
            products: vec![Id(product_id(order[k]))],
            value: 100.0 + 50.0 * k as f64,
            rate: 0.05,
            segments: if k % 4 == 1 { vec!["vip".into()] } else { vec![] },
            regions: if k % 4 == 2 { vec![shape.cohorts.first().cloned().unwrap_or_default()] } else { vec![] },
            min_cart_value: if k % 4 == 3 { Some(5_000) } else { None },
            group: Some(format!("g{}", k % 3)),
            ..Promotion::default()
        })
        .collect();
    let experiments = vec![
        Experiment {
            key: "ranking-weights".into(),
            variations: vec![
                Variation::default(),
                Variation {
                    key: Some("affinity-heavy".into()),
                    weights: [("affinity".to_owned(), 1.0)].into(),
                    ..Variation::default()
                },
            ],
            ..Experiment::default()
        },
        targeted_experiment(),
    ];
    Bundle {
        kind: "bundle".into(),
        schema: BUNDLE_SCHEMA,
        version: format!("synthetic-{n}-{seed}"),
        created_at: Some(1_700_000_000_000),
        currency: Some("GBP".into()),
        categories,
        products,
        neighbours: Some(neighbours),
        complements: Some(complements),
        popularity: Popularity { global: zipf(&order), cohorts },
        promotions,
        experiments,
        saved_groups: BTreeMap::new(),
        weights: BTreeMap::new(),
        ranking: RankingSettings::default(),
        rules: Rules {
            exclude: (0..n.min(3)).map(|k| Id(product_id(order[n - 1 - k]))).collect(),
            pins: if n > 0 {
                vec![Pin { product: Id(product_id(order[n / 2])), position: 2, page: Some("home".into()) }]
            } else {
                vec![]
            },
        },
    }
}

/// A stock snapshot where `out_of_stock` of the tracked products have level 0, and
/// regional levels for the first cohort.
pub fn stock(b: &Bundle, epoch: u64, as_of: u64, out_of_stock: f64, seed: u64) -> StockWire {
    let mut rng = Rng::new(seed);
    let mut item = Vec::with_capacity(b.products.len());
    let mut level = Vec::with_capacity(b.products.len());
    let mut regional = Levels::default();
    for p in &b.products {
        item.push(p.id.clone());
        level.push(if rng.unit() < out_of_stock { 0 } else { 1 + rng.below(60) as i64 });
        if rng.below(20) == 0 {
            regional.item.push(p.id.clone());
            regional.level.push(rng.below(3) as i64);
        }
    }
    let mut regions = BTreeMap::new();
    if let Some(p) = b.popularity.cohorts.keys().next() {
        regions.insert(p.clone(), regional);
    }
    StockWire { kind: "stock".into(), schema: STOCK_SCHEMA, epoch, as_of, item, level, regions }
}

/// A profile with `views` earlier views, `purchases` purchases and `affinities`
/// category affinities (plus up to 4 brand affinities, within that count).
pub fn profile(b: &Bundle, views: usize, purchases: usize, affinities: usize, now: u64, seed: u64) -> Profile {
    let mut rng = Rng::new(seed);
    let n = b.products.len().max(1);
    let pick = |rng: &mut Rng| b.products.get(rng.below(n)).map_or_else(|| "x".to_owned(), |p| p.id.0.clone());
    let brands = affinities.min(4);
    let leaves: Vec<&Category> = b.categories.iter().filter(|c| c.parent.is_some()).collect();
    let mut category_affinity = BTreeMap::new();
    while category_affinity.len() < (affinities - brands).min(leaves.len()) {
        let c = leaves[rng.below(leaves.len())];
        category_affinity.insert(c.id.0.clone(), (rng.unit() * 100.0).round() / 100.0);
    }
    let mut brand_affinity = BTreeMap::new();
    for _ in 0..brands {
        let brand = b.products.get(rng.below(n)).and_then(|p| p.brand.clone()).unwrap_or_default();
        brand_affinity.insert(brand, (rng.unit() * 100.0).round() / 100.0);
    }
    let minute = 60_000;
    let mut at = now - now % minute;
    let recent_views = (0..views)
        .map(|_| {
            at -= minute * (1 + rng.below(30) as u64);
            View { product: pick(&mut rng), at }
        })
        .collect();
    let mut day = now / 86_400_000;
    let purchases = (0..purchases)
        .map(|_| {
            day -= rng.below(20) as u64;
            Purchase { product: pick(&mut rng), day }
        })
        .collect();
    Profile {
        schema: PROFILE_SCHEMA,
        customer_id: format!("c{:015x}", rng.next_u64() >> 4),
        version: 1 + rng.below(500) as u64,
        updated_at: now - now % minute,
        consent: Consent { personalization: true, marketing: true },
        segment: Some(if rng.below(3) == 0 { "vip" } else { "regular" }.into()),
        cohort: b.popularity.cohorts.keys().next().cloned(),
        region: Some("uk".into()),
        tier: Some(rng.below(4) as u8),
        category_affinity,
        brand_affinity,
        recent_views,
        purchases,
        price_band: Some(PriceBand { low: 1_000, high: 30_000 }),
    }
}

/// A request with `viewed` session views, a two-item cart and a current product.
pub fn request(b: &Bundle, viewed: usize, limit: u32, profile: Option<Vec<u8>>, now: u64, seed: u64) -> RankRequest {
    let mut rng = Rng::new(seed);
    let n = b.products.len().max(1);
    let mut pick = || b.products.get(rng.below(n)).map_or_else(|| "x".to_owned(), |p| p.id.0.clone());
    RankRequest {
        visitor_id: format!("v{seed}"),
        profile,
        session: Some(Session {
            viewed: (0..viewed).map(|_| pick()).collect(),
            cart: (0..2).map(|_| pick()).collect(),
            current: Some(pick()),
        }),
        context: Some(Context {
            page: Some("product".into()),
            limit: Some(limit),
            region: b.popularity.cohorts.keys().next().cloned(),
            now: Some(now),
            ..Context::default()
        }),
        ..RankRequest::default()
    }
}

/// An experiment for visitors in the UK and Ireland only, hashed with GrowthBook's
/// current hash (v2) and its own seed, 80% coverage, sticky bucketing by `deviceId` when
/// the visitor id is missing: the treatment puts popularity first.
pub fn targeted_experiment() -> Experiment {
    let s = |x: &str| Value::Str(x.to_owned().into());
    let list = Value::Array(vec![s("uk"), s("ie")]);
    Experiment {
        key: "popular-first".into(),
        variations: vec![
            Variation { key: Some("control".into()), ..Variation::default() },
            Variation {
                key: Some("popular".into()),
                weights: [("popularity".to_owned(), 0.9)].into(),
                ..Variation::default()
            },
        ],
        weights: vec![0.5, 0.5],
        coverage: Some(0.8),
        hash_version: Some(2),
        seed: Some("pf-2026".into()),
        fallback_attribute: Some("deviceId".into()),
        condition: Some(Value::Map(vec![(s("country"), Value::Map(vec![(s("$in"), list)]))])),
        ..Experiment::default()
    }
}

/// The moment synthetic fixtures are built around (2023-11-14T22:13:20Z).
pub const NOW: u64 = 1_700_000_000_000;

/// A 200-product bundle, encoded.
pub fn small_bundle_bytes() -> Vec<u8> {
    bundle(&Shape::store(200), 7).to_bytes()
}
