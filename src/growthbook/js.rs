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

/// `Number.prototype.toString()` (ECMAScript §6.1.6.1.20): the shortest digits that read
/// back as the same number, in plain notation for exponents -7 < e < 21, scientific
/// beyond.
pub fn number_to_string(x: f64, out: &mut String) {
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x == 0.0 {
        out.push('0');
        return;
    }
    if x < 0.0 {
        out.push('-');
    }
    let x = x.abs();
    if x.is_infinite() {
        out.push_str("Infinity");
        return;
    }
    // Rust's `{:e}` prints the shortest round-tripping digits: "1.2345e3", "5e-7".
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i64;
    // x = 0.d1d2... × 10^n in the spec's terms.
    let n = exp.parse::<i64>().unwrap_or(0) + 1;
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = n - 1;
        let _ = write!(out, "e{}{}", if e < 0 { '-' } else { '+' }, e.abs());
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

/// ECMAScript's WhiteSpace and LineTerminator code points, which `Number(" 8 ")` trims.
pub(crate) fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{a}' | '\u{b}' | '\u{c}' | '\u{d}' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

/// `Number(s)` (ECMAScript §7.1.4.1.1 StringToNumber).
pub fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(is_js_space);
    if t.is_empty() {
        return 0.0;
    }
    for (prefix, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] {
        if let Some(rest) = t.strip_prefix(prefix) {
            if rest.is_empty() || !rest.chars().all(|c| c.is_digit(radix)) {
                return f64::NAN;
            }
            // Folded in f64, as JavaScript does for long literals.
            return rest.chars().fold(0.0, |acc, c| acc * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0)));
        }
    }
    let (sign, body) = match t.as_bytes()[0] {
        b'+' => (1.0, &t[1..]),
        b'-' => (-1.0, &t[1..]),
        _ => (1.0, t),
    };
    if body == "Infinity" {
        return sign * f64::INFINITY;
    }
    // StrDecimalLiteral: digits [. digits] [e [+-] digits], or . digits [exponent]; checked
    // here because Rust's parser also takes "inf" and "nan", which JavaScript does not.
    let b = body.as_bytes();
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return f64::NAN;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits == 0 {
            return f64::NAN;
        }
        i += exp_digits;
    }
    if i != b.len() {
        return f64::NAN;
    }
    sign * decimal(body)
}

/// Powers of ten that f64 holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// The value of a checked decimal literal. Exact (correctly rounded, as JavaScript) for up
/// to 15 significant digits with a decimal exponent within ±22 (Clinger's fast path: both
/// factors are exact, so one rounding), which covers prices, ages, versions and counts;
/// beyond that within a few units in the last place. Rust's correctly rounded parser
/// would cost 15 KB of tables in wasm for digits no attribute carries.
fn decimal(body: &str) -> f64 {
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (
            &body[..i],
            body[i + 1..].parse::<i32>().unwrap_or(if body[i + 1..].starts_with('-') { -9999 } else { 9999 }),
        ),
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: u64 = 0;
    let mut count = 0u32;
    let mut exp10 = exp.clamp(-9999, 9999);
    for (i, d) in int.bytes().chain(frac.bytes()).enumerate() {
        let after_point = i >= int.len();
        if digits == 0 && d == b'0' {
            exp10 -= i32::from(after_point);
            continue;
        }
        if count < 19 {
            digits = digits * 10 + u64::from(d - b'0');
            count += 1;
            exp10 -= i32::from(after_point);
        } else if !after_point {
            exp10 += 1;
        }
    }
    if digits == 0 {
        return 0.0;
    }
    let m = digits as f64;
    if count <= 15 && (-22..=22).contains(&exp10) {
        return if exp10 >= 0 { m * POW10[exp10 as usize] } else { m / POW10[(-exp10) as usize] };
    }
    let mut x = m;
    let mut e = exp10;
    while e > 22 {
        x *= 1e22;
        e -= 22;
    }
    while e < -22 {
        x /= 1e22;
        e += 22;
    }
    if e >= 0 {
        x * POW10[e as usize]
    } else {
        x / POW10[(-e) as usize]
    }
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
            let mut keys: Vec<(String, &Value)> = Vec::with_capacity(entries.len());
            for (k, val) in entries {
                let key = js_string(k);
                match keys.iter_mut().find(|(seen, _)| *seen == key) {
                    Some(slot) => slot.1 = val,
                    None => keys.push((key, val)),
                }
            }
            // Index keys first, ascending (they are distinct, so an unstable sort is exact);
            // the others keep their written order.
            let (mut index, rest): (Vec<_>, Vec<_>) = keys.into_iter().partition(|(k, _)| index_key(k).is_some());
            index.sort_unstable_by_key(|(k, _)| index_key(k));
            index.extend(rest);
            let keys = index;
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
    fn numbers_print_like_javascript() {
        let cases: [(f64, &str); 14] = [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (123456789.0, "123456789"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (123e-20, "1.23e-18"),
            (f64::INFINITY, "Infinity"),
            (f64::NAN, "NaN"),
            (2f64.powi(53), "9007199254740992"),
        ];
        for (x, want) in cases {
            let mut out = String::new();
            number_to_string(x, &mut out);
            assert_eq!(out, want, "{x:?}");
        }
    }

    #[test]
    fn strings_convert_to_numbers_like_javascript() {
        for (text, want) in
            [(" 8 ", 8.0), ("", 0.0), ("0x1f", 31.0), ("-.5", -0.5), ("1e3", 1000.0), ("+Infinity", f64::INFINITY)]
        {
            assert_eq!(string_to_number(text), want, "{text:?}");
        }
        for text in ["inf", "nan", "1e", "abc", "0x", "--1", "1.2.3", "-0x1"] {
            assert!(string_to_number(text).is_nan(), "{text:?}");
        }
        assert_eq!(to_number(&Value::Array(vec![Value::UInt(5)])), 5.0);
        assert_eq!(string_to_number("0.000123"), 0.000123);
        assert_eq!(string_to_number("1000000000000000000000"), 1e21);
        assert!(to_number(&Value::Map(vec![])).is_nan());
    }

    #[test]
    fn decimals_are_exact_on_the_fast_path_and_close_beyond() {
        // Rust's correctly rounded parser (in the native test build) is the reference.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = 1 + (x % 17) as usize;
            let mantissa = (x >> 8) % 10u64.pow(digits as u32);
            let exp = ((x >> 40) % 61) as i32 - 30;
            let text = format!("{mantissa}e{exp}");
            let want: f64 = text.parse().unwrap();
            let got = string_to_number(&text);
            let ulps = (got.to_bits() as i64 - want.to_bits() as i64).abs();
            if digits <= 15 && (-22..=22).contains(&exp) {
                assert_eq!(got, want, "{text}");
            } else {
                assert!(ulps <= 4, "{text}: {got} vs {want} ({ulps} ulps)");
            }
        }
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
        assert_eq!(
            json(&Value::Array(vec![Value::Nil, Value::Float(f64::NAN), Value::Bool(true)])),
            "[null,null,true]"
        );
        assert_eq!(js_string(&Value::Array(vec![Value::UInt(1), Value::Nil, s("a")])), "1,,a");
        assert!(!truthy(&Value::Float(f64::NAN)) && !truthy(&s("")) && truthy(&s("0")));
    }
}
