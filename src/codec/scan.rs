//! A structural pass over MessagePack bytes, before serde sees them.
//!
//! It walks every value without allocating and refuses, with a precise error, what would
//! otherwise cost memory or stack: truncation, nesting deeper than the limit, strings over
//! the limit, and container lengths that the remaining bytes cannot hold (an `array32`
//! header claiming 4 billion items in a 10-byte input). On the way it picks the `kind` and
//! `schema` entries out of the top-level map, wherever they are, so a snapshot of another
//! kind or schema is named as such instead of failing on some missing field.

use crate::error::SnapshotError;

/// Which top-level keys carry the kind and the schema version.
pub(crate) struct HeaderKeys {
    pub schema: &'static str,
    pub kind: Option<&'static str>,
}

/// What the scan found in the top-level map.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Header {
    pub schema: Option<u64>,
    pub kind: Option<String>,
}

enum Token<'a> {
    Str(&'a [u8]),
    UInt(u64),
    Array(u64),
    Map(u64),
    Other,
}

enum Pending {
    None,
    Schema,
    Kind,
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end {
            Some(end) => {
                let s = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(SnapshotError::Truncated { what: self.what, offset: self.bytes.len() }),
        }
    }

    fn uint(&mut self, n: usize) -> Result<u64, SnapshotError> {
        Ok(self.take(n)?.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    fn token(&mut self, max_string: usize) -> Result<Token<'a>, SnapshotError> {
        let at = self.pos;
        let marker = self.take(1)?[0];
        let token = match marker {
            0x00..=0x7f => Token::UInt(u64::from(marker)),
            0x80..=0x8f => Token::Map(u64::from(marker & 0x0f)),
            0x90..=0x9f => Token::Array(u64::from(marker & 0x0f)),
            0xa0..=0xbf => self.string(usize::from(marker & 0x1f), max_string)?,
            0xc0 | 0xc2 | 0xc3 | 0xe0..=0xff => Token::Other,
            0xc1 => {
                return Err(SnapshotError::Malformed {
                    what: self.what,
                    offset: at,
                    detail: "reserved marker 0xc1",
                })
            }
            0xc4..=0xc6 => {
                let len = self.uint(1 << (marker - 0xc4))?;
                self.take(usize::try_from(len).unwrap_or(usize::MAX))?;
                Token::Other
            }
            0xc7..=0xc9 => {
                let len = self.uint(1 << (marker - 0xc7))?;
                // one byte of extension type, then the data
                self.take(1)?;
                self.take(usize::try_from(len).unwrap_or(usize::MAX))?;
                Token::Other
            }
            0xca => {
                self.take(4)?;
                Token::Other
            }
            0xcb => {
                self.take(8)?;
                Token::Other
            }
            0xcc..=0xcf => Token::UInt(self.uint(1 << (marker - 0xcc))?),
            0xd0..=0xd3 => {
                self.take(1 << (marker - 0xd0))?;
                Token::Other
            }
            0xd4..=0xd8 => {
                self.take(1 + (1 << (marker - 0xd4)))?;
                Token::Other
            }
            0xd9..=0xdb => {
                let len = self.uint(1 << (marker - 0xd9))?;
                self.string(usize::try_from(len).unwrap_or(usize::MAX), max_string)?
            }
            0xdc | 0xdd => Token::Array(self.uint(2 << (marker - 0xdc))?),
            0xde | 0xdf => Token::Map(self.uint(2 << (marker - 0xde))?),
        };
        Ok(token)
    }

    fn string(&mut self, len: usize, max_string: usize) -> Result<Token<'a>, SnapshotError> {
        if len > max_string {
            return Err(SnapshotError::LimitExceeded {
                what: format!("{}: string at byte {}", self.what, self.pos),
                count: len,
                limit: max_string,
            });
        }
        Ok(Token::Str(self.take(len)?))
    }
}

/// Walks the whole value in `bytes`; the top level must be a map.
pub(crate) fn scan(
    bytes: &[u8],
    what: &'static str,
    keys: &HeaderKeys,
    max_depth: usize,
    max_string: usize,
) -> Result<Header, SnapshotError> {
    let mut r = Reader { bytes, pos: 0, what };
    let mut header = Header::default();
    // Items still to read in each open container (a map of n entries holds 2n items).
    let mut open: Vec<u64> = Vec::new();
    // Items completed directly inside the top-level map: even = key, odd = value.
    let mut top_items: u64 = 0;
    let mut pending = Pending::None;
    loop {
        let depth = open.len();
        let token = r.token(max_string)?;
        if depth == 0 && !matches!(token, Token::Map(_)) {
            return Err(SnapshotError::invalid(what, "the top level must be a map"));
        }
        if depth == 1 {
            if top_items % 2 == 0 {
                pending = match token {
                    Token::Str(k) if k == keys.schema.as_bytes() => Pending::Schema,
                    Token::Str(k) if keys.kind.is_some_and(|kind| k == kind.as_bytes()) => {
                        Pending::Kind
                    }
                    _ => Pending::None,
                };
            } else {
                match (std::mem::replace(&mut pending, Pending::None), &token) {
                    (Pending::Schema, Token::UInt(n)) => header.schema = Some(*n),
                    (Pending::Kind, Token::Str(s)) => {
                        header.kind = Some(String::from_utf8_lossy(s).into_owned())
                    }
                    (Pending::Kind, _) => header.kind = Some("<not a string>".into()),
                    _ => {}
                }
            }
        }
        let items = match token {
            Token::Array(n) => n,
            Token::Map(n) => n.saturating_mul(2),
            _ => 0,
        };
        if items > 0 {
            if depth + 1 > max_depth {
                return Err(SnapshotError::TooDeep { what, limit: max_depth });
            }
            // Every item takes at least one byte: a header claiming more items than there
            // are bytes left is truncated, and refusing it here keeps serde from reserving
            // memory for it.
            let left = (bytes.len() - r.pos) as u64;
            if items > left {
                return Err(SnapshotError::Truncated { what, offset: bytes.len() });
            }
            open.push(items);
            continue;
        }
        // A value is complete; close every container it completes.
        loop {
            let in_top_map = open.len() == 1;
            let Some(left) = open.last_mut() else {
                if r.pos != bytes.len() {
                    return Err(SnapshotError::Malformed {
                        what,
                        offset: r.pos,
                        detail: "bytes after the end of the value",
                    });
                }
                return Ok(header);
            };
            *left -= 1;
            if in_top_map {
                top_items += 1;
            }
            if *left > 0 {
                break;
            }
            open.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: HeaderKeys = HeaderKeys { schema: "schema", kind: Some("kind") };

    fn run(bytes: &[u8]) -> Result<Header, SnapshotError> {
        scan(bytes, "test", &KEYS, 4, 16)
    }

    #[test]
    fn finds_kind_and_schema_anywhere_in_the_top_map() {
        // {"a": [1, {"schema": 9}], "schema": 2, "kind": "stock"}
        let bytes = [
            0x83, 0xa1, b'a', 0x92, 0x01, 0x81, 0xa6, b's', b'c', b'h', b'e', b'm', b'a', 0x09,
            0xa6, b's', b'c', b'h', b'e', b'm', b'a', 0x02, 0xa4, b'k', b'i', b'n', b'd', 0xa5,
            b's', b't', b'o', b'c', b'k',
        ];
        let h = run(&bytes).unwrap();
        assert_eq!(h, Header { schema: Some(2), kind: Some("stock".into()) });
    }

    #[test]
    fn empty_map_has_no_header() {
        assert_eq!(run(&[0x80]).unwrap(), Header::default());
    }

    #[test]
    fn refuses_what_would_cost_memory_or_stack() {
        let code = |b: &[u8]| run(b).unwrap_err().code();
        assert_eq!(code(&[]), "E_TRUNCATED");
        assert_eq!(code(&[0x81, 0xa1]), "E_TRUNCATED");
        // map32 claiming 2^32-1 entries in a handful of bytes
        assert_eq!(code(&[0xdf, 0xff, 0xff, 0xff, 0xff, 0x00]), "E_TRUNCATED");
        assert_eq!(code(&[0x81, 0x01, 0x91, 0x91, 0x91, 0x91, 0x01]), "E_TOO_DEEP");
        assert_eq!(code(&[0x81, 0x01, 0xc1]), "E_MALFORMED");
        assert_eq!(code(&[0x80, 0x00]), "E_MALFORMED");
        assert_eq!(code(&[0x92, 0x01, 0x02]), "E_INVALID_FIELD");
        let mut long = vec![0x81, 0x01, 0xd9, 17];
        long.extend([b'x'; 17]);
        assert_eq!(code(&long), "E_LIMIT_EXCEEDED");
        // str32 whose length does not fit the input
        assert_eq!(code(&[0x81, 0x01, 0xdb, 0xff, 0xff, 0xff, 0xff]), "E_LIMIT_EXCEEDED");
        assert_eq!(code(&[0x81, 0x01, 0xc6, 0xff, 0xff, 0xff, 0xff]), "E_TRUNCATED");
    }
}
