//! `vitrine ab calibrate` through the binary: deterministic for a seed whatever the
//! thread count, and calibrated: on a run small enough for a debug build, the fixed
//! tests' false-positive rates stay near alpha, peeking inflates it, the sequential
//! test does not, and a planted effect is found.

use std::process::Command;

use serde_json::Value;

fn calibrate(extra: &[&str]) -> Value {
    let mut args = vec!["ab", "calibrate", "--format", "json"];
    args.extend(extra);
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine")).args(&args).output().expect("the binary runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn rate(v: &Value, scenario: &str, test: &str) -> f64 {
    v[scenario][test]["rate"].as_f64().unwrap()
}

#[test]
fn calibrated_and_reproducible() {
    // 600 A/A runs: the binomial standard deviation of a 5% rate is 0.9%, so [2%, 9%]
    // is over ±3 of them; 10 days of 2,000 visitors, +30% planted on 10%.
    let small = [
        "--runs",
        "600",
        "--days",
        "10",
        "--visitors-per-day",
        "2000",
        "--rate",
        "0.1",
        "--uplift",
        "0.3",
        "--tau",
        "0.25",
    ];
    let a = calibrate(&[&small[..], &["--seed", "7", "--threads", "1"]].concat());
    let b = calibrate(&[&small[..], &["--seed", "7", "--threads", "2"]].concat());
    assert_eq!((&a["aa"], &a["planted"]), (&b["aa"], &b["planted"]), "the thread count changes nothing");
    for test in ["fixedZ", "welch"] {
        let r = rate(&a, "aa", test);
        assert!((0.02..=0.09).contains(&r), "{test}: false-positive rate {r}");
    }
    let (peeking, sequential) = (rate(&a, "aa", "peekingZ"), rate(&a, "aa", "sequential"));
    assert!(peeking > rate(&a, "aa", "fixedZ") + 0.03, "ten looks inflate the z-test: {peeking}");
    assert!(sequential <= 0.05, "the mSPRT stays valid under daily looks: {sequential}");
    // 10,000 units per arm, 10% against 13%: z ≈ 6.6, found nearly always.
    assert!(rate(&a, "planted", "fixedZ") > 0.95 && rate(&a, "planted", "sequential") > 0.9, "{}", a["planted"]);
    assert_eq!(a["unitsPerArm"].as_f64(), Some(10_000.0));
    let other = calibrate(&[&small[..], &["--seed", "8"]].concat());
    assert_ne!(a["aa"], other["aa"], "another seed, other experiments");
}
