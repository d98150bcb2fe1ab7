//! The wasm bindings, run inside wasm by wasm-bindgen-test: in Node by default, in headless
//! Chromium with `WASM_BINDGEN_USE_BROWSER=1` (scripts/test.sh runs both). They call the
//! exported API with real JavaScript values and check what JavaScript would see: response
//! objects, `Error`s with codes, and decisions identical to the native build's.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect, Uint8Array, JSON};
use vitrine::wasm::{decode_profile, encode_profile, JsEngine};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

const BUNDLE: &[u8] = include_bytes!("../../tests/fixtures/golden/bundle.msgpack");
const STOCK: &[u8] = include_bytes!("../../tests/fixtures/golden/stock.msgpack");
const REQUESTS: &str = include_str!("../../tests/fixtures/golden/requests.json");
const RESPONSES: &str = include_str!("../../tests/fixtures/golden/responses.json");

fn json(text: &str) -> JsValue {
    JSON::parse(text).expect("valid JSON")
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).expect("an object")
}

fn engine() -> JsEngine {
    let mut e = JsEngine::from_bundle(BUNDLE, None).expect("bundle loads");
    e.apply_stock(STOCK).expect("stock applies");
    e
}

/// A golden request as JavaScript passes it: profile bytes as a Uint8Array.
fn golden_requests() -> Array {
    let reqs: Array = json(REQUESTS).unchecked_into();
    for r in reqs.iter() {
        let profile = get(&r, "profile");
        if let Some(bytes) = profile.dyn_ref::<Array>() {
            let u8s: Vec<u8> = bytes.iter().map(|b| b.as_f64().expect("byte") as u8).collect();
            Reflect::set(&r, &"profile".into(), &Uint8Array::from(&u8s[..])).unwrap();
        }
    }
    reqs
}

/// Deep equality of two JSON-like values, keys in any order; numbers must be identical.
fn same(a: &JsValue, b: &JsValue, at: &str) -> Result<(), String> {
    if let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) {
        return if x.to_bits() == y.to_bits() { Ok(()) } else { Err(format!("{at}: {x} != {y}")) };
    }
    if Array::is_array(a) && Array::is_array(b) {
        let (x, y): (Array, Array) = (a.clone().unchecked_into(), b.clone().unchecked_into());
        if x.length() != y.length() {
            return Err(format!("{at}: lengths {} != {}", x.length(), y.length()));
        }
        return (0..x.length()).try_for_each(|i| same(&x.get(i), &y.get(i), &format!("{at}[{i}]")));
    }
    if a.is_object() && b.is_object() && !a.is_null() && !b.is_null() {
        let (ka, kb) = (Object::keys(a.unchecked_ref::<Object>()), Object::keys(b.unchecked_ref::<Object>()));
        if ka.length() != kb.length() {
            return Err(format!("{at}: keys {:?} != {:?}", ka.to_vec(), kb.to_vec()));
        }
        return ka.iter().try_for_each(|k| {
            let key = k.as_string().unwrap_or_default();
            same(&get(a, &key), &get(b, &key), &format!("{at}.{key}"))
        });
    }
    if a == b || (a.is_null() && b.is_null()) {
        Ok(())
    } else {
        Err(format!("{at}: {a:?} != {b:?}"))
    }
}

#[wasm_bindgen_test]
fn runs_where_it_was_asked_to() {
    // scripts/test.sh builds the browser run with VITRINE_EXPECT_BROWSER=1: a browser
    // run that silently fell back to Node would fail here.
    let in_browser = web_sys::window().is_some();
    assert_eq!(in_browser, option_env!("VITRINE_EXPECT_BROWSER").is_some());
    if let Some(w) = web_sys::window() {
        assert!(w.performance().expect("performance").now() >= 0.0);
    }
}

#[wasm_bindgen_test]
fn decisions_replay_bit_for_bit_against_the_native_build() {
    let e = engine();
    let expected: Array = json(RESPONSES).unchecked_into();
    let reqs = golden_requests();
    assert_eq!(reqs.length(), expected.length());
    for (i, r) in reqs.iter().enumerate() {
        let got = e.rank(r).unwrap_or_else(|err| panic!("request {i}: {err:?}"));
        same(&got, &expected.get(i as u32), &format!("response[{i}]")).unwrap();
    }
}

#[wasm_bindgen_test]
fn responses_have_the_documented_shape() {
    let e = engine();
    let r = golden_requests().get(0);
    let res = e.rank(r).unwrap();
    let items: Array = get(&res, "items").unchecked_into();
    let first = items.get(0);
    assert!(get(&first, "id").is_string());
    assert!(get(&first, "score").as_f64().is_some());
    assert!(Array::is_array(&get(&first, "reasons")));
    let decision = get(&res, "decision");
    assert!(get(&decision, "bundleVersion").is_string());
    assert!(get(&decision, "stockEpoch").as_f64() == Some(3.0));
    assert!(get(&decision, "now").as_f64().is_some());
    assert!(Array::is_array(&get(&res, "promotions")));
    // Without a profile, profileVersion is null (not undefined).
    let cold = e.rank(json(r#"{"visitorId":"x","context":{"now":1700000000000}}"#)).unwrap();
    assert!(get(&get(&cold, "decision"), "profileVersion").is_null());
}

/// The error thrown for `f`, which must be an `Error` with the expected code.
fn code_of(result: Result<impl std::fmt::Debug, JsValue>) -> String {
    let err = result.expect_err("an error");
    let e: &js_sys::Error = err.dyn_ref().expect("an Error instance");
    assert_eq!(e.name(), "VitrineError");
    assert!(!String::from(e.message()).is_empty());
    get(&err, "code").as_string().expect("a string code")
}

#[wasm_bindgen_test]
fn bad_snapshots_throw_errors_with_codes() {
    assert_eq!(code_of(JsEngine::from_bundle(&[0x92, 0x01], None).map(|_| ())), "E_INVALID_FIELD");
    assert_eq!(code_of(JsEngine::from_bundle(&BUNDLE[..BUNDLE.len() / 2], None).map(|_| ())), "E_TRUNCATED");
    assert_eq!(code_of(JsEngine::from_bundle(STOCK, None).map(|_| ())), "E_WRONG_KIND");
    let tight = json(r#"{"limits":{"maxBundleBytes":100}}"#);
    assert_eq!(code_of(JsEngine::from_bundle(BUNDLE, Some(tight.unchecked_into())).map(|_| ())), "E_TOO_LARGE");
    let typo = json(r#"{"limits":{"maxBundelBytes":100}}"#);
    assert_eq!(code_of(JsEngine::from_bundle(BUNDLE, Some(typo.unchecked_into())).map(|_| ())), "E_INVALID_FIELD");
    let mut e = engine();
    let before = e.info();
    assert_eq!(code_of(e.apply_stock(BUNDLE)), "E_WRONG_KIND");
    assert_eq!(code_of(e.apply_stock(&STOCK[..10])), "E_TRUNCATED");
    same(&e.info(), &before, "info").unwrap();
    assert_eq!(code_of(decode_profile(&[0xc1])), "E_INVALID_FIELD");
}

#[wasm_bindgen_test]
fn bad_requests_throw_errors_with_codes_and_change_nothing() {
    let e = engine();
    let r = golden_requests().get(0);
    let before = e.rank(r.clone()).unwrap();
    for (request, code) in [
        (r#"{"context":{"now":1}}"#, "E_INVALID_REQUEST"),
        (r#"{"visitorId":"v","sesion":{}}"#, "E_INVALID_REQUEST"),
        (r#"{"visitorId":"v","context":{"limit":-1}}"#, "E_INVALID_NUMBER"),
        (r#"{"visitorId":"v","context":{"limit":2.5}}"#, "E_INVALID_NUMBER"),
        (r#"{"visitorId":"v","session":{"viewed":[{}]}}"#, "E_INVALID_REQUEST"),
        (r#"{"visitorId":"v","weights":{"similarty":1}}"#, "E_UNKNOWN_WEIGHT"),
        (r#"{"visitorId":"v","profile":[1,2,3]}"#, "E_INVALID_REQUEST"),
    ] {
        assert_eq!(code_of(e.rank(json(request))), code, "{request}");
    }
    // Values JSON cannot express: NaN, functions, a non-object.
    let nan = json(r#"{"visitorId":"v","weights":{}}"#);
    Reflect::set(&get(&nan, "weights"), &"stock".into(), &JsValue::from_f64(f64::NAN)).unwrap();
    assert_eq!(code_of(e.rank(nan)), "E_INVALID_NUMBER");
    let func = json(r#"{"visitorId":"v"}"#);
    Reflect::set(&func, &"context".into(), &js_sys::Function::new_no_args("")).unwrap();
    assert_eq!(code_of(e.rank(func)), "E_INVALID_REQUEST");
    assert_eq!(code_of(e.rank(JsValue::from_str("v"))), "E_INVALID_REQUEST");
    let bad_profile = json(r#"{"visitorId":"v"}"#);
    Reflect::set(&bad_profile, &"profile".into(), &Uint8Array::from(&[0x81, 0xa1][..])).unwrap();
    assert_eq!(code_of(e.rank(bad_profile)), "E_TRUNCATED");
    same(&e.rank(r).unwrap(), &before, "after failed calls").unwrap();
}

#[wasm_bindgen_test]
fn profiles_round_trip_through_javascript() {
    let profile = json(
        r#"{"customerId":"c-9f3a","version":3,"updatedAt":1700000040000,
            "consent":{"personalization":true,"marketing":false},
            "categoryAffinity":{"kettles":0.8,"tv":0.25},
            "recentViews":[{"product":"1001","at":1699999980000}],
            "purchases":[{"product":"2002","day":19670}],
            "priceBand":{"low":1000,"high":5000}}"#,
    );
    let bytes = encode_profile(profile.clone()).unwrap();
    assert!(bytes.len() < 100, "{} bytes", bytes.len());
    let back = decode_profile(&bytes).unwrap();
    for key in
        ["customerId", "version", "updatedAt", "consent", "categoryAffinity", "recentViews", "purchases", "priceBand"]
    {
        same(&get(&back, key), &get(&profile, key), key).unwrap();
    }
    assert_eq!(get(&back, "schema").as_f64(), Some(1.0));
    let typo = json(r#"{"customerId":"c","updatedAt":1,"categoryAfinity":{}}"#);
    assert_eq!(code_of(encode_profile(typo)), "E_INVALID_FIELD");
    let out_of_range = json(r#"{"customerId":"c","updatedAt":1,"categoryAffinity":{"tv":2}}"#);
    assert_eq!(code_of(encode_profile(out_of_range)), "E_INVALID_NUMBER");
}

#[wasm_bindgen_test]
fn products_and_info_describe_the_catalogue() {
    let e = engine();
    let info = e.info();
    assert_eq!(get(&info, "products").as_f64(), Some(300.0));
    assert_eq!(get(&info, "stockEpoch").as_f64(), Some(3.0));
    let p = e.product("p00001");
    assert_eq!(get(&p, "id").as_string().as_deref(), Some("p00001"));
    assert!(get(&p, "price").as_f64().is_some());
    assert!(e.product("no-such-product").is_null());
}
