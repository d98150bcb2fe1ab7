//! `vitrine ab simulate` through the binary, into `vitrine ab analyze`: the log it writes
//! is one the analysis reads (through a pipe too), the ground truth it reports is what the
//! planted effect says, the same seed writes the same log, and bad input leaves nothing.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn vitrine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vitrine")).args(args).output().expect("the binary runs")
}

fn ok(args: &[&str]) -> Output {
    let out = vitrine(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn tmp(name: &str) -> PathBuf {
    common::scratch("ab-simulate").join(name)
}

/// A small run: debug builds rank about ten times slower than release.
const SMALL: [&str; 6] = ["--visitors", "1500", "--products", "300", "--days", "7"];

fn simulate(extra: &[&str], out: &Path) -> Value {
    let mut args = vec!["ab", "simulate", "--format", "json", "--out", out.to_str().unwrap()];
    args.extend(SMALL);
    args.extend(extra);
    serde_json::from_slice(&ok(&args).stdout).expect("the truth as JSON")
}

#[test]
fn the_log_is_what_analyze_reads_and_the_truth_adds_up() {
    let log = tmp("log.jsonl");
    let truth = simulate(&["--seed", "11"], &log);
    let analysis: Value =
        serde_json::from_slice(&ok(&["ab", "analyze", log.to_str().unwrap(), "--format", "json", "--cuped"]).stdout)
            .unwrap();
    let arms = truth["arms"].as_array().unwrap();
    let variants = analysis["variants"].as_array().unwrap();
    assert_eq!(arms.len(), 2);
    // Every shopper visits at least once, so every one is a unit, in the arm the hash chose.
    assert_eq!(analysis["units"], 1500);
    for (arm, v) in arms.iter().zip(variants) {
        assert_eq!(arm["assigned"], v["units"], "{arm} / {v}");
        assert_eq!(arm["key"], v["name"]);
    }
    let converted: u64 = variants.iter().map(|v| v["conversions"].as_u64().unwrap()).sum();
    assert_eq!(converted, truth["conversions"].as_u64().unwrap());
    // The realised rates sit near the truth: 1,500 shoppers at ~6% give an sd of 0.9 points.
    for (arm, v) in arms.iter().zip(variants) {
        let (t, got) = (arm["conversionRate"].as_f64().unwrap(), v["conversionRate"].as_f64().unwrap());
        assert!((0.01..0.2).contains(&t), "{t}");
        assert!((got - t).abs() < 0.04, "{} realised {got}, true {t}", arm["key"]);
    }
    assert!(analysis["srm"]["p"].as_f64().unwrap() > 0.001, "the 50/50 split holds");
    let exposures = std::fs::read_to_string(&log).unwrap().lines().filter(|l| l.contains("\"exposure\"")).count();
    assert_eq!(exposures as u64, truth["exposures"].as_u64().unwrap());
}

#[test]
fn a_planted_uplift_between_identical_arms_is_the_true_uplift() {
    let log = tmp("aa.jsonl");
    let truth = simulate(&["--variants", "control;same", "--uplift", "0.25", "--seed", "3"], &log);
    let arms = truth["arms"].as_array().unwrap();
    let (c, t) = (arms[0]["conversionRate"].as_f64().unwrap(), arms[1]["conversionRate"].as_f64().unwrap());
    assert!((t / c - 1.25).abs() < 1e-9, "identical rankings: the planted effect is all there is ({c} vs {t})");
    let none = simulate(&["--variants", "control;same", "--seed", "3"], &tmp("aa0.jsonl"));
    assert_eq!(none["arms"][1]["relativeUplift"], 0.0);
}

#[test]
fn the_same_seed_writes_the_same_log() {
    let (a, b, c) = (tmp("a.jsonl"), tmp("b.jsonl"), tmp("c.jsonl"));
    simulate(&["--seed", "5"], &a);
    simulate(&["--seed", "5"], &b);
    simulate(&["--seed", "6"], &c);
    let read = |p: &Path| std::fs::read(p).unwrap();
    assert_eq!(read(&a), read(&b));
    assert_ne!(read(&a), read(&c));
}

#[test]
fn simulate_pipes_into_analyze() {
    let mut args = vec!["ab", "simulate", "--seed", "8"];
    args.extend(SMALL);
    let sim = ok(&args);
    assert!(String::from_utf8_lossy(&sim.stderr).contains("ground truth"), "the summary goes to stderr");
    let mut analyze = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args(["ab", "analyze", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    analyze.stdin.take().unwrap().write_all(&sim.stdout).unwrap();
    let out = analyze.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let analysis: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(analysis["units"], 1500);
    assert_eq!(analysis["experiment"], "ranking-weights");
}

#[test]
fn a_bad_bundle_is_refused_with_its_code_and_writes_nothing() {
    let out = tmp("never.jsonl");
    let garbage = tmp("garbage.msgpack");
    std::fs::write(&garbage, [0x81, 0xa4, b'k', b'i']).unwrap();
    for (bundle, code) in [(tmp("missing.msgpack"), "E_READ"), (garbage, "E_TRUNCATED")] {
        let r = vitrine(&["ab", "simulate", "--bundle", bundle.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        assert_eq!(r.status.code(), Some(2));
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains(code), "{err}");
        assert!(!out.exists(), "no partial log");
    }
    let r = vitrine(&["ab", "simulate", "--variants", "control;popularty=2", "--out", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("E_UNKNOWN_WEIGHT") && err.contains("popularty"), "{err}");
    assert!(!out.exists());
}
