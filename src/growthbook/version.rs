//! Version strings made comparable as plain strings, for the `$veq`/`$vgt`/... operators.
//!
//! GrowthBook pads every numeric part to five characters and marks a release without a
//! pre-release tag with `~` (the largest printable ASCII character), so that `"1.10.0"`
//! sorts above `"1.9.0"` and `"1.0.0"` above `"1.0.0-beta"` by ordinary string
//! comparison. The same rules here, so a condition on an app version targets the same
//! visitors as in the other SDKs.

use crate::codec::Value;

/// The comparable form of a version (GrowthBook's `paddedVersionString`).
pub fn padded(v: &Value) -> String {
    // Numbers are read as their text; anything else that is not a non-empty string is "0".
    let text = match v {
        Value::Str(s) if !s.is_empty() => s.to_string(),
        Value::UInt(_) | Value::Int(_) | Value::Float(_) => super::js::js_string(v),
        _ => "0".to_owned(),
    };
    // `.replace(/(^v|\+.*$)/g, "")`: a leading `v`, and build metadata from a `+` to the
    // end (`.` stops at line terminators, so a `+` with one after it stays).
    let mut s = text.strip_prefix('v').unwrap_or(&text);
    if let Some((i, _)) = s.match_indices('+').find(|&(i, _)| !s[i..].contains(['\n', '\r', '\u{2028}', '\u{2029}'])) {
        s = &s[..i];
    }
    let mut parts: Vec<&str> = s.split(['-', '.']).collect();
    if parts.len() == 3 {
        parts.push("~");
    }
    let mut out = String::with_capacity(s.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('-');
        }
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            out.extend(std::iter::repeat_n(' ', 5usize.saturating_sub(part.len())));
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn p(s: &str) -> String {
        padded(&Value::Str(Cow::Borrowed(s)))
    }

    #[test]
    fn pads_numbers_and_marks_releases() {
        assert_eq!(p("1.2.3"), "    1-    2-    3-~");
        assert_eq!(p("v1.2.3-rc.1+build.7"), "    1-    2-    3-rc-    1");
        assert!(p("1.10.0") > p("1.9.0"));
        assert!(p("1.0.0") > p("1.0.0-beta"));
        assert_eq!(padded(&Value::Nil), "    0", "anything but a string or number reads as \"0\"");
        assert_eq!(padded(&Value::UInt(2)), "    2");
    }
}
