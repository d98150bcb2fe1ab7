//! Sample shoppers for the demo, from real Instacart order histories.
//!
//! Each shopper is a user with a long history. Their last order is held out, as if it were
//! being placed now: its first two items are in the cart and the third is the product
//! page being viewed. Every earlier order is folded into the profile snapshot the way the
//! server would fold events: the most recent distinct purchases with their day, aisle
//! affinities decayed by age, a price band, a segment and a cohort. The rest of the held
//! out basket is kept aside so the demo can show which suggestions the shopper did buy.

use std::collections::BTreeMap;

use serde::Serialize;
use vitrine::bundle::Bundle;
use vitrine::profile::{Consent, PriceBand, Purchase, PROFILE_SCHEMA};
use vitrine::request::{Context, Session};
use vitrine::{encode_profile, Limits, Profile, RankRequest};

use crate::error::CliError;
use crate::model::instacart::{cohort_of, order_days, Instacart, Order, COHORTS};
use crate::model::promotions::{FREQUENT, REGULAR};

/// One day in ms: purchases are kept to the day.
pub const DAY_MS: u64 = 86_400_000;
const HOUR_MS: u64 = 3_600_000;

/// Sample shoppers written.
pub const SHOPPERS: usize = 4;
/// Purchases kept in a profile: the most recent distinct products.
pub const PURCHASES: usize = 20;
/// Aisles kept in a profile's category affinity.
pub const AFFINITIES: usize = 16;
/// Suggestions asked for.
pub const LIMIT: u32 = 8;

/// A sample shopper as written to `shoppers.json`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shopper {
    pub name: String,
    /// One line about the history behind the profile.
    pub about: String,
    pub visitor_id: String,
    /// The profile snapshot (MessagePack bytes).
    pub profile: Vec<u8>,
    pub session: SessionJson,
    pub context: ContextJson,
    /// The rest of the basket being placed: what the shopper went on to buy.
    pub held_out: Vec<String>,
}

/// The session as the JavaScript API takes it.
#[derive(Debug, Clone, Serialize)]
pub struct SessionJson {
    pub viewed: Vec<String>,
    pub cart: Vec<String>,
    pub current: String,
}

/// The page context as the JavaScript API takes it.
#[derive(Debug, Clone, Serialize)]
pub struct ContextJson {
    pub page: String,
    pub limit: u32,
    pub region: String,
    pub now: u64,
}

impl Shopper {
    /// The rank request the demo script sends for this shopper.
    pub fn request(&self) -> RankRequest {
        RankRequest {
            visitor_id: self.visitor_id.clone(),
            profile: Some(self.profile.clone()),
            session: Some(Session {
                viewed: self.session.viewed.clone(),
                cart: self.session.cart.clone(),
                current: Some(self.session.current.clone()),
            }),
            context: Some(Context {
                page: Some(self.context.page.clone()),
                limit: Some(self.context.limit),
                region: Some(self.context.region.clone()),
                now: Some(self.context.now),
                ..Context::default()
            }),
            ..RankRequest::default()
        }
    }
}

/// The users with the most orders (ties to the lower id) whose last order has at least
/// three items; the last pick is the first such user placing their order on a weekend
/// when none of the others is, so the demo shows both cohorts. Their orders, oldest first.
fn pick(data: &Instacart, n: usize) -> Vec<&[Order]> {
    let mut users: Vec<&[Order]> = data
        .orders
        .chunk_by(|a, b| a.user == b.user)
        .filter(|o| o.len() >= 2 && o[o.len() - 1].items.len() >= 3)
        .collect();
    users.sort_by_key(|o| (std::cmp::Reverse(o.len()), o[0].user));
    let weekend = |o: &[Order]| o.last().is_some_and(|last| cohort_of(last.dow) == 1);
    let head = n.saturating_sub(1).min(users.len());
    let mut out = users[..head].to_vec();
    let rest = &users[head..];
    let last =
        if out.iter().any(|o| weekend(o)) { rest.first() } else { rest.iter().find(|o| weekend(o)).or(rest.first()) };
    out.extend(last.copied().filter(|_| n > 0));
    out
}

/// Ids of the orders the sample shoppers are placing (their last ones).
pub fn held_out_orders(data: &Instacart) -> Vec<u32> {
    pick(data, SHOPPERS).iter().filter_map(|o| o.last().map(|last| last.id)).collect()
}

/// `SHOPPERS` sample shoppers; the last one has not consented to personalization, to
/// show the engine ranking from the session alone.
pub fn build(data: &Instacart, bundle: &Bundle, now: u64) -> Result<Vec<Shopper>, CliError> {
    let picked = pick(data, SHOPPERS);
    let last = picked.len().saturating_sub(1);
    let mut out = Vec::with_capacity(picked.len());
    for (k, orders) in picked.into_iter().enumerate() {
        let consent = Consent { personalization: k != last, marketing: true };
        out.extend(shopper(data, bundle, orders, consent, now)?);
    }
    Ok(out)
}

/// The value at `q` (0..1) of sorted values, nearest rank.
fn quantile(sorted: &[u64], q: f64) -> u64 {
    let i = ((sorted.len().saturating_sub(1)) as f64 * q).round() as usize;
    sorted.get(i).copied().unwrap_or(0)
}

fn shopper(
    data: &Instacart,
    bundle: &Bundle,
    orders: &[Order],
    consent: Consent,
    now: u64,
) -> Result<Option<Shopper>, CliError> {
    // `pick` keeps only users with an earlier order and a last order of three items or
    // more; this says so again rather than index past an end.
    let Some((current, earlier)) = orders.split_last().filter(|(c, e)| !e.is_empty() && c.items.len() >= 3) else {
        return Ok(None);
    };
    let day = order_days(orders, now);
    let user = current.user;
    let id = |p: u32| data.products[p as usize].id.to_string();
    // The profile was last folded when the previous order was placed (at noon: Instacart
    // gives hours, but the days are already reconstructed from gaps).
    let folded_day = day[earlier.len().saturating_sub(1)];
    let updated_at = (folded_day * DAY_MS + 12 * HOUR_MS).min(now);

    let mut purchases: Vec<Purchase> = Vec::new();
    'orders: for (k, o) in earlier.iter().enumerate().rev() {
        for &p in &o.items {
            if purchases.len() == PURCHASES {
                break 'orders;
            }
            let pid = id(p);
            if !purchases.iter().any(|b| b.product == pid) {
                purchases.push(Purchase { product: pid, day: day[k] });
            }
        }
    }

    // Aisle affinity: each item bought counts 1, halving every purchase half-life of age
    // (the engine's own setting), then scaled so the favourite aisle is 1.
    let half_life = bundle.ranking.purchase_half_life_days;
    let mut aisles: BTreeMap<u32, f64> = BTreeMap::new();
    let mut prices: Vec<u64> = Vec::new();
    let mut cohorts = [0usize; 2];
    for (k, o) in earlier.iter().enumerate() {
        let age = folded_day.saturating_sub(day[k]) as f64;
        let w = (-age / half_life).exp2();
        cohorts[cohort_of(o.dow)] += 1;
        for &p in &o.items {
            *aisles.entry(data.products[p as usize].aisle).or_default() += w;
            // The bundle was built from `data`: its products are in the same order.
            prices.extend(bundle.products.get(p as usize).map(|b| b.price));
        }
    }
    let mut ranked: Vec<(u32, f64)> = aisles.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(AFFINITIES);
    let top = ranked.first().map_or(1.0, |&(_, w)| w);
    let category_affinity = ranked
        .into_iter()
        .map(|(a, w)| (data.aisle_id(a), ((w / top) * 100.0).round() / 100.0))
        .filter(|&(_, v)| v > 0.0)
        .collect();
    prices.sort_unstable();
    let price_band =
        (!prices.is_empty()).then(|| PriceBand { low: quantile(&prices, 0.1), high: quantile(&prices, 0.9) });
    let gaps: Vec<u32> = earlier.iter().filter_map(|o| o.days_since_prior).collect();
    let mean_gap = gaps.iter().map(|&g| f64::from(g)).sum::<f64>() / gaps.len().max(1) as f64;
    let segment = if mean_gap <= 7.0 { FREQUENT } else { REGULAR };
    // Instacart has no geography: the demo's "region" is the day type, so regional
    // popularity and regional promotions follow weekday and weekend shopping.
    let usual = COHORTS[usize::from(cohorts[1] > cohorts[0])];

    let profile = Profile {
        schema: PROFILE_SCHEMA,
        customer_id: format!("u{user}"),
        // The server bumps the version on each change; here each folded order is one.
        version: earlier.len() as u64,
        updated_at,
        consent,
        segment: Some(segment.into()),
        cohort: Some(usual.into()),
        region: Some(usual.into()),
        tier: None,
        category_affinity,
        brand_affinity: BTreeMap::new(),
        recent_views: Vec::new(),
        purchases,
        price_band,
    };
    let bytes = encode_profile(&profile, &Limits::default())
        .map_err(|e| CliError::core(format!("profile of user {user}"), e))?;

    let items: Vec<String> = current.items.iter().map(|&p| id(p)).collect();
    let (cart, page, held_out) = (items[..2].to_vec(), items[2].clone(), items[3..].to_vec());
    let region = COHORTS[cohort_of(current.dow)];
    let consent_note = if consent.personalization { "" } else { "; no personalization consent" };
    Ok(Some(Shopper {
        name: format!("Instacart user {user}"),
        about: format!(
            "{} earlier orders, one every {mean_gap:.1} days, mostly on {usual}s; placing order {} ({} items) on a {region}{consent_note}",
            earlier.len(),
            current.number,
            items.len(),
        ),
        visitor_id: format!("v-u{user}"),
        profile: bytes,
        session: SessionJson {
            // Instacart records no views: only the current page is a view.
            viewed: Vec::new(),
            cart,
            current: page,
        },
        context: ContextJson {
            page: "product".into(),
            limit: LIMIT,
            region: region.into(),
            now,
        },
        held_out,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(number: u32, gap: Option<u32>, dow: u8) -> Order {
        Order { id: number, user: 1, number, dow, hour: 10, days_since_prior: gap, items: vec![0, 1, 2] }
    }

    #[test]
    fn days_walk_back_from_now() {
        let orders = [order(1, None, 0), order(2, Some(7), 1), order(3, Some(3), 2)];
        let now_day = 20_000;
        assert_eq!(order_days(&orders, now_day * DAY_MS + 5), [now_day - 10, now_day - 3, now_day]);
    }

    #[test]
    fn quantiles_by_nearest_rank() {
        let v: Vec<u64> = (1..=11).collect();
        assert_eq!((quantile(&v, 0.1), quantile(&v, 0.9)), (2, 10));
        assert_eq!(quantile(&[], 0.5), 0);
    }
}
