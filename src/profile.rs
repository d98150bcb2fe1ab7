//! The customer profile snapshot: what vitrine holds about one shopper.
//!
//! [`Profile`] is the readable form (what `decodeProfile` shows the shopper, what
//! `encodeProfile` takes); [`ProfileView`] is the same content borrowed from the bytes,
//! which is what ranking reads on every request without copying a string. The bytes are a
//! compact map with one- and two-letter keys, because a profile travels with every request
//! (a cookie, a KV read at the edge) and has a 512-byte budget for a typical shopper.
//! Compactness comes from three choices, all documented in `docs/FORMATS.md`: numeric ids
//! as integers, times as gaps (minutes between views, days between purchases) that mostly
//! fit in one byte, and affinities as whole percent.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalogue::MAX_SAFE_INTEGER;
use crate::codec::{self, need, HeaderKeys, Id, Path, Reader, Spec};
use crate::error::SnapshotError;
use crate::limits::Limits;

/// The schema version of the profile format.
pub const PROFILE_SCHEMA: u64 = 1;

const MINUTE_MS: u64 = 60_000;
const DAY_MS: u64 = 86_400_000;

/// Consent flags. Without `personalization` the engine ignores the profile entirely;
/// without `marketing` no promotion is targeted at the shopper's segment, tier or history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Consent {
    pub personalization: bool,
    pub marketing: bool,
}

/// A product view from an earlier visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct View {
    pub product: String,
    /// When, ms since the Unix epoch (kept to the minute).
    pub at: u64,
}

/// A purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Purchase {
    pub product: String,
    /// Day of the purchase, days since 1970-01-01 (UTC).
    pub day: u64,
}

/// The price range the shopper usually buys in, minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PriceBand {
    pub low: u64,
    pub high: u64,
}

/// A customer profile, readable form.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub schema: u64,
    /// Pseudonymous customer id (never a name or an e-mail address).
    pub customer_id: String,
    /// Incremented by the server on each change; echoed in decisions.
    pub version: u64,
    /// When the profile was last folded, ms since the Unix epoch (kept to the minute).
    pub updated_at: u64,
    pub consent: Consent,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cohort: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Loyalty tier, 0 (none) upwards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<u8>,
    /// Decayed affinity per category id, 0..1 (kept to whole percent).
    pub category_affinity: BTreeMap<String, f64>,
    /// Decayed affinity per brand, 0..1 (kept to whole percent).
    pub brand_affinity: BTreeMap<String, f64>,
    /// Most recent first.
    pub recent_views: Vec<View>,
    /// Most recent first.
    pub purchases: Vec<Purchase>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_band: Option<PriceBand>,
}

/// A profile borrowed from its bytes (or from a [`Profile`]): what ranking reads.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileView<'a> {
    pub customer_id: Cow<'a, str>,
    pub version: u64,
    pub updated_at: u64,
    pub consent: Consent,
    pub segment: Option<Cow<'a, str>>,
    pub cohort: Option<Cow<'a, str>>,
    pub region: Option<Cow<'a, str>>,
    pub tier: Option<u8>,
    pub category_affinity: Vec<(Cow<'a, str>, f64)>,
    pub brand_affinity: Vec<(Cow<'a, str>, f64)>,
    /// (product, ms since 1970), most recent first.
    pub recent_views: Vec<(Cow<'a, str>, u64)>,
    /// (product, day since 1970), most recent first.
    pub purchases: Vec<(Cow<'a, str>, u64)>,
    pub price_band: Option<PriceBand>,
}

impl Profile {
    /// A profile with nothing in it yet: no consent, no history.
    pub fn new(customer_id: impl Into<String>, updated_at: u64) -> Profile {
        Profile {
            schema: PROFILE_SCHEMA,
            customer_id: customer_id.into(),
            version: 0,
            updated_at,
            consent: Consent::default(),
            segment: None,
            cohort: None,
            region: None,
            tier: None,
            category_affinity: BTreeMap::new(),
            brand_affinity: BTreeMap::new(),
            recent_views: Vec::new(),
            purchases: Vec::new(),
            price_band: None,
        }
    }

    /// This profile as a view (borrows every string).
    pub fn view(&self) -> ProfileView<'_> {
        fn b(s: &str) -> Cow<'_, str> {
            Cow::Borrowed(s)
        }
        ProfileView {
            customer_id: b(&self.customer_id),
            version: self.version,
            updated_at: self.updated_at,
            consent: self.consent,
            segment: self.segment.as_deref().map(b),
            cohort: self.cohort.as_deref().map(b),
            region: self.region.as_deref().map(b),
            tier: self.tier,
            category_affinity: self.category_affinity.iter().map(|(k, &v)| (b(k), v)).collect(),
            brand_affinity: self.brand_affinity.iter().map(|(k, &v)| (b(k), v)).collect(),
            recent_views: self.recent_views.iter().map(|v| (b(&v.product), v.at)).collect(),
            purchases: self.purchases.iter().map(|p| (b(&p.product), p.day)).collect(),
            price_band: self.price_band,
        }
    }
}

impl ProfileView<'_> {
    /// The readable, owned form.
    pub fn to_profile(&self) -> Profile {
        let own = |s: &Cow<str>| s.to_string();
        Profile {
            schema: PROFILE_SCHEMA,
            customer_id: own(&self.customer_id),
            version: self.version,
            updated_at: self.updated_at,
            consent: self.consent,
            segment: self.segment.as_ref().map(own),
            cohort: self.cohort.as_ref().map(own),
            region: self.region.as_ref().map(own),
            tier: self.tier,
            category_affinity: affinity_map(&self.category_affinity),
            brand_affinity: affinity_map(&self.brand_affinity),
            recent_views: self.recent_views.iter().map(|(p, at)| View { product: own(p), at: *at }).collect(),
            purchases: self.purchases.iter().map(|(p, day)| Purchase { product: own(p), day: *day }).collect(),
            price_band: self.price_band,
        }
    }
}

/// The readable affinity map. Inserted one by one rather than collected: collecting into a
/// `BTreeMap` sorts its input first, one more copy of the sort in the wasm (`crate::sort`),
/// and a later duplicate wins either way.
fn affinity_map(pairs: &[(Cow<str>, f64)]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for (k, v) in pairs {
        out.insert(k.to_string(), *v);
    }
    out
}

/// The bytes' layout (written with serde); see `docs/FORMATS.md`.
#[derive(Debug, Default, Serialize)]
struct Wire {
    s: u64,
    id: Id,
    n: u64,
    /// updatedAt in whole minutes since the Unix epoch.
    t: u64,
    /// Consent bits: 1 personalization, 2 marketing.
    c: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    g: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    h: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    r: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    l: Option<u8>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    a: BTreeMap<Id, u8>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    b: BTreeMap<String, u8>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    v: Vec<Id>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    w: Vec<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    p: Vec<Id>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    d: Vec<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
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

fn percent(path: String, v: f64) -> Result<u8, SnapshotError> {
    if !(0.0..=1.0).contains(&v) {
        return Err(SnapshotError::number(path, v, "an affinity 0..1"));
    }
    Ok((v * 100.0).round() as u8)
}

/// The positions of `times`, newest first; equal times keep their order. Views and
/// purchases share this one sort of plain pairs (each sort site is its own copy of the
/// sort in the wasm: `crate::sort`).
fn newest_first(times: impl Iterator<Item = u64>) -> impl Iterator<Item = usize> {
    let mut order: Vec<(u64, usize)> = times.enumerate().map(|(i, t)| (u64::MAX - t, i)).collect();
    order.sort_unstable();
    order.into_iter().map(|(_, i)| i)
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
    for (field, v) in [("version", p.version), ("updatedAt", p.updated_at)] {
        if v > MAX_SAFE_INTEGER {
            return Err(SnapshotError::number(format!("profile.{field}"), v as f64, "at most 2^53-1"));
        }
    }
    let t = p.updated_at / MINUTE_MS;
    let mut w = Wire {
        s: PROFILE_SCHEMA,
        id: Id(p.customer_id.clone()),
        n: p.version,
        t,
        c: (u8::from(p.consent.personalization) * PERSONALIZATION) | (u8::from(p.consent.marketing) * MARKETING),
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
    let views = newest_first(p.recent_views.iter().map(|v| v.at)).map(|i| &p.recent_views[i]);
    let mut prev = t;
    for (i, v) in views.enumerate() {
        if v.at > p.updated_at || v.product.is_empty() {
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
    let purchases = newest_first(p.purchases.iter().map(|b| b.day)).map(|i| &p.purchases[i]);
    let mut prev = p.updated_at / DAY_MS;
    for (i, b) in purchases.enumerate() {
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

/// Decodes a profile snapshot into its readable form.
pub fn decode_profile(bytes: &[u8], limits: &Limits) -> Result<Profile, SnapshotError> {
    Ok(read_profile(bytes, limits)?.to_profile())
}

/// Reads profile bytes in place: the view borrows its strings from `bytes`. Unknown keys
/// are skipped.
pub fn read_profile<'a>(bytes: &'a [u8], limits: &Limits) -> Result<ProfileView<'a>, SnapshotError> {
    codec::read(bytes, &spec(limits), limits, |r| read_view(r, limits)).map(|(v, _)| v)
}

fn read_view<'a>(r: &mut Reader<'a>, limits: &Limits) -> Result<ProfileView<'a>, SnapshotError> {
    let p = &Path::root("profile");
    let mut out = ProfileView {
        customer_id: Cow::Borrowed(""),
        version: 0,
        updated_at: 0,
        consent: Consent::default(),
        segment: None,
        cohort: None,
        region: None,
        tier: None,
        category_affinity: Vec::new(),
        brand_affinity: Vec::new(),
        recent_views: Vec::new(),
        purchases: Vec::new(),
        price_band: None,
    };
    let (mut id, mut t) = (None, None);
    let (mut views, mut view_gaps, mut bought, mut buy_gaps) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let entries = |r: &mut Reader<'a>, key: &str, q: &Path| -> Result<usize, SnapshotError> {
        let n = r.array_len(q)?;
        too_many(key, n, limits)?;
        Ok(n)
    };
    r.fields(p, false, |k, r| {
        let q = &p.key(k);
        if r.nil()? {
            return Ok(true);
        }
        match k {
            "s" => {
                r.uint(q, u64::MAX)?;
            }
            "id" => id = Some(r.id(q)?),
            "n" => out.version = r.uint(q, MAX_SAFE_INTEGER)?,
            "t" => t = Some(r.uint(q, MAX_SAFE_INTEGER / MINUTE_MS)?),
            "c" => {
                let c = r.uint(q, 255)? as u8;
                out.consent = Consent { personalization: c & PERSONALIZATION != 0, marketing: c & MARKETING != 0 };
            }
            "g" => out.segment = Some(Cow::Borrowed(r.str(q)?)),
            "h" => out.cohort = Some(Cow::Borrowed(r.str(q)?)),
            "r" => out.region = Some(Cow::Borrowed(r.str(q)?)),
            "l" => out.tier = Some(r.uint(q, 255)? as u8),
            "a" | "b" => {
                let n = r.map_len(q)?;
                too_many(k, n, limits)?;
                let list = if k == "a" { &mut out.category_affinity } else { &mut out.brand_affinity };
                list.reserve(n);
                for _ in 0..n {
                    let name = r.id(q)?;
                    let pct = r.uint(&q.key(&name), 100)?;
                    list.push((name, pct as f64 / 100.0));
                }
            }
            "v" | "p" => {
                let n = entries(r, k, q)?;
                let list = if k == "v" { &mut views } else { &mut bought };
                list.reserve(n);
                for i in 0..n {
                    list.push(r.id(&q.index(i))?);
                }
            }
            "w" | "d" => {
                let n = entries(r, k, q)?;
                let list = if k == "w" { &mut view_gaps } else { &mut buy_gaps };
                list.reserve(n);
                for i in 0..n {
                    list.push(r.uint(&q.index(i), MAX_SAFE_INTEGER)?);
                }
            }
            "q" => {
                if r.array_len(q)? != 2 {
                    return Err(SnapshotError::invalid(q.render(), "expected [low, high]"));
                }
                let (low, high) = (r.uint(&q.index(0), MAX_SAFE_INTEGER)?, r.uint(&q.index(1), MAX_SAFE_INTEGER)?);
                if low > high {
                    return Err(SnapshotError::invalid(q.render(), "price band low is above high"));
                }
                out.price_band = Some(PriceBand { low, high });
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    out.customer_id = need(id, p, "id")?;
    let t = need(t, p, "t")?;
    out.updated_at = t * MINUTE_MS;
    for (name, a, b) in [("v/w", views.len(), view_gaps.len()), ("p/d", bought.len(), buy_gaps.len())] {
        if a != b {
            return Err(SnapshotError::LengthMismatch { path: format!("profile.{name}"), left: a, right: b });
        }
    }
    let mut minute = t;
    out.recent_views.reserve(views.len());
    for (i, (id, gap)) in views.into_iter().zip(view_gaps).enumerate() {
        minute = minute.checked_sub(gap).ok_or_else(|| p.key("w").index(i).number(gap as f64, "views after 1970"))?;
        out.recent_views.push((id, minute * MINUTE_MS));
    }
    let mut day = out.updated_at / DAY_MS;
    out.purchases.reserve(bought.len());
    for (i, (id, gap)) in bought.into_iter().zip(buy_gaps).enumerate() {
        day = day.checked_sub(gap).ok_or_else(|| p.key("d").index(i).number(gap as f64, "purchases after 1970"))?;
        out.purchases.push((id, day));
    }
    Ok(out)
}

impl Profile {
    /// Reads the readable form (from a JavaScript object, for `encodeProfile`). Unknown
    /// keys are refused: a misspelt field would otherwise be silently dropped from what is
    /// stored about the shopper.
    pub fn read(r: &mut Reader, p: &Path) -> Result<Profile, SnapshotError> {
        let safe = MAX_SAFE_INTEGER;
        let mut out = Profile::new(String::new(), 0);
        let (mut customer, mut updated) = (None, None);
        let affinity = |r: &mut Reader, q: &Path, into: &mut BTreeMap<String, f64>| {
            r.fields(q, false, |k, r| {
                into.insert(k.to_owned(), r.f64(&q.key(k))?);
                Ok(true)
            })
        };
        let pair = |r: &mut Reader, q: &Path, a: &str, b: &str| -> Result<(String, u64), SnapshotError> {
            let (mut x, mut y) = (None, None);
            r.fields(q, true, |k, r| {
                let kq = &q.key(k);
                match k {
                    k if k == a => x = Some(r.id_string(kq)?),
                    k if k == b => y = Some(r.uint(kq, safe)?),
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            Ok((need(x, q, a)?, need(y, q, b)?))
        };
        r.fields(p, true, |k, r| {
            let q = &p.key(k);
            if r.nil()? {
                return Ok(true);
            }
            match k {
                "schema" => out.schema = r.uint(q, u64::MAX)?,
                "customerId" => customer = Some(r.id_string(q)?),
                "version" => out.version = r.uint(q, safe)?,
                "updatedAt" => updated = Some(r.uint(q, safe)?),
                "consent" => r.fields(q, true, |k, r| {
                    let flag = match k {
                        "personalization" => &mut out.consent.personalization,
                        "marketing" => &mut out.consent.marketing,
                        _ => return Ok(false),
                    };
                    *flag = r.opt(|r| r.bool(&q.key(k)))?.unwrap_or(false);
                    Ok(true)
                })?,
                "segment" => out.segment = Some(r.string(q)?),
                "cohort" => out.cohort = Some(r.string(q)?),
                "region" => out.region = Some(r.string(q)?),
                "tier" => out.tier = Some(r.uint(q, 255)? as u8),
                "categoryAffinity" => affinity(r, q, &mut out.category_affinity)?,
                "brandAffinity" => affinity(r, q, &mut out.brand_affinity)?,
                "recentViews" => {
                    out.recent_views = r.list(q, |r, q| {
                        let (product, at) = pair(r, q, "product", "at")?;
                        Ok(View { product, at })
                    })?
                }
                "purchases" => {
                    out.purchases = r.list(q, |r, q| {
                        let (product, day) = pair(r, q, "product", "day")?;
                        Ok(Purchase { product, day })
                    })?
                }
                "priceBand" => {
                    let (mut low, mut high) = (None, None);
                    r.fields(q, true, |k, r| {
                        match k {
                            "low" => low = Some(r.uint(&q.key(k), safe)?),
                            "high" => high = Some(r.uint(&q.key(k), safe)?),
                            _ => return Ok(false),
                        }
                        Ok(true)
                    })?;
                    out.price_band = Some(PriceBand { low: need(low, q, "low")?, high: need(high, q, "high")? });
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        out.customer_id = need(customer, p, "customerId")?;
        out.updated_at = need(updated, p, "updatedAt")?;
        Ok(out)
    }
}
