"""Two-player stochastic (Markov) games with tabular states.

At state ``s`` the row player picks ``a``, the column player ``b``; the row player receives ``r¹(s, a, b)``, the column
player ``r²(s, a, b)`` (``−r¹`` in a zero-sum game), and the next state is drawn from ``P(· | s, a, b)``. Payoffs are
discounted by ``γ``; each player maximizes its own expected discounted payoff from a start drawn from ``initial``.

Transitions are stored sparsely: for every ``(s, a, b)`` the indices of ``K`` successor states and their probabilities,
so a game with 10^5 states and a few successors per joint action fits in memory; a dense ``(S, A, B, S)`` array is
accepted and stored with ``K = S``. ``γ = 1`` is allowed only for a finite-horizon game: one whose non-terminal states
form no cycle (states carry the time step) and end in absorbing, zero-reward terminal states, as OpenSpiel's
``markov_soccer`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import InvalidGameError, check_finite_array
from ..ops import array_module, sample_action
from .base import pytree_game

__all__ = ["MarkovGame", "PROBABILITY_TOLERANCE"]

PROBABILITY_TOLERANCE = 1e-6
"""How far a row of transition probabilities (or the initial distribution) may sum from 1."""


def _check_distribution(field: str, probs: np.ndarray, axis: int = -1) -> None:
    if (probs < 0).any():
        index = tuple(int(i) for i in np.argwhere(probs < 0)[0])
        raise InvalidGameError(f"{field}: expected non-negative probabilities, found {probs[index]} at {index}")
    sums = probs.sum(axis=axis)
    bad = np.abs(sums - 1.0) > PROBABILITY_TOLERANCE
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidGameError(f"{field}: expected probabilities summing to 1 (to {PROBABILITY_TOLERANCE:g}), the "
                               f"entry at {index} sums to {sums[index]!r}")


@pytree_game
@dataclass(frozen=True, eq=False, init=False)
class MarkovGame:
    """A two-player stochastic game (see the module docstring).

    Attributes:
        row_rewards: ``r¹``, shape (S, A, B).
        col_rewards: ``r²``, shape (S, A, B).
        next_states: successor indices, int32, shape (S, A, B, K).
        next_probs: their probabilities, shape (S, A, B, K); each (s, a, b) row sums to 1.
        next_cdf: their running sums along K (derived, kept so that sampling a successor is one comparison per
            successor: a cumulative sum inside a vmapped scan costs several times more on the CPU).
        initial: the initial state distribution ``p₀``, shape (S,).
        discount: ``γ``, a 0-d array (a leaf, so games with different discounts can be stacked and vmapped).
        is_zero_sum, finite_horizon, name: static metadata.
    """

    row_rewards: Any
    col_rewards: Any
    next_states: Any
    next_probs: Any
    next_cdf: Any
    initial: Any
    discount: Any
    is_zero_sum: bool
    finite_horizon: bool
    name: str

    _static = ("is_zero_sum", "finite_horizon", "name")

    def __init__(self, rewards=None, transitions=None, discount: float = 0.9, *, col_rewards=None,
                 next_states=None, next_probs=None, initial=None, finite_horizon: bool = False,
                 name: str = "markov_game"):
        """Build a game from ``rewards`` (the row player's, (S, A, B)) and either dense ``transitions``
        (S, A, B, S) or sparse ``next_states`` and ``next_probs`` (S, A, B, K). ``col_rewards`` defaults to
        ``−rewards`` (zero-sum); ``initial`` to the uniform distribution."""
        r1 = check_finite_array("rewards", rewards, ndim=3)
        r2 = -r1 if col_rewards is None else check_finite_array("col_rewards", col_rewards, ndim=3)
        if r2.shape != r1.shape:
            raise InvalidGameError(f"col_rewards: expected shape {r1.shape} like rewards, got {r2.shape}")
        S, A, B = r1.shape
        if transitions is not None:
            if next_states is not None or next_probs is not None:
                raise InvalidGameError("transitions: give either dense transitions or next_states/next_probs")
            dense = check_finite_array("transitions", transitions, ndim=4)
            if dense.shape != (S, A, B, S):
                raise InvalidGameError(f"transitions: expected shape (S, A, B, S) = {(S, A, B, S)}, got "
                                       f"{dense.shape}")
            _check_distribution("transitions", dense)
            probs = dense
            succ = np.broadcast_to(np.arange(S, dtype=np.int32), dense.shape).copy()
        else:
            if next_states is None or next_probs is None:
                raise InvalidGameError("transitions: missing; give dense transitions (S, A, B, S) or both "
                                       "next_states and next_probs (S, A, B, K)")
            probs = check_finite_array("next_probs", next_probs, ndim=4)
            if probs.shape[:3] != (S, A, B):
                raise InvalidGameError(f"next_probs: expected shape (S, A, B, K) with (S, A, B) = {(S, A, B)}, got "
                                       f"{probs.shape}")
            raw = np.asarray(next_states)
            if raw.shape != probs.shape:
                raise InvalidGameError(f"next_states: expected the shape of next_probs {probs.shape}, got {raw.shape}")
            if not np.issubdtype(raw.dtype, np.integer):
                raise InvalidGameError(f"next_states: expected integer state indices, got dtype {raw.dtype}")
            bad = (raw < 0) | (raw >= S)
            if bad.any():
                index = tuple(int(i) for i in np.argwhere(bad)[0])
                raise InvalidGameError(f"next_states: index {int(raw[index])} at {index} is out of range; expected "
                                       f"0 <= index < {S}")
            _check_distribution("next_probs", probs)
            succ = raw.astype(np.int32)
        p0 = np.full(S, 1.0 / S) if initial is None else check_finite_array("initial", initial, ndim=1)
        if p0.shape != (S,):
            raise InvalidGameError(f"initial: expected shape ({S},), got {p0.shape}")
        _check_distribution("initial", p0, axis=0)
        if isinstance(discount, bool) or not isinstance(discount, (int, float, np.integer, np.floating)):
            raise InvalidGameError(f"discount={discount!r}: expected a number in [0, 1)")
        gamma = float(discount)
        if not (0.0 <= gamma < 1.0 or (gamma == 1.0 and finite_horizon)):
            raise InvalidGameError(
                f"discount={discount!r}: expected a number in [0, 1)" +
                ("" if finite_horizon else " (γ = 1 needs finite_horizon=True and a game that ends)"))
        if finite_horizon:
            _check_finite_horizon(succ, probs, r1, r2)
        cdf = np.cumsum(probs, axis=-1)
        for arr in (r1, r2, succ, probs, cdf, p0):
            arr.setflags(write=False)
        for field, value in (("row_rewards", r1), ("col_rewards", r2), ("next_states", succ),
                             ("next_probs", probs), ("next_cdf", cdf), ("initial", p0), ("discount", np.asarray(gamma)),
                             ("is_zero_sum", bool(np.array_equal(r2, -r1))), ("finite_horizon", bool(finite_horizon)),
                             ("name", str(name))):
            object.__setattr__(self, field, value)

    # ------------------------------------------------------------------------------------------ sizes
    @property
    def num_states(self) -> int:
        return int(self.row_rewards.shape[-3])

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(S, A, B)``."""
        return tuple(int(n) for n in self.row_rewards.shape[-3:])

    @property
    def num_successors(self) -> int:
        return int(self.next_states.shape[-1])

    def terminal_states(self) -> np.ndarray:
        """Boolean mask (S,) of absorbing states with zero rewards (where a finite-horizon game ends)."""
        return _terminal_mask(np.asarray(self.next_states), np.asarray(self.next_probs),
                              np.asarray(self.row_rewards), np.asarray(self.col_rewards))

    def dense_transitions(self) -> np.ndarray:
        """``P`` as a dense (S, A, B, S) float64 array (only for small games)."""
        S, A, B = self.shape
        dense = np.zeros((S, A, B, S))
        idx = np.indices(self.next_states.shape[:3])
        np.add.at(dense, (*[i[..., None] for i in idx], np.asarray(self.next_states)), np.asarray(self.next_probs))
        return dense

    # ------------------------------------------------------------------------------------------ dynamics
    def expected_next(self, values):
        """``Σ_s' P(s' | s, a, b) v(s')`` for every (s, a, b): shape (S, A, B) (or batched over leading axes of
        ``values``' last axis)."""
        xp = array_module(values, self.next_probs)
        probs = xp.asarray(self.next_probs)
        return (probs * xp.take(values, xp.asarray(self.next_states), axis=-1)).sum(-1)

    def stage_payoffs(self, row_values, col_values=None):
        """The stage games at given continuation values: ``Q¹(s,a,b) = r¹ + γ E[v¹(s')]`` and likewise ``Q²``."""
        xp = array_module(row_values, self.next_probs)
        gamma = xp.asarray(self.discount)
        q1 = xp.asarray(self.row_rewards) + gamma * self.expected_next(row_values)
        if col_values is None:
            return q1, (-q1 if self.is_zero_sum else None)
        return q1, xp.asarray(self.col_rewards) + gamma * self.expected_next(col_values)

    def sample_initial(self, key):
        return sample_action(jax.random.uniform(key), jnp.asarray(self.initial)).astype(jnp.int32)

    def sample_transition(self, key, state, a, b):
        """One step from ``state`` under ``(a, b)``: ``(next_state, row_reward, col_reward)``, jit/vmap-able."""
        return self.transition_at(jax.random.uniform(key, dtype=jnp.asarray(self.next_probs).dtype), state, a, b)

    def transition_at(self, u, state, a, b):
        """Like :meth:`sample_transition` with the uniform number ``u`` in [0, 1) given (the successor is found by
        inverting the CDF at ``u``), so a learner can draw all the random numbers of a step at once."""
        cdf = jnp.asarray(self.next_cdf)[state, a, b]
        k = jnp.minimum(jnp.sum(cdf <= u), cdf.shape[-1] - 1)  # clipped: a CDF may round to just below 1
        next_state = jnp.asarray(self.next_states)[state, a, b, k]
        return next_state, jnp.asarray(self.row_rewards)[state, a, b], jnp.asarray(self.col_rewards)[state, a, b]

    def describe(self) -> dict:
        S, A, B = self.shape
        return {"name": self.name, "states": S, "actions": [A, B], "successors": self.num_successors,
                "discount": float(self.discount), "zero_sum": self.is_zero_sum, "finite_horizon": self.finite_horizon}

    def __repr__(self) -> str:
        S, A, B = self.shape
        return (f"MarkovGame(name={self.name!r}, states={S}, actions=({A}, {B}), successors={self.num_successors}, "
                f"discount={float(self.discount):g}, zero_sum={self.is_zero_sum})")


def _terminal_mask(succ, probs, r1, r2) -> np.ndarray:
    S = succ.shape[0]
    self_loop = (succ == np.arange(S)[:, None, None, None]) | (probs <= 0)
    return self_loop.all(axis=(1, 2, 3)) & (r1 == 0).all(axis=(1, 2)) & (r2 == 0).all(axis=(1, 2))


def _check_finite_horizon(succ, probs, r1, r2) -> None:
    """γ = 1 is only meaningful if play ends: terminal states (absorbing, zero reward) and no cycle elsewhere."""
    S = succ.shape[0]
    support = probs > 0
    terminal = _terminal_mask(succ, probs, r1, r2)
    if not terminal.any():
        raise InvalidGameError("finite_horizon=True: expected absorbing zero-reward terminal states, found none")
    # Kahn's algorithm on the support graph without the terminal states' self-loops
    src = np.broadcast_to(np.arange(S)[:, None, None, None], succ.shape)[support]
    dst = succ[support]
    keep = ~(terminal[src] & (src == dst))
    src, dst = src[keep], dst[keep]
    edges = np.unique(np.stack([src, dst], axis=1), axis=0) if src.size else np.zeros((0, 2), int)
    indegree = np.bincount(edges[:, 1], minlength=S) if edges.size else np.zeros(S, int)
    order = np.argsort(edges[:, 0], kind="stable") if edges.size else np.zeros(0, int)
    edges = edges[order]
    starts = np.searchsorted(edges[:, 0], np.arange(S + 1)) if edges.size else np.zeros(S + 1, int)
    queue = list(np.nonzero(indegree == 0)[0])
    seen = 0
    while queue:
        node = queue.pop()
        seen += 1
        for child in edges[starts[node]:starts[node + 1], 1]:
            indegree[child] -= 1
            if indegree[child] == 0:
                queue.append(child)
    if seen < S:
        raise InvalidGameError("finite_horizon=True: the game can cycle among non-terminal states; expected states "
                               "that carry the time step (a discount γ = 1 would not converge)")
