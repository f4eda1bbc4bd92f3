"""Exact 2-Wasserstein distances between densities on a grid: quantile functions in 1-D, optimal transport
(POT) in 2-D.

[5] Conger, Hoffmann, Mazumdar, Ratliff. Strategic distribution shift of interacting agents via coupled gradient
flows. NeurIPS 2023 (arXiv 2307.01166). The model and the numerics are described in
:mod:`stratlearn.populations.distribution_shift`.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ..errors import InvalidParameterError
from .grids import Grid1D, Grid2D

__all__ = ["wasserstein2"]


def _w2_quantiles(grid: Grid1D, rho, sigma, quantiles):
    edges = jnp.asarray(grid.low + np.arange(grid.cells + 1) * grid.width, rho.dtype)
    q = (jnp.arange(quantiles, dtype=rho.dtype) + 0.5) / quantiles

    def inverse(density):
        cdf = jnp.concatenate([jnp.zeros(1, density.dtype), jnp.cumsum(density) * grid.width])
        cdf = cdf / cdf[-1]
        # a flat stretch of the CDF (an empty cell) has no preimage inside; nudge to strictly increasing
        cdf = cdf + jnp.arange(cdf.shape[0], dtype=density.dtype) * 1e-14
        return jnp.interp(q, cdf / cdf[-1], edges)

    return jnp.sqrt(jnp.mean((inverse(rho) - inverse(sigma)) ** 2))


def _w2_transport(grid: Grid2D, rho, sigma) -> float:
    try:
        import ot
    except ImportError:
        raise InvalidParameterError("wasserstein2 on a Grid2D needs POT (pip install pot): the 2-D distance is an "
                                    "exact optimal transport problem") from None
    pts = grid.points.reshape(-1, 2)
    a, b = (np.asarray(d, float).ravel() * grid.volume for d in (rho, sigma))
    keep_a, keep_b = a > 0, b > 0
    cost = ot.dist(pts[keep_a], pts[keep_b])       # squared Euclidean distances between cell centres
    value = ot.emd2(a[keep_a] / a.sum(), b[keep_b] / b.sum(), cost, numItermax=10 ** 8)
    return float(np.sqrt(max(float(value), 0.0)))


def wasserstein2(grid, rho, sigma, quantiles: int = 4096):
    """The 2-Wasserstein distance between two densities on ``grid``.

    1-D: exact for densities constant on each cell, from the quantile functions, ``W₂² = ∫₀¹ |F⁻¹(q) − G⁻¹(q)|² dq``
    (midpoint rule on ``quantiles`` levels; each quantile function is piecewise linear and inverted exactly); a JAX
    function, usable inside ``jit``. 2-D: the optimal transport between the cell masses placed at the cell centres
    (POT's exact network simplex, ``ot.emd2``, with squared Euclidean cost; a host computation returning a float;
    its cost grows like the cube of the number of occupied cells, about 0.4 s at 32 × 32 and 3 s at 48 × 48 here).
    """
    if isinstance(grid, Grid2D):
        return _w2_transport(grid, rho, sigma)
    if not isinstance(grid, Grid1D):
        raise InvalidParameterError(f"grid: expected a Grid1D or Grid2D, got {type(grid).__name__}")
    return _w2_quantiles(grid, rho, sigma, quantiles)
