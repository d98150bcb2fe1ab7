//! The evaluator on the real data in `shared/data` (or `$VITRINE_DATA`): it reproduces the
//! published reference metrics of session-rec's saved lists, its VSKNN reimplementation
//! scores what the saved VSKNN lists score, and `vitrine model build` + `vitrine eval` run
//! end to end on each dataset (on slices where a whole run would take long in a debug
//! build; the full runs are `scripts/eval.sh`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vitrine_server::eval::baselines::{RuleKind, Rules};
use vitrine_server::eval::vsknn::Vsknn;
use vitrine_server::eval::{data, next_click_cases, run, saved, Case, Recommender};

fn data_dir() -> PathBuf {
    std::env::var_os("VITRINE_DATA")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")), PathBuf::from)
}

fn yc(file: &str) -> PathBuf {
    data_dir().join("yoochoose-rsc15-100k/prepared").join(format!("yoochoose-clicks-100k_{file}.txt"))
}

fn tmp(name: &str) -> PathBuf {
    common::scratch("eval").join(name)
}

fn vitrine(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine")).args(args).output().expect("the binary runs");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The first `lines` data lines of `path` (with its header) written to `name`.
fn slice(path: &Path, lines: usize, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(path).unwrap();
    let out = tmp(name);
    std::fs::write(&out, text.lines().take(lines + 1).collect::<Vec<_>>().join("\n") + "\n").unwrap();
    out
}

#[test]
fn saved_lists_reproduce_the_reference_metrics_and_so_does_our_vsknn() {
    let d = data::yoochoose(&yc("train_full"), &yc("test")).unwrap();
    assert_eq!((d.train.sessions.len(), d.train.items, d.test.len()), (17_794, 2_933, 3_416));
    let cases = next_click_cases(&d.test);
    assert_eq!(cases.len(), 10_152);
    let mut lists = saved::read_dir(&data_dir().join("yoochoose-rsc15-100k/recommendations"), &d.vocab).unwrap();
    let keys = lists[0].keys();
    let subset: Vec<Case> = cases.iter().filter(|c| keys.contains(&(c.session.clone(), c.position))).cloned().collect();
    assert_eq!(subset.len(), 387);
    let pop = d.train.popularity(d.vocab.len());
    let mut recs: Vec<&mut dyn Recommender> = lists.iter_mut().map(|l| l as &mut dyn Recommender).collect();
    let got = run(&mut recs, &subset, &pop, d.train.items);

    // The DERIVED reference file: algorithm,n_predictions,n_sessions,HR@5,MRR@5,HR@10,MRR@10,HR@20,MRR@20.
    let reference =
        std::fs::read_to_string(data_dir().join("yoochoose-rsc15-100k/reference_metrics_from_saved_lists.csv"))
            .unwrap();
    let mut checked = 0;
    for line in reference.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let name = match f[0] {
            "gru4rec" => "GRU4Rec (saved)".to_owned(),
            a => format!("{} (saved)", a.to_uppercase()),
        };
        let m = &got.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("{name} scored")).summary;
        assert_eq!(m.predictions, f[1].parse::<u64>().unwrap());
        let ours = [m.hr[0], m.mrr[0], m.hr[1], m.mrr[1], m.hr[2], m.mrr[2]];
        for (k, want) in f[3..9].iter().enumerate() {
            assert_eq!(format!("{:.4}", ours[k]), *want, "{name} metric {k}");
        }
        checked += 1;
    }
    assert_eq!(checked, 4);

    // Our VSKNN, with the saved lists' settings, scores what the saved VSKNN lists score.
    let mut vsknn = Vsknn::new(&d.train);
    let mut ar = Rules::new(&d.train, RuleKind::Association);
    let mut recs: Vec<&mut dyn Recommender> = vec![&mut vsknn, &mut ar];
    let ours = run(&mut recs, &subset, &pop, d.train.items);
    assert_eq!(
        (format!("{:.4}", ours[0].summary.hr[2]), format!("{:.4}", ours[0].summary.mrr[2])),
        ("0.6098".into(), "0.3342".into())
    );
    assert_eq!(
        format!("{:.4}", ours[1].summary.hr[2]),
        "0.5917",
        "AR's hit rate too (its ties are ordered differently)"
    );
}

#[test]
fn build_and_eval_on_a_slice_of_yoochoose_with_a_json_report() {
    let train = slice(&yc("train_full"), 12_000, "yc-train.txt");
    let test = slice(&yc("test"), 1_500, "yc-test.txt");
    let config = tmp("yc.json");
    std::fs::write(
        &config,
        r#"{"learn":{"neighbours":50,"minSupport":1,"window":10,"distanceDecay":1,"backward":0.5,"unitScale":true},
            "weights":{"revisit":3},"ranking":{"remindViewed":true,"maxPerCategory":1000}}"#,
    )
    .unwrap();
    let bundle = tmp("yc.msgpack");
    let out = vitrine(&["model", "build", "--yoochoose", s(&train), "--config", s(&config), "--out", s(&bundle)]);
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(log.contains("12,000 events in") && log.contains("events/s"), "{log}");
    let bytes = std::fs::read(&bundle).unwrap();
    let engine = vitrine::Engine::from_bundle(&bytes, vitrine::Limits::default()).unwrap();
    assert!(engine.catalogue().settings.remind_viewed, "the configuration's settings are in the bundle");
    assert_eq!(engine.catalogue().weights.get(vitrine::weights::Feature::Revisit), 3.0);

    let json = tmp("yc-report.json");
    let out = vitrine(&[
        "eval",
        "--bundle",
        s(&bundle),
        "--yoochoose-train",
        s(&train),
        "--yoochoose-test",
        s(&test),
        "--json",
        s(&json),
    ]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("| vitrine |") && table.contains("| VSKNN |") && table.contains("| S-POP |"), "{table}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let rows = report["sections"][0]["results"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["algorithm"].as_str().unwrap()).collect();
    assert_eq!(names, ["vitrine", "VSKNN", "AR", "SR", "S-POP", "POP"]);
    let hr = |r: &serde_json::Value| r["hr"][2].as_f64().unwrap();
    let n = rows[0]["predictions"].as_u64().unwrap();
    assert!(n > 500, "{n}");
    assert!(rows.iter().all(|r| r["predictions"].as_u64() == Some(n) && (0.0..=1.0).contains(&hr(r))));
    // Reminders and learned neighbours beat popularity by far, on any slice.
    assert!(hr(&rows[0]) > hr(&rows[5]) + 0.2, "{} vs {}", hr(&rows[0]), hr(&rows[5]));
}

#[test]
fn diginetica_protocol_end_to_end() {
    let dir = data_dir().join("diginetica");
    let bundle = tmp("dg.msgpack");
    vitrine(&["model", "build", "--diginetica", s(&dir), "--part", "train", "--out", s(&bundle)]);
    let json = tmp("dg.json");
    vitrine(&["eval", "--bundle", s(&bundle), "--diginetica", s(&dir), "--part", "test", "--json", s(&json)]);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    // SR-GNN's protocol on the sample: 469 training sessions over 309 items; the last
    // week's 39 sessions of known items give 99 predictions.
    assert!(report["notes"][0]
        .as_str()
        .unwrap()
        .starts_with("training: 469 sessions, 1,674 events, 309 items; test: 39 sessions, 99 predictions"));
    let bytes = std::fs::read(&bundle).unwrap();
    let engine = vitrine::Engine::from_bundle(&bytes, vitrine::Limits::default()).unwrap();
    assert_eq!(engine.info().products, 309, "the bundle learned from the training part only");
    assert!(engine.catalogue().categories.ids.len() > 50, "products carry their categories");
}

#[test]
fn instacart_basket_completion_end_to_end() {
    let dir = data_dir().join("instacart");
    let bundle = tmp("ic.msgpack");
    vitrine(&["model", "build", "--instacart", s(&dir), "--part", "train", "--out", s(&bundle)]);
    let out = vitrine(&["eval", "--bundle", s(&bundle), "--instacart", s(&dir), "--part", "test"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("each user's last order (366 predictions)"), "{table}");
    assert!(table.contains("| repeat |") && table.contains("R@20"), "{table}");
}

#[test]
fn rolling_origin_is_the_two_commands_per_order_then_pooled() {
    let dir = data_dir().join("instacart");
    // The first 60 or so users: a debug build learns the whole split in several seconds.
    let lines = slice(&dir.join("order_products_dev.csv"), 15_000, "ic-users.csv");
    let data = [s(&dir), "--orders", s(&lines)];
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/instacart.json");
    let json = tmp("rolling.json");
    vitrine(
        &[&["eval", "--config", config, "--instacart"], &data[..], &["--part", "orders:2-3", "--json", s(&json)]]
            .concat(),
    );
    let rolling: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let sections = rolling["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 3, "pooled, then orders 2 and 3");
    // Each order is what building without it and evaluating it gives.
    let bundle = tmp("before3.msgpack");
    let single = tmp("order3.json");
    vitrine(
        &[
            &["model", "build", "--instacart"],
            &data[..],
            &["--part", "before:3", "--config", config, "--out", s(&bundle)],
        ]
        .concat(),
    );
    vitrine(
        &[&["eval", "--bundle", s(&bundle), "--instacart"], &data[..], &["--part", "order:3", "--json", s(&single)]]
            .concat(),
    );
    let one: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&single).unwrap()).unwrap();
    assert_eq!(sections[2]["results"], one["sections"][0]["results"]);
    // Pooled: the mean over every prediction of both orders.
    let (a, b, p) = (&sections[1]["results"][0], &sections[2]["results"][0], &sections[0]["results"][0]);
    let n = |r: &serde_json::Value| r["predictions"].as_f64().unwrap();
    let mrr = |r: &serde_json::Value| r["mrr"][2].as_f64().unwrap();
    assert!(n(a) > 20.0 && n(b) > 20.0, "{a} {b}");
    assert_eq!(n(p), n(a) + n(b));
    assert!((mrr(p) - (mrr(a) * n(a) + mrr(b) * n(b)) / n(p)).abs() < 1e-12);
    assert_eq!(sections[0]["versus"][0]["algorithm"], "repeat");

    for (args, says) in [
        (vec!["--config", config, "--part", "orders:3-2"], "E_USAGE"),
        (vec!["--config", config, "--bundle", s(&bundle), "--part", "orders:2-3"], "not --bundle"),
        (vec!["--config", config, "--bundle", s(&bundle), "--part", "test"], "--config is for"),
        // No shopper of the slice has 200 orders.
        (vec!["--config", config, "--part", "orders:200-201"], "E_NO_DATA"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args(["eval", "--instacart"])
            .args(data)
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn tune_writes_a_configuration_that_model_build_reads() {
    let train = slice(&yc("train_tr"), 4_000, "tune-train.txt");
    let valid = slice(&yc("train_valid"), 1_000, "tune-valid.txt");
    let config = tmp("tuned.json");
    let out = vitrine(&[
        "tune",
        "--yoochoose-train",
        s(&train),
        "--yoochoose-valid",
        s(&valid),
        "--out",
        s(&config),
        "--budget",
        "6",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("after 6 evaluations"));
    let text = std::fs::read_to_string(&config).unwrap();
    let c: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(c["about"].as_str().unwrap().contains("validation data only"));
    assert_eq!(c["ranking"]["remindViewed"], true);
    let bundle = tmp("tuned.msgpack");
    vitrine(&["model", "build", "--yoochoose", s(&train), "--config", s(&config), "--out", s(&bundle)]);
    assert!(vitrine::Engine::from_bundle(&std::fs::read(&bundle).unwrap(), vitrine::Limits::default()).is_ok());
}
