"""Fictitious play and smoothed fictitious play for two-player matrix games.

Fictitious play (Brown 1951, Robinson 1951): at each round both players best-respond to the empirical frequency of
the opponent's past actions. Smoothed fictitious play (Fudenberg and Kreps 1993): the best response is replaced by
the softmax ``σ_τ`` at temperature ``τ``, so actions are sampled from a logit response and the empirical frequencies
converge to the quantal-response (Nash-distribution) equilibrium in zero-sum games.

State: the empirical frequencies ``x`` (row) and ``y`` (column), the payoff vectors ``A y`` and ``Bᵀ x`` kept up to date
incrementally (O(n + m) per round instead of O(nm)), and the round counter. The policy is ``(x, y)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp

from ..errors import check_positive
from ..ops import renormalize, softmax
from ..schedules import Schedule
from .base import MatrixLearner, sample_action, schedule_param

__all__ = ["FictitiousPlay", "SmoothedFictitiousPlay", "BeliefState"]


class BeliefState(NamedTuple):
    row_freq: jax.Array      # x: empirical frequency of the row player's actions
    col_freq: jax.Array      # y: empirical frequency of the column player's actions
    row_payoffs: jax.Array   # A y: row player's expected payoff of each action against y
    col_payoffs: jax.Array   # Bᵀ x: column player's expected payoff of each action against x
    count: jax.Array         # rounds averaged so far (int32)


def _first_round(game, key) -> BeliefState:
    """Both players start from a uniformly random pure action (the seed's only effect on plain FP)."""
    a_payoffs = jnp.asarray(game.row_payoffs)
    b_payoffs = jnp.asarray(game.col_payoffs)
    n, m = a_payoffs.shape
    key_a, key_b = jax.random.split(key)
    a = jax.random.randint(key_a, (), 0, n)
    b = jax.random.randint(key_b, (), 0, m)
    dtype = a_payoffs.dtype
    return BeliefState(jax.nn.one_hot(a, n, dtype=dtype), jax.nn.one_hot(b, m, dtype=dtype),
                       a_payoffs[:, b], b_payoffs[a, :], jnp.ones((), jnp.int32))


def _average_in(state: BeliefState, game, a, b, weight) -> BeliefState:
    """Move the frequencies (and the payoff vectors they induce) a fraction ``weight`` toward the new actions."""
    a_payoffs = jnp.asarray(game.row_payoffs)
    b_payoffs = jnp.asarray(game.col_payoffs)
    n, m = a_payoffs.shape
    x = state.row_freq + weight * (jax.nn.one_hot(a, n, dtype=state.row_freq.dtype) - state.row_freq)
    y = state.col_freq + weight * (jax.nn.one_hot(b, m, dtype=state.col_freq.dtype) - state.col_freq)
    ay = state.row_payoffs + weight * (a_payoffs[:, b] - state.row_payoffs)
    bx = state.col_payoffs + weight * (b_payoffs[a, :] - state.col_payoffs)
    return BeliefState(x, y, ay, bx, state.count + 1)


@dataclass(frozen=True)
class FictitiousPlay(MatrixLearner):
    """Simultaneous discrete-time fictitious play.

    Round ``t``: ``a_t = argmax_a (A y_t)_a`` and ``b_t = argmax_b (Bᵀ x_t)_b``, then
    ``x_{t+1} = x_t + (e_{a_t} − x_t)/(t+1)`` and likewise ``y``. Ties go to the lowest action index (deterministic;
    ``jnp.argmax`` semantics). Round 0 draws each player's first action uniformly at random from the key, so
    different seeds start from different pure profiles and are otherwise deterministic.

    The gap of ``(x_t, y_t)`` tends to 0 in zero-sum games (Robinson 1951) and need not in general-sum games
    (Shapley 1964; see ``catalog.shapley_game``).
    """

    name = "fictitious_play"

    def init(self, game, key):
        return _first_round(game, key)

    def step(self, game, state, key):
        a = jnp.argmax(state.row_payoffs)
        b = jnp.argmax(state.col_payoffs)
        weight = 1.0 / (state.count + 1).astype(state.row_freq.dtype)
        return _average_in(state, game, a, b, weight)

    def policy(self, game, state):
        return renormalize(state.row_freq), renormalize(state.col_freq)

    def play(self, game, state):
        """The pure best responses the next round plays (one-hot), ties to the lowest index as in :meth:`step`."""
        n, m = state.row_payoffs.shape[-1], state.col_payoffs.shape[-1]
        dtype = state.row_freq.dtype
        return (jax.nn.one_hot(jnp.argmax(state.row_payoffs), n, dtype=dtype),
                jax.nn.one_hot(jnp.argmax(state.col_payoffs), m, dtype=dtype))


@dataclass(frozen=True)
class SmoothedFictitiousPlay(MatrixLearner):
    """Stochastic smoothed fictitious play (Fudenberg and Kreps 1993).

    Round ``t``: sample ``a_t ~ σ_τ(A y_t)`` and ``b_t ~ σ_τ(Bᵀ x_t)`` and average them into the frequencies with weight
    ``w_t``. By default ``w_t = 1/(t+1)`` (empirical frequencies); a ``step_size`` schedule replaces it by
    ``w_t = step_size(t − 1)``. With ``sampled=False`` the frequencies move toward the full smoothed best responses
    ``σ_τ(·)`` instead of a sampled action (the deterministic dynamics; O(nm) per round).

    Args:
        temperature: ``τ > 0`` of the softmax.
        step_size: ``None`` (empirical averaging) or a schedule with steps in (0, 1].
        sampled: sample actions (default) or average in the mixed smoothed best responses.
    """

    temperature: float = 0.05
    step_size: Schedule | float | None = None
    sampled: bool = True

    name = "smoothed_fictitious_play"

    def __post_init__(self):
        object.__setattr__(self, "temperature", check_positive("temperature", self.temperature))
        if self.step_size is not None:
            schedule_param(self, "step_size", largest=1.0)
        object.__setattr__(self, "sampled", bool(self.sampled))

    def init(self, game, key):
        return _first_round(game, key)

    def _weight(self, state):
        if self.step_size is None:
            return 1.0 / (state.count + 1).astype(state.row_freq.dtype)
        return self.step_size(state.count - 1).astype(state.row_freq.dtype)

    def step(self, game, state, key):
        p_row = softmax(state.row_payoffs, self.temperature)
        p_col = softmax(state.col_payoffs, self.temperature)
        weight = self._weight(state)
        if self.sampled:
            u = jax.random.uniform(key, (2,), dtype=p_row.dtype)
            return _average_in(state, game, sample_action(u[0], p_row), sample_action(u[1], p_col), weight)
        a_payoffs = jnp.asarray(game.row_payoffs)
        b_payoffs = jnp.asarray(game.col_payoffs)
        x = state.row_freq + weight * (p_row - state.row_freq)
        y = state.col_freq + weight * (p_col - state.col_freq)
        return state._replace(row_freq=x, col_freq=y, row_payoffs=a_payoffs @ y, col_payoffs=x @ b_payoffs,
                              count=state.count + 1)

    def policy(self, game, state):
        return renormalize(state.row_freq), renormalize(state.col_freq)

    def play(self, game, state):
        """The logit responses the next round samples from (or averages in, with ``sampled=False``)."""
        return softmax(state.row_payoffs, self.temperature), softmax(state.col_payoffs, self.temperature)
