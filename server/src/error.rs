//! The command-line tool's errors, each with a stable code and an exit status.
//!
//! Bad input (a wrong argument, a missing or malformed data file) exits with 2 and a
//! message that names the file and the line, so the operator can fix the data without
//! reading our code; a failure on our side (writing the output, a core error while
//! encoding what we built) exits with 1.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why a command failed.
#[derive(Debug, Error)]
pub enum CliError {
    /// The command line is not one we understand.
    #[error("{0}\n\nRun `vitrine help` for usage.")]
    Usage(String),
    /// An input file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// A row of an input file is not what its format says.
    #[error("{}:{line}: {detail}", path.display())]
    Malformed {
        path: PathBuf,
        /// 1-based line of the file (the header is line 1).
        line: u64,
        detail: String,
    },
    /// A line of an event log (docs/FORMATS.md, "Events") that is not a valid event.
    #[error("{}:{line}: {source}", path.display())]
    Event {
        path: PathBuf,
        /// 1-based line of the file.
        line: u64,
        source: crate::events::EventError,
    },
    /// An A/B analysis that this input cannot give (an empty arm, an unknown variant, ...).
    #[error(transparent)]
    Ab(#[from] crate::ab::AbError),
    /// A snapshot file (a bundle) that the core refuses: bad input, with the core's code.
    #[error("{}: {source}", path.display())]
    Snapshot { path: PathBuf, source: vitrine::Error },
    /// An input file lacks a column its format requires.
    #[error("{}:1: the header has no column {column:?}", path.display())]
    MissingColumn { path: PathBuf, column: String },
    /// An event's time is not a time (or is before 1970, or too far in the future).
    #[error("{}:{line}: {detail}", path.display())]
    BadTimestamp { path: PathBuf, line: u64, detail: String },
    /// An event's type is none of the types the format defines.
    #[error("{}:{line}: unknown event type {found:?} (expected view, click, cart or purchase)", path.display())]
    UnknownEventType { path: PathBuf, line: u64, found: String },
    /// The input holds nothing to learn from or to evaluate (every row filtered out).
    #[error("{0}")]
    NoData(String),
    /// An output file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    /// The core refused something we built (a profile over its limits, a bundle it cannot
    /// load): a bug on our side, reported with the core's code.
    #[error("{what}: {source} ({})", source.code())]
    Core { what: String, source: vitrine::Error },
}

impl CliError {
    /// The stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Usage(_) => "E_USAGE",
            Self::Read { .. } => "E_READ",
            Self::Malformed { .. } => "E_MALFORMED_INPUT",
            Self::Event { source, .. } => source.code(),
            Self::Ab(e) => e.code(),
            Self::Snapshot { source, .. } => source.code(),
            Self::MissingColumn { .. } => "E_MISSING_COLUMN",
            Self::BadTimestamp { .. } => "E_BAD_TIMESTAMP",
            Self::UnknownEventType { .. } => "E_UNKNOWN_EVENT_TYPE",
            Self::NoData(_) => "E_NO_DATA",
            Self::Write { .. } => "E_WRITE",
            Self::Core { .. } => "E_CORE",
        }
    }

    /// The process exit status: 2 for bad input or usage, 1 for our own failures.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Usage(_)
            | Self::Read { .. }
            | Self::Malformed { .. }
            | Self::Event { .. }
            | Self::Ab(_)
            | Self::Snapshot { .. } => 2,
            Self::MissingColumn { .. }
            | Self::BadTimestamp { .. }
            | Self::UnknownEventType { .. }
            | Self::NoData(_) => 2,
            Self::Write { .. } | Self::Core { .. } => 1,
        }
    }

    /// A malformed row at `line` of `path`.
    pub fn malformed(path: &Path, line: u64, detail: impl Into<String>) -> Self {
        Self::Malformed { path: path.to_owned(), line, detail: detail.into() }
    }

    /// The core refused `what`.
    pub fn core(what: impl Into<String>, source: impl Into<vitrine::Error>) -> Self {
        Self::Core { what: what.into(), source: source.into() }
    }
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file next to it, then
/// renamed over it (a rename within one directory is atomic on POSIX), so a reader never
/// sees half a bundle and a failed run leaves no partial file behind.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let err = |source| CliError::Write { path: path.to_owned(), source };
    let name = path.file_name().ok_or_else(|| err(std::io::Error::other("not a file name")))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let written = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_exits_2_and_names_file_and_line() {
        let e = CliError::malformed(Path::new("x/products.csv"), 7, "product_id is empty");
        assert_eq!(e.exit_code(), 2);
        assert_eq!(e.code(), "E_MALFORMED_INPUT");
        assert_eq!(e.to_string(), "x/products.csv:7: product_id is empty");
        let w = CliError::Write { path: "out".into(), source: std::io::Error::other("disk full") };
        assert_eq!(w.exit_code(), 1);
        let t = CliError::BadTimestamp { path: "e.csv".into(), line: 3, detail: "x".into() };
        assert_eq!((t.code(), t.exit_code()), ("E_BAD_TIMESTAMP", 2));
    }

    #[test]
    fn writes_whole_files_and_leaves_nothing_on_failure() {
        let dir = crate::scratch_dir("write");
        let out = dir.join("b.msgpack");
        write_file(&out, b"one").unwrap();
        write_file(&out, b"two").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left");
        let missing = dir.join("no-such-dir").join("b.msgpack");
        assert_eq!(write_file(&missing, b"x").unwrap_err().code(), "E_WRITE");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
