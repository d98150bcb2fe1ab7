//! Cutting an event stream into visits, with memory bounded by the visits still open.
//!
//! Events arrive in file order: grouped by visit (as session-rec's files are), in time
//! order with visits interleaved (as a live log is), or anything between. Each key (a
//! visit or a visitor) has an open buffer; a buffer is flushed as a finished [`Visit`]
//! when
//!
//! - the key's next event comes more than `gap` after its previous one (a visitor key
//!   becomes several visits; 30 minutes is the usual web-analytics cut),
//! - more than `max_open` keys are open: the one touched least recently is flushed (in
//!   a grouped file that is a visit that has ended; in a live log, one idle for at least
//!   `max_open` other visits' events),
//! - or the input ends.
//!
//! So memory is `max_open` buffers plus the item and cohort dictionaries, whatever the
//! number of events. A visit's events are sorted by time (stably) when it is flushed.

use std::collections::VecDeque;

use super::events::{Event, Kind};
use super::ids::Ids;
use vitrine::hash::FastMap;

/// One event of a visit, with the item as a dense index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub item: u32,
    pub time: u64,
    pub kind: Kind,
}

/// Item ids as dense indexes, in the order first seen, and what the events said of them.
#[derive(Debug, Default, Clone)]
pub struct Items {
    pub ids: Ids,
    /// The latest `value` seen with each item (its price), if any.
    pub value: Vec<Option<f64>>,
}

impl Items {
    /// The index of `id`, added if new.
    #[inline]
    pub fn intern(&mut self, id: &str) -> u32 {
        let i = self.ids.intern(id);
        if i as usize == self.value.len() {
            self.value.push(None);
        }
        i
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// Default cut between two events of one key: 30 minutes, the web-analytics convention.
pub const DEFAULT_GAP_MS: u64 = 30 * 60 * 1000;

/// Default most open visits: 100k buffers of a few events each are a few MB, and a live
/// log of a large shop has fewer visits in flight than that.
pub const DEFAULT_MAX_OPEN: usize = 100_000;

struct Open {
    key: Box<str>,
    steps: Vec<Step>,
    cohort: Option<u32>,
    last_time: u64,
    touched: u64,
}

/// Counts of what the sessionizer did, for the build's log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionStats {
    pub events: u64,
    pub visits: u64,
    /// Visits flushed because too many were open (a key seen again after that starts a
    /// new visit).
    pub evicted: u64,
    /// Visits cut at a gap of more than `gap`.
    pub cut: u64,
}

/// See the module documentation.
pub struct Sessionizer {
    pub items: Items,
    pub cohorts: Vec<String>,
    cohort_index: FastMap<Box<str>, u32>,
    open: FastMap<Box<str>, usize>,
    slots: Vec<Option<Open>>,
    free: Vec<usize>,
    /// (slot, touch) in touch order; an entry whose touch is not its slot's is stale.
    queue: VecDeque<(usize, u64)>,
    touch: u64,
    gap: u64,
    max_open: usize,
    pub stats: SessionStats,
}

impl Sessionizer {
    /// `gap` in ms (0: never cut a key at a gap); at most `max_open` visits open (≥ 1).
    pub fn new(gap: u64, max_open: usize) -> Sessionizer {
        Sessionizer {
            items: Items::default(),
            cohorts: Vec::new(),
            cohort_index: FastMap::default(),
            open: FastMap::default(),
            slots: Vec::new(),
            free: Vec::new(),
            queue: VecDeque::new(),
            touch: 0,
            gap,
            max_open: max_open.max(1),
            stats: SessionStats::default(),
        }
    }

    fn cohort(&mut self, name: &str) -> u32 {
        if let Some(&c) = self.cohort_index.get(name) {
            return c;
        }
        let c = self.cohorts.len() as u32;
        self.cohort_index.insert(name.into(), c);
        self.cohorts.push(name.to_owned());
        c
    }

    /// Adds one event; `done` receives every visit this finishes.
    pub fn push(&mut self, e: &Event<'_>, done: &mut impl FnMut(&[Step], Option<u32>)) {
        self.stats.events += 1;
        let item = self.items.intern(e.item);
        if let Some(v) = e.value {
            self.items.value[item as usize] = Some(v);
        }
        let cohort = e.cohort.map(|c| self.cohort(c));
        self.touch += 1;
        let touch = self.touch;
        let slot = match self.open.get(e.session) {
            Some(&slot) => {
                let o = self.slots[slot].as_mut().expect("an open key has a slot");
                if self.gap > 0 && e.time > o.last_time.saturating_add(self.gap) {
                    self.stats.cut += 1;
                    Self::emit(o, &mut self.stats, done);
                }
                slot
            }
            None => {
                let o = Open { key: e.session.into(), steps: Vec::new(), cohort: None, last_time: e.time, touched: 0 };
                let slot = match self.free.pop() {
                    Some(s) => {
                        // Reuse the freed buffer's allocation.
                        let old = self.slots[s].replace(o);
                        debug_assert!(old.is_none());
                        s
                    }
                    None => {
                        self.slots.push(Some(o));
                        self.slots.len() - 1
                    }
                };
                self.open.insert(e.session.into(), slot);
                slot
            }
        };
        let o = self.slots[slot].as_mut().expect("just opened");
        o.steps.push(Step { item, time: e.time, kind: e.kind });
        o.last_time = o.last_time.max(e.time);
        o.cohort = cohort.or(o.cohort);
        o.touched = touch;
        self.queue.push_back((slot, touch));
        if self.open.len() > self.max_open {
            self.evict_oldest(done);
        }
        if self.queue.len() > 4 * self.open.len() + 1024 {
            self.compact();
        }
    }

    fn emit(o: &mut Open, stats: &mut SessionStats, done: &mut impl FnMut(&[Step], Option<u32>)) {
        if o.steps.is_empty() {
            return;
        }
        // Stable: events of one time keep their file order.
        o.steps.sort_by_key(|s| s.time);
        stats.visits += 1;
        done(&o.steps, o.cohort);
        o.steps.clear();
        o.cohort = None;
    }

    fn close(&mut self, slot: usize, done: &mut impl FnMut(&[Step], Option<u32>)) {
        if let Some(mut o) = self.slots[slot].take() {
            Self::emit(&mut o, &mut self.stats, done);
            self.open.remove(&o.key);
            self.free.push(slot);
        }
    }

    fn evict_oldest(&mut self, done: &mut impl FnMut(&[Step], Option<u32>)) {
        while let Some((slot, touch)) = self.queue.pop_front() {
            if self.slots[slot].as_ref().is_some_and(|o| o.touched == touch) {
                self.stats.evicted += 1;
                self.close(slot, done);
                return;
            }
        }
    }

    /// Drops the stale queue entries (keys touched again since).
    fn compact(&mut self) {
        let slots = &self.slots;
        self.queue.retain(|&(slot, touch)| slots[slot].as_ref().is_some_and(|o| o.touched == touch));
    }

    /// Flushes every open visit, oldest touched first (a deterministic order).
    pub fn finish(&mut self, done: &mut impl FnMut(&[Step], Option<u32>)) {
        self.compact();
        while let Some((slot, _)) = self.queue.pop_front() {
            self.close(slot, done);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(session: &str, item: &str, time: u64) -> Event<'static> {
        let (s, i): (&'static str, &'static str) = (Box::leak(session.into()), Box::leak(item.into()));
        Event { session: s, item: i, kind: Kind::View, time, value: None, cohort: None }
    }

    fn run(s: &mut Sessionizer, events: &[Event]) -> Vec<Vec<(u32, u64)>> {
        let mut out = Vec::new();
        let mut done = |steps: &[Step], _: Option<u32>| out.push(steps.iter().map(|s| (s.item, s.time)).collect());
        for e in events {
            s.push(e, &mut done);
        }
        s.finish(&mut done);
        out
    }

    #[test]
    fn grouped_and_interleaved_inputs_give_the_same_visits() {
        let grouped = [ev("a", "x", 5), ev("a", "y", 3), ev("b", "y", 1), ev("b", "z", 2)];
        let interleaved = [ev("b", "y", 1), ev("a", "y", 3), ev("b", "z", 2), ev("a", "x", 5)];
        let mut s = Sessionizer::new(DEFAULT_GAP_MS, 10);
        let mut a = run(&mut s, &grouped);
        let mut t = Sessionizer::new(DEFAULT_GAP_MS, 10);
        let mut b = run(&mut t, &interleaved);
        // Items are numbered in first-seen order, so compare by id.
        let name = |s: &Sessionizer, v: &mut Vec<Vec<(u32, u64)>>| -> Vec<Vec<(String, u64)>> {
            let mut v: Vec<Vec<(String, u64)>> = v
                .drain(..)
                .map(|visit| visit.into_iter().map(|(i, t)| (s.items.ids.names[i as usize].to_string(), t)).collect())
                .collect();
            v.sort();
            v
        };
        let (a, b) = (name(&s, &mut a), name(&t, &mut b));
        assert_eq!(a, b);
        assert!(a.contains(&vec![("y".to_string(), 3), ("x".to_string(), 5)]), "sorted by time: {a:?}");
        assert_eq!(s.stats.visits, 2);
    }

    #[test]
    fn a_gap_cuts_a_visitor_into_visits() {
        let mut s = Sessionizer::new(1000, 10);
        let visits = run(&mut s, &[ev("v", "x", 0), ev("v", "y", 900), ev("v", "z", 5000), ev("v", "x", 5500)]);
        assert_eq!(visits, [vec![(0, 0), (1, 900)], vec![(2, 5000), (0, 5500)]]);
        assert_eq!(s.stats.cut, 1);
    }

    #[test]
    fn memory_is_bounded_by_the_open_visits() {
        let mut s = Sessionizer::new(0, 2);
        let events: Vec<Event> = (0..1000).map(|k| ev(&format!("s{}", k % 7), "x", k)).collect();
        let mut most_open = 0;
        let mut done = |_: &[Step], _: Option<u32>| {};
        for e in &events {
            s.push(e, &mut done);
            most_open = most_open.max(s.open.len());
            assert!(s.queue.len() <= 4 * 2 + 1024 + 1);
        }
        s.finish(&mut done);
        assert_eq!(most_open, 2);
        assert_eq!(s.stats.events, 1000);
        // Seven keys round-robin through two buffers: every event is its own visit.
        assert_eq!(s.stats.visits, 1000);
        assert_eq!(s.stats.evicted, 998);
    }
}
