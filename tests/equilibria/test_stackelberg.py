"""Exact Stackelberg commitment (one HiGHS LP per follower action) against OpenSpiel's `stackelberg_lp` and known
instances."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from stratlearn.equilibria import stackelberg_commitment
from stratlearn.errors import InvalidGameError, InvalidParameterError
from stratlearn.games.stackelberg import FiniteStackelbergGame, security_game


def test_commitment_beats_nash_in_the_classic_example():
    """Conitzer and Sandholm's example: in the simultaneous game the leader's dominant row gives 1 (follower plays
    column 0); committing to (1/2, 1/2) makes column 1 a best response and gives the leader 2.5."""
    a = np.array([[1.0, 3.0], [0.0, 2.0]])
    b = np.array([[1.0, 0.0], [0.0, 1.0]])
    sol = stackelberg_commitment(FiniteStackelbergGame(a, b))
    assert sol.follower_action == 1
    np.testing.assert_allclose(sol.leader_strategy, [0.5, 0.5], atol=1e-9)
    assert sol.leader_value == pytest.approx(2.5, abs=1e-9)


@settings(max_examples=12, deadline=None)
@given(m=st.integers(2, 5), n=st.integers(2, 5), seed=st.integers(0, 10_000))
def test_agrees_with_openspiel_stackelberg_lp(m, n, seed):
    """OpenSpiel's solver (cvxpy) on the same random general-sum game: the leader's value agrees to 1e-6 (its
    default solver tolerances), and our commitment makes the chosen action a follower best response."""
    import pyspiel
    from open_spiel.python.algorithms.stackelberg_lp import solve_stackelberg

    rng = np.random.default_rng(seed)
    a, b = rng.uniform(-1, 1, (m, n)), rng.uniform(-1, 1, (m, n))
    game = pyspiel.create_matrix_game("g", "g", [str(i) for i in range(m)], [str(j) for j in range(n)],
                                      a.tolist(), b.tolist())
    _, _, theirs, _ = solve_stackelberg(game)
    ours = stackelberg_commitment(FiniteStackelbergGame(a, b))
    assert ours.leader_value == pytest.approx(float(theirs), abs=1e-6)
    follower_payoffs = ours.leader_strategy @ b
    assert follower_payoffs[ours.follower_action] >= follower_payoffs.max() - 1e-9


def test_security_game_commitment_is_at_least_every_pure_strategy():
    game = security_game(6, 2, seed=3)
    assert game.shape == (15, 6)
    sol = stackelberg_commitment(game)
    # committing to any pure strategy (with the follower's leader-favourable best response) is never better
    for i in range(game.shape[0]):
        best = np.flatnonzero(game.follower[i] >= game.follower[i].max() - 1e-12)
        assert game.leader[i, best].max() <= sol.leader_value + 1e-9
    assert np.all(sol.leader_strategy >= 0) and sol.leader_strategy.sum() == pytest.approx(1.0)


def test_bad_input():
    with pytest.raises(InvalidGameError, match=r"leader \(2, 2\) and follower \(2, 3\)"):
        FiniteStackelbergGame(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(InvalidGameError, match="follower: expected finite payoffs"):
        FiniteStackelbergGame(np.zeros((2, 2)), np.array([[0.0, np.nan], [0.0, 0.0]]))
    with pytest.raises(InvalidParameterError, match="resources=4: expected fewer resources than targets"):
        security_game(4, 4)
    with pytest.raises(InvalidParameterError, match="game: expected a FiniteStackelbergGame"):
        stackelberg_commitment(np.zeros((2, 2)))
