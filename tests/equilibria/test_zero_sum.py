"""The LP reference against Nashpy, an independent implementation (support enumeration on small games, Nashpy's
own minimax LP on larger ones), and LP duality as a hypothesis property."""

import nashpy
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from stratlearn.equilibria import nash_gap, solve_zero_sum
from stratlearn.errors import InvalidGameError
from stratlearn.games import MatrixGame, catalog


def _nashpy_gap(a, x, y):
    """Nash gap computed through Nashpy's payoff evaluation (independent of stratlearn's gap code)."""
    game = nashpy.Game(a)
    u_row, u_col = game[x, y]
    best_row = max(game[np.eye(a.shape[0])[i], y][0] for i in range(a.shape[0]))
    best_col = max(game[x, np.eye(a.shape[1])[j]][1] for j in range(a.shape[1]))
    return (best_row - u_row) + (best_col - u_col)


def test_lp_value_and_gap_agree_with_nashpy_on_200_random_games():
    rng = np.random.default_rng(2024)
    for trial in range(200):
        n, m = rng.integers(1, 31, size=2)
        a = rng.uniform(-1, 1, size=(n, m))
        game = MatrixGame.zero_sum(a)
        sol = solve_zero_sum(game)
        x_np, y_np = nashpy.Game(a).linear_program()
        value_np = float(x_np @ a @ y_np)
        assert sol.value == pytest.approx(value_np, abs=1e-8), trial
        assert sol.duality_gap < 1e-8
        # our equilibrium has zero gap by our metric and by Nashpy's payoffs; and Nashpy's by ours
        assert nash_gap(game, (sol.row, sol.col)) < 1e-8
        assert _nashpy_gap(a, sol.row, sol.col) < 1e-8
        assert nash_gap(game, (x_np, y_np)) < 1e-8
        # on an arbitrary profile the two gap computations agree
        x, y = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(m))
        assert nash_gap(game, (x, y)) == pytest.approx(_nashpy_gap(a, x, y), abs=1e-10)


def test_value_matches_vertex_enumeration_on_small_games():
    # Vertex enumeration, not support enumeration: Nashpy's support enumeration accepts a candidate only when the
    # best payoff equals the best payoff on the support exactly (==), so a 1-ulp difference between two dot products
    # of indifferent strategies (seen with NumPy 2.4) drops every equilibrium of 4 of these 30 games.
    rng = np.random.default_rng(7)
    for _ in range(30):
        n, m = rng.integers(2, 5, size=2)
        a = rng.uniform(-1, 1, size=(n, m))
        sol = solve_zero_sum(a)
        eqs = list(nashpy.Game(a).vertex_enumeration())
        assert eqs, "vertex enumeration found no equilibrium"
        for x, y in eqs:  # every equilibrium of a zero-sum game has the same value
            assert float(x @ a @ y) == pytest.approx(sol.value, abs=1e-8)


games = st.tuples(st.integers(1, 8), st.integers(1, 8)).flatmap(
    lambda s: arrays(np.float64, s, elements=st.floats(-1, 1)))


@given(games)
def test_lp_duality_and_simplex(a):
    sol = solve_zero_sum(a)
    assert abs(sol.row.sum() - 1) < 1e-12 and abs(sol.col.sum() - 1) < 1e-12
    assert np.all(sol.row >= 0) and np.all(sol.col >= 0)
    assert sol.duality_gap < 1e-8
    # the value is sandwiched: the row strategy guarantees it, the column strategy caps it
    assert (sol.row @ a).min() >= sol.value - 1e-8
    assert (a @ sol.col).max() <= sol.value + 1e-8


def test_general_sum_game_is_rejected():
    with pytest.raises(InvalidGameError, match="zero-sum"):
        solve_zero_sum(catalog.shapley_game())


def test_every_solution_carries_its_regret_certificate():
    # the regrets are recomputed in float64 from the strategies; HiGHS's solutions are optimal to about 1e-9 of the
    # payoffs' scale (its default tolerances), so 1e-8 bounds them on uniform(-1, 1) payoffs
    from stratlearn.equilibria import solve_zero_sum
    from stratlearn.games.catalog import random_zero_sum

    for seed in range(5):
        sol = solve_zero_sum(random_zero_sum(7, 5, seed=seed))
        cert = sol.certificate
        assert cert.regrets.shape == (2,) and (cert.regrets >= 0).all() and cert.epsilon <= 1e-8
