// Wasm side of the benchmark: the same bundles, stock and requests as benches/rank.rs,
// through the package's JavaScript API in Node (the nodejs build in target/pkg/node).
// Writes target/bench/wasm.json. Run by scripts/bench.sh after the native side.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";

const require = createRequire(import.meta.url);
const root = new URL("..", import.meta.url).pathname;
const { Engine } = require(`${root}target/pkg/node/vitrine.js`);

if (process.argv[2] === "--cold") {
  const bytes = new Uint8Array(readFileSync(process.argv[3]));
  const t = performance.now();
  Engine.fromBundle(bytes);
  console.log(JSON.stringify({ ms: performance.now() - t }));
  process.exit(0);
}

const quick = process.argv.includes("--quick");
const sizesArg = process.argv.indexOf("--sizes");
const sizes = sizesArg > 0 ? process.argv[sizesArg + 1].split(",").map(Number) : [1000, 10000, 50000];
const [loads, calls] = quick ? [5, 2000] : [21, 20000];

const pct = (sorted, p) => sorted[Math.round((sorted.length - 1) * p)];
const results = [];
for (const n of sizes) {
  const dir = `${root}target/bench`;
  const bundle = new Uint8Array(readFileSync(`${dir}/bundle-${n}.msgpack`));
  const stock = new Uint8Array(readFileSync(`${dir}/stock-${n}.msgpack`));
  const requests = JSON.parse(readFileSync(`${dir}/requests-${n}.json`, "utf8")).map((r) => ({
    ...r,
    profile: r.profile ? new Uint8Array(r.profile) : null,
  }));

  // The first load in a fresh process pays for compiling the loader; a storefront pays it
  // once per page. Measured in a child process, then the steady state here.
  const cold = JSON.parse(
    execFileSync(process.execPath, [new URL(import.meta.url).pathname, "--cold", `${dir}/bundle-${n}.msgpack`]),
  );
  for (let i = 0; i < 2; i++) Engine.fromBundle(bundle).free();
  const loadMs = [];
  for (let i = 0; i < loads; i++) {
    const t = performance.now();
    const engine = Engine.fromBundle(bundle);
    loadMs.push(performance.now() - t);
    engine.free();
  }
  loadMs.sort((a, b) => a - b);

  const engine = Engine.fromBundle(bundle);
  engine.applyStock(stock);
  // Warm up past V8's tiering: Liftoff first, optimised code once a function is hot.
  let items = 0;
  const warm = Math.max(calls / 4, 3000);
  for (let i = 0; i < warm; i++) items += engine.rank(requests[i % requests.length]).items.length;
  const us = new Float64Array(calls);
  // Each request's fastest call: what the engine's own work costs, without the machine's
  // interruptions (see report.mjs).
  const best = new Float64Array(requests.length).fill(Infinity);
  for (let i = 0; i < calls; i++) {
    const k = i % requests.length;
    const t = performance.now();
    engine.rank(requests[k]);
    us[i] = (performance.now() - t) * 1000;
    best[k] = Math.min(best[k], us[i]);
  }
  us.sort();
  best.sort();
  const r = {
    products: n,
    loadMsP50: pct(loadMs, 0.5),
    loadMsCold: cold.ms,
    rankUsP50: pct(us, 0.5),
    rankUsP99: pct(us, 0.99),
    rankUsP99Best: pct(best, 0.99),
    meanItems: items / warm,
  };
  console.log(
    `wasm   ${String(n).padStart(6)} products: load p50 ${r.loadMsP50.toFixed(2).padStart(7)} ms (cold ${cold.ms.toFixed(1)}), ` +
      `rank p50 ${r.rankUsP50.toFixed(1).padStart(6)} us, p99 ${r.rankUsP99.toFixed(1).padStart(6)} us`,
  );
  results.push(r);
  engine.free();
}
writeFileSync(`${root}target/bench/wasm.json`, JSON.stringify(results));
