"""Two-timescale Q-learning with linear function approximation for zero-sum Markov games, [3].

[3] Chen, Zhang, Mazumdar, Ozdaglar, Wierman. Two-timescale Q-learning with function approximation in zero-sum
stochastic games. EC 2024 (arXiv 2312.04905).

Each player ``i`` has features ``φ_i(s, a_i) ∈ R^{d_i}`` of the state and its own action
(:mod:`stratlearn.learners.features`), a fast iterate ``w^i`` and a slow iterate ``θ^i``; its Q estimate is
``q^i(s, ·) = Φ_i(s) θ^i`` and its policy the softmax ``π^i(s) = (1 − ε) σ_τ(Φ_i(s) θ^i) + ε/A_i`` with an
exploration floor ``ε`` (``exploration``, default 0.05; see "What is [3]'s and what is ours" below). At step ``k``,
in state ``S_k``:

* both play ``A^i_k ~ π^i_k(S_k)`` and observe ``S_{k+1}`` and their own reward ``R^i_k`` (payoff-based: nothing
  about the other player's action, policy or reward);
* fast timescale, a semi-gradient step on the Bellman error of the player's own Q function under the current
  policies: ``δ^i = R^i_k + γ Σ_a π^i_k(a|S_{k+1}) φ_i(S_{k+1}, a)ᵀ w^i_k − φ_i(S_k, A^i_k)ᵀ w^i_k`` and
  ``w^i_{k+1} = w^i_k + α_k δ^i φ_i(S_k, A^i_k)``;
* slow timescale, a convex combination with the latest fast iterate: ``θ^i_{k+1} = (1 − β_k) θ^i_k + β_k w^i_{k+1}``;

with ``β_k/α_k → 0`` (checked when the learner is built: the slow schedule must decay strictly faster, unless
``single_timescale=True`` asks for the control variant ``β_k = α_k``). The abstract of [3] fixes the structure
(fast: stochastic-gradient-like on a Bellman error variant; slow: convex combination; policies from the slow
iterate); the Bellman target's next-state value is our choice where the full text is not available here: the
player's own fast estimate averaged over its current policy at ``S_{k+1}`` (an expected-SARSA target). For fixed
policies this is on-policy linear TD(0), which converges (Tsitsiklis and Van Roy 1997), so the fast iterate tracks
the player's Q function against the other's current policy, and the slow iterate moves the policies by smoothed
best responses to it — the change of variable in [3] under which the slow update is smoothed best-response
dynamics. With one-hot features it is the tabular algorithm (tested against a direct
tabular implementation).

What is [3]'s and what is ours. Only [3]'s abstract is readable here. From it: payoff-based independent play, a fast
iterate updated like stochastic (semi-)gradient descent on a Bellman error, a slow iterate that is a convex
combination of its previous value and the latest fast iterate, policies computed from the slow iterate, and the
reading of the slow update as smoothed best-response dynamics (its Lyapunov function the regularized Nash gap). The
library's choices: the expected-SARSA target above; the schedules; the exploration floor; the fixed-opponent mode.
The previous defaults (``α_k = 10/(k+100)^{0.5}``, ``β_k = 10/(k+1000)^{0.8}``, no floor) stalled on the 5-state
random game (``random_zero_sum_markov`` states=5, actions=2, γ=0.9, seed 0): at τ = 0.1 the gap stayed at 0.97 after
10^6 samples (QRE 0.23; uniform play 5.29). The cause, measured: the softmax drives an action's probability to
about e^{-15} while its fast estimate is still wrong (pessimistic, from the early, large steps), the action is then
never sampled again and its estimate never corrected (the estimates of the unplayed actions were off by up to 1.3
against the exact ``Q^π``; the played ones within 0.05). The deterministic slow dynamics ``θ̇ = Q^{π(θ)} − θ`` on
the same game converge to gap 0.246 (τ = 0.1), so the target is not the problem. The new defaults: a much smaller
slow step early (``β_k = 0.1/(k+100)^{0.8}``, so the policies wait for the fast estimates), ``α_k = 3/(k+10)^{0.5}``
and the floor ``ε = 0.05``, which keeps every action sampled at rate at least ``ε/A_i`` so every coordinate's
estimate keeps being corrected (the played policy, and the ``Q^π`` the fast iterate evaluates, are those of the
mixture). With them the gap reaches 0.45 at 10^6 samples, the gap of the mean dynamics' rest point with the floor
(0.454; ``function-approximation`` study). The floor costs a bias of order ``ε`` in the policies, part of the
residual gap.

``opponent_policy`` fixes the column player at a stationary policy (the same probability vector in every state):
it plays it and does not learn, the row player runs the algorithm — the rationality setting of [3].

Implementation (exact, ``O(A_i·m)`` work per step for ``m`` active features, whatever ``d_i`` is): a coordinate
``j`` of ``w`` changes only when a visited ``(s, a)`` activates it, and between two changes ``θ_j`` follows
``θ_j ← (1 − β) θ_j + β w_j`` with a fixed ``w_j``, whose solution is ``θ_j(k) = w_j + Π(1 − β_l)(θ_j(k₀) − w_j)``.
The learner keeps ``L_k = Σ_{l<k} log(1 − β_l)`` and, per coordinate, the ``L`` at which ``θ_j`` was last brought
up to date; both players' ``[w | θ | stamp]`` rows live in one table so that XLA updates it in place. In float32
``L`` carries an absolute rounding error of about ``|L|·6e-8`` (``|L| ≈ Σ β_k`` over 10^7 steps: about 13 for the
defaults, a few hundred for the previous ones), a relative error below 1e-4 in the decay factors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp

from ..errors import InvalidGameError, InvalidParameterError, check_in_range, check_positive
from ..ops import softmax
from ..schedules import Schedule, harmonic
from .base import MarkovLearner, sample_action, schedule_param
from .features import FeatureMap, OneHotFeatures, as_features
from .smoothed_best_response import _probability_tuple

__all__ = ["TwoTimescaleQ", "TTQState"]


class TTQState(NamedTuple):
    """``table`` has one row ``[w_j, θ_j, stamp_j]`` per coordinate, the row player's ``d₁`` first, then the column
    player's ``d₂``; ``θ_j`` is as of ``L = stamp_j``."""

    table: jax.Array       # (d1 + d2, 3)
    log_decay: jax.Array   # L_k
    state: jax.Array       # S_k
    k: jax.Array


@dataclass(frozen=True)
class TwoTimescaleQ(MarkovLearner):
    """Two-timescale Q-learning of [3] (see the module docstring).

    Args:
        temperature: ``τ > 0`` of the softmax policies.
        fast_step: ``α_k``, steps in (0, 1]; default ``3/(k + 10)^{0.5}``.
        slow_step: ``β_k``, steps in (0, 1], decaying strictly faster than ``α_k`` (``β_k/α_k → 0``); default
            ``0.1/(k + 100)^{0.8}``.
        features: the row player's feature map (a :class:`FeatureMap`, a kind name or a config table); default
            one-hot (tabular).
        col_features: the column player's; default the same kind as ``features``.
        exploration: ``ε ∈ [0, 1)``, the weight of the uniform policy in the played policy (default 0.05).
        single_timescale: the control variant of [3]'s key ingredient: ``β_k = α_k`` (``slow_step`` ignored, the
            separation check skipped).
        opponent_policy: ``None``, or a probability vector over the column player's actions that it plays in every
            state without learning (rationality against a stationary opponent).
    """

    temperature: float = 0.1
    fast_step: Schedule | float = harmonic(3.0, h=10.0, power=0.5)
    slow_step: Schedule | float = harmonic(0.1, h=100.0, power=0.8)
    features: FeatureMap | str | dict = OneHotFeatures()
    col_features: FeatureMap | str | dict | None = None
    exploration: float = 0.05
    single_timescale: bool = False
    opponent_policy: tuple | None = None

    name = "two_timescale_q"

    def __post_init__(self):
        object.__setattr__(self, "temperature", check_positive("temperature", self.temperature))
        object.__setattr__(self, "exploration",
                           check_in_range("exploration", self.exploration, 0.0, 1.0, high_open=True))
        if not isinstance(self.single_timescale, bool):
            raise InvalidParameterError(f"single_timescale={self.single_timescale!r}: expected true or false")
        if self.opponent_policy is not None:
            object.__setattr__(self, "opponent_policy", _probability_tuple("opponent_policy", self.opponent_policy))
        schedule_param(self, "fast_step", largest=1.0)
        schedule_param(self, "slow_step", largest=1.0)
        if self.single_timescale:
            object.__setattr__(self, "slow_step", self.fast_step)
        elif not self.slow_step.decay > self.fast_step.decay:
            raise InvalidParameterError(
                f"slow_step={self.slow_step!r}, fast_step={self.fast_step!r}: the timescales must separate, "
                f"β_k/α_k → 0, so the slow step must decay strictly faster (its power {self.slow_step.decay:g} is not "
                f"above the fast step's {self.fast_step.decay:g})")
        object.__setattr__(self, "features", as_features("features", self.features))
        col = self.features if self.col_features is None else as_features("col_features", self.col_features)
        object.__setattr__(self, "col_features", col)

    def check_game(self, game) -> None:
        super().check_game(game)
        self.features.check(game, 0, "features")
        self.col_features.check(game, 1, "col_features")
        if self.opponent_policy is not None and len(self.opponent_policy) != game.shape[2]:
            raise InvalidGameError(f"opponent_policy: {len(self.opponent_policy)} probabilities; expected one per "
                                   f"column action of the game ({game.shape[2]})")

    def params(self) -> dict:
        out = super().params()
        out["features"] = self.features.as_dict()
        out["col_features"] = self.col_features.as_dict()
        return out

    def _maps(self, game):
        return ((self.features, 0, 0), (self.col_features, 1, self.features.dim(game, 0)))

    def init(self, game, key):
        d = self.features.dim(game, 0) + self.col_features.dim(game, 1)
        f = jnp.result_type(float)
        return TTQState(jnp.zeros((d, 3), f), jnp.zeros((), f), game.sample_initial(key), jnp.zeros((), jnp.int32))

    @staticmethod
    def _theta(rows, log_decay):
        """``θ`` brought up to ``L = log_decay`` from rows ``[w, θ, stamp]``."""
        w, theta, stamp = rows[..., 0], rows[..., 1], rows[..., 2]
        return w + jnp.exp(log_decay - stamp) * (theta - w)

    def _read(self, table, fmap, player, offset, game, s, log_decay):
        """At state ``s``: the active coordinates and values ``(A_i, m)``, the rows ``[w, θ, stamp]`` there, the
        policy ``π^i(s)`` and ``Φ(s) w``.

        A dense map (every coordinate active for every action) has its whole block rewritten at every step, so its
        stamps always equal ``L`` and ``θ`` is stored up to date: the rows are the ``(d, 3)`` block itself and the
        Q values two matrix-vector products, with no decay factor to compute."""
        idx, val = fmap.active(game, player, s)
        if fmap.dense_layout:
            rows = jax.lax.dynamic_slice_in_dim(table, offset, idx.shape[-1])  # (d, 3)
            q_slow, q_fast = val @ rows[:, 1], val @ rows[:, 0]
        else:
            idx = idx + offset
            if fmap.action_blocks:  # idx[a, j] = idx[0, j] + a: m blocks of A_i contiguous rows, one gather
                A = idx.shape[0]
                blocks = jax.vmap(lambda start: jax.lax.dynamic_slice_in_dim(table, start, A))(idx[0])  # (m, A, 3)
                rows = jnp.swapaxes(blocks, 0, 1)
            else:
                rows = table[idx]  # (A_i, m, 3)
            q_slow = jnp.sum(val * self._theta(rows, log_decay), axis=-1)
            q_fast = jnp.sum(val * rows[..., 0], axis=-1)
        return idx, val, rows, self._mix(softmax(q_slow, self.temperature)), q_fast

    def _mix(self, pi):
        """The played policy ``(1 − ε) σ_τ(Φθ) + ε/A_i`` (the exploration floor)."""
        if self.exploration == 0:
            return pi
        return (1 - self.exploration) * pi + self.exploration / pi.shape[-1]

    def _fixed_col(self, dtype):
        return jnp.asarray(self.opponent_policy, dtype)

    def step(self, game, st: TTQState, key):
        f = st.table.dtype
        s, L = st.state, st.log_decay
        u = jax.random.uniform(key, (3,), dtype=f)  # both actions and the transition from one draw
        maps = self._maps(game)
        here = [self._read(st.table, fmap, p, off, game, s, L) for fmap, p, off in maps]
        col_pi = here[1][3] if self.opponent_policy is None else self._fixed_col(f)
        a, b = sample_action(u[0], here[0][3]), sample_action(u[1], col_pi)
        nxt, r1, r2 = game.transition_at(u[2], s, a, b)
        there = [self._read(st.table, fmap, p, off, game, nxt, L) for fmap, p, off in maps]
        alpha = self.fast_step(st.k).astype(f)
        beta = self.slow_step(st.k).astype(f)
        L_next = L + jnp.log1p(-beta)
        gamma = jnp.asarray(game.discount, f)
        table = st.table
        sparse_idx, sparse_rows = [], []
        for (fmap, _, off), (idx, val, rows, _, q_fast), (_, _, _, pi_next, q_fast_next), action, reward in zip(
                maps, here, there, (a, b), (r1, r2)):
            delta = reward + gamma * jnp.dot(pi_next, q_fast_next) - q_fast[action]
            if fmap.dense_layout:  # rows is the (d, 3) block, θ up to date (see _read)
                w = rows[:, 0] + alpha * delta * val[action]
                theta = (1 - beta) * rows[:, 1] + beta * w
            else:
                w = rows[action, :, 0] + alpha * delta * val[action]
                theta = (1 - beta) * self._theta(rows[action], L) + beta * w
            new_rows = jnp.stack([w, theta, jnp.broadcast_to(L_next, w.shape)], axis=-1)
            if fmap.dense_layout:
                table = jax.lax.dynamic_update_slice(table, new_rows, (off, 0))
            else:
                sparse_idx.append(idx[action])
                sparse_rows.append(new_rows)
        if sparse_idx:
            # one scatter for both players (their coordinates are disjoint): two scatters made XLA copy the table
            table = table.at[jnp.concatenate(sparse_idx)].set(jnp.concatenate(sparse_rows), unique_indices=True)
        return TTQState(table, L_next, nxt, st.k + 1)

    def policy(self, game, st: TTQState):
        """The played policies ``(1 − ε) σ_τ(Φ_i(s) θ^i) + ε/A_i`` for every state (the column player's fixed policy
        when ``opponent_policy`` is given): arrays of shape (S, A) and (S, B)."""
        S = game.num_states
        out = []
        for fmap, p, off in self._maps(game):
            idx, val = jax.vmap(lambda s: fmap.active(game, p, s))(jnp.arange(S))
            q = jnp.sum(val * self._theta(st.table[idx + off], st.log_decay), axis=-1)
            out.append(self._mix(softmax(q, self.temperature)))
        if self.opponent_policy is not None:
            out[1] = jnp.broadcast_to(self._fixed_col(out[1].dtype), out[1].shape)
        return tuple(out)

    def q_estimates(self, game, st: TTQState, which: str = "slow"):
        """The players' Q estimates ``Φ_i θ^i`` (``which="slow"``) or ``Φ_i w^i`` (``"fast"``) for every state."""
        if which not in ("slow", "fast"):
            raise InvalidParameterError(f"which={which!r}: expected 'slow' or 'fast'")
        S = game.num_states
        out = []
        for fmap, p, off in self._maps(game):
            idx, val = jax.vmap(lambda s: fmap.active(game, p, s))(jnp.arange(S))
            rows = st.table[idx + off]
            coef = self._theta(rows, st.log_decay) if which == "slow" else rows[..., 0]
            out.append(jnp.sum(val * coef, axis=-1))
        return tuple(out)
