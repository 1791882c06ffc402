#!/usr/bin/env bash
# A family front against random search at the same total compute (issue 16's honest comparison).
#   experiments/front_vs_random.sh [OUT_DIR]
# Per data set and seed:
#   1. a family search of TARGETS targets spread over the Pixel 3 table (fbnet search --front);
#   2. each target's pick trained from scratch (fbnet pareto);
#   3. random search with the compute of 1 and 2 (fbnet random --budget-of), trained the same way;
#   4. both in one CSV, then front_compare.py: latency bands won, hypervolumes.
# Environment (defaults in brackets): SEEDS [1 2 3], DATASETS [fashion-mnist], TARGETS [6],
# SEARCH_SUBSET [2500], EPOCHS [6], WARMUP [2], TRAIN_EPOCHS [1], TRAIN_SUBSET [2000],
# TEST_SUBSET [1000], BANDS [6], THREADS [0], SEARCH_FLAGS [none; e.g. --lr-theta 0.05],
# FBNET [build/app/cli/fbnet]. Runs already in OUT_DIR/runs.sqlite are reused (an interrupted
# comparison continues).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
fbnet="${FBNET:-$here/build/app/cli/fbnet}"
out="${1:-/tmp/fbnet-front-vs-random}"
mkdir -p "$out"
db="$out/runs.sqlite"
train=(--epochs "${TRAIN_EPOCHS:-1}" --subset "${TRAIN_SUBSET:-2000}" --test-subset "${TEST_SUBSET:-1000}" --threads "${THREADS:-0}")
csvs=()
for ds in ${DATASETS:-fashion-mnist}; do
  tag="$(echo "$ds" | tr -c 'a-zA-Z0-9\n' '-')"
  for seed in ${SEEDS:-1 2 3}; do
    fam="family-$tag-$seed" rnd="random-$tag-$seed"
    if ! "$fbnet" runs show "$fam" --runs "$db" > /dev/null 2>&1; then
      "$fbnet" search --runs "$db" --name "$fam" --front "${TARGETS:-6}" --samples 0 --seed "$seed" --dataset "$ds" \
        --subset "${SEARCH_SUBSET:-2500}" --epochs "${EPOCHS:-6}" --warmup-epochs "${WARMUP:-2}" --threads "${THREADS:-0}" ${SEARCH_FLAGS:-} \
        2> "$out/$fam.log" | tee -a "$out/$fam.log"
    fi
    "$fbnet" pareto --runs "$db" --run "$fam" --seed "$seed" "${train[@]}" > /dev/null 2>> "$out/$fam.log"
    if ! "$fbnet" runs show "$rnd" --runs "$db" > /dev/null 2>&1; then
      "$fbnet" random --runs "$db" --name "$rnd" --budget-of "$fam" --seed "$seed" "${train[@]}" > "$out/$rnd.log" 2>&1
    fi
    "$fbnet" pareto --runs "$db" --run "$fam" --baseline "$rnd" --seed "$seed" "${train[@]}" --out "$out/$tag-$seed.csv" \
      > /dev/null 2>> "$out/$fam.log"
    csvs+=("$out/$tag-$seed.csv")
  done
done
/usr/bin/python3 "$here/experiments/front_compare.py" --bands "${BANDS:-6}" "${csvs[@]}" | tee "$out/summary.txt"
