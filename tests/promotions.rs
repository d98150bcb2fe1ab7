//! Promotions: eligibility, the stock gate (levels and staleness), exclusivity groups, the
//! cap per response, expected-value order and what consent allows.

mod common;

use common::*;
use vitrine::bundle::Promotion;
use vitrine::codec::Id;
use vitrine::{Engine, Limits, RankResponse};

fn promo_ids(res: &RankResponse) -> Vec<&str> {
    res.promotions.iter().map(|p| p.id.as_str()).collect()
}

fn vip() -> vitrine::Profile {
    let mut p = profile();
    p.segment = Some("vip".into());
    bought(&mut p, "hdmi", 100);
    p
}

#[test]
fn untargeted_promotions_show_for_anyone_in_order_of_expected_value() {
    let e = engine(&shop());
    let res = e.rank(&request(&[], &[], None), NOW).unwrap();
    // kettle-deal: 0.2 x 300 = 60; the others need a cart value, a segment or a new customer.
    assert_eq!(promo_ids(&res), ["kettle-deal"]);
    assert_eq!(res.promotions[0].products, ["kettle"]);
    assert_eq!(res.promotions[0].reason, "all");
}

#[test]
fn cart_value_makes_a_promotion_eligible() {
    let e = engine(&shop());
    let below = e.rank(&request(&[], &["tv-43"], None), NOW).unwrap();
    assert!(!promo_ids(&below).contains(&"sound-deal"), "29,900 is below 30,000");
    let above = e.rank(&request(&[], &["tv-55"], None), NOW).unwrap();
    let shown = above.promotions.iter().find(|p| p.id == "sound-deal").expect("sound-deal shown");
    assert_eq!(shown.reason, "cart-value");
}

#[test]
fn segments_need_marketing_consent() {
    let e = engine(&shop());
    let res = e.rank(&with_profile(request(&[], &[], None), &vip()), NOW).unwrap();
    // vip-coffee (0.05 x 2000 = 100) beats kettle-deal (60) in the kitchen group.
    assert_eq!(promo_ids(&res), ["vip-coffee"]);
    assert_eq!(res.promotions[0].reason, "segment:vip");
    let mut no_marketing = vip();
    no_marketing.consent.marketing = false;
    let res = e.rank(&with_profile(request(&[], &[], None), &no_marketing), NOW).unwrap();
    assert_eq!(promo_ids(&res), ["kettle-deal"], "no targeting without marketing consent");
}

#[test]
fn new_customer_offers_need_a_profile_with_no_purchase() {
    let e = engine(&shop());
    let res = e.rank(&with_profile(request(&[], &[], None), &profile()), NOW).unwrap();
    assert!(promo_ids(&res).contains(&"welcome"), "{:?}", promo_ids(&res));
    let res = e.rank(&with_profile(request(&[], &[], None), &vip()), NOW).unwrap();
    assert!(!promo_ids(&res).contains(&"welcome"));
    let anonymous = e.rank(&request(&[], &[], None), NOW).unwrap();
    assert!(!promo_ids(&anonymous).contains(&"welcome"), "no profile, no targeting");
}

#[test]
fn every_promoted_product_must_clear_the_stock_threshold() {
    let mut b = shop();
    b.promotions[2].stock_threshold = Some(5);
    let mut e = engine(&b);
    e.apply_stock(&delta(2, NOW, &[("kettle", 4)], None).to_bytes()).unwrap();
    assert!(!promo_ids(&e.rank(&request(&[], &[], None), NOW).unwrap()).contains(&"kettle-deal"));
    e.apply_stock(&delta(3, NOW, &[("kettle", 5)], None).to_bytes()).unwrap();
    assert!(promo_ids(&e.rank(&request(&[], &[], None), NOW).unwrap()).contains(&"kettle-deal"));
}

#[test]
fn stale_stock_hides_offers_until_fresh_data_arrives() {
    let mut b = shop();
    b.promotions[2].max_stock_age_ms = Some(10 * MINUTE);
    let mut e = Engine::from_bundle(&b.to_bytes(), Limits::default()).unwrap();
    assert!(e.rank(&request(&[], &[], None), NOW).unwrap().promotions.is_empty(), "no stock yet");
    e.apply_stock(&stock(1, NOW - 11 * MINUTE, &[]).to_bytes()).unwrap();
    assert!(promo_ids(&e.rank(&request(&[], &[], None), NOW).unwrap()).is_empty(), "11 minutes old");
    e.apply_stock(&delta(2, NOW - MINUTE, &[], None).to_bytes()).unwrap();
    assert_eq!(promo_ids(&e.rank(&request(&[], &[], None), NOW).unwrap()), ["kettle-deal"]);
}

#[test]
fn one_per_exclusivity_group_and_at_most_the_cap() {
    let mut b = shop();
    for (i, product) in ["beans", "descaler", "gift-card"].iter().enumerate() {
        b.promotions.push(Promotion {
            id: format!("extra-{i}"),
            products: vec![Id((*product).into())],
            value: 10.0 * (i + 1) as f64,
            ..Promotion::default()
        });
    }
    let e = engine(&b);
    let res = e.rank(&request(&[], &["tv-65"], None), NOW).unwrap();
    assert_eq!(res.promotions.len(), 2, "the default cap");
    // sound-deal 0.1 x 500 = 50 (x relevance), kettle-deal 60, extra-2 30, extra-1 20...
    let groups: Vec<_> = res.promotions.iter().map(|p| p.id.as_str()).collect();
    assert!(groups.contains(&"kettle-deal") && groups.contains(&"sound-deal"), "{groups:?}");
    b.ranking.promotion_cap = 5;
    let e = engine(&b);
    let res = e.rank(&with_profile(request(&[], &["tv-65"], None), &vip()), NOW).unwrap();
    let kitchen = promo_ids(&res).iter().filter(|id| ["vip-coffee", "kettle-deal"].contains(id)).count();
    assert_eq!(kitchen, 1, "one of the kitchen group: {:?}", promo_ids(&res));
    assert_eq!(res.promotions.len(), 5);
}

#[test]
fn time_windows_and_regions_and_pages() {
    let mut b = shop();
    b.promotions.push(Promotion {
        id: "winter".into(),
        products: vec![Id("gift-card".into())],
        value: 10_000.0,
        start: Some(NOW - DAY),
        end: Some(NOW),
        regions: vec!["north".into()],
        pages: vec!["home".into()],
        ..Promotion::default()
    });
    let e = engine(&b);
    let mut r = request(&[], &[], None);
    context(&mut r).region = Some("north".into());
    context(&mut r).page = Some("home".into());
    context(&mut r).now = Some(NOW - 1);
    assert_eq!(promo_ids(&e.rank(&r, NOW).unwrap())[0], "winter");
    assert_eq!(e.rank(&r, NOW).unwrap().promotions[0].reason, "region:north");
    context(&mut r).now = Some(NOW);
    assert!(!promo_ids(&e.rank(&r, NOW).unwrap()).contains(&"winter"), "the end is exclusive");
    context(&mut r).now = Some(NOW - 1);
    context(&mut r).page = Some("cart".into());
    assert!(!promo_ids(&e.rank(&r, NOW).unwrap()).contains(&"winter"), "home page only");
}

#[test]
fn bad_promotions_are_refused_with_their_path() {
    type Spoil = fn(&mut Promotion);
    let cases: [(Spoil, &str, &str); 5] = [
        (|p| p.products = vec![Id("nope".into())], "E_UNKNOWN_REFERENCE", "promotions[0].products[0]"),
        (|p| p.rate = 1.5, "E_INVALID_NUMBER", "promotions[0].rate"),
        (|p| p.stock_threshold = Some(0), "E_INVALID_NUMBER", "promotions[0].stockThreshold"),
        (|p| p.value = -1.0, "E_INVALID_NUMBER", "promotions[0].value"),
        (|p| (p.start, p.end) = (Some(5), Some(5)), "E_INVALID_FIELD", "promotions[0].start"),
    ];
    for (spoil, code, path) in cases {
        let mut b = shop();
        spoil(&mut b.promotions[0]);
        let e = Engine::from_bundle(&b.to_bytes(), Limits::default()).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
        assert!(e.to_string().contains(path), "{e}");
    }
}

#[test]
fn untracked_products_pass_the_stock_gate_without_a_level() {
    let mut b = shop();
    b.promotions = vec![Promotion {
        id: "gift".into(),
        products: vec![Id("gift-card".into())],
        value: 50.0,
        ..Promotion::default()
    }];
    let mut e = Engine::from_bundle(&b.to_bytes(), Limits::default()).unwrap();
    let mut s = stock(1, NOW, &[]);
    let gift = s.item.iter().position(|id| id.0 == "gift-card").unwrap();
    s.item.remove(gift);
    s.level.remove(gift);
    e.apply_stock(&s.to_bytes()).unwrap();
    assert_eq!(e.product("gift-card").unwrap().stock, None, "no level for the gift card");
    assert_eq!(promo_ids(&e.rank(&request(&[], &[], None), NOW).unwrap()), ["gift"]);
}
