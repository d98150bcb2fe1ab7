//! The simulated shoppers: who they are, what they look at, and how likely they are to
//! buy from what a page shows them.
//!
//! Each shopper has latent tastes (a few favourite categories with weights), a price level
//! and a sensitivity to prices away from it, and a propensity to buy at all. They visit a
//! few times during the experiment; each visit views products from their favourite
//! categories (the popular ones more often) and ends on a product page whose
//! suggestion slot the real engine fills. The shopper examines slot positions with a
//! position bias, clicks what suits their taste and price, and buys some of what they
//! click; they may also buy the product they came to see. A shop knows a noisy version of
//! the tastes (the profile snapshot, for shoppers who consented), so a ranking that leans
//! on what the shop knows about them shows more of what they will buy.
//!
//! Everything is a probability here, so the chance that a shopper converts under each
//! variant is known exactly: that is the ground truth `vitrine ab simulate` reports beside
//! the log.

use vitrine::bundle::Bundle;
use vitrine::profile::{Consent, PriceBand, Profile, View};
use vitrine::Limits;

use crate::ab::rng::Xoshiro256;

const MINUTE: u64 = 60_000;
const DAY: u64 = 86_400_000;

/// The catalogue as the shoppers see it.
pub struct Shelf {
    /// Product ids, by index.
    pub ids: Vec<String>,
    pub prices: Vec<f64>,
    /// Category index of each product.
    pub category: Vec<usize>,
    /// Category ids, by index.
    pub categories: Vec<String>,
    /// Each category's products, most popular first.
    pub by_category: Vec<Vec<u32>>,
    /// Each category's share of all popularity (what draws shoppers to it).
    pub category_weight: Vec<f64>,
    /// Product index by id.
    pub index: std::collections::HashMap<String, u32>,
}

impl Shelf {
    /// The shelf of `b`: products grouped by their category, ranked by global popularity.
    pub fn new(b: &Bundle) -> Shelf {
        let mut categories: Vec<String> = Vec::new();
        let mut category = Vec::with_capacity(b.products.len());
        for p in &b.products {
            let c = match categories.iter().position(|c| *c == p.category.0) {
                Some(c) => c,
                None => {
                    categories.push(p.category.0.clone());
                    categories.len() - 1
                }
            };
            category.push(c);
        }
        let mut pop = vec![0f64; b.products.len()];
        for (&i, &s) in b.popularity.global.item.iter().zip(b.popularity.global.score.iter()) {
            if let Some(slot) = pop.get_mut(i as usize) {
                *slot = f64::from(s);
            }
        }
        let mut by_category: Vec<Vec<u32>> = vec![Vec::new(); categories.len()];
        for (i, &c) in category.iter().enumerate() {
            by_category[c].push(i as u32);
        }
        for list in &mut by_category {
            list.sort_by(|&a, &b| pop[b as usize].total_cmp(&pop[a as usize]).then(a.cmp(&b)));
        }
        // Every category draws someone (+1), popular ones more.
        let mut category_weight: Vec<f64> =
            by_category.iter().map(|l| 1.0 + l.iter().map(|&i| pop[i as usize]).sum::<f64>()).collect();
        let total: f64 = category_weight.iter().sum();
        category_weight.iter_mut().for_each(|w| *w /= total);
        Shelf {
            ids: b.products.iter().map(|p| p.id.0.clone()).collect(),
            index: b.products.iter().enumerate().map(|(i, p)| (p.id.0.clone(), i as u32)).collect(),
            prices: b.products.iter().map(|p| p.price as f64).collect(),
            category,
            categories,
            by_category,
            category_weight,
        }
    }
}

/// One visit: the products viewed, oldest first; the last is the page being rendered.
#[derive(Debug, Clone)]
pub struct Visit {
    pub at: u64,
    pub viewed: Vec<u32>,
}

/// A visit's chance of a purchase, and each product's part of it (the page's own product
/// first, then the slot's).
#[derive(Debug, Clone)]
pub struct Odds {
    pub p: f64,
    pub parts: Vec<(u32, f64)>,
}

/// A simulated shopper.
#[derive(Debug, Clone)]
pub struct Shopper {
    pub id: String,
    /// (category, taste 0..1), strongest first.
    tastes: Vec<(usize, f64)>,
    /// The price they usually pay, minor units.
    price_level: f64,
    /// How fast their interest falls off away from that price.
    sensitivity: f64,
    /// Multiplies every purchase probability (some shoppers simply buy more).
    pub propensity: f64,
    /// The profile snapshot, for shoppers who consented to personalization.
    pub profile: Option<Vec<u8>>,
    pub visits: Vec<Visit>,
    /// Orders before the experiment: (time, value), the CUPED covariate's source.
    pub earlier_orders: Vec<(u64, f64)>,
}

/// How the shoppers behave; the defaults give conversion rates of a few percent.
#[derive(Debug, Clone, Copy)]
pub struct Behaviour {
    /// Chance of clicking a perfectly suited item in the first slot.
    pub click: f64,
    /// Chance of buying what was clicked.
    pub buy: f64,
    /// Chance of buying the product the page is about, when it suits them perfectly.
    pub organic: f64,
    /// Position bias: slot k is examined with probability 1 / (1 + k)^bias.
    pub bias: f64,
    /// Interest in a category they have no taste for, relative to their favourite.
    pub stray: f64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour { click: 0.35, buy: 0.25, organic: 0.03, bias: 0.8, stray: 0.04 }
    }
}

fn exponential(rng: &mut Xoshiro256, mean: f64) -> f64 {
    -mean * (1.0 - rng.uniform()).ln()
}

/// A draw from `weights` (non-negative, not all zero).
pub(crate) fn pick(rng: &mut Xoshiro256, weights: impl Iterator<Item = f64> + Clone) -> usize {
    let total: f64 = weights.clone().sum();
    let mut x = rng.uniform() * total;
    let mut last = 0;
    for (i, w) in weights.enumerate() {
        if x < w {
            return i;
        }
        x -= w;
        last = i;
    }
    last
}

/// A product of category `c`, the popular ones more often (rank r drawn ∝ 1/(r+1)).
fn product_in(rng: &mut Xoshiro256, shelf: &Shelf, c: usize) -> u32 {
    let list = &shelf.by_category[c];
    list[pick(rng, (0..list.len()).map(|r| 1.0 / (r as f64 + 1.0)))]
}

impl Shopper {
    /// Shopper `n`, drawn from its own stream of `seed`; visits fall in `[start, end)`.
    pub fn draw(shelf: &Shelf, seed: u64, n: u64, start: u64, end: u64, consent: f64) -> Shopper {
        let mut rng = Xoshiro256::stream(seed, n);
        let k = 2 + (rng.uniform() * 4.0) as usize;
        let mut tastes: Vec<(usize, f64)> = Vec::with_capacity(k);
        while tastes.len() < k.min(shelf.categories.len()) {
            let c = pick(&mut rng, shelf.category_weight.iter().copied());
            if !tastes.iter().any(|&(x, _)| x == c) {
                tastes.push((c, exponential(&mut rng, 1.0)));
            }
        }
        let top = tastes.iter().map(|t| t.1).fold(f64::MIN, f64::max).max(f64::MIN_POSITIVE);
        tastes.iter_mut().for_each(|t| t.1 /= top);
        tastes.sort_by(|a, b| b.1.total_cmp(&a.1));
        let price_level = 2_000.0 * (0.9 * rng.normal()).exp();
        let sensitivity = 0.3 + 1.2 * rng.uniform();
        // Lognormal with mean 1 (σ 0.8): a few shoppers buy far more than most, as in real shops.
        let propensity = (0.8 * rng.normal() - 0.32).exp();

        let span = end.saturating_sub(start).max(1);
        let mut visits = Vec::new();
        let mut at = start + (rng.uniform() * span as f64) as u64;
        let count = 1 + (exponential(&mut rng, 1.0) as usize).min(4);
        for _ in 0..count {
            if at >= end {
                break;
            }
            let mut viewed = Vec::new();
            for _ in 0..1 + (rng.uniform() * 4.0) as usize {
                let c = tastes[pick(&mut rng, tastes.iter().map(|t| t.1))].0;
                viewed.push(product_in(&mut rng, shelf, c));
            }
            visits.push(Visit { at, viewed });
            at += (exponential(&mut rng, 2.0) * DAY as f64) as u64 + 30 * MINUTE;
        }

        let mut earlier_orders = Vec::new();
        let mut t = start as f64;
        // Orders over the four weeks before the experiment, three for an average shopper.
        loop {
            t -= exponential(&mut rng, 28.0 / (3.0 * propensity)) * DAY as f64;
            if t < start as f64 - 28.0 * DAY as f64 {
                break;
            }
            earlier_orders.push((t as u64, (price_level * (0.5 * rng.normal()).exp()).round()));
        }

        let mut s = Shopper {
            id: format!("sim-{n}"),
            tastes,
            price_level,
            sensitivity,
            propensity,
            profile: None,
            visits,
            earlier_orders,
        };
        if rng.uniform() < consent {
            s.profile = Some(s.profile_bytes(shelf, &mut rng, start));
        }
        s
    }

    /// What the shop knows: the tastes with noise, a few earlier views, the price band.
    fn profile_bytes(&self, shelf: &Shelf, rng: &mut Xoshiro256, start: u64) -> Vec<u8> {
        let updated = start - DAY;
        let mut p = Profile::new(self.id.clone(), updated - updated % MINUTE);
        p.version = 1;
        p.consent = Consent { personalization: true, marketing: true };
        p.segment = Some("regular".into());
        for &(c, w) in &self.tastes {
            let noisy = (w * (0.35 * rng.normal()).exp()).clamp(0.05, 1.0);
            p.category_affinity.insert(shelf.categories[c].clone(), (noisy * 100.0).round() / 100.0);
        }
        for k in 0..3u64 {
            let c = self.tastes[pick(rng, self.tastes.iter().map(|t| t.1))].0;
            let at = p.updated_at - (k + 1) * 7 * 60 * MINUTE;
            p.recent_views.push(View { product: shelf.ids[product_in(rng, shelf, c) as usize].clone(), at });
        }
        let (low, high) = ((self.price_level * 0.4) as u64, (self.price_level * 2.5) as u64);
        p.price_band = Some(PriceBand { low, high });
        // Our own profile, within every limit: encoding cannot fail.
        vitrine::encode_profile(&p, &Limits::default()).unwrap_or_default()
    }

    /// How much the shopper wants product `i`, 0..1: taste for its category times the fit
    /// of its price.
    pub fn appeal(&self, shelf: &Shelf, b: &Behaviour, i: u32) -> f64 {
        let c = shelf.category[i as usize];
        let taste = self.tastes.iter().find(|t| t.0 == c).map_or(b.stray, |t| t.1.max(b.stray));
        let off = (shelf.prices[i as usize].max(1.0) / self.price_level).ln().abs();
        taste * (-self.sensitivity * off).exp()
    }

    /// The chance of buying during a visit whose slot shows `slot` (indexes, in order).
    pub fn visit_odds(&self, shelf: &Shelf, b: &Behaviour, visit: &Visit, slot: &[u32]) -> Odds {
        let current = *visit.viewed.last().unwrap_or(&0);
        let organic = (b.organic * self.propensity * self.appeal(shelf, b, current)).min(1.0);
        let mut none = 1.0 - organic;
        let mut parts = vec![(current, organic)];
        for (k, &i) in slot.iter().enumerate() {
            let examine = 1.0 / (1.0 + k as f64).powf(b.bias);
            let p = (examine * b.click * self.appeal(shelf, b, i) * b.buy * self.propensity).min(1.0);
            none *= 1.0 - p;
            parts.push((i, p));
        }
        Odds { p: 1.0 - none, parts }
    }
}
