"""Study ``tolls``: a planner learns road tolls without knowing the travellers' demand or learning rule, [4].

[4] Maheshwari, Cheng, Sastry, Ratliff, Mazumdar. Follower agnostic methods for Stackelberg games (arXiv 2302.01421).

The leader (the planner) minimizes the total travel time ``Σ_e v_e t_e(v_e)`` over link tolls in a box; the
followers are travellers who adapt to the tolls by moving flow from costlier to cheaper paths
(:class:`~stratlearn.learners.followers.RoutingFollowers`). The leader sees them only through ``respond``: in every
run here they are wrapped so that any other access fails, so the demand is never read. References: the system
optimum and the marginal-cost tolls (both computed with the demand, which the leader does not have), the oracle
that descends along the exact hypergradient (implicit differentiation of the user equilibrium, knowing the demand;
:func:`~stratlearn.learners.follower_agnostic.oracle_toll_descent`), and the zeroth-order baseline that uses the
responses only through the observed travel time.

* Pigou: the learned toll approaches 1/2 and the price of anarchy 4/3 disappears, with the two-loop leader and with
  the single-loop two-timescale one (Frank-Wolfe travellers, who can be restarted from given flows);
* Braess: the learned tolls reach the system optimum's travel time; the leader's hypergradient estimate against
  the exact one; stationarity (the gradient mapping with the exact hypergradient) within projected gradient
  descent's bound ``min_{j<K} ‖G_j‖ ≤ √(2(F(x₀) − F_SO)/(ηK))`` and falling at least at its rate ``k^{-1/2}``
  (fitted slope of the running minimum); controls: the zeroth-order leader's estimate, the myopic leader;
* Sioux Falls (76 tolls, demand hidden): travel time against leader iterations, within 1% of the system optimum,
  against the oracle and the zeroth-order baseline at the same number of leader iterations. A map of the network
  coloured by the learned toll and by the flow.
"""

from __future__ import annotations

import numpy as np

from ..plots import finish_figure, method_colors, panels
from ..experiments.points import register_kind
from .base import Claim, Study, StudyData, StudyResult, fitted_slope, size_config

# Sioux Falls leader runs: one follower-agnostic (and one zeroth-order) run per seed. Each costs 20 to 40 s on 2 cores
# (the path-based followers answer every probe), so the quick size runs one seed and its verdict is checked at three
# seed offsets by benchmarks/verdicts.py; the full size decides on a 95% interval over five seeds. 30 iterations:
# after 20 the follower-agnostic leader measured 1.0076, 1.0102 and 1.0118 of the optimum on seeds 0, 1 and 2 (the 1%
# claim held on one seed in three); after 30, 1.0071 and 1.0089 on seeds 1 and 2.
SIZES = {"quick": {"iterations": 30, "zeroth_order": 30, "seeds": 1, "online_seeds": 4, "braess_seeds": 4},
         "full": {"iterations": 60, "zeroth_order": 60, "seeds": 5, "online_seeds": 8, "braess_seeds": 8,
                  "large": "Winnipeg"}}

# The larger network of the full size (issue: Braess, Sioux Falls and one larger network). Winnipeg has 2,836 links,
# each tolled; it does not ship with stratlearn (`stratlearn data fetch Winnipeg`), so the claim is SKIPped where it is
# not found. Each leader iteration posts 8 probes and re-settles after each (10 follower steps apiece: 5 left the
# response moving by 3.6%, against a 2% tolerance); the exact hypergradient costs 40-60 s per iterate, so the runs are
# short: 6 iterations, the estimate compared over the later half, on 10 seeds (about 6 minutes each on 2 cores). The
# exact hypergradient is solved to a relative gap of 1e-7 (1e-8 took more than 2000 gradient-projection iterations
# at one seed's tolls), ample for cosines of order 1e-2.
LARGE = {"iterations": 6, "seeds": 10, "probes": 8, "follower_steps": 10, "first_steps": 100, "tolerance": 0.02}

# Measured 2026-12-07 at the full size with 4 seeds: every seed's median cosine was positive (0.014, 0.003, 0.016,
# 0.034), but their mean's 95% t interval, [-0.004, 0.038], did not exclude 0 (ceiling about 0.12 for a perfect
# estimate from the ~40 probes it rests on), so the full size now decides on 10 seeds.
LARGE_XFAIL = ""


def _leader(role, network, method, *, rule="paths", seed=0, estimate=None, **leader):
    """A point of kind ``"leader"`` (the kind ``stratlearn tolls`` runs): ``network`` a ``[network]`` table, ``leader``
    the method's keywords; ``estimate`` (``{"estimate_from": k, "exact_gap": g, ...}``) also records the estimate
    against the exact hypergradient from iteration ``k`` on."""
    from ..experiments.configs.tolls import tolls_point

    raw = {"network": network, "followers": {"rule": rule}, "leader": {"method": method, "seed": seed, **leader}}
    extra = {"metrics": ("travel_time", "estimate"), **estimate} if estimate is not None else {}
    return tolls_point(raw, tags={"role": role}, **extra)


PIGOU = {"name": "pigou"}
BRAESS = {"name": "braess"}
SIOUX_FALLS = {"name": "SiouxFalls", "packaged": True}   # always the copy packaged with stratlearn: nothing to fetch


def points(size: str) -> list:
    """Every leader run of the study, a point of kind ``"leader"`` each (stored, resumed and run on Ray like any
    point); the estimate's accuracy against the exact hypergradient is recorded by the runs themselves. The exact
    references (system optima, user equilibria, marginal-cost tolls) are one point of the study's own kind."""
    from ..games.tntp import locate_tntp
    from .base import part_point

    cfg = size_config(SIZES, size)
    pigou_box = {"lower": 0.0, "upper": 2.0}
    out = [_leader("pigou", PIGOU, "follower_agnostic", iterations=40, step_size=0.5, probes=2, radius=0.05,
                   follower_steps=20, **pigou_box),
           _leader("pigou-myopic", PIGOU, "myopic", iterations=40, step_size=0.5, follower_steps=20, **pigou_box),
           _leader("pigou-two-timescale", PIGOU, "two_timescale", rule="frank_wolfe", iterations=400, step_size=0.05,
                   first_steps=20, final_steps=500, tolerance=1e-4, **pigou_box)]
    # the single-loop leader that only posts tolls and observes flows, against path-remembering travellers
    out += [_leader(f"pigou-online:{k}", PIGOU, "online", seed=k, iterations=2000, step_size=0.02, dither=0.005,
                    **pigou_box) for k in range(cfg["online_seeds"])]
    # Braess: the estimate against the exact hypergradient (implicit differentiation, knows the demand) at every
    # iterate; controls: the myopic leader, and the zeroth-order leader, which uses the responses only through the
    # travel time (no response Jacobian: [4]'s key ingredient removed), same iterations, step, probe radius and seeds
    braess_box = {"lower": 0.0, "upper": 50.0}
    exact = {"estimate_from": 0, "exact_gap": 1e-12}
    out += [_leader(f"braess:{k}", BRAESS, "follower_agnostic", seed=k, estimate=exact, iterations=BRAESS_K,
                    step_size=BRAESS_ETA, probes=3, radius=0.1, follower_steps=30, **braess_box)
            for k in range(cfg["braess_seeds"])]
    out.append(_leader("braess-myopic", BRAESS, "myopic", estimate=exact, iterations=BRAESS_K, step_size=BRAESS_ETA,
                       follower_steps=30, **braess_box))
    out += [_leader(f"braess-zeroth-order:{k}", BRAESS, "zeroth_order", seed=k, estimate=exact,
                    iterations=BRAESS_K, step_size=BRAESS_ETA, radius=0.1, follower_steps=30, **braess_box)
            for k in range(cfg["braess_seeds"])]
    # Sioux Falls, demand hidden: the estimate over the later half of each run; the oracle; the zeroth-order baseline;
    # and the probes not re-settled (the travellers remember their paths, so each probe would start where the
    # previous one left them)
    sf = {"lower": 0.0, "upper": 100.0, "step_size": 1e-4, "radius": 0.5, "follower_steps": 5, "first_steps": 80,
          "tolerance": 1e-2}
    late = {"estimate_from": cfg["iterations"] // 2, "exact_gap": 1e-8}
    for k in range(cfg["seeds"]):
        out.append(_leader(f"sioux-falls:{k}", SIOUX_FALLS, "follower_agnostic", seed=k, estimate=late,
                           iterations=cfg["iterations"], probes=8, **sf))
        out.append(_leader(f"sioux-falls-zeroth-order:{k}", SIOUX_FALLS, "zeroth_order", seed=k,
                           iterations=cfg["zeroth_order"], **{**sf, "step_size": ZO_STEP}))
    out.append(_leader("sioux-falls-not-resettled", SIOUX_FALLS, "follower_agnostic", estimate=late,
                       iterations=cfg["iterations"], probes=8, resettle=False, **sf))
    out.append(_leader("sioux-falls-oracle", SIOUX_FALLS, "oracle", iterations=cfg["iterations"], step_size=1e-4,
                       gap=1e-6, lower=0.0, upper=100.0))      # deterministic: one run
    out.append(part_point(KIND, "references", {}))      # the exact references: system optima, user equilibria
    large = cfg.get("large")
    if large and locate_tntp(large) is not None:          # not on this machine: the claim is SKIPped in analyze
        L = LARGE
        out += [_leader(f"large:{k}", {"name": large}, "follower_agnostic", seed=k,
                        estimate={"estimate_from": L["iterations"] // 2, "exact_gap": 1e-7,
                                  "exact_iterations": 10_000},
                        iterations=L["iterations"], step_size=1e-4, probes=L["probes"], radius=0.5,
                        follower_steps=L["follower_steps"], first_steps=L["first_steps"], tolerance=L["tolerance"],
                        lower=0.0, upper=100.0)
                for k in range(L["seeds"])]
    return out


BRAESS_K, BRAESS_ETA = 60, 0.05


KIND = "tolls"


def run(point, progress: bool = False):
    """The runner of the study's own kind ``"tolls"`` (its one part: the exact references)."""
    from .base import run_part

    return run_part({"references": _part_references}, point, progress)


def _part_references(size, seed):
    """The exact references, which know the demand: the system optimum of Pigou and Braess, and on Sioux Falls the
    system optimum, the user equilibrium without tolls and under the marginal-cost tolls, and those tolls."""
    from ..equilibria.wardrop import marginal_cost_tolls, system_optimum, user_equilibrium
    from ..games.routing import braess, load_tntp, pigou
    from ..games.tntp import packaged_tntp

    out = {"pigou_optimum": system_optimum(*pigou(), gap=1e-12).tstt,
           "braess_optimum": system_optimum(*braess(), gap=1e-12).tstt}
    net, dem = load_tntp(packaged_tntp("SiouxFalls"))
    optimum = system_optimum(net, dem, gap=1e-6)           # travel times to ~2e-5: ample for 1% claims
    marginal = marginal_cost_tolls(net, optimum.flow)
    out.update({"sioux_falls_optimum": optimum.tstt, "sioux_falls_marginal_tolls": marginal,
                "sioux_falls_user_equilibrium": user_equilibrium(net, dem, gap=1e-6).tstt,
                "sioux_falls_tolled": user_equilibrium(net, dem, tolls=marginal, gap=1e-6).tstt})
    return out


def _accuracy(data: StudyData, role: str) -> dict:
    """The stored estimate of the run ``role`` against the exact hypergradient at its iterates: the relative error
    and the cosine (their medians over the later half of the iterations recorded), and stationarity, the gradient
    mapping ``‖x_k − Π(x_k − η∇F(x_k))‖/η`` (its minimum, and the first iteration below 1% of its first value)."""
    ks, rel = data.metric(role, "estimate_relative_error")
    _, cos = data.metric(role, "estimate_cosine")
    _, stat = data.metric(role, "stationarity")
    ks, rel, cos, stat = [int(k) for k in ks], rel[0], cos[0], stat[0]
    half = len(ks) // 2
    below = [k for k, v in zip(ks, stat) if v <= 0.01 * stat[0]]
    return {"rel": float(np.median(rel[half:])), "cos": float(np.median(cos[half:])), "rel_first": float(rel[0]),
            "stationarity": float(stat.min()), "stationarity_all": stat, "stationarity_first": float(stat[0]),
            "first_below": below[0] if below else ks[-1] + 1}


def _cost(data: StudyData, role: str) -> np.ndarray:
    """The total travel time at every leader iteration of the run ``role``."""
    return data.metric(role, "travel_time")[1][0]


def _toll(data: StudyData, role: str) -> float:
    """Pigou's learned toll: the congestible link's toll relative to the other's."""
    tolls = data.info(role)["tolls"]
    return float(tolls[1] - tolls[0])


def analyze(size: str, data: StudyData) -> StudyResult:
    """The claims from the stored runs (analysis only: every leader run and every exact reference is a point)."""
    import pandas as pd

    from ..games.routing import load_tntp

    cfg = size_config(SIZES, size)
    claims, rows, curves = [], [], {}
    ref = data.arrays("references")
    steps = {role: data.info(role)["follower_steps"] for role in data.roles() if role != "references"}
    # Pigou
    so = float(ref["pigou_optimum"])
    cost, toll = _cost(data, "pigou"), _toll(data, "pigou")
    claims.append(Claim("Pigou: the learned toll (on the congestible link, relative to the other) approaches 1/2: "
                        "|toll − 1/2|", abs(toll - 0.5), "<=", 1e-3, detail=f"toll {toll:.6f}"))
    poa = "Pigou: the price of anarchy 4/3 disappears: travel time at the learned toll / system optimum"
    claims.append(Claim(poa, cost[-1] / so, "<=", 1 + 1e-6, detail=f"at zero toll {cost[0] / so:.4f}",
                        headline=True, key="pigou-poa"))
    rows.append({"network": "Pigou", "method": "follower-agnostic", "iterations": 40,
                 "tstt_over_so": cost[-1] / so, "follower_steps": steps["pigou"]})
    myopic = _cost(data, "pigou-myopic")
    claims.append(Claim(poa.replace("Pigou:", "Pigou, control: a myopic leader (descends the direct derivative "
                                    "only, ignoring the travellers' response):"), myopic[-1] / so, "<=",
                        1 + 1e-6, detail="the toll never moves: total travel time does not depend on the toll "
                        "directly", control_of="pigou-poa"))
    rows.append({"network": "Pigou", "method": "myopic (control)", "iterations": 40,
                 "tstt_over_so": myopic[-1] / so, "follower_steps": steps["pigou-myopic"]})
    single, toll = _cost(data, "pigou-two-timescale"), _toll(data, "pigou-two-timescale")
    claims.append(Claim("Pigou, single-loop two-timescale leader (one follower step per iteration; its probes "
                        "start the travellers from flows it chooses): |toll − 1/2|",
                        abs(toll - 0.5), "<=", 1e-3,
                        detail=f"toll {toll:.6f}, travel time / optimum {single[-1] / so:.6f}, "
                        f"{steps['pigou-two-timescale']} follower steps (two-loop: {steps['pigou']})"))
    rows.append({"network": "Pigou", "method": "follower-agnostic, two-timescale", "iterations": 400,
                 "tstt_over_so": single[-1] / so, "follower_steps": steps["pigou-two-timescale"]})
    online = data.roles("pigou-online:")
    errors = np.array([abs(_toll(data, r) - 0.5) for r in online])
    online_final = float(np.mean([_cost(data, r)[-1] for r in online])) / so
    claims.append(Claim.over_seeds(
        "Pigou, single-loop leader that only posts tolls and observes flows (one follower step per iteration, "
        "travellers who remember their paths): |toll − 1/2|", errors, "<=", 1e-3,
        detail=f"travel time / optimum {online_final:.6f}; 2000 iterations, "
        f"{steps[online[0]]} follower steps per run; fits the travellers' linearized update from its own "
        "dithered tolls"))
    rows.append({"network": "Pigou", "method": "follower-agnostic, single loop, observe only", "iterations": 2000,
                 "tstt_over_so": online_final, "follower_steps": steps[online[0]]})
    # Braess
    so = float(ref["braess_optimum"])
    runs, blind = data.roles("braess:"), data.roles("braess-zeroth-order:")
    cost = _cost(data, runs[0])
    tolls = data.info(runs[0])["tolls"]
    claims.append(Claim("Braess: learned tolls reach the system optimum: travel time / system optimum",
                        cost[-1] / so, "<=", 1 + 1e-4,
                        detail=f"552 at zero tolls, {cost[-1]:.4f} learned, optimum {so:.1f}; tolls "
                        + ", ".join(f"{t:.2f}" for t in tolls)))
    rows.append({"network": "Braess", "method": "follower-agnostic", "iterations": BRAESS_K,
                 "tstt_over_so": cost[-1] / so, "follower_steps": steps[runs[0]]})
    # the hypergradient estimate against the exact one, and stationarity, along the run (over seeds)
    eta, K = BRAESS_ETA, BRAESS_K
    acc = [_accuracy(data, r) for r in runs + ["braess-myopic"]]
    blind_rel = np.array([_accuracy(data, r)["rel"] for r in blind])
    rel, stat = np.array([a["rel"] for a in acc]), np.array([a["stationarity"] for a in acc])
    claims.append(Claim.over_seeds(
        "Braess: the leader's hypergradient estimate against the exact one (implicit differentiation, knows the "
        "demand), median over the last half of the run of ‖ĝ − ∇F‖/‖∇F‖ < 1 (the inexact-gradient condition: "
        "−ĝ is then a descent direction)", rel[:-1], "<", 1.0, headline=True, key="braess-estimate",
        detail=f"cosine (mean of the seeds' medians) {np.mean([a['cos'] for a in acc[:-1]]):.6f}; at the start "
        f"{acc[0]['rel_first']:.3f}; the myopic leader's estimate (ĝ = ∇_x F = 0) has error 1 by definition"))
    claims.append(Claim.over_seeds(
        "Braess, control: the zeroth-order leader's estimate (two-point differences of the observed travel time; "
        "no response Jacobian): same relative error", blind_rel, "<", 1.0, control_of="braess-estimate",
        detail=f"same iterations, step, probe radius and seeds; its travel time ends "
        f"{np.mean([_cost(data, r)[-1] for r in blind]) / so:.4f} of the optimum"))
    bound = float(np.sqrt(2 * (cost[0] - so) / (eta * K)))
    first = [a["first_below"] for a in acc[:-1]]
    claims.append(Claim.over_seeds(
        f"Braess: stationarity, min over the first {K} iterations of the projected exact hypergradient "
        f"‖x − Π(x − η∇F)‖/η, within projected gradient descent's bound √(2(F(x₀) − F_SO)/(ηK))",
        stat[:-1], "<=", bound, headline=True, key="braess-stationarity",
        detail=f"at the start {acc[0]['stationarity_first']:.3f}; falls below 1% of its start after "
        f"{min(first)}–{max(first)} iterations (the response is piecewise linear, so the descent is finite); "
        f"bound {bound:.3f} with F(x₀) − F_SO = {cost[0] - so:.1f}, η = {eta}"))
    claims.append(Claim("Braess, control: the myopic leader's stationarity, same bound", float(stat[-1]), "<=",
                        bound, control_of="braess-stationarity", detail="it never moves; deterministic (no probes)"))
    # the rate: projected gradient descent's bound min_{j<k} ‖G_j‖ ≤ √(2(F(x₀) − F_SO)/(ηk)) falls like k^{-1/2}; the
    # log-log slope of the running minimum (mean over seeds) over the run must be at least that steep. The mean curve,
    # not per-seed slopes: the descent is finite, and a seed whose mapping reaches rounding level has a slope of −10
    ks = np.arange(1, K + 1)
    running = np.array([np.minimum.accumulate(a["stationarity_all"][:K]) for a in acc])

    def mean_slope(v):
        return fitted_slope(ks, v.mean(axis=0))

    claims.append(Claim.bootstrap(
        f"Braess: stationarity's rate, the fitted log-log slope of min_(j<k) ‖x_j − Π(x_j − η∇F)‖/η (mean over seeds) "
        f"against k = 1..{K}, at least projected gradient descent's k^(-1/2)", running[:-1], mean_slope, "<=", -0.5,
        headline=True, key="braess-rate", detail="threshold: the exponent of the bound above; the response is "
        "piecewise linear, so the descent is finite and the fitted slope steeper than the bound's"))
    claims.append(Claim("Braess, control: the myopic leader's running minimum, same slope",
                        mean_slope(running[-1:]), "<=", -0.5, control_of="braess-rate", detail="it never moves"))
    # Sioux Falls, demand hidden (always the copy packaged with stratlearn: no download, no skipped claim)
    from ..games.tntp import packaged_tntp

    folder = packaged_tntp("SiouxFalls")
    figures = {}
    net, _ = load_tntp(folder)                             # for the map: the links' ends
    so, ue, tolled = (float(ref[k]) for k in ("sioux_falls_optimum", "sioux_falls_user_equilibrium",
                                               "sioux_falls_tolled"))
    fa_roles, zo_roles = data.roles("sioux-falls:"), data.roles("sioux-falls-zeroth-order:")
    fa, zo, oracle = _cost(data, fa_roles[0]), _cost(data, zo_roles[0]), _cost(data, "sioux-falls-oracle")
    acc = [_accuracy(data, r) for r in fa_roles]
    acc_biased = _accuracy(data, "sioux-falls-not-resettled")
    biased = _cost(data, "sioux-falls-not-resettled")
    fa_final = np.array([_cost(data, r)[-1] / so for r in fa_roles])
    zo_final = np.array([_cost(data, r)[-1] / so for r in zo_roles])
    vs_zo = (fa_final - 1) / np.maximum(zo_final - 1, 1e-12)
    vs_oracle = (fa_final - 1) / max(oracle[-1] / so - 1, 1e-12)

    def claim(text, values, comparison, threshold, detail, xfail=""):
        if len(values) >= 2:
            return Claim.over_seeds(text, values, comparison, threshold, detail=detail, xfail=xfail)
        return Claim(text, float(values[0]), comparison, threshold, seeds=1, xfail=xfail,
                     detail=detail + "; one leader run (seed offset shifts it; benchmarks/verdicts.py checks three)")

    fa_steps, fa_wall = steps[fa_roles[0]], data.info(fa_roles[0])["wall_time"]
    claims.append(claim(f"Sioux Falls, demand hidden: travel time after {cfg['iterations']} leader iterations "
                        "/ system optimum", fa_final, "<=", 1.01,
                        f"user equilibrium (no tolls) {ue / so:.4f}; marginal-cost tolls "
                        f"{tolled / so:.6f}; {fa_steps} follower steps, {fa_wall:.0f} s per run"))
    claims.append(claim("Sioux Falls: follower-agnostic excess travel time / zeroth-order baseline's, same "
                        "leader iterations and seed", vs_zo, "<", 1.0,
                        f"zeroth-order {zo_final.mean():.4f} of the optimum"))
    claims.append(claim("Sioux Falls: follower-agnostic excess travel time / the oracle's (exact hypergradient, "
                        "knows the demand), same leader iterations and step", vs_oracle, "<=", 1.25,
                        f"oracle {oracle[-1] / so:.4f} of the optimum in "
                        f"{data.info('sioux-falls-oracle')['wall_time']:.0f} s"))
    cos_seeds, rel_seeds = [a["cos"] for a in acc], [a["rel"] for a in acc]
    claims.append(claim("Sioux Falls: the leader's hypergradient estimate points downhill: median cosine with the "
                        "exact hypergradient over the later half of the run", cos_seeds, ">", 0.0,
                        f"probes re-settled: {acc[0]['cos']:.3f} (relative error {acc[0]['rel']:.3f}, "
                        f"{fa_steps} follower steps); probes not re-settled, same seed: "
                        f"{acc_biased['cos']:.3f} (relative error {acc_biased['rel']:.3f}, "
                        f"{steps['sioux-falls-not-resettled']} follower steps, travel time "
                        f"{biased[-1] / so:.4f} of the optimum)"))
    claims.append(claim("Sioux Falls: relative error of the estimate, median over the later half of the run, "
                        "‖ĝ − ∇F‖/‖∇F‖ < 1 (the inexact-gradient condition)", rel_seeds, "<", 1.0,
                        "8 probes of 5 follower steps per iteration, ridge fit over the last 304",
                        xfail="measured above 1 on Sioux Falls (about 1.1 to 1.6 along the run): with 5 "
                        "gradient-projection steps per probe the estimate keeps the right direction (cosine about "
                        "0.45) but not the inexact-gradient condition; on Braess, where the travellers settle "
                        "within a probe, the error is ~1e-7"))
    large_rows = []
    if cfg.get("large"):
        large_claim, large_rows = _larger_network(cfg["large"], data)
        claims.append(large_claim)
    accuracy_rows = [{"network": "Sioux Falls", "probes": "re-settled (default)", "seed": k,
                      "median_relative_error": a["rel"], "median_cosine": a["cos"],
                      "follower_steps": steps[fa_roles[k]]} for k, a in enumerate(acc)]
    accuracy_rows.append({"network": "Sioux Falls", "probes": "not re-settled", "seed": 0,
                          "median_relative_error": acc_biased["rel"], "median_cosine": acc_biased["cos"],
                          "follower_steps": steps["sioux-falls-not-resettled"]})
    accuracy_rows += large_rows
    for name, role, r in (("follower-agnostic", fa_roles[0], fa), ("oracle hypergradient", "sioux-falls-oracle",
                                                                    oracle), ("zeroth-order", zo_roles[0], zo)):
        rows.append({"network": "Sioux Falls", "method": name, "iterations": len(r) - 1,
                     "tstt_over_so": r[-1] / so, "follower_steps": steps[role]})
    rows.append({"network": "Sioux Falls", "method": "marginal-cost tolls (knows the demand)",
                 "tstt_over_so": tolled / so})
    rows.append({"network": "Sioux Falls", "method": "no tolls (user equilibrium)", "tstt_over_so": ue / so})
    curves = {"follower-agnostic": fa / so, "oracle hypergradient (knows the demand)": oracle / so,
              "zeroth-order": zo / so}
    figures["travel_time"] = _curves_figure(curves, ue / so)
    first = data.info(fa_roles[0])
    figures["map"] = _map_figure(folder, net, first["tolls"], first["flow"], ref["sioux_falls_marginal_tolls"])
    tables = {"summary": pd.DataFrame(rows), "estimate_accuracy": pd.DataFrame(accuracy_rows)}
    if curves:
        tables["curves"] = pd.DataFrame({"iteration": np.arange(len(curves["follower-agnostic"])),
                                         **{k: v for k, v in curves.items() if len(v) == len(
                                             curves["follower-agnostic"])}})
    return StudyResult(name="tolls", size=size, claims=claims, tables=tables, figures=figures)


def _larger_network(name: str, data: StudyData):
    """The hypergradient estimate against the exact one on a larger network (``LARGE``): the claim, SKIPped with
    the command that fetches the network where it is not on this machine, and the table's rows."""
    text = (f"{name}: the leader's hypergradient estimate points downhill on a larger network: median cosine with "
            "the exact hypergradient over the later half of the run")
    roles = data.roles("large:")
    if not roles:
        return Claim(text, float("nan"), ">", 0.0, skip=f"the {name} network is not on this machine: run "
                     f"`stratlearn data fetch {name}` (or set STRATLEARN_TNTP_DIR)"), []
    L = LARGE
    num_links = len(data.info(roles[0])["tolls"])
    accs, rows = [], []
    for k, role in enumerate(roles):
        acc, cost = _accuracy(data, role), _cost(data, role)
        accs.append(acc)
        rows.append({"network": name, "probes": "re-settled (default)", "seed": k, "median_relative_error": acc["rel"],
                     "median_cosine": acc["cos"], "follower_steps": data.info(role)["follower_steps"],
                     "travel_time_change": float(cost[-1] / cost[0] - 1.0)})
    # a perfect estimate from n probes in d dimensions is the exact gradient projected on the probed directions:
    # for directions in general position its cosine is about √(n/d) and its relative error √(1 − n/d)
    late = range(L["iterations"] // 2, L["iterations"])
    probed = int(L["probes"] * (np.median(list(late)) + 1))    # the estimate at iteration k rests on 8(k + 1)
    ceiling = np.sqrt(probed / num_links)
    claim = Claim.over_seeds(text, [a["cos"] for a in accs], ">", 0.0, xfail=LARGE_XFAIL, detail=(
        f"{num_links} tolls; relative error {np.median([a['rel'] for a in accs]):.3f} (median over seeds); a "
        f"perfect estimate from the ~{probed} probes it rests on at mid-half would reach a cosine of about {ceiling:.2f} "
        f"(relative error {np.sqrt(1 - ceiling ** 2):.2f}); {L['iterations']} iterations of {L['probes']} probes "
        f"with {L['follower_steps']} follower steps each; travel time "
        f"{np.mean([r['travel_time_change'] for r in rows]):+.2%} over the run"))
    return claim, rows


ZO_STEP = 1e-6     # the best of 1e-7, 1e-6 and 1e-5 on Sioux Falls after 20 iterations (1.0395, 1.0381, 1.0466)


def _curves_figure(curves, ue):
    fig, (ax,) = panels(1, width=8.0, height=4.0)
    colors = method_colors(curves)
    for name, values in curves.items():
        ax.plot(np.arange(len(values)), values, marker="o", ms=3, label=name, color=colors[name])
    ax.axhline(1.0, color="k", linestyle=":", label="system optimum (= marginal-cost tolls)")
    ax.axhline(ue, color="gray", linestyle="--", label="no tolls (user equilibrium)")
    ax.axhline(1.01, color="k", linestyle="-.", lw=0.8, label="1% above the optimum")
    ax.set_xlabel("leader iteration")
    ax.set_ylabel("total travel time / system optimum")
    ax.set_title("Sioux Falls: tolls learned without the demand")
    ax.grid(alpha=0.3)
    return finish_figure(fig, legend="axes")


def _node_coordinates(folder) -> dict[int, tuple[float, float]]:
    """Node coordinates from a TNTP ``*_node.tntp`` file (``node x y``; a header line and ``;`` ends allowed)."""
    xy = {}
    for line in (folder / "SiouxFalls_node.tntp").read_text().splitlines()[1:]:
        parts = line.replace(";", " ").split()
        if len(parts) >= 3:
            xy[int(parts[0])] = (float(parts[1]), float(parts[2]))
    return xy


def _map_figure(folder, net, tolls, flow, pigouvian):
    from matplotlib.collections import LineCollection

    xy = _node_coordinates(folder)
    fig, axes = panels(3, height=4.0)
    segments = []
    for a, b in zip(net.tail, net.head):
        (x1, y1), (x2, y2) = xy[int(a)], xy[int(b)]
        dx, dy = x2 - x1, y2 - y1
        norm = np.hypot(dx, dy) or 1.0
        off = 0.004 * np.array([-dy, dx]) / norm          # draw the two directions side by side
        segments.append([(x1 + off[0], y1 + off[1]), (x2 + off[0], y2 + off[1])])
    for ax, values, title, unit in ((axes[0], tolls, "learned toll", "toll (min)"),
                                    (axes[1], pigouvian, "marginal-cost toll", "toll (min)"),
                                    (axes[2], flow, "flow at the learned tolls", "flow (veh/h)")):
        lc = LineCollection(segments, array=np.asarray(values), cmap="viridis", linewidths=2.5)
        ax.add_collection(lc)
        ax.scatter(*zip(*xy.values()), s=8, color="k", zorder=3)
        ax.autoscale()
        ax.set_aspect("equal")
        ax.set_title(title)
        ax.set_axis_off()                                   # a map: the coordinates carry no unit worth reading
        fig.colorbar(lc, ax=ax, orientation="horizontal", shrink=0.9, pad=0.04, label=unit)
    fig.suptitle("Sioux Falls: links coloured by toll and by flow (the two directions side by side)", fontsize=10)
    return finish_figure(fig, legend=None)


register_kind(KIND, run)

STUDY = Study(name="tolls", title="Learning road tolls without knowing the travellers' utilities",
              paper="[4] Maheshwari, Cheng, Sastry, Ratliff and Mazumdar, arXiv 2302.01421", points=points,
              analyze=analyze, sizes=SIZES)
