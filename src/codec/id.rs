//! Ids (products, categories, customers) as they travel: a string, or an unsigned integer.
//!
//! Many shops number their products. Writing "49688" as the integer 49688 takes 3 bytes
//! instead of 6, which is what keeps a 20-view, 20-purchase profile under its 512-byte
//! budget. Readers accept both forms ([`super::read::id`]); the id is always the
//! decimal string.

use serde::{Serialize, Serializer};

/// An id read from a snapshot: a string, or a non-negative integer meaning its decimal form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Id(pub String);

impl Id {
    /// The integer this id stands for when written in the compact form: digits only, no
    /// leading zero, and within u64.
    pub fn as_compact(&self) -> Option<u64> {
        compact(&self.0)
    }
}

pub(crate) fn compact(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 20 || (b.len() > 1 && b[0] == b'0') {
        return None;
    }
    if !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.parse().ok()
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.as_compact() {
            Some(n) => s.serialize_u64(n),
            None => s.serialize_str(&self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_form_only_for_canonical_decimals() {
        assert_eq!(compact("49688"), Some(49688));
        assert_eq!(compact("0"), Some(0));
        assert_eq!(compact("007"), None);
        assert_eq!(compact("p12"), None);
        assert_eq!(compact(""), None);
        assert_eq!(compact("18446744073709551616"), None);
    }

    #[test]
    fn numeric_ids_are_written_as_integers() {
        assert_eq!(rmp_serde::to_vec(&Id("49688".into())).unwrap(), [0xcd, 0xc2, 0x18]);
        assert_eq!(rmp_serde::to_vec(&Id("p1".into())).unwrap(), [0xa2, b'p', b'1']);
    }
}
