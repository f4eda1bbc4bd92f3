"""Best responses, the Nash gap and its entropy-regularized variant for matrix games.

All functions take a game and a profile ``(x, y)``. With NumPy inputs they compute in float64 (exact references);
with JAX inputs they stay in JAX and run under ``jit``/``vmap`` (this is how ``simulate`` records them).
"""

from __future__ import annotations

from ..errors import InvalidParameterError
from ..ops import array_module, entropy, smoothed_max

__all__ = ["best_response", "best_response_values", "nash_gap", "regularized_nash_gap", "player_gaps",
           "row_regularized_gap", "row_gap"]


def best_response_values(game, profile):
    """``(max_a (A y)_a, max_b (Bᵀ x)_b)``: each player's best payoff against the other's strategy."""
    x, y = profile
    xp = array_module(x, y)
    return xp.max(game.row_payoff_vector(y), axis=-1), xp.max(game.col_payoff_vector(x), axis=-1)


def best_response(game, profile):
    """Pure best responses ``(argmax_a (A y)_a, argmax_b (Bᵀ x)_b)``; ties go to the lowest index."""
    x, y = profile
    xp = array_module(x, y)
    return xp.argmax(game.row_payoff_vector(y), axis=-1), xp.argmax(game.col_payoff_vector(x), axis=-1)


def player_gaps(game, profile):
    """Each player's gain from deviating: ``(max_x' x'ᵀ A y − xᵀ A y, max_y' xᵀ B y' − xᵀ B y)``."""
    x, y = profile
    ay = game.row_payoff_vector(y)
    bx = game.col_payoff_vector(x)
    xp = array_module(ay, bx)
    return xp.max(ay, axis=-1) - (x * ay).sum(-1), xp.max(bx, axis=-1) - (y * bx).sum(-1)


def nash_gap(game, profile):
    """The Nash gap ``NG(x, y) = max_x' x'ᵀ A y − xᵀ A y + max_y' xᵀ B y' − xᵀ B y`` ([1], Section 2).

    Non-negative, and zero exactly at Nash equilibria. For a zero-sum game it equals the duality gap
    ``max_x' x'ᵀ A y − min_y' xᵀ A y'``.
    """
    g_row, g_col = player_gaps(game, profile)
    return g_row + g_col


def row_gap(game, profile):
    """The row player's gain from deviating, ``max_x' x'ᵀ A y − xᵀ A y`` (the first of :func:`player_gaps`): against
    a fixed opponent, how far the row player is from a best response."""
    return player_gaps(game, profile)[0]


def regularized_nash_gap(game, profile, temperature: float):
    """The entropy-regularized Nash gap at temperature ``τ``.

    Each player's payoff is augmented by ``τ H(π_i)``; the gap is the sum of the players' gains from a regularized
    best response: ``Σ_i [τ log Σ_a exp(u_i(a)/τ) − (π_iᵀ u_i + τ H(π_i))]`` where ``u_row = A y`` and
    ``u_col = Bᵀ x`` (the maximum of ``pᵀu + τH(p)`` over the simplex is ``τ logsumexp(u/τ)``, attained at
    ``σ_τ(u)``). It is zero exactly at the quantal-response (Nash-distribution) equilibrium.
    """
    if isinstance(temperature, (int, float)) and not temperature > 0:
        raise InvalidParameterError(f"temperature={temperature!r}: expected a number > 0")
    x, y = profile
    ay = game.row_payoff_vector(y)
    bx = game.col_payoff_vector(x)
    gap_row = smoothed_max(ay, temperature) - ((x * ay).sum(-1) + temperature * entropy(x))
    gap_col = smoothed_max(bx, temperature) - ((y * bx).sum(-1) + temperature * entropy(y))
    return gap_row + gap_col


def row_regularized_gap(game, profile, temperature: float):
    """The row player's part of :func:`regularized_nash_gap`: ``τ log Σ_a exp(u(a)/τ) − (xᵀu + τ H(x))`` with
    ``u = A y``, which equals ``τ KL(x ‖ σ_τ(A y))``.

    It is zero exactly when the row player plays its smoothed best response ``σ_τ(A y)`` to the column player's
    policy, so against a fixed stationary opponent it measures the rationality property of [1] (a DSBR player facing a
    stationary opponent converges to its smoothed best response, Section 2 of arXiv 2303.03100)."""
    if isinstance(temperature, (int, float)) and not temperature > 0:
        raise InvalidParameterError(f"temperature={temperature!r}: expected a number > 0")
    x, y = profile
    ay = game.row_payoff_vector(y)
    return smoothed_max(ay, temperature) - ((x * ay).sum(-1) + temperature * entropy(x))
