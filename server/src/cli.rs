//! The command line: `vitrine <command> [--flag value]...`, parsed by hand (a few
//! commands and flags do not need a parser crate), dispatched to the command's module.

use std::ffi::OsString;
use std::path::PathBuf;
use std::str::FromStr;

use crate::demo;
use crate::error::CliError;
use crate::{eval, model, tune};

pub const USAGE: &str = "\
vitrine: native tools for the vitrine personalization engine

Usage:
  vitrine model build <source> --out <bundle.msgpack> [--config <model.json>]
                      [--version <string>] [--threads <n>]
      Learn a catalogue bundle (products, neighbours, complements, popularity, and
      the configuration's weights and ranking settings) from event history. <source>:
        --instacart <dir> [--orders <file>] [--part all|train|tune|before:<k>]
        --yoochoose <clicks.txt>            (session-rec's SessionId/ItemId/Time)
        --diginetica <dir> [--views <file>] [--part all|train|tune]
        --events <file.jsonl|file.csv>      (the generic format, docs/FORMATS.md)
      train/tune leave out what `vitrine eval --part test/valid` predicts (Instacart:
      before:<k> leaves out each user's last k orders, for `eval --part order:<k>`).
  vitrine model synth --events <n> --out <file.csv> [--items <n>] [--seed <n>]
      Write n synthetic events in the generic CSV format (the scale benchmark).
  vitrine eval --bundle <bundle.msgpack> <data> [--json <report.json>]
      Replay held-out sessions through the engine and the baselines; print HR@k,
      MRR@k (k = 5, 10, 20), coverage and popularity bias. <data>:
        --yoochoose-train <file> --yoochoose-test <file> [--saved <dir>]
        --diginetica <dir> [--views <file>] --part test|valid
        --instacart <dir> [--orders <file>] --part test|valid|order:<k>
        --events-train <file> --events-test <file>
  vitrine eval --config <model.json> --instacart <dir> [--orders <file>]
               --part orders:<a>-<b> [--json <report.json>]
      Rolling origin: for each k from a to b, learn a model with the configuration
      without each user's last k orders and complete the k-th from last; report all
      orders pooled (intervals resampling users), then each.
  vitrine tune <data> --out <model.json> [--budget <n>]
      Search the learner's parameters and the ranking weights on a validation split
      (never the test set); write the best configuration for `model build --config`.
        --yoochoose-train <train_tr> --yoochoose-valid <train_valid>
        --diginetica <dir> [--views <file>]
        --instacart <dir> [--orders <file>]
  vitrine demo --instacart <dir> --out <dir>
      Write the demo's bundle.msgpack, stock.msgpack, shoppers.json and
      categories.json into <dir>; then run `node scripts/demo.mjs <dir>`.
  vitrine ab analyze <events.jsonl> [--experiment <key>] [--cuped] [--weights 0.5,0.5]
                     [--alpha 0.05] [--tau 0.05] [--format table|json] [--html <report.html>]
  vitrine ab analyze --cookie-cats <csv> --metric retention_1|retention_7 [...]
  vitrine ab analyze --open-bandit <dir> [--campaign all|men|women] [...]
      Analyse an A/B test: per variant units, conversions, rate, revenue per visitor;
      uplift with 95% intervals, z-test, Welch t-test, sample-ratio check, always-valid
      sequential test (mSPRT), optional CUPED; a table, JSON, or a self-contained HTML
      report with the cumulative uplift by day. Events: docs/FORMATS.md.
  vitrine ab simulate [--visitors 20000] [--days 14] [--start 2026-11-02] [--seed 2026]
                      [--variants \"control;affinity=1.5,popularity=0.1\"] [--split 0.5,0.5]
                      [--uplift 0] [--consent 0.8] [--slots 8] [--experiment ranking-weights]
                      [--products 2000 | --bundle <bundle.msgpack>] [--out <events.jsonl>]
                      [--truth <truth.json>]
      Simulate shoppers visiting a shop whose suggestions the real engine ranks, in an
      experiment between ranking-weight variants; write the exposure and conversion log
      (stdout, or --out) and report each arm's true conversion rate (stderr, or stdout
      with --out). --uplift plants a known relative effect on every treatment arm.
      `vitrine ab simulate | vitrine ab analyze -` runs an experiment end to end.
  vitrine ab calibrate [--runs 2000] [--days 14] [--visitors-per-day 20000] [--rate 0.05]
                       [--uplift 0.05] [--seed 2026] [--threads N] [--format table|json]
      Simulate A/A and planted-uplift tests: false-positive rates and power.
  vitrine help
      Show this.

Exit status: 0 on success, 2 for bad usage or bad input data, 1 otherwise.";

/// Flags after the command words, as `--name value` or `--name=value`.
#[derive(Debug, Default)]
pub struct Flags {
    values: Vec<(String, OsString)>,
}

impl Flags {
    /// Parses `args`, refusing flags not in `allowed` and flags given twice.
    pub fn parse(args: &[OsString], allowed: &[&str]) -> Result<Flags, CliError> {
        let mut flags = Flags::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let text = arg.to_string_lossy();
            let Some(body) = text.strip_prefix("--") else {
                return Err(CliError::Usage(format!("unexpected argument {text:?}")));
            };
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.to_owned(), OsString::from(v)),
                None => {
                    let value = it.next().ok_or_else(|| CliError::Usage(format!("--{body} needs a value")))?;
                    (body.to_owned(), value.clone())
                }
            };
            if !allowed.contains(&name.as_str()) {
                return Err(CliError::Usage(format!(
                    "unknown flag --{name} (expected {})",
                    allowed.iter().map(|a| format!("--{a}")).collect::<Vec<_>>().join(", ")
                )));
            }
            if flags.values.iter().any(|(n, _)| *n == name) {
                return Err(CliError::Usage(format!("--{name} is given twice")));
            }
            flags.values.push((name, value));
        }
        Ok(flags)
    }

    pub fn get(&self, name: &str) -> Option<&OsString> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// True when `--name` was given.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A required path.
    pub fn path(&self, name: &str) -> Result<PathBuf, CliError> {
        self.get(name).map(PathBuf::from).ok_or_else(|| CliError::Usage(format!("--{name} is required")))
    }

    /// An optional path.
    pub fn opt_path(&self, name: &str) -> Option<PathBuf> {
        self.get(name).map(PathBuf::from)
    }

    /// An optional text value.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| v.to_string_lossy().into_owned())
    }

    /// An optional number.
    pub fn number<T: FromStr>(&self, name: &str) -> Result<Option<T>, CliError> {
        match self.text(name) {
            None => Ok(None),
            Some(t) => {
                t.parse().map(Some).map_err(|_| CliError::Usage(format!("--{name}: {t:?} is not a valid number")))
            }
        }
    }
}

/// Runs the command in `args` (without the program name); returns the lines to print.
pub fn run(args: &[OsString]) -> Result<Vec<String>, CliError> {
    let words: Vec<String> = args.iter().take(2).map(|a| a.to_string_lossy().into_owned()).collect();
    match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] | ["help" | "--help" | "-h", ..] => Ok(vec![USAGE.to_owned()]),
        ["model", "build", ..] => model::command::build(&Flags::parse(&args[2..], model::command::BUILD_FLAGS)?),
        ["model", "synth", ..] => model::command::synth(&Flags::parse(&args[2..], model::command::SYNTH_FLAGS)?),
        ["model", ..] => Err(CliError::Usage("`vitrine model` has two subcommands: build, synth".into())),
        ["eval", ..] => eval::command::run(&Flags::parse(&args[1..], eval::command::FLAGS)?),
        ["tune", ..] => tune::run(&Flags::parse(&args[1..], tune::FLAGS)?),
        ["demo", ..] => {
            let flags = Flags::parse(&args[1..], &["instacart", "out"])?;
            demo::run(&flags.path("instacart")?, &flags.path("out")?)
        }
        ["ab", ..] => crate::ab::cli::run(&args[1..]),
        [other, ..] => Err(CliError::Usage(format!("unknown command {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_args as args;

    fn usage_error(list: &[&str]) -> String {
        crate::usage_error_of(run, list)
    }

    #[test]
    fn help_and_usage_errors() {
        assert!(run(&args(&[])).unwrap()[0].contains("vitrine model build"));
        assert!(run(&args(&["--help"])).unwrap()[0].contains("vitrine demo"));
        assert!(usage_error(&["frobnicate"]).contains("unknown command \"frobnicate\""));
        assert!(usage_error(&["model"]).contains("build"));
        assert!(usage_error(&["model", "build", "--out", "x"]).contains("one of --instacart"));
        assert!(usage_error(&["eval", "--bundle", "b"]).contains("one of"));
        assert!(
            usage_error(&["model", "build", "--out", "x", "--threads", "many", "--events", "e"]).contains("--threads")
        );
        assert!(usage_error(&["demo", "--out"]).contains("--out needs a value"));
        assert!(usage_error(&["demo", "--outt=x"]).contains("unknown flag --outt"));
        assert!(usage_error(&["demo", "--out", "a", "--out=b"]).contains("twice"));
        assert!(usage_error(&["demo", "stray"]).contains("unexpected argument"));
    }

    #[test]
    fn flags_take_both_spellings() {
        let f = Flags::parse(&args(&["--out=a=b", "--instacart", "d"]), &["out", "instacart"]).unwrap();
        assert_eq!(f.path("out").unwrap(), PathBuf::from("a=b"));
        assert_eq!(f.path("instacart").unwrap(), PathBuf::from("d"));
    }
}
