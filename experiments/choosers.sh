#!/bin/bash
# Which chooser ranks architectures like training them does? (issue 34)
#
# 1. The ground truth: 60 architectures of fbnet-cifar stratified over the Pixel 3 table's latency
#    range, each trained from scratch on Fashion-MNIST at 16x16 (6,000 training images, 2,000 test
#    images, 2 epochs) with seeds 1..3 (`fbnet groundtruth`; resumable, run again to continue).
# 2. Supernets on the same images at the same input size, trained (a) soft as the paper (theta's
#    Gumbel-softmax mixture), (a') hard with theta's samples, (b) single-path uniform, (c) strictly
#    fair (FairNAS); the hard ones at equal compute (same epochs and steps).
# 3. Every chooser scores the ground truth's architectures (`fbnet rank --by`), and the report
#    compares them: tau with its no-relation s.d., rho, precision@3 within each latency band.
#
# Usage: experiments/choosers.sh [OUT]   (default OUT: /tmp/fbnet-choosers; FBNET=path for another build;
#        SEEDS=1,2,3 COUNT=60 EPOCHS=10 SOFT_EPOCHS=2 to change the protocol; THREADS=1 per process)
# Cost on this 2-core machine: ~1.8 min per architecture and seed (one core each), ~4 min per hard
# supernet, ~8 min for the soft one, ~3 min per supernet scoring.
set -euo pipefail
cd "$(dirname "$0")/.."
FBNET=${FBNET:-build/app/cli/fbnet}
OUT=${1:-/tmp/fbnet-choosers}
SEEDS=${SEEDS:-1,2,3}
COUNT=${COUNT:-60}
EPOCHS=${EPOCHS:-10}
SOFT_EPOCHS=${SOFT_EPOCHS:-2}
THREADS=${THREADS:-1}
mkdir -p "$OUT"
DB="$OUT/gt.db"
DATA="--dataset fashion-mnist --input-size 16 --subset 6000"

# 1. The ground truth (each seed may run in its own process: SEEDS=1, SEEDS=2, ... at once).
"$FBNET" groundtruth --runs "$DB" --name gt --count "$COUNT" $DATA --test-subset 2000 --epochs 2 --batch-size 64 \
    --threads "$THREADS" --seeds "$SEEDS"

# 2. Supernets (skipped when stored already).
search() {  # NAME ARGS...
    local name=$1
    shift
    if "$FBNET" runs show "$name" --runs "$DB" > /dev/null 2>&1; then
        return
    fi
    "$FBNET" search --runs "$DB" --name "$name" --space fbnet-cifar --lut flops $DATA --batch-size 64 --samples 0 \
        --threads "$THREADS" "$@"
}
search sn-hard-theta --mode hard --weight-sampling theta --epochs "$EPOCHS" --warmup-epochs 3
search sn-uniform --mode hard --weight-sampling uniform --epochs "$EPOCHS" --warmup-epochs 3
search sn-fair --mode hard --weight-sampling fair --epochs "$EPOCHS" --warmup-epochs 3
search sn-soft --mode soft --epochs "$SOFT_EPOCHS" --warmup-epochs 1

# 3. Scores, then the report.
"$FBNET" rank --runs "$DB" --run gt --by params,macs,synflow,naswot,gradnorm --threads "$THREADS" --evaluated-only
for sn in sn-hard-theta sn-uniform sn-fair sn-soft; do
    "$FBNET" rank --runs "$DB" --run gt --by supernet,theta --search "$sn" --threads "$THREADS" --evaluated-only
done
"$FBNET" rank --runs "$DB" --run gt --report | tee "$OUT/report.txt"
echo "figures in $OUT/report.txt; the store is $DB"
