"""Named game instances and seeded random generators.

Every entry of :data:`GAMES` is a function of keyword parameters returning a game; ``stratlearn list`` shows them
and a config's ``[game]`` table names one of them with ``name = "..."``. Payoffs are scaled to ``[-1, 1]``, the
normalization ``max |R| <= 1`` assumed by the finite-sample bounds of [1] (Section 3).
"""

from __future__ import annotations

import inspect
from typing import Callable

import numpy as np

from ..errors import (ConfigError, InvalidParameterError, UnknownNameError, check_memory, check_positive_int,
                      check_seed)
from .markov_catalog import entry_deterrence, matching_pennies_markov, pursuit_evasion, random_zero_sum_markov, soccer
from .strategic import cournot, strategic_classification, strategic_regression
from .matrix import MatrixGame
from .vi import VariationalInequality, affine_vi, from_matrix_game, quadratic_game

__all__ = [
    "rock_paper_scissors",
    "matching_pennies",
    "biased_rock_paper_scissors",
    "shapley_game",
    "battle_of_the_sexes",
    "random_zero_sum",
    "random_general_sum",
    "random_zero_sum_markov",
    "soccer",
    "pursuit_evasion",
    "matching_pennies_markov",
    "matrix_game_vi",
    "quadratic_game",
    "affine_vi",
    "entry_deterrence",
    "strategic_regression",
    "strategic_classification",
    "cournot",
    "GAMES",
    "make",
]


def rock_paper_scissors() -> MatrixGame:
    """Rock-paper-scissors: win +1, lose -1, tie 0. Value 0, unique equilibrium uniform for both players."""
    a = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])
    return MatrixGame.zero_sum(a, name="rock_paper_scissors")


def matching_pennies() -> MatrixGame:
    """Matching pennies: the row player wins +1 on a match, the column player on a mismatch. Value 0."""
    return MatrixGame.zero_sum(np.array([[1.0, -1.0], [-1.0, 1.0]]), name="matching_pennies")


def biased_rock_paper_scissors(weight: float = 2.0) -> MatrixGame:
    """Rock-paper-scissors in which rock beats scissors by ``weight`` instead of 1, divided by ``max(1, weight)``
    so entries stay in [-1, 1]. The unique equilibrium is interior and not uniform when ``weight != 1``; the value
    is 0 (the game is skew-symmetric)."""
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight < np.inf:
        raise InvalidParameterError(f"weight={weight!r}: expected a finite number > 0")
    w = float(weight)
    a = np.array([[0.0, -1.0, w], [1.0, 0.0, -1.0], [-w, 1.0, 0.0]]) / max(1.0, w)
    return MatrixGame.zero_sum(a, name="biased_rock_paper_scissors")


def shapley_game() -> MatrixGame:
    """Shapley's (1964) 3x3 general-sum game on which fictitious play does not converge.

    ``A = I`` and ``B`` is the cyclic permutation ``B[a, (a+1) mod 3] = 1``. The unique Nash equilibrium is uniform for
    both players; from any pure start, fictitious play's empirical frequencies cycle with growing period.
    """
    a = np.eye(3)
    b = np.roll(np.eye(3), 1, axis=1)
    return MatrixGame(a, b, name="shapley_game")


def battle_of_the_sexes(weight: float = 1.1) -> MatrixGame:
    """Battle of the sexes with the column player's actions listed in reverse order: the players gain by reaching
    the profiles ``(0, 1)`` (the column player's favourite, payoffs ``(1, weight)``) or ``(1, 0)`` (the row player's,
    ``(weight, 1)``), and 0 elsewhere: ``A = [[0, 1], [weight, 0]] / max(1, weight)``, ``B = Aᵀ`` (divided, like
    every catalog game, so that payoffs lie in [−1, 1]). Three equilibria: the two coordinated profiles and one
    mixed.

    With simultaneous moves and ties to the lowest index, fictitious play started from a mismatch miscoordinates for
    ever: both players switch at the same rounds, so the empirical frequencies approach the mixed equilibrium while the
    pairs actually played are all mismatches (payoff 0). Its joint play stays far from the coarse correlated
    equilibria: the standard example that fictitious play is not Hannan consistent (Fudenberg and Levine, *The
    Theory of Learning in Games*, 1998, Sections 2.9 and 4.4)."""
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight < np.inf:
        raise InvalidParameterError(f"weight={weight!r}: expected a finite number > 0")
    a = np.array([[0.0, 1.0], [float(weight), 0.0]]) / max(1.0, float(weight))
    return MatrixGame(a, a.T.copy(), name="battle_of_the_sexes")


def _check_size(field, value):
    return check_positive_int(field, value)


def random_zero_sum(rows: int = 10, cols: int | None = None, seed: int = 0) -> MatrixGame:
    """A zero-sum game with i.i.d. uniform(-1, 1) payoffs, drawn with ``numpy.random.default_rng(seed)``."""
    rows = _check_size("rows", rows)
    cols = rows if cols is None else _check_size("cols", cols)
    check_memory(f"rows={rows}, cols={cols}", 3 * 8 * rows * cols)   # the draw, A and B = −A in float64
    rng = np.random.default_rng(check_seed(seed))
    return MatrixGame.zero_sum(rng.uniform(-1.0, 1.0, size=(rows, cols)), name=f"random_zero_sum_{rows}x{cols}_s{seed}")


def random_general_sum(rows: int = 10, cols: int | None = None, seed: int = 0) -> MatrixGame:
    """A general-sum game with independent i.i.d. uniform(-1, 1) payoff matrices for the two players."""
    rows = _check_size("rows", rows)
    cols = rows if cols is None else _check_size("cols", cols)
    check_memory(f"rows={rows}, cols={cols}", 2 * 8 * rows * cols)
    rng = np.random.default_rng(check_seed(seed))
    a = rng.uniform(-1.0, 1.0, size=(rows, cols))
    b = rng.uniform(-1.0, 1.0, size=(rows, cols))
    return MatrixGame(a, b, name=f"random_general_sum_{rows}x{cols}_s{seed}")


def matrix_game_vi(game: str = "rock_paper_scissors", options: dict | None = None) -> VariationalInequality:
    """The variational inequality of the catalog matrix game ``game`` built with keyword ``options`` (e.g.
    ``game = "random_zero_sum", options = {rows = 50, seed = 0}`` in a config): ``F(x, y) = (−Ay, −Bᵀx)`` on
    ``Δ_m × Δ_n`` (:func:`stratlearn.games.vi.from_matrix_game`)."""
    if options is not None and not isinstance(options, dict):
        raise ConfigError(f"game 'matrix_game_vi': options must be a table of the matrix game's parameters, got "
                          f"{options!r}")
    inner = make(game, **(options or {}))
    if not isinstance(inner, MatrixGame):
        raise ConfigError(f"game 'matrix_game_vi': {game!r} is a {type(inner).__name__}, expected a matrix game")
    return from_matrix_game(inner)


GAMES: dict[str, Callable[..., MatrixGame]] = {
    "rock_paper_scissors": rock_paper_scissors,
    "matching_pennies": matching_pennies,
    "biased_rock_paper_scissors": biased_rock_paper_scissors,
    "shapley_game": shapley_game,
    "battle_of_the_sexes": battle_of_the_sexes,
    "random_zero_sum": random_zero_sum,
    "random_general_sum": random_general_sum,
    "random_zero_sum_markov": random_zero_sum_markov,
    "soccer": soccer,
    "pursuit_evasion": pursuit_evasion,
    "matching_pennies_markov": matching_pennies_markov,
    "matrix_game_vi": matrix_game_vi,
    "quadratic_game": quadratic_game,
    "affine_vi": affine_vi,
    "entry_deterrence": entry_deterrence,
    "strategic_regression": strategic_regression,
    "strategic_classification": strategic_classification,
    "cournot": cournot,
}


def make(name: str, **params):
    """Build the catalog game ``name`` with keyword ``params``; unknown names or parameters raise a clear error."""
    if not isinstance(name, str) or name not in GAMES:
        raise UnknownNameError("game", name, GAMES)
    maker = GAMES[name]
    accepted = set(inspect.signature(maker).parameters)
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise ConfigError(
            f"game {name!r}: unknown parameter(s) {', '.join(unknown)}; expected some of "
            f"{', '.join(sorted(accepted)) or '(none)'}")
    return maker(**params)
