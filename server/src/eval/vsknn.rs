//! VSKNN, vector-multiplication session-based kNN (Ludewig & Jannach 2018, "Evaluation of
//! session-based recommendation algorithms", §3.2), as a reference baseline: the best
//! published algorithm of the saved YooChoose lists, recomputed here so it can be scored
//! on the whole test set, where no saved lists exist. The settings are those the saved
//! lists were made with (`example_next.yml`: k 500, sample 5000, quadratic weighting,
//! `div` score weighting, IDF weighting 5, reminders on); the mechanics follow the paper
//! and session-rec's documented behaviour:
//!
//! - candidate neighbours are the training sessions holding any item of the visit so
//!   far, the 5000 most recent (by their last event) when there are more;
//! - the visit is a vector: the item at 1-based position `i` of `L` clicks weighs
//!   `(i/L)^2` (a repeated item keeps its latest weight); a neighbour's similarity is
//!   the sum of the weights of the items it shares, over the visit's distinct items;
//! - the 500 most similar neighbours vote for each of their items: similarity x
//!   (1 + 5 idf(item)) x 1/step, where idf is `ln(sessions / events of the item)` and
//!   `step` is how far back in the visit the most recent item shared with that
//!   neighbour is (1 for the current item);
//! - items of the visit itself may be recommended (session-rec's `remind`).
//!
//! Ties (rare with real-valued scores) go to the lower item index; session-rec's order
//! for them is Python's set order, so the saved lists can differ at ties.

use super::{Case, Recommender, Train};

/// Neighbours that vote.
pub const K: usize = 500;
/// Candidate neighbours considered, the most recent.
pub const SAMPLE: usize = 5000;
/// IDF weighting.
pub const IDF_WEIGHT: f64 = 5.0;

/// See the module documentation.
pub struct Vsknn {
    /// Each session's distinct items, sorted.
    items: Vec<Vec<u32>>,
    /// Each session's last event time.
    time: Vec<u64>,
    /// Sessions holding each item.
    sessions_of: Vec<Vec<u32>>,
    idf: Vec<f64>,
    // Scratch, reused across predictions.
    score: Vec<f64>,
    touched: Vec<u32>,
}

impl Vsknn {
    pub fn new(train: &Train) -> Vsknn {
        let n = train.counts.len();
        let mut items = Vec::with_capacity(train.sessions.len());
        let mut time = Vec::with_capacity(train.sessions.len());
        let mut sessions_of: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (k, s) in train.sessions.iter().enumerate() {
            let mut set: Vec<u32> = s.events.iter().map(|e| e.0).collect();
            set.sort_unstable();
            set.dedup();
            for &i in &set {
                sessions_of[i as usize].push(k as u32);
            }
            items.push(set);
            time.push(s.last_time());
        }
        let total = train.sessions.len() as f64;
        let idf = train.counts.iter().map(|&c| if c > 0 { (total / f64::from(c)).ln() } else { 0.0 }).collect();
        Vsknn { items, time, sessions_of, idf, score: vec![0.0; n], touched: Vec::new() }
    }
}

impl Recommender for Vsknn {
    fn name(&self) -> String {
        "VSKNN".into()
    }

    fn recommend(&mut self, case: &Case, k: usize, out: &mut Vec<u32>) {
        out.clear();
        let visit = &case.viewed;
        let len = visit.len();
        if len == 0 {
            return;
        }
        // Weights of the visit's items: (i/L)^2, the latest position winning.
        let mut weight: Vec<(u32, f64)> = Vec::new();
        for (p, &i) in visit.iter().enumerate() {
            let w = ((p + 1) as f64 / len as f64).powi(2);
            match weight.iter_mut().find(|(j, _)| *j == i) {
                Some(slot) => slot.1 = w,
                None => weight.push((i, w)),
            }
        }
        let distinct = weight.len() as f64;

        let mut candidates: Vec<u32> =
            weight.iter().filter_map(|&(i, _)| self.sessions_of.get(i as usize)).flatten().copied().collect();
        candidates.sort_unstable();
        candidates.dedup();
        if candidates.len() > SAMPLE {
            // The most recent; among sessions of one time, the later in the file.
            candidates.sort_unstable_by(|&a, &b| self.time[b as usize].cmp(&self.time[a as usize]).then(b.cmp(&a)));
            candidates.truncate(SAMPLE);
        }
        let mut neighbours: Vec<(f64, u32)> = candidates
            .iter()
            .map(|&s| {
                let shared: f64 = weight
                    .iter()
                    .filter(|(i, _)| self.items[s as usize].binary_search(i).is_ok())
                    .map(|(_, w)| w)
                    .sum();
                (shared / distinct, s)
            })
            .filter(|(sim, _)| *sim > 0.0)
            .collect();
        neighbours.sort_unstable_by(|a, b| {
            b.0.total_cmp(&a.0).then(self.time[b.1 as usize].cmp(&self.time[a.1 as usize])).then(b.1.cmp(&a.1))
        });
        neighbours.truncate(K);

        for &(sim, s) in &neighbours {
            let set = &self.items[s as usize];
            let step = visit.iter().rev().position(|i| set.binary_search(i).is_ok()).map_or(1, |p| p + 1);
            let decay = 1.0 / step as f64;
            for &i in set {
                let slot = &mut self.score[i as usize];
                if *slot == 0.0 {
                    self.touched.push(i);
                }
                *slot += sim * (1.0 + self.idf[i as usize] * IDF_WEIGHT) * decay;
            }
        }
        let mut ranked: Vec<(f64, u32)> = self.touched.iter().map(|&i| (self.score[i as usize], i)).collect();
        for &i in &self.touched {
            self.score[i as usize] = 0.0;
        }
        self.touched.clear();
        ranked.retain(|&(_, i)| !case.cart.contains(&i));
        ranked.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        out.extend(ranked.into_iter().take(k).map(|(_, i)| i));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Session;

    #[test]
    fn neighbours_vote_by_similarity_idf_and_step() {
        let s = |id: &str, items: &[u32], t: u64| Session {
            id: id.into(),
            events: items.iter().map(|&i| (i, t)).collect(),
        };
        // Sessions: A = {0, 1}, B = {0, 2}, C = {3, 2}, D = {4}.
        let train = Train::new(vec![s("A", &[0, 1], 1), s("B", &[0, 2], 2), s("C", &[3, 2], 3), s("D", &[4], 4)], 5);
        let mut v = Vsknn::new(&train);
        let mut out = Vec::new();
        // Visit [3, 0]: 0 weighs 1 (current), 3 weighs 1/4; two distinct items.
        // A shares 0: sim 1/2, step 1; B shares 0: sim 1/2, step 1; C shares 3: sim 1/8, step 2.
        let case = Case { viewed: vec![3, 0], ..Case::default() };
        v.recommend(&case, 10, &mut out);
        let idf = |c: f64| (4.0f64 / c).ln();
        let score = |sims: &[(f64, f64)], c: f64| sims.iter().map(|(s, d)| s * d).sum::<f64>() * (1.0 + 5.0 * idf(c));
        let expect = [
            (0u32, score(&[(0.5, 1.0), (0.5, 1.0)], 2.0)),
            (1, score(&[(0.5, 1.0)], 1.0)),
            (2, score(&[(0.5, 1.0), (0.125, 0.5)], 2.0)),
            (3, score(&[(0.125, 0.5)], 1.0)),
        ];
        let mut want: Vec<(f64, u32)> = expect.iter().map(|&(i, s)| (s, i)).collect();
        want.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        assert_eq!(out, want.iter().map(|w| w.1).collect::<Vec<_>>());
        assert!(!out.contains(&4), "D shares nothing");
        // The scratch is clean for the next prediction.
        v.recommend(&Case { viewed: vec![4], ..Case::default() }, 10, &mut out);
        assert_eq!(out, [4]);
    }
}
