//! `vitrine ab analyze` on small hand-made event logs whose answers are known, and on
//! every kind of bad input: exit status 2, a stable code, and no report written (an
//! existing one is left as it was).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// 2024-01-01T00:00:00Z in ms.
const DAY0: u64 = 1_704_067_200_000;
const DAY: u64 = 86_400_000;

fn exposure(at: u64, visitor: &str, experiment: &str, variant: u32) -> String {
    format!(
        r#"{{"type":"exposure","at":{at},"visitorId":"{visitor}","experiment":"{experiment}","variant":{variant},"bundleVersion":"b-1","stockEpoch":3,"profileVersion":null,"items":["1001"]}}"#
    )
}

fn conversion(at: u64, visitor: &str, value: f64) -> String {
    format!(
        r#"{{"type":"conversion","at":{at},"visitorId":"{visitor}","orderId":"o-{visitor}-{at}","value":{value},"items":["1001"]}}"#
    )
}

/// A fresh directory for one test.
fn dir(name: &str) -> PathBuf {
    common::scratch(&format!("ab-events-{name}"))
}

fn vitrine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vitrine")).args(args).output().expect("the binary runs")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("--format json prints JSON")
}

fn close(v: &Value, want: f64, rel: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
    assert!(((got - want) / want).abs() <= rel, "got {got}, want {want}");
}

/// Control c1..c4 (one buyer), treatment t1..t4 (three buyers, t2 twice), t5 exposed to
/// both variants, c2 with a purchase before its exposure, z never exposed.
fn known_log() -> Vec<String> {
    let d1 = DAY0 + DAY;
    vec![
        conversion(DAY0 + 10, "c2", 700.0), // pre-period: not a conversion of c2
        exposure(DAY0 + 100, "c1", "hero", 0),
        exposure(DAY0 + 200, "c2", "hero", 0),
        exposure(d1 + 300, "c3", "hero", 0),
        exposure(d1 + 400, "c4", "hero", 0),
        exposure(DAY0 + 100, "t1", "hero", 1),
        exposure(DAY0 + 150, "t2", "hero", 1),
        exposure(d1 + 100, "t3", "hero", 1),
        exposure(d1 + 200, "t4", "hero", 1),
        exposure(DAY0 + 500, "t5", "hero", 1),
        exposure(DAY0 + 600, "t5", "hero", 0), // crossover
        conversion(DAY0 + 5_000, "c1", 1000.0),
        conversion(DAY0 + 5_000, "t1", 2000.0),
        conversion(DAY0 + 6_000, "t2", 500.0),
        conversion(d1 + 6_000, "t2", 500.0),
        conversion(d1 + 7_000, "t3", 3000.0),
        conversion(d1 + 8_000, "t5", 9999.0),
        conversion(d1 + 9_000, "z", 1.0),
        exposure(d1 + 100, "t3", "hero", 1), // a repeat exposure, same variant
    ]
}

#[test]
fn a_hand_made_log_gives_the_hand_computed_answers() {
    let d = dir("known");
    let log = d.join("events.jsonl");
    std::fs::write(&log, known_log().join("\n") + "\n").unwrap();
    let a = json(&vitrine(&["ab", "analyze", log.to_str().unwrap(), "--format", "json"]));
    assert_eq!(a["experiment"], "hero");
    assert_eq!((a["units"].as_u64(), a["crossovers"].as_u64()), (Some(8), Some(1)));
    let v = &a["variants"];
    assert_eq!((v[0]["units"].as_u64(), v[0]["conversions"].as_u64()), (Some(4), Some(1)));
    assert_eq!((v[1]["units"].as_u64(), v[1]["conversions"].as_u64()), (Some(4), Some(3)));
    close(&v[0]["revenuePerVisitor"], 250.0, 1e-15);
    close(&v[1]["revenuePerVisitor"], 1500.0, 1e-15);
    let c = &a["comparisons"][0]["conversion"];
    // 3/4 against 1/4: pooled rate ½, z = 0.5 / √(¼ · ½) = √2, p = erfc(1).
    close(&c["z"], std::f64::consts::SQRT_2, 1e-14);
    close(&c["p"], 0.157_299_207_050_285_13, 1e-14);
    // Wald: 0.5 ± 1.959964 √(2 · 3/64); log ratio: statsmodels' confint_proportions_2indep.
    close(&c["differenceCi"][0], -0.100_113_959_544_413_82, 1e-12);
    close(&c["differenceCi"][1], 1.100_113_959_544_413_8, 1e-14);
    close(&c["relativeUplift"], 2.0, 1e-15);
    close(&c["relativeCi"][0], 0.501_284_309_386_940_6 - 1.0, 1e-12);
    close(&c["relativeCi"][1], 17.953_883_318_244_692 - 1.0, 1e-12);
    // Revenue [2000, 1000, 3000, 0] against [1000, 0, 0, 0]: scipy's ttest_ind(equal_var=False).
    let r = &a["comparisons"][0]["revenue"];
    close(&r["t"], 1.805_787_796_286_538, 1e-13);
    close(&r["df"], 3.880_195_599_022_004_5, 1e-13);
    close(&r["p"], 0.147_465_905_639_761_3, 1e-12);
    close(&r["differenceCi"][0], -695.537_562_447_028, 1e-11);
    close(&r["differenceCi"][1], 3_195.537_562_447_028, 1e-12);
    assert_eq!(a["srm"]["chiSquare"].as_f64(), Some(0.0));
    // Two days: on the first, c1 c2 t1 t2 entered and c1 t1 t2 converted.
    let days = a["daily"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!((days[0]["day"].as_str(), days[1]["day"].as_str()), (Some("2024-01-01"), Some("2024-01-02")));
    assert_eq!(days[0]["units"], serde_json::json!([2, 2]));
    assert_eq!(days[0]["conversions"], serde_json::json!([1, 2]));
    assert_eq!(days[1]["comparisons"][0]["p"], c["p"], "the last day is the whole sample");
    assert_eq!(a["comparisons"][0]["sequential"]["looks"].as_u64(), Some(2));
    let notes = a["notes"][0].as_str().unwrap();
    assert!(notes.contains("5 conversions counted"), "{notes}");
    assert!(notes.contains("1 before their visitor's first exposure"), "{notes}");
    assert!(notes.contains("2 from visitors who are not units"), "{notes}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn the_table_and_the_html_report() {
    let d = dir("report");
    let log = d.join("events.jsonl");
    std::fs::write(&log, known_log().join("\n")).unwrap();
    let html = d.join("report.html");
    let out = vitrine(&["ab", "analyze", log.to_str().unwrap(), "--cuped", "--html", html.to_str().unwrap()]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for needle in
        ["experiment hero", "1 crossovers excluded", "z 1.414", "p 0.157", "CUPED revenue", "always-valid p", "wrote "]
    {
        assert!(table.contains(needle), "{needle:?} not in:\n{table}");
    }
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<svg") && page.contains("2024-01-02"));
    assert!(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"), "self-contained");
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 2, "the log and the report, no temporary file");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn three_variants_each_against_the_control_with_weights() {
    let d = dir("three");
    let log = d.join("events.jsonl");
    let mut lines = Vec::new();
    for i in 0..60u32 {
        let variant = [0, 1, 1, 2, 2, 2][i as usize % 6];
        lines.push(exposure(DAY0 + u64::from(i), &format!("v{i}"), "multi", variant));
        if i % 4 == 0 {
            lines.push(conversion(DAY0 + 1000 + u64::from(i), &format!("v{i}"), 100.0));
        }
    }
    std::fs::write(&log, lines.join("\n")).unwrap();
    let a = json(&vitrine(&["ab", "analyze", log.to_str().unwrap(), "--weights", "1,2,3", "--format=json"]));
    assert_eq!(a["comparisons"].as_array().unwrap().len(), 2);
    assert_eq!((a["comparisons"][0]["variant"].as_u64(), a["comparisons"][1]["variant"].as_u64()), (Some(1), Some(2)));
    // 10 / 20 / 30 units against shares 1:2:3: no mismatch at all.
    assert!(a["srm"]["chiSquare"].as_f64().unwrap().abs() < 1e-12, "{}", a["srm"]);
    assert_eq!(a["srm"]["df"].as_u64(), Some(2));
    let equal = json(&vitrine(&["ab", "analyze", log.to_str().unwrap(), "--format", "json"]));
    // Against an equal split: (10−20)² / 20 + 0 + (30−20)² / 20 = 10.
    close(&equal["srm"]["chiSquare"], 10.0, 1e-12);
    let _ = std::fs::remove_dir_all(&d);
}

/// Runs a bad case with `--html` pointing at an existing report, and checks the failure
/// and that nothing was written.
fn assert_refused(d: &Path, args: &[&str], code: &str, needles: &[&str]) {
    let html = d.join("report.html");
    std::fs::write(&html, "the previous report").unwrap();
    let mut full = args.to_vec();
    full.extend(["--html", html.to_str().unwrap(), "--format", "json"]);
    let out = vitrine(&full);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(&format!("error[{code}]")), "{code} not in: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in: {stderr}");
    }
    assert!(out.stdout.is_empty(), "no partial report on stdout: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(std::fs::read_to_string(&html).unwrap(), "the previous report", "{args:?}");
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn bad_event_logs_are_refused_without_a_report() {
    let d = dir("bad");
    let good = known_log();
    // (name, lines, extra flags, code, what stderr says)
    type Case<'a> = (&'a str, Vec<String>, &'a [&'a str], &'a str, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            "syntax",
            vec![good[1].clone(), "{\"type\":\"exposure\",".into()],
            &[],
            "E_EVENT_MALFORMED",
            vec!["syntax.jsonl:2:"],
        ),
        (
            "misspelt",
            vec![good[1].clone(), good[2].replace("visitorId", "visitorID")],
            &[],
            "E_EVENT_MALFORMED",
            vec!["misspelt.jsonl:2: unknown key `visitorID`"],
        ),
        (
            "negative",
            vec![good[1].clone(), good[5].clone(), conversion(DAY0 + 9, "c1", -250.0)],
            &[],
            "E_NEGATIVE_VALUE",
            vec!["negative.jsonl:3: value: -250 is negative"],
        ),
        ("one-arm", vec![good[1].clone(), good[2].clone()], &[], "E_AB_EMPTY_ARM", vec!["variant 1 has no units"]),
        (
            "gap",
            vec![good[1].clone(), exposure(DAY0, "x", "hero", 2)],
            &[],
            "E_AB_EMPTY_ARM",
            vec!["variant 1 has no units"],
        ),
        (
            "crossed",
            vec![good[1].clone(), exposure(DAY0, "t", "hero", 1), exposure(DAY0 + 1, "t", "hero", 0)],
            &[],
            "E_AB_EMPTY_ARM",
            vec!["variant 1 has no units (1 visitors were excluded as crossovers)"],
        ),
        (
            "unknown-variant",
            vec![good[1].clone(), good[5].clone(), exposure(DAY0, "x", "hero", 2)],
            &["--weights", "0.5,0.5"],
            "E_AB_UNKNOWN_VARIANT",
            vec!["unknown-variant.jsonl:3: unknown variant 2"],
        ),
        (
            "two-experiments",
            vec![good[1].clone(), exposure(DAY0, "x", "other", 1)],
            &[],
            "E_AB_EXPERIMENT_REQUIRED",
            vec!["2 experiments (hero, other)"],
        ),
        (
            "wrong-experiment",
            vec![good[1].clone()],
            &["--experiment", "nope"],
            "E_AB_UNKNOWN_EXPERIMENT",
            vec!["it holds hero"],
        ),
        ("no-exposures", vec![good[0].clone()], &[], "E_AB_NO_EXPOSURES", vec!["no exposures"]),
        ("empty", vec![], &[], "E_AB_NO_EXPOSURES", vec!["no exposures"]),
    ];
    for (name, lines, extra, code, needles) in cases {
        let log = d.join(format!("{name}.jsonl"));
        std::fs::write(&log, lines.join("\n")).unwrap();
        let mut args = vec!["ab", "analyze", log.to_str().unwrap()];
        args.extend(extra);
        assert_refused(&d, &args, code, &needles);
    }
    assert_refused(&d, &["ab", "analyze", d.join("missing.jsonl").to_str().unwrap()], "E_READ", &["missing.jsonl"]);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn the_report_never_overwrites_its_input() {
    let d = dir("overwrite");
    let log = d.join("events.jsonl");
    let text = known_log().join("\n");
    std::fs::write(&log, &text).unwrap();
    let other_spelling = d.join(".").join("events.jsonl");
    let out = vitrine(&["ab", "analyze", log.to_str().unwrap(), "--html", other_spelling.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("would overwrite the input"));
    assert_eq!(std::fs::read_to_string(&log).unwrap(), text);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_unwritable_report_fails_on_our_side_and_leaves_nothing() {
    let d = dir("unwritable");
    let log = d.join("events.jsonl");
    std::fs::write(&log, known_log().join("\n")).unwrap();
    let target = d.join("no-such-dir").join("report.html");
    let out = vitrine(&["ab", "analyze", log.to_str().unwrap(), "--html", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[E_WRITE]"));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
    let _ = std::fs::remove_dir_all(&d);
}
