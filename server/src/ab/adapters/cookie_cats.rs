//! The Cookie Cats A/B test (Tactile Entertainment; `shared/data/cookie-cats-ab`): 90,189
//! players, the first gate at level 30 (`gate_30`, the control) or 40 (`gate_40`).
//!
//! Unit: a player (one row). Conversion: `retention_1` or `retention_7`, whether the
//! player came back 1 or 7 days after installing. The log has no times (so no daily
//! view; the sequential test gets one look) and no revenue. Booleans are read as the
//! spreadsheet re-save writes them (`TRUE`/`FALSE`) and as the DataCamp original does
//! (`True`/`False`).

use std::collections::HashMap;
use std::path::Path;

use crate::ab::{AbError, Dataset, Unit};
use crate::error::CliError;
use crate::model::table::Table;

/// The retention flags the log holds.
pub const METRICS: [&str; 2] = ["retention_1", "retention_7"];

/// The arms, control first.
const ARMS: [&str; 2] = ["gate_30", "gate_40"];

/// Reads the CSV at `path` with `metric` (one of [`METRICS`]) as the conversion.
pub fn read(path: &Path, metric: &'static str, weights: Vec<f64>) -> Result<Dataset, CliError> {
    let columns: &'static [&'static str] = match metric {
        "retention_1" => &["userid", "version", "retention_1"],
        _ => &["userid", "version", "retention_7"],
    };
    let mut table = Table::open(path, columns)?;
    let mut units = Vec::new();
    // userid → line, so a player listed twice (who would count twice) is refused.
    let mut seen: HashMap<String, u64> = HashMap::new();
    while let Some(row) = table.next_row()? {
        let id = row.text(0);
        if id.is_empty() {
            return Err(row.error("userid is empty"));
        }
        if let Some(first) = seen.insert(id.to_owned(), row.line()) {
            return Err(row.error(format!("userid {id} is also on line {first}")));
        }
        let arm = match row.text(1) {
            "gate_30" => 0,
            "gate_40" => 1,
            other => {
                return Err(AbError::UnknownVariant {
                    at: format!("{}:{}", path.display(), row.line()),
                    variant: format!("{other:?}"),
                    known: "gate_30 and gate_40".into(),
                }
                .into())
            }
        };
        let converted = match row.text(2) {
            "TRUE" | "True" | "true" | "1" => true,
            "FALSE" | "False" | "false" | "0" => false,
            other => return Err(row.error(format!("{metric}: {other:?} is not TRUE or FALSE"))),
        };
        units.push(Unit { arm, first: None, conversions: if converted { vec![(0, 0.0)] } else { vec![] }, pre: 0.0 });
    }
    Ok(Dataset {
        source: path.display().to_string(),
        experiment: "cookie-cats".into(),
        metric: metric.into(),
        arms: ARMS.map(String::from).to_vec(),
        weights,
        units,
        has_revenue: false,
        has_covariate: false,
        crossovers: 0,
        notes: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(name: &str, text: &str) -> std::path::PathBuf {
        let path = crate::scratch_dir("cookie-cats").join(format!("{name}.csv"));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_both_spellings_and_refuses_the_rest() {
        let good = csv(
            "good",
            "userid,version,sum_gamerounds,retention_1,retention_7\n1,gate_30,3,TRUE,False\n2,gate_40,0,false,True\n",
        );
        let d = read(&good, "retention_7", vec![1.0, 1.0]).unwrap();
        assert_eq!(d.units.iter().map(|u| (u.arm, u.converted())).collect::<Vec<_>>(), [(0, false), (1, true)]);
        let cases = [
            (
                "dup",
                "userid,version,retention_7\n1,gate_30,TRUE\n1,gate_40,TRUE\n",
                "E_MALFORMED_INPUT",
                ":3: userid 1 is also on line 2",
            ),
            (
                "arm",
                "userid,version,retention_7\n1,gate_50,TRUE\n",
                "E_AB_UNKNOWN_VARIANT",
                ":2: unknown variant \"gate_50\"",
            ),
            ("bool", "userid,version,retention_7\n1,gate_30,yes\n", "E_MALFORMED_INPUT", "retention_7: \"yes\""),
            (
                "col",
                "userid,version,retention_1\n1,gate_30,TRUE\n",
                "E_MISSING_COLUMN",
                ":1: the header has no column \"retention_7\"",
            ),
        ];
        for (name, text, code, needle) in cases {
            let path = csv(name, text);
            let e = read(&path, "retention_7", vec![1.0, 1.0]).unwrap_err();
            assert_eq!(e.code(), code, "{name}: {e}");
            assert!(e.to_string().contains(needle), "{name}: {e}");
            std::fs::remove_file(path).unwrap();
        }
        std::fs::remove_file(good).unwrap();
    }
}
