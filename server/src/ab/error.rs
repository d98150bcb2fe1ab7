//! Why an A/B analysis cannot be given for its input, each cause with a stable code.
//!
//! These are the input's problems, not ours (exit status 2): an operator reading the
//! message should know what to fix in the log or the command line. Malformed lines and
//! rows are reported by their readers (`E_EVENT_MALFORMED`, `E_NEGATIVE_VALUE`,
//! `E_MALFORMED_INPUT`, with file and line); what is here needs the whole input to see.

use std::path::PathBuf;

use thiserror::Error;

/// Why an analysis was refused.
#[derive(Debug, Error)]
pub enum AbError {
    /// The log holds no exposure at all (or none to the experiment asked for).
    #[error("{}: no exposures{}", path.display(), experiment.as_ref().map(|e| format!(" to experiment {e:?}")).unwrap_or_default())]
    NoExposures { path: PathBuf, experiment: Option<String> },
    /// The log holds several experiments and `--experiment` does not say which.
    #[error("{} holds {} experiments ({}): name one with --experiment", path.display(), found.len(), found.join(", "))]
    ExperimentRequired { path: PathBuf, found: Vec<String> },
    /// `--experiment` names one the log does not hold.
    #[error("{} has no experiment {wanted:?} (it holds {})", path.display(), found.join(", "))]
    UnknownExperiment { path: PathBuf, wanted: String, found: Vec<String> },
    /// An arm that should have units has none: no comparison involving it means anything.
    #[error("variant {arm} has no units{}", if *crossovers > 0 { format!(" ({crossovers} visitors were excluded as crossovers)") } else { String::new() })]
    EmptyArm { arm: String, crossovers: u64 },
    /// A variant the experiment does not have (beyond `--weights`, or an unknown label).
    #[error("{at}: unknown variant {variant} (the experiment has {known})")]
    UnknownVariant { at: String, variant: String, known: String },
}

impl AbError {
    /// The stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoExposures { .. } => "E_AB_NO_EXPOSURES",
            Self::ExperimentRequired { .. } => "E_AB_EXPERIMENT_REQUIRED",
            Self::UnknownExperiment { .. } => "E_AB_UNKNOWN_EXPERIMENT",
            Self::EmptyArm { .. } => "E_AB_EMPTY_ARM",
            Self::UnknownVariant { .. } => "E_AB_UNKNOWN_VARIANT",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CliError;

    #[test]
    fn codes_and_exit_status() {
        let e = CliError::from(AbError::EmptyArm { arm: "1 (treatment)".into(), crossovers: 3 });
        assert_eq!((e.code(), e.exit_code()), ("E_AB_EMPTY_ARM", 2));
        assert_eq!(e.to_string(), "variant 1 (treatment) has no units (3 visitors were excluded as crossovers)");
        let e = AbError::ExperimentRequired { path: "x.jsonl".into(), found: vec!["a".into(), "b".into()] };
        assert_eq!(e.to_string(), "x.jsonl holds 2 experiments (a, b): name one with --experiment");
    }
}
