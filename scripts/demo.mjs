// The README's main demo: real Instacart shoppers, ranked by the wasm engine in Node.
//
//   cargo run --release -p vitrine-server -- demo --instacart <data> --out <dir>
//   node scripts/demo.mjs <dir>
//
// Loads the package that `wasm-bindgen --target nodejs` writes to target/pkg/node (or
// $VITRINE_PKG), the catalogue bundle and stock snapshot from <dir>, and ranks for each
// sample shopper in shoppers.json exactly as a storefront would: one `engine.rank` call
// with the profile snapshot bytes, the session and the page context. It prints who the
// shopper is, the suggestions with their reasons in words, the promotions and the
// versions the decision used, then the time per rank call. Node 20, no dependencies.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// Repeated calls per shopper for the timing; a few hundred make the median stable to
// about a microsecond on a shared machine.
const TIMED_CALLS = 400;
const WARMUP_CALLS = 50;

function fail(message) {
  console.error(`demo: ${message}`);
  process.exit(2);
}

const dir = process.argv[2];
if (!dir || process.argv.length > 3) {
  fail("usage: node scripts/demo.mjs <dir written by `vitrine demo`>");
}

const pkgPath =
  process.env.VITRINE_PKG ??
  fileURLToPath(new URL("../target/pkg/node/vitrine.js", import.meta.url));
let vitrine;
try {
  // wasm-bindgen's nodejs target is CommonJS.
  vitrine = createRequire(import.meta.url)(resolve(pkgPath));
} catch (e) {
  fail(
    `cannot load the wasm package at ${pkgPath} (${e.message.split("\n")[0]}).\n` +
      "Build it with: cargo build --release --target wasm32-unknown-unknown --lib && " +
      "wasm-bindgen --target nodejs --out-dir target/pkg/node " +
      "target/wasm32-unknown-unknown/release/vitrine.wasm",
  );
}
const { Engine, decodeProfile } = vitrine;

function read(name, parse) {
  const path = join(dir, name);
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    fail(`cannot read ${path}: ${e.message} (write it with \`vitrine demo --out ${dir}\`)`);
  }
  try {
    return parse(bytes);
  } catch (e) {
    fail(`${path}: ${e.message}`);
  }
}

const bundle = read("bundle.msgpack", (b) => new Uint8Array(b));
const stock = read("stock.msgpack", (b) => new Uint8Array(b));
const shoppers = read("shoppers.json", (b) => JSON.parse(b.toString("utf8")));
// The engine does not carry category names to JavaScript; `vitrine demo` writes them.
const categories = read("categories.json", (b) => JSON.parse(b.toString("utf8")));

let engine;
try {
  engine = Engine.fromBundle(bundle);
  engine.applyStock(stock);
} catch (e) {
  fail(`the engine refused the demo data: ${e.code ?? e.name}: ${e.message}`);
}

const product = (id) => engine.product(id);
const name = (id) => product(id)?.name ?? `product ${id}`;
const pounds = (pence) => `£${(pence / 100).toFixed(2)}`;
const withPrice = (id) => {
  const p = product(id);
  return p ? `${p.name} (${pounds(p.price)})` : `product ${id}`;
};
const category = (id) => categories[id] ?? id;

/** A reason code in words. */
function reason(code) {
  const at = code.indexOf(":");
  const [kind, arg] = at < 0 ? [code, ""] : [code.slice(0, at), code.slice(at + 1)];
  switch (kind) {
    case "viewed":
      return `because you viewed ${name(arg)}`;
    case "cart":
      return `goes with ${name(arg)} in your cart`;
    case "bought":
      return `goes with ${name(arg)} you bought`;
    case "repeat":
      return "you buy this regularly";
    case "affinity":
      return `you like ${category(arg)}`;
    case "brand":
      return `you like ${arg}`;
    case "popular":
      return arg === "global" ? "popular overall" : `popular on ${arg}s`;
    case "pinned":
      return "pinned";
    default:
      return code;
  }
}

function request(s) {
  return {
    visitorId: s.visitorId,
    profile: new Uint8Array(s.profile),
    session: s.session,
    context: s.context,
  };
}

const fit = (text, width) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
const yes = (b) => (b ? "yes" : "no");

const info = engine.info();
console.log(
  `vitrine demo: bundle ${info.bundleVersion} (${info.products} products, ${info.categories} categories, ` +
    `${info.promotions} promotions), stock epoch ${info.stockEpoch} (${info.stockKnown} levels)`,
);

let hits = 0;
let shown = 0;
for (const s of shoppers) {
  const req = request(s);
  const res = engine.rank(req);
  const p = decodeProfile(req.profile);
  const likes = Object.entries(p.categoryAffinity)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([id]) => category(id));

  console.log(`\n== ${s.name}: ${s.about}`);
  const held = p.consent.personalization
    ? `segment ${p.segment ?? "-"} | ${p.purchases.length} purchases, likes ${likes.join(", ")}`
    : "the engine reads nothing of the profile";
  console.log(
    `   consent: personalization ${yes(p.consent.personalization)}, marketing ${yes(p.consent.marketing)} | ${held}`,
  );
  console.log(`   cart:    ${s.session.cart.map(withPrice).join(", ")}`);
  console.log(`   viewing: ${withPrice(s.session.current)} (${s.context.page} page, ${s.context.region})`);
  console.log("   suggestions:");
  const heldOut = new Set(s.heldOut ?? []);
  res.items.forEach((item, i) => {
    const p = product(item.id);
    const bought = heldOut.has(item.id);
    hits += bought ? 1 : 0;
    shown += 1;
    console.log(
      `   ${String(i + 1).padStart(2)}. ${fit(p?.name ?? item.id, 44)} ${pounds(p?.price ?? 0).padStart(7)}` +
        `  ${item.score.toFixed(3)}  ${item.reasons.map(reason).join("; ")}${bought ? "  [bought]" : ""}`,
    );
  });
  if (res.items.length === 0) console.log("   (none)");
  const promos = res.promotions.map((pr) => `${pr.id} on ${pr.products.map(name).join(", ")} (${pr.reason})`);
  console.log(`   promotions: ${promos.length ? promos.join("; ") : "none"}`);
  const d = res.decision;
  console.log(
    `   decision: bundle ${d.bundleVersion}, stock epoch ${d.stockEpoch}, ` +
      `profile version ${d.profileVersion ?? "none (not used)"}, now ${new Date(d.now).toISOString()}`,
  );
}
console.log(
  `\n[bought] marks a suggestion the shopper went on to buy in the order being placed: ${hits} of ${shown}.`,
);

// Timing: every shopper's request over and over, as a page would call it.
const requests = shoppers.map(request);
for (let i = 0; i < WARMUP_CALLS; i++) for (const r of requests) engine.rank(r);
const times = [];
for (let i = 0; i < TIMED_CALLS; i++) {
  for (const r of requests) {
    const t0 = process.hrtime.bigint();
    engine.rank(r);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
}
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.round((times.length - 1) * q))];
console.log(
  `rank time per call: median ${at(0.5).toFixed(1)} µs, p90 ${at(0.9).toFixed(1)} µs ` +
    `(${times.length} calls: ${TIMED_CALLS} per shopper, Node ${process.versions.node})`,
);
