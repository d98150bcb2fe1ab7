//! A synthetic stock snapshot for the demo.
//!
//! Instacart has no stock data. The demo needs some, because the engine never suggests a
//! product it cannot show is in stock, and promotions need stock that is fresh. So every
//! product gets a deterministic level from a hash of its id: about 8% are sold out (level
//! 0, a plausible share for a grocer late on a Sunday), the rest hold 1 to 60. Promoted
//! products are always stocked, as a shop stocks up before it advertises an offer.

use std::collections::BTreeMap;

use vitrine::bundle::Bundle;
use vitrine::stock::{StockWire, STOCK_SCHEMA};

use crate::model::price::mix;
use crate::model::table::Fnv;

/// Share of products sold out, in percent.
pub const OUT_OF_STOCK_PERCENT: u64 = 8;

/// A hash of a product id (any string), with a salt.
fn hash(id: &str, salt: u64) -> u64 {
    let mut h = Fnv::default();
    h.write(id.as_bytes());
    mix(h.0 ^ mix(salt))
}

/// The synthetic level of product `id`.
pub fn level(id: &str) -> i64 {
    if hash(id, 2) % 100 < OUT_OF_STOCK_PERCENT {
        0
    } else {
        1 + (hash(id, 3) % 60) as i64
    }
}

/// A full snapshot of every product of `bundle`, read at `as_of` (ms since 1970).
pub fn snapshot(bundle: &Bundle, epoch: u64, as_of: u64) -> StockWire {
    let promoted: Vec<&str> =
        bundle.promotions.iter().flat_map(|p| p.products.iter().map(|id| id.0.as_str())).collect();
    let mut item = Vec::with_capacity(bundle.products.len());
    let mut levels = Vec::with_capacity(bundle.products.len());
    for p in &bundle.products {
        let mut l = level(&p.id.0);
        if promoted.contains(&p.id.0.as_str()) {
            // Well above any promotion's threshold (default 1).
            l = l.max(40);
        }
        item.push(p.id.clone());
        levels.push(l);
    }
    StockWire {
        kind: "stock".into(),
        schema: STOCK_SCHEMA,
        epoch,
        as_of,
        item,
        level: levels,
        regions: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_eight_percent_sold_out_and_deterministic() {
        let ids: Vec<String> = (1..=20_000).map(|i| i.to_string()).collect();
        let out = ids.iter().filter(|id| level(id) == 0).count();
        assert!((1400..=1800).contains(&out), "{out} of 20000 sold out");
        assert!(ids.iter().all(|id| (0..=60).contains(&level(id))));
        assert_eq!(level("49688"), level("49688"));
    }
}
