//! JavaScript's conversions between numbers and text: `String(n)` (ECMAScript
//! §6.1.6.1.20) and `Number(s)` (§7.1.4.1.1), which GrowthBook's hashing and comparisons
//! go through (`"8" > 5`, an id that is the number 123).

use std::fmt::{self, Write};

/// A number shown as JavaScript's `String(n)` shows it, for messages: `{}` on an `f64`
/// would bring core's float formatting (about 20 KB) into the wasm module.
pub struct JsNumber(pub f64);

impl fmt::Display for JsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        number_to_string(self.0, &mut text);
        f.write_str(&text)
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
    let (digits, n) = super::shortest::shortest(x);
    let digits: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    let (k, n) = (digits.len() as i64, i64::from(n));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_javascript() {
        let cases: [(f64, &str); 15] = [
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
            // Halfway between two 17-digit candidates: the even one, as V8 prints it.
            (2f64.powi(-25), "2.9802322387695312e-8"),
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
        assert_eq!(string_to_number("0.000123"), 0.000123);
        assert_eq!(string_to_number("1000000000000000000000"), 1e21);
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
}
