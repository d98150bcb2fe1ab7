//! GrowthBook's hash and the bucketing built on it: bucket ranges from weights and
//! coverage, the variation a hash falls into, namespaces, filters and query-string
//! overrides.
//!
//! The hash is FNV-1a (32-bit) over the UTF-16 code units of the string, because that is
//! what `str.charCodeAt(i)` feeds it in the JavaScript SDK; hashing UTF-8 bytes would put
//! every visitor with a non-ASCII id in another bucket than the other SDKs do. All
//! arithmetic is f64 in the SDK's order of operations, so bucket edges land on the same
//! bits.

/// FNV-1a, 32-bit, over UTF-16 code units (each code unit is one step, as in the SDK).
pub fn fnv1a32(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for unit in s.encode_utf16() {
        h ^= u32::from(unit);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// A number in [0, 1) for `value` under `seed`: hash version 2 (current) or 1 (legacy);
/// `None` for any other version.
pub fn hash(seed: &str, value: &str, version: u32) -> Option<f64> {
    match version {
        2 => {
            let inner = fnv1a32(&format!("{seed}{value}"));
            Some(f64::from(fnv1a32(&inner.to_string()) % 10_000) / 10_000.0)
        }
        1 => Some(f64::from(fnv1a32(&format!("{value}{seed}")) % 1_000) / 1_000.0),
        _ => None,
    }
}

/// `n` lies in `[start, end)`.
pub fn in_range(n: f64, (start, end): (f64, f64)) -> bool {
    n >= start && n < end
}

/// `n` equal weights summing to 1 (none for `n <= 0`).
pub fn equal_weights(n: i64) -> Vec<f64> {
    if n <= 0 {
        return Vec::new();
    }
    vec![1.0 / n as f64; n as usize]
}

/// The bucket range of each variation: consecutive slices of [0, 1) sized by `weights`,
/// each shortened to `coverage` of its width. Weights that do not fit (wrong count, sum
/// outside 0.99..1.01) fall back to equal weights; coverage is clamped to 0..1.
pub fn bucket_ranges(variations: usize, coverage: f64, weights: Option<&[f64]>) -> Vec<(f64, f64)> {
    let coverage = if coverage.is_nan() { 0.0 } else { coverage.clamp(0.0, 1.0) };
    let equal = equal_weights(variations as i64);
    let weights = match weights {
        Some(w) if w.len() == variations => {
            let total: f64 = w.iter().fold(0.0, |sum, x| sum + x);
            if (0.99..=1.01).contains(&total) {
                w
            } else {
                &equal[..]
            }
        }
        _ => &equal[..],
    };
    let mut cumulative = 0.0;
    weights
        .iter()
        .map(|w| {
            let start = cumulative;
            cumulative += w;
            (start, start + coverage * w)
        })
        .collect()
}

/// The first range holding `n`, or `None` (the visitor is outside the coverage).
pub fn choose_variation(n: f64, ranges: &[(f64, f64)]) -> Option<usize> {
    ranges.iter().position(|&r| in_range(n, r))
}

/// Whether `hash_value` falls into the namespace's `[start, end)` slice; namespaces keep
/// experiments that share one mutually exclusive.
pub fn in_namespace(hash_value: &str, (id, start, end): (&str, f64, f64)) -> bool {
    hash(&format!("__{id}"), hash_value, 1).is_some_and(|n| n >= start && n < end)
}

/// JavaScript's `parseInt(s)` for base 10: optional whitespace and sign, then the longest
/// run of digits; `None` where it gives NaN.
fn parse_int(s: &str) -> Option<f64> {
    let t = s.trim_start_matches(super::number::is_js_space);
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    // Folded in f64 (exact up to 2^53, far beyond any variation index).
    let n = rest.bytes().take(digits).fold(0.0, |acc, d| acc * 10.0 + f64::from(d - b'0'));
    Some(if neg { -n } else { n })
}

/// The variation forced by `?<key>=<n>` in the page URL, when `n` is a valid index.
pub fn query_string_override(key: &str, url: &str, variations: usize) -> Option<usize> {
    // `url.split("?")[1]`: the text between the first and the second `?`.
    let search = url.split('?').nth(1).filter(|s| !s.is_empty())?;
    // `search.replace(/#.*/, "")`: `.` stops at line terminators.
    let search = match search.find('#') {
        Some(i) if !search[i..].contains(['\n', '\r', '\u{2028}', '\u{2029}']) => &search[..i],
        _ => search,
    };
    let first = search.split('&').find(|kv| kv.split('=').next() == Some(key))?;
    // `kv.split("=", 2)[1]`: the text between the first and second `=`.
    let n = parse_int(first.split('=').nth(1)?)?;
    (n >= 0.0 && n < variations as f64).then_some(n as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_published_offset_and_prime() {
        // FNV-1a test vectors (Fowler/Noll/Vo): "" and "a" over bytes equal UTF-16 units
        // for ASCII.
        assert_eq!(fnv1a32(""), 0x811c_9dc5);
        assert_eq!(fnv1a32("a"), 0xe40c_292c);
        assert_eq!(fnv1a32("foobar"), 0xbf9c_f968);
        // One step per UTF-16 unit: "é" is one unit (0xE9), not two UTF-8 bytes.
        assert_eq!(fnv1a32("é"), (0x811c_9dc5u32 ^ 0xe9).wrapping_mul(0x0100_0193));
        assert_eq!(hash("abc", "def", 3), None);
    }

    #[test]
    fn query_string_overrides_follow_the_sdk_parsing() {
        assert_eq!(query_string_override("t", "http://x?t=1", 2), Some(1));
        assert_eq!(query_string_override("t", "http://x?a=b&t=1abc#frag", 2), Some(1), "parseInt stops at a non-digit");
        assert_eq!(query_string_override("t", "http://x?t= 1", 2), Some(1), "parseInt skips leading spaces");
        assert_eq!(query_string_override("t", "http://x?t=1&t=0", 2), Some(1), "the first wins");
        assert_eq!(query_string_override("t", "http://x?t", 2), None);
        assert_eq!(query_string_override("t", "http://x?t=-0", 2), Some(0));
    }
}
