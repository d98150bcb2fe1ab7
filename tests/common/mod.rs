//! A ten-product electrical shop, small enough to reason about by hand, for the rule and
//! format tests.
#![allow(dead_code)]

use std::collections::BTreeMap;

use vitrine::bundle::{
    Bundle, Category, Edges, Flag, Pin, Popularity, Product, Promotion, RankingSettings, Rules, Scores, BUNDLE_SCHEMA,
};
use vitrine::codec::Id;
use vitrine::profile::{Consent, Profile, Purchase, View};
use vitrine::request::{Context, RankRequest, Session};
use vitrine::stock::{Levels, StockWire, STOCK_SCHEMA};
use vitrine::{encode_profile, Engine, Limits};

/// 2026-11-22T12:00:00Z.
pub const NOW: u64 = 1_795_348_800_000;
pub const MINUTE: u64 = 60_000;
pub const DAY: u64 = 86_400_000;

/// (id, name, category, brand, price, flag)
pub type Row = (&'static str, &'static str, &'static str, &'static str, u64, Option<Flag>);

pub const PRODUCTS: [Row; 10] = [
    ("tv-55", "55in TV", "tv", "Lumo", 49_900, Some(Flag::Durable)),
    ("tv-65", "65in TV", "tv", "Lumo", 79_900, Some(Flag::Durable)),
    ("soundbar", "Soundbar", "sound", "Lumo", 19_900, Some(Flag::Durable)),
    ("hdmi", "HDMI cable", "sound", "Linko", 999, Some(Flag::Durable)),
    ("kettle", "Kettle", "kettles", "Brevo", 3_999, Some(Flag::Durable)),
    ("descaler", "Descaler", "kettles", "Brevo", 499, Some(Flag::Consumable)),
    ("coffee-machine", "Coffee machine", "coffee", "Brevo", 24_900, Some(Flag::Durable)),
    ("beans", "Coffee beans", "coffee", "Roast", 899, Some(Flag::Consumable)),
    ("gift-card", "Gift card", "kitchen", "Shop", 2_500, Some(Flag::Untracked)),
    ("tv-43", "43in TV", "tv", "Lumo", 29_900, Some(Flag::Durable)),
];

pub fn index(id: &str) -> u32 {
    PRODUCTS.iter().position(|p| p.0 == id).expect("known product") as u32
}

fn edges(list: &[(&str, &str, f32)]) -> Edges {
    let mut e = Edges::default();
    for &(a, b, w) in list {
        e.from.push(index(a));
        e.to.push(index(b));
        e.weight.push(w);
    }
    e
}

fn scores(list: &[(&str, f32)]) -> Scores {
    let mut s = Scores::default();
    for &(id, v) in list {
        s.item.push(index(id));
        s.score.push(v);
    }
    s
}

/// The shop's bundle.
pub fn shop() -> Bundle {
    let cat = |id: &str, parent: Option<&str>| Category {
        id: Id(id.into()),
        name: id.to_uppercase(),
        parent: parent.map(|p| Id(p.into())),
    };
    Bundle {
        kind: "bundle".into(),
        schema: BUNDLE_SCHEMA,
        version: "shop-1".into(),
        created_at: Some(NOW - DAY),
        currency: Some("GBP".into()),
        categories: vec![
            cat("av", None),
            cat("tv", Some("av")),
            cat("sound", Some("av")),
            cat("kitchen", None),
            cat("kettles", Some("kitchen")),
            cat("coffee", Some("kitchen")),
        ],
        products: PRODUCTS
            .iter()
            .map(|&(id, name, category, brand, price, flag)| Product {
                id: Id(id.into()),
                name: name.into(),
                category: Id(category.into()),
                brand: Some(brand.into()),
                price,
                flags: flag.into_iter().collect(),
                margin: Some(0.2),
                url: Some(format!("/p/{id}")),
                image: None,
            })
            .collect(),
        neighbours: Some(edges(&[
            ("tv-55", "tv-65", 0.9),
            ("tv-55", "tv-43", 0.8),
            ("tv-55", "soundbar", 0.3),
            ("tv-65", "tv-55", 0.9),
            ("tv-65", "tv-43", 0.6),
            ("tv-43", "tv-55", 0.8),
            ("kettle", "coffee-machine", 0.5),
            ("coffee-machine", "kettle", 0.5),
            ("beans", "descaler", 0.2),
        ])),
        complements: Some(edges(&[
            ("tv-55", "soundbar", 0.8),
            ("tv-55", "hdmi", 0.6),
            ("tv-65", "soundbar", 0.9),
            ("kettle", "descaler", 0.9),
            ("coffee-machine", "beans", 0.9),
            ("coffee-machine", "descaler", 0.5),
        ])),
        popularity: Popularity {
            global: scores(&[("tv-55", 100.0), ("kettle", 80.0), ("hdmi", 60.0), ("beans", 50.0), ("tv-43", 40.0)]),
            cohorts: BTreeMap::from([(
                "north".to_owned(),
                scores(&[("beans", 90.0), ("kettle", 70.0), ("gift-card", 20.0), ("tv-43", 10.0)]),
            )]),
        },
        promotions: vec![
            Promotion {
                id: "sound-deal".into(),
                products: vec![Id("soundbar".into())],
                value: 500.0,
                rate: 0.1,
                min_cart_value: Some(30_000),
                group: Some("av".into()),
                ..Promotion::default()
            },
            Promotion {
                id: "vip-coffee".into(),
                products: vec![Id("coffee-machine".into())],
                value: 2_000.0,
                rate: 0.05,
                segments: vec!["vip".into()],
                group: Some("kitchen".into()),
                ..Promotion::default()
            },
            Promotion {
                id: "kettle-deal".into(),
                products: vec![Id("kettle".into())],
                value: 300.0,
                rate: 0.2,
                group: Some("kitchen".into()),
                ..Promotion::default()
            },
            Promotion {
                id: "welcome".into(),
                products: vec![Id("descaler".into())],
                value: 100.0,
                rate: 0.3,
                new_customer: Some(true),
                ..Promotion::default()
            },
        ],
        experiments: Vec::new(),
        saved_groups: Default::default(),
        weights: BTreeMap::new(),
        ranking: RankingSettings::default(),
        rules: Rules::default(),
    }
}

/// A bundle with rules: `hdmi` excluded, `gift-card` pinned at position 1 on the home page.
pub fn shop_with_rules() -> Bundle {
    let mut b = shop();
    b.rules = Rules {
        exclude: vec![Id("hdmi".into())],
        pins: vec![Pin { product: Id("gift-card".into()), position: 1, page: Some("home".into()) }],
    };
    b
}

/// Every tracked product in stock (level 10) unless listed in `levels`.
pub fn stock(epoch: u64, as_of: u64, levels: &[(&str, i64)]) -> StockWire {
    let mut item = Vec::new();
    let mut level = Vec::new();
    for p in PRODUCTS {
        item.push(Id(p.0.into()));
        level.push(levels.iter().find(|l| l.0 == p.0).map_or(10, |l| l.1));
    }
    StockWire { kind: "stock".into(), schema: STOCK_SCHEMA, epoch, as_of, item, level, regions: BTreeMap::new() }
}

/// A delta setting `levels`, optionally for a region.
pub fn delta(epoch: u64, as_of: u64, levels: &[(&str, i64)], region: Option<&str>) -> StockWire {
    let l =
        Levels { item: levels.iter().map(|l| Id(l.0.into())).collect(), level: levels.iter().map(|l| l.1).collect() };
    let mut w = StockWire {
        kind: "stockDelta".into(),
        schema: STOCK_SCHEMA,
        epoch,
        as_of,
        item: Vec::new(),
        level: Vec::new(),
        regions: BTreeMap::new(),
    };
    match region {
        Some(r) => {
            w.regions.insert(r.into(), l);
        }
        None => {
            w.item = l.item;
            w.level = l.level;
        }
    }
    w
}

/// The shop's engine with everything in stock as of `NOW`.
pub fn engine(b: &Bundle) -> Engine {
    let mut e = Engine::from_bundle(&b.to_bytes(), Limits::default()).expect("bundle loads");
    e.apply_stock(&stock(1, NOW, &[]).to_bytes()).expect("stock applies");
    e
}

/// A profile that consented to everything, with no history.
pub fn profile() -> Profile {
    Profile {
        version: 7,
        consent: Consent { personalization: true, marketing: true },
        ..Profile::new("c-1", NOW - 5 * MINUTE)
    }
}

pub fn bought(p: &mut Profile, id: &str, days_ago: u64) {
    p.purchases.push(Purchase { product: id.into(), day: (NOW - days_ago * DAY) / DAY });
}

pub fn viewed_before(p: &mut Profile, id: &str, minutes_ago: u64) {
    p.recent_views.push(View { product: id.into(), at: NOW - minutes_ago * MINUTE });
}

/// A request at `NOW` with this session.
pub fn request(viewed: &[&str], cart: &[&str], current: Option<&str>) -> RankRequest {
    RankRequest {
        visitor_id: "v-1".into(),
        profile: None,
        session: Some(Session {
            viewed: viewed.iter().map(|s| s.to_string()).collect(),
            cart: cart.iter().map(|s| s.to_string()).collect(),
            current: current.map(str::to_owned),
        }),
        context: Some(Context { now: Some(NOW), ..Context::default() }),
        ..RankRequest::default()
    }
}

pub fn with_profile(mut r: RankRequest, p: &Profile) -> RankRequest {
    r.profile = Some(encode_profile(p, &Limits::default()).expect("profile encodes"));
    r
}

pub fn context(r: &mut RankRequest) -> &mut Context {
    r.context.get_or_insert_with(Context::default)
}

/// The ids of a response's items.
pub fn ids(res: &vitrine::RankResponse) -> Vec<&str> {
    res.items.iter().map(|i| i.id.as_str()).collect()
}

/// The reasons of one item of a response.
pub fn reasons<'r>(res: &'r vitrine::RankResponse, id: &str) -> &'r [String] {
    &res.items.iter().find(|i| i.id == id).unwrap_or_else(|| panic!("{id} not in {:?}", ids(res))).reasons
}
