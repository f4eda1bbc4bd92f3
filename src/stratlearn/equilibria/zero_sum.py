"""The value and an equilibrium of a zero-sum matrix game by linear programming (HiGHS, float64).

For the row player (maximizer) the LP is ``max v  s.t.  Aᵀ x >= v 1, 1ᵀ x = 1, x >= 0``, and for the column player
``min w  s.t.  A y <= w 1, 1ᵀ y = 1, y >= 0``. By LP duality (von Neumann's minimax theorem) ``v = w``, the value of
the game, and ``(x, y)`` is a Nash equilibrium.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from ..errors import InvalidGameError
from ..games.matrix import MatrixGame

__all__ = ["ZeroSumSolution", "solve_zero_sum"]


@dataclass(frozen=True)
class ZeroSumSolution:
    """The LP solution of a zero-sum game.

    Attributes:
        value: the game's value ``max_x min_y xᵀ A y`` (row player's payoff), float64.
        row: an equilibrium (maximin) strategy of the row player, float64, on the simplex.
        col: an equilibrium (minimax) strategy of the column player, float64, on the simplex.
        duality_gap: ``|v - w|`` between the two LPs' optimal values (a solver accuracy check, ~1e-12).

    ``certificate`` (a property) is the pair's :class:`~stratlearn.equilibria.NashCertificate`, each player's regret
    recomputed in float64 from the strategies: the one tolerance every equilibrium of the library carries.
    """

    value: float
    row: np.ndarray
    col: np.ndarray
    duality_gap: float
    payoffs: np.ndarray | None = None

    @property
    def certificate(self):
        from .general_sum import nash_certificate

        a = self.payoffs
        if a is None:
            raise InvalidGameError("certificate: this solution carries no payoffs to certify against")
        return nash_certificate(a, -a, self.row, self.col)


def _maximin(a: np.ndarray) -> tuple[float, np.ndarray]:
    """Solve ``max_x min_j (Aᵀ x)_j`` over the simplex; returns the value and ``x``."""
    n, m = a.shape
    # variables (x_1..x_n, v); minimize -v
    c = np.zeros(n + 1)
    c[-1] = -1.0
    a_ub = np.hstack([-a.T, np.ones((m, 1))])  # v - (Aᵀx)_j <= 0
    b_ub = np.zeros(m)
    a_eq = np.concatenate([np.ones(n), [0.0]])[None, :]
    bounds = [(0.0, None)] * n + [(None, None)]
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs")
    if res.status != 0:  # pragma: no cover - a bounded feasible LP with scaled coefficients always solves
        raise InvalidGameError(f"payoffs of shape {a.shape}: HiGHS could not solve the zero-sum LP ({res.message})")
    x = np.clip(res.x[:n], 0.0, None)
    return float(res.x[-1]), x / x.sum()


def solve_zero_sum(game: MatrixGame | np.ndarray) -> ZeroSumSolution:
    """Value and equilibrium strategies of a zero-sum matrix game (HiGHS via ``scipy.optimize.linprog``).

    Args:
        game: a zero-sum :class:`~stratlearn.games.MatrixGame`, or the row player's payoff matrix ``A``.

    Returns:
        A :class:`ZeroSumSolution` with float64 ``value``, ``row`` and ``col``.

    Raises:
        InvalidGameError: if ``game`` is not zero-sum.
    """
    if not isinstance(game, MatrixGame):
        game = MatrixGame.zero_sum(game)
    if not game.is_zero_sum:
        raise InvalidGameError(
            f"game {game.name!r}: expected a zero-sum game (col_payoffs == -row_payoffs); use a general-sum "
            f"solver or MatrixGame.zero_sum(A)")
    a = np.asarray(game.row_payoffs, dtype=np.float64)
    # The equilibrium strategies do not change when A is scaled, and the value scales with it: solving A / max|A|
    # keeps HiGHS's coefficients in [-1, 1] for every finite payoff (at 1e300 it stopped with a model error).
    scale = float(np.abs(a).max())
    if scale == 0.0:
        n, m = a.shape
        return ZeroSumSolution(value=0.0, row=np.full(n, 1.0 / n), col=np.full(m, 1.0 / m), duality_gap=0.0,
                               payoffs=a)
    v, x = _maximin(a / scale)
    w_neg, y = _maximin(-a.T / scale)  # the column player maximizes min_i (-A y)_i
    v, w = v * scale, -w_neg * scale
    return ZeroSumSolution(value=v, row=x, col=y, duality_gap=abs(v - w), payoffs=a)
