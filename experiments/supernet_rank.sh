#!/usr/bin/env bash
# How well does the supernet rank architectures? (issue 16: "this number explains the rest")
#   experiments/supernet_rank.sh RUNS_DB RUN [COUNT=20] [EPOCHS=2] [SUBSET=5000] [TEST=2000] [THREADS=0]
# For COUNT architectures sampled from RUN's final softmax(theta) (plus its argmax):
#   supernet top-1: the supernet's weights of those blocks, no training
#                   (fbnet train --init-from-supernet --epochs 0);
#   scratch top-1:  trained from scratch for EPOCHS on SUBSET images (fbnet train --no-store);
# both on the same TEST test images, then Kendall's tau-b and Spearman's rho between the two.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
fbnet="${FBNET:-$here/build/app/cli/fbnet}"
db="$1"; run="$2"; count="${3:-20}"; epochs="${4:-2}"; subset="${5:-5000}"; test="${6:-2000}"; threads="${7:-0}"
out="$(mktemp -d)"
"$fbnet" sample --runs "$db" --run "$run" --count "$count" --seed 16 > /dev/null
"$fbnet" runs export "$run" --runs "$db" --what architectures --out "$out/archs.csv" > /dev/null
# The argmax and the newest COUNT samples.
ids="$( (awk -F, 'NR > 1 && $2 == "argmax" {print $1}' "$out/archs.csv" | tail -1;
         awk -F, 'NR > 1 && $2 == "sample" {print $1}' "$out/archs.csv" | tail -"$count") )"
echo "id,lut_ms,supernet_top1,scratch_top1" > "$out/rank.csv"
for id in $ids; do
  ms="$(awk -F, -v id="$id" '$1 == id {print $4}' "$out/archs.csv")"
  sup="$("$fbnet" train --runs "$db" --arch "$run:$id" --init-from-supernet --epochs 0 --test-subset "$test" --threads "$threads" 2>&1 \
         | sed -n 's/.*test top-1 \([0-9.]*\)%.*/\1/p' | tail -1)"
  scr="$("$fbnet" train --runs "$db" --arch "$run:$id" --epochs "$epochs" --subset "$subset" --test-subset "$test" --threads "$threads" --no-store 2>&1 \
         | sed -n 's/.*test top-1 \([0-9.]*\)%.*/\1/p' | tail -1)"
  echo "$id,$ms,$sup,$scr" | tee -a "$out/rank.csv"
done
/usr/bin/python3 - "$out/rank.csv" "$here/experiments" <<'PY'
import csv, sys
sys.path.insert(0, sys.argv[2])
from rankstats import kendall_tau_b, spearman_rho
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["supernet_top1"] and r["scratch_top1"]]
a = [float(r["supernet_top1"]) for r in rows]; b = [float(r["scratch_top1"]) for r in rows]
print(f"{len(rows)} architectures: Kendall tau-b {kendall_tau_b(a, b):.3f}, Spearman rho {spearman_rho(a, b):.3f}; "
      f"supernet top-1 {min(a):.1f}..{max(a):.1f}%, scratch top-1 {min(b):.1f}..{max(b):.1f}%")
PY
echo "per-architecture figures: $out/rank.csv"
