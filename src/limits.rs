//! Input limits: how large a snapshot or request may be before it is refused.
//!
//! Every limit is checked before the memory it guards is allocated, so a hostile or broken
//! input costs at most a scan of its bytes. The defaults leave a wide margin over real data
//! (the reasons are next to each field); an operator can raise or lower any of them.

use crate::codec::{Path, Reader};
use crate::error::SnapshotError;

/// Limits applied when decoding snapshots and answering rank requests.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Largest catalogue bundle, in bytes. A 50k-product bundle with 20 neighbours each is
    /// about 10 MB (see README "Benchmarks"); 64 MiB leaves room for large shops.
    pub max_bundle_bytes: usize,
    /// Largest profile snapshot, in bytes. The budget for a typical profile is 512 bytes;
    /// 8 KiB allows long histories and still keeps a request cheap.
    pub max_profile_bytes: usize,
    /// Largest stock snapshot or delta, in bytes (about 12 bytes per product and region).
    pub max_stock_bytes: usize,
    /// Deepest container nesting. The formats nest at most 4 levels except experiment
    /// conditions; 32 is generous for those and keeps recursion shallow.
    pub max_depth: usize,
    /// Longest string (ids, names, urls), in bytes.
    pub max_string_bytes: usize,
    /// Most products in a bundle.
    pub max_products: usize,
    /// Most neighbours or complements of one product.
    pub max_edges_per_product: usize,
    /// Most entries in each list of a profile (views, purchases, affinities).
    pub max_profile_entries: usize,
    /// Most session items (viewed + cart) considered per request; older views beyond it
    /// are dropped, the most recent kept.
    pub max_session_items: usize,
    /// Largest `limit` a rank request may ask for; larger values are clamped to it.
    pub max_results: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bundle_bytes: 64 << 20,
            max_profile_bytes: 8 << 10,
            max_stock_bytes: 32 << 20,
            max_depth: 32,
            max_string_bytes: 4096,
            max_products: 2_000_000,
            max_edges_per_product: 256,
            max_profile_entries: 256,
            max_session_items: 100,
            max_results: 100,
        }
    }
}

impl Limits {
    /// Reads limits from a map of camelCase names; names left out keep their default,
    /// unknown names are refused.
    pub fn read(r: &mut Reader, p: &Path) -> Result<Limits, SnapshotError> {
        let mut l = Limits::default();
        r.fields(p, true, |k, r| {
            let slot = match k {
                "maxBundleBytes" => &mut l.max_bundle_bytes,
                "maxProfileBytes" => &mut l.max_profile_bytes,
                "maxStockBytes" => &mut l.max_stock_bytes,
                "maxDepth" => &mut l.max_depth,
                "maxStringBytes" => &mut l.max_string_bytes,
                "maxProducts" => &mut l.max_products,
                "maxEdgesPerProduct" => &mut l.max_edges_per_product,
                "maxProfileEntries" => &mut l.max_profile_entries,
                "maxSessionItems" => &mut l.max_session_items,
                "maxResults" => &mut l.max_results,
                _ => return Ok(false),
            };
            // u32 bound: wasm's usize is 32 bits, and no limit needs more.
            if let Some(n) = r.opt(|r| r.uint(&p.key(k), u64::from(u32::MAX)))? {
                *slot = n as usize;
            }
            Ok(true)
        })?;
        Ok(l)
    }
}
