//! UTC days: the unit of the daily looks. Dates to day numbers and back with the
//! proleptic Gregorian calendar (the era arithmetic of Howard Hinnant's "chrono-compatible
//! low-level date algorithms"), and the timestamps of the Open Bandit logs.
//!
//! Hand-written because that is all the A/B side needs of a date library: a day number,
//! its `YYYY-MM-DD` label, and one timestamp layout.

/// ms in a day.
pub const DAY_MS: u64 = 86_400_000;

/// Days since 1970-01-01 of the date `y-m-d` (m 1..=12, d 1..=31, not checked here).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    // Years start in March, so the leap day ends the year; 400-year eras repeat exactly.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of day `z` since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The UTC day of a time in ms.
pub fn day_of(ms: u64) -> i64 {
    (ms / DAY_MS) as i64
}

/// `YYYY-MM-DD` of a day number.
pub fn label(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Parses `YYYY-MM-DD HH:MM:SS[.ffffff][+00:00|Z]` (a space or `T` between date and time,
/// as pandas writes UTC timestamps) to ms; `None` for anything else, including offsets
/// other than UTC, which the Open Bandit logs never carry.
pub fn parse_utc(text: &str) -> Option<u64> {
    let text = text.strip_suffix("+00:00").or_else(|| text.strip_suffix('Z')).unwrap_or(text);
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = text.get(r)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&mo) || d == 0 || d > month_days[mo as usize - 1] || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    let ms = match &text[19..] {
        "" => 0,
        frac => {
            let digits = frac.strip_prefix('.')?;
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            // Milliseconds: the first three digits, padded; finer digits are dropped.
            let first: String = digits.chars().chain("000".chars()).take(3).collect();
            first.parse::<u64>().ok()?
        }
    };
    let days = u64::try_from(days_from_civil(i64::from(y), mo, d)).ok()?;
    Some(days * DAY_MS + (u64::from(h) * 3600 + u64::from(mi) * 60 + u64::from(s)) * 1000 + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2019, 11, 24), 18_224);
        assert_eq!(label(18_224), "2019-11-24");
        assert_eq!(label(-1), "1969-12-31");
        assert_eq!(label(days_from_civil(2024, 2, 29)), "2024-02-29");
        for z in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn open_bandit_timestamps() {
        let ms = parse_utc("2019-11-24 00:00:34.762830+00:00").unwrap();
        assert_eq!(ms, 18_224 * DAY_MS + 34_762);
        assert_eq!(day_of(ms), 18_224);
        assert_eq!(parse_utc("2019-11-30T23:59:59Z"), Some(18_230 * DAY_MS + 86_399_000));
        assert_eq!(parse_utc("2019-11-24 00:00:00.5"), Some(18_224 * DAY_MS + 500));
        for bad in [
            "",
            "2019-11-24",
            "2019-13-01 00:00:00",
            "2019-02-29 00:00:00",
            "2019-11-24 24:00:00",
            "2019-11-24 00:00:00+01:00",
            "2019-11-24 00:00:00.",
            "2019-11-2x 00:00:00",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad:?}");
        }
    }
}
