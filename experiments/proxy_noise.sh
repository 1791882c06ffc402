#!/usr/bin/env bash
# How much of a short proxy training's top-1 is seed noise, and whether a longer one ranks
# architectures (issue 16: the front-vs-random comparison trains each architecture once, briefly).
#   experiments/proxy_noise.sh [OUT_DIR]
# Draws ARCHS random fbnet-cifar architectures (fbnet random, one step each: only to store them),
# trains each from scratch with every seed in SEEDS for each epoch count in EPOCHS, then prints per
# epoch count: each architecture's mean and standard deviation over the seeds, the mean standard
# deviation (the noise), the spread of the means (the signal) and Kendall's tau between the
# rankings of every pair of seeds (1: the seeds agree on the order).
# Environment (defaults in brackets): ARCHS [4], SEEDS [1 2 3], EPOCHS [1 3], SUBSET [5000],
# TEST_SUBSET [1000], DATASET [fashion-mnist], THREADS [0], FBNET [build/app/cli/fbnet].
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
fbnet="${FBNET:-$here/build/app/cli/fbnet}"
out="${1:-/tmp/fbnet-proxy-noise}"
mkdir -p "$out"
db="$out/runs.sqlite" results="$out/top1.csv"
ds="${DATASET:-fashion-mnist}" threads="${THREADS:-0}"
if ! "$fbnet" runs show pool --runs "$db" > /dev/null 2>&1; then
  "$fbnet" random --runs "$db" --name pool --dataset "$ds" --max-archs "${ARCHS:-4}" --budget 1e9 --epochs 1 --max-steps 1 \
    --subset 64 --test-subset 64 --seed 11 --threads "$threads" > "$out/pool.log" 2>&1
fi
ids="$("$fbnet" runs show pool --runs "$db" | awk '$2 == "random" {print $1}')"
echo "epochs,arch,seed,top1" > "$results"
for e in ${EPOCHS:-1 3}; do
  for id in $ids; do
    for s in ${SEEDS:-1 2 3}; do
      log="$out/train-$e-$id-$s.log"
      "$fbnet" train --runs "$db" --arch "pool:$id" --dataset "$ds" --epochs "$e" --subset "${SUBSET:-5000}" \
        --test-subset "${TEST_SUBSET:-1000}" --seed "$s" --threads "$threads" --name "t$e-$id-$s" > "$log" 2>&1
      top1="$(grep -o 'test top-1 [0-9.]*%' "$log" | tail -1 | sed -E 's/test top-1 ([0-9.]+)%/\1/')"
      echo "$e,$id,$s,$top1" | tee -a "$results"
    done
  done
done
/usr/bin/python3 - "$results" <<'PY'
import csv, itertools, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for e in sorted({int(r["epochs"]) for r in rows}):
    by = {}
    for r in rows:
        if int(r["epochs"]) == e:
            by.setdefault(r["arch"], {})[r["seed"]] = float(r["top1"])
    print(f"\n{e} epoch(s):")
    sds = []
    for a, v in by.items():
        vals = list(v.values())
        sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
        sds.append(sd)
        print(f"  arch {a}: " + " ".join(f"{x:.1f}" for x in vals) + f"  mean {statistics.mean(vals):.1f}  sd {sd:.1f}")
    means = [statistics.mean(v.values()) for v in by.values()]
    print(f"  noise (mean sd) {statistics.mean(sds):.1f} points; signal (spread of means) {max(means) - min(means):.1f} points")
    seeds = sorted(set.intersection(*(set(v) for v in by.values())))
    taus = []
    for s1, s2 in itertools.combinations(seeds, 2):
        archs = list(by)
        c = d = 0
        for a, b in itertools.combinations(archs, 2):
            x = (by[a][s1] - by[b][s1]) * (by[a][s2] - by[b][s2])
            c += x > 0
            d += x < 0
        taus.append((c - d) / max(1, len(archs) * (len(archs) - 1) // 2))
    if taus:
        print(f"  Kendall's tau between seeds' rankings: " + " ".join(f"{t:+.2f}" for t in taus) + f" (mean {statistics.mean(taus):+.2f})")
PY
