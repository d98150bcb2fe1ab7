//! Native side of the benchmark (`scripts/bench.sh` runs it, then the wasm side in Node on
//! the very same bytes, and prints both with their ratio).
//!
//! For synthetic catalogues of 1k, 10k and 50k products (20 neighbours each), it measures
//! bundle load time and rank latency per call for requests with a 20-view, 20-purchase,
//! 30-affinity profile, 10 viewed products, a current product, 2 cart items and limit 12.
//! It writes the bundles, stock and requests to `target/bench/` for the wasm side, and its
//! own figures to `target/bench/native.json`.
//!
//! `cargo bench --bench rank --features testkit -- [--quick] [--sizes 1000,10000]`

use std::fs;
use std::path::PathBuf;
use std::time::Instant;

use serde_json::{json, Value};
use vitrine::testkit::{self, Shape, NOW};
use vitrine::{encode_profile, Engine, Limits};

/// Distinct requests cycled through, so caches see realistic variety.
const REQUESTS: usize = 256;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let sizes: Vec<usize> = args
        .iter()
        .position(|a| a == "--sizes")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.split(',').map(|x| x.parse().expect("--sizes takes numbers")).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 50_000]);
    let (loads, calls) = if quick { (5, 2_000) } else { (21, 20_000) };
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    fs::create_dir_all(&out).expect("create target/bench");

    let mut results = Vec::new();
    for &n in &sizes {
        let bundle = testkit::bundle(&Shape::store(n), 42);
        let bytes = bundle.to_bytes();
        let stock = testkit::stock(&bundle, 1, NOW, 0.1, 7).to_bytes();
        let mut requests = Vec::with_capacity(REQUESTS);
        let mut json_requests = Vec::with_capacity(REQUESTS);
        for k in 0..REQUESTS as u64 {
            let profile = testkit::profile(&bundle, 20, 20, 30, NOW, 1000 + k);
            let profile = encode_profile(&profile, &Limits::default()).expect("profile encodes");
            let req = testkit::request(&bundle, 10, 12, Some(profile.clone()), NOW, 2000 + k);
            let session = req.session.as_ref().expect("session");
            let ctx = req.context.as_ref().expect("context");
            json_requests.push(json!({
                "visitorId": req.visitor_id,
                "profile": profile,
                "session": { "viewed": session.viewed, "cart": session.cart, "current": session.current },
                "context": { "page": ctx.page, "limit": ctx.limit, "region": ctx.region, "now": ctx.now },
            }));
            requests.push(req);
        }
        fs::write(out.join(format!("bundle-{n}.msgpack")), &bytes).expect("write bundle");
        fs::write(out.join(format!("stock-{n}.msgpack")), &stock).expect("write stock");
        fs::write(out.join(format!("requests-{n}.json")), Value::Array(json_requests).to_string())
            .expect("write requests");

        let mut load_ms = Vec::with_capacity(loads);
        for _ in 0..loads {
            let t = Instant::now();
            let engine = Engine::from_bundle(&bytes, Limits::default()).expect("bundle loads");
            load_ms.push(t.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(engine);
        }
        load_ms.sort_by(f64::total_cmp);

        let mut engine = Engine::from_bundle(&bytes, Limits::default()).expect("bundle loads");
        engine.apply_stock(&stock).expect("stock applies");
        let mut items = 0;
        for req in requests.iter().cycle().take(calls / 10) {
            items += engine.rank(req, NOW).expect("rank").items.len();
        }
        let mut us = Vec::with_capacity(calls);
        // Each request's fastest call: what the engine's own work costs, without the
        // machine's interruptions (see report.mjs).
        let mut best = vec![f64::INFINITY; requests.len()];
        for (i, req) in requests.iter().enumerate().cycle().take(calls) {
            let t = Instant::now();
            let r = engine.rank(req, NOW).expect("rank");
            let x = t.elapsed().as_secs_f64() * 1e6;
            us.push(x);
            best[i] = best[i].min(x);
            std::hint::black_box(r);
        }
        us.sort_by(f64::total_cmp);
        best.sort_by(f64::total_cmp);
        let r = json!({
            "products": n,
            "bundleBytes": bytes.len(),
            "loadMsP50": percentile(&load_ms, 0.5),
            "rankUsP50": percentile(&us, 0.5),
            "rankUsP99": percentile(&us, 0.99),
            "rankUsP99Best": percentile(&best, 0.99),
            "calls": calls,
            "requests": requests.len(),
            "meanItems": items as f64 / (calls / 10) as f64,
        });
        println!(
            "native {n:>6} products: load p50 {:>7.2} ms, rank p50 {:>6.1} us, p99 {:>6.1} us",
            r["loadMsP50"].as_f64().unwrap_or(0.0),
            r["rankUsP50"].as_f64().unwrap_or(0.0),
            r["rankUsP99"].as_f64().unwrap_or(0.0)
        );
        results.push(r);
    }
    fs::write(out.join("native.json"), Value::Array(results).to_string()).expect("write native.json");
}
