"""Certified Lemke–Howson on batches of general-sum games: cross-checked with Nashpy and QuantEcon (two independent
implementations), degenerate games, properties, and every bad input named.

Tolerances. Every equilibrium must carry a regret below 1e-9: the pivots run in float64 on payoffs of order one, so
the regret of an exact vertex is rounding (measured 1e-15 to 3e-14); 1e-9 leaves five orders for harder games and
still refuses anything that is not an equilibrium (a wrong support has a regret of order the payoffs). Agreement with
the anchors is judged at 1e-8 on the strategies, for the same reason.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stratlearn.equilibria.general_sum import lemke_howson, nash_certificate
from stratlearn.errors import InvalidGameError, InvalidParameterError
from stratlearn.games.matrix import MatrixGame

nash = pytest.importorskip("nashpy")


def _random_games(seed, count, shape, integers=False):
    rng = np.random.default_rng(seed)
    if integers:
        return (rng.integers(-2, 3, size=(count, *shape)).astype(float),
                rng.integers(-2, 3, size=(count, *shape)).astype(float))
    return rng.normal(size=(count, *shape)), rng.normal(size=(count, *shape))


@pytest.mark.parametrize("shape", [(2, 2), (3, 4), (5, 5)])
def test_every_label_reaches_the_equilibrium_nashpy_reaches(shape):
    # up to 5x5: on 8x6 games Nashpy's integer-pivoting tableau overflows (its entries grow with every pivot, never
    # rescaled) and its loop does not end (measured with nashpy 0.0.43); QuantEcon is the anchor there
    A, B = _random_games(sum(shape), 25, shape)
    result = lemke_howson(A, B)
    assert result.converged.all() and result.certificate.epsilon.max() < 1e-9
    for g in range(len(A)):
        game = nash.Game(A[g], B[g])
        for k in range(sum(shape)):
            x, y = game.lemke_howson(initial_dropped_label=k)
            np.testing.assert_allclose(result.row[g, k], x, atol=1e-8)
            np.testing.assert_allclose(result.col[g, k], y, atol=1e-8)


@pytest.mark.parametrize("shape", [(6, 7), (8, 8)])
def test_every_label_reaches_the_equilibrium_quantecon_reaches(shape):
    gt = pytest.importorskip("quantecon.game_theory")
    A, B = _random_games(7, 40, shape)
    result = lemke_howson(A, B)
    assert result.converged.all() and result.certificate.epsilon.max() < 1e-9
    for g in range(len(A)):
        game = gt.NormalFormGame((gt.Player(A[g]), gt.Player(B[g].T)))
        for k in range(sum(shape)):
            x, y = gt.lemke_howson(game, init_pivot=k)
            np.testing.assert_allclose(result.row[g, k], x, atol=1e-8)
            np.testing.assert_allclose(result.col[g, k], y, atol=1e-8)


@pytest.mark.parametrize("shape", [(2, 2), (4, 4), (5, 3), (8, 8)])
def test_degenerate_games_converge_to_certified_equilibria(shape):
    # integer payoffs in {-2..2} (ties everywhere), a duplicated row and a duplicated column: the lexicographic
    # ratio test keeps every path finite and every answer an equilibrium
    A, B = _random_games(100 + sum(shape), 120, shape, integers=True)
    A[:, -1], B[:, -1] = A[:, 0], B[:, 0]
    A[:, :, -1], B[:, :, -1] = A[:, :, 0], B[:, :, 0]
    result = lemke_howson(A, B)
    assert result.converged.all()
    assert result.certificate.epsilon.max() < 1e-9
    assert (result.certificate.regrets >= 0).all()


def test_a_zero_sum_game_gives_its_value():
    from stratlearn.equilibria import solve_zero_sum
    from stratlearn.games.catalog import random_zero_sum

    game = random_zero_sum(7, 5, seed=3)
    result = lemke_howson(game, labels=[0, 4, 9])
    value = solve_zero_sum(game).value
    for k in range(3):
        x, y = result.row[0, k], result.col[0, k]
        assert abs(x @ game.row_payoffs @ y - value) < 1e-9


def test_distinct_equilibria_of_a_coordination_game():
    # two pure equilibria and one mixed; the labels reach the pure ones (Lemke-Howson never reaches every one)
    A = np.array([[2.0, 0.0], [0.0, 1.0]])
    result = lemke_howson(A, A)
    found = result.equilibria()
    assert 1 <= len(found) <= 3
    for x, y in found:
        assert nash_certificate(A, A, x, y).epsilon < 1e-12


def test_the_certificate_measures_a_deviation():
    A = np.array([[1.0, 0.0], [0.0, 1.0]])
    cert = nash_certificate(A, -A, [1.0, 0.0], [1.0, 0.0])      # matching pennies at a pure profile
    np.testing.assert_allclose(cert.regrets, [0.0, 1.0])
    assert cert.epsilon == 1.0


# a few shapes (each compiles once), many payoffs
SHAPES = st.sampled_from([(1, 3), (2, 2), (3, 2), (4, 5)])


@settings(max_examples=40, deadline=None)
@given(shape=SHAPES, seed=st.integers(0, 2**31 - 1))
def test_certificates_are_never_negative_and_answers_are_equilibria(shape, seed):
    m, n = shape
    A, B = _random_games(seed, 3, (m, n))
    result = lemke_howson(A, B)
    assert (result.certificate.regrets >= 0).all() and result.certificate.epsilon.max() < 1e-9
    assert np.allclose(result.row.sum(-1), 1) and np.allclose(result.col.sum(-1), 1)


@settings(max_examples=30, deadline=None)
@given(shape=SHAPES.filter(lambda s: min(s) >= 2), seed=st.integers(0, 2**31 - 1))
def test_a_strictly_dominant_strategy_is_played(shape, seed):
    m, n = shape
    A, B = _random_games(seed, 1, (m, n))
    A[0, 0] = A[0].max(axis=0) + 1.0                    # the row player's action 0 beats every other, column by column
    result = lemke_howson(A, B)
    np.testing.assert_allclose(result.row[0, :, 0], 1.0, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(shape=SHAPES.filter(lambda s: min(s) >= 2), seed=st.integers(0, 2**31 - 1))
def test_permuting_the_actions_permutes_the_equilibria(shape, seed):
    m, n = shape
    # a generic game has one Lemke-Howson path per label; relabelling the actions relabels the path
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(m, n)), rng.normal(size=(m, n))
    p, q = rng.permutation(m), rng.permutation(n)
    base = lemke_howson(A, B)
    moved = lemke_howson(A[p][:, q], B[p][:, q])
    label_map = np.concatenate([np.argsort(p), m + np.argsort(q)])   # label k of the base game in the permuted one
    for k in range(m + n):
        j = label_map[k]
        np.testing.assert_allclose(moved.row[0, j], base.row[0, k][p], atol=1e-9)
        np.testing.assert_allclose(moved.col[0, j], base.col[0, k][q], atol=1e-9)


def test_a_path_longer_than_allowed_is_reported_not_returned_silently():
    A, B = _random_games(5, 20, (6, 6))
    result = lemke_howson(A, B, max_pivots=1)
    assert not result.converged.all() and np.isfinite(result.row).all() and np.isfinite(result.col).all()


@pytest.mark.parametrize("call, error, match", [
    (lambda: lemke_howson(np.ones((2, 3)), np.ones((3, 2))), InvalidGameError, r"B: expected the shape of A"),
    (lambda: lemke_howson(np.array([[1.0, np.nan]]), np.ones((1, 2))), InvalidGameError, r"A\[0, 1\]=nan.*finite"),
    (lambda: lemke_howson(np.ones((2, 2)), np.array([[1.0, np.inf], [0, 0]])), InvalidGameError, r"B\[0, 1\]=inf"),
    (lambda: lemke_howson([MatrixGame(np.ones((2, 2)), np.ones((2, 2))), MatrixGame(np.ones((2, 3)), np.ones((2, 3)))]),
     InvalidGameError, r"one shape.*\(2, 2\), \(2, 3\)"),
    (lambda: lemke_howson(np.ones((2, 2)), np.ones((2, 2)), labels=[4]), InvalidParameterError,
     r"labels: 4 is out of range; expected integers in 0..3"),
    (lambda: lemke_howson(np.ones((2, 2)), np.ones((2, 2)), labels=[-1]), InvalidParameterError, r"out of range"),
    (lambda: lemke_howson(np.ones((2, 2)), np.ones((2, 2)), labels=[0.5]), InvalidParameterError, r"labels=.*integers"),
    (lambda: lemke_howson(np.ones((0, 2)), np.ones((0, 2))), InvalidGameError, r"at least one action"),
    (lambda: lemke_howson(np.ones((2, 2)), np.ones((2, 2)), max_pivots=0), InvalidParameterError, r"max_pivots=0"),
    (lambda: lemke_howson("payoffs"), InvalidGameError, r"A: expected an array of numbers"),
])
def test_bad_input_is_refused_naming_the_field(call, error, match):
    with pytest.raises(error, match=match):
        call()
