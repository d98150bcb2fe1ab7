//! The catalogue bundle as it travels: products, categories, learned neighbours,
//! complements and popularity, promotions, experiments and ranking settings.
//!
//! These are plain types mirroring `docs/FORMATS.md`, written with serde and read by
//! [`read`] from a value tree; [`crate::catalogue`] validates them and builds the indexed
//! form the ranking reads. Keys are camelCase strings so any
//! MessagePack library can write a bundle. Edge lists and popularity refer to products by
//! their position in `products` (an index), which keeps the bundle small and loading fast.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::codec::value::Value;
use crate::codec::{Id, Packed};

mod read;
pub(crate) use read::f64_map;

/// The schema version of the bundle format this build reads and writes.
pub const BUNDLE_SCHEMA: u64 = 1;

/// A catalogue bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// Always `"bundle"`.
    pub kind: String,
    /// Always [`BUNDLE_SCHEMA`].
    pub schema: u64,
    /// The bundle version, echoed in every decision so it can be replayed.
    pub version: String,
    /// When the bundle was built, ms since the Unix epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<u64>,
    /// ISO 4217 code of the prices (for display only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub categories: Vec<Category>,
    pub products: Vec<Product>,
    /// Item-to-item neighbours ("shoppers who viewed this also viewed").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neighbours: Option<Edges>,
    /// Complements ("goes with"): from a product to products bought with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complements: Option<Edges>,
    pub popularity: Popularity,
    pub promotions: Vec<Promotion>,
    pub experiments: Vec<Experiment>,
    /// Named lists of attribute values for the experiments' `$inGroup` conditions.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub saved_groups: BTreeMap<String, Vec<Value<'static>>>,
    /// Ranking weights by feature name; features not named keep their default weight.
    pub weights: BTreeMap<String, f64>,
    pub ranking: RankingSettings,
    pub rules: Rules,
}

impl Bundle {
    /// The bundle as MessagePack bytes: maps with named fields, numeric ids as integers,
    /// edge and popularity arrays packed.
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::codec::encode(self)
    }
}

/// A node of the category tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Category {
    pub id: Id,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<Id>,
}

/// A product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Product {
    pub id: Id,
    pub name: String,
    /// Id of its category (a leaf or any node of the tree).
    pub category: Id,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Price in minor units (pence, cents).
    pub price: u64,
    /// `"durable"` (not suggested again once bought), `"consumable"` (may be suggested for
    /// repurchase) and `"untracked"` (no stock kept: always available).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
    /// Margin as a fraction of the price, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// A product flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flag {
    Durable,
    Consumable,
    Untracked,
}

/// A weighted edge list between products, as three parallel arrays of equal length.
/// `from` and `to` are indexes into `products`; weights are non-negative, typically 0..1.
/// Each array is MessagePack numbers or a packed little-endian `bin` ([`Packed`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Edges {
    pub from: Packed<u32>,
    pub to: Packed<u32>,
    pub weight: Packed<f32>,
}

/// Sparse scores over products: parallel arrays of product indexes and non-negative scores
/// (counts or rates; the engine log-scales them to 0..1). Packed like [`Edges`].
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Scores {
    pub item: Packed<u32>,
    pub score: Packed<f32>,
}

/// Popularity globally and per cohort (a region, a customer segment...).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Popularity {
    pub global: Scores,
    pub cohorts: BTreeMap<String, Scores>,
}

/// A promotion and the conditions under which it may be shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Promotion {
    pub id: String,
    /// The promoted products (ids); all must pass the stock gate.
    pub products: Vec<Id>,
    /// Gain when redeemed, in minor units (e.g. expected margin).
    pub value: f64,
    /// Base redemption probability, 0 to 1; default 1, so that `value` alone is the
    /// expected value of showing the promotion.
    pub rate: f64,
    /// Shown only to these segments (empty: any). Needs marketing consent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<String>,
    /// Shown only in these regions (empty: any).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    /// Shown only on these pages (empty: any).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<String>,
    /// Lowest loyalty tier. Needs marketing consent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_tier: Option<u8>,
    /// Cart value bounds in minor units, inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_cart_value: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cart_value: Option<u64>,
    /// Only for customers with no purchase (`true`) or with one (`false`). Needs marketing
    /// consent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_customer: Option<bool>,
    /// Time window, ms since the Unix epoch: `start <= now < end`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<u64>,
    /// Every promoted product needs at least this stock level (default 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock_threshold: Option<i32>,
    /// Not shown when the stock data is older than this, in ms (default 15 minutes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_stock_age_ms: Option<u64>,
    /// At most one promotion per exclusivity group is shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl Default for Promotion {
    /// No conditions, rate 1 (the reader's default too), everything else empty.
    fn default() -> Self {
        Promotion {
            id: String::new(),
            products: Vec::new(),
            value: 0.0,
            rate: 1.0,
            segments: Vec::new(),
            regions: Vec::new(),
            pages: Vec::new(),
            min_tier: None,
            min_cart_value: None,
            max_cart_value: None,
            new_customer: None,
            start: None,
            end: None,
            stock_threshold: None,
            max_stock_age_ms: None,
            group: None,
        }
    }
}

/// An experiment definition, in GrowthBook's terms (the same field names, so a definition
/// exported from GrowthBook moves to the bundle unchanged). Assignment is
/// [`crate::growthbook`]'s; the bundle adds each variation's ranking-weight overrides.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Experiment {
    pub key: String,
    /// Variation 0 is the control, which visitors outside the experiment also get.
    pub variations: Vec<Variation>,
    /// Traffic split between variations; equal when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weights: Vec<f64>,
    /// Share of visitors included, 0 to 1 (default 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f64>,
    /// Explicit `[start, end)` bucket ranges per variation; override weights and coverage.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<(f64, f64)>,
    /// The attribute hashed to assign (default `id`, the visitor id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash_attribute: Option<String>,
    /// Hashed when the hash attribute is empty, with sticky bucketing only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_attribute: Option<String>,
    /// 1 (legacy) or 2 (default in GrowthBook today; 1 when absent, as in the SDK).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash_version: Option<u32>,
    /// Hash seed (default: the key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    /// `[namespace id, range start, range end]`: experiments sharing a namespace with
    /// disjoint ranges never share a visitor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<(String, f64, f64)>,
    /// Hash filters; when present, the namespace is ignored.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
    /// Targeting condition (GrowthBook's `evalCondition` syntax) over the attributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Value<'static>>,
    /// A variation every visitor in coverage gets (not an exposure: the hash did not decide).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub force: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// `"draft"`, `"running"` or `"stopped"`; drafts and stopped experiments assign nobody.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Sticky bucketing: bumping the version re-buckets everyone...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_version: Option<u32>,
    /// ...and visitors bucketed under a version below this leave the experiment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_bucket_version: Option<u32>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_sticky_bucketing: bool,
    /// A name for reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A hash filter of an experiment.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    pub seed: String,
    pub ranges: Vec<(f64, f64)>,
    /// The attribute hashed (default `id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// Default 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash_version: Option<u32>,
}

/// One arm of an experiment: a name and ranking weight overrides.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Variation {
    /// The variation's key (GrowthBook's `meta[i].key`; its index when absent): what
    /// responses and sticky buckets name it by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub weights: BTreeMap<String, f64>,
}

/// Ranking settings; every field has a default (see [`RankingSettings::default`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RankingSettings {
    /// Items returned when a request names no limit.
    pub limit: u32,
    /// At most this many items of one category in a response.
    pub max_per_category: u32,
    /// Session views lose half their pull every this many newer views.
    pub session_half_life: f64,
    /// Views from earlier visits (profile) lose half their pull every this many hours.
    pub history_half_life_hours: f64,
    /// Pull of an earlier visit's view relative to one in this session.
    pub history_factor: f64,
    /// Neighbours taken from each earlier visit's view (the strongest); this visit's views
    /// use all of theirs.
    pub history_neighbours: u32,
    /// Purchases lose half their pull every this many days.
    pub purchase_half_life_days: f64,
    /// A profile's affinities lose half their weight every this many days after it was
    /// last updated.
    pub affinity_half_life_days: f64,
    /// How many of the shopper's favourite categories supply candidates (all of them
    /// still count in the affinity feature).
    pub affinity_categories: u32,
    /// Candidates taken from each of those categories.
    pub category_candidates: u32,
    /// Candidates taken from the cohort's best sellers.
    pub popular_candidates: u32,
    /// Stock level at which the stock-depth feature saturates.
    pub stock_depth: u32,
    /// Most promotions in one response.
    pub promotion_cap: u32,
    /// Products viewed in this visit, the current one included, may be suggested again
    /// (with the `revisit` feature); off, the current product is never suggested. Shops
    /// whose shoppers come back to what they looked at (the next click repeats an earlier
    /// one a third of the time in YooChoose's sessions) turn it on.
    #[serde(skip_serializing_if = "is_false")]
    pub remind_viewed: bool,
    /// Purchases of a consumable (each counted by its decay) at which its repeat feature
    /// reaches ½: `1 - 2^-(Σ decays / repeatHalfCount)`. At 1, a grocer's weekly staples
    /// and an occasional buy both come out near 1; a larger value tells them apart.
    #[serde(skip_serializing_if = "is_one")]
    pub repeat_half_count: f64,
}

fn is_one(x: &f64) -> bool {
    *x == 1.0
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Default for RankingSettings {
    fn default() -> Self {
        Self {
            limit: 12,
            max_per_category: 3,
            session_half_life: 3.0,
            history_half_life_hours: 72.0,
            history_factor: 0.5,
            history_neighbours: 10,
            purchase_half_life_days: 60.0,
            affinity_half_life_days: 30.0,
            affinity_categories: 8,
            category_candidates: 8,
            popular_candidates: 30,
            stock_depth: 20,
            promotion_cap: 2,
            remind_viewed: false,
            repeat_half_count: 1.0,
        }
    }
}

/// Merchandising rules that hold for every request.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Rules {
    /// Never suggested.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<Id>,
    /// Placed at a fixed position (when in stock).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pins: Vec<Pin>,
}

/// A product pinned at a position, on one page type or on all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pin {
    pub product: Id,
    /// 0-based position.
    pub position: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
}
