//! Snapshot formats: round trips, the profile's size budget, stock epochs, and bundles
//! written by another MessagePack writer.

mod common;

use common::*;
use serde_json::json;
use vitrine::profile::{PriceBand, Purchase, View};
use vitrine::{decode_profile, encode_profile, Engine, Limits, Profile};

#[test]
fn a_bundle_round_trips_and_describes_its_products() {
    let b = shop();
    let e = Engine::from_bundle(&b.to_bytes(), Limits::default()).unwrap();
    let info = e.info();
    assert_eq!((info.products, info.categories, info.promotions), (10, 6, 4));
    assert_eq!(info.bundle_version, "shop-1");
    assert_eq!(info.stock_epoch, 0);
    let tv = e.product("tv-55").unwrap();
    assert_eq!((tv.name.as_str(), tv.category.as_str(), tv.price), ("55in TV", "tv", 49_900));
    assert_eq!(tv.category_name, "TV");
    assert_eq!(tv.brand.as_deref(), Some("Lumo"));
    assert_eq!(tv.currency.as_deref(), Some("GBP"));
    assert!(tv.durable);
    assert_eq!(tv.stock, None);
    assert!(e.product("nope").is_none());
}

fn full_profile(id: impl Fn(usize) -> String) -> Profile {
    let mut p = profile();
    p.customer_id = "c98f30af45f97eca".into();
    p.version = 420;
    p.segment = Some("regular".into());
    p.cohort = Some("north".into());
    p.region = Some("uk".into());
    p.tier = Some(2);
    p.price_band = Some(PriceBand { low: 1_000, high: 30_000 });
    for i in 0..12 {
        p.category_affinity.insert(format!("c{}", 10 + i * 7), (i as f64 * 0.08).min(1.0));
    }
    for i in 0..4 {
        p.brand_affinity.insert(format!("brand{i}"), 0.25 * i as f64);
    }
    for i in 0..20 {
        p.recent_views.push(View { product: id(i), at: p.updated_at - (i as u64 * 7 + 3) * MINUTE });
        p.purchases.push(Purchase { product: id(100 + i), day: p.updated_at / DAY - i as u64 * 9 });
    }
    p
}

/// The budget from the issue: 20 recent views, 20 purchases and 16 affinities in at most
/// 512 bytes. Numeric ids are written as integers: 5-digit ids (Instacart's) and ids up
/// to 4,294,967,295 (most shop platforms') fit with room to spare. String ids cost their
/// length plus one byte each, so 6-character string ids land just over the budget; the
/// figures are printed for the README.
#[test]
fn a_typical_profile_fits_its_512_byte_budget() {
    let size = |p: &Profile| encode_profile(p, &Limits::default()).unwrap().len();
    let five = size(&full_profile(|i| format!("{}", 10_000 + i * 397)));
    let ten = size(&full_profile(|i| format!("{}", 4_000_000_000u64 + i as u64 * 397)));
    let strings = size(&full_profile(|i| format!("p{:05}", i * 397)));
    println!("profile bytes, 20 views + 20 purchases + 16 affinities: 5-digit ids {five}, 10-digit ids {ten}, 6-char string ids {strings}");
    assert!(five <= 512 && ten <= 512, "numeric ids: {five} and {ten} bytes");
    // Each string id costs 7 bytes: 40 of them are 280 of the 512.
    assert_eq!(strings - five, 40 * 7 - 40 * 3, "only the ids differ");
}

#[test]
fn a_profile_round_trips_to_the_minute_and_the_percent() {
    let mut p = full_profile(|i| format!("{}", 10_000 + i));
    p.category_affinity.insert("x".into(), 0.123_456);
    let bytes = encode_profile(&p, &Limits::default()).unwrap();
    let back = decode_profile(&bytes, &Limits::default()).unwrap();
    assert_eq!(back.customer_id, p.customer_id);
    assert_eq!(back.recent_views, p.recent_views, "times were whole minutes already");
    assert_eq!(back.purchases, p.purchases);
    assert_eq!(back.category_affinity["x"], 0.12, "kept to whole percent");
    assert_eq!((back.consent, back.tier, back.price_band), (p.consent, p.tier, p.price_band));
    // Encoding again gives the same bytes: the readable form is a fixed point.
    assert_eq!(encode_profile(&back, &Limits::default()).unwrap(), bytes);
}

#[test]
fn equal_times_keep_their_order_and_a_key_written_twice_keeps_the_later_value() {
    let mut p = profile();
    for v in ["c", "a", "b"] {
        viewed_before(&mut p, v, 5);
    }
    p.category_affinity.insert("24".into(), 0.35);
    p.category_affinity.insert("kettles".into(), 0.8);
    let bytes = encode_profile(&p, &Limits::default()).unwrap();
    let back = decode_profile(&bytes, &Limits::default()).unwrap();
    assert_eq!(back.recent_views.iter().map(|v| v.product.as_str()).collect::<Vec<_>>(), ["c", "a", "b"]);
    // Rewrite the key "kettles" as the integer 24: the map {24: 35, 24: 80}, which another
    // writer may produce.
    let kettles = [&[0xa7][..], b"kettles"].concat();
    let at = bytes.windows(kettles.len()).position(|w| w == kettles).unwrap();
    let twice = [&bytes[..at], &[0x18], &bytes[at + kettles.len()..]].concat();
    let back = decode_profile(&twice, &Limits::default()).unwrap();
    assert_eq!(back.category_affinity.len(), 1);
    assert_eq!(back.category_affinity["24"], 0.8);
}

#[test]
fn profile_views_and_purchases_are_stored_most_recent_first() {
    let mut p = profile();
    viewed_before(&mut p, "a", 30);
    viewed_before(&mut p, "b", 5);
    bought(&mut p, "x", 40);
    bought(&mut p, "y", 2);
    let back = decode_profile(&encode_profile(&p, &Limits::default()).unwrap(), &Limits::default()).unwrap();
    assert_eq!(back.recent_views.iter().map(|v| v.product.as_str()).collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(back.purchases.iter().map(|v| v.product.as_str()).collect::<Vec<_>>(), ["y", "x"]);
}

#[test]
fn profiles_that_contradict_themselves_are_refused() {
    let mut future = profile();
    viewed_before(&mut future, "a", 0);
    future.recent_views[0].at = future.updated_at + MINUTE;
    assert_eq!(encode_profile(&future, &Limits::default()).unwrap_err().code(), "E_INVALID_FIELD");
    let mut band = profile();
    band.price_band = Some(PriceBand { low: 10, high: 5 });
    assert_eq!(encode_profile(&band, &Limits::default()).unwrap_err().code(), "E_INVALID_FIELD");
    let mut affinity = profile();
    affinity.category_affinity.insert("tv".into(), 1.5);
    assert_eq!(encode_profile(&affinity, &Limits::default()).unwrap_err().code(), "E_INVALID_NUMBER");
}

#[test]
fn stock_epochs_only_move_forward() {
    let mut e = Engine::from_bundle(&shop().to_bytes(), Limits::default()).unwrap();
    let first = e.apply_stock(&stock(5, NOW, &[("kettle", 3)]).to_bytes()).unwrap();
    assert!(first.changed && first.epoch == 5);
    assert_eq!(e.product("kettle").unwrap().stock, Some(3));
    // An older or equal snapshot or delta is ignored, and says so.
    let old = e.apply_stock(&stock(4, NOW, &[("kettle", 99)]).to_bytes()).unwrap();
    assert!(!old.changed && old.epoch == 5);
    let same = e.apply_stock(&delta(5, NOW, &[("kettle", 99)], None).to_bytes()).unwrap();
    assert!(!same.changed);
    assert_eq!(e.product("kettle").unwrap().stock, Some(3));
    // A newer delta sets absolute levels for what it lists, nothing else.
    e.apply_stock(&delta(7, NOW, &[("kettle", 1)], None).to_bytes()).unwrap();
    assert_eq!(e.product("kettle").unwrap().stock, Some(1));
    assert_eq!(e.product("beans").unwrap().stock, Some(10));
    // A newer snapshot replaces everything: what it omits becomes unknown.
    e.apply_stock(&delta(8, NOW, &[], None).to_bytes()).unwrap();
    let mut s = stock(9, NOW, &[]);
    s.item.truncate(1);
    s.level.truncate(1);
    e.apply_stock(&s.to_bytes()).unwrap();
    assert_eq!(e.product("tv-55").unwrap().stock, Some(10));
    assert_eq!(e.product("kettle").unwrap().stock, None);
    assert_eq!(e.info().stock_epoch, 9);
}

#[test]
fn stock_for_unknown_products_is_counted_and_skipped() {
    let mut e = Engine::from_bundle(&shop().to_bytes(), Limits::default()).unwrap();
    let applied = e.apply_stock(&delta(1, NOW, &[("kettle", 2), ("discontinued", 5)], None).to_bytes()).unwrap();
    assert_eq!(applied.unknown_ids, 1);
    assert_eq!(e.info().stock_known, 1);
}

#[test]
fn bad_stock_changes_nothing() {
    let mut e = engine(&shop());
    let before = e.info();
    let cases = [
        (delta(2, NOW, &[("kettle", 1), ("kettle", 2)], None), "E_DUPLICATE_ID"),
        (delta(0, NOW, &[("kettle", 1)], None), "E_INVALID_NUMBER"),
        (delta(2, NOW, &[("kettle", 1i64 << 40)], None), "E_INVALID_NUMBER"),
        (delta(2, NOW, &[("kettle", 1)], Some("")), "E_INVALID_FIELD"),
    ];
    for (wire, code) in cases {
        assert_eq!(e.apply_stock(&wire.to_bytes()).unwrap_err().code(), code);
        assert_eq!(e.info(), before);
        assert_eq!(e.product("kettle").unwrap().stock, Some(10));
    }
}

/// A bundle as a generic MessagePack writer would produce it (here rmp-serde over a JSON
/// value: ids as strings, numbers as plain arrays rather than packed bins, fields in any
/// order, an unknown field) loads and ranks like ours.
#[test]
fn a_bundle_from_another_writer_loads() {
    let doc = json!({
        "version": "handmade-1",
        "note": "fields the reader does not know are skipped",
        "categories": [{ "id": "tv", "name": "TVs" }, { "id": 7, "name": "Audio" }],
        "products": [
            { "name": "TV", "id": "1001", "category": "tv", "price": 49900, "flags": ["durable"] },
            { "id": 1002, "name": "Soundbar", "category": "7", "price": 19900.0, "margin": 0.3 },
            { "id": "1003", "name": "Cable", "category": 7, "price": 999, "brand": null }
        ],
        "neighbours": { "from": [0, 0], "to": [1, 2], "weight": [0.5, 0.9] },
        "popularity": { "global": { "item": [2, 0], "score": [3, 10] }, "cohorts": { "uk": { "item": [1], "score": [1] } } },
        "ranking": { "limit": 5 },
        "schema": 1,
        "kind": "bundle"
    });
    let bytes = rmp_serde::to_vec_named(&doc).unwrap();
    let mut e = Engine::from_bundle(&bytes, Limits::default()).unwrap();
    let mut s = stock(1, NOW, &[]);
    s.item = ["1001", "1002", "1003"].map(|x| vitrine::codec::Id(x.into())).to_vec();
    s.level = vec![1, 1, 1];
    e.apply_stock(&s.to_bytes()).unwrap();
    let res = e.rank(&request(&[], &[], Some("1001")), NOW).unwrap();
    assert_eq!(ids(&res), ["1003", "1002"]);
    assert_eq!(reasons(&res, "1003")[0], "viewed:1001");
    assert_eq!(e.product("1002").unwrap().category, "7");
}

#[test]
fn bundle_errors_name_the_field() {
    let mut doc = json!({
        "kind": "bundle", "schema": 1, "version": "v",
        "categories": [{ "id": "tv", "name": "TVs" }],
        "products": [{ "id": "a", "name": "A", "category": "tv", "price": 1 }, { "id": "b", "name": "B", "category": "tv", "price": "cheap" }]
    });
    let e = Engine::from_bundle(&rmp_serde::to_vec_named(&doc).unwrap(), Limits::default()).unwrap_err();
    assert_eq!(e.code(), "E_INVALID_FIELD");
    assert_eq!(e.to_string(), "bundle.products[1].price: expected an integer, found a string");
    doc["products"][1]["price"] = json!(1);
    doc["products"][1]["category"] = json!("radio");
    let e = Engine::from_bundle(&rmp_serde::to_vec_named(&doc).unwrap(), Limits::default()).unwrap_err();
    assert_eq!(
        (e.code(), e.to_string().as_str()),
        ("E_UNKNOWN_REFERENCE", "bundle.products[1].category: unknown id \"radio\"")
    );
    doc["products"][1]["category"] = json!("tv");
    doc["ranking"] = json!({ "maxPerCategroy": 2 });
    let e = Engine::from_bundle(&rmp_serde::to_vec_named(&doc).unwrap(), Limits::default()).unwrap_err();
    assert!(e.to_string().contains("unknown field \"maxPerCategroy\""), "{e}");
    doc["ranking"] = json!({});
    doc["schema"] = json!(2);
    let e = Engine::from_bundle(&rmp_serde::to_vec_named(&doc).unwrap(), Limits::default()).unwrap_err();
    assert_eq!(e.code(), "E_SCHEMA_UNSUPPORTED");
    doc["schema"] = json!(1);
    doc["kind"] = json!("stock");
    let e = Engine::from_bundle(&rmp_serde::to_vec_named(&doc).unwrap(), Limits::default()).unwrap_err();
    assert_eq!(e.code(), "E_WRONG_KIND");
}

#[test]
fn engine_options_limits_apply() {
    let bytes = shop().to_bytes();
    let tight = Limits { max_bundle_bytes: bytes.len() - 1, ..Limits::default() };
    assert_eq!(Engine::from_bundle(&bytes, tight).unwrap_err().code(), "E_TOO_LARGE");
    let few = Limits { max_products: 9, ..Limits::default() };
    assert_eq!(Engine::from_bundle(&bytes, few).unwrap_err().code(), "E_LIMIT_EXCEEDED");
    let mut p = profile();
    for i in 0..5 {
        viewed_before(&mut p, &format!("p{i}"), 10 + i);
    }
    let small = Limits { max_profile_entries: 4, ..Limits::default() };
    assert_eq!(encode_profile(&p, &small).unwrap_err().code(), "E_LIMIT_EXCEEDED");
    let bytes = encode_profile(&p, &Limits::default()).unwrap();
    assert_eq!(decode_profile(&bytes, &small).unwrap_err().code(), "E_LIMIT_EXCEEDED");
    let mut e = Engine::from_bundle(&shop().to_bytes(), small).unwrap();
    e.apply_stock(&stock(1, NOW, &[]).to_bytes()).unwrap();
    let r = with_profile(request(&[], &[], None), &p);
    assert_eq!(e.rank(&r, NOW).unwrap_err().code(), "E_LIMIT_EXCEEDED", "the engine's limits apply to profiles");
}

#[test]
fn a_request_written_by_to_bytes_reads_back() {
    let mut r = with_profile(request(&["tv-43"], &["kettle"], Some("tv-55")), &profile());
    context(&mut r).exclude = vec!["hdmi".into()];
    r.weights = Some([("margin".to_owned(), 0.5)].into());
    let bytes = r.to_bytes();
    let back = vitrine::RankRequest::read(&mut vitrine::codec::Reader::new(&bytes, "request")).unwrap();
    assert_eq!(back, r);
}
