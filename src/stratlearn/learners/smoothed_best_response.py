"""Doubly smoothed best-response dynamics (DSBR), Algorithm 1 of [1].

[1] Chen, Zhang, Mazumdar, Ozdaglar, Wierman. A finite-sample analysis of payoff-based independent learning in
zero-sum stochastic games. NeurIPS 2023 (arXiv 2303.03100).

Each player ``i`` keeps a local q-function ``q^i`` (an estimate of its payoff vector against the opponent's current
policy) and a policy ``π^i``. At iteration ``k``:

* line 3:  ``π^i_{k+1} = π^i_k + β_k (σ_τ(q^i_k) − π^i_k)``              (smoothing 1: a slow policy step)
* line 4:  play ``A^i_k ~ π^i_{k+1}`` and observe only the own payoff ``R^i(A^i_k, A^{-i}_k)``
* line 5:  ``q^i_{k+1}(a) = q^i_k(a) + α_k 1{a = A^i_k} (R^i(A^i_k, A^{-i}_k) − q^i_k(A^i_k))``   (a TD step)

with ``σ_τ`` the softmax at temperature ``τ`` (smoothing 2), ``α_k = α/(k+h)^z`` and ``β_k = c_{α,β} α_k``,
``c_{α,β} ∈ (0, 1)``. Initialization (line 1): ``q_0 = 0`` and ``π_0`` uniform. The players never see the opponent's
action, policy or payoffs: the dynamics are payoff-based and independent.

Theorem 2.1 of [1] bounds ``E[NG(π_K)]`` by a convergence term, a variance term ``∝ α / c_{α,β}`` and the smoothing
bias ``2τ log A_max``, provided ``c_{α,β} <= ℓ_τ³ τ³ / (c_0 A_max²)``: the admissible policy/q step ratio shrinks like
``τ³``.

Defaults. The constants ``ℓ_τ, c_0`` of the theorem are not numerically useful, so the default ratio is the theorem's
scaling anchored at one calibration measurement: on rock-paper-scissors at ``τ = 0.05``, a constant ``α = 0.01``
with ``c = 0.003`` ends near a Nash gap of 0.10 after 10^6 samples (below the bias 0.11), whereas ``c = 0.01``
stalls and ``c = 0.3`` cycles (docs/learners.md). Rock-paper-scissors is only the calibration game: no claim of the
``matrix-games`` study is judged on it. ``policy_rate_ratio=None`` (the default) uses
``c = 0.003 · min(1, (τ / 0.05)³)``: the anchor, scaled like the theorem's ``τ³`` below τ = 0.05 and never raised
above the calibrated value (grown to 0.024 at τ = 0.1 with constant steps, it stalled on rock-paper-scissors). Below τ ≈ 0.0017 the default would fall
under float32's resolution and is refused (pass the ratio). The theorem's condition also shrinks like
``1/A_max²``; the default does not apply that factor (at ``A = 10`` and ``τ = 0.05`` the default still settles under
the bias, ``stratlearn reproduce matrix-games``), but its rate claims use the whole scaling,
``0.003 (τ/0.05)³ (3/A_max)²`` (:func:`stratlearn.studies.matrix_games.theorem_ratio`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp

from ..errors import InvalidParameterError, check_in_range, check_positive
from ..ops import renormalize, softmax, uniform
from ..schedules import Schedule, constant
from .base import MatrixLearner, sample_action, schedule_param

__all__ = ["DoublySmoothedBestResponse", "DSBRState", "default_policy_rate_ratio"]


FLOAT32_RESOLUTION = float(2.0**-23)
"""The spacing of float32 numbers just below 1: a policy entry moved by less than this stays where it is."""


def default_policy_rate_ratio(temperature: float) -> float:
    """``c_{α,β} = 0.003 · min(1, (τ/0.05)³)``: the ratio measured at τ = 0.05, scaled like Theorem 2.1's condition
    ``c_{α,β} ∝ τ³`` below it and capped at 0.003 above it."""
    return 0.003 * min(1.0, (temperature / 0.05) ** 3)


def _probability_tuple(field: str, value) -> tuple:
    """``value`` as a tuple of floats forming a probability vector (hashable, so the learner stays a static argument
    of ``jit``)."""
    import numpy as np

    try:
        probs = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{field}={value!r}: expected a sequence of probabilities") from None
    if probs.ndim != 1 or probs.size < 1 or not np.all(np.isfinite(probs)) or np.any(probs < 0) \
            or abs(probs.sum() - 1.0) > 1e-6:
        raise InvalidParameterError(f"{field}={value!r}: expected a vector of finite probabilities >= 0 summing to 1")
    return tuple(float(v) for v in probs)


class DSBRState(NamedTuple):
    row_q: jax.Array      # q^1 (n,)
    col_q: jax.Array      # q^2 (m,)
    row_policy: jax.Array  # π^1 (n,)
    col_policy: jax.Array  # π^2 (m,)
    k: jax.Array          # iteration counter (int32)


@dataclass(frozen=True)
class DoublySmoothedBestResponse(MatrixLearner):
    """DSBR, Algorithm 1 of [1] (see the module docstring for the update equations).

    Args:
        temperature: ``τ > 0`` in ``σ_τ``; the Nash gap converges to within ``2τ log A_max`` (Theorem 2.1).
        policy_rate_ratio: ``c_{α,β} ∈ (0, 1)``, the ratio ``β_k / α_k``; ``None`` picks
            :func:`default_policy_rate_ratio` ``(τ)``.
        step_size: the q-function step ``α_k``: a schedule (``constant(α)`` or ``harmonic(α, h, z)``) or a number,
            with every step in (0, 1].
        opponent_policy: ``None`` (both players learn), or a fixed stationary policy of the column player (a
            probability vector over its actions). The column player then plays it at every step and does not learn;
            only the row player runs Algorithm 1. This is the setting of [1]'s rationality property: a DSBR player
            facing a stationary opponent converges to its smoothed best response ``σ_τ(A y)`` (measure it with the
            ``row_regularized_gap:<τ>`` metric).
    """

    temperature: float = 0.05
    policy_rate_ratio: float | None = None
    step_size: Schedule | float = constant(0.01)
    opponent_policy: tuple | None = None

    name = "dsbr"

    def __post_init__(self):
        object.__setattr__(self, "temperature", check_positive("temperature", self.temperature))
        ratio = self.policy_rate_ratio
        if ratio is None:
            ratio = default_policy_rate_ratio(self.temperature)
            if ratio < FLOAT32_RESOLUTION:
                # β = c·α ≤ c: a policy entry of order 1 moves by less than float32's resolution, so the policy would
                # never change, silently
                raise InvalidParameterError(
                    f"temperature={self.temperature:g}: the default policy_rate_ratio 0.003·(τ/0.05)³ = {ratio:.3g} "
                    f"is below float32's resolution {FLOAT32_RESOLUTION:.3g}, so the policies would never move; pass "
                    f"policy_rate_ratio explicitly (Theorem 2.1's c ∝ τ³ at this τ needs a run of order 1/c steps) "
                    f"or use a temperature of at least 0.0017")
        object.__setattr__(self, "policy_rate_ratio",
                           check_in_range("policy_rate_ratio", ratio, 0.0, 1.0, low_open=True, high_open=True))
        schedule_param(self, "step_size", largest=1.0)
        if self.opponent_policy is not None:
            object.__setattr__(self, "opponent_policy", _probability_tuple("opponent_policy", self.opponent_policy))

    def init(self, game, key):
        n, m = game.shape
        dtype = jnp.result_type(float)
        col_policy = uniform(m, dtype)
        if self.opponent_policy is not None:
            if len(self.opponent_policy) != m:
                raise InvalidParameterError(
                    f"opponent_policy: {len(self.opponent_policy)} probabilities; expected one per column action of "
                    f"the game ({m})")
            col_policy = jnp.asarray(self.opponent_policy, dtype)
        return DSBRState(jnp.zeros(n, dtype), jnp.zeros(m, dtype), uniform(n, dtype), col_policy,
                         jnp.zeros((), jnp.int32))

    def step(self, game, state, key):
        alpha = self.step_size(state.k).astype(state.row_q.dtype)
        beta = self.policy_rate_ratio * alpha
        # line 3: policies move toward the smoothed best response to the current q-functions
        row_policy = state.row_policy + beta * (softmax(state.row_q, self.temperature) - state.row_policy)
        col_policy = state.col_policy + beta * (softmax(state.col_q, self.temperature) - state.col_policy)
        if self.opponent_policy is not None:
            col_policy = state.col_policy  # a stationary opponent: it plays its fixed policy and does not learn
        # line 4: both players act; each observes only its own realized payoff
        u = jax.random.uniform(key, (2,), dtype=row_policy.dtype)
        a = sample_action(u[0], row_policy)
        b = sample_action(u[1], col_policy)
        reward_row = jnp.asarray(game.row_payoffs)[a, b]
        reward_col = jnp.asarray(game.col_payoffs)[a, b]
        # line 5: TD update of the played action's q entry
        row_q = state.row_q.at[a].add(alpha * (reward_row - state.row_q[a]))
        col_q = state.col_q.at[b].add(alpha * (reward_col - state.col_q[b]))
        return DSBRState(row_q, col_q, row_policy, col_policy, state.k + 1)

    def policy(self, game, state):
        return renormalize(state.row_policy), renormalize(state.col_policy)
