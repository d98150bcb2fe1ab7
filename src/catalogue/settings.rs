//! Ranking settings from the bundle, checked and converted once.

use crate::bundle::RankingSettings;
use crate::error::SnapshotError;

/// Largest candidate list per source. Each candidate costs a few hash operations per
/// request; 1000 keeps a request well under a millisecond even when every source is full.
const MAX_CANDIDATES: u32 = 1000;

/// Checked ranking settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub limit: usize,
    pub max_per_category: usize,
    pub session_half_life: f32,
    pub history_half_life_hours: f32,
    pub history_factor: f32,
    pub history_neighbours: usize,
    pub purchase_half_life_days: f32,
    pub affinity_half_life_days: f32,
    pub affinity_categories: usize,
    pub category_candidates: usize,
    pub popular_candidates: usize,
    pub stock_depth: f32,
    pub promotion_cap: usize,
    pub remind_viewed: bool,
    pub repeat_half_count: f32,
}

impl Settings {
    pub fn build(r: &RankingSettings) -> Result<Settings, SnapshotError> {
        let path = |f: &str| format!("bundle.ranking.{f}");
        let positive = |f: &str, v: f64| {
            if v.is_finite() && v > 0.0 && v <= 1e9 {
                Ok(v as f32)
            } else {
                Err(SnapshotError::number(path(f), v, "a finite number > 0"))
            }
        };
        let count = |f: &str, v: u32, min: u32, max: u32| {
            if (min..=max).contains(&v) {
                Ok(v as usize)
            } else {
                Err(SnapshotError::number(path(f), f64::from(v), "outside its range"))
            }
        };
        if !(r.history_factor.is_finite() && (0.0..=1e3).contains(&r.history_factor)) {
            return Err(SnapshotError::number(path("historyFactor"), r.history_factor, "0..1000"));
        }
        Ok(Settings {
            limit: count("limit", r.limit, 0, 1000)?,
            max_per_category: count("maxPerCategory", r.max_per_category, 1, 1000)?,
            session_half_life: positive("sessionHalfLife", r.session_half_life)?,
            history_half_life_hours: positive("historyHalfLifeHours", r.history_half_life_hours)?,
            history_factor: r.history_factor as f32,
            history_neighbours: count("historyNeighbours", r.history_neighbours, 0, 1000)?,
            purchase_half_life_days: positive("purchaseHalfLifeDays", r.purchase_half_life_days)?,
            affinity_half_life_days: positive("affinityHalfLifeDays", r.affinity_half_life_days)?,
            affinity_categories: count("affinityCategories", r.affinity_categories, 0, 100)?,
            category_candidates: count("categoryCandidates", r.category_candidates, 0, MAX_CANDIDATES)?,
            popular_candidates: count("popularCandidates", r.popular_candidates, 0, MAX_CANDIDATES)?,
            stock_depth: count("stockDepth", r.stock_depth, 1, 1_000_000)? as f32,
            promotion_cap: count("promotionCap", r.promotion_cap, 0, 100)?,
            remind_viewed: r.remind_viewed,
            repeat_half_count: positive("repeatHalfCount", r.repeat_half_count)?,
        })
    }
}
