"""Full-information baselines for matrix games: optimistic multiplicative weights, extragradient, regret matching+.

Unlike the payoff-based learners these observe each player's whole expected payoff vector (``A y`` for the row
player, ``Bᵀ x`` for the column player) at every iteration; they are the standard comparison points for
last-iterate (OMWU, extragradient) and average-iterate (RM+) convergence. They use no randomness: every seed gives
the same trajectory from the uniform starting point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp

from ..errors import InvalidParameterError
from ..ops import project_simplex, softmax, uniform
from ..schedules import Schedule, constant
from .base import MatrixLearner, schedule_param

__all__ = ["OptimisticMultiplicativeWeights", "Extragradient", "RegretMatchingPlus"]


def _payoff_vectors(game, x, y):
    return jnp.asarray(game.row_payoffs) @ y, x @ jnp.asarray(game.col_payoffs)


class OMWUState(NamedTuple):
    row_logits: jax.Array
    col_logits: jax.Array
    row_prev: jax.Array   # A y_{t-1}
    col_prev: jax.Array   # Bᵀ x_{t-1}
    k: jax.Array


@dataclass(frozen=True)
class OptimisticMultiplicativeWeights(MatrixLearner):
    """Optimistic multiplicative weights (Daskalakis and Panageas 2019):
    ``x_{t+1} ∝ x_t ⊙ exp(η_t (2 A y_t − A y_{t−1}))`` and likewise for ``y`` with ``Bᵀ x``. Its last iterate converges
    in zero-sum games with a unique equilibrium for small constant ``η``. Kept in log space for stability.

    Args:
        step_size: ``η_t``, a schedule or a number > 0.
    """

    step_size: Schedule | float = constant(0.1)

    name = "omwu"

    def __post_init__(self):
        schedule_param(self, "step_size")

    def init(self, game, key):
        n, m = game.shape
        x, y = uniform(n), uniform(m)
        ay, bx = _payoff_vectors(game, x, y)
        return OMWUState(jnp.zeros(n), jnp.zeros(m), ay, bx, jnp.zeros((), jnp.int32))

    def step(self, game, state, key):
        x, y = self.policy(game, state)
        ay, bx = _payoff_vectors(game, x, y)
        eta = self.step_size(state.k)
        row_logits = state.row_logits + eta * (2.0 * ay - state.row_prev)
        col_logits = state.col_logits + eta * (2.0 * bx - state.col_prev)
        return OMWUState(row_logits - row_logits.max(), col_logits - col_logits.max(), ay, bx, state.k + 1)

    def policy(self, game, state):
        return softmax(state.row_logits), softmax(state.col_logits)


class PairState(NamedTuple):
    row: jax.Array
    col: jax.Array
    k: jax.Array


@dataclass(frozen=True)
class Extragradient(MatrixLearner):
    """Projected extragradient (Korpelevich 1976) on the product of simplices:
    ``x' = Π(x + η A y)``, ``y' = Π(y + η Bᵀ x)``, then ``x ← Π(x + η A y')``, ``y ← Π(y + η Bᵀ x')``, with ``Π`` the
    Euclidean projection onto the simplex. Last-iterate convergent in zero-sum games for ``η < 1/||A||``.

    Args:
        step_size: ``η_t``, a schedule or a number > 0.
    """

    step_size: Schedule | float = constant(0.1)

    name = "extragradient"

    def __post_init__(self):
        schedule_param(self, "step_size")

    def init(self, game, key):
        n, m = game.shape
        return PairState(uniform(n), uniform(m), jnp.zeros((), jnp.int32))

    def step(self, game, state, key):
        eta = self.step_size(state.k)
        x, y = state.row, state.col
        ay, bx = _payoff_vectors(game, x, y)
        x_half, y_half = project_simplex(x + eta * ay), project_simplex(y + eta * bx)
        ay_half, bx_half = _payoff_vectors(game, x_half, y_half)
        return PairState(project_simplex(x + eta * ay_half), project_simplex(y + eta * bx_half), state.k + 1)

    def policy(self, game, state):
        return state.row, state.col


class RMPlusState(NamedTuple):
    row_regret: jax.Array
    col_regret: jax.Array
    row_sum: jax.Array     # weighted sum of past strategies
    col_sum: jax.Array
    weight_sum: jax.Array
    k: jax.Array


_AVERAGES = ("last", "uniform", "linear")


@dataclass(frozen=True)
class RegretMatchingPlus(MatrixLearner):
    """Regret matching+ (Tammelin 2014), simultaneous updates.

    ``x_t ∝ Q_t`` (uniform when ``Q_t = 0``), ``Q_{t+1} = max(Q_t + A y_t − (x_tᵀ A y_t) 1, 0)``, likewise for the
    column player. The reported policy is an average of the ``x_t``: ``"linear"`` (weights ``t+1``, the usual CFR+
    choice, default), ``"uniform"``, or ``"last"`` (the current iterate).
    """

    average: str = "linear"

    name = "regret_matching_plus"

    def __post_init__(self):
        if self.average not in _AVERAGES:
            raise InvalidParameterError(f"average={self.average!r}: expected one of {', '.join(_AVERAGES)}")

    def init(self, game, key):
        n, m = game.shape
        return RMPlusState(jnp.zeros(n), jnp.zeros(m), jnp.zeros(n), jnp.zeros(m), jnp.zeros(()),
                           jnp.zeros((), jnp.int32))

    @staticmethod
    def _current(regret):
        total = regret.sum()
        return jnp.where(total > 0, regret / jnp.where(total > 0, total, 1.0), 1.0 / regret.shape[-1])

    def step(self, game, state, key):
        x, y = self._current(state.row_regret), self._current(state.col_regret)
        ay, bx = _payoff_vectors(game, x, y)
        row_regret = jnp.maximum(state.row_regret + ay - x @ ay, 0.0)
        col_regret = jnp.maximum(state.col_regret + bx - y @ bx, 0.0)
        w = (state.k + 1).astype(x.dtype) if self.average == "linear" else jnp.ones((), x.dtype)
        return RMPlusState(row_regret, col_regret, state.row_sum + w * x, state.col_sum + w * y,
                           state.weight_sum + w, state.k + 1)

    def play(self, game, state):
        """The current iterate ``(x_t, y_t)``, whatever average :meth:`policy` reports."""
        return self._current(state.row_regret), self._current(state.col_regret)

    def policy(self, game, state):
        if self.average == "last":
            return self._current(state.row_regret), self._current(state.col_regret)
        safe = jnp.where(state.weight_sum > 0, state.weight_sum, 1.0)
        n, m = state.row_sum.shape[-1], state.col_sum.shape[-1]
        x = jnp.where(state.weight_sum > 0, state.row_sum / safe, 1.0 / n)
        y = jnp.where(state.weight_sum > 0, state.col_sum / safe, 1.0 / m)
        return x, y
