#!/usr/bin/env bash
# The model build's scale benchmark (README "Benchmarks"): writes EVENTS (10 million)
# synthetic events in the generic CSV format, then times `vitrine model build` on them
# with /usr/bin/time: wall time, events per second, peak resident memory. Extra arguments
# go to the build (e.g. --threads 1, --config server/configs/yoochoose.json).
source "$(dirname "$0")/lib/tools.sh"
cd "$ROOT"
EVENTS="${EVENTS:-10000000}"
OUT="$ROOT/target/bench"
mkdir -p "$OUT"
cargo build --release -q -p vitrine-server
V="$ROOT/target/release/vitrine"
if [[ ! -f "$OUT/events-$EVENTS.csv" ]]; then
  say "writing $EVENTS synthetic events"
  "$V" model synth --events "$EVENTS" --out "$OUT/events-$EVENTS.csv"
fi
say "vitrine model build on $EVENTS events ($(nproc) cores)"
/usr/bin/time -v "$V" model build --events "$OUT/events-$EVENTS.csv" --out "$OUT/synthetic.msgpack" "$@" 2> "$OUT/time.txt"
grep -E "Elapsed \(wall clock\)|Maximum resident set size|Percent of CPU" "$OUT/time.txt"
