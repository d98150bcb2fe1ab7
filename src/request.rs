//! A rank request and its response, as the storefront and the edge worker see them.
//!
//! The same types are read from a JavaScript object (wasm) and built natively (server,
//! benchmarks); unknown fields are refused so a misspelt option fails loudly.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

/// What to rank for.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RankRequest {
    /// The visitor (cookie) id; experiments assign on it.
    pub visitor_id: String,
    /// The shopper's profile snapshot, if any.
    #[serde(default)]
    pub profile: Option<ByteBuf>,
    #[serde(default)]
    pub session: Option<Session>,
    #[serde(default)]
    pub context: Option<Context>,
    /// Ranking weight overrides by feature name.
    #[serde(default)]
    pub weights: Option<BTreeMap<String, f64>>,
}

/// This visit so far.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// Product ids viewed in this visit, oldest first.
    #[serde(default)]
    pub viewed: Vec<String>,
    /// Product ids in the cart.
    #[serde(default)]
    pub cart: Vec<String>,
    /// The product on the page being rendered, if any.
    #[serde(default)]
    pub current: Option<String>,
}

/// Where and when the suggestions are shown.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    /// Page type ("home", "product", "cart"...): selects pins and promotions.
    #[serde(default)]
    pub page: Option<String>,
    /// How many items; the bundle's default when absent, clamped to `maxResults`.
    #[serde(default)]
    pub limit: Option<u32>,
    /// Delivery region: regional stock, regional popularity and promotions.
    #[serde(default)]
    pub region: Option<String>,
    /// The time of the decision, ms since the Unix epoch; pass it to replay a decision.
    #[serde(default)]
    pub now: Option<u64>,
    /// Product ids never to suggest in this response.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Product ids to put first, in this order (when in stock).
    #[serde(default)]
    pub pin: Vec<String>,
}

/// The suggestions, the promotions and what they were computed from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RankResponse {
    pub items: Vec<RankedItem>,
    pub promotions: Vec<ShownPromotion>,
    pub decision: Decision,
}

/// One suggestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedItem {
    pub id: String,
    pub score: f32,
    /// Why, strongest first: `viewed:<id>`, `cart:<id>`, `bought:<id>`, `repeat:<id>`,
    /// `affinity:<category>`, `brand:<brand>`, `popular:<cohort>`, `pinned`.
    pub reasons: Vec<String>,
}

/// One promotion to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownPromotion {
    pub id: String,
    pub products: Vec<String>,
    /// The targeting criterion that made it eligible (`segment:<s>`, `cart-value`, `all`...).
    pub reason: String,
}

/// The versions a decision used; with the request, enough to replay it exactly.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub bundle_version: String,
    pub stock_epoch: u64,
    /// The profile's version, or null when no profile was used (none given, or no
    /// personalization consent).
    pub profile_version: Option<u64>,
    pub now: u64,
}
