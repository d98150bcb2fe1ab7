//! Adapters from real experiment logs to a [`Dataset`](super::Dataset): each reads one
//! source's files and says what its unit and its conversion are.
//!
//! - [`cookie_cats`]: the Cookie Cats mobile-game test; unit = player, conversion =
//!   retention after 1 or 7 days; no times, no revenue.
//! - [`open_bandit`]: the Open Bandit Dataset's random and Bernoulli-Thompson-sampling
//!   policies; unit = impression, conversion = click; timestamps give the days.
//!
//! Both read through [`crate::model::table::Table`], which refuses a file whose header
//! lacks a column they need (`E_MISSING_COLUMN`) before any row is read.

pub mod cookie_cats;
pub mod open_bandit;
