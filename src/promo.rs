//! Promotions: who may see them, the stock gate, exclusivity and the cap.
//!
//! A promotion is shown only when the shopper is eligible (segment, tier, new customer,
//! region, page, cart value, time window), every promoted product has at least the
//! promotion's stock threshold, and the stock data is younger than the promotion's
//! staleness budget: an offer for something that might be gone is worse than no offer.
//! Eligible promotions are ranked by expected value, at most one per exclusivity group.

use crate::bundle;
use crate::catalogue::{Catalogue, Products, MAX_SAFE_INTEGER};
use crate::error::SnapshotError;
use crate::hash::FastSet;
use crate::sort;
use crate::stock::StockTable;

/// Default staleness budget: stock read more than 15 minutes ago is not trusted for an
/// offer (a busy shop sells through low stock within minutes).
pub const DEFAULT_MAX_STOCK_AGE_MS: u64 = 15 * 60 * 1000;

/// A checked promotion.
#[derive(Debug, Clone)]
pub struct Promo {
    pub id: String,
    pub products: Vec<u32>,
    pub value: f32,
    pub rate: f32,
    pub segments: Vec<String>,
    pub regions: Vec<String>,
    pub pages: Vec<String>,
    pub min_tier: Option<u8>,
    pub min_cart_value: u64,
    pub max_cart_value: u64,
    pub new_customer: Option<bool>,
    pub start: u64,
    pub end: u64,
    pub stock_threshold: i32,
    pub max_stock_age_ms: u64,
    pub group: Option<String>,
}

/// Checks the bundle's promotions against its products.
pub fn resolve(wire: &[bundle::Promotion], products: &Products) -> Result<Vec<Promo>, SnapshotError> {
    let mut ids = FastSet::default();
    let mut out = Vec::with_capacity(wire.len());
    for (i, w) in wire.iter().enumerate() {
        let path = |f: &str| format!("bundle.promotions[{i}].{f}");
        if w.id.is_empty() || !ids.insert(w.id.as_str()) {
            return Err(SnapshotError::DuplicateId { path: path("id"), id: w.id.clone() });
        }
        if w.products.is_empty() {
            return Err(SnapshotError::invalid(path("products"), "a promotion needs a product"));
        }
        let products = w
            .products
            .iter()
            .enumerate()
            .map(|(j, id)| crate::catalogue::find(products, &id.0, || path(&format!("products[{j}]"))))
            .collect::<Result<Vec<_>, _>>()?;
        if !(w.value.is_finite() && (0.0..=MAX_SAFE_INTEGER as f64).contains(&w.value)) {
            return Err(SnapshotError::number(path("value"), w.value, "a finite value >= 0"));
        }
        if !(0.0..=1.0).contains(&w.rate) {
            return Err(SnapshotError::number(path("rate"), w.rate, "a probability 0..1"));
        }
        let threshold = w.stock_threshold.unwrap_or(1);
        if threshold < 1 {
            return Err(SnapshotError::number(path("stockThreshold"), f64::from(threshold), "at least 1"));
        }
        let (start, end) = (w.start.unwrap_or(0), w.end.unwrap_or(u64::MAX));
        if start >= end {
            return Err(SnapshotError::invalid(path("start"), "start must be before end"));
        }
        let (min_cart, max_cart) = (w.min_cart_value.unwrap_or(0), w.max_cart_value.unwrap_or(u64::MAX));
        if min_cart > max_cart {
            return Err(SnapshotError::invalid(path("minCartValue"), "above maxCartValue"));
        }
        out.push(Promo {
            id: w.id.clone(),
            products,
            value: w.value as f32,
            rate: w.rate as f32,
            segments: w.segments.clone(),
            regions: w.regions.clone(),
            pages: w.pages.clone(),
            min_tier: w.min_tier,
            min_cart_value: min_cart,
            max_cart_value: max_cart,
            new_customer: w.new_customer,
            start,
            end,
            stock_threshold: threshold,
            max_stock_age_ms: w.max_stock_age_ms.unwrap_or(DEFAULT_MAX_STOCK_AGE_MS),
            group: w.group.clone(),
        });
    }
    Ok(out)
}

/// What the shopper's profile may contribute to targeting: only with personalization and
/// marketing consent, otherwise nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Targeting<'a> {
    pub segment: Option<&'a str>,
    pub tier: Option<u8>,
    pub new_customer: Option<bool>,
}

/// The request as promotions see it.
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    pub targeting: Targeting<'a>,
    pub region: Option<&'a str>,
    pub stock_region: Option<u32>,
    pub page: Option<&'a str>,
    pub cart_value: u64,
    pub now: u64,
}

/// The criterion that made a promotion eligible, most specific first; `None` when it is
/// not eligible.
fn eligible(p: &Promo, s: &Situation) -> Option<String> {
    let t = &s.targeting;
    let listed = |list: &[String], v: Option<&str>| list.is_empty() || v.is_some_and(|v| list.iter().any(|x| x == v));
    let ok = listed(&p.segments, t.segment)
        && listed(&p.regions, s.region)
        && listed(&p.pages, s.page)
        && p.min_tier.is_none_or(|min| t.tier.is_some_and(|tier| tier >= min))
        && p.new_customer.is_none_or(|want| t.new_customer == Some(want))
        && (p.min_cart_value..=p.max_cart_value).contains(&s.cart_value)
        && (p.start..p.end).contains(&s.now);
    if !ok {
        return None;
    }
    Some(if let (false, Some(seg)) = (p.segments.is_empty(), t.segment) {
        format!("segment:{seg}")
    } else if let (Some(_), Some(tier)) = (p.min_tier, t.tier) {
        format!("tier:{tier}")
    } else if let Some(want) = p.new_customer {
        (if want { "new-customer" } else { "returning-customer" }).to_owned()
    } else if p.min_cart_value > 0 || p.max_cart_value < u64::MAX {
        "cart-value".to_owned()
    } else if let (false, Some(region)) = (p.regions.is_empty(), s.region) {
        format!("region:{region}")
    } else if let (false, Some(page)) = (p.pages.is_empty(), s.page) {
        format!("page:{page}")
    } else {
        "all".to_owned()
    })
}

/// True when every promoted product has the threshold in stock (untracked products always
/// have) and the data is fresh.
fn stocked(p: &Promo, cat: &Catalogue, stock: &StockTable, s: &Situation) -> bool {
    stock.epoch() > 0
        && s.now.saturating_sub(stock.as_of()) <= p.max_stock_age_ms
        && p.products.iter().all(|&i| stock.showable(cat, i, s.stock_region).is_some_and(|l| l >= p.stock_threshold))
}

/// A promotion chosen for a response.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    pub promo: usize,
    pub reason: String,
    pub expected_value: f32,
}

/// Chooses at most `cap` promotions by expected value: `rate x value x (1 + relevance)`,
/// where `relevance(product)` in 0..1 says how well a product fits this shopper now.
pub fn choose(
    cat: &Catalogue,
    stock: &StockTable,
    s: &Situation,
    relevance: impl Fn(u32) -> f32,
    cap: usize,
) -> Vec<Chosen> {
    let promos = &cat.promotions;
    let eligible: Vec<Chosen> = promos
        .iter()
        .enumerate()
        .filter(|(_, p)| stocked(p, cat, stock, s))
        .filter_map(|(i, p)| {
            let reason = eligible(p, s)?;
            let rel = p.products.iter().map(|&q| relevance(q).clamp(0.0, 1.0)).fold(0.0, f32::max);
            Some(Chosen { promo: i, reason, expected_value: p.rate * p.value * (1.0 + rel) })
        })
        .collect();
    // Best expected value first; ties to the earlier promotion, which is the earlier entry.
    let mut groups = FastSet::default();
    sort::by_key(eligible, |i, c| sort::key(c.expected_value, i))
        .into_iter()
        .filter(|c| promos[c.promo].group.as_deref().is_none_or(|g| groups.insert(g)))
        .take(cap)
        .collect()
}
