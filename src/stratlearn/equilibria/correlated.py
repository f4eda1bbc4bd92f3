"""Correlated and coarse correlated equilibria of two-player games, as linear programs solved by HiGHS.

A distribution ``p`` over action profiles ``(i, j)`` is a **correlated equilibrium** (Aumann 1974) when no player
gains by deviating from a recommended action: for the row player, every ``i`` and every ``i'``,
``Σ_j p(i, j) (A[i', j] − A[i, j]) ≤ 0``, and likewise for the column player with ``B``. It is a **coarse correlated
equilibrium** (Hannan; Moulin and Vial 1978) when no player gains by committing to one action before the
recommendation: ``Σ_{i,j} p(i, j) (A[i', j] − A[i, j]) ≤ 0`` for every ``i'``. Both sets are polytopes (CE ⊆ CCE) and
contain every Nash equilibrium (as the product ``x yᵀ``); no-regret learning converges to the coarse set, and
no-swap-regret learning to the correlated one.

:func:`correlated_equilibrium` returns the point of the polytope that maximizes the players' total payoff (or a
given linear objective), solved by HiGHS (``scipy.optimize.linprog``), with its certificate: the largest gain any
deviation offers (:func:`deviation_gains`, recomputed in float64 from the distribution, so ≤ 0 up to rounding means
feasible) and the LP's duality gap as HiGHS reports it.

How far a learning run's joint play is from the sets, two measures:

- :func:`correlated_gap` (the metric ``ce_gap`` / ``cce_gap`` any run of a matrix game can record, compiled with
  JAX): ``ε = max(0, largest deviation gain)``, so the distribution is an ε-(coarse) correlated equilibrium. For the
  coarse set it is the largest external regret of either player per round, ``max_k Σ_j q_j A[k, j] − Σ p A``, so
  Hannan-consistent (no-regret) learning drives it to 0 (Hart and Mas-Colell 2000, Section 2; Cesa-Bianchi and
  Lugosi 2006, Section 7.4); for the correlated set it is the largest conditional (internal) regret.
- :func:`correlated_distance`: the total-variation distance ``½ ‖p − q‖₁`` from the distribution to the nearest
  point ``q`` of the polytope, an LP solved by HiGHS (float64, on the host).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["CorrelatedEquilibrium", "correlated_equilibrium", "deviation_gains", "correlated_gap",
           "CorrelatedDistance", "correlated_distance"]


@dataclass(frozen=True)
class CorrelatedEquilibrium:
    """A (coarse) correlated equilibrium: ``distribution`` over action profiles (m, n), the players' expected
    payoffs ``payoffs`` (row, column), ``welfare`` (their sum), and its certificate: ``max_gain`` (the largest gain
    of any deviation, float64; ≤ 0 up to rounding) and ``duality_gap`` (HiGHS's, of the LP)."""

    distribution: np.ndarray
    payoffs: np.ndarray
    welfare: float
    max_gain: float
    duality_gap: float
    coarse: bool


def _constraints(A: np.ndarray, B: np.ndarray, coarse: bool) -> np.ndarray:
    """The deviation gains as rows of a matrix acting on ``p`` flattened (row-major over (i, j))."""
    m, n = A.shape
    rows = []
    if coarse:
        for k in range(m):                                   # the row player commits to k
            rows.append((A[k][None, :] - A).ravel())
        for k in range(n):                                   # the column player commits to k
            rows.append((B[:, k][:, None] - B).ravel())
    else:
        for i in range(m):
            for k in range(m):
                if k != i:                                   # told i, the row player plays k
                    gain = np.zeros((m, n))
                    gain[i] = A[k] - A[i]
                    rows.append(gain.ravel())
        for j in range(n):
            for k in range(n):
                if k != j:                                   # told j, the column player plays k
                    gain = np.zeros((m, n))
                    gain[:, j] = B[:, k] - B[:, j]
                    rows.append(gain.ravel())
    return np.array(rows).reshape(-1, m * n)


def deviation_gains(A, B, distribution, *, coarse: bool = False) -> np.ndarray:
    """The expected gain of every deviation under ``distribution`` (m, n), float64: every entry ≤ 0 (up to
    rounding) exactly when it is a (coarse, with ``coarse``) correlated equilibrium. A product ``x yᵀ`` of a Nash
    equilibrium has no positive gain in either sense."""
    from .general_sum import bimatrix_batch

    a, b = bimatrix_batch(A, B)
    p = np.asarray(distribution, dtype=float)
    if p.shape != a.shape[1:]:
        raise InvalidParameterError(f"distribution: expected shape {a.shape[1:]} (one probability per action "
                                    f"profile), got {p.shape}")
    return _constraints(a[0], b[0], coarse) @ p.ravel()


def correlated_equilibrium(A, B=None, *, coarse: bool = False, objective=None) -> CorrelatedEquilibrium:
    """The (coarse, with ``coarse``) correlated equilibrium that maximizes ``objective`` — an array (m, n) of
    values per action profile; default the welfare ``A + B`` — solved by HiGHS. ``A`` may be a
    :class:`~stratlearn.games.MatrixGame`; ``B`` omitted means zero-sum."""
    from scipy.optimize import linprog

    from .general_sum import bimatrix_batch

    a, b = bimatrix_batch(A, B)
    if a.shape[0] != 1:
        raise InvalidParameterError(f"A: expected one game, got a batch of {a.shape[0]}")
    a, b = a[0], b[0]
    m, n = a.shape
    value = a + b if objective is None else np.asarray(objective, dtype=float)
    if value.shape != (m, n) or not np.isfinite(value).all():
        raise InvalidParameterError(f"objective: expected finite values of shape {(m, n)}, one per action profile")
    gains = _constraints(a, b, coarse)
    done = linprog(-value.ravel(), A_ub=gains, b_ub=np.zeros(len(gains)), A_eq=np.ones((1, m * n)), b_eq=[1.0],
                   bounds=(0, None), method="highs")
    if done.status != 0:                                     # cannot happen: a Nash equilibrium is always feasible
        raise InvalidParameterError(f"HiGHS did not solve the correlated-equilibrium LP: {done.message}")
    p = np.clip(done.x, 0.0, None)
    p = (p / p.sum()).reshape(m, n)
    # HiGHS's duals (the marginals) give the dual objective, b_eqᵀ y_eq + b_ubᵀ y_ub = y_eq (b_ub = 0)
    gap = abs(float(done.fun) - float(done.eqlin.marginals[0]))
    payoffs = np.array([float((p * a).sum()), float((p * b).sum())])
    return CorrelatedEquilibrium(distribution=p, payoffs=payoffs, welfare=float(payoffs.sum()),
                                 max_gain=float(max(gains @ p.ravel())), duality_gap=gap, coarse=coarse)


def correlated_gap(A, B, distribution, *, coarse: bool = False):
    """``ε = max(0, largest deviation gain)`` of the joint ``distribution`` (m, n) in the game ``(A, B)``: the
    distribution is an ε-correlated equilibrium (an ε-coarse one with ``coarse``). Written with ``jax.numpy`` so a
    compiled run evaluates it (the metrics ``ce_gap`` and ``cce_gap``); NumPy arrays work too."""
    import jax.numpy as jnp

    A, B, p = jnp.asarray(A), jnp.asarray(B), jnp.asarray(distribution)
    if coarse:
        row = (A @ p.sum(axis=0)).max() - jnp.sum(p * A)           # commit to one action before the draw
        col = (p.sum(axis=1) @ B).max() - jnp.sum(p * B)
    else:
        # told i, play k instead: Σ_j p(i, j) (A[k, j] − A[i, j]), largest over i and k (k = i gives 0)
        row = (p @ A.T - jnp.sum(p * A, axis=1)[:, None]).max()
        col = (p.T @ B - jnp.sum(p * B, axis=0)[:, None]).max()
    return jnp.maximum(jnp.maximum(row, col), 0.0)


@dataclass(frozen=True)
class CorrelatedDistance:
    """The total-variation distance ``½ ‖p − q‖₁`` from a distribution ``p`` to the (coarse) correlated
    equilibrium polytope, the nearest point ``nearest`` (a ``q`` of the polytope at that distance) and its
    certificate ``max_gain`` (its largest deviation gain, float64, ≤ 0 up to rounding)."""

    distance: float
    nearest: np.ndarray
    max_gain: float
    coarse: bool


def correlated_distance(A, B, distribution, *, coarse: bool = False) -> CorrelatedDistance:
    """The total-variation distance from ``distribution`` (m, n) to the (coarse) correlated equilibria of
    ``(A, B)``: ``min ½ Σ |p − q|`` over the polytope, as the LP ``min ½ Σ t`` with ``t ≥ ±(p − q)``, solved by
    HiGHS. Zero exactly on the set; ``B`` None means zero-sum."""
    from scipy.optimize import linprog

    from .general_sum import bimatrix_batch

    a, b = bimatrix_batch(A, B)
    if a.shape[0] != 1:
        raise InvalidParameterError(f"A: expected one game, got a batch of {a.shape[0]}")
    a, b = a[0], b[0]
    m, n = a.shape
    p = np.asarray(distribution, dtype=float)
    if p.shape != (m, n) or not np.isfinite(p).all() or (p < 0).any() or abs(p.sum() - 1.0) > 1e-6:
        raise InvalidParameterError(f"distribution: expected a probability distribution over the {m}x{n} action "
                                    f"profiles (shape {(m, n)}, non-negative, summing to 1), got shape {p.shape}"
                                    + (f" summing to {p.sum():.6g}" if p.shape == (m, n) else ""))
    size = m * n
    gains = _constraints(a, b, coarse)
    eye = np.eye(size)
    # variables (q, t): gains q ≤ 0, q − t ≤ p, −q − t ≤ −p, Σ q = 1, q, t ≥ 0
    a_ub = np.block([[gains, np.zeros((len(gains), size))], [eye, -eye], [-eye, -eye]])
    b_ub = np.concatenate([np.zeros(len(gains)), p.ravel(), -p.ravel()])
    a_eq = np.concatenate([np.ones(size), np.zeros(size)])[None]
    done = linprog(np.concatenate([np.zeros(size), np.full(size, 0.5)]), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq,
                   b_eq=[1.0], bounds=(0, None), method="highs")
    if done.status != 0:                                     # cannot happen: the polytope is never empty
        raise InvalidParameterError(f"HiGHS did not solve the distance LP: {done.message}")
    q = np.clip(done.x[:size], 0.0, None)
    q = (q / q.sum()).reshape(m, n)
    return CorrelatedDistance(distance=float(0.5 * np.abs(p - q).sum()), nearest=q,
                              max_gain=float(max(gains @ q.ravel())), coarse=coarse)
