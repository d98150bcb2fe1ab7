//! The candidate pool: every product some signal points at, with the signal sums the
//! features need and the strongest reasons behind each.

use std::cell::Cell;

/// The kind of item-based signal that led to a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A neighbour of a product viewed (this visit or an earlier one).
    Viewed,
    /// A complement of a product in the cart.
    Cart,
    /// A complement of a product bought before.
    Bought,
    /// A consumable bought before, suggested again.
    Repeat,
    /// A product of this visit, suggested again (`ranking.remindViewed`).
    Seen,
}

impl Via {
    /// The reason code's prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            Via::Viewed => "viewed:",
            Via::Cart => "cart:",
            Via::Bought => "bought:",
            Via::Repeat => "repeat:",
            Via::Seen => "seen:",
        }
    }
}

/// One reason: which signal, from which product, and its share of the score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemReason {
    pub via: Via,
    pub item: u32,
    pub contribution: f32,
}

/// Candidate came from the shopper's favourite categories.
pub const FROM_AFFINITY: u8 = 1;
/// Candidate came from the cohort's best sellers.
pub const FROM_POPULAR: u8 = 2;

/// A candidate and its accumulated signals.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub product: u32,
    pub sim: f32,
    pub comp: f32,
    /// Sum of the time decay of each purchase of this product.
    pub bought: f32,
    /// Recency weight of this product's latest view in this visit (reminders only).
    pub seen: f32,
    pub recency: f32,
    /// The two strongest item reasons, strongest first.
    pub reasons: [Option<ItemReason>; 2],
    pub from: u8,
    /// Never shown in this response (in the cart, excluded, a durable already owned).
    pub blocked: bool,
}

impl Candidate {
    pub fn new(product: u32) -> Candidate {
        Candidate {
            product,
            sim: 0.0,
            comp: 0.0,
            bought: 0.0,
            seen: 0.0,
            recency: 0.0,
            reasons: [None; 2],
            from: 0,
            blocked: false,
        }
    }

    /// Records a reason, adding to the same (via, item) if already kept, and keeps the
    /// two strongest.
    pub fn note(&mut self, via: Via, item: u32, contribution: f32) {
        for r in self.reasons.iter_mut().flatten() {
            if r.via == via && r.item == item {
                r.contribution += contribution;
                self.order();
                return;
            }
        }
        let new = ItemReason { via, item, contribution };
        match &mut self.reasons {
            [None, _] => self.reasons[0] = Some(new),
            [Some(_), second @ None] => *second = Some(new),
            [Some(_), Some(weakest)] => {
                if contribution > weakest.contribution {
                    *weakest = new;
                }
            }
        }
        self.order();
    }

    fn order(&mut self) {
        if let [Some(a), Some(b)] = &self.reasons {
            if b.contribution > a.contribution {
                self.reasons.swap(0, 1);
            }
        }
    }
}

const EMPTY: u32 = u32::MAX;

thread_local! {
    /// Slot of each product in the current pool (`EMPTY` when absent), and the candidate
    /// list's buffer, kept between requests: a request pays for the products it touches,
    /// not for the catalogue, and does not regrow its list.
    static SCRATCH: Cell<(Vec<u32>, Vec<Candidate>)> = const { Cell::new((Vec::new(), Vec::new())) };
}

/// Candidates by product, in the order they were first met (which keeps every sum in a
/// fixed order, so scores are the same on every run and platform).
#[derive(Debug)]
pub struct Pool {
    /// Indexed by product; every entry is `EMPTY` again when the pool is dropped.
    slots: Vec<u32>,
    pub list: Vec<Candidate>,
}

impl Pool {
    /// A pool for products `0..n`.
    pub fn new(n: usize) -> Pool {
        let (mut slots, mut list) = SCRATCH.with(Cell::take);
        if slots.len() < n {
            slots.resize(n, EMPTY);
        }
        list.clear();
        Pool { slots, list }
    }

    #[inline]
    pub fn entry(&mut self, product: u32) -> &mut Candidate {
        let slot = &mut self.slots[product as usize];
        if *slot == EMPTY {
            *slot = self.list.len() as u32;
            self.list.push(Candidate::new(product));
        }
        let slot = *slot as usize;
        &mut self.list[slot]
    }

    #[inline]
    pub fn get_mut(&mut self, product: u32) -> Option<&mut Candidate> {
        match self.slots.get(product as usize) {
            Some(&s) if s != EMPTY => self.list.get_mut(s as usize),
            _ => None,
        }
    }

    #[inline]
    pub fn get(&self, product: u32) -> Option<&Candidate> {
        match self.slots.get(product as usize) {
            Some(&s) if s != EMPTY => self.list.get(s as usize),
            _ => None,
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        for c in &self.list {
            self.slots[c.product as usize] = EMPTY;
        }
        let scratch = (std::mem::take(&mut self.slots), std::mem::take(&mut self.list));
        SCRATCH.with(|s| s.set(scratch));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_start_empty_after_an_earlier_one() {
        let mut a = Pool::new(10);
        a.entry(3).sim = 1.0;
        assert!(a.get(3).is_some());
        drop(a);
        let b = Pool::new(10);
        assert!(b.get(3).is_none());
        assert!(b.get(99).is_none());
    }

    #[test]
    fn keeps_the_two_strongest_reasons_merging_repeats() {
        let mut c = Candidate::new(0);
        c.note(Via::Viewed, 1, 0.2);
        c.note(Via::Cart, 2, 0.5);
        c.note(Via::Viewed, 3, 0.1);
        assert_eq!(c.reasons.map(|r| r.unwrap().item), [2, 1]);
        c.note(Via::Viewed, 1, 0.4);
        assert_eq!(c.reasons.map(|r| r.unwrap().item), [1, 2]);
        assert!((c.reasons[0].unwrap().contribution - 0.6).abs() < 1e-6);
        c.note(Via::Bought, 4, 0.9);
        assert_eq!(c.reasons.map(|r| r.unwrap().item), [4, 1]);
    }
}
