"""Study ``matrix-games``: learning dynamics on zero-sum matrix games, centred on DSBR ([1], Section 2).

The instances are a random 10x10 zero-sum game and a biased rock-paper-scissors (rock beats scissors by 2), whose
equilibria are not the uniform policies DSBR starts from; plain rock-paper-scissors, where the uniform start already
is the equilibrium, is only the calibration game of the default step ratio (:func:`default_policy_rate_ratio`) and no
claim is judged on it. Each claim's table row says where its threshold comes from; the headline claims are paired
with negative controls that must fail the same threshold (docs/studies.md, "Rules for claims").

1. **[bias] Theorem 2.1, the smoothing bias** (headline, on both games at ``τ = 0.05``; also at ``τ = 0.1``): with the
   default constant steps the Nash gap, averaged over the last decade of 10^6 samples (where it has settled), is
   below ``2τ log A_max``. Threshold: the theorem's bias term. Control: the step ratio ``c = 0.03``, ten times the
   default, which the theorem's ``c ∝ τ³`` scaling assigns to ``τ ≈ 0.11``, not to 0.05: it must end above the bias.
2. **The gap shrinks with τ**: the fitted exponent of the settled gap in ``τ`` over ``τ ∈ {0.1, 0.05, 0.02}`` (random
   game) is positive, with a bootstrap interval. At the start every temperature has the same gap (exponent 0).
3. **[rate] Theorem 2.1(2), the O(1/K) rate of the regularized gap** (headline): with harmonic steps
   ``α_k = α/(k+h)`` the entropy-regularized gap ``NG_τ`` decays like ``1/K`` up to logarithmic factors. The claim:
   the slope of log mean ``NG_τ`` against log samples over the last two decades has a 95% upper end at most −3/4,
   half way between the theorem's ``K^{-1}`` and the ``K^{-1/2}`` of a method without it (the slope of the theorem's
   ``1/(K+h)`` over the same records is given beside it). Run at ``τ = 0.2`` with the ratio of the theorem's whole
   scaling, ``c = 0.003 (τ/0.05)³ (3/A_max)²`` (:func:`theorem_ratio`; the default's cap is lifted because the rate
   needs ``c α > 2`` with ``α_0 <= 1``), on biased RPS (headline) and on the random game. Control: constant steps
   with the same ``c`` plateau (slope ≈ 0). With the ``τ³`` factor alone (``c = 0.192``) the random game's
   ``NG_τ`` does not fall at all within 10^6 samples: the ``1/A_max²`` factor of the condition matters.
4. **[rational] Rationality** (headline): against a fixed stationary opponent, the DSBR player's regularized
   best-response gap ``τ KL(π ‖ σ_τ(A y))`` decays at the same rate (same threshold). Control: constant steps plateau.
5. Comparison dynamics on the random game: fictitious play (its gap falls on a zero-sum game and not on Shapley's
   game), smoothed fictitious play (its regularized gap vanishes), optimistic MWU and extragradient (full-information
   last-iterate methods; extragradient's last iterate reaches the equilibrium).

General-sum games, measured against certified references (the library's section, not [1]'s: Theorem 2.1 is for
zero-sum games). The references are computed for each game when the run starts: its Nash equilibria by vertex
enumeration, each with regret ≤ 1e-9 (metric ``equilibrium_distance``), and the (coarse) correlated equilibrium
polytopes, against which a run's joint play is measured (metrics ``cce_gap``/``ce_gap``, the ε of an ε-(C)CE).

6. **[hannan] No regret puts joint play in the coarse correlated set** (headline): regret matching+ has the regret
   bound ``Δ √(|A| T)`` of regret matching (Tammelin, Burch, Johanson and Bowling 2015, the CFR+ paper, Theorem 1; Hart
   and Mas-Colell 2000), so its joint play after ``T`` rounds is an ε-CCE with ``ε ≤ Δ √(A_max / T)``, ``Δ`` the
   payoff range. Threshold: that bound at the last record. Instance: the battle of the sexes written so that
   fictitious play can miscoordinate (``catalog.battle_of_the_sexes``); regret matching+ starts from uniform play,
   which is not a CCE there. Control: fictitious play (best responses without smoothing, not Hannan consistent,
   Fudenberg and Levine 1995) on the same game: the same ε, over seeds, stays above the bound. Also on a random 5x5
   general-sum game (not headline).
7. **[fp-2xn] Fictitious play converges in 2 x n games** (headline; Berger 2005, *J. Econ. Theory* 120, for
   non-degenerate 2 x n games): on eight random 2x4 games (checked non-degenerate by vertex enumeration) the distance
   of the empirical frequencies to the nearest certified equilibrium falls: the slowest game's slope of log mean
   distance against log rounds over the last two decades has its 95% upper end at most −1/4, half way between no
   convergence (0) and the ``T^{-1/2}`` rate of Karlin's conjecture for zero-sum games. Control: Shapley's 3x3 game,
   outside the theorem, where fictitious play cycles: the same slope stays near 0.

DSBR on Shapley's game and on the random 5x5 general-sum game is shown in the ``general_sum`` table (its Nash gap
and its distance to the certified equilibria), with no claim: [1]'s guarantees are for zero-sum games.
"""

from __future__ import annotations

import numpy as np

from ..plots import finish_figure, method_colors, panels, plot_band, style_axis
from ..experiments.points import Point
from ..learners import default_policy_rate_ratio
from .base import Claim, Study, StudyData, StudyResult, fitted_slope, size_config

SIZES = {
    "quick": {"seeds": 32, "bias_steps": 10**6, "tau_steps": 3 * 10**6, "fp_steps": 10**5, "fp_seeds": 16},
    "full": {"seeds": 100, "bias_steps": 10**6, "tau_steps": 10**7, "fp_steps": 10**6, "fp_seeds": 100},
}
RECORDS = 100
SIZE_OF = {"brps": 3, "r10": 10}
GAMES = {"brps": {"name": "biased_rock_paper_scissors", "weight": 2.0},
         "r10": {"name": "random_zero_sum", "rows": 10, "seed": 0}}
RATE_TAU = 0.2


def theorem_ratio(tau: float, n_actions: int) -> float:
    """Theorem 2.1's scaling of the admissible step ratio, ``c ∝ τ³ / A_max²``, anchored at the calibration point of
    :func:`~stratlearn.learners.default_policy_rate_ratio` (``c = 0.003`` at ``τ = 0.05`` on 3 actions)."""
    return 0.003 * (tau / 0.05) ** 3 * (3.0 / n_actions) ** 2


RATE_RATIO = theorem_ratio(RATE_TAU, 3)        # 0.192 on 3 actions; 0.0173 on 10
RATE_STEPS = {"kind": "harmonic", "a": 300.0, "h": 330.0, "power": 1.0}  # c α = 58 > 2, α_0 = α/h < 1
CONTROL_RATIO = 0.03                           # ten times the default at τ = 0.05: the τ³ scaling's value at τ ≈ 0.11
OPPONENT = (0.6, 0.3, 0.1)                      # a stationary column policy far from the equilibrium
RATE_BOUND = -0.75                             # half way between the theorem's K^-1 and K^-1/2
BOS = {"name": "battle_of_the_sexes", "weight": 1.1}
R5 = {"name": "random_general_sum", "rows": 5, "seed": 0}
TWO_BY_N = [{"name": "random_general_sum", "rows": 2, "cols": 4, "seed": k} for k in range(8)]
FP_BOUND = -0.25                               # half way between no convergence (0) and Karlin's T^-1/2
JOINT = ("nash_gap", "cce_gap", "ce_gap")


def _run(steps, seeds, metrics=("nash_gap",)):
    return {"steps": steps, "seeds": seeds, "record_every": steps // RECORDS, "metrics": list(metrics), "seed": 0}


def points(size: str) -> list[Point]:
    cfg = size_config(SIZES, size)
    seeds, bias_steps = cfg["seeds"], cfg["bias_steps"]
    out = []

    def add(role, game, learner, run):
        out.append(Point(game=dict(game), learner=learner, run=run, tags={"role": role}))

    rate_gap = f"regularized_nash_gap:{RATE_TAU}"
    for g in ("brps", "r10"):
        for tau in (0.1, 0.05):
            add(f"dsbr-{tau}-{g}", GAMES[g], {"name": "dsbr", "temperature": tau}, _run(bias_steps, seeds))
        add(f"dsbr-c{CONTROL_RATIO}-{g}", GAMES[g],
            {"name": "dsbr", "temperature": 0.05, "policy_rate_ratio": CONTROL_RATIO}, _run(bias_steps, seeds))
        add(f"dsbr-rate-{g}", GAMES[g], {"name": "dsbr", "temperature": RATE_TAU,
                                         "policy_rate_ratio": theorem_ratio(RATE_TAU, SIZE_OF[g]),
                                         "step_size": RATE_STEPS}, _run(bias_steps, seeds, ("nash_gap", rate_gap)))
    add("dsbr-rate-constant-brps", GAMES["brps"],
        {"name": "dsbr", "temperature": RATE_TAU, "policy_rate_ratio": RATE_RATIO},
        _run(bias_steps, seeds, ("nash_gap", rate_gap)))
    for kind, extra in (("harmonic", {"step_size": RATE_STEPS}), ("constant", {})):
        add(f"rational-{kind}-brps", GAMES["brps"],
            {"name": "dsbr", "temperature": RATE_TAU, "policy_rate_ratio": RATE_RATIO,
             "opponent_policy": list(OPPONENT), **extra},
            _run(bias_steps, seeds, (f"row_regularized_gap:{RATE_TAU}",)))
    add("dsbr-0.02-r10", GAMES["r10"], {"name": "dsbr", "temperature": 0.02}, _run(cfg["tau_steps"], seeds))
    g = "r10"
    add(f"sfp-{g}", GAMES[g], {"name": "smoothed_fictitious_play", "temperature": 0.05},
        _run(cfg["fp_steps"], cfg["fp_seeds"], ("nash_gap", "regularized_nash_gap:0.05")))
    add(f"omwu-{g}", GAMES[g], {"name": "omwu", "step_size": 0.1}, _run(cfg["fp_steps"], 1))
    add(f"extragradient-{g}", GAMES[g], {"name": "extragradient", "step_size": 0.1}, _run(cfg["fp_steps"], 1))
    add("fp-r10", GAMES["r10"], {"name": "fictitious_play"}, _run(cfg["fp_steps"], cfg["fp_seeds"]))
    add("fp-shapley", {"name": "shapley_game"}, {"name": "fictitious_play"},
        _run(cfg["fp_steps"], cfg["fp_seeds"], ("nash_gap", "equilibrium_distance", "cce_gap", "ce_gap")))
    # general-sum games against certified references
    fp_run = _run(cfg["fp_steps"], cfg["fp_seeds"], (*JOINT, "equilibrium_distance"))
    one_run = _run(cfg["fp_steps"], 1, (*JOINT, "equilibrium_distance"))      # deterministic learners: one run
    add("gs-rmp-bos", BOS, {"name": "regret_matching_plus"}, one_run)
    add("gs-fp-bos", BOS, {"name": "fictitious_play"}, fp_run)
    add("gs-sfp-bos", BOS, {"name": "smoothed_fictitious_play", "temperature": 0.05}, fp_run)
    add("gs-rmp-r5", R5, {"name": "regret_matching_plus"}, one_run)
    add("gs-fp-r5", R5, {"name": "fictitious_play"}, fp_run)
    dsbr_run = _run(bias_steps, cfg["fp_seeds"], (*JOINT, "equilibrium_distance"))
    add("gs-dsbr-r5", R5, {"name": "dsbr", "temperature": 0.05}, dsbr_run)
    add("gs-dsbr-shapley", {"name": "shapley_game"}, {"name": "dsbr", "temperature": 0.05}, dsbr_run)
    for k, game in enumerate(TWO_BY_N):
        add(f"gs-fp-2x4-{k}", game, {"name": "fictitious_play"},
            _run(cfg["fp_steps"], cfg["fp_seeds"], ("nash_gap", "equilibrium_distance")))
    return out


def _bias(tau: float, n_actions: int) -> float:
    return 2.0 * tau * float(np.log(n_actions))


def _slope_over(steps, decades=2):
    """The statistic of a rate claim: the least-squares slope of log(mean over seeds) against log(samples) over the
    last ``decades`` decades of records."""
    return lambda v: fitted_slope(steps, v.mean(axis=0), decades=decades)


def _rate_claims(data: StudyData, role: str, control: str, metric: str, key: str, what: str) -> list[Claim]:
    steps, values = data.metric(role, metric)
    h = RATE_STEPS["h"]
    shape = fitted_slope(steps, 1.0 / (steps + h), decades=2)
    text = (f"{what}: slope of log mean {metric} vs log samples over the last two decades "
            f"(harmonic α/(k+h), α={RATE_STEPS['a']:g}, h={h:g})")
    claim = Claim.bootstrap(text, values, _slope_over(steps), "<=", RATE_BOUND, headline=True, key=key,
                            detail=f"threshold: half way between the theorem's K^-1 and K^-1/2; the theorem's "
                                   f"1/(K+h) has slope {shape:.3f} over these records; {metric} at the first record "
                                   f"{values[:, 0].mean():.3g}, at the last {values[:, -1].mean():.3g}")
    csteps, cvalues = data.metric(control, metric)
    ctl = Claim.bootstrap(f"{what} with constant steps α=0.01 (the theorem's decaying steps removed): the same slope",
                          cvalues, _slope_over(csteps), "<=", RATE_BOUND, control_of=key,
                          detail=f"{metric} at the first record {cvalues[:, 0].mean():.3g}, at the last "
                                 f"{cvalues[:, -1].mean():.3g}")
    return [claim, ctl]


def analyze(size: str, data: StudyData) -> StudyResult:
    import pandas as pd

    cfg = size_config(SIZES, size)
    size_of = SIZE_OF
    claims: list[Claim] = []

    # 1. the bias within 10^6 samples (constant steps, default ratio), with the step-ratio control at τ = 0.05
    # With constant steps Theorem 2.1 bounds the level the gap settles at; it has settled over the last decade of
    # samples, so each seed's mean over those records estimates that level with far less noise than its last record
    for g in ("brps", "r10"):
        for tau in (0.1, 0.05):
            steps, values = data.metric(f"dsbr-{tau}-{g}")
            settled = values[:, steps >= steps[-1] / 10].mean(axis=1)
            headline = tau == 0.05
            claims.append(Claim.over_seeds(
                f"[1] Thm 2.1: mean Nash gap over samples {steps[-1] / 10:.0e}..{steps[-1]:.0e} (constant steps, "
                f"settled) < 2τ log A ({GAMES[g]['name']}, τ={tau})", settled, "<", _bias(tau, size_of[g]),
                detail=f"threshold: the theorem's bias term; c={default_policy_rate_ratio(tau):g}, constant α=0.01; "
                       f"gap at the uniform start {values[:, 0].mean():.3g} (first record), last record alone "
                       f"{values[:, -1].mean():.3g}", headline=headline, key=f"bias-{g}" if headline else ""))
            if headline:
                steps, values = data.metric(f"dsbr-c{CONTROL_RATIO}-{g}")
                settled = values[:, steps >= steps[-1] / 10].mean(axis=1)
                claims.append(Claim.over_seeds(
                    f"step ratio c={CONTROL_RATIO} (10x the default; outside Theorem 2.1's c ∝ τ³ at τ=0.05): the "
                    f"same settled gap ({GAMES[g]['name']})", settled, "<", _bias(0.05, size_of[g]),
                    control_of=f"bias-{g}"))

    # 2. the settled gap shrinks with τ: fitted exponent over τ = 0.1, 0.05, 0.02 (same seeds, resampled jointly)
    taus = (0.1, 0.05, 0.02)
    settled_rows = []
    for tau in taus:
        steps, values = data.metric(f"dsbr-{tau}-r10")
        settled_rows.append(values[:, steps >= steps[-1] / 10].mean(axis=1))
    joint = np.stack(settled_rows, axis=1)  # seeds x temperatures

    def exponent(v):
        return float(np.polyfit(np.log(taus), np.log(v.mean(axis=0)), 1)[0])

    claims.append(Claim.bootstrap("the settled Nash gap shrinks with τ: fitted exponent of the gap in τ over τ = 0.1, "
                                  "0.05, 0.02 (random 10x10, default c)", joint, exponent, ">", 0.0,
                                  detail="at the uniform start every τ has the same gap (exponent 0); settled gaps "
                                         + ", ".join(f"τ={t:g}: {m:.3g}" for t, m in zip(taus, joint.mean(axis=0)))))
    tau_table = pd.DataFrame([{"temperature": t, "bias": _bias(t, 10), "policy_rate_ratio": default_policy_rate_ratio(t),
                               "samples": int(data.metric(f"dsbr-{t}-r10")[0][-1]), "settled_gap": float(m)}
                              for t, m in zip(taus, joint.mean(axis=0))])

    # 3. the O(1/K) rate of the regularized gap with harmonic steps, and its constant-step control
    rate_gap = f"regularized_nash_gap_{RATE_TAU:g}"
    claims += _rate_claims(data, "dsbr-rate-brps", "dsbr-rate-constant-brps", rate_gap, "rate",
                           f"[1] Thm 2.1(2): NG_τ decays like 1/K (biased RPS, τ={RATE_TAU}, c={RATE_RATIO:.3g})")
    steps, values = data.metric("dsbr-rate-r10", rate_gap)
    claims.append(Claim.bootstrap(
        f"[1] Thm 2.1(2) on the random 10x10 game (τ={RATE_TAU}, c={theorem_ratio(RATE_TAU, 10):.3g} from "
        f"c ∝ τ³/A_max²): the same slope", values, _slope_over(steps), "<=", RATE_BOUND,
        detail=f"{rate_gap} from {values[:, 0].mean():.3g} to {values[:, -1].mean():.3g}"))

    # 4. rationality against a stationary opponent
    row_gap = f"row_regularized_gap_{RATE_TAU:g}"
    claims += _rate_claims(data, "rational-harmonic-brps", "rational-constant-brps", row_gap, "rational",
                           f"[1] rationality: against the fixed opponent y={OPPONENT}, τ KL(π ‖ σ_τ(A y)) decays "
                           f"like 1/K (biased RPS)")

    # 5. comparison dynamics
    zs = data.metric("fp-r10")[1]
    sh = data.metric("fp-shapley")[1]
    claims.append(Claim.over_seeds(f"fictitious play's gap falls on a zero-sum game: final mean gap after "
                                   f"{cfg['fp_steps']:.0e} rounds", zs[:, -1], "<", 0.05,
                                   detail=f"gap at the first record {zs[:, 0].mean():.3g}"))
    claims.append(Claim("fictitious play does not converge on Shapley's game: smallest gap over the second half",
                        float(sh[:, RECORDS // 2:].min()), ">", 0.2))
    sfp = data.metric("sfp-r10", "regularized_nash_gap_0.05")[1]
    claims.append(Claim.over_seeds("smoothed fictitious play reaches the logit equilibrium: final regularized gap "
                                   "(τ=0.05, random 10x10)", sfp[:, -1], "<", 1e-3,
                                   detail=f"regularized gap at the first record {sfp[:, 0].mean():.3g}"))
    eg = data.metric("extragradient-r10")[1]
    omwu = data.metric("omwu-r10")[1]
    # extragradient is deterministic (full information, a fixed start): one run, no interval to take
    claims.append(Claim("extragradient's last iterate reaches the equilibrium (random 10x10, η=0.1, deterministic): "
                        "final gap", float(eg[:, -1].max()), "<", 1e-3,
                        detail=f"gap at the first record {eg[:, 0].max():.3g}; optimistic MWU (η=0.1) ends at "
                               f"{omwu[:, -1].mean():.3g}"))

    general, general_table = _general_sum_claims(data)
    claims += general

    frame = data.curves()
    return StudyResult(name="matrix-games", size=size, claims=claims,
                       tables={"curves": frame, "temperatures": tau_table, "general_sum": general_table},
                       figures={"nash_gap": _figure(frame)})


def _regret_bound(game: dict, steps: float) -> float:
    """Regret matching+'s bound on the ε of its joint play after ``steps`` rounds: ``Δ √(A_max / T)``."""
    from ..games.catalog import make

    g = make(**game)
    spread = max(float(np.ptp(g.row_payoffs)), float(np.ptp(g.col_payoffs)))
    return spread * float(np.sqrt(max(g.shape) / steps))


def _general_sum_claims(data: StudyData):
    import pandas as pd

    from ..equilibria.correlated import correlated_gap
    from ..equilibria.vertex_enumeration import vertex_enumeration
    from ..games.catalog import make

    claims = []
    # 6. [hannan]: regret matching+'s joint play against its regret bound; fictitious play's as the control
    for role, game, headline in (("gs-rmp-bos", BOS, True), ("gs-rmp-r5", R5, False)):
        steps, values = data.metric(role, "cce_gap")
        bound = _regret_bound(game, steps[-1])
        g = make(**game)
        start = float(correlated_gap(g.row_payoffs, g.col_payoffs, np.outer(*(np.full(k, 1.0 / k) for k in g.shape)),
                                     coarse=True))
        claims.append(Claim(
            f"no regret: regret matching+'s joint play after {steps[-1]:.0e} rounds is an ε-CCE with ε <= Δ√(A/T) "
            f"({game['name']})", float(values[:, -1].max()), "<=", bound, headline=headline,
            key="hannan" if headline else "",
            detail=f"threshold: the regret bound of regret matching+ (Tammelin et al. 2015) at T={steps[-1]:.0f}; "
                   f"deterministic, one run; ε of the uniform play it starts from {start:.3g}, at the first record "
                   f"{values[:, 0].max():.3g}; ce_gap at the last "
                   f"{data.metric(role, 'ce_gap')[1][:, -1].max():.3g}"))
    steps, values = data.metric("gs-fp-bos", "cce_gap")
    claims.append(Claim.over_seeds(
        f"fictitious play (best responses, not Hannan consistent) on the same game: the same ε after "
        f"{steps[-1]:.0e} rounds", values[:, -1], "<=", _regret_bound(BOS, steps[-1]), control_of="hannan",
        detail=f"seeds that start mismatched miscoordinate for ever: {int((values[:, -1] > 0.1).sum())} of "
               f"{len(values)}"))

    # 7. [fp-2xn]: fictitious play's distance to the certified equilibria of non-degenerate 2 x n games
    games = [make(**g) for g in TWO_BY_N]
    degenerate = vertex_enumeration(np.stack([g.row_payoffs for g in games]),
                                    np.stack([g.col_payoffs for g in games])).degenerate
    curves = [data.metric(f"gs-fp-2x4-{k}", "equilibrium_distance") for k in range(len(TWO_BY_N))]
    steps = curves[0][0]
    joint = np.stack([v for _, v in curves], axis=1)              # seeds x games x records

    def slowest(v):
        return max(fitted_slope(steps, v[:, k].mean(axis=0), decades=2) for k in range(v.shape[1]))

    claims.append(Claim.bootstrap(
        "Berger (2005): fictitious play converges in non-degenerate 2 x n games: slowest slope of log mean distance "
        "to the nearest certified equilibrium vs log rounds, last two decades (eight random 2x4 games)",
        joint, slowest, "<=", FP_BOUND, headline=True, key="fp-2xn",
        detail=f"threshold: half way between no convergence (0) and T^-1/2; degenerate games among them: "
               f"{int(np.sum(degenerate))}; mean distance at the first record "
               f"{joint[:, :, 0].mean():.3g}, at the last {joint[:, :, -1].mean():.3g}"))
    steps, values = data.metric("fp-shapley", "equilibrium_distance")
    claims.append(Claim.bootstrap(
        "fictitious play on Shapley's 3x3 game (outside the theorem): the same slope", values,
        _slope_over(steps), "<=", FP_BOUND, control_of="fp-2xn",
        detail=f"mean distance to the unique certified equilibrium at the first record {values[:, 0].mean():.3g}, "
               f"at the last {values[:, -1].mean():.3g}"))

    rows = []
    for role in ("fp-shapley", "gs-dsbr-shapley", "gs-fp-bos", "gs-sfp-bos", "gs-rmp-bos", "gs-fp-r5", "gs-rmp-r5",
                 "gs-dsbr-r5"):
        row = {"run": role}
        for metric in ("nash_gap", "equilibrium_distance", "cce_gap", "ce_gap"):
            row[metric] = float(data.metric(role, metric)[1][:, -1].mean())
        rows.append(row)
    return claims, pd.DataFrame(rows)


def _figure(frame):
    games = {"biased rock-paper-scissors": "-brps", "random zero-sum 10x10": "-r10", "Shapley's game": "-shapley"}
    biases = {"-brps": 3, "-r10": 10}
    fig, axes = panels(3, height=3.4)
    gaps = frame[frame.metric == "nash_gap"]
    colors = method_colors(run[: -len(suffix)] for suffix in games.values() for run in gaps.run.unique()
                           if run.endswith(suffix))
    for ax, (title, suffix) in zip(axes, games.items()):
        for run, sub in gaps[gaps.run.str.endswith(suffix)].groupby("run", sort=False):
            floor = 1e-9  # exact zeros (extragradient's last iterate) drawn at the floor of the log axis
            plot_band(ax, sub.step, sub["mean"].clip(floor), sub.q10.clip(floor), sub.q90.clip(floor),
                      run[: -len(suffix)], color=colors[run[: -len(suffix)]])
        if suffix in biases:
            for tau in (0.1, 0.05, 0.02):
                ax.axhline(_bias(tau, biases[suffix]), color="grey", linestyle=":", linewidth=0.8)
        style_axis(ax, title, "Nash gap", xlabel="samples / iterations")
    fig.suptitle("Nash gap: mean over seeds, band 10%–90%; grey dotted: DSBR's bias 2τ log A at τ = 0.1, 0.05, 0.02",
                 fontsize=10)
    return finish_figure(fig)


STUDY = Study(name="matrix-games",
              title="Learning dynamics on zero-sum matrix games: DSBR (Algorithm 1, Thm 2.1) and baselines",
              paper="[1] arXiv 2303.03100", points=points, analyze=analyze, sizes=SIZES)
