"""Algorithm 1 (stochastic gradient play) and Algorithm 2 (successive elimination) of [7]: agreement with closed-form
equilibria within the stated error, the identification rate on classes with known gaps, the learner protocol, and
bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stratlearn as sl
from stratlearn.equilibria import strategic_equilibrium
from stratlearn.errors import InvalidGameError, InvalidParameterError
from stratlearn.games.strategic import cournot, feature_subset, interval, norm_ball, strategic_regression
from stratlearn.games.vi import from_matrix_game, quadratic_game
from stratlearn.learners.model_selection import (StochasticGradientPlay, selection_trials, stochastic_gradient_play,
                                                 successive_elimination)


@pytest.mark.parametrize("game", [cournot(), strategic_regression().restrict(feature_subset([0], 2, 2.0)),
                                  strategic_regression()], ids=["cournot", "regression{0}", "regression"])
def test_algorithm1_matches_the_equilibrium_within_its_stated_error(game):
    """The stated bound is on the root-mean-square error E‖z̄ − z*‖²; 200 seeds estimate it (relative error ~5%)."""
    eq = strategic_equilibrium(game)
    rms = []
    for steps in (1_000, 10_000):
        result = stochastic_gradient_play(game, steps, seeds=200, seed=3)
        err = np.sqrt(((result.points - eq.z) ** 2).sum(1).mean())
        assert err <= result.error_bound
        # and the learner's loss at the average is within L_ℓ · bound of its equilibrium loss (Lipschitz)
        gap = np.abs(result.learner_losses - eq.learner_loss).mean()
        assert gap <= game.constants().loss_lipschitz * result.error_bound
        rms.append(err)
    # the measured rate: E‖z̄ − z*‖² ∝ 1/T means the RMS falls by sqrt(10) per decade (slope −1/2); with 200 seeds
    # each RMS is known to ~5%, so the fitted slope is within ±0.1 of −1/2 unless the rate is wrong
    slope = np.log10(rms[1] / rms[0])
    assert -0.6 <= slope <= -0.4


def test_cournot_commitment_is_found_by_algorithm1():
    m = 3.0
    result = stochastic_gradient_play(cournot().restrict(interval(m / 2, m)), 20_000, seeds=50, seed=0)
    np.testing.assert_allclose(result.points.mean(0), [m / 2, m / 4], atol=0.01)
    assert (-result.learner_losses).mean() == pytest.approx(m ** 2 / 8, abs=0.01)


def test_learner_protocol_under_simulate():
    game = strategic_regression().restrict(feature_subset([0], 2, 2.0))
    eq = strategic_equilibrium(game)
    learner = StochasticGradientPlay(steps=4000)
    trace = sl.simulate(learner, game, steps=4000, seeds=8, record_every=1000, metrics=["learner_loss"])
    final = trace.metrics["learner_loss"][:, -1]
    assert np.abs(final - eq.learner_loss).max() < 0.01
    assert sl.learners.make("stochastic_gradient_play", steps=10).steps == 10


@settings(max_examples=10)
@given(st.integers(0, 2 ** 31 - 1))
def test_iterates_stay_in_the_class(seed):
    game = strategic_regression().restrict(norm_ball(0.3, 2))
    learner = StochasticGradientPlay(steps=50, start="random")
    state = learner.init(game, jax.random.PRNGKey(seed))
    for k in jax.random.split(jax.random.PRNGKey(seed + 1), 50):
        state = learner.step(game, state, k)
        assert float(jnp.linalg.norm(state.z[:2])) <= 0.3 + 1e-6
    assert float(jnp.linalg.norm(learner.policy(game, state)[:2])) <= 0.3 + 1e-6


def test_successive_elimination_identifies_the_best_class_at_rate_1_minus_delta():
    """Cournot with commitment classes q1 >= low: the learner's equilibrium losses are known in closed form
    (−m²/9 for low <= m/3, else −low(m − low)/2), so the gaps are known: here the best class is low = m/2 with
    gap m²/8 − m²/9 = 0.125 to the full class. Over 100 trials at δ = 0.05 at least 95 must pick it."""
    m = 3.0
    game = cournot()
    lows = [0.0, 1.0, 1.5, 2.0, 2.5]
    values = [-(m ** 2) / 9 if low <= m / 3 else -low * (m - low) / 2 for low in lows]
    classes = [interval(low, m) for low in lows]
    for c, v in zip(classes, values):
        assert strategic_equilibrium(game.restrict(c)).learner_loss == pytest.approx(v, abs=1e-8)
    results = selection_trials(game, classes, trials=100, delta=0.05, initial_steps=500, seed=11)
    rate = np.mean([r.chosen == 2 and r.identified for r in results])
    assert rate >= 0.95
    # intervals cover the true values, and worse classes are dropped no later than better ones on average
    first = results[0]
    assert first.chosen_class is classes[2] and first.total_samples == first.samples.sum() > 0
    # two-sided coverage of every class's last interval (the t rule covers E[ℓ(z̄)]; Algorithm 1's bias is O(1/T),
    # far inside the intervals at these budgets), at least the guaranteed 1 − δ over trials
    covered = np.mean([np.all(((r.intervals[:, 0] <= values) & (values <= r.intervals[:, 1]))
                              | np.isnan(r.intervals[:, 0])) for r in results])
    assert covered >= 0.95


def test_successive_elimination_single_run_reports_its_budget():
    game = strategic_regression()
    classes = [feature_subset([0], 2, 2.0), feature_subset([1], 2, 2.0), game.full_class]
    result = successive_elimination(game, classes, seed=0)
    assert result.identified and result.chosen == 0 and result.names[0] == "features{0}"
    assert set(result.eliminated_in[1:]) <= set(range(1, result.rounds + 1)) and result.eliminated_in[0] == 0
    assert (result.samples > 0).all()
    # a tiny budget that cannot separate the classes: reported as not identified, never silently
    hard = successive_elimination(game, [feature_subset([0], 2, 2.0), norm_ball(1.9, 2)], initial_steps=2,
                                  replicates=2, max_rounds=1, seed=0)
    assert not hard.identified


def test_bound_widths_are_wider_than_t_widths():
    game = cournot()
    classes = [interval(0.0, 3.0), interval(1.5, 3.0)]
    t = successive_elimination(game, classes, max_rounds=1, seed=0)
    b = successive_elimination(game, classes, max_rounds=1, width="bound", seed=0)
    # the guaranteed widths pay for Markov's inequality and sup-norm constants: measured ~4e5 times wider
    assert np.all(np.diff(b.intervals, axis=1) > 1000 * np.diff(t.intervals, axis=1))


def test_bad_input():
    game = strategic_regression()
    classes = [feature_subset([0], 2, 2.0), game.full_class]
    for delta in (0.0, 1.0, 1.5, -0.1):
        with pytest.raises(InvalidParameterError, match=f"delta={delta}"):
            successive_elimination(game, classes, delta=delta)
    with pytest.raises(InvalidParameterError, match="non-empty list"):
        successive_elimination(game, [])
    with pytest.raises(InvalidParameterError, match="not a subset of the full class"):
        successive_elimination(game, [feature_subset([0], 2, 5.0)])
    with pytest.raises(InvalidParameterError, match="replicates=1"):
        successive_elimination(game, classes, replicates=1)
    with pytest.raises(InvalidParameterError, match="width='wide'"):
        successive_elimination(game, classes, width="wide")
    with pytest.raises(InvalidGameError, match="expected a StrategicGame"):
        stochastic_gradient_play(quadratic_game(), 100)
    # Algorithm 1 on a game that is not strongly monotone: refused, naming the pair
    rps = from_matrix_game(sl.games.catalog.rock_paper_scissors())
    with pytest.raises(InvalidGameError, match="not strongly monotone.*at z="):
        sl.simulate(StochasticGradientPlay(steps=10, strong_monotonicity=1.0), rps, steps=10, seeds=1)
    with pytest.raises(InvalidParameterError, match="strong_monotonicity=None"):
        sl.simulate(StochasticGradientPlay(steps=10), quadratic_game(), steps=10, seeds=1)
    with pytest.raises(InvalidParameterError, match="steps=1"):
        stochastic_gradient_play(game, 1)
    with pytest.raises(InvalidParameterError, match="strong_monotonicity"):
        StochasticGradientPlay(strong_monotonicity=-1.0)
    # a μ larger than the game has would make the steps too short: refused before running
    with pytest.raises(InvalidGameError, match="stated strong monotonicity 1000"):
        sl.simulate(StochasticGradientPlay(steps=10, strong_monotonicity=1000.0), cournot(), steps=10, seeds=1)
    # one candidate: chosen without spending samples
    single = successive_elimination(game, [game.full_class])
    assert single.identified and single.chosen == 0 and single.total_samples == 0
    with pytest.raises(InvalidGameError, match="metric learner_loss: expected a StrategicGame"):
        sl.simulate(sl.learners.make("fictitious_play"), sl.games.catalog.rock_paper_scissors(), steps=10, seeds=1,
                    metrics=["learner_loss"])


def test_sample_count_on_two_classes_with_a_known_gap():
    """Two Cournot classes whose exact equilibrium losses differ by a constructed gap (``scaling_pair``): a gap four
    times smaller costs about 16 times the samples (the interval's half-width shrinks like 1/√T). The doubling rounds
    quantize each count to within a factor 2, so the ratio of the means must lie in [16/4, 16·4]; measured 23 over
    16 trials at this seed. Both gaps are identified in every trial."""
    from stratlearn.studies.model_selection import scaling_pair

    game = cournot()
    means = {}
    for gap in (0.02, 0.005):
        classes = scaling_pair(gap)
        losses = [strategic_equilibrium(game.restrict(c)).learner_loss for c in classes]
        assert losses[1] - losses[0] == pytest.approx(gap, rel=1e-6)
        trials = selection_trials(game, classes, trials=16, initial_steps=100, max_rounds=16, seed=3)
        assert all(t.identified and t.chosen == 0 for t in trials)
        means[gap] = np.mean([t.total_samples for t in trials])
    assert 4 <= means[0.005] / means[0.02] <= 64, means
