//! `vitrine ab analyze` and `vitrine ab calibrate`: their flags, checked before anything
//! is read, and the order of work that makes a failed run leave nothing behind (read,
//! analyse, render, and only then write).
//!
//! The parser is this module's own rather than `cli::Flags`: `ab analyze` takes a
//! positional event log and a switch (`--cuped`), neither of which `Flags` (pairs of
//! `--name value`) has a place for.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::error::{write_file, CliError};

use super::adapters::{cookie_cats, open_bandit};
use super::analysis::{analyze as run_analysis, Options};
use super::calibrate::{self, Config};
use super::sequential::DEFAULT_TAU;
use super::simulate::{self, Variant};
use super::{attribution, calendar, html, report};

/// Parsed arguments: positionals, `--name value` pairs and switches.
#[derive(Debug, Default)]
struct Args {
    positional: Vec<OsString>,
    values: Vec<(String, OsString)>,
    switches: Vec<String>,
}

impl Args {
    fn parse(args: &[OsString], valued: &[&str], switches: &[&str]) -> Result<Args, CliError> {
        let mut out = Args::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let text = arg.to_string_lossy();
            let Some(body) = text.strip_prefix("--") else {
                out.positional.push(arg.clone());
                continue;
            };
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n.to_owned(), Some(OsString::from(v))),
                None => (body.to_owned(), None),
            };
            if out.values.iter().any(|(n, _)| *n == name) || out.switches.contains(&name) {
                return Err(usage(format!("--{name} is given twice")));
            }
            if switches.contains(&name.as_str()) {
                if inline.is_some() {
                    return Err(usage(format!("--{name} takes no value")));
                }
                out.switches.push(name);
            } else if valued.contains(&name.as_str()) {
                let value = match inline {
                    Some(v) => v,
                    None => it.next().cloned().ok_or_else(|| usage(format!("--{name} needs a value")))?,
                };
                out.values.push((name, value));
            } else {
                let all: Vec<String> = valued.iter().chain(switches).map(|a| format!("--{a}")).collect();
                return Err(usage(format!("unknown flag --{name} (expected {})", all.join(", "))));
            }
        }
        Ok(out)
    }

    fn get(&self, name: &str) -> Option<&OsString> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| v.to_string_lossy().into_owned())
    }

    fn switch(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }

    /// `--name` parsed as a `T`, `default` when absent, refused unless `ok` holds.
    fn number<T: std::str::FromStr + Copy>(
        &self,
        name: &str,
        default: T,
        ok: impl Fn(T) -> bool,
        what: &str,
    ) -> Result<T, CliError> {
        let Some(text) = self.text(name) else { return Ok(default) };
        match text.parse::<T>() {
            Ok(v) if ok(v) => Ok(v),
            _ => Err(usage(format!("--{name} must be {what}, not {text:?}"))),
        }
    }
}

fn usage(message: impl Into<String>) -> CliError {
    CliError::Usage(message.into())
}

/// Runs `vitrine ab <args>`.
pub fn run(args: &[OsString]) -> Result<Vec<String>, CliError> {
    match args.first().map(|a| a.to_string_lossy()).as_deref() {
        Some("analyze") => analyze(&args[1..]),
        Some("calibrate") => calibrate(&args[1..]),
        Some("simulate") => simulate(&args[1..]),
        Some(other) => {
            Err(usage(format!("unknown `vitrine ab` subcommand {other:?} (expected analyze, simulate or calibrate)")))
        }
        None => Err(usage("`vitrine ab` needs a subcommand: analyze, simulate or calibrate")),
    }
}

/// Where the units come from.
enum Source {
    Events(PathBuf),
    CookieCats(PathBuf, &'static str),
    OpenBandit(PathBuf, String),
}

fn analyze(args: &[OsString]) -> Result<Vec<String>, CliError> {
    let a = Args::parse(
        args,
        &[
            "experiment",
            "format",
            "html",
            "cookie-cats",
            "metric",
            "open-bandit",
            "campaign",
            "weights",
            "alpha",
            "tau",
        ],
        &["cuped"],
    )?;
    if a.positional.len() > 1 {
        return Err(usage("`vitrine ab analyze` reads one event log"));
    }
    let events = a.positional.first().map(PathBuf::from);
    let source = match (events, a.get("cookie-cats"), a.get("open-bandit")) {
        (Some(p), None, None) => Source::Events(p),
        (None, Some(p), None) => {
            let metric =
                a.text("metric").ok_or_else(|| usage("--cookie-cats needs --metric retention_1 or retention_7"))?;
            let metric = cookie_cats::METRICS
                .into_iter()
                .find(|m| *m == metric)
                .ok_or_else(|| usage(format!("--metric must be retention_1 or retention_7, not {metric:?}")))?;
            Source::CookieCats(p.into(), metric)
        }
        (None, None, Some(p)) => {
            let campaign = a.text("campaign").unwrap_or_else(|| "all".into());
            if !open_bandit::CAMPAIGNS.contains(&campaign.as_str()) {
                return Err(usage(format!("--campaign must be all, men or women, not {campaign:?}")));
            }
            Source::OpenBandit(p.into(), campaign)
        }
        (None, None, None) => {
            return Err(usage("`vitrine ab analyze` needs an event log, --cookie-cats <csv> or --open-bandit <dir>"))
        }
        _ => return Err(usage("give one of: an event log, --cookie-cats, --open-bandit")),
    };
    let is_events = matches!(source, Source::Events(_));
    for (flag, allowed) in [
        ("experiment", is_events),
        ("metric", matches!(source, Source::CookieCats(..))),
        ("campaign", matches!(source, Source::OpenBandit(..))),
    ] {
        if a.get(flag).is_some() && !allowed {
            return Err(usage(format!("--{flag} does not apply to this source")));
        }
    }
    if a.switch("cuped") && !is_events {
        return Err(usage("--cuped needs an event log: only events carry a pre-period"));
    }
    let format = a.text("format").unwrap_or_else(|| "table".into());
    if format != "table" && format != "json" {
        return Err(usage(format!("--format must be table or json, not {format:?}")));
    }
    let options = Options {
        alpha: a.number("alpha", 0.05, |v: f64| v > 0.0 && v < 1.0, "a number between 0 and 1")?,
        tau: a.number("tau", DEFAULT_TAU, |v: f64| v > 0.0 && v.is_finite(), "a positive number")?,
        cuped: a.switch("cuped"),
    };
    let weights = a.text("weights").map(|w| weights(&w)).transpose()?;
    let pair = |w: Option<Vec<f64>>| match w {
        Some(w) if w.len() != 2 => Err(usage(format!("--weights gives {} shares; this source has 2 arms", w.len()))),
        Some(w) => Ok(w),
        None => Ok(vec![1.0, 1.0]),
    };
    let report_path = a.get("html").map(PathBuf::from);
    if let (Some(out), Source::Events(input) | Source::CookieCats(input, _)) = (&report_path, &source) {
        // The report must never replace its own input.
        if same_file(out, input) {
            return Err(usage(format!("--html {} would overwrite the input", out.display())));
        }
    }
    let data = match source {
        Source::Events(path) => attribution::from_events(&path, a.text("experiment").as_deref(), weights.as_deref())?,
        Source::CookieCats(path, metric) => cookie_cats::read(&path, metric, pair(weights)?)?,
        Source::OpenBandit(dir, campaign) => open_bandit::read(&dir, &campaign, pair(weights)?)?,
    };
    let analysis = run_analysis(&data, &options)?;
    let mut lines = match format.as_str() {
        "json" => vec![report::json(&analysis)],
        _ => report::table(&analysis),
    };
    if let Some(path) = report_path {
        write_file(&path, html::render(&analysis).as_bytes())?;
        if format == "table" {
            lines.push(String::new());
            lines.push(format!("wrote {}", path.display()));
        }
    }
    Ok(lines)
}

/// Both paths name one existing file (a report path that does not exist yet cannot be).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// `0.5,0.5` as shares: at least two, each positive and finite.
fn weights(text: &str) -> Result<Vec<f64>, CliError> {
    let parsed: Option<Vec<f64>> =
        text.split(',').map(|w| w.trim().parse::<f64>().ok().filter(|v| *v > 0.0 && v.is_finite())).collect();
    match parsed {
        Some(w) if w.len() >= 2 => Ok(w),
        _ => Err(usage(format!("--weights must be two or more positive shares like 0.5,0.5, not {text:?}"))),
    }
}

/// `control;affinity=1.5,popularity=0.1`: variants separated by `;`, each a key (when its
/// first part has no `=`) and `feature=weight` overrides; keys default to `control`,
/// `treatment`, `treatment-2`...
fn variants(text: &str) -> Result<Vec<Variant>, CliError> {
    let mut out = Vec::new();
    for (i, part) in text.split(';').enumerate() {
        let mut v = Variant { key: String::new(), weights: Default::default() };
        for item in part.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item.split_once('=') {
                Some((name, w)) => {
                    let w: f64 = w
                        .trim()
                        .parse()
                        .ok()
                        .filter(|w: &f64| w.is_finite())
                        .ok_or_else(|| usage(format!("--variants: {item:?} needs a number after `=`")))?;
                    v.weights.insert(name.trim().to_owned(), w);
                }
                None if v.key.is_empty() && v.weights.is_empty() => v.key = item.to_owned(),
                None => return Err(usage(format!("--variants: {item:?} is neither a key nor feature=weight"))),
            }
        }
        if v.key.is_empty() {
            v.key = match i {
                0 => "control".into(),
                1 => "treatment".into(),
                n => format!("treatment-{n}"),
            };
        }
        out.push(v);
    }
    if out.len() < 2 {
        return Err(usage("--variants needs at least two variants, separated by `;`"));
    }
    Ok(out)
}

fn simulate(args: &[OsString]) -> Result<Vec<String>, CliError> {
    let a = Args::parse(
        args,
        &[
            "visitors",
            "days",
            "start",
            "seed",
            "variants",
            "split",
            "uplift",
            "consent",
            "slots",
            "experiment",
            "products",
            "bundle",
            "out",
            "truth",
            "format",
        ],
        &[],
    )?;
    if let Some(p) = a.positional.first() {
        return Err(usage(format!("unexpected argument {:?}", p.to_string_lossy())));
    }
    let variants = variants(&a.text("variants").unwrap_or_else(|| "control;affinity=1.5,popularity=0.1".into()))?;
    let split = match a.text("split") {
        Some(s) => {
            let w = weights(&s)?;
            if w.len() != variants.len() {
                return Err(usage(format!("--split gives {} shares for {} variants", w.len(), variants.len())));
            }
            let total: f64 = w.iter().sum();
            w.iter().map(|x| x / total).collect()
        }
        None => Vec::new(),
    };
    let start_text = a.text("start").unwrap_or_else(|| "2026-11-02".into());
    let start = calendar::parse_utc(&format!("{start_text} 00:00:00"))
        .ok_or_else(|| usage(format!("--start must be a date like 2026-11-02, not {start_text:?}")))?;
    let config = simulate::Config {
        experiment: a.text("experiment").unwrap_or_else(|| "ranking-weights".into()),
        variants,
        split,
        visitors: a.number(
            "visitors",
            20_000,
            |v: u64| (1..=10_000_000).contains(&v),
            "a whole number from 1 to 10,000,000",
        )?,
        days: a.number("days", 14, |v: u32| (1..=365).contains(&v), "a whole number from 1 to 365")?,
        start,
        uplift: a.number("uplift", 0.0, |v: f64| v > -1.0 && v.is_finite(), "a relative uplift above -1")?,
        consent: a.number("consent", 0.8, |v: f64| (0.0..=1.0).contains(&v), "a share from 0 to 1")?,
        slots: a.number("slots", 8, |v: u32| (1..=50).contains(&v), "a whole number from 1 to 50")?,
        seed: a.number("seed", 2026, |_: u64| true, "a whole number")?,
        behaviour: Default::default(),
    };
    if config.experiment.is_empty() {
        return Err(usage("--experiment must not be empty"));
    }
    let format = a.text("format").unwrap_or_else(|| "table".into());
    if format != "table" && format != "json" {
        return Err(usage(format!("--format must be table or json, not {format:?}")));
    }
    let (bundle, stock) = match (a.get("bundle"), a.get("products")) {
        (Some(_), Some(_)) => return Err(usage("give --bundle or --products, not both")),
        (Some(path), None) => simulate::catalogue::from_file(std::path::Path::new(path), start)?,
        (None, _) => {
            let n = a.number(
                "products",
                2_000,
                |v: usize| (10..=200_000).contains(&v),
                "a whole number from 10 to 200,000",
            )?;
            simulate::catalogue::synthetic(n, config.seed, start)
        }
    };
    let truth = match a.get("out").map(PathBuf::from) {
        Some(path) => {
            let mut bytes = Vec::new();
            let truth = simulate::run(bundle, &stock, &config, &mut bytes)?;
            write_file(&path, &bytes)?;
            truth
        }
        None => simulate::run(bundle, &stock, &config, std::io::stdout().lock())?,
    };
    if let Some(path) = a.get("truth").map(PathBuf::from) {
        write_file(&path, serde_json::to_string_pretty(&truth).unwrap_or_default().as_bytes())?;
    }
    let lines = match format.as_str() {
        "json" => vec![serde_json::to_string_pretty(&truth).unwrap_or_default()],
        _ => simulate::summary(&truth),
    };
    if a.get("out").is_some() {
        return Ok(lines);
    }
    // The log went to stdout: the summary goes beside it.
    for line in lines {
        eprintln!("{line}");
    }
    Ok(Vec::new())
}

fn calibrate(args: &[OsString]) -> Result<Vec<String>, CliError> {
    let a = Args::parse(
        args,
        &["runs", "days", "visitors-per-day", "rate", "uplift", "alpha", "tau", "seed", "threads", "format"],
        &[],
    )?;
    if let Some(p) = a.positional.first() {
        return Err(usage(format!("unexpected argument {:?}", p.to_string_lossy())));
    }
    let config = Config {
        runs: a.number("runs", 2000, |v: u32| (1..=1_000_000).contains(&v), "a whole number from 1 to 1,000,000")?,
        days: a.number("days", 14, |v: u32| (1..=3650).contains(&v), "a whole number from 1 to 3650")?,
        visitors_per_day: a.number("visitors-per-day", 20_000, |v: u32| v >= 2, "a whole number of at least 2")?,
        rate: a.number("rate", 0.05, |v: f64| v > 0.0 && v < 1.0, "a conversion rate between 0 and 1")?,
        uplift: a.number("uplift", 0.05, |v: f64| v > -1.0 && v.is_finite(), "a relative uplift above -1")?,
        alpha: a.number("alpha", 0.05, |v: f64| v > 0.0 && v < 1.0, "a number between 0 and 1")?,
        tau: a.number("tau", DEFAULT_TAU, |v: f64| v > 0.0 && v.is_finite(), "a positive number")?,
        seed: a.number("seed", 2026, |_: u64| true, "a whole number")?,
    };
    if config.rate * (1.0 + config.uplift) >= 1.0 {
        return Err(usage("--rate with --uplift gives a treatment rate of 1 or more"));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = a.number("threads", cores, |v: usize| (1..=256).contains(&v), "a whole number from 1 to 256")?;
    let result = calibrate::run(&config, threads);
    match a.text("format").as_deref() {
        None | Some("table") => Ok(calibrate::table(&result)),
        Some("json") => Ok(vec![serde_json::to_string_pretty(&result).unwrap_or_default()]),
        Some(other) => Err(usage(format!("--format must be table or json, not {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage_error(list: &[&str]) -> String {
        crate::usage_error_of(run, list)
    }

    #[test]
    fn usage_errors() {
        assert!(usage_error(&[]).contains("analyze, simulate or calibrate"));
        assert!(usage_error(&["simulte"])
            .contains("unknown `vitrine ab` subcommand \"simulte\" (expected analyze, simulate or calibrate)"));
        assert!(usage_error(&["simulate", "--variants", "control"]).contains("at least two variants"));
        assert!(usage_error(&["simulate", "--variants", "a;b=x"]).contains("needs a number"));
        assert!(usage_error(&["simulate", "--split", "1,1,1"]).contains("3 shares for 2 variants"));
        assert!(usage_error(&["simulate", "--start", "02/11/2026"]).contains("--start must be a date"));
        assert!(usage_error(&["simulate", "--bundle", "b", "--products", "10"]).contains("not both"));
        assert!(usage_error(&["simulate", "--consent", "2"]).contains("--consent must be"));
        assert!(usage_error(&["analyze"]).contains("needs an event log"));
        assert!(usage_error(&["analyze", "a.jsonl", "b.jsonl"]).contains("one event log"));
        assert!(usage_error(&["analyze", "a.jsonl", "--cookie-cats", "c.csv"]).contains("give one of"));
        assert!(usage_error(&["analyze", "--cookie-cats", "c.csv"]).contains("needs --metric"));
        assert!(usage_error(&["analyze", "--cookie-cats", "c.csv", "--metric", "retention_3"]).contains("retention_3"));
        assert!(usage_error(&["analyze", "--cookie-cats", "c.csv", "--metric=retention_1", "--cuped"])
            .contains("pre-period"));
        assert!(usage_error(&["analyze", "--open-bandit", "d", "--campaign", "kids"]).contains("all, men or women"));
        assert!(usage_error(&["analyze", "--open-bandit", "d", "--experiment", "x"])
            .contains("--experiment does not apply"));
        assert!(usage_error(&["analyze", "e.jsonl", "--campaign", "men"]).contains("--campaign does not apply"));
        assert!(usage_error(&["analyze", "e.jsonl", "--cuped=yes"]).contains("takes no value"));
        assert!(usage_error(&["analyze", "e.jsonl", "--cuped", "--cuped"]).contains("twice"));
        assert!(usage_error(&["analyze", "e.jsonl", "--alpha", "1.5"]).contains("--alpha must be"));
        assert!(usage_error(&["analyze", "e.jsonl", "--format", "xml"]).contains("table or json"));
        assert!(usage_error(&["analyze", "e.jsonl", "--weights", "0.5,-1"]).contains("positive shares"));
        assert!(usage_error(&["analyze", "e.jsonl", "--weights", "1"]).contains("positive shares"));
        assert!(usage_error(&["analyze", "--open-bandit", "d", "--weights", "1,1,1"])
            .contains("3 shares; this source has 2"));
        assert!(usage_error(&["analyze", "e.jsonl", "--html"]).contains("--html needs a value"));
        assert!(usage_error(&["analyze", "e.jsonl", "--bogus"]).contains("unknown flag --bogus"));
        assert!(usage_error(&["calibrate", "--runs", "0"]).contains("--runs must be"));
        assert!(usage_error(&["calibrate", "--rate", "0.99", "--uplift", "0.05"]).contains("rate of 1 or more"));
        assert!(usage_error(&["calibrate", "extra"]).contains("unexpected argument"));
    }

    #[test]
    fn weights_parse() {
        assert_eq!(weights("0.5,0.5").unwrap(), [0.5, 0.5]);
        assert_eq!(weights("1, 2 ,3").unwrap(), [1.0, 2.0, 3.0]);
        for bad in ["", "0.5", "0,1", "a,b", "inf,1", "0.5,,0.5"] {
            assert!(weights(bad).is_err(), "{bad:?}");
        }
    }
}
