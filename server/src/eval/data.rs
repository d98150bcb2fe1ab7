//! Training and test sessions for next-click evaluation, from the same files `vitrine
//! model build` reads: a session-rec YooChoose pair, a DIGINETICA protocol part, or a
//! pair of generic event files (cut into visits as the build cuts them).
//!
//! As in session-rec's preprocessing, test events of items the training data never saw
//! are dropped, then test sessions left with fewer than two events: no recommender can
//! predict an item it has never seen, and the published numbers leave those out.

use std::collections::HashMap;
use std::path::Path;

use super::{Session, Train, Vocab};
use crate::error::CliError;
use crate::model::diginetica::{Diginetica, Part};
use crate::model::events::{self, Event};
use crate::model::sessions::{Sessionizer, DEFAULT_GAP_MS, DEFAULT_MAX_OPEN};
use crate::model::yoochoose;

/// A training set and the test sessions to replay, over one vocabulary.
#[derive(Debug, Clone, Default)]
pub struct SessionData {
    pub vocab: Vocab,
    pub train: Train,
    pub test: Vec<Session>,
    /// Test events dropped for an item the training data never saw.
    pub unknown_dropped: usize,
}

/// Groups events by their session id, each session's events sorted by time (stably).
#[derive(Default)]
struct Grouper {
    index: HashMap<String, usize>,
    sessions: Vec<(String, Vec<(String, u64)>)>,
}

impl Grouper {
    fn push(&mut self, e: &Event<'_>) {
        let k = *self.index.entry(e.session.to_owned()).or_insert_with(|| {
            self.sessions.push((e.session.to_owned(), Vec::new()));
            self.sessions.len() - 1
        });
        self.sessions[k].1.push((e.item.to_owned(), e.time));
    }

    fn finish(mut self) -> Raw {
        for (_, events) in &mut self.sessions {
            events.sort_by_key(|e| e.1);
        }
        self.sessions
    }
}

/// Sessions as (id, (item id, ms) events in time order).
pub type Raw = Vec<(String, Vec<(String, u64)>)>;

/// Training sessions interned into a vocabulary, and the test sessions restricted to it.
pub fn sessions(train: Raw, test: Raw) -> SessionData {
    assemble(train, test)
}

fn assemble(train: Raw, test: Raw) -> SessionData {
    let mut vocab = Vocab::default();
    let train: Vec<Session> = train
        .into_iter()
        .map(|(id, events)| Session { id, events: events.iter().map(|(i, t)| (vocab.intern(i), *t)).collect() })
        .collect();
    let mut unknown_dropped = 0;
    let test = test
        .into_iter()
        .filter_map(|(id, events)| {
            let before = events.len();
            let events: Vec<(u32, u64)> = events.iter().filter_map(|(i, t)| Some((vocab.get(i)?, *t))).collect();
            unknown_dropped += before - events.len();
            (events.len() >= 2).then_some(Session { id, events })
        })
        .collect();
    let train = Train::new(train, vocab.len());
    SessionData { vocab, train, test, unknown_dropped }
}

/// A session-rec YooChoose training file and test file.
pub fn yoochoose(train: &Path, test: &Path) -> Result<SessionData, CliError> {
    let read = |path: &Path| -> Result<Raw, CliError> {
        let mut g = Grouper::default();
        yoochoose::read(path, &mut |e, _| {
            g.push(e);
            Ok(())
        })?;
        Ok(g.finish())
    };
    Ok(assemble(read(train)?, read(test)?))
}

/// A DIGINETICA test part (`Test` or `Valid`) and the training part it belongs to.
pub fn diginetica(d: &Diginetica, part: Part) -> SessionData {
    let take = |part: Part| -> Raw { d.visits(part).into_iter().map(|v| (v.id, v.views)).collect() };
    assemble(take(part.training()), take(part))
}

/// Two generic event files, cut into visits at 30-minute gaps (the build's default).
pub fn events(train: &Path, test: &Path) -> Result<SessionData, CliError> {
    let read = |path: &Path| -> Result<Raw, CliError> {
        let mut s = Sessionizer::new(DEFAULT_GAP_MS, DEFAULT_MAX_OPEN);
        let mut out: Vec<Vec<(u32, u64)>> = Vec::new();
        let mut done = |steps: &[crate::model::sessions::Step], _: Option<u32>| {
            out.push(steps.iter().map(|s| (s.item, s.time)).collect());
        };
        events::read(path, &mut |e, _| {
            s.push(e, &mut done);
            Ok(())
        })?;
        s.finish(&mut done);
        let ids = &s.items.ids.names;
        Ok(out
            .into_iter()
            .enumerate()
            .map(|(k, v)| {
                (format!("visit-{k}"), v.into_iter().map(|(i, t)| (ids[i as usize].to_string(), t)).collect())
            })
            .collect())
    };
    Ok(assemble(read(train)?, read(test)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_items_unknown_to_training_are_dropped_then_short_sessions() {
        let s = |id: &str, items: &[&str]| {
            (id.to_owned(), items.iter().enumerate().map(|(k, i)| (i.to_string(), k as u64)).collect())
        };
        let d = assemble(
            vec![s("t1", &["a", "b"]), s("t2", &["b", "c"])],
            vec![s("x", &["a", "z", "c"]), s("y", &["z", "a"])],
        );
        assert_eq!(d.vocab.names, ["a", "b", "c"].map(Box::<str>::from));
        assert_eq!(d.test.len(), 1);
        assert_eq!(d.test[0].events, [(0, 0), (2, 2)]);
        assert_eq!(d.unknown_dropped, 2);
        assert_eq!(d.train.counts, [1, 2, 1]);
    }
}
