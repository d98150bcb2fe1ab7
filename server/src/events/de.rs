//! Reading an event object, key by key, so every error says which key is wrong.
//!
//! serde's derived internally tagged enums buffer the object before choosing the shape,
//! and their errors lose the key and the position ("invalid value: integer `-1`, expected
//! u32", of which field?). Here each known key goes straight into its typed slot, with
//! the key prefixed to any error (serde_json then adds the column); when the object ends,
//! `type` decides which keys were required and which are not allowed.
//!
//! Optional keys treat `null` as absent (docs/FORMATS.md conventions); `profileVersion`
//! is required but may be `null`; a key given twice is refused.

use std::fmt;

use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::{Conversion, Event, Exposure};

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Event, D::Error> {
        d.deserialize_map(EventVisitor)
    }
}

/// Every key of either shape; `None` until read.
#[derive(Default)]
struct Slots {
    kind: Option<String>,
    at: Option<u64>,
    visitor_id: Option<String>,
    experiment: Option<String>,
    variant: Option<u32>,
    variation_key: Option<Option<String>>,
    bundle_version: Option<String>,
    stock_epoch: Option<u64>,
    profile_version: Option<Option<u64>>,
    page: Option<Option<String>>,
    items: Option<Vec<String>>,
    order_id: Option<Option<String>>,
    value: Option<f64>,
}

/// The keys of each shape besides `type`, as they are spelt in JSON.
const EXPOSURE_KEYS: [&str; 10] = [
    "at",
    "visitorId",
    "experiment",
    "variant",
    "variationKey",
    "bundleVersion",
    "stockEpoch",
    "profileVersion",
    "page",
    "items",
];
const CONVERSION_KEYS: [&str; 5] = ["at", "visitorId", "orderId", "value", "items"];

/// Reads the value of `key` into `slot`.
fn fill<'de, A: MapAccess<'de>, T: DeserializeOwned>(
    map: &mut A,
    key: &str,
    slot: &mut Option<T>,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::custom(format!("duplicate key `{key}`")));
    }
    let value =
        map.next_value::<T>().map_err(|e| de::Error::custom(format!("{key}: {}", without_position(&e.to_string()))))?;
    *slot = Some(value);
    Ok(())
}

/// serde_json puts " at line L column C" on errors it raises; the outer error gets its own
/// position, so the inner one is dropped rather than repeated.
fn without_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i)
            if message[i + 9..].split(" column ").all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) =>
        {
            &message[..i]
        }
        _ => message,
    }
}

fn required<T, E: de::Error>(slot: Option<T>, key: &str) -> Result<T, E> {
    slot.ok_or_else(|| E::custom(format!("missing key `{key}`")))
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Event;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
        let mut s = Slots::default();
        // The known keys given, to check against the shape once `type` is known.
        let mut given: Vec<&'static str> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let k = key.as_str();
            match k {
                "type" => fill(&mut map, k, &mut s.kind)?,
                "at" => fill(&mut map, k, &mut s.at)?,
                "visitorId" => fill(&mut map, k, &mut s.visitor_id)?,
                "experiment" => fill(&mut map, k, &mut s.experiment)?,
                "variant" => fill(&mut map, k, &mut s.variant)?,
                "variationKey" => fill(&mut map, k, &mut s.variation_key)?,
                "bundleVersion" => fill(&mut map, k, &mut s.bundle_version)?,
                "stockEpoch" => fill(&mut map, k, &mut s.stock_epoch)?,
                "profileVersion" => fill(&mut map, k, &mut s.profile_version)?,
                "page" => fill(&mut map, k, &mut s.page)?,
                "items" => fill(&mut map, k, &mut s.items)?,
                "orderId" => fill(&mut map, k, &mut s.order_id)?,
                "value" => fill(&mut map, k, &mut s.value)?,
                other => return Err(de::Error::custom(format!("unknown key `{other}`"))),
            }
            if let Some(known) = EXPOSURE_KEYS.iter().chain(&CONVERSION_KEYS).find(|known| **known == k) {
                given.push(known);
            }
        }
        let kind = required::<_, A::Error>(s.kind, "type")?;
        let allowed: &[&str] = match kind.as_str() {
            "exposure" => &EXPOSURE_KEYS,
            "conversion" => &CONVERSION_KEYS,
            other => {
                return Err(de::Error::custom(format!(
                    "unknown type {other:?} (expected \"exposure\" or \"conversion\")"
                )))
            }
        };
        if let Some(stray) = given.iter().find(|k| !allowed.contains(k)) {
            return Err(de::Error::custom(format!("unknown key `{stray}` for a {kind}")));
        }
        let at = required(s.at, "at")?;
        let visitor_id = required(s.visitor_id, "visitorId")?;
        let items = required(s.items, "items")?;
        Ok(match kind.as_str() {
            "exposure" => Event::Exposure(Exposure {
                at,
                visitor_id,
                experiment: required(s.experiment, "experiment")?,
                variant: required(s.variant, "variant")?,
                variation_key: s.variation_key.flatten(),
                bundle_version: required(s.bundle_version, "bundleVersion")?,
                stock_epoch: required(s.stock_epoch, "stockEpoch")?,
                profile_version: required(s.profile_version, "profileVersion")?,
                page: s.page.flatten(),
                items,
            }),
            _ => Event::Conversion(Conversion {
                at,
                visitor_id,
                order_id: s.order_id.flatten(),
                value: required(s.value, "value")?,
                items,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_dropped_only_when_they_are_positions() {
        assert_eq!(
            without_position("invalid value: integer `-1`, expected u32 at line 1 column 70"),
            "invalid value: integer `-1`, expected u32"
        );
        assert_eq!(without_position("expected u32"), "expected u32");
        assert_eq!(without_position("look at line 1 column x"), "look at line 1 column x");
    }

    #[test]
    fn keys_of_the_other_shape_are_refused() {
        let e = serde_json::from_str::<Event>(
            r#"{"type":"conversion","at":1,"visitorId":"v","value":1,"items":[],"variant":0}"#,
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("unknown key `variant` for a conversion"), "{e}");
        let e = serde_json::from_str::<Event>(r#"{"at":1,"at":2}"#).unwrap_err();
        assert!(e.to_string().starts_with("duplicate key `at`"), "{e}");
        let e = serde_json::from_str::<Event>(r#"[1]"#).unwrap_err();
        assert!(e.to_string().contains("expected an event object"), "{e}");
    }
}
