"""Correlated and coarse correlated equilibria (HiGHS): Aumann's game of chicken, the containments Nash ⊆ CE ⊆ CCE
on random games, zero-sum games' value, and bad input.

Tolerance: a deviation gain is a sum of m·n products of probabilities and payoffs of order one, computed in float64
from HiGHS's solution (feasible to its 1e-7 primal tolerance, then renormalized): 1e-6 allows that tolerance and
nothing more; a distribution that is not an equilibrium has gains of order the payoffs.
"""

import numpy as np
import pytest

from stratlearn.equilibria import correlated_equilibrium, deviation_gains, lemke_howson, solve_zero_sum
from stratlearn.errors import InvalidParameterError
from stratlearn.games.catalog import random_zero_sum


def test_the_welfare_maximizing_correlated_equilibrium_of_chicken():
    # chicken with payoffs (6,6) (2,7) / (7,2) (0,0): the traffic light that never shows both "dare" reaches
    # welfare 10.5 with p = [[1/2, 1/4], [1/4, 0]], above every Nash equilibrium (9, 9 and 28/3)
    A = np.array([[6.0, 2.0], [7.0, 0.0]])
    ce = correlated_equilibrium(A, A.T)
    np.testing.assert_allclose(ce.distribution, [[0.5, 0.25], [0.25, 0.0]], atol=1e-9)
    assert abs(ce.welfare - 10.5) < 1e-9 and ce.max_gain <= 1e-9 and ce.duality_gap < 1e-9
    nash = lemke_howson(A, A.T).equilibria()
    assert all(x @ (A + A.T) @ y < 10.5 - 1 for x, y in nash)


@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (4, 5)])
def test_nash_is_correlated_is_coarse_on_random_games(shape):
    rng = np.random.default_rng(sum(shape))
    for _ in range(30):
        A, B = rng.normal(size=shape), rng.normal(size=shape)
        ce = correlated_equilibrium(A, B)
        cce = correlated_equilibrium(A, B, coarse=True)
        assert ce.max_gain <= 1e-6 and cce.max_gain <= 1e-6
        assert (deviation_gains(A, B, ce.distribution, coarse=True) <= 1e-6).all()      # CE ⊆ CCE
        assert cce.welfare >= ce.welfare - 1e-7
        for x, y in lemke_howson(A, B).equilibria():
            product = np.outer(x, y)
            assert (deviation_gains(A, B, product) <= 1e-9).all()                       # Nash ⊆ CE
            assert ce.welfare >= x @ (A + B) @ y - 1e-7


def test_in_a_zero_sum_game_every_correlated_equilibrium_pays_the_value():
    game = random_zero_sum(5, 4, seed=2)
    value = solve_zero_sum(game).value
    A = game.row_payoffs
    best = correlated_equilibrium(game, objective=A)            # the row player's best correlated equilibrium
    worst = correlated_equilibrium(game, objective=-A)
    assert abs(best.payoffs[0] - value) < 1e-7 and abs(worst.payoffs[0] - value) < 1e-7


@pytest.mark.parametrize("call, match", [
    (lambda: deviation_gains(np.eye(2), np.eye(2), np.ones((3, 2)) / 6), r"distribution: expected shape \(2, 2\)"),
    (lambda: correlated_equilibrium(np.eye(2), np.eye(2), objective=np.ones(3)), r"objective: expected finite"),
    (lambda: correlated_equilibrium(np.ones((3, 2, 2)), np.ones((3, 2, 2))), r"A: expected one game"),
])
def test_bad_input_is_refused_naming_the_field(call, match):
    with pytest.raises(InvalidParameterError, match=match):
        call()
