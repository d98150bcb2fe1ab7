//! Ranking: candidates, features, rules, diversity and reasons.
//!
//! Candidates come from the session's views (item-to-item neighbours), the cart
//! (complements), and with personalization consent the profile (earlier views, past
//! purchases, favourite categories), plus the cohort's best sellers. Each is scored as a
//! weighted sum of features; then the rules apply: nothing out of stock, nothing excluded,
//! nothing in the cart, no durable product the shopper already owns, pins in place, at
//! most `maxPerCategory` per category. Every step is deterministic (fixed iteration
//! orders, total ordering with index tie-breaks, libm math), so the same inputs give the
//! same bits natively and in wasm.

use std::cell::Cell;

mod pool;
mod select;
pub(crate) mod signals;

use crate::catalogue::{flags, Catalogue, PopTable, ANCESTOR_WEIGHTS, MAX_SAFE_INTEGER, NONE};
use crate::error::RequestError;
use crate::hash::FastSet;
use crate::limits::Limits;
use crate::profile::Profile;
use crate::promo::{self, Situation, Targeting};
use crate::request::{Context, Decision, RankRequest, RankResponse, RankedItem, Session, ShownPromotion};
use crate::stock::StockTable;
use crate::weights::{Feature, WeightError, Weights, FEATURES};

use pool::{Candidate, Pool, Via, FROM_AFFINITY, FROM_POPULAR};
use signals::{halvings, ProfileSignals, SessionSignals};

/// Most reasons listed per item.
const MAX_REASONS: usize = 3;

/// Everything a ranking reads.
pub struct Inputs<'a> {
    pub cat: &'a Catalogue,
    pub stock: &'a StockTable,
    pub limits: &'a Limits,
    pub req: &'a RankRequest,
    /// The decoded profile, if any (consent is checked here).
    pub profile: Option<&'a Profile>,
    /// The time of the decision (the request's `context.now` when given).
    pub now: u64,
}

static NO_SESSION: Session = Session { viewed: Vec::new(), cart: Vec::new(), current: None };
static NO_CONTEXT: Context =
    Context { page: None, limit: None, region: None, now: None, exclude: Vec::new(), pin: Vec::new() };

/// Ranks suggestions and chooses promotions for one request.
pub fn rank(i: &Inputs) -> Result<RankResponse, RequestError> {
    let Inputs { cat, stock, limits, req, now, .. } = *i;
    let ctx = req.context.as_ref().unwrap_or(&NO_CONTEXT);
    let session = req.session.as_ref().unwrap_or(&NO_SESSION);
    if now > MAX_SAFE_INTEGER {
        return Err(RequestError::InvalidNumber {
            path: "context.now".into(),
            value: now as f64,
            rule: "ms since 1970, at most 2^53-1",
        });
    }
    let weights = match &req.weights {
        None => cat.weights,
        Some(o) => cat.weights.with(o.iter().map(|(k, v)| (k.as_str(), *v))).map_err(|e| match e {
            WeightError::Unknown(name) => RequestError::UnknownWeight { name },
            WeightError::NotAllowed { name, value } => {
                RequestError::InvalidNumber { path: format!("weights.{name}"), value, rule: "finite, |w| <= 1e6" }
            }
        })?,
    };
    let limit = ctx.limit.map_or(cat.settings.limit, |l| l as usize).min(limits.max_results);
    let profile = i.profile.filter(|p| p.consent.personalization);
    let sess = SessionSignals::resolve(cat, session, limits.max_session_items);
    let prof = profile.map(|p| ProfileSignals::resolve(cat, p, now));
    let region = ctx.region.as_deref();
    let cohort = profile
        .and_then(|p| p.cohort.as_deref())
        .and_then(|c| cat.cohort_index.get(c))
        .or_else(|| region.and_then(|r| cat.cohort_index.get(r)))
        .map_or(0, |&c| c as usize);
    let scorer = Scorer {
        cat,
        stock,
        w: weights,
        prof: prof.as_ref(),
        band: prof.as_ref().and_then(|p| p.band).or(sess.band).map(|(lo, hi)| (lo as f32, hi as f32)),
        pop: &cat.popularity[cohort],
        region: region.and_then(|r| stock.region(r)),
        category_memo: if prof.is_some() { vec![Cell::new(f32::NAN); cat.categories.ids.len()] } else { Vec::new() },
    };

    let mut pool = Pool::new(cat.len());
    gather(cat, &weights, &sess, prof.as_ref(), scorer.pop, &mut pool);

    let mut blocked: FastSet<u32> = sess.cart.iter().copied().chain(sess.current).collect();
    blocked.extend(ctx.exclude.iter().filter_map(|id| cat.products.find(id)));
    if let Some(p) = &prof {
        blocked.extend(p.durables.iter().copied());
    }
    for &p in &blocked {
        if let Some(c) = pool.get_mut(p) {
            c.blocked = true;
        }
    }
    let allowed = |p: u32| !cat.excluded[p as usize] && !blocked.contains(&p) && scorer.stock_level(p).is_some();

    let mut scored: Vec<(f32, u32)> = Vec::with_capacity(pool.list.len());
    for c in &pool.list {
        if c.blocked || cat.excluded[c.product as usize] {
            continue;
        }
        let Some(level) = scorer.stock_level(c.product) else { continue };
        scored.push((scorer.score(&scorer.features(c, level)), c.product));
    }

    let pin_score = |p: u32| {
        let level = scorer.stock_level(p).unwrap_or(0);
        match pool.get(p) {
            Some(c) => scorer.score(&scorer.features(c, level)),
            None => scorer.score(&scorer.features(&Candidate::new(p), level)),
        }
    };
    let page = ctx.page.as_deref();
    let pins: Vec<(usize, u32, f32)> = ctx
        .pin
        .iter()
        .filter_map(|id| cat.products.find(id))
        .enumerate()
        .chain(
            cat.pins
                .iter()
                .filter(|r| r.page.is_none() || r.page.as_deref() == page)
                .map(|r| (r.position as usize, r.product)),
        )
        .filter(|&(_, p)| allowed(p))
        .map(|(pos, p)| (pos, p, pin_score(p)))
        .collect();
    let placed = select::select(cat, &pins, &mut scored, limit, cat.settings.max_per_category);

    let items = placed
        .iter()
        .map(|pl| RankedItem {
            id: cat.products.info[pl.product as usize].id.clone(),
            score: pl.score,
            reasons: if pl.pinned { vec!["pinned".to_owned()] } else { scorer.reasons(&pool, pl.product) },
        })
        .collect();

    let targeting = match profile {
        Some(p) if p.consent.marketing => Targeting {
            segment: p.segment.as_deref(),
            tier: p.tier,
            new_customer: Some(p.purchases.is_empty()),
        },
        _ => Targeting::default(),
    };
    let situation = Situation {
        targeting,
        region,
        stock_region: scorer.region,
        page,
        cart_value: sess.cart.iter().fold(0u64, |v, &p| v.saturating_add(cat.products.info[p as usize].price)),
        now,
    };
    let relevance = |p: u32| {
        let signal = pool.get(p).map_or(0.0, |c| c.sim + c.comp);
        signal.max(scorer.affinity(p).0).min(1.0)
    };
    let promotions = promo::choose(&cat.promotions, stock, &situation, relevance, cat.settings.promotion_cap)
        .into_iter()
        .map(|c| {
            let p = &cat.promotions[c.promo];
            ShownPromotion {
                id: p.id.clone(),
                products: p.products.iter().map(|&q| cat.products.info[q as usize].id.clone()).collect(),
                reason: c.reason,
            }
        })
        .collect();

    Ok(RankResponse {
        items,
        promotions,
        decision: Decision {
            bundle_version: cat.version.clone(),
            stock_epoch: stock.epoch(),
            profile_version: profile.map(|p| p.version),
            now,
        },
    })
}

/// Adds every candidate the signals point at to the pool.
fn gather(
    cat: &Catalogue,
    w: &Weights,
    sess: &SessionSignals,
    prof: Option<&ProfileSignals>,
    pop: &PopTable,
    pool: &mut Pool,
) {
    let (w_sim, w_comp, w_rep) = (w.get(Feature::Similarity), w.get(Feature::Complement), w.get(Feature::Repeat));
    let views = |seen: &[(u32, f32)], pool: &mut Pool| {
        for &(item, r) in seen {
            let (to, weight) = cat.neighbours.row(item);
            for (&c, &x) in to.iter().zip(weight) {
                let cand = pool.entry(c);
                cand.sim += r * x;
                cand.recency = cand.recency.max(r);
                cand.note(Via::Viewed, item, w_sim * r * x);
            }
        }
    };
    views(&sess.seq, pool);
    for &item in &sess.cart {
        let (to, weight) = cat.complements.row(item);
        for (&c, &x) in to.iter().zip(weight) {
            let cand = pool.entry(c);
            cand.comp += x;
            cand.recency = 1.0;
            cand.note(Via::Cart, item, w_comp * x);
        }
    }
    let Some(prof) = prof else {
        popular(pop, pool);
        return;
    };
    views(&prof.views, pool);
    for &(item, d) in &prof.purchases {
        let (to, weight) = cat.complements.row(item);
        for (&c, &x) in to.iter().zip(weight) {
            let cand = pool.entry(c);
            cand.comp += d * x;
            cand.note(Via::Bought, item, w_comp * d * x);
        }
        if cat.products.hot[item as usize].flags & flags::CONSUMABLE != 0 {
            let cand = pool.entry(item);
            cand.bought += d;
            cand.note(Via::Repeat, item, w_rep * d);
        }
    }
    for &c in &prof.favourites {
        for &p in &cat.category_top[c as usize] {
            pool.entry(p).from |= FROM_AFFINITY;
        }
    }
    popular(pop, pool);
}

fn popular(pop: &PopTable, pool: &mut Pool) {
    for &p in &pop.top {
        pool.entry(p).from |= FROM_POPULAR;
    }
}

/// Where an affinity came from.
#[derive(Clone, Copy)]
enum Liked {
    Category(u32),
    Brand(u32),
}

struct Scorer<'a> {
    cat: &'a Catalogue,
    stock: &'a StockTable,
    w: Weights,
    prof: Option<&'a ProfileSignals>,
    band: Option<(f32, f32)>,
    pop: &'a PopTable,
    region: Option<u32>,
    /// Category affinity per category, NaN until first needed (empty without a profile).
    category_memo: Vec<Cell<f32>>,
}

impl Scorer<'_> {
    /// Affinity to the product's category (a parent counts half as much per level) plus
    /// half the brand affinity, capped at 1; and its strongest source.
    fn affinity(&self, p: u32) -> (f32, Option<Liked>) {
        let Some(prof) = self.prof else { return (0.0, None) };
        let rec = &self.cat.products.hot[p as usize];
        let (category, liked) = category_affinity(self.cat, prof, rec.category);
        let brand = brand_affinity(prof, rec.brand);
        let source = if brand > category { Some(Liked::Brand(rec.brand)) } else { liked.map(Liked::Category) };
        ((category + brand).min(1.0), source)
    }

    /// `affinity(p).0`, with each category's value computed once per request: hundreds of
    /// candidates share a few dozen categories.
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

    /// The stock level that makes a product showable (untracked products count as full),
    /// or `None` when it is out of stock or its stock is unknown.
    #[inline]
    fn stock_level(&self, p: u32) -> Option<i32> {
        if self.cat.products.hot[p as usize].flags & flags::UNTRACKED != 0 {
            return Some(i32::MAX);
        }
        self.stock.level(p, self.region).filter(|&l| l > 0)
    }

    fn features(&self, c: &Candidate, level: i32) -> [f32; FEATURES] {
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
        // Each purchase adds a half-life's worth: once 0.5, twice 0.75...
        f[Feature::Repeat as usize] = if c.bought > 0.0 { 1.0 - halvings(c.bought) } else { 0.0 };
        f
    }

    fn score(&self, f: &[f32; FEATURES]) -> f32 {
        f.iter().zip(&self.w.0).map(|(x, w)| x * w).sum()
    }

    /// The item's reasons, strongest contribution first.
    fn reasons(&self, pool: &Pool, p: u32) -> Vec<String> {
        let Some(c) = pool.get(p) else { return Vec::new() };
        let (hot, info) = (&self.cat.products.hot, &self.cat.products.info);
        let item_reasons =
            c.reasons.iter().flatten().map(|r| (r.contribution, code(r.via.prefix(), &info[r.item as usize].id)));
        let mut found: Vec<(f32, String)> = item_reasons.clone().collect();
        let (aff, liked) = self.affinity(p);
        let liked = liked.map(|l| match l {
            Liked::Category(c) => code("affinity:", &self.cat.categories.ids[c as usize]),
            Liked::Brand(b) => code("brand:", &self.cat.products.brands[b as usize]),
        });
        found.extend(liked.map(|l| (aff * self.w.get(Feature::Affinity), l)));
        let pop = self.pop.norm[p as usize];
        let popular = code("popular:", &self.pop.name);
        found.push((pop * self.w.get(Feature::Popularity), popular.clone()));
        found.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut out: Vec<String> =
            found.into_iter().filter(|(v, _)| *v > 0.0).map(|(_, r)| r).take(MAX_REASONS).collect();
        if out.is_empty() {
            // Every candidate came from some source: name it even when its weight is zero.
            let favourite = || {
                let lineage: Vec<u32> = self.cat.categories.lineage(hot[p as usize].category).collect();
                let fav = self.prof?.favourites.iter().find(|f| lineage.contains(f))?;
                Some(code("affinity:", &self.cat.categories.ids[*fav as usize]))
            };
            out.extend(item_reasons.map(|(_, r)| r).next());
            if out.is_empty() && c.from & FROM_AFFINITY != 0 {
                out.extend(favourite());
            }
            if out.is_empty() {
                out.push(popular);
            }
        }
        out
    }
}

/// A reason code: a prefix and an id (`format!` costs several times more).
fn code(prefix: &str, id: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + id.len());
    s.push_str(prefix);
    s.push_str(id);
    s
}

/// The best affinity along a category's lineage (a parent counts half per level), and the
/// category it came from.
fn category_affinity(cat: &Catalogue, prof: &ProfileSignals, category: u32) -> (f32, Option<u32>) {
    let mut best = (0.0f32, None);
    for (c, scale) in cat.categories.lineage(category).zip(ANCESTOR_WEIGHTS) {
        if let Some(&a) = prof.categories.get(&c) {
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
    prof.brands.get(&brand).map_or(0.0, |&b| b * 0.5)
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
