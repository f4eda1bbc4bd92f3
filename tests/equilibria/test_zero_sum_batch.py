"""Restarted PDHG on batches of zero-sum games: cross-checked with the HiGHS linear program
(:func:`stratlearn.equilibria.solve_zero_sum`), degenerate games, properties, and every bad input named.

Tolerances. Every answer carries its own float64 certificate, the duality gap, which bounds the distance of the
returned value to the true one by half of it; so a value is compared with HiGHS's at ``tol`` (the gap reached, 1e-6
unless stated) plus 1e-9 for HiGHS's own accuracy (its LPs are solved to about 1e-12 on payoffs scaled to [-1, 1]).
Property tests compare two runs of the method at ``2 tol``: each value lies within ``tol / 2`` of the true one.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stratlearn.equilibria.zero_sum import solve_zero_sum
from stratlearn.equilibria.zero_sum_batch import solve_zero_sum_batch
from stratlearn.errors import InvalidGameError, InvalidParameterError
from stratlearn.games.matrix import MatrixGame

TOL = 1e-6


def _check_against_highs(A, result, tol=TOL):
    assert result.converged.all()
    assert (result.duality_gap >= 0).all() and (result.duality_gap <= tol).all()
    np.testing.assert_allclose(result.row.sum(-1), 1.0, atol=1e-12)
    np.testing.assert_allclose(result.col.sum(-1), 1.0, atol=1e-12)
    assert (result.row >= 0).all() and (result.col >= 0).all()
    for g, a in enumerate(A):
        reference = solve_zero_sum(a)
        assert abs(result.value[g] - reference.value) <= tol / 2 + 1e-9
        # the certificate is the true one: recomputed here from the strategies
        gap = (a @ result.col[g]).max() - (result.row[g] @ a).min()
        assert abs(gap - result.duality_gap[g]) <= 1e-12


@pytest.mark.parametrize("shape", [(1, 6), (7, 1), (5, 5), (6, 3)])
def test_values_agree_with_highs_on_random_games(shape):
    A = np.random.default_rng(sum(shape)).normal(size=(12, *shape))
    _check_against_highs(A, solve_zero_sum_batch(A))


def test_degenerate_games_agree_with_highs():
    # integer payoffs in {-2..2} (ties everywhere), a duplicated row and a duplicated column, and games with a pure
    # saddle point (row 0 strictly dominates the others, so the value is row 0's smallest payoff): equilibria need
    # not be unique, nor the supports of the iterates of equal sizes
    rng = np.random.default_rng(11)
    A = rng.integers(-2, 3, size=(16, 5, 5)).astype(float)
    A[:8, -1], A[:8, :, -1] = A[:8, 0], A[:8, :, 0]
    A[8:, 0] = A[8:, 1:].max(axis=1) + 1.0
    result = solve_zero_sum_batch(A)
    _check_against_highs(A, result)
    np.testing.assert_allclose(result.value[8:], A[8:, 0].min(axis=1), atol=TOL)


def test_a_tighter_tolerance_is_reached_and_matrix_games_are_accepted():
    games = [MatrixGame.zero_sum(a) for a in np.random.default_rng(3).normal(size=(6, 5, 5)) * 100.0]
    result = solve_zero_sum_batch(games, tol=1e-9)
    _check_against_highs([g.row_payoffs for g in games], result, tol=1e-9)


def test_a_constant_game_and_a_single_game():
    result = solve_zero_sum_batch(np.full((3, 4), 2.5))
    assert result.value.shape == (1,) and result.value[0] == 2.5 and result.duality_gap[0] == 0.0
    single = solve_zero_sum_batch(np.array([[1.0, -1.0], [-1.0, 1.0]]))     # matching pennies
    np.testing.assert_allclose(single.value, [0.0], atol=TOL)
    np.testing.assert_allclose(single.row[0], [0.5, 0.5], atol=TOL)


def test_a_game_not_finished_in_time_is_reported_not_returned_silently():
    A = np.random.default_rng(5).normal(size=(8, 6, 6))
    result = solve_zero_sum_batch(A, tol=1e-12, max_iterations=3)
    assert not result.converged.all()
    assert (result.iterations <= 3).all()
    # whatever is returned carries its true certificate
    assert ((result.duality_gap <= 1e-12) == result.converged).all()
    assert np.isfinite(result.row).all() and np.isfinite(result.col).all()


# one shape per property (each compiles once), many payoffs
SHAPE = (4, 5)


def _games(seed, count=3):
    return np.random.default_rng(seed).normal(size=(count, *SHAPE))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_the_gap_is_never_negative_and_bounds_the_values(seed):
    A = _games(seed)
    result = solve_zero_sum_batch(A)
    assert (result.duality_gap >= 0).all() and result.converged.all()
    lower = np.einsum("gi,gij->gj", result.row, A).min(-1)
    upper = np.einsum("gij,gj->gi", A, result.col).max(-1)
    assert (lower <= result.value).all() and (result.value <= upper).all()


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_swapping_the_players_negates_the_value(seed):
    A = _games(seed)
    base = solve_zero_sum_batch(A)
    swapped = solve_zero_sum_batch(-np.swapaxes(A, 1, 2))     # the column player as the maximizer
    np.testing.assert_allclose(swapped.value, -base.value, atol=2 * TOL)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_permuting_the_actions_leaves_the_value(seed):
    A = _games(seed)
    rng = np.random.default_rng(seed)
    p, q = rng.permutation(SHAPE[0]), rng.permutation(SHAPE[1])
    base = solve_zero_sum_batch(A)
    moved = solve_zero_sum_batch(A[:, p][:, :, q])
    np.testing.assert_allclose(moved.value, base.value, atol=2 * TOL)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), shift=st.floats(-50, 50))
def test_adding_a_constant_shifts_the_value(seed, shift):
    A = _games(seed)
    base = solve_zero_sum_batch(A)
    shifted = solve_zero_sum_batch(A + shift)
    np.testing.assert_allclose(shifted.value, base.value + shift, atol=2 * TOL)


@pytest.mark.parametrize("call, error, match", [
    (lambda: solve_zero_sum_batch(np.array([[1.0, np.nan]])), InvalidGameError, r"A\[0, 1\]=nan.*finite"),
    (lambda: solve_zero_sum_batch(np.array([[[1.0, np.inf]]])), InvalidGameError, r"A\[0, 0, 1\]=inf"),
    (lambda: solve_zero_sum_batch(np.ones((2, 0))), InvalidGameError, r"A: every player needs at least one action"),
    (lambda: solve_zero_sum_batch(np.ones(3)), InvalidGameError, r"A: expected shape \(m, n\)"),
    (lambda: solve_zero_sum_batch([MatrixGame.zero_sum(np.ones((2, 2))), MatrixGame.zero_sum(np.ones((2, 3)))]),
     InvalidGameError, r"one shape.*\(2, 2\), \(2, 3\)"),
    (lambda: solve_zero_sum_batch(MatrixGame(np.ones((2, 2)), np.ones((2, 2)))), InvalidGameError,
     r"A\[0\]: expected zero-sum"),
    (lambda: solve_zero_sum_batch(np.ones((2, 2)), tol=0.0), InvalidParameterError, r"tol=0.0"),
    (lambda: solve_zero_sum_batch(np.ones((2, 2)), tol=-1e-6), InvalidParameterError, r"tol=-1e-06"),
    (lambda: solve_zero_sum_batch(np.ones((2, 2)), max_iterations=0), InvalidParameterError,
     r"max_iterations=0"),
    (lambda: solve_zero_sum_batch(np.ones((2, 2)), max_iterations=2.5), InvalidParameterError,
     r"max_iterations=2.5"),
])
def test_bad_input_is_refused_naming_the_field(call, error, match):
    with pytest.raises(error, match=match):
        call()
