"""Study ``distribution-shift``: a population PDE coupled to a learner, [5] (in progress: 1-D parts).

[5] Conger, Hoffmann, Mazumdar, Ratliff. Strategic distribution shift of interacting agents via coupled gradient
flows. NeurIPS 2023 (arXiv 2307.01166).

Parts built so far, each on a 1-D grid with no-flux ends (:mod:`stratlearn.populations.distribution_shift`):

(a) timescale limits: from one initial condition, the population-fast limit, the learner-fast limit and the coupled
    flow (γ = 1) end at the same state ([5], Fig. 1), measured by W2 between the final densities relative to the
    distance the population travelled;
(b) polarization: a unimodal population under an attractive kernel and a strategic push away from the deployed
    model (a bump of ``f₁`` at ``x``) splits into two modes, counted; the same run without the push stays unimodal;
(e) continuous-time retraining (the coupled flow) against repeated risk minimization (rounds of population time 5):
    both settle at the performatively stable point (which differs from the performatively optimal one), and the
    population time each needs to come within 1e-2 of it is compared. Repeated gradient descent (step 0.5) is run
    and reported, not claimed: its distance after a fixed number of rounds is set by the chosen step.

Not built yet: (c) disparate impact between subpopulations, (d) the 2-D example.
"""

from __future__ import annotations

import numpy as np

from ..experiments.plots import _pyplot
from .base import Claim, Study, StudyData, StudyResult

SIZES = {"quick": {"cells": 160, "t_limits": 30.0, "t_polar": 20.0, "rounds": 12},
         "full": {"cells": 400, "t_limits": 60.0, "t_polar": 40.0, "rounds": 24}}


def points(size: str) -> list:
    return []   # PDE runs, computed in analyze (each is a single compiled solve)


def _quadratic(zi, x):
    return 0.5 * (zi - x[0]) ** 2


def _bump(zi, x):
    import jax.numpy as jnp

    return 0.5 * jnp.exp(-(zi - x[0]) ** 2 / (2 * 0.5 ** 2))


def _modes(rho, prominence=0.05):
    top = rho.max()
    return int(sum(1 for j in range(1, len(rho) - 1)
                   if rho[j] > rho[j - 1] and rho[j] >= rho[j + 1] and rho[j] > prominence * top))


def analyze(size: str, data: StudyData) -> StudyResult:
    import jax
    import jax.numpy as jnp
    import pandas as pd

    from ..populations import (DistributionShift, Grid1D, performative_risk, performatively_optimal_point,
                               performatively_stable_point, repeated_gradient_descent,
                               repeated_risk_minimization, solve, wasserstein2)

    cfg = SIZES[size]
    claims, rows = [], []
    # (a) timescale limits
    grid = Grid1D(-4.0, 4.0, cfg["cells"])
    z = grid.centers
    coupled = DistributionShift(grid, _quadratic, np.exp(-(z - 1.5) ** 2 / 0.5), x0=[-1.0],
                                kernel=lambda d: -0.5 * np.exp(-d ** 2 / 0.5), alpha=0.2, beta=0.5, rate=1.0,
                                natural=np.exp(-(z - 1) ** 2 / 2))
    runs = {name: solve(coupled, cfg["t_limits"], records=60, limit=limit)
            for name, limit in (("coupled (γ = 1)", None), ("learner best-responds", "learner"),
                                ("population best-responds", "population"))}
    with jax.enable_x64(True):
        final = {k: jnp.asarray(v.final_state["densities"][-1]) for k, v in runs.items()}
        travelled = float(wasserstein2(grid, jnp.asarray(coupled.initial), final["coupled (γ = 1)"]))
        names = list(final)
        pairs = {(a, b): float(wasserstein2(grid, final[a], final[b])) for i, a in enumerate(names)
                 for b in names[i + 1:]}
    worst = max(pairs.values())
    claims.append(Claim("(a) timescale limits and the coupled flow end at the same state: largest W2 between final "
                        "densities / W2 travelled", worst / travelled, "<=", 1e-3,
                        detail=f"W2 travelled {travelled:.3f}; pairs " + ", ".join(
                            f"{a} vs {b}: {v:.1e}" for (a, b), v in pairs.items())))
    for name, tr in runs.items():
        rows.append({"part": "a", "run": name, "final_x": float(tr.final_state["x"][-1, 0]),
                     "final_potential": float(tr.metrics["potential"][0, -1]), "steps": int(tr.steps[-1])})
    # (b) polarization
    unimodal = np.exp(-z ** 2 / 2)
    pushed = DistributionShift(grid, _bump, unimodal, x0=[0.0], kernel=lambda d: -1.5 * np.exp(-d ** 2 / 0.18),
                               alpha=0.05, rate=0.0, natural=unimodal)
    control = DistributionShift(grid, lambda zi, x: 0.0 * zi, unimodal, x0=[0.0],
                                kernel=lambda d: -1.5 * np.exp(-d ** 2 / 0.18), alpha=0.05, rate=0.0,
                                natural=unimodal)
    polar = solve(pushed, cfg["t_polar"], records=40)
    calm = solve(control, cfg["t_polar"], records=40)
    modes = _modes(polar.final_state["densities"][-1])
    claims.append(Claim("(b) attractive kernel + strategic push: modes of the final density (initial: "
                        f"{_modes(pushed.initial)})", modes, ">=", 2,
                        detail=f"without the push: {_modes(calm.final_state['densities'][-1])} mode(s)"))
    rows.append({"part": "b", "run": "push", "modes": modes})
    rows.append({"part": "b", "run": "no push", "modes": _modes(calm.final_state["densities"][-1])})
    # (e) continuous retraining against RRM and RGD
    x_ps, _ = performatively_stable_point(coupled)
    x_po, risk_po = performatively_optimal_point(coupled, bounds=(-3.0, 3.0))
    rrm = repeated_risk_minimization(coupled, cfg["rounds"], 5.0)
    rgd = repeated_gradient_descent(coupled, cfg["rounds"], 5.0, step_size=0.5)
    flow_x = runs["coupled (γ = 1)"].final_state["x"][-1, 0]
    dist = {"coupled flow": abs(flow_x - x_ps[0]), "RRM": abs(rrm.x[-1, 0] - x_ps[0]),
            "RGD": abs(rgd.x[-1, 0] - x_ps[0])}
    claims.append(Claim("(e) continuous retraining and RRM settle at the performatively stable point: larger final "
                        "|x − x_PS|", max(dist["coupled flow"], dist["RRM"]), "<=", 1e-2,
                        detail=f"x_PS = {x_ps[0]:.4f}; " + ", ".join(f"{k} {v:.1e}" for k, v in dist.items())
                        + f"; x_PO = {x_po[0]:.4f} with performative risk {risk_po:.4f} against "
                        f"{performative_risk(coupled, x_ps):.4f} at x_PS"))
    # population time until the deployed model is within 1e-2 of x_PS
    flow = runs["coupled (γ = 1)"]
    near = np.abs(flow.final_state["x"][:, 0] - x_ps[0]) <= 1e-2
    t_flow = float(flow.final_state["times"][np.argmax(near)]) if near.any() else np.inf
    near_rrm = np.abs(rrm.x[:, 0] - x_ps[0]) <= 1e-2
    t_rrm = 5.0 * float(np.argmax(near_rrm)) if near_rrm.any() else np.inf
    claims.append(Claim("(e) population time for the deployed model to come within 1e-2 of x_PS: continuous "
                        "retraining / RRM (rounds of 5)", t_flow / t_rrm, "<", 1.0,
                        detail=f"continuous {t_flow:.2f}, RRM {t_rrm:.1f}"))
    for k, v in dist.items():
        rows.append({"part": "e", "run": k, "distance_to_stable": float(v)})
    tables = {"summary": pd.DataFrame(rows),
              "retraining": pd.DataFrame({"round": np.arange(len(rrm.x)), "rrm_x": rrm.x[:, 0],
                                          "rgd_x": rgd.x[:, 0]})}
    figures = {"densities": _densities_figure(grid, runs, polar), "x_and_energy": _x_energy_figure(runs, rrm, rgd,
                                                                                                  x_ps, x_po)}
    return StudyResult(name="distribution-shift", size=size, claims=claims, tables=tables, figures=figures)


def _densities_figure(grid, runs, polar):
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    z = grid.centers
    for ax, (title, tr) in zip(axes, (("(a) coupled flow, γ = 1", runs["coupled (γ = 1)"]),
                                       ("(b) polarization", polar))):
        times, dens = tr.final_state["times"], tr.final_state["densities"]
        for k in np.linspace(0, len(times) - 1, 6).astype(int):
            ax.plot(z, dens[k], label=f"t = {times[k]:.1f}")
        ax.set_title(title)
        ax.set_xlabel("feature z")
        ax.set_ylabel("density ρ(z, t)")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def _x_energy_figure(runs, rrm, rgd, x_ps, x_po):
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name, tr in runs.items():
        axes[0].plot(tr.final_state["times"], tr.final_state["x"][:, 0], label=name)
        pot = tr.metrics["potential"][0]
        excess = pot - pot.min()
        keep = excess > 0
        axes[1].semilogy(tr.final_state["times"][keep], excess[keep], label=name)
    rounds = np.arange(len(rrm.x)) * 5.0
    axes[0].plot(rounds, rrm.x[:, 0], "o--", label="RRM (rounds of 5)")
    axes[0].plot(rounds, rgd.x[:, 0], "s--", label="RGD (rounds of 5)")
    axes[0].axhline(x_ps[0], color="k", linestyle=":", label="performatively stable")
    axes[0].axhline(x_po[0], color="gray", linestyle="-.", label="performatively optimal")
    axes[0].set_xlabel("time")
    axes[0].set_ylabel("learner parameter x(t)")
    axes[0].legend(fontsize=7)
    axes[0].grid(alpha=0.3)
    axes[1].set_xlabel("time")
    axes[1].set_ylabel("E₁ + (β/2)|x − x̄|² minus its final value")
    axes[1].set_title("energy decay (cooperative)")
    axes[1].legend(fontsize=7)
    axes[1].grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


STUDY = Study(name="distribution-shift",
              title="Strategic distribution shift: a population PDE coupled to a learner (1-D parts)",
              paper="[5] Conger, Hoffmann, Mazumdar and Ratliff, NeurIPS 2023", points=points, analyze=analyze)
