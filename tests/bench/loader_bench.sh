#!/usr/bin/env bash
# The folder loader's figures (issue 12): images/s on 1 and 2 loader threads, peak RSS at 10,000 and
# 200,000 images, and the data-wait share of fbnet-imagenet search steps at batch 32.
# Usage: tests/bench/loader_bench.sh [WORKDIR=/tmp/fbnet-loader-bench] [STEPS=4]
# The data: 256 distinct photo-like 500x375 JPEGs hard-linked to 200,000 names (~20 MB of disk).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/fbnet-loader-bench}; steps=${2:-4}
B=build/tests/bench/bench_loader
export FBNET_RESOURCE_DIR=$PWD/resources FBNET_LUT_DIR=$PWD/lut
$B make "$work/small" 10000
$B make "$work/large" 200000
for t in 1 2; do $B speed "$work/small/data" "$t" 2000; done
$B rss "$work/small/data" 60
$B rss "$work/large/data" 60
for r in 1 2 3; do  # side by side: the step with the loader decoding beside it, and without
  $B wait "$work/small/data" "$steps" 1 | tail -1
  $B wait synthetic "$steps" 1 | tail -1
done
