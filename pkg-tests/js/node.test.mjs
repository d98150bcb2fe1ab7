// The package as Node users get it: the nodejs build through require(), and the web build
// as an ES module initialised synchronously (as edge runtimes do).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import * as msgpack from "@msgpack/msgpack";

import { fixtures, pkg } from "./fixtures.mjs";
import { suite } from "./suite.mjs";

const fx = fixtures();
const require = createRequire(import.meta.url);

const node = require(new URL("node/vitrine.js", pkg).pathname);
for (const [name, fn] of suite(node, fx, msgpack)) test(`nodejs build: ${name}`, fn);

const web = await import(new URL("web/vitrine.js", pkg).href);
web.initSync({ module: readFileSync(new URL("web/vitrine_bg.wasm", pkg)) });
for (const [name, fn] of suite(web, fx, msgpack)) test(`web build in Node: ${name}`, fn);
