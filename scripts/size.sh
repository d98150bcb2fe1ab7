#!/usr/bin/env bash
# Reports the size of the _bg.wasm that wasm-bindgen emits (raw, gzip -9, brotli -11) and
# fails above the budget: 200 KB gzipped (issue "Core", item 8).
source "$(dirname "$0")/lib/tools.sh"
BUDGET_GZIP=200000
wasm="$ROOT/target/pkg/web/vitrine_bg.wasm"
[[ -f "$wasm" ]] || build_pkg
node -e '
const fs = require("fs"), zlib = require("zlib");
const b = fs.readFileSync(process.argv[1]);
const gz = zlib.gzipSync(b, { level: 9 }).length;
const br = zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
console.log(`vitrine_bg.wasm: ${b.length} bytes raw, ${gz} gzip, ${br} brotli (budget ${process.argv[2]} gzip)`);
fs.writeFileSync(process.argv[3], JSON.stringify({ raw: b.length, gzip: gz, brotli: br }));
if (gz > Number(process.argv[2])) { console.error("over the size budget"); process.exit(1); }
' "$wasm" "$BUDGET_GZIP" "$ROOT/target/pkg/size.json"
