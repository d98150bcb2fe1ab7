#!/usr/bin/env bash
# Benchmarks, side by side in one run: synthetic catalogues of 1k, 10k and 50k products
# (20 neighbours each), bundle load and rank latency natively and in Node on the wasm
# build, their ratio, and the module's size. Prints a Markdown table (also written to
# target/bench/report.md). `scripts/bench.sh --quick` for a short run.
source "$(dirname "$0")/lib/tools.sh"
cd "$ROOT"
build_pkg
say "native benchmark"
cargo bench --bench rank --features testkit -- "$@"
say "wasm benchmark (Node $(node --version))"
node benches/wasm.mjs "$@"
"$ROOT/scripts/size.sh" >/dev/null
node benches/report.mjs | tee target/bench/report.md
