"""Benchmark: the values of 10,000 random 20x20 zero-sum games, stratlearn's batched restarted PDHG against a Python
loop of HiGHS calls.

stratlearn's :func:`~stratlearn.equilibria.solve_zero_sum_batch` runs every game at once (restarted PDHG with a
support polish, compiled and vmapped in float64, in chunks that drop the finished games, spread over the cores) to a
duality gap of at most 1e-6. The anchor is HiGHS through ``scipy.optimize.linprog(method="highs")``, one game at a
time, in two forms: one LP per game (the row player's maximin LP; the column player's strategy read from its dual
values), the least an LP loop can do, and stratlearn's own :func:`~stratlearn.equilibria.solve_zero_sum` (two LPs
per game). Both are timed on a subset of the games (their rate per game does not depend on how many are run). Every
answer's duality gap ``max_i (Ay)_i − min_j (xᵀA)_j`` is recomputed here in float64 the same way, and the values are
compared on the subset. stratlearn's compilation (its first call) is reported apart.

Run: ``python benchmarks/zero_sum_batch.py [--games 10000] [--subset 1000] [--write-results]``.
"""

from __future__ import annotations

import argparse
import time

import stratlearn as sl  # first: one XLA CPU device per core

import numpy as np  # noqa: E402
from _results import update_section  # noqa: E402
from stratlearn.equilibria.zero_sum_batch import solve_zero_sum_batch  # noqa: E402


def one_lp(a):
    """The maximin LP of ``a`` by HiGHS: ``max v`` s.t. ``Aᵀx ≥ v 1``, ``1ᵀx = 1``, ``x ≥ 0``; the column player's
    strategy is the dual of the ``n`` inequality rows."""
    from scipy.optimize import linprog

    m, n = a.shape
    c = np.zeros(m + 1)
    c[-1] = -1.0
    res = linprog(c, A_ub=np.hstack([-a.T, np.ones((n, 1))]), b_ub=np.zeros(n),
                  A_eq=np.concatenate([np.ones(m), [0.0]])[None], b_eq=[1.0],
                  bounds=[(0.0, None)] * m + [(None, None)], method="highs")
    x = np.clip(res.x[:m], 0.0, None)
    y = np.clip(-res.ineqlin.marginals, 0.0, None)
    return x / x.sum(), y / y.sum()


def gaps(A, x, y):
    return np.einsum("gij,gj->gi", A, y).max(-1) - np.einsum("gi,gij->gj", x, A).min(-1)


def main(games: int, subset: int, write: bool) -> None:
    rng = np.random.default_rng(0)
    A = rng.normal(size=(games, 20, 20))
    t0 = time.perf_counter()
    solve_zero_sum_batch(A, tol=1e-6)          # compiles the chunk for each batch size it meets
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = solve_zero_sum_batch(A, tol=1e-6)
    ours_s = time.perf_counter() - t0
    sub = A[:subset]
    one_lp(sub[0])
    t0 = time.perf_counter()
    lp = [one_lp(a) for a in sub]
    lp_s = (time.perf_counter() - t0) * games / subset
    t0 = time.perf_counter()
    zs = [sl.equilibria.solve_zero_sum(a) for a in sub]
    zs_s = (time.perf_counter() - t0) * games / subset
    lp_gap = gaps(sub, np.array([x for x, _ in lp]), np.array([y for _, y in lp]))
    zs_gap = gaps(sub, np.array([s.row for s in zs]), np.array([s.col for s in zs]))
    agree = float(np.abs(ours.value[:subset] - np.array([s.value for s in zs])).max())
    polished = int((ours.duality_gap < 1e-12).sum())
    rows = [("HiGHS `linprog`, one LP per game (dual gives y), a loop", lp_s, lp_gap.max()),
            ("HiGHS via stratlearn `solve_zero_sum` (two LPs per game), a loop", zs_s, zs_gap.max()),
            ("stratlearn `solve_zero_sum_batch` (restarted PDHG), one batch", ours_s, ours.duality_gap.max())]
    table = [f"| implementation | time for {games:,} games (s) | games/s | largest duality gap | stratlearn speed-up |",
             "|---|---|---|---|---|"]
    for name, secs, gap in rows:
        table.append(f"| {name} | {secs:.2f} | {games / secs:,.0f} | {gap:.1e} | {secs / ours_s:.1f}x |")
    its = ours.iterations
    body = (f"{games:,} random zero-sum 20x20 games (standard normal payoffs, seed 0), float64 everywhere; "
            f"stratlearn to a duality gap of 1e-6 (tol), HiGHS to its default tolerances. The HiGHS loops are timed "
            f"on the first {subset:,} games and their rate scaled to {games:,}. Duality gaps recomputed here in "
            f"float64 the same way for every answer. stratlearn: {int(ours.converged.sum()):,} of {games:,} games "
            f"converged, {polished:,} of them with gaps below 1e-12 (finished by the support polish); iterations per game "
            f"median {np.median(its):.0f}, 90th percentile {np.percentile(its, 90):.0f}, most {its.max()}; largest "
            f"difference of its values to HiGHS's {agree:.1e} (the first {subset:,} games). Compilation and first "
            f"run: {compile_s:.1f} s (excluded).\n\n" + "\n".join(table)
            + f"\n\nTarget (issue: batched zero-sum values): 10x a loop of HiGHS calls. Measured {lp_s / ours_s:.1f}x "
            f"the one-LP loop and {zs_s / ours_s:.1f}x `solve_zero_sum`.")
    print(body)
    if write:
        update_section("zero_sum_batch", "Batched zero-sum values (`benchmarks/zero_sum_batch.py`)", body)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--games", type=int, default=10_000)
    parser.add_argument("--subset", type=int, default=1_000)
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()
    main(args.games, args.subset, args.write_results)
