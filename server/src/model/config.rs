//! A model configuration: how to learn (the learner's parameters) and how to rank (the
//! weights and ranking settings written into the bundle). `vitrine tune` writes one,
//! `vitrine model build --config` reads it; JSON, so it can be read and diffed.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use vitrine::bundle::RankingSettings;
use vitrine::weights::Feature;

use super::learn::LearnParams;
use crate::error::CliError;

/// See the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ModelConfig {
    /// What the configuration is for and how it was found (free text, kept as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    pub learn: LearnParams,
    /// Cut a visitor's events into visits at gaps longer than this (generic events
    /// keyed by visitor); 0 keeps each key one visit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_gap_minutes: Option<f64>,
    /// Ranking weights by feature name (see `docs/FORMATS.md`); unnamed ones keep the
    /// engine's defaults.
    pub weights: BTreeMap<String, f64>,
    pub ranking: RankingOverrides,
}

/// The bundle's `ranking` settings a configuration may set; unset ones keep the engine's
/// defaults. Names as in the bundle.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct RankingOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_per_category: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_half_life: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history_half_life_hours: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history_factor: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history_neighbours: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase_half_life_days: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affinity_half_life_days: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affinity_categories: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_candidates: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub popular_candidates: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock_depth: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promotion_cap: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remind_viewed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_half_count: Option<f64>,
}

impl RankingOverrides {
    /// The engine's default settings with these applied.
    pub fn apply(&self, mut s: RankingSettings) -> RankingSettings {
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { s.$f = v; } )* };
        }
        set!(
            limit,
            max_per_category,
            session_half_life,
            history_half_life_hours,
            history_factor,
            history_neighbours,
            purchase_half_life_days,
            affinity_half_life_days,
            affinity_categories,
            category_candidates,
            popular_candidates,
            stock_depth,
            promotion_cap,
            remind_viewed,
            repeat_half_count
        );
        s
    }
}

impl ModelConfig {
    /// Reads a configuration file; unknown keys and unknown weight names are refused (a
    /// misspelt setting would otherwise do nothing).
    pub fn read(path: &Path) -> Result<ModelConfig, CliError> {
        let text = std::fs::read_to_string(path).map_err(|source| CliError::Read { path: path.to_owned(), source })?;
        let c: ModelConfig = serde_json::from_str(&text)
            .map_err(|e| CliError::malformed(path, e.line() as u64, format!("{e} (a model configuration)")))?;
        for name in c.weights.keys() {
            if Feature::from_name(name).is_none() {
                return Err(CliError::malformed(path, 1, format!("weights: unknown feature {name:?}")));
            }
        }
        Ok(c)
    }

    /// The configuration as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a configuration always serialises") + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_misspellings() {
        let mut c = ModelConfig::default();
        c.learn.window = 5;
        c.weights.insert("revisit".into(), 2.5);
        c.ranking.remind_viewed = Some(true);
        c.ranking.session_half_life = Some(1.5);
        let back: ModelConfig = serde_json::from_str(&c.to_json()).unwrap();
        assert_eq!(back, c);
        let s = c.ranking.apply(RankingSettings::default());
        assert!(s.remind_viewed);
        assert_eq!((s.session_half_life, s.limit), (1.5, RankingSettings::default().limit));
        assert!(serde_json::from_str::<ModelConfig>(r#"{"ranking":{"remindViewd":true}}"#).is_err());
        assert!(serde_json::from_str::<ModelConfig>(r#"{"learn":{"windw":3}}"#).is_err());
        let dir = crate::scratch_dir("config");
        let path = dir.join("c.json");
        std::fs::write(&path, r#"{"weights":{"similarty":1}}"#).unwrap();
        assert!(ModelConfig::read(&path).unwrap_err().to_string().contains("unknown feature"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
