#!/usr/bin/env bash
# Does `vitrine ab analyze` find what `vitrine ab simulate` planted? Runs the simulation
# over many seeds (real engine, synthetic shop), analyses each log, and reports how often
# the 95% interval of the relative uplift covers the true uplift (every shopper ranked
# under both arms: target 95%), the mean estimate against the truth, and the power.
#   scripts/ab-coverage.sh [runs=100] [visitors=10000] [extra simulate flags...]
source "$(dirname "$0")/lib/tools.sh"
cd "$ROOT"
runs="${1:-100}"; visitors="${2:-10000}"; shift $(( $# > 2 ? 2 : $# )) || true
cargo build --release -q -p vitrine-server
out="$ROOT/target/ab-coverage"; mkdir -p "$out"
say "simulating and analysing $runs experiments of $visitors shoppers"
for seed in $(seq 1 "$runs"); do
  target/release/vitrine ab simulate --visitors "$visitors" --seed "$seed" --format json "$@" \
    --out "$out/log.jsonl" > "$out/truth-$seed.json"
  target/release/vitrine ab analyze "$out/log.jsonl" --format json > "$out/analysis-$seed.json"
done
python3 - "$out" "$runs" <<'PY'
import json, sys, statistics
out, runs = sys.argv[1], int(sys.argv[2])
cover = sig = seq = 0
est, true = [], []
for s in range(1, runs + 1):
    t = json.load(open(f"{out}/truth-{s}.json"))
    a = json.load(open(f"{out}/analysis-{s}.json"))
    c = a["comparisons"][0]["conversion"]
    truth = t["arms"][1]["relativeUplift"]
    lo, hi = c["relativeCi"]
    cover += lo <= truth <= hi
    sig += c["p"] < 0.05
    seq += a["comparisons"][0]["sequential"]["significant"]
    est.append(c["relativeUplift"]); true.append(truth)
print(f"runs {runs}: true relative uplift {statistics.mean(true):+.2%} (mean over runs, sd {statistics.pstdev(true):.2%})")
print(f"  estimated {statistics.mean(est):+.2%} on average (sd {statistics.pstdev(est):.2%} across runs)")
print(f"  95% interval covers the truth in {cover}/{runs} = {cover / runs:.1%}")
print(f"  significant at p < 0.05: z-test {sig}/{runs} = {sig / runs:.1%}, sequential (daily looks) {seq}/{runs} = {seq / runs:.1%}")
PY
