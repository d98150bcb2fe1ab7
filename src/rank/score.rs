//! Features, scores and reasons of candidates.

use std::cell::Cell;

use crate::catalogue::{Catalogue, PopTable, ANCESTOR_WEIGHTS, NONE};
use crate::sort;
use crate::stock::StockTable;
use crate::weights::{Feature, Weights, FEATURES};

use super::pool::{Candidate, Pool, FROM_AFFINITY};
use super::signals::{halvings, lookup, ProfileSignals};
use super::{Reason, Reasons};

/// Scores candidates for one request.
pub struct Scorer<'a> {
    pub cat: &'a Catalogue,
    pub stock: &'a StockTable,
    pub w: Weights,
    pub prof: Option<&'a ProfileSignals>,
    pub band: Option<(f32, f32)>,
    pub pop: &'a PopTable,
    /// Index of `pop` in the catalogue's popularity tables (for `popular:` reasons).
    pub cohort: u32,
    pub region: Option<u32>,
    /// Category affinity per category, NaN until first needed (empty without a profile):
    /// hundreds of candidates share a few dozen categories.
    pub category_memo: Vec<Cell<f32>>,
}

impl Scorer<'_> {
    /// The stock level that lets a product be shown, if it may be.
    #[inline]
    pub fn stock_level(&self, p: u32) -> Option<i32> {
        self.stock.showable(self.cat, p, self.region)
    }

    /// Affinity to the product's category (a parent counts half as much per level) plus
    /// half the brand affinity, capped at 1; and its strongest source.
    pub fn affinity(&self, p: u32) -> (f32, Option<Reason>) {
        let Some(prof) = self.prof else {
            return (0.0, None);
        };
        let rec = &self.cat.products.hot[p as usize];
        let (category, liked) = category_affinity(self.cat, prof, rec.category);
        let brand = brand_affinity(prof, rec.brand);
        let source = if brand > category { Some(Reason::Brand(rec.brand)) } else { liked.map(Reason::Category) };
        ((category + brand).min(1.0), source)
    }

    /// `affinity(p).0`, with each category's value computed once per request.
    fn affinity_value(&self, p: u32) -> f32 {
        let Some(prof) = self.prof else { return 0.0 };
        let rec = &self.cat.products.hot[p as usize];
        let memo = &self.category_memo[rec.category as usize];
        let mut category = memo.get();
        if category.is_nan() {
            category = category_affinity(self.cat, prof, rec.category).0;
            memo.set(category);
        }
        (category + brand_affinity(prof, rec.brand)).min(1.0)
    }

    /// Every feature of a candidate whose showable stock level is `level`.
    pub fn features(&self, c: &Candidate, level: i32) -> [f32; FEATURES] {
        let rec = &self.cat.products.hot[c.product as usize];
        let mut f = [0.0; FEATURES];
        f[Feature::Similarity as usize] = c.sim;
        f[Feature::Complement as usize] = c.comp;
        f[Feature::Affinity as usize] = self.affinity_value(c.product);
        f[Feature::Popularity as usize] = self.pop.norm[c.product as usize];
        f[Feature::Recency as usize] = c.recency;
        f[Feature::PriceFit as usize] = price_fit(rec.price, self.band);
        f[Feature::Stock as usize] = (level.max(0) as f32 / self.cat.settings.stock_depth).min(1.0);
        f[Feature::Margin as usize] = rec.margin;
        // Each purchase adds a half-life's worth (at repeatHalfCount 1: once 0.5, twice 0.75...).
        let bought = c.bought / self.cat.settings.repeat_half_count;
        f[Feature::Repeat as usize] = if c.bought > 0.0 { 1.0 - halvings(bought) } else { 0.0 };
        f[Feature::Revisit as usize] = c.seen;
        f
    }

    pub fn score(&self, f: &[f32; FEATURES]) -> f32 {
        f.iter().zip(&self.w.0).map(|(x, w)| x * w).sum()
    }

    /// The score of any product (a pinned one may not be a candidate).
    pub fn score_of(&self, pool: &Pool, p: u32, level: i32) -> f32 {
        match pool.get(p) {
            Some(c) => self.score(&self.features(c, level)),
            None => self.score(&self.features(&Candidate::new(p), level)),
        }
    }

    /// An item's reasons, strongest contribution first.
    pub fn reasons(&self, pool: &Pool, p: u32) -> Reasons {
        let mut out = Reasons::default();
        let Some(c) = pool.get(p) else { return out };
        // At most 2 item reasons, an affinity and a popularity: four candidates.
        let mut found: [(f32, Reason); 4] = [(0.0, Reason::Pinned); 4];
        let mut n = 0;
        for r in c.reasons.iter().flatten() {
            found[n] = (r.contribution, Reason::Item(r.via, r.item));
            n += 1;
        }
        let (aff, liked) = self.affinity(p);
        if let Some(liked) = liked {
            found[n] = (aff * self.w.get(Feature::Affinity), liked);
            n += 1;
        }
        found[n] = (self.pop.norm[p as usize] * self.w.get(Feature::Popularity), Reason::Popular(self.cohort));
        n += 1;
        // Strongest first; equal contributions keep their order, so item reasons first.
        let mut order = [0u64; 4];
        for (i, (k, f)) in order.iter_mut().zip(&found[..n]).enumerate() {
            *k = sort::key(f.0, i as u32);
        }
        sort::sort_descending(&mut order[..n]);
        let mut named: [u32; 2] = [u32::MAX; 2];
        for &(v, r) in order[..n].iter().map(|&k| &found[sort::index_of(k) as usize]) {
            if v <= 0.0 {
                continue;
            }
            // One product, one reason: "goes with X in your cart" and "goes with X you
            // bought" say the same thing twice; the stronger one stays.
            if let Reason::Item(_, item) = r {
                if named.contains(&item) {
                    continue;
                }
                named[usize::from(named[0] != u32::MAX)] = item;
            }
            out.push(r);
        }
        if out.is_empty() {
            // Every candidate came from some source: name it even when its weight is zero.
            if let Some(r) = c.reasons[0] {
                out.push(Reason::Item(r.via, r.item));
            } else if let Some(fav) = (c.from & FROM_AFFINITY != 0).then(|| self.favourite_of(p)).flatten() {
                out.push(Reason::Category(fav));
            } else {
                out.push(Reason::Popular(self.cohort));
            }
        }
        out
    }

    /// The favourite category that brought product `p` in.
    fn favourite_of(&self, p: u32) -> Option<u32> {
        let mut lineage = self.cat.categories.lineage(self.cat.products.hot[p as usize].category);
        let favs = &self.prof?.favourites;
        lineage.find(|c| favs.contains(c))
    }
}

/// The best affinity along a category's lineage (a parent counts half per level), and the
/// category it came from.
fn category_affinity(cat: &Catalogue, prof: &ProfileSignals, category: u32) -> (f32, Option<u32>) {
    let mut best = (0.0f32, None);
    for (c, scale) in cat.categories.lineage(category).zip(ANCESTOR_WEIGHTS) {
        if let Some(a) = lookup(&prof.categories, c) {
            if a * scale > best.0 {
                best = (a * scale, Some(c));
            }
        }
    }
    best
}

/// Half the brand affinity: a brand says less about taste than a category.
#[inline]
fn brand_affinity(prof: &ProfileSignals, brand: u32) -> f32 {
    if brand == NONE || prof.brands.is_empty() {
        return 0.0;
    }
    lookup(&prof.brands, brand).map_or(0.0, |b| b * 0.5)
}

/// 1 inside the band, falling off as the ratio to the nearer edge outside it; 0 with no
/// band (so every candidate gets the same).
fn price_fit(price: f32, band: Option<(f32, f32)>) -> f32 {
    match band {
        None => 0.0,
        Some((lo, _)) if price < lo => price / lo,
        Some((_, hi)) if price > hi => hi / price,
        Some(_) => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_fit_is_one_inside_and_a_ratio_outside() {
        let band = Some((100.0, 200.0));
        assert_eq!(price_fit(150.0, band), 1.0);
        assert_eq!(price_fit(50.0, band), 0.5);
        assert_eq!(price_fit(400.0, band), 0.5);
        assert_eq!(price_fit(0.0, band), 0.0);
        assert_eq!(price_fit(123.0, None), 0.0);
    }
}
