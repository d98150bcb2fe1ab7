//! Experiments in the engine: the assigned variation's weights change the ranking exactly
//! as the same weights given by hand would; targeting sees the profile only with consent;
//! sticky buckets keep a visitor's variation when the split changes; the split follows the
//! weights; and `assign` answers as `rank` does.

mod common;

use std::borrow::Cow;

use common::*;
use vitrine::bundle::{Experiment, Variation};
use vitrine::codec::Value;
use vitrine::growthbook::StickyDoc;
use vitrine::RankRequest;

fn st(s: &str) -> Value<'static> {
    Value::Str(Cow::Owned(s.to_owned()))
}

fn obj(entries: &[(&str, Value<'static>)]) -> Value<'static> {
    Value::Map(entries.iter().map(|(k, v)| (st(k), v.clone())).collect())
}

/// A two-way test whose treatment ranks by popularity alone.
fn popularity_test(weights: Vec<f64>) -> Experiment {
    Experiment {
        key: "pop".into(),
        variations: vec![
            Variation::default(),
            Variation {
                key: Some("popular".into()),
                weights: [("popularity", 5.0), ("similarity", 0.0), ("complement", 0.0)]
                    .map(|(k, v)| (k.to_owned(), v))
                    .into(),
                ..Variation::default()
            },
        ],
        weights,
        hash_version: Some(2),
        ..Experiment::default()
    }
}

fn shop_with(e: Vec<Experiment>) -> vitrine::Engine {
    let mut b = shop();
    b.experiments = e;
    engine(&b)
}

fn visitor(id: &str) -> RankRequest {
    let mut r = request(&["tv-55"], &[], Some("tv-55"));
    r.visitor_id = id.into();
    r
}

/// The first visitor ids `v-0`, `v-1`... assigned to `variant` of experiment 0.
fn visitors_in(e: &vitrine::Engine, variant: u32, n: usize) -> Vec<String> {
    (0..)
        .map(|i| format!("v-{i}"))
        .filter(|id| e.assign(&visitor(id)).unwrap().assignments[0].variant == variant)
        .take(n)
        .collect()
}

#[test]
fn the_treatment_ranks_as_its_weights_given_by_hand_would() {
    let with = shop_with(vec![popularity_test(vec![])]);
    let without = shop_with(vec![]);
    let treated = visitors_in(&with, 1, 3);
    let control = visitors_in(&with, 0, 3);
    let overrides = [("popularity", 5.0), ("similarity", 0.0), ("complement", 0.0)];
    for id in &treated {
        let res = with.rank(&visitor(id), NOW).unwrap();
        let a = &res.assignments[0];
        assert_eq!((a.experiment.as_str(), a.variant, a.key.as_str()), ("pop", 1, "popular"));
        assert!(a.in_experiment && a.hash_used);
        let mut by_hand = visitor(id);
        by_hand.weights = Some(overrides.map(|(k, v)| (k.to_owned(), v)).into());
        assert_eq!(res.items, without.rank(&by_hand, NOW).unwrap().items, "{id}");
    }
    for id in &control {
        let res = with.rank(&visitor(id), NOW).unwrap();
        assert_eq!(res.items, without.rank(&visitor(id), NOW).unwrap().items, "{id}");
    }
    // The two arms really rank differently here, so the comparison above means something.
    assert_ne!(
        ids(&with.rank(&visitor(&treated[0]), NOW).unwrap()),
        ids(&without.rank(&visitor(&treated[0]), NOW).unwrap())
    );
    // A request's own weights still win over the variation's.
    let mut r = visitor(&treated[0]);
    r.weights = Some([("popularity".to_owned(), 0.3)].into());
    assert_ne!(with.rank(&r, NOW).unwrap().items, with.rank(&visitor(&treated[0]), NOW).unwrap().items);
}

#[test]
fn the_split_follows_the_weights() {
    let e = shop_with(vec![popularity_test(vec![0.2, 0.8])]);
    let n = 10_000;
    let treated =
        (0..n).filter(|i| e.assign(&visitor(&format!("visitor-{i}"))).unwrap().assignments[0].variant == 1).count();
    // Binomial(10000, 0.8): sd 40; 5 sd either side.
    assert!((7_800..=8_200).contains(&treated), "{treated} of {n} treated");
}

#[test]
fn targeting_reads_the_profile_only_with_consent() {
    let mut test = popularity_test(vec![]);
    test.condition = Some(obj(&[("segment", st("vip"))]));
    let e = shop_with(vec![test]);
    let mut p = profile();
    p.segment = Some("vip".into());
    let consented = with_profile(visitor("v-1"), &p);
    assert!(e.rank(&consented, NOW).unwrap().assignments[0].in_experiment);
    p.consent.personalization = false;
    let refused = with_profile(visitor("v-1"), &p);
    assert!(!e.rank(&refused, NOW).unwrap().assignments[0].in_experiment, "no consent: the segment is not read");
    // The shop may still pass the attribute itself.
    let mut given = visitor("v-1");
    given.attributes = Some(obj(&[("segment", st("vip"))]));
    assert!(e.rank(&given, NOW).unwrap().assignments[0].in_experiment);
}

#[test]
fn attributes_given_win_over_derived_ones() {
    let e = shop_with(vec![popularity_test(vec![])]);
    let a = e.assign(&visitor("v-1")).unwrap().assignments[0].clone();
    // Hashing on `id`: another id given as an attribute is what decides.
    let flips = (0..50).map(|i| format!("other-{i}")).find(|other| {
        let mut r = visitor("v-1");
        r.attributes = Some(obj(&[("id", st(other))]));
        e.assign(&r).unwrap().assignments[0].variant != a.variant
    });
    assert!(flips.is_some(), "the id attribute is hashed, not visitorId");
}

#[test]
fn sticky_buckets_keep_the_variation_when_the_split_changes() {
    let before = shop_with(vec![popularity_test(vec![0.5, 0.5])]);
    let treated = visitors_in(&before, 1, 20);
    // Moving to 99/1 would put nearly everyone in control, unless their bucket sticks.
    let after = shop_with(vec![popularity_test(vec![0.99, 0.01])]);
    let mut moved = 0;
    for id in &treated {
        let mut first = visitor(id);
        first.sticky_buckets = Some(Vec::new());
        let docs = before.rank(&first, NOW).unwrap().sticky_buckets.expect("documents back");
        assert_eq!(
            docs,
            [StickyDoc {
                attribute_name: "id".into(),
                attribute_value: id.clone(),
                assignments: vec![("pop__0".into(), "popular".into())]
            }]
        );
        let mut again = visitor(id);
        again.sticky_buckets = Some(docs);
        let a = &after.rank(&again, NOW).unwrap().assignments[0];
        assert_eq!((a.variant, a.sticky_bucket_used), (1, true), "{id}");
        moved += usize::from(after.assign(&visitor(id)).unwrap().assignments[0].variant == 0);
    }
    assert!(moved >= 15, "without their documents most would move: {moved} of 20");
}

#[test]
fn bumping_the_bucket_version_rebuckets_and_the_minimum_version_unenrolls() {
    let e = shop_with(vec![popularity_test(vec![])]);
    let mut r = visitor("v-7");
    r.sticky_buckets = Some(vec![StickyDoc {
        attribute_name: "id".into(),
        attribute_value: "v-7".into(),
        assignments: vec![("pop__0".into(), "popular".into())],
    }]);
    assert!(e.rank(&r, NOW).unwrap().assignments[0].sticky_bucket_used);
    let mut bumped = popularity_test(vec![]);
    bumped.bucket_version = Some(1);
    assert!(!shop_with(vec![bumped.clone()]).rank(&r, NOW).unwrap().assignments[0].sticky_bucket_used);
    bumped.min_bucket_version = Some(1);
    let a = &shop_with(vec![bumped]).rank(&r, NOW).unwrap().assignments[0];
    assert!(!a.in_experiment && a.sticky_bucket_used, "an older bucket leaves the experiment");
}

#[test]
fn assign_answers_as_rank_does() {
    let mut targeted = popularity_test(vec![0.3, 0.7]);
    targeted.key = "targeted".into();
    targeted.condition = Some(obj(&[("region", st("north"))]));
    let e = shop_with(vec![popularity_test(vec![]), targeted]);
    for i in 0..40 {
        let mut r = visitor(&format!("a-{i}"));
        context(&mut r).region = Some(if i % 2 == 0 { "north" } else { "south" }.into());
        r.sticky_buckets = Some(Vec::new());
        let ranked = e.rank(&r, NOW).unwrap();
        let assigned = e.assign(&r).unwrap();
        assert_eq!((ranked.assignments, ranked.sticky_buckets), (assigned.assignments, assigned.sticky_buckets));
    }
}

#[test]
fn forced_variations_and_url_overrides_are_not_exposures() {
    let e = shop_with(vec![popularity_test(vec![])]);
    let control = visitors_in(&e, 0, 1).remove(0);
    let mut forced = visitor(&control);
    forced.forced_variations = [("pop".to_owned(), 1)].into();
    let a = &e.assign(&forced).unwrap().assignments[0];
    assert_eq!((a.variant, a.in_experiment, a.hash_used), (1, true, false));
    let mut by_url = visitor(&control);
    context(&mut by_url).url = Some("https://shop.example/tv?pop=1".into());
    assert_eq!(e.assign(&by_url).unwrap().assignments[0], *a);
}
