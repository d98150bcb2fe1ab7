//! The customer profile snapshot: what vitrine holds about one shopper.
//!
//! [`Profile`] is the readable form (what `decodeProfile` shows the shopper); the bytes are
//! a compact map with one- and two-letter keys, because a profile travels with every
//! request (a cookie, a KV read at the edge) and has a 512-byte budget for a typical
//! shopper. Compactness comes from three choices, all documented in `docs/FORMATS.md`:
//! numeric ids as integers, times as gaps (minutes between views, days between purchases)
//! that mostly fit in one byte, and affinities as whole percent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalogue::MAX_SAFE_INTEGER;
use crate::codec::{self, HeaderKeys, Id, Spec};
use crate::error::SnapshotError;
use crate::limits::Limits;

/// The schema version of the profile format.
pub const PROFILE_SCHEMA: u64 = 1;

const MINUTE_MS: u64 = 60_000;
const DAY_MS: u64 = 86_400_000;

/// Consent flags. Without `personalization` the engine ignores the profile entirely;
/// without `marketing` no promotion is targeted at the shopper's segment, tier or history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Consent {
    pub personalization: bool,
    pub marketing: bool,
}

/// A product view from an earlier visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    pub product: String,
    /// When, ms since the Unix epoch (kept to the minute).
    pub at: u64,
}

/// A purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purchase {
    pub product: String,
    /// Day of the purchase, days since 1970-01-01 (UTC).
    pub day: u64,
}

/// The price range the shopper usually buys in, minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceBand {
    pub low: u64,
    pub high: u64,
}

/// A customer profile, readable form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Profile {
    #[serde(default = "current_schema")]
    pub schema: u64,
    /// Pseudonymous customer id (never a name or an e-mail address).
    pub customer_id: String,
    /// Incremented by the server on each change; echoed in decisions.
    #[serde(default)]
    pub version: u64,
    /// When the profile was last folded, ms since the Unix epoch (kept to the minute).
    pub updated_at: u64,
    #[serde(default)]
    pub consent: Consent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Loyalty tier, 0 (none) upwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<u8>,
    /// Decayed affinity per category id, 0..1 (kept to whole percent).
    #[serde(default)]
    pub category_affinity: BTreeMap<String, f64>,
    /// Decayed affinity per brand, 0..1 (kept to whole percent).
    #[serde(default)]
    pub brand_affinity: BTreeMap<String, f64>,
    /// Most recent first.
    #[serde(default)]
    pub recent_views: Vec<View>,
    /// Most recent first.
    #[serde(default)]
    pub purchases: Vec<Purchase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_band: Option<PriceBand>,
}

fn current_schema() -> u64 {
    PROFILE_SCHEMA
}

/// The bytes' layout; see `docs/FORMATS.md`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Wire {
    s: u64,
    id: Id,
    #[serde(default)]
    n: u64,
    /// updatedAt in whole minutes since the Unix epoch.
    t: u64,
    /// Consent bits: 1 personalization, 2 marketing.
    #[serde(default)]
    c: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    g: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    h: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    r: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    l: Option<u8>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    a: BTreeMap<Id, u8>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    b: BTreeMap<String, u8>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    v: Vec<Id>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    w: Vec<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    p: Vec<Id>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    d: Vec<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    q: Option<(u64, u64)>,
}

const PERSONALIZATION: u8 = 1;
const MARKETING: u8 = 2;

fn spec(limits: &Limits) -> Spec {
    Spec {
        what: "profile",
        keys: HeaderKeys { schema: "s", kind: None },
        kinds: &[],
        schema: PROFILE_SCHEMA,
        max_bytes: limits.max_profile_bytes,
    }
}

fn too_many(what: &str, count: usize, limits: &Limits) -> Result<(), SnapshotError> {
    if count > limits.max_profile_entries {
        return Err(SnapshotError::LimitExceeded {
            what: format!("profile.{what}"),
            count,
            limit: limits.max_profile_entries,
        });
    }
    Ok(())
}

fn safe(path: &str, v: u64) -> Result<u64, SnapshotError> {
    if v > MAX_SAFE_INTEGER {
        return Err(SnapshotError::number(path, v as f64, "at most 2^53-1"));
    }
    Ok(v)
}

fn percent(path: String, v: f64) -> Result<u8, SnapshotError> {
    if !(0.0..=1.0).contains(&v) {
        return Err(SnapshotError::number(path, v, "an affinity 0..1"));
    }
    Ok((v * 100.0).round() as u8)
}

/// Encodes a profile. Views and purchases are written most recent first whatever their
/// order in `p`; times are kept to the minute (views) and the day (purchases).
pub fn encode_profile(p: &Profile, limits: &Limits) -> Result<Vec<u8>, SnapshotError> {
    if p.schema != PROFILE_SCHEMA {
        return Err(SnapshotError::SchemaUnsupported {
            what: "profile",
            found: Some(p.schema),
            supported: PROFILE_SCHEMA,
        });
    }
    if p.customer_id.is_empty() || p.customer_id.len() > limits.max_string_bytes {
        return Err(SnapshotError::invalid("profile.customerId", "must be 1 to maxStringBytes bytes"));
    }
    too_many("categoryAffinity", p.category_affinity.len(), limits)?;
    too_many("brandAffinity", p.brand_affinity.len(), limits)?;
    too_many("recentViews", p.recent_views.len(), limits)?;
    too_many("purchases", p.purchases.len(), limits)?;
    let t = safe("profile.updatedAt", p.updated_at)?;
    let mut w = Wire {
        s: PROFILE_SCHEMA,
        id: Id(p.customer_id.clone()),
        n: safe("profile.version", p.version)?,
        t: t / MINUTE_MS,
        c: u8::from(p.consent.personalization) * PERSONALIZATION
            | u8::from(p.consent.marketing) * MARKETING,
        g: p.segment.clone(),
        h: p.cohort.clone(),
        r: p.region.clone(),
        l: p.tier,
        ..Wire::default()
    };
    for (k, &v) in &p.category_affinity {
        w.a.insert(Id(k.clone()), percent(format!("profile.categoryAffinity.{k}"), v)?);
    }
    for (k, &v) in &p.brand_affinity {
        w.b.insert(k.clone(), percent(format!("profile.brandAffinity.{k}"), v)?);
    }
    let mut views: Vec<&View> = p.recent_views.iter().collect();
    views.sort_by(|a, b| b.at.cmp(&a.at));
    let mut prev = t / MINUTE_MS;
    for (i, v) in views.into_iter().enumerate() {
        if v.at > t || v.product.is_empty() {
            return Err(SnapshotError::invalid(
                format!("profile.recentViews[{i}]"),
                "needs a product and a time no later than updatedAt",
            ));
        }
        let m = v.at / MINUTE_MS;
        w.v.push(Id(v.product.clone()));
        w.w.push(prev - m);
        prev = m;
    }
    let mut purchases: Vec<&Purchase> = p.purchases.iter().collect();
    purchases.sort_by(|a, b| b.day.cmp(&a.day));
    let mut prev = t / DAY_MS;
    for (i, b) in purchases.into_iter().enumerate() {
        if b.day > prev || b.product.is_empty() {
            return Err(SnapshotError::invalid(
                format!("profile.purchases[{i}]"),
                "needs a product and a day no later than updatedAt's",
            ));
        }
        w.p.push(Id(b.product.clone()));
        w.d.push(prev - b.day);
        prev = b.day;
    }
    if let Some(band) = p.price_band {
        if band.low > band.high || band.high > MAX_SAFE_INTEGER {
            return Err(SnapshotError::invalid("profile.priceBand", "needs low <= high <= 2^53-1"));
        }
        w.q = Some((band.low, band.high));
    }
    Ok(codec::encode(&w))
}

/// Decodes a profile snapshot.
pub fn decode_profile(bytes: &[u8], limits: &Limits) -> Result<Profile, SnapshotError> {
    let (w, _) = codec::decode::<Wire>(bytes, &spec(limits), limits)?;
    too_many("a", w.a.len(), limits)?;
    too_many("b", w.b.len(), limits)?;
    too_many("v", w.v.len(), limits)?;
    too_many("p", w.p.len(), limits)?;
    for (name, ids, gaps) in [("v/w", w.v.len(), w.w.len()), ("p/d", w.p.len(), w.d.len())] {
        if ids != gaps {
            return Err(SnapshotError::LengthMismatch { path: format!("profile.{name}"), left: ids, right: gaps });
        }
    }
    let t = safe("profile.t", w.t.saturating_mul(MINUTE_MS))?;
    let affinity = |m: BTreeMap<String, u8>, key: &str| {
        m.into_iter()
            .map(|(k, v)| {
                if v > 100 {
                    return Err(SnapshotError::number(format!("profile.{key}.{k}"), f64::from(v), "0..100"));
                }
                Ok((k, f64::from(v) / 100.0))
            })
            .collect::<Result<BTreeMap<_, _>, _>>()
    };
    let mut recent_views = Vec::with_capacity(w.v.len());
    let mut minute = t / MINUTE_MS;
    for (i, (id, gap)) in w.v.into_iter().zip(w.w).enumerate() {
        minute = minute.checked_sub(gap).ok_or_else(|| {
            SnapshotError::number(format!("profile.w[{i}]"), gap as f64, "views after 1970")
        })?;
        recent_views.push(View { product: id.0, at: minute * MINUTE_MS });
    }
    let mut purchases = Vec::with_capacity(w.p.len());
    let mut day = t / DAY_MS;
    for (i, (id, gap)) in w.p.into_iter().zip(w.d).enumerate() {
        day = day.checked_sub(gap).ok_or_else(|| {
            SnapshotError::number(format!("profile.d[{i}]"), gap as f64, "purchases after 1970")
        })?;
        purchases.push(Purchase { product: id.0, day });
    }
    let price_band = match w.q {
        Some((low, high)) if low <= high => Some(PriceBand { low, high }),
        Some(_) => return Err(SnapshotError::invalid("profile.q", "price band low is above high")),
        None => None,
    };
    Ok(Profile {
        schema: w.s,
        customer_id: w.id.0,
        version: safe("profile.n", w.n)?,
        updated_at: t,
        consent: Consent { personalization: w.c & PERSONALIZATION != 0, marketing: w.c & MARKETING != 0 },
        segment: w.g,
        cohort: w.h,
        region: w.r,
        tier: w.l,
        category_affinity: affinity(w.a.into_iter().map(|(k, v)| (k.0, v)).collect(), "a")?,
        brand_affinity: affinity(w.b, "b")?,
        recent_views,
        purchases,
        price_band,
    })
}
