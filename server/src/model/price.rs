//! Synthetic prices for a catalogue that has none.
//!
//! Instacart publishes no prices, but the ranking's price-fit feature, the cart-value
//! promotions and the demo's output all need one. These are SYNTHETIC: a deterministic
//! function of the product id (a hash spreads products over a range) and the department
//! (the range: a bottle of wine costs more than a lemon). They are plausible UK
//! supermarket shelf prices in pence, always ending in 9 as shelf prices do, and carry no
//! information about the real products.

/// Price range in pence, inclusive, per Instacart department name. Ranges are rough
/// UK supermarket shelf prices for the department's typical items.
const RANGES: &[(&str, u64, u64)] = &[
    ("produce", 40, 350),
    ("dairy eggs", 60, 450),
    ("bakery", 80, 400),
    ("deli", 150, 600),
    ("meat seafood", 250, 1200),
    ("frozen", 150, 700),
    ("pantry", 80, 600),
    ("dry goods pasta", 60, 350),
    ("canned goods", 50, 300),
    ("breakfast", 120, 500),
    ("snacks", 60, 400),
    ("beverages", 60, 500),
    ("alcohol", 300, 2500),
    ("international", 80, 450),
    ("bulk", 150, 900),
    ("household", 100, 1200),
    ("personal care", 100, 1500),
    ("babies", 100, 1800),
    ("pets", 100, 2000),
];

/// Range for departments not listed ("other", "missing").
const DEFAULT_RANGE: (u64, u64) = (80, 800);

/// SplitMix64's finaliser: consecutive inputs land far apart.
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A hash of `id` with a salt, so the price, the stock level and the stock-out draw of
/// one product are independent.
pub fn hash(id: u32, salt: u64) -> u64 {
    mix(u64::from(id) ^ mix(salt))
}

/// The synthetic price of product `id` of department `department`, in pence.
pub fn synthetic(id: u32, department: &str) -> u64 {
    let (lo, hi) =
        RANGES.iter().find(|(name, _, _)| *name == department).map_or(DEFAULT_RANGE, |&(_, lo, hi)| (lo, hi));
    // Skewed to the cheap end (the square of a uniform draw): most items in a department
    // are everyday ones, a few are premium.
    let u = (hash(id, 1) >> 11) as f64 / (1u64 << 53) as f64;
    let raw = lo + ((hi - lo) as f64 * u * u) as u64;
    // Shelf prices end in 9: 40..49 -> 49, 350 -> 359.
    raw - raw % 10 + 9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_deterministic_in_range_and_end_in_9() {
        for id in 1..2000 {
            let p = synthetic(id, "produce");
            assert_eq!(p, synthetic(id, "produce"));
            assert!((49..=359).contains(&p), "{p}");
            assert_eq!(p % 10, 9);
        }
        let alcohol: u64 = (1..200).map(|id| synthetic(id, "alcohol")).sum();
        let produce: u64 = (1..200).map(|id| synthetic(id, "produce")).sum();
        assert!(alcohol > 3 * produce, "departments set the range");
        assert!((89..=809).contains(&synthetic(7, "missing")));
    }
}
