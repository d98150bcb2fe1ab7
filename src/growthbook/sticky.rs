//! Sticky bucketing: a visitor keeps the variation first assigned even when the
//! experiment's weights or coverage change, by carrying their assignments (in a cookie, at
//! the edge) and handing them back.
//!
//! The documents are GrowthBook's: one per identifying attribute value
//! (`{attributeName: "id", attributeValue: "v-42", assignments: {"exp__0": "1"}}`), where
//! an assignment's key is the experiment key and bucket version and its value the
//! variation key. Only documents for the visitor's current attribute values are loaded, so
//! a document that came with the request for another id is never consumed.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::js;
use crate::codec::Value;

/// One sticky bucket document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StickyDoc {
    pub attribute_name: String,
    pub attribute_value: String,
    /// `experimentKey__bucketVersion` → variation key, in the order they were made.
    pub assignments: Vec<(String, String)>,
}

impl Serialize for StickyDoc {
    /// As GrowthBook writes it: `{attributeName, attributeValue, assignments: {...}}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Assignments<'d>(&'d [(String, String)]);
        impl Serialize for Assignments<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for (k, v) in self.0 {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("attributeName", &self.attribute_name)?;
        m.serialize_entry("attributeValue", &self.attribute_value)?;
        m.serialize_entry("assignments", &Assignments(&self.assignments))?;
        m.end()
    }
}

/// The visitor's sticky bucket documents: those loaded for them, and what assignment added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StickyDocs {
    pub docs: Vec<StickyDoc>,
}

/// GrowthBook's `toString`: strings as they are, anything else as JSON.
pub fn attribute_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        other => js::json(other),
    }
}

/// `_getHashAttribute`: the attribute to hash on (`id` by default) and its value, or the
/// fallback attribute's when the first is empty. A falsy value reads as `""`.
pub fn hash_attribute<'v>(
    attributes: &'v Value,
    attr: Option<&'v str>,
    fallback: Option<&'v str>,
) -> (&'v str, Value<'v>) {
    let value = |name: &str| match js::get(attributes, name) {
        Some(v) if js::truthy(v) => Some(v.clone()),
        _ => None,
    };
    let name = attr.unwrap_or("id");
    if let Some(v) = value(name) {
        return (name, v);
    }
    if let Some(fb) = fallback {
        if let Some(v) = value(fb) {
            return (fb, v);
        }
    }
    (name, Value::Str("".into()))
}

fn doc_key(name: &str, value: &str) -> String {
    format!("{name}||{value}")
}

impl StickyDocs {
    /// Loads, from `offered`, the documents of the visitor's values of the `identifiers`
    /// (every hash and fallback attribute the experiments use).
    pub fn load(offered: Vec<StickyDoc>, attributes: &Value, identifiers: &[&str]) -> StickyDocs {
        let wanted: Vec<String> = identifiers
            .iter()
            .map(|&a| doc_key(a, &attribute_text(&hash_attribute(attributes, Some(a), None).1)))
            .collect();
        let mut docs: Vec<StickyDoc> = Vec::new();
        for d in offered {
            let key = doc_key(&d.attribute_name, &d.attribute_value);
            if !wanted.contains(&key) {
                continue;
            }
            // A repeated document replaces the earlier one, as a later write would.
            match docs
                .iter_mut()
                .find(|e| e.attribute_name == d.attribute_name && e.attribute_value == d.attribute_value)
            {
                Some(slot) => *slot = d,
                None => docs.push(d),
            }
        }
        StickyDocs { docs }
    }

    fn doc(&self, name: &str, value: &str) -> Option<&StickyDoc> {
        self.docs.iter().find(|d| d.attribute_name == name && d.attribute_value == value)
    }

    /// The assignments that apply to a visitor: the fallback attribute's document, then the
    /// hash attribute's over it (the stronger identity wins).
    pub fn assignments(&self, attributes: &Value, attr: Option<&str>, fallback: Option<&str>) -> Vec<(String, String)> {
        let (hash_name, hash_value) = hash_attribute(attributes, attr, None);
        let (fb_name, fb_value) = hash_attribute(attributes, fallback, None);
        let mut merged: Vec<(String, String)> = Vec::new();
        let mut merge = |d: Option<&StickyDoc>| {
            for (k, v) in d.map_or(&[][..], |d| &d.assignments[..]) {
                match merged.iter_mut().find(|(mk, _)| mk == k) {
                    Some(slot) => slot.1 = v.clone(),
                    None => merged.push((k.clone(), v.clone())),
                }
            }
        };
        if js::truthy(&fb_value) {
            merge(self.doc(fb_name, &attribute_text(&fb_value)));
        }
        merge(self.doc(hash_name, &attribute_text(&hash_value)));
        merged
    }

    /// Records `assignment` (experiment key and bucket version → variation key) in the
    /// document of `name = value`; true when that changed the document.
    pub fn save(&mut self, name: &str, value: &str, assignment: (String, String)) -> bool {
        let i = match self.docs.iter().position(|d| d.attribute_name == name && d.attribute_value == value) {
            Some(i) => i,
            None => {
                self.docs.push(StickyDoc {
                    attribute_name: name.to_owned(),
                    attribute_value: value.to_owned(),
                    assignments: Vec::new(),
                });
                self.docs.len() - 1
            }
        };
        let list = &mut self.docs[i].assignments;
        match list.iter_mut().find(|(k, _)| *k == assignment.0) {
            Some(slot) if slot.1 == assignment.1 => false,
            Some(slot) => {
                slot.1 = assignment.1;
                true
            }
            None => {
                list.push(assignment);
                true
            }
        }
    }
}

/// The attributes whose documents a set of experiments needs: each one's hash attribute
/// (`id` by default) and fallback attribute, once each, in order of first use.
pub fn identifiers<'e>(experiments: impl IntoIterator<Item = &'e super::Experiment>) -> Vec<&'e str> {
    let mut out: Vec<&str> = Vec::new();
    for e in experiments {
        for a in
            [Some(e.hash_attribute.as_deref().unwrap_or("id")), e.fallback_attribute.as_deref()].into_iter().flatten()
        {
            if !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out
}

/// The assignment key of an experiment at a bucket version.
pub fn experiment_key(key: &str, bucket_version: u32) -> String {
    format!("{key}__{bucket_version}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn attrs(pairs: &[(&'static str, &'static str)]) -> Value<'static> {
        Value::Map(pairs.iter().map(|(k, v)| (Value::Str(Cow::Borrowed(*k)), Value::Str(Cow::Borrowed(*v)))).collect())
    }

    fn doc(name: &str, value: &str, a: &[(&str, &str)]) -> StickyDoc {
        StickyDoc {
            attribute_name: name.into(),
            attribute_value: value.into(),
            assignments: a.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn loads_only_the_visitors_documents_and_merges_hash_over_fallback() {
        let a = attrs(&[("id", "i1"), ("anon", "s1")]);
        let offered =
            vec![doc("anon", "s1", &[("e__0", "2")]), doc("id", "i1", &[("e__0", "1")]), doc("id", "other", &[])];
        let docs = StickyDocs::load(offered, &a, &["id", "anon"]);
        assert_eq!(docs.docs.len(), 2);
        assert_eq!(docs.assignments(&a, Some("id"), Some("anon")), [("e__0".to_string(), "1".to_string())]);
    }

    #[test]
    fn save_reports_whether_anything_changed() {
        let mut docs = StickyDocs::default();
        assert!(docs.save("id", "i1", ("e__0".into(), "1".into())));
        assert!(!docs.save("id", "i1", ("e__0".into(), "1".into())));
        assert!(docs.save("id", "i1", ("e__0".into(), "2".into())));
        assert_eq!(docs.docs[0].assignments, [("e__0".to_string(), "2".to_string())]);
    }
}
