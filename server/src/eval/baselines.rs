//! The baselines, computed by the same evaluator as vitrine:
//!
//! - **POP**: the training set's most frequent items;
//! - **S-POP**: the visit's own items by how often it has seen them (ties by POP), then
//!   POP (as in SR-GNN's comparison);
//! - **repeat**: the shopper's earlier purchases by how many orders held them, then how
//!   recent, then POP (Instacart);
//! - **AR** and **SR**: session-rec's association rules and sequential rules (Ludewig &
//!   Jannach 2018, "Evaluation of session-based recommendation algorithms", §3.1), with
//!   the settings of the saved lists: AR counts every pair of a session's events, SR the
//!   pairs where the second follows the first within 20 steps, weighted 1/d² (its
//!   `quadratic`); each item keeps its 20 strongest rules; a prediction is the current
//!   item's rules. As in session-rec, only items with a rule are listed.
//!
//! Every baseline leaves out the cart (Instacart: the basket's revealed items), which the
//! engine never suggests either.

use super::{Case, Recommender, Train};

/// Items by training count, best first, ties to the lower index.
fn by_count(counts: &[u32]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..counts.len() as u32).filter(|&i| counts[i as usize] > 0).collect();
    order.sort_by(|&a, &b| counts[b as usize].cmp(&counts[a as usize]).then(a.cmp(&b)));
    order
}

fn fill(out: &mut Vec<u32>, from: &[u32], k: usize, skip: &[u32]) {
    for &i in from {
        if out.len() >= k {
            break;
        }
        if !skip.contains(&i) && !out.contains(&i) {
            out.push(i);
        }
    }
}

/// POP.
pub struct Pop {
    order: Vec<u32>,
    counts: Vec<u32>,
}

impl Pop {
    pub fn new(train: &Train) -> Pop {
        Pop { order: by_count(&train.counts), counts: train.counts.clone() }
    }

    /// Item `i`'s training count, what ties in S-POP and repeat go by (then the index,
    /// as in POP's own order).
    fn count(&self, i: u32) -> u32 {
        self.counts.get(i as usize).copied().unwrap_or(0)
    }
}

impl Recommender for Pop {
    fn name(&self) -> String {
        "POP".into()
    }
    fn recommend(&mut self, case: &Case, k: usize, out: &mut Vec<u32>) {
        out.clear();
        fill(out, &self.order, k, &case.cart);
    }
}

/// S-POP.
pub struct SessionPop {
    pop: Pop,
}

impl SessionPop {
    pub fn new(train: &Train) -> SessionPop {
        SessionPop { pop: Pop::new(train) }
    }
}

impl Recommender for SessionPop {
    fn name(&self) -> String {
        "S-POP".into()
    }
    fn recommend(&mut self, case: &Case, k: usize, out: &mut Vec<u32>) {
        let mut seen: Vec<(u32, u32)> = Vec::new();
        for &i in &case.viewed {
            match seen.iter_mut().find(|(j, _)| *j == i) {
                Some((_, n)) => *n += 1,
                None => seen.push((i, 1)),
            }
        }
        let pop = &self.pop;
        seen.sort_by(|a, b| b.1.cmp(&a.1).then(pop.count(b.0).cmp(&pop.count(a.0))).then(a.0.cmp(&b.0)));
        out.clear();
        let first: Vec<u32> = seen.into_iter().map(|(i, _)| i).collect();
        fill(out, &first, k, &case.cart);
        fill(out, &self.pop.order, k, &case.cart);
    }
}

/// The repeat-purchase baseline.
pub struct Repeat {
    pop: Pop,
}

impl Repeat {
    pub fn new(train: &Train) -> Repeat {
        Repeat { pop: Pop::new(train) }
    }
}

impl Recommender for Repeat {
    fn name(&self) -> String {
        "repeat".into()
    }
    fn recommend(&mut self, case: &Case, k: usize, out: &mut Vec<u32>) {
        let mut past = case.past.clone();
        // Ties go by POP's order, compared by count rather than by searching POP's list,
        // which on the full Instacart is 50k products long.
        let pop = &self.pop;
        past.sort_by(|a, b| {
            b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(pop.count(b.0).cmp(&pop.count(a.0))).then(a.0.cmp(&b.0))
        });
        out.clear();
        let first: Vec<u32> = past.into_iter().map(|(i, _, _)| i).collect();
        fill(out, &first, k, &case.cart);
        fill(out, &self.pop.order, k, &case.cart);
    }
}

/// Which rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Association,
    Sequential,
}

/// Rules kept per item (session-rec's `pruning`, as in the saved lists).
pub const RULES_PER_ITEM: usize = 20;
/// SR's `steps`.
pub const SR_STEPS: usize = 20;

/// AR or SR.
pub struct Rules {
    kind: RuleKind,
    /// Per item: (other item, weight), strongest first.
    rules: Vec<Vec<(u32, f64)>>,
}

impl Rules {
    pub fn new(train: &Train, kind: RuleKind) -> Rules {
        let n = train.counts.len();
        // Per item, its rules in the order first met (ties keep that order when pruned,
        // as Python's Counter.most_common does).
        let mut rows: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
        let add = |rows: &mut Vec<Vec<(u32, f64)>>, from: u32, to: u32, w: f64| {
            let row = &mut rows[from as usize];
            match row.iter_mut().find(|(j, _)| *j == to) {
                Some((_, v)) => *v += w,
                None => row.push((to, w)),
            }
        };
        for s in &train.sessions {
            let items: Vec<u32> = s.events.iter().map(|e| e.0).collect();
            for (q, &b) in items.iter().enumerate() {
                match kind {
                    RuleKind::Association => {
                        for &a in &items[..q] {
                            add(&mut rows, b, a, 1.0);
                            add(&mut rows, a, b, 1.0);
                        }
                    }
                    RuleKind::Sequential => {
                        for d in 1..=SR_STEPS.min(q) {
                            add(&mut rows, items[q - d], b, 1.0 / (d * d) as f64);
                        }
                    }
                }
            }
        }
        for row in &mut rows {
            // Stable: equal weights keep the order they were first met in.
            row.sort_by(|a, b| b.1.total_cmp(&a.1));
            row.truncate(RULES_PER_ITEM);
        }
        Rules { kind, rules: rows }
    }
}

impl Recommender for Rules {
    fn name(&self) -> String {
        match self.kind {
            RuleKind::Association => "AR".into(),
            RuleKind::Sequential => "SR".into(),
        }
    }
    fn recommend(&mut self, case: &Case, k: usize, out: &mut Vec<u32>) {
        out.clear();
        let Some(&last) = case.viewed.last() else { return };
        if let Some(row) = self.rules.get(last as usize) {
            let items: Vec<u32> = row.iter().filter(|r| r.1 > 0.0).map(|r| r.0).collect();
            fill(out, &items, k, &case.cart);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Session;

    fn train(sessions: &[&[u32]], n: usize) -> Train {
        let s = sessions
            .iter()
            .enumerate()
            .map(|(k, items)| Session { id: k.to_string(), events: items.iter().map(|&i| (i, 0)).collect() })
            .collect();
        Train::new(s, n)
    }

    fn case(viewed: &[u32], cart: &[u32]) -> Case {
        Case { viewed: viewed.to_vec(), cart: cart.to_vec(), ..Case::default() }
    }

    #[test]
    fn pop_and_session_pop() {
        let t = train(&[&[0, 1, 1, 2], &[1, 3], &[3]], 5);
        let mut out = Vec::new();
        Pop::new(&t).recommend(&case(&[], &[1]), 3, &mut out);
        assert_eq!(out, [3, 0, 2], "1 is in the cart; ties to the lower index");
        SessionPop::new(&t).recommend(&case(&[0, 2, 2], &[]), 4, &mut out);
        assert_eq!(out, [2, 0, 1, 3]);
    }

    #[test]
    fn repeat_ranks_by_orders_then_recency() {
        let t = train(&[&[0, 1, 2, 3]], 4);
        let mut c = case(&[], &[3]);
        c.past = vec![(2, 1, 5), (1, 3, 2), (0, 1, 9), (3, 4, 9)];
        let mut out = Vec::new();
        Repeat::new(&t).recommend(&c, 3, &mut out);
        assert_eq!(out, [1, 0, 2]);
    }

    #[test]
    fn association_and_sequential_rules() {
        let t = train(&[&[0, 1, 2], &[2, 0], &[0, 3, 0]], 4);
        let mut out = Vec::new();
        let mut ar = Rules::new(&t, RuleKind::Association);
        // 0 met 1 once, 2 twice, 3 twice and itself twice (the last session); ties keep
        // the order first met.
        ar.recommend(&case(&[0], &[]), 5, &mut out);
        assert_eq!(out, [2, 3, 0, 1]);
        let mut sr = Rules::new(&t, RuleKind::Sequential);
        // After 0: 1 at 1 step, 2 at 2 steps (1/4), 3 at 1 step, 0 at 2 steps (1/4).
        sr.recommend(&case(&[5, 0], &[]), 5, &mut out);
        assert_eq!(out, [1, 3, 2, 0]);
        sr.recommend(&case(&[1], &[2]), 5, &mut out);
        assert!(out.is_empty(), "1's only rule is 2, in the cart");
    }
}
