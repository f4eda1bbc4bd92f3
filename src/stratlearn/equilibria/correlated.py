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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["CorrelatedEquilibrium", "correlated_equilibrium", "deviation_gains"]


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
