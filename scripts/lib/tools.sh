# Installs what the scripts need, skipping what is already there. Sourced by the scripts
# in scripts/; every function is safe to call twice.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

say() { printf '\n==> %s\n' "$*" >&2; }

# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock
# (the generated glue and the library speak one protocol).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

need_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

need_wasm_bindgen() {
  local want; want="$(wasm_bindgen_version)"
  if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $want" ]]; then
    say "installing wasm-bindgen-cli $want (about 2 minutes)"
    # --locked can fail when a pinned dependency has left the registry; retry without.
    cargo install wasm-bindgen-cli --version "$want" --locked || cargo install wasm-bindgen-cli --version "$want"
  fi
}

# Debian packages, as root or through sudo.
apt_install() {
  local sudo=""; [[ "$(id -u)" == 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

need_chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Debian's chromium and chromium-driver"
    apt_install chromium chromium-driver
  fi
  export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
  export CHROMIUM="${CHROMIUM:-$(command -v chromium)}"
}

need_valgrind() {
  if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
    say "installing Debian's valgrind"
    apt_install valgrind
  fi
}

need_npm_deps() {
  local dir="$ROOT/pkg-tests"
  if [[ ! -f "$dir/node_modules/.package-lock.json" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    say "installing npm packages for pkg-tests"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Builds the wasm package for the web (ES module, browsers and workers) and for Node
# (CommonJS), each with a package.json, into target/pkg/{web,node}.
build_pkg() {
  need_wasm_target
  need_wasm_bindgen
  say "building the wasm package"
  (cd "$ROOT" && cargo build --release --target wasm32-unknown-unknown --lib -p vitrine)
  # Where cargo put it: CARGO_TARGET_DIR moves cargo's output, not the package's.
  local wasm="${CARGO_TARGET_DIR:-$ROOT/target}/wasm32-unknown-unknown/release/vitrine.wasm"
  local version; version="$(awk -F'"' '/^version = / { print $2; exit }' "$ROOT/Cargo.toml")"
  for target in web nodejs; do
    local out="$ROOT/target/pkg/${target/nodejs/node}"
    rm -rf "$out"
    # Names are dropped here (not with `strip`, which would remove what wasm-bindgen needs).
    wasm-bindgen --target "$target" --remove-name-section --remove-producers-section --out-dir "$out" "$wasm"
    local type='"type": "module",'; [[ "$target" == nodejs ]] && type=''
    cat > "$out/package.json" <<JSON
{
  "name": "vitrine",
  "version": "$version",
  "description": "Personalized product suggestions and stock-aware promotions, ranked next to the page",
  "license": "MIT OR Apache-2.0",
  $type
  "main": "vitrine.js",
  "types": "vitrine.d.ts",
  "engines": { "node": ">=20.19" },
  "sideEffects": ["./snippets/*"]
}
JSON
  done
}

# scipy and statsmodels for scripts/ab_reference.py (the A/B statistics' independent
# reference), in a virtualenv under target/ so the system Python stays untouched; the
# install runs only when an import fails.
PY_VENV="$ROOT/target/py-venv"
need_python_deps() {
  if [[ ! -x "$PY_VENV/bin/python" ]]; then
    say "creating a Python virtualenv in target/py-venv"
    python3 -m venv "$PY_VENV"
  fi
  if ! "$PY_VENV/bin/python" -c "import scipy, statsmodels" 2>/dev/null; then
    say "installing scipy and statsmodels (PyPI)"
    "$PY_VENV/bin/python" -m pip install --quiet --disable-pip-version-check scipy statsmodels
  fi
}
