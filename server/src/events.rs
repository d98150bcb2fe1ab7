//! Exposure and conversion events: the one schema that `vitrine ab simulate` writes,
//! `vitrine ab analyze` reads, and the server's ingest will accept (docs/FORMATS.md,
//! "Events").
//!
//! JSON Lines: one object per line, `type` deciding its shape. Unknown keys are refused,
//! because a misspelt optional field (`"variationkey"`) would otherwise vanish without a
//! trace and the analysis would quietly run on less than the log holds. Reading is by
//! hand ([`de`]) so that every error names its key; the checks a type cannot carry
//! (non-empty ids, a finite non-negative order value, times a JavaScript writer can
//! represent) are in [`Event::check`], which reader and writer both apply.

mod de;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};
use thiserror::Error;

use crate::error::CliError;

/// The largest time accepted, in ms: 2⁵³ − 1, exact in JavaScript (docs/FORMATS.md).
pub const MAX_TIME: u64 = (1 << 53) - 1;

/// A slot was rendered with an experiment's variant: logged when the shopper can see it,
/// not when it was decided, so units are visitors who were actually treated.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exposure {
    /// ms since 1970.
    pub at: u64,
    pub visitor_id: String,
    /// The experiment's key.
    pub experiment: String,
    /// The variant's index: 0 is the control.
    pub variant: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variation_key: Option<String>,
    /// The decision's versions, so the exposure can be replayed.
    pub bundle_version: String,
    pub stock_epoch: u64,
    /// Required, `null` without a profile (a missing key is more likely a bug than intent).
    pub profile_version: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// Product ids shown, in slot order.
    pub items: Vec<String>,
}

/// A purchase.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversion {
    /// ms since 1970.
    pub at: u64,
    pub visitor_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// Order value in minor units (pence), ≥ 0; written as an integer when it is one.
    #[serde(serialize_with = "minor_units")]
    pub value: f64,
    /// Product ids bought.
    pub items: Vec<String>,
}

/// One line of an event log. `Deserialize` is implemented by hand in [`de`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Event {
    Exposure(Exposure),
    Conversion(Conversion),
}

/// Pence are whole numbers: `2599`, not serde_json's `2599.0`, when the value is one.
fn minor_units<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
    // Below 2⁵³ every whole f64 is an exact integer.
    if value.fract() == 0.0 && value.abs() <= MAX_TIME as f64 {
        s.serialize_i64(*value as i64)
    } else {
        s.serialize_f64(*value)
    }
}

/// Why an event was refused.
#[derive(Debug, Error, PartialEq)]
pub enum EventError {
    /// Not JSON, or not an object of either shape: a missing, unknown or mistyped key.
    #[error("{0}")]
    Malformed(String),
    /// An id that must name something is empty.
    #[error("{0} is empty")]
    EmptyField(&'static str),
    /// A time past [`MAX_TIME`].
    #[error("at: {0} is past 2^53 - 1 ms")]
    TimeOutOfRange(u64),
    /// An order value below zero (refunds are not conversions).
    #[error("value: {0} is negative")]
    NegativeValue(f64),
}

impl EventError {
    /// The stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) | Self::EmptyField(_) | Self::TimeOutOfRange(_) => "E_EVENT_MALFORMED",
            Self::NegativeValue(_) => "E_NEGATIVE_VALUE",
        }
    }
}

impl Event {
    /// Parses one line (without its line end) and checks it.
    pub fn parse(line: &str) -> Result<Event, EventError> {
        let event: Event = serde_json::from_str(line).map_err(|e| EventError::Malformed(json_message(&e)))?;
        event.check()?;
        Ok(event)
    }

    /// The checks the types cannot carry.
    pub fn check(&self) -> Result<(), EventError> {
        let (at, visitor) = match self {
            Event::Exposure(e) => (e.at, &e.visitor_id),
            Event::Conversion(c) => (c.at, &c.visitor_id),
        };
        if visitor.is_empty() {
            return Err(EventError::EmptyField("visitorId"));
        }
        if at > MAX_TIME {
            return Err(EventError::TimeOutOfRange(at));
        }
        match self {
            Event::Exposure(e) if e.experiment.is_empty() => Err(EventError::EmptyField("experiment")),
            // serde_json reads no NaN or infinity, but a value built in Rust may hold one.
            Event::Conversion(c) if c.value.is_nan() || c.value.is_infinite() => {
                Err(EventError::Malformed(format!("value: {} is not a finite number", c.value)))
            }
            Event::Conversion(c) if c.value < 0.0 => Err(EventError::NegativeValue(c.value)),
            _ => Ok(()),
        }
    }

    /// The event's time, ms.
    pub fn at(&self) -> u64 {
        match self {
            Event::Exposure(e) => e.at,
            Event::Conversion(c) => c.at,
        }
    }
}

/// serde_json's message without its "at line 1 column N" (the line is always 1 here;
/// the reader adds the file's own line), keeping the column, which helps in a long line.
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(message) => format!("{message} (column {})", e.column()),
        None => text,
    }
}

/// Reads an event log line by line (never the whole file at once); errors name the file
/// and the 1-based line. Blank lines are skipped.
pub struct EventReader<R> {
    path: PathBuf,
    input: R,
    line: u64,
    buffer: Vec<u8>,
}

impl EventReader<Box<dyn BufRead>> {
    /// Opens the log at `path`; `-` reads standard input, so a simulation can be piped
    /// into the analysis.
    pub fn open(path: &Path) -> Result<Self, CliError> {
        if path == Path::new("-") {
            return Ok(Self::new(Box::new(BufReader::new(io::stdin())), Path::new("<stdin>")));
        }
        let file = File::open(path).map_err(|source| CliError::Read { path: path.to_owned(), source })?;
        Ok(Self::new(Box::new(BufReader::new(file)), path))
    }
}

impl<R: BufRead> EventReader<R> {
    /// Reads from `input`, calling it `path` in errors.
    pub fn new(input: R, path: &Path) -> Self {
        EventReader { path: path.to_owned(), input, line: 0, buffer: Vec::new() }
    }

    /// The line of the event returned last.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The next event, or `None` at the end.
    pub fn next_event(&mut self) -> Result<Option<Event>, CliError> {
        loop {
            self.buffer.clear();
            let n = self
                .input
                .read_until(b'\n', &mut self.buffer)
                .map_err(|source| CliError::Read { path: self.path.clone(), source })?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            let at = |source| CliError::Event { path: self.path.clone(), line: self.line, source };
            let text = std::str::from_utf8(&self.buffer)
                .map_err(|_| at(EventError::Malformed("the line is not UTF-8".into())))?;
            let text = text.trim_end_matches(['\n', '\r']);
            if text.trim().is_empty() {
                continue;
            }
            return Event::parse(text).map(Some).map_err(at);
        }
    }
}

impl<R: BufRead> Iterator for EventReader<R> {
    type Item = Result<Event, CliError>;

    /// [`EventReader::next_event`], for `for event in reader`; stop at the first error.
    fn next(&mut self) -> Option<Self::Item> {
        self.next_event().transpose()
    }
}

/// Writes events as JSON Lines.
pub struct EventWriter<W: Write> {
    out: W,
}

impl<W: Write> EventWriter<W> {
    pub fn new(out: W) -> Self {
        EventWriter { out }
    }

    /// Writes one event and its line end, after [`Event::check`]: a writer that could
    /// produce a line the reader refuses would be a trap.
    pub fn write(&mut self, event: &Event) -> io::Result<()> {
        event.check().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        serde_json::to_writer(&mut self.out, event)?;
        self.out.write_all(b"\n")
    }

    /// Flushes and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPOSURE: &str = r#"{"type":"exposure","at":1732406400000,"visitorId":"v-1","experiment":"ranker-2","variant":1,"variationKey":"blend","bundleVersion":"b-7","stockEpoch":42,"profileVersion":null,"page":"product","items":["1001","1002"]}"#;
    const CONVERSION: &str =
        r#"{"type":"conversion","at":1732406500000,"visitorId":"v-1","orderId":"o-9","value":2599,"items":["1001"]}"#;

    fn read_all(text: &str) -> Result<Vec<Event>, CliError> {
        EventReader::new(text.as_bytes(), Path::new("log.jsonl")).collect()
    }

    #[test]
    fn both_shapes_round_trip_through_the_writer() {
        let events = read_all(&format!("{EXPOSURE}\n\n{CONVERSION}\r\n")).unwrap();
        let Event::Exposure(e) = &events[0] else { panic!("{events:?}") };
        assert_eq!((e.variant, e.variation_key.as_deref(), e.profile_version), (1, Some("blend"), None));
        let Event::Conversion(c) = &events[1] else { panic!("{events:?}") };
        assert_eq!((c.value, c.order_id.as_deref()), (2599.0, Some("o-9")));
        let mut w = EventWriter::new(Vec::new());
        events.iter().for_each(|e| w.write(e).unwrap());
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(text, format!("{EXPOSURE}\n{CONVERSION}\n"), "the writer writes the documented key order");
    }

    #[test]
    fn optional_keys_may_be_left_out() {
        let minimal = r#"{"type":"conversion","at":0,"visitorId":"v","value":0.5,"items":[]}"#;
        assert!(matches!(Event::parse(minimal), Ok(Event::Conversion(c)) if c.order_id.is_none()));
        let text = serde_json::to_string(&Event::parse(minimal).unwrap()).unwrap();
        assert!(!text.contains("orderId"), "{text}");
    }

    fn refused(line: &str) -> EventError {
        Event::parse(line).expect_err(line)
    }

    #[test]
    fn bad_lines_are_refused_with_a_reason() {
        let misspelt = EXPOSURE.replace("variationKey", "variationkey");
        assert!(
            refused(&misspelt).to_string().starts_with("unknown key `variationkey` (column "),
            "{}",
            refused(&misspelt)
        );
        let no_profile = EXPOSURE.replace(r#""profileVersion":null,"#, "");
        assert!(refused(&no_profile).to_string().starts_with("missing key `profileVersion`"));
        assert!(refused(r#"{"type":"click","at":1}"#).to_string().starts_with("unknown type \"click\""));
        assert!(refused(r#"{"at":1}"#).to_string().starts_with("missing key `type`"));
        let negative_variant = refused(&EXPOSURE.replace(r#""variant":1"#, r#""variant":-1"#)).to_string();
        assert!(
            negative_variant.starts_with("variant: invalid value: integer `-1`, expected u32 (column "),
            "{negative_variant}"
        );
        assert!(matches!(refused(&EXPOSURE.replace(r#""at":1732406400000"#, r#""at":1.5"#)), EventError::Malformed(_)));
        assert_eq!(
            refused(&EXPOSURE.replace(r#""visitorId":"v-1""#, r#""visitorId":"""#)),
            EventError::EmptyField("visitorId")
        );
        assert_eq!(refused(&EXPOSURE.replace("ranker-2", "")), EventError::EmptyField("experiment"));
        let negative = refused(&CONVERSION.replace("2599", "-1"));
        assert_eq!((negative.code(), negative.to_string()), ("E_NEGATIVE_VALUE", "value: -1 is negative".into()));
        assert_eq!(refused(&CONVERSION.replace("1732406500000", "9007199254740992")).code(), "E_EVENT_MALFORMED");
        assert!(refused("{not json").to_string().contains("(column 2)"), "{}", refused("{not json"));
    }

    #[test]
    fn reader_errors_name_file_and_line() {
        let e = read_all(&format!("{EXPOSURE}\n{}\n", CONVERSION.replace("2599", "-3"))).unwrap_err();
        assert_eq!(e.code(), "E_NEGATIVE_VALUE");
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().starts_with("log.jsonl:2: value: -3"), "{e}");
        let e = read_all("\n\n\u{0}x\n").unwrap_err();
        assert!(e.to_string().starts_with("log.jsonl:3: "), "{e}");
        let mut r = EventReader::new(&b"\xff\n"[..], Path::new("x"));
        assert!(r.next_event().unwrap_err().to_string().contains("x:1: the line is not UTF-8"));
    }

    #[test]
    fn the_writer_refuses_what_the_reader_would() {
        let Ok(Event::Conversion(mut c)) = Event::parse(CONVERSION) else { unreachable!() };
        c.value = f64::NAN;
        assert!(EventWriter::new(Vec::new()).write(&Event::Conversion(c)).is_err());
    }
}
