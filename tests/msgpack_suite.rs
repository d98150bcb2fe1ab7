//! The reader against kawanet/msgpack-test-suite: 85 values with every one of their 233
//! valid MessagePack encodings (shortest and longest integer forms, float forms of
//! integers, str8/16/32, array16/32, map16/32, timestamps, extensions). A decoder must
//! accept all of them and read the same value from each.
//!
//! The suite lives in the shared data folder next to the repository
//! (`../shared/data/msgpack-test-suite`); `VITRINE_DATA` points elsewhere.

use std::path::PathBuf;

use serde_json::Value as Json;
use vitrine::codec::{Path, Reader, Value};

fn data_dir() -> PathBuf {
    std::env::var_os("VITRINE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
}

fn hex(s: &str) -> Vec<u8> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split('-').map(|b| u8::from_str_radix(b, 16).expect("hex byte")).collect()
}

/// Decodes a timestamp extension (type -1) into (seconds, nanoseconds), per the spec's
/// three layouts.
fn timestamp(data: &[u8]) -> (i64, u32) {
    match data.len() {
        4 => (i64::from(u32::from_be_bytes(data.try_into().unwrap())), 0),
        8 => {
            let v = u64::from_be_bytes(data.try_into().unwrap());
            ((v & 0x3_ffff_ffff) as i64, (v >> 34) as u32)
        }
        12 => (i64::from_be_bytes(data[4..].try_into().unwrap()), u32::from_be_bytes(data[..4].try_into().unwrap())),
        n => panic!("timestamp of {n} bytes"),
    }
}

/// Checks that `got` is the value the suite describes with `kind` and `want`.
fn check(kind: &str, want: &Json, got: &Value, bignum: Option<&str>) -> Result<(), String> {
    let mismatch = || Err(format!("expected {kind} {want}, read {got:?}"));
    match (kind, got) {
        ("nil", Value::Nil) => Ok(()),
        ("bool", Value::Bool(b)) if Some(*b) == want.as_bool() => Ok(()),
        ("binary", Value::Bin(b)) if **b == hex(want.as_str().unwrap_or("?")) => Ok(()),
        ("string", Value::Str(s)) if Some(s.as_ref()) == want.as_str() => Ok(()),
        ("number", _) => {
            // Integers beyond 2^53 are compared exactly through their decimal form.
            if let Some(exact) = bignum {
                let read = match got {
                    Value::UInt(n) => n.to_string(),
                    Value::Int(n) => n.to_string(),
                    Value::Float(f) => format!("{f:.0}"),
                    _ => return mismatch(),
                };
                return if read == exact { Ok(()) } else { mismatch() };
            }
            match (got.as_f64(), want.as_f64()) {
                (Some(a), Some(b)) if a == b => Ok(()),
                _ => mismatch(),
            }
        }
        ("array", Value::Array(items)) => {
            let want = want.as_array().ok_or("suite array")?;
            if items.len() != want.len() {
                return mismatch();
            }
            items.iter().zip(want).try_for_each(|(g, w)| check(json_kind(w), w, g, None))
        }
        ("map", Value::Map(entries)) => {
            let want = want.as_object().ok_or("suite map")?;
            if entries.len() != want.len() {
                return mismatch();
            }
            entries.iter().try_for_each(|(k, v)| {
                let key = k.as_str().ok_or("non-string key")?;
                let w = want.get(key).ok_or_else(|| format!("unexpected key {key}"))?;
                check(json_kind(w), w, v, None)
            })
        }
        ("timestamp", Value::Ext(-1, data)) => {
            let (s, ns) = timestamp(data);
            let w = want.as_array().ok_or("suite timestamp")?;
            if Some(s) == w[0].as_i64() && Some(u64::from(ns)) == w[1].as_u64() {
                Ok(())
            } else {
                mismatch()
            }
        }
        ("ext", Value::Ext(tag, data)) => {
            let w = want.as_array().ok_or("suite ext")?;
            if Some(i64::from(*tag)) == w[0].as_i64() && **data == hex(w[1].as_str().unwrap_or("?")) {
                Ok(())
            } else {
                mismatch()
            }
        }
        _ => mismatch(),
    }
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "nil",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "map",
    }
}

#[test]
fn every_valid_encoding_of_every_value_reads_back() {
    let file = data_dir().join("msgpack-test-suite/msgpack-test-suite.json");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e} (set VITRINE_DATA to the shared data folder)", file.display()));
    let suite: serde_json::Map<String, Json> = serde_json::from_str(&text).expect("suite JSON");
    let (mut values, mut encodings, mut failures) = (0, 0, Vec::new());
    for (group, cases) in &suite {
        for case in cases.as_array().expect("cases") {
            let obj = case.as_object().expect("case");
            let bignum = obj.get("bignum").and_then(Json::as_str);
            // Values beyond 2^53 have only their decimal form (`bignum`), no JSON number.
            let (kind, want) = obj
                .iter()
                .find(|(k, _)| !["msgpack", "bignum"].contains(&k.as_str()))
                .map(|(k, v)| (k.as_str(), v))
                .unwrap_or(("number", &Json::Null));
            values += 1;
            for enc in obj["msgpack"].as_array().expect("encodings") {
                encodings += 1;
                let bytes = hex(enc.as_str().expect("hex"));
                let mut r = Reader::new(&bytes, "suite");
                let result = r.value(8).map_err(|e| e.to_string()).and_then(|v| {
                    r.finish().map_err(|e| e.to_string())?;
                    check(kind, want, &v, bignum)
                });
                if let Err(e) = result {
                    failures.push(format!("{group} {enc}: {e}"));
                }
            }
        }
    }
    assert_eq!((values, encodings), (85, 233), "the whole suite was read");
    assert!(failures.is_empty(), "{} of {encodings} encodings failed:\n{}", failures.len(), failures.join("\n"));
}

/// The typed reads used by the formats accept every integer encoding of a value, and its
/// float encodings when they are whole numbers.
#[test]
fn typed_reads_accept_every_encoding_of_a_number() {
    let p = Path::root("n");
    for (bytes, want) in [
        (&[0x01][..], 1u64),
        (&[0xcc, 0x01], 1),
        (&[0xcd, 0x00, 0x01], 1),
        (&[0xce, 0, 0, 0, 1], 1),
        (&[0xcf, 0, 0, 0, 0, 0, 0, 0, 1], 1),
        (&[0xd0, 0x01], 1),
        (&[0xd1, 0, 1], 1),
        (&[0xd2, 0, 0, 0, 1], 1),
        (&[0xd3, 0, 0, 0, 0, 0, 0, 0, 1], 1),
        (&[0xca, 0x3f, 0x80, 0, 0], 1),
        (&[0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0], 1),
    ] {
        assert_eq!(Reader::new(bytes, "t").uint(&p, u64::MAX).unwrap(), want, "{bytes:02x?}");
        assert_eq!(Reader::new(bytes, "t").int(&p).unwrap(), want as i64, "{bytes:02x?}");
        assert_eq!(Reader::new(bytes, "t").f64(&p).unwrap(), want as f64, "{bytes:02x?}");
    }
}
