//! Candidate generation: every product some signal points at.

use crate::catalogue::{flags, Catalogue, PopTable};
use crate::weights::{Feature, Weights};

use super::pool::{Pool, Via, FROM_AFFINITY, FROM_POPULAR};
use super::signals::{ProfileSignals, SessionSignals};

/// Adds every candidate the signals point at to the pool: neighbours of viewed products,
/// complements of the cart and of past purchases, consumables bought before, the best
/// sellers of favourite categories and of the cohort.
pub fn gather(
    cat: &Catalogue,
    w: &Weights,
    sess: &SessionSignals,
    prof: Option<&ProfileSignals>,
    pop: &PopTable,
    pool: &mut Pool,
) {
    let (w_sim, w_comp, w_rep) = (w.get(Feature::Similarity), w.get(Feature::Complement), w.get(Feature::Repeat));
    let views = |seen: &[(u32, f32)], take: usize, pool: &mut Pool| {
        for &(item, r) in seen {
            let (to, weight) = cat.neighbours.row(item);
            for (&c, &x) in to.iter().zip(weight).take(take) {
                let cand = pool.entry(c);
                cand.sim += r * x;
                cand.recency = cand.recency.max(r);
                cand.note(Via::Viewed, item, w_sim * r * x);
            }
        }
    };
    views(&sess.seq, usize::MAX, pool);
    if cat.settings.remind_viewed {
        // The visit's own products: `seq` is oldest first, so the latest view's weight wins.
        let w_rev = w.get(Feature::Revisit);
        for &(item, r) in &sess.seq {
            let cand = pool.entry(item);
            cand.seen = cand.seen.max(r);
            cand.recency = cand.recency.max(r);
            cand.note(Via::Seen, item, w_rev * r);
        }
    }
    for &item in &sess.cart {
        let (to, weight) = cat.complements.row(item);
        for (&c, &x) in to.iter().zip(weight) {
            let cand = pool.entry(c);
            cand.comp += x;
            cand.recency = 1.0;
            cand.note(Via::Cart, item, w_comp * x);
        }
    }
    if let Some(prof) = prof {
        // Rows are strongest first: an earlier visit seeds its strongest neighbours only.
        views(&prof.views, cat.settings.history_neighbours, pool);
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
    }
    for &p in &pop.top {
        pool.entry(p).from |= FROM_POPULAR;
    }
}
