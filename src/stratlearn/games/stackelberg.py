"""Leader-follower (Stackelberg) problems, [4]: finite two-player games with commitment, and the Stackelberg security
game generator.

[4] Maheshwari, Cheng, Sastry, Ratliff, Mazumdar. Follower agnostic methods for Stackelberg games (arXiv 2302.01421).

The followers a leader learns against, and the leader's decision set, are in :mod:`stratlearn.learners.followers`
(they adapt: learning code, not a game).

A finite Stackelberg game is a bimatrix game in which the leader (rows) commits to a mixed strategy first and the
follower (columns) best-responds, breaking ties in the leader's favour (the strong Stackelberg equilibrium); its
exact solution is :func:`stratlearn.equilibria.stackelberg_commitment`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidGameError, InvalidParameterError, check_positive_int, check_seed

__all__ = ["FiniteStackelbergGame", "security_game"]


@dataclass(frozen=True, eq=False)
class FiniteStackelbergGame:
    """Payoffs (to be maximized) of the leader and the follower, both (leader actions × follower actions)."""

    leader: np.ndarray
    follower: np.ndarray
    name: str = "stackelberg"

    def __post_init__(self):
        shapes = []
        for field in ("leader", "follower"):
            try:
                arr = np.asarray(getattr(self, field), dtype=float)
            except (TypeError, ValueError):
                raise InvalidGameError(f"{field}: expected a matrix of numbers") from None
            if arr.ndim != 2 or 0 in arr.shape:
                raise InvalidGameError(f"{field}: expected a non-empty 2-D payoff matrix, got shape {arr.shape}")
            if not np.isfinite(arr).all():
                raise InvalidGameError(f"{field}: expected finite payoffs")
            object.__setattr__(self, field, arr)
            shapes.append(arr.shape)
        if shapes[0] != shapes[1]:
            raise InvalidGameError(f"leader {shapes[0]} and follower {shapes[1]}: expected payoff matrices of the "
                                   "same shape")

    @property
    def shape(self) -> tuple:
        return self.leader.shape


def security_game(targets: int, resources: int = 1, *, seed: int = 0, reward=(0.0, 10.0), penalty=(-10.0, 0.0)
                  ) -> FiniteStackelbergGame:
    """A random Stackelberg security game in normal form (Kiekintveld et al. 2009). The defender (leader) covers
    ``resources`` of ``targets`` targets (one pure strategy per subset); the attacker (follower) attacks one target.
    Each target has a defender reward (covered) and penalty (uncovered), and an attacker reward (uncovered) and
    penalty (covered), drawn uniformly from ``reward`` and ``penalty``."""
    targets = check_positive_int("targets", targets)
    resources = check_positive_int("resources", resources)
    if resources >= targets:
        raise InvalidParameterError(f"resources={resources}: expected fewer resources than targets ({targets})")
    if len(list(itertools.islice(itertools.combinations(range(targets), resources), 20001))) > 20000:
        raise InvalidParameterError(f"targets={targets}, resources={resources}: more than 20000 defender pure "
                                    "strategies; expected a smaller game")
    rng = np.random.default_rng(check_seed(seed))
    d_reward = rng.uniform(*reward, targets)
    d_penalty = rng.uniform(*penalty, targets)
    a_reward = rng.uniform(*reward, targets)
    a_penalty = rng.uniform(*penalty, targets)
    subsets = list(itertools.combinations(range(targets), resources))
    covered = np.zeros((len(subsets), targets), bool)
    for i, s in enumerate(subsets):
        covered[i, list(s)] = True
    leader = np.where(covered, d_reward, d_penalty)
    follower = np.where(covered, a_penalty, a_reward)
    return FiniteStackelbergGame(leader, follower, name=f"security_game({targets}, {resources}, seed={seed})")
