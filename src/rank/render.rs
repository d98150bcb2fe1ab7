//! Reason codes as text, and a [`Ranking`] as the response structs.

use crate::catalogue::Catalogue;
use crate::request::{Decision, RankResponse, RankedItem, ShownPromotion};

use super::{Ranking, Reason};

impl Reason {
    /// The code's prefix and the id it names: ("viewed:", "1001"), ("pinned", "").
    pub fn parts<'c>(&self, cat: &'c Catalogue) -> (&'static str, &'c str) {
        match *self {
            Reason::Item(via, item) => (via.prefix(), &cat.products.info[item as usize].id),
            Reason::Category(c) => ("affinity:", &cat.categories.ids[c as usize]),
            Reason::Brand(b) => ("brand:", &cat.products.brands[b as usize]),
            Reason::Popular(k) => ("popular:", &cat.popularity[k as usize].name),
            Reason::Pinned => ("pinned", ""),
        }
    }

    /// The reason code: `viewed:1001`, `affinity:kettles`, `popular:north`, `pinned`.
    pub fn code(&self, cat: &Catalogue) -> String {
        let (prefix, id) = self.parts(cat);
        let mut s = String::with_capacity(prefix.len() + id.len());
        s.push_str(prefix);
        s.push_str(id);
        s
    }
}

/// The response structs for a ranking over `cat`.
pub fn response(r: &Ranking, cat: &Catalogue) -> RankResponse {
    let id = |p: u32| cat.products.info[p as usize].id.clone();
    RankResponse {
        items: r
            .items
            .iter()
            .map(|it| RankedItem {
                id: id(it.product),
                score: it.score,
                reasons: it.reasons.iter().map(|x| x.code(cat)).collect(),
            })
            .collect(),
        promotions: r
            .promotions
            .iter()
            .map(|(i, reason)| {
                let p = &cat.promotions[*i];
                ShownPromotion {
                    id: p.id.clone(),
                    products: p.products.iter().map(|&q| id(q)).collect(),
                    reason: reason.clone(),
                }
            })
            .collect(),
        assignments: r.assignments.iter().map(|a| cat.experiments.show(a)).collect(),
        sticky_buckets: r.sticky.as_ref().map(|s| s.docs.clone()),
        decision: Decision {
            bundle_version: cat.version.clone(),
            stock_epoch: r.stock_epoch,
            profile_version: r.profile_version,
            now: r.now,
        },
    }
}
