//! `vitrine eval`: offline evaluation through the real ranking engine.
//!
//! Held-out visits are replayed prediction by prediction: for next-click data (YooChoose,
//! DIGINETICA, generic events) the session-rec protocol, predicting click `p + 1` from
//! clicks `0..=p` at every position of every test session; for Instacart, basket
//! completion ([`instacart`]). Each prediction is a real [`vitrine::RankRequest`] to a
//! [`vitrine::Engine`] loaded from the bundle `vitrine model build` wrote, the same code
//! the wasm module runs ([`engine`]). The baselines ([`baselines`], [`vsknn`]) and saved
//! lists of published algorithms ([`saved`]) are scored by the same [`metrics`] on the
//! same predictions, so the comparison is like for like.

pub mod baselines;
pub mod command;
pub mod data;
pub mod engine;
pub mod instacart;
pub mod metrics;
pub mod paired;
pub mod report;
pub mod run;
pub mod saved;
pub mod vsknn;

use std::collections::HashMap;

use metrics::{Metrics, Summary};

/// Item ids as dense indexes, in the order first seen (training data first).
pub use crate::model::ids::Ids as Vocab;

/// A session of the training or test data: its id, and its events in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: String,
    /// (item, ms since 1970).
    pub events: Vec<(u32, u64)>,
}

impl Session {
    /// The time of its last event (session-rec orders neighbours by it).
    pub fn last_time(&self) -> u64 {
        self.events.last().map_or(0, |e| e.1)
    }
}

/// What the baselines learn from, and the popularity the metrics need.
#[derive(Debug, Clone, Default)]
pub struct Train {
    pub sessions: Vec<Session>,
    /// Events per item.
    pub counts: Vec<u32>,
    /// Distinct items with at least one event (coverage's denominator).
    pub items: usize,
}

impl Train {
    /// Counts the events of `sessions` over a vocabulary of `vocab` items.
    pub fn new(sessions: Vec<Session>, vocab: usize) -> Train {
        let mut counts = vec![0u32; vocab];
        for s in &sessions {
            for &(i, _) in &s.events {
                counts[i as usize] += 1;
            }
        }
        let items = counts.iter().filter(|&&c| c > 0).count();
        Train { sessions, counts, items }
    }

    /// Each item's count over the largest: session-rec's popularity of an item.
    pub fn popularity(&self, vocab: usize) -> Vec<f32> {
        let max = self.counts.iter().copied().max().unwrap_or(0).max(1) as f32;
        let mut p: Vec<f32> = self.counts.iter().map(|&c| c as f32 / max).collect();
        p.resize(vocab, 0.0);
        p
    }
}

/// One prediction to make.
#[derive(Debug, Clone, Default)]
pub struct Case {
    /// The test session (or user) it belongs to, and the position in it: saved lists
    /// are matched on (session id, position).
    pub session: String,
    pub position: usize,
    /// This visit so far, oldest first; the last is the product being viewed.
    pub viewed: Vec<u32>,
    pub cart: Vec<u32>,
    /// The shopper's profile snapshot (Instacart).
    pub profile: Option<Vec<u8>>,
    /// Earlier purchases, (item, orders holding it, most recent order's index): what the
    /// repeat-purchase baseline ranks.
    pub past: Vec<(u32, u32, u32)>,
    /// What the shopper did next: the next click, or the rest of the basket.
    pub targets: Vec<u32>,
    /// ms since 1970.
    pub now: u64,
    /// The request's region (Instacart: weekday or weekend, its popularity cohorts).
    pub region: Option<String>,
}

/// Something that recommends for a case: the engine, a baseline, saved lists.
pub trait Recommender {
    /// The name in the report.
    fn name(&self) -> String;
    /// Up to `k` items, best first, into `out` (cleared first). Items it does not know
    /// are never returned.
    fn recommend(&mut self, case: &Case, k: usize, out: &mut Vec<u32>);
}

/// The session-rec protocol: a case at every position of every session of two or more
/// events (click `p + 1` from clicks `0..=p`).
pub fn next_click_cases(sessions: &[Session]) -> Vec<Case> {
    let mut out = Vec::new();
    for s in sessions.iter().filter(|s| s.events.len() >= 2) {
        for p in 0..s.events.len() - 1 {
            out.push(Case {
                session: s.id.clone(),
                position: p,
                viewed: s.events[..=p].iter().map(|e| e.0).collect(),
                targets: vec![s.events[p + 1].0],
                now: s.events[p].1,
                ..Case::default()
            });
        }
    }
    out
}

/// How many items each recommender lists (the largest cut-off reported).
pub const LIST: usize = 20;

/// Runs every recommender over `cases`.
pub fn run(recs: &mut [&mut dyn Recommender], cases: &[Case], popularity: &[f32], train_items: usize) -> Vec<Scored> {
    let mut out = Vec::with_capacity(recs.len());
    let mut list = Vec::with_capacity(LIST);
    for r in recs.iter_mut() {
        let mut m = Metrics::new(popularity.len());
        let mut outcomes = Vec::with_capacity(cases.len());
        for c in cases {
            r.recommend(c, LIST, &mut list);
            list.truncate(LIST);
            outcomes.push(m.add(&list, &c.targets, popularity));
        }
        out.push(Scored { name: r.name(), summary: m.summary(train_items), outcomes });
    }
    out
}

/// A recommender's metrics on a set of predictions, and its outcome on each (for the
/// paired comparisons of [`paired`]).
#[derive(Debug, Clone)]
pub struct Scored {
    pub name: String,
    pub summary: Summary,
    pub outcomes: paired::Outcomes,
}

/// Each case's session as a dense index: what [`paired::compare`] resamples.
pub fn sessions_of(cases: &[Case]) -> Vec<u32> {
    dense(cases.iter().map(|c| c.session.as_str()))
}

/// Names as dense indexes from 0, in order of first appearance.
pub fn dense<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<u32> {
    let mut index: HashMap<&str, u32> = HashMap::new();
    names
        .into_iter()
        .map(|n| {
            let next = index.len() as u32;
            *index.entry(n).or_insert(next)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_click_cases_cover_every_position() {
        let s = |id: &str, items: &[u32]| Session {
            id: id.into(),
            events: items.iter().enumerate().map(|(k, &i)| (i, 100 + k as u64)).collect(),
        };
        let cases = next_click_cases(&[s("a", &[1, 2, 2]), s("b", &[7]), s("c", &[3, 4])]);
        type Seen<'a> = (&'a str, usize, Vec<u32>, Vec<u32>, u64);
        let got: Vec<Seen> = cases
            .iter()
            .map(|c| (c.session.as_str(), c.position, c.viewed.clone(), c.targets.clone(), c.now))
            .collect();
        assert_eq!(
            got,
            [("a", 0, vec![1], vec![2], 100), ("a", 1, vec![1, 2], vec![2], 101), ("c", 0, vec![3], vec![4], 100),]
        );
        let t = Train::new(vec![s("a", &[1, 2, 2]), s("c", &[3])], 5);
        assert_eq!(t.counts, [0, 1, 2, 1, 0]);
        assert_eq!(t.items, 3);
        assert_eq!(t.popularity(6), [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]);
    }
}
