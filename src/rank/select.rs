//! Turning scored candidates into the response's list: pins first, then the best
//! candidates in order, at most `maxPerCategory` of any one category.

use crate::catalogue::Catalogue;
use crate::sort;

/// A chosen item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    pub product: u32,
    pub score: f32,
    pub pinned: bool,
}

/// Fills `limit` positions. `pins` are (position, product, score), placed at their position
/// or the next free one; `keys` are candidates' [`sort::key`]s in any order. Pins count towards
/// the category cap but are never dropped by it. Returns fewer than `limit` items when
/// there are not enough candidates.
pub fn select(
    cat: &Catalogue,
    pins: &[(usize, u32, f32)],
    keys: &mut [u64],
    limit: usize,
    max_per_category: usize,
) -> Vec<Placed> {
    // Only the head of the ranking is ever read: order a few times `limit` candidates
    // (linear selection, then a small sort) and the whole list only if the caps and pins
    // skip so many that the head runs out.
    // Never more positions than there are things to put in them: `limit` comes from the
    // request and may be huge.
    let limit = limit.min(keys.len() + pins.len());
    let head = (limit * 4 + pins.len()).min(keys.len());
    if head > 0 && head < keys.len() {
        keys.select_nth_unstable_by(head - 1, sort::descending);
        sort::sort_descending(&mut keys[..head]);
        let placed = fill(cat, pins, &keys[..head], limit, max_per_category);
        if placed.len() == limit {
            return placed;
        }
    }
    sort::sort_descending(keys);
    fill(cat, pins, keys, limit, max_per_category)
}

fn fill(
    cat: &Catalogue,
    pins: &[(usize, u32, f32)],
    ranked: &[u64],
    limit: usize,
    max_per_category: usize,
) -> Vec<Placed> {
    let mut out: Vec<Option<Placed>> = vec![None; limit];
    // At most `limit` entries each (a hundred at most): a linear scan beats hashing.
    let mut used: Vec<u32> = Vec::with_capacity(limit);
    let mut per_category: Vec<(u32, usize)> = Vec::with_capacity(limit);
    let count = |p: u32, per_category: &mut Vec<(u32, usize)>| -> usize {
        let c = cat.products.hot[p as usize].category;
        match per_category.iter_mut().find(|(x, _)| *x == c) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                per_category.push((c, 1));
                1
            }
        }
    };
    for &(position, product, score) in pins {
        if used.contains(&product) {
            continue;
        }
        let Some(free) = (position..limit).find(|&i| out[i].is_none()) else {
            continue;
        };
        out[free] = Some(Placed { product, score, pinned: true });
        used.push(product);
        count(product, &mut per_category);
    }
    let mut free = (0..limit).filter(|&i| out[i].is_none()).collect::<Vec<_>>().into_iter();
    let mut next = free.next();
    for &k in ranked {
        let Some(at) = next else { break };
        let (score, product) = sort::unkey(k);
        if used.contains(&product) {
            continue;
        }
        let c = cat.products.hot[product as usize].category;
        if per_category.iter().any(|&(x, n)| x == c && n >= max_per_category) {
            continue;
        }
        count(product, &mut per_category);
        out[at] = Some(Placed { product, score, pinned: false });
        next = free.next();
    }
    out.into_iter().flatten().collect()
}
