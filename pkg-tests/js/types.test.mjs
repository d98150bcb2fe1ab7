// The generated TypeScript declarations: real use type-checks (usage.ts, with tsc, for the
// web and nodejs builds), and the public surface has no `any`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

import { pkg } from "./fixtures.mjs";

const here = fileURLToPath(new URL("./", import.meta.url));
const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));

for (const build of ["web", "node"]) {
  const dts = fileURLToPath(new URL(`${build}/vitrine.d.ts`, pkg));

  test(`${build} build: usage type-checks under strict TypeScript`, () => {
    const dir = mkdtempSync(join(tmpdir(), "vitrine-types-"));
    try {
      const config = {
        compilerOptions: {
          strict: true, noEmit: true, target: "es2022", module: "esnext", moduleResolution: "bundler",
          lib: ["esnext", "dom"], types: [], skipLibCheck: false, paths: { vitrine: [dts] },
        },
        files: [join(here, "usage.ts")],
      };
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config));
      execFileSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { stdio: "pipe" });
    } catch (e) {
      assert.fail(`tsc: ${e.stdout ?? ""}${e.stderr ?? ""}${e.message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${build} build: no \`any\` in the public declarations`, () => {
    const text = readFileSync(dts, "utf8")
      // wasm-bindgen's own description of the raw wasm exports, not our API
      .replace(/export interface InitOutput \{[\s\S]*?\n\}/, "")
      .replace(/export type (Sync)?InitInput = [^;]*;/g, "")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    assert.ok(text.includes("rank(request: RankRequest): RankResponse"), "the API is declared");
    const anys = text.split("\n").filter((l) => /\bany\b/.test(l));
    assert.deepEqual(anys, []);
  });
}
