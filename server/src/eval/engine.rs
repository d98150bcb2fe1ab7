//! vitrine itself as a recommender: every prediction is a [`RankRequest`] to the real
//! [`Engine`] (the code the wasm module runs), loaded from the bundle under test.
//!
//! The visit's clicks so far are `session.viewed` with the last one as `current`; the
//! cart and the profile snapshot (Instacart) go where a storefront would put them; the
//! time is the event's. Every product is put in stock first: stock is a business rule,
//! not a relevance signal, and the data has none.

use std::collections::{BTreeMap, HashMap};

use vitrine::request::{Context, Session};
use vitrine::stock::{StockWire, STOCK_SCHEMA};
use vitrine::{Engine, Limits, RankRequest};

use super::{Case, Recommender, Vocab};
use crate::error::CliError;

/// Loads `bytes` into an engine with every product in stock.
pub fn load(bytes: &[u8]) -> Result<Engine, CliError> {
    let mut engine = Engine::from_bundle(bytes, Limits::default()).map_err(|e| CliError::core("the bundle", e))?;
    let cat = engine.catalogue();
    let n = cat.len();
    let stock = StockWire {
        kind: "stock".into(),
        schema: STOCK_SCHEMA,
        epoch: 1,
        as_of: 0,
        item: (0..n).map(|p| vitrine::codec::Id(cat.products.info[p].id.clone())).collect(),
        // Any level at or above `stockDepth` gives every product the same stock feature.
        level: vec![1_000_000; n],
        regions: BTreeMap::new(),
    };
    engine.apply_stock(&stock.to_bytes()).map_err(|e| CliError::core("the evaluation's stock", e))?;
    Ok(engine)
}

/// The engine as a [`Recommender`].
pub struct Vitrine<'e> {
    engine: &'e Engine,
    /// Engine product index -> vocabulary index (`u32::MAX`: not in the vocabulary).
    to_vocab: Vec<u32>,
    ids: &'e [Box<str>],
    name: String,
    /// Weight overrides sent with every request (tuning tries weights this way).
    pub weights: Option<BTreeMap<String, f64>>,
}

impl<'e> Vitrine<'e> {
    pub fn new(engine: &'e Engine, vocab: &'e Vocab, name: impl Into<String>) -> Vitrine<'e> {
        let cat = engine.catalogue();
        let to_vocab = (0..cat.len()).map(|p| vocab.get(&cat.products.info[p].id).unwrap_or(u32::MAX)).collect();
        Vitrine { engine, to_vocab, ids: &vocab.names, name: name.into(), weights: None }
    }

    /// Products of the vocabulary the bundle does not have (never recommendable).
    pub fn missing(&self, vocab: &Vocab) -> usize {
        let known: HashMap<u32, ()> = self.to_vocab.iter().map(|&v| (v, ())).collect();
        (0..vocab.len() as u32).filter(|v| !known.contains_key(v)).count()
    }

    /// The request for `case`.
    pub fn request(&self, case: &Case, k: usize) -> RankRequest {
        let id = |&i: &u32| self.ids[i as usize].to_string();
        let (current, viewed) = match case.viewed.split_last() {
            Some((last, before)) => (Some(id(last)), before.iter().map(id).collect()),
            None => (None, Vec::new()),
        };
        RankRequest {
            visitor_id: "eval".into(),
            profile: case.profile.clone(),
            session: Some(Session { viewed, cart: case.cart.iter().map(id).collect(), current }),
            context: Some(Context {
                page: Some(if case.viewed.is_empty() { "cart" } else { "product" }.into()),
                limit: Some(k as u32),
                now: Some(case.now),
                region: case.region.clone(),
                ..Context::default()
            }),
            weights: self.weights.clone(),
            ..RankRequest::default()
        }
    }
}

impl Recommender for Vitrine<'_> {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn recommend(&mut self, case: &Case, k: usize, out: &mut Vec<u32>) {
        out.clear();
        // A request the engine refuses (it never should: every id is a string and the
        // weights were checked) counts as an empty list, a miss.
        if let Ok(r) = self.engine.ranking(&self.request(case, k), case.now) {
            out.extend(r.items.iter().map(|i| self.to_vocab[i.product as usize]).filter(|&v| v != u32::MAX));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::ModelConfig;
    use crate::model::{build, Basket, Input, Options};
    use vitrine::bundle::Category;
    use vitrine::codec::Id;

    fn bundle() -> Vec<u8> {
        let product = |id: &str| crate::test_product(id, "c");
        let input = Input {
            categories: vec![Category { id: Id("c".into()), name: "c".into(), parent: None }],
            products: ["a", "b", "c"].map(product).to_vec(),
            cohorts: vec![],
            baskets: (0..3).map(|_| Basket { items: vec![0, 1], cohort: None }).collect(),
        };
        let mut config = ModelConfig::default();
        config.ranking.remind_viewed = Some(true);
        config.ranking.max_per_category = Some(100);
        let options = Options { version: "t".into(), created_at: 0, currency: "GBP".into() };
        build(input, &options, &config).0.to_bytes()
    }

    #[test]
    fn requests_carry_the_visit_and_answers_come_back_in_the_vocabulary() {
        let engine = load(&bundle()).unwrap();
        assert_eq!(engine.info().stock_known, 3, "every product in stock");
        let mut vocab = Vocab::default();
        for id in ["z", "a", "b"] {
            vocab.intern(id);
        }
        let mut v = Vitrine::new(&engine, &vocab, "vitrine");
        assert_eq!(v.missing(&vocab), 1, "z is not in the bundle");
        let case = Case { viewed: vec![2, 1], cart: vec![], now: 5, ..Case::default() };
        let req = v.request(&case, 20);
        let s = req.session.as_ref().unwrap();
        assert_eq!((s.viewed.clone(), s.current.clone()), (vec!["b".to_owned()], Some("a".to_owned())));
        assert_eq!(req.context.as_ref().unwrap().now, Some(5));
        let mut out = Vec::new();
        v.recommend(&case, 20, &mut out);
        // Reminders on: the current product first, then b (viewed before and its neighbour);
        // c, never bought with anything, only as a best seller would be (it is not one).
        assert_eq!(out, [1, 2]);
    }
}
