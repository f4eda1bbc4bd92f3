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

from ..errors import check_in_range, check_positive, check_positive_int
from ..ops import renormalize, softmax
from ..schedules import Schedule, constant
from .base import MarkovLearner, sample_action, schedule_param

__all__ = ["DSBRValueIteration", "DSBRVIState"]


class DSBRVIState(NamedTuple):
    row_q: jax.Array        # q¹ (S, A), valid for states touched in the current outer iteration
    col_q: jax.Array        # q² (S, B)
    row_policy: jax.Array   # π¹ (S, A) as of stamp(s)
    col_policy: jax.Array   # π² (S, B)
    stamp: jax.Array        # (S,) the L at which the state's policies were last brought up to date
    epoch: jax.Array        # (S,) int32: the outer iteration in which the state was last touched (−1: never)
    row_values: jax.Array   # v¹_t(s), valid where epoch(s) == t
    col_values: jax.Array   # v²_t(s)
    log_decay: jax.Array    # L_k = Σ_{j<k} log(1 − β_j) in the current outer iteration
    log_decay_end: jax.Array  # L_K of the previous outer iteration
    state: jax.Array        # S_k
    k: jax.Array            # inner index
    t: jax.Array            # outer index


@dataclass(frozen=True)
class DSBRValueIteration(MarkovLearner):
    """DSBR-VI, Algorithm 2 of [1] (see the module docstring).

    Args:
        temperature: ``τ > 0`` of the softmax ``σ_τ``.
        policy_rate_ratio: ``c = β_k/α_k`` in (0, 1). Theorem 3.1 needs ``c ∝ τ³(1−γ)²/|S|``; the default 0.005 at
            ``τ = 0.1``, ``α = 0.05`` comes from a measurement on a 5-state game (``c = 0.03`` stalled).
        step_size: ``α_k``, a schedule or a number, every step in (0, 1].
        inner_steps: ``K``, samples per outer (value-iteration) step.
    """

    temperature: float = 0.1
    policy_rate_ratio: float = 0.005
    step_size: Schedule | float = constant(0.05)
    inner_steps: int = 20_000

    name = "dsbr_vi"

    def __post_init__(self):
        object.__setattr__(self, "temperature", check_positive("temperature", self.temperature))
        object.__setattr__(self, "policy_rate_ratio", check_in_range(
            "policy_rate_ratio", self.policy_rate_ratio, 0.0, 1.0, low_open=True, high_open=True))
        schedule_param(self, "step_size", largest=1.0)
        object.__setattr__(self, "inner_steps", check_positive_int("inner_steps", self.inner_steps))

    def init(self, game, key):
        S, A, B = game.shape
        f = jnp.result_type(float)
        return DSBRVIState(
            row_q=jnp.zeros((S, A), f), col_q=jnp.zeros((S, B), f),
            row_policy=jnp.full((S, A), 1.0 / A, f), col_policy=jnp.full((S, B), 1.0 / B, f),
            stamp=jnp.zeros(S, f), epoch=jnp.full(S, -1, jnp.int32),
            row_values=jnp.zeros(S, f), col_values=jnp.zeros(S, f),
            log_decay=jnp.zeros((), f), log_decay_end=jnp.zeros((), f),
            state=game.sample_initial(key), k=jnp.zeros((), jnp.int32), t=jnp.zeros((), jnp.int32))

    # -- lazily applied line 4 -----------------------------------------------------------------------
    def _current(self, q, policy, stamp, log_decay):
        sigma = softmax(q, self.temperature)
        # renormalized: a state's policy is rewritten at every visit, and float32 rounding would otherwise drift
        return renormalize(sigma + jnp.exp(log_decay - stamp)[..., None] * (policy - sigma))

    def _value(self, st: DSBRVIState, s, player: int):
        """``v^i_t(s)``: stored at the first touch in this outer iteration, else from the previous iteration's data
        (brought up to its end), else 0 (not visited during the previous iteration, so its q stayed 0)."""
        q, pol, stored = ((st.row_q, st.row_policy, st.row_values) if player == 0
                          else (st.col_q, st.col_policy, st.col_values))
        prev = jnp.sum(self._current(q[s], pol[s], st.stamp[s], st.log_decay_end) * q[s])
        return jnp.where(st.epoch[s] == st.t, stored[s], jnp.where(st.epoch[s] == st.t - 1, prev, 0.0))

    def step(self, game, st: DSBRVIState, key):
        s = st.state
        A, B = st.row_q.shape[-1], st.col_q.shape[-1]
        f = st.row_q.dtype
        # first touch of s in this outer iteration: record v_t(s), then reset q(s), π(s) (line 1). The row of s is
        # read once, updated locally and written back once per array (scatters dominate the cost of a step).
        fresh = st.epoch[s] != st.t
        v1_s = jnp.where(fresh, self._value(st, s, 0), st.row_values[s])
        v2_s = jnp.where(fresh, self._value(st, s, 1), st.col_values[s])
        q1_s = jnp.where(fresh, 0.0, st.row_q[s])
        q2_s = jnp.where(fresh, 0.0, st.col_q[s])
        stamp_s = jnp.where(fresh, st.log_decay, st.stamp[s])
        alpha = self.step_size(st.k).astype(f)
        beta = self.policy_rate_ratio * alpha
        log_decay = st.log_decay + jnp.log1p(-beta)
        # line 4 at the visited state (the others are brought up to date when next read)
        pi1 = self._current(q1_s, jnp.where(fresh, 1.0 / A, st.row_policy[s]), stamp_s, log_decay)
        pi2 = self._current(q2_s, jnp.where(fresh, 1.0 / B, st.col_policy[s]), stamp_s, log_decay)
        # line 5: act, observe the next state and the own reward
        u = jax.random.uniform(key, (3,), dtype=f)  # one draw for both actions and the transition
        a, b = sample_action(u[0], pi1), sample_action(u[1], pi2)
        nxt, r1, r2 = game.transition_at(u[2], s, a, b)
        gamma = jnp.asarray(game.discount, f)
        again = nxt == s  # the successor's value is the one just recorded
        target1 = r1 + gamma * jnp.where(again, v1_s, self._value(st, nxt, 0))
        target2 = r2 + gamma * jnp.where(again, v2_s, self._value(st, nxt, 1))
        # line 6: TD step on the played (state, action)
        q1_s = q1_s.at[a].add(alpha * (target1 - q1_s[a]))
        q2_s = q2_s.at[b].add(alpha * (target2 - q2_s[b]))
        k = st.k + 1
        boundary = k >= self.inner_steps  # line 8 (applied lazily): the next outer iteration starts
        return st._replace(
            row_q=st.row_q.at[s].set(q1_s), col_q=st.col_q.at[s].set(q2_s),
            row_policy=st.row_policy.at[s].set(pi1), col_policy=st.col_policy.at[s].set(pi2),
            row_values=st.row_values.at[s].set(v1_s), col_values=st.col_values.at[s].set(v2_s),
            stamp=st.stamp.at[s].set(log_decay), epoch=st.epoch.at[s].set(st.t),
            log_decay=jnp.where(boundary, 0.0, log_decay),
            log_decay_end=jnp.where(boundary, log_decay, st.log_decay_end),
            state=nxt, k=jnp.where(boundary, 0, k), t=jnp.where(boundary, st.t + 1, st.t))

    def policy(self, game, st: DSBRVIState):
        """``π_{t,k}`` mid-iteration; at a boundary (``k = 0``) the last outer iteration's output ``π_{t−1,K}``."""
        mid = st.k > 0
        epoch = jnp.where(mid, st.t, st.t - 1)
        level = jnp.where(mid, st.log_decay, st.log_decay_end)
        touched = (st.epoch == epoch)[:, None]

        def read(q, pol):
            current = self._current(q, pol, st.stamp, level)
            return jnp.where(touched, current, 1.0 / q.shape[-1])

        return read(st.row_q, st.row_policy), read(st.col_q, st.col_policy)
