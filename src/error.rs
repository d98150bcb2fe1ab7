//! Errors, one enum per area, each variant with a stable `code()`.
//!
//! Callers (JavaScript, the server, tests) branch on the code, never on the message:
//! messages may improve, codes may not change. `docs/FORMATS.md` lists every code.

use thiserror::Error;

use crate::growthbook::number::JsNumber;

/// A snapshot (catalogue bundle, profile, stock) could not be read.
///
/// Nothing is changed when this is returned: every snapshot is decoded and validated in
/// full before any state is touched.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SnapshotError {
    /// The input is longer than the configured limit for its kind.
    #[error("{what} is {len} bytes, over the limit of {limit}")]
    TooLarge { what: &'static str, len: usize, limit: usize },
    /// The bytes end in the middle of a value.
    #[error("{what} ends early: truncated at byte {offset}")]
    Truncated { what: &'static str, offset: usize },
    /// The bytes are not well-formed MessagePack, or there is something after the value.
    #[error("{what} is not valid MessagePack at byte {offset}: {detail}")]
    Malformed { what: &'static str, offset: usize, detail: &'static str },
    /// Containers nest deeper than the limit (a guard against stack exhaustion).
    #[error("{what} nests deeper than {limit} levels")]
    TooDeep { what: &'static str, limit: usize },
    /// The snapshot says it is of another kind (a profile given where a bundle is expected).
    #[error("expected a {expected} snapshot, found kind {found:?}")]
    WrongKind { expected: &'static str, found: String },
    /// The `schema` version is missing or not one this build reads.
    #[error("{what} schema {} is not supported (this build reads schema {supported})", found.map_or("(missing)".to_owned(), |v| v.to_string()))]
    SchemaUnsupported { what: &'static str, found: Option<u64>, supported: u64 },
    /// A field has the wrong type or an invalid value; `path` names it (`products[3].price`).
    #[error("{path}: {detail}")]
    InvalidField { path: String, detail: String },
    /// Two entries share an id that must be unique.
    #[error("{path}: duplicate id {id:?}")]
    DuplicateId { path: String, id: String },
    /// A reference to an id that the snapshot does not define.
    #[error("{path}: unknown id {id:?}")]
    UnknownReference { path: String, id: String },
    /// An index into `products` beyond its end.
    #[error("{path}: index {index} is out of range (there are {len} products)")]
    IndexOutOfRange { path: String, index: u64, len: usize },
    /// Parallel arrays that must have the same length do not.
    #[error("{path}: lengths differ ({left} and {right})")]
    LengthMismatch { path: String, left: usize, right: usize },
    /// A number that is NaN, infinite, negative or out of its range.
    #[error("{path}: {} is not allowed here ({rule})", JsNumber(*value))]
    InvalidNumber { path: String, value: f64, rule: &'static str },
    /// A collection larger than the configured limit.
    #[error("{what}: {count} entries, over the limit of {limit}")]
    LimitExceeded { what: String, count: usize, limit: usize },
    /// The category tree has a cycle through this category.
    #[error("categories: the parent chain of {id:?} loops")]
    CategoryCycle { id: String },
    /// A ranking weight name that the engine does not know.
    #[error("{path}: unknown ranking weight {name:?}")]
    UnknownWeight { path: String, name: String },
}

impl SnapshotError {
    /// The stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "E_TOO_LARGE",
            Self::Truncated { .. } => "E_TRUNCATED",
            Self::Malformed { .. } => "E_MALFORMED",
            Self::TooDeep { .. } => "E_TOO_DEEP",
            Self::WrongKind { .. } => "E_WRONG_KIND",
            Self::SchemaUnsupported { .. } => "E_SCHEMA_UNSUPPORTED",
            Self::InvalidField { .. } => "E_INVALID_FIELD",
            Self::DuplicateId { .. } => "E_DUPLICATE_ID",
            Self::UnknownReference { .. } => "E_UNKNOWN_REFERENCE",
            Self::IndexOutOfRange { .. } => "E_INDEX_OUT_OF_RANGE",
            Self::LengthMismatch { .. } => "E_LENGTH_MISMATCH",
            Self::InvalidNumber { .. } => "E_INVALID_NUMBER",
            Self::LimitExceeded { .. } => "E_LIMIT_EXCEEDED",
            Self::CategoryCycle { .. } => "E_CATEGORY_CYCLE",
            Self::UnknownWeight { .. } => "E_UNKNOWN_WEIGHT",
        }
    }

    pub(crate) fn invalid(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::InvalidField { path: path.into(), detail: detail.into() }
    }

    pub(crate) fn number(path: impl Into<String>, value: f64, rule: &'static str) -> Self {
        Self::InvalidNumber { path: path.into(), value, rule }
    }
}

/// A rank request that cannot be answered as asked.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RequestError {
    /// A field of the request has the wrong type or an invalid value.
    #[error("{path}: {detail}")]
    InvalidRequest { path: String, detail: String },
    /// A number that is NaN, infinite, negative or out of its range.
    #[error("{path}: {} is not allowed here ({rule})", JsNumber(*value))]
    InvalidNumber { path: String, value: f64, rule: &'static str },
    /// A ranking weight override names a feature the engine does not have.
    #[error("request.weights: unknown ranking weight {name:?}")]
    UnknownWeight { name: String },
    /// The profile snapshot given with the request could not be read.
    #[error("request profile: {0}")]
    Profile(SnapshotError),
}

impl RequestError {
    /// The stable code for this error; a bad profile keeps its snapshot code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest { .. } => "E_INVALID_REQUEST",
            Self::InvalidNumber { .. } => "E_INVALID_NUMBER",
            Self::UnknownWeight { .. } => "E_UNKNOWN_WEIGHT",
            Self::Profile(e) => e.code(),
        }
    }
}

/// Any error the core returns.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Error {
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl Error {
    /// The stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Snapshot(e) => e.code(),
            Self::Request(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_prefixed_and_distinct_per_cause() {
        let samples = [
            SnapshotError::TooLarge { what: "bundle", len: 2, limit: 1 },
            SnapshotError::Truncated { what: "bundle", offset: 0 },
            SnapshotError::Malformed { what: "bundle", offset: 0, detail: "x" },
            SnapshotError::TooDeep { what: "bundle", limit: 1 },
            SnapshotError::WrongKind { expected: "bundle", found: "stock".into() },
            SnapshotError::SchemaUnsupported { what: "bundle", found: None, supported: 1 },
            SnapshotError::invalid("a", "b"),
            SnapshotError::DuplicateId { path: "a".into(), id: "b".into() },
            SnapshotError::UnknownReference { path: "a".into(), id: "b".into() },
            SnapshotError::IndexOutOfRange { path: "a".into(), index: 1, len: 0 },
            SnapshotError::LengthMismatch { path: "a".into(), left: 1, right: 2 },
            SnapshotError::number("a", f64::NAN, "finite"),
            SnapshotError::LimitExceeded { what: "a".into(), count: 2, limit: 1 },
            SnapshotError::CategoryCycle { id: "a".into() },
            SnapshotError::UnknownWeight { path: "a".into(), name: "b".into() },
        ];
        let mut codes: Vec<_> = samples.iter().map(|e| e.code()).collect();
        assert!(codes.iter().all(|c| c.starts_with("E_")));
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), samples.len());
        let wrapped = RequestError::Profile(SnapshotError::Truncated { what: "profile", offset: 3 });
        assert_eq!(Error::from(wrapped).code(), "E_TRUNCATED");
    }
}
