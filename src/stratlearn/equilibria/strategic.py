"""Exact equilibrium references for the games of [7]: strongly monotone strategic games and general-sum Markov
games whose learner's policy class is restricted.

[7] Handina, Mazumdar. Understanding model selection for learning in strategic environments. NeurIPS 2024.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import InvalidGameError, InvalidParameterError, check_positive, check_positive_int
from .markov import _best_response_value, policy_values

__all__ = ["StrategicEquilibrium", "strategic_equilibrium", "MarkovEquilibrium", "pure_markov_equilibrium"]


@dataclass(frozen=True)
class StrategicEquilibrium:
    """The Nash equilibrium of a :class:`~stratlearn.games.strategic.StrategicGame` on its current domain.

    Attributes:
        z: the equilibrium point (float64), the learner's parameters first.
        learner: the learner's part ``θ*``.
        learner_loss: ``ℓ_L(z*)``, the value [7] compares across model classes.
        residual: the natural residual ``‖z − Π(z − F(z))‖`` at the returned point.
        error_bound: ``(1 + L)/μ · residual``, a bound on ``‖z − z*‖`` for a μ-strongly monotone, L-Lipschitz ``F``.
        iterations: extragradient iterations used.
    """

    z: np.ndarray
    learner: np.ndarray
    learner_loss: float
    residual: float
    error_bound: float
    iterations: int


def strategic_equilibrium(game, *, tol: float = 1e-11, max_iterations: int = 1_000_000) -> StrategicEquilibrium:
    """Solve VI(F, Θ × W) by projected extragradient in float64 with step ``1/(2L)`` (linear convergence at rate
    ``1 − μ/(4L)`` per iteration for a μ-strongly monotone game) until the natural residual is below ``tol``."""
    from ..games.strategic import StrategicGame

    if not isinstance(game, StrategicGame):
        raise InvalidGameError(f"game: expected a StrategicGame, got {type(game).__name__}")
    tol = check_positive("tol", tol)
    max_iterations = check_positive_int("max_iterations", max_iterations)
    constants = game.constants()
    eta = 1.0 / (2.0 * constants.lipschitz)
    with jax.enable_x64(True):
        params = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), game.params)
        project, F = game.domain.project, lambda z: game.operator(params, z)

        def residual(z):
            return jnp.linalg.norm(z - project(z - F(z)))

        def body(carry):
            z, k, _ = carry
            w = project(z - eta * F(z))
            z = project(z - eta * F(w))
            return z, k + 1, residual(z)

        def cond(carry):
            _, k, r = carry
            return (r > tol) & (k < max_iterations)

        z0 = jnp.asarray(game.domain.center(), jnp.float64)
        z, k, r = jax.jit(lambda z0: jax.lax.while_loop(cond, body, (z0, 0, residual(z0))))(z0)
        loss = float(game.loss(params, z))
    z, r = np.asarray(z), float(r)
    if not r <= tol:
        raise InvalidGameError(f"{game.name}: extragradient did not reach residual {tol:g} in {max_iterations} "
                               f"iterations (residual {r:.3g})")
    mu = constants.strong_monotonicity
    return StrategicEquilibrium(z=z, learner=z[:game.learner_size], learner_loss=loss, residual=r,
                                error_bound=(1 + constants.lipschitz) / mu * r, iterations=int(k))


# ------------------------------------------------------------------------------------------------ Markov games
@dataclass(frozen=True)
class MarkovEquilibrium:
    """A pure stationary Markov perfect equilibrium of a general-sum Markov game.

    Attributes:
        row, col: deterministic policies as one-hot arrays (S, A) and (S, B).
        row_values, col_values: each player's value per state.
        row_payoff, col_payoff: ``p₀ᵀ v`` for each player.
        nash_gap: the largest gain, over players and states, of a best response against the other's policy
            (policy iteration): 0 up to rounding certifies a Markov perfect equilibrium from every state, not only
            from ``p₀`` (the ``p₀``-weighted :func:`~stratlearn.equilibria.markov_nash_gap` is at most twice this).
        iterations: rounds of stage-game solving.
    """

    row: np.ndarray
    col: np.ndarray
    row_values: np.ndarray
    col_values: np.ndarray
    row_payoff: float
    col_payoff: float
    nash_gap: float
    iterations: int


def pure_markov_equilibrium(game, *, max_iterations: int = 500, tol: float = 1e-9) -> MarkovEquilibrium:
    """A pure Markov perfect equilibrium by Nash policy iteration: at the current values ``(v¹, v²)`` solve every
    state's stage bimatrix game ``(Q¹(s), Q²(s))`` for its pure equilibrium, evaluate the resulting policy pair
    exactly, and repeat until the pair no longer changes. The result is then *certified*: each player's best
    response against the other is computed by policy iteration, and a gain above ``tol`` in any state raises.

    Raises :class:`InvalidGameError` naming the state where a stage game has no pure equilibrium or several (the
    method needs a unique one to be well defined), or when the iteration does not settle.
    """
    from ..games.markov import MarkovGame

    if not isinstance(game, MarkovGame):
        raise InvalidGameError(f"game: expected a MarkovGame, got {type(game).__name__}")
    max_iterations = check_positive_int("max_iterations", max_iterations)
    if max_iterations < 2:
        raise InvalidParameterError(f"max_iterations={max_iterations}: expected at least 2 (a pair is settled when a "
                                    "round reproduces it)")
    tol = check_positive("tol", tol, allow_zero=True)
    S, A, B = game.shape
    v1, v2 = np.zeros(S), np.zeros(S)
    previous = None
    for it in range(1, max_iterations + 1):
        q1, q2 = (np.asarray(q) for q in game.stage_payoffs(v1, v2))
        eps = 1e-12 * max(1.0, float(np.abs(q1).max()), float(np.abs(q2).max()))
        row_best = q1 >= q1.max(axis=1, keepdims=True) - eps
        col_best = q2 >= q2.max(axis=2, keepdims=True) - eps
        equilibria = row_best & col_best
        counts = equilibria.sum((1, 2))
        if (counts == 0).any():
            s = int(np.flatnonzero(counts == 0)[0])
            raise InvalidGameError(f"{game.name}: the stage game at state {s} has no pure equilibrium")
        if (counts > 1).any():
            s = int(np.flatnonzero(counts > 1)[0])
            pairs = np.argwhere(equilibria[s]).tolist()
            raise InvalidGameError(f"{game.name}: the stage game at state {s} has {int(counts[s])} pure equilibria "
                                   f"{pairs}; expected one")
        flat = equilibria.reshape(S, -1).argmax(1)
        a, b = flat // B, flat % B
        pair = (a, b)
        x, y = np.eye(A)[a], np.eye(B)[b]
        v1, v2 = policy_values(game, x, y)
        if previous is not None and np.array_equal(previous[0], a) and np.array_equal(previous[1], b):
            break
        previous = pair
    else:
        raise InvalidGameError(f"{game.name}: Nash policy iteration did not settle in {max_iterations} rounds")
    b1 = _best_response_value(game, np.asarray(game.row_rewards), y, 0, 0.0)
    b2 = _best_response_value(game, np.asarray(game.col_rewards), x, 1, 0.0)
    gap = float(max((b1 - v1).max(), (b2 - v2).max(), 0.0))
    if gap > tol:
        raise InvalidGameError(f"{game.name}: the settled policy pair is not an equilibrium (a best response gains "
                               f"{gap:.3g})")
    p0 = np.asarray(game.initial)
    return MarkovEquilibrium(row=x, col=y, row_values=v1, col_values=v2, row_payoff=float(p0 @ v1),
                             col_payoff=float(p0 @ v2), nash_gap=gap, iterations=it)
