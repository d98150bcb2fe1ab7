//! MessagePack in and out: size limit, structural scan, kind and schema check, then serde.
//!
//! Every snapshot goes through [`decode`], so every snapshot gets the same guarantees: a
//! clear coded error for any bad input, and no allocation driven by a length the input
//! cannot back.

mod id;
mod packed;
mod scan;
pub mod value;

pub use id::Id;
pub use packed::{Packable, Packed};
pub(crate) use scan::HeaderKeys;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::SnapshotError;
use crate::limits::Limits;

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

/// Decodes one snapshot. Returns the value and the kind it declared.
pub(crate) fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    spec: &Spec,
    limits: &Limits,
) -> Result<(T, Option<String>), SnapshotError> {
    if bytes.len() > spec.max_bytes {
        return Err(SnapshotError::TooLarge {
            what: spec.what,
            len: bytes.len(),
            limit: spec.max_bytes,
        });
    }
    let header =
        scan::scan(bytes, spec.what, &spec.keys, limits.max_depth, limits.max_string_bytes)?;
    if spec.keys.kind.is_some() {
        let kind = header.kind.as_deref().unwrap_or("<missing>");
        if !spec.kinds.contains(&kind) {
            return Err(SnapshotError::WrongKind { expected: spec.what, found: kind.to_owned() });
        }
    }
    if header.schema != Some(spec.schema) {
        return Err(SnapshotError::SchemaUnsupported {
            what: spec.what,
            found: header.schema,
            supported: spec.schema,
        });
    }
    // Tracking the field path costs a fifth of the decode time, so it is done only to
    // explain a failure: decode plainly, and on error decode again to find where.
    match T::deserialize(&mut rmp_serde::Deserializer::from_read_ref(bytes)) {
        Ok(value) => Ok((value, header.kind)),
        Err(plain) => {
            let mut de = rmp_serde::Deserializer::from_read_ref(bytes);
            let (path, detail) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(e) => (e.path().to_string(), e.into_inner().to_string()),
                Ok(_) => (String::new(), plain.to_string()),
            };
            Err(SnapshotError::invalid(format!("{}{}", spec.what, path_suffix(&path)), detail))
        }
    }
}

fn path_suffix(path: &str) -> String {
    match path {
        "" | "." => String::new(),
        p if p.starts_with('[') => p.to_owned(),
        p => format!(".{p}"),
    }
}

/// Encodes a value as MessagePack with structs as maps of named fields.
pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing our own types into a Vec cannot fail: every map key is a string and
    // every sequence has a known length.
    rmp_serde::to_vec_named(value).unwrap_or_default()
}

#[doc(hidden)]
pub fn encode_for_tests<T: Serialize>(value: &T) -> Vec<u8> {
    encode(value)
}
