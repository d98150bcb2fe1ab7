//! A rank request and its response, as the storefront and the edge worker see them.
//!
//! The same types are read from a JavaScript object (wasm, through a value tree) and built
//! natively (server, benchmarks); unknown fields are refused so a misspelt option fails
//! loudly instead of being ignored.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalogue::MAX_SAFE_INTEGER;
use crate::codec::{need, Path, Reader, Value};
use crate::error::{RequestError, SnapshotError};
use crate::experiment::ShownAssignment;
use crate::growthbook::StickyDoc;

/// What to rank for.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RankRequest {
    /// The visitor (cookie) id; experiments assign on it.
    pub visitor_id: String,
    /// The shopper's profile snapshot, if any.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_bin")]
    pub profile: Option<Vec<u8>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Ranking weight overrides by feature name (applied after any experiment's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weights: Option<BTreeMap<String, f64>>,
    /// Visitor attributes for experiment targeting and hashing (an object). `id`
    /// defaults to `visitorId`; `page`, `region`, `url` and, with personalization
    /// consent, the profile's `customerId`, `segment`, `cohort` and `tier` fill in what
    /// is not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Value<'static>>,
    /// The visitor's sticky bucket documents (GrowthBook's); when given, sticky bucketing
    /// is on and the response carries the documents to store back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sticky_buckets: Option<Vec<StickyDoc>>,
    /// Experiment key → variation index to force (QA, previews): not exposures.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub forced_variations: BTreeMap<String, u32>,
}

/// This visit so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Session {
    /// Product ids viewed in this visit, oldest first.
    pub viewed: Vec<String>,
    /// Product ids in the cart.
    pub cart: Vec<String>,
    /// The product on the page being rendered, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
}

/// Where and when the suggestions are shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Context {
    /// Page type ("home", "product", "cart"...): selects pins and promotions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// How many items; the bundle's default when absent, clamped to `maxResults`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Delivery region: regional stock, regional popularity and promotions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The time of the decision, ms since the Unix epoch; pass it to replay a decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now: Option<u64>,
    /// Product ids never to suggest in this response.
    pub exclude: Vec<String>,
    /// Product ids to put first, in this order (when in stock).
    pub pin: Vec<String>,
    /// The page URL: `?<experiment>=<n>` forces variation n of an experiment (for QA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl RankRequest {
    /// The request as MessagePack, laid out as the JavaScript glue packs a request object
    /// (what [`RankRequest::read`] reads): for a server or worker that forwards requests,
    /// and for tests.
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::codec::encode(self)
    }

    /// Reads a request from MessagePack (what the JavaScript glue packs a request object
    /// into). Unknown fields are refused.
    pub fn read(r: &mut Reader) -> Result<RankRequest, RequestError> {
        read_request(r, &Path::root("request")).map_err(|e| match e {
            SnapshotError::InvalidNumber { path, value, rule } => RequestError::InvalidNumber { path, value, rule },
            SnapshotError::InvalidField { path, detail } => RequestError::InvalidRequest { path, detail },
            other => RequestError::InvalidRequest { path: "request".into(), detail: other.to_string() },
        })
    }
}

fn as_bin<S: serde::Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(b) => s.serialize_bytes(b),
        None => s.serialize_none(),
    }
}

fn ids(r: &mut Reader, p: &Path) -> Result<Vec<String>, SnapshotError> {
    r.list(p, Reader::id_string)
}

/// Deepest attribute value accepted: attributes are flat values, lists, or small objects.
const MAX_ATTRIBUTE_DEPTH: usize = 8;

fn attributes(r: &mut Reader, p: &Path) -> Result<Value<'static>, SnapshotError> {
    let v = r.value(MAX_ATTRIBUTE_DEPTH)?.into_owned();
    match &v {
        Value::Map(entries) if entries.iter().all(|(k, _)| k.as_str().is_some()) => Ok(v),
        Value::Map(_) => Err(SnapshotError::invalid(p.render(), "attribute names must be strings")),
        other => Err(p.expected("an object", other.kind())),
    }
}

fn sticky_doc(r: &mut Reader, p: &Path) -> Result<StickyDoc, SnapshotError> {
    let (mut name, mut value) = (None, None);
    let mut assignments = Vec::new();
    r.fields(p, true, |k, r| {
        let q = &p.key(k);
        match k {
            "attributeName" => name = Some(r.string(q)?),
            "attributeValue" => value = Some(r.string(q)?),
            "assignments" => r.fields(q, false, |k, r| {
                assignments.push((k.to_owned(), r.string(&q.key(k))?));
                Ok(true)
            })?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(StickyDoc {
        attribute_name: need(name, p, "attributeName")?,
        attribute_value: need(value, p, "attributeValue")?,
        assignments,
    })
}

fn read_request(r: &mut Reader, p: &Path) -> Result<RankRequest, SnapshotError> {
    let mut req = RankRequest::default();
    let mut visitor = None;
    r.fields(p, true, |k, r| {
        let q = &p.key(k);
        if r.nil()? {
            return Ok(true);
        }
        match k {
            "visitorId" => visitor = Some(r.string(q)?),
            "profile" => {
                if !r.is_bin()? {
                    return Err(r.expected(q, "profile snapshot bytes (a Uint8Array)"));
                }
                req.profile = Some(r.bin(q)?.to_vec());
            }
            "session" => {
                let mut s = Session::default();
                r.fields(q, true, |k, r| {
                    let kq = &q.key(k);
                    if r.nil()? {
                        return Ok(true);
                    }
                    match k {
                        "viewed" => s.viewed = ids(r, kq)?,
                        "cart" => s.cart = ids(r, kq)?,
                        "current" => s.current = Some(r.id_string(kq)?),
                        _ => return Ok(false),
                    }
                    Ok(true)
                })?;
                req.session = Some(s);
            }
            "context" => {
                let mut c = Context::default();
                r.fields(q, true, |k, r| {
                    let kq = &q.key(k);
                    if r.nil()? {
                        return Ok(true);
                    }
                    match k {
                        "page" => c.page = Some(r.string(kq)?),
                        "limit" => c.limit = Some(r.uint(kq, u64::from(u32::MAX))? as u32),
                        "region" => c.region = Some(r.string(kq)?),
                        "now" => c.now = Some(r.uint(kq, MAX_SAFE_INTEGER)?),
                        "exclude" => c.exclude = ids(r, kq)?,
                        "pin" => c.pin = ids(r, kq)?,
                        "url" => c.url = Some(r.string(kq)?),
                        _ => return Ok(false),
                    }
                    Ok(true)
                })?;
                req.context = Some(c);
            }
            "weights" => req.weights = Some(crate::bundle::f64_map(r, q)?),
            "attributes" => req.attributes = Some(attributes(r, q)?),
            "stickyBuckets" => req.sticky_buckets = Some(r.list(q, sticky_doc)?),
            "forcedVariations" => {
                r.fields(q, false, |k, r| {
                    req.forced_variations.insert(k.to_owned(), r.uint(&q.key(k), u64::from(u32::MAX))? as u32);
                    Ok(true)
                })?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    req.visitor_id = need(visitor, p, "visitorId")?;
    r.finish()?;
    Ok(req)
}
/// The suggestions, the promotions and what they were computed from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RankResponse {
    pub items: Vec<RankedItem>,
    pub promotions: Vec<ShownPromotion>,
    /// The visitor's assignment in every experiment of the bundle, in bundle order.
    pub assignments: Vec<ShownAssignment>,
    /// The sticky bucket documents to store back (present when the request gave some).
    pub sticky_buckets: Option<Vec<StickyDoc>>,
    pub decision: Decision,
}

/// One suggestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedItem {
    pub id: String,
    pub score: f32,
    /// Why, strongest first: `viewed:<id>`, `cart:<id>`, `bought:<id>`, `repeat:<id>`, `seen:<id>`,
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
