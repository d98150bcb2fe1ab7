//! Numeric arrays that may travel packed.
//!
//! Edge lists and popularity hold hundreds of thousands of numbers. Written as MessagePack
//! arrays each number is its own value, which every reader must visit one by one; written
//! as a `bin` of little-endian 32-bit values they load as one copy. Readers accept both, so
//! a writer may stay simple (`[1, 2, 3]`) or be fast (`numpy.asarray(x, "<u4").tobytes()`).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 32-bit value that has a little-endian packed form.
pub trait Packable: Copy + for<'de> Deserialize<'de> {
    const NAME: &'static str;
    fn from_le(b: [u8; 4]) -> Self;
    fn to_le(self) -> [u8; 4];
}

impl Packable for u32 {
    const NAME: &'static str = "u32";
    fn from_le(b: [u8; 4]) -> Self {
        u32::from_le_bytes(b)
    }
    fn to_le(self) -> [u8; 4] {
        self.to_le_bytes()
    }
}

impl Packable for f32 {
    const NAME: &'static str = "f32";
    fn from_le(b: [u8; 4]) -> Self {
        f32::from_le_bytes(b)
    }
    fn to_le(self) -> [u8; 4] {
        self.to_le_bytes()
    }
}

/// A `Vec` that reads from an array of numbers or a packed little-endian `bin`, and
/// writes packed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Packed<T>(pub Vec<T>);

impl<T> From<Vec<T>> for Packed<T> {
    fn from(v: Vec<T>) -> Self {
        Packed(v)
    }
}

impl<T> std::ops::Deref for Packed<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Packed<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.0
    }
}

impl<'a, T> IntoIterator for &'a Packed<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: Packable> Serialize for Packed<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut bytes = Vec::with_capacity(self.0.len() * 4);
        for v in &self.0 {
            bytes.extend_from_slice(&v.to_le());
        }
        s.serialize_bytes(&bytes)
    }
}

impl<'de, T: Packable> Deserialize<'de> for Packed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PackedVisitor(PhantomData))
    }
}

struct PackedVisitor<T>(PhantomData<T>);

impl<'de, T: Packable> Visitor<'de> for PackedVisitor<T> {
    type Value = Packed<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an array of {0} or a bin of little-endian {0}", T::NAME)
    }

    fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<Packed<T>, E> {
        if b.len() % 4 != 0 {
            return Err(E::invalid_length(b.len(), &"a multiple of 4 bytes"));
        }
        Ok(Packed(b.chunks_exact(4).map(|c| T::from_le([c[0], c[1], c[2], c[3]])).collect()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Packed<T>, A::Error> {
        // The structural scan has checked the length against the input, so the hint is
        // safe to reserve.
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(x) = seq.next_element()? {
            v.push(x);
        }
        Ok(Packed(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_arrays_and_packed_bins_alike() {
        let packed = rmp_serde::to_vec(&Packed(vec![1u32, 70_000, 3])).unwrap();
        assert_eq!(packed[0], 0xc4, "written as bin8");
        let plain = rmp_serde::to_vec(&vec![1u32, 70_000, 3]).unwrap();
        let a: Packed<u32> = rmp_serde::from_slice(&packed).unwrap();
        let b: Packed<u32> = rmp_serde::from_slice(&plain).unwrap();
        assert_eq!(a, b);
        let f: Packed<f32> = rmp_serde::from_slice(&rmp_serde::to_vec(&vec![0.5f64, 1.0]).unwrap()).unwrap();
        assert_eq!(f.0, [0.5, 1.0]);
        assert!(rmp_serde::from_slice::<Packed<u32>>(&[0xc4, 3, 1, 2, 3]).is_err());
        assert!(rmp_serde::from_slice::<Packed<u32>>(&rmp_serde::to_vec(&vec![-1i32]).unwrap()).is_err());
    }
}
