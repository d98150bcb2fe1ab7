//! GrowthBook-compatible experiment assignment, in pure Rust.
//!
//! Shops already run experiments with GrowthBook; a shop that moves an experiment to the
//! edge must not reshuffle its visitors. So this module reproduces the SDK's assignment
//! bit for bit: the FNV-1a hash over UTF-16 code units ([`hash`]), bucket ranges and
//! variation choice, namespaces, filters, targeting conditions with JavaScript's coercions
//! ([`condition`], [`js`]), the experiment run with its numbered steps ([`run`]), sticky
//! bucketing ([`sticky`]) and the feature evaluation that prerequisites need
//! ([`feature`]). `tests/growthbook.rs` runs GrowthBook's cross-SDK conformance cases
//! (spec 0.8.0) against it.
//!
//! Nothing here knows about ranking: [`crate::experiment`] maps a bundle's experiments
//! onto these types and applies the assigned variation's weights.

pub mod case;
pub mod condition;
pub mod feature;
pub mod hash;
pub mod js;
pub mod number;
pub mod parse;
pub mod regex;
pub mod run;
mod shortest;
pub mod sticky;
pub mod version;

pub use condition::Condition;
pub use run::{run, Assigned, Context, Experiment};
pub use sticky::{StickyDoc, StickyDocs};
