//! Adapters from real experiment logs to a [`Dataset`](super::Dataset): each reads one
//! source's files and says what its unit and its conversion are.
//!
//! - [`cookie_cats`]: the Cookie Cats mobile-game test; unit = player, conversion =
//!   retention after 1 or 7 days; no times, no revenue.
//! - [`open_bandit`]: the Open Bandit Dataset's random and Bernoulli-Thompson-sampling
//!   policies; unit = impression, conversion = click; timestamps give the days.

pub mod cookie_cats;
pub mod open_bandit;

use std::path::Path;

use crate::error::CliError;

use super::AbError;

/// Fails with `E_MISSING_COLUMN` when the CSV at `path` lacks one of `columns`: the
/// check every adapter makes before reading rows, so a wrong file fails on its header.
pub fn require_columns(path: &Path, columns: &[&str]) -> Result<(), CliError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| match e.into_kind() {
        csv::ErrorKind::Io(source) => CliError::Read { path: path.to_owned(), source },
        other => CliError::malformed(path, 1, format!("{other:?}")),
    })?;
    let header = reader.headers().map_err(|e| CliError::malformed(path, 1, e.to_string()))?.clone();
    match columns.iter().find(|c| !header.iter().any(|h| h == **c)) {
        Some(missing) => Err(AbError::MissingColumn { path: path.to_owned(), column: (*missing).to_owned() }.into()),
        None => Ok(()),
    }
}
