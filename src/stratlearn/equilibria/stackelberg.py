"""Exact strong Stackelberg equilibria of finite two-player games by linear programming, [4].

For each follower action ``j`` one LP (Conitzer and Sandholm, EC 2006) finds the leader's mixed strategy ``p`` that
maximizes the leader's payoff ``pᵀ A[:, j]`` subject to ``j`` being a follower best response,
``pᵀ B[:, j] ≥ pᵀ B[:, k]`` for every ``k``; the best of the feasible LPs is the commitment (ties between follower
best responses are broken in the leader's favour). Solved with HiGHS (:func:`scipy.optimize.linprog`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from ..errors import InvalidParameterError, StratlearnError
from ..games.stackelberg import FiniteStackelbergGame

__all__ = ["StackelbergSolution", "stackelberg_commitment"]


@dataclass(frozen=True)
class StackelbergSolution:
    """The leader's optimal commitment ``leader_strategy``, the follower's (pure) best response ``follower_action``,
    both players' payoffs, and the LP value for every follower action (``-inf`` where that action cannot be
    induced)."""

    leader_strategy: np.ndarray
    follower_action: int
    leader_value: float
    follower_value: float
    values: np.ndarray


def stackelberg_commitment(game: FiniteStackelbergGame) -> StackelbergSolution:
    """The strong Stackelberg equilibrium of ``game`` (one HiGHS LP per follower action)."""
    if not isinstance(game, FiniteStackelbergGame):
        raise InvalidParameterError(f"game: expected a FiniteStackelbergGame, got {type(game).__name__}")
    a, b = game.leader, game.follower
    m, n = a.shape
    values = np.full(n, -np.inf)
    strategies = [None] * n
    for j in range(n):
        others = [k for k in range(n) if k != j]
        a_ub = (b[:, others] - b[:, [j]]).T if others else None         # p·(B[:, k] − B[:, j]) ≤ 0
        res = linprog(-a[:, j], A_ub=a_ub, b_ub=np.zeros(len(others)) if others else None,
                      A_eq=np.ones((1, m)), b_eq=[1.0], bounds=[(0, None)] * m, method="highs")
        if res.status == 0:
            p = np.maximum(res.x, 0.0)
            strategies[j] = p / p.sum()
            values[j] = float(strategies[j] @ a[:, j])
        elif res.status != 2:          # 2: infeasible (j is never a best response)
            raise StratlearnError(f"the LP for follower action {j} failed: {res.message}")
    j = int(np.argmax(values))
    p = strategies[j]
    return StackelbergSolution(leader_strategy=p, follower_action=j, leader_value=float(values[j]),
                               follower_value=float(p @ b[:, j]), values=values)
