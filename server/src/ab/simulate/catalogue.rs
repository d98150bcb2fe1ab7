//! The shop a simulation runs in: the testkit's synthetic catalogue (20 departments of 10
//! categories, prices from £2 to £2,000, learned-looking neighbours and complements) or
//! any bundle a shop already has, with its stock.

use std::path::Path;

use vitrine::bundle::Bundle;
use vitrine::codec::{Id, Path as FieldPath, Reader};
use vitrine::stock::{StockWire, STOCK_SCHEMA};
use vitrine::testkit::{self, Shape};
use vitrine::{Engine, Limits};

use crate::error::CliError;

/// The synthetic shop of `products` products, and its stock at `now` (5% out of stock, so
/// the stock rule is exercised too).
pub fn synthetic(products: usize, seed: u64, now: u64) -> (Bundle, Vec<u8>) {
    let mut b = testkit::bundle(&Shape::store(products), seed);
    b.version = format!("sim-{products}-{seed}");
    let stock = testkit::stock(&b, 1, now, 0.05, seed).to_bytes();
    (b, stock)
}

/// The bundle in `path`, every product in stock (level 50) at `now`.
pub fn from_file(path: &Path, now: u64) -> Result<(Bundle, Vec<u8>), CliError> {
    let bytes = std::fs::read(path).map_err(|source| CliError::Read { path: path.to_owned(), source })?;
    let refused = |source: vitrine::Error| CliError::Snapshot { path: path.to_owned(), source };
    // Loading checks everything the engine checks; reading gives the editable form.
    Engine::from_bundle(&bytes, Limits::default()).map_err(refused)?;
    let bundle =
        Bundle::read(&mut Reader::new(&bytes, "bundle"), &FieldPath::root("bundle")).map_err(|e| refused(e.into()))?;
    let stock = StockWire {
        kind: "stock".into(),
        schema: STOCK_SCHEMA,
        epoch: 1,
        as_of: now,
        item: bundle.products.iter().map(|p| Id(p.id.0.clone())).collect(),
        level: vec![50; bundle.products.len()],
        regions: Default::default(),
    };
    Ok((bundle, stock.to_bytes()))
}
