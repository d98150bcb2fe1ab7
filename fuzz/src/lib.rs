//! What the fuzz targets share: a base engine (the testkit's 200-product bundle with its
//! stock at epoch 1), what "a failed call changed nothing" means for it, the invariants
//! every rank response must hold, and valid inputs to seed each target's corpus.
//!
//! The targets feed arbitrary bytes to one decoder each; any panic, and any assertion
//! here, is a crash that libFuzzer keeps under `fuzz/artifacts/<target>/`.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;

use vitrine::bundle::Bundle;
use vitrine::codec::Value;
use vitrine::request::{Context, Session};
use vitrine::testkit::{self, Shape, NOW};
use vitrine::{Engine, EngineInfo, Limits, RankRequest, RankResponse};

/// The clock every target ranks at.
pub const CLOCK: u64 = NOW;

/// A failed call's error: a stable code, and a message that formats. Formatting every
/// error, not only a failing one, runs each `Display` on fuzzed values (numbers print
/// through the core's own shortest-digits code).
pub fn check_error(code: &str, message: &str) {
    assert!(code.starts_with("E_"), "{code}: {message}");
    assert!(!message.is_empty(), "{code} has an empty message");
}

/// The engine the stock, profile and request targets work on.
pub struct Base {
    pub bundle: Bundle,
    pub engine: Engine,
    /// Its state before any fuzzed input.
    pub state: State,
}

/// Everything observable about an engine: its summary, its whole stock table, and the
/// responses to a few fixed requests.
#[derive(Debug, PartialEq)]
pub struct State {
    info: EngineInfo,
    /// The stock table's `Debug` form: every level of every product and region.
    stock: String,
    probes: Vec<Result<RankResponse, String>>,
}

/// The observable state of `e`.
pub fn state(e: &Engine) -> State {
    State {
        info: e.info(),
        stock: format!("{:?}", e.stock()),
        probes: probes(e).iter().map(|r| e.rank(r, CLOCK).map_err(|err| err.to_string())).collect(),
    }
}

/// Fixed requests over whatever catalogue `e` holds: a cold start, and a session over its
/// first products in its first cohort's region.
pub fn probes(e: &Engine) -> Vec<RankRequest> {
    let cat = e.catalogue();
    let ids: Vec<String> = cat.products.info.iter().take(4).map(|p| p.id.clone()).collect();
    let region = cat.popularity.get(1).map(|p| p.name.clone());
    vec![
        RankRequest { visitor_id: "probe-cold".into(), ..RankRequest::default() },
        RankRequest {
            visitor_id: "probe-session".into(),
            profile: None,
            session: Some(Session {
                viewed: ids.iter().take(2).cloned().collect(),
                cart: ids.iter().skip(2).take(1).cloned().collect(),
                current: ids.get(3).cloned(),
            }),
            context: Some(Context {
                page: Some("home".into()),
                limit: Some(20),
                region,
                now: Some(CLOCK),
                exclude: Vec::new(),
                pin: ids.iter().rev().take(1).cloned().collect(),
                url: None,
            }),
            ..RankRequest::default()
        },
        // The experiments: targeting attributes and sticky bucketing.
        RankRequest {
            visitor_id: "probe-experiments".into(),
            attributes: Some(Value::Map(vec![(s("country"), s("uk"))])),
            sticky_buckets: Some(Vec::new()),
            ..RankRequest::default()
        },
    ]
}

/// The shared base engine, built once per process.
pub fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let bundle = testkit::bundle(&Shape::store(200), 7);
        let mut engine = Engine::from_bundle(&bundle.to_bytes(), Limits::default()).expect("testkit bundle");
        engine.apply_stock(&testkit::stock(&bundle, 1, NOW, 0.1, 1).to_bytes()).expect("testkit stock");
        let state = state(&engine);
        Base { bundle, engine, state }
    })
}

/// Asserts what every response must satisfy, whatever the request: at most `limit`
/// items (and at most `maxResults`), no duplicates, every item a product of the
/// catalogue that may be shown (in stock in the request's region, not excluded, not in
/// the cart, not the current product), at least one reason each, the category cap on
/// the items that are not pinned, and no later unpinned item scoring strictly higher.
pub fn check_response(e: &Engine, req: &RankRequest, res: &RankResponse) {
    let cat = e.catalogue();
    let ctx = req.context.clone().unwrap_or_default();
    let session = req.session.clone().unwrap_or_default();
    let limit = ctx.limit.map_or(cat.settings.limit, |l| l as usize).min(e.limits().max_results);
    assert!(res.items.len() <= limit, "{} items over a limit of {limit}", res.items.len());
    let region = ctx.region.as_deref().and_then(|r| e.stock().region(r));
    let mut seen = HashSet::new();
    let mut per_category: Vec<(String, usize, usize)> = Vec::new();
    let mut last_unpinned = f32::INFINITY;
    for item in &res.items {
        assert!(seen.insert(item.id.as_str()), "{} twice", item.id);
        assert!(!item.reasons.is_empty(), "{} has no reason", item.id);
        let p = cat.products.find(&item.id).expect("a catalogue product");
        assert!(e.stock().showable(cat, p, region).is_some(), "{} is not in stock", item.id);
        assert!(
            cat.products.hot[p as usize].flags & vitrine::catalogue::flags::EXCLUDED == 0,
            "{} is excluded by the bundle",
            item.id
        );
        assert!(!session.cart.contains(&item.id), "{} is in the cart", item.id);
        assert!(session.current.as_ref() != Some(&item.id), "{} is on the page", item.id);
        assert!(!ctx.exclude.contains(&item.id), "{} is excluded", item.id);
        let pinned = item.reasons == ["pinned"];
        let category = e.product(&item.id).expect("product").category;
        let slot = match per_category.iter().position(|c| c.0 == category) {
            Some(i) => i,
            None => {
                per_category.push((category, 0, 0));
                per_category.len() - 1
            }
        };
        if pinned {
            per_category[slot].1 += 1;
        } else {
            per_category[slot].2 += 1;
            // Order only: a NaN score compares as neither (finiteness is not checked here).
            let later_is_higher = item.score.partial_cmp(&last_unpinned) == Some(std::cmp::Ordering::Greater);
            assert!(!later_is_higher, "{} scores {} after {last_unpinned}", item.id, item.score);
            last_unpinned = item.score;
        }
    }
    let cap = cat.settings.max_per_category;
    for (category, pinned, unpinned) in per_category {
        assert!(
            unpinned <= cap.saturating_sub(pinned),
            "{unpinned} unpinned items of {category} with {pinned} pinned, cap {cap}"
        );
    }
}

fn s(v: &str) -> Value<'static> {
    Value::Str(Cow::Owned(v.to_owned()))
}

/// Valid inputs for each target, by target name.
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let b = &base().bundle;
    let mut out = Vec::new();
    // Bundles: tiny ones (a 200-product bundle is 100 KB, which slows every mutation
    // and reaches no more code): plain, with a nested experiment condition and other
    // optional sections, and an empty catalogue.
    let mut t = testkit::bundle(&Shape::tiny(), 3);
    out.push(("bundle", t.to_bytes()));
    t.experiments[0].condition =
        Some(Value::Map(vec![(s("$and"), Value::Array(vec![Value::Map(vec![(s("country"), s("uk"))])]))]));
    t.experiments[0].weights = vec![0.5, 0.5];
    t.experiments[0].coverage = Some(0.9);
    t.ranking.max_per_category = 2;
    t.weights.insert("margin".into(), 0.2);
    out.push(("bundle", t.to_bytes()));
    let mut empty = testkit::bundle(&Shape::tiny(), 3);
    empty.products.clear();
    empty.neighbours = None;
    empty.complements = None;
    empty.popularity = Default::default();
    empty.promotions.clear();
    empty.rules = Default::default();
    out.push(("bundle", empty.to_bytes()));

    // Profiles: small and large histories, with and without consent.
    for (k, (views, purchases, affinities)) in [(0, 0, 0), (5, 2, 4), (40, 20, 12)].into_iter().enumerate() {
        let mut p = testkit::profile(b, views, purchases, affinities, NOW, k as u64);
        if k == 1 {
            p.consent.personalization = false;
        }
        let bytes = vitrine::encode_profile(&p, &Limits::default()).expect("profile encodes");
        out.push(("profile", bytes));
    }

    // Stock: a newer snapshot, deltas (own and regional), one not newer than the base.
    out.push(("stock", testkit::stock(b, 2, NOW, 0.2, 2).to_bytes()));
    let mut delta = testkit::stock(b, 3, NOW, 0.5, 3);
    delta.kind = "stockDelta".into();
    delta.item.truncate(5);
    delta.level.truncate(5);
    out.push(("stock", delta.to_bytes()));
    out.push(("stock", testkit::stock(b, 1, NOW, 0.0, 4).to_bytes()));

    // Requests: with and without a profile, weights, pins and exclusions.
    let profile =
        vitrine::encode_profile(&testkit::profile(b, 5, 3, 4, NOW, 9), &Limits::default()).expect("profile encodes");
    let mut plain = testkit::request(b, 5, 8, None, NOW, 1);
    out.push(("request", plain.to_bytes()));
    out.push(("request", testkit::request(b, 12, 24, Some(profile), NOW, 2).to_bytes()));
    plain.weights = Some([("popularity".to_owned(), 2.0), ("margin".to_owned(), -0.5)].into());
    if let Some(c) = plain.context.as_mut() {
        c.pin = vec![testkit::product_id(10), "unknown".into()];
        c.exclude = vec![testkit::product_id(11)];
        c.page = Some("home".into());
    }
    out.push(("request", plain.to_bytes()));
    out.push(("request", (RankRequest { visitor_id: "v".into(), ..RankRequest::default() }).to_bytes()));
    // Experiments: attributes, sticky buckets (the visitor's and another's), forced
    // variations and a query-string override.
    let mut exp = testkit::request(b, 3, 8, None, NOW, 3);
    exp.attributes = Some(Value::Map(vec![(s("country"), s("ie")), (s("deviceId"), s("d-9"))]));
    exp.sticky_buckets = Some(vec![
        vitrine::growthbook::StickyDoc {
            attribute_name: "id".into(),
            attribute_value: exp.visitor_id.clone(),
            assignments: vec![("popular-first__0".into(), "popular".into())],
        },
        vitrine::growthbook::StickyDoc {
            attribute_name: "deviceId".into(),
            attribute_value: "d-1".into(),
            assignments: vec![],
        },
    ]);
    exp.forced_variations = [("ranking-weights".to_owned(), 1)].into();
    if let Some(c) = exp.context.as_mut() {
        c.url = Some("https://shop.example/?popular-first=1".into());
    }
    out.push(("request", exp.to_bytes()));
    out
}
