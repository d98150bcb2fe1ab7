//! Ranking behaviour on a shop small enough to check by hand: candidates and reasons,
//! business rules, consent, determinism and weight overrides.

mod common;

use common::*;
use vitrine::bundle::Pin;
use vitrine::codec::Id;
use vitrine::{Engine, Limits};

/// Only similarity and recency count: the signals under test, without popularity.
fn similarity_only(mut r: vitrine::RankRequest) -> vitrine::RankRequest {
    r.weights = Some(
        [("popularity", 0.0), ("priceFit", 0.0), ("stock", 0.0), ("affinity", 0.0)]
            .map(|(k, v)| (k.to_owned(), v))
            .into(),
    );
    r
}

#[test]
fn viewing_a_tv_suggests_its_neighbours_because_of_it() {
    let e = engine(&shop());
    let res = e.rank(&similarity_only(request(&[], &[], Some("tv-55"))), NOW).unwrap();
    let got = ids(&res);
    assert_eq!(&got[..3], ["tv-65", "tv-43", "soundbar"], "strongest neighbours first: {got:?}");
    assert!(!got.contains(&"tv-55"), "the product on the page is not suggested");
    assert_eq!(reasons(&res, "tv-65")[0], "viewed:tv-55");
    let scores: Vec<f32> = res.items.iter().map(|i| i.score).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ordered by score: {scores:?}");
}

#[test]
fn recent_views_pull_harder_than_old_ones() {
    // With views halving their pull at each newer view: tv-43's neighbour is tv-55 (0.8),
    // kettle's is coffee-machine (0.5). Viewed last, the kettle's weaker neighbour
    // outranks the TV's stronger one, viewed one step earlier.
    let mut shop = shop();
    shop.ranking.session_half_life = 1.0;
    let e = engine(&shop);
    let a = e.rank(&similarity_only(request(&["tv-43", "kettle"], &[], None)), NOW).unwrap();
    let b = e.rank(&similarity_only(request(&["kettle", "tv-43"], &[], None)), NOW).unwrap();
    let pos = |res: &vitrine::RankResponse, id: &str| ids(res).iter().position(|x| *x == id).unwrap();
    assert!(pos(&a, "coffee-machine") < pos(&a, "tv-55"));
    assert!(pos(&b, "tv-55") < pos(&b, "coffee-machine"));
}

#[test]
fn the_cart_brings_complements_and_is_never_suggested() {
    let e = engine(&shop());
    let res = e.rank(&similarity_only(request(&[], &["tv-55"], None)), NOW).unwrap();
    assert_eq!(&ids(&res)[..2], ["soundbar", "hdmi"], "strongest complement first");
    assert_eq!(reasons(&res, "soundbar")[0], "cart:tv-55");
    assert!(!ids(&res).contains(&"tv-55"));
}

#[test]
fn out_of_stock_and_unknown_stock_are_never_shown_untracked_always_may_be() {
    let b = shop();
    let mut e = Engine::from_bundle(&b.to_bytes(), Limits::default()).unwrap();
    // Before any stock: of the north's best sellers, only the untracked one can be shown.
    let mut north = request(&[], &[], None);
    context(&mut north).region = Some("north".into());
    assert_eq!(ids(&e.rank(&north, NOW).unwrap()), ["gift-card"]);
    e.apply_stock(&stock(1, NOW, &[("tv-65", 0), ("tv-43", -2)]).to_bytes()).unwrap();
    let res = e.rank(&request(&[], &[], Some("tv-55")), NOW).unwrap();
    assert!(!ids(&res).contains(&"tv-65") && !ids(&res).contains(&"tv-43"), "{:?}", ids(&res));
    assert!(ids(&res).contains(&"soundbar"));
}

#[test]
fn regional_stock_overrides_the_product_level_in_its_region_only() {
    let mut e = engine(&shop());
    e.apply_stock(&delta(2, NOW, &[("tv-65", 0)], Some("north")).to_bytes()).unwrap();
    let mut north = request(&[], &[], Some("tv-55"));
    context(&mut north).region = Some("north".into());
    assert!(!ids(&e.rank(&north, NOW).unwrap()).contains(&"tv-65"));
    let mut south = request(&[], &[], Some("tv-55"));
    context(&mut south).region = Some("south".into());
    assert!(ids(&e.rank(&south, NOW).unwrap()).contains(&"tv-65"));
}

#[test]
fn durables_already_bought_are_not_suggested_consumables_come_back() {
    let e = engine(&shop());
    let mut p = profile();
    bought(&mut p, "tv-65", 30);
    bought(&mut p, "beans", 10);
    bought(&mut p, "beans", 40);
    let res = e.rank(&with_profile(request(&[], &[], Some("tv-55")), &p), NOW).unwrap();
    assert!(!ids(&res).contains(&"tv-65"), "{:?}", ids(&res));
    assert!(reasons(&res, "beans").contains(&"repeat:beans".to_owned()));
}

#[test]
fn exclusions_from_the_request_and_the_bundle_hold() {
    let e = engine(&shop_with_rules());
    let mut r = request(&[], &["tv-55"], None);
    context(&mut r).exclude = vec!["soundbar".into(), "no-such-product".into()];
    let res = e.rank(&r, NOW).unwrap();
    assert!(!ids(&res).contains(&"soundbar"));
    assert!(!ids(&res).contains(&"hdmi"), "excluded by the bundle's rules");
}

#[test]
fn pins_come_first_in_order_and_obey_stock() {
    let mut e = engine(&shop_with_rules());
    let mut r = request(&[], &[], Some("tv-55"));
    context(&mut r).pin = vec!["kettle".into(), "descaler".into(), "no-such-product".into()];
    let res = e.rank(&r, NOW).unwrap();
    assert_eq!(&ids(&res)[..2], ["kettle", "descaler"]);
    assert_eq!(reasons(&res, "kettle"), ["pinned"]);
    e.apply_stock(&delta(2, NOW, &[("kettle", 0)], None).to_bytes()).unwrap();
    let res = e.rank(&r, NOW).unwrap();
    assert_eq!(ids(&res)[0], "descaler", "an out-of-stock pin is dropped");
    assert!(!ids(&res).contains(&"kettle"));
}

#[test]
fn bundle_pins_apply_on_their_page() {
    let e = engine(&shop_with_rules());
    let mut home = request(&[], &[], Some("tv-55"));
    context(&mut home).page = Some("home".into());
    let res = e.rank(&home, NOW).unwrap();
    assert_eq!(ids(&res)[1], "gift-card");
    assert_eq!(reasons(&res, "gift-card"), ["pinned"]);
    let mut product = request(&[], &[], Some("tv-55"));
    context(&mut product).page = Some("product".into());
    let res = e.rank(&product, NOW).unwrap();
    assert!(ids(&res).get(1) != Some(&"gift-card"));
}

#[test]
fn bundle_pins_go_by_position_then_by_the_bundles_order() {
    // Written out of order, two at position 0: the lower position first, and of the two at
    // 0 the one written first; the other moves to the next free place.
    let mut b = shop();
    let pin = |product: &str, position| Pin { product: Id(product.into()), position, page: None };
    b.rules.pins = vec![pin("kettle", 2), pin("descaler", 0), pin("gift-card", 0)];
    let res = engine(&b).rank(&request(&[], &[], Some("tv-55")), NOW).unwrap();
    assert_eq!(&ids(&res)[..3], ["descaler", "gift-card", "kettle"]);
}

#[test]
fn at_most_max_per_category() {
    let mut b = shop();
    b.ranking.max_per_category = 1;
    let e = engine(&b);
    let res = e.rank(&request(&["tv-65", "tv-43"], &[], Some("tv-55")), NOW).unwrap();
    let tvs = ids(&res).iter().filter(|id| id.starts_with("tv-")).count();
    assert_eq!(tvs, 1, "{:?}", ids(&res));
}

#[test]
fn limit_is_honoured_and_clamped() {
    let e = engine(&shop());
    let mut r = request(&[], &[], Some("tv-55"));
    context(&mut r).limit = Some(2);
    assert_eq!(e.rank(&r, NOW).unwrap().items.len(), 2);
    context(&mut r).limit = Some(0);
    assert!(e.rank(&r, NOW).unwrap().items.is_empty());
    let small = Limits { max_results: 3, ..Limits::default() };
    let mut e = Engine::from_bundle(&shop().to_bytes(), small).unwrap();
    e.apply_stock(&stock(1, NOW, &[]).to_bytes()).unwrap();
    context(&mut r).limit = Some(1_000_000);
    assert_eq!(e.rank(&r, NOW).unwrap().items.len(), 3);
}

#[test]
fn affinities_bring_favourite_categories_and_say_so() {
    let e = engine(&shop());
    let mut p = profile();
    p.category_affinity.insert("coffee".into(), 0.9);
    let res = e.rank(&with_profile(request(&[], &[], None), &p), NOW).unwrap();
    assert!(reasons(&res, "coffee-machine").contains(&"affinity:coffee".to_owned()), "{:?}", res.items);
    // A parent category's affinity reaches its children, at half strength.
    let mut q = profile();
    q.category_affinity.insert("kitchen".into(), 1.0);
    let res = e.rank(&with_profile(request(&[], &[], None), &q), NOW).unwrap();
    assert!(reasons(&res, "kettle").contains(&"affinity:kitchen".to_owned()), "{:?}", res.items);
}

#[test]
fn earlier_visits_count_with_consent() {
    let e = engine(&shop());
    let mut p = profile();
    viewed_before(&mut p, "coffee-machine", 60);
    let res = e.rank(&with_profile(request(&[], &[], None), &p), NOW).unwrap();
    assert!(reasons(&res, "kettle").contains(&"viewed:coffee-machine".to_owned()));
}

#[test]
fn without_personalization_consent_the_profile_is_ignored_entirely() {
    let e = engine(&shop());
    let mut p = profile();
    p.consent.personalization = false;
    p.category_affinity.insert("coffee".into(), 1.0);
    viewed_before(&mut p, "kettle", 10);
    bought(&mut p, "tv-65", 3);
    p.segment = Some("vip".into());
    let base = request(&["hdmi"], &["tv-55"], Some("soundbar"));
    let with = e.rank(&with_profile(base.clone(), &p), NOW).unwrap();
    let without = e.rank(&base, NOW).unwrap();
    assert_eq!(with, without);
    assert_eq!(with.decision.profile_version, None);
    p.consent.personalization = true;
    let consented = e.rank(&with_profile(base, &p), NOW).unwrap();
    assert_eq!(consented.decision.profile_version, Some(7));
    assert_ne!(consented.items, without.items);
}

#[test]
fn popular_items_fill_a_cold_start_and_name_their_cohort() {
    let e = engine(&shop());
    let res = e.rank(&request(&[], &[], None), NOW).unwrap();
    assert_eq!(ids(&res)[0], "tv-55");
    assert_eq!(reasons(&res, "tv-55"), ["popular:global"]);
    let mut r = request(&[], &[], None);
    context(&mut r).region = Some("north".into());
    let res = e.rank(&r, NOW).unwrap();
    assert_eq!(&ids(&res)[..2], ["beans", "kettle"], "the north's order, not the global one");
    assert_eq!(reasons(&res, "beans"), ["popular:north"]);
}

#[test]
fn same_inputs_same_output_and_decisions_replay() {
    let e = engine(&shop());
    let mut p = profile();
    p.category_affinity.insert("tv".into(), 0.5);
    viewed_before(&mut p, "kettle", 600);
    let mut r = with_profile(request(&["hdmi"], &["kettle"], Some("tv-55")), &p);
    context(&mut r).now = None;
    let first = e.rank(&r, NOW).unwrap();
    assert_eq!(first, e.rank(&r, NOW).unwrap());
    assert_eq!(first.decision.now, NOW);
    assert_eq!(first.decision.bundle_version, "shop-1");
    assert_eq!(first.decision.stock_epoch, 1);
    // Replaying at another clock with the decision's `now` gives the same answer.
    context(&mut r).now = Some(first.decision.now);
    assert_eq!(first, e.rank(&r, NOW + 7 * DAY).unwrap());
}

#[test]
fn weights_can_be_overridden_per_call_and_are_checked() {
    let e = engine(&shop());
    let r = request(&[], &[], Some("tv-55"));
    let base = e.rank(&r, NOW).unwrap();
    let mut pop = r.clone();
    pop.weights = Some([("similarity".to_owned(), 0.0), ("popularity".to_owned(), 5.0)].into());
    let res = e.rank(&pop, NOW).unwrap();
    assert_ne!(ids(&res), ids(&base));
    assert_eq!(ids(&res)[0], "kettle", "popular first once similarity is off: {:?}", ids(&res));
    let mut bad = r.clone();
    bad.weights = Some([("similarty".to_owned(), 1.0)].into());
    assert_eq!(e.rank(&bad, NOW).unwrap_err().code(), "E_UNKNOWN_WEIGHT");
    bad.weights = Some([("stock".to_owned(), f64::NAN)].into());
    assert_eq!(e.rank(&bad, NOW).unwrap_err().code(), "E_INVALID_NUMBER");
}

#[test]
fn unknown_ids_in_the_session_are_skipped() {
    let e = engine(&shop());
    let a = e.rank(&request(&["nope", "tv-43"], &["gone"], Some("tv-55")), NOW).unwrap();
    let b = e.rank(&request(&["tv-43"], &[], Some("tv-55")), NOW).unwrap();
    assert_eq!(a.items, b.items);
}

#[test]
fn an_empty_catalogue_ranks_to_nothing() {
    let mut b = shop();
    b.products.clear();
    b.neighbours = None;
    b.complements = None;
    b.popularity = Default::default();
    b.promotions.clear();
    let e = Engine::from_bundle(&b.to_bytes(), Limits::default()).unwrap();
    let res = e.rank(&request(&["tv-55"], &["kettle"], Some("hdmi")), NOW).unwrap();
    assert!(res.items.is_empty() && res.promotions.is_empty());
    assert_eq!(e.info().products, 0);
}

#[test]
fn a_product_is_named_once_among_an_items_reasons() {
    let e = engine(&shop());
    let mut p = profile();
    bought(&mut p, "tv-55", 2);
    // tv-55 is in the cart and was bought: soundbar goes with it either way.
    let res = e.rank(&with_profile(request(&[], &["tv-55"], None), &p), NOW).unwrap();
    let r = reasons(&res, "soundbar");
    assert_eq!(r.iter().filter(|x| x.ends_with(":tv-55")).count(), 1, "{r:?}");
    assert_eq!(r[0], "cart:tv-55", "the stronger of the two");
}

#[test]
fn reminders_bring_back_this_visits_products_when_the_bundle_turns_them_on() {
    let req = || similarity_only(request(&["kettle", "tv-43"], &["hdmi"], Some("tv-55")));
    // Off (the default): the current product is never suggested.
    let off = engine(&shop()).rank(&req(), NOW).unwrap();
    assert!(!ids(&off).contains(&"tv-55"));
    let mut shop = shop();
    shop.ranking.remind_viewed = true;
    shop.ranking.session_half_life = 1.0;
    let e = engine(&shop);
    let on = e.rank(&req(), NOW).unwrap();
    let got = ids(&on);
    // The current product has the revisit feature at 1, the views before it 1/2 and 1/4.
    assert_eq!(got[0], "tv-55", "{got:?}");
    assert_eq!(reasons(&on, "tv-55")[0], "seen:tv-55");
    assert!(got.contains(&"kettle") && got.contains(&"tv-43"));
    assert!(!got.contains(&"hdmi"), "the cart is still never suggested");
    // The weight is a weight like any other: at 0 the current product falls back to its
    // other signals (tv-43's neighbour at 0.8 x 1/2), below tv-65 (tv-55's at 0.9).
    let mut r = req();
    r.weights.as_mut().unwrap().insert("revisit".into(), 0.0);
    let zero = e.rank(&r, NOW).unwrap();
    assert_eq!(ids(&zero)[0], "tv-65", "{:?}", ids(&zero));
    let with_on = serde_json::to_value(&on).unwrap();
    assert_eq!(with_on, serde_json::to_value(e.rank(&req(), NOW).unwrap()).unwrap(), "deterministic");
}

#[test]
fn repeat_half_count_tells_staples_from_occasional_buys() {
    // Beans bought six times, descaler twice, all today; only the repeat feature counts.
    let mut p = profile();
    for _ in 0..6 {
        bought(&mut p, "beans", 0);
    }
    for _ in 0..2 {
        bought(&mut p, "descaler", 0);
    }
    let only_repeat = |mut r: vitrine::RankRequest| {
        r.weights = Some(
            [
                ("popularity", 0.0),
                ("priceFit", 0.0),
                ("stock", 0.0),
                ("affinity", 0.0),
                ("complement", 0.0),
                ("repeat", 1.0),
            ]
            .map(|(k, v)| (k.to_owned(), v))
            .into(),
        );
        r
    };
    let score = |b: &vitrine::bundle::Bundle, id: &str| {
        let res = engine(b).rank(&only_repeat(with_profile(request(&[], &[], None), &p)), NOW).unwrap();
        res.items.iter().find(|i| i.id == id).map(|i| i.score).unwrap()
    };
    // At the default 1: 1 - 2^-6 and 1 - 2^-2.
    let b = shop();
    assert_eq!((score(&b, "beans"), score(&b, "descaler")), (1.0 - 1.0 / 64.0, 0.75));
    // At 4: 1 - 2^-1.5 and 1 - 2^-0.5, further apart.
    let mut b = shop();
    b.ranking.repeat_half_count = 4.0;
    let (beans, descaler) = (score(&b, "beans"), score(&b, "descaler"));
    assert!((beans - (1.0 - 0.5f32.powf(1.5))).abs() < 1e-6 && (descaler - (1.0 - 0.5f32.sqrt())).abs() < 1e-6);
    assert!(beans - descaler > 0.35, "{beans} {descaler}");
}
