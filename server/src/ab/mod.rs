//! `vitrine ab`: the analysis side of A/B testing, from logged exposures and conversions
//! to per-variant results, fixed-horizon and always-valid tests, and a report.
//!
//! The layers, so a new log format is one adapter and a new test one function:
//! - input: [`attribution`] turns an event log (docs/FORMATS.md, "Events") into units
//!   by the attribution rules; [`adapters`] read the Cookie Cats and Open Bandit logs into
//!   the same [`Dataset`];
//! - statistics: [`stats`] (distributions), [`hypothesis`] (z, Welch, SRM), [`sequential`]
//!   (mSPRT), [`cuped`]; they work on per-arm summaries ([`hypothesis::Arm`]), so the
//!   calibration ([`calibrate`]) runs exactly the code the analysis does;
//! - [`analysis`] puts them together, per treatment arm against the control (variant 0),
//!   overall and day by day;
//! - output: [`report`] (terminal table, JSON), [`html`] (self-contained report with the
//!   cumulative-uplift chart), written only once everything has succeeded.

pub mod adapters;
pub mod analysis;
pub mod attribution;
pub mod calendar;
pub mod calibrate;
pub mod cli;
pub mod cuped;
mod error;
pub mod html;
pub mod hypothesis;
pub mod report;
pub mod rng;
pub mod sequential;
pub mod simulate;
pub mod stats;

pub use error::AbError;

/// One unit of analysis (a visitor, a Cookie Cats player, an Open Bandit impression),
/// already attributed to its arm.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Unit {
    /// Index into [`Dataset::arms`]; 0 is the control.
    pub arm: usize,
    /// When the unit entered the experiment (first exposure), ms since 1970; `None` when
    /// the source has no times.
    pub first: Option<u64>,
    /// The conversions that count for it, as (time ms, value): at or after `first`.
    /// Without times, one entry at 0 for a converted unit.
    pub conversions: Vec<(u64, f64)>,
    /// Its revenue before `first`: the CUPED covariate.
    pub pre: f64,
}

impl Unit {
    /// Converted at least once.
    pub fn converted(&self) -> bool {
        !self.conversions.is_empty()
    }

    /// Sum of the values of its conversions.
    pub fn revenue(&self) -> f64 {
        self.conversions.iter().map(|&(_, v)| v).sum()
    }
}

/// What an input gives the analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Where it came from, for the report.
    pub source: String,
    pub experiment: String,
    /// What counts as a conversion ("conversion", "retention_7", "click").
    pub metric: String,
    /// Arm labels; index 0 is the control.
    pub arms: Vec<String>,
    /// The expected share of units per arm, any positive scale.
    pub weights: Vec<f64>,
    pub units: Vec<Unit>,
    /// Units carry order values (event logs do; Cookie Cats and Open Bandit do not).
    pub has_revenue: bool,
    /// Units carry a pre-period covariate for CUPED.
    pub has_covariate: bool,
    /// Visitors exposed to more than one variant, excluded.
    pub crossovers: u64,
    /// What the adapter set aside and why, for the report.
    pub notes: Vec<String>,
}
