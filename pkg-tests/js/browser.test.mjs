// The web build in a real browser: a page on a loopback server imports the package, the
// suite and @msgpack/msgpack as ES modules, and Chromium (Debian's, driven by
// playwright-core) runs it. Each suite test is reported as a test here.
import { createReadStream, existsSync } from "node:fs";
import { createServer } from "node:http";
import { extname } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";

import { growthbookCases, pkg } from "./fixtures.mjs";

const roots = {
  "/pkg/": new URL("web/", pkg),
  "/js/": new URL("./", import.meta.url),
  "/fixtures/": new URL("../../tests/fixtures/golden/", import.meta.url),
  "/msgpack/": new URL("../node_modules/@msgpack/msgpack/dist.esm/", import.meta.url),
};
const types = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

const page = `<!doctype html><meta charset="utf-8"><title>vitrine web build</title>
<script type="module">
  import init, * as vitrine from "/pkg/vitrine.js";
  import * as msgpack from "/msgpack/index.mjs";
  import { suite } from "/js/suite.mjs";
  const bytes = async (name) => new Uint8Array(await (await fetch("/fixtures/" + name)).arrayBuffer());
  const json = async (name) => (await fetch("/fixtures/" + name)).json();
  await init();
  const fx = { bundle: await bytes("bundle.msgpack"), stock: await bytes("stock.msgpack"),
               requests: await json("requests.json"), responses: await json("responses.json"),
               growthbook: await (await fetch("/growthbook-cases.json")).json() };
  window.__results = suite(vitrine, fx, msgpack).map(([name, fn]) => {
    try { fn(); return { name, ok: true }; } catch (e) { return { name, ok: false, error: String(e && e.message || e) }; }
  });
</script>`;

const server = createServer((req, res) => {
  const path = new URL(req.url, "http://localhost").pathname;
  if (path === "/growthbook-cases.json") {
    res.writeHead(200, { "content-type": "application/json" });
    createReadStream(growthbookCases).pipe(res);
    return;
  }
  if (path === "/") {
    res.writeHead(200, { "content-type": "text/html" }).end(page);
    return;
  }
  const prefix = Object.keys(roots).find((p) => path.startsWith(p));
  const file = prefix && new URL(path.slice(prefix.length), roots[prefix]);
  if (!file || !existsSync(file) || path.includes("..")) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": types[extname(file.pathname)] ?? "application/octet-stream" });
  createReadStream(file).pipe(res);
});

let browser;
let results;

before(async () => {
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const tab = await browser.newPage();
  const errors = [];
  tab.on("pageerror", (e) => errors.push(e.message));
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForFunction(() => window.__results, null, { timeout: 30_000 }).catch(() => {
    throw new Error(`the page did not finish: ${errors.join("; ") || "no error reported"}`);
  });
  results = await tab.evaluate(() => window.__results);
});

after(async () => {
  await browser?.close();
  server.close();
});

test("web build in Chromium", async (t) => {
  if (results.length === 0) throw new Error("the suite ran no test");
  for (const r of results) {
    await t.test(r.name, () => {
      if (!r.ok) throw new Error(r.error);
    });
  }
});
