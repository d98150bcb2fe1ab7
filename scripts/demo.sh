#!/usr/bin/env bash
# The main job on the embedded default: builds the wasm package, learns a catalogue bundle
# from the Instacart sample (../shared/data/instacart, or $VITRINE_DATA/instacart), writes
# stock and four real shoppers' profiles, then ranks suggestions for them with the wasm
# engine in Node, printing each suggestion with its reasons.
source "$(dirname "$0")/lib/tools.sh"
cd "$ROOT"
DATA="${VITRINE_DATA:-$ROOT/../shared/data}"
build_pkg
say "learning a catalogue bundle from $DATA/instacart"
cargo run --release -q -p vitrine-server --bin vitrine -- demo --instacart "$DATA/instacart" --out "$ROOT/target/demo"
say "ranking for sample shoppers with the wasm engine"
node "$ROOT/scripts/demo.mjs" "$ROOT/target/demo"
