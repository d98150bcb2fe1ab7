//! `vitrine eval`: flags to an evaluation, the report to stdout (and `--json`).

use std::ops::RangeInclusive;
use std::path::PathBuf;

use super::data;
use super::instacart::Target;
use super::report::Report;
use super::run::{basket, next_click, rolling as rolling_report};
use crate::cli::Flags;
use crate::error::{write_file, CliError};
use crate::model::command::one_of;
use crate::model::config::ModelConfig;
use crate::model::diginetica::{Diginetica, Part};
use crate::model::instacart::Instacart;

/// Flags of `eval`.
pub const FLAGS: &[&str] = &[
    "bundle",
    "config",
    "json",
    "yoochoose-train",
    "yoochoose-test",
    "saved",
    "diginetica",
    "views",
    "instacart",
    "orders",
    "part",
    "events-train",
    "events-test",
];

/// `--part test|valid` (Instacart also `order:<k>`, each user's `k`-th from last order),
/// required: which held-out part is predicted. Returns the `k`: 1 for the test, 2 for
/// validation.
fn part(flags: &Flags, orders: bool) -> Result<usize, CliError> {
    match flags.text("part").as_deref() {
        Some("test") => Ok(1),
        Some("valid") => Ok(2),
        Some(other) => match other.strip_prefix("order:").and_then(|k| k.parse::<usize>().ok()) {
            Some(k) if orders && k >= 1 => Ok(k),
            _ => Err(CliError::Usage(format!(
                "--part {other:?}: expected test, valid{}",
                if orders { " or order:<k>" } else { "" }
            ))),
        },
        None => Err(CliError::Usage("--part test|valid is required".into())),
    }
}

/// Instacart's `--part orders:<a>-<b>`: several orders from last, each learned apart.
fn order_range(flags: &Flags) -> Result<Option<RangeInclusive<usize>>, CliError> {
    let Some(spec) = flags.text("part").and_then(|p| p.strip_prefix("orders:").map(str::to_owned)) else {
        return Ok(None);
    };
    let bounds = spec.split_once('-').and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)));
    match bounds {
        Some((a, b)) if 1 <= a && a <= b && b - a < MAX_ROLLING_ORDERS => Ok(Some(a..=b)),
        _ => Err(CliError::Usage(format!(
            "--part orders:{spec}: expected orders:<first>-<last>, 1 <= first <= last, at most {MAX_ROLLING_ORDERS} orders"
        ))),
    }
}

/// Orders one rolling evaluation may learn a model for (each takes about a second).
const MAX_ROLLING_ORDERS: usize = 50;

/// `vitrine eval`.
pub fn run(flags: &Flags) -> Result<Vec<String>, CliError> {
    let report = evaluate(flags)?;
    if let Some(path) = flags.opt_path("json") {
        write_file(&path, report.json().as_bytes())?;
    }
    Ok(report.lines())
}

/// The evaluation the flags ask for.
fn evaluate(flags: &Flags) -> Result<Report, CliError> {
    let source = one_of(flags, &["yoochoose-test", "diginetica", "instacart", "events-test"])?;
    let rolling = if source == "instacart" { order_range(flags)? } else { None };
    if let Some(orders) = rolling {
        if flags.has("bundle") {
            return Err(CliError::Usage(
                "--part orders:<a>-<b> learns a model per order: give --config, not --bundle".into(),
            ));
        }
        let config = ModelConfig::read(&flags.path("config")?)?;
        let data = Instacart::read_with(&flags.path("instacart")?, flags.opt_path("orders").as_deref())?;
        return rolling_report(&data, &config, orders);
    }
    if flags.has("config") {
        return Err(CliError::Usage(
            "--config is for --instacart --part orders:<a>-<b>; a bundle carries its own".into(),
        ));
    }
    let bundle: PathBuf = flags.path("bundle")?;
    if flags.has("saved") && !matches!(source, "yoochoose-test" | "events-test") {
        return Err(CliError::Usage("--saved is for next-click data (--yoochoose-test, --events-test)".into()));
    }
    Ok(match source {
        "yoochoose-test" => {
            let d = data::yoochoose(&flags.path("yoochoose-train")?, &flags.path("yoochoose-test")?)?;
            next_click("YooChoose next click", &bundle, &d, flags.opt_path("saved").as_deref())?
        }
        "events-test" => {
            let d = data::events(&flags.path("events-train")?, &flags.path("events-test")?)?;
            next_click("next click", &bundle, &d, flags.opt_path("saved").as_deref())?
        }
        "diginetica" => {
            let p = if part(flags, false)? == 1 { Part::Test } else { Part::Valid };
            let dg = Diginetica::read(&flags.path("diginetica")?, flags.opt_path("views").as_deref())?;
            let d = data::diginetica(&dg, p);
            let name = format!("DIGINETICA next click ({} part)", p.name());
            next_click(&name, &bundle, &d, None)?
        }
        _ => {
            let target = Target(part(flags, true)?);
            let data = Instacart::read_with(&flags.path("instacart")?, flags.opt_path("orders").as_deref())?;
            basket(&bundle, &data, target)?
        }
    })
}
