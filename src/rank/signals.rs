//! The request's signals, resolved to product indexes once: the session (views, cart,
//! current product) and, with consent, the profile (affinities, earlier views,
//! purchases, price band). Ids the catalogue does not know are skipped: a storefront may
//! show products that are not in the bundle yet. Small sorted vectors rather than hash
//! maps: a profile holds a few dozen entries, and a request should not allocate tables.

use crate::catalogue::{flags, Catalogue};
use crate::profile::ProfileView;
use crate::request::Session;
use crate::sort::{self, top_k};

const HOUR_MS: f32 = 3_600_000.0;
const DAY_MS: u64 = 86_400_000;

/// (index, value) pairs sorted by index for [`lookup`], one per index. A map written with
/// a key twice keeps the later value, as the readable profile does (`decodeProfile`).
fn by_index(pairs: Vec<(u32, f32)>) -> Vec<(u32, f32)> {
    let mut out = sort::by_key(pairs, |i, &(index, _)| sort::ascending_key(index, i));
    out.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 = later.1;
        }
        same
    });
    out
}

/// 2^-x: the weight left after `x` half-lives. libm, so wasm and native agree bit for bit.
#[inline]
pub fn halvings(x: f32) -> f32 {
    libm::exp2f(-x.max(0.0))
}

/// The value for `key` in a vector sorted by key.
#[inline]
pub fn lookup(sorted: &[(u32, f32)], key: u32) -> Option<f32> {
    sorted.binary_search_by_key(&key, |&(k, _)| k).ok().map(|i| sorted[i].1)
}

/// The live visit.
#[derive(Debug, Default)]
pub struct SessionSignals {
    /// Viewed products then the current one, oldest first, each with its recency weight
    /// (1 for the most recent, halving every `sessionHalfLife` views).
    pub seq: Vec<(u32, f32)>,
    pub cart: Vec<u32>,
    pub current: Option<u32>,
    /// Price range of what was looked at, for the price-fit feature without a profile.
    pub band: Option<(u64, u64)>,
}

impl SessionSignals {
    pub fn resolve(cat: &Catalogue, s: &Session, max_items: usize) -> SessionSignals {
        let find = |id: &String| cat.products.find(id);
        let current = s.current.as_ref().and_then(find);
        // The most recent views matter most; beyond the limit the oldest are dropped.
        let skip = s.viewed.len().saturating_sub(max_items);
        let mut items: Vec<u32> = Vec::with_capacity(s.viewed.len() - skip + 1);
        items.extend(s.viewed[skip..].iter().filter_map(find));
        items.extend(current);
        let half_life = cat.settings.session_half_life;
        let last = items.len().saturating_sub(1);
        let seq: Vec<(u32, f32)> =
            items.iter().enumerate().map(|(i, &p)| (p, halvings((last - i) as f32 / half_life))).collect();
        let cart = s.cart.iter().take(max_items).filter_map(find).collect();
        let band = seq.iter().map(|&(p, _)| cat.products.info[p as usize].price).fold(None, |b, price| {
            Some(match b {
                None => (price, price),
                Some((lo, hi)) => (price.min(lo), price.max(hi)),
            })
        });
        // Shoppers compare around what they look at: widen the range seen by a quarter.
        let band = band.map(|(lo, hi)| (lo - lo / 5, hi.saturating_add(hi / 4)));
        SessionSignals { seq, cart, current, band }
    }
}

/// What the profile says, when the shopper consented to personalization.
#[derive(Debug, Default)]
pub struct ProfileSignals {
    /// Category affinity after time decay, sorted by category index.
    pub categories: Vec<(u32, f32)>,
    /// Brand affinity after time decay, sorted by brand index.
    pub brands: Vec<(u32, f32)>,
    /// Categories by decayed affinity, strongest first.
    pub favourites: Vec<u32>,
    /// Earlier views with their weight (time decay x history factor).
    pub views: Vec<(u32, f32)>,
    /// Purchases with their time decay.
    pub purchases: Vec<(u32, f32)>,
    /// Durable products already bought, in the profile's order: never suggested again
    /// (ranking only marks them blocked, so they need no sorting).
    pub durables: Vec<u32>,
    pub band: Option<(u64, u64)>,
}

impl ProfileSignals {
    pub fn resolve(cat: &Catalogue, p: &ProfileView, now: u64) -> ProfileSignals {
        let s = &cat.settings;
        let days_since = now.saturating_sub(p.updated_at) as f32 / DAY_MS as f32;
        let fade = halvings(days_since / s.affinity_half_life_days);
        // Sized up front rather than collected: a `filter_map` grows by reallocation.
        let mut categories = Vec::with_capacity(p.category_affinity.len());
        categories.extend(
            p.category_affinity
                .iter()
                .filter_map(|(id, a)| Some((*cat.categories.index.get(id.as_ref())?, *a as f32 * fade))),
        );
        let categories = by_index(categories);
        let mut ranked: Vec<(f32, u32)> = categories.iter().map(|&(c, v)| (v, c)).collect();
        top_k(&mut ranked, s.affinity_categories);
        let mut brands = Vec::with_capacity(p.brand_affinity.len());
        brands.extend(
            p.brand_affinity
                .iter()
                .filter_map(|(b, a)| Some((*cat.products.brand_index.get(b.as_ref())?, *a as f32 * fade))),
        );
        let brands = by_index(brands);
        let mut views = Vec::with_capacity(p.recent_views.len());
        views.extend(p.recent_views.iter().filter_map(|(product, at)| {
            let hours = now.saturating_sub(*at) as f32 / HOUR_MS;
            let w = s.history_factor * halvings(hours / s.history_half_life_hours);
            Some((cat.products.find(product)?, w))
        }));
        let today = now / DAY_MS;
        let mut durables = Vec::new();
        let mut purchases = Vec::with_capacity(p.purchases.len());
        purchases.extend(p.purchases.iter().filter_map(|(product, day)| {
            let i = cat.products.find(product)?;
            if cat.products.hot[i as usize].flags & flags::DURABLE != 0 {
                durables.push(i);
            }
            let days = today.saturating_sub(*day) as f32;
            Some((i, halvings(days / s.purchase_half_life_days)))
        }));
        ProfileSignals {
            categories,
            brands,
            favourites: ranked.into_iter().map(|(_, c)| c).collect(),
            views,
            purchases,
            durables,
            band: p.price_band.map(|b| (b.low, b.high)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_by_index_keep_the_later_of_a_key_written_twice() {
        let got = by_index(vec![(7, 0.1), (2, 0.5), (7, 0.9), (0, 0.3), (2, 0.4), (7, 0.2)]);
        assert_eq!(got, [(0, 0.3), (2, 0.4), (7, 0.2)]);
        assert_eq!(lookup(&got, 2), Some(0.4));
        assert!(by_index(Vec::new()).is_empty());
    }
}
