"""Shared numerical building blocks on probability simplices, written once for every layer.

Each function accepts NumPy arrays (and then computes in NumPy float64, for exact references) or JAX arrays (and
then stays in JAX, so it can run under ``jit``/``vmap``). The choice is made by :func:`array_module`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["array_module", "softmax", "smoothed_max", "logsumexp", "entropy", "project_simplex", "uniform", "renormalize",
           "sample_action"]


def array_module(*arrays):
    """``jax.numpy`` if any argument is a JAX array (or tracer), else ``numpy``."""
    return jnp if any(isinstance(a, jax.Array) for a in arrays) else np


def logsumexp(x, axis=-1):
    """``log Σ exp(x)`` along ``axis``, stable for large entries."""
    xp = array_module(x)
    top = xp.max(x, axis=axis, keepdims=True)
    return xp.squeeze(top, axis=axis) + xp.log(xp.sum(xp.exp(x - top), axis=axis))


def softmax(x, temperature=1.0, axis=-1):
    """The smoothed best response ``σ_τ(x)(a) = exp(x(a)/τ) / Σ_a' exp(x(a')/τ)`` ([1], Section 2.1).

    Stable for every finite ``x`` and ``τ > 0``: the largest entry is subtracted *before* dividing by ``τ``, so it
    maps to exactly ``exp(0) = 1`` and the sum is at least 1. (Dividing first, ``x/τ`` reaches 10^9 at ``τ = 1e-10``;
    under ``jit`` XLA may round the maximum and the entries differently there, and every ``exp`` then underflows to 0:
    0/0 = NaN.)"""
    xp = array_module(x)
    with np.errstate(over="ignore"):     # (x − max)/τ → −inf is intended: its exp is 0
        z = (x - xp.max(x, axis=axis, keepdims=True)) / temperature
    e = xp.exp(z)
    return e / xp.sum(e, axis=axis, keepdims=True)


def smoothed_max(x, temperature, axis=-1):
    """``τ log Σ_a exp(x(a)/τ)``, the value of the entropy-regularized best response, computed as
    ``max x + τ log Σ exp((x − max x)/τ)``: finite for every finite ``x`` and ``τ > 0`` (no ``x/τ`` to overflow)."""
    xp = array_module(x)
    top = xp.max(x, axis=axis, keepdims=True)
    with np.errstate(over="ignore"):
        rest = xp.log(xp.sum(xp.exp((x - top) / temperature), axis=axis))
    return xp.squeeze(top, axis=axis) + temperature * rest


def entropy(p, axis=-1):
    """Shannon entropy ``-Σ p log p`` with ``0 log 0 = 0``."""
    xp = array_module(p)
    safe = xp.where(p > 0, p, 1.0)
    return -xp.sum(xp.where(p > 0, p * xp.log(safe), 0.0), axis=axis)


def project_simplex(v, axis=-1):
    """Euclidean projection of ``v`` onto the probability simplex (sort-based, Held-Wolfe-Crowder / Duchi et al.
    2008): ``argmin_{p in Δ} ||p - v||``."""
    xp = array_module(v)
    n = v.shape[axis]
    v = xp.moveaxis(v, axis, -1)
    u = -xp.sort(-v, axis=-1)
    css = xp.cumsum(u, axis=-1) - 1.0
    ind = xp.arange(1, n + 1, dtype=v.dtype)
    cond = u - css / ind > 0
    rho = xp.sum(cond, axis=-1, keepdims=True)  # at least 1: the largest entry always satisfies cond
    theta = xp.take_along_axis(css, rho - 1, axis=-1) / rho.astype(v.dtype)
    return xp.moveaxis(xp.maximum(v - theta, 0.0), -1, axis)


def uniform(n: int, dtype=None):
    """The uniform distribution over ``n`` actions as a JAX array."""
    return jnp.full((n,), 1.0 / n, dtype=dtype or jnp.result_type(float))


def renormalize(p, axis=-1):
    """``p / Σ p``: removes the rounding drift that millions of incremental convex-combination updates leave in a
    float32 distribution (its sum wanders by ~1e-7 per update), so metrics see an exact distribution."""
    xp = array_module(p)
    return p / xp.sum(p, axis=axis, keepdims=True)


def sample_action(u, probs):
    """Draw one action from the distribution ``probs`` by inverting its CDF at the uniform number ``u`` in [0, 1).

    Cheaper than ``jax.random.categorical`` (one uniform instead of one Gumbel per action, and a learner draws all
    its uniforms for a step with one call); the index is clipped so a CDF that rounds to slightly below 1 never
    yields an out-of-range action.
    """
    index = jnp.sum(jnp.cumsum(probs) <= u)
    return jnp.minimum(index, probs.shape[-1] - 1)
