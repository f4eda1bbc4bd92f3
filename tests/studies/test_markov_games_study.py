"""The `markov-games` study at its quick size, through the Python API (the CLI path is covered by the
matrix-games study test)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stratlearn.studies import run_study
from stratlearn.studies.markov_games import rate_bound_slope, rate_design


def test_markov_games_quick(tmp_path):
    result = run_study("markov-games", size="quick", output=tmp_path)
    by_label = {c.text[:3]: [] for c in result.claims}
    for c in result.claims:
        by_label[c.text[:3]].append(c)
        assert np.isfinite(c.measured), c
    # (a) and (c) hold at the quick size, decided at the hardest end of their 95% intervals over 32 and 8 seeds
    assert all(c.status == "PASS" and c.seeds == 32 for c in by_label["(a)"])
    assert all(c.status == "PASS" and c.seeds == 8 for c in by_label["(c)"])
    # (b) decides against the smoothing bias τ(log|A| + log|B|)/(1−γ) at every τ; the uniform start is farther from
    # the QRE's gap than that bias, so the claim is not true before learning
    b_claims = [c for c in result.claims if c.text.startswith(("(b)", "[qre]")) or "(b) |DSBR" in c.text]
    b_claims = [c for c in b_claims if not c.control_of]
    assert len(b_claims) == 3 and all(c.status == "PASS" and c.seeds == 16 for c in b_claims)
    table = result.tables["qre_comparison"]
    assert (abs(table.uniform_gap - table.qre_gap) > table.smoothing_bias).all()
    # the step ratios follow Theorem 3.1's scaling c ∝ τ³ (1−γ)² / |S| from the anchor, K grows as c shrinks
    from stratlearn.studies.markov_games import claim_a_learner, theorem_inner_steps, theorem_ratio

    assert np.allclose(table.policy_rate_ratio, [0.005 * (t / 0.1) ** 3 for t in table.temperature])
    assert theorem_ratio(0.1, 0.99, 20) == pytest.approx(0.005 * 0.01 * 0.25, rel=1e-12) and theorem_inner_steps(0.0025) == 40_000
    # K keeps each state's policy step per outer iteration, c α K / |S|, at the anchor's: 4 times the states, 4 times
    # smaller c -> 16 times K; claim (a) at the full size runs every grid game so, for at least 30 outer iterations
    assert theorem_inner_steps(theorem_ratio(0.1, 0.9, 20), states=20) == 16 * 20_000
    learner, samples = claim_a_learner(20, 0.9, "full")
    assert learner["policy_rate_ratio"] == pytest.approx(0.00125) and samples == 30 * 320_000
    # the headline claims and their controls: each control fails the claim's threshold as designed
    heads = {c.key for c in result.claims if c.headline}
    controls = [c for c in result.claims if c.control_of]
    assert heads == {"qre", "rational", "rate"} and {c.control_of for c in controls} == heads
    assert all(c.status == "PASS" and c.measured > c.threshold for c in controls)
    # (d): the budgets span the design's levels and the threshold is the bound's own slope over them
    rate = next(c for c in result.claims if c.key == "rate")
    assert rate.seeds == 16 and rate.threshold == pytest.approx(rate_bound_slope(3))
    frame = result.tables["sample_complexity"]
    design = frame[frame.run == "design"]
    assert list(design.samples) == [rate_design(level)["samples"] for level in range(3)]
    assert (np.diff(design.excess) < 0).all() and (frame[frame.run != "design"].alpha == 0.05).all()
    assert result.passed
    assert set(result.tables) == {"curves", "qre_comparison", "sample_complexity"} and "nash_gap" in result.figures


def test_rate_design_follows_the_corollarys_scalings():
    # α ∝ ε², K ∝ log(1/ε)/(cα), T ∝ log(1/ε), anchored at level 0, with c from Theorem 3.1's scaling at τ = 0.2
    from stratlearn.studies.markov_games import RATE, theorem_ratio

    c = theorem_ratio(RATE["temperature"])
    assert c == pytest.approx(0.04, rel=1e-12)
    for level in range(5):
        d = rate_design(level)
        eps = 0.1 * 2.0 ** -level
        stretch = np.log(1 / eps) / np.log(10)
        assert d["epsilon"] == pytest.approx(eps) and d["alpha"] == pytest.approx(0.05 * (eps / 0.1) ** 2)
        assert d["inner_steps"] == round(10 * stretch / (c * d["alpha"])) and d["outer"] == round(6 * stretch)
        assert d["samples"] == d["inner_steps"] * d["outer"]
    # the bound's slope is −1/2 bent by its logarithms: between −1/2 and −1/3 over 3 or 4 levels
    assert -0.5 < rate_bound_slope(4) < rate_bound_slope(3) < -1 / 3


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from([0.2, 0.1, 0.05]), st.sampled_from([2, 3]))
def test_smoothing_bias_bounds_the_regularizers_effect_on_the_gap(seed, tau, actions):
    # claim (b)'s threshold: for any policy pair the regularized and plain Nash gaps differ by at most the bias
    from stratlearn.equilibria.markov import markov_nash_gap
    from stratlearn.games.markov_catalog import random_zero_sum_markov
    from stratlearn.studies.markov_games import smoothing_bias

    rng = np.random.default_rng(seed)
    game = random_zero_sum_markov(4, actions, discount=0.9, seed=seed % 1000)
    x, y = (rng.dirichlet(np.full(actions, 0.3), size=4) for _ in range(2))
    plain = markov_nash_gap(game, x, y)
    regularized = markov_nash_gap(game, x, y, temperature=tau)
    assert abs(plain - regularized) <= smoothing_bias(tau, actions, 0.9) + 1e-9
