//! The Instacart adapter, the learned bundle and the demo shoppers, against the real
//! sample in `shared/data/instacart` (or `$VITRINE_INSTACART`).

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use vitrine::bundle::Bundle;
use vitrine::{decode_profile, Engine, Limits};
use vitrine_server::demo::{self, shoppers, NOW};
use vitrine_server::model::instacart::Instacart;
use vitrine_server::model::{self, Stats};

fn data_dir() -> PathBuf {
    std::env::var_os("VITRINE_INSTACART").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/instacart")),
        PathBuf::from,
    )
}

struct Built {
    data: Instacart,
    bundle: Bundle,
    stats: Stats,
    bytes: Vec<u8>,
}

/// Read and learned once for all the tests of this file (a second or two in debug).
fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = data_dir();
        let data = Instacart::read(&dir)
            .unwrap_or_else(|e| panic!("the Instacart sample should read from {}: {e}", dir.display()));
        let held_out = shoppers::held_out_orders(&data);
        let (bundle, stats) = model::from_instacart(&data, "test".into(), NOW, &held_out);
        let bytes = bundle.to_bytes();
        Built { data, bundle, stats, bytes }
    })
}

fn engine() -> Engine {
    let b = built();
    let mut engine = Engine::from_bundle(&b.bytes, Limits::default()).expect("the bundle loads");
    engine.apply_stock(&demo::stock::snapshot(&b.bundle, 1, NOW).to_bytes()).expect("the stock applies");
    engine
}

#[test]
fn reads_the_counts_the_data_readme_gives() {
    let d = &built().data;
    assert_eq!(d.products.len(), 49_688);
    assert_eq!(d.aisles.len(), 134);
    assert_eq!(d.departments.len(), 21);
    assert_eq!(d.lines, 96_023);
    assert_eq!(d.users(), 383);
    assert_eq!(d.orders.len(), 9_820);
    let bought: std::collections::BTreeSet<u32> = d.orders.iter().flat_map(|o| o.items.iter().copied()).collect();
    assert_eq!(bought.len(), 11_351);
    assert_eq!(d.orders.iter().map(|o| o.items.len()).sum::<usize>(), 96_023, "no order line is lost");
}

#[test]
fn parses_quoted_names_and_the_readme_check_order() {
    let d = &built().data;
    let name = |id: u32| d.products.iter().find(|p| p.id == id).map(|p| p.name.as_str());
    assert_eq!(name(30), Some("Three Cheese Ziti, Marinara with Meatballs"));
    assert_eq!(name(49_688), Some("Fresh Foaming Cleanser"));
    assert_eq!(d.aisles[0].name, "prepared soups salads");
    assert_eq!(d.departments[0].name, "frozen");
    // The data README: user 1's order 2539329 = Soda, Organic Unsweetened Vanilla Almond
    // Milk, Original Beef Jerky, Aged White Cheddar Popcorn, XL Pick-A-Size Paper Towel Rolls.
    let order = d.orders.iter().find(|o| o.id == 2_539_329).expect("order 2539329");
    assert_eq!((order.user, order.number, order.days_since_prior), (1, 1, None));
    let names: Vec<&str> = order.items.iter().map(|&p| d.products[p as usize].name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Soda",
            "Organic Unsweetened Vanilla Almond Milk",
            "Original Beef Jerky",
            "Aged White Cheddar Popcorn",
            "XL Pick-A-Size Paper Towel Rolls"
        ]
    );
}

#[test]
fn the_bundle_has_the_catalogue_and_what_was_learned() {
    let Built { bundle, stats, data, .. } = built();
    assert_eq!(bundle.products.len(), 49_688);
    assert_eq!(bundle.categories.len(), 21 + 134);
    let fruit = bundle.categories.iter().find(|c| c.id.0 == "a24").expect("aisle 24");
    assert_eq!((fruit.name.as_str(), fruit.parent.as_ref().map(|p| p.0.as_str())), ("fresh fruits", Some("d4")));
    let last = bundle.products.last().unwrap();
    assert_eq!(last.id.0, "49688");
    assert!(last.category.0.starts_with('a'));
    assert!(bundle.products.iter().all(|p| p.price > 0 && p.price % 10 == 9));
    // Learned from every order but the four the demo shoppers are placing now.
    let held_out = shoppers::held_out_orders(data);
    assert_eq!(held_out.len(), shoppers::SHOPPERS);
    assert_eq!(stats.baskets, 9_820 - 4);
    let held_lines: usize = data.orders.iter().filter(|o| held_out.contains(&o.id)).map(|o| o.items.len()).sum();
    assert!((11_351 - held_lines..11_351).contains(&stats.bought), "{stats:?}");
    assert_eq!(bundle.popularity.global.item.len(), stats.bought);
    // Every order is a weekday or a weekend one.
    let total = |name: &str| bundle.popularity.cohorts[name].score.iter().sum::<f32>();
    let global: f32 = bundle.popularity.global.score.iter().sum();
    assert_eq!(total("weekday") + total("weekend"), global);
    assert_eq!(global as usize, data.lines - held_lines);

    let n = bundle.neighbours.as_ref().unwrap();
    assert_eq!(n.from.len(), stats.neighbour_edges);
    assert!(stats.with_neighbours > 1000, "{stats:?}");
    for (k, ((&f, &t), &w)) in n.from.iter().zip(n.to.iter()).zip(n.weight.iter()).enumerate() {
        assert_ne!(f, t);
        assert!(w > 0.0 && w <= 1.0);
        if k > 0 && n.from[k - 1] == f {
            assert!(n.weight[k - 1] >= w, "strongest first");
        }
    }
    let c = bundle.complements.as_ref().unwrap();
    assert!(c
        .from
        .iter()
        .zip(c.to.iter())
        .all(|(&f, &t)| { bundle.products[f as usize].category != bundle.products[t as usize].category }));
    assert!(!bundle.promotions.is_empty());
}

#[test]
fn the_engine_loads_the_bundle_and_ranks_demo_shoppers_with_reasons() {
    let b = built();
    let engine = engine();
    assert_eq!(engine.info().products, 49_688);
    let shoppers = shoppers::build(&b.data, &b.bundle, NOW).expect("shoppers");
    assert_eq!(shoppers.len(), shoppers::SHOPPERS);
    assert!(shoppers.iter().any(|s| s.context.region == "weekend"));
    for s in &shoppers {
        let profile = decode_profile(&s.profile, &Limits::default()).expect("profile decodes");
        assert!(s.profile.len() <= 512, "{} bytes: over the profile budget", s.profile.len());
        assert_eq!(profile.purchases.len(), shoppers::PURCHASES);
        assert!(profile.category_affinity.values().any(|&v| v == 1.0));
        assert!(profile.category_affinity.len() <= shoppers::AFFINITIES);
        assert!(profile.purchases.iter().all(|p| p.day <= NOW / shoppers::DAY_MS));

        let res = engine.rank(&s.request(), 0).expect("ranks");
        assert_eq!(res.items.len(), shoppers::LIMIT as usize, "{}", s.name);
        assert!(res.items.iter().all(|i| !i.reasons.is_empty()), "every item has a reason");
        assert!(res.items.windows(2).all(|w| w[0].score >= w[1].score));
        let session: Vec<&String> = s.session.cart.iter().chain([&s.session.current]).collect();
        assert!(res.items.iter().all(|i| !session.contains(&&i.id)), "cart and page never suggested");
        assert_eq!(res.decision.now, NOW);
        assert_eq!(res.decision.stock_epoch, 1);
        if profile.consent.personalization {
            assert_eq!(res.decision.profile_version, Some(profile.version));
            assert!(res.items.iter().flat_map(|i| &i.reasons).any(|r| r.starts_with("repeat:")));
        } else {
            assert_eq!(res.decision.profile_version, None);
            let personal = ["repeat:", "bought:", "affinity:"];
            assert!(res.items.iter().flat_map(|i| &i.reasons).all(|r| !personal.iter().any(|p| r.starts_with(p))));
        }
    }
    assert!(
        shoppers
            .iter()
            .filter(|s| decode_profile(&s.profile, &Limits::default()).unwrap().consent.personalization)
            .count()
            == 3
    );
}

#[test]
fn the_demo_writes_the_same_bytes_twice() {
    let out = common::scratch("instacart-demo");
    let mut first = Vec::new();
    for _ in 0..2 {
        demo::run(&data_dir(), &out).expect("demo runs");
        let files = ["bundle.msgpack", "stock.msgpack", "shoppers.json", "categories.json"];
        let bytes: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(out.join(f)).unwrap()).collect();
        if first.is_empty() {
            first = bytes;
        } else {
            assert!(first == bytes, "the demo output is reproducible");
        }
    }
    let shoppers: serde_json::Value = serde_json::from_slice(&first[2]).unwrap();
    assert_eq!(shoppers.as_array().map(Vec::len), Some(shoppers::SHOPPERS));
    assert_eq!(shoppers[0]["context"]["page"], "product");
    let _ = std::fs::remove_dir_all(&out);
}
