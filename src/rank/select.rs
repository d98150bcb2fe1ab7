//! Turning scored candidates into the response's list: pins first, then the best
//! candidates in order, at most `maxPerCategory` of any one category.

use crate::catalogue::{best_first, Catalogue};
use crate::hash::{FastMap, FastSet};

/// A chosen item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    pub product: u32,
    pub score: f32,
    pub pinned: bool,
}

/// Fills `limit` positions. `pins` are (position, product, score), placed at their position
/// or the next free one; `scored` is (score, product) in any order. Pins count towards the
/// category cap but are never dropped by it. Returns fewer than `limit` items when there
/// are not enough candidates.
pub fn select(
    cat: &Catalogue,
    pins: &[(usize, u32, f32)],
    scored: &mut [(f32, u32)],
    limit: usize,
    max_per_category: usize,
) -> Vec<Placed> {
    // Only the head of the ranking is ever read: order a few times `limit` candidates
    // (linear selection, then a small sort) and the whole list only if the caps and pins
    // skip so many that the head runs out.
    let head = (limit * 4 + pins.len()).min(scored.len());
    if head > 0 && head < scored.len() {
        scored.select_nth_unstable_by(head - 1, best_first);
        scored[..head].sort_unstable_by(best_first);
        let placed = fill(cat, pins, &scored[..head], limit, max_per_category);
        if placed.len() == limit {
            return placed;
        }
    }
    scored.sort_unstable_by(best_first);
    fill(cat, pins, scored, limit, max_per_category)
}

fn fill(
    cat: &Catalogue,
    pins: &[(usize, u32, f32)],
    ranked: &[(f32, u32)],
    limit: usize,
    max_per_category: usize,
) -> Vec<Placed> {
    let mut out: Vec<Option<Placed>> = vec![None; limit];
    let mut used = FastSet::default();
    let mut per_category: FastMap<u32, usize> = FastMap::default();
    let category = |p: u32| cat.products.hot[p as usize].category;
    for &(position, product, score) in pins {
        if used.contains(&product) {
            continue;
        }
        let Some(free) = (position..limit).find(|&i| out[i].is_none()) else {
            continue;
        };
        out[free] = Some(Placed { product, score, pinned: true });
        used.insert(product);
        *per_category.entry(category(product)).or_default() += 1;
    }
    let mut free = (0..limit).filter(|&i| out[i].is_none()).collect::<Vec<_>>().into_iter();
    let mut next = free.next();
    for &(score, product) in ranked {
        let Some(at) = next else { break };
        if used.contains(&product) {
            continue;
        }
        let n = per_category.entry(category(product)).or_default();
        if *n >= max_per_category {
            continue;
        }
        *n += 1;
        out[at] = Some(Placed { product, score, pinned: false });
        next = free.next();
    }
    out.into_iter().flatten().collect()
}
