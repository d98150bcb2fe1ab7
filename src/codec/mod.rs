//! MessagePack in and out. Reading: size limit, kind and schema check, then the format's
//! own reader walks the bytes once with a [`Reader`], which checks every length against
//! the bytes that remain before it reserves anything. Writing: rmp-serde, structs as maps
//! with named fields.
//!
//! Every snapshot goes through [`read`], so every snapshot gets the same guarantees: a
//! clear coded error for any bad input, and no allocation driven by a length the input
//! cannot back.

mod id;
mod packed;
pub mod path;
pub mod pull;
pub mod value;

pub use id::Id;
pub use packed::{Packable, Packed};
pub use path::Path;
pub use pull::{need, Header, Reader};
pub use value::Value;

use serde::Serialize;

use crate::error::SnapshotError;
use crate::limits::Limits;

/// Which top-level keys carry the schema version and the kind.
pub(crate) struct HeaderKeys {
    pub schema: &'static str,
    pub kind: Option<&'static str>,
}

/// What a decoder expects of its input.
pub(crate) struct Spec {
    /// Name used in error messages ("bundle", "profile", "stock").
    pub what: &'static str,
    pub keys: HeaderKeys,
    /// Accepted values of the kind key (empty when the format has no kind key).
    pub kinds: &'static [&'static str],
    /// The schema version this build reads.
    pub schema: u64,
    pub max_bytes: usize,
}

/// Reads one snapshot with `f` after checking its size, kind and schema, and checks that
/// `f` read all of it. Returns what `f` read and the kind the snapshot declared.
pub(crate) fn read<'a, T>(
    bytes: &'a [u8],
    spec: &Spec,
    limits: &Limits,
    f: impl FnOnce(&mut Reader<'a>) -> Result<T, SnapshotError>,
) -> Result<(T, Option<String>), SnapshotError> {
    if bytes.len() > spec.max_bytes {
        return Err(SnapshotError::TooLarge { what: spec.what, len: bytes.len(), limit: spec.max_bytes });
    }
    let mut r = Reader::with_limits(bytes, spec.what, limits.max_string_bytes, limits.max_depth);
    let header = r.header(spec.keys.schema, spec.keys.kind)?;
    if spec.keys.kind.is_some() {
        let kind = header.kind.as_deref().unwrap_or("<missing>");
        if !spec.kinds.contains(&kind) {
            return Err(SnapshotError::WrongKind { expected: spec.what, found: kind.to_owned() });
        }
    }
    if header.schema != Some(spec.schema) {
        return Err(SnapshotError::SchemaUnsupported { what: spec.what, found: header.schema, supported: spec.schema });
    }
    let value = f(&mut r)?;
    r.finish()?;
    Ok((value, header.kind))
}

/// Encodes a value as MessagePack with structs as maps of named fields.
pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing our own types into a Vec cannot fail: every map key is a string and
    // every sequence has a known length.
    rmp_serde::to_vec_named(value).unwrap_or_default()
}
