//! CSV tables read by column name, row by row, with errors that name the file and line.
//!
//! Adapters ask for the columns they need by header name, so a file with extra or
//! reordered columns still reads, and a file missing one fails on line 1 saying which.
//! Parsing follows RFC 4180 (the `csv` crate): quoted fields may hold commas and doubled
//! quotes, as Instacart's product names do, and newlines. Every byte read also goes into
//! a running FNV-1a digest, so a build can name its bundle after its input without a
//! second pass.
//!
//! Line numbers are counted here rather than taken from the `csv` crate, whose
//! `Position::line` is one short on every record of a CRLF file (BurntSushi/rust-csv#395;
//! the Instacart order lines are CRLF): the reader notes where each newline byte is, and
//! a record's line is one plus the newlines before its first byte.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use csv::{ReaderBuilder, StringRecord};

use crate::error::CliError;

/// FNV-1a, 64 bits: tiny, dependency-free, and stable across platforms and releases
/// (std's hasher is not), which a version string needs.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// A reader that hashes what passes through it and notes where its newlines are.
struct Tap<R> {
    inner: R,
    digest: Fnv,
    /// Bytes read so far.
    offset: u64,
    /// Offsets of the newline bytes read but not yet counted by [`Table::line_at`]: at
    /// most one read buffer's worth (the `csv` reader's 8 KiB).
    newlines: VecDeque<u64>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.digest.write(&buf[..n]);
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' {
                self.newlines.push_back(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// An open CSV file and the positions of the columns asked for.
pub struct Table {
    path: PathBuf,
    reader: csv::Reader<Tap<File>>,
    /// Newlines before the last byte offset asked of [`Table::line_at`].
    lines: u64,
    /// Position of each column asked for; `None` for an optional column the file lacks.
    columns: Vec<Option<usize>>,
    names: Vec<&'static str>,
    record: StringRecord,
    delimiter: u8,
}

/// One row: its fields by the position of their name in [`Table::open`]'s list.
pub struct Row<'a> {
    path: &'a Path,
    line: u64,
    record: &'a StringRecord,
    columns: &'a [Option<usize>],
    names: &'a [&'static str],
    bytes: u64,
}

impl Table {
    /// Opens `path` and finds each of `columns` in its header.
    pub fn open(path: &Path, columns: &'static [&'static str]) -> Result<Table, CliError> {
        Table::open_with(path, columns, &[], b',')
    }

    /// Opens `path` (fields separated by `delimiter`) and finds each of `required` in its
    /// header, and each of `optional` if it is there. Columns are numbered in that order:
    /// `required` first, then `optional`.
    pub fn open_with(
        path: &Path,
        required: &[&'static str],
        optional: &[&'static str],
        delimiter: u8,
    ) -> Result<Table, CliError> {
        let file = File::open(path).map_err(|source| CliError::Read { path: path.to_owned(), source })?;
        let tap = Tap { inner: file, digest: Fnv::default(), offset: 0, newlines: VecDeque::new() };
        let mut reader = ReaderBuilder::new().has_headers(true).delimiter(delimiter).from_reader(tap);
        let header = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(csv_error(path, e, 1)),
        };
        let find = |name: &str| header.iter().position(|h| h.trim() == name);
        let mut columns = Vec::with_capacity(required.len() + optional.len());
        for &name in required {
            let at =
                find(name).ok_or_else(|| CliError::MissingColumn { path: path.to_owned(), column: name.into() })?;
            columns.push(Some(at));
        }
        columns.extend(optional.iter().map(|&name| find(name)));
        Ok(Table {
            path: path.to_owned(),
            reader,
            lines: 0,
            columns,
            names: required.iter().chain(optional).copied().collect(),
            record: StringRecord::new(),
            delimiter,
        })
    }

    /// The field separator.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// True when column `k` is in the file (always, for a required one).
    pub fn has(&self, k: usize) -> bool {
        self.columns.get(k).is_some_and(Option::is_some)
    }

    /// The 1-based line of the record that starts at byte `offset`. Offsets must come in
    /// increasing order (rows are read in order). A record of a CRLF file starts at the
    /// `\n` left over from the previous record's terminator, so a newline at the offset
    /// itself counts as before it.
    fn line_at(&mut self, offset: u64) -> u64 {
        let newlines = &mut self.reader.get_mut().newlines;
        while newlines.front().is_some_and(|&nl| nl <= offset) {
            newlines.pop_front();
            self.lines += 1;
        }
        1 + self.lines
    }

    /// The next row, or `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>, CliError> {
        let more = match self.reader.read_record(&mut self.record) {
            Ok(more) => more,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.byte());
                let line = self.line_at(line);
                return Err(csv_error(&self.path, e, line));
            }
        };
        if !more {
            return Ok(None);
        }
        let line = self.line_at(self.record.position().map_or(0, |p| p.byte()));
        let bytes = self.reader.get_ref().offset;
        Ok(Some(Row {
            path: &self.path,
            line,
            record: &self.record,
            columns: &self.columns,
            names: &self.names,
            bytes,
        }))
    }

    /// Bytes of the file read so far (a buffer ahead of the current row).
    pub fn bytes_read(&self) -> u64 {
        self.reader.get_ref().offset
    }

    /// The digest of the bytes read so far (all of the file once `next_row` gave `None`).
    pub fn digest(&self) -> Fnv {
        self.reader.get_ref().digest
    }
}

impl Row<'_> {
    /// 1-based line where the row starts.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The text of column `k` (an index into the names given to [`Table::open`]); empty
    /// for an optional column the file lacks.
    pub fn text(&self, k: usize) -> &str {
        // The csv reader refuses rows whose length differs from the header's, so every
        // column found in the header exists in every row.
        self.columns[k].and_then(|c| self.record.get(c)).unwrap_or("")
    }

    /// Bytes of the file read when this row was (the reader's buffer runs ahead of it).
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The name of column `k`.
    pub fn name(&self, k: usize) -> &'static str {
        self.names[k]
    }

    /// Column `k` as a whole number; pandas writes integers as "12.0" next to a missing
    /// value, so a zero fraction is accepted.
    pub fn whole(&self, k: usize) -> Result<u64, CliError> {
        self.optional_whole(k)?.ok_or_else(|| self.error(format!("column {} is empty", self.names[k])))
    }

    /// As [`Row::whole`], with an empty field meaning `None`.
    pub fn optional_whole(&self, k: usize) -> Result<Option<u64>, CliError> {
        let text = self.text(k);
        if text.is_empty() {
            return Ok(None);
        }
        parse_whole(text)
            .map(Some)
            .ok_or_else(|| self.error(format!("column {}: {text:?} is not a whole number", self.names[k])))
    }

    /// Column `k` as a whole number in `0..=max`.
    pub fn whole_at_most(&self, k: usize, max: u64) -> Result<u64, CliError> {
        let n = self.whole(k)?;
        if n > max {
            return Err(self.error(format!("column {}: {n} is over {max}", self.names[k])));
        }
        Ok(n)
    }

    /// An error about this row.
    pub fn error(&self, detail: impl Into<String>) -> CliError {
        CliError::malformed(self.path, self.line, detail)
    }
}

/// "12", "12.0" or "12." as 12; anything else (signs, exponents, a non-zero fraction,
/// more than u64) as `None`.
pub fn parse_whole(text: &str) -> Option<u64> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b == b'0') {
        return None;
    }
    int.parse().ok()
}

/// A `csv` error, at `line`, as ours.
fn csv_error(path: &Path, e: csv::Error, line: u64) -> CliError {
    match e.into_kind() {
        csv::ErrorKind::Io(source) => CliError::Read { path: path.to_owned(), source },
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            CliError::malformed(path, line, format!("the row has {len} fields where the header has {expected_len}"))
        }
        csv::ErrorKind::Utf8 { .. } => CliError::malformed(path, line, "the row is not UTF-8"),
        other => CliError::malformed(path, line, format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_as_pandas_writes_them() {
        assert_eq!(parse_whole("12"), Some(12));
        assert_eq!(parse_whole("12.0"), Some(12));
        assert_eq!(parse_whole("0.00"), Some(0));
        assert_eq!(parse_whole("12."), Some(12));
        for bad in ["", ".0", "1.5", "-1", "+1", "1e3", " 1", "x", "99999999999999999999"] {
            assert_eq!(parse_whole(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn fnv_is_the_reference_function() {
        let mut h = Fnv::default();
        h.write(b"a");
        assert_eq!(h.0, 0xaf63_dc4c_8601_ec8c);
    }
}
