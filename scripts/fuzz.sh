#!/usr/bin/env bash
# Fuzzes every decoder with cargo-fuzz (libFuzzer): `bundle`, `profile`, `stock` and
# `request` (fuzz/fuzz_targets/), each for N seconds, starting from valid testkit snapshots.
# A crash (panic, failed invariant, or a failed call that changed the engine) is saved
# under fuzz/artifacts/<target>/ and makes the script fail after every target has run;
# replay one with `cd fuzz && cargo +nightly fuzz run <target> artifacts/<target>/<file>`.
#
#   scripts/fuzz.sh              # 60 s per target
#   scripts/fuzz.sh 600          # 10 minutes per target
#   scripts/fuzz.sh 60 stock     # one target
source "$(dirname "$0")/lib/tools.sh"

secs="${1:-60}"
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(bundle profile stock request)

# libFuzzer's instrumentation needs nightly's -Zsanitizer flags.
if ! rustup toolchain list | grep -q '^nightly'; then
  say "installing the nightly toolchain"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz (about 2 minutes)"
  # --locked can fail when a pinned dependency has left the registry; retry without.
  cargo install cargo-fuzz --locked || cargo install cargo-fuzz
fi

cd "$ROOT/fuzz"
say "seeding fuzz/corpus/<target>/ from testkit snapshots"
cargo +nightly run --quiet --release --example seeds -- corpus

failed=()
for t in "${targets[@]}"; do
  say "fuzzing $t for ${secs}s"
  # The dictionary holds the formats' keys as MessagePack strings: mutations that splice
  # one in reach the readers' field handling far sooner than random bytes do.
  if ! cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -dict=vitrine.dict -print_final_stats=1; then
    failed+=("$t")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  say "crashes in: ${failed[*]} (inputs under fuzz/artifacts/)"
  exit 1
fi
say "no crash in ${targets[*]} (${secs}s each)"
