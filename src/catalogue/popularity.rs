//! Popularity tables (global and per cohort) and each category's best sellers, both
//! computed once at load so a request only reads them.

use crate::bundle::Scores;
use crate::error::SnapshotError;
use crate::sort::top_k;

use super::products::{Categories, Products};

/// Popularity of every product in one cohort, log-scaled to 0..1, and its best sellers.
#[derive(Debug, Clone)]
pub struct PopTable {
    /// `"global"` or the cohort name; used in `popular:<name>` reasons.
    pub name: String,
    pub norm: Vec<f32>,
    /// Product indexes by descending popularity (ties by index), at most `top_len`.
    pub top: Vec<u32>,
}

impl PopTable {
    pub fn build(
        name: String,
        scores: &Scores,
        n: usize,
        products: &Products,
        path: &str,
        top_len: usize,
    ) -> Result<PopTable, SnapshotError> {
        if scores.item.len() != scores.score.len() {
            return Err(SnapshotError::LengthMismatch {
                path: format!("{path}.item/score"),
                left: scores.item.len(),
                right: scores.score.len(),
            });
        }
        // -1 marks "not given" so a repeated index is caught.
        let mut raw = vec![-1f32; n];
        let mut max = 0f32;
        for (i, (&item, &s)) in scores.item.iter().zip(&scores.score).enumerate() {
            let slot = raw.get_mut(item as usize).ok_or_else(|| SnapshotError::IndexOutOfRange {
                path: format!("{path}.item[{i}]"),
                index: u64::from(item),
                len: n,
            })?;
            if !s.is_finite() || s < 0.0 {
                return Err(SnapshotError::number(format!("{path}.score[{i}]"), f64::from(s), "a finite score >= 0"));
            }
            if *slot >= 0.0 {
                return Err(SnapshotError::DuplicateId {
                    path: format!("{path}.item[{i}]"),
                    id: products.info[item as usize].id.clone(),
                });
            }
            *slot = s;
            max = max.max(s);
        }
        // Counts are heavy-tailed; the log keeps the tail from flattening to zero.
        let scale = if max > 0.0 { 1.0 / libm::log1pf(max) } else { 0.0 };
        let mut ranked = Vec::with_capacity(scores.item.len());
        let norm: Vec<f32> = raw
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                if s > 0.0 {
                    let v = libm::log1pf(s) * scale;
                    ranked.push((v, i as u32));
                    v
                } else {
                    0.0
                }
            })
            .collect();
        top_k(&mut ranked, top_len);
        Ok(PopTable { name, norm, top: ranked.into_iter().map(|(_, i)| i).collect() })
    }
}

/// Each category's best sellers by global popularity, counting the products of its
/// subcategories; `k` per category.
pub fn category_tops(categories: &Categories, products: &Products, global: &PopTable, k: usize) -> Vec<Vec<u32>> {
    let mut lists: Vec<Vec<(f32, u32)>> = vec![Vec::new(); categories.ids.len()];
    for (i, p) in products.hot.iter().enumerate() {
        let pop = global.norm[i];
        for c in categories.lineage(p.category) {
            lists[c as usize].push((pop, i as u32));
        }
    }
    lists
        .into_iter()
        .map(|mut v| {
            top_k(&mut v, k);
            v.into_iter().map(|(_, i)| i).collect()
        })
        .collect()
}
