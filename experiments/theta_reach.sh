#!/usr/bin/env bash
# Does each target's theta reach its target in a short family search? (issue 16: "theta barely moves")
#   experiments/theta_reach.sh [OUT_DIR]
# Runs one family search (fbnet search --front TARGETS) per "LR_THETA:TARGET_WEIGHT" pair in
# CONFIGS on the same data, seed and budget as the front-vs-random comparison, then prints per
# pair each target's E[latency] after the last epoch and the mean |E[latency] - target|. The
# uniform theta's E[latency] (epoch 1, warm-up) is the start every target moves from.
# Environment (defaults in brackets): CONFIGS [0.01:1 0.1:1 0.3:1 0.01:10 0.1:10 0.3:10 1:10],
# SEED [1], DATASET [fashion-mnist], TARGETS [6], SUBSET [1000], EPOCHS [3], WARMUP [1],
# THREADS [0], FBNET [build/app/cli/fbnet]. Runs already in OUT_DIR/runs.sqlite are reused.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
fbnet="${FBNET:-$here/build/app/cli/fbnet}"
out="${1:-/tmp/fbnet-theta-reach}"
mkdir -p "$out"
db="$out/runs.sqlite"
printf "%-8s %-7s %15s  %s\n" "lr-theta" "weight" "mean |E - t| ms" "E[latency] per target (targets in the header)"
header=0
for cfg in ${CONFIGS:-0.01:1 0.1:1 0.3:1 0.01:10 0.1:10 0.3:10 1:10}; do
  lr="${cfg%%:*}" w="${cfg##*:}" name="lr$lr-w$w"
  if ! "$fbnet" runs show "$name" --runs "$db" > /dev/null 2>&1; then
    "$fbnet" search --runs "$db" --name "$name" --front "${TARGETS:-6}" --samples 0 --seed "${SEED:-1}" \
      --dataset "${DATASET:-fashion-mnist}" --subset "${SUBSET:-1000}" --epochs "${EPOCHS:-3}" --warmup-epochs "${WARMUP:-1}" \
      --threads "${THREADS:-0}" --lr-theta "$lr" --target-weight "$w" > "$out/$name.log" 2>&1
  fi
  show="$("$fbnet" runs show "$name" --runs "$db")"
  if [ "$header" = 0 ]; then
    echo "$show" | awk '/^epoch  /{e=1; next} e && $1 == "1" {printf "uniform theta (epoch 1): E[latency] %s ms\n", $7; exit}'
    echo "$show" | awk '/^target /{f=1; next} f && NF == 5 {t = t " " $1} f && NF < 5 {exit} END {printf "%-8s %-7s %15s  targets:%s\n", "", "", "", t}'
    header=1
  fi
  echo "$show" | awk -v lr="$lr" -v w="$w" '/^target /{f=1; next}
    f && NF == 5 {d += ($2 > $1 ? $2 - $1 : $1 - $2); e = e " " $2; n++} f && NF < 5 && n {exit}
    END {printf "%-8s %-7s %15.2f  %s\n", lr, w, d / n, e}'
done
