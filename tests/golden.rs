//! Golden decisions: a fixed catalogue, stock and set of requests, and the responses the
//! native build gives for them, committed under `tests/fixtures/golden/`. The wasm suites
//! (`pkg-tests/`) replay the same requests and must get the same bits, which is what lets a
//! decision made in a browser be replayed on the server.
//!
//! `UPDATE_GOLDEN=1 cargo test --features testkit --test golden` rewrites the files after an
//! intended change of behaviour; review the diff.

use std::path::PathBuf;

use serde_json::{json, Value};
use vitrine::request::{Context, RankRequest, Session};
use vitrine::testkit::{self, Shape, NOW};
use vitrine::{encode_profile, Engine, Limits};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden")
}

/// The requests, in the JSON shape the JavaScript API takes (profile bytes as an array).
fn requests(b: &vitrine::bundle::Bundle, stock: &vitrine::stock::StockWire) -> Vec<Value> {
    let profile = |seed: u64, personalization: bool| {
        let mut p = testkit::profile(b, 20, 20, 16, NOW, seed);
        p.consent.personalization = personalization;
        encode_profile(&p, &Limits::default()).expect("profile encodes")
    };
    let mut out = Vec::new();
    for k in 0..4u64 {
        let r = testkit::request(b, 3 + 2 * k as usize, 12, Some(profile(100 + k, k != 2)), NOW, 200 + k);
        let s = r.session.as_ref().expect("session");
        out.push(json!({
            "visitorId": r.visitor_id,
            "profile": r.profile,
            "session": { "viewed": s.viewed, "cart": s.cart, "current": s.current },
            "context": { "page": "product", "limit": 8 + k, "region": if k % 2 == 0 { "north" } else { "nowhere" }, "now": NOW },
        }));
    }
    out.push(json!({ "visitorId": "cold", "context": { "now": NOW } }));
    // A pin on a product that can be shown: in stock and not excluded by the bundle.
    let pin = (0..b.products.len())
        .map(testkit::product_id)
        .find(|id| {
            let i = stock.item.iter().position(|x| &x.0 == id).unwrap();
            stock.level[i] > 0 && !b.rules.exclude.iter().any(|x| &x.0 == id)
        })
        .unwrap();
    out.push(json!({ "visitorId": "home", "context": { "now": NOW, "page": "home", "limit": 5, "pin": [pin] } }));
    out.push(json!({
        "visitorId": "weights",
        "session": { "viewed": [testkit::product_id(1), testkit::product_id(2)] },
        "context": { "now": NOW, "exclude": [testkit::product_id(3)] },
        "weights": { "popularity": 0.0, "margin": 0.7, "stock": 0.25 },
    }));
    // Experiments: targeting on an attribute, sticky buckets (one of another visitor's,
    // never consumed), a query-string override, a forced variation, a non-ASCII visitor id
    // (hashed over UTF-16 code units) and a visitor known only by a fallback attribute.
    let viewed = [testkit::product_id(4), testkit::product_id(5)];
    out.push(json!({
        "visitorId": "exp-uk-1",
        "attributes": { "country": "uk", "deviceId": "d-1" },
        "stickyBuckets": [
            { "attributeName": "id", "attributeValue": "someone-else", "assignments": { "popular-first__0": "popular" } }
        ],
        "session": { "viewed": viewed },
        "context": { "now": NOW, "url": "https://shop.example/p/4?ranking-weights=1" },
    }));
    for (visitor, country) in [("exp-ie-2", "ie"), ("exp-uk-3", "uk"), ("visiteur-é-🛒", "uk"), ("exp-fr-4", "fr")] {
        out.push(json!({
            "visitorId": visitor,
            "attributes": { "country": country },
            "stickyBuckets": [],
            "session": { "viewed": viewed },
            "context": { "now": NOW },
        }));
    }
    out.push(json!({
        "visitorId": "exp-forced",
        "attributes": { "country": "fr" },
        "forcedVariations": { "popular-first": 1 },
        "session": { "viewed": viewed },
        "context": { "now": NOW },
    }));
    out.push(json!({
        "visitorId": "exp-sticky",
        "attributes": { "country": "uk" },
        "stickyBuckets": [
            { "attributeName": "id", "attributeValue": "exp-sticky", "assignments": { "popular-first__0": "popular" } }
        ],
        "session": { "viewed": viewed },
        "context": { "now": NOW },
    }));
    out
}

/// A JSON value as a MessagePack-model value.
fn value(v: &Value) -> vitrine::codec::Value<'static> {
    use vitrine::codec::Value as V;
    match v {
        Value::Null => V::Nil,
        Value::Bool(b) => V::Bool(*b),
        Value::Number(n) => {
            n.as_u64().map(V::UInt).or_else(|| n.as_i64().map(V::Int)).unwrap_or(V::Float(n.as_f64().unwrap()))
        }
        Value::String(s) => V::Str(s.clone().into()),
        Value::Array(a) => V::Array(a.iter().map(value).collect()),
        Value::Object(o) => V::Map(o.iter().map(|(k, x)| (V::Str(k.clone().into()), value(x))).collect()),
    }
}

/// A request from its JSON shape.
fn request(v: &Value) -> RankRequest {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect()).unwrap_or_default()
    };
    let c = &v["context"];
    RankRequest {
        visitor_id: v["visitorId"].as_str().unwrap().to_owned(),
        profile: v["profile"].as_array().map(|a| a.iter().map(|b| b.as_u64().unwrap() as u8).collect()),
        session: v.get("session").map(|s| Session {
            viewed: strings(&s["viewed"]),
            cart: strings(&s["cart"]),
            current: s["current"].as_str().map(str::to_owned),
        }),
        context: Some(Context {
            page: c["page"].as_str().map(str::to_owned),
            limit: c["limit"].as_u64().map(|n| n as u32),
            region: c["region"].as_str().map(str::to_owned),
            now: c["now"].as_u64(),
            exclude: strings(&c["exclude"]),
            pin: strings(&c["pin"]),
            url: c["url"].as_str().map(str::to_owned),
        }),
        weights: v["weights"].as_object().map(|w| w.iter().map(|(k, x)| (k.clone(), x.as_f64().unwrap())).collect()),
        attributes: v.get("attributes").map(value),
        sticky_buckets: v.get("stickyBuckets").map(|docs| {
            docs.as_array()
                .unwrap()
                .iter()
                .map(|d| vitrine::growthbook::StickyDoc {
                    attribute_name: d["attributeName"].as_str().unwrap().to_owned(),
                    attribute_value: d["attributeValue"].as_str().unwrap().to_owned(),
                    assignments: d["assignments"]
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, x)| (k.clone(), x.as_str().unwrap().to_owned()))
                        .collect(),
                })
                .collect()
        }),
        forced_variations: v["forcedVariations"]
            .as_object()
            .map(|o| o.iter().map(|(k, x)| (k.clone(), x.as_u64().unwrap() as u32)).collect())
            .unwrap_or_default(),
    }
}

#[test]
fn native_decisions_match_the_golden_files() {
    let bundle = testkit::bundle(&Shape::store(300), 11);
    let stock = testkit::stock(&bundle, 3, NOW, 0.15, 12);
    let (bundle_bytes, stock_bytes) = (bundle.to_bytes(), stock.to_bytes());
    let reqs = requests(&bundle, &stock);
    let mut engine = Engine::from_bundle(&bundle_bytes, Limits::default()).unwrap();
    engine.apply_stock(&stock_bytes).unwrap();
    let responses: Vec<Value> =
        reqs.iter().map(|r| serde_json::to_value(engine.rank(&request(r), 0).expect("ranks")).unwrap()).collect();
    let files = [
        ("bundle.msgpack", bundle_bytes),
        ("stock.msgpack", stock_bytes),
        ("requests.json", serde_json::to_vec_pretty(&reqs).unwrap()),
        ("responses.json", serde_json::to_vec_pretty(&responses).unwrap()),
    ];
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(dir()).unwrap();
        for (name, bytes) in &files {
            std::fs::write(dir().join(name), bytes).unwrap();
        }
    }
    for (name, bytes) in &files {
        let committed = std::fs::read(dir().join(name)).unwrap_or_default();
        assert!(committed == *bytes, "{name} differs from the committed golden file (UPDATE_GOLDEN=1 to rewrite)");
    }
    // The fixture exercises what it should: personalised and not, pins, exclusions, weights.
    assert!(responses.iter().all(|r| !r["items"].as_array().unwrap().is_empty()));
    assert!(responses[2]["decision"]["profileVersion"].is_null(), "no personalization consent");
    assert!(responses[0]["decision"]["profileVersion"].is_u64());
    assert_eq!(responses[5]["items"][0]["reasons"][0], "pinned");
    // ... and experiments: the query string forces ranking-weights for exp-uk-1, the
    // French visitor is outside popular-first, the forced one is in it without a hash.
    let assignment = |r: usize, e: usize| &responses[r]["assignments"][e];
    assert_eq!(assignment(7, 0)["variant"], 1);
    assert_eq!(assignment(7, 0)["hashUsed"], false);
    assert_eq!(assignment(11, 1)["inExperiment"], false);
    assert_eq!(
        (assignment(12, 1)["variant"].as_u64(), assignment(12, 1)["hashUsed"].as_bool()),
        (Some(1), Some(false))
    );
    assert_eq!(assignment(13, 1)["stickyBucketUsed"], true);
    assert!(responses[12]["stickyBuckets"].is_null(), "no documents given, none returned");
}
