//! `vitrine model build --events` on the generic format: both layouts learn the same
//! bundle, bad input fails with its code, the file and the line, exit status 2 and no
//! output file, and synthetic histories build with a reported rate.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir(name: &str) -> PathBuf {
    common::scratch(&format!("events-{name}"))
}

fn vitrine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vitrine")).args(args).output().expect("the binary runs")
}

fn build(events: &Path, out: &Path) -> Output {
    vitrine(&["model", "build", "--events", events.to_str().unwrap(), "--out", out.to_str().unwrap()])
}

/// Twenty visits over four products: a, then b; sometimes c; the odd purchase of d.
fn history() -> Vec<(String, &'static str, &'static str, u64)> {
    let mut v = Vec::new();
    for s in 0..20u64 {
        let t = 1_700_000_000_000 + s * 3_600_000;
        v.push((format!("v{s}"), "a", "view", t));
        v.push((format!("v{s}"), "b", "view", t + 10_000));
        if s % 2 == 0 {
            v.push((format!("v{s}"), "c", "cart", t + 20_000));
        }
        if s % 5 == 0 {
            v.push((format!("v{s}"), "d", "purchase", t + 30_000));
            v.push((format!("v{s}"), "b", "purchase", t + 30_000));
        }
    }
    v
}

#[test]
fn json_lines_and_csv_build_the_same_bundle() {
    let d = dir("same");
    let rows = history();
    let csv: String = std::iter::once("session,item,type,time".to_owned())
        .chain(rows.iter().map(|(s, i, k, t)| format!("{s},{i},{k},{t}")))
        .collect::<Vec<_>>()
        .join("\n");
    let json: String = rows
        .iter()
        .map(|(s, i, k, t)| format!(r#"{{"session":"{s}","item":"{i}","type":"{k}","time":{t},"ua":"x"}}"#) + "\n")
        .collect();
    std::fs::write(d.join("e.csv"), csv).unwrap();
    std::fs::write(d.join("e.jsonl"), json).unwrap();
    for f in ["e.csv", "e.jsonl"] {
        let out = build(&d.join(f), &d.join(format!("{f}.msgpack")));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let log = String::from_utf8_lossy(&out.stdout);
        assert!(log.contains("read 58 events in") && log.contains("(20 visits;"), "{log}");
    }
    let a = std::fs::read(d.join("e.csv.msgpack")).unwrap();
    let b = std::fs::read(d.join("e.jsonl.msgpack")).unwrap();
    // Same events, same digest, same version: the same bytes except the build time.
    let ea = vitrine::Engine::from_bundle(&a, vitrine::Limits::default()).unwrap();
    let eb = vitrine::Engine::from_bundle(&b, vitrine::Limits::default()).unwrap();
    assert_eq!(ea.info().bundle_version, eb.info().bundle_version);
    let mut rows = Vec::new();
    for e in [&ea, &eb] {
        let c = e.catalogue();
        let (to, w) = c.neighbours.row(c.products.find("a").unwrap());
        rows.push((to.to_vec(), w.to_vec()));
    }
    assert_eq!(rows[0], rows[1]);
    assert_eq!(ea.info().products, 4);
    // d was bought with b four times: complements across products (one category here).
    let c = ea.catalogue();
    assert_eq!(c.complements.row(c.products.find("d").unwrap()).0, [c.products.find("b").unwrap()]);
}

#[test]
fn bad_events_are_refused_with_their_code_and_leave_no_output() {
    let cases: &[(&str, &str, &str, &[&str])] = &[
        ("missing.csv", "session,item,time\nv,a,1\n", "E_MISSING_COLUMN", &["missing.csv:1:", "no column \"type\""]),
        (
            "time.csv",
            "session,item,type,time\nv,a,view,1\nv,b,view,yesterday\n",
            "E_BAD_TIMESTAMP",
            &["time.csv:3:", "yesterday"],
        ),
        (
            "time.jsonl",
            "{\"session\":\"v\",\"item\":\"a\",\"type\":\"view\",\"time\":\"2016-02-30T00:00:00Z\"}\n",
            "E_BAD_TIMESTAMP",
            &["time.jsonl:1:"],
        ),
        (
            "type.csv",
            "session,item,type,time\nv,a,view,1\nv,a,wishlist,2\n",
            "E_UNKNOWN_EVENT_TYPE",
            &["type.csv:3:", "\"wishlist\""],
        ),
        (
            "json.jsonl",
            "{\"session\":\"v\",\"item\":\"a\",\"type\":\"view\",\"time\":1}\n{\"session\":\"v\",\n",
            "E_MALFORMED_INPUT",
            &["json.jsonl:2:"],
        ),
        ("empty.csv", "session,item,type,time\n", "E_NO_DATA", &["no events"]),
        ("absent.csv", "", "E_READ", &["absent.csv"]),
    ];
    let d = dir("bad");
    for (name, text, code, needles) in cases {
        let path = d.join(name);
        if !text.is_empty() {
            std::fs::write(&path, text).unwrap();
        }
        let out = d.join(format!("{name}.msgpack"));
        let res = build(&path, &out);
        let stderr = String::from_utf8_lossy(&res.stderr);
        assert_eq!(res.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(&format!("error[{code}]")), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        for n in *needles {
            assert!(stderr.contains(n), "{name}: {n:?} not in {stderr}");
        }
        assert!(!out.exists(), "{name}: no output file");
    }
    // Nothing but the inputs is left in the directory: no temporary file either.
    let left = std::fs::read_dir(&d).unwrap().count();
    assert_eq!(left, cases.len() - 1);
}

#[test]
fn a_synthetic_history_builds_and_reports_its_rate() {
    let d = dir("synth");
    let events = d.join("s.csv");
    let out = vitrine(&["model", "synth", "--events", "30000", "--items", "2000", "--out", events.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let res = build(&events, &d.join("s.msgpack"));
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    let log = String::from_utf8_lossy(&res.stdout);
    assert!(log.contains("read 30,000 events in") && log.contains("events/s"), "{log}");
    let e =
        vitrine::Engine::from_bundle(&std::fs::read(d.join("s.msgpack")).unwrap(), vitrine::Limits::default()).unwrap();
    assert!(e.info().products > 1500);
    // Items cluster by fifty: an item's strongest neighbours are mostly of its cluster.
    let c = e.catalogue();
    let i = c.products.find("i0").expect("the most popular item of the first cluster");
    let (to, _) = c.neighbours.row(i);
    let same: usize = to.iter().filter(|&&j| c.products.info[j as usize].id[1..].parse::<u64>().unwrap() < 50).count();
    assert!(same * 2 > to.len(), "{same} of {} in i0's cluster", to.len());
}

#[test]
fn sources_and_parts_are_checked() {
    let out = vitrine(&["model", "build", "--events", "a.csv", "--yoochoose", "b.txt", "--out", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give one of"));
    let out = vitrine(&["model", "build", "--events", "a.csv", "--part", "train", "--out", "x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--part is for"));
    let out = vitrine(&["eval", "--bundle", "b", "--instacart", "d"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--part test|valid is required"));
}

#[test]
fn generic_events_evaluate_next_clicks() {
    let d = dir("eval");
    let (train, test, bundle) = (d.join("train.csv"), d.join("test.csv"), d.join("b.msgpack"));
    for (path, n, seed) in [(&train, "20000", "1"), (&test, "1500", "2")] {
        let out = vitrine(&[
            "model",
            "synth",
            "--events",
            n,
            "--items",
            "1000",
            "--seed",
            seed,
            "--out",
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success());
    }
    assert!(build(&train, &bundle).status.success());
    let out = vitrine(&[
        "eval",
        "--bundle",
        bundle.to_str().unwrap(),
        "--events-train",
        train.to_str().unwrap(),
        "--events-test",
        test.to_str().unwrap(),
    ]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(table.starts_with("next click (bundle events-") && table.contains("| vitrine |"), "{table}");
}
