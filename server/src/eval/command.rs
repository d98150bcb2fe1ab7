//! `vitrine eval`: flags to an evaluation, the report to stdout (and `--json`).

use std::path::PathBuf;

use super::data;
use super::instacart::Target;
use super::run::{basket, next_click};
use crate::cli::Flags;
use crate::error::{write_file, CliError};
use crate::model::command::one_of;
use crate::model::diginetica::{Diginetica, Part};
use crate::model::instacart::Instacart;

/// Flags of `eval`.
pub const FLAGS: &[&str] = &[
    "bundle",
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

/// `vitrine eval`.
pub fn run(flags: &Flags) -> Result<Vec<String>, CliError> {
    let bundle: PathBuf = flags.path("bundle")?;
    let source = one_of(flags, &["yoochoose-test", "diginetica", "instacart", "events-test"])?;
    if flags.has("saved") && !matches!(source, "yoochoose-test" | "events-test") {
        return Err(CliError::Usage("--saved is for next-click data (--yoochoose-test, --events-test)".into()));
    }
    let report = match source {
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
    };
    if let Some(path) = flags.opt_path("json") {
        write_file(&path, report.json().as_bytes())?;
    }
    Ok(report.lines())
}
