#!/usr/bin/env bash
# Local-CPU latency table figures (issue 3): build time, agreement of two builds, and validation
# against random networks timed end to end. ROUNDS rounds; medians printed.
# Usage: tests/bench/lut_bench.sh [ROUNDS=3] [COUNT=100]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}; count=${2:-100}
F=build/app/cli/fbnet
export FBNET_RESOURCE_DIR=$PWD/resources FBNET_LUT_DIR=$PWD/lut
tmp=$(mktemp -d)
for r in $(seq "$rounds"); do
  $F lut build --out "$tmp/a.json" 2>/dev/null | grep measured | sed "s/^/round=$r build: /"
  $F lut build --out "$tmp/b.json" 2>/dev/null | grep measured | sed "s/^/round=$r build: /"
  $F lut compare "$tmp/a.json" "$tmp/b.json" 2>/dev/null | grep within | sed "s/^/round=$r agreement: /"
  $F lut validate --lut "$tmp/a.json" --count "$count" --seed "$r" 2>/dev/null | tail -1 | sed "s/^/round=$r validate: /"
  $F lut build --out "$tmp/raw.json" --correction-networks 0 2>/dev/null >/dev/null
  $F lut validate --lut "$tmp/raw.json" --count "$count" --seed "$r" 2>/dev/null | tail -1 | sed "s/^/round=$r validate-raw-sums: /"
done | tee "$tmp/log"
python3 - "$tmp/log" <<'PY'
import re, statistics, sys
lines = open(sys.argv[1]).read().splitlines()
def med(pattern, kind):
    vals = [float(m.group(1)) for l in lines if kind in l for m in [re.search(pattern, l)] if m]
    return statistics.median(vals) if vals else float("nan")
agree = med(r'\(([0-9.]+)%\)', 'agreement:')
print(f"median build time {med(r'in ([0-9.]+) s', 'build:'):.1f} s; median agreement within 5% {agree:.1f}% of ops")
for kind in ("validate:", "validate-raw-sums:"):
    print(f"{kind} median MAPE {med(r'MAPE ([0-9.]+)%', kind):.2f}%, within ±10% {med(r'10% ([0-9.]+)%', kind):.1f}%, "
          f"Spearman {med(r'ρ ([0-9.]+)', kind):.4f}")
PY
rm -rf "$tmp"
