"""The energy of [5]'s coupled flows and what is derived from it: the interaction ``W ∗ ρ``, the first
variation ``δE₁/δρ``, the learner's objective, the energy ``E₁`` itself, the exponential rate the convexity
constants predict, and the best responses of each side (the two limits of the timescale ratio).

[5] Conger, Hoffmann, Mazumdar, Ratliff. Strategic distribution shift of interacting agents via coupled gradient
flows. NeurIPS 2023 (arXiv 2307.01166). The model and the numerics are described in
:mod:`stratlearn.populations.distribution_shift`.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import InvalidParameterError, check_positive
from .problem import DistributionShift, _loss_field

__all__ = ["interaction", "first_variation", "learner_objective", "group_losses", "energy", "exponential_rate",
           "best_response_x", "best_response_rho", "best_response_residual", "gibbs_density"]


def _stack(problem: DistributionShift, rho):
    """``rho`` with the group axis first, and whether it came without one (a single group's density)."""
    if rho.ndim == problem.grid.ndim:
        if problem.groups != 1:
            raise InvalidParameterError(f"rho: expected one density per group, shape ({problem.groups}, "
                                        f"{', '.join(map(str, problem.grid.shape))}), got shape {rho.shape}")
        return rho[None], True
    return rho, False


def _total(problem: DistributionShift, rho):
    """``Σ_k w_k ρ_k`` from the stacked groups."""
    return jnp.tensordot(jnp.asarray(problem.weights, rho.dtype), rho, 1)


def _grid_sum(problem, values):
    """``∫ · dz`` over the grid axes (the trailing ``grid.ndim`` axes)."""
    return jnp.sum(values, axis=tuple(range(values.ndim - problem.grid.ndim, values.ndim))) * problem.grid.volume


def interaction(problem: DistributionShift, rho):
    """``(W ∗ ρ)(z_i) = Σ_j W(z_i − z_j) ρ_j |cell|`` for a density of shape ``grid.shape``, by FFT: each axis is
    zero-padded to a power of two ≥ 2n − 1, enough that the circular wrap-around misses the entries kept."""
    shape = problem.grid.shape
    sizes = [1 << int(math.ceil(math.log2(2 * n - 1))) for n in shape]
    axes = tuple(range(-len(shape), 0))
    kernel = jnp.asarray(problem.kernel, rho.dtype)
    spectrum = jnp.fft.rfftn(kernel, sizes, axes=axes) * jnp.fft.rfftn(rho, sizes, axes=axes)
    full = jnp.fft.irfftn(spectrum, sizes, axes=axes)
    keep = tuple(slice(n - 1, 2 * n - 1) for n in shape)
    return full[(Ellipsis,) + keep] * problem.grid.volume


def _f1(problem: DistributionShift, x, dtype):
    f2 = _loss_field(problem.grid, problem.loss, x, dtype)
    return f2 if problem.setting == "cooperative" else -f2


def _alpha(problem, dtype):
    """α per group, shaped to broadcast against the stacked groups."""
    return jnp.asarray(problem.alpha, dtype).reshape((-1,) + (1,) * problem.grid.ndim)


def _first_variation(problem, rho, x):
    xi = _f1(problem, x, rho.dtype)[None]
    if problem.has_kernel:
        xi = xi + interaction(problem, _total(problem, rho))[None]
    tiny = jnp.finfo(rho.dtype).tiny
    natural = jnp.asarray(problem.natural, rho.dtype)
    entropy = jnp.log(jnp.maximum(rho, tiny)) - jnp.log(jnp.maximum(natural, tiny)) + 1.0
    alpha = _alpha(problem, rho.dtype)
    return xi + jnp.where(alpha > 0, alpha * entropy, 0.0)


def first_variation(problem: DistributionShift, rho, x):
    """``ξ_k = f₁(·, x) + W ∗ ρ + α_k (log(ρ_k/ρ̄_k) + 1)`` at the cell centres, for ``rho`` of the shape
    ``grid.shape`` (one group) or ``(K, *grid.shape)`` (``log`` of a zero density is taken at the smallest positive
    float, where it only meets a zero flux weight)."""
    stacked, single = _stack(problem, rho)
    xi = _first_variation(problem, stacked, x)
    return xi[0] if single else xi


def _learner_objective(problem, rho, x):
    f2 = _loss_field(problem.grid, problem.loss, x, rho.dtype)
    anchor = jnp.asarray(problem.anchor, rho.dtype)
    return _grid_sum(problem, f2 * _total(problem, rho)) + 0.5 * problem.beta * jnp.sum((x - anchor) ** 2)


def learner_objective(problem: DistributionShift, rho, x):
    """``∫ f₂(z, x) ρ dz + (β/2)‖x − x̄‖²`` with ``ρ = Σ_k w_k ρ_k`` the whole population."""
    return _learner_objective(problem, _stack(problem, rho)[0], x)


def group_losses(problem: DistributionShift, rho, x):
    """``∫ f₂(z, x) ρ_k dz`` for each group ``k`` (shape (K,)): the learner's loss on each subpopulation."""
    stacked, _ = _stack(problem, rho)
    return _grid_sum(problem, _loss_field(problem.grid, problem.loss, x, rho.dtype)[None] * stacked)


def _energy(problem, rho, x):
    f1 = _f1(problem, x, rho.dtype)
    weights = jnp.asarray(problem.weights, rho.dtype)
    total = _total(problem, rho)
    value = _grid_sum(problem, f1 * total)
    if problem.has_kernel:
        value = value + 0.5 * _grid_sum(problem, total * interaction(problem, total))
    natural = jnp.maximum(jnp.asarray(problem.natural, rho.dtype), jnp.finfo(rho.dtype).tiny)
    ratio = jnp.where(rho > 0, rho / natural, 1.0)
    kl = _grid_sum(problem, jnp.where(rho > 0, rho * jnp.log(ratio), 0.0))
    alpha = jnp.asarray(problem.alpha, rho.dtype)
    return value + jnp.sum(weights * jnp.where(alpha > 0, alpha * kl, 0.0))


def energy(problem: DistributionShift, rho, x):
    """``E₁(ρ, x) = Σ_k w_k [∫ f₁ ρ_k + α_k KL(ρ_k | ρ̄_k)] + ½ ∫∫ W ρ ρ′`` on the grid (``0 log 0 = 0``)."""
    return _energy(problem, _stack(problem, rho)[0], x)


def exponential_rate(setting: str, *, alpha: float, natural_variance: float, beta: float, rate: float,
                     loss_curvature: float = 1.0, kernel_convexity: float = 0.0) -> float:
    """The exponential rate the convexity constants guarantee, for the 1-D model with ``f₂(z, x) = (c/2)(z − x)²``
    (``c = loss_curvature``), a log-concave natural density with ``−(log ρ̄)″ ≥ 1/σ²`` (``σ² = natural_variance``;
    equality for a Gaussian), cost of change ``α``, anchor weight ``β``, timescale ratio ``γ = rate`` and a kernel
    with ``W″ ≥ kernel_convexity ≥ 0``.

    The derivation is the library's (only the abstract of [5] can be read here, which states exponential
    convergence in both settings under convexity): along a displacement ``v`` of the population and ``δx`` of the
    learner, in the metric ``W₂ ⊕ |·|²/γ`` of the coupled flow,

    * cooperative (a gradient flow of ``P = E₁ + (β/2)|x − x̄|²``): the Hessian of ``P`` is at least
      ``a‖v‖² − 2c|δx|‖v‖ + c(1 + β/c)δx²`` with ``a = c + α/σ²`` (a convex ``W`` adds ``κ_W Var(v) ≥ 0``, not
      counted), so ``P`` is ``λ``-convex with ``λ`` the smallest eigenvalue of
      ``[[a, −c√γ], [−c√γ, γ(c + β)]]`` and ``P(t) − P* ≤ e^{−2λt}(P(0) − P*)``. For a Gaussian ``ρ̄`` the
      population's mean and ``x`` follow exactly this linear system, so the rate is attained;
    * competitive (``f₁ = −f₂``: a saddle flow, the learner descending and the population ascending
      ``L = ∫f₂ρ + (β/2)|x − x̄|² − α KL(ρ | ρ̄)``): ``−L`` is ``μ_ρ = α/σ² − c`` convex in ``ρ`` and ``L`` is
      ``μ_x = c + β`` convex in ``x``; the cross terms cancel in the saddle operator's monotonicity, so
      ``Φ = ½W₂(ρ, ρ*)² + |x − x*|²/(2γ)`` satisfies ``Φ(t) ≤ e^{−2 min(μ_ρ, γμ_x) t} Φ(0)``. It needs
      ``α/σ² > c`` (the population's energy strongly convex).

    Raises :class:`~stratlearn.errors.InvalidParameterError` for a parameter outside the theory's range: ``α``,
    ``σ²``, ``γ`` or ``c`` not positive, ``β`` or ``kernel_convexity`` negative (the bound needs a convex, e.g.
    repulsive-quadratic or zero, interaction), or a competitive problem with ``α/σ² ≤ c``."""
    if setting not in ("cooperative", "competitive"):
        raise InvalidParameterError(f"setting={setting!r}: expected 'cooperative' or 'competitive'")
    alpha = check_positive("alpha", alpha)
    var = check_positive("natural_variance", natural_variance)
    beta = check_positive("beta", beta, allow_zero=True)
    gamma = check_positive("rate", rate)
    c = check_positive("loss_curvature", loss_curvature)
    if isinstance(kernel_convexity, bool) or not isinstance(kernel_convexity, (int, float, np.integer, np.floating)) \
            or not kernel_convexity >= 0:
        raise InvalidParameterError(f"kernel_convexity={kernel_convexity!r}: expected a number >= 0 (the bound needs "
                                    "a convex interaction kernel; an attractive, non-convex W breaks it)")
    if setting == "cooperative":
        a = c + alpha / var
        hess = np.array([[a, -c * math.sqrt(gamma)], [-c * math.sqrt(gamma), gamma * (c + beta)]])
        return float(2 * np.linalg.eigvalsh(hess).min())
    mu_rho = alpha / var - c
    if not mu_rho > 0:
        raise InvalidParameterError(f"alpha={alpha!r}: the competitive bound needs alpha / natural_variance > "
                                    f"loss_curvature (a strongly convex population energy); got {alpha / var:.4g} <= "
                                    f"{c:g}")
    return float(2 * min(mu_rho, gamma * (c + beta)))


def best_response_x(problem: DistributionShift, rho, x, iterations: int = 30):
    """The learner's best response ``argmin_x ∫ f₂(z, x) ρ dz + (β/2)‖x − x̄‖²`` by ``iterations`` Newton steps from
    ``x`` (the learner's timescale limit; exact in one step for a quadratic objective)."""
    stacked, _ = _stack(problem, rho)

    def newton(_, xx):
        g = jax.grad(lambda y: _learner_objective(problem, stacked, y))(xx)
        h = jax.hessian(lambda y: _learner_objective(problem, stacked, y))(xx)
        return xx - jnp.linalg.solve(h + 1e-12 * jnp.eye(xx.shape[0], dtype=xx.dtype), g)

    return jax.lax.fori_loop(0, iterations, newton, x)


def _gibbs(problem, x, rho):
    """``ρ̄_k exp(−(f₁ + W ∗ ρ)/α_k)`` normalized per group, for the stacked groups ``rho``."""
    potential = _f1(problem, x, rho.dtype)
    if problem.has_kernel:
        potential = potential + interaction(problem, _total(problem, rho))
    logw = jnp.log(jnp.asarray(problem.natural, rho.dtype)) - potential[None] / _alpha(problem, rho.dtype)
    axes = tuple(range(1, rho.ndim))
    w = jnp.exp(logw - jnp.max(logw, axis=axes, keepdims=True))
    return w / (jnp.sum(w, axis=axes, keepdims=True) * problem.grid.volume)


def best_response_rho(problem: DistributionShift, x, rho, iterations: int = 400, damping: float = 0.5):
    """The population's best response ``argmin_ρ E₁(ρ, x)`` (the population's timescale limit): the self-consistent
    Gibbs densities ``ρ_k ∝ ρ̄_k exp(−(f₁ + W ∗ ρ)/α_k)``, by damped fixed-point iteration from ``rho`` (exact at once
    when ``W = 0``). Needs every ``α_k > 0``. Returns the shape of ``rho``."""
    stacked, single = _stack(problem, rho)
    if not problem.has_kernel:
        out = _gibbs(problem, x, stacked)
    else:
        out = jax.lax.fori_loop(0, iterations, lambda _, r: (1 - damping) * r + damping * _gibbs(problem, x, r),
                                stacked)
    return out[0] if single else out


def best_response_residual(problem: DistributionShift, x, rho):
    """``Σ_k w_k ∫ |ρ_k − Gibbs_k(ρ)| dz``: how far ``rho`` is from satisfying the population's best-response
    equation at ``x`` (0 at a fixed point; damped iteration can fail to reach one for a strong kernel)."""
    stacked, _ = _stack(problem, rho)
    gap = _grid_sum(problem, jnp.abs(stacked - _gibbs(problem, x, stacked)))
    return jnp.sum(jnp.asarray(problem.weights, rho.dtype) * gap)


def gibbs_density(grid, potential, natural=None, alpha: float = 1.0) -> np.ndarray:
    """``ρ* ∝ ρ̄ exp(−f₁/α)`` on the grid, normalized: the steady state with ``W = 0`` and a fixed learner."""
    potential = np.asarray(potential, float)
    natural = np.ones(grid.shape) if natural is None else np.asarray(natural, float)
    logw = np.log(natural) - potential / alpha
    w = np.exp(logw - logw.max())
    return w / (w.sum() * grid.volume)
