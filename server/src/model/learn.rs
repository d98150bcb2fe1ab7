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
use super::fasthash::FastMap;
use super::sessions::Step;

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

/// Exponent (in half-lives) at which stored time weights are rescaled by 2^-64, keeping
/// f32 votes far from overflow however long the history.
const RESCALE_AT: f64 = 64.0;

/// Exponential time weights relative to a moving reference time.
#[derive(Debug, Clone)]
struct Decay {
    half_life_ms: f64,
    reference: Option<f64>,
}

impl Decay {
    fn new(days: f64) -> Decay {
        Decay { half_life_ms: days * 86_400_000.0, reference: None }
    }

    /// The weight of an event at `t`, and the factor every stored weight must be
    /// multiplied by first (1 when nothing moved).
    fn weight(&mut self, t: u64) -> (f64, f64) {
        if self.half_life_ms <= 0.0 {
            return (1.0, 1.0);
        }
        let t = t as f64;
        let reference = *self.reference.get_or_insert(t);
        let x = (t - reference) / self.half_life_ms;
        if x > RESCALE_AT {
            let shift = (x / RESCALE_AT).floor() * RESCALE_AT;
            self.reference = Some(reference + shift * self.half_life_ms);
            return ((x - shift).exp2(), (-shift).exp2());
        }
        (x.exp2(), 1.0)
    }
}

/// Pair votes with per-row pruning (see the module documentation).
#[derive(Debug, Default)]
struct PairTable {
    /// `i << 32 | j` -> (time-weighted votes, visits).
    map: FastMap<u64, (f32, u32)>,
    row_cap: usize,
    /// Prune when the map grows past this.
    limit: usize,
    /// The least `limit` ever is: below a million entries (16 MB) pruning saves nothing
    /// worth its time.
    floor: usize,
    rows_seen: usize,
}

impl PairTable {
    fn new(row_cap: usize) -> PairTable {
        PairTable { map: FastMap::default(), row_cap: row_cap.max(1), limit: 1 << 20, floor: 1 << 20, rows_seen: 0 }
    }

    #[inline]
    fn add(&mut self, key: u64, w: f32) {
        let e = self.map.entry(key).or_insert((0.0, 0));
        e.0 += w;
        e.1 += 1;
        let row = (key >> 32) as usize + 1;
        if row > self.rows_seen {
            self.rows_seen = row;
        }
        if self.map.len() > self.limit {
            self.prune();
        }
    }

    fn scale(&mut self, f: f32) {
        for v in self.map.values_mut() {
            v.0 *= f;
        }
    }

    /// Keeps each row's strongest `row_cap` entries.
    fn prune(&mut self) {
        // The old table is dropped as it is read, and the new one sized for what is kept:
        // memory falls back after a prune instead of keeping the high-water capacity.
        let mut all: Vec<(u64, f32, u32)> = std::mem::take(&mut self.map).into_iter().map(|(k, (w, c))| (k, w, c)).collect();
        all.sort_unstable_by_key(|e| e.0);
        let mut kept = Vec::with_capacity(all.len());
        for row in all.chunk_by_mut(|a, b| a.0 >> 32 == b.0 >> 32) {
            if row.len() > self.row_cap {
                // Strongest first; ties to the lower key so pruning is deterministic.
                row.select_nth_unstable_by(self.row_cap - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                kept.extend_from_slice(&row[..self.row_cap]);
            } else {
                kept.extend_from_slice(row);
            }
        }
        drop(all);
        self.map.reserve(kept.len());
        for (k, w, c) in kept {
            self.map.insert(k, (w, c));
        }
        // Twice the cap per item seen, and never less than twice what survived, so
        // pruning stays rare (amortised) even when every row is full.
        self.limit = (2 * self.row_cap * self.rows_seen).max(2 * self.map.len()).max(self.floor);
    }

    /// Every entry, sorted by key.
    fn into_sorted(self) -> Vec<(u64, f32, u32)> {
        let mut all: Vec<(u64, f32, u32)> = self.map.into_iter().map(|(k, (w, c))| (k, w, c)).collect();
        all.sort_unstable_by_key(|e| e.0);
        all
    }
}

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

/// Which edges of a row to keep, and how to weigh them.
struct Select<'a> {
    /// Visits holding each item.
    support: &'a [f64],
    /// Visits in all (time-weighted like `support`).
    visits: f64,
    keep: usize,
    min_support: u32,
    /// Source and target exponents of the normalisation.
    exponents: (f64, f64),
    pair: &'a dyn Fn(u32, u32) -> bool,
}

/// An item's strongest edges from its sorted row `(j, votes, visits)`.
fn top_edges(row: impl Iterator<Item = (u32, f32, u32)>, i: u32, s: &Select, out: &mut Vec<(u32, u32, f32)>) {
    let Select { support, visits, keep, min_support, exponents: (alpha, beta), pair } = *s;
    // (W/N) / ((n_i/N)^a (n_j/N)^b) = W / (n_i^a n_j^b) * N^(a+b-1).
    let scale = visits.powf(alpha + beta - 1.0);
    let n_i = support.get(i as usize).copied().unwrap_or(0.0);
    if n_i <= 0.0 || keep == 0 {
        return;
    }
    let cosine = alpha == 0.5 && beta == 0.5;
    let mut row: Vec<(f32, u32)> = row
        .filter(|&(j, _, c)| c >= min_support && pair(i, j))
        .filter_map(|(j, w, _)| {
            let n_j = support.get(j as usize).copied().unwrap_or(0.0);
            if n_j <= 0.0 || w <= 0.0 {
                return None;
            }
            // sqrt(n_i n_j) for the cosine (N^0), as the basket learner has always computed it.
            let v = if cosine {
                f64::from(w) / (n_i * n_j).sqrt()
            } else {
                f64::from(w) * scale / (n_i.powf(alpha) * n_j.powf(beta))
            };
            // The engine refuses weights above 1000; only `a + b > 1` comes near.
            let v = v.min(MAX_EDGE_WEIGHT) as f32;
            (v.is_finite() && v > 0.0).then_some((v, j))
        })
        .collect();
    row.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    row.truncate(keep);
    out.extend(row.into_iter().map(|(v, j)| (i, j, v)));
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
        // Each table holds whole rows; rows are merged back into item order.
        let mut edges: Vec<(u32, u32, f32)> = Vec::new();
        for t in tables {
            for row in t.into_sorted().chunk_by(|a, b| a.0 >> 32 == b.0 >> 32) {
                let i = (row[0].0 >> 32) as u32;
                let it = row.iter().map(|&(k, w, c)| (k as u32, w, c));
                top_edges(it, i, &select, &mut edges);
            }
        }
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
        for row in std::mem::take(&mut l.complements).into_sorted().chunk_by(|a, b| a.0 >> 32 == b.0 >> 32) {
            let i = (row[0].0 >> 32) as u32;
            let it = row.iter().map(|&(k, w, c)| (k as u32, w, c));
            top_edges(it, i, &select, &mut comp);
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

/// Scales `edges` (grouped by source, strongest first) so that the median of the rows'
/// first weights is 1, keeping every weight within the engine's limit.
fn unit_scale(edges: &mut [(u32, u32, f32)]) {
    let mut firsts: Vec<f32> = edges.chunk_by(|a, b| a.0 == b.0).map(|row| row[0].2).collect();
    if firsts.is_empty() {
        return;
    }
    let mid = firsts.len() / 2;
    let median = *firsts.select_nth_unstable_by(mid, f32::total_cmp).1;
    if median > 0.0 {
        let f = 1.0 / f64::from(median);
        edges.iter_mut().for_each(|e| e.2 = (f64::from(e.2) * f).min(MAX_EDGE_WEIGHT) as f32);
    }
}

fn to_edges(list: &[(u32, u32, f32)]) -> Edges {
    let mut e = Edges::default();
    for &(f, t, w) in list {
        e.from.push(f);
        e.to.push(t);
        e.weight.push(w);
    }
    e
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
    fn counting_threads_agree_with_one_thread_and_pruning_keeps_the_top() {
        let mut rng = 12345u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        // Items cluster by tens; a visit draws from one cluster, some noise from anywhere.
        let visits: Vec<Vec<u32>> = (0..4000)
            .map(|_| {
                let c = (next() % 50) as u32 * 10;
                (0..2 + next() % 6)
                    .map(|_| if next() % 5 == 0 { (next() % 500) as u32 } else { c + (next() % 10) as u32 })
                    .collect()
            })
            .collect();
        let refs: Vec<&[u32]> = visits.iter().map(Vec::as_slice).collect();
        let p = LearnParams { window: 3, distance_decay: 1.0, backward: 0.5, neighbours: 5, ..LearnParams::default() };
        let one = run(&p, 1, &refs);
        let three = run(&p, 3, &refs);
        assert_eq!(triples(&one.neighbours), triples(&three.neighbours));
        assert!(one.neighbours.from.len() > 2000, "{}", one.neighbours.from.len());

        // The same votes into a table of rows of at most 12 (2.4 times the neighbours
        // kept), pruned whenever it passes twice that per item, give nearly the same top 5
        // of every item: the pairs pruned are mostly noise. (Near-ties can swap: a pair
        // pruned while its count was still low starts again from zero.)
        let top5 = |t: PairTable| {
            let mut out = Vec::new();
            for row in t.into_sorted().chunk_by(|a, b| a.0 >> 32 == b.0 >> 32) {
                let i = (row[0].0 >> 32) as u32;
                let it = row.iter().map(|&(k, w, c)| (k as u32, w, c));
                let support = one_support(&refs);
                let all = |_: u32, _: u32| true;
                let s = Select {
                    support: &support,
                    visits: 4000.0,
                    keep: 5,
                    min_support: 2,
                    exponents: (0.5, 0.5),
                    pair: &all,
                };
                top_edges(it, i, &s, &mut out);
            }
            out
        };
        let (mut exact, mut pruned) = (PairTable::new(usize::MAX), PairTable::new(12));
        pruned.floor = 12_000;
        pruned.limit = 12_000;
        for v in &refs {
            for (k, &a) in v.iter().enumerate() {
                for &b in v[k + 1..].iter().take(3) {
                    if a != b {
                        for key in [(u64::from(a) << 32) | u64::from(b), (u64::from(b) << 32) | u64::from(a)] {
                            exact.add(key, 1.0);
                            pruned.add(key, 1.0);
                        }
                    }
                }
            }
        }
        assert!(pruned.map.len() < exact.map.len() * 3 / 4, "{} vs {}", pruned.map.len(), exact.map.len());
        let (a, b) = (top5(exact), top5(pruned));
        assert_eq!(a.len(), b.len());
        let (mut same_set, mut same_first) = (0, 0);
        for (x, y) in a.chunks(5).zip(b.chunks(5)) {
            let (mut xs, mut ys): (Vec<u32>, Vec<u32>) =
                (x.iter().map(|e| e.1).collect(), y.iter().map(|e| e.1).collect());
            same_first += usize::from(xs[0] == ys[0]);
            xs.sort_unstable();
            ys.sort_unstable();
            same_set += xs.iter().filter(|j| ys.contains(j)).count();
        }
        // Measured: 98% of the neighbours and of the strongest neighbours agree.
        assert!(same_set * 100 >= a.len() * 97, "{same_set} of {}", a.len());
        assert!(same_first * 100 >= 500 * 97, "{same_first} of 500");
    }

    fn one_support(visits: &[&[u32]]) -> Vec<f64> {
        let mut s = vec![0.0; 500];
        for v in visits {
            let mut d = v.to_vec();
            d.sort_unstable();
            d.dedup();
            d.iter().for_each(|&i| s[i as usize] += 1.0);
        }
        s
    }

    #[test]
    fn unit_scale_puts_the_median_strongest_edge_at_one() {
        let mut e = vec![(0, 1, 0.2), (0, 2, 0.1), (1, 0, 0.4), (2, 0, 0.01), (2, 1, 0.001)];
        unit_scale(&mut e);
        let want = [1.0, 0.5, 2.0, 0.05, 0.005];
        assert!(e.iter().zip(want).all(|(x, w)| (x.2 - w).abs() < 1e-6), "{e:?}");
    }

    #[test]
    fn recency_weighs_recent_visits_more_and_survives_long_histories() {
        let mut d = Decay::new(1.0);
        let day = 86_400_000u64;
        assert_eq!(d.weight(0), (1.0, 1.0));
        assert_eq!(d.weight(day), (2.0, 1.0));
        // 100 half-lives on: weights are rescaled rather than overflowing.
        let (w, f) = d.weight(100 * day);
        assert_eq!(f, (-64.0f64).exp2());
        assert_eq!(w, 36.0f64.exp2());
        assert_eq!(Decay::new(0.0).weight(5 * day), (1.0, 1.0));
    }
}
