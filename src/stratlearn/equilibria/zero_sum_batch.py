"""Values of many zero-sum matrix games at once: restarted primal–dual hybrid gradient (PDHG) compiled with JAX.

A zero-sum game ``A`` of shape ``m × n`` (the row player maximizes ``xᵀAy``, the column player minimizes it) is the
bilinear saddle point ``max_{x ∈ Δ_m} min_{y ∈ Δ_n} xᵀAy`` over the two probability simplices.

Certificate. For any pair of mixed strategies, ``min_j (xᵀA)_j ≤ v* ≤ max_i (Ay)_i`` (von Neumann's minimax
theorem), so the duality gap ``max_i (Ay)_i − min_j (xᵀA)_j ≥ 0`` bounds each player's loss against a best response
and the distance of the returned value (the midpoint of the two bounds) to the true value ``v*`` by half of it. It is
recomputed for every game in float64 NumPy on the payoffs as given; a game whose gap exceeds ``tol`` is reported
``converged`` False, never returned silently.

PDHG (Chambolle and Pock, "A first-order primal-dual algorithm for convex problems with applications to imaging",
J. Math. Imaging Vision 2011, Algorithm 1 with θ = 1), here for the row player's ascent and the column player's
descent::

    x⁺ = Π_Δm(x + τ A y)
    y⁺ = Π_Δn(y − σ Aᵀ(2x⁺ − x))

with ``Π`` the Euclidean projection onto the simplex, and ``τσ‖K‖² < 1`` for convergence.

Restarts (Applegate, Lubin, Hinder et al., "Faster first-order primal-dual methods for linear programming using
restarts and sharpness", Math. Programming 2023, §3 and the adaptive scheme of §6; PDLP). The running average of the
iterates since the last restart converges at rate O(1/k); restarting the method from the average (or from the
current iterate, whichever is better) each time the gap has fallen by a constant factor turns this into linear
convergence on sharp problems, and a matrix game (a linear program) is sharp. Where PDLP measures progress by a
normalized duality gap over a trust region, a matrix game's true duality gap is as cheap as an iteration: ``Ay`` and
``xᵀA`` are the products the iteration computes anyway, and those of the average are the averages of the products.
So the true gap decides: the candidate is the current iterate or the average, whichever has the smaller gap; the
method restarts from it when its gap is at most ``β_sufficient = 0.2`` times the gap at the last restart, or at most
``β_necessary = 0.8`` times it and larger than the candidate's gap one iteration earlier, or when the iterations since
the last restart reach ``0.36`` of all iterations so far (the constants of the paper's §6). The same gap stops a game
(at most ``0.9 tol`` in the normalized payoffs, so that the float64 certificate's rounding stays below ``tol``).
Step sizes are ``τ = η/ω``, ``σ = ηω`` with ``η = 0.95/‖K‖₂`` and the primal weight ``ω`` (1 at the start) updated
at each restart as in PDLP: ``log ω ← ½ log(‖Δy‖/‖Δx‖) + ½ log ω`` with ``Δx``, ``Δy`` the moves between the last
two restart points.

The library's own choices, not from the papers:

* payoffs are normalized per game to ``K = (A − c)/s`` with ``c`` the midrange and ``s`` the half-range of the
  entries, so ``K`` lies in ``[−1, 1]`` (the iterates do not change when a constant is added to ``A``: the projection
  removes it; and the value is ``s v*(K) + c``). A constant game is solved at once (value ``c``, uniform strategies).
* ``‖K‖₂`` is the largest singular value of ``K`` double-centered (rows and columns of sum zero, ``P_m K P_n``): the
  iterates move only within the simplices' tangent spaces, where ``K`` acts as its centered part, and the centered
  norm can be far smaller (a game with all payoffs positive has a large constant component). It is estimated by 48
  power iterations per game, and ``η`` keeps a 5 % margin for their underestimate.
* the simplex projection is Michelot's algorithm ("A finite algorithm for finding the projection of a point onto the
  canonical simplex of Rⁿ", J. Optim. Theory Appl. 1986) warm-started from the previous support: any set ``T`` of
  coordinates gives a threshold ``(Σ_T v − 1)/|T|`` no larger than the exact one, from which Michelot's iteration
  rises to it, exactly, in a few steps (no sort, which is slow in XLA on the CPU).

Support polish (the library's own step, in the spirit of an LP crossover). A projection onto the simplex gives
exact zeros, so the supports ``I`` of ``x`` and ``J`` of ``y`` are read off the current iterate. Every
:data:`POLISH_EVERY` iterations, where ``|I| = |J|``, the square systems ``(A y)_i = v`` for ``i ∈ I``, ``Σ_J y = 1``
and ``(xᵀA)_j = w`` for ``j ∈ J``, ``Σ_I x = 1`` are solved (Gauss–Jordan with partial pivoting); the solution
(clipped to ``≥ 0``, renormalized) replaces the answer if its duality gap is within the target. On a nondegenerate
game PDHG identifies the equilibrium's supports long before its gap reaches ``tol``, and the polished answer is exact
to rounding (gaps near 1e-15). A wrong support gives a large gap or a singular system and is ignored; the game then
goes on with PDHG alone (degenerate games, whose supports differ in size, finish so).

Batching. The iteration is one compiled step ``vmap``-ped over the games, in float64, inside a ``lax.while_loop`` of
:data:`CHUNK` iterations; between chunks the converged games leave the batch (the unfinished ones padded to a power of
two, so few shapes compile); the batch can be split across the local devices with ``shard_map``
(:data:`SPLIT_DEVICES`, one by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from ..errors import InvalidGameError, check_positive, check_positive_int
from .general_sum import bimatrix_batch

__all__ = ["ZeroSumBatchSolution", "solve_zero_sum_batch"]

CHUNK = 64
"""Iterations per compiled chunk: after each, the games that converged leave the batch."""

POLISH_EVERY = 64
"""Iterations between two tries of the support polish (see the module docstring). A try costs about as much as 30
iterations (two Gauss–Jordan eliminations of order ``n + 1`` per game), so trying every 16 iterations finished the
games in fewer iterations but more time (measured on 20x20 games: 2,100 games/s at 16 or 32, 2,570 at 64)."""

BLOCK = 128
"""Games per device in one compiled call: a larger batch no longer fits the CPU's caches (measured on 20x20 games:
the time per game and iteration doubles from 256 to 8,192 games per device, and 128 was the fastest of 64 to 512),
so the unfinished games of a round run in blocks of this size."""

SPLIT_DEVICES = 1
"""Local devices the batch is split across (with ``shard_map``). One by default: split across the two CPU devices the
solver ran about 1.6x faster, but a whole test session with it crashed once (a segmentation fault in a later test,
not reproduced since), and this loop once stalled on two devices while it still called LAPACK; until that is
understood the solver runs on one device. Set it to ``len(jax.local_devices())`` to split."""

BETA_SUFFICIENT, BETA_NECESSARY, ARTIFICIAL = 0.2, 0.8, 0.36
"""The restart constants of Applegate et al. (2023), §6."""

POWER_ITERATIONS = 48
"""Power iterations that estimate each game's ``‖K‖₂``."""


@dataclass(frozen=True)
class ZeroSumBatchSolution:
    """Values and equilibrium strategies of a batch of zero-sum games, with their float64 certificates.

    Attributes:
        value: ``(games,)`` the value of each game, the midpoint of ``min_j (xᵀA)_j`` and ``max_i (Ay)_i``: within
            ``duality_gap / 2`` of the true value.
        row: ``(games, m)`` the row player's (maximizer's) strategies, on the simplex.
        col: ``(games, n)`` the column player's (minimizer's) strategies, on the simplex.
        duality_gap: ``(games,)`` ``max_i (Ay)_i − min_j (xᵀA)_j ≥ 0``, computed in float64 NumPy on the payoffs as
            given: each player's loss against a best response is at most this.
        iterations: ``(games,)`` the PDHG iterations each game ran.
        converged: ``(games,)`` whether ``duality_gap <= tol``.
    """

    value: np.ndarray
    row: np.ndarray
    col: np.ndarray
    duality_gap: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


def solve_zero_sum_batch(A, *, tol: float = 1e-6, max_iterations: int = 100_000) -> ZeroSumBatchSolution:
    """Values and equilibria of a batch of zero-sum matrix games by restarted PDHG (see the module docstring for
    the method, its restarts, step sizes and certificate).

    Args:
        A: the row player's payoffs, shape ``(games, m, n)`` or ``(m, n)``, or a zero-sum
            :class:`~stratlearn.games.MatrixGame` or a list of them (of one shape). The row player maximizes
            ``xᵀAy``.
        tol: the duality gap to reach, in the payoffs' units (absolute): each game stops when its gap is below it.
        max_iterations: the most PDHG iterations per game; a game not within ``tol`` by then is returned with
            ``converged`` False (and its best point so far).

    Returns:
        A :class:`ZeroSumBatchSolution` (arrays over the games, even for one game given as ``(m, n)``).

    Raises:
        InvalidGameError: if the payoffs are not finite, empty, of mixed shapes, or a game is not zero-sum.
        InvalidParameterError: if ``tol`` is not a number > 0 or ``max_iterations`` not an integer >= 1.
    """
    a, b = bimatrix_batch(A)
    if not np.array_equal(b, -a):
        g = int(np.flatnonzero((b != -a).any(axis=(1, 2)))[0])
        raise InvalidGameError(f"A[{g}]: expected zero-sum games (col_payoffs == -row_payoffs); use "
                               f"lemke_howson for general-sum games")
    tol = check_positive("tol", tol)
    max_iterations = check_positive_int("max_iterations", max_iterations)
    games, m, n = a.shape
    high, low = a.max(axis=(1, 2)), a.min(axis=(1, 2))
    center, scale = (high + low) / 2, (high - low) / 2
    flat = scale == 0.0                                   # a constant game: every pair of strategies is optimal
    scale = np.where(flat, 1.0, scale)
    K = (a - center[:, None, None]) / scale[:, None, None]
    target = 0.9 * tol / scale
    import jax

    with jax.enable_x64(True):
        x, y, iterations = _solve(K, target, max_iterations, flat)
    x = x / x.sum(-1, keepdims=True)
    y = y / y.sum(-1, keepdims=True)
    Ay = np.einsum("gij,gj->gi", a, y)
    xA = np.einsum("gi,gij->gj", x, a)
    upper, lower = Ay.max(-1), xA.min(-1)
    gap = np.maximum(upper - lower, 0.0)                  # a rounding below zero is no negative gap
    return ZeroSumBatchSolution(value=(upper + lower) / 2, row=x, col=y, duality_gap=gap, iterations=iterations,
                                converged=gap <= tol)


class _Lanes(NamedTuple):
    x: Any          # (lanes, m): the current iterates
    y: Any          # (lanes, n)
    Ay: Any         # (lanes, m): A y, the row player's payoffs against y
    xA: Any         # (lanes, n): xᵀA
    sx: Any         # (lanes, m): sums of the iterates (and of their products) since the last restart
    sy: Any
    sAy: Any
    sxA: Any
    k: Any          # (lanes,): iterations since the last restart
    x0: Any         # (lanes, m): the last restart point
    y0: Any
    g0: Any         # (lanes,): its duality gap
    bx: Any         # (lanes, m): the best restart point so far (the answer)
    by: Any
    bg: Any         # (lanes,): its duality gap
    gprev: Any      # (lanes,): the candidate's gap one iteration earlier
    omega: Any      # (lanes,): the primal weight
    eta: Any        # (lanes,): 0.95 / ‖K‖₂
    t: Any          # (lanes,): iterations so far
    done: Any       # (lanes,): the gap at (bx, by) is within the target


def _solve(K, target, max_iterations: int, flat):
    """The strategies (best point of each game) and iteration counts, run in chunks of :data:`CHUNK` iterations
    that keep only the unfinished games."""
    import jax

    games, m, n = K.shape
    init, advance, devices = _compiled(m, n)
    take = _padded(np.arange(games), devices)
    state = jax.tree_util.tree_map(lambda v: np.array(v)[:games], init(K[take], target[take]))
    state.done[flat] = True
    active = np.flatnonzero(~state.done)
    while active.size:
        for group in np.array_split(active, -(-active.size // (BLOCK * devices))):
            take = _padded(group, devices)
            part = jax.tree_util.tree_map(lambda v: v[take], state)
            part = advance(part, K[take], target[take], np.int32(max_iterations))
            for name, value in zip(state._fields, part):
                getattr(state, name)[group] = np.asarray(value)[:group.size]
        finished = state.done[active] | (state.t[active] >= max_iterations)
        active = active[~finished]
    return state.bx, state.by, state.t


def _padded(lanes, devices: int):
    """``lanes`` padded (repeating the first) to ``devices`` times a power of two, at least 8 per device: few
    shapes compile, and the lanes split evenly across the devices."""
    per_device = max(8, 1 << int(np.ceil(np.log2(-(-lanes.size // devices)))))
    return np.concatenate([lanes, np.full(devices * per_device - lanes.size, lanes[0])])


@lru_cache(maxsize=None)
def _compiled(m: int, n: int):
    """``init(K, target) -> lanes`` and ``advance(lanes, K, target, max_iterations)`` (at most :data:`CHUNK`
    iterations per game) for games of shape ``m × n``, compiled, vmapped and split across the local devices with
    ``shard_map`` (each device runs its lanes alone: no collective), and the number of devices."""
    import jax
    import jax.numpy as jnp
    from jax.sharding import Mesh, PartitionSpec

    def project(v, support):
        # Michelot's iteration from the threshold of ``support`` (a lower bound of the exact threshold, whatever the
        # set): keep the coordinates above the threshold, recompute it from them, until it stops rising
        def threshold(keep):
            return (jnp.sum(jnp.where(keep, v, 0.0)) - 1.0) / jnp.maximum(jnp.sum(keep), 1)

        theta = threshold(support | ~support.any())

        def body(carry):
            theta, _ = carry
            new = threshold(v > theta)
            return new, new > theta

        theta, _ = jax.lax.while_loop(lambda c: c[1], body, (theta, jnp.array(True)))
        return jnp.maximum(v - theta, 0.0)

    def gap(Ay, xA):
        return Ay.max() - xA.min()

    def init_one(K, target):
        # ‖P_m K P_n‖₂ by power iteration from a fixed start of sum zero
        C = K - K.mean(0, keepdims=True) - K.mean(1, keepdims=True) + K.mean()
        v = jnp.cos(jnp.arange(1, n + 1) * 1.3)
        v = v - v.mean()

        def power(_, v):
            w = C.T @ (C @ v)
            return w / jnp.maximum(jnp.linalg.norm(w), 1e-300)

        v = jax.lax.fori_loop(0, POWER_ITERATIONS, power, v)
        eta = 0.95 / jnp.maximum(jnp.linalg.norm(C @ v), 1e-3)
        x, y = jnp.full(m, 1.0 / m), jnp.full(n, 1.0 / n)
        Ay, xA = K @ y, x @ K
        g = gap(Ay, xA)
        zm, zn = jnp.zeros(m), jnp.zeros(n)
        count = jnp.zeros((), jnp.int32)
        return _Lanes(x, y, Ay, xA, zm, zn, zm, zn, count, x, y, g, x, y, g, g, jnp.ones(()), eta, count,
                      g <= target)

    def step(s, K, target):
        tau, sigma = s.eta / s.omega, s.eta * s.omega
        x = project(s.x + tau * s.Ay, s.x > 0)
        xA = x @ K
        y = project(s.y - sigma * (2 * xA - s.xA), s.y > 0)
        Ay = K @ y
        sx, sy, sAy, sxA, k = s.sx + x, s.sy + y, s.sAy + Ay, s.sxA + xA, s.k + 1
        t = s.t + 1
        g_cur, g_avg = gap(Ay, xA), gap(sAy / k, sxA / k)
        use_avg = g_avg < g_cur
        g_c = jnp.minimum(g_cur, g_avg)
        restart = ((g_c <= BETA_SUFFICIENT * s.g0) | ((g_c <= BETA_NECESSARY * s.g0) & (g_c > s.gprev))
                   | (k >= ARTIFICIAL * t) | (g_c <= target))
        cx, cy = jnp.where(use_avg, sx / k, x), jnp.where(use_avg, sy / k, y)
        cAy, cxA = jnp.where(use_avg, sAy / k, Ay), jnp.where(use_avg, sxA / k, xA)
        dx, dy = jnp.linalg.norm(cx - s.x0), jnp.linalg.norm(cy - s.y0)
        moved = (dx > 1e-10) & (dy > 1e-10)
        omega = jnp.where(restart & moved,
                          jnp.exp(0.5 * jnp.log(jnp.where(moved, dy / dx, 1.0)) + 0.5 * jnp.log(s.omega)), s.omega)
        better = restart & (g_c < s.bg)      # a restart point that improves on the best becomes the best
        zero_m, zero_n = jnp.zeros(m), jnp.zeros(n)
        return _Lanes(
            x=jnp.where(restart, cx, x), y=jnp.where(restart, cy, y),
            Ay=jnp.where(restart, cAy, Ay), xA=jnp.where(restart, cxA, xA),
            sx=jnp.where(restart, zero_m, sx), sy=jnp.where(restart, zero_n, sy),
            sAy=jnp.where(restart, zero_m, sAy), sxA=jnp.where(restart, zero_n, sxA),
            k=jnp.where(restart, 0, k),
            x0=jnp.where(restart, cx, s.x0), y0=jnp.where(restart, cy, s.y0), g0=jnp.where(restart, g_c, s.g0),
            bx=jnp.where(better, cx, s.bx), by=jnp.where(better, cy, s.by), bg=jnp.where(better, g_c, s.bg),
            gprev=g_c, omega=omega, eta=s.eta, t=t, done=g_c <= target)

    def solve(M, b):
        # Gauss–Jordan elimination with partial pivoting, in plain array operations (LAPACK's custom call inside
        # these loops stalled when two devices ran it at once); a singular M gives inf or NaN
        size = M.shape[0]
        index = jnp.arange(size)

        def eliminate(k, T):
            column = T[:, k]
            p = jnp.argmax(jnp.where(index >= k, jnp.abs(column), -1.0))
            T = jnp.where((index == k)[:, None], T[p], jnp.where((index == p)[:, None], T[k], T))
            pivot = T[k]
            return T - jnp.where(index == k, 0.0, T[:, k] / pivot[k])[:, None] * pivot[None, :]

        T = jax.lax.fori_loop(0, size, eliminate, jnp.concatenate([M, b[:, None]], 1))
        return T[:, size] / jnp.diagonal(T)

    def indifferent(K, rows, cols):
        # the strategy q supported on ``cols`` that makes the opponent indifferent among ``rows``: (K q)_i = v for
        # i in rows, q_j = 0 off cols, Σ q = 1 — a square system when |rows| = |cols|
        p, q = K.shape
        # the k-th member of ``cols`` takes the equation of the k-th member of ``rows`` (one-hot, no sort)
        match = (cols[:, None] & rows[None, :]
                 & ((jnp.cumsum(cols) - 1)[:, None] == (jnp.cumsum(rows) - 1)[None, :]))
        pick = match.astype(K.dtype) @ K
        M = jnp.where(cols[:, None], jnp.concatenate([pick, -jnp.ones((q, 1))], 1), jnp.eye(q, q + 1))
        M = jnp.concatenate([M, jnp.concatenate([jnp.ones((1, q)), jnp.zeros((1, 1))], 1)], 0)
        sol = solve(M, jnp.zeros(q + 1).at[q].set(1.0))[:q]
        sol = jnp.maximum(jnp.where(cols, sol, 0.0), 0.0)
        return sol / jnp.sum(sol)

    def polish(s, K, target):
        rows, cols = s.x > 0, s.y > 0
        same = jnp.sum(rows) == jnp.sum(cols)
        x, y = indifferent(K.T, cols, rows), indifferent(K, rows, cols)
        g = gap(K @ y, x @ K)
        ok = same & (g <= target) & ~s.done            # a singular system gives NaN, and NaN <= target is False
        return s._replace(bx=jnp.where(ok, x, s.bx), by=jnp.where(ok, y, s.by), bg=jnp.where(ok, g, s.bg),
                          done=s.done | ok)

    def advance_one(lane, K, target, max_iterations):
        stop = jnp.minimum(lane.t + CHUNK, max_iterations)

        def stretch(s):
            until = jnp.minimum(s.t + POLISH_EVERY, stop)
            s = jax.lax.while_loop(lambda s: (~s.done) & (s.t < until), lambda s: step(s, K, target), s)
            return polish(s, K, target)

        return jax.lax.while_loop(lambda s: (~s.done) & (s.t < stop), stretch, lane)

    init, advance = jax.vmap(init_one), jax.vmap(advance_one, in_axes=(0, 0, 0, None))
    devices = jax.local_devices()[:SPLIT_DEVICES]
    if len(devices) > 1:
        lanes = PartitionSpec("lanes")
        mesh = Mesh(np.asarray(devices), ("lanes",))
        init = jax.shard_map(init, mesh=mesh, in_specs=(lanes, lanes), out_specs=lanes, check_vma=False)
        advance = jax.shard_map(advance, mesh=mesh, in_specs=(lanes, lanes, lanes, PartitionSpec()), out_specs=lanes,
                                check_vma=False)
    return jax.jit(init), jax.jit(advance), len(devices)
