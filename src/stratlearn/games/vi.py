"""Monotone variational inequalities over products of simple convex sets.

A variational inequality VI(F, Z) asks for ``z* ∈ Z`` with ``⟨F(z*), z − z*⟩ ≥ 0`` for every ``z ∈ Z``. ``F`` is
*monotone* when ``⟨F(z) − F(z'), z − z'⟩ ≥ 0`` and *μ-strongly monotone* when the left side is at least
``μ‖z − z'‖²``. A zero-sum matrix game is the VI with ``z = (x, y)``, ``Z = Δ_m × Δ_n`` and ``F(x, y) = (−Ay, Aᵀx)``,
whose solutions are its Nash equilibria; [2] (Chen and Mazumdar, NeurIPS 2024) studies the generalized Frank-Wolfe
method on this class.

The domain is a product of blocks, each a probability simplex, a box or a Euclidean ball, with its Euclidean
projection and its linear minimization oracle ``argmin_{z ∈ block} ⟨g, z⟩``. The quality of a point is the gap
function ``gap(z) = max_{z' ∈ Z} ⟨F(z), z − z'⟩ ≥ 0``, zero exactly at a solution; for a matrix game it equals the
Nash gap ``max_x' x'ᵀAy − min_y' xᵀAy'``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import (InvalidGameError, InvalidParameterError, check_finite_array, check_memory, check_positive,
                      check_positive_int, check_seed)
from ..ops import project_simplex
from .base import pytree_game

__all__ = ["Simplex", "Box", "Ball", "Domain", "VariationalInequality", "MonotonicityWarning", "vi_gap",
           "from_matrix_game", "from_markov_stage", "quadratic_game", "affine_vi", "check_monotone"]


# ------------------------------------------------------------------------------------------------ blocks
@dataclass(frozen=True)
class Simplex:
    """The probability simplex ``{z ≥ 0, Σ z = 1}`` in ``R^size``."""

    size: int

    def project(self, z):
        return project_simplex(z)

    def lmo(self, g):
        return jax.nn.one_hot(jnp.argmin(g), self.size, dtype=g.dtype)

    def center(self):
        return np.full(self.size, 1.0 / self.size)

    def sample(self, rng: np.random.Generator):
        return rng.dirichlet(np.ones(self.size))

    def random_point(self, key, dtype):
        return jax.random.dirichlet(key, jnp.ones(self.size, dtype), dtype=dtype)


@dataclass(frozen=True)
class Box:
    """The box ``{low ≤ z ≤ high}`` (bounds as tuples, one per coordinate)."""

    low: tuple
    high: tuple

    @property
    def size(self) -> int:
        return len(self.low)

    def project(self, z):
        return jnp.clip(z, jnp.asarray(self.low, z.dtype), jnp.asarray(self.high, z.dtype))

    def lmo(self, g):
        return jnp.where(g > 0, jnp.asarray(self.low, g.dtype), jnp.asarray(self.high, g.dtype))

    def center(self):
        return (np.asarray(self.low) + np.asarray(self.high)) / 2

    def sample(self, rng: np.random.Generator):
        return rng.uniform(self.low, self.high)

    def random_point(self, key, dtype):
        return jax.random.uniform(key, (self.size,), dtype, jnp.asarray(self.low, dtype), jnp.asarray(self.high, dtype))


@dataclass(frozen=True)
class Ball:
    """The Euclidean ball of ``radius`` around ``center`` (a tuple) in ``R^size``."""

    center_point: tuple
    radius: float

    @property
    def size(self) -> int:
        return len(self.center_point)

    def project(self, z):
        c = jnp.asarray(self.center_point, z.dtype)
        d = z - c
        norm = jnp.linalg.norm(d)
        return c + d * jnp.minimum(1.0, self.radius / jnp.maximum(norm, 1e-30))

    def lmo(self, g):
        c = jnp.asarray(self.center_point, g.dtype)
        norm = jnp.linalg.norm(g)
        return c - self.radius * g / jnp.maximum(norm, 1e-30)

    def center(self):
        return np.asarray(self.center_point, dtype=float)

    def sample(self, rng: np.random.Generator):
        d = rng.normal(size=self.size)
        d *= self.radius * rng.uniform() ** (1 / self.size) / np.linalg.norm(d)
        return np.asarray(self.center_point) + d

    def random_point(self, key, dtype):
        k1, k2 = jax.random.split(key)
        d = jax.random.normal(k1, (self.size,), dtype)
        scale = self.radius * jax.random.uniform(k2, (), dtype) ** (1.0 / self.size)
        return jnp.asarray(self.center_point, dtype) + d * scale / jnp.maximum(jnp.linalg.norm(d), 1e-30)


def _check_block(i, block):
    if isinstance(block, Simplex):
        check_positive_int(f"blocks[{i}].size", block.size)
    elif isinstance(block, Box):
        low, high = np.asarray(block.low, float), np.asarray(block.high, float)
        if low.ndim != 1 or low.shape != high.shape or low.size == 0:
            raise InvalidGameError(f"blocks[{i}]: expected low and high of one equal, non-zero length, got "
                                   f"{low.shape} and {high.shape}")
        if not (np.isfinite(low).all() and np.isfinite(high).all()) or (low > high).any():
            raise InvalidGameError(f"blocks[{i}]: expected finite bounds with low <= high, got low={block.low}, "
                                   f"high={block.high}")
    elif isinstance(block, Ball):
        if len(block.center_point) == 0 or not np.isfinite(np.asarray(block.center_point, float)).all():
            raise InvalidGameError(f"blocks[{i}]: expected a finite, non-empty center, got {block.center_point}")
        check_positive(f"blocks[{i}].radius", block.radius)
    else:
        raise InvalidGameError(f"blocks[{i}]: expected a Simplex, Box or Ball, got {type(block).__name__}")


@dataclass(frozen=True)
class Domain:
    """A product of blocks; a point is one flat vector, the blocks' coordinates one after another."""

    blocks: tuple

    def __post_init__(self):
        if not isinstance(self.blocks, tuple) or not self.blocks:
            raise InvalidGameError(f"blocks: expected a non-empty tuple of Simplex, Box or Ball, got {self.blocks!r}")
        for i, block in enumerate(self.blocks):
            _check_block(i, block)

    @property
    def size(self) -> int:
        return sum(b.size for b in self.blocks)

    @property
    def offsets(self) -> tuple:
        out, start = [], 0
        for b in self.blocks:
            out.append((start, start + b.size))
            start += b.size
        return tuple(out)

    def split(self, z):
        return [z[..., lo:hi] for lo, hi in self.offsets]

    def _map(self, method, z):
        return jnp.concatenate([getattr(b, method)(part) for b, part in zip(self.blocks, self.split(z))], axis=-1)

    def project(self, z):
        """Euclidean projection onto the domain (block by block)."""
        return self._map("project", z)

    def lmo(self, g):
        """``argmin_{z ∈ Z} ⟨g, z⟩`` (block by block)."""
        return self._map("lmo", g)

    def center(self) -> np.ndarray:
        return np.concatenate([b.center() for b in self.blocks])

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """A random point (uniform on boxes and balls, flat Dirichlet on simplices), drawn with NumPy."""
        return np.concatenate([b.sample(rng) for b in self.blocks])

    def random_point(self, key, dtype=None):
        """The same distribution as :meth:`sample`, drawn with JAX from ``key`` (jit/vmap-able)."""
        dtype = dtype or jnp.result_type(float)
        keys = jax.random.split(key, len(self.blocks))
        return jnp.concatenate([b.random_point(k, dtype) for b, k in zip(self.blocks, keys)])


# ------------------------------------------------------------------------------------------------ the VI
def _affine(params, z):
    matrix, offset = params
    return matrix @ z + offset


@pytree_game
@dataclass(frozen=True, eq=False, init=False)
class VariationalInequality:
    """VI(F, Z) with ``F(z) = operator(params, z)``.

    Attributes:
        params: the operator's arrays (a pytree; leaves, so VIs of one kind can be stacked and vmapped). The
            constructors keep them in float64 NumPy; inside ``jit`` they become JAX's default float.
        domain: the :class:`Domain` (static).
        operator: a function ``(params, z) -> F(z)`` of the same shape as ``z`` (static).
        monotone: what the constructor guarantees: ``"strongly"``, ``"monotone"`` or ``"unknown"``.
        name: a label.
    """

    params: Any
    domain: Domain
    operator: Callable
    monotone: str
    name: str

    _static = ("domain", "operator", "monotone", "name")

    def __init__(self, operator: Callable, params, domain: Domain, *, monotone: str = "unknown",
                 name: str = "vi"):
        if not isinstance(domain, Domain):
            raise InvalidGameError(f"domain: expected a Domain, got {type(domain).__name__}")
        if not callable(operator):
            raise InvalidGameError(f"operator: expected a function (params, z) -> F(z), got {type(operator).__name__}")
        if monotone not in ("strongly", "monotone", "unknown"):
            raise InvalidParameterError(f"monotone={monotone!r}: expected 'strongly', 'monotone' or 'unknown'")
        z = jnp.asarray(domain.center())
        try:
            out = jax.eval_shape(operator, params, z)
        except Exception as exc:  # a shape error inside the user's operator: report it with the expected shape
            raise InvalidGameError(f"operator: evaluating F at a point of shape {z.shape} failed ({exc})") from None
        if getattr(out, "shape", None) != z.shape:
            raise InvalidGameError(f"operator: F(z) must have the shape of z, {z.shape} for this domain; got "
                                   f"{getattr(out, 'shape', type(out).__name__)}")
        for field, value in (("params", params), ("domain", domain), ("operator", operator), ("monotone", monotone),
                             ("name", str(name))):
            object.__setattr__(self, field, value)

    def __call__(self, z):
        """``F(z)``."""
        return self.operator(self.params, z)

    @property
    def size(self) -> int:
        return self.domain.size

    def describe(self) -> dict:
        return {"name": self.name, "size": self.size, "blocks": [type(b).__name__ for b in self.domain.blocks],
                "monotone": self.monotone}


def vi_gap(vi: VariationalInequality, z):
    """``max_{z' ∈ Z} ⟨F(z), z − z'⟩``, by the linear minimization oracle; jit/vmap-able."""
    g = vi(z)
    return jnp.sum(g * (z - vi.domain.lmo(g)), axis=-1)


# ------------------------------------------------------------------------------------------------ constructors
def from_matrix_game(game) -> VariationalInequality:
    """The VI of a two-player matrix game: ``z = (x, y) ∈ Δ_m × Δ_n``, ``F(x, y) = (−Ay, −Bᵀx)``; for a zero-sum game
    (``B = −A``) that is ``(−Ay, Aᵀx)``, monotone, and ``vi_gap`` is the Nash gap."""
    from .matrix import MatrixGame

    if not isinstance(game, MatrixGame):
        raise InvalidGameError(f"game: expected a MatrixGame, got {type(game).__name__}")
    A, B = np.asarray(game.row_payoffs, float), np.asarray(game.col_payoffs, float)
    m, n = A.shape
    matrix = np.zeros((m + n, m + n))
    matrix[:m, m:] = -A
    matrix[m:, :m] = -B.T
    return VariationalInequality(_affine, (matrix, np.zeros(m + n)), Domain((Simplex(m), Simplex(n))),
                                 monotone="monotone" if game.is_zero_sum else "unknown", name=f"vi:{game.name}")


def from_markov_stage(game, values, state: int) -> VariationalInequality:
    """The VI of the stage game of a zero-sum Markov game at ``state`` and continuation values ``values`` (S,):
    the matrix game ``Q(s) = r(s) + γ Σ_s' P(s'|s,·,·) v(s')``."""
    from .markov import MarkovGame
    from .matrix import MatrixGame

    if not isinstance(game, MarkovGame):
        raise InvalidGameError(f"game: expected a MarkovGame, got {type(game).__name__}")
    if not game.is_zero_sum:
        raise InvalidGameError("game: expected a zero-sum Markov game (its stage games are then monotone VIs)")
    v = check_finite_array("values", values, ndim=1)
    if v.shape != (game.num_states,):
        raise InvalidGameError(f"values: expected shape ({game.num_states},), got {v.shape}")
    if isinstance(state, bool) or not isinstance(state, (int, np.integer)) or not 0 <= state < game.num_states:
        raise InvalidParameterError(f"state={state!r}: expected an integer in [0, {game.num_states})")
    q, _ = game.stage_payoffs(v)
    stage = MatrixGame.zero_sum(np.asarray(q)[state], name=f"{game.name}:stage{state}")
    return from_matrix_game(stage)


def quadratic_game(players: int = 2, dim: int = 3, strength: float = 0.5, seed: int = 0) -> VariationalInequality:
    """A ``strength``-strongly monotone game: each player ``i`` picks ``z_i ∈ [−1, 1]^dim`` to minimize a quadratic
    cost whose partial gradients form ``F(z) = Mz + q`` with ``M = strength·I + LLᵀ/(players·dim) + (K − Kᵀ)``,
    ``L, K`` seeded Gaussian: the symmetric part is at least ``strength·I``, the skew part couples the players."""
    p, d = check_positive_int("players", players), check_positive_int("dim", dim)
    strength = check_positive("strength", strength)
    n = p * d
    check_memory(f"players={p}, dim={d}", 8.0 * 4 * n * n)  # L, K, their products and the matrix (n = players·dim)
    rng = np.random.default_rng(check_seed(seed))
    L, K = rng.normal(size=(n, n)), rng.normal(size=(n, n))
    matrix = strength * np.eye(n) + L @ L.T / n + (K - K.T)
    offset = rng.normal(size=n)
    domain = Domain(tuple(Box((-1.0,) * d, (1.0,) * d) for _ in range(p)))
    return VariationalInequality(_affine, (matrix, offset), domain, monotone="strongly",
                                 name=f"quadratic_game_{p}x{d}")


def affine_vi(dim: int = 10, rank: int = 2, radius: float = 1.0, seed: int = 0) -> VariationalInequality:
    """A monotone affine VI that is not a game: ``F(z) = (S + K)z + q`` on the ball of ``radius`` in ``R^dim``, with
    ``S = LLᵀ`` positive semidefinite of rank ``rank`` (so not strongly monotone) and ``K`` skew-symmetric (so ``F``
    is not the gradient of any function). ``q = −M z₀`` with ``‖z₀‖ = 2·radius``: the unconstrained root lies outside
    the ball, so the solution is on its boundary and the constraint matters."""
    n, r = check_positive_int("dim", dim), check_positive_int("rank", rank)
    radius = check_positive("radius", radius)
    if r > n:
        raise InvalidParameterError(f"rank={r}: expected at most dim={n}")
    check_memory(f"dim={n}", 8.0 * 4 * n * n)  # K, L Lᵀ, the matrix and a temporary
    rng = np.random.default_rng(check_seed(seed))
    L, K = rng.normal(size=(n, r)) / np.sqrt(n), rng.normal(size=(n, n)) / np.sqrt(n)
    matrix = L @ L.T + (K - K.T) / 2
    root = rng.normal(size=n)
    offset = -matrix @ (2 * radius * root / np.linalg.norm(root))
    return VariationalInequality(_affine, (matrix, offset),
                                 Domain((Ball((0.0,) * n, radius),)), monotone="monotone", name=f"affine_vi_{n}")



class MonotonicityWarning(UserWarning):
    """An operator declared or assumed monotone failed the sampled monotonicity check."""


def check_monotone(vi: VariationalInequality, samples: int = 256, seed: int = 0, tolerance: float = 1e-5) -> bool:
    """Sample ``samples`` pairs ``(z, z')`` in the domain and test ``⟨F(z) − F(z'), z − z'⟩ ≥ 0``.

    A pair fails when the inner product is below ``−tolerance·‖F(z) − F(z')‖·‖z − z'‖`` (its Cauchy-Schwarz scale), so
    the float32 rounding of an inner product that is exactly zero (any bilinear game) is not a violation. Returns True
    when every pair passes; otherwise warns (:class:`MonotonicityWarning`) naming the worst pair and its value and
    returns False. A sampled check can miss a violation; it does not report one that is not there.
    """
    samples = check_positive_int("samples", samples)
    tolerance = check_positive("tolerance", tolerance)
    rng = np.random.default_rng(check_seed(seed))
    z = np.stack([vi.domain.sample(rng) for _ in range(samples)])
    w = np.stack([vi.domain.sample(rng) for _ in range(samples)])
    F = jax.vmap(vi)
    dz = z - w
    dF = np.asarray(F(jnp.asarray(z)), dtype=float) - np.asarray(F(jnp.asarray(w)), dtype=float)
    inner = np.sum(dF * dz, axis=-1)
    scale = np.linalg.norm(dF, axis=-1) * np.linalg.norm(dz, axis=-1)
    scaled = inner / np.maximum(scale, 1e-300)
    worst = int(np.argmin(scaled))
    if scaled[worst] < -tolerance:
        warnings.warn(f"{vi.name}: operator is not monotone: at z={np.round(z[worst], 4).tolist()}, "
                      f"z'={np.round(w[worst], 4).tolist()}, <F(z) - F(z'), z - z'> = {inner[worst]:.4g} < 0",
                      MonotonicityWarning, stacklevel=2)
        return False
    return True
