#!/usr/bin/env bash
# Supernet step throughput, ours vs the plain-PyTorch reference (../shared/bench/py_supernet_bench.py,
# Debian python3-torch: the same libtorch), interleaved in one run, ROUNDS rounds, medians printed.
# Usage: tests/bench/run_supernet_bench.sh [ROUNDS=3] [BATCH=64] [THREADS=2]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}; batch=${2:-64}; threads=${3:-2}
ref=${FBNET_PY_REFERENCE:-../shared/bench/py_supernet_bench.py}
bench=build/tests/bench/bench_supernet
export FBNET_RESOURCE_DIR=$PWD/resources FBNET_LUT_DIR=$PWD/lut
[ -x "$bench" ] || { echo "build first: scripts/build.sh"; exit 1; }
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "needs Debian python3-torch (FBNET_WITH_BENCH_REFERENCE=1 scripts/install-deps.sh)"; exit 1; }
[ -f "$ref" ] || { echo "reference script not found: $ref (set FBNET_PY_REFERENCE)"; exit 1; }
out=$(mktemp)
for r in $(seq "$rounds"); do
  for mode in soft hard; do
    steps=3; [ $mode = hard ] && steps=12
    /usr/bin/python3 "$ref" $mode "$batch" "$threads" $steps | sed "s/^/round=$r /" | tee -a "$out"
    "$bench" "$batch" "$threads" 3 $mode | grep fbnet-studio | sed "s/^/round=$r /" | tee -a "$out"
  done
done
python3 - "$out" <<'PY'
import re, statistics, sys
rows = [dict(re.findall(r"(\S+)=(\S+)", l)) | {"who": l.split()[1]} for l in open(sys.argv[1])]
for mode in ("soft", "hard"):
    ref = [float(r["img_per_s"]) for r in rows if r["mode"] == mode and r["who"] == "python-reference"]
    us = [float(r["img_per_s"]) for r in rows if r["mode"] == mode and r["who"] == "fbnet-studio"]
    ratios = sorted(u / p for u, p in zip(us, ref))
    print(f"{mode}: reference median {statistics.median(ref):.1f} img/s, fbnet-studio median {statistics.median(us):.1f} img/s, "
          f"ratio per round {', '.join(f'{x:.2f}' for x in ratios)} (median {statistics.median(ratios):.2f}x)")
PY
rm -f "$out"
