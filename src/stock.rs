//! Stock levels per product (and region), from full snapshots and deltas with a monotonic
//! epoch.
//!
//! A snapshot replaces the whole table; a delta sets the levels it lists. Both carry an
//! epoch, and anything not newer than the table's epoch is ignored, so snapshots and
//! deltas may arrive twice or out of order (a reconnecting stream) without rolling stock
//! back. Levels are absolute, never increments, which makes reapplying harmless.
//! Products with no known level count as out of stock unless flagged `untracked`: the
//! engine never suggests what it cannot show is in stock.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalogue::{flags, Catalogue, MAX_SAFE_INTEGER};
use crate::codec::{self, need, HeaderKeys, Id, Path, Reader, Spec};
use crate::error::SnapshotError;
use crate::hash::{FastMap, FastSet};
use crate::limits::Limits;

/// The schema version of the stock formats.
pub const STOCK_SCHEMA: u64 = 1;

/// A stock snapshot (`kind: "stock"`) or delta (`kind: "stockDelta"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StockWire {
    pub kind: String,
    pub schema: u64,
    /// Monotonic version of the stock feed, from 1.
    pub epoch: u64,
    /// When the levels were read, ms since the Unix epoch (promotions check its age).
    pub as_of: u64,
    /// Product ids and their levels, as parallel arrays.
    pub item: Vec<Id>,
    pub level: Vec<i64>,
    /// Levels per region, overriding the product's level for requests in that region.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub regions: BTreeMap<String, Levels>,
}

impl StockWire {
    /// The snapshot or delta as MessagePack bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        codec::encode(self)
    }
}

/// Parallel arrays of product ids and levels.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Levels {
    pub item: Vec<Id>,
    pub level: Vec<i64>,
}

impl Levels {
    /// Reads an `item`/`level` pair of arrays out of a map walk; false for other keys.
    fn field(&mut self, k: &str, r: &mut Reader, p: &Path) -> Result<bool, SnapshotError> {
        let q = &p.key(k);
        match k {
            "item" => self.item = r.opt(|r| r.list(q, |r, q| r.id_string(q).map(Id)))?.unwrap_or_default(),
            "level" => self.level = r.opt(|r| r.list(q, Reader::int))?.unwrap_or_default(),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl StockWire {
    /// Reads a snapshot or delta. Unknown keys are skipped.
    pub fn read(r: &mut Reader, p: &Path) -> Result<StockWire, SnapshotError> {
        let (mut kind, mut schema, mut epoch, mut as_of) = (None, None, None, None);
        let mut own = Levels::default();
        let mut regions = BTreeMap::new();
        r.fields(p, false, |k, r| {
            let q = &p.key(k);
            match k {
                "kind" => kind = Some(r.string(q)?),
                "schema" => schema = Some(r.uint(q, u64::MAX)?),
                "epoch" => epoch = Some(r.uint(q, u64::MAX)?),
                "asOf" => as_of = Some(r.uint(q, u64::MAX)?),
                "regions" if r.nil()? => {}
                "regions" => r.fields(q, false, |name, r| {
                    let mut levels = Levels::default();
                    let rp = &q.key(name);
                    r.fields(rp, false, |k, r| levels.field(k, r, rp))?;
                    regions.insert(name.to_owned(), levels);
                    Ok(true)
                })?,
                _ => return own.field(k, r, p),
            }
            Ok(true)
        })?;
        Ok(StockWire {
            kind: need(kind, p, "kind")?,
            schema: need(schema, p, "schema")?,
            epoch: need(epoch, p, "epoch")?,
            as_of: need(as_of, p, "asOf")?,
            item: own.item,
            level: own.level,
            regions,
        })
    }
}

/// A level that was never given.
const UNKNOWN: i32 = i32::MIN;

/// What applying a snapshot or delta did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// The table's epoch afterwards.
    pub epoch: u64,
    /// False when the input was not newer than the table and was ignored.
    pub changed: bool,
    /// Entries naming products the catalogue does not have (skipped).
    pub unknown_ids: usize,
}

/// Stock levels for every product of one catalogue.
#[derive(Debug, Clone)]
pub struct StockTable {
    epoch: u64,
    as_of: u64,
    global: Vec<i32>,
    regions: Vec<Vec<i32>>,
    region_index: FastMap<String, u32>,
}

fn spec(limits: &Limits) -> Spec {
    Spec {
        what: "stock",
        keys: HeaderKeys { schema: "schema", kind: Some("kind") },
        kinds: &["stock", "stockDelta"],
        schema: STOCK_SCHEMA,
        max_bytes: limits.max_stock_bytes,
    }
}

/// One checked write: product, region (the position of its name in `wire.regions`, or
/// `None` for the product's own level), level.
type Write = (u32, Option<usize>, i32);

impl StockTable {
    /// A table where nothing is known yet (epoch 0).
    pub fn empty(n: usize) -> StockTable {
        StockTable {
            epoch: 0,
            as_of: 0,
            global: vec![UNKNOWN; n],
            regions: Vec::new(),
            region_index: FastMap::default(),
        }
    }

    /// The epoch of the last snapshot or delta applied (0: none).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// When the current levels were read, ms since the Unix epoch (0: never).
    pub fn as_of(&self) -> u64 {
        self.as_of
    }

    /// Number of products with a known level of their own.
    pub fn known(&self) -> usize {
        self.global.iter().filter(|&&l| l != UNKNOWN).count()
    }

    /// The index of a region, if any stock was given for it.
    pub fn region(&self, name: &str) -> Option<u32> {
        self.region_index.get(name).copied()
    }

    /// The level of a product in a region (falling back to its own level), if known.
    #[inline]
    pub fn level(&self, product: u32, region: Option<u32>) -> Option<i32> {
        let p = product as usize;
        let regional = region
            .and_then(|r| self.regions.get(r as usize))
            .and_then(|levels| levels.get(p).copied())
            .filter(|&l| l != UNKNOWN);
        match regional.or_else(|| self.global.get(p).copied()) {
            Some(UNKNOWN) | None => None,
            l => l,
        }
    }

    /// The level that lets a product be shown: its known level when above zero, or
    /// `i32::MAX` for untracked products; `None` when it is out of stock or unknown.
    #[inline]
    pub fn showable(&self, cat: &Catalogue, product: u32, region: Option<u32>) -> Option<i32> {
        let untracked = cat.products.hot.get(product as usize).is_some_and(|p| p.flags & flags::UNTRACKED != 0);
        if untracked {
            return Some(i32::MAX);
        }
        self.level(product, region).filter(|&l| l > 0)
    }

    /// Decodes and applies a snapshot or a delta. On error the table is unchanged.
    pub fn apply_bytes(&mut self, bytes: &[u8], cat: &Catalogue, limits: &Limits) -> Result<Applied, SnapshotError> {
        let (wire, _) = codec::read(bytes, &spec(limits), limits, |r| StockWire::read(r, &Path::root("stock")))?;
        self.apply(&wire, cat)
    }

    /// Applies a decoded snapshot or delta. On error the table is unchanged.
    pub fn apply(&mut self, wire: &StockWire, cat: &Catalogue) -> Result<Applied, SnapshotError> {
        let full = match wire.kind.as_str() {
            "stock" => true,
            "stockDelta" => false,
            other => return Err(SnapshotError::WrongKind { expected: "stock", found: other.into() }),
        };
        for (field, v) in [("epoch", wire.epoch), ("asOf", wire.as_of)] {
            if v > MAX_SAFE_INTEGER {
                return Err(SnapshotError::number(format!("stock.{field}"), v as f64, "at most 2^53-1"));
            }
        }
        if wire.epoch == 0 {
            return Err(SnapshotError::number("stock.epoch", 0.0, "epochs start at 1"));
        }
        let (writes, unknown_ids) = checked_writes(wire, cat)?;
        if wire.epoch <= self.epoch {
            return Ok(Applied { epoch: self.epoch, changed: false, unknown_ids });
        }
        if full {
            *self = StockTable::empty(cat.len());
        }
        let slots: Vec<usize> = wire.regions.keys().map(|name| self.region_slot(name, cat.len())).collect();
        for (product, region, level) in writes {
            let levels = match region {
                None => &mut self.global,
                Some(k) => &mut self.regions[slots[k]],
            };
            levels[product as usize] = level;
        }
        self.epoch = wire.epoch;
        self.as_of = wire.as_of;
        Ok(Applied { epoch: self.epoch, changed: true, unknown_ids })
    }
}

impl StockTable {
    /// The table slot of a region, added (all unknown) if new.
    fn region_slot(&mut self, name: &str, n: usize) -> usize {
        if let Some(&r) = self.region_index.get(name) {
            return r as usize;
        }
        self.region_index.insert(name.to_owned(), self.regions.len() as u32);
        self.regions.push(vec![UNKNOWN; n]);
        self.regions.len() - 1
    }
}

/// Checks every entry before anything is written; returns the writes and how many entries
/// named unknown products.
fn checked_writes(wire: &StockWire, cat: &Catalogue) -> Result<(Vec<Write>, usize), SnapshotError> {
    let mut writes = Vec::with_capacity(wire.item.len());
    let mut unknown = 0;
    let sections = std::iter::once((None, "stock".to_owned(), &wire.item, &wire.level)).chain(
        wire.regions
            .iter()
            .enumerate()
            .map(|(k, (name, l))| (Some((k, name)), format!("stock.regions.{name}"), &l.item, &l.level)),
    );
    for (region, path, items, levels) in sections {
        if region.is_some_and(|(_, r)| r.is_empty()) {
            return Err(SnapshotError::invalid("stock.regions", "a region name is empty"));
        }
        if items.len() != levels.len() {
            return Err(SnapshotError::LengthMismatch {
                path: format!("{path}.item/level"),
                left: items.len(),
                right: levels.len(),
            });
        }
        let mut seen = FastSet::default();
        for (i, (id, &level)) in items.iter().zip(levels).enumerate() {
            let level = i32::try_from(level).ok().filter(|&l| l != UNKNOWN).ok_or_else(|| {
                SnapshotError::number(format!("{path}.level[{i}]"), level as f64, "within a 32-bit level")
            })?;
            let Some(p) = cat.products.find(&id.0) else {
                unknown += 1;
                continue;
            };
            if !seen.insert(p) {
                return Err(SnapshotError::DuplicateId { path: format!("{path}.item[{i}]"), id: id.0.clone() });
            }
            writes.push((p, region.map(|(k, _)| k), level));
        }
    }
    Ok((writes, unknown))
}
