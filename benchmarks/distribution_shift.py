"""Benchmark: the population PDE of [5] (``stratlearn.populations.solve``) against py-pde, and the FFT interaction
against the direct O(N²) sum.

(1) The local equation (W = 0): ``∂_t ρ = ∂_z(ρ (z − 1)) + 0.2 ∂²_z ρ`` (our ``f₁ = ½(z − 1)²``, ``α = 0.2``,
uniform ``ρ̄``) on 400 cells of [−5, 5] to t = 10 from a normalized Gaussian at −2. py-pde solves
``d_dx(rho * (x - 1)) + 0.2 * laplace(rho)`` with its explicit solver and a true no-flux boundary: the flux
``ρ(x − 1) + 0.2 ρ'`` vanishes at the ends, i.e. the Robin conditions ``∂_n ρ + 30ρ = 0`` at −5 and
``∂_n ρ + 20ρ = 0`` at 5 (py-pde's ``mixed`` type). Both are compared, in L1, with stratlearn's solution on 3,200
cells averaged onto the 400 cells (py-pde on 3,200 cells is reported as a check of that reference). Times:

* per call, warm: a second call of the same solve (what a user pays for each run);
* py-pde's stepping alone: (time of a t = 1000 call − time of a t = 10 call) / 99, per 10 time units (py-pde builds
  and compiles its stepper at every ``solve`` call, about 1.4 s here, which dominates its per-call time).
Each time is the best of 3.

(2) ``interaction`` (FFT, zero-padded) against the direct sum ``Σ_j W(z_i − z_j) ρ_j Δz`` (the kernel table gathered
per pair, in row blocks, jitted) for N = 10² … 10⁵; largest difference and times, and a log-log figure.

Run: ``python benchmarks/distribution_shift.py [--write-results]``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import stratlearn as sl  # noqa: F401  (first: one XLA CPU device per core)

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from _results import update_section  # noqa: E402

from stratlearn.populations import DistributionShift, Grid1D, interaction, solve  # noqa: E402


def local_problem(cells):
    grid = Grid1D(-5.0, 5.0, cells)
    z = grid.centers
    return DistributionShift(grid, lambda zi, x: 0.5 * (zi - 1.0) ** 2 + 0.0 * x[0], np.exp(-(z + 2) ** 2 / 0.5),
                             x0=[0.0], alpha=0.2, rate=0.0)


def ours(cells, t_end=10.0):
    problem = local_problem(cells)
    solve(problem, t_end, records=1)             # compile (and a first run)
    best = np.inf
    for _ in range(3):
        started = time.perf_counter()
        trace = solve(problem, t_end, records=1)
        best = min(best, time.perf_counter() - started)
    return trace.final_state["densities"][-1], best, int(trace.steps[-1]), abs(trace.metrics["mass"][0, -1] - 1)


def pypde(cells, dt, t_end=10.0, timing=True):
    import pde

    grid = pde.CartesianGrid([[-5.0, 5.0]], cells)
    z = grid.axes_coords[0]
    state = pde.ScalarField(grid, np.exp(-(z + 2) ** 2 / 0.5))
    state /= state.integral
    bc = {"x-": {"type": "mixed", "value": 30.0}, "x+": {"type": "mixed", "value": 20.0}}
    eq = pde.PDE({"rho": "d_dx(rho * (x - 1)) + 0.2 * laplace(rho)"}, bc=bc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eq.solve(state, t_range=0.01, dt=dt, solver="explicit", tracker=None)      # compile

        def timed(t_range):
            best, out = np.inf, None
            for _ in range(3):
                started = time.perf_counter()
                out = eq.solve(state, t_range=t_range, dt=dt, solver="explicit", tracker=None)
                best = min(best, time.perf_counter() - started)
            return best, out

        if not timing:      # the fine reference: one run, no timing
            result = eq.solve(state, t_range=t_end, dt=dt, solver="explicit", tracker=None)
            return np.asarray(result.data), np.nan, np.nan, abs(result.integral - 1)
        per_call, result = timed(t_end)
        # the stepping alone: the extra time of a 100x longer run, per t_end (the per-call setup cancels; with a 10x
        # longer run its ±0.3 s jitter was as large as the stepping itself)
        longer, _ = timed(100 * t_end)
        stepping = max((longer - per_call) / 99, 1e-9)
    return np.asarray(result.data), per_call, stepping, abs(result.integral - 1)


def direct_sum(w, rho, h, block=256):
    n = rho.shape[0]
    rows = jnp.arange(n)

    def one_block(start):
        i = start + jnp.arange(block)
        idx = jnp.clip(i[:, None] - rows[None, :] + n - 1, 0, 2 * n - 2)
        return jnp.where(i[:, None] < n, w[idx], 0.0) @ rho

    starts = jnp.arange(0, n, block)
    return jax.lax.map(one_block, starts).reshape(-1)[:n] * h


def fft_vs_direct(sizes):
    rows = []
    for n in sizes:
        grid = Grid1D(-5.0, 5.0, n)
        z = grid.centers
        problem = DistributionShift(grid, lambda zi, x: 0.0 * zi, np.exp(-z ** 2) + 0.1, x0=[0.0],
                                    kernel=lambda d: -np.exp(-d ** 2 / 0.5), alpha=0.1)
        with jax.enable_x64(True):
            rho, w = jnp.asarray(problem.initial_density), jnp.asarray(problem.kernel)
            fast = jax.jit(lambda r: interaction(problem, r))
            slow = jax.jit(lambda r: direct_sum(w, r, grid.width))
            a = fast(rho).block_until_ready()
            b = slow(rho).block_until_ready()
            t_fast = _best_time(lambda: fast(rho).block_until_ready())
            t_slow = _best_time(lambda: slow(rho).block_until_ready(), repeat=1 if n >= 30_000 else 3)
        rows.append((n, t_fast, t_slow, float(jnp.max(jnp.abs(a - b)))))
        print(f"N={n}: FFT {t_fast:.2e} s, direct {t_slow:.2e} s, max diff {rows[-1][3]:.1e}", flush=True)
    return rows


def _best_time(fn, repeat=3):
    best = np.inf
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def figure(rows, path: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = np.array([r[0] for r in rows], float)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.loglog(n, [r[1] for r in rows], "o-", label="FFT (stratlearn `interaction`)")
    ax.loglog(n, [r[2] for r in rows], "s-", label="direct O(N²) sum")
    ax.set_xlabel("cells N")
    ax.set_ylabel("seconds per evaluation of W ∗ ρ")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main(write: bool) -> None:
    ref, _, _, _ = ours(3200)
    ref400 = ref.reshape(400, 8).mean(1)
    rho, t_ours, steps, mass_ours = ours(400)
    err_ours = float(np.abs(rho - ref400).sum() * 10 / 400)
    lines = ["| solver | L1 error at t = 10 | per call, warm (s) | stepping alone (s) | mass error | stratlearn speed-up "
             "per call |", "|---|---|---|---|---|---|",
             f"| stratlearn (adaptive, {steps} SSP-RK3 steps) | {err_ours:.2e} | {t_ours:.3f} | {t_ours:.3f} | "
             f"{mass_ours:.1e} | 1.0x |"]
    measured = {}
    for dt in (1e-3, 1e-4):
        data, per_call, stepping, mass = pypde(400, dt)
        measured[dt] = (per_call, stepping)
        err = float(np.abs(data - ref400).sum() * 10 / 400)
        lines.append(f"| py-pde explicit, dt = {dt:g} | {err:.2e} | {per_call:.3f} | {stepping:.3f} | {mass:.1e} | "
                     f"{per_call / t_ours:.1f}x |")
    fine, _, _, _ = pypde(3200, 2e-5, timing=False)          # its explicit step must stay below Δz²/(2·0.2) = 2.4e-5
    ref_check = float(np.abs(fine.reshape(400, 8).mean(1) - ref400).sum() * 10 / 400)
    print("\n".join(lines))
    rows = fft_vs_direct([100, 1_000, 10_000, 100_000])
    figure(rows, Path(__file__).resolve().parent / "results" / "distribution_shift_fft.png")
    fft_lines = ["| N | FFT (s) | direct sum (s) | direct / FFT | largest difference |", "|---|---|---|---|---|"]
    fft_lines += [f"| {n:,} | {a:.2e} | {b:.2e} | {b / a:.2g}x | {d:.1e} |" for n, a, b, d in rows]
    faster = [dt for dt in (1e-3, 1e-4) if measured[dt][1] < t_ours]
    stepping_note = ("is faster than stratlearn's three-stage SSP-RK3 with the positivity-preserving adaptive step "
                     f"at dt = {', '.join(f'{dt:g}' for dt in faster)}; that gap is left as found." if faster else
                     "is slower than stratlearn's three-stage SSP-RK3 at both steps.")
    body = ("(1) The local equation (W = 0), 400 cells on [−5, 5], t = 10, float64 on both sides; py-pde with a true "
            "no-flux (Robin) boundary. L1 errors are against stratlearn on 3,200 cells averaged to 400 (py-pde on "
            f"3,200 cells, dt = 2e-5, is {ref_check:.1e} from that reference). Both are at matched accuracy: the errors are the "
            "400-cell spatial error.\n\n" + "\n".join(lines) + "\n\n"
            f"Target (at least 10x faster than py-pde): per call, {measured[1e-3][0] / t_ours:.1f}x against py-pde "
            f"at dt = 1e-3 (its largest stable step class) and {measured[1e-4][0] / t_ours:.1f}x at dt = 1e-4 "
            f"(the issue's setting); for the stepping alone, {measured[1e-3][1] / t_ours:.2f}x and "
            f"{measured[1e-4][1] / t_ours:.2f}x. py-pde builds and compiles its stepper at every `solve` call, and "
            "that setup is most of its per-call time. Its stepping alone (forward Euler in numba, one stage a step) "
            + stepping_note + " Both figures are given.\n\n"
            "(2) The interaction term by FFT against the direct sum (jitted, float64; figure "
            "`benchmarks/results/distribution_shift_fft.png`):\n\n" + "\n".join(fft_lines))
    print(body)
    if write:
        update_section("distribution_shift", "Distribution shift (`benchmarks/distribution_shift.py`)", body)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-results", action="store_true", help="update benchmarks/RESULTS.md")
    main(parser.parse_args().write_results)
