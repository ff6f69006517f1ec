#!/usr/bin/env python3
"""NumPy reference pass for the latent cache's finalize (`interp bench --only cache_` runs it in the same sitting).

Reads the activations `interp cache export` writes (context, position, feature, value per non-zero activation, and the
token ids) and computes, per feature, what finalize computes: count, density, max, mean, a linear histogram, equal-count
quantile bins with seeded samples, the top-K contexts by peak activation, random contexts where the feature never fires,
and each example's window (tokens and activations). Vectorised where NumPy allows (grouping by feature, max, sum and the
histogram for all features at once); one stable sort by value per feature. Random draws use NumPy's generator, so the
sampled examples differ from Interp's; everything deterministic is written to --out for comparison.

Usage: /usr/bin/python3 scripts/bench/cache_finalize_reference.py DIR [--top 20 --quantiles 10 --per-quantile 5
       --random 10 --window 16 --histogram-bins 20 --repeat 3 --out results.json]
Prints one JSON line: {"load_seconds": .., "seconds": [per pass], "activations": .., "features": ..}.
"""
import argparse
import json
import os
import time

import numpy as np


def finalize(ctx, pos, feat, val, tokens, d_sae, a, rng):
    n_ctx, t = tokens.shape
    w = min(a.window, t)
    before = a.window - 1 - a.window // 4
    offs = np.arange(w)

    key = ctx.astype(np.int64) * t + pos                  # storage order is (context, position) order
    order = np.argsort(feat, kind="stable")               # group by feature, keeping (context, position) order
    fk, fv, ff = key[order], val[order], feat[order]
    counts = np.bincount(feat, minlength=d_sae)
    starts = np.zeros(d_sae + 1, np.int64)
    np.cumsum(counts, out=starts[1:])

    fires = counts > 0
    maxs = np.zeros(d_sae, np.float32)
    sums = np.zeros(d_sae)
    maxs[fires] = np.maximum.reduceat(fv, starts[:-1][fires])
    sums[fires] = np.add.reduceat(fv.astype(np.float64), starts[:-1][fires])
    means = np.divide(sums, counts, out=np.zeros(d_sae), where=fires)
    mx = maxs.astype(np.float64)
    scale = np.divide(a.histogram_bins, mx, out=np.zeros(d_sae), where=mx > 0)
    hbin = np.clip((fv.astype(np.float64) * scale[ff]).astype(np.int64), 0, a.histogram_bins - 1)
    hist = np.bincount(ff.astype(np.int64) * a.histogram_bins + hbin, minlength=d_sae * a.histogram_bins).reshape(d_sae, -1)

    q = a.quantiles
    results = []
    for f in range(d_sae):
        s, e = starts[f], starts[f + 1]
        n = int(e - s)
        kv, vv = fk[s:e], fv[s:e]
        top, bins, picks = [], [], []
        fire_ctx = np.empty(0, np.int64)
        if n:
            # per context: its peak (largest value, earliest position); contexts ranked by peak, then id
            gc = kv // t
            gstart = np.r_[0, np.flatnonzero(np.diff(gc)) + 1]
            fire_ctx = gc[gstart]
            peaks = np.maximum.reduceat(vv, gstart)
            sizes = np.diff(np.r_[gstart, n])
            at_max = np.flatnonzero(vv == np.repeat(peaks, sizes))
            group = np.searchsorted(gstart, at_max, side="right") - 1
            first_max = at_max[np.r_[True, np.diff(group) > 0]]
            sel = np.argsort(-peaks, kind="stable")[: a.top]
            top_i = first_max[sel]
            top = np.stack([kv[top_i] // t, kv[top_i] % t], 1)
            top_v = vv[top_i]
            # quantile bins: equal-count ranges of the ascending values; samples by rank in value-descending order
            o = np.argsort(-vv, kind="stable")
            sv, sk = vv[o], kv[o]
            lo = np.arange(q) * n // q
            hi = np.arange(1, q + 1) * n // q
            for b in range(q):
                if hi[b] > lo[b]:
                    bins.append((int(hi[b] - lo[b]), float(sv[n - 1 - lo[b]]), float(sv[n - hi[b]])))
                    k = min(a.per_quantile, int(hi[b] - lo[b]))
                    r = np.sort(n - 1 - (lo[b] + rng.choice(int(hi[b] - lo[b]), k, replace=False)))
                    picks.append(sk[r])
                else:
                    bins.append((0, 0.0, 0.0))
            results.append((top, top_v, bins))
            # windows of the top and quantile examples: token ids and the feature's activations
            pk = np.concatenate([kv[top_i]] + picks)
            pc, pp = pk // t, pk % t
            st = np.clip(pp - before, 0, t - w)
            win_tokens = tokens[pc[:, None], st[:, None] + offs]
            grid = (pc * t + st)[:, None] + offs
            idx = np.minimum(np.searchsorted(kv, grid), n - 1)
            win_acts = np.where(kv[idx] == grid, vv[idx], 0)
        else:
            results.append((np.empty((0, 2), np.int64), np.empty(0, np.float32), bins))
            win_tokens = win_acts = None
        # random contexts where the feature never fires: rejection draws, then the complement when it is rare
        want = min(a.random, n_ctx - len(fire_ctx))
        if want > 0:
            draws = np.unique(rng.integers(0, n_ctx, size=4 * a.random + 16))
            silent = draws[~np.isin(draws, fire_ctx, assume_unique=True)]
            if len(silent) < want:
                silent = np.setdiff1d(np.arange(n_ctx), fire_ctx, assume_unique=True)
            neg = rng.permutation(silent)[:want]
            nst = rng.integers(0, t - w + 1, size=want)
            neg_tokens = tokens[neg[:, None], nst[:, None] + offs]
        del win_tokens, win_acts
    return counts, maxs, means, hist, results


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dir")
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--quantiles", type=int, default=10)
    p.add_argument("--per-quantile", type=int, default=5)
    p.add_argument("--random", type=int, default=10)
    p.add_argument("--window", type=int, default=16)
    p.add_argument("--histogram-bins", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeat", type=int, default=3, help="timed passes (after one untimed warm-up pass)")
    p.add_argument("--out", help="write the deterministic results here (JSON) for comparison")
    a = p.parse_args()

    t0 = time.perf_counter()
    ld = lambda name: np.load(os.path.join(a.dir, name + ".npy"))
    ctx, pos, feat, val, tokens = ld("context"), ld("position"), ld("feature"), ld("value"), ld("tokens")
    with open(os.path.join(a.dir, "meta.json")) as fh:
        meta = json.load(fh)
    load = time.perf_counter() - t0
    d_sae = meta["d_sae"]

    rng = np.random.default_rng(a.seed)
    out = finalize(ctx, pos, feat, val, tokens, d_sae, a, rng)                     # warm-up
    seconds = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        out = finalize(ctx, pos, feat, val, tokens, d_sae, a, rng)
        seconds.append(time.perf_counter() - t0)

    if a.out:
        counts, maxs, means, hist, results = out
        with open(a.out, "w") as fh:
            json.dump({
                "count": counts.tolist(), "max": maxs.astype(float).tolist(), "mean": means.tolist(), "histogram": hist.tolist(),
                "quantile_bins": [[list(b) for b in r[2]] for r in results],
                "top": [[[int(c), int(p_), float(v)] for (c, p_), v in zip(r[0], r[1])] for r in results],
            }, fh)
    print(json.dumps({"load_seconds": round(load, 3), "seconds": [round(s, 3) for s in seconds], "activations": int(len(val)),
                      "features": d_sae, "numpy": np.__version__}))


if __name__ == "__main__":
    main()
