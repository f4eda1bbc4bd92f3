"""Games with model classes as action sets ([7]): closed-form equilibria, exact subset checks, the sampled
strong-monotonicity check, the entry-deterrence Markov game and bad input."""

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize

import stratlearn as sl
from stratlearn.equilibria import markov_nash_gap, pure_markov_equilibrium, strategic_equilibrium
from stratlearn.errors import InvalidGameError, InvalidParameterError
from stratlearn.games.markov_catalog import entry_deterrence
from stratlearn.games.strategic import (ModelClass, NestedClasses, check_strongly_monotone, cournot, feature_subset,
                                        interval, norm_ball, restrict_row_actions, strategic_classification,
                                        strategic_regression)
from stratlearn.games.vi import Ball, Box, from_matrix_game


# ------------------------------------------------------------------------------------------------ closed forms
@given(st.floats(2.0, 10.0), st.floats(0.0, 1.5))
def test_cournot_equilibria_in_closed_form(a, c):
    m = a - c
    game = cournot(a, c)
    full = strategic_equilibrium(game)
    np.testing.assert_allclose(full.z, [m / 3, m / 3], atol=1e-8)
    assert -full.learner_loss == pytest.approx(m ** 2 / 9, abs=1e-8)
    # committing to q1 >= (a - c)/2 raises the learner's equilibrium profit to (a - c)²/8
    committed = strategic_equilibrium(game.restrict(interval(m / 2, m)))
    np.testing.assert_allclose(committed.z, [m / 2, m / 4], atol=1e-8)
    assert -committed.learner_loss == pytest.approx(m ** 2 / 8, abs=1e-8)


def _closed_form(game):
    """Solve F(z) = 0 on the coordinates the class leaves free (θ_j = 0 outside a feature subset): the closed form
    of an interior equilibrium of an affine game."""
    M, b = game.params["M"], game.params["b"]
    block = game.model_class.block
    free = np.concatenate([np.asarray(block.high) > np.asarray(block.low), np.ones(M.shape[0] - game.learner_size,
                                                                                 bool)])
    z = np.zeros(M.shape[0])
    z[free] = np.linalg.solve(M[np.ix_(free, free)], -b[free])
    return z


@pytest.mark.parametrize("maker", [strategic_regression, strategic_classification])
@pytest.mark.parametrize("features", [[0], [1], [0, 1]])
def test_feature_subset_equilibria_match_the_closed_form(maker, features):
    game = maker().restrict(feature_subset(features, 2, 2.0))
    z = _closed_form(game)
    eq = strategic_equilibrium(game)
    np.testing.assert_allclose(eq.z, z, atol=1e-8)
    # the agents best-respond: δ = C⁻¹θ
    cost = np.diag(game.params["M"])[2:]
    np.testing.assert_allclose(eq.z[2:], eq.z[:2] / cost, atol=1e-8)
    assert eq.learner_loss == pytest.approx(float(game.learner_loss(jnp.asarray(z, jnp.float32))), rel=1e-5)


def test_regression_loss_is_the_population_squared_error():
    """ℓ_L against a Monte Carlo population built as the docstring says: agents report x + δ, the outcome's relation
    to the reported features drifts to β − Kδ, uneven gaming adds residual variance δᵀVδ, and the learner's
    intercept is fitted (it absorbs the shift θᵀδ of the mean prediction)."""
    game = strategic_regression(ridge=0.0)
    theta, delta = np.array([0.7, 0.2]), np.array([0.1, 0.5])
    beta, K, V = np.array([1.0, 0.3]), np.diag([0.0, 0.4]), np.diag([0.0, 2.0])
    rng = np.random.default_rng(0)
    n = 400_000
    x = rng.normal(size=(n, 2))
    y = x @ (beta - K @ delta) + np.sqrt(delta @ V @ delta) * rng.normal(size=n)
    reported = x + delta
    residual = y - reported @ theta
    mc = 0.5 * np.mean((residual - residual.mean()) ** 2)       # the best intercept is the mean residual
    exact = float(game.learner_loss(jnp.asarray(np.r_[theta, delta], jnp.float32)))
    assert exact == pytest.approx(mc, rel=0.01)  # 4e5 draws: the estimate's relative error is ~0.3%
    # and the agents' operator block is the gradient of −θᵀδ + ½δᵀCδ
    F = np.asarray(game(jnp.asarray(np.r_[theta, delta], jnp.float32)))
    np.testing.assert_allclose(F[2:], np.array([4.0, 0.5]) * delta - theta, atol=1e-6)


def test_classification_without_gaming_is_the_least_squares_classifier():
    """Cross-check with scikit-learn: with no gameability and no gaming noise, the learner's equilibrium is the ridge
    least-squares fit of ±1 labels (λ = 0.05 per sample), estimated here from 2·10^5 draws."""
    from sklearn.linear_model import Ridge

    sep = np.array([2.0, 0.6])
    game = strategic_classification(separation=sep, gameability=(0.0, 0.0), gaming_noise=(0.0, 0.0))
    eq = strategic_equilibrium(game)
    rng = np.random.default_rng(1)
    n = 200_000
    y = rng.choice([-1.0, 1.0], size=n)
    x = y[:, None] * sep / 2 + rng.normal(size=(n, 2))
    fit = Ridge(alpha=0.05 * n, fit_intercept=False).fit(x, y)
    np.testing.assert_allclose(eq.learner, fit.coef_, atol=0.01)  # sampling error ~ 1/sqrt(n) = 0.002


def test_ball_class_equilibrium_is_a_nash_point_by_scipy_best_responses():
    """On a norm ball the equilibrium is on the boundary; check each side best-responds with SciPy's optimizer."""
    game = strategic_regression().restrict(norm_ball(0.5, 2))
    eq = strategic_equilibrium(game)
    theta, delta = eq.z[:2], eq.z[2:]
    assert np.linalg.norm(theta) == pytest.approx(0.5, abs=1e-8)
    loss = lambda th: float(sl.games.strategic._quadratic_loss(game.params, np.r_[th, delta]))  # noqa: E731
    best = minimize(loss, np.zeros(2), constraints=[{"type": "ineq", "fun": lambda th: 0.25 - th @ th}],
                    method="SLSQP", options={"ftol": 1e-14})
    np.testing.assert_allclose(theta, best.x, atol=1e-5)
    np.testing.assert_allclose(delta, theta / np.array([4.0, 0.5]), atol=1e-8)


def test_reverse_scaling_in_the_default_games():
    reg, cls = strategic_regression(), strategic_classification()
    for game in (reg, cls):
        restricted = strategic_equilibrium(game.restrict(feature_subset([0], 2, 2.0))).learner_loss
        full = strategic_equilibrium(game).learner_loss
        assert restricted < full - 0.01


# ------------------------------------------------------------------------------------------------ classes
@given(st.lists(st.floats(-3, 3), min_size=4, max_size=4), st.lists(st.floats(-3, 3), min_size=4, max_size=4))
def test_box_inclusion_is_exact(a, b):
    lo1, hi1 = np.minimum(a[:2], a[2:]), np.maximum(a[:2], a[2:])
    lo2, hi2 = np.minimum(b[:2], b[2:]), np.maximum(b[:2], b[2:])
    inner, outer = ModelClass(Box(tuple(lo1), tuple(hi1)), "i"), ModelClass(Box(tuple(lo2), tuple(hi2)), "o")
    assert outer.contains(inner) == bool(np.all(lo1 >= lo2 - 1e-12) and np.all(hi1 <= hi2 + 1e-12))


@given(st.floats(0.1, 3.0), st.floats(0.1, 3.0))
def test_ball_and_box_inclusion(r, h):
    ball, box = norm_ball(r, 2), interval([-h, -h], [h, h])
    assert box.contains(ball) == (r <= h + 1e-12)
    assert ball.contains(box) == (np.sqrt(2) * h <= r + 1e-12)


def test_nested_classes_and_restrict_refuse_non_subsets():
    classes = NestedClasses([feature_subset([0], 2), feature_subset([0, 1], 2)])
    assert classes.names == ["features{0}", "features{0,1}"]
    with pytest.raises(InvalidParameterError, match=r"classes\[0\].*not a subset of classes\[1\]"):
        NestedClasses([feature_subset([0, 1], 2), feature_subset([0], 2)])
    game = strategic_regression()
    with pytest.raises(InvalidParameterError, match="not a subset of the full class.*coordinate 0"):
        game.restrict(feature_subset([0], 2, bound=5.0))
    with pytest.raises(InvalidParameterError, match="not a subset.*radius|not a subset.*coordinate"):
        game.restrict(norm_ball(3.0, 2))
    with pytest.raises(InvalidParameterError, match="3 parameters"):
        game.restrict(feature_subset([0], 3))


def test_empty_classes_are_refused():
    with pytest.raises(InvalidParameterError, match=r"features=\[\]: an empty model class"):
        feature_subset([], 2)
    with pytest.raises(InvalidParameterError, match="empty model class"):
        interval(2.0, 1.0)
    with pytest.raises(InvalidParameterError, match="radius=0"):
        norm_ball(0.0, 2)
    with pytest.raises(InvalidParameterError, match=r"indices in \[0, 2\)"):
        feature_subset([2], 2)
    with pytest.raises(InvalidParameterError, match="non-empty list"):
        NestedClasses([])


# ------------------------------------------------------------------------------------------------ monotonicity
def test_strong_monotonicity_check():
    game = strategic_regression()
    sampled = check_strongly_monotone(game)
    assert sampled >= game.strong_monotonicity * (1 - 1e-9)   # μ is the exact minimum, samples cannot go below
    rps = from_matrix_game(sl.games.catalog.rock_paper_scissors())  # bilinear: ratio 0 everywhere
    with pytest.raises(InvalidGameError, match="not strongly monotone.*at z="):
        check_strongly_monotone(rps)
    with pytest.raises(InvalidGameError, match="stated strong monotonicity"):
        check_strongly_monotone(game, strength=10.0)


def test_constructors_refuse_bad_input():
    with pytest.raises(InvalidGameError, match="not strongly monotone"):
        strategic_regression(manipulation_cost=(0.01, 0.01), feature_variances=(0.01, 0.01), ridge=0.0)
    with pytest.raises(InvalidParameterError, match="manipulation_cost"):
        strategic_regression(manipulation_cost=(1.0, -1.0))
    with pytest.raises(InvalidParameterError, match="gameability: expected 2 values"):
        strategic_regression(gameability=(0.1, 0.2, 0.3))
    with pytest.raises(InvalidParameterError, match="intercept > cost"):
        cournot(1.0, 2.0)
    with pytest.raises(InvalidParameterError, match="ridge"):
        strategic_classification(ridge=-1.0)


# ------------------------------------------------------------------------------------------------ Markov games
def test_entry_deterrence_equilibria_are_certified_and_show_reverse_scaling():
    game = entry_deterrence(discount=0.9)
    full = pure_markov_equilibrium(game)
    assert full.nash_gap <= 1e-9
    assert (full.row.argmax(1) == 0).all()          # accommodating is dominant
    fight = pure_markov_equilibrium(restrict_row_actions(game, [2]))
    assert (fight.col.argmax(1) == 0).all()         # the entrant retreats everywhere against a price war
    compete = pure_markov_equilibrium(restrict_row_actions(game, [1, 2]))
    assert compete.row_payoff > full.row_payoff + 0.5
    # independent evaluation of the fight class: dense linear solve of the entrant-retreats chain
    S = game.num_states
    P = np.zeros((S, S))
    for s in range(S):
        P[s, max(s - 1, 0)] += 0.9
        P[s, s] += 0.1
    r = 1 - np.linspace(0, 1, S) - 0.3
    v = np.linalg.solve(np.eye(S) - 0.9 * P, r)
    np.testing.assert_allclose(fight.row_values, v, atol=1e-10)
    assert markov_nash_gap(restrict_row_actions(game, [2]), fight.row, fight.col) <= 1e-9


def test_pure_equilibrium_refuses_ambiguous_stage_games():
    coordination = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    game = sl.games.MarkovGame(coordination, transitions=np.ones((1, 2, 2, 1)), col_rewards=coordination,
                               discount=0.5, name="coordination")
    with pytest.raises(InvalidGameError, match="state 0 has 2 pure equilibria"):
        pure_markov_equilibrium(game)


def test_pure_equilibrium_bad_input():
    game = entry_deterrence(states=5)
    with pytest.raises(InvalidParameterError, match="max_iterations=1"):
        pure_markov_equilibrium(game, max_iterations=1)
    with pytest.raises(InvalidParameterError, match="tol=-1"):
        pure_markov_equilibrium(game, tol=-1.0)


def test_bad_numbers_are_named():
    with pytest.raises(InvalidParameterError, match="coefficients='abc'"):
        strategic_regression(coefficients="abc")
    with pytest.raises(InvalidParameterError, match=r"coefficients=\[\]"):
        strategic_regression(coefficients=[])
    with pytest.raises(InvalidParameterError, match="intercept='a'"):
        cournot(intercept="a")
    with pytest.raises(InvalidParameterError, match="min_quantity=5"):
        cournot(min_quantity=5.0)
    with pytest.raises(InvalidParameterError, match="low='a'"):
        interval("a", 1.0)
    assert norm_ball(np.float32(1.0), 2).block.radius == 1.0
    assert feature_subset(np.array([1]), 2).name == "features{1}"


def test_restrict_row_actions_bad_input():
    game = entry_deterrence(states=5)
    with pytest.raises(InvalidParameterError, match="subset of the full action set"):
        restrict_row_actions(game, [0, 3])
    with pytest.raises(InvalidParameterError, match="empty policy class"):
        restrict_row_actions(game, [])
    assert restrict_row_actions(game, [1, 2]).shape == (5, 2, 3)
