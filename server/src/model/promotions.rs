//! Sample promotions for a learned bundle, so the demo shows the promotion path: one for
//! everyone above a cart value, one for a customer segment, one for a region.
//!
//! They are placed on the best sellers of three different categories, which keeps them
//! relevant to most shoppers and shows that targeting, not popularity, decides who sees
//! which. Values are illustrative (pence of expected margin), not learned.

use vitrine::bundle::{Product, Promotion};

/// The segment the demo gives shoppers who order at least weekly.
pub const FREQUENT: &str = "frequent";
/// The segment of the others.
pub const REGULAR: &str = "regular";

/// Cart value from which the "basket builder" offer shows, in pence (about two items).
pub const BASKET_BUILDER_MIN_CART: u64 = 500;

/// Product indexes by count, best first, ties to the lower index.
fn best_sellers(counts: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..counts.len()).filter(|&i| counts[i] > 0.0).collect();
    order.sort_by(|&a, &b| counts[b].total_cmp(&counts[a]).then(a.cmp(&b)));
    order
}

/// Three promotions on the best sellers (by `counts`, per product) of three different
/// categories; fewer when fewer categories sell at all.
pub fn sample(products: &[Product], counts: &[f32]) -> Vec<Promotion> {
    let mut picked: Vec<usize> = Vec::new();
    for i in best_sellers(counts) {
        if picked.len() == 3 {
            break;
        }
        if picked.iter().all(|&p| products[p].category != products[i].category) {
            picked.push(i);
        }
    }
    let templates = [
        Promotion {
            id: "basket-builder".into(),
            value: 60.0,
            rate: 0.08,
            min_cart_value: Some(BASKET_BUILDER_MIN_CART),
            group: Some("basket".into()),
            ..Promotion::default()
        },
        Promotion {
            id: "frequent-shopper".into(),
            value: 120.0,
            rate: 0.1,
            segments: vec![FREQUENT.into()],
            group: Some("loyalty".into()),
            ..Promotion::default()
        },
        Promotion {
            id: "weekend-treat".into(),
            value: 90.0,
            rate: 0.06,
            regions: vec!["weekend".into()],
            group: Some("seasonal".into()),
            ..Promotion::default()
        },
    ];
    picked
        .into_iter()
        .zip(templates)
        .map(|(i, mut p)| {
            p.products = vec![products[i].id.clone()];
            p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_promotion_per_category_on_best_sellers() {
        let p = crate::test_product;
        let products = [p("1", "a"), p("2", "a"), p("3", "b"), p("4", "c"), p("5", "d")];
        let counts = [10.0, 9.0, 5.0, 5.0, 0.0];
        let promos = sample(&products, &counts);
        let on: Vec<&str> = promos.iter().map(|p| p.products[0].0.as_str()).collect();
        assert_eq!(on, ["1", "3", "4"]);
        assert!(promos.iter().all(|p| p.rate > 0.0 && p.rate <= 1.0));
        assert_eq!(sample(&products[..1], &counts[..1]).len(), 1);
    }
}
