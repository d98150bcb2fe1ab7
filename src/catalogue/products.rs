//! Products, the category tree and brands, indexed for the ranking.

use crate::bundle::{self, Flag};
use crate::error::SnapshotError;
use crate::hash::FastMap;

use super::ids::IdIndex;

/// Marks "no brand" / "no parent".
pub const NONE: u32 = u32::MAX;

/// Product flags as bits.
pub mod flags {
    pub const DURABLE: u8 = 1;
    pub const CONSUMABLE: u8 = 2;
    pub const UNTRACKED: u8 = 4;
    /// Excluded by the bundle's rules: never suggested. Kept with the other bits so a
    /// candidate's check reads the record it reads anyway.
    pub const EXCLUDED: u8 = 8;
}

/// Largest integer a JavaScript number holds exactly; prices and times above it would
/// reach the storefront altered.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// What ranking reads of a product, packed in 20 bytes. Ranking touches hundreds of
/// random products per request; keeping these fields apart from names and urls keeps
/// them in cache (a 10k catalogue's hot array is 200 KB).
#[derive(Debug, Clone, Copy)]
pub struct Hot {
    pub category: u32,
    /// Index into `brands`, or [`NONE`].
    pub brand: u32,
    /// The price as f32, for the price-fit feature (exact prices are in [`Info`]).
    pub price: f32,
    pub margin: f32,
    pub flags: u8,
}

/// What a product shows: read only for the items returned.
#[derive(Debug, Clone)]
pub struct Info {
    pub id: String,
    pub name: String,
    /// Minor units, exact.
    pub price: u64,
    pub url: Option<String>,
    pub image: Option<String>,
}

/// The category tree.
#[derive(Debug, Clone, Default)]
pub struct Categories {
    pub ids: Vec<String>,
    pub names: Vec<String>,
    pub parent: Vec<u32>,
    pub index: FastMap<String, u32>,
}

/// How many ancestors are walked for affinity; a parent counts half as much as its child,
/// so beyond this the pull is under 1%.
pub const MAX_ANCESTORS: usize = 8;

/// The pull of an affinity at each distance up the tree: 1 for the category itself,
/// halving per level.
pub const ANCESTOR_WEIGHTS: [f32; MAX_ANCESTORS + 1] =
    [1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625];

impl Categories {
    pub fn build(wire: Vec<bundle::Category>) -> Result<Categories, SnapshotError> {
        let mut c = Categories::default();
        c.index.reserve(wire.len());
        for (i, cat) in wire.iter().enumerate() {
            if c.index.insert(cat.id.0.clone(), i as u32).is_some() {
                return Err(SnapshotError::DuplicateId {
                    path: format!("bundle.categories[{i}].id"),
                    id: cat.id.0.clone(),
                });
            }
        }
        for (i, cat) in wire.into_iter().enumerate() {
            let parent = match &cat.parent {
                None => NONE,
                Some(p) => *c.index.get(&p.0).ok_or_else(|| SnapshotError::UnknownReference {
                    path: format!("bundle.categories[{i}].parent"),
                    id: p.0.clone(),
                })?,
            };
            c.ids.push(cat.id.0);
            c.names.push(cat.name);
            c.parent.push(parent);
        }
        c.check_acyclic()?;
        Ok(c)
    }

    /// Refuses a parent chain that loops: each category is walked up once, marking the
    /// path; meeting a category of the current path is a cycle.
    fn check_acyclic(&self) -> Result<(), SnapshotError> {
        const NEW: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let mut state = vec![NEW; self.ids.len()];
        let mut path = Vec::new();
        for start in 0..self.ids.len() {
            let mut at = start as u32;
            while at != NONE && state[at as usize] == NEW {
                state[at as usize] = ON_PATH;
                path.push(at);
                at = self.parent[at as usize];
            }
            if at != NONE && state[at as usize] == ON_PATH {
                return Err(SnapshotError::CategoryCycle { id: self.ids[at as usize].clone() });
            }
            for p in path.drain(..) {
                state[p as usize] = DONE;
            }
        }
        Ok(())
    }

    /// The category and its ancestors, nearest first, at most [`MAX_ANCESTORS`] + 1.
    pub fn lineage(&self, cat: u32) -> impl Iterator<Item = u32> + '_ {
        std::iter::successors(Some(cat), |&c| match self.parent.get(c as usize) {
            Some(&p) if p != NONE => Some(p),
            _ => None,
        })
        .take(MAX_ANCESTORS + 1)
    }
}

/// Products, their id index and the brand table.
#[derive(Debug, Clone, Default)]
pub struct Products {
    pub hot: Vec<Hot>,
    pub info: Vec<Info>,
    pub ids: IdIndex,
    pub brands: Vec<String>,
    pub brand_index: FastMap<String, u32>,
}

impl Products {
    pub fn build(wire: Vec<bundle::Product>, categories: &Categories) -> Result<Products, SnapshotError> {
        let mut p = Products::default();
        p.hot.reserve(wire.len());
        p.info.reserve(wire.len());
        p.ids = IdIndex::with_capacity(wire.len(), wire.iter().map(|w| w.id.0.len()).sum());
        for (i, w) in wire.into_iter().enumerate() {
            let path = |field: &str| format!("bundle.products[{i}].{field}");
            let category = *categories
                .index
                .get(&w.category.0)
                .ok_or_else(|| SnapshotError::UnknownReference { path: path("category"), id: w.category.0.clone() })?;
            if w.price > MAX_SAFE_INTEGER {
                return Err(SnapshotError::number(path("price"), w.price as f64, "at most 2^53-1"));
            }
            let margin = w.margin.unwrap_or(0.0);
            if !(0.0..=1.0).contains(&margin) {
                return Err(SnapshotError::number(path("margin"), margin, "a fraction 0..1"));
            }
            let mut bits = 0u8;
            for f in &w.flags {
                bits |= match f {
                    Flag::Durable => flags::DURABLE,
                    Flag::Consumable => flags::CONSUMABLE,
                    Flag::Untracked => flags::UNTRACKED,
                };
            }
            if bits & flags::DURABLE != 0 && bits & flags::CONSUMABLE != 0 {
                return Err(SnapshotError::invalid(path("flags"), "a product cannot be both durable and consumable"));
            }
            let brand = match w.brand {
                None => NONE,
                Some(b) => {
                    let next = p.brands.len() as u32;
                    *p.brand_index.entry(b).or_insert_with_key(|b| {
                        p.brands.push(b.clone());
                        next
                    })
                }
            };
            if p.ids.push(&w.id.0).is_err() {
                return Err(SnapshotError::DuplicateId { path: path("id"), id: w.id.0 });
            }
            p.hot.push(Hot { category, brand, price: w.price as f32, margin: margin as f32, flags: bits });
            p.info.push(Info { id: w.id.0, name: w.name, price: w.price, url: w.url, image: w.image });
        }
        Ok(p)
    }

    pub fn len(&self) -> usize {
        self.hot.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hot.is_empty()
    }

    /// The index of a product id, if the catalogue has it.
    #[inline]
    pub fn find(&self, id: &str) -> Option<u32> {
        self.ids.find(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Id;

    fn cat(id: &str, parent: Option<&str>) -> bundle::Category {
        bundle::Category { id: Id(id.into()), name: id.into(), parent: parent.map(|p| Id(p.into())) }
    }

    #[test]
    fn lineage_walks_up_the_tree() {
        let c = Categories::build(vec![cat("tv", Some("av")), cat("av", Some("all")), cat("all", None)]).unwrap();
        let names: Vec<_> = c.lineage(0).map(|i| c.ids[i as usize].as_str()).collect();
        assert_eq!(names, ["tv", "av", "all"]);
    }

    #[test]
    fn cycles_and_dangling_parents_are_refused() {
        let e = Categories::build(vec![cat("a", Some("b")), cat("b", Some("c")), cat("c", Some("a"))]).unwrap_err();
        assert_eq!(e.code(), "E_CATEGORY_CYCLE");
        let e = Categories::build(vec![cat("a", Some("a"))]).unwrap_err();
        assert_eq!(e.code(), "E_CATEGORY_CYCLE");
        let e = Categories::build(vec![cat("a", Some("zz"))]).unwrap_err();
        assert_eq!(e.code(), "E_UNKNOWN_REFERENCE");
        let e = Categories::build(vec![cat("a", None), cat("a", None)]).unwrap_err();
        assert_eq!(e.code(), "E_DUPLICATE_ID");
    }
}
