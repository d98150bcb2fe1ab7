//! Property tests: whatever the input, every decoder answers with a value or a coded error
//! (never a panic), a refused input changes nothing, and every rank response holds the
//! ranking's rules. Inputs are random bytes, random value trees shaped like the formats,
//! valid testkit snapshots with random damage, and random requests over the testkit's
//! 200-product catalogue (checked against a model of its stock built from the snapshot,
//! not read back from the engine).
//!
//! Run with `cargo test --features testkit --test props` (a few seconds; `PROPTEST_CASES`
//! raises the number of cases for a longer soak).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use vitrine::bundle::{Bundle, Flag, Product};
use vitrine::catalogue::MAX_SAFE_INTEGER;
use vitrine::codec::{Id, Path, Reader, Value};
use vitrine::profile::{Profile, Purchase, View};
use vitrine::request::{Context, Session};
use vitrine::stock::{Levels, StockTable, StockWire};
use vitrine::testkit::{self, Shape, NOW};
use vitrine::{decode_profile, encode_profile, Engine, EngineInfo, Limits, RankRequest, RankResponse};

// ---------------------------------------------------------------------------------------
// The world the properties run in, built once

struct World {
    bundle: Bundle,
    stock: StockWire,
    /// The testkit catalogue with `stock` applied, default limits.
    engine: Engine,
    /// The same with `maxResults` 5 and `maxSessionItems` 3.
    strict: Engine,
    /// Valid inputs to damage, by decoder.
    tiny_bundle: Vec<u8>,
    profiles: Vec<Vec<u8>>,
    stocks: Vec<Vec<u8>>,
    requests: Vec<Vec<u8>>,
}

const REGION_WITH_STOCK: &str = "east";

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let bundle = testkit::bundle(&Shape::store(200), 7);
        let mut stock = testkit::stock(&bundle, 1, NOW, 0.3, 1);
        // Known regional levels, some of them zero where the product's own level is not.
        let regional = stock.regions.get_mut(REGION_WITH_STOCK).expect("the first cohort's region");
        for i in (0..200).step_by(7) {
            if !regional.item.iter().any(|id| id.0 == testkit::product_id(i)) {
                regional.item.push(Id(testkit::product_id(i)));
                regional.level.push((i % 3) as i64);
            }
        }
        let build = |limits: Limits| {
            let mut e = Engine::from_bundle(&bundle.to_bytes(), limits).expect("testkit bundle");
            e.apply_stock(&stock.to_bytes()).expect("testkit stock");
            e
        };
        let engine = build(Limits::default());
        let strict = build(Limits { max_session_items: 3, max_results: 5, ..Limits::default() });
        let tiny_bundle = testkit::bundle(&Shape::tiny(), 3).to_bytes();
        let profiles = [(0, 0, 0), (6, 3, 6), (30, 12, 10)]
            .iter()
            .enumerate()
            .map(|(k, &(v, p, a))| {
                encode_profile(&testkit::profile(&bundle, v, p, a, NOW, k as u64), &Limits::default()).unwrap()
            })
            .collect();
        let mut delta = testkit::stock(&bundle, 2, NOW, 0.5, 2);
        delta.kind = "stockDelta".into();
        delta.item.truncate(20);
        delta.level.truncate(20);
        let stocks = vec![testkit::stock(&bundle, 2, NOW, 0.2, 3).to_bytes(), delta.to_bytes()];
        let profile = encode_profile(&testkit::profile(&bundle, 5, 3, 4, NOW, 9), &Limits::default()).unwrap();
        let mut pinned = testkit::request(&bundle, 3, 8, None, NOW, 4);
        pinned.weights = Some([("margin".to_owned(), 0.5)].into());
        pinned.context.as_mut().unwrap().pin = vec![testkit::product_id(3)];
        pinned.context.as_mut().unwrap().exclude = vec![testkit::product_id(4)];
        let requests = vec![testkit::request(&bundle, 6, 10, Some(profile), NOW, 1).to_bytes(), pinned.to_bytes()];
        World { bundle, stock, engine, strict, tiny_bundle, profiles, stocks, requests }
    })
}

// ---------------------------------------------------------------------------------------
// Value trees

type Tree = Value<'static>;

fn encode(t: &Tree) -> Vec<u8> {
    rmp_serde::to_vec(t).expect("a tree encodes")
}

fn st(s: &str) -> Tree {
    Value::Str(Cow::Owned(s.to_owned()))
}

/// Every key of every format, so that random maps reach the readers' field handling.
const KEYS: &[&str] = &[
    "kind",
    "schema",
    "version",
    "createdAt",
    "currency",
    "categories",
    "products",
    "neighbours",
    "complements",
    "popularity",
    "promotions",
    "experiments",
    "weights",
    "ranking",
    "rules",
    "id",
    "name",
    "parent",
    "category",
    "brand",
    "price",
    "flags",
    "margin",
    "url",
    "image",
    "from",
    "to",
    "weight",
    "global",
    "cohorts",
    "item",
    "score",
    "value",
    "rate",
    "segments",
    "regions",
    "pages",
    "minTier",
    "minCartValue",
    "maxCartValue",
    "newCustomer",
    "start",
    "end",
    "stockThreshold",
    "maxStockAgeMs",
    "group",
    "key",
    "variations",
    "coverage",
    "hashAttribute",
    "hashVersion",
    "seed",
    "namespace",
    "condition",
    "active",
    "limit",
    "maxPerCategory",
    "sessionHalfLife",
    "historyFactor",
    "stockDepth",
    "remindViewed",
    "repeatHalfCount",
    "exclude",
    "pins",
    "product",
    "position",
    "page",
    "s",
    "n",
    "t",
    "c",
    "g",
    "h",
    "r",
    "l",
    "a",
    "b",
    "v",
    "w",
    "p",
    "d",
    "q",
    "epoch",
    "asOf",
    "level",
    "visitorId",
    "profile",
    "session",
    "context",
    "viewed",
    "cart",
    "current",
    "region",
    "now",
    "pin",
    "similarity",
    "stock",
    "maxResults",
    "maxDepth",
    "customerId",
    "updatedAt",
    "consent",
    "personalization",
    "recentViews",
    "purchases",
    "at",
    "day",
    "priceBand",
    "low",
    "high",
    "north",
    "east",
];

fn leaf() -> impl Strategy<Value = Tree> {
    prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Bool),
        (0u64..300).prop_map(Value::UInt),
        any::<u64>().prop_map(Value::UInt),
        (i64::MIN..0).prop_map(Value::Int),
        any::<f64>().prop_map(Value::Float),
        select(vec![f64::NAN, f64::INFINITY, -1.0, 0.5, 1e300, 1.0]).prop_map(Value::Float),
        "[a-z0-9]{0,6}".prop_map(|s| st(&s)),
        select(vec!["p00001", "p00002", "c3", "d1", "east", "bundle", "stock", "stockDelta", "durable"]).prop_map(st),
        vec(any::<u8>(), 0..24).prop_map(|b| Value::Bin(Cow::Owned(b))),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![4 => select(KEYS).prop_map(str::to_owned), 1 => "[a-z]{0,4}"]
}

fn tree() -> impl Strategy<Value = Tree> {
    leaf().prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..8).prop_map(Value::Array),
            vec((key(), inner), 0..8).prop_map(|e| Value::Map(e.into_iter().map(|(k, v)| (st(&k), v)).collect())),
        ]
    })
}

/// A top-level map with a valid header for one format, then random entries.
fn document() -> impl Strategy<Value = Vec<u8>> {
    let header = select(vec![
        vec![("kind", st("bundle")), ("schema", Value::UInt(1)), ("version", st("v"))],
        vec![("kind", st("stock")), ("schema", Value::UInt(1)), ("epoch", Value::UInt(2)), ("asOf", Value::UInt(NOW))],
        vec![
            ("kind", st("stockDelta")),
            ("schema", Value::UInt(1)),
            ("epoch", Value::UInt(5)),
            ("asOf", Value::UInt(1)),
        ],
        vec![("s", Value::UInt(1)), ("id", st("c1")), ("t", Value::UInt(NOW / 60_000))],
        vec![("visitorId", st("v"))],
    ]);
    (header, vec((key(), tree()), 0..10)).prop_map(|(h, rest)| {
        let mut m: Vec<(Tree, Tree)> = h.into_iter().map(|(k, v)| (st(k), v)).collect();
        m.extend(rest.into_iter().map(|(k, v)| (st(&k), v)));
        encode(&Value::Map(m))
    })
}

// ---------------------------------------------------------------------------------------
// Feeding every decoder

/// The engine's summary and its whole stock table.
fn stock_state(e: &Engine) -> (EngineInfo, String) {
    (e.info(), format!("{:?}", e.stock()))
}

fn coded(code: &str, what: &str) {
    assert!(code.starts_with("E_"), "{what}: code {code:?}");
}

/// Gives `bytes` to every decoder: each returns a value or an error with a code; a
/// refused stock input leaves the engine as it was; a profile is read alike by
/// `decode_profile` and by a rank request, and what decodes encodes again to the same.
fn every_decoder(bytes: &[u8]) {
    let w = world();
    let limits = Limits::default();
    if let Err(e) = Engine::from_bundle(bytes, limits.clone()) {
        coded(e.code(), "from_bundle");
    }
    let decoded = decode_profile(bytes, &limits);
    let mut req = testkit::request(&w.bundle, 2, 6, Some(bytes.to_vec()), NOW, 3);
    req.context.as_mut().unwrap().region = Some(REGION_WITH_STOCK.into());
    match (&decoded, w.engine.rank(&req, NOW)) {
        (Ok(p), Ok(res)) => {
            check_response(&w.engine, &req, &res);
            let again = encode_profile(p, &limits).unwrap_or_else(|e| panic!("decoded but not encodable: {e}"));
            assert_eq!(decode_profile(&again, &limits).as_ref(), Ok(p));
        }
        (Err(a), Err(b)) => {
            coded(a.code(), "decode_profile");
            assert_eq!(a.code(), b.code(), "decode: {a} / rank: {b}");
        }
        (a, b) => panic!("decode_profile and rank disagree: {a:?} / {b:?}"),
    }
    let mut e = w.engine.clone();
    let before = stock_state(&e);
    match e.apply_stock(bytes) {
        Err(err) => {
            coded(err.code(), "apply_stock");
            assert_eq!(stock_state(&e), before, "refused ({err}) but changed");
        }
        Ok(a) if !a.changed => assert_eq!(stock_state(&e), before, "ignored but changed"),
        Ok(_) => {}
    }
    match RankRequest::read(&mut Reader::new(bytes, "request")) {
        Err(e) => coded(e.code(), "RankRequest::read"),
        Ok(req) => match w.engine.rank(&req, NOW) {
            Ok(res) => check_response(&w.engine, &req, &res),
            Err(e) => coded(e.code(), "rank"),
        },
    }
    let root = Path::root("x");
    if let Err(e) = Limits::read(&mut Reader::new(bytes, "options"), &root) {
        coded(e.code(), "Limits::read");
    }
    if let Err(e) = Bundle::read(&mut Reader::new(bytes, "bundle"), &root) {
        coded(e.code(), "Bundle::read");
    }
    if let Err(e) = StockWire::read(&mut Reader::new(bytes, "stock"), &root) {
        coded(e.code(), "StockWire::read");
    }
    if let Err(e) = Profile::read(&mut Reader::new(bytes, "profile"), &root) {
        coded(e.code(), "Profile::read");
    }
    if let Err(e) = Reader::new(bytes, "value").value(64) {
        coded(e.code(), "Reader::value");
    }
    if let Err(e) = Reader::new(bytes, "value").skip() {
        coded(e.code(), "Reader::skip");
    }
}

/// What every response holds, whatever the engine and request: at most `limit` (and
/// `maxResults`) items, no duplicates, each a product that may be shown here (in stock
/// in the request's region by the engine's own table, not excluded by the bundle or the
/// request, not in the cart or on the page), at least one reason each, pins only where
/// pinned, the category cap on the others, which come best first.
fn check_response(e: &Engine, req: &RankRequest, res: &RankResponse) {
    let cat = e.catalogue();
    let ctx = req.context.clone().unwrap_or_default();
    let session = req.session.clone().unwrap_or_default();
    let limit = ctx.limit.map_or(cat.settings.limit, |l| l as usize).min(e.limits().max_results);
    assert!(res.items.len() <= limit, "{} items, limit {limit}", res.items.len());
    let region = ctx.region.as_deref().and_then(|r| e.stock().region(r));
    let mut seen = HashSet::new();
    let mut per_category: HashMap<String, (usize, usize)> = HashMap::new();
    let mut last = f32::INFINITY;
    for item in &res.items {
        assert!(seen.insert(&item.id), "{} twice", item.id);
        assert!(!item.reasons.is_empty(), "{} has no reason", item.id);
        let p = cat.products.find(&item.id).expect("a catalogue product");
        assert!(e.stock().showable(cat, p, region).is_some(), "{} not in stock", item.id);
        assert!(
            cat.products.hot[p as usize].flags & vitrine::catalogue::flags::EXCLUDED == 0,
            "{} excluded by the bundle",
            item.id
        );
        assert!(!session.cart.contains(&item.id) && session.current.as_ref() != Some(&item.id), "{}", item.id);
        assert!(!ctx.exclude.contains(&item.id), "{} excluded by the request", item.id);
        let pinned = item.reasons.iter().any(|r| r == "pinned");
        let counts = per_category.entry(e.product(&item.id).unwrap().category).or_default();
        if pinned {
            assert_eq!(item.reasons, ["pinned"]);
            let by_bundle = cat.pins.iter().any(|r| r.product == p && (r.page.is_none() || r.page == ctx.page));
            assert!(by_bundle || ctx.pin.contains(&item.id), "{} pinned by no one", item.id);
            counts.0 += 1;
        } else {
            assert!(item.score.is_finite(), "{} scores {}", item.id, item.score);
            assert!(item.score <= last, "{} scores {} after {last}", item.id, item.score);
            last = item.score;
            counts.1 += 1;
        }
    }
    let cap = cat.settings.max_per_category;
    for (category, (pinned, other)) in per_category {
        assert!(other <= cap.saturating_sub(pinned), "{category}: {other} + {pinned} pinned, cap {cap}");
    }
}

// ---------------------------------------------------------------------------------------
// Damage to valid inputs

#[derive(Debug, Clone)]
enum Damage {
    Flip(usize, u8),
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    let byte = prop_oneof![
        any::<u8>(),
        select(vec![
            0x00, 0x7f, 0x80, 0x8f, 0x90, 0xc0, 0xc1, 0xc4, 0xca, 0xcb, 0xcf, 0xd3, 0xdc, 0xdd, 0xde, 0xdf, 0xff
        ]),
    ];
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, x)| Damage::Flip(i, x)),
        (any::<usize>(), byte).prop_map(|(i, b)| Damage::Set(i, b)),
        any::<usize>().prop_map(Damage::Truncate),
        (any::<usize>(), vec(any::<u8>(), 1..8)).prop_map(|(i, b)| Damage::Insert(i, b)),
        (any::<usize>(), 1usize..16).prop_map(|(i, n)| Damage::Delete(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, d: &Damage) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
    match d {
        Damage::Flip(i, x) if !bytes.is_empty() => {
            let i = at(*i, bytes.len());
            bytes[i] ^= x;
        }
        Damage::Set(i, b) if !bytes.is_empty() => {
            let i = at(*i, bytes.len());
            bytes[i] = *b;
        }
        Damage::Truncate(i) => bytes.truncate(at(*i, bytes.len())),
        Damage::Insert(i, b) => {
            let i = at(*i, bytes.len() + 1);
            bytes.splice(i..i, b.iter().copied());
        }
        Damage::Delete(i, n) if !bytes.is_empty() => {
            let i = at(*i, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------
// Random requests over the testkit catalogue

/// A product id: one of the catalogue's (0..200), one it does not have, or noise.
fn product() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0usize..200).prop_map(testkit::product_id),
        1 => (200usize..400).prop_map(testkit::product_id),
        1 => "[a-z0-9-]{1,8}",
    ]
}

/// The weight names a request may override.
const FEATURES: [&str; 10] = [
    "similarity",
    "complement",
    "affinity",
    "popularity",
    "recency",
    "priceFit",
    "stock",
    "margin",
    "repeat",
    "revisit",
];

/// Weights within the allowed range (|w| <= 1e6), outside it, and misspelt names.
fn weights() -> impl Strategy<Value = BTreeMap<String, f64>> {
    let mut names = FEATURES.to_vec();
    names.extend(["Similarity", "bogus"]);
    let name = select(names);
    let value = prop_oneof![
        8 => -3.0f64..3.0,
        2 => -1e6f64..=1e6,
        1 => select(vec![1e6, -1e6, 0.0, -0.0]),
        1 => select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e6 + 1.0, -2e6, 1e300]),
    ];
    proptest::collection::btree_map(name.prop_map(str::to_owned), value, 0..4)
}

#[derive(Debug, Clone)]
struct ProfileSpec {
    views: usize,
    purchases: usize,
    affinities: usize,
    seed: u64,
    personalization: bool,
    marketing: bool,
    unknown_ids: bool,
}

fn profile_spec() -> impl Strategy<Value = ProfileSpec> {
    (0usize..30, 0usize..15, 0usize..12, any::<u64>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(views, purchases, affinities, seed, personalization, marketing, unknown_ids)| ProfileSpec {
            views,
            purchases,
            affinities,
            seed,
            personalization,
            marketing,
            unknown_ids,
        },
    )
}

fn build_profile(b: &Bundle, s: &ProfileSpec) -> Profile {
    let mut p = testkit::profile(b, s.views, s.purchases, s.affinities, NOW, s.seed);
    p.consent.personalization = s.personalization;
    p.consent.marketing = s.marketing;
    if s.unknown_ids {
        p.recent_views.push(View { product: "no-such-product".into(), at: p.updated_at - 60_000 });
        p.purchases.push(Purchase { product: "p99999".into(), day: p.updated_at / 86_400_000 });
        p.category_affinity.insert("no-such-category".into(), 0.5);
    }
    p
}

#[derive(Debug, Clone)]
struct Spec {
    strict: bool,
    viewed: Vec<String>,
    cart: Vec<String>,
    current: Option<String>,
    limit: Option<u32>,
    region: Option<String>,
    page: Option<String>,
    now: Option<u64>,
    exclude: Vec<String>,
    pin: Vec<String>,
    weights: Option<BTreeMap<String, f64>>,
    profile: Option<ProfileSpec>,
}

fn spec() -> impl Strategy<Value = Spec> {
    let session = (vec(product(), 0..8), vec(product(), 0..4), proptest::option::of(product()));
    let limit = proptest::option::of(prop_oneof![6 => 0u32..30, 1 => 0u32..200, 1 => Just(u32::MAX)]);
    let region =
        proptest::option::of(select(vec!["east", "north", "south", "west", "mars", ""]).prop_map(str::to_owned));
    let page = proptest::option::of(select(vec!["home", "product", "cart"]).prop_map(str::to_owned));
    let now = proptest::option::of(prop_oneof![
        8 => (NOW - 86_400_000 * 400)..(NOW + 86_400_000 * 400),
        1 => Just(MAX_SAFE_INTEGER),
        1 => (MAX_SAFE_INTEGER + 1)..u64::MAX,
    ]);
    let context = (limit, region, page, now, vec(product(), 0..4), vec(product(), 0..4));
    (
        prop_oneof![4 => Just(false), 1 => Just(true)],
        session,
        context,
        proptest::option::of(weights()),
        proptest::option::of(profile_spec()),
    )
        .prop_map(
            |(strict, (viewed, cart, current), (limit, region, page, now, exclude, pin), weights, profile)| Spec {
                strict,
                viewed,
                cart,
                current,
                limit,
                region,
                page,
                now,
                exclude,
                pin,
                weights,
                profile,
            },
        )
}

fn to_request(s: &Spec, profile: Option<Vec<u8>>) -> RankRequest {
    RankRequest {
        visitor_id: "visitor".into(),
        profile,
        session: Some(Session { viewed: s.viewed.clone(), cart: s.cart.clone(), current: s.current.clone() }),
        context: Some(Context {
            page: s.page.clone(),
            limit: s.limit,
            region: s.region.clone(),
            now: s.now,
            exclude: s.exclude.clone(),
            pin: s.pin.clone(),
            url: None,
        }),
        weights: s.weights.clone(),
        ..RankRequest::default()
    }
}

/// The code a request must be refused with, if any: the time first, then the weight
/// overrides in name order.
fn expected_error(s: &Spec) -> Option<&'static str> {
    if s.now.unwrap_or(NOW) > MAX_SAFE_INTEGER {
        return Some("E_INVALID_NUMBER");
    }
    for (name, v) in s.weights.iter().flatten() {
        if !FEATURES.contains(&name.as_str()) {
            return Some("E_UNKNOWN_WEIGHT");
        }
        if !v.is_finite() || v.abs() > 1e6 {
            return Some("E_INVALID_NUMBER");
        }
    }
    None
}

/// The level a product may be shown at in a region, by the snapshot itself: the
/// region's level when it has one, else the product's own; untracked products always.
fn showable(w: &World, p: &Product, region: Option<&str>) -> bool {
    if p.flags.contains(&Flag::Untracked) {
        return true;
    }
    let find = |l: &Levels| l.item.iter().position(|id| *id == p.id).map(|i| l.level[i]);
    let own = Levels { item: w.stock.item.clone(), level: w.stock.level.clone() };
    let regional = region.and_then(|r| w.stock.regions.get(r)).and_then(find);
    regional.or_else(|| find(&own)).is_some_and(|l| l > 0)
}

// ---------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_get_a_value_or_a_coded_error_from_every_decoder(bytes in vec(any::<u8>(), 0..600)) {
        every_decoder(&bytes);
    }

    #[test]
    fn random_documents_shaped_like_the_formats_get_a_value_or_a_coded_error(bytes in document()) {
        every_decoder(&bytes);
    }

    #[test]
    fn damaged_snapshots_and_requests_get_a_value_or_a_coded_error(
        which in 0usize..9,
        damage in vec(damage(), 1..5),
    ) {
        let w = world();
        let mut bytes = match which {
            0 | 1 => w.tiny_bundle.clone(),
            2..=4 => w.profiles[which - 2].clone(),
            5 | 6 => w.stocks[which - 5].clone(),
            _ => w.requests[which - 7].clone(),
        };
        for d in &damage {
            apply(&mut bytes, d);
        }
        every_decoder(&bytes);
        // A bundle that still loads ranks within the rules.
        if let Ok(e) = Engine::from_bundle(&bytes, Limits::default()) {
            let ids: Vec<String> = e.catalogue().products.info.iter().take(3).map(|p| p.id.clone()).collect();
            let req = RankRequest {
                visitor_id: "v".into(),
                session: Some(Session { viewed: ids.clone(), cart: ids[..ids.len().min(1)].to_vec(), current: None }),
                ..RankRequest::default()
            };
            match e.rank(&req, NOW) {
                Ok(res) => check_response(&e, &req, &res),
                Err(err) => coded(err.code(), "rank on a damaged bundle"),
            }
        }
    }

    #[test]
    fn random_requests_rank_within_the_rules_or_get_a_coded_error(s in spec()) {
        let w = world();
        let e = if s.strict { &w.strict } else { &w.engine };
        let profile = s.profile.as_ref().map(|p| build_profile(&w.bundle, p));
        let bytes = profile.as_ref().map(|p| encode_profile(p, &Limits::default()).expect("encodes"));
        let req = to_request(&s, bytes);

        // The glue's encoding reads back as the same request, or fails on the same number.
        let read = RankRequest::read(&mut Reader::new(&req.to_bytes(), "request"));
        let unreadable = s.now.is_some_and(|n| n > MAX_SAFE_INTEGER)
            || s.weights.iter().flatten().any(|(_, v)| !v.is_finite());
        match read {
            Ok(r) => { prop_assert!(!unreadable); prop_assert_eq!(&r, &req); }
            Err(err) => { prop_assert!(unreadable, "{}", err); prop_assert_eq!(err.code(), "E_INVALID_NUMBER"); }
        }

        let res = match (e.rank(&req, NOW), expected_error(&s)) {
            (Err(err), Some(code)) => { prop_assert_eq!(err.code(), code, "{}", err); return Ok(()); }
            (Err(err), None) => { prop_assert!(false, "refused a valid request: {}", err); unreachable!() }
            (Ok(_), Some(code)) => { prop_assert!(false, "accepted; expected {}", code); unreachable!() }
            (Ok(res), None) => res,
        };
        check_response(e, &req, &res);
        prop_assert_eq!(&e.rank(&req, NOW).unwrap(), &res, "the same request ranked differently");

        let limit = s.limit.map_or(12, |l| l as usize).min(e.limits().max_results);
        prop_assert!(res.items.len() <= limit);
        prop_assert_eq!(res.decision.now, s.now.unwrap_or(NOW));
        prop_assert_eq!(res.decision.stock_epoch, 1);
        let by_id: HashMap<&str, &Product> = w.bundle.products.iter().map(|p| (p.id.0.as_str(), p)).collect();
        let region = s.region.as_deref();
        for item in &res.items {
            let p = by_id[item.id.as_str()];
            prop_assert!(showable(w, p, region), "{} is out of stock in {:?}", item.id, region);
            prop_assert_eq!(e.product(&item.id).unwrap().stock, {
                let i = w.stock.item.iter().position(|id| *id == p.id);
                i.map(|i| w.stock.level[i] as i32)
            });
            prop_assert!(!w.bundle.rules.exclude.contains(&p.id), "{} excluded by the bundle", item.id);
        }
        match &profile {
            Some(p) if p.consent.personalization => {
                prop_assert_eq!(res.decision.profile_version, Some(p.version));
                for b in &p.purchases {
                    let durable = by_id.get(b.product.as_str()).is_some_and(|q| q.flags.contains(&Flag::Durable));
                    prop_assert!(!durable || res.items.iter().all(|i| i.id != b.product), "bought {} again", b.product);
                }
            }
            Some(_) => {
                // Without consent the profile counts for nothing at all.
                let mut bare = req.clone();
                bare.profile = None;
                prop_assert_eq!(&res, &e.rank(&bare, NOW).unwrap());
                prop_assert_eq!(res.decision.profile_version, None);
            }
            None => prop_assert_eq!(res.decision.profile_version, None),
        }
    }

    #[test]
    fn experiments_assign_every_visitor_once_per_experiment_without_failing(
        visitor in prop_oneof![3 => "[a-z0-9-]{0,12}", 1 => any::<String>()],
        attributes in vec((prop_oneof![3 => select(vec!["country", "deviceId", "id", "segment", "tags"]).prop_map(str::to_owned), 1 => any::<String>()], tree()), 0..6),
        docs in proptest::option::of(vec((select(vec!["id", "deviceId", "x"]), "[a-z0-9-]{0,8}", vec(("[a-z-]{1,16}(__[0-9])?", "[a-z0-9]{0,8}"), 0..4)), 0..4)),
        forced in vec((select(vec!["ranking-weights", "popular-first", "nope"]), 0u32..4), 0..3),
        url in proptest::option::of(prop_oneof![Just("https://x/?popular-first=1".to_owned()), any::<String>()]),
    ) {
        let w = world();
        let mut req = RankRequest { visitor_id: visitor.clone(), ..RankRequest::default() };
        req.attributes = Some(Value::Map(attributes.into_iter().map(|(k, v)| (st(&k), v)).collect()));
        req.sticky_buckets = docs.map(|d| d.into_iter().map(|(name, value, a)| vitrine::growthbook::StickyDoc {
            attribute_name: name.to_owned(),
            attribute_value: value,
            assignments: a,
        }).collect());
        req.forced_variations = forced.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        req.context = Some(Context { url, now: Some(NOW), ..Context::default() });
        let res = match w.engine.rank(&req, NOW) {
            Ok(res) => res,
            // Attribute values nested deeper than the reader allows, only.
            Err(err) => { prop_assert_eq!(err.code(), "E_TOO_DEEP", "{}", err); return Ok(()); }
        };
        prop_assert_eq!(res.assignments.len(), w.bundle.experiments.len());
        for (a, def) in res.assignments.iter().zip(&w.bundle.experiments) {
            prop_assert_eq!(&a.experiment, &def.key);
            prop_assert!((a.variant as usize) < def.variations.len());
            prop_assert!(a.in_experiment || a.variant == 0, "outside the experiment is the control");
            prop_assert!(!a.hash_used || a.in_experiment);
        }
        let assigned = w.engine.assign(&req).expect("assign reads what rank read");
        prop_assert_eq!(&assigned.assignments, &res.assignments);
        prop_assert_eq!(&assigned.sticky_buckets, &res.sticky_buckets);
        prop_assert_eq!(&w.engine.rank(&req, NOW).unwrap(), &res, "the same visitor assigned differently");
        prop_assert_eq!(res.sticky_buckets.is_some(), req.sticky_buckets.is_some());
        for d in res.sticky_buckets.iter().flatten() {
            // Only the visitor's own documents come back: its ids under the experiments'
            // hash and fallback attributes.
            prop_assert!(d.attribute_name == "id" || d.attribute_name == "deviceId", "{:?}", d);
        }
        // Hashing reads the UTF-16 form of the id: a visitor id never makes the engine fail.
        let by_id = RankRequest { visitor_id: visitor, ..RankRequest::default() };
        prop_assert!(w.engine.assign(&by_id).is_ok());
    }

    #[test]
    fn stock_epochs_only_move_forward_and_levels_follow_the_newest(
        steps in vec((1u64..12, any::<bool>(), vec((0usize..210, -5i64..50), 0..12), any::<bool>()), 1..10),
    ) {
        let w = world();
        let mut e = Engine::from_bundle(&w.bundle.to_bytes(), Limits::default()).unwrap();
        // The model: the newest epoch wins; a snapshot replaces everything, a delta what it lists.
        let mut epoch = 0;
        let mut own: HashMap<String, i64> = HashMap::new();
        let mut regional: HashMap<String, i64> = HashMap::new();
        for (k, (ep, full, entries, in_region)) in steps.iter().enumerate() {
            let mut seen = HashSet::new();
            let entries: Vec<(String, i64)> = entries
                .iter()
                .filter(|(i, _)| seen.insert(*i))
                .map(|&(i, l)| (testkit::product_id(i), l))
                .collect();
            let levels = Levels {
                item: entries.iter().map(|(id, _)| Id(id.clone())).collect(),
                level: entries.iter().map(|&(_, l)| l).collect(),
            };
            let mut wire = StockWire {
                kind: if *full { "stock" } else { "stockDelta" }.into(),
                schema: 1,
                epoch: *ep,
                as_of: NOW + k as u64,
                item: Vec::new(),
                level: Vec::new(),
                regions: BTreeMap::new(),
            };
            if *in_region {
                wire.regions.insert(REGION_WITH_STOCK.into(), levels);
            } else {
                wire.item = levels.item;
                wire.level = levels.level;
            }
            let applied = e.apply_stock(&wire.to_bytes()).expect("a valid snapshot");
            let unknown = entries.iter().filter(|(id, _)| w.bundle.products.iter().all(|p| p.id.0 != *id)).count();
            prop_assert_eq!(applied.unknown_ids, unknown);
            prop_assert_eq!(applied.changed, *ep > epoch);
            if *ep > epoch {
                epoch = *ep;
                if *full {
                    own.clear();
                    regional.clear();
                }
                let target = if *in_region { &mut regional } else { &mut own };
                for (id, l) in entries {
                    // Ids the catalogue does not have are skipped.
                    if w.bundle.products.iter().any(|p| p.id.0 == id) {
                        target.insert(id, l);
                    }
                }
            }
            prop_assert_eq!(applied.epoch, epoch);
            prop_assert_eq!(e.info().stock_epoch, epoch);
        }
        let stock: &StockTable = e.stock();
        let region = stock.region(REGION_WITH_STOCK);
        for (i, p) in w.bundle.products.iter().enumerate() {
            let id = &p.id.0;
            prop_assert_eq!(e.product(id).unwrap().stock, own.get(id).map(|&l| l as i32));
            let expected = regional.get(id).or(own.get(id)).map(|&l| l as i32);
            prop_assert_eq!(stock.level(i as u32, region), expected, "{} in {}", id, REGION_WITH_STOCK);
        }
        prop_assert_eq!(e.info().stock_known, own.len());
    }
}
