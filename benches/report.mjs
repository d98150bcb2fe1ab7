// Joins target/bench/native.json, wasm.json and ../pkg/size.json into the README's table.
import { readFileSync } from "node:fs";
import { cpus } from "node:os";

const dir = new URL("../target/bench/", import.meta.url);
const read = (name) => JSON.parse(readFileSync(new URL(name, dir), "utf8"));
const native = read("native.json");
const wasm = read("wasm.json");
const size = read("../pkg/size.json");
const f = (x, d = 1) => x.toFixed(d);

console.log(`Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0].model.trim()}), Node ${process.version}.`);
console.log("Load: median of repeated loads; cold: the first load in a fresh Node process (compiles the loader).");
console.log("Requests: a profile with 20 views, 20 purchases and 30 affinities; 10 viewed products, a current one, 2 in the cart; limit 12.\n");
console.log("| products | bundle | load native | load wasm | load wasm, cold | rank p50 native | rank p50 wasm | rank p99 native | rank p99 wasm | wasm/native (p50) |");
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const n of native) {
  const w = wasm.find((x) => x.products === n.products);
  if (!w) continue;
  console.log(
    `| ${n.products.toLocaleString("en")} | ${f(n.bundleBytes / 1e6, 2)} MB | ${f(n.loadMsP50)} ms | ${f(w.loadMsP50)} ms | ${f(w.loadMsCold)} ms | ` +
      `${f(n.rankUsP50)} µs | ${f(w.rankUsP50)} µs | ${f(n.rankUsP99)} µs | ${f(w.rankUsP99)} µs | ${f(w.rankUsP50 / n.rankUsP50, 2)} |`,
  );
}
// p99 over calls mixes the engine's slowest work with whatever else the machine did
// meanwhile; p99 over the requests of each one's fastest call keeps only the former.
const reps = Math.round(native[0].calls / native[0].requests);
console.log(`\nEach request's fastest of its ${reps} calls, p99 over the ${native[0].requests} requests (the spread of the engine's own work):\n`);
console.log("| products | rank p99 native, best of each request | rank p99 wasm, best of each request |");
console.log("|---:|---:|---:|");
for (const n of native) {
  const w = wasm.find((x) => x.products === n.products);
  if (w) console.log(`| ${n.products.toLocaleString("en")} | ${f(n.rankUsP99Best)} µs | ${f(w.rankUsP99Best)} µs |`);
}
console.log(`\n\`vitrine_bg.wasm\`: ${(size.raw / 1000).toFixed(0)} KB raw, ${(size.gzip / 1000).toFixed(0)} KB gzip, ${(size.brotli / 1000).toFixed(0)} KB brotli (budget 200 KB gzip).`);
