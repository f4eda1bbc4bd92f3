"""Study ``function-approximation``: two-timescale Q-learning with linear features ([3]) on a 10^4-state game.

[3] Chen, Zhang, Mazumdar, Ozdaglar, Wierman. Two-timescale Q-learning with function approximation in zero-sum
stochastic games. EC 2024 (arXiv 2312.04905).

Game: pursuit-evasion on a 10x10 grid (10^4 states, 5 actions each, slip 0.1, γ = 0.9), play and gaps starting from a
uniformly random placement (``start = "uniform"``; from the corner start alone the uniform policies' gap is only
0.20 and the board's far side never matters). Learners, all at ``τ = 0.05`` and the learner's default schedules:
two-timescale Q with tile features of growing dimension ``d ≪ S·A = 5·10^4`` — 5-cell tiles (``d = 405``), 3-cell
tiles (1,280), 3-cell tiles plus the pursuer-evader offset (3,085), 2-cell tiles plus the offset (8,285) — with
tabular (one-hot, 5·10^4) features, and DSBR-VI (Algorithm 2 of [1], ``K = 10^5``). The metric is the exact Nash gap of
the learned policies, computed against the tabular model (policy evaluation and best responses over all 10^4
states, ``equilibria.markov_nash_gap``).

Claims:

(a) The gap converges: for the richest approximate feature set, the last two records differ by at most 5% of the
    uniform policies' gap, and the final gap is below it.
(b) Its final level falls as features get richer: the log-log slope of the final mean gap against ``d`` over the
    four tile feature sets is negative, decided on the upper end of its 95% bootstrap interval over seeds. [3]'s
    bound grows with the features' approximation error, which shrinks as the tiles refine; it orders feature sets by
    that error, not by ``d`` step by step, and the sets here are not nested. So the claim is the trend, with no
    threshold to choose. An earlier version asked for no rise at any step beyond 0.01, a slack measured on the run
    it judged: the two richest sets end level (0.19 and 0.19), and the verdict changed with the base seed.
(c) Tabular features match DSBR-VI's level: the final mean gaps differ by at most 0.05. At these budgets neither
    tabular learner gets far from the uniform start (5·10^4 state-action pairs, each visited a few dozen times), so
    this is a check that the two tabular algorithms agree, not that they solve the game; the detail says how far each
    moved.
"""

from __future__ import annotations

import numpy as np

from ..experiments.plots import finish_figure, method_colors, panels, plot_band, style_axis
from ..experiments.points import Point
from .base import Claim, Study, StudyData, StudyResult, fitted_slope

SIZES = {
    "quick": {"seeds": 4, "samples": 600_000, "records": 4},
    "full": {"seeds": 16, "samples": 10_000_000, "records": 20},
}
GAME = {"name": "pursuit_evasion", "size": 10, "slip": 0.1, "discount": 0.9, "start": "uniform"}
TEMPERATURE = 0.05
FEATURES = {  # ordered by dimension d
    "tiles-5": {"kind": "grid", "width": 5},
    "tiles-3": {"kind": "grid", "width": 3},
    "tiles-3+offset": {"kind": "grid", "width": 3, "relative": True},
    "tiles-2+offset": {"kind": "grid", "width": 2, "relative": True},
}
CONVERGED, MATCH = 0.05, 0.05


def points(size: str) -> list[Point]:
    cfg = SIZES[size]
    run = {"steps": cfg["samples"], "seeds": cfg["seeds"], "record_every": cfg["samples"] // cfg["records"],
           "metrics": ["nash_gap"], "seed": 0}
    out = [Point(dict(GAME), {"name": "two_timescale_q", "temperature": TEMPERATURE, "features": dict(f)}, dict(run),
                 tags={"role": f"ttq:{name}"}) for name, f in FEATURES.items()]
    out.append(Point(dict(GAME), {"name": "two_timescale_q", "temperature": TEMPERATURE, "features": "one_hot"},
                     dict(run), tags={"role": "ttq:tabular"}))
    out.append(Point(dict(GAME), {"name": "dsbr_vi", "temperature": TEMPERATURE, "inner_steps": 100_000}, dict(run),
                     tags={"role": "dsbr_vi:tabular"}))
    return out


def _uniform_gap() -> tuple[float, int]:
    from ..equilibria.markov import markov_nash_gap
    from ..games.catalog import make

    game = make(GAME["name"], **{k: v for k, v in GAME.items() if k != "name"})
    S, A, B = game.shape
    return markov_nash_gap(game, np.full((S, A), 1 / A), np.full((S, B), 1 / B)), game


def analyze(size: str, data: StudyData) -> StudyResult:
    import pandas as pd

    from ..learners.features import as_features

    start, game = _uniform_gap()
    rows = []
    for role in [f"ttq:{n}" for n in FEATURES] + ["ttq:tabular", "dsbr_vi:tabular"]:
        steps, values = data.metric(role)
        learner = data.point(role).learner
        d = as_features("features", learner["features"]).dim(game, 0) if "features" in learner else game.num_states * 5
        rows.append({"run": role, "d": int(d), "final_gap": float(values[:, -1].mean()),
                     "final_std": float(values[:, -1].std()), "previous_gap": float(values[:, -2].mean())})
    table = pd.DataFrame(rows)
    by_run = table.set_index("run")
    claims = []
    richest_role = f"ttq:{list(FEATURES)[-1]}"
    richest = by_run.loc[richest_role]
    last_two = data.metric(richest_role)[1][:, -2:]
    claims.append(Claim.bootstrap(f"(a) the gap converges ({list(FEATURES)[-1]}, d={int(richest.d)}): |last − previous "
                                  "record| / uniform policies' gap", last_two,
                                  lambda v: abs(float(v[:, 1].mean() - v[:, 0].mean())) / start, "<=", CONVERGED,
                                  detail=f"gap {richest.previous_gap:.3g} → {richest.final_gap:.3g}; uniform "
                                         f"{start:.3g}"))
    claims.append(Claim.over_seeds(f"(a) ... and ends below the uniform policies' gap ({start:.3g})",
                                   last_two[:, 1], "<", start))
    finals = [by_run.loc[f"ttq:{n}"].final_gap for n in FEATURES]
    # the runs share their seeds, so seeds are resampled jointly: one column of final gaps per feature set
    per_seed = np.stack([data.metric(f"ttq:{n}")[1][:, -1] for n in FEATURES], axis=1)
    dims = np.array([float(by_run.loc[f"ttq:{n}"].d) for n in FEATURES])
    claims.append(Claim.bootstrap("(b) the final gap falls as features get richer: log-log slope of the final mean "
                                  "gap against d = " + ", ".join(str(int(d)) for d in dims), per_seed,
                                  lambda v: fitted_slope(dims, v.mean(axis=0)), "<", 0.0,
                                  detail="final gaps " + ", ".join(f"{v:.3g}" for v in finals)))
    tab, dsbr = by_run.loc["ttq:tabular"], by_run.loc["dsbr_vi:tabular"]
    pair = np.stack([data.metric(r)[1][:, -1] for r in ("ttq:tabular", "dsbr_vi:tabular")], axis=1)
    claims.append(Claim.bootstrap("(c) tabular two-timescale Q matches DSBR-VI's level: |difference of final gaps|",
                                  pair, lambda v: abs(float(v[:, 0].mean() - v[:, 1].mean())), "<=", MATCH,
                                  detail=f"two-timescale Q {tab.final_gap:.3g} ± {tab.final_std:.2g}, DSBR-VI "
                                         f"{dsbr.final_gap:.3g} ± {dsbr.final_std:.2g}, uniform policies {start:.3g}"))
    frame = data.curves()
    return StudyResult(name="function-approximation", size=size, claims=claims,
                       tables={"curves": frame, "final_gaps": table}, figures={"nash_gap": _figure(frame, start)})


def _figure(frame, start):
    fig, (ax,) = panels(1, width=7.0, height=4.2)
    colors = method_colors(frame.run.unique())
    for run, curve in frame.groupby("run", sort=False):
        plot_band(ax, curve.step, curve["mean"], curve.q10, curve.q90, run, color=colors[run], marker="o", ms=3)
    ax.axhline(start, color="k", linestyle=":", linewidth=1, label="uniform policies")
    style_axis(ax, "pursuit-evasion 10x10 (10^4 states), γ = 0.9, τ = 0.05", "exact Nash gap (mean, 10%-90% band)")
    return finish_figure(fig, legend="axes")


STUDY = Study(name="function-approximation",
              title="Two-timescale Q-learning with linear function approximation on a 10^4-state pursuit game",
              paper="[3] arXiv 2312.04905", points=points, analyze=analyze)
