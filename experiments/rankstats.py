"""Rank agreement for the ranking benches (supernet_rank.sh, rank_noise.sh): Kendall's tau-b, Spearman's rho."""
import itertools


def kendall_tau_b(a, b):
    """Kendall's tau-b of two equally long lists (ties corrected); nan when every pair is tied."""
    conc = disc = ta = tb = 0
    for i, j in itertools.combinations(range(len(a)), 2):
        x, y = a[i] - a[j], b[i] - b[j]
        if x == 0 and y == 0:
            continue
        if x == 0:
            ta += 1
            continue
        if y == 0:
            tb += 1
            continue
        if x * y > 0:
            conc += 1
        else:
            disc += 1
    return (conc - disc) / (((conc + disc + ta) * (conc + disc + tb)) ** 0.5) if conc + disc else float("nan")


def ranks(v):
    """1-based ranks, ties sharing their mean rank."""
    order = sorted(range(len(v)), key=lambda k: v[k])
    r, i = [0.0] * len(v), 0
    while i < len(v):
        j = i
        while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r


def spearman_rho(a, b):
    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    return cov / ((sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5)
