#!/usr/bin/env bash
# Counts instructions instead of timing: valgrind's callgrind over the native benchmark's
# quick run (`benches/rank.rs --quick`: 6 bundle loads and 2,200 rank calls per size). The
# same binary and inputs give the same count whatever else the machine is doing, so two
# builds compare exactly where timings swing by half between runs. Prints instructions per
# bundle load and per rank call for the work tree and, given a git revision, for it too,
# side by side with their ratio. Each build under valgrind takes about a minute per size.
# One build in one folder counts the same every time; the same code checked out at another
# path counted up to 0.25% apart here (the heap's layout moves with the environment), so
# smaller differences between two builds are not a change.
#
#   scripts/bench-instructions.sh                 # the work tree, 10k products
#   scripts/bench-instructions.sh a295fd0         # and that revision beside it
#   SIZES=1000,50000 scripts/bench-instructions.sh main
source "$(dirname "$0")/lib/tools.sh"
need_valgrind

rev="${1:-}"
IFS=, read -ra sizes <<<"${SIZES:-10000}"
# What the quick run does per size: 5 timed loads and one to rank with; 200 warm-up calls
# and 2,000 timed ones (benches/rank.rs).
LOADS=6 CALLS=2200
out="$ROOT/target/bench-instructions"
mkdir -p "$out"

# Builds benches/rank.rs in `dir` into the target folder `target` and copies the binary
# to `$out/<label>`. The revision has a target folder of its own: in one shared folder,
# cargo takes the other tree's build as up to date.
build() {
  local dir="$1" target="$2" label="$3" exe
  say "building the native benchmark: $label"
  exe="$(cd "$dir" && CARGO_TARGET_DIR="$target" cargo bench --bench rank --features testkit --no-run \
    --message-format=json | node -e '
      let exe = "";
      for (const line of require("fs").readFileSync(0, "utf8").split("\n")) {
        if (!line.startsWith("{")) continue;
        const m = JSON.parse(line);
        if (m.reason === "compiler-artifact" && m.target.name === "rank" && m.executable) exe = m.executable;
      }
      console.log(exe);')"
  cp "$exe" "$out/$label"
}

# Inclusive instructions of a function: the largest of callgrind_annotate's rows for it
# (it may list a function once per source file its code came from).
inclusive() {
  callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
    awk -v fn="$2" 'index($0, fn " ") || $0 ~ fn "$" { gsub(",", "", $1); if ($1 + 0 > max) max = $1 + 0 } END { print max + 0 }'
}

# Runs `$out/<label>` in `dir` (it writes its inputs under that tree's target/bench) and
# prints "<load> <rank>": instructions per call.
count() {
  local dir="$1" label="$2" n="$3"
  local file="$out/$label-$n.callgrind"
  (cd "$dir" && valgrind --tool=callgrind --callgrind-out-file="$file" "$out/$label" --quick --sizes "$n" >/dev/null 2>&1)
  local load rank
  load="$(inclusive "$file" "vitrine::engine::Engine::from_bundle")"
  rank="$(inclusive "$file" "vitrine::engine::Engine::rank")"
  echo "$((load / LOADS)) $((rank / CALLS))"
}

labels=(worktree)
dirs=("$ROOT")
if [[ -n "$rev" ]]; then
  tree="$ROOT/target/bench-instructions/tree"
  git -C "$ROOT" worktree remove --force "$tree" 2>/dev/null || true
  git -C "$ROOT" worktree add --detach --quiet "$tree" "$rev"
  trap 'git -C "$ROOT" worktree remove --force "$tree" 2>/dev/null || true' EXIT
  build "$tree" "$out/target" rev
  labels+=(rev)
  dirs+=("$tree")
fi
# The work tree last, so target/ is left built from it.
build "$ROOT" "${CARGO_TARGET_DIR:-$ROOT/target}" worktree

head_rev="$(git -C "$ROOT" rev-parse --short HEAD)"
dirty=""; [[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ]] || dirty=" + changes"
echo
echo "Instructions per call (valgrind callgrind; benches/rank.rs --quick: $LOADS loads, $CALLS rank calls per size)"
echo
echo "| products | build | bundle load | rank call |"
echo "|---:|---|---:|---:|"
for n in "${sizes[@]}"; do
  say "counting at $n products"
  read -r wl wr < <(count "$ROOT" worktree "$n")
  echo "| $n | work tree ($head_rev$dirty) | $wl | $wr |"
  if [[ -n "$rev" ]]; then
    read -r rl rr < <(count "$tree" rev "$n")
    echo "| $n | $rev | $rl | $rr |"
    awk -v a="$wl" -v b="$rl" -v c="$wr" -v d="$rr" -v n="$n" -v r="$rev" \
      'BEGIN { printf "| %s | work tree / %s | %.4f | %.4f |\n", n, r, a / b, c / d }'
  fi
done
