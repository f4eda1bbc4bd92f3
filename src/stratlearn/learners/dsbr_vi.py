"""DSBR-VI: doubly smoothed best-response dynamics with value iteration, Algorithm 2 of [1].

[1] Chen, Zhang, Mazumdar, Ozdaglar, Wierman. A finite-sample analysis of payoff-based independent learning in
zero-sum stochastic games. NeurIPS 2023 (arXiv 2303.03100), Section 3.

Outer iterations ``t = 0, 1, ...`` of ``K`` samples each, on one trajectory. At the start of each outer iteration every
player resets ``q^i_{t,0} = 0`` and ``π^i_{t,0}`` uniform; then for ``k = 0..K−1``:

* line 4: ``π^i_{t,k+1}(s) = π^i_{t,k}(s) + β_k (σ_τ(q^i_{t,k}(s)) − π^i_{t,k}(s))`` for all ``s``;
* line 5: play ``A^i_k ~ π^i_{t,k+1}(·|S_k)``, observe ``S_{k+1}`` and the own reward ``R^i(S_k, A^i_k, A^{−i}_k)``;
* line 6: ``q^i(S_k, A^i_k) += α_k (R^i + γ v^i_t(S_{k+1}) − q^i(S_k, A^i_k))``;

and at the end of the outer iteration (line 8) ``v^i_{t+1}(s) = π^i_{t,K}(s)ᵀ q^i_{t,K}(s)`` for all ``s``. Each player sees
only the state, its own action and its own reward. ``α_k = α/(k+h)^z`` restarts with ``k`` each outer iteration, and
``β_k = c·α_k``.

Implementation (exact, O(A) work per sample instead of O(S·A)). Between two visits of a state its q-values do not
change, so line 4 applied to that state is the linear recursion ``π ← π + β_k(σ − π)`` with a fixed ``σ``, whose
solution is ``π_k = σ + Π_j (1 − β_j) (π_{k₀} − σ)``. The learner keeps ``L_k = Σ_{j<k} log(1 − β_j)`` and, per
state, the ``L`` at which its policy was last brought up to date, and applies the product only when the state is
visited or the policy is read. The resets of line 1 and the values of line 8 are applied the same way, when a state
is first touched in an outer iteration: a state not visited during outer iteration ``t`` kept ``q = 0``, so its
``v_{t+1}`` is 0. The policy reported mid-iteration is ``π_{t,k}``; at an outer-iteration boundary it is the
algorithm's output ``π_{t,K}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import InvalidParameterError, check_in_range, check_positive, check_positive_int
from ..ops import renormalize, softmax
from ..schedules import Schedule, constant
from .base import MarkovLearner, sample_action, schedule_param

__all__ = ["DSBRValueIteration", "DSBRVIState"]


class DSBRVIState(NamedTuple):
    """The learner's state. ``table`` holds one row per state, ``[q¹ (A) | q² (B) | π¹ (A) | π² (B) | v¹ | v² | stamp |
    epoch]``: the q-values (valid for states touched in the current outer iteration), the policies as of ``stamp`` (the
    ``L`` at which they were last brought up to date), the values ``v^i_t`` (valid where ``epoch == t``) and the outer
    iteration in which the state was last touched (−1: never), stored as two columns ``epoch // 4096`` and
    ``epoch % 4096`` so that it stays exact in float32 past 2^24 outer iterations (to 2^36). One table,
    read at ``S_k`` and ``S_{k+1}`` and written at ``S_k``, lets XLA update it in place; separate arrays read at one
    state and written at another were copied whole at every step (measured: 3·10^3 samples/s on 10^5 states)."""

    table: jax.Array          # (S, 2A + 2B + 5)
    log_decay: jax.Array      # L_k = Σ_{j<k} log(1 − β_j) in the current outer iteration
    log_decay_end: jax.Array  # L_K of the previous outer iteration
    state: jax.Array          # S_k
    k: jax.Array              # inner index
    t: jax.Array              # outer index


class _Row(NamedTuple):
    q1: jax.Array
    q2: jax.Array
    pi1: jax.Array
    pi2: jax.Array
    v1: jax.Array
    v2: jax.Array
    stamp: jax.Array
    epoch_hi: jax.Array
    epoch_lo: jax.Array


_EPOCH_BASE = 4096


def _same_epoch(row: "_Row", t):
    """Whether the rows' epoch equals the integer ``t`` (compared in two exact parts)."""
    hi = jnp.floor_divide(t, _EPOCH_BASE).astype(row.epoch_hi.dtype)
    lo = jnp.remainder(t, _EPOCH_BASE).astype(row.epoch_lo.dtype)
    return (row.epoch_hi == hi) & (row.epoch_lo == lo)


def _epoch_parts(t, dtype):
    return (jnp.floor_divide(t, _EPOCH_BASE).astype(dtype), jnp.remainder(t, _EPOCH_BASE).astype(dtype))


def _unpack(rows, A: int, B: int) -> _Row:
    """Split rows of the table (last axis) into their fields."""
    cuts = [A, A + B, 2 * A + B, 2 * A + 2 * B]
    q1, q2, pi1, pi2, rest = jnp.split(rows, cuts, axis=-1)
    return _Row(q1, q2, pi1, pi2, rest[..., 0], rest[..., 1], rest[..., 2], rest[..., 3], rest[..., 4])


def _pack(row: _Row) -> jax.Array:
    scalars = jnp.stack([row.v1, row.v2, row.stamp, row.epoch_hi, row.epoch_lo], axis=-1)
    return jnp.concatenate([row.q1, row.q2, row.pi1, row.pi2, scalars], axis=-1)


@dataclass(frozen=True)
class DSBRValueIteration(MarkovLearner):
    """DSBR-VI, Algorithm 2 of [1] (see the module docstring).

    Args:
        temperature: ``τ > 0`` of the softmax ``σ_τ``.
        policy_rate_ratio: ``c = β_k/α_k`` in (0, 1). Theorem 3.1 needs ``c ∝ τ³(1−γ)²/|S|``; the default 0.005 at
            ``τ = 0.1``, ``α = 0.05`` comes from a measurement on a 5-state game (``c = 0.03`` stalled).
        step_size: ``α_k``, a schedule or a number, every step in (0, 1].
        inner_steps: ``K``, samples per outer (value-iteration) step.
        opponent_policy: ``None`` (both players learn), or a fixed stationary policy of the column player: one
            probability vector over its actions used in every state, or one per state (``S x B``). The column player
            then plays it and does not learn; only the row player runs Algorithm 2 ([1]'s rationality setting:
            measure it with the ``row_regularized_gap:<τ>`` metric, exact on a Markov game).
    """

    temperature: float = 0.1
    policy_rate_ratio: float = 0.005
    step_size: Schedule | float = constant(0.05)
    inner_steps: int = 20_000
    opponent_policy: tuple | None = None

    name = "dsbr_vi"

    def __post_init__(self):
        object.__setattr__(self, "temperature", check_positive("temperature", self.temperature))
        object.__setattr__(self, "policy_rate_ratio", check_in_range(
            "policy_rate_ratio", self.policy_rate_ratio, 0.0, 1.0, low_open=True, high_open=True))
        schedule_param(self, "step_size", largest=1.0)
        object.__setattr__(self, "inner_steps", check_positive_int("inner_steps", self.inner_steps))
        if self.opponent_policy is not None:
            object.__setattr__(self, "opponent_policy", _stationary_policy("opponent_policy", self.opponent_policy))

    def _opponent(self, game, dtype):
        """The fixed column policy as an ``(S, B)`` array (checked against the game's shape)."""
        S, A, B = game.shape
        y = np.asarray(self.opponent_policy, float)
        if y.shape[-1] != B or (y.ndim == 2 and y.shape[0] != S):
            raise InvalidParameterError(
                f"opponent_policy: shape {y.shape}; expected ({B},) or ({S}, {B}) for this game's {S} states and {B} "
                f"column actions")
        return jnp.asarray(np.broadcast_to(y, (S, B)), dtype)

    def init(self, game, key):
        S, A, B = game.shape
        f = jnp.result_type(float)
        if self.opponent_policy is not None:
            self._opponent(game, f)  # checked before any step runs
        row = _Row(jnp.zeros(A, f), jnp.zeros(B, f), jnp.full(A, 1.0 / A, f), jnp.full(B, 1.0 / B, f),
                   jnp.zeros((), f), jnp.zeros((), f), jnp.zeros((), f), *_epoch_parts(jnp.int32(-1), f))
        return DSBRVIState(
            table=jnp.tile(_pack(row), (S, 1)), log_decay=jnp.zeros((), f), log_decay_end=jnp.zeros((), f),
            state=game.sample_initial(key), k=jnp.zeros((), jnp.int32), t=jnp.zeros((), jnp.int32))

    # -- lazily applied line 4 -----------------------------------------------------------------------
    def _current(self, q, policy, stamp, log_decay):
        sigma = softmax(q, self.temperature)
        # renormalized: a state's policy is rewritten at every visit, and float32 rounding would otherwise drift
        return renormalize(sigma + jnp.exp(log_decay - stamp)[..., None] * (policy - sigma))

    def _values(self, row: _Row, t, log_decay_end):
        """``(v¹_t(s), v²_t(s))`` from a state's row: stored at the first touch in this outer iteration, else from the
        previous iteration's data (brought up to its end), else 0 (not visited during the previous iteration, so its
        q stayed 0)."""
        now, before = _same_epoch(row, t), _same_epoch(row, t - 1)
        out = []
        for q, pol, stored in ((row.q1, row.pi1, row.v1), (row.q2, row.pi2, row.v2)):
            prev = jnp.sum(self._current(q, pol, row.stamp, log_decay_end) * q, axis=-1)
            out.append(jnp.where(now, stored, jnp.where(before, prev, 0.0)))
        return out

    def step(self, game, st: DSBRVIState, key):
        S, A, B = game.shape
        s = st.state
        f = st.table.dtype
        here = _unpack(st.table[s], A, B)
        # first touch of s in this outer iteration: record v_t(s), then reset q(s), π(s) (line 1)
        fresh = ~_same_epoch(here, st.t)
        v1_now, v2_now = self._values(here, st.t, st.log_decay_end)
        v1_s, v2_s = jnp.where(fresh, v1_now, here.v1), jnp.where(fresh, v2_now, here.v2)
        q1_s, q2_s = jnp.where(fresh, 0.0, here.q1), jnp.where(fresh, 0.0, here.q2)
        stamp_s = jnp.where(fresh, st.log_decay, here.stamp)
        alpha = self.step_size(st.k).astype(f)
        beta = self.policy_rate_ratio * alpha
        log_decay = st.log_decay + jnp.log1p(-beta)
        # line 4 at the visited state (the others are brought up to date when next read)
        pi1 = self._current(q1_s, jnp.where(fresh, 1.0 / A, here.pi1), stamp_s, log_decay)
        pi2 = self._current(q2_s, jnp.where(fresh, 1.0 / B, here.pi2), stamp_s, log_decay)
        if self.opponent_policy is not None:
            pi2 = self._opponent(game, f)[s]  # a stationary opponent: it plays its fixed policy and does not learn
        # line 5: act, observe the next state and the own reward
        u = jax.random.uniform(key, (3,), dtype=f)  # one draw for both actions and the transition
        a, b = sample_action(u[0], pi1), sample_action(u[1], pi2)
        nxt, r1, r2 = game.transition_at(u[2], s, a, b)
        gamma = jnp.asarray(game.discount, f)
        w1, w2 = self._values(_unpack(st.table[nxt], A, B), st.t, st.log_decay_end)
        again = nxt == s  # the successor's value is the one just recorded
        target1 = r1 + gamma * jnp.where(again, v1_s, w1)
        target2 = r2 + gamma * jnp.where(again, v2_s, w2)
        # line 6: TD step on the played (state, action)
        q1_s = q1_s.at[a].add(alpha * (target1 - q1_s[a]))
        q2_s = q2_s.at[b].add(alpha * (target2 - q2_s[b]))
        row = _Row(q1_s, q2_s, pi1, pi2, v1_s, v2_s, log_decay, *_epoch_parts(st.t, f))
        k = st.k + 1
        boundary = k >= self.inner_steps  # line 8 (applied lazily): the next outer iteration starts
        return st._replace(
            table=st.table.at[s].set(_pack(row)),
            log_decay=jnp.where(boundary, 0.0, log_decay),
            log_decay_end=jnp.where(boundary, log_decay, st.log_decay_end),
            state=nxt, k=jnp.where(boundary, 0, k), t=jnp.where(boundary, st.t + 1, st.t))

    def policy(self, game, st: DSBRVIState):
        """``π_{t,k}`` mid-iteration; at a boundary (``k = 0``) the last outer iteration's output ``π_{t−1,K}``."""
        S, A, B = game.shape
        rows = _unpack(st.table, A, B)
        mid = st.k > 0
        epoch = jnp.where(mid, st.t, st.t - 1)
        level = jnp.where(mid, st.log_decay, st.log_decay_end)
        touched = _same_epoch(rows, epoch)[:, None]

        def read(q, pol):
            current = self._current(q, pol, rows.stamp, level)
            return jnp.where(touched, current, 1.0 / q.shape[-1])

        if self.opponent_policy is not None:
            return read(rows.q1, rows.pi1), self._opponent(game, rows.q1.dtype)
        return read(rows.q1, rows.pi1), read(rows.q2, rows.pi2)


def _stationary_policy(field: str, value) -> tuple:
    """``value`` as a hashable tuple (of tuples) of probabilities: one vector, or one per state."""
    try:
        y = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{field}={value!r}: expected probabilities, one vector or one per state") from None
    if y.ndim not in (1, 2) or y.size == 0 or not np.all(np.isfinite(y)) or np.any(y < 0) \
            or np.any(np.abs(y.sum(axis=-1) - 1.0) > 1e-6):
        raise InvalidParameterError(f"{field}={value!r}: expected finite probabilities >= 0 summing to 1 (one vector "
                                    f"or one per state)")
    return tuple(float(v) for v in y) if y.ndim == 1 else tuple(tuple(float(v) for v in row) for row in y)
