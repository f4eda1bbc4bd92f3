"""Certified Nash equilibria of general-sum two-player games, batched: Lemke–Howson compiled with JAX.

A bimatrix game ``(A, B)`` of shape ``m × n`` (the row player maximizes ``xᵀAy``, the column player ``xᵀBy``).

Certificates. Every equilibrium returned here carries, computed in float64 NumPy, each player's regret (the gain of
its best deviation: ``max_i (Ay)_i − xᵀAy`` and ``max_j (xᵀB)_j − xᵀBy``, both ≥ 0) and ``epsilon``, the larger of
the two: the pair is an ε-Nash equilibrium with that ε, whatever method found it (:func:`nash_certificate`). One
tolerance with one meaning.

Lemke–Howson (Lemke and Howson 1964; the tableau form of von Stengel, *Computing equilibria for two-person games*,
Handbook of Game Theory vol. 3, 2002, §3). With payoffs shifted to be positive, the best-response polytopes are
``P = {x ≥ 0 : Bᵀx ≤ 1}`` and ``Q = {y ≥ 0 : Ay ≤ 1}``; label ``i < m`` is the row player's action ``i`` (carried
by ``x_i`` in P and by the slack of row ``i`` of ``Ay ≤ 1`` in Q), label ``m + j`` the column player's action ``j``
(``y_j`` in Q, the slack of row ``j`` of ``Bᵀx ≤ 1`` in P). From the artificial equilibrium ``(0, 0)``, the missing
label ``k`` enters its tableau; the variable that leaves one tableau has the label that enters the other, until the
label that leaves is ``k``: then every label is present, and the normalized ``(x, y)`` is a Nash equilibrium.

Degenerate games. The leaving row is chosen by the lexicographic minimum-ratio test: rows are compared by
``(rhs, slack columns) / pivot entry``, the slack columns being the current basis inverse, whose rows are linearly
independent, so the choice is unique and the path cannot cycle (the perturbation ``1 + (ε, ε², …)`` of the
right-hand side, without computing it). Games with duplicated rows, ties and integer payoffs are handled so; a path
longer than ``max_pivots`` is reported (``converged`` False), never returned silently.

Batching. :func:`lemke_howson` pivots every (game, starting label) pair at once: the two tableaux are padded to one
shape, the pivot is one compiled step ``vmap``-ped over a chunk of :data:`CHUNK` lanes inside one
``lax.while_loop`` (``lax.map`` over the chunks, so a chunk's tableaux stay in the cache), in float64, in rounds that
drop the finished paths. A first pass decides each pivot by the first key of the ratio test alone and
stops a path at a tie it cannot decide; only those paths run again with the whole lexicographic test (on generic
games none does; where the first key decides, both choose the same row). The library's choices (not from a paper): the padding, the relative tolerance ``1e-9`` of the ratio test,
and ``max_pivots = 50 (m + n)`` by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from ..errors import InvalidGameError, InvalidParameterError

__all__ = ["NashCertificate", "nash_certificate", "LemkeHowsonResult", "lemke_howson", "bimatrix_batch"]


@dataclass(frozen=True)
class NashCertificate:
    """Each player's regret (``regrets[..., 0]`` the row player's, ``[..., 1]`` the column player's) and
    ``epsilon``, the larger: the strategy pair is an ε-Nash equilibrium with this ε."""

    regrets: np.ndarray
    epsilon: np.ndarray


def bimatrix_batch(A, B=None, *, field: str = "A") -> tuple[np.ndarray, np.ndarray]:
    """``(A, B)`` as float64 arrays of shape (games, m, n), checked: a :class:`~stratlearn.games.MatrixGame`, a list
    of them, or arrays of shape (m, n) or (games, m, n) (``B`` omitted: zero-sum, ``B = −A``). Every game must have
    the same shape, finite payoffs and at least one action per player."""
    from ..games.matrix import MatrixGame

    if isinstance(A, MatrixGame):
        A, B = A.row_payoffs, A.col_payoffs
    elif isinstance(A, (list, tuple)) and A and all(isinstance(g, MatrixGame) for g in A):
        shapes = sorted({g.shape for g in A})
        if len(shapes) > 1:
            raise InvalidGameError(f"games: a batch must hold games of one shape, got shapes {shapes}")
        A, B = np.stack([g.row_payoffs for g in A]), np.stack([g.col_payoffs for g in A])
    a = _payoffs(field, A)
    b = -a if B is None else _payoffs("B", B)
    if a.shape != b.shape:
        raise InvalidGameError(f"B: expected the shape of {field}, {a.shape}, got {b.shape}")
    if a.ndim == 2:
        a, b = a[None], b[None]
    return a, b


def _payoffs(field: str, value) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InvalidGameError(f"{field}: expected an array of numbers (shape (m, n) or (games, m, n)), got "
                               f"{type(value).__name__}") from None
    if array.ndim not in (2, 3):
        raise InvalidGameError(f"{field}: expected shape (m, n) or (games, m, n), got {array.shape}")
    if 0 in array.shape:
        raise InvalidGameError(f"{field}: every player needs at least one action and a batch at least one game, got "
                               f"shape {array.shape}")
    if not np.isfinite(array).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise InvalidGameError(f"{field}{list(bad)}={array[bad]}: expected finite payoffs")
    return array


def nash_certificate(A, B, x, y) -> NashCertificate:
    """The regrets of the strategy pair ``(x, y)`` in the game ``(A, B)``, in float64 (batches broadcast: ``A`` of
    shape (..., m, n), ``x`` (..., m), ``y`` (..., n))."""
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    Ay = np.einsum("...ij,...j->...i", A, y)
    xB = np.einsum("...i,...ij->...j", x, B)
    row = Ay.max(-1) - np.einsum("...i,...i->...", x, Ay)
    col = xB.max(-1) - np.einsum("...j,...j->...", xB, y)
    regrets = np.maximum(np.stack([row, col], axis=-1), 0.0)   # a rounding below zero is no negative regret
    return NashCertificate(regrets=regrets, epsilon=regrets.max(-1))


@dataclass(frozen=True)
class LemkeHowsonResult:
    """Lemke–Howson from each starting label of each game: ``row`` (games, labels, m) and ``col`` (games, labels,
    n) are the equilibria reached, ``labels`` the starting labels, ``pivots`` the path lengths, ``converged`` whether
    the path ended within ``max_pivots``, ``certificate`` their regrets (float64)."""

    row: np.ndarray
    col: np.ndarray
    labels: np.ndarray
    pivots: np.ndarray
    converged: np.ndarray
    certificate: NashCertificate

    def equilibria(self, game: int = 0, tol: float = 1e-9) -> list[tuple[Any, Any]]:
        """The distinct equilibria reached from the labels of game ``game`` (pairs ``(x, y)``, equal within
        ``tol`` counted once), converged paths only."""
        found: list[tuple[Any, Any]] = []
        for k in range(len(self.labels)):
            if not self.converged[game, k]:
                continue
            x, y = self.row[game, k], self.col[game, k]
            if not any(np.abs(x - u).max() <= tol and np.abs(y - v).max() <= tol for u, v in found):
                found.append((x, y))
        return found


def lemke_howson(A, B=None, *, labels=None, max_pivots: int | None = None) -> LemkeHowsonResult:
    """Lemke–Howson on a batch of bimatrix games from each of ``labels`` (default: every label ``0..m+n−1``; an
    int is one label for every game). See the module docstring for the method, its handling of degenerate games,
    and the certificate each answer carries.

    Args:
        A: the row player's payoffs, or the games (see :func:`bimatrix_batch`).
        B: the column player's payoffs; omitted, the games are zero-sum (``B = −A``).
        labels: starting labels, in ``0 .. m + n − 1`` (``i < m``: the row player's action ``i``; ``m + j``: the
            column player's action ``j``).
        max_pivots: the longest path followed (default ``50 (m + n)``); a longer one is reported not converged.
    """
    a, b = bimatrix_batch(A, B)
    games, m, n = a.shape
    if labels is None:
        labels = np.arange(m + n)
    labels_arr = np.atleast_1d(np.asarray(labels))
    if labels_arr.ndim != 1 or labels_arr.size == 0 or not np.issubdtype(labels_arr.dtype, np.integer) or \
            isinstance(labels, bool):
        raise InvalidParameterError(f"labels={labels!r}: expected starting labels, integers in 0..{m + n - 1}")
    out_of_range = labels_arr[(labels_arr < 0) | (labels_arr >= m + n)]
    if out_of_range.size:
        raise InvalidParameterError(f"labels: {int(out_of_range[0])} is out of range; expected integers in "
                                    f"0..{m + n - 1} (m + n = {m + n} labels)")
    if max_pivots is None:
        max_pivots = 50 * (m + n)
    if isinstance(max_pivots, bool) or not isinstance(max_pivots, (int, np.integer)) or max_pivots < 1:
        raise InvalidParameterError(f"max_pivots={max_pivots!r}: expected an integer >= 1")
    import jax

    games_of_lane = np.repeat(np.arange(games), labels_arr.size)
    lane_labels = np.tile(labels_arr.astype(np.int32), games)
    with jax.enable_x64(True):
        x, y, pivots, done = _solve_lanes(a[games_of_lane], b[games_of_lane], lane_labels, int(max_pivots))
    shape = (games, labels_arr.size)
    x, y = x.reshape(*shape, m), y.reshape(*shape, n)
    cert = nash_certificate(a[:, None], b[:, None], x, y)
    return LemkeHowsonResult(row=x, col=y, labels=labels_arr, pivots=pivots.reshape(shape),
                             converged=done.reshape(shape), certificate=cert)


ROUND = 16
"""Pivots per compiled round: after each, the paths that ended leave the batch (most Lemke–Howson paths on random
games are short and a few long; a batch that ran until its longest path ended would pivot every game that long)."""


CHUNK = 128
"""Lanes pivoted together inside a round (``lax.map`` over chunks of this many, each ``vmap``-ped): a chunk's two
tableaux stay in the cache for the round's pivots, where a pivot of the whole batch at once streams every tableau
through memory at each pivot."""


def _solve_lanes(A, B, labels, max_pivots: int):
    """Run every lane (a game and a starting label) with the quick ratio test, then again with the whole
    lexicographic test every lane whose path met a tie (the quick test stops a lane there, before the pivot it could
    not decide): on generic games no lane does, and both give the same pivots wherever the first key decides."""
    import jax
    import jax.numpy as jnp

    state = _rounds(A, B, labels, max_pivots, full=False)
    tied = np.flatnonzero(state.tied)
    if tied.size:
        again = _rounds(A[tied], B[tied], labels[tied], max_pivots, full=True)
        for name, value in zip(state._fields, again):
            getattr(state, name)[tied] = value
    m, n = A.shape[1:]
    extract = _compiled(m, n, False)[2]
    x, y = (np.asarray(v) for v in extract(jax.tree_util.tree_map(jnp.asarray, state)))
    return x, y, state.count, state.done & (state.enter == state.label)


def _rounds(A, B, labels, max_pivots: int, full: bool):
    """The lanes' final states, run in rounds of :data:`ROUND` pivots that keep only the unfinished lanes (their
    count padded to a power of two, so few shapes compile), on one device. Split across the two CPU devices with
    ``shard_map`` it ran 49,000 games/s against 33,000 (2026-12-07, 10,000 10x10 games), but a full test session
    crashed with the multi-device solvers in it (see the PDHG module's ``SPLIT_DEVICES``), so the split is off."""
    import jax
    import jax.numpy as jnp

    lanes, m, n = A.shape
    init, advance, _ = _compiled(m, n, full)
    state = jax.tree_util.tree_map(np.array, init(jnp.asarray(A), jnp.asarray(B), jnp.asarray(labels)))
    active = np.arange(lanes)
    while active.size:
        size = max(64, 1 << int(np.ceil(np.log2(active.size))))
        take = np.concatenate([active, np.full(size - active.size, active[0])])
        part = jax.tree_util.tree_map(lambda v: v[take], state)
        part = jax.tree_util.tree_map(np.asarray, advance(part, max_pivots))
        for name, value in zip(state._fields, part):
            getattr(state, name)[active] = value[:active.size]
        finished = (state.done[active] | (state.count[active] >= max_pivots) | (state.enter[active] == -2)
                    | state.tied[active])
        active = active[~finished]
    return state


class _Lanes(NamedTuple):
    cur: Any        # (lanes, R, W): the tableau that pivots next (P or Q, padded to R rows)
    oth: Any        # (lanes, R, W): the other one
    bcur: Any       # (lanes, R): the label of each row's basic variable in ``cur`` (-1: a padding row)
    both: Any       # (lanes, R): the same for ``oth``
    kind: Any       # (lanes,): 0 when ``cur`` is P, 1 when it is Q
    enter: Any      # (lanes,): the label entering next (-2: no pivot possible, the path failed)
    done: Any       # (lanes,): the path ended (the starting label left)
    count: Any      # (lanes,): pivots made
    label: Any      # (lanes,): the starting label
    tied: Any       # (lanes,): the quick ratio test met a tie it cannot decide (the lane is run again in full)


@lru_cache(maxsize=None)
def _compiled(m: int, n: int, full: bool):
    """The batched solver for games of shape ``m × n``, with the whole lexicographic ratio test (``full``) or only
    its first key (a tie then stops the lane, marked ``tied``): ``init(A, B, labels)``, ``advance(lanes, max_pivots)``
    (at most :data:`ROUND` pivots per lane) and ``extract(lanes) -> (x, y)``, each compiled and vmapped. A pivot is
    dense arithmetic only (one-hot rows and columns, no per-lane gather or scatter), and the two tableaux swap
    places after it, so every lane does the same work whichever tableau it pivots."""
    import jax
    import jax.numpy as jnp

    R, W = max(m, n), m + n + 1           # rows of the padded tableaux; columns: the m + n labels' variables, rhs
    rhs = W - 1
    # both tableaux put a label's variable at the label's index: P is [x (m) | s (n) | rhs], Q is [r (m) | y (n) |
    # rhs]. The keys of the lexicographic test: rhs, then the slack columns (the basis inverse), padded with rhs
    keys_p = np.full(R + 1, rhs)
    keys_p[1:n + 1] = np.arange(m, m + n)
    keys_q = np.full(R + 1, rhs)
    keys_q[1:m + 1] = np.arange(m)
    columns, rows = jnp.arange(W), jnp.arange(R)

    def init_one(A, B, k):
        A = A - A.min() + 1.0                 # positive payoffs: the polytopes are bounded and contain 0
        B = B - B.min() + 1.0
        # P: rows j (n of them): (Bᵀ)_j x + s_j = 1; Q: rows i (m of them): r_i + A_i y = 1
        P = jnp.zeros((R, W)).at[:n, :m].set(B.T).at[:n, m:m + n].set(jnp.eye(n)).at[:n, rhs].set(1.0)
        Q = jnp.zeros((R, W)).at[:m, :m].set(jnp.eye(m)).at[:m, m:m + n].set(A).at[:m, rhs].set(1.0)
        bP = jnp.full(R, -1, dtype=jnp.int32).at[:n].set(jnp.arange(m, m + n, dtype=jnp.int32))
        bQ = jnp.full(R, -1, dtype=jnp.int32).at[:m].set(jnp.arange(m, dtype=jnp.int32))
        first_p = k < m                       # x_k (k < m) lives in P, y_(k-m) in Q
        return _Lanes(jnp.where(first_p, P, Q), jnp.where(first_p, Q, P), jnp.where(first_p, bP, bQ),
                      jnp.where(first_p, bQ, bP), jnp.where(first_p, 0, 1), k, jnp.array(False), jnp.array(0), k,
                      jnp.array(False))

    def pivot(tab, basis, kind, enter):
        col = jnp.sum(jnp.where(columns == enter, tab, 0.0), axis=1)       # sums, not dots: XLA fuses them
        positive = col > 1e-12
        if full:
            keys = jnp.where(kind == 0, tab[:, keys_p], tab[:, keys_q]) / jnp.where(positive, col, 1.0)[:, None]
        else:                                     # the quick test reads the first key (the rhs) only
            keys = (tab[:, rhs] / jnp.where(positive, col, 1.0))[:, None]
        mask = positive
        for j in range(R + 1 if full else 1):     # the lexicographic minimum-ratio test, key by key
            vals = jnp.where(mask, keys[:, j], jnp.inf)
            low = vals.min()
            mask = mask & (vals <= low + 1e-9 * jnp.maximum(1.0, jnp.abs(low)))
        tie = jnp.sum(mask) > 1                   # undecided: only the quick test (one key) can leave a tie
        at = rows == jnp.argmax(mask)
        ok = positive.any()
        prow = jnp.sum(jnp.where(at[:, None], tab, 0.0), axis=0) / jnp.sum(jnp.where(at, col, 0.0))
        new = tab - (col - at)[:, None] * prow[None, :]
        leaving = jnp.sum(jnp.where(at, basis, 0)).astype(basis.dtype)
        return (jnp.where(ok, new, tab), jnp.where(ok & at, enter, basis).astype(basis.dtype),
                jnp.where(ok, leaving, -2).astype(basis.dtype), tie)

    def advance_one(lane, max_pivots):
        # pivots in pairs, first ``cur`` then ``oth``, so the tableaux keep their places (a round is an even number
        # of pivots; a path that ends after the first of a pair is done and never continues)
        stop = jnp.minimum(lane.count + ROUND, max_pivots)

        def running(s):
            return (~s.done) & (s.count < stop) & (s.enter != -2) & (~s.tied)

        def half(s, first):
            live = running(s)
            tab, basis = (s.cur, s.bcur) if first else (s.oth, s.both)
            new, new_basis, leaving, tie = pivot(tab, basis, s.kind if first else 1 - s.kind, s.enter)
            go = live & ~tie                     # a tie the quick test cannot decide: stop before the pivot
            tab, basis = jnp.where(go, new, tab), jnp.where(go, new_basis, basis)
            s = s._replace(**({"cur": tab, "bcur": basis} if first else {"oth": tab, "both": basis}))
            return s._replace(enter=jnp.where(go, leaving, s.enter), done=jnp.where(go, leaving == s.label, s.done),
                              count=s.count + go, tied=s.tied | (live & tie))

        def body(s):
            return half(half(s, True), False)

        return jax.lax.while_loop(running, body, lane)

    def extract_one(lane):
        p_first = lane.kind == 0
        P, Q = jnp.where(p_first, lane.cur, lane.oth), jnp.where(p_first, lane.oth, lane.cur)
        bP, bQ = jnp.where(p_first, lane.bcur, lane.both), jnp.where(p_first, lane.both, lane.bcur)
        x = jnp.zeros(m).at[jnp.clip(bP, 0, m - 1)].add(jnp.where((bP >= 0) & (bP < m), P[:, rhs], 0.0))
        y = jnp.zeros(n).at[jnp.clip(bQ - m, 0, n - 1)].add(jnp.where(bQ >= m, Q[:, rhs], 0.0))
        # an unfinished path (reported not converged) returns its current point, uniform where it is empty
        x = jnp.where(x.sum() > 0, x / jnp.where(x.sum() > 0, x.sum(), 1.0), 1.0 / m)
        y = jnp.where(y.sum() > 0, y / jnp.where(y.sum() > 0, y.sum(), 1.0), 1.0 / n)
        return x, y

    def advance(lanes, max_pivots):
        return jax.lax.map(lambda lane: advance_one(lane, max_pivots), lanes, batch_size=CHUNK)

    return (jax.jit(jax.vmap(init_one)), jax.jit(advance),
            jax.jit(jax.vmap(extract_one)))
