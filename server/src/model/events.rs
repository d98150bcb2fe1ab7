//! The generic event format: any shop's history as one event per line, in JSON lines or
//! CSV, read as a stream (nothing is held but the line being read).
//!
//! An event is a visit (or visitor) key, an item, an event type, a time, and optionally
//! a value (the price shown or paid) and a cohort (a region, a segment) for per-cohort
//! popularity. The format is documented in `docs/FORMATS.md` ("Event history"). The
//! dataset adapters ([`super::yoochoose`], [`super::diginetica`]) produce the same
//! [`Event`]s from their own files, so everything downstream is shared.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::table::Table;
use crate::error::CliError;

/// What the shopper did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Looked at a product page (or clicked a product).
    View,
    /// Put it in the cart.
    Cart,
    /// Bought it.
    Purchase,
}

impl Kind {
    /// The type names of the format: `view` (or `click`), `cart`, `purchase`.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "view" | "click" => Some(Kind::View),
            "cart" => Some(Kind::Cart),
            "purchase" => Some(Kind::Purchase),
            _ => None,
        }
    }
}

/// One event, borrowed from the line it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<'a> {
    /// The visit, or the visitor (whose events are then cut into visits at gaps).
    pub session: &'a str,
    pub item: &'a str,
    pub kind: Kind,
    /// ms since 1970-01-01T00:00:00Z.
    pub time: u64,
    /// The price shown or paid, in minor units.
    pub value: Option<f64>,
    pub cohort: Option<&'a str>,
}

/// Latest time accepted: 2^53-1 ms, the largest a JavaScript number holds exactly (the
/// same bound as the bundle's times).
pub const MAX_TIME_MS: u64 = (1 << 53) - 1;

/// Where an event came from, for errors: the file and the 1-based line.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub path: &'a Path,
    pub line: u64,
}

impl At<'_> {
    pub fn malformed(&self, detail: impl Into<String>) -> CliError {
        CliError::malformed(self.path, self.line, detail)
    }

    pub fn bad_time(&self, detail: impl Into<String>) -> CliError {
        CliError::BadTimestamp { path: self.path.to_owned(), line: self.line, detail: detail.into() }
    }

    pub fn kind(&self, text: &str) -> Result<Kind, CliError> {
        Kind::parse(text).ok_or_else(|| CliError::UnknownEventType {
            path: self.path.to_owned(),
            line: self.line,
            found: text.into(),
        })
    }
}

/// Receives events as they are read, with how many bytes of the file were read so far
/// (for a progress bar); its error stops the reading.
pub type Sink<'s> = dyn FnMut(&Event<'_>, u64) -> Result<(), CliError> + 's;

/// How the file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    JsonLines,
    /// CSV with a header, fields separated by this byte (`,`, or a tab for `.tsv`).
    Csv(u8),
}

/// The layout of `path`: by its extension (`.jsonl`/`.ndjson`, `.csv`, `.tsv`), else
/// JSON lines when the first non-blank byte is `{`, else CSV.
pub fn layout(path: &Path) -> Result<Layout, CliError> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("jsonl" | "ndjson") => return Ok(Layout::JsonLines),
        Some("csv") => return Ok(Layout::Csv(b',')),
        Some("tsv") => return Ok(Layout::Csv(b'\t')),
        _ => {}
    }
    let mut head = [0u8; 256];
    let mut f = File::open(path).map_err(|source| CliError::Read { path: path.to_owned(), source })?;
    let n = f.read(&mut head).map_err(|source| CliError::Read { path: path.to_owned(), source })?;
    let first = head[..n].iter().find(|b| !b.is_ascii_whitespace());
    Ok(if first == Some(&b'{') { Layout::JsonLines } else { Layout::Csv(b',') })
}

/// Reads every event of `path` into `sink`, in file order; returns the number read.
pub fn read(path: &Path, sink: &mut Sink<'_>) -> Result<u64, CliError> {
    match layout(path)? {
        Layout::JsonLines => read_json_lines(path, sink),
        Layout::Csv(delimiter) => read_csv(path, delimiter, sink),
    }
}

/// Columns of the CSV form: the first four are required.
const REQUIRED: &[&str] = &["session", "item", "type", "time"];
const OPTIONAL: &[&str] = &["value", "cohort"];

fn read_csv(path: &Path, delimiter: u8, sink: &mut Sink<'_>) -> Result<u64, CliError> {
    let mut t = Table::open_with(path, REQUIRED, OPTIONAL, delimiter)?;
    let mut n = 0;
    while let Some(row) = t.next_row()? {
        let at = At { path, line: row.line() };
        let (session, item) = (row.text(0), row.text(1));
        for (k, v) in [(0, session), (1, item)] {
            if v.is_empty() {
                return Err(at.malformed(format!("column {} is empty", row.name(k))));
            }
        }
        let kind = at.kind(row.text(2))?;
        let time = parse_time(row.text(3)).map_err(|d| at.bad_time(d))?;
        let value = match row.text(4) {
            "" => None,
            v => Some(parse_value(v).ok_or_else(|| at.malformed(format!("column value: {v:?} is not a number >= 0")))?),
        };
        let cohort = Some(row.text(5)).filter(|c| !c.is_empty());
        sink(&Event { session, item, kind, time, value, cohort }, row.bytes_read())?;
        n += 1;
    }
    Ok(n)
}

fn parse_value(v: &str) -> Option<f64> {
    v.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0)
}

/// A JSON event line. Ids may be strings or non-negative integers, as in the bundle.
/// Other keys are skipped: event logs carry fields of their own (a user agent, a page).
#[derive(Deserialize)]
struct JsonEvent<'a> {
    #[serde(borrow)]
    session: IdField<'a>,
    #[serde(borrow)]
    item: IdField<'a>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    time: TimeField<'a>,
    #[serde(default)]
    value: Option<f64>,
    #[serde(default, borrow)]
    cohort: Option<Cow<'a, str>>,
}

/// A string or a non-negative integer, as text.
struct IdField<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for IdField<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IdField<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a non-negative integer")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(IdField(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(IdField(Cow::Owned(v.to_owned())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(IdField(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

/// A time: ms since 1970 as a number, or RFC 3339 text; checked by [`parse_time`].
enum TimeField<'a> {
    Ms(f64),
    Text(Cow<'a, str>),
}

impl<'de: 'a, 'a> Deserialize<'de> for TimeField<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TimeField<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("ms since 1970 or an RFC 3339 time")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(TimeField::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TimeField::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(TimeField::Ms(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(TimeField::Ms(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(TimeField::Ms(v))
            }
        }
        d.deserialize_any(V)
    }
}

fn read_json_lines(path: &Path, sink: &mut Sink<'_>) -> Result<u64, CliError> {
    let file = File::open(path).map_err(|source| CliError::Read { path: path.to_owned(), source })?;
    // 1 MiB: whole disk blocks per read; a line is rarely longer than 200 bytes.
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut line = String::new();
    let (mut n, mut line_no, mut bytes) = (0, 0, 0u64);
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => CliError::malformed(path, line_no + 1, "the line is not UTF-8"),
            _ => CliError::Read { path: path.to_owned(), source: e },
        })?;
        if read == 0 {
            return Ok(n);
        }
        line_no += 1;
        bytes += read as u64;
        let at = At { path, line: line_no };
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let e: JsonEvent = serde_json::from_str(text).map_err(|e| at.malformed(json_detail(&e)))?;
        for (name, v) in [("session", &e.session.0), ("item", &e.item.0)] {
            if v.is_empty() {
                return Err(at.malformed(format!("{name} is empty")));
            }
        }
        let kind = at.kind(&e.kind)?;
        let time = match &e.time {
            TimeField::Ms(ms) => ms_from_number(*ms),
            TimeField::Text(t) => parse_time(t),
        }
        .map_err(|d| at.bad_time(d))?;
        if let Some(v) = e.value {
            if !(v.is_finite() && v >= 0.0) {
                return Err(at.malformed(format!("value {v} is not a number >= 0")));
            }
        }
        let cohort = e.cohort.as_deref().filter(|c| !c.is_empty());
        sink(&Event { session: &e.session.0, item: &e.item.0, kind, time, value: e.value, cohort }, bytes)?;
        n += 1;
    }
}

/// serde_json's message without its "at line 1 column 9" (the line is ours).
fn json_detail(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(at) => format!("{} (column {})", &msg[..at], e.column()),
        None => msg,
    }
}

fn ms_from_number(ms: f64) -> Result<u64, String> {
    if ms.is_finite() && ms >= 0.0 && ms.fract() == 0.0 && ms <= MAX_TIME_MS as f64 {
        Ok(ms as u64)
    } else {
        Err(format!("time {ms} is not whole ms between 1970 and 2^53-1 ms"))
    }
}

/// A time as the format writes it: whole ms since 1970 (`1700000000000`), or RFC 3339
/// (`2016-05-09T10:00:00Z`, `2016-05-09T10:00:00.250+02:00`; a space may stand for `T`).
pub fn parse_time(text: &str) -> Result<u64, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u64>() {
            Ok(ms) if ms <= MAX_TIME_MS => Ok(ms),
            _ => Err(format!("time {text:?} is beyond 2^53-1 ms")),
        };
    }
    rfc3339(text).ok_or_else(|| format!("time {text:?} is neither ms since 1970 nor an RFC 3339 time"))
}

fn digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u64, |n, &b| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.fff](Z|±HH:MM)` to ms since 1970, if valid and not before it.
fn rfc3339(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (h, mi, s) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    let mut rest = &b[19..];
    let mut ms = 0;
    if rest.first() == Some(&b'.') {
        let end = rest[1..].iter().position(|c| !c.is_ascii_digit()).map_or(rest.len(), |p| p + 1);
        let frac = &rest[1..end];
        if frac.is_empty() {
            return None;
        }
        // Milliseconds: the first three digits, padded.
        ms = frac.iter().chain([b'0', b'0', b'0'].iter()).take(3).fold(0, |n, &c| n * 10 + u64::from(c - b'0'));
        rest = &rest[end..];
    }
    let offset_min: i64 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
            let oh = digits(&[*oh1, *oh2])? as i64;
            let om = digits(&[*om1, *om2])? as i64;
            if oh > 23 || om > 59 {
                return None;
            }
            if *sign == b'+' {
                oh * 60 + om
            } else {
                -(oh * 60 + om)
            }
        }
        _ => return None,
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&mo) || d == 0 || d > month_days[mo as usize - 1] || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(y as i64, mo as i64, d as i64);
    let secs = days * 86_400 + (h * 3600 + mi * 60 + s) as i64 - offset_min * 60;
    let total = secs.checked_mul(1000)?.checked_add(ms as i64)?;
    u64::try_from(total).ok().filter(|&t| t <= MAX_TIME_MS)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_both_forms() {
        assert_eq!(parse_time("0"), Ok(0));
        assert_eq!(parse_time("1700000000000"), Ok(1_700_000_000_000));
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_time("2016-05-09T10:00:00Z"), Ok(1_462_788_000_000));
        assert_eq!(parse_time("2016-05-09 12:00:00.25+02:00"), Ok(1_462_788_000_250));
        assert_eq!(parse_time("2024-02-29T00:00:00.123456Z"), Ok(1_709_164_800_123));
        for bad in [
            "",
            "-5",
            "1.5",
            "yesterday",
            "2016-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2016-05-09T10:00:00",
            "1969-12-31T23:59:59Z",
            "2016-05-09T25:00:00Z",
            "99999999999999999999",
        ] {
            assert!(parse_time(bad).is_err(), "{bad:?}");
        }
        assert_eq!(ms_from_number(12.0), Ok(12));
        assert!(ms_from_number(-1.0).is_err() && ms_from_number(0.5).is_err() && ms_from_number(f64::NAN).is_err());
    }

    #[test]
    fn kinds() {
        assert_eq!(Kind::parse("click"), Some(Kind::View));
        assert_eq!(Kind::parse("purchase"), Some(Kind::Purchase));
        assert_eq!(Kind::parse("Purchase"), None);
    }

    /// An event, owned: (session, item, kind, time, value, cohort).
    type Owned = (String, String, Kind, u64, Option<f64>, Option<String>);

    fn collect(name: &str, text: &str) -> Result<Vec<Owned>, CliError> {
        let dir = crate::scratch_dir("events");
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let mut out = Vec::new();
        let r = read(&path, &mut |e, _| {
            out.push((e.session.into(), e.item.into(), e.kind, e.time, e.value, e.cohort.map(Into::into)));
            Ok(())
        });
        let _ = std::fs::remove_file(&path);
        r.map(|n| {
            assert_eq!(n as usize, out.len());
            out
        })
    }

    #[test]
    fn csv_and_json_lines_read_the_same_events() {
        let csv = "session,time,item,type,value\ns1,1000,p1,view,\ns1,2016-05-09T10:00:00Z,p2,purchase,250\n";
        let json = "{\"session\":\"s1\",\"item\":\"p1\",\"type\":\"view\",\"time\":1000}\n\n\
                    {\"session\":\"s1\",\"item\":\"p2\",\"type\":\"purchase\",\"time\":\"2016-05-09T10:00:00Z\",\"value\":250}\n";
        let a = collect("a.csv", csv).unwrap();
        let b = collect("b.jsonl", json).unwrap();
        assert_eq!(a, b);
        assert_eq!(a[1], ("s1".into(), "p2".into(), Kind::Purchase, 1_462_788_000_000, Some(250.0), None));
        let ids = collect("c.jsonl", "{\"session\":7,\"item\":49688,\"type\":\"cart\",\"time\":5,\"cohort\":\"uk\"}")
            .unwrap();
        assert_eq!(ids[0].0, "7");
        assert_eq!(ids[0].5.as_deref(), Some("uk"));
    }

    #[test]
    fn bad_events_are_coded_and_name_the_line() {
        let case = |name: &str, text: &str| collect(name, text).unwrap_err();
        let e = case("m.csv", "session,item,time\ns,i,1\n");
        assert_eq!(e.code(), "E_MISSING_COLUMN");
        assert!(e.to_string().contains("no column \"type\""), "{e}");
        let e = case("t.csv", "session,item,type,time\ns,i,view,1\ns,i,view,noon\n");
        assert_eq!(e.code(), "E_BAD_TIMESTAMP");
        assert!(e.to_string().contains("t.csv:3:"), "{e}");
        let e = case("k.jsonl", "{\"session\":\"s\",\"item\":\"i\",\"type\":\"like\",\"time\":1}\n");
        assert_eq!(e.code(), "E_UNKNOWN_EVENT_TYPE");
        assert!(e.to_string().contains("k.jsonl:1:") && e.to_string().contains("\"like\""), "{e}");
        let e = case("j.jsonl", "{\"session\":\"s\",\"type\":\"view\",\"time\":1}\n");
        assert_eq!(e.code(), "E_MALFORMED_INPUT");
        assert!(e.to_string().contains("missing field `item`"), "{e}");
        let e = case("f.jsonl", "{\"session\":\"s\",\"item\":\"i\",\"type\":\"view\",\"time\":-3}\n");
        assert_eq!(e.code(), "E_BAD_TIMESTAMP");
        let e = case("v.csv", "session,item,type,time,value\ns,i,view,1,-2\n");
        assert_eq!(e.code(), "E_MALFORMED_INPUT");
        let e = case("e.csv", "session,item,type,time\n,i,view,1\n");
        assert!(e.to_string().contains("session is empty"), "{e}");
    }
}
