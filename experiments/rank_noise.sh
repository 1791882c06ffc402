#!/usr/bin/env bash
# How well can any ranking agree with training from scratch? (issue 16: the ceiling of Kendall's tau)
#   experiments/rank_noise.sh DIR [SEEDS="2 3"]
# DIR is what experiments/supernet_rank.sh printed ("per-architecture figures: DIR/rank.csv"): its
# archs.csv holds the architectures' blocks, its rank.csv their supernet top-1 and their top-1
# trained from scratch with seed 1. Each architecture is trained again from scratch with every seed
# in SEEDS, with supernet_rank.sh's settings (EPOCHS [2], SUBSET [5000], TEST [2000] must match the
# ones it ran with). Then Kendall's tau-b between every pair of seeds' rankings (the ceiling: how
# well one from-scratch training ranks another), the supernet's tau against each seed and against
# the mean over the seeds, and what MACs, parameters and latency alone rank. Environment:
# SPACE [fbnet-cifar], DATASET [fashion-mnist], THREADS [0], FBNET [build/app/cli/fbnet].
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
fbnet="${FBNET:-$here/build/app/cli/fbnet}"
dir="$1"; seeds="${2:-2 3}"
[ -f "$dir/rank.csv" ] && [ -f "$dir/archs.csv" ] || { echo "rank_noise.sh: $dir has no rank.csv and archs.csv (run supernet_rank.sh first)" >&2; exit 2; }
out="$dir/seeds.csv"
[ -f "$out" ] || echo "id,seed,top1" > "$out"
for id in $(awk -F, 'NR > 1 {print $1}' "$dir/rank.csv"); do
  blocks="$(awk -F, -v id="$id" '$1 == id {print $NF}' "$dir/archs.csv")"
  printf '{"name": "a%s", "space": "%s", "blocks": "%s"}\n' "$id" "${SPACE:-fbnet-cifar}" "$blocks" > "$dir/arch-$id.json"
  for s in $seeds; do
    if awk -F, -v id="$id" -v s="$s" '$1 == id && $2 == s {f = 1} END {exit !f}' "$out"; then continue; fi
    top1="$("$fbnet" train --arch "$dir/arch-$id.json" --dataset "${DATASET:-fashion-mnist}" --epochs "${EPOCHS:-2}" \
              --subset "${SUBSET:-5000}" --test-subset "${TEST:-2000}" --seed "$s" --threads "${THREADS:-0}" --no-store 2>&1 \
            | sed -n 's/.*test top-1 \([0-9.]*\)%.*/\1/p' | tail -1)"
    echo "$id,$s,$top1" | tee -a "$out"
  done
done
/usr/bin/python3 - "$dir/rank.csv" "$out" "$here/experiments" "$dir/archs.csv" <<'PY'
import csv, itertools, statistics, sys
sys.path.insert(0, sys.argv[3])
from rankstats import kendall_tau_b as tau
rank = list(csv.DictReader(open(sys.argv[1])))
sup = {r["id"]: float(r["supernet_top1"]) for r in rank}
by_seed = {"1": {r["id"]: float(r["scratch_top1"]) for r in rank}}
for r in csv.DictReader(open(sys.argv[2])):
    if r["top1"]:
        by_seed.setdefault(r["seed"], {})[r["id"]] = float(r["top1"])
ids = [i for i in sup if all(i in v for v in by_seed.values())]
seeds = sorted(by_seed)
col = {s: [by_seed[s][i] for i in ids] for s in seeds}
mean = [statistics.mean(by_seed[s][i] for s in seeds) for i in ids]
sd = statistics.mean(statistics.stdev([by_seed[s][i] for s in seeds]) for i in ids) if len(seeds) > 1 else float("nan")
print(f"{len(ids)} architectures, seeds {' '.join(seeds)}: from-scratch top-1 {min(mean):.1f}..{max(mean):.1f}% "
      f"(mean over seeds), seed noise (mean sd) {sd:.1f} points, spread of the means {max(mean) - min(mean):.1f} points")
pairs = [tau(col[a], col[b]) for a, b in itertools.combinations(seeds, 2)]
print("ceiling, tau between two seeds' rankings: " + ", ".join(f"{a}-{b} {t:+.2f}" for (a, b), t in zip(itertools.combinations(seeds, 2), pairs))
      + (f" (mean {statistics.mean(pairs):+.2f})" if pairs else ""))
s = [sup[i] for i in ids]
print("supernet vs each seed: " + ", ".join(f"{k} {tau(s, col[k]):+.2f}" for k in seeds) + f"; vs the mean over seeds {tau(s, mean):+.2f}")
# What size alone ranks: MACs, parameters and the table's latency against the mean over seeds.
archs = {r["id"]: r for r in csv.DictReader(open(sys.argv[4]))}
print("size alone vs the mean over seeds: " + ", ".join(f"{k} {tau([float(archs[i][k]) for i in ids], mean):+.2f}" for k in ("macs", "params", "lut_ms")))
# Kendall's tau with no relation has sd sqrt(2(2n+5) / (9n(n-1))): how far from 0 a tau must lie to mean anything.
n = len(ids)
print(f"tau's sd under no relation for {n} architectures: {(2 * (2 * n + 5) / (9 * n * (n - 1))) ** 0.5:.2f}")
# The samples alone (without the argmax, often an outlier in size and accuracy that decides much of a tau).
k = [j for j, i in enumerate(ids) if archs[i]["role"] != "argmax"]
if 2 < len(k) < len(ids):
    m = [mean[j] for j in k]
    print(f"the {len(k)} samples alone (no argmax): means {min(m):.1f}..{max(m):.1f}%, between seeds "
          + ", ".join(f"{a}-{b} {tau([col[a][j] for j in k], [col[b][j] for j in k]):+.2f}" for a, b in itertools.combinations(seeds, 2))
          + f"; supernet vs the mean {tau([s[j] for j in k], m):+.2f}; "
          + ", ".join(f"{c} {tau([float(archs[ids[j]][c]) for j in k], m):+.2f}" for c in ("macs", "params", "lut_ms")))
PY
