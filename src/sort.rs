//! One copy of the sort for most of the core's orderings.
//!
//! Each `sort_by` with its own element type or closure is its own copy of core's sort in
//! the wasm: driftsort or ipnsort with their small-sorts and pivots, 3 to 10 KB each
//! (twiggy counted 60 such functions, 71 KB of a 502 KB module). So the orderings here are
//! written as distinct `u64` keys, largest first, with the tie-break in the low half
//! ([`key`], [`ascending_key`]), and all of them sort with [`descending`]: a named
//! function, not a closure, so every call site shares one instantiation. Distinct keys
//! also make an unstable sort exact, so no site depends on the algorithm's stability.

use std::cmp::Ordering;

/// A score and an index as one integer: the score's bits made order-preserving in the
/// high half, the inverted index in the low half, so that a larger key is a better score
/// and ties go to the lower index (the order of `f32::total_cmp`, then the index). Integer
/// keys also sort several times faster than comparing (score, index) pairs, which is why
/// ranking uses them for its candidates.
#[inline]
pub fn key(score: f32, index: u32) -> u64 {
    let b = score.to_bits();
    let ordered = if b >> 31 == 1 { !b } else { b | 0x8000_0000 };
    (u64::from(ordered) << 32) | u64::from(u32::MAX - index)
}

/// The score and the index of a [`key`].
pub fn unkey(k: u64) -> (f32, u32) {
    let ordered = (k >> 32) as u32;
    let b = if ordered >> 31 == 1 { ordered & 0x7fff_ffff } else { !ordered };
    (f32::from_bits(b), index_of(k))
}

/// Largest key first.
pub fn descending(a: &u64, b: &u64) -> Ordering {
    b.cmp(a)
}

/// Sorts `keys` largest first.
pub fn sort_descending(keys: &mut [u64]) {
    keys.sort_unstable_by(descending);
}

/// A key that puts `rank` ascending, then `index` ascending, first under [`descending`]:
/// a stable ascending sort by `rank`.
pub fn ascending_key(rank: u32, index: u32) -> u64 {
    (u64::from(u32::MAX - rank) << 32) | u64::from(u32::MAX - index)
}

/// The index an [`ascending_key`] or a [`key`] carries.
pub fn index_of(key: u64) -> u32 {
    u32::MAX - key as u32
}

/// Keeps the `k` best of the (score, index) pairs `v`, best first, in [`key`]'s order.
pub fn top_k(v: &mut Vec<(f32, u32)>, k: usize) {
    let mut keys: Vec<u64> = v.iter().map(|&(s, i)| key(s, i)).collect();
    if keys.len() > k {
        if k == 0 {
            v.clear();
            return;
        }
        keys.select_nth_unstable_by(k - 1, descending);
        keys.truncate(k);
    }
    sort_descending(&mut keys);
    v.clear();
    v.extend(keys.iter().map(|&k| unkey(k)));
}

/// `items` ordered by `key(position, item)`, largest first. The key carries the position
/// in its low half ([`key`], [`ascending_key`]), which also makes every key distinct.
pub fn by_key<T>(items: Vec<T>, key: impl Fn(u32, &T) -> u64) -> Vec<T> {
    let mut order: Vec<u64> = items.iter().enumerate().map(|(i, t)| key(i as u32, t)).collect();
    sort_descending(&mut order);
    reorder(items, &order)
}

/// `items` in the order of `order`, keys whose [`index_of`] is a position in `items`
/// (each at most once; any other is skipped).
fn reorder<T>(items: Vec<T>, order: &[u64]) -> Vec<T> {
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    // Sized up front: collecting a `filter_map` would grow the vector by reallocation.
    let mut out = Vec::with_capacity(order.len());
    out.extend(order.iter().filter_map(|&k| slots.get_mut(index_of(k) as usize).and_then(Option::take)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_like_scores_then_lower_index() {
        let mut ks = [key(0.5, 3), key(-1.0, 0), key(2.0, 9), key(0.5, 1), key(0.0, 4), key(-0.0, 5)];
        sort_descending(&mut ks);
        let order: Vec<(f32, u32)> = ks.iter().map(|&k| unkey(k)).collect();
        assert_eq!(order, [(2.0, 9), (0.5, 1), (0.5, 3), (0.0, 4), (-0.0, 5), (-1.0, 0)]);
        for s in [0.0f32, -0.0, 1.5, -3.25, f32::MAX, f32::MIN, f32::INFINITY, f32::NEG_INFINITY] {
            assert_eq!(unkey(key(s, 7)).0.to_bits(), s.to_bits());
        }
        // The same order as total_cmp then the index, NaNs included.
        let scores = [f32::NAN, -f32::NAN, 1.0, -0.0, 0.0, f32::NEG_INFINITY, 1.0, -2.5];
        let mut ks: Vec<u64> = scores.iter().enumerate().map(|(i, &s)| key(s, i as u32)).collect();
        sort_descending(&mut ks);
        let mut want: Vec<u32> = (0..scores.len() as u32).collect();
        want.sort_by(|&a, &b| scores[b as usize].total_cmp(&scores[a as usize]).then(a.cmp(&b)));
        assert_eq!(ks.iter().map(|&k| index_of(k)).collect::<Vec<_>>(), want);
    }

    #[test]
    fn top_k_is_ordered_and_breaks_ties_by_index() {
        let mut v = vec![(0.5, 3), (1.0, 9), (0.5, 1), (0.2, 0), (1.0, 2)];
        top_k(&mut v, 3);
        assert_eq!(v, [(1.0, 2), (1.0, 9), (0.5, 1)]);
        let mut all = vec![(0.5, 3), (-1.0, 9), (0.5, 1)];
        top_k(&mut all, 5);
        assert_eq!(all, [(0.5, 1), (0.5, 3), (-1.0, 9)]);
        let mut w = v.clone();
        top_k(&mut w, 0);
        assert!(w.is_empty());
    }

    #[test]
    fn ascending_keys_sort_like_a_stable_sort_by_rank() {
        let ranks = [3u32, 1, 3, 0, u32::MAX, 1, 0];
        let mut keys: Vec<u64> = ranks.iter().enumerate().map(|(i, &r)| ascending_key(r, i as u32)).collect();
        sort_descending(&mut keys);
        let got: Vec<u32> = keys.iter().map(|&k| index_of(k)).collect();
        let mut want: Vec<u32> = (0..ranks.len() as u32).collect();
        want.sort_by_key(|&i| ranks[i as usize]);
        assert_eq!(got, want);
        let names = ["d", "b", "e", "a", "g", "c", "f"].map(String::from).to_vec();
        let by_rank = by_key(names, |i, _| ascending_key(ranks[i as usize], i));
        assert_eq!(by_rank, ["a", "f", "b", "c", "d", "e", "g"]);
    }
}
