//! The Open Bandit Dataset (ZOZOTOWN; `shared/data/open-bandit`): logs of a real A/B test
//! of two recommendation policies on one widget, uniform random (`random/`, the control)
//! and Bernoulli Thompson sampling (`bts/`, the treatment).
//!
//! Unit: an impression (one row: one item shown in one of three slots). Conversion: its
//! click. Rows are impressions rather than visitors because the log has no visitor id
//! (the user features are hashed context), so the analysis is of click-through rate per
//! impression, as the dataset's own CTR figures are. Each row's timestamp is both its
//! exposure and its click, and gives the day. The small version holds 10,000 rows per
//! policy and campaign (a sample, so the split says nothing about assignment).

use std::path::{Path, PathBuf};

use crate::ab::calendar::parse_utc;
use crate::ab::{Dataset, Unit};
use crate::error::CliError;
use crate::model::table::Table;

/// The campaigns, each a folder under both policies.
pub const CAMPAIGNS: [&str; 3] = ["all", "men", "women"];

/// The policies, control first, as the folder names give them.
const POLICIES: [&str; 2] = ["random", "bts"];

/// The log of `policy` in `campaign` under `dir`.
fn log_path(dir: &Path, policy: &str, campaign: &str) -> PathBuf {
    dir.join(policy).join(campaign).join(format!("{campaign}.csv"))
}

/// Reads both policies' logs of `campaign` (one of [`CAMPAIGNS`]) under `dir`.
pub fn read(dir: &Path, campaign: &str, weights: Vec<f64>) -> Result<Dataset, CliError> {
    const COLUMNS: &[&str] = &["timestamp", "click"];
    let mut units = Vec::new();
    for (arm, policy) in POLICIES.iter().enumerate() {
        let path = log_path(dir, policy, campaign);
        let mut table = Table::open(&path, COLUMNS)?;
        while let Some(row) = table.next_row()? {
            let at = parse_utc(row.text(0))
                .ok_or_else(|| row.error(format!("timestamp: {:?} is not a UTC time", row.text(0))))?;
            let clicked = match row.text(1) {
                "0" => false,
                "1" => true,
                other => return Err(row.error(format!("click: {other:?} is not 0 or 1"))),
            };
            units.push(Unit {
                arm,
                first: Some(at),
                conversions: if clicked { vec![(at, 0.0)] } else { vec![] },
                pre: 0.0,
            });
        }
    }
    Ok(Dataset {
        source: format!("{} (campaign {campaign})", dir.display()),
        experiment: format!("open-bandit/{campaign}"),
        metric: "click".into(),
        arms: POLICIES.map(String::from).to_vec(),
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

    #[test]
    fn reads_a_tiny_pair_of_logs_and_names_bad_rows() {
        let dir = crate::scratch_dir("open-bandit");
        let write = |policy: &str, text: &str| {
            let path = log_path(&dir, policy, "men");
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let header = ",timestamp,item_id,position,click,propensity_score\n";
        write("random", &format!("{header}0,2019-11-24 00:00:34.762830+00:00,14,3,0,0.0125\n1,2019-11-25 10:00:00.000000+00:00,3,1,1,0.0125\n"));
        write("bts", &format!("{header}0,2019-11-24 01:00:00.000000+00:00,14,3,1,0.5\n"));
        let d = read(&dir, "men", vec![1.0, 1.0]).unwrap();
        assert_eq!(
            d.units.iter().map(|u| (u.arm, u.converted())).collect::<Vec<_>>(),
            [(0, false), (0, true), (1, true)]
        );
        assert_eq!(d.units[1].conversions[0].0, d.units[1].first.unwrap());
        write("bts", &format!("{header}0,2019-11-24 01:00:00.000000+00:00,14,3,2,0.5\n"));
        let e = read(&dir, "men", vec![1.0, 1.0]).unwrap_err();
        assert!(e.to_string().contains("men.csv:2: click: \"2\" is not 0 or 1"), "{e}");
        write("bts", ",timestamp,item_id\n");
        assert_eq!(read(&dir, "men", vec![1.0, 1.0]).unwrap_err().code(), "E_MISSING_COLUMN");
        assert_eq!(read(&dir, "women", vec![1.0, 1.0]).unwrap_err().code(), "E_READ");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
