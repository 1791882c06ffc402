#!/usr/bin/env python3
"""Family front versus random search, from `fbnet pareto --run FAMILY --baseline RANDOM --out F.csv` files.

    experiments/front_compare.py [--bands 6] [--chance 0.1] F.csv ...

Per file (one data set and seed): the latency range of all points is split into equal bands; in
each band the best top-1 of each method is compared (a band with points of one method only is won
by it, a band with none is not counted; the bands where both have points are also counted apart,
since a target can reach latencies that random sampling never produces). Each contested band also
gets the chance the family would win it if every architecture were equally accurate and the
measured top-1 were noise alone: its best of n_f draws beats random's best of n_r with probability
n_f / (n_f + n_r), so a method with more points in a band wins it more often by selection alone. The
sum of those chances is the "no skill" line a real difference must clear. A comparison free of that
selection effect: every family point against every random point of the same band, the share of
those pairs the family's point wins (50% with no skill), with a permutation test: the points of each
band shuffled between the methods (their counts kept) 20,000 times, how often the family wins at
least as many pairs (one-sided p; Mann-Whitney's U, stratified by band). The hypervolume of each method's front is the area it
dominates up to the reference point (1.05 x the slowest latency, the chance accuracy), so a front
that is faster and more accurate everywhere has the larger one.
"""
import argparse
import csv
import os
import random
import statistics


def front(points):
    """Non-dominated (latency, top1) points, by latency."""
    out, best = [], -1.0
    for ms, acc in sorted(points, key=lambda p: (p[0], -p[1])):
        if acc > best:
            out.append((ms, acc))
            best = acc
    return out


def hypervolume(points, ref_ms, ref_acc):
    area, prev_ms = 0.0, None
    f = [p for p in front(points) if p[0] <= ref_ms and p[1] >= ref_acc]
    # staircase from the slowest front point back to the fastest
    for i, (ms, acc) in enumerate(f):
        nxt = f[i + 1][0] if i + 1 < len(f) else ref_ms
        area += (nxt - ms) * (acc - ref_acc)
    return area


def pairs_won(fam, rnd):
    return sum(1.0 if f > q else 0.5 if f == q else 0.0 for f in fam for q in rnd)


def permutation_p(strata, rounds=20000, seed=16):
    """One-sided p: how often shuffling each band's points between the methods wins at least as many pairs."""
    observed = sum(pairs_won(f, r) for f, r in strata)
    rng, hits = random.Random(seed), 0
    for _ in range(rounds):
        total = 0.0
        for f, r in strata:
            pool = f + r
            rng.shuffle(pool)
            total += pairs_won(pool[:len(f)], pool[len(f):])
        hits += total >= observed - 1e-9
    return hits / rounds


def compare(path, bands, chance):
    rows = list(csv.DictReader(open(path)))
    pts = {"search": [], "random": []}
    for r in rows:
        if r["origin"] in pts:
            pts[r["origin"]].append((float(r["latency_ms"]), float(r["test_top1"])))
    allp = pts["search"] + pts["random"]
    lo, hi = min(p[0] for p in allp), max(p[0] for p in allp)
    width = (hi - lo) / bands
    won = lost = counted = contested = contested_won = 0
    no_skill = 0.0  # expected contested wins if every architecture were equally accurate
    pairs = pairs_won = 0  # family point vs random point of the same band
    strata = []  # per contested band: (family top-1s, random top-1s), for the permutation test
    detail = []
    for b in range(bands):
        a, z = lo + b * width, lo + (b + 1) * width
        inside = lambda p: a <= p[0] < z or (b == bands - 1 and p[0] == z)
        ns = sum(1 for p in pts["search"] if inside(p))
        nr = sum(1 for p in pts["random"] if inside(p))
        s = max((p[1] for p in pts["search"] if inside(p)), default=None)
        r = max((p[1] for p in pts["random"] if inside(p)), default=None)
        if s is None and r is None:
            detail.append(f"{a:.2f}-{z:.2f}: empty")
            continue
        counted += 1
        if s is not None and r is not None:
            contested += 1
            contested_won += s > r
            no_skill += ns / (ns + nr)
            strata.append(([p[1] for p in pts["search"] if inside(p)], [p[1] for p in pts["random"] if inside(p)]))
            for f in (p[1] for p in pts["search"] if inside(p)):
                for q in (p[1] for p in pts["random"] if inside(p)):
                    pairs += 1
                    pairs_won += 1.0 if f > q else 0.5 if f == q else 0.0
        if r is None or (s is not None and s > r):
            won += 1
            who = "family"
        else:
            lost += 1
            who = "random"
        fmt = lambda v: "-" if v is None else f"{100 * v:.1f}"
        detail.append(f"{a:.2f}-{z:.2f} ms: family {fmt(s)} ({ns}) vs random {fmt(r)} ({nr}) -> {who}")
    ref_ms = hi * 1.05
    hv_s = hypervolume(pts["search"], ref_ms, chance)
    hv_r = hypervolume(pts["random"], ref_ms, chance)
    # Where each method's points lie and how accurate they are on average (reach vs quality).
    spread = {k: (min(p[0] for p in v), max(p[0] for p in v), statistics.mean(p[1] for p in v)) if v else None
              for k, v in pts.items()}
    return {"spread": spread, "file": os.path.basename(path), "family": len(pts["search"]), "random": len(pts["random"]), "won": won,
            "counted": counted, "contested": contested, "contested_won": contested_won, "no_skill": no_skill, "pairs": pairs, "pairs_won": pairs_won, "strata": strata, "hv_family": hv_s, "hv_random": hv_r, "ref_ms": ref_ms, "detail": detail}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bands", type=int, default=6)
    ap.add_argument("--chance", type=float, default=0.1, help="reference accuracy of the hypervolume (1 / classes)")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    results = [compare(f, a.bands, a.chance) for f in a.files]
    for r in results:
        print(f"{r['file']}: {r['family']} family and {r['random']} random architectures")
        for d in r["detail"]:
            print("   ", d)
        print(f"    bands won by the family front: {r['won']} of {r['counted']} ({100 * r['won'] / max(1, r['counted']):.0f}%); "
              f"of the bands where both have points: {r['contested_won']} of {r['contested']} "
              f"(expected with no skill: {r['no_skill']:.1f}); same-band pairs won: {r['pairs_won']:g} of {r['pairs']}")
        for k, name in (("search", "family"), ("random", "random")):
            if r["spread"][k]:
                lo_ms, hi_ms, mean = r["spread"][k]
                print(f"    {name}: {lo_ms:.1f}-{hi_ms:.1f} ms, mean top-1 {100 * mean:.1f}%")
        print(f"    hypervolume (reference {r['ref_ms']:.2f} ms, {100 * a.chance:.0f}% top-1): family {r['hv_family']:.3f}, "
              f"random {r['hv_random']:.3f} (ms x top-1)")
    shares = [r["won"] / max(1, r["counted"]) for r in results]
    print(f"\nfamily wins {sum(r['won'] for r in results)} of {sum(r['counted'] for r in results)} bands; "
          f"per file {', '.join(f'{100 * s:.0f}%' for s in shares)}; goal >= 80% in every seed: "
          f"{'met' if all(s >= 0.8 for s in shares) else 'NOT met'}")
    print(f"bands where both methods have points: family wins {sum(r['contested_won'] for r in results)} of "
          f"{sum(r['contested'] for r in results)} (expected if every architecture were equally accurate: "
          f"{sum(r['no_skill'] for r in results):.1f})")
    pw, pn = sum(r["pairs_won"] for r in results), sum(r["pairs"] for r in results)
    print(f"same-band pairs (a family point against a random one): family wins {pw:g} of {pn}"
          + (f" ({100 * pw / pn:.0f}%; 50% with no skill; permutation p = "
             f"{permutation_p([st for r in results for st in r['strata']]):.3f} for winning this many or more)" if pn else ""))
    print(f"median hypervolume: family {statistics.median(r['hv_family'] for r in results):.3f}, "
          f"random {statistics.median(r['hv_random'] for r in results):.3f}")


if __name__ == "__main__":
    main()
