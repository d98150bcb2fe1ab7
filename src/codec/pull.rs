//! A pull reader over MessagePack bytes: one pass, no intermediate tree, strings and
//! binary borrowed from the input.
//!
//! Reading is what every request pays for (the profile, the request itself) and what a
//! page pays once for the bundle, so the formats are read by hand with this reader instead
//! of through serde's generic `Deserialize` machinery, which instantiated a large decoder
//! per struct and field type (half the wasm module) and allocated a tree per value. Writing
//! stays with rmp-serde. Every read names its [`Path`] in errors.

use std::borrow::Cow;

use super::path::Path;
use super::value::Value;
use crate::error::SnapshotError;

type R<T> = Result<T, SnapshotError>;

/// Most elements reserved up front for a list. A length is checked against the bytes left
/// (one per element), but an element may take 200 bytes in memory: reserving for a claimed
/// length let 12 MB of input ask for 2 GB and trap the wasm module. Beyond this the vector
/// grows as elements actually arrive.
const MAX_RESERVE: usize = 4096;

/// A cursor over one MessagePack document.
pub struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    what: &'static str,
    max_string: usize,
    max_depth: usize,
}

/// The `schema` and `kind` entries of a document's top-level map.
#[derive(Debug, Default, PartialEq)]
pub struct Header {
    pub schema: Option<u64>,
    pub kind: Option<String>,
}

/// What a marker byte starts, for "expected X, found Y" errors.
fn kind(m: u8) -> &'static str {
    match m {
        0x00..=0x7f | 0xcc..=0xd3 | 0xe0..=0xff => "an integer",
        0x80..=0x8f | 0xde | 0xdf => "a map",
        0x90..=0x9f | 0xdc | 0xdd => "an array",
        0xa0..=0xbf | 0xd9..=0xdb => "a string",
        0xc0 => "nil",
        0xc2 | 0xc3 => "a boolean",
        0xc4..=0xc6 => "binary data",
        0xca | 0xcb => "a float",
        0xc7..=0xc9 | 0xd4..=0xd8 => "an unsupported value",
        0xc1 => "an invalid marker",
    }
}

/// A number as read, before the caller's range rules.
enum Num {
    U(u64),
    I(i64),
    F(f64),
}

impl<'a> Reader<'a> {
    /// A reader at the start of `b`; `what` names the document in truncation errors.
    /// Strings and nesting get the default limits.
    pub fn new(b: &'a [u8], what: &'static str) -> Reader<'a> {
        let d = crate::Limits::default();
        Reader { b, pos: 0, what, max_string: d.max_string_bytes, max_depth: d.max_depth }
    }

    /// A reader refusing strings over `max_string` bytes and values nested deeper than
    /// `max_depth`.
    pub fn with_limits(b: &'a [u8], what: &'static str, max_string: usize, max_depth: usize) -> Reader<'a> {
        Reader { b, pos: 0, what, max_string, max_depth }
    }

    /// Finds the `schema` and `kind` keys of the top-level map, wherever they are, without
    /// moving the reader: so a document of another kind or schema is named as such instead
    /// of failing on some missing field. Writers put them first, so this reads a few bytes.
    pub fn header(&self, schema_key: &str, kind_key: Option<&str>) -> R<Header> {
        let mut r = Reader { pos: self.pos, ..*self };
        let p = Path::root(self.what);
        let mut h = Header::default();
        if !matches!(r.peek()?, 0x80..=0x8f | 0xde | 0xdf) {
            return Err(SnapshotError::invalid(self.what, "the top level must be a map"));
        }
        let n = r.map_len(&p)?;
        for _ in 0..n {
            if h.schema.is_some() && (kind_key.is_none() || h.kind.is_some()) {
                break;
            }
            let key = if matches!(r.peek()?, 0xa0..=0xbf | 0xd9..=0xdb) {
                Some(r.str(&p)?)
            } else {
                r.skip().map(|_| None)?
            };
            match key {
                Some(k) if k == schema_key => {
                    h.schema = if matches!(r.peek()?, 0x00..=0x7f | 0xcc..=0xcf) {
                        Some(r.uint(&p, u64::MAX)?)
                    } else {
                        r.skip().map(|_| None)?
                    }
                }
                Some(k) if Some(k) == kind_key => {
                    h.kind = Some(match r.peek()? {
                        0xa0..=0xbf | 0xd9..=0xdb => r.string(&p)?,
                        _ => r.skip().map(|_| "<not a string>".to_owned())?,
                    })
                }
                _ => r.skip()?,
            }
        }
        Ok(h)
    }

    /// Fails unless every byte has been read.
    pub fn finish(&self) -> R<()> {
        if !self.at_end() {
            return Err(SnapshotError::Malformed {
                what: self.what,
                offset: self.pos,
                detail: "bytes after the end of the value",
            });
        }
        Ok(())
    }

    /// True when every byte has been read.
    pub fn at_end(&self) -> bool {
        self.pos == self.b.len()
    }

    fn truncated(&self) -> SnapshotError {
        SnapshotError::Truncated { what: self.what, offset: self.b.len() }
    }

    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len()).ok_or_else(|| self.truncated())?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn be(&mut self, n: usize) -> R<u64> {
        Ok(self.take(n)?.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
    }

    fn peek(&self) -> R<u8> {
        self.b.get(self.pos).copied().ok_or_else(|| self.truncated())
    }

    /// An "expected `what`, found <the next value's kind>" error at `p`.
    pub fn expected(&self, p: &Path, what: &str) -> SnapshotError {
        let found = self.b.get(self.pos).map_or("the end of the input", |&m| kind(m));
        p.expected(what, found)
    }

    /// Consumes a nil if one is next; true if it did. Optional fields treat nil as absent.
    pub fn nil(&mut self) -> R<bool> {
        if self.peek()? == 0xc0 {
            self.pos += 1;
            return Ok(true);
        }
        Ok(false)
    }

    /// Reads with `f` unless a nil is next.
    pub fn opt<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<Option<T>> {
        if self.nil()? {
            return Ok(None);
        }
        f(self).map(Some)
    }

    #[inline(never)]
    pub fn bool(&mut self, p: &Path) -> R<bool> {
        match self.peek()? {
            0xc2 => {
                self.pos += 1;
                Ok(false)
            }
            0xc3 => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(self.expected(p, "a boolean")),
        }
    }

    fn num(&mut self, p: &Path, what: &str) -> R<Num> {
        let m = self.peek()?;
        let n = match m {
            0x00..=0x7f => Num::U(u64::from(m)),
            0xe0..=0xff => Num::I(i64::from(m as i8)),
            0xcc..=0xcf => {
                self.pos += 1;
                return Ok(Num::U(self.be(1 << (m - 0xcc))?));
            }
            0xd0..=0xd3 => {
                self.pos += 1;
                let n = 1 << (m - 0xd0);
                let raw = self.be(n)?;
                let shift = 64 - 8 * n as u32;
                return Ok(Num::I(((raw << shift) as i64) >> shift));
            }
            0xca => {
                self.pos += 1;
                return Ok(Num::F(f64::from(f32::from_bits(self.be(4)? as u32))));
            }
            0xcb => {
                self.pos += 1;
                return Ok(Num::F(f64::from_bits(self.be(8)?)));
            }
            _ => return Err(self.expected(p, what)),
        };
        self.pos += 1;
        Ok(n)
    }

    /// Any finite number, as an f64.
    // Not inlined (nor `uint`, `string`, `bool`): the readers call these from hundreds of
    // places, each copy costs wasm bytes, and a call is nothing next to the read itself.
    #[inline(never)]
    pub fn f64(&mut self, p: &Path) -> R<f64> {
        let x = match self.num(p, "a number")? {
            Num::U(n) => n as f64,
            Num::I(n) => n as f64,
            Num::F(f) => f,
        };
        if !x.is_finite() {
            return Err(p.number(x, "a finite number"));
        }
        Ok(x)
    }

    /// A non-negative integer up to `max`. An integral float counts (JavaScript has no
    /// integers, and some writers store 3 as 3.0).
    #[inline(never)]
    pub fn uint(&mut self, p: &Path, max: u64) -> R<u64> {
        let n = match self.num(p, "an integer")? {
            Num::U(n) => n,
            Num::I(n) if n >= 0 => n as u64,
            Num::I(n) => return Err(p.number(n as f64, "an integer >= 0")),
            Num::F(f) if f >= 0.0 && f.fract() == 0.0 && f < 18_446_744_073_709_551_616.0 => f as u64,
            Num::F(f) => return Err(p.number(f, "an integer >= 0")),
        };
        if n > max {
            return Err(p.number(n as f64, "too large"));
        }
        Ok(n)
    }

    /// A signed integer within `i64`.
    pub fn int(&mut self, p: &Path) -> R<i64> {
        match self.num(p, "an integer")? {
            Num::U(n) => i64::try_from(n).map_err(|_| p.number(n as f64, "within 64-bit range")),
            Num::I(n) => Ok(n),
            Num::F(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(f as i64),
            Num::F(f) => Err(p.number(f, "an integer")),
        }
    }

    fn str_len(&mut self) -> R<Option<usize>> {
        let m = self.peek()?;
        let len = match m {
            0xa0..=0xbf => {
                self.pos += 1;
                usize::from(m & 0x1f)
            }
            0xd9..=0xdb => {
                self.pos += 1;
                self.be(1 << (m - 0xd9))? as usize
            }
            _ => return Ok(None),
        };
        if len > self.max_string {
            return Err(SnapshotError::LimitExceeded {
                what: format!("{}: string at byte {}", self.what, self.pos),
                count: len,
                limit: self.max_string,
            });
        }
        Ok(Some(len))
    }

    /// A string, borrowed from the input.
    pub fn str(&mut self, p: &Path) -> R<&'a str> {
        let Some(len) = self.str_len()? else {
            return Err(self.expected(p, "a string"));
        };
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes).map_err(|_| SnapshotError::invalid(p.render(), "a string is not valid UTF-8"))
    }

    /// An owned string.
    #[inline(never)]
    pub fn string(&mut self, p: &Path) -> R<String> {
        self.str(p).map(str::to_owned)
    }

    /// An id: a non-empty string, or a non-negative integer standing for its decimal form.
    pub fn id(&mut self, p: &Path) -> R<Cow<'a, str>> {
        let m = self.peek()?;
        if matches!(m, 0x00..=0x7f | 0xcc..=0xd3 | 0xe0..=0xff) {
            return self.uint(p, u64::MAX).map(|n| Cow::Owned(n.to_string()));
        }
        match self.str_len()? {
            Some(len) if len > 0 => {
                let bytes = self.take(len)?;
                let s = std::str::from_utf8(bytes)
                    .map_err(|_| SnapshotError::invalid(p.render(), "a string is not valid UTF-8"))?;
                Ok(Cow::Borrowed(s))
            }
            Some(_) => Err(SnapshotError::invalid(p.render(), "an id is empty")),
            None => Err(self.expected(p, "an id (a non-empty string or an integer >= 0)")),
        }
    }

    /// An owned id.
    pub fn id_string(&mut self, p: &Path) -> R<String> {
        self.id(p).map(Cow::into_owned)
    }

    /// True when binary data is next.
    pub fn is_bin(&self) -> R<bool> {
        Ok(matches!(self.peek()?, 0xc4..=0xc6))
    }

    /// Binary data, borrowed from the input.
    pub fn bin(&mut self, p: &Path) -> R<&'a [u8]> {
        let m = self.peek()?;
        if !(0xc4..=0xc6).contains(&m) {
            return Err(self.expected(p, "binary data"));
        }
        self.pos += 1;
        let len = self.be(1 << (m - 0xc4))? as usize;
        self.take(len)
    }

    /// The length of an array that follows.
    pub fn array_len(&mut self, p: &Path) -> R<usize> {
        let m = self.peek()?;
        let len = match m {
            0x90..=0x9f => {
                self.pos += 1;
                usize::from(m & 0x0f)
            }
            0xdc | 0xdd => {
                self.pos += 1;
                self.be(2 << (m - 0xdc))? as usize
            }
            _ => return Err(self.expected(p, "an array")),
        };
        // Each element takes at least a byte: a longer claim is truncated input, refused
        // before anything is reserved for it.
        if len > self.b.len() - self.pos {
            return Err(self.truncated());
        }
        Ok(len)
    }

    /// The number of entries of a map that follows.
    pub fn map_len(&mut self, p: &Path) -> R<usize> {
        let m = self.peek()?;
        let len = match m {
            0x80..=0x8f => {
                self.pos += 1;
                usize::from(m & 0x0f)
            }
            0xde | 0xdf => {
                self.pos += 1;
                self.be(2 << (m - 0xde))? as usize
            }
            _ => return Err(self.expected(p, "a map")),
        };
        if len.saturating_mul(2) > self.b.len() - self.pos {
            return Err(self.truncated());
        }
        Ok(len)
    }

    /// Reads an array, each element with `f`.
    pub fn list<T>(&mut self, p: &Path, mut f: impl FnMut(&mut Self, &Path) -> R<T>) -> R<Vec<T>> {
        let n = self.array_len(p)?;
        let mut out = Vec::with_capacity(n.min(MAX_RESERVE));
        for i in 0..n {
            out.push(f(self, &p.index(i))?);
        }
        Ok(out)
    }

    /// Walks a map with string keys, calling `f` with each key and the reader at its value.
    /// `f` returns false for a key it does not know: with `strict` that is an error (for
    /// inputs where a misspelt option must fail loudly), otherwise the value is skipped.
    pub fn fields(&mut self, p: &Path, strict: bool, mut f: impl FnMut(&'a str, &mut Self) -> R<bool>) -> R<()> {
        let n = self.map_len(p)?;
        for _ in 0..n {
            if !matches!(self.peek()?, 0xa0..=0xbf | 0xd9..=0xdb) {
                return Err(SnapshotError::invalid(p.render(), "map keys must be strings"));
            }
            let key = self.str(p)?;
            if !f(key, self)? {
                if strict {
                    return Err(SnapshotError::invalid(p.render(), format!("unknown field {key:?}")));
                }
                self.skip()?;
            }
        }
        Ok(())
    }

    /// Skips one value of any kind.
    pub fn skip(&mut self) -> R<()> {
        // Values still to skip; containers add their items. Iterative, so nesting costs no
        // stack.
        let mut left: u64 = 1;
        while left > 0 {
            left -= 1;
            let m = self.peek()?;
            self.pos += 1;
            let (data, items): (u64, u64) = match m {
                0x00..=0x7f | 0xc0 | 0xc2 | 0xc3 | 0xe0..=0xff => (0, 0),
                0x80..=0x8f => (0, 2 * u64::from(m & 0x0f)),
                0x90..=0x9f => (0, u64::from(m & 0x0f)),
                0xa0..=0xbf => (u64::from(m & 0x1f), 0),
                0xc4..=0xc6 => (self.be(1 << (m - 0xc4))?, 0),
                0xc7..=0xc9 => (self.be(1 << (m - 0xc7))? + 1, 0),
                0xca => (4, 0),
                0xcb => (8, 0),
                0xcc..=0xcf => (1 << (m - 0xcc), 0),
                0xd0..=0xd3 => (1 << (m - 0xd0), 0),
                0xd4..=0xd8 => (1 + (1 << (m - 0xd4)), 0),
                0xd9..=0xdb => (self.be(1 << (m - 0xd9))?, 0),
                0xdc | 0xdd => (0, self.be(2 << (m - 0xdc))?),
                0xde | 0xdf => (0, 2 * self.be(2 << (m - 0xde))?),
                0xc1 => {
                    return Err(SnapshotError::Malformed {
                        what: self.what,
                        offset: self.pos - 1,
                        detail: "reserved marker 0xc1",
                    })
                }
            };
            self.take(usize::try_from(data).unwrap_or(usize::MAX))?;
            left = left.saturating_add(items);
        }
        Ok(())
    }

    /// Reads any value as a tree, at most `depth` levels deep (and never deeper than the
    /// reader's depth limit).
    pub fn value(&mut self, depth: usize) -> R<Value<'a>> {
        let limit = depth.min(self.max_depth);
        self.value_at(limit).map_err(|e| match e {
            SnapshotError::TooDeep { what, .. } => SnapshotError::TooDeep { what, limit },
            e => e,
        })
    }

    fn value_at(&mut self, depth: usize) -> R<Value<'a>> {
        let p = Path::root(self.what);
        let m = self.peek()?;
        Ok(match m {
            0xc0 => {
                self.pos += 1;
                Value::Nil
            }
            0xc2 | 0xc3 => Value::Bool(self.bool(&p)?),
            0x00..=0x7f | 0xcc..=0xd3 | 0xe0..=0xff | 0xca | 0xcb => match self.num(&p, "a number")? {
                Num::U(n) => Value::UInt(n),
                Num::I(n) if n >= 0 => Value::UInt(n as u64),
                Num::I(n) => Value::Int(n),
                Num::F(f) => Value::Float(f),
            },
            0xa0..=0xbf | 0xd9..=0xdb => Value::Str(Cow::Borrowed(self.str(&p)?)),
            0xc4..=0xc6 => Value::Bin(Cow::Borrowed(self.bin(&p)?)),
            0xc7..=0xc9 | 0xd4..=0xd8 => {
                self.pos += 1;
                let len = match m {
                    0xc7..=0xc9 => self.be(1 << (m - 0xc7))? as usize,
                    _ => 1 << (m - 0xd4),
                };
                let tag = self.take(1)?[0] as i8;
                Value::Ext(tag, Cow::Borrowed(self.take(len)?))
            }
            _ if depth == 0 => return Err(SnapshotError::TooDeep { what: self.what, limit: 0 }),
            0x90..=0x9f | 0xdc | 0xdd => {
                let n = self.array_len(&p)?;
                let mut items = Vec::with_capacity(n.min(MAX_RESERVE));
                for _ in 0..n {
                    items.push(self.value_at(depth - 1)?);
                }
                Value::Array(items)
            }
            0x80..=0x8f | 0xde | 0xdf => {
                let n = self.map_len(&p)?;
                let mut entries = Vec::with_capacity(n.min(MAX_RESERVE));
                for _ in 0..n {
                    let k = self.value_at(depth - 1)?;
                    entries.push((k, self.value_at(depth - 1)?));
                }
                Value::Map(entries)
            }
            0xc1 => {
                return Err(SnapshotError::Malformed {
                    what: self.what,
                    offset: self.pos,
                    detail: "reserved marker 0xc1",
                })
            }
        })
    }

    /// Numbers from an array of numbers or a packed little-endian `bin`.
    pub fn packed<T: super::Packable>(&mut self, p: &Path) -> R<Vec<T>> {
        if matches!(self.peek()?, 0xc4..=0xc6) {
            let b = self.bin(p)?;
            if b.len() % 4 != 0 {
                return Err(SnapshotError::invalid(p.render(), "packed data is not a multiple of 4 bytes"));
            }
            return Ok(b.chunks_exact(4).map(|c| T::from_le([c[0], c[1], c[2], c[3]])).collect());
        }
        if !matches!(self.peek()?, 0x90..=0x9f | 0xdc | 0xdd) {
            return Err(self.expected(p, T::EXPECTED));
        }
        self.list(p, |r, p| T::read(r, p))
    }
}

/// Reads a required field that a [`Reader::fields`] walk left as `None`.
pub fn need<T>(v: Option<T>, p: &Path, key: &str) -> R<T> {
    v.ok_or_else(|| SnapshotError::invalid(p.key(key).render(), "missing"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(b: &[u8]) -> Reader<'_> {
        Reader::new(b, "t")
    }

    #[test]
    fn numbers_are_checked_for_kind_sign_and_range() {
        let p = Path::root("x");
        assert_eq!(r(&[0x07]).uint(&p, 10), Ok(7));
        assert_eq!(r(&[0xcd, 0x01, 0x00]).uint(&p, 1000), Ok(256));
        assert_eq!(r(&[0xcb, 0x40, 0x1c, 0, 0, 0, 0, 0, 0]).uint(&p, 10), Ok(7));
        assert_eq!(r(&[0xcb, 0x40, 0x1e, 0, 0, 0, 0, 0, 0]).uint(&p, 10).unwrap_err().code(), "E_INVALID_NUMBER");
        assert_eq!(r(&[0xff]).uint(&p, 10).unwrap_err().code(), "E_INVALID_NUMBER");
        assert_eq!(r(&[0x0b]).uint(&p, 10).unwrap_err().code(), "E_INVALID_NUMBER");
        assert_eq!(r(&[0xa1, b'7']).uint(&p, 10).unwrap_err().code(), "E_INVALID_FIELD");
        let nan = [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0];
        assert_eq!(r(&nan).f64(&p).unwrap_err().code(), "E_INVALID_NUMBER");
        assert_eq!(r(&[0xd0, 0xfd]).int(&p), Ok(-3));
        assert_eq!(r(&[0xd1, 0xff, 0xfe]).int(&p), Ok(-2));
        assert_eq!(r(&[0xcc]).uint(&p, 10).unwrap_err().code(), "E_TRUNCATED");
    }

    #[test]
    fn ids_accept_strings_and_non_negative_integers() {
        let p = Path::root("x");
        assert_eq!(r(&[0xa2, b'p', b'1']).id(&p).unwrap(), "p1");
        assert_eq!(r(&[0xcd, 0xc2, 0x18]).id(&p).unwrap(), "49688");
        assert_eq!(r(&[0xd1, 0x00, 0x07]).id(&p).unwrap(), "7", "a signed encoding of a positive id");
        assert_eq!(r(&[0xff]).id(&p).unwrap_err().code(), "E_INVALID_NUMBER");
        assert!(r(&[0xa0]).id(&p).is_err());
        assert!(r(&[0xca, 0x3f, 0xc0, 0, 0]).id(&p).is_err());
        assert_eq!(r(&[0xa2, 0xff, 0xfe]).str(&p).unwrap_err().code(), "E_INVALID_FIELD");
    }

    #[test]
    fn fields_refuse_unknown_keys_when_strict() {
        // {"limit": 3, "limt": 4}
        let b = [0x82, 0xa5, b'l', b'i', b'm', b'i', b't', 0x03, 0xa4, b'l', b'i', b'm', b't', 0x04];
        let p = Path::root("context");
        let mut limit = None;
        let e = r(&b)
            .fields(&p, true, |k, r| {
                if k == "limit" {
                    limit = Some(r.uint(&p, 10)?);
                    return Ok(true);
                }
                Ok(false)
            })
            .unwrap_err();
        assert!(e.to_string().contains("unknown field \"limt\""), "{e}");
        let mut rd = r(&b);
        rd.fields(&p, false, |_, _| Ok(false)).unwrap();
        assert!(rd.at_end(), "unknown values are skipped");
        assert_eq!(need::<u8>(None, &p, "page").unwrap_err().to_string(), "context.page: missing");
    }

    #[test]
    fn skip_and_value_walk_every_kind() {
        // [nil, true, -1, 1.5f32, "s", bin[1], [1], {"a": 2}, ext8(1 byte, tag 5)]
        let b = [
            0x99, 0xc0, 0xc3, 0xff, 0xca, 0x3f, 0xc0, 0, 0, 0xa1, b's', 0xc4, 1, 9, 0x91, 1, 0x81, 0xa1, b'a', 2, 0xc7,
            1, 5, 7,
        ];
        let mut rd = r(&b);
        rd.skip().unwrap();
        assert!(rd.at_end());
        let v = r(&b).value(4).unwrap();
        let Value::Array(items) = v else { panic!("array") };
        assert_eq!(items[2], Value::Int(-1));
        assert_eq!(items[3], Value::Float(1.5));
        assert_eq!(items[8], Value::Ext(5, Cow::Borrowed(&[7u8][..])));
        assert_eq!(r(&[0x91, 0x91, 0x01]).value(1).unwrap_err().code(), "E_TOO_DEEP");
        let long = [0xa3, b'a', b'b', b'c'];
        let e = Reader::with_limits(&long, "t", 2, 4).str(&Path::root("x")).unwrap_err();
        assert_eq!(e.code(), "E_LIMIT_EXCEEDED");
        assert_eq!(r(&[0xdd, 0xff, 0xff, 0xff, 0xff]).array_len(&Path::root("x")).unwrap_err().code(), "E_TRUNCATED");
    }

    #[test]
    fn header_finds_kind_and_schema_anywhere_in_the_top_map() {
        // {"a": [1, {"schema": 9}], "schema": 2, "kind": "stock"}
        let b = [
            0x83, 0xa1, b'a', 0x92, 0x01, 0x81, 0xa6, b's', b'c', b'h', b'e', b'm', b'a', 0x09, 0xa6, b's', b'c', b'h',
            b'e', b'm', b'a', 0x02, 0xa4, b'k', b'i', b'n', b'd', 0xa5, b's', b't', b'o', b'c', b'k',
        ];
        let h = r(&b).header("schema", Some("kind")).unwrap();
        assert_eq!(h, Header { schema: Some(2), kind: Some("stock".into()) });
        assert_eq!(r(&[0x80]).header("schema", None).unwrap(), Header::default());
        assert_eq!(r(&[0x92, 1, 2]).header("s", None).unwrap_err().code(), "E_INVALID_FIELD");
        assert_eq!(r(&[0x81, 0xa1, b's', 0xa1, b'x']).header("s", None).unwrap().schema, None);
        assert_eq!(r(&[0x81, 0xa1, b's']).header("s", None).unwrap_err().code(), "E_TRUNCATED");
        assert_eq!(r(&[0x80, 0x00]).finish_after_skip().unwrap_err().code(), "E_MALFORMED");
    }

    impl Reader<'_> {
        fn finish_after_skip(mut self) -> R<()> {
            self.skip()?;
            self.finish()
        }
    }

    #[test]
    fn packed_reads_bins_and_arrays() {
        let p = Path::root("x");
        let mut bin = vec![0xc4, 8];
        bin.extend([1u32, 2].iter().flat_map(|v| v.to_le_bytes()));
        assert_eq!(r(&bin).packed::<u32>(&p).unwrap(), [1, 2]);
        assert_eq!(r(&[0x92, 0x01, 0xca, 0x40, 0, 0, 0]).packed::<u32>(&p).unwrap(), [1, 2]);
        assert_eq!(r(&[0x92, 0x01, 0xca, 0x40, 0, 0, 0]).packed::<f32>(&p).unwrap(), [1.0, 2.0]);
        assert!(r(&[0xc4, 5, 0, 0, 0, 0, 0]).packed::<u32>(&p).is_err());
        assert!(r(&[0x91, 0xff]).packed::<u32>(&p).is_err());
    }
}
