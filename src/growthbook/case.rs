//! Letter case for the case-insensitive operators (`$ini`, `$nini`, `$alli`, `$regexi`).
//!
//! JavaScript's `toLowerCase` and the `i` flag use Unicode's full case tables, which weigh
//! 15 KB in wasm. The scripts a shop's attribute values are written in are covered here by
//! arithmetic instead: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic (the simple,
//! one-to-one mappings). Letters of other scripts compare exactly; the few letters whose
//! JavaScript mapping changes the length of the string (`İ`, `ŉ`) or crosses into ASCII
//! (`ı`, `ſ`) are left as they are, as JavaScript's regular expressions also leave them.

/// Pairs that alternate upper (even) and lower (odd) code points in these blocks, or the
/// other way round.
const EVEN_UPPER: &[(u32, u32)] = &[(0x100, 0x12f), (0x132, 0x137), (0x14a, 0x177), (0x460, 0x481), (0x48a, 0x4bf)];
const ODD_UPPER: &[(u32, u32)] = &[(0x139, 0x148), (0x179, 0x17e)];

fn shift(c: char, by: i32) -> char {
    char::from_u32((c as i32 + by) as u32).unwrap_or(c)
}

/// The lower-case form of `c` (itself when it has none here).
pub fn lower(c: char) -> char {
    let u = c as u32;
    match u {
        0x41..=0x5a | 0xc0..=0xde if u != 0xd7 => shift(c, 0x20),
        0x178 => '\u{ff}',
        0x386 => '\u{3ac}',
        0x388..=0x38a => shift(c, 0x25),
        0x38c => '\u{3cc}',
        0x38e | 0x38f => shift(c, 0x3f),
        0x391..=0x3a9 if u != 0x3a2 => shift(c, 0x20),
        0x400..=0x40f => shift(c, 0x50),
        0x410..=0x42f => shift(c, 0x20),
        _ => pair(c, true),
    }
}

/// The upper-case form of `c` (itself when it has none here).
pub fn upper(c: char) -> char {
    let u = c as u32;
    match u {
        0x61..=0x7a | 0xe0..=0xfe if u != 0xf7 => shift(c, -0x20),
        0xff => '\u{178}',
        0x3ac => '\u{386}',
        0x3ad..=0x3af => shift(c, -0x25),
        0x3cc => '\u{38c}',
        0x3cd | 0x3ce => shift(c, -0x3f),
        0x3c2 => '\u{3a3}',
        0x3b1..=0x3c9 => shift(c, -0x20),
        0x450..=0x45f => shift(c, -0x50),
        0x430..=0x44f => shift(c, -0x20),
        _ => pair(c, false),
    }
}

fn pair(c: char, to_lower: bool) -> char {
    let u = c as u32;
    for &(lo, hi) in EVEN_UPPER {
        if (lo..=hi).contains(&u) {
            let is_upper = u % 2 == 0;
            return if is_upper == to_lower { shift(c, if to_lower { 1 } else { -1 }) } else { c };
        }
    }
    for &(lo, hi) in ODD_UPPER {
        if (lo..=hi).contains(&u) {
            let is_upper = u % 2 == 1;
            return if is_upper == to_lower { shift(c, if to_lower { 1 } else { -1 }) } else { c };
        }
    }
    c
}

/// What two characters compare by when case does not matter (JavaScript's regular
/// expressions canonicalize to upper case).
pub fn fold(c: char) -> char {
    upper(c)
}

/// `s.toLowerCase()`, within the scripts above.
pub fn to_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars().map(lower).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_covered_scripts_both_ways() {
        for (u, l) in [
            ('A', 'a'),
            ('Ü', 'ü'),
            ('Ÿ', 'ÿ'),
            ('Ā', 'ā'),
            ('Ł', 'ł'),
            ('Ž', 'ž'),
            ('Σ', 'σ'),
            ('Ά', 'ά'),
            ('Ж', 'ж'),
            ('Ё', 'ё'),
            ('Ѡ', 'ѡ'),
        ] {
            assert_eq!((lower(u), upper(l)), (l, u), "{u} {l}");
        }
        assert_eq!(upper('ς'), 'Σ');
        for c in ['×', '÷', 'ĸ', 'ı', '1', '中'] {
            assert_eq!((lower(c), upper(c)), (c, c), "{c}");
        }
        assert_eq!(to_lower("ZÜRICH Straße"), "zürich straße");
    }

    #[test]
    fn agrees_with_std_within_the_covered_blocks() {
        // std's tables are the reference (the test build may use them; the engine does not).
        for u in (0x41..0x250).chain(0x370..0x400).chain(0x400..0x4c0) {
            let Some(c) = char::from_u32(u) else { continue };
            let std_lower: Vec<char> = c.to_lowercase().collect();
            if std_lower.len() == 1 && lower(c) != c {
                assert_eq!(lower(c), std_lower[0], "lower U+{u:04X}");
            }
            let std_upper: Vec<char> = c.to_uppercase().collect();
            if std_upper.len() == 1 && upper(c) != c {
                assert_eq!(upper(c), std_upper[0], "upper U+{u:04X}");
            }
        }
    }
}
