//! Numeric arrays that may travel packed.
//!
//! Edge lists and popularity hold hundreds of thousands of numbers. Written as MessagePack
//! arrays each number is its own value, which every reader must visit one by one; written
//! as a `bin` of little-endian 32-bit values they load as one copy. Readers accept both
//! ([`super::Reader::packed`]), so a writer may stay simple (`[1, 2, 3]`) or be fast
//! (`numpy.asarray(x, "<u4").tobytes()`). [`Packed`] always writes the packed form.

use serde::{Serialize, Serializer};

use super::path::Path;
use super::pull::Reader;
use crate::error::SnapshotError;

/// A 32-bit value that has a little-endian packed form.
pub trait Packable: Copy {
    /// What an error says was expected.
    const EXPECTED: &'static str;
    fn from_le(b: [u8; 4]) -> Self;
    fn to_le(self) -> [u8; 4];
    /// One element of the unpacked (array) form.
    fn read(r: &mut Reader, p: &Path) -> Result<Self, SnapshotError>;
}

impl Packable for u32 {
    const EXPECTED: &'static str = "an array of u32 or a bin of little-endian u32";
    fn from_le(b: [u8; 4]) -> Self {
        u32::from_le_bytes(b)
    }
    fn to_le(self) -> [u8; 4] {
        self.to_le_bytes()
    }
    fn read(r: &mut Reader, p: &Path) -> Result<Self, SnapshotError> {
        r.uint(p, u64::from(u32::MAX)).map(|n| n as u32)
    }
}

impl Packable for f32 {
    const EXPECTED: &'static str = "an array of numbers or a bin of little-endian f32";
    fn from_le(b: [u8; 4]) -> Self {
        f32::from_le_bytes(b)
    }
    fn to_le(self) -> [u8; 4] {
        self.to_le_bytes()
    }
    fn read(r: &mut Reader, p: &Path) -> Result<Self, SnapshotError> {
        r.f64(p).map(|x| x as f32)
    }
}

/// A `Vec` that is written as a packed little-endian `bin`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_bin_that_reads_back() {
        let bytes = rmp_serde::to_vec(&Packed(vec![1u32, 70_000, 3])).unwrap();
        assert_eq!(bytes[0], 0xc4, "written as bin8");
        let got = Reader::new(&bytes, "x").packed::<u32>(&Path::root("x")).unwrap();
        assert_eq!(got, [1, 70_000, 3]);
    }
}
