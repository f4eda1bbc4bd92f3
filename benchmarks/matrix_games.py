"""Benchmark: matrix-game learners, stratlearn against the anchors, side by side in one process.

* Fictitious play: stratlearn vs Nashpy (``Game.fictitious_play``) and QuantEcon (``FictitiousPlay.play``) for
  n = 10, 100, 1000 (n x n random zero-sum games), one run and 1024 runs. Measured in iterations per second (summed
  over runs). Nashpy and QuantEcon run one run after another, so their 1024-run rate is their rate measured over a
  few sequential runs (stated in the table); stratlearn runs the 1024 seeds as one vmapped scan.
* DSBR (Algorithm 1 of [1]): stratlearn with 1024 seeds vs a plain NumPy loop of Algorithm 1 (one run), in samples
  per second (one sample = one joint action of both players).

Compilation time is excluded from stratlearn's rate (a warm-up call compiles each shape first) and reported apart.

Run: ``make bench`` (or ``python benchmarks/matrix_games.py [--quick] [--write-results]``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import stratlearn as sl  # first: it gives XLA one CPU device per core before JAX initializes

import jax  # noqa: E402
import numpy as np  # noqa: E402
from _results import machine, update_section  # noqa: E402

HERE = Path(__file__).resolve().parent


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


# ---------------------------------------------------------------------------------------------- fictitious play
def stratlearn_fp(game, steps, seeds):
    learner = sl.learners.FictitiousPlay()
    _, compile_s = _timed(sl.simulate, learner, game, steps=steps, seeds=seeds, record_every=steps, progress=False)
    trace, run_s = _timed(sl.simulate, learner, game, steps=steps, seeds=seeds, record_every=steps, progress=False)
    jax.block_until_ready(trace.final_state)
    return steps * seeds / run_s, compile_s - run_s


def nashpy_fp(a, steps, runs):
    import nashpy

    game = nashpy.Game(a, -a)
    start = time.perf_counter()
    for r in range(runs):
        np.random.seed(r)
        for _ in game.fictitious_play(iterations=steps):
            pass
    return steps * runs / (time.perf_counter() - start)


def quantecon_fp(a, steps, runs):
    from quantecon.game_theory import FictitiousPlay, NormalFormGame, Player

    # QuantEcon's players hold payoffs indexed (own action, opponent action)
    fp = FictitiousPlay(NormalFormGame([Player(a), Player(-a.T)]))
    fp.play(num_reps=2, random_state=0)  # warm numba-compiled helpers
    start = time.perf_counter()
    for r in range(runs):
        fp.play(num_reps=steps, random_state=r)
    return steps * runs / (time.perf_counter() - start)


# ---------------------------------------------------------------------------------------------------------- DSBR
def numpy_dsbr(a, steps, tau=0.05, c=0.003, alpha=0.01, seed=0):
    """Algorithm 1 of [1] as a plain NumPy loop (one run): the baseline a researcher would write."""
    rng = np.random.default_rng(seed)
    b = -a
    n, m = a.shape
    q1, q2 = np.zeros(n), np.zeros(m)
    p1, p2 = np.full(n, 1 / n), np.full(m, 1 / m)
    beta = c * alpha
    start = time.perf_counter()
    for _ in range(steps):
        z1 = np.exp((q1 - q1.max()) / tau)
        z2 = np.exp((q2 - q2.max()) / tau)
        p1 += beta * (z1 / z1.sum() - p1)
        p2 += beta * (z2 / z2.sum() - p2)
        u1, u2 = rng.random(2)
        i = min(int(np.searchsorted(np.cumsum(p1), u1, side="right")), n - 1)
        j = min(int(np.searchsorted(np.cumsum(p2), u2, side="right")), m - 1)
        q1[i] += alpha * (a[i, j] - q1[i])
        q2[j] += alpha * (b[i, j] - q2[j])
    return steps / (time.perf_counter() - start)


def stratlearn_dsbr(game, steps, seeds):
    learner = sl.learners.DoublySmoothedBestResponse(temperature=0.05, policy_rate_ratio=0.003, step_size=0.01)
    record = steps // 5
    _, compile_s = _timed(sl.simulate, learner, game, steps=record, seeds=seeds, record_every=record, progress=False)
    trace, run_s = _timed(sl.simulate, learner, game, steps=steps, seeds=seeds, record_every=record, progress=False)
    return steps * seeds / run_s, compile_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller iteration counts (a smoke run)")
    parser.add_argument("--write-results", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0

    rows = []
    sizes = {10: (20_000, 20_000, 20_000), 100: (20_000, 5_000, 5_000), 1000: (5_000, 300, 300)}
    for n, (sl_steps, np_steps, qe_steps) in sizes.items():
        a = np.random.default_rng(n).uniform(-1, 1, (n, n))
        game = sl.games.MatrixGame.zero_sum(a, name=f"random_{n}x{n}")
        sl_steps, np_steps, qe_steps = (max(50, int(s * scale)) for s in (sl_steps, np_steps, qe_steps))
        # the anchors run first: JAX's CPU worker threads keep spinning briefly after a call and would slow them
        nash_one = nashpy_fp(a, np_steps, 1)
        qe_one = quantecon_fp(a, qe_steps, 1)
        nash_many = nashpy_fp(a, max(10, np_steps // 4), 4)
        qe_many = quantecon_fp(a, max(10, qe_steps // 4), 4)
        one, compile_one = stratlearn_fp(game, 5 * sl_steps, 1)
        many, compile_many = stratlearn_fp(game, max(50, sl_steps // (10 if n == 1000 else 5)), 1024)
        rows.append(("fictitious play", n, "1 run", one, nash_one, qe_one, compile_one))
        rows.append(("fictitious play", n, "1024 runs", many, nash_many, qe_many, compile_many))

    rps = sl.games.catalog.rock_paper_scissors()
    r10 = sl.games.catalog.random_zero_sum(10, seed=0)
    dsbr_rows = []
    for game in (rps, r10):
        loop = numpy_dsbr(np.asarray(game.row_payoffs), int(100_000 * scale))
        rate, compile_s = stratlearn_dsbr(game, int(50_000 * scale) // 5 * 5 or 5, 1024)
        dsbr_rows.append((game.name, rate, loop, compile_s))

    lines = ["| learner | n | runs | stratlearn (it/s) | Nashpy (it/s) | QuantEcon (it/s) | vs Nashpy | vs QuantEcon |",
             "|---|---|---|---|---|---|---|---|"]
    for name, n, runs, ours, nash, qe, _ in rows:
        note = " (4 sequential runs)" if runs != "1 run" else ""
        lines.append(f"| {name} | {n} | {runs} | {ours:.3g} | {nash:.3g}{note} | {qe:.3g}{note} | "
                     f"{ours / nash:.0f}x | {ours / qe:.0f}x |")
    lines += ["", "| learner | game | stratlearn, 1024 seeds (samples/s) | NumPy loop, 1 run (samples/s) | ratio |",
              "|---|---|---|---|---|"]
    for game_name, rate, loop, _ in dsbr_rows:
        lines.append(f"| DSBR (Alg. 1 of [1]) | {game_name} | {rate:.3g} | {loop:.3g} | {rate / loop:.0f}x |")
    table = "\n".join(lines)
    print(f"machine: {machine()}\n")
    print(table)

    targets = {
        "fp n=100 one run vs QuantEcon >= 10x": rows[2][3] / rows[2][5],
        "dsbr 1024 seeds samples/s >= 1e7 (rps)": dsbr_rows[0][1],
        "dsbr vs NumPy loop >= 100x (rps)": dsbr_rows[0][1] / dsbr_rows[0][2],
    }
    print("\ntargets:")
    for k, v in targets.items():
        print(f"  {k}: {v:.3g}")

    out = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "quick": args.quick,
           "fictitious_play": [dict(zip(["learner", "n", "runs", "stratlearn", "nashpy", "quantecon",
                                         "compile_s"], r)) for r in rows],
           "dsbr": [dict(zip(["game", "stratlearn", "numpy_loop", "compile_s"], r)) for r in dsbr_rows],
           "targets": targets}
    sl.files.write_json(HERE / "results" / "matrix_games.json", out)
    if args.write_results:
        update_section("matrix_games", "Matrix games (`benchmarks/matrix_games.py`)", table)


if __name__ == "__main__":
    main()
