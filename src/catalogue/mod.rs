//! The catalogue as the ranking reads it: the bundle, validated and indexed.
//!
//! Loading checks every reference and number in the bundle, so the ranking can index
//! without checks that could fail, and builds everything a request would otherwise
//! recompute (id index, adjacency lists, log-scaled popularity, per-category best sellers).

mod ids;
mod popularity;
mod products;
mod settings;

pub use popularity::PopTable;
pub use products::{flags, Categories, Hot, Info, Products, ANCESTOR_WEIGHTS, MAX_SAFE_INTEGER, NONE};
pub use settings::Settings;

use crate::bundle::{Bundle, BUNDLE_SCHEMA};
use crate::codec::{self, HeaderKeys, Path, Spec};
use crate::csr::Csr;
use crate::error::SnapshotError;
use crate::experiment::{self, Experiments};
use crate::hash::FastMap;
use crate::limits::Limits;
use crate::promo::{self, Promo};
use crate::sort;
use crate::weights::Weights;

/// A pinned product at a position, on one page type or on every page.
#[derive(Debug, Clone)]
pub struct PinRule {
    pub page: Option<String>,
    pub position: u32,
    pub product: u32,
}

/// A loaded, validated catalogue bundle.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub version: String,
    pub currency: Option<String>,
    pub created_at: Option<u64>,
    pub products: Products,
    pub categories: Categories,
    /// Best sellers of each category (with its subcategories).
    pub category_top: Vec<Vec<u32>>,
    pub neighbours: Csr,
    pub complements: Csr,
    /// `[0]` is global; the rest are cohorts, found by name in `cohort_index`.
    pub popularity: Vec<PopTable>,
    pub cohort_index: FastMap<String, u32>,
    pub promotions: Vec<Promo>,
    pub experiments: Experiments,
    pub weights: Weights,
    pub settings: Settings,
    pub pins: Vec<PinRule>,
}

fn spec(limits: &Limits) -> Spec {
    Spec {
        what: "bundle",
        keys: HeaderKeys { schema: "schema", kind: Some("kind") },
        kinds: &["bundle"],
        schema: BUNDLE_SCHEMA,
        max_bytes: limits.max_bundle_bytes,
    }
}

impl Catalogue {
    /// Decodes and loads a bundle.
    pub fn from_bytes(bytes: &[u8], limits: &Limits) -> Result<Catalogue, SnapshotError> {
        let (bundle, _) = codec::read(bytes, &spec(limits), limits, |r| Bundle::read(r, &Path::root("bundle")))?;
        Catalogue::from_bundle(bundle, limits)
    }

    /// Loads a decoded bundle.
    pub fn from_bundle(b: Bundle, limits: &Limits) -> Result<Catalogue, SnapshotError> {
        if b.kind != "bundle" {
            return Err(SnapshotError::WrongKind { expected: "bundle", found: b.kind });
        }
        if b.schema != BUNDLE_SCHEMA {
            return Err(SnapshotError::SchemaUnsupported {
                what: "bundle",
                found: Some(b.schema),
                supported: BUNDLE_SCHEMA,
            });
        }
        if b.products.len() > limits.max_products {
            return Err(SnapshotError::LimitExceeded {
                what: "bundle.products".into(),
                count: b.products.len(),
                limit: limits.max_products,
            });
        }
        let settings = Settings::build(&b.ranking)?;
        let weights = Weights::default()
            .with(b.weights.iter().map(|(k, v)| (k.as_str(), *v)))
            .map_err(|e| e.in_snapshot("bundle.weights".into()))?;
        let categories = Categories::build(b.categories)?;
        let mut products = Products::build(b.products, &categories)?;
        let n = products.len();
        let max_edges = limits.max_edges_per_product;
        let neighbours = match b.neighbours {
            Some(e) => Csr::from_edges(n, e, "bundle.neighbours", max_edges)?,
            None => Csr::empty(n),
        };
        let complements = match b.complements {
            Some(e) => Csr::from_edges(n, e, "bundle.complements", max_edges)?,
            None => Csr::empty(n),
        };
        let top_len = settings.popular_candidates;
        let mut popularity = vec![PopTable::build(
            "global".into(),
            &b.popularity.global,
            n,
            &products,
            "bundle.popularity.global",
            top_len,
        )?];
        let mut cohort_index = FastMap::default();
        for (name, scores) in &b.popularity.cohorts {
            let path = format!("bundle.popularity.cohorts.{name}");
            cohort_index.insert(name.clone(), popularity.len() as u32);
            popularity.push(PopTable::build(name.clone(), scores, n, &products, &path, top_len)?);
        }
        let category_top =
            popularity::category_tops(&categories, &products, &popularity[0], settings.category_candidates);
        let promotions = promo::resolve(&b.promotions, &products)?;
        let experiments = experiment::validate(b.experiments, b.saved_groups)?;
        for (i, id) in b.rules.exclude.iter().enumerate() {
            let p = find(&products, &id.0, || format!("bundle.rules.exclude[{i}]"))?;
            products.hot[p as usize].flags |= flags::EXCLUDED;
        }
        let mut pins = Vec::with_capacity(b.rules.pins.len());
        for (i, pin) in b.rules.pins.into_iter().enumerate() {
            let product = find(&products, &pin.product.0, || format!("bundle.rules.pins[{i}].product"))?;
            pins.push(PinRule { page: pin.page, position: pin.position, product });
        }
        // Lower positions first, so placing pins in order never shifts an earlier one;
        // pins at one position keep the bundle's order.
        let pins = sort::by_key(pins, |i, p| sort::ascending_key(p.position, i));
        Ok(Catalogue {
            version: b.version,
            currency: b.currency,
            created_at: b.created_at,
            products,
            categories,
            category_top,
            neighbours,
            complements,
            popularity,
            cohort_index,
            promotions,
            experiments,
            weights,
            settings,
            pins,
        })
    }

    /// Number of products.
    pub fn len(&self) -> usize {
        self.products.len()
    }

    /// True when the catalogue has no products (every ranking is then empty).
    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }
}

/// The index of a product the bundle itself refers to; a dangling reference is an error.
pub(crate) fn find(products: &Products, id: &str, path: impl FnOnce() -> String) -> Result<u32, SnapshotError> {
    products.find(id).ok_or_else(|| SnapshotError::UnknownReference { path: path(), id: id.to_owned() })
}
