//! The DIGINETICA (CIKM Cup 2016) files, and the evaluation protocol the published results
//! use on them (SR-GNN's preprocessing, Wu et al. 2019, which session-rec's tables
//! follow): views grouped by session and sorted by `timeframe`; single-view sessions
//! dropped; items seen fewer than 5 times dropped, then sessions left with fewer than 2
//! views; the sessions of the last 7 days (dated after the newest date minus 7 days) are
//! the test, those before it the training; test items the training never saw are
//! dropped, then test sessions shorter than 2. For tuning, the same cut splits the
//! training part again into a tuning-training part and a validation week.
//!
//! Purchases (`train-purchases.csv`) dated before the cut become purchase events of
//! their session (complements, and co-occurrence when the session also has views), and
//! `product-categories.csv` gives every product its category. The protocol needs the
//! whole view file at once (two filters and a split by date); the sample is 12k rows, the
//! full file 1.2M (tens of MB), both small next to the streaming paths.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::events::{days_from_civil, At, Event, Kind, Sink};
use super::table::{parse_whole, Table};
use crate::error::CliError;

pub const VIEWS: &str = "sample_train-item-views.csv";
pub const PURCHASES: &str = "train-purchases.csv";
pub const CATEGORIES: &str = "product-categories.csv";

const DAY_MS: u64 = 86_400_000;
/// Items seen fewer times than this are dropped (the protocol's filter).
pub const MIN_ITEM_COUNT: usize = 5;
/// The test (and validation) part: this many last days.
pub const TEST_DAYS: u64 = 7;

/// Which part of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Every session that passes the filters, and every purchase.
    All,
    /// The sessions before the last week (what a model for the test may learn from).
    Train,
    /// The last week's sessions, restricted to items of `Train`.
    Test,
    /// `Train` minus its own last week (what a model for validation may learn from).
    TuneTrain,
    /// `Train`'s last week, restricted to items of `TuneTrain`.
    Valid,
}

impl Part {
    pub fn parse(s: &str) -> Option<Part> {
        Some(match s {
            "all" => Part::All,
            "train" => Part::Train,
            "test" => Part::Test,
            "tune" => Part::TuneTrain,
            "valid" => Part::Valid,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Part::All => "all",
            Part::Train => "train",
            Part::Test => "test",
            Part::TuneTrain => "tune",
            Part::Valid => "valid",
        }
    }

    /// The part a model evaluated on this one learns from (itself for training parts).
    pub fn training(self) -> Part {
        match self {
            Part::Test => Part::Train,
            Part::Valid => Part::TuneTrain,
            p => p,
        }
    }
}

/// A session after the filters: its day and its views in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub id: String,
    /// Days since 1970 (the session's `eventdate`).
    pub day: u64,
    /// (item, ms since 1970).
    pub views: Vec<(String, u64)>,
}

/// A purchase line.
#[derive(Debug, Clone, PartialEq)]
pub struct Purchase {
    pub session: String,
    pub item: String,
    pub day: u64,
    pub time: u64,
}

/// The files read and filtered.
#[derive(Debug, Clone)]
pub struct Diginetica {
    /// Sessions passing the filters, in order of first appearance.
    pub visits: Vec<Visit>,
    pub purchases: Vec<Purchase>,
    /// Item id -> category id.
    pub categories: HashMap<String, String>,
    /// Views read, before the filters.
    pub rows: usize,
}

fn day_of(at: &At, text: &str) -> Result<u64, CliError> {
    let b = text.as_bytes();
    let bad = || at.bad_time(format!("eventdate {text:?} is not a YYYY-MM-DD date"));
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| parse_whole(&text[r]).filter(|_| text.is_char_boundary(0)).ok_or_else(bad);
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || y < 1970 {
        return Err(bad());
    }
    let days = days_from_civil(y as i64, m as i64, d as i64);
    u64::try_from(days).map_err(|_| bad())
}

impl Diginetica {
    /// Reads the three files from `dir` (the views from `views` when given).
    pub fn read(dir: &Path, views: Option<&Path>) -> Result<Diginetica, CliError> {
        let views_path: PathBuf = views.map_or_else(|| dir.join(VIEWS), Path::to_path_buf);
        let mut t = Table::open_with(&views_path, &["session_id", "item_id", "timeframe", "eventdate"], &[], b';')?;
        let mut order: Vec<String> = Vec::new();
        let mut by_session: HashMap<String, Reading> = HashMap::new();
        let mut rows = 0;
        while let Some(row) = t.next_row()? {
            rows += 1;
            let at = At { path: &views_path, line: row.line() };
            let (session, item) = (row.text(0), row.text(1));
            if session.is_empty() || item.is_empty() {
                return Err(at.malformed("session_id and item_id must not be empty"));
            }
            let frame = parse_whole(row.text(2))
                .ok_or_else(|| at.bad_time(format!("timeframe {:?} is not whole ms", row.text(2))))?;
            let day = day_of(&at, row.text(3))?;
            let entry = by_session.entry(session.to_owned()).or_insert_with(|| {
                order.push(session.to_owned());
                (day, Vec::new())
            });
            // The session's date is its last row's, as the protocol's script has it.
            entry.0 = day;
            entry.1.push((frame, item.to_owned()));
        }
        let visits = filter(order, by_session);

        let purchases_path = dir.join(PURCHASES);
        let mut t = Table::open_with(&purchases_path, &["sessionId", "itemId", "timeframe", "eventdate"], &[], b';')?;
        let mut purchases = Vec::new();
        while let Some(row) = t.next_row()? {
            let at = At { path: &purchases_path, line: row.line() };
            let frame = parse_whole(row.text(2))
                .ok_or_else(|| at.bad_time(format!("timeframe {:?} is not whole ms", row.text(2))))?;
            let day = day_of(&at, row.text(3))?;
            let (session, item) = (row.text(0).to_owned(), row.text(1).to_owned());
            if session.is_empty() || item.is_empty() {
                return Err(at.malformed("sessionId and itemId must not be empty"));
            }
            purchases.push(Purchase { session, item, day, time: day * DAY_MS + frame });
        }

        let categories_path = dir.join(CATEGORIES);
        let mut t = Table::open_with(&categories_path, &["itemId", "categoryId"], &[], b';')?;
        let mut categories = HashMap::new();
        while let Some(row) = t.next_row()? {
            let (item, category) = (row.text(0), row.text(1));
            if item.is_empty() || category.is_empty() {
                return Err(row.error("itemId and categoryId must not be empty"));
            }
            categories.insert(item.to_owned(), category.to_owned());
        }
        Ok(Diginetica { visits, purchases, categories, rows })
    }

    /// The newest day of `visits` minus [`TEST_DAYS`]: the sessions after it are the test.
    fn cut(visits: &[&Visit]) -> u64 {
        visits.iter().map(|v| v.day).max().unwrap_or(0).saturating_sub(TEST_DAYS)
    }

    /// The training part's sessions (before the test's cut) and that cut.
    fn training(&self) -> (Vec<&Visit>, u64) {
        let all: Vec<&Visit> = self.visits.iter().collect();
        let cut = Self::cut(&all);
        (all.into_iter().filter(|v| v.day < cut).collect(), cut)
    }

    /// Sessions of `from` dated before `cut` (a model's training), and those dated in
    /// `(cut, end]` restricted to the items of the first (what it is tested on).
    fn split(from: &[&Visit], cut: u64, end: u64) -> (Vec<Visit>, Vec<Visit>) {
        let train: Vec<Visit> = from.iter().filter(|v| v.day < cut).map(|&v| v.clone()).collect();
        let items: HashSet<&str> = train.iter().flat_map(|v| v.views.iter().map(|(i, _)| i.as_str())).collect();
        let test = from
            .iter()
            .filter(|v| v.day > cut && v.day <= end)
            .filter_map(|v| {
                let views: Vec<(String, u64)> =
                    v.views.iter().filter(|(i, _)| items.contains(i.as_str())).cloned().collect();
                (views.len() >= 2).then(|| Visit { id: v.id.clone(), day: v.day, views })
            })
            .collect();
        (train, test)
    }

    /// The sessions of `part`; a test part's views are restricted to its training part's
    /// items, and sessions left shorter than 2 dropped.
    pub fn visits(&self, part: Part) -> Vec<Visit> {
        let all: Vec<&Visit> = self.visits.iter().collect();
        let (train, cut) = self.training();
        match part {
            Part::All => self.visits.clone(),
            Part::Train => train.into_iter().cloned().collect(),
            Part::Test => Self::split(&all, cut, u64::MAX).1,
            Part::TuneTrain => self.fold(0).0,
            Part::Valid => self.fold(0).1,
        }
    }

    /// Rolling validation on the training part, for tuning: fold `k`'s validation is the
    /// week ending `7k` days before the training part's newest day, its training every
    /// session before that week. Fold 0 is `TuneTrain`/`Valid`; the sample's validation
    /// week has a few dozen predictions, so the tuner scores several folds at once.
    pub fn fold(&self, k: u32) -> (Vec<Visit>, Vec<Visit>) {
        let (train, _) = self.training();
        let cut = Self::cut(&train).saturating_sub(TEST_DAYS * u64::from(k));
        Self::split(&train, cut, cut + TEST_DAYS)
    }

    /// The day before which a model of `part` may learn (purchases included).
    fn learn_before(&self, part: Part) -> u64 {
        match part {
            Part::All => u64::MAX,
            Part::Train | Part::Test => self.training().1,
            Part::TuneTrain | Part::Valid => Self::cut(&self.training().0),
        }
    }

    /// The events a model of `part`'s training part learns from: its sessions' views,
    /// and the purchases dated before its cut of items those sessions saw.
    pub fn events(&self, part: Part, sink: &mut Sink<'_>) -> Result<u64, CliError> {
        let part = part.training();
        self.events_of(&self.visits(part), self.learn_before(part), sink)
    }

    /// Fold `k`'s training events (see [`Diginetica::fold`]).
    pub fn fold_events(&self, k: u32, sink: &mut Sink<'_>) -> Result<u64, CliError> {
        let (train, _) = self.training();
        let cut = Self::cut(&train).saturating_sub(TEST_DAYS * u64::from(k));
        self.events_of(&self.fold(k).0, cut, sink)
    }

    fn events_of(&self, visits: &[Visit], before: u64, sink: &mut Sink<'_>) -> Result<u64, CliError> {
        let items: HashSet<&str> = visits.iter().flat_map(|v| v.views.iter().map(|(i, _)| i.as_str())).collect();
        let mut n = 0;
        for v in visits {
            for (item, time) in &v.views {
                sink(&Event { session: &v.id, item, kind: Kind::View, time: *time, value: None, cohort: None }, 0)?;
                n += 1;
            }
        }
        for p in self.purchases.iter().filter(|p| p.day < before && items.contains(p.item.as_str())) {
            let e = Event {
                session: &p.session,
                item: &p.item,
                kind: Kind::Purchase,
                time: p.time,
                value: None,
                cohort: None,
            };
            sink(&e, 0)?;
            n += 1;
        }
        Ok(n)
    }
}

/// A session being read: its day and its (timeframe, item) views.
type Reading = (u64, Vec<(u64, String)>);

/// The protocol's filters over the sessions read (see the module documentation).
fn filter(order: Vec<String>, mut by_session: HashMap<String, Reading>) -> Vec<Visit> {
    let mut sessions: Vec<(String, Reading)> = order
        .into_iter()
        .filter_map(|id| {
            let (day, mut clicks) = by_session.remove(&id)?;
            // Stable, so views of one timeframe keep their file order.
            clicks.sort_by_key(|c| c.0);
            (clicks.len() > 1).then_some((id, (day, clicks)))
        })
        .collect();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (_, (_, clicks)) in &sessions {
        for (_, item) in clicks {
            *counts.entry(item.clone()).or_default() += 1;
        }
    }
    sessions
        .drain(..)
        .filter_map(|(id, (day, clicks))| {
            let views: Vec<(String, u64)> = clicks
                .into_iter()
                .filter(|(_, item)| counts[item] >= MIN_ITEM_COUNT)
                .map(|(frame, item)| (item, day * DAY_MS + frame))
                .collect();
            (views.len() >= 2).then_some(Visit { id, day, views })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked() {
        let p = Path::new("v.csv");
        let at = At { path: p, line: 4 };
        assert_eq!(day_of(&at, "1970-01-02").unwrap(), 1);
        assert_eq!(day_of(&at, "2016-05-09").unwrap(), 16_930);
        for bad in ["2016-5-9", "2016-13-01", "yesterday", "2016-05-0x", "1960-01-01"] {
            assert_eq!(day_of(&at, bad).unwrap_err().code(), "E_BAD_TIMESTAMP", "{bad}");
        }
    }

    #[test]
    fn the_protocol_filters_then_splits_by_date() {
        // Item "a" is seen 6 times, "b" 5, "c" 4 (dropped); session 9 is one view long.
        let mut by: HashMap<String, Reading> = HashMap::new();
        let mut order = Vec::new();
        let mut add = |id: &str, day: u64, items: &[&str]| {
            order.push(id.to_owned());
            by.insert(
                id.into(),
                (day, items.iter().enumerate().map(|(k, i)| (10 - k as u64, i.to_string())).collect()),
            );
        };
        add("1", 100, &["a", "b", "c"]);
        add("2", 100, &["a", "b"]);
        add("3", 101, &["a", "c", "c"]);
        add("4", 110, &["b", "a", "c"]);
        add("5", 120, &["a", "b"]);
        add("6", 120, &["b", "a"]);
        add("9", 120, &["a"]);
        let visits = filter(order, by);
        let ids: Vec<&str> = visits.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "4", "5", "6"], "3 keeps one view, 9 had one");
        // Sorted by timeframe (the test wrote them in reverse).
        assert_eq!(visits[0].views.iter().map(|v| v.0.as_str()).collect::<Vec<_>>(), ["b", "a"]);
        let d = Diginetica { visits, purchases: vec![], categories: HashMap::new(), rows: 0 };
        // Newest day 120, cut 113: test = days > 113; train = days < 113.
        let ids = |part| d.visits(part).iter().map(|v| v.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(Part::Train), ["1", "2", "4"]);
        assert_eq!(ids(Part::Test), ["5", "6"]);
        // Training's newest day 110, cut 103.
        assert_eq!(ids(Part::TuneTrain), ["1", "2"]);
        assert_eq!(ids(Part::Valid), ["4"]);
        // Fold 1: the week (96, 103] is validated with what came before day 96: nothing,
        // so no item is known and nothing is left to test.
        let (train, valid) = d.fold(1);
        assert_eq!((train.len(), valid.len()), (0, 0));
        assert_eq!(d.fold(0).1, d.visits(Part::Valid));
    }
}
