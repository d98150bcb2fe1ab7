//! Bad input of every kind, for every decoder and every call: truncated, oversized,
//! wrong-kind, wrong-schema, wrong-typed and out-of-range input is refused with its stable
//! code (and, for a field, the field's path first in the message); unknown product ids
//! are skipped; an empty catalogue ranks to nothing; and a failed call leaves the engine
//! exactly as it was.
//!
//! Inputs are valid testkit snapshots edited as value trees ([`edit`]), so each test
//! breaks one thing in an otherwise valid snapshot, or JSON-like maps (`json!`) encoded
//! with rmp-serde. Run with `cargo test --features testkit --test bad_input`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt::Display;

use serde_json::json;
use vitrine::bundle::{Bundle, Pin};
use vitrine::codec::{Id, Path, Reader, Value};
use vitrine::error::{RequestError, SnapshotError};
use vitrine::profile::{Profile, Purchase, View};

use vitrine::stock::StockWire;
use vitrine::testkit::{self, Shape, NOW};
use vitrine::{decode_profile, encode_profile, Engine, EngineInfo, Error, Limits, RankRequest, RankResponse};

// ---------------------------------------------------------------------------------------
// Fixtures

fn tiny() -> Bundle {
    testkit::bundle(&Shape::tiny(), 3)
}

/// The testkit's stock for `b`, with three known levels in its first cohort's region.
fn stock_for(b: &Bundle, epoch: u64) -> StockWire {
    let mut w = testkit::stock(b, epoch, NOW, 0.1, epoch);
    let regional = w.regions.values_mut().next().expect("a region");
    regional.item = b.products[..3].iter().map(|p| p.id.clone()).collect();
    regional.level = vec![0, 2, 5];
    w
}

/// The bundle's engine with its stock at epoch 1.
fn engine_for(b: &Bundle, limits: Limits) -> Engine {
    let mut e = Engine::from_bundle(&b.to_bytes(), limits).expect("the fixture loads");
    e.apply_stock(&stock_for(b, 1).to_bytes()).expect("the fixture's stock applies");
    e
}

fn profile_for(b: &Bundle) -> Profile {
    testkit::profile(b, 6, 4, 6, NOW, 5)
}

fn profile_bytes(p: &Profile) -> Vec<u8> {
    encode_profile(p, &Limits::default()).expect("the fixture profile encodes")
}

fn request(b: &Bundle, profile: Option<Vec<u8>>) -> RankRequest {
    testkit::request(b, 4, 10, profile, NOW, 11)
}

/// Requests that between them reach every part of the ranking: a cold start, a session
/// in a regional cohort, a consented profile and bundle pins on the home page.
fn probes(b: &Bundle) -> Vec<RankRequest> {
    let mut home = request(b, Some(profile_bytes(&profile_for(b))));
    home.context.as_mut().expect("context").page = Some("home".into());
    vec![RankRequest { visitor_id: "cold".into(), ..RankRequest::default() }, request(b, None), home]
}

/// Everything observable about an engine: its summary, its full state (`Debug`) and
/// its answers to the probe requests.
#[derive(Debug, PartialEq)]
struct Observed {
    info: EngineInfo,
    state: String,
    answers: Vec<RankResponse>,
}

fn observe(e: &Engine, b: &Bundle) -> Observed {
    Observed {
        info: e.info(),
        state: format!("{e:?}"),
        answers: probes(b).iter().map(|r| e.rank(r, NOW).expect("a probe ranks")).collect(),
    }
}

// ---------------------------------------------------------------------------------------
// Editing snapshots as value trees

type Tree = Value<'static>;

fn tree(bytes: &[u8]) -> Tree {
    Reader::new(bytes, "fixture").value(32).expect("a fixture reads as a value").into_owned()
}

fn encode(t: &Tree) -> Vec<u8> {
    rmp_serde::to_vec(t).expect("a tree encodes")
}

fn st(s: &str) -> Tree {
    Value::Str(Cow::Owned(s.to_owned()))
}

fn map(entries: &[(&str, Tree)]) -> Tree {
    Value::Map(entries.iter().map(|(k, v)| (st(k), v.clone())).collect())
}

/// The entry of a map, added as nil when missing.
fn field<'t>(t: &'t mut Tree, key: &str) -> &'t mut Tree {
    let Value::Map(entries) = t else { panic!("{key}: not in a map") };
    let i = match entries.iter().position(|(k, _)| k.as_str() == Some(key)) {
        Some(i) => i,
        None => {
            entries.push((st(key), Value::Nil));
            entries.len() - 1
        }
    };
    &mut entries[i].1
}

/// The value at `path`, written as in error messages without the root
/// (`products[3].price`).
fn at<'t>(t: &'t mut Tree, path: &str) -> &'t mut Tree {
    let mut cur = t;
    for seg in path.split('.') {
        let (key, indexes) = seg.split_at(seg.find('[').unwrap_or(seg.len()));
        if !key.is_empty() {
            cur = field(cur, key);
        }
        for ix in indexes.split(']').filter(|s| !s.is_empty()) {
            let i: usize = ix.trim_start_matches('[').parse().expect("an index");
            cur = match cur {
                Value::Array(items) => &mut items[i],
                other => panic!("{path}: {} is not an array", other.kind()),
            };
        }
    }
    cur
}

/// `bytes` with the value at `path` replaced.
fn edit(bytes: &[u8], path: &str, v: Tree) -> Vec<u8> {
    let mut t = tree(bytes);
    *at(&mut t, path) = v;
    encode(&t)
}

/// `bytes` without the entry `key` of the map at `path` ("" for the top level).
fn without(bytes: &[u8], path: &str, key: &str) -> Vec<u8> {
    let mut t = tree(bytes);
    let m = if path.is_empty() { &mut t } else { at(&mut t, path) };
    let Value::Map(entries) = m else { panic!("{path}: not a map") };
    let before = entries.len();
    entries.retain(|(k, _)| k.as_str() != Some(key));
    assert_eq!(entries.len() + 1, before, "{path}.{key} was there");
    encode(&t)
}

/// Little-endian f32s as a packed `bin`.
fn packed_f32(v: &[f32]) -> Tree {
    Value::Bin(Cow::Owned(v.iter().flat_map(|x| x.to_le_bytes()).collect()))
}

// ---------------------------------------------------------------------------------------
// Checking errors

trait Coded: Display {
    fn code(&self) -> &'static str;
}

impl Coded for Error {
    fn code(&self) -> &'static str {
        Error::code(self)
    }
}

impl Coded for SnapshotError {
    fn code(&self) -> &'static str {
        SnapshotError::code(self)
    }
}

impl Coded for RequestError {
    fn code(&self) -> &'static str {
        RequestError::code(self)
    }
}

/// The message of an error that must have `code`.
#[track_caller]
fn refused<T, E: Coded>(r: Result<T, E>, code: &str) -> String {
    match r {
        Ok(_) => panic!("accepted; expected {code}"),
        Err(e) => {
            assert_eq!(e.code(), code, "{e}");
            e.to_string()
        }
    }
}

/// As [`refused`], and the message names `path` as the field at fault.
#[track_caller]
fn refused_at<T, E: Coded>(r: Result<T, E>, code: &str, path: &str) {
    let msg = refused(r, code);
    assert!(msg.contains(&format!("{path}: ")), "{path} not named in {msg:?}");
}

fn load(bytes: &[u8]) -> Result<Engine, Error> {
    Engine::from_bundle(bytes, Limits::default())
}

fn profile(bytes: &[u8]) -> Result<Profile, SnapshotError> {
    decode_profile(bytes, &Limits::default())
}

fn read_request(bytes: &[u8]) -> Result<RankRequest, RequestError> {
    RankRequest::read(&mut Reader::new(bytes, "request"))
}

fn json_bytes(v: serde_json::Value) -> Vec<u8> {
    rmp_serde::to_vec_named(&v).expect("json encodes")
}

// ---------------------------------------------------------------------------------------
// Truncation: every prefix of a valid input is refused, never read as something else

#[test]
fn every_prefix_of_a_bundle_is_refused_as_truncated() {
    let full = tiny().to_bytes();
    assert!(load(&full).is_ok());
    for len in 0..full.len() {
        let err = load(&full[..len]).err().unwrap_or_else(|| panic!("{len} bytes loaded"));
        assert_eq!(err.code(), "E_TRUNCATED", "prefix of {len} bytes: {err}");
    }
}

#[test]
fn every_prefix_of_a_profile_is_refused_as_truncated_by_both_readers() {
    let b = tiny();
    let e = engine_for(&b, Limits::default());
    let before = observe(&e, &b);
    let full = profile_bytes(&testkit::profile(&b, 5, 3, 4, NOW, 2));
    assert!(profile(&full).is_ok());
    for len in 0..full.len() {
        let cut = &full[..len];
        let err = profile(cut).expect_err("a prefix decoded");
        assert_eq!(err.code(), "E_TRUNCATED", "prefix of {len} bytes: {err}");
        // The same bytes in a rank request: the same code, and nothing changed.
        let ranked = e.rank(&request(&b, Some(cut.to_vec())), NOW);
        assert_eq!(refused(ranked, err.code()), format!("request profile: {err}"));
    }
    assert_eq!(observe(&e, &b), before);
}

#[test]
fn every_prefix_of_a_stock_snapshot_is_refused_and_changes_nothing() {
    let b = tiny();
    let mut e = engine_for(&b, Limits::default());
    let before = observe(&e, &b);
    let full = stock_for(&b, 2).to_bytes();
    for len in 0..full.len() {
        let err = e.apply_stock(&full[..len]).expect_err("a prefix applied");
        assert_eq!(err.code(), "E_TRUNCATED", "prefix of {len} bytes: {err}");
        assert_eq!(e.info(), before.info, "prefix of {len} bytes");
    }
    assert_eq!(observe(&e, &b), before);
    assert!(e.apply_stock(&full).expect("the whole snapshot").changed);
}

#[test]
fn every_prefix_of_a_request_is_refused() {
    let b = tiny();
    let mut req = request(&b, Some(profile_bytes(&profile_for(&b))));
    req.weights = Some([("margin".to_owned(), 0.5)].into());
    let full = req.to_bytes();
    assert_eq!(read_request(&full).expect("the whole request"), req);
    for len in 0..full.len() {
        // The request reader has one code for a malformed request, truncation included.
        refused(read_request(&full[..len]), "E_INVALID_REQUEST");
    }
}

#[test]
fn a_snapshot_cut_inside_its_top_level_map_is_reported_as_truncated() {
    let full = tiny().to_bytes();
    // Nothing at all, and the bundle's first byte alone (a map of 15 entries).
    let msg = refused(load(&[]), "E_TRUNCATED");
    assert!(msg.contains("ends early"), "{msg}");
    let msg = refused(load(&full[..1]), "E_TRUNCATED");
    assert!(!msg.contains("must be a map"), "{msg}");
    refused(profile(&[0x8a]), "E_TRUNCATED");
    refused(profile(&[]), "E_TRUNCATED");
}

// ---------------------------------------------------------------------------------------
// Size limits

#[test]
fn oversized_bundles_are_refused_by_every_limit() {
    let b = tiny();
    let bytes = b.to_bytes();
    let with = |l: Limits| Engine::from_bundle(&bytes, l);
    let exact = Limits { max_bundle_bytes: bytes.len(), ..Limits::default() };
    assert!(with(exact.clone()).is_ok(), "a bundle of exactly the limit loads");
    let msg = refused(with(Limits { max_bundle_bytes: bytes.len() - 1, ..exact }), "E_TOO_LARGE");
    assert!(msg.contains(&bytes.len().to_string()), "{msg}");
    let msg = refused(with(Limits { max_products: b.products.len() - 1, ..Limits::default() }), "E_LIMIT_EXCEEDED");
    assert!(msg.starts_with("bundle.products: 12 entries"), "{msg}");
    // The kind, "bundle", is 6 bytes.
    refused(with(Limits { max_string_bytes: 5, ..Limits::default() }), "E_LIMIT_EXCEEDED");
    let most_edges = (0..b.products.len() as u32)
        .map(|p| b.neighbours.as_ref().unwrap().from.iter().filter(|&&f| f == p).count())
        .max()
        .unwrap();
    let msg = refused(with(Limits { max_edges_per_product: most_edges - 1, ..Limits::default() }), "E_LIMIT_EXCEEDED");
    assert!(msg.starts_with("bundle.neighbours of product index"), "{msg}");
}

#[test]
fn a_deeply_nested_experiment_condition_is_refused_not_recursed_into() {
    let mut b = tiny();
    let mut cond = Value::Map(vec![(st("country"), st("uk"))]);
    for _ in 0..40 {
        cond = Value::Array(vec![cond]);
    }
    b.experiments[0].condition = Some(cond);
    refused(load(&b.to_bytes()), "E_TOO_DEEP");
    let mut shallow = tiny();
    // {"$or": [{"tags": ["x"]}]}: four levels.
    let tags = Value::Map(vec![(st("tags"), Value::Array(vec![st("x")]))]);
    shallow.experiments[0].condition = Some(Value::Map(vec![(st("$or"), Value::Array(vec![tags]))]));
    assert!(load(&shallow.to_bytes()).is_ok());
    let strict = Limits { max_depth: 1, ..Limits::default() };
    refused(Engine::from_bundle(&shallow.to_bytes(), strict), "E_TOO_DEEP");
}

#[test]
fn oversized_profiles_are_refused_alone_and_in_a_request() {
    let b = tiny();
    let p = testkit::profile(&b, 20, 5, 4, NOW, 3);
    let bytes = profile_bytes(&p);
    let small = Limits { max_profile_bytes: bytes.len() - 1, ..Limits::default() };
    refused(decode_profile(&bytes, &small), "E_TOO_LARGE");
    let few = Limits { max_profile_entries: 19, ..Limits::default() };
    let msg = refused(decode_profile(&bytes, &few), "E_LIMIT_EXCEEDED");
    assert!(msg.starts_with("profile.v: 20 entries"), "{msg}");
    // An engine's own limits apply to the profiles its requests carry.
    let e = engine_for(&b, few);
    refused(e.rank(&request(&b, Some(bytes.clone())), NOW), "E_LIMIT_EXCEEDED");
    let e = engine_for(&b, small);
    refused(e.rank(&request(&b, Some(bytes)), NOW), "E_TOO_LARGE");
}

#[test]
fn an_oversized_stock_snapshot_is_refused_and_changes_nothing() {
    let b = tiny();
    let bytes = stock_for(&b, 2).to_bytes();
    let limits = Limits { max_stock_bytes: bytes.len() - 1, ..Limits::default() };
    let mut e = Engine::from_bundle(&b.to_bytes(), limits).unwrap();
    let mut first = stock_for(&b, 1);
    first.item.truncate(4);
    first.level.truncate(4);
    e.apply_stock(&first.to_bytes()).expect("a small snapshot fits");
    let before = observe(&e, &b);
    refused(e.apply_stock(&bytes), "E_TOO_LARGE");
    assert_eq!(observe(&e, &b), before);
}

#[test]
fn request_sizes_are_clamped_to_the_limits_as_documented() {
    let b = testkit::bundle(&Shape::store(200), 7);
    let e = engine_for(&b, Limits { max_results: 5, max_session_items: 3, ..Limits::default() });
    let mut req = request(&b, None);
    req.context.as_mut().unwrap().limit = Some(u32::MAX);
    let res = e.rank(&req, NOW).expect("a huge limit is clamped, not refused");
    assert_eq!(res.items.len(), 5);
    // Views beyond maxSessionItems: the oldest are dropped, the most recent kept.
    let viewed: Vec<String> = (0..10).map(|i| testkit::product_id(i * 17)).collect();
    let mut long = request(&b, None);
    long.session.as_mut().unwrap().viewed = viewed.clone();
    let mut recent = long.clone();
    recent.session.as_mut().unwrap().viewed = viewed[7..].to_vec();
    assert_eq!(e.rank(&long, NOW).unwrap(), e.rank(&recent, NOW).unwrap());
}

// ---------------------------------------------------------------------------------------
// Kinds and schemas

#[test]
fn a_snapshot_of_another_kind_is_named_as_such() {
    let b = tiny();
    let bundle = b.to_bytes();
    let stock = stock_for(&b, 2).to_bytes();
    let prof = profile_bytes(&profile_for(&b));
    let msg = refused(load(&stock), "E_WRONG_KIND");
    assert!(msg.contains("expected a bundle snapshot, found kind \"stock\""), "{msg}");
    let mut delta = stock_for(&b, 2);
    delta.kind = "stockDelta".into();
    refused(load(&delta.to_bytes()), "E_WRONG_KIND");
    // A profile has no kind key.
    let msg = refused(load(&prof), "E_WRONG_KIND");
    assert!(msg.contains("<missing>"), "{msg}");
    refused(load(&edit(&bundle, "kind", Value::UInt(1))), "E_WRONG_KIND");

    let mut e = engine_for(&b, Limits::default());
    let before = observe(&e, &b);
    let msg = refused(e.apply_stock(&bundle), "E_WRONG_KIND");
    assert!(msg.contains("found kind \"bundle\""), "{msg}");
    refused(e.apply_stock(&prof), "E_WRONG_KIND");
    refused(e.apply_stock(&edit(&stock, "kind", st("stocks"))), "E_WRONG_KIND");
    assert_eq!(observe(&e, &b), before);

    // Profiles carry no kind: other snapshots lack its schema key ("s").
    refused(profile(&bundle), "E_SCHEMA_UNSUPPORTED");
    refused(profile(&stock), "E_SCHEMA_UNSUPPORTED");
    // Not a map at all.
    for bytes in [vec![0x93, 1, 2, 3], vec![0xa3, b'a', b'b', b'c'], vec![0xc0]] {
        refused_at(load(&bytes), "E_INVALID_FIELD", "bundle");
        refused_at(profile(&bytes), "E_INVALID_FIELD", "profile");
        refused_at(e.apply_stock(&bytes), "E_INVALID_FIELD", "stock");
        refused(read_request(&bytes), "E_INVALID_REQUEST");
    }
}

#[test]
fn an_unknown_or_missing_schema_is_refused() {
    let b = tiny();
    let bundle = b.to_bytes();
    for v in [Value::UInt(2), Value::UInt(0), st("1"), Value::Float(1.5)] {
        refused(load(&edit(&bundle, "schema", v)), "E_SCHEMA_UNSUPPORTED");
    }
    let msg = refused(load(&without(&bundle, "", "schema")), "E_SCHEMA_UNSUPPORTED");
    assert!(msg.contains("missing"), "{msg}");
    let stock = stock_for(&b, 2).to_bytes();
    let mut e = engine_for(&b, Limits::default());
    let before = observe(&e, &b);
    refused(e.apply_stock(&edit(&stock, "schema", Value::UInt(99))), "E_SCHEMA_UNSUPPORTED");
    refused(e.apply_stock(&without(&stock, "", "schema")), "E_SCHEMA_UNSUPPORTED");
    assert_eq!(observe(&e, &b), before);
    let prof = profile_bytes(&profile_for(&b));
    refused(profile(&edit(&prof, "s", Value::UInt(2))), "E_SCHEMA_UNSUPPORTED");
    refused(profile(&without(&prof, "", "s")), "E_SCHEMA_UNSUPPORTED");
    refused(e.rank(&request(&b, Some(edit(&prof, "s", Value::UInt(2)))), NOW), "E_SCHEMA_UNSUPPORTED");
}

// ---------------------------------------------------------------------------------------
// Wrong types and missing fields: E_INVALID_FIELD, naming the field

#[test]
fn wrong_types_in_a_bundle_name_the_field() {
    let bundle = tiny().to_bytes();
    // (what is replaced, by what, the path the error names)
    let cases: Vec<(&str, Tree, &str)> = vec![
        ("version", Value::UInt(3), "version"),
        ("products[3].price", st("12.99"), "products[3].price"),
        ("products[3].price", Value::Bool(true), "products[3].price"),
        ("products[1].name", Value::UInt(7), "products[1].name"),
        ("products[0].id", Value::Float(1.5), "products[0].id"),
        ("products[0].id", st(""), "products[0].id"),
        ("products[2].flags", st("durable"), "products[2].flags"),
        ("products[2].flags", Value::Array(vec![st("shiny")]), "products[2].flags[0]"),
        ("products[4].brand", Value::Array(vec![]), "products[4].brand"),
        ("categories[2].parent", Value::Bool(false), "categories[2].parent"),
        ("categories", Value::Map(vec![]), "categories"),
        ("neighbours.weight", st("heavy"), "neighbours.weight"),
        ("neighbours.from", Value::Array(vec![st("p00001")]), "neighbours.from[0]"),
        ("popularity.global.item", Value::UInt(1), "popularity.global.item"),
        ("promotions[0].value", st("100"), "promotions[0].value"),
        ("promotions[1].newCustomer", Value::UInt(1), "promotions[1].newCustomer"),
        ("experiments[0].namespace", Value::Array(vec![st("ns"), Value::Float(0.1)]), "experiments[0].namespace"),
        ("ranking.limit", st("ten"), "ranking.limit"),
        ("ranking.remindViewed", Value::UInt(1), "ranking.remindViewed"),
        // A misspelt setting would do nothing without a word: refused, named by its map.
        ("ranking.limt", Value::UInt(10), "ranking"),
        ("rules.pins[0].position", st("top"), "rules.pins[0].position"),
        ("rules.exclude[1]", Value::Map(vec![]), "rules.exclude[1]"),
    ];
    for (path, v, named) in cases {
        let err = load(&edit(&bundle, path, v)).err().unwrap_or_else(|| panic!("{path}"));
        assert_eq!(err.code(), "E_INVALID_FIELD", "{path}: {err}");
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("bundle.{named}: ")), "{path}: {msg}");
    }
    let msg = refused(load(&without(&bundle, "products[3]", "price")), "E_INVALID_FIELD");
    assert_eq!(msg, "bundle.products[3].price: missing");
    let msg = refused(load(&without(&bundle, "", "version")), "E_INVALID_FIELD");
    assert_eq!(msg, "bundle.version: missing");
    // Invalid UTF-8 in a name.
    let bad = edit(&bundle, "products[5].name", st("ok"));
    let mut bytes = bad.clone();
    let at = bad.windows(3).position(|w| w == [0xa2, b'o', b'k']).unwrap();
    bytes[at + 1] = 0xff;
    refused_at(load(&bytes), "E_INVALID_FIELD", "bundle.products[5].name");
}

#[test]
fn bundles_that_refer_to_what_they_do_not_define_are_refused() {
    let bundle = tiny().to_bytes();
    refused_at(
        load(&edit(&bundle, "products[3].category", st("no-such-category"))),
        "E_UNKNOWN_REFERENCE",
        "bundle.products[3].category",
    );
    refused_at(
        load(&edit(&bundle, "rules.exclude[0]", st("no-such-product"))),
        "E_UNKNOWN_REFERENCE",
        "bundle.rules.exclude[0]",
    );
    refused_at(
        load(&edit(&bundle, "promotions[1].products", Value::Array(vec![st("nope")]))),
        "E_UNKNOWN_REFERENCE",
        "bundle.promotions[1].products[0]",
    );
    refused_at(load(&edit(&bundle, "products[4].id", st("p00003"))), "E_DUPLICATE_ID", "bundle.products[4].id");
    let msg = refused(load(&edit(&bundle, "categories[0].parent", st("c0"))), "E_CATEGORY_CYCLE");
    assert!(msg.contains("\"d0\"") || msg.contains("\"c0\""), "{msg}");
    let mut t = tree(&bundle);
    let Value::Bin(to) = at(&mut t, "neighbours.to") else { panic!("packed") };
    to.to_mut()[0..4].copy_from_slice(&999u32.to_le_bytes());
    refused_at(load(&encode(&t)), "E_INDEX_OUT_OF_RANGE", "bundle.neighbours.to[0]");
    refused(load(&edit(&bundle, "neighbours.weight", packed_f32(&[0.5]))), "E_LENGTH_MISMATCH");
}

#[test]
fn wrong_types_in_a_profile_name_the_field() {
    let b = tiny();
    let prof = profile_bytes(&profile_for(&b));
    let cases: Vec<(&str, Tree)> = vec![
        ("t", st("yesterday")),
        ("n", Value::Array(vec![])),
        ("c", Value::Bool(true)),
        ("g", Value::UInt(1)),
        ("v[1]", Value::Map(vec![])),
        ("v", st("p00001")),
        ("w[0]", st("5")),
        ("q", Value::Array(vec![Value::UInt(1)])),
        ("id", Value::Array(vec![])),
    ];
    for (path, v) in cases {
        let err = profile(&edit(&prof, path, v)).expect_err(path);
        assert_eq!(err.code(), "E_INVALID_FIELD", "{path}: {err}");
        assert!(err.to_string().starts_with(&format!("profile.{path}: ")), "{path}: {err}");
    }
    let msg = refused(profile(&without(&prof, "", "id")), "E_INVALID_FIELD");
    assert_eq!(msg, "profile.id: missing");
    refused_at(
        profile(&edit(&prof, "q", Value::Array(vec![Value::UInt(9), Value::UInt(1)]))),
        "E_INVALID_FIELD",
        "profile.q",
    );
    // Views and their times are parallel arrays.
    let mut t = tree(&prof);
    let Value::Array(w) = at(&mut t, "w") else { panic!("w") };
    w.pop();
    refused_at(profile(&encode(&t)), "E_LENGTH_MISMATCH", "profile.v/w");
}

#[test]
fn wrong_types_in_stock_name_the_field_and_change_nothing() {
    let b = tiny();
    let mut e = engine_for(&b, Limits::default());
    let before = observe(&e, &b);
    let stock = stock_for(&b, 2).to_bytes();
    let region = b.popularity.cohorts.keys().next().unwrap().clone();
    let cases: Vec<(String, Tree)> = vec![
        ("level[2]".into(), st("7")),
        ("item[1]".into(), Value::Bool(true)),
        ("item".into(), st("p00001")),
        ("epoch".into(), st("2")),
        ("asOf".into(), Value::Array(vec![])),
        (format!("regions.{region}.level[0]"), Value::Map(vec![])),
        ("regions".into(), Value::Array(vec![])),
    ];
    for (path, v) in cases {
        let err = e.apply_stock(&edit(&stock, &path, v)).expect_err(&path);
        assert_eq!(err.code(), "E_INVALID_FIELD", "{path}: {err}");
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("stock.{path}: ")), "{path}: {msg}");
    }
    refused_at(e.apply_stock(&without(&stock, "", "epoch")), "E_INVALID_FIELD", "stock.epoch");
    assert_eq!(observe(&e, &b), before);
}

#[test]
fn wrong_types_in_a_request_name_the_field() {
    let cases = [
        (json!({"visitorId": 7}), "request.visitorId"),
        (json!({"visitorId": "v", "context": {"limit": "ten"}}), "request.context.limit"),
        (json!({"visitorId": "v", "context": {"limt": 10}}), "request.context"),
        (json!({"visitorId": "v", "context": []}), "request.context"),
        (json!({"visitorId": "v", "session": {"viewed": ["p00001", true]}}), "request.session.viewed[1]"),
        (json!({"visitorId": "v", "session": {"viewed": "p00001"}}), "request.session.viewed"),
        (json!({"visitorId": "v", "session": {"cart": [""]}}), "request.session.cart[0]"),
        (json!({"visitorId": "v", "session": {"current": 1.5}}), "request.session.current"),
        (json!({"visitorId": "v", "profile": "c-1"}), "request.profile"),
        (json!({"visitorId": "v", "profile": [1, 2]}), "request.profile"),
        (json!({"visitorId": "v", "weights": {"margin": "high"}}), "request.weights.margin"),
        (json!({"visitorId": "v", "weights": [1]}), "request.weights"),
        (json!({"visitorId": "v", "extra": 1}), "request"),
        (json!({"visitorId": "v", "context": {"exclude": [{}]}}), "request.context.exclude[0]"),
        (json!({}), "request.visitorId"),
        (json!({"visitorId": "v", "attributes": ["uk"]}), "request.attributes"),
        (json!({"visitorId": "v", "attributes": "country=uk"}), "request.attributes"),
        (json!({"visitorId": "v", "stickyBuckets": {"id||v": {}}}), "request.stickyBuckets"),
        (
            json!({"visitorId": "v", "stickyBuckets": [{"attributeName": "id"}]}),
            "request.stickyBuckets[0].attributeValue",
        ),
        (
            json!({"visitorId": "v", "stickyBuckets": [{"attributeName": "id", "attributeValue": "v", "assignments": {"e__0": 1}}]}),
            "request.stickyBuckets[0].assignments.e__0",
        ),
        (
            json!({"visitorId": "v", "stickyBuckets": [{"attributeName": "id", "attributeValue": "v", "x": 1}]}),
            "request.stickyBuckets[0]",
        ),
        (json!({"visitorId": "v", "forcedVariations": {"e": "1"}}), "request.forcedVariations.e"),
        (json!({"visitorId": "v", "context": {"url": 5}}), "request.context.url"),
    ];
    for (v, path) in cases {
        let r = read_request(&json_bytes(v.clone()));
        let msg = refused(r, "E_INVALID_REQUEST");
        assert!(msg.contains(&format!("{path}: ")), "{v}: {msg}");
    }
    // Integers stand for their decimal form wherever an id goes.
    let r = read_request(&json_bytes(json!({"visitorId": "v", "session": {"viewed": [49688]}})));
    assert_eq!(r.unwrap().session.unwrap().viewed, ["49688"]);
}

// ---------------------------------------------------------------------------------------
// Numbers: NaN, infinite, negative, fractional and huge

const NOT_FINITE: [f64; 3] = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY];

#[test]
fn bad_numbers_in_a_bundle_are_refused_with_their_path() {
    let bundle = tiny().to_bytes();
    let price = "bundle.products[3].price";
    for v in [Value::Int(-1), Value::Float(12.5), Value::Float(f64::NAN), Value::UInt(1 << 60), Value::Float(1e300)] {
        refused_at(load(&edit(&bundle, "products[3].price", v)), "E_INVALID_NUMBER", price);
    }
    let margin = "bundle.products[3].margin";
    for x in NOT_FINITE.into_iter().chain([-0.1, 1.5, 1e300]) {
        refused_at(load(&edit(&bundle, "products[3].margin", Value::Float(x))), "E_INVALID_NUMBER", margin);
    }
    for x in NOT_FINITE.into_iter().chain([1e7, -1e7, 1e300]) {
        refused_at(
            load(&edit(&bundle, "weights.similarity", Value::Float(x))),
            "E_INVALID_NUMBER",
            "bundle.weights.similarity",
        );
    }
    refused(load(&edit(&bundle, "weights.similarty", Value::Float(1.0))), "E_UNKNOWN_WEIGHT");
    let mut b = tiny();
    let n = b.neighbours.as_ref().unwrap().weight.len();
    for bad in [f32::NAN, f32::INFINITY, -0.5] {
        let mut w = vec![0.5; n];
        w[n - 1] = bad;
        refused_at(
            load(&edit(&bundle, "neighbours.weight", packed_f32(&w))),
            "E_INVALID_NUMBER",
            &format!("bundle.neighbours.weight[{}]", n - 1),
        );
    }
    // An f64 beyond f32's range in an unpacked array becomes infinite: refused too.
    let unpacked = Value::Array(vec![Value::Float(1e300); n]);
    refused(load(&edit(&bundle, "neighbours.weight", unpacked)), "E_INVALID_NUMBER");
    let m = b.popularity.global.score.len();
    let mut s = vec![1.0; m];
    s[0] = -3.0;
    refused_at(
        load(&edit(&bundle, "popularity.global.score", packed_f32(&s))),
        "E_INVALID_NUMBER",
        "bundle.popularity.global.score[0]",
    );
    for (path, v) in [
        ("ranking.sessionHalfLife", Value::Float(0.0)),
        ("ranking.sessionHalfLife", Value::Float(-1.0)),
        ("ranking.sessionHalfLife", Value::Float(f64::NAN)),
        ("ranking.historyHalfLifeHours", Value::Float(1e300)),
        ("ranking.historyFactor", Value::Float(-0.5)),
        ("ranking.repeatHalfCount", Value::Float(0.0)),
        ("ranking.limit", Value::UInt(5000)),
        ("ranking.limit", Value::Int(-1)),
        ("ranking.maxPerCategory", Value::UInt(0)),
        ("ranking.stockDepth", Value::UInt(1 << 40)),
        ("promotions[0].rate", Value::Float(1.5)),
        ("promotions[0].value", Value::Float(-1.0)),
        ("promotions[0].value", Value::Float(f64::INFINITY)),
        ("promotions[0].stockThreshold", Value::Int(-3)),
        ("promotions[0].stockThreshold", Value::UInt(1 << 40)),
        ("promotions[0].minTier", Value::UInt(256)),
        ("experiments[0].coverage", Value::Float(1.5)),
        ("experiments[0].hashVersion", Value::UInt(3)),
        ("createdAt", Value::Int(-5)),
    ] {
        let err = load(&edit(&bundle, path, v)).err().unwrap_or_else(|| panic!("{path}"));
        assert_eq!(err.code(), "E_INVALID_NUMBER", "{path}: {err}");
        assert!(err.to_string().starts_with(&format!("bundle.{path}: ")), "{path}: {err}");
    }
    // What the numbers refuse is named, and values at the edges still load.
    b.products[3].margin = Some(1.0);
    b.products[3].price = (1 << 53) - 1;
    b.weights.insert("similarity".into(), 1e6);
    b.weights.insert("margin".into(), -1e6);
    assert!(load(&b.to_bytes()).is_ok());
}

#[test]
fn bad_numbers_in_a_profile_are_refused_alone_and_in_a_request() {
    let b = tiny();
    let e = engine_for(&b, Limits::default());
    let before = observe(&e, &b);
    let prof = profile_bytes(&profile_for(&b));
    let affinity = {
        let t = tree(&prof);
        let Some(Value::Map(a)) = t.get("a") else { panic!("affinities") };
        a[0].0.as_str().map(str::to_owned).expect("a category id")
    };
    for (path, v) in [
        ("t", Value::Int(-1)),
        ("t", Value::UInt(1 << 60)),
        ("t", Value::Float(f64::NAN)),
        ("t", Value::Float(28_333_333.5)),
        ("n", Value::UInt(1 << 54)),
        ("n", Value::Float(f64::INFINITY)),
        ("c", Value::UInt(256)),
        ("l", Value::Int(-1)),
        ("w[0]", Value::Int(-2)),
        ("w[0]", Value::UInt(1 << 60)),
        ("d[0]", Value::Float(0.5)),
        ("q[1]", Value::UInt(1 << 54)),
    ] {
        let bad = edit(&prof, path, v);
        let err = profile(&bad).expect_err(path);
        assert_eq!(err.code(), "E_INVALID_NUMBER", "{path}: {err}");
        assert!(err.to_string().starts_with(&format!("profile.{path}: ")), "{path}: {err}");
        refused(e.rank(&request(&b, Some(bad)), NOW), "E_INVALID_NUMBER");
    }
    refused_at(
        profile(&edit(&prof, &format!("a.{affinity}"), Value::UInt(101))),
        "E_INVALID_NUMBER",
        &format!("profile.a.{affinity}"),
    );
    // Gaps that reach back before 1970.
    refused(profile(&edit(&prof, "w[2]", Value::UInt(30_000_000))), "E_INVALID_NUMBER");
    refused(profile(&edit(&prof, "d[1]", Value::UInt(30_000_000))), "E_INVALID_NUMBER");
    assert_eq!(observe(&e, &b), before);
}

#[test]
fn bad_numbers_in_stock_are_refused_and_change_nothing() {
    let b = tiny();
    let mut e = engine_for(&b, Limits::default());
    let before = observe(&e, &b);
    let stock = stock_for(&b, 2).to_bytes();
    let last = b.products.len() - 1;
    for (path, v) in [
        (format!("level[{last}]"), Value::Float(1.5)),
        (format!("level[{last}]"), Value::Float(f64::NAN)),
        (format!("level[{last}]"), Value::Float(f64::INFINITY)),
        (format!("level[{last}]"), Value::UInt(1 << 40)),
        (format!("level[{last}]"), Value::Int(-(1 << 40))),
        // The one 32-bit value the table keeps for "unknown".
        (format!("level[{last}]"), Value::Int(i64::from(i32::MIN))),
        (format!("level[{last}]"), Value::UInt(u64::MAX)),
        ("epoch".to_owned(), Value::UInt(0)),
        ("epoch".to_owned(), Value::UInt(1 << 60)),
        ("epoch".to_owned(), Value::Int(-2)),
        ("asOf".to_owned(), Value::UInt(1 << 60)),
        ("asOf".to_owned(), Value::Float(f64::NAN)),
    ] {
        let err = e.apply_stock(&edit(&stock, &path, v)).expect_err(&path);
        assert_eq!(err.code(), "E_INVALID_NUMBER", "{path}: {err}");
        assert!(err.to_string().starts_with(&format!("stock.{path}: ")), "{path}: {err}");
        assert_eq!(e.info(), before.info, "{path}");
    }
    assert_eq!(observe(&e, &b), before);
    // A negative level is data (oversold), not an error: the product is out of stock.
    let first = b.products[0].id.0.clone();
    let applied = e.apply_stock(&edit(&stock, "level[0]", Value::Int(-3))).expect("a negative level");
    assert!(applied.changed);
    assert_eq!(e.product(&first).unwrap().stock, Some(-3));
}

#[test]
fn bad_numbers_in_a_request_are_refused() {
    let b = tiny();
    let e = engine_for(&b, Limits::default());
    let before = observe(&e, &b);
    let base = request(&b, None);
    // Natively built requests: weights and times are checked by `rank`.
    for x in NOT_FINITE.into_iter().chain([1e6 + 1.0, -1e7, f64::MAX]) {
        let mut r = base.clone();
        r.weights = Some([("stock".to_owned(), x)].into());
        refused_at(e.rank(&r, NOW), "E_INVALID_NUMBER", "weights.stock");
    }
    let mut r = base.clone();
    r.weights = Some([("stok".to_owned(), 1.0)].into());
    refused(e.rank(&r, NOW), "E_UNKNOWN_WEIGHT");
    let mut r = base.clone();
    r.context.as_mut().unwrap().now = Some(u64::MAX);
    refused_at(e.rank(&r, NOW), "E_INVALID_NUMBER", "context.now");
    r.context.as_mut().unwrap().now = None;
    refused_at(e.rank(&r, u64::MAX), "E_INVALID_NUMBER", "context.now");
    refused(e.rank(&r, 1 << 53), "E_INVALID_NUMBER");
    assert!(e.rank(&r, (1 << 53) - 1).is_ok(), "the largest safe time ranks");
    // Requests as the JavaScript glue packs them.
    let ctx = |k: &str, v: Tree| map(&[("visitorId", st("v")), ("context", map(&[(k, v)]))]);
    for (k, v) in [
        ("limit", Value::Int(-1)),
        ("limit", Value::Float(2.5)),
        ("limit", Value::UInt(1 << 40)),
        ("limit", Value::Float(f64::NAN)),
        ("now", Value::UInt(1 << 60)),
        ("now", Value::Int(-1)),
        ("now", Value::Float(f64::INFINITY)),
    ] {
        let r = read_request(&encode(&ctx(k, v)));
        refused_at(r, "E_INVALID_NUMBER", &format!("request.context.{k}"));
    }
    for x in NOT_FINITE {
        let t = map(&[("visitorId", st("v")), ("weights", map(&[("margin", Value::Float(x))]))]);
        refused_at(read_request(&encode(&t)), "E_INVALID_NUMBER", "request.weights.margin");
    }
    // Read fine, refused by rank: out of the allowed range.
    let t = map(&[("visitorId", st("v")), ("weights", map(&[("margin", Value::Float(2e6))]))]);
    let r = read_request(&encode(&t)).expect("a finite weight reads");
    refused(e.rank(&r, NOW), "E_INVALID_NUMBER");
    assert_eq!(observe(&e, &b), before);
}

#[test]
fn bad_numbers_in_limits_are_refused() {
    let read = |t: Tree| Limits::read(&mut Reader::new(&encode(&t), "options"), &Path::root("limits"));
    for v in
        [Value::Int(-1), Value::Float(1.5), Value::Float(f64::NAN), Value::Float(f64::INFINITY), Value::UInt(1 << 40)]
    {
        refused_at(read(map(&[("maxResults", v)])), "E_INVALID_NUMBER", "limits.maxResults");
    }
    let msg = refused(read(map(&[("maxResult", Value::UInt(5))])), "E_INVALID_FIELD");
    assert!(msg.contains("unknown field \"maxResult\""), "{msg}");
    let l = read(map(&[("maxResults", Value::UInt(5)), ("maxDepth", Value::Nil)])).unwrap();
    assert_eq!(l, Limits { max_results: 5, ..Limits::default() });
}

// ---------------------------------------------------------------------------------------
// Unknown product ids are skipped; an empty catalogue ranks to nothing

#[test]
fn unknown_ids_in_stock_are_skipped_and_counted() {
    let b = tiny();
    let mut e = engine_for(&b, Limits::default());
    let (p1, p2) = (b.products[1].id.0.clone(), b.products[2].id.0.clone());
    let mut delta = stock_for(&b, 2);
    delta.kind = "stockDelta".into();
    delta.item = vec![Id(p1.clone()), Id("nope".into()), Id(p2.clone()), Id("nope".into())];
    delta.level = vec![41, 7, 0, 8];
    let region = b.popularity.cohorts.keys().next().unwrap().clone();
    delta.regions.get_mut(&region).unwrap().item.push(Id("gone".into()));
    delta.regions.get_mut(&region).unwrap().level.push(3);
    let applied = e.apply_stock(&delta.to_bytes()).expect("unknown ids are skipped");
    assert_eq!((applied.epoch, applied.changed, applied.unknown_ids), (2, true, 3));
    assert_eq!(e.product(&p1).unwrap().stock, Some(41));
    assert_eq!(e.product(&p2).unwrap().stock, Some(0));
    assert_eq!(e.product("nope"), None);
}

#[test]
fn unknown_ids_in_a_session_and_context_change_nothing() {
    let b = testkit::bundle(&Shape::store(200), 7);
    let e = engine_for(&b, Limits::default());
    let known = request(&b, None);
    let mut with = known.clone();
    let s = with.session.as_mut().unwrap();
    s.viewed.insert(1, "no-such-product".into());
    s.viewed.push("49688".into());
    s.cart.push("gone".into());
    let c = with.context.as_mut().unwrap();
    c.exclude.push("nope".into());
    c.pin.push("nope".into());
    assert_eq!(e.rank(&with, NOW).unwrap(), e.rank(&known, NOW).unwrap());
    // An unknown current product is the same as none.
    let mut a = known.clone();
    a.session.as_mut().unwrap().current = Some("nope".into());
    let mut n = known.clone();
    n.session.as_mut().unwrap().current = None;
    assert_eq!(e.rank(&a, NOW).unwrap(), e.rank(&n, NOW).unwrap());
}

#[test]
fn unknown_ids_in_a_profile_change_nothing() {
    let b = testkit::bundle(&Shape::store(200), 7);
    let e = engine_for(&b, Limits::default());
    let p = profile_for(&b);
    let mut q = p.clone();
    let at = q.recent_views[1].at;
    q.recent_views.push(View { product: "no-such-product".into(), at });
    q.purchases.push(Purchase { product: "gone".into(), day: q.purchases[0].day });
    q.category_affinity.insert("no-such-category".into(), 1.0);
    q.brand_affinity.insert("no-such-brand".into(), 1.0);
    let known = e.rank(&request(&b, Some(profile_bytes(&p))), NOW).unwrap();
    let with = e.rank(&request(&b, Some(profile_bytes(&q))), NOW).unwrap();
    assert_eq!(with, known);
    assert_eq!(with.decision.profile_version, Some(p.version));
}

fn empty_catalogue() -> Bundle {
    let mut b = tiny();
    b.products.clear();
    b.neighbours = None;
    b.complements = None;
    b.popularity = Default::default();
    b.promotions.clear();
    b.rules = Default::default();
    b
}

#[test]
fn an_empty_catalogue_ranks_to_no_items() {
    let b = empty_catalogue();
    let mut e = Engine::from_bundle(&b.to_bytes(), Limits::default()).expect("empty loads");
    assert_eq!(e.info().products, 0);
    let shop = tiny();
    let mut full = request(&shop, Some(profile_bytes(&profile_for(&shop))));
    full.context.as_mut().unwrap().pin = vec![shop.products[0].id.0.clone()];
    for req in [RankRequest::default(), full.clone()] {
        let res = e.rank(&req, NOW).expect("an empty catalogue ranks");
        assert!(res.items.is_empty() && res.promotions.is_empty(), "{res:?}");
    }
    // Its stock: every id unknown, so nothing is known, but the epoch moves on.
    let applied = e.apply_stock(&stock_for(&shop, 1).to_bytes()).unwrap();
    assert_eq!(
        applied.unknown_ids,
        shop.products.len() + stock_for(&shop, 1).regions.values().map(|l| l.item.len()).sum::<usize>()
    );
    assert_eq!((e.info().stock_epoch, e.info().stock_known), (1, 0));
    assert!(e.rank(&full, NOW).unwrap().items.is_empty());
    // With no categories either.
    let mut bare = b.clone();
    bare.categories.clear();
    let e = Engine::from_bundle(&bare.to_bytes(), Limits::default()).expect("bare loads");
    assert!(e.rank(&full, NOW).unwrap().items.is_empty());
}

#[test]
fn a_bundle_pin_or_exclusion_in_an_empty_catalogue_is_a_dangling_reference() {
    let mut b = empty_catalogue();
    b.rules.pins = vec![Pin { product: Id("p00001".into()), position: 0, page: None }];
    refused(load(&b.to_bytes()), "E_UNKNOWN_REFERENCE");
}

// ---------------------------------------------------------------------------------------
// A failed call leaves the engine as it was

#[test]
fn a_refused_stock_input_changes_nothing_even_after_valid_entries() {
    let b = tiny();
    let mut e = engine_for(&b, Limits::default());
    let before = observe(&e, &b);
    let good = stock_for(&b, 2);
    let region = good.regions.keys().next().unwrap().clone();
    let bytes = good.to_bytes();
    let dup = {
        let mut w = good.clone();
        w.item.push(w.item[0].clone());
        w.level.push(3);
        w.to_bytes()
    };
    let mismatch = {
        let mut w = good.clone();
        w.level.pop();
        w.to_bytes()
    };
    let empty_region = {
        let mut w = good.clone();
        let l = w.regions.remove(&region).unwrap();
        w.regions.insert(String::new(), l);
        w.to_bytes()
    };
    let bad_region_level = {
        let mut w = good.clone();
        w.regions.get_mut(&region).unwrap().level[0] = 1 << 40;
        w.to_bytes()
    };
    let region_mismatch = {
        let mut w = good.clone();
        w.regions.get_mut(&region).unwrap().level.push(1);
        w.to_bytes()
    };
    let trailing = {
        let mut v = bytes.clone();
        v.push(0xc0);
        v
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a duplicate id after valid entries", dup, "E_DUPLICATE_ID"),
        ("items and levels of different lengths", mismatch, "E_LENGTH_MISMATCH"),
        ("an empty region name", empty_region, "E_INVALID_FIELD"),
        ("a regional level out of range", bad_region_level, "E_INVALID_NUMBER"),
        ("a region's lengths differ", region_mismatch, "E_LENGTH_MISMATCH"),
        ("bytes after the snapshot", trailing, "E_MALFORMED"),
        ("a reserved marker", vec![0x81, 0xc1, 0x00], "E_MALFORMED"),
    ];
    for (what, input, code) in cases {
        let err = e.apply_stock(&input).expect_err(what);
        assert_eq!(err.code(), code, "{what}: {err}");
        assert_eq!(observe(&e, &b), before, "{what} changed the engine");
    }
    // Not newer than the current epoch: accepted, ignored.
    let mut old = stock_for(&b, 1);
    old.level.iter_mut().for_each(|l| *l = 0);
    let applied = e.apply_stock(&old.to_bytes()).unwrap();
    assert_eq!((applied.epoch, applied.changed), (1, false));
    assert_eq!(observe(&e, &b), before);
    // A bad input is refused even when it is old (it would be refused when new).
    let mut old_bad = old.clone();
    old_bad.level.pop();
    refused(e.apply_stock(&old_bad.to_bytes()), "E_LENGTH_MISMATCH");
    assert_eq!(observe(&e, &b), before);
    // And the valid snapshot still applies afterwards.
    assert!(e.apply_stock(&bytes).unwrap().changed);
    assert_ne!(observe(&e, &b), before);
}

#[test]
fn a_failed_rank_changes_nothing() {
    let b = testkit::bundle(&Shape::store(200), 7);
    let e = engine_for(&b, Limits::default());
    let before = observe(&e, &b);
    let prof = profile_bytes(&profile_for(&b));
    let good = request(&b, Some(prof.clone()));
    let first = e.rank(&good, NOW).unwrap();
    let mut failing = Vec::new();
    let mut r = good.clone();
    r.profile = Some(prof[..prof.len() / 2].to_vec());
    failing.push(r);
    let mut r = good.clone();
    r.profile = Some(edit(&prof, "t", Value::Float(f64::NAN)));
    failing.push(r);
    let mut r = good.clone();
    r.weights = Some([("similarity".to_owned(), 1.0), ("margin".to_owned(), f64::NAN)].into());
    failing.push(r);
    let mut r = good.clone();
    r.weights = Some([("margin".to_owned(), 1.0), ("zzz".to_owned(), 1.0)].into());
    failing.push(r);
    let mut r = good.clone();
    r.context.as_mut().unwrap().now = Some(1 << 60);
    failing.push(r);
    for r in &failing {
        assert!(e.rank(r, NOW).is_err());
        assert_eq!(e.rank(&good, NOW).unwrap(), first, "a failed rank changed the next one");
    }
    assert_eq!(observe(&e, &b), before);
}

// ---------------------------------------------------------------------------------------
// Core bugs, kept failing until fixed (run with `--ignored`)

#[test]

fn huge_edge_weights_are_refused_or_keep_scores_finite() {
    let mut b = tiny();
    let n = b.neighbours.as_ref().unwrap().weight.len();
    b.neighbours.as_mut().unwrap().weight = vec![3e38; n].into();
    let c = b.complements.as_ref().unwrap().weight.len();
    b.complements.as_mut().unwrap().weight = vec![3e38; c].into();
    let Ok(mut e) = Engine::from_bundle(&b.to_bytes(), Limits::default()) else {
        return; // refusing such weights at load is a fix too
    };
    e.apply_stock(&stock_for(&b, 1).to_bytes()).unwrap();
    let mut r = request(&b, None);
    // Both weights are inside the allowed range (|w| <= 1e6).
    r.weights = Some([("similarity".to_owned(), 2.0), ("complement".to_owned(), -2.0)].into());
    let res = e.rank(&r, NOW).unwrap();
    assert!(!res.items.is_empty());
    for item in &res.items {
        assert!(item.score.is_finite(), "{} scores {}", item.id, item.score);
    }
}

/// The largest single allocation `f` makes on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|l| l.set(0));
    TRACKING.with(|t| t.set(true));
    let out = f();
    TRACKING.with(|t| t.set(false));
    (out, LARGEST.with(Cell::get))
}

/// A bundle whose `key` list claims `n` entries, each an empty map (one byte).
fn claiming(key: &str, n: usize) -> Vec<u8> {
    let mut out = encode(&map(&[("kind", st("bundle")), ("schema", Value::UInt(1)), ("version", st("v"))]));
    out[0] += 1; // one more entry
    out.extend(encode(&st(key)));
    out.push(0xdd);
    out.extend((n as u32).to_be_bytes());
    out.resize(out.len() + n, 0x80);
    out
}

#[test]
fn a_valid_bundle_reserves_little_more_than_its_size() {
    // The bound the next test holds hostile input to, met by real bundles.
    for b in [tiny(), testkit::bundle(&Shape::store(200), 7)] {
        let bytes = b.to_bytes();
        let (r, largest) = largest_allocation(|| load(&bytes));
        assert!(r.is_ok());
        assert!(largest <= 16 * bytes.len(), "a {} byte bundle reserved {largest} bytes at once", bytes.len());
    }
}

#[test]

fn a_list_reserves_no_more_than_its_bytes_can_hold() {
    // wasm32's address space is 4 GiB and a Vec at most isize::MAX (2 GiB): with the
    // default 64 MiB bundle limit, any decoder that reserves 32 bytes or more per input
    // byte can be made to trap the module. Native element sizes are larger than wasm32's
    // (pointers are 8 bytes), so 16 bytes per input byte here is a fair bound.
    for key in ["products", "promotions", "experiments", "categories"] {
        let input = claiming(key, 200_000);
        let (r, largest) = largest_allocation(|| load(&input));
        refused(r, "E_INVALID_FIELD");
        assert!(largest <= 16 * input.len(), "{key}: a {} byte bundle reserved {largest} bytes at once", input.len());
    }
}

#[test]

fn a_huge_limit_costs_no_more_than_the_candidates() {
    let b = tiny();
    // What an operator's `{ limits: { maxResults: 4294967295 } }` gives.
    let options = encode(&map(&[("maxResults", Value::UInt(u64::from(u32::MAX)))]));
    let limits = Limits::read(&mut Reader::new(&options, "options"), &Path::root("limits")).expect("accepted");
    assert_eq!(limits.max_results, u32::MAX as usize);
    // A smaller limit keeps this test's own footprint to 100 MB if the bug is there.
    let e = engine_for(&b, Limits { max_results: 8_000_000, ..limits });
    let mut r = request(&b, None);
    r.context.as_mut().unwrap().limit = Some(8_000_000);
    let (res, largest) = largest_allocation(|| e.rank(&r, NOW));
    assert!(res.unwrap().items.len() <= b.products.len());
    assert!(largest < 1 << 20, "one request reserved {largest} bytes at once");
}

// ---------------------------------------------------------------------------------------
// Allocation tracking for the tests above: natively a huge reservation is only virtual
// memory, so the tests measure it instead of waiting for a wasm32 trap.

struct Tracking;

thread_local! {
    static TRACKING: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = TRACKING.try_with(|t| {
        if t.get() {
            let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
        }
    });
}

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

// ---------------------------------------------------------------------------------------
// Encoding requests as the JavaScript glue does

// ---------------------------------------------------------------------------------------
// Experiments: definitions that would misbehave per request are refused when loading

#[test]
fn bad_experiment_definitions_are_refused_with_their_path() {
    let bundle = tiny().to_bytes();
    let or_not_array = map(&[("$or", map(&[("country", st("uk"))]))]);
    let cases: Vec<(&str, Tree, &str, &str)> = vec![
        ("experiments[1].condition", or_not_array, "E_INVALID_FIELD", "experiments[1].condition"),
        ("experiments[1].condition", st("country=uk"), "E_INVALID_FIELD", "experiments[1].condition"),
        ("experiments[1].parentConditions", Value::Array(vec![]), "E_INVALID_FIELD", "experiments[1].parentConditions"),
        ("experiments[1].urlPatterns", Value::Array(vec![]), "E_INVALID_FIELD", "experiments[1].urlPatterns"),
        ("experiments[1].hashAtribute", st("id"), "E_INVALID_FIELD", "experiments[1]"),
        (
            "experiments[1].weights",
            Value::Array(vec![Value::Float(0.5), Value::Float(0.2)]),
            "E_INVALID_NUMBER",
            "experiments[1].weights",
        ),
        ("experiments[1].force", Value::UInt(2), "E_INVALID_NUMBER", "experiments[1].force"),
        ("experiments[1].status", st("paused"), "E_INVALID_FIELD", "experiments[1].status"),
        (
            "experiments[1].ranges",
            Value::Array(vec![Value::Array(vec![Value::Float(0.0), Value::Float(0.5)])]),
            "E_LENGTH_MISMATCH",
            "experiments[1].ranges/variations",
        ),
        (
            "experiments[1].ranges",
            Value::Array(vec![
                Value::Array(vec![Value::Float(0.5), Value::Float(0.1)]),
                Value::Array(vec![Value::Float(0.5), Value::Float(1.0)]),
            ]),
            "E_INVALID_FIELD",
            "experiments[1].ranges[0]",
        ),
        (
            "experiments[1].filters",
            Value::Array(vec![map(&[("seed", st("s"))])]),
            "E_INVALID_FIELD",
            "experiments[1].filters[0].ranges",
        ),
        ("experiments[1].variations[1].key", st("control"), "E_DUPLICATE_ID", "experiments[1].variations[1].key"),
        (
            "experiments[1].variations[1].weights",
            map(&[("popularty", Value::Float(1.0))]),
            "E_UNKNOWN_WEIGHT",
            "experiments[1].variations[1].weights",
        ),
        ("experiments[1].variations[1].colour", st("red"), "E_INVALID_FIELD", "experiments[1].variations[1]"),
        ("experiments[1].key", st("ranking-weights"), "E_DUPLICATE_ID", "experiments[1].key"),
        ("savedGroups", map(&[("vips", st("c-1"))]), "E_INVALID_FIELD", "savedGroups.vips"),
    ];
    for (path, v, code, named) in cases {
        let err = load(&edit(&bundle, path, v)).err().unwrap_or_else(|| panic!("{path} accepted"));
        assert_eq!(err.code(), code, "{path}: {err}");
        assert!(err.to_string().contains(&format!("bundle.{named}")), "{path}: {err}");
    }
}

#[test]
fn a_regex_that_does_not_compile_loads_and_tests_false_as_in_growthbook() {
    // GrowthBook evaluates an invalid pattern as a failed test; refusing the bundle would
    // make an experiment that works in every other SDK fail to load here.
    let bundle = tiny().to_bytes();
    let cond = map(&[("country", map(&[("$regex", st("(uk"))]))]);
    let e = load(&edit(&bundle, "experiments[1].condition", cond)).expect("loads");
    let mut r = request(&tiny(), None);
    r.attributes = Some(map(&[("country", st("(uk"))]));
    let res = e.rank(&r, NOW).expect("ranks");
    assert!(!res.assignments[1].in_experiment);
}
