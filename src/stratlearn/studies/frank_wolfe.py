"""Study ``frank-wolfe``: last-iterate rates of the generalized Frank-Wolfe method of [2] on monotone VIs.

[2] Chen, Mazumdar. Last-iterate convergence for generalized Frank-Wolfe in monotone variational inequalities.
NeurIPS 2024. Its rates (from the abstract): the deterministic method's last iterate has gap ``O(T^{-1/2})``; with a
stochastic operator oracle, ``O(T^{-1/6})``. The schedules below are the library's reconstruction of the method
(:mod:`stratlearn.learners.frank_wolfe` says which part is which); the thresholds are the two exponents of [2], with
no slack (docs/studies.md, "Rules for claims").

Every run starts from a random point of the domain per seed (so a uniform start cannot sit on the equilibrium of
RPS or matching pennies) and runs in float64 (in float32 the step ``β_k (ẑ − z)`` rounds away once ``β_k`` is near
1e-5). Every rate is the least-squares slope of log (mean gap over seeds) against log iterations over the last two
decades of the run, fitted on records log-spaced over those decades (20 per decade, so both decades weigh the same;
the engine records uniformly, every ``T/400`` steps, and the analysis picks the records nearest a log grid), and
decided at the end of its 95% bootstrap interval over seeds.

Methods: GFW deterministic (``β_k = 1/(k+1)``, ``τ_k = (k+1)^{-1/2}``; entropy on the simplices, ``½‖·‖²`` on the
ball and the box), GFW stochastic (oracle ``F(z) + σξ`` with ``σ = 0.2``, averaged estimate ``ρ_k = (k+1)^{-2/3}``,
``τ_k = (k+1)^{-1/6}``: the same ``τ_0 = 1`` as the deterministic arm, only the exponent differs), and extragradient
and optimistic gradient (step 0.1) for the table and the figure.

Claims (threshold: [2]'s exponent, −1/2 or −1/6, with no slack; every detail gives the mean gap at the first
record, at ``T/100`` and at ``T``):

1. **[det-affine] deterministic rate on a VI that is not a matrix game** (headline): the monotone (not strongly)
   affine VI :func:`~stratlearn.games.vi.affine_vi` on the unit ball of ``R^10`` (seed 5), slope ``<= −1/2``.
   Its solution lies on the sphere with ``‖F(z*)‖ = 0.43``: once ``τ_k`` falls below that the regularized response
   ``Π(−F/τ_k)`` is the solution itself, the bias vanishes and the gap falls like ``1/k`` (measured −1.0). Control:
   constant regularization ``τ_k = 1`` (the vanishing schedule removed): the regularized solution is an interior
   point, and the gap stays at 0.22 (slope 0).
2. **[stoch-affine] stochastic rate on the same affine VI** (headline): slope ``<= −1/6`` (measured about −0.72).
   Control: the raw oracle (``ρ_k = 1``, no averaging), whose noise smooths the response instead of averaging out:
   the gap settles at 0.18 (slope 0).
3. The stochastic rate on rock-paper-scissors, slope ``<= −1/6`` (measured −0.33 to −0.38), is not a headline: no
   control fails there. RPS's equilibrium is the uniform profile, the entropy regularizer's own center, so noise and
   regularization both pull toward it: the deterministic schedule ``τ_k = (k+1)^{-1/2}`` under the same noise (its
   control until the full size ran) reaches −0.167 over ``10^4..10^6`` iterations (−0.13 at the quick size), and
   the raw oracle −0.37 at the quick size. The deterministic-schedule run stays in the table.
4. Plain claims, same thresholds: the stochastic rate on RPS and on the strongly monotone quadratic game
   :func:`~stratlearn.games.vi.quadratic_game` (boxes ``[−1, 1]^3``, 2 players) and the deterministic rate on RPS,
   matching pennies and the random 50x50 game.
5. **XFAIL** (measured, not loosened): the stochastic rate on matching pennies (about −0.13 to −0.15) and on the
   random 50x50 game (about −0.06, where the quantal-response solution's own gap dominates) does not show at
   ``3·10^4`` iterations; see the claims' ``xfail`` text.
6. Not a claim: the deterministic slope on the quadratic game sits on −1/2 itself (see ``NO_CLAIM``); it is in the
   ``final_gaps`` table.

The earlier version of this study (``τ_0 = 0.3`` in the stochastic arm, a ``+0.05`` slack on every slope, fits on
uniform records) passed three of four stochastic claims through the slack only (slopes about −0.14). With
``τ_0 = 0.3`` RPS's gap is still 0.36 after ``3·10^4`` iterations (the response is nearly a best response and cycles
like fictitious play); with ``τ_0 = 1``, the deterministic arm's value, it reaches 0.007.
"""

from __future__ import annotations

import numpy as np

from ..plots import finish_figure, method_colors, panels, plot_band, style_axis
from ..experiments.points import Point
from .base import Claim, Study, StudyData, StudyResult, fitted_slope, size_config

SIZES = {
    "quick": {"seeds": 8, "noisy_seeds": 32, "steps": 10_000, "noisy_steps": 30_000},
    "full": {"seeds": 32, "noisy_seeds": 128, "steps": 100_000, "noisy_steps": 1_000_000},
}
RECORDS = 400           # uniform records (every T/400: T/100 is the 4th); the fit uses those nearest a log grid
PER_DECADE = 20
DECADES = 2
DETERMINISTIC_RATE = -0.5   # [2]: O(T^{-1/2})
STOCHASTIC_RATE = -1 / 6    # [2]: O(T^{-1/6})
NOISE = 0.2
INSTANCES = {
    "rps": {"name": "matrix_game_vi", "game": "rock_paper_scissors"},
    "matching-pennies": {"name": "matrix_game_vi", "game": "matching_pennies"},
    "random-50x50": {"name": "matrix_game_vi", "game": "random_zero_sum", "options": {"rows": 50, "seed": 0}},
    # seed 5: ‖F(z*)‖ = 0.43 < τ_0 = 1, so the regularization is active at the start (on seed 0, ‖F(z*)‖ = 1.04 and
    # the Euclidean response equals the plain linear minimization oracle all along: τ plays no role there)
    "affine-vi": {"name": "affine_vi", "dim": 10, "rank": 2, "seed": 5},
    "quadratic": {"name": "quadratic_game", "players": 2, "dim": 3, "seed": 0},
}
_EUCLIDEAN = ("affine-vi", "quadratic")
_TAU = {"kind": "harmonic", "a": 1.0, "h": 1.0, "power": 0.5}
_NOISY_TAU = {"kind": "harmonic", "a": 1.0, "h": 1.0, "power": 1 / 6}

# the runs of the claims: role -> (instance, arm, learner overrides); "noisy" arms get the noisy steps and seeds
CONTROLS = {
    "gfw-constant-tau:affine-vi": ("affine-vi", "det", {"regularization": 1.0}),
    "gfw-stochastic-raw:affine-vi": ("affine-vi", "noisy", {"averaging": 1.0}),
    # not a control (shown in the table): the deterministic schedule under the same noise on RPS, which the stochastic
    # theorem does not cover; it was the control of a stochastic RPS headline until the full size measured it at
    # −0.167 over 10^4..10^6 iterations, on the threshold itself (−0.13 at the quick size)
    "gfw-stochastic-det-tau:rps": ("rps", "noisy", {"regularization": _TAU}),
}
HEADLINES = {  # key -> (role of the claim, role of its control, what the control changes)
    "det-affine": ("gfw:affine-vi", "gfw-constant-tau:affine-vi",
                 "constant regularization τ_k = 1 (the vanishing schedule removed)"),
    "stoch-affine": ("gfw-stochastic:affine-vi", "gfw-stochastic-raw:affine-vi",
                     "the raw oracle, ρ_k = 1 (the averaged estimate removed)"),
}
# The stochastic rate on RPS is a plain claim, not a headline: no control breaks it there. RPS's equilibrium is the
# uniform profile, the entropy regularizer's own center, so the noise and the regularization both pull toward it:
# the deterministic schedule under noise reaches −0.167 at the full size and the raw oracle (ρ_k = 1) −0.37 at the
# quick size, both through the −1/6 threshold.
# runs shown in the table and the figure but not judged: on the strongly monotone quadratic game the deterministic
# gap is dominated by the regularization bias ∝ τ_k ∝ k^{-1/2}, so its slope tends to [2]'s −1/2 itself (measured
# −0.505 to −0.510 at the quick size, 95% upper ends −0.505 to −0.499 over three seed offsets): a claim "<= −1/2"
# sits on its threshold and would not decide
NO_CLAIM = {"gfw:quadratic"}
XFAIL = {
    "matching-pennies": "measured slope about −0.13 over 3·10^2..3·10^4 iterations (quick size; −0.166 with "
                        "τ_0 = 0.3, on the threshold): the gap falls (0.28 → 0.09) but not yet at [2]'s rate; "
                        "−0.118 over 10^4..10^6 at the full size",
    "random-50x50": "the regularized (quantal-response) solution's own gap, which τ_k ∝ k^{-1/6} only "
                    "shrinks like τ_k^p with a local exponent p < 1 at these τ (0.39 down to 0.18), dominates: "
                    "measured slope about −0.07 (gap 0.32 → 0.23) at 3·10^4 iterations, −0.119 over 10^4..10^6 "
                    "at the full size",
}


def _learners(instance: str) -> dict[str, dict]:
    regularizer = "euclidean" if instance in _EUCLIDEAN else "entropy"
    return {
        "gfw": {"name": "frank_wolfe", "regularization": _TAU, "regularizer": regularizer, "start": "random"},
        "extragradient": {"name": "vi_extragradient", "step_size": 0.1, "start": "random"},
        "optimistic": {"name": "optimistic_gradient", "step_size": 0.1, "start": "random"},
        "gfw-stochastic": {"name": "frank_wolfe", "regularization": _NOISY_TAU, "regularizer": regularizer,
                           "noise": NOISE, "start": "random"},
    }


def _run(cfg: dict, noisy: bool) -> dict:
    steps = cfg["noisy_steps"] if noisy else cfg["steps"]
    return {"steps": steps, "seeds": cfg["noisy_seeds"] if noisy else cfg["seeds"], "record_every": steps // RECORDS,
            "metrics": ["vi_gap"], "seed": 0, "precision": "float64"}


def points(size: str) -> list[Point]:
    cfg = size_config(SIZES, size)
    out = []
    for instance, game in INSTANCES.items():
        for method, learner in _learners(instance).items():
            out.append(Point(dict(game), learner, _run(cfg, method == "gfw-stochastic"),
                             tags={"role": f"{method}:{instance}"}))
    for role, (instance, arm, changes) in CONTROLS.items():
        method = "gfw" if arm == "det" else "gfw-stochastic"
        learner = {**_learners(instance)[method], **changes}
        out.append(Point(dict(INSTANCES[instance]), learner, _run(cfg, arm == "noisy"), tags={"role": role}))
    return out


def log_records(steps, decades: float = DECADES, per_decade: int = PER_DECADE) -> np.ndarray:
    """Indices of the records nearest ``per_decade`` log-spaced points per decade over the last ``decades`` decades
    (the first at ``steps[-1] / 10**decades``), so a slope fitted on them weighs every decade the same."""
    steps = np.asarray(steps, float)
    grid = np.logspace(np.log10(steps[-1]) - decades, np.log10(steps[-1]), int(round(decades * per_decade)) + 1)
    return np.unique(np.abs(steps[None, :] - grid[:, None]).argmin(axis=1))


def _slope(steps):
    """The statistic of every rate claim: the fitted slope of log (mean over seeds) over the last two decades."""
    idx = log_records(steps)
    return lambda v: fitted_slope(steps[idx], v[:, idx].mean(axis=0), decades=DECADES)


def _levels(steps, values) -> str:
    mean = values.mean(axis=0)
    at = int(np.abs(steps - steps[-1] / 10**DECADES).argmin())
    return (f"mean gap {mean[0]:.3g} at the first record (step {int(steps[0])}), {mean[at]:.3g} at step "
            f"{int(steps[at])}, {mean[-1]:.3g} at step {int(steps[-1])}")


def _per_seed(steps, values) -> str:
    idx = log_records(steps)
    slopes = [fitted_slope(steps[idx], v[idx], decades=DECADES) for v in values]
    return f"per-seed slopes {np.mean(slopes):.3f} ± {np.std(slopes):.3f}"


def _rate_claim(data: StudyData, role: str, text: str, rate: float, **marks) -> Claim:
    steps, values = data.metric(role, "vi_gap")
    source = "deterministic" if rate == DETERMINISTIC_RATE else "stochastic"
    detail = (f"threshold: [2]'s {source} rate T^{rate:.3g}, no slack; {_levels(steps, values)}; "
              f"{_per_seed(steps, values)}")
    return Claim.bootstrap(f"{text}: slope of log mean gap, iterations {int(steps[-1] / 10**DECADES)}.."
                           f"{int(steps[-1])}", values, _slope(steps), "<=", rate, detail=detail, **marks)


def analyze(size: str, data: StudyData) -> StudyResult:
    import pandas as pd

    claims: list[Claim] = []
    noisy = f"GFW stochastic (σ={NOISE}, τ_k∝k^-1/6)"
    deterministic = "GFW deterministic (τ_k∝k^-1/2)"

    # headline claims, each followed by its control: the same slope against the same threshold
    for key, (role, control, change) in HEADLINES.items():
        instance = role.split(":")[1]
        det = role.startswith("gfw:")
        rate = DETERMINISTIC_RATE if det else STOCHASTIC_RATE
        claims.append(_rate_claim(data, role, f"[2] {deterministic if det else noisy} on {instance}", rate,
                                  headline=True, key=key))
        claims.append(_rate_claim(data, control, f"{change}, on {instance}", rate, control_of=key))

    # the other instances: the same thresholds, no control
    headline_roles = {role for role, _, _ in HEADLINES.values()}
    for instance in INSTANCES:
        for method, rate, label in (("gfw", DETERMINISTIC_RATE, deterministic),
                                    ("gfw-stochastic", STOCHASTIC_RATE, noisy)):
            role = f"{method}:{instance}"
            if role in headline_roles or role in NO_CLAIM:
                continue
            xfail = XFAIL.get(instance, "") if method == "gfw-stochastic" else ""
            claims.append(_rate_claim(data, role, f"[2] {label} on {instance}", rate, xfail=xfail))

    rows = []
    for role in _roles():
        steps, values = data.metric(role, "vi_gap")
        # the baselines' extragradient runs reach the solution to rounding (gap ≈ ±1e-16 on the affine VI at the
        # full size): no rate to fit there
        settled = (values[:, log_records(steps)].mean(axis=0) > 0).sum() < 2
        rows.append({"run": role, "steps": int(steps[-1]), "seeds": int(values.shape[0]),
                     "start_gap_mean": float(values[:, 0].mean()), "final_gap_mean": float(values[:, -1].mean()),
                     "final_gap_std": float(values[:, -1].std()),
                     "slope": float("nan") if settled else _slope(steps)(values)})
    frame = data.curves()
    return StudyResult(name="frank-wolfe", size=size, claims=claims,
                       tables={"curves": frame, "final_gaps": pd.DataFrame(rows)},
                       figures={"vi_gap": _figure(frame)})


def _roles() -> list[str]:
    return [f"{m}:{i}" for i in INSTANCES for m in _learners(i)] + list(CONTROLS)


def _figure(frame):
    fig, axes = panels(len(INSTANCES), ncols=2, height=3.0)
    colors = method_colors(run.split(":")[0] for run in frame.run.unique())
    for ax, instance in zip(axes, INSTANCES):
        sub = frame[frame.run.str.endswith(f":{instance}")]
        for run, curve in sub.groupby("run", sort=False):
            positive = curve["mean"] > 0  # the projection methods reach the float64 floor; log axes drop zeros
            plot_band(ax, curve.step[positive], curve["mean"][positive], curve.q10[positive].clip(lower=1e-16),
                      curve.q90[positive], run.split(":")[0], color=colors[run.split(":")[0]])
        for name, rate, style in ((f"gfw:{instance}", -0.5, "k:"), (f"gfw-stochastic:{instance}", -1 / 6, "k--")):
            gfw = sub[sub.run == name]
            if len(gfw):
                at = len(gfw) // 100
                anchor, step = float(gfw["mean"].iloc[at]), float(gfw.step.iloc[at])
                ax.plot(gfw.step, anchor * (gfw.step / step) ** rate, style, linewidth=1,
                        label="slope −1/2" if rate == -0.5 else "slope −1/6")
        style_axis(ax, instance, "VI gap", xlabel="iterations")
    fig.suptitle("Last-iterate VI gap: mean over seeds, band 10%–90%", fontsize=10)
    return finish_figure(fig)


STUDY = Study(name="frank-wolfe",
              title="Generalized Frank-Wolfe on monotone variational inequalities: last-iterate rates",
              paper="[2] Chen and Mazumdar, NeurIPS 2024", points=points, analyze=analyze, sizes=SIZES)
