//! `vitrine ab analyze` on the real experiment logs in `shared/data` (or `$VITRINE_DATA`):
//! Cookie Cats against the published analysis (read from
//! `published-results/cookie_cats_reference.csv`, not copied here), Open Bandit against
//! the CTRs its README gives; and both adapters on broken copies of those files.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn data() -> PathBuf {
    std::env::var_os("VITRINE_DATA")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")), PathBuf::from)
}

fn vitrine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vitrine")).args(args).output().expect("the binary runs")
}

fn analyze(args: &[&str]) -> Value {
    let mut full = vec!["ab", "analyze", "--format", "json"];
    full.extend(args);
    let out = vitrine(&full);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

/// The reference table: metric → its columns by header name.
fn reference() -> Vec<(String, Vec<(String, String)>)> {
    let text = std::fs::read_to_string(data().join("published-results/cookie_cats_reference.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_owned(), header.iter().cloned().zip(cells.iter().map(|c| c.to_string())).collect())
        })
        .collect()
}

fn cell(row: &[(String, String)], column: &str) -> f64 {
    row.iter().find(|(h, _)| h == column).unwrap().1.parse().unwrap()
}

#[test]
fn cookie_cats_reproduces_the_published_analysis() {
    let csv = data().join("cookie-cats-ab/cookie_cats.csv");
    let table = reference();
    let users = &table.iter().find(|(m, _)| m == "n_users").unwrap().1;
    for metric in ["retention_1", "retention_7"] {
        let row = &table.iter().find(|(m, _)| m == metric).unwrap().1;
        let a = analyze(&["--cookie-cats", csv.to_str().unwrap(), "--metric", metric]);
        let v = &a["variants"];
        assert_eq!(v[0]["name"], "gate_30");
        assert_eq!(num(&v[0]["units"]), cell(users, "gate_30"));
        assert_eq!(num(&v[1]["units"]), cell(users, "gate_40"));
        // The reference rounds to 6 decimals, z to 4 significant digits, p to 4 or 5.
        assert!((num(&v[0]["conversionRate"]) - cell(row, "gate_30")).abs() < 5e-7, "{metric}");
        assert!((num(&v[1]["conversionRate"]) - cell(row, "gate_40")).abs() < 5e-7, "{metric}");
        let c = &a["comparisons"][0]["conversion"];
        // The reference is gate_30 − gate_40; we report the treatment (gate_40) − control.
        assert!((num(&c["difference"]) + cell(row, "diff_30_minus_40")).abs() < 5e-7, "{metric}: {c}");
        assert!((num(&c["z"]) + cell(row, "pooled_z")).abs() < 5e-5, "{metric}: {c}");
        assert!((num(&c["p"]) - cell(row, "two_sided_p")).abs() < 5e-7, "{metric}: {c}");
        // Pearson's chi-square without continuity correction is z².
        assert!((num(&c["z"]).powi(2) - cell(row, "chi2_no_yates")).abs() < 5e-4, "{metric}");
        let [lo, hi] = [num(&c["differenceCi"][0]), num(&c["differenceCi"][1])];
        assert!(lo < num(&c["difference"]) && num(&c["difference"]) < hi);
        assert_eq!(a["srm"]["mismatch"], false);
        assert!(a["daily"].as_array().unwrap().is_empty(), "Cookie Cats has no times");
        assert!(a["comparisons"][0]["revenue"].is_null(), "nor revenue");
    }
    // The terminal table shows the figures as the issue quotes them.
    let out = vitrine(&["ab", "analyze", "--cookie-cats", csv.to_str().unwrap(), "--metric", "retention_7"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in ["44,700", "45,489", "19.020%", "18.200%", "z -3.164  p 0.00155  significant"] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
    let out = vitrine(&["ab", "analyze", "--cookie-cats", csv.to_str().unwrap(), "--metric", "retention_1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in ["44.819%", "44.228%", "z -1.784  p 0.0744  not significant"] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
}

#[test]
fn open_bandit_matches_the_readme_ctrs() {
    let dir = data().join("open-bandit");
    // README: random all 0.0038, men 0.0046, women 0.0046; bts all 0.0042, men 0.0069, women 0.0046.
    for (campaign, random, bts) in [("all", 0.0038, 0.0042), ("men", 0.0046, 0.0069), ("women", 0.0046, 0.0046)] {
        let a = analyze(&["--open-bandit", dir.to_str().unwrap(), "--campaign", campaign]);
        let v = &a["variants"];
        assert_eq!((v[0]["name"].as_str(), v[1]["name"].as_str()), (Some("random"), Some("bts")));
        assert_eq!((num(&v[0]["units"]), num(&v[1]["units"])), (10_000.0, 10_000.0));
        assert!((num(&v[0]["conversionRate"]) - random).abs() < 5e-5, "{campaign}: {v}");
        assert!((num(&v[1]["conversionRate"]) - bts).abs() < 5e-5, "{campaign}: {v}");
        // The logs span 2019-11-24..30: seven daily looks, cumulative to the totals.
        let days = a["daily"].as_array().unwrap();
        assert_eq!(days.len(), 7, "{campaign}");
        assert_eq!(days[0]["day"], "2019-11-24");
        assert_eq!(days[6]["day"], "2019-11-30");
        assert_eq!(days[6]["units"], serde_json::json!([10_000, 10_000]));
        assert_eq!(days[6]["conversions"][1], v[1]["conversions"]);
        let units: Vec<f64> = days.iter().map(|d| num(&d["units"][0])).collect();
        assert!(units.windows(2).all(|w| w[0] <= w[1]), "cumulative: {units:?}");
        assert_eq!(a["comparisons"][0]["sequential"]["looks"].as_u64(), Some(7));
    }
}

#[test]
fn broken_copies_of_the_real_files_are_refused() {
    let d = common::scratch("ab-real-data");
    let original = std::fs::read_to_string(data().join("cookie-cats-ab/cookie_cats.csv")).unwrap();
    let cases = [
        (
            "no-column",
            original.replacen("retention_7", "retention_seven", 1),
            "E_MISSING_COLUMN",
            "no column \"retention_7\"",
        ),
        ("arm", original.replacen(",gate_40,", ",gate_50,", 1), "E_AB_UNKNOWN_VARIANT", "unknown variant \"gate_50\""),
        (
            "bool",
            original.replacen(",FALSE\r\n", ",maybe\r\n", 1),
            "E_MALFORMED_INPUT",
            "bool.csv:2: retention_7: \"maybe\"",
        ),
    ];
    for (name, text, code, needle) in cases {
        let csv = d.join(format!("{name}.csv"));
        std::fs::write(&csv, text).unwrap();
        let html = d.join("report.html");
        let out = vitrine(&[
            "ab",
            "analyze",
            "--cookie-cats",
            csv.to_str().unwrap(),
            "--metric",
            "retention_7",
            "--html",
            html.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(&format!("error[{code}]")) && stderr.contains(needle), "{name}: {stderr}");
        assert!(!html.exists() && out.stdout.is_empty(), "{name}: no report");
    }
    // Open Bandit: a folder without the bts logs, and a bad click.
    let ob = d.join("obd");
    std::fs::create_dir_all(ob.join("random/all")).unwrap();
    let random = std::fs::read_to_string(data().join("open-bandit/random/all/all.csv")).unwrap();
    std::fs::write(ob.join("random/all/all.csv"), &random).unwrap();
    let out = vitrine(&["ab", "analyze", "--open-bandit", ob.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[E_READ]"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::create_dir_all(ob.join("bts/all")).unwrap();
    let mut lines: Vec<&str> = random.lines().collect();
    let bad_row = lines[5].replacen(",0,0.0125,", ",7,0.0125,", 1);
    lines[5] = &bad_row;
    std::fs::write(ob.join("bts/all/all.csv"), lines.join("\n")).unwrap();
    let out = vitrine(&["ab", "analyze", "--open-bandit", ob.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(2) && stderr.contains("all.csv:6: click: \"7\" is not 0 or 1"), "{stderr}");
    let _ = std::fs::remove_dir_all(&d);
}
