//! A model build from an event history, streamed: the adapter reads one event at a time,
//! [`Sessionizer`] cuts visits, the [`learn`](super::learn) pass counts them, and the
//! catalogue is the items seen. Nothing holds the events themselves, so memory is the
//! open visits, the items and the pair table, however long the history.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use vitrine::bundle::{Bundle, Category, Product};
use vitrine::codec::Id;

use super::config::ModelConfig;
use super::diginetica::{Diginetica, Part};
use super::events::{self, Event};
use super::learn::{self, NO_CATEGORY};
use super::sessions::{SessionStats, Sessionizer, DEFAULT_GAP_MS, DEFAULT_MAX_OPEN};
use super::table::Fnv;
use super::{assemble, yoochoose, Options, Stats};
use crate::error::CliError;
use crate::progress::Progress;

/// Where the events come from.
pub enum Source<'a> {
    /// The generic format (JSON lines or CSV).
    Events(&'a Path),
    /// A session-rec YooChoose click file.
    Yoochoose(&'a Path),
    /// A part of the DIGINETICA protocol.
    Diginetica(&'a Diginetica, Part),
    /// The training of a DIGINETICA tuning fold ([`Diginetica::fold`]).
    DigineticaFold(&'a Diginetica, u32),
}

impl Source<'_> {
    /// A short name for versions and logs.
    pub fn label(&self) -> String {
        match self {
            Source::Events(_) => "events".into(),
            Source::Yoochoose(_) => "yoochoose".into(),
            Source::Diginetica(_, part) => format!("diginetica-{}", part.name()),
            Source::DigineticaFold(_, k) => format!("diginetica-fold{k}"),
        }
    }

    fn size(&self) -> Option<u64> {
        match self {
            Source::Events(p) | Source::Yoochoose(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Source::Diginetica(..) | Source::DigineticaFold(..) => None,
        }
    }

    /// Reads every event into `sink`.
    pub fn read(&self, sink: &mut events::Sink<'_>) -> Result<u64, CliError> {
        match self {
            Source::Events(p) => events::read(p, sink),
            Source::Yoochoose(p) => yoochoose::read(p, sink),
            Source::Diginetica(d, part) => d.events(*part, sink),
            Source::DigineticaFold(d, k) => d.fold_events(*k, sink),
        }
    }
}

/// What a streamed build did, beyond [`Stats`].
#[derive(Debug, Clone)]
pub struct Streamed {
    pub stats: Stats,
    pub sessions: SessionStats,
    /// "N events in S s (R events/s)".
    pub rate: String,
    /// FNV-1a over every event's fields: names the data in the default version.
    pub digest: u64,
}

/// Builds a bundle from `source`. `version` None: `<label>-<digest>`.
pub fn build(
    source: &Source,
    version: Option<String>,
    created_at: u64,
    config: &ModelConfig,
    threads: usize,
    draw_progress: bool,
) -> Result<(Bundle, Streamed), CliError> {
    // Session-rec and DIGINETICA files key events by session already: never cut them.
    let gap = match source {
        Source::Events(_) => config.session_gap_minutes.map_or(DEFAULT_GAP_MS, |m| (m.max(0.0) * 60_000.0) as u64),
        _ => 0,
    };
    let mut sess = Sessionizer::new(gap, DEFAULT_MAX_OPEN);
    let mut progress = Progress::new(format!("learning from {}", source.label()), source.size(), draw_progress);
    let mut digest = Fnv::default();
    let diginetica_categories = match source {
        Source::Diginetica(d, _) | Source::DigineticaFold(d, _) => Some(&d.categories),
        _ => None,
    };
    let mut catalogue: Option<(Vec<Category>, Vec<Product>)> = None;
    let learned = learn::learn(&config.learn, threads, |l| {
        let mut sink = |e: &Event<'_>, bytes: u64| {
            digest.write(e.session.as_bytes());
            digest.write(&[0xff]);
            digest.write(e.item.as_bytes());
            digest.write(&[0xfe, e.kind as u8]);
            digest.write(&e.time.to_le_bytes());
            sess.push(e, &mut |steps, cohort| l.visit(steps, cohort));
            progress.tick(bytes);
            Ok(())
        };
        source.read(&mut sink)?;
        sess.finish(&mut |steps, cohort| l.visit(steps, cohort));
        if sess.items.is_empty() {
            return Err(CliError::NoData(format!("{} holds no events to learn from", source.label())));
        }
        let (categories, products, item_category) = catalogue_of(&sess, diginetica_categories);
        catalogue = Some((categories, products));
        Ok(item_category)
    })?;
    let rate = progress.finish();
    let (categories, products) = catalogue.expect("set when learning succeeds");
    let version = version.unwrap_or_else(|| format!("{}-{:08x}", source.label(), digest.0 >> 32));
    // Prices come from event values (minor units), which the history may not have:
    // shown as GBP like the demo's, a display label only.
    let options = Options { version, created_at, currency: "GBP".into() };
    let (bundle, stats) = assemble(categories, products, &sess.cohorts, learned, &options, config, false);
    Ok((bundle, Streamed { stats, sessions: sess.stats, rate, digest: digest.0 }))
}

/// The category every product of a source without categories is in.
pub const ALL: &str = "all";

/// Products (the items seen, in first-seen order), their categories, and each item's
/// category index for the learner.
fn catalogue_of(
    sess: &Sessionizer,
    item_categories: Option<&HashMap<String, String>>,
) -> (Vec<Category>, Vec<Product>, Vec<u32>) {
    let category_of =
        |id: &str| -> String { item_categories.and_then(|m| m.get(id)).cloned().unwrap_or_else(|| ALL.to_owned()) };
    // Categories sorted by id, so the bundle does not depend on the event order.
    let mut index: BTreeMap<String, u32> = sess.items.ids.names.iter().map(|id| (category_of(id), 0)).collect();
    for (k, v) in index.values_mut().enumerate() {
        *v = k as u32;
    }
    let categories = index
        .keys()
        .map(|id| Category {
            id: Id(id.clone()),
            name: if id == ALL { "all products".into() } else { format!("category {id}") },
            parent: None,
        })
        .collect();
    let mut item_category = Vec::with_capacity(sess.items.len());
    let products = sess
        .items
        .ids
        .names
        .iter()
        .zip(&sess.items.value)
        .map(|(id, value)| {
            let category = category_of(id);
            item_category.push(if item_categories.is_some() { index[&category] } else { NO_CATEGORY });
            Product {
                id: Id(id.to_string()),
                name: format!("item {id}"),
                category: Id(category),
                brand: None,
                price: value.map_or(0, |v| v.round().min(9.007_199_254_740_991e15) as u64),
                flags: vec![],
                margin: None,
                url: None,
                image: None,
            }
        })
        .collect();
    (categories, products, item_category)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_loadable_bundle_from_generic_events() {
        let dir = crate::scratch_dir("stream");
        let path = dir.join("e.csv");
        let mut text = String::from("session,item,type,time,value,cohort\n");
        for s in 0..20 {
            for (k, item) in ["a", "b", "c"].iter().enumerate() {
                text.push_str(&format!("v{s},{item},view,{},199,uk\n", 1_000 * s + k));
            }
            text.push_str(&format!("v{s},b,purchase,{},199,uk\n", 1_000 * s + 5));
        }
        std::fs::write(&path, text).unwrap();
        let (bundle, s) = build(&Source::Events(&path), None, 7, &ModelConfig::default(), 2, false).unwrap();
        assert_eq!(bundle.products.len(), 3);
        assert_eq!(bundle.products[0].price, 199);
        assert_eq!(s.stats.baskets, 20);
        assert_eq!(s.sessions.events, 80);
        assert!(bundle.version.starts_with("events-"));
        assert_eq!(bundle.popularity.cohorts["uk"].item.len(), 3);
        let engine = vitrine::Engine::from_bundle(&bundle.to_bytes(), vitrine::Limits::default()).unwrap();
        assert_eq!(engine.info().products, 3);
        assert!(bundle.neighbours.as_ref().unwrap().from.len() >= 6);

        std::fs::write(&path, "session,item,type,time\n").unwrap();
        let e = build(&Source::Events(&path), None, 7, &ModelConfig::default(), 1, false).unwrap_err();
        assert_eq!(e.code(), "E_NO_DATA");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
