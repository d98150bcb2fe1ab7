//! JavaScript's value semantics, over [`Value`] trees.
//!
//! GrowthBook's rules are defined by its JavaScript SDK: conditions compare with `<`,
//! `===` and `JSON.stringify`, ids are hashed as JavaScript strings, numbers are coerced
//! the way `"8" > 5` coerces them. To assign a visitor to the same variant as every other
//! GrowthBook SDK, those coercions are reproduced here exactly (ECMAScript 2023 §7.1
//! "Type Conversion" and §7.2.13 "IsLessThan"), not approximated.
//!
//! A map is a JavaScript object, an array an array; MessagePack binary data stands for a
//! `Uint8Array` (an object whose string form lists its bytes); there is no `undefined`: a
//! missing attribute reads as `null`, as GrowthBook's own path lookup returns.

use std::cmp::Ordering;
use std::fmt::Write;

use crate::codec::Value;
use crate::sort;

pub use super::number::{number_to_string, string_to_number};

/// What `typeof` (refined for `null` and arrays, as GrowthBook's `getType` does) says.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "null",
        Value::Bool(_) => "boolean",
        Value::UInt(_) | Value::Int(_) | Value::Float(_) => "number",
        Value::Str(_) => "string",
        Value::Array(_) => "array",
        Value::Map(_) | Value::Bin(_) | Value::Ext(..) => "object",
    }
}

/// The number a value holds, if it is a number.
pub fn as_number(v: &Value) -> Option<f64> {
    match *v {
        Value::UInt(n) => Some(n as f64),
        Value::Int(n) => Some(n as f64),
        Value::Float(f) => Some(f),
        _ => None,
    }
}

/// JavaScript truthiness: `false`, `0`, `NaN`, `""` and `null` are falsy.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Nil => false,
        Value::Bool(b) => *b,
        Value::Str(s) => !s.is_empty(),
        _ => match as_number(v) {
            Some(n) => n != 0.0 && !n.is_nan(),
            None => true,
        },
    }
}
/// `String(v)`: what `v + ""` gives.
pub fn to_js_string(v: &Value, out: &mut String) {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Str(s) => out.push_str(s),
        Value::Array(items) => {
            // Array.prototype.join: null elements become empty strings.
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !matches!(item, Value::Nil) {
                    to_js_string(item, out);
                }
            }
        }
        Value::Bin(bytes) => {
            for (i, b) in bytes.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{b}");
            }
        }
        Value::Map(_) | Value::Ext(..) => out.push_str("[object Object]"),
        _ => number_to_string(as_number(v).unwrap_or(f64::NAN), out),
    }
}

/// `String(v)` as a new string.
pub fn js_string(v: &Value) -> String {
    let mut s = String::new();
    to_js_string(v, &mut s);
    s
}
/// `Number(v)` (ECMAScript §7.1.4 ToNumber), objects through their string form.
pub fn to_number(v: &Value) -> f64 {
    match v {
        Value::Nil => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Str(s) => string_to_number(s),
        Value::Array(_) | Value::Bin(_) | Value::Map(_) | Value::Ext(..) => string_to_number(&js_string(v)),
        _ => as_number(v).unwrap_or(f64::NAN),
    }
}

/// Compares two strings as JavaScript does: by UTF-16 code units.
pub fn cmp_utf16(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// The primitive a relational comparison sees: objects and arrays compare by their string
/// form (ToPrimitive with hint "number" falls back to `toString`).
enum Prim<'v> {
    Str(std::borrow::Cow<'v, str>),
    Num(f64),
}

fn primitive<'v>(v: &'v Value) -> Prim<'v> {
    match v {
        Value::Str(s) => Prim::Str(std::borrow::Cow::Borrowed(s)),
        Value::Array(_) | Value::Bin(_) | Value::Map(_) | Value::Ext(..) => {
            Prim::Str(std::borrow::Cow::Owned(js_string(v)))
        }
        _ => Prim::Num(to_number(v)),
    }
}

/// `a < b`, `a > b`...: the ordering JavaScript's IsLessThan finds, or `None` where it
/// answers undefined (a NaN on either side), which makes every relational operator false.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (primitive(a), primitive(b)) {
        (Prim::Str(x), Prim::Str(y)) => Some(cmp_utf16(&x, &y)),
        (x, y) => {
            let num = |p: Prim| match p {
                Prim::Num(n) => n,
                Prim::Str(s) => string_to_number(&s),
            };
            num(x).partial_cmp(&num(y))
        }
    }
}

/// `a === b`. Objects and arrays are never strictly equal here: a condition's value and an
/// attribute are always different objects.
pub fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        _ => match (as_number(a), as_number(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// `[b].includes(a)`: strict equality, except that NaN finds NaN (SameValueZero).
pub fn same_value_zero(a: &Value, b: &Value) -> bool {
    match (as_number(a), as_number(b)) {
        (Some(x), Some(y)) if x.is_nan() && y.is_nan() => true,
        _ => strict_eq(a, b),
    }
}

/// True for the keys JavaScript orders first in an object: canonical array indexes.
fn index_key(k: &str) -> Option<u32> {
    let n: u32 = k.parse().ok()?;
    (n != u32::MAX && n.to_string() == k).then_some(n)
}

fn stringify_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `JSON.stringify(v)`, which GrowthBook uses to compare arrays and objects. Object keys
/// come in JavaScript's property order: array-index keys ascending, then the rest in the
/// order they were written; a repeated key keeps its first place and its last value.
pub fn stringify(v: &Value, out: &mut String) {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Str(s) => stringify_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                stringify(item, out);
            }
            out.push(']');
        }
        Value::Bin(bytes) => {
            // A Uint8Array stringifies as an object keyed by index.
            out.push('{');
            for (i, b) in bytes.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "\"{i}\":{b}");
            }
            out.push('}');
        }
        Value::Map(entries) => {
            let keys = object_entries(entries);
            // Index keys first, ascending; the others after them in their written order
            // (`index_key` is never u32::MAX, which sorts them last).
            let keys = sort::by_key(keys, |i, (k, _)| sort::ascending_key(index_key(k).unwrap_or(u32::MAX), i));
            out.push('{');
            for (i, (k, val)) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                stringify_str(k, out);
                out.push(':');
                stringify(val, out);
            }
            out.push('}');
        }
        Value::Ext(..) => out.push_str("{}"),
        _ => match as_number(v) {
            Some(n) if n.is_finite() => number_to_string(n, out),
            _ => out.push_str("null"),
        },
    }
}

/// A map's entries as a JavaScript object holds them: keys as strings, a repeated key
/// keeping its first place and its last value.
pub fn object_entries<'v, 'a>(m: &'v [(Value<'a>, Value<'a>)]) -> Vec<(String, &'v Value<'a>)> {
    let mut out: Vec<(String, &Value)> = Vec::with_capacity(m.len());
    for (k, v) in m {
        let key = js_string(k);
        match out.iter_mut().find(|(seen, _)| *seen == key) {
            Some(slot) => slot.1 = v,
            None => out.push((key, v)),
        }
    }
    out
}

/// `JSON.stringify(v)` as a new string.
pub fn json(v: &Value) -> String {
    let mut s = String::new();
    stringify(v, &mut s);
    s
}

/// The value of a top-level key of an object (the last one written wins, as in
/// JavaScript), or `None`.
pub fn get<'v, 'a>(v: &'v Value<'a>, key: &str) -> Option<&'v Value<'a>> {
    match v {
        Value::Map(entries) => entries.iter().rev().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
        _ => None,
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn s(x: &str) -> Value<'_> {
        Value::Str(Cow::Borrowed(x))
    }

    #[test]
    fn objects_become_numbers_through_their_text() {
        assert_eq!(to_number(&Value::Array(vec![Value::UInt(5)])), 5.0);
        assert!(to_number(&Value::Map(vec![])).is_nan());
        assert_eq!(to_number(&Value::Nil), 0.0);
    }

    #[test]
    fn relational_comparison_coerces_like_javascript() {
        assert_eq!(compare(&s("8"), &Value::UInt(5)), Some(Ordering::Greater));
        assert_eq!(compare(&s("10"), &s("9")), Some(Ordering::Less), "strings compare as text");
        assert_eq!(compare(&Value::Nil, &Value::Int(-10)), Some(Ordering::Greater), "null is 0");
        assert_eq!(compare(&s("abc"), &Value::UInt(1)), None, "NaN compares with nothing");
        // U+FF61 sorts above U+1F600 in UTF-16 (0xFF61 > 0xD83D), below it in UTF-8.
        assert_eq!(cmp_utf16("\u{ff61}", "\u{1f600}"), Ordering::Greater);
    }

    #[test]
    fn stringify_orders_keys_like_javascript() {
        let m = Value::Map(vec![(s("b"), Value::UInt(1)), (s("1"), s("x\n")), (s("b"), Value::Float(0.5))]);
        assert_eq!(json(&m), r#"{"1":"x\n","b":0.5}"#);
        // As Node prints the same object: array indexes (to 2^32 - 2) ascending, then the
        // other keys as written.
        let keys = ["b", "10", "a", "2", "01", "4294967295", "4294967294"];
        let m = Value::Map(keys.iter().enumerate().map(|(i, k)| (s(k), Value::UInt(i as u64 + 1))).collect());
        assert_eq!(json(&m), r#"{"2":4,"10":2,"4294967294":7,"b":1,"a":3,"01":5,"4294967295":6}"#);
        assert_eq!(
            json(&Value::Array(vec![Value::Nil, Value::Float(f64::NAN), Value::Bool(true)])),
            "[null,null,true]"
        );
        assert_eq!(js_string(&Value::Array(vec![Value::UInt(1), Value::Nil, s("a")])), "1,,a");
        assert!(!truthy(&Value::Float(f64::NAN)) && !truthy(&s("")) && truthy(&s("0")));
    }
}
