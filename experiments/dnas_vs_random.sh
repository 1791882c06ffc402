#!/usr/bin/env bash
# DNAS versus random search at the same compute budget, on Fashion-MNIST (issue 4's baseline).
#   experiments/dnas_vs_random.sh [RUNS_DB] [THREADS]
# 1. the default search (fbnet-cifar, Pixel 3 table, 2,500 images, 6 epochs);
# 2. 4 samples from its theta; train argmax + samples (2 epochs, 5,000 images, 2,000 test images);
# 3. random search with the budget of 1+2 (--budget-of), each architecture trained the same way;
# 4. the joint front.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
fbnet="${FBNET:-$here/build/app/cli/fbnet}"
db="${1:-/tmp/fbnet-dnas-vs-random.sqlite}"
threads="${2:-0}"
tag="$(date +%Y%m%d-%H%M%S)"
train=(--epochs 2 --subset 5000 --test-subset 2000 --threads "$threads")
"$fbnet" search --runs "$db" --name "dnas-$tag" --threads "$threads"
"$fbnet" sample --runs "$db" --run "dnas-$tag" --count 4
"$fbnet" pareto --runs "$db" --run "dnas-$tag" "${train[@]}"
"$fbnet" random --runs "$db" --name "random-$tag" --budget-of "dnas-$tag" "${train[@]}"
"$fbnet" pareto --runs "$db" --run "dnas-$tag" --baseline "random-$tag" "${train[@]}" --out "${db%.sqlite}-$tag-front.csv"
