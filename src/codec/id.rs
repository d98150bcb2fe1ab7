//! Ids (products, categories, customers) as they travel: a string, or an unsigned integer.
//!
//! Many shops number their products. Writing "49688" as the integer 49688 takes 3 bytes
//! instead of 6, which is what keeps a 20-view, 20-purchase profile under its 512-byte
//! budget. Readers accept both forms; the id is always the decimal string.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IdVisitor)
    }
}

struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = Id;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an id (a non-empty string or a non-negative integer)")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
        if v.is_empty() {
            return Err(E::invalid_value(de::Unexpected::Str(v), &self));
        }
        Ok(Id(v.to_owned()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
        Ok(Id(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
        u64::try_from(v)
            .map(|v| Id(v.to_string()))
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
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
    fn both_forms_read_back_as_the_same_id() {
        let as_int = rmp_serde::to_vec(&Id("49688".into())).unwrap();
        assert_eq!(as_int, [0xcd, 0xc2, 0x18]);
        let as_str = rmp_serde::to_vec(&"49688").unwrap();
        let a: Id = rmp_serde::from_slice(&as_int).unwrap();
        let b: Id = rmp_serde::from_slice(&as_str).unwrap();
        assert_eq!(a, b);
        assert!(rmp_serde::from_slice::<Id>(&rmp_serde::to_vec(&-3i64).unwrap()).is_err());
        assert!(rmp_serde::from_slice::<Id>(&rmp_serde::to_vec(&"").unwrap()).is_err());
        assert!(rmp_serde::from_slice::<Id>(&rmp_serde::to_vec(&1.5f64).unwrap()).is_err());
    }
}
