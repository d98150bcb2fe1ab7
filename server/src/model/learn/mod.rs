//! Learning neighbours, complements and popularity from visits, in one streaming pass.
//!
//! **Neighbours** ("viewed this, then that") come from co-occurrence in a visit. Each
//! ordered pair of events `(i at p, j at q)` with `0 < q - p <= window` votes for the edge
//! `i -> j` with `(q - p)^-distanceDecay` (the next click says more than one ten steps
//! on), and for `j -> i` with `backward` times that (what came before says less than
//! what came after, which matters for predicting the next click). A visit votes once per
//! edge, with its strongest vote, and is weighed by its age (`recencyHalfLifeDays`:
//! tastes and assortments move). An edge's weight is its votes `W(i,j)` normalised
//! against popularity, `W / (n_i^sourceExponent * n_j^targetExponent)` where `n` counts
//! the visits holding an item: with both exponents at ½ that is the cosine, and a larger
//! target exponent keeps best sellers from topping every list. Edges supported by fewer
//! than `minSupport` visits are dropped (one meeting is chance), and each item keeps its
//! `neighbours` strongest. Counts enter as frequencies (per visit learned from), so a
//! weight does not grow with the size of the history and weights tuned on one split
//! carry over to a larger one: `(W/N) / ((n_i/N)^a (n_j/N)^b)` for `N` visits, which is
//! the plain cosine when `a = b = 1/2` and at most 1 whenever `a + b <= 1`.
//!
//! **Complements** ("goes with") are the same from purchases only, unordered and cosine
//! normalised, optionally only across categories. **Popularity** counts events per item,
//! globally and per cohort, with its own half-life.
//!
//! **Memory** is bounded by items and neighbours, not events: pair votes are kept in
//! per-item rows of at most `rowCap` entries. When the table passes twice `rowCap` per
//! item, every row longer than `rowCap` keeps its strongest `rowCap` and drops the rest
//! (a pair that falls out and comes back starts again from zero, so only pairs too weak
//! to be near any item's top `rowCap` lose votes; with `rowCap` a few times `neighbours`
//! the kept edges are exact in practice, see the tests). **Time**: the pair table is
//! sharded by source item over worker threads, fed in batches by the thread that reads
//! and cuts the events.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use vitrine::bundle::Edges;

use super::events::Kind;
use super::sessions::Step;

mod decay;
mod edges;
mod pairs;

use decay::Decay;
use edges::{to_edges, top_edges, unit_scale, Select};
use pairs::{PairTable, Rows, Vote};

/// How a build learns; the defaults are those of the Instacart demo (cosine over baskets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct LearnParams {
    /// Neighbours kept per item (the engine accepts up to `maxEdgesPerProduct`, 256).
    pub neighbours: usize,
    /// Complements kept per item.
    pub complements: usize,
    /// Fewest visits an edge must be seen in.
    pub min_support: u32,
    /// Fewest purchase visits a complement must be seen in.
    pub complement_min_support: u32,
    /// Largest distance, in events, between the two ends of a pair (0: the whole visit,
    /// up to [`MAX_WINDOW`]).
    pub window: u32,
    /// A pair `d` events apart votes `d^-distanceDecay` (0: every pair votes 1).
    pub distance_decay: f64,
    /// Weight of the vote for `j -> i` when `j` came after `i` (1: symmetric).
    pub backward: f64,
    /// A visit's votes halve every this many days before the newest visit (0: no decay).
    pub recency_half_life_days: f64,
    /// Exponent of the source's visit count in the normalisation.
    pub source_exponent: f64,
    /// Exponent of the target's visit count in the normalisation.
    pub target_exponent: f64,
    /// Scale every neighbour weight by one factor so that the median of the items'
    /// strongest weight is 1: the similarity feature then has the same scale whatever
    /// the exponents and the length of the history, and ranking weights tuned with one
    /// learner carry over to another. Off, weights are as normalised (the cosine's 0..1).
    pub unit_scale: bool,
    /// An event's popularity halves every this many days before the newest event (0: none).
    pub popularity_half_life_days: f64,
    /// Pair votes kept per item while counting, at least 4 times `neighbours`; see the
    /// module documentation.
    pub row_cap: usize,
    /// Complements only between products of different categories.
    pub cross_category_complements: bool,
}

impl Default for LearnParams {
    fn default() -> Self {
        LearnParams {
            neighbours: 20,
            complements: 10,
            min_support: 2,
            complement_min_support: 2,
            window: 0,
            distance_decay: 0.0,
            backward: 1.0,
            recency_half_life_days: 0.0,
            source_exponent: 0.5,
            target_exponent: 0.5,
            unit_scale: false,
            popularity_half_life_days: 0.0,
            row_cap: 1024,
            cross_category_complements: true,
        }
    }
}

/// The largest edge weight a bundle may carry (the engine's limit, `docs/FORMATS.md`).
pub const MAX_EDGE_WEIGHT: f64 = 1000.0;

/// Largest window: a visit of thousands of events (a crawler) would otherwise cost the
/// square of its length.
pub const MAX_WINDOW: u32 = 200;

/// Pair votes per batch sent to the counting threads: 64k pairs is 768 KB, large
/// enough that channel costs vanish, small enough to stay in cache while it is read.
const BATCH: usize = 1 << 16;

/// What the counting threads are sent.
enum Msg {
    Pairs(Arc<Vec<(u64, f32)>>),
    Scale(f32),
}

/// Per-item totals the normalisation needs, sent to the counting threads at the end.
struct Totals {
    support: Vec<f64>,
    visits: f64,
}

/// What a build learned.
#[derive(Debug, Clone, Default)]
pub struct Learned {
    pub neighbours: Edges,
    pub complements: Edges,
    /// Time-weighted events per item.
    pub popularity: Vec<f32>,
    /// The same per cohort (index into the sessionizer's cohorts).
    pub cohort_popularity: Vec<Vec<f32>>,
    /// Visits holding each item (unweighted).
    pub visits_with: Vec<u32>,
    pub visits: u64,
    pub pairs: u64,
}

/// The learner, fed one visit at a time from inside [`learn`].
pub struct Learner<'p> {
    p: &'p LearnParams,
    window: usize,
    shards: Vec<SyncSender<Msg>>,
    /// Used when there is no counting thread.
    local: Option<PairTable>,
    batch: Vec<(u64, f32)>,
    scratch: Vec<(u64, f32)>,
    distinct: Vec<u32>,
    support: Vec<f64>,
    /// Visits so far, time-weighted like `support`.
    weighted_visits: f64,
    visits_with: Vec<u32>,
    complements: PairTable,
    purchase_support: Vec<f64>,
    purchase_visits: f64,
    recency: Decay,
    pop_decay: Decay,
    popularity: Vec<f64>,
    cohort_popularity: Vec<Vec<f64>>,
    /// d^-distanceDecay for d = 0..=window (index 0 unused).
    by_distance: Vec<f32>,
    visits: u64,
    pairs: u64,
}

fn grow<T: Clone + Default>(v: &mut Vec<T>, i: u32) -> &mut T {
    let i = i as usize;
    if v.len() <= i {
        v.resize(i + 1, T::default());
    }
    &mut v[i]
}

impl Learner<'_> {
    /// Adds one visit (steps in time order); `cohort` indexes the cohorts of the source.
    pub fn visit(&mut self, steps: &[Step], cohort: Option<u32>) {
        if steps.is_empty() {
            return;
        }
        self.visits += 1;
        let last = steps.iter().map(|s| s.time).max().unwrap_or(0);
        let (pop_w, pop_scale) = self.pop_decay.weight(last);
        if pop_scale != 1.0 {
            self.popularity.iter_mut().chain(self.cohort_popularity.iter_mut().flatten()).for_each(|v| *v *= pop_scale);
        }
        for s in steps {
            *grow(&mut self.popularity, s.item) += pop_w;
            if let Some(c) = cohort {
                let row = grow(&mut self.cohort_popularity, c);
                *grow(row, s.item) += pop_w;
            }
        }
        let (w, scale) = self.recency.weight(last);
        if scale != 1.0 {
            self.rescale(scale);
        }

        self.distinct.clear();
        self.distinct.extend(steps.iter().map(|s| s.item));
        self.distinct.sort_unstable();
        self.distinct.dedup();
        self.weighted_visits += w;
        for &i in &self.distinct {
            *grow(&mut self.support, i) += w;
            *grow(&mut self.visits_with, i) += 1;
        }

        // Every pair within the window, then one vote per edge: the strongest.
        self.scratch.clear();
        for (p, a) in steps.iter().enumerate() {
            for (d, b) in steps[p + 1..].iter().take(self.window).enumerate() {
                if a.item == b.item {
                    continue;
                }
                let v = self.by_distance[d + 1];
                self.scratch.push(((u64::from(a.item) << 32) | u64::from(b.item), v));
                if self.p.backward > 0.0 {
                    self.scratch.push(((u64::from(b.item) << 32) | u64::from(a.item), v * self.p.backward as f32));
                }
            }
        }
        self.scratch.sort_unstable_by(|x, y| x.0.cmp(&y.0).then(y.1.total_cmp(&x.1)));
        self.scratch.dedup_by_key(|e| e.0);
        self.pairs += self.scratch.len() as u64;
        let wf = w as f32;
        for &(k, v) in &self.scratch {
            self.batch.push((k, v * wf));
        }
        if self.batch.len() >= BATCH {
            self.flush();
        }

        // Complements: items bought in this visit, each pair once, both ways.
        self.distinct.clear();
        self.distinct.extend(steps.iter().filter(|s| s.kind == Kind::Purchase).map(|s| s.item));
        self.distinct.sort_unstable();
        self.distinct.dedup();
        if !self.distinct.is_empty() {
            self.purchase_visits += w;
        }
        for (k, &i) in self.distinct.iter().enumerate() {
            *grow(&mut self.purchase_support, i) += w;
            for &j in &self.distinct[k + 1..] {
                self.complements.add((u64::from(i) << 32) | u64::from(j), wf);
                self.complements.add((u64::from(j) << 32) | u64::from(i), wf);
            }
        }
    }

    fn rescale(&mut self, f: f64) {
        self.flush();
        self.support.iter_mut().chain(self.purchase_support.iter_mut()).for_each(|v| *v *= f);
        self.weighted_visits *= f;
        self.purchase_visits *= f;
        self.complements.scale(f as f32);
        match &mut self.local {
            Some(t) => t.scale(f as f32),
            None => self.shards.iter().for_each(|s| {
                let _ = s.send(Msg::Scale(f as f32));
            }),
        }
    }

    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        match &mut self.local {
            Some(t) => batch.iter().for_each(|&(k, v)| t.add(k, v)),
            None => {
                let batch = Arc::new(batch);
                for s in &self.shards {
                    // A counting thread only stops when this side hangs up.
                    let _ = s.send(Msg::Pairs(Arc::clone(&batch)));
                }
            }
        }
    }

    /// Visits added so far.
    pub fn visits(&self) -> u64 {
        self.visits
    }
}

fn counting_thread(rx: Receiver<Msg>, shard: u64, shards: u64, row_cap: usize) -> PairTable {
    let mut t = PairTable::new(row_cap);
    for msg in rx {
        match msg {
            Msg::Pairs(batch) => {
                for &(k, v) in batch.iter() {
                    if (k >> 32) % shards == shard {
                        t.add(k, v);
                    }
                }
            }
            Msg::Scale(f) => t.scale(f),
        }
    }
    t
}

/// Marks an item of no known category.
pub const NO_CATEGORY: u32 = u32::MAX;

/// Runs `feed` with a learner and learns from what it was fed, counting pairs on
/// `threads - 1` other threads (none when `threads <= 1`). `feed` returns each item's
/// category (by item index; [`NO_CATEGORY`] or a short list for unknown), which
/// cross-category complements need and which is only known once every item was seen.
pub fn learn<E>(
    p: &LearnParams,
    threads: usize,
    feed: impl FnOnce(&mut Learner) -> Result<Vec<u32>, E>,
) -> Result<Learned, E> {
    let shards = threads.saturating_sub(1);
    let window = match p.window {
        0 => MAX_WINDOW,
        w => w.min(MAX_WINDOW),
    } as usize;
    let by_distance: Vec<f32> =
        (0..=window).map(|d| if d == 0 { 0.0 } else { (d as f64).powf(-p.distance_decay) as f32 }).collect();
    // A row must hold well more than the edges kept from it, or pruning decides them.
    let row_cap = p.row_cap.max(4 * p.neighbours).max(4 * p.complements);
    std::thread::scope(|s| {
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        for k in 0..shards {
            // Four batches in flight per thread: the reader rarely waits, memory stays small.
            let (tx, rx) = sync_channel(4);
            senders.push(tx);
            let cap = row_cap;
            handles.push(s.spawn(move || counting_thread(rx, k as u64, shards as u64, cap)));
        }
        let mut l = Learner {
            p,
            window,
            shards: senders,
            local: (shards == 0).then(|| PairTable::new(row_cap)),
            batch: Vec::with_capacity(BATCH),
            scratch: Vec::new(),
            distinct: Vec::new(),
            support: Vec::new(),
            weighted_visits: 0.0,
            visits_with: Vec::new(),
            complements: PairTable::new(row_cap),
            purchase_support: Vec::new(),
            purchase_visits: 0.0,
            recency: Decay::new(p.recency_half_life_days),
            pop_decay: Decay::new(p.popularity_half_life_days),
            popularity: Vec::new(),
            cohort_popularity: Vec::new(),
            by_distance,
            visits: 0,
            pairs: 0,
        };
        let fed = feed(&mut l);
        l.flush();
        let local = l.local.take();
        l.shards.clear(); // hang up: the counting threads return their tables
        let tables: Vec<PairTable> = match local {
            Some(t) => vec![t],
            None => handles.into_iter().map(|h| h.join().expect("a counting thread never panics")).collect(),
        };
        let categories = fed?;
        let category = |i: u32| categories.get(i as usize).copied().filter(|&c| c != NO_CATEGORY);
        let totals = Totals { support: std::mem::take(&mut l.support), visits: l.weighted_visits };
        let no_filter = |_: u32, _: u32| true;
        let select = Select {
            support: &totals.support,
            visits: totals.visits,
            keep: p.neighbours,
            min_support: p.min_support,
            exponents: (p.source_exponent, p.target_exponent),
            pair: &no_filter,
        };
        // Each table holds whole rows; the rows are shared out over the threads, and the
        // edges merged back into item order.
        let rows: Vec<Rows> = tables.into_iter().map(PairTable::into_rows).collect();
        let all: Vec<(u32, &[Vote])> = rows.iter().flat_map(Rows::iter).collect();
        let chunk = all.len().div_ceil(threads.max(1)).max(1);
        let mut edges: Vec<(u32, u32, f32)> = std::thread::scope(|s| {
            let select = &select;
            let parts: Vec<_> = all
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        let mut out = Vec::new();
                        for &(i, row) in part {
                            top_edges(row.iter().copied(), i, select, &mut out);
                        }
                        out
                    })
                })
                .collect();
            parts.into_iter().flat_map(|h| h.join().expect("edge selection never panics")).collect()
        });
        edges.sort_by_key(|e| e.0); // stable: each row stays strongest first
        if p.unit_scale {
            unit_scale(&mut edges);
        }
        let cross = |i: u32, j: u32| match (category(i), category(j)) {
            (Some(a), Some(b)) if p.cross_category_complements => a != b,
            _ => true,
        };
        let mut comp = Vec::new();
        let select = Select {
            support: &l.purchase_support,
            visits: l.purchase_visits,
            keep: p.complements,
            min_support: p.complement_min_support,
            exponents: (0.5, 0.5),
            pair: &cross,
        };
        let rows = std::mem::take(&mut l.complements).into_rows();
        for (i, row) in rows.iter() {
            top_edges(row.iter().copied(), i, &select, &mut comp);
        }
        let pop = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        Ok(Learned {
            neighbours: to_edges(&edges),
            complements: to_edges(&comp),
            popularity: pop(&l.popularity),
            cohort_popularity: l.cohort_popularity.iter().map(|c| pop(c)).collect(),
            visits_with: std::mem::take(&mut l.visits_with),
            visits: l.visits,
            pairs: l.pairs,
        })
    })
}

/// 4,000 test visits over 500 items clustered by tens: a visit draws from one cluster, with
/// some noise from anywhere (a fixed xorshift stream, so tests repeat).
#[cfg(test)]
fn clustered_visits() -> Vec<Vec<u32>> {
    let mut rng = 12345u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    (0..4000)
        .map(|_| {
            let c = (next() % 50) as u32 * 10;
            (0..2 + next() % 6)
                .map(|_| if next() % 5 == 0 { (next() % 500) as u32 } else { c + (next() % 10) as u32 })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(items: &[u32]) -> Vec<Step> {
        items.iter().enumerate().map(|(k, &item)| Step { item, time: k as u64, kind: Kind::Purchase }).collect()
    }

    fn triples(e: &Edges) -> Vec<(u32, u32, f32)> {
        e.from.iter().zip(e.to.iter()).zip(e.weight.iter()).map(|((&f, &t), &w)| (f, t, w)).collect()
    }

    fn run(p: &LearnParams, threads: usize, visits: &[&[u32]]) -> Learned {
        learn::<()>(p, threads, |l| {
            for v in visits {
                l.visit(&steps(v), None);
            }
            Ok(Vec::new())
        })
        .unwrap()
    }

    const BASKETS: &[&[u32]] = &[&[0, 1, 3, 0], &[0, 1, 3], &[0, 1, 2, 4], &[0, 2], &[2, 5], &[2, 5]];

    #[test]
    fn the_defaults_are_the_cosine_over_baskets() {
        let l = run(&LearnParams::default(), 1, BASKETS);
        let e = triples(&l.neighbours);
        let of0: Vec<(u32, f32)> = e.iter().filter(|t| t.0 == 0).map(|t| (t.1, t.2)).collect();
        // 0 is in 4 baskets, 1 in 3, 3 in 2, 2 in 4; 0-4 met once (below min support).
        let cos = |c: f64, a: f64, b: f64| (c / (a * b).sqrt()) as f32;
        assert_eq!(of0, [(1, cos(3.0, 4.0, 3.0)), (3, cos(2.0, 4.0, 2.0)), (2, cos(2.0, 4.0, 4.0))]);
        assert!(e.iter().all(|t| t.0 != t.1 && t.1 != 4));
        assert!(e.windows(2).all(|w| w[0].0 <= w[1].0));
        assert_eq!(l.visits_with[..6], [4, 3, 4, 2, 1, 2]);
        assert_eq!(l.popularity[0], 5.0, "events, a repeat counts");
        // Complements are the same pairs here (every event is a purchase).
        assert_eq!(triples(&l.complements), e);
    }

    #[test]
    fn distance_direction_and_normalisation() {
        let p = LearnParams {
            window: 2,
            distance_decay: 1.0,
            backward: 0.25,
            source_exponent: 0.0,
            target_exponent: 0.0,
            min_support: 1,
            ..LearnParams::default()
        };
        let l = run(&p, 1, &[&[7, 8, 9, 6]]);
        let e = triples(&l.neighbours);
        let w = |f: u32, t: u32| e.iter().find(|x| x.0 == f && x.1 == t).map(|x| x.2);
        assert_eq!(w(7, 8), Some(1.0));
        assert_eq!(w(7, 9), Some(0.5));
        assert_eq!(w(7, 6), None, "three apart, beyond the window");
        assert_eq!(w(8, 7), Some(0.25));
        assert_eq!(w(9, 7), Some(0.125));
        // A repeat votes once, with its nearest occurrence.
        let l = run(&p, 1, &[&[1, 2, 1]]);
        let e = triples(&l.neighbours);
        assert!(e.contains(&(1, 2, 1.0)) && e.contains(&(2, 1, 1.0)), "{e:?}");
    }

    #[test]
    fn counting_threads_agree_with_one_thread() {
        let visits = clustered_visits();
        let refs: Vec<&[u32]> = visits.iter().map(Vec::as_slice).collect();
        let p = LearnParams { window: 3, distance_decay: 1.0, backward: 0.5, neighbours: 5, ..LearnParams::default() };
        let one = run(&p, 1, &refs);
        let three = run(&p, 3, &refs);
        assert_eq!(triples(&one.neighbours), triples(&three.neighbours));
        assert!(one.neighbours.from.len() > 2000, "{}", one.neighbours.from.len());
    }
}
