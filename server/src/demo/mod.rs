//! `vitrine demo`: everything the README's demo ranks with, from the Instacart sample.
//!
//! Writes `bundle.msgpack` (learned from the orders), `stock.msgpack` (synthetic levels),
//! `shoppers.json` (four real shoppers: profile bytes, session, context) and
//! `categories.json` (category names by id, which the engine does not expose, for the
//! reason texts). Everything is a function of the input files and the fixed [`NOW`], so
//! two runs write the same bytes.

pub mod shoppers;
pub mod stock;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use crate::error::{write_file, CliError};
use crate::model::instacart::Instacart;
use crate::model::{self, default_version, describe};

/// The demo's clock: 2026-11-22T12:00:00Z (a Sunday), ms since 1970. Fixed so the
/// output, down to the decisions' `now`, is reproducible.
pub const NOW: u64 = 1_795_348_800_000;

/// The stock snapshot's epoch.
pub const STOCK_EPOCH: u64 = 1;

/// Writes the demo's files into `out` (created if needed). Returns what it did, for the
/// log.
pub fn run(instacart: &Path, out: &Path) -> Result<Vec<String>, CliError> {
    let started = Instant::now();
    let data = Instacart::read(instacart)?;
    let read = started.elapsed();
    // The orders the shoppers are placing now are not in the model: it was built before.
    let held_out = shoppers::held_out_orders(&data);
    let version = format!("{}-demo", default_version(&data));
    let (bundle, stats) = model::from_instacart(&data, version, NOW, &held_out);
    let bundle_bytes = bundle.to_bytes();
    let learned = started.elapsed() - read;

    let stock = stock::snapshot(&bundle, STOCK_EPOCH, NOW);
    let shoppers = shoppers::build(&data, &bundle, NOW)?;
    let categories: BTreeMap<&str, &str> =
        bundle.categories.iter().map(|c| (c.id.0.as_str(), c.name.as_str())).collect();

    std::fs::create_dir_all(out).map_err(|source| CliError::Write { path: out.to_owned(), source })?;
    write_file(&out.join("bundle.msgpack"), &bundle_bytes)?;
    write_file(&out.join("stock.msgpack"), &stock.to_bytes())?;
    write_file(&out.join("shoppers.json"), &json_lines(&shoppers))?;
    write_file(&out.join("categories.json"), &json(&categories))?;

    let sold_out = stock.level.iter().filter(|&&l| l == 0).count();
    Ok(vec![
        format!(
            "read {} products, {} aisles, {} departments, {} order lines ({} orders, {} users) in {:.2} s",
            data.products.len(),
            data.aisles.len(),
            data.departments.len(),
            data.lines,
            data.orders.len(),
            data.users(),
            read.as_secs_f64(),
        ),
        format!(
            "bundle {}: {} (learned in {:.2} s)",
            bundle.version,
            describe(&stats, bundle_bytes.len()),
            learned.as_secs_f64()
        ),
        format!("stock epoch {STOCK_EPOCH}: {} products, {sold_out} sold out (synthetic)", stock.item.len()),
        format!("shoppers: {}", shoppers.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")),
        format!(
            "wrote bundle.msgpack, stock.msgpack, shoppers.json, categories.json to {} in {:.2} s",
            out.display(),
            started.elapsed().as_secs_f64()
        ),
    ])
}

/// A JSON array with one compact element per line: the profile bytes stay on their
/// shopper's line instead of one number per line.
fn json_lines<T: serde::Serialize>(values: &[T]) -> Vec<u8> {
    let mut bytes = b"[\n".to_vec();
    for (i, v) in values.iter().enumerate() {
        bytes.extend(serde_json::to_vec(v).unwrap_or_default());
        bytes.extend_from_slice(if i + 1 < values.len() { b",\n" } else { b"\n" });
    }
    bytes.extend_from_slice(b"]\n");
    bytes
}

/// Pretty JSON with a final newline.
fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Our values are maps with string keys, strings and numbers: they always serialize.
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}
