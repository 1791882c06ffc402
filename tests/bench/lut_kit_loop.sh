#!/usr/bin/env bash
# The measurement-kit loop of issue 15 with this machine as the "phone" and OpenCV's dnn module as
# its runtime: per seed, a kit of COUNT fbnet-cifar networks (every 4th held out), timed, fitted on
# prior tables, and the fitted table's error on the held-out networks; also each prior alone and
# the ONNX export's agreement with libtorch for the published FBNet architectures, and how much
# timing the same kit twice differs (the noise floor of the held-out error).
# Usage: tests/bench/lut_kit_loop.sh [WORKDIR=/tmp/fbnet-kit-bench] [COUNT=60] [SEEDS="1 2 3"]
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/fbnet-kit-bench}; count=${2:-60}; seeds=${3:-1 2 3}
B=$PWD/build/app/cli/fbnet
export FBNET_RESOURCE_DIR=$PWD/resources FBNET_LUT_DIR=$PWD/lut
rm -rf "$work"; mkdir -p "$work"
for seed in $seeds; do
  kit="$work/kit-$seed"
  $B lut kit --space fbnet-cifar --count "$count" --prior pixel3 --seed "$seed" --out "$kit" | head -1
  $B lut measure --kit "$kit" --repeats 30 --warmup 5 | head -1
  $B lut fit --space fbnet-cifar --measurements "$kit/timings.csv" --prior pixel3 --prior xeon-gold-6226 --device "kit$seed" \
    --out "$kit/fitted.json" | grep -E "^(model|held out|  prior)"
done
# The floor under those errors: the same kit timed twice on this (shared) machine.
first=${seeds%% *}
$B lut measure --kit "$work/kit-$first" --repeats 30 --warmup 5 --out "$work/kit-$first/timings-again.csv" | head -1
python3 - "$work/kit-$first/timings.csv" "$work/kit-$first/timings-again.csv" <<'PY'
import csv, sys
a, b = ({r["id"]: float(r["latency_ms"]) for r in csv.DictReader(open(f))} for f in sys.argv[1:3])
d = sorted(abs(a[k] - b[k]) / b[k] * 100 for k in a)
print("run-to-run difference of the same networks: median %.1f%%, mean %.1f%%, max %.1f%%" % (d[len(d) // 2], sum(d) / len(d), d[-1]))
PY
for a in fbnet-a fbnet-b fbnet-c fbnet-96-0.35-1; do
  $B export --format onnx --random-weights --arch "$a" --out "$work/$a.onnx" 2>&1 | grep -E "^(written|checked)"
  $B export --format onnx --random-weights --arch "$a" --fold-bn --out "$work/$a-folded.onnx" 2>&1 | grep -E "^checked"
done
