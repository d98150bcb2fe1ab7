#!/usr/bin/env bash
# The offline evaluation of README "Quality": on YooChoose, DIGINETICA and Instacart,
# `vitrine model build` learns a bundle from the training part with the tuned
# configuration in server/configs/, then `vitrine eval` replays the test part through the
# engine and the baselines. Tables go to stdout and target/eval/*.md, JSON to
# target/eval/*.json.
#
#   scripts/eval.sh           evaluate with the committed configurations
#   scripts/eval.sh --tune    first search them again (validation data only; about 3 minutes)
#
# Data: ../shared/data, or $VITRINE_DATA. INSTACART_ORDERS=<file> evaluates another split of
# the Instacart order lines (the same commands, another file).
source "$(dirname "$0")/lib/tools.sh"
cd "$ROOT"
DATA="${VITRINE_DATA:-$ROOT/../shared/data}"
YC="$DATA/yoochoose-rsc15-100k/prepared/yoochoose-clicks-100k"
DG="$DATA/diginetica"
IC="$DATA/instacart"
ORDERS=()
[[ -n "${INSTACART_ORDERS:-}" ]] && ORDERS=(--orders "$INSTACART_ORDERS")
CONFIGS="$ROOT/server/configs"
OUT="$ROOT/target/eval"
mkdir -p "$OUT"

say "building the vitrine tool"
cargo build --release -q -p vitrine-server
V="$ROOT/target/release/vitrine"

if [[ "${1:-}" == "--tune" ]]; then
  say "tuning on YooChoose train_tr -> train_valid"
  "$V" tune --yoochoose-train "${YC}_train_tr.txt" --yoochoose-valid "${YC}_train_valid.txt" --out "$CONFIGS/yoochoose.json"
  say "tuning on DIGINETICA (rolling weeks of the training part)"
  "$V" tune --diginetica "$DG" --out "$CONFIGS/diginetica.json"
  say "tuning on Instacart (2nd to 7th to last orders)"
  "$V" tune --instacart "$IC" "${ORDERS[@]}" --out "$CONFIGS/instacart.json"
fi

say "YooChoose: learn from train_full, predict every next click of test"
"$V" model build --yoochoose "${YC}_train_full.txt" --config "$CONFIGS/yoochoose.json" --out "$OUT/yoochoose.msgpack"
"$V" eval --bundle "$OUT/yoochoose.msgpack" --yoochoose-train "${YC}_train_full.txt" --yoochoose-test "${YC}_test.txt" \
  --saved "$DATA/yoochoose-rsc15-100k/recommendations" --json "$OUT/yoochoose.json" | tee "$OUT/yoochoose.md"

say "DIGINETICA: learn from the training part, predict the last week"
"$V" model build --diginetica "$DG" --part train --config "$CONFIGS/diginetica.json" --out "$OUT/diginetica.msgpack"
"$V" eval --bundle "$OUT/diginetica.msgpack" --diginetica "$DG" --part test --json "$OUT/diginetica.json" | tee "$OUT/diginetica.md"

say "Instacart: learn without each user's last order, complete it"
"$V" model build --instacart "$IC" "${ORDERS[@]}" --part train --config "$CONFIGS/instacart.json" --out "$OUT/instacart.msgpack"
"$V" eval --bundle "$OUT/instacart.msgpack" --instacart "$IC" "${ORDERS[@]}" --part test --json "$OUT/instacart.json" | tee "$OUT/instacart.md"

say "Instacart: orders 8 to 13 from last, never scored by the search (tune scores 2 to 7), each learned from the orders before it"
"$V" eval --config "$CONFIGS/instacart.json" --instacart "$IC" "${ORDERS[@]}" --part orders:8-13 \
  --json "$OUT/instacart-rolling.json" | tee "$OUT/instacart-rolling.md"
