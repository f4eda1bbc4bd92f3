"""Metrics of a run's joint play (``cce_gap``, ``ce_gap``), of its distance to certified equilibria
(``equilibrium_distance``), and the exact distance to the correlated polytopes (HiGHS).

Tolerances. The engine keeps the running mean of ``x_t y_tᵀ`` in the run's float32: a mean of numbers in [0, 1]
updated T times carries at most about T · 6e-8 of rounding (1.2e-4 for T = 2,000), so 1e-3 bounds it with room; the
gaps compared against it differ by about 0.48 between the behaviours the tests tell apart. Quantities computed in float64
only (the LP, the gap formula against ``deviation_gains``) are compared to 1e-9 (sums of a few products of order one).
"""

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stratlearn as sl
from stratlearn.equilibria import (correlated_distance, correlated_equilibrium, correlated_gap, deviation_gains,
                                   nash_certificate)
from stratlearn.errors import InvalidParameterError
from stratlearn.experiments.engine import seed_keys
from stratlearn.games.catalog import battle_of_the_sexes, random_general_sum, random_zero_sum_markov, shapley_game
from stratlearn.metrics import equilibrium_references


def _gap(A, B, p, coarse):
    return float(np.max(deviation_gains(A, B, p, coarse=coarse), initial=0.0))


def _replay(learner, game, seed, rounds):
    """The engine's run of one seed, step by step in Python: the mean of play(state)'s product over the rounds."""
    init_key, run_key = jax.random.split(seed_keys(0, [seed])[0])
    state = learner.init(game, init_key)
    joint = np.zeros(game.shape)
    for t in range(rounds):
        x, y = learner.play(game, state)
        joint += np.outer(np.asarray(x, float), np.asarray(y, float))
        state = learner.step(game, state, jax.random.fold_in(run_key, t))
    return joint / rounds


@pytest.mark.parametrize("name", ["smoothed_fictitious_play", "regret_matching_plus"])
def test_the_engine_averages_what_each_step_plays(name):
    game, learner, rounds = random_general_sum(3, 4, seed=1), sl.learners.make(name), 300
    trace = sl.simulate(learner, game, steps=rounds, seeds=[0, 1], record_every=100, metrics=["cce_gap", "ce_gap"],
                        progress=False)
    for seed in (0, 1):
        joint = _replay(learner, game, seed, rounds)
        for metric, coarse in (("cce_gap", True), ("ce_gap", False)):
            assert abs(trace.metrics[metric][seed, -1] - _gap(game.row_payoffs, game.col_payoffs, joint, coarse)) < 1e-3


def _fictitious_play_numpy(A, B, a, b, rounds):
    """Fictitious play from the pair (a, b), written anew in float64: the empirical distribution of the pairs."""
    m, n = A.shape
    count_a, count_b, joint = np.zeros(m), np.zeros(n), np.zeros((m, n))
    for _ in range(rounds):
        joint[a, b] += 1
        count_a[a] += 1
        count_b[b] += 1
        a, b = int(np.argmax(A @ count_b)), int(np.argmax(count_a @ B))
    return joint / rounds


def test_fictitious_play_joint_play_against_a_replay_written_anew():
    # battle of the sexes: a coordinated start stays coordinated (ε → 0), a mismatched one miscoordinates for ever
    # (ε ≈ 0.48), the standard example that fictitious play is not Hannan consistent
    game, learner, rounds = battle_of_the_sexes(), sl.learners.make("fictitious_play"), 2000
    seeds = list(range(8))
    trace = sl.simulate(learner, game, steps=rounds, seeds=seeds, metrics=["cce_gap"], progress=False)
    gaps = []
    for seed in seeds:
        init_key, _ = jax.random.split(seed_keys(0, [seed])[0])
        first = learner.init(game, init_key)
        a, b = int(np.argmax(first.row_freq)), int(np.argmax(first.col_freq))
        # the engine's round t plays what the state after t rounds says; the first state holds the first pair,
        # which play() answers with the next one, so the engine's T rounds are the replay's rounds 2..T+1
        joint = _fictitious_play_numpy(game.row_payoffs, game.col_payoffs, a, b, rounds + 1)
        joint = (joint * (rounds + 1) - np.eye(2)[a][:, None] * np.eye(2)[b][None, :]) / rounds
        gaps.append(_gap(game.row_payoffs, game.col_payoffs, joint, True))
        assert abs(trace.metrics["cce_gap"][seed, -1] - gaps[-1]) < 1e-3
    assert min(gaps) < 1e-3 and max(gaps) > 0.4


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 10**6), st.booleans())
def test_correlated_gap_is_the_largest_deviation_gain(m, n, seed, coarse):
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(m, n)), rng.normal(size=(m, n))
    p = rng.dirichlet(np.ones(m * n)).reshape(m, n)
    assert abs(float(correlated_gap(A, B, p, coarse=coarse)) - _gap(A, B, p, coarse)) < 1e-6   # float32 in JAX
    assert float(correlated_gap(A, B, p, coarse=coarse)) >= 0


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 4), st.integers(2, 4), st.integers(0, 10**6), st.booleans())
def test_distance_to_the_polytope(m, n, seed, coarse):
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(m, n)), rng.normal(size=(m, n))
    inside = correlated_equilibrium(A, B, coarse=coarse).distribution
    assert correlated_distance(A, B, inside, coarse=coarse).distance <= 1e-7        # HiGHS's feasibility tolerance
    p = rng.dirichlet(np.ones(m * n)).reshape(m, n)
    far = correlated_distance(A, B, p, coarse=coarse)
    assert far.max_gain <= 1e-7 and 0 <= far.distance <= 1
    assert abs(far.distance - 0.5 * np.abs(p - far.nearest).sum()) < 1e-9
    # the nearest point is no farther than any other point of the polytope, e.g. the welfare-maximizing one
    assert far.distance <= 0.5 * np.abs(p - inside).sum() + 1e-7
    if _gap(A, B, p, coarse) > 1e-6:
        assert far.distance > 0


def test_equilibrium_distance_measures_against_certified_references():
    refs = equilibrium_references(shapley_game())
    assert len(refs) == 1 and np.allclose(refs[0][0], 1 / 3) and np.allclose(refs[0][1], 1 / 3)
    game = battle_of_the_sexes()
    refs = equilibrium_references(game)
    assert len(refs) == 3                              # two coordinated pure profiles and the mixed equilibrium
    for x, y in refs:
        assert float(nash_certificate(game.row_payoffs, game.col_payoffs, x, y).epsilon) <= 1e-9
    metric = sl.metrics.resolve("equilibrium_distance", game)
    assert float(metric(game, (np.array(refs[1][0]), np.array(refs[1][1])))) < 1e-6
    assert float(metric(game, (np.array([0.5, 0.5]), np.array([1.0, 0.0])))) > 0.1


def test_bad_input_names_the_field():
    markov = random_zero_sum_markov()
    with pytest.raises(InvalidParameterError, match="cce_gap.*matrix game"):
        sl.simulate(sl.learners.make("dsbr_vi"), markov, steps=10, metrics=["cce_gap"], progress=False)
    with pytest.raises(InvalidParameterError, match="equilibrium_distance.*matrix game"):
        sl.metrics.resolve("equilibrium_distance", markov)
    with pytest.raises(InvalidParameterError, match="distribution"):
        correlated_distance(np.eye(2), np.eye(2), np.full((2, 2), 0.5))
    with pytest.raises(InvalidParameterError, match="distribution"):
        correlated_distance(np.eye(2), np.eye(2), np.ones(3) / 3)
