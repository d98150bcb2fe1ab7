//! vitrine's native side: the command-line tools (and, later, the snapshot server).
//!
//! `vitrine model build` learns a catalogue bundle from purchase history ([`model`]);
//! `vitrine demo` writes the README demo's bundle, stock and sample shoppers ([`demo`]);
//! `vitrine ab analyze` and `vitrine ab calibrate` analyse A/B tests from exposure and
//! conversion events ([`events`], [`ab`]).
//! The binary (`src/main.rs`) only prints what [`cli::run`] returns.

pub mod ab;
pub mod cli;
pub mod demo;
pub mod error;
pub mod events;
pub mod model;
