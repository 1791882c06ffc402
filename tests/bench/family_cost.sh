#!/usr/bin/env bash
# What a family search costs beside a single-target one (issue 16): the same search, plain and
# with --front TARGETS, interleaved ROUNDS times; wall seconds of each and their ratio.
#   [SPACE=fbnetv2-cifar] tests/bench/family_cost.sh [ROUNDS=2] [TARGETS=5] [SUBSET=1000] [EPOCHS=3]
# SPACE: the search space (default: the CLI's, fbnet-cifar); FBNetV2 spaces spread MFLOPs targets.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
fbnet="${FBNET:-$here/build/app/cli/fbnet}"
rounds="${1:-2}" targets="${2:-5}" subset="${3:-1000}" epochs="${4:-3}"
dir="$(mktemp -d)"
common=(--runs "$dir/runs.sqlite" --subset "$subset" --epochs "$epochs" --warmup-epochs 1 ${SPACE:+--space "$SPACE"})
wall() { local t0; t0="$(date +%s.%N)"; "$@" > /dev/null 2>&1; awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN {print a - b}'; }
for r in $(seq "$rounds"); do
  p="$(wall "$fbnet" search "${common[@]}" --name "plain$r")"
  f="$(wall "$fbnet" search "${common[@]}" --name "family$r" --front "$targets")"
  printf 'round %d: plain %.1f s, family of %d targets %.1f s, ratio %.3f\n' "$r" "$p" "$targets" "$f" "$(awk -v f="$f" -v p="$p" 'BEGIN {print f / p}')"
done
"$fbnet" runs show "family$rounds" --runs "$dir/runs.sqlite" | sed -n '/family search/,/^$/p'
rm -rf "$dir"
