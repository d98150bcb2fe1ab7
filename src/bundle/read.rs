//! Reading a bundle in one pass over its bytes. Unknown keys are skipped (a newer writer
//! may add optional fields within a schema version), except in `ranking`, where a
//! misspelt setting would otherwise do nothing without a word. A nil value counts as
//! absent.

use std::collections::BTreeMap;

use super::*;
use crate::codec::{need, Path, Reader};
use crate::error::SnapshotError;

type R<T> = Result<T, SnapshotError>;

const U32: u64 = u32::MAX as u64;

fn id(r: &mut Reader, p: &Path) -> R<Id> {
    r.id_string(p).map(Id)
}

fn strings(r: &mut Reader, p: &Path) -> R<Vec<String>> {
    r.list(p, Reader::string)
}

/// A map of names to numbers (weights).
pub(crate) fn f64_map(r: &mut Reader, p: &Path) -> R<BTreeMap<String, f64>> {
    let mut out = BTreeMap::new();
    r.fields(p, false, |k, r| {
        out.insert(k.to_owned(), r.f64(&p.key(k))?);
        Ok(true)
    })?;
    Ok(out)
}

impl Bundle {
    /// Reads a bundle from a reader positioned at its top-level map.
    pub fn read(r: &mut Reader, p: &Path) -> R<Bundle> {
        let (mut kind, mut schema, mut version) = (None, None, None);
        let mut b = Bundle {
            kind: String::new(),
            schema: 0,
            version: String::new(),
            created_at: None,
            currency: None,
            categories: Vec::new(),
            products: Vec::new(),
            neighbours: None,
            complements: None,
            popularity: Popularity::default(),
            promotions: Vec::new(),
            experiments: Vec::new(),
            saved_groups: BTreeMap::new(),
            weights: BTreeMap::new(),
            ranking: RankingSettings::default(),
            rules: Rules::default(),
        };
        r.fields(p, false, |k, r| {
            let q = &p.key(k);
            if r.nil()? {
                return Ok(true);
            }
            match k {
                "kind" => kind = Some(r.string(q)?),
                "schema" => schema = Some(r.uint(q, u64::MAX)?),
                "version" => version = Some(r.string(q)?),
                "createdAt" => b.created_at = Some(r.uint(q, u64::MAX)?),
                "currency" => b.currency = Some(r.string(q)?),
                "categories" => b.categories = r.list(q, Category::read)?,
                "products" => b.products = r.list(q, Product::read)?,
                "neighbours" => b.neighbours = Some(Edges::read(r, q)?),
                "complements" => b.complements = Some(Edges::read(r, q)?),
                "popularity" => b.popularity = Popularity::read(r, q)?,
                "promotions" => b.promotions = r.list(q, Promotion::read)?,
                "experiments" => b.experiments = r.list(q, Experiment::read)?,
                "savedGroups" => b.saved_groups = saved_groups(r, q)?,
                "weights" => b.weights = f64_map(r, q)?,
                "ranking" => b.ranking = RankingSettings::read(r, q)?,
                "rules" => b.rules = Rules::read(r, q)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        b.kind = need(kind, p, "kind")?;
        b.schema = need(schema, p, "schema")?;
        b.version = need(version, p, "version")?;
        Ok(b)
    }
}

impl Category {
    fn read(r: &mut Reader, p: &Path) -> R<Category> {
        let (mut cid, mut name, mut parent) = (None, None, None);
        r.fields(p, false, |k, r| {
            let q = &p.key(k);
            match k {
                "id" => cid = Some(id(r, q)?),
                "name" => name = Some(r.string(q)?),
                "parent" => parent = r.opt(|r| id(r, q))?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(Category { id: need(cid, p, "id")?, name: need(name, p, "name")?, parent })
    }
}

impl Product {
    fn read(r: &mut Reader, p: &Path) -> R<Product> {
        let (mut pid, mut name, mut category, mut price) = (None, None, None, None);
        let (mut brand, mut flags, mut margin, mut url, mut image) = (None, Vec::new(), None, None, None);
        r.fields(p, false, |k, r| {
            let q = &p.key(k);
            match k {
                "id" => pid = Some(id(r, q)?),
                "name" => name = Some(r.string(q)?),
                "category" => category = Some(id(r, q)?),
                "price" => price = Some(r.uint(q, u64::MAX)?),
                "brand" => brand = r.opt(|r| r.string(q))?,
                "flags" => flags = r.opt(|r| r.list(q, Flag::read))?.unwrap_or_default(),
                "margin" => margin = r.opt(|r| r.f64(q))?,
                "url" => url = r.opt(|r| r.string(q))?,
                "image" => image = r.opt(|r| r.string(q))?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(Product {
            id: need(pid, p, "id")?,
            name: need(name, p, "name")?,
            category: need(category, p, "category")?,
            brand,
            price: need(price, p, "price")?,
            flags,
            margin,
            url,
            image,
        })
    }
}

impl Flag {
    fn read(r: &mut Reader, p: &Path) -> R<Flag> {
        match r.str(p)? {
            "durable" => Ok(Flag::Durable),
            "consumable" => Ok(Flag::Consumable),
            "untracked" => Ok(Flag::Untracked),
            other => Err(SnapshotError::invalid(
                p.render(),
                format!("unknown flag {other:?} (expected durable, consumable or untracked)"),
            )),
        }
    }
}

impl Edges {
    fn read(r: &mut Reader, p: &Path) -> R<Edges> {
        let (mut from, mut to, mut weight) = (None, None, None);
        r.fields(p, false, |k, r| {
            let q = &p.key(k);
            match k {
                "from" => from = Some(r.packed(q)?),
                "to" => to = Some(r.packed(q)?),
                "weight" => weight = Some(r.packed(q)?),
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(Edges {
            from: need(from, p, "from")?.into(),
            to: need(to, p, "to")?.into(),
            weight: need(weight, p, "weight")?.into(),
        })
    }
}

impl Scores {
    fn read(r: &mut Reader, p: &Path) -> R<Scores> {
        let (mut item, mut score) = (None, None);
        r.fields(p, false, |k, r| {
            let q = &p.key(k);
            match k {
                "item" => item = Some(r.packed(q)?),
                "score" => score = Some(r.packed(q)?),
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(Scores { item: need(item, p, "item")?.into(), score: need(score, p, "score")?.into() })
    }
}

impl Popularity {
    fn read(r: &mut Reader, p: &Path) -> R<Popularity> {
        let mut out = Popularity::default();
        r.fields(p, false, |k, r| {
            let q = &p.key(k);
            match k {
                "global" => out.global = r.opt(|r| Scores::read(r, q))?.unwrap_or_default(),
                "cohorts" if !r.nil()? => r.fields(q, false, |name, r| {
                    out.cohorts.insert(name.to_owned(), Scores::read(r, &q.key(name))?);
                    Ok(true)
                })?,
                "cohorts" => {}
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(out)
    }
}

impl Promotion {
    fn read(r: &mut Reader, p: &Path) -> R<Promotion> {
        let (mut pid, mut products, mut value) = (None, None, None);
        let mut out = Promotion { rate: 1.0, ..Promotion::default() };
        r.fields(p, false, |k, r| {
            let q = &p.key(k);
            if r.nil()? {
                return Ok(true);
            }
            match k {
                "id" => pid = Some(r.string(q)?),
                "products" => products = Some(r.list(q, id)?),
                "value" => value = Some(r.f64(q)?),
                "rate" => out.rate = r.f64(q)?,
                "segments" => out.segments = strings(r, q)?,
                "regions" => out.regions = strings(r, q)?,
                "pages" => out.pages = strings(r, q)?,
                "minTier" => out.min_tier = Some(r.uint(q, 255)? as u8),
                "minCartValue" => out.min_cart_value = Some(r.uint(q, u64::MAX)?),
                "maxCartValue" => out.max_cart_value = Some(r.uint(q, u64::MAX)?),
                "newCustomer" => out.new_customer = Some(r.bool(q)?),
                "start" => out.start = Some(r.uint(q, u64::MAX)?),
                "end" => out.end = Some(r.uint(q, u64::MAX)?),
                "stockThreshold" => {
                    let n = r.int(q)?;
                    out.stock_threshold = Some(i32::try_from(n).map_err(|_| q.number(n as f64, "within 32-bit range"))?)
                }
                "maxStockAgeMs" => out.max_stock_age_ms = Some(r.uint(q, u64::MAX)?),
                "group" => out.group = Some(r.string(q)?),
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        out.id = need(pid, p, "id")?;
        out.products = need(products, p, "products")?;
        out.value = need(value, p, "value")?;
        Ok(out)
    }
}

/// Deepest experiment condition accepted; GrowthBook conditions nest a few levels
/// (`$and` of `$or` of field tests).
const MAX_CONDITION_DEPTH: usize = 16;

fn range(r: &mut Reader, p: &Path) -> R<(f64, f64)> {
    if r.array_len(p)? != 2 {
        return Err(SnapshotError::invalid(p.render(), "expected [start, end]"));
    }
    Ok((r.f64(&p.index(0))?, r.f64(&p.index(1))?))
}

/// Experiment fields a bundle does not carry, and why: refused by name, because a
/// targeting rule that silently did nothing would expose visitors it should not.
const UNSUPPORTED_EXPERIMENT_FIELDS: &[(&str, &str)] = &[
    ("parentConditions", "prerequisites test feature flags, which a bundle does not carry"),
    ("urlPatterns", "URL targeting is not supported; target on an attribute instead"),
    ("url", "URL targeting is not supported; target on an attribute instead"),
    ("include", "a JavaScript callback cannot travel in a bundle"),
    ("groups", "use a condition with $inGroup and the bundle's savedGroups"),
];

impl Experiment {
    /// Reads an experiment; unknown keys are refused (see `UNSUPPORTED_EXPERIMENT_FIELDS`).
    fn read(r: &mut Reader, p: &Path) -> R<Experiment> {
        let (mut key, mut variations) = (None, None);
        let mut out = Experiment::default();
        r.fields(p, true, |k, r| {
            let q = &p.key(k);
            if r.nil()? {
                return Ok(true);
            }
            let count = |r: &mut Reader| r.uint(q, U32).map(|n| n as u32);
            match k {
                "key" => key = Some(r.string(q)?),
                "variations" => variations = Some(r.list(q, Variation::read)?),
                "weights" => out.weights = r.list(q, Reader::f64)?,
                "coverage" => out.coverage = Some(r.f64(q)?),
                "ranges" => out.ranges = r.list(q, range)?,
                "hashAttribute" => out.hash_attribute = Some(r.string(q)?),
                "fallbackAttribute" => out.fallback_attribute = Some(r.string(q)?),
                "hashVersion" => out.hash_version = Some(count(r)?),
                "seed" => out.seed = Some(r.string(q)?),
                "namespace" => {
                    if r.array_len(q)? != 3 {
                        return Err(SnapshotError::invalid(q.render(), "expected [namespace, start, end]"));
                    }
                    out.namespace = Some((r.string(&q.index(0))?, r.f64(&q.index(1))?, r.f64(&q.index(2))?));
                }
                "filters" => out.filters = r.list(q, Filter::read)?,
                "condition" => out.condition = Some(r.value(MAX_CONDITION_DEPTH)?.into_owned()),
                "force" => out.force = Some(count(r)?),
                "active" => out.active = Some(r.bool(q)?),
                "status" => out.status = Some(r.string(q)?),
                "bucketVersion" => out.bucket_version = Some(count(r)?),
                "minBucketVersion" => out.min_bucket_version = Some(count(r)?),
                "disableStickyBucketing" => out.disable_sticky_bucketing = r.bool(q)?,
                "name" => out.name = Some(r.string(q)?),
                // Informational in GrowthBook's exports; nothing here depends on it.
                "phase" => r.skip()?,
                other => {
                    if let Some((_, why)) = UNSUPPORTED_EXPERIMENT_FIELDS.iter().find(|(f, _)| *f == other) {
                        return Err(SnapshotError::invalid(q.render(), format!("not supported: {why}")));
                    }
                    return Ok(false);
                }
            }
            Ok(true)
        })?;
        out.key = need(key, p, "key")?;
        out.variations = need(variations, p, "variations")?;
        Ok(out)
    }
}

impl Filter {
    fn read(r: &mut Reader, p: &Path) -> R<Filter> {
        let (mut seed, mut ranges) = (None, None);
        let mut out = Filter::default();
        r.fields(p, true, |k, r| {
            let q = &p.key(k);
            if r.nil()? {
                return Ok(true);
            }
            match k {
                "seed" => seed = Some(r.string(q)?),
                "ranges" => ranges = Some(r.list(q, range)?),
                "attribute" => out.attribute = Some(r.string(q)?),
                "hashVersion" => out.hash_version = Some(r.uint(q, U32)? as u32),
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        out.seed = need(seed, p, "seed")?;
        out.ranges = need(ranges, p, "ranges")?;
        Ok(out)
    }
}

impl Variation {
    fn read(r: &mut Reader, p: &Path) -> R<Variation> {
        let mut out = Variation::default();
        r.fields(p, true, |k, r| {
            let q = &p.key(k);
            match k {
                "key" => out.key = r.opt(|r| r.string(q))?,
                "name" => out.name = r.opt(|r| r.string(q))?,
                "weights" => out.weights = r.opt(|r| f64_map(r, q))?.unwrap_or_default(),
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(out)
    }
}

/// `savedGroups`: group name → the attribute values in it.
fn saved_groups(r: &mut Reader, p: &Path) -> R<BTreeMap<String, Vec<Value<'static>>>> {
    let mut out = BTreeMap::new();
    r.fields(p, false, |k, r| {
        let q = &p.key(k);
        let n = r.array_len(q)?;
        let mut members = Vec::with_capacity(n.min(4096));
        for _ in 0..n {
            members.push(r.value(MAX_CONDITION_DEPTH)?.into_owned());
        }
        out.insert(k.to_owned(), members);
        Ok(true)
    })?;
    Ok(out)
}

impl RankingSettings {
    fn read(r: &mut Reader, p: &Path) -> R<RankingSettings> {
        let mut s = RankingSettings::default();
        r.fields(p, true, |k, r| {
            let q = &p.key(k);
            if r.nil()? {
                return Ok(true);
            }
            let count = |r: &mut Reader| r.uint(q, U32).map(|n| n as u32);
            match k {
                "limit" => s.limit = count(r)?,
                "maxPerCategory" => s.max_per_category = count(r)?,
                "sessionHalfLife" => s.session_half_life = r.f64(q)?,
                "historyHalfLifeHours" => s.history_half_life_hours = r.f64(q)?,
                "historyFactor" => s.history_factor = r.f64(q)?,
                "historyNeighbours" => s.history_neighbours = count(r)?,
                "purchaseHalfLifeDays" => s.purchase_half_life_days = r.f64(q)?,
                "affinityHalfLifeDays" => s.affinity_half_life_days = r.f64(q)?,
                "affinityCategories" => s.affinity_categories = count(r)?,
                "categoryCandidates" => s.category_candidates = count(r)?,
                "popularCandidates" => s.popular_candidates = count(r)?,
                "stockDepth" => s.stock_depth = count(r)?,
                "promotionCap" => s.promotion_cap = count(r)?,
                "remindViewed" => s.remind_viewed = r.bool(q)?,
                "repeatHalfCount" => s.repeat_half_count = r.f64(q)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(s)
    }
}

impl Rules {
    fn read(r: &mut Reader, p: &Path) -> R<Rules> {
        let mut out = Rules::default();
        let pin = |r: &mut Reader, p: &Path| -> R<Pin> {
            let (mut product, mut position, mut page) = (None, None, None);
            r.fields(p, false, |k, r| {
                let q = &p.key(k);
                match k {
                    "product" => product = Some(id(r, q)?),
                    "position" => position = Some(r.uint(q, U32)? as u32),
                    "page" => page = r.opt(|r| r.string(q))?,
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            Ok(Pin { product: need(product, p, "product")?, position: need(position, p, "position")?, page })
        };
        r.fields(p, false, |k, r| {
            let q = &p.key(k);
            match k {
                "exclude" => out.exclude = r.opt(|r| r.list(q, id))?.unwrap_or_default(),
                "pins" => out.pins = r.opt(|r| r.list(q, pin))?.unwrap_or_default(),
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(out)
    }
}
