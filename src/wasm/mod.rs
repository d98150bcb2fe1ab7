//! The JavaScript API: a thin layer that converts values and errors, nothing else.
//!
//! Bytes come in as `Uint8Array` (snapshots). Objects come in packed as MessagePack by
//! `glue.js` and are read by the same readers as snapshots; the rank response goes out
//! through `glue.js` too (one string, one number array), and the rarely called accessors
//! (`info`, `product`, `decodeProfile`) return objects through serde-wasm-bindgen. Every
//! failure is thrown as a real `Error` whose `code` property is the core's stable code.

mod error;
mod types;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::catalogue::Catalogue;
use crate::codec::{Path, Reader};
use crate::error::RequestError;
use crate::rank::Ranking;
use crate::{Engine, Limits, Profile, RankRequest};
use error::{throw, JsResult};

/// Plain objects out: `null` for absent values, objects for maps (not ES `Map`s).
const OUT: serde_wasm_bindgen::Serializer =
    serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true).serialize_maps_as_objects(true);

fn to_js<T: Serialize>(value: &T) -> JsValue {
    // Our output types hold only strings, numbers within 2^53, bools, arrays and maps
    // with string keys, all of which convert.
    value.serialize(&OUT).unwrap_or(JsValue::NULL)
}

#[wasm_bindgen]
extern "C" {
    /// `{ limits?: Partial<Limits> }`, typed in the `.d.ts` (see types.rs).
    #[wasm_bindgen(typescript_type = "EngineOptions")]
    pub type EngineOptions;
    /// A visitor's attributes, typed in the `.d.ts`.
    #[wasm_bindgen(typescript_type = "Attributes")]
    pub type Attributes;
    /// `assign`'s options, typed in the `.d.ts`.
    #[wasm_bindgen(typescript_type = "AssignOptions")]
    pub type AssignOptions;
}

#[wasm_bindgen(module = "/src/wasm/glue.js")]
extern "C" {
    /// A JavaScript value packed as MessagePack, in one pass on the JS side.
    fn pack(value: &JsValue) -> Vec<u8>;
    /// A rank response object built from all its strings and numbers; see glue.js.
    #[wasm_bindgen(js_name = rankResponse)]
    fn rank_response(text: &str, nums: &[f64]) -> JsValue;
}

/// Reads a JavaScript value with `f`, through its packed bytes: the same readers, with the
/// same rules and error paths, as for snapshots.
fn read_js<T>(
    value: &JsValue,
    what: &'static str,
    f: impl FnOnce(&mut Reader) -> Result<T, crate::Error>,
) -> Result<T, crate::Error> {
    let bytes = pack(value);
    f(&mut Reader::new(&bytes, what))
}

fn limits_from(options: &JsValue) -> Result<Limits, crate::Error> {
    read_js(options, "options", |r| {
        let p = Path::root("options");
        let mut limits = Limits::default();
        r.fields(&p, true, |k, r| {
            if k != "limits" {
                return Ok(false);
            }
            limits = r.opt(|r| Limits::read(r, &p.key(k)))?.unwrap_or_default();
            Ok(true)
        })?;
        Ok(limits)
    })
}

/// The rank response, handed to glue.js as one string and one number array (the layout is
/// documented there). No string is allocated: ids and reason codes are copied from the
/// catalogue into the one text buffer.
fn response(r: &Ranking, cat: &Catalogue) -> JsValue {
    let mut text = String::with_capacity(1024);
    let mut nums: Vec<f64> = Vec::with_capacity(160);
    // JavaScript slices strings by UTF-16 code units.
    let units = |s: &str| if s.is_ascii() { s.len() } else { s.encode_utf16().count() } as f64;
    let mut put = |parts: &[&str], nums: &mut Vec<f64>| {
        let mut n = 0.0;
        for s in parts {
            text.push_str(s);
            n += units(s);
        }
        nums.push(n);
    };
    let id = |p: u32| cat.products.info[p as usize].id.as_str();
    nums.extend([r.stock_epoch as f64, r.profile_version.map_or(f64::NAN, |v| v as f64), r.now as f64]);
    nums.push(r.items.len() as f64);
    for item in &r.items {
        put(&[id(item.product)], &mut nums);
        nums.push(f64::from(item.score));
        nums.push(item.reasons.iter().count() as f64);
        for reason in item.reasons.iter() {
            let (prefix, name) = reason.parts(cat);
            put(&[prefix, name], &mut nums);
        }
    }
    nums.push(r.promotions.len() as f64);
    for (i, reason) in &r.promotions {
        let p = &cat.promotions[*i];
        put(&[&p.id], &mut nums);
        nums.push(p.products.len() as f64);
        for &q in &p.products {
            put(&[id(q)], &mut nums);
        }
        put(&[reason], &mut nums);
    }
    nums.push(r.assignments.len() as f64);
    for a in &r.assignments {
        let e = &cat.experiments.list[a.experiment as usize];
        put(&[&e.key], &mut nums);
        nums.push(f64::from(a.variation));
        put(&[&e.variation_keys[a.variation as usize]], &mut nums);
        nums.push(f64::from(
            u8::from(a.in_experiment) | u8::from(a.hash_used) << 1 | u8::from(a.sticky_bucket_used) << 2,
        ));
    }
    match &r.sticky {
        None => nums.push(-1.0),
        Some(s) => {
            nums.push(s.docs.len() as f64);
            for d in &s.docs {
                put(&[&d.attribute_name], &mut nums);
                put(&[&d.attribute_value], &mut nums);
                nums.push(d.assignments.len() as f64);
                for (k, v) in &d.assignments {
                    put(&[k], &mut nums);
                    put(&[v], &mut nums);
                }
            }
        }
    }
    put(&[&cat.version], &mut nums);
    rank_response(&text, &nums)
}

/// A loaded catalogue bundle and its stock: ranks suggestions and promotions.
#[wasm_bindgen(js_name = Engine)]
pub struct JsEngine {
    inner: Engine,
}

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    /// Loads a catalogue bundle (MessagePack bytes). Throws a `VitrineError` when the bytes
    /// are not a valid bundle.
    ///
    /// @example
    /// ```ts
    /// const bytes = new Uint8Array(await (await fetch("/bundle.msgpack")).arrayBuffer());
    /// const engine = Engine.fromBundle(bytes, { limits: { maxResults: 24 } });
    /// ```
    #[wasm_bindgen(js_name = fromBundle)]
    pub fn from_bundle(bytes: &[u8], options: Option<EngineOptions>) -> JsResult<JsEngine> {
        let limits = match options {
            Some(o) if !o.is_undefined() && !o.is_null() => limits_from(&o).map_err(|e| throw(&e))?,
            _ => Limits::default(),
        };
        Engine::from_bundle(bytes, limits).map(|inner| JsEngine { inner }).map_err(|e| throw(&e))
    }

    /// Applies a stock snapshot or delta (MessagePack bytes) and returns the stock epoch
    /// afterwards. Input not newer than the current epoch is ignored (the epoch is
    /// returned unchanged); a bad input throws and changes nothing.
    ///
    /// @example
    /// ```ts
    /// const epoch = engine.applyStock(deltaBytes);
    /// ```
    #[wasm_bindgen(js_name = applyStock)]
    pub fn apply_stock(&mut self, bytes: &[u8]) -> JsResult<f64> {
        self.inner.apply_stock(bytes).map(|a| a.epoch as f64).map_err(|e| throw(&e))
    }

    /// Ranks suggestions and promotions for one page view. Without `context.now` the
    /// current time is used; pass it to replay a decision exactly.
    ///
    /// @example
    /// ```ts
    /// const res = engine.rank({
    ///   visitorId: "v-42",
    ///   profile: profileBytes,
    ///   session: { viewed: ["1001", "1002"], cart: ["2001"], current: "1003" },
    ///   context: { page: "product", limit: 8, region: "uk" },
    /// });
    /// for (const item of res.items) console.log(item.id, item.reasons[0]);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "RankResponse")]
    pub fn rank(&self, #[wasm_bindgen(unchecked_param_type = "RankRequest")] request: JsValue) -> JsResult<JsValue> {
        if !request.is_object() {
            return Err(throw(
                &RequestError::InvalidRequest { path: "request".into(), detail: "expected an object".into() }.into(),
            ));
        }
        let req = read_js(&request, "request", |r| Ok(RankRequest::read(r)?)).map_err(|e| throw(&e))?;
        let now = js_sys::Date::now() as u64;
        self.inner.ranking(&req, now).map(|r| response(&r, self.inner.catalogue())).map_err(|e| throw(&e))
    }

    /// Assigns a visitor to the bundle's experiments, exactly as `rank` would for the same
    /// visitor: `options` takes the request fields that assignment reads (`profile`,
    /// `context`, `stickyBuckets`, `forcedVariations`). Log an exposure for an assignment
    /// with `inExperiment` and `hashUsed` when its slot is rendered.
    ///
    /// @example
    /// ```ts
    /// const { assignments, stickyBuckets } = engine.assign("v-42", { country: "uk" }, { stickyBuckets: fromCookie });
    /// for (const a of assignments) if (a.inExperiment && a.hashUsed) logExposure(a.experiment, a.variant);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "AssignResult")]
    pub fn assign(
        &self,
        #[wasm_bindgen(js_name = visitorId)] visitor_id: &str,
        attributes: Option<Attributes>,
        options: Option<AssignOptions>,
    ) -> JsResult<JsValue> {
        // The options, the visitor id and the attributes make one request object, read by
        // the same reader (and with the same errors) as a rank request.
        let req = js_sys::Object::new();
        if let Some(o) = options.map(JsValue::from).filter(|o| !o.is_null() && !o.is_undefined()) {
            if !o.is_object() {
                let e = RequestError::InvalidRequest { path: "options".into(), detail: "expected an object".into() };
                return Err(throw(&e.into()));
            }
            js_sys::Object::assign(&req, o.unchecked_ref());
        }
        let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&req, &JsValue::from_str(k), v).map(|_| ());
        set("visitorId", &JsValue::from_str(visitor_id))?;
        if let Some(a) = attributes.map(JsValue::from).filter(|a| !a.is_undefined()) {
            set("attributes", &a)?;
        }
        let req = read_js(&req, "request", |r| Ok(RankRequest::read(r)?)).map_err(|e| throw(&e))?;
        self.inner.assign(&req).map(|a| to_js(&a)).map_err(|e| throw(&e))
    }

    /// What the engine holds: bundle version, counts, stock epoch.
    #[wasm_bindgen(unchecked_return_type = "EngineInfo")]
    pub fn info(&self) -> JsValue {
        to_js(&self.inner.info())
    }

    /// A product for display, or `null` when the catalogue does not have it.
    ///
    /// @example
    /// ```ts
    /// const p = engine.product(res.items[0].id);
    /// if (p) render(p.name, p.price / 100, p.currency);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Product | null")]
    pub fn product(&self, id: &str) -> JsValue {
        self.inner.product(id).map_or(JsValue::NULL, |p| to_js(&p))
    }
}

/// Encodes a profile object as profile snapshot bytes (the compact MessagePack form).
///
/// @example
/// ```ts
/// const bytes = encodeProfile({
///   customerId: "c-9f3a", version: 3, updatedAt: Date.now(),
///   consent: { personalization: true, marketing: false },
///   categoryAffinity: { kettles: 0.8 }, recentViews: [{ product: "1001", at: Date.now() }],
/// });
/// ```
#[wasm_bindgen(js_name = encodeProfile)]
pub fn encode_profile(#[wasm_bindgen(unchecked_param_type = "Profile")] profile: JsValue) -> JsResult<Vec<u8>> {
    let p = read_js(&profile, "profile", |r| Ok(Profile::read(r, &Path::root("profile"))?)).map_err(|e| throw(&e))?;
    crate::encode_profile(&p, &Limits::default()).map_err(|e| throw(&e.into()))
}

/// Decodes profile snapshot bytes: everything vitrine holds about the shopper, for a
/// "what data do you hold about me" page.
///
/// @example
/// ```ts
/// const profile = decodeProfile(bytes);
/// console.log(profile.consent, Object.keys(profile.categoryAffinity));
/// ```
#[wasm_bindgen(js_name = decodeProfile, unchecked_return_type = "Profile")]
pub fn decode_profile(bytes: &[u8]) -> JsResult<JsValue> {
    crate::decode_profile(bytes, &Limits::default()).map(|p| to_js(&p)).map_err(|e| throw(&e.into()))
}
