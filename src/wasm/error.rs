//! Core errors as JavaScript `Error` objects with a stable `code` property.

use wasm_bindgen::JsValue;

/// Result of an exported function: the error is the thrown JS value.
pub type JsResult<T> = Result<T, JsValue>;

/// A JS `Error` with the message and `code` of a core error.
pub fn throw(e: &crate::Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("VitrineError");
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(e.code()));
    err.into()
}
