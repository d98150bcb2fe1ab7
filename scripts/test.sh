#!/usr/bin/env bash
# Runs every test: native (core, server, property tests), the A/B statistics against
# scipy/statsmodels, lint, the wasm package's size, the wasm bindings in Node and headless
# Chromium, and the package as users get it (Node, Chromium, TypeScript). Installs what it
# needs first. CI runs this (.ci/run).
source "$(dirname "$0")/lib/tools.sh"
cd "$ROOT"
start=$SECONDS

say "native tests (core, server, property tests, golden decisions, msgpack-test-suite)"
cargo test --workspace --features vitrine/testkit

need_python_deps
say "A/B statistics against scipy and statsmodels on random experiments (scripts/ab_reference.py)"
cargo build -p vitrine-server --features vitrine/testkit
"$PY_VENV/bin/python" "$ROOT/scripts/ab_reference.py" --vitrine "$ROOT/target/debug/vitrine"

say "format and lint"
cargo fmt --all --check
cargo clippy --workspace --all-targets --features vitrine/testkit -- -D warnings
need_wasm_target
cargo clippy -p vitrine --target wasm32-unknown-unknown -- -D warnings
# The fuzz targets live outside the workspace (cargo-fuzz wants its own); keep them compiling.
cargo check --manifest-path fuzz/Cargo.toml --bins --examples

build_pkg
say "size of the wasm module"
"$ROOT/scripts/size.sh"

say "wasm bindings in Node (wasm-bindgen-test)"
cargo test -p vitrine-pkg-tests --target wasm32-unknown-unknown

need_chromium
say "wasm bindings in headless Chromium (wasm-bindgen-test)"
# chromedriver leaves its profile directories (24 MB a run) in $TMPDIR when the runner stops
# it, so they go under target/ and are removed here rather than piling up in /tmp.
browser_tmp="$ROOT/target/tmp/chromium"
rm -rf "$browser_tmp" && mkdir -p "$browser_tmp"
TMPDIR="$browser_tmp" WASM_BINDGEN_USE_BROWSER=1 VITRINE_EXPECT_BROWSER=1 \
  cargo test -p vitrine-pkg-tests --target wasm32-unknown-unknown
rm -rf "$browser_tmp"

need_npm_deps
say "the package as users get it: Node, Chromium, TypeScript"
node --test "$ROOT"/pkg-tests/js/*.test.mjs

say "all tests passed in $((SECONDS - start)) s"
