//! Basket completion on Instacart: for each user, the target order (the last; for
//! validation the second to last) is being placed now. The orders before it are folded
//! into a real profile snapshot (`vitrine::encode_profile`), as the server would fold
//! them; the basket's first half (at least one item) is the cart and this visit's views;
//! the rest of the basket is what the recommender should find.
//!
//! The bundle must be learned without the target orders (`vitrine model build
//! --instacart <dir> --part train`, or `tune` for validation), so nothing of what is
//! predicted was seen. Metrics: HR@k (some of the rest in the top k), MRR@k (the first
//! one's rank) and Recall@k (how much of the rest).

use std::collections::{BTreeMap, HashMap};

use vitrine::profile::{Consent, Purchase, PROFILE_SCHEMA};
use vitrine::{encode_profile, Limits, Profile};

use super::{Case, Session, Train, Vocab};
use crate::demo::NOW;
use crate::error::CliError;
use crate::model::instacart::{cohort_of, order_days, Instacart, COHORTS};

/// Which order is predicted: each user's `k`-th from last (1: the last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target(pub usize);

impl Target {
    /// Each user's last order: the test.
    pub const LAST: Target = Target(1);
    /// Each user's second to last: validation, the last never looked at.
    pub const SECOND_LAST: Target = Target(2);

    /// How many of each user's last orders the model may not learn from.
    pub fn held_back(self) -> usize {
        self.0.max(1)
    }
}

const DAY_MS: u64 = 86_400_000;
const HOUR_MS: u64 = 3_600_000;

/// Purchase lines kept in a profile: the most recent, repeats included (how often a
/// product comes back is the strongest signal in groceries). 256 is the format's
/// `maxProfileEntries`; such a profile is about 1.3 KB, within `maxProfileBytes`.
pub const PROFILE_PURCHASES: usize = 256;
/// Aisles kept in a profile's category affinity (as in the demo).
pub const AFFINITIES: usize = 16;

/// Ids of the orders a model evaluated on `target` must not learn from: each user's last
/// `target.held_back()` orders.
pub fn held_out_orders(data: &Instacart, target: Target) -> Vec<u32> {
    let mut out = Vec::new();
    for orders in data.orders.chunk_by(|a, b| a.user == b.user) {
        out.extend(orders.iter().rev().take(target.held_back()).map(|o| o.id));
    }
    out.sort_unstable();
    out
}

/// The cases, the vocabulary (product ids) and the training baskets (every order a model
/// may learn from).
pub fn cases(
    data: &Instacart,
    target: Target,
    purchase_half_life_days: f64,
) -> Result<(Vocab, Train, Vec<Case>), CliError> {
    let mut vocab = Vocab::default();
    let id = |p: u32| data.products[p as usize].id.to_string();
    for p in &data.products {
        vocab.intern(&p.id.to_string());
    }
    let held: Vec<u32> = held_out_orders(data, target);
    let training: Vec<Session> = data
        .orders
        .iter()
        .filter(|o| held.binary_search(&o.id).is_err())
        .map(|o| Session { id: o.id.to_string(), events: o.items.iter().map(|&p| (p, 0)).collect() })
        .collect();
    let train = Train::new(training, vocab.len());

    let mut cases = Vec::new();
    for orders in data.orders.chunk_by(|a, b| a.user == b.user) {
        let skip = target.held_back() - 1;
        if orders.len() < skip + 2 {
            continue;
        }
        let upto = &orders[..orders.len() - skip];
        let (current, earlier) = upto.split_last().expect("at least two orders");
        if current.items.len() < 2 {
            continue;
        }
        let day = order_days(upto, NOW);
        let now = (day[upto.len() - 1] * DAY_MS + 12 * HOUR_MS).min(NOW);
        let folded_day = day[earlier.len() - 1];
        let updated_at = folded_day * DAY_MS + 12 * HOUR_MS;

        let mut purchases = Vec::new();
        let mut aisles: BTreeMap<u32, f64> = BTreeMap::new();
        let mut past: HashMap<u32, (u32, u32)> = HashMap::new();
        for (k, o) in earlier.iter().enumerate().rev() {
            let age = folded_day.saturating_sub(day[k]) as f64;
            let w = (-age / purchase_half_life_days).exp2();
            for &p in &o.items {
                if purchases.len() < PROFILE_PURCHASES {
                    purchases.push(Purchase { product: id(p), day: day[k] });
                }
                *aisles.entry(data.products[p as usize].aisle).or_default() += w;
                let e = past.entry(p).or_insert((0, k as u32));
                e.0 += 1;
            }
        }
        let mut ranked: Vec<(u32, f64)> = aisles.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(AFFINITIES);
        let top = ranked.first().map_or(1.0, |&(_, w)| w);
        let profile = Profile {
            schema: PROFILE_SCHEMA,
            customer_id: format!("u{}", current.user),
            version: earlier.len() as u64,
            updated_at,
            consent: Consent { personalization: true, marketing: true },
            segment: None,
            cohort: None,
            region: None,
            tier: None,
            category_affinity: ranked
                .into_iter()
                .map(|(a, w)| (data.aisle_id(a), ((w / top) * 100.0).round() / 100.0))
                .filter(|&(_, v)| v > 0.0)
                .collect(),
            brand_affinity: BTreeMap::new(),
            recent_views: Vec::new(),
            purchases,
            price_band: None,
        };
        let bytes = encode_profile(&profile, &Limits::default())
            .map_err(|e| CliError::core(format!("profile of user {}", current.user), e))?;
        let reveal = (current.items.len() / 2).max(1);
        let revealed: Vec<u32> = current.items[..reveal].to_vec();
        let mut past: Vec<(u32, u32, u32)> = past.into_iter().map(|(p, (n, last))| (p, n, last)).collect();
        past.sort_unstable();
        cases.push(Case {
            session: format!("u{}", current.user),
            position: reveal,
            viewed: revealed.clone(),
            cart: revealed,
            profile: Some(bytes),
            past,
            targets: current.items[reveal..].to_vec(),
            now,
            region: Some(COHORTS[cohort_of(current.dow)].to_owned()),
        });
    }
    if cases.is_empty() {
        return Err(CliError::NoData("no user has an order to predict after an earlier one".into()));
    }
    Ok((vocab, train, cases))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::instacart::Order;

    fn order(id: u32, user: u32, number: u32, gap: Option<u32>, items: &[u32]) -> Order {
        Order { id, user, number, dow: 3, hour: 10, days_since_prior: gap, items: items.to_vec() }
    }

    fn data() -> Instacart {
        use crate::model::instacart::{Named, ProductRow};
        let products =
            (0..6).map(|i| ProductRow { id: 100 + i, name: format!("p{i}"), aisle: i % 2, department: 0 }).collect();
        Instacart {
            departments: vec![Named { id: 1, name: "d".into() }],
            aisles: vec![Named { id: 1, name: "a".into() }, Named { id: 2, name: "b".into() }],
            products,
            orders: vec![
                order(10, 1, 1, None, &[0, 1]),
                order(11, 1, 2, Some(7), &[0, 2]),
                order(12, 1, 3, Some(3), &[0, 3, 4, 5]),
                order(20, 2, 1, None, &[5]),
            ],
            lines: 9,
            digest: 0,
        }
    }

    #[test]
    fn the_last_basket_is_half_revealed_and_the_model_never_saw_it() {
        let d = data();
        assert_eq!(held_out_orders(&d, Target::LAST), [12, 20]);
        assert_eq!(held_out_orders(&d, Target::SECOND_LAST), [11, 12, 20]);
        let (vocab, train, last) = cases(&d, Target::LAST, 60.0).unwrap();
        assert_eq!(&*vocab.names[0], "100");
        assert_eq!(train.sessions.len(), 2, "orders 10 and 11");
        assert_eq!(last.len(), 1, "user 2 has one order");
        let c = &last[0];
        assert_eq!((c.cart.clone(), c.targets.clone()), (vec![0, 3], vec![4, 5]));
        assert_eq!(c.now % DAY_MS, 12 * HOUR_MS);
        // Product 0 in both earlier orders, most recently in the second (index 1).
        assert!(c.past.contains(&(0, 2, 1)) && c.past.contains(&(2, 1, 1)));
        let p = vitrine::decode_profile(c.profile.as_ref().unwrap(), &Limits::default()).unwrap();
        assert_eq!(p.purchases.len(), 4);
        assert_eq!(p.purchases[0].day, NOW / DAY_MS - 3, "the previous order, three days back");
        assert!(p.consent.personalization);
        let (_, _, valid) = cases(&d, Target::SECOND_LAST, 60.0).unwrap();
        assert_eq!(valid[0].targets, [2], "order 11: item 0 revealed, 2 to find");
    }
}
