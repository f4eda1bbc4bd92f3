"""No silent numbers: inputs the run's precision cannot hold are refused with what to do, the smoothed best response
is finite for every finite input and τ > 0, a default step ratio that would freeze the policy is refused, and games
hold real numbers only (issue "nothing lost", item 4)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stratlearn import learners
from stratlearn.equilibria.gaps import regularized_nash_gap
from stratlearn.errors import InvalidGameError, InvalidParameterError
from stratlearn.experiments.engine import simulate
from stratlearn.games import MatrixGame, catalog
from stratlearn.ops import smoothed_max, softmax

GAME = catalog.make("random_zero_sum", rows=3, seed=0)


def test_dsbr_at_a_tiny_temperature_stays_finite_under_jit():
    # τ = 1e-10 used to end in NaN on every seed: x/τ reached 1e9 and XLA rounded the maximum and the entries apart
    trace = simulate(learners.make("dsbr", temperature=1e-10, policy_rate_ratio=0.01), GAME, steps=3000, seeds=4,
                     progress=False)
    assert np.isfinite(trace.metrics["nash_gap"]).all()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e30, 1e30), min_size=1, max_size=6), st.floats(1e-30, 1e30))
def test_softmax_and_smoothed_max_are_finite_for_finite_inputs(values, tau):
    x = np.asarray(values, dtype=np.float32)
    p = softmax(x, np.float32(tau))
    assert np.isfinite(p).all() and abs(float(p.sum()) - 1.0) < 1e-5 and (p >= 0).all()
    assert np.isfinite(smoothed_max(np.asarray(values), tau))


def test_smoothed_max_matches_the_definition_where_it_is_representable():
    x = np.array([0.3, -0.2, 0.1])
    for tau in (0.05, 0.5, 5.0):
        assert smoothed_max(x, tau) == pytest.approx(tau * np.log(np.exp(x / tau).sum()), rel=1e-12)


@pytest.mark.parametrize("metric", ["regularized_nash_gap:1e-50", "regularized_nash_gap:1e300"])
def test_a_metric_temperature_float32_cannot_hold_is_refused(metric):
    with pytest.raises(InvalidParameterError, match="float64"):
        simulate(learners.make("dsbr"), GAME, steps=10, metrics=[metric], progress=False)


def test_the_same_temperature_runs_in_float64():
    trace = simulate(learners.make("dsbr"), GAME, steps=10, metrics=["regularized_nash_gap:1e-50"],
                     precision="float64", progress=False)
    assert np.isfinite(next(iter(trace.metrics.values()))).all()


def test_regularized_gap_at_extreme_temperatures_is_finite_in_float64():
    x = y = np.full(3, 1 / 3)
    for tau in (1e-50, 1e-300, 1e300):
        assert np.isfinite(regularized_nash_gap(GAME, (x, y), tau))


def test_payoffs_float32_cannot_hold_are_refused():
    big = MatrixGame(np.array([[1e39, 0.0], [0.0, 1.0]]), np.array([[-1e39, 0.0], [0.0, -1.0]]))
    with pytest.raises(InvalidParameterError, match="overflow float32.*float64"):
        simulate(learners.make("dsbr"), big, steps=10, progress=False)


def test_a_learner_temperature_that_underflows_is_refused():
    with pytest.raises(InvalidParameterError, match="temperature=1e-50: not representable in float32"):
        simulate(learners.make("dsbr", temperature=1e-50, policy_rate_ratio=0.01), GAME, steps=10, progress=False)


@pytest.mark.parametrize("tau", [1e-6, 1e-3])
def test_a_default_step_ratio_below_float32_resolution_is_refused(tau):
    # at τ = 1e-6 the default c was 2.4e-17: β = c·α rounds away and the policy never moved
    with pytest.raises(InvalidParameterError, match="policy_rate_ratio"):
        learners.make("dsbr", temperature=tau)
    learners.make("dsbr", temperature=tau, policy_rate_ratio=1e-3)   # an explicit ratio is the user's choice


@pytest.mark.parametrize("payoffs, kind", [([[1, 2], [3, 4j]], "complex"), ([["1", "2"], ["3", "4"]], "text"),
                                           ([[1, None], [2, 3]], "objects")])
def test_games_hold_real_numbers_only(payoffs, kind):
    with pytest.raises(InvalidGameError, match=f"array of numbers, got {kind}.*only real numbers"):
        MatrixGame(payoffs, [[0, 0], [0, 0]])


def test_highs_solves_payoffs_at_any_finite_scale():
    # at 1e300 HiGHS stopped with a model error (a RuntimeError traceback); the LP is solved on A / max|A|
    from stratlearn.equilibria import solve_zero_sum

    base = np.array([[2.0, -1.0], [-1.0, 1.0]])
    small = solve_zero_sum(MatrixGame.zero_sum(base))
    for scale in (1e-300, 1e300):
        big = solve_zero_sum(MatrixGame.zero_sum(base * scale))
        np.testing.assert_allclose(big.row, small.row, atol=1e-9)
        assert big.value == pytest.approx(small.value * scale, rel=1e-9)


@pytest.mark.parametrize("learner", [None, "dsbr", object()])
def test_something_that_is_not_a_learner_is_named(learner):
    with pytest.raises(InvalidParameterError, match="learner=.*init, step, policy, check_game, params and a name"):
        simulate(learner, GAME, steps=10, progress=False)


@pytest.mark.parametrize("make, wrong, right", [
    ("learners", "dsbr_v", "dsbr_vi"), ("games", "rock_paper_sciss", "rock_paper_scissors"),
    ("metrics", "nash_gapp", "nash_gap"),
])
def test_a_misspelt_name_gets_the_closest_one(make, wrong, right):
    import stratlearn as sl
    from stratlearn.errors import UnknownNameError

    maker = {"learners": sl.learners.make, "games": sl.games.catalog.make, "metrics": sl.metrics.get}[make]
    with pytest.raises(UnknownNameError, match=f"'{wrong}' \\(did you mean '{right}'\\?\\): expected one of"):
        maker(wrong)
    with pytest.raises(UnknownNameError) as info:      # nothing close: no guess, the list only
        maker("zzzzqqq")
    assert "did you mean" not in str(info.value)
