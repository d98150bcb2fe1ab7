//! The JavaScript API: a thin layer that converts values and errors, nothing else.
//!
//! Bytes come in as `Uint8Array` (snapshots), plain objects in and out (requests,
//! responses, profiles) through serde-wasm-bindgen. Every failure is thrown as a real
//! `Error` whose `code` property is the core's stable error code.

mod error;
mod types;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::error::{RequestError, SnapshotError};
use crate::{Engine, Limits, Profile, RankRequest};
use error::{throw, JsResult};

/// Plain objects out: `null` for absent values, objects for maps (not ES `Map`s).
const OUT: serde_wasm_bindgen::Serializer =
    serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true).serialize_maps_as_objects(true);

fn to_js<T: Serialize>(value: &T) -> JsValue {
    // Our response types hold only strings, numbers within 2^53, bools, arrays and maps
    // with string keys, all of which convert.
    value.serialize(&OUT).unwrap_or(JsValue::NULL)
}

/// Reads a JS value into `T`; on failure, reads it again tracking the path, so the error
/// names the field (`session.viewed[2]`) without slowing down the common case.
fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, (String, String)> {
    match T::deserialize(serde_wasm_bindgen::Deserializer::from(value.clone())) {
        Ok(v) => Ok(v),
        Err(plain) => match serde_path_to_error::deserialize::<_, T>(serde_wasm_bindgen::Deserializer::from(value)) {
            Err(e) => Err((e.path().to_string(), e.inner().to_string())),
            Ok(_) => Err((String::new(), plain.to_string())),
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EngineOptions {
    #[serde(default)]
    limits: Option<Limits>,
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
    pub fn from_bundle(
        bytes: &[u8],
        #[wasm_bindgen(unchecked_param_type = "EngineOptions")] options: Option<JsValue>,
    ) -> JsResult<JsEngine> {
        let options: EngineOptions = match options {
            Some(o) if !o.is_undefined() && !o.is_null() => from_js(o)
                .map_err(|(path, detail)| throw(&SnapshotError::invalid(format!("options{}", dotted(&path)), detail).into()))?,
            _ => EngineOptions::default(),
        };
        let limits = options.limits.unwrap_or_default();
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
        let req: RankRequest = from_js(request).map_err(|(path, detail)| {
            throw(&RequestError::InvalidRequest { path: if path.is_empty() { "request".into() } else { path }, detail }.into())
        })?;
        let now = js_sys::Date::now() as u64;
        self.inner.rank(&req, now).map(|r| to_js(&r)).map_err(|e| throw(&e))
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
    let p: Profile = from_js(profile)
        .map_err(|(path, detail)| throw(&SnapshotError::invalid(format!("profile{}", dotted(&path)), detail).into()))?;
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

fn dotted(path: &str) -> String {
    match path {
        "" | "." => String::new(),
        p if p.starts_with('[') => p.to_owned(),
        p => format!(".{p}"),
    }
}
