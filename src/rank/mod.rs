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
//!
//! The result is a [`Ranking`] of product indexes and reason codes, with no strings: the
//! native API renders it into owned structs ([`render`]), the wasm API straight into the
//! one buffer it hands to JavaScript.

mod gather;
mod pool;
pub mod render;
mod score;
mod select;
pub(crate) mod signals;

use std::cell::Cell;

use crate::catalogue::{flags, Catalogue, MAX_SAFE_INTEGER};
use crate::error::RequestError;
use crate::experiment::{self, Assignment, Overrides};
use crate::growthbook::StickyDocs;
use crate::limits::Limits;
use crate::profile::ProfileView;
use crate::promo::{self, Situation, Targeting};
use crate::request::{Context, RankRequest, Session};
use crate::sort;
use crate::stock::StockTable;
use crate::weights::WeightError;

use pool::Pool;
pub use pool::Via;
use score::Scorer;
use signals::{ProfileSignals, SessionSignals};

/// Why an item is suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// From a product (viewed, in the cart, bought, bought again).
    Item(Via, u32),
    /// Affinity to a category.
    Category(u32),
    /// Affinity to a brand.
    Brand(u32),
    /// Popular in a cohort (an index into the catalogue's popularity tables).
    Popular(u32),
    /// Put there by a pin.
    Pinned,
}

/// Most reasons listed per item.
pub const MAX_REASONS: usize = 3;

/// Up to [`MAX_REASONS`] reasons, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reasons {
    list: [Option<Reason>; MAX_REASONS],
}

impl Reasons {
    pub fn push(&mut self, r: Reason) {
        if let Some(slot) = self.list.iter_mut().find(|s| s.is_none()) {
            *slot = Some(r);
        }
    }
    pub fn is_empty(&self) -> bool {
        self.list[0].is_none()
    }
    pub fn iter(&self) -> impl Iterator<Item = Reason> + '_ {
        self.list.iter().flatten().copied()
    }
}

/// One suggested product.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Item {
    pub product: u32,
    pub score: f32,
    pub reasons: Reasons,
}

/// A ranking, before any string is made.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    pub items: Vec<Item>,
    /// (index into the catalogue's promotions, the criterion that made it eligible)
    pub promotions: Vec<(usize, String)>,
    pub stock_epoch: u64,
    pub profile_version: Option<u64>,
    pub now: u64,
    /// One per experiment of the bundle.
    pub assignments: Vec<Assignment>,
    /// The visitor's sticky bucket documents after assignment, when the request gave some.
    pub sticky: Option<StickyDocs>,
}

/// Everything a ranking reads.
pub struct Inputs<'a> {
    pub cat: &'a Catalogue,
    pub stock: &'a StockTable,
    pub limits: &'a Limits,
    pub req: &'a RankRequest,
    /// The profile, if any (consent is checked here).
    pub profile: Option<&'a ProfileView<'a>>,
    /// The time of the decision (the request's `context.now` when given).
    pub now: u64,
}

static NO_SESSION: Session = Session { viewed: Vec::new(), cart: Vec::new(), current: None };
static NO_CONTEXT: Context =
    Context { page: None, limit: None, region: None, now: None, exclude: Vec::new(), pin: Vec::new(), url: None };

/// Ranks suggestions and chooses promotions for one request.
pub fn rank(i: &Inputs) -> Result<Ranking, RequestError> {
    let Inputs { cat, stock, limits, req, now, .. } = *i;
    let ctx = req.context.as_ref().unwrap_or(&NO_CONTEXT);
    let session = req.session.as_ref().unwrap_or(&NO_SESSION);
    if now > MAX_SAFE_INTEGER {
        return Err(RequestError::InvalidNumber {
            path: "request.context.now".into(),
            value: now as f64,
            rule: "ms since 1970, at most 2^53-1",
        });
    }
    let profile = i.profile.filter(|p| p.consent.personalization);
    let (assignments, sticky) = assign(cat, req, ctx, profile);
    let weights = cat.experiments.weights(cat.weights, &assignments);
    let weights = match &req.weights {
        None => weights,
        Some(o) => weights.with(o.iter().map(|(k, v)| (k.as_str(), *v))).map_err(WeightError::in_request)?,
    };
    let limit = ctx.limit.map_or(cat.settings.limit, |l| l as usize).min(limits.max_results);
    let sess = SessionSignals::resolve(cat, session, limits.max_session_items);
    let prof = profile.map(|p| ProfileSignals::resolve(cat, p, now));
    let region = ctx.region.as_deref();
    let cohort = profile
        .and_then(|p| p.cohort.as_deref())
        .and_then(|c| cat.cohort_index.get(c))
        .or_else(|| region.and_then(|r| cat.cohort_index.get(r)))
        .map_or(0, |&c| c);
    let scorer = Scorer {
        cat,
        stock,
        w: weights,
        prof: prof.as_ref(),
        band: prof.as_ref().and_then(|p| p.band).or(sess.band).map(|(lo, hi)| (lo as f32, hi as f32)),
        pop: &cat.popularity[cohort as usize],
        cohort,
        region: region.and_then(|r| stock.region(r)),
        category_memo: if prof.is_some() { vec![Cell::new(f32::NAN); cat.categories.ids.len()] } else { Vec::new() },
    };

    let mut pool = Pool::new(cat.len());
    gather::gather(cat, &weights, &sess, prof.as_ref(), scorer.pop, &mut pool);

    // Never shown in this response: the cart, the current product (unless the bundle
    // turns reminders on), the request's exclusions and durable products already bought
    // (the bundle's own exclusions are a flag per product).
    let current = sess.current.filter(|_| !cat.settings.remind_viewed);
    let mut blocked: Vec<u32> = sess.cart.iter().copied().chain(current).collect();
    blocked.extend(ctx.exclude.iter().filter_map(|id| cat.products.find(id)));
    if let Some(p) = &prof {
        blocked.extend_from_slice(&p.durables);
    }
    for &p in &blocked {
        if let Some(c) = pool.get_mut(p) {
            c.blocked = true;
        }
    }
    let excluded = |p: u32| cat.products.hot[p as usize].flags & flags::EXCLUDED != 0;
    let allowed = |p: u32| !excluded(p) && !blocked.contains(&p) && scorer.stock_level(p).is_some();

    let mut keys: Vec<u64> = Vec::with_capacity(pool.list.len());
    for c in &pool.list {
        if c.blocked || excluded(c.product) {
            continue;
        }
        let Some(level) = scorer.stock_level(c.product) else {
            continue;
        };
        keys.push(sort::key(scorer.score(&scorer.features(c, level)), c.product));
    }

    let page = ctx.page.as_deref();
    // The request's pins take the first positions in their order (one that cannot be shown
    // gives its place to the next); the bundle's keep their own positions.
    let pins: Vec<(usize, u32, f32)> = ctx
        .pin
        .iter()
        .filter_map(|id| cat.products.find(id))
        .filter(|&p| allowed(p))
        .enumerate()
        .chain(
            cat.pins
                .iter()
                .filter(|r| r.page.is_none() || r.page.as_deref() == page)
                .map(|r| (r.position as usize, r.product))
                .filter(|&(_, p)| allowed(p)),
        )
        .map(|(pos, p)| (pos, p, scorer.score_of(&pool, p, scorer.stock_level(p).unwrap_or(0))))
        .collect();
    let placed = select::select(cat, &pins, &mut keys, limit, cat.settings.max_per_category);
    let items = placed
        .iter()
        .map(|pl| Item {
            product: pl.product,
            score: pl.score,
            reasons: if pl.pinned {
                let mut r = Reasons::default();
                r.push(Reason::Pinned);
                r
            } else {
                scorer.reasons(&pool, pl.product)
            },
        })
        .collect();

    let targeting = match profile {
        Some(p) if p.consent.marketing => {
            Targeting { segment: p.segment.as_deref(), tier: p.tier, new_customer: Some(p.purchases.is_empty()) }
        }
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
    let promotions = promo::choose(cat, stock, &situation, relevance, cat.settings.promotion_cap)
        .into_iter()
        .map(|c| (c.promo, c.reason))
        .collect();

    Ok(Ranking {
        items,
        promotions,
        stock_epoch: stock.epoch(),
        profile_version: profile.map(|p| p.version),
        now,
        assignments,
        sticky,
    })
}

/// The visitor's experiment assignments (and sticky bucket documents, when the request
/// brought some); `profile` only when consented to.
pub(crate) fn assign(
    cat: &Catalogue,
    req: &RankRequest,
    ctx: &Context,
    profile: Option<&ProfileView>,
) -> (Vec<Assignment>, Option<StickyDocs>) {
    if cat.experiments.is_empty() {
        // No experiment uses any document: none is the visitor's to keep.
        return (Vec::new(), req.sticky_buckets.as_ref().map(|_| StickyDocs::default()));
    }
    let attrs = experiment::attributes(req.attributes.as_ref(), &req.visitor_id, ctx, profile);
    let ids: Vec<&str> = cat.experiments.identifiers.iter().map(String::as_str).collect();
    let mut sticky = req.sticky_buckets.as_ref().map(|docs| StickyDocs::load(docs.clone(), &attrs, &ids));
    let forced: Vec<(String, f64)> = req.forced_variations.iter().map(|(k, &v)| (k.clone(), f64::from(v))).collect();
    let o = Overrides { url: ctx.url.as_deref(), forced: &forced };
    (cat.experiments.assign(&attrs, o, sticky.as_mut()), sticky)
}
