"""Strategic distribution shift as coupled gradient flows, [5]: a population density that moves in response to a
deployed model while the model retrains.

[5] Conger, Hoffmann, Mazumdar, Ratliff. Strategic distribution shift of interacting agents via coupled gradient
flows. NeurIPS 2023 (arXiv 2307.01166).

The population's feature density ``ρ(z, t)`` on an interval (no-flux ends) and the learner's parameters ``x(t)``
follow

    E₁(ρ, x) = ∫ f₁(z, x) ρ dz + ½ ∫∫ W(z − z′) ρ(z) ρ(z′) dz dz′ + α KL(ρ | ρ̄)
    ∂_t ρ = ∂_z (ρ ∂_z δE₁/δρ),     δE₁/δρ = f₁(·, x) + W ∗ ρ + α (log(ρ/ρ̄) + 1)
    dx/dt = −γ ∇_x [∫ f₂(z, x) ρ dz + (β/2)‖x − x̄‖²]

with ``f₁ = f₂`` (cooperative: both lower the learner's loss) or ``f₁ = −f₂`` (competitive). ``γ`` is the ratio of
the learner's timescale to the population's.

Numerics (Carrillo, Chertock and Huang, Commun. Comput. Phys. 17 (2015)): a finite-volume scheme on cell averages
``ρ_j``. The velocity at the interface ``j + ½`` is ``u = −(ξ_{j+1} − ξ_j)/Δz`` with ``ξ = δE₁/δρ`` at the cell
centres; the interface values come from a piecewise-linear reconstruction with minmod slopes, and the flux is upwind,
``F = u⁺ ρ^E_j + u⁻ ρ^W_{j+1}``; the end fluxes are zero (no flux). The scheme conserves mass exactly (the fluxes
telescope) and keeps ``ρ ≥ 0`` under the CFL condition ``Δt ≤ Δz / (2 max |u|)``. Time stepping is the three-stage
strong-stability-preserving Runge-Kutta method of Shu and Osher (convex combinations of forward-Euler steps, so it
keeps the positivity of each), with the step chosen at the start of each step as ``cfl`` times the smallest of the
transport CFL bound, the parabolic bound ``Δz²/(2α)`` of the entropy term and the learner's ``2/(γ‖∇²_x L‖)``
(:func:`cfl_step`), unless fixed by the user; a step whose later stages exceed the transport bound is retried at
half the size. The interaction ``W ∗ ρ`` is an FFT convolution of the zero-padded density with
the kernel sampled at every grid offset (``O(N log N)``; equal to the direct sum to rounding). Everything runs inside
one ``jit`` (a ``while_loop`` per record interval); the problem is a pytree, so runs ``vmap`` over its arrays.

The two limits of the timescale ratio are built in (``solve(..., limit="population" | "learner")``): the fast side
is held at its best response (:func:`best_response_rho`, :func:`best_response_x`). This module implements the 1-D
system; the 2-D grid is not built yet.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import InvalidParameterError, StratlearnError, check_in_range, check_positive, check_positive_int
from ..games.base import pytree_game

__all__ = ["Grid1D", "DistributionShift", "interaction", "energy", "first_variation", "population_velocity",
           "learner_objective", "best_response_x", "best_response_rho", "cfl_step", "solve", "wasserstein2",
           "gibbs_density"]


# ------------------------------------------------------------------------------------------------ grid
@dataclass(frozen=True)
class Grid1D:
    """``cells`` equal cells on ``[low, high]``; ``centers`` are the cell midpoints."""

    low: float
    high: float
    cells: int

    def __post_init__(self):
        if isinstance(self.cells, bool) or not isinstance(self.cells, (int, np.integer)) or self.cells < 3:
            raise InvalidParameterError(f"cells={self.cells!r}: expected an integer >= 3 (a flux scheme needs "
                                        "interior interfaces)")
        for field in ("low", "high"):
            check_in_range(field, getattr(self, field), -math.inf, math.inf, low_open=True, high_open=True)
        if not self.low < self.high:
            raise InvalidParameterError(f"low={self.low!r}, high={self.high!r}: expected low < high")

    @property
    def width(self) -> float:
        return (self.high - self.low) / self.cells

    @property
    def centers(self) -> np.ndarray:
        return self.low + (np.arange(self.cells) + 0.5) * self.width


def _density(field: str, values, grid: Grid1D, *, positive: bool = False) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{field}: expected {grid.cells} numbers (cell values of a density)") from None
    if arr.shape != (grid.cells,):
        raise InvalidParameterError(f"{field}: expected {grid.cells} cell values, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise InvalidParameterError(f"{field}: expected finite values")
    if (arr < 0).any():
        j = int(np.flatnonzero(arr < 0)[0])
        raise InvalidParameterError(f"{field}: a density cannot be negative; found {arr[j]:.4g} in cell {j}")
    if positive and (arr <= 0).any():
        j = int(np.flatnonzero(arr <= 0)[0])
        raise InvalidParameterError(f"{field}: expected a positive density (KL(ρ | ρ̄) needs ρ̄ > 0), found 0 in "
                                    f"cell {j}")
    mass = arr.sum() * grid.width
    if not mass > 0:
        raise InvalidParameterError(f"{field}: not normalizable (total mass 0); expected a positive total mass")
    return arr / mass


# ------------------------------------------------------------------------------------------------ the problem
@pytree_game
@dataclass(frozen=True, eq=False, init=False)
class DistributionShift:
    """The coupled system of the module docstring on a :class:`Grid1D`.

    Arrays (pytree leaves, so runs can be ``vmap``-ed over them): ``initial`` and ``natural`` densities (ρ₀, ρ̄,
    normalized to mass 1), ``kernel`` (``W`` at every grid offset ``(k − N + 1)Δz``, shape (2N − 1,)), ``x0`` (the
    learner's start), ``anchor`` (``x̄``), and the scalars ``alpha`` (α), ``beta`` (β), ``rate`` (γ). Static:
    ``grid``, ``loss`` (``f₂(z, x)``, a JAX function of one point ``z`` and the parameters), ``setting``
    (``"cooperative"``: ``f₁ = f₂``; ``"competitive"``: ``f₁ = −f₂``), ``learner_moves`` (``rate > 0``: a frozen
    model skips the learner's gradient and Hessian at every step; problems stacked for ``vmap`` must agree on it).
    """

    initial: Any
    natural: Any
    kernel: Any
    x0: Any
    anchor: Any
    alpha: Any
    beta: Any
    rate: Any
    grid: Grid1D
    loss: Callable
    setting: str
    has_kernel: bool
    learner_moves: bool

    _static = ("grid", "loss", "setting", "has_kernel", "learner_moves")

    def __init__(self, grid: Grid1D, loss: Callable, initial, *, x0, natural=None, kernel: Callable | None = None,
                 alpha: float = 0.1, beta: float = 0.0, anchor=None, rate: float = 1.0,
                 setting: str = "cooperative"):
        if not isinstance(grid, Grid1D):
            raise InvalidParameterError(f"grid: expected a Grid1D, got {type(grid).__name__}")
        if not callable(loss):
            raise InvalidParameterError(f"loss: expected a function f2(z, x) -> float, got {type(loss).__name__}")
        if setting not in ("cooperative", "competitive"):
            raise InvalidParameterError(f"setting={setting!r}: expected 'cooperative' (f1 = f2) or 'competitive' "
                                        "(f1 = -f2)")
        alpha = check_positive("alpha", alpha, allow_zero=True)
        beta = check_positive("beta", beta, allow_zero=True)
        rate = check_positive("rate", rate, allow_zero=True)
        rho0 = _density("initial", initial, grid)
        rhobar = _density("natural", natural if natural is not None else np.ones(grid.cells), grid,
                          positive=alpha > 0)
        try:
            x0 = np.atleast_1d(np.asarray(x0, dtype=float))
        except (TypeError, ValueError):
            raise InvalidParameterError(f"x0={x0!r}: expected a vector of numbers (the learner's parameters)") from None
        if x0.ndim != 1 or x0.size == 0 or not np.isfinite(x0).all():
            raise InvalidParameterError(f"x0={x0.tolist()}: expected a finite vector of learner parameters")
        anchor = x0 * 0 if anchor is None else np.atleast_1d(np.asarray(anchor, dtype=float))
        if anchor.shape != x0.shape:
            raise InvalidParameterError(f"anchor: expected the shape of x0 {x0.shape}, got {anchor.shape}")
        with jax.enable_x64(True):
            try:
                values = np.asarray(jax.vmap(lambda zi: loss(zi, jnp.asarray(x0)))(jnp.asarray(grid.centers)))
            except Exception as exc:
                raise InvalidParameterError(f"loss: evaluating f2(z, x0) on the grid failed ({exc})") from None
        if values.shape != (grid.cells,) or not np.isfinite(values).all():
            raise InvalidParameterError(f"loss: expected a finite scalar f2(z, x0) at every cell centre, got shape "
                                        f"{values.shape}" + ("" if values.shape != (grid.cells,) else
                                                             " with non-finite values"))
        offsets = (np.arange(2 * grid.cells - 1) - (grid.cells - 1)) * grid.width
        if kernel is None:
            w = np.zeros_like(offsets)
        else:
            if not callable(kernel):
                raise InvalidParameterError(f"kernel: expected a function W(z) or None, got {type(kernel).__name__}")
            try:
                w = np.asarray(kernel(offsets), dtype=float)
            except Exception as exc:
                raise InvalidParameterError(f"kernel: evaluating W at the grid offsets failed ({exc})") from None
            if w.shape != offsets.shape or not np.isfinite(w).all():
                bad = "" if w.shape != offsets.shape else f" (e.g. W({offsets[np.flatnonzero(~np.isfinite(w))[0]]:.4g}))"
                raise InvalidParameterError(f"kernel: expected finite values W(z) at the {offsets.size} grid offsets"
                                            f", got shape {w.shape}{bad}")
            # only the even part of W acts: the first variation of ½∫∫W(z − z′)ρρ′ is ½(W(·) + W(−·)) ∗ ρ, so an
            # odd part would make the flow disagree with the energy it is the gradient flow of
            w = 0.5 * (w + w[::-1])
        for field, value in (("initial", rho0), ("natural", rhobar), ("kernel", w), ("x0", x0), ("anchor", anchor),
                             ("alpha", np.asarray(alpha)), ("beta", np.asarray(beta)), ("rate", np.asarray(rate)),
                             ("grid", grid), ("loss", loss), ("setting", setting), ("has_kernel", kernel is not None),
                             ("learner_moves", rate > 0)):
            object.__setattr__(self, field, value)


# ------------------------------------------------------------------------------------------------ operators
def interaction(problem: DistributionShift, rho):
    """``(W ∗ ρ)(z_i) = Σ_j W(z_i − z_j) ρ_j Δz`` by FFT (zero padding to a power of two ≥ 3N − 2)."""
    n = rho.shape[-1]
    size = 1 << int(math.ceil(math.log2(3 * n - 2)))
    kernel = jnp.asarray(problem.kernel, rho.dtype)
    spectrum = jnp.fft.rfft(kernel, size) * jnp.fft.rfft(rho, size)
    full = jnp.fft.irfft(spectrum, size)
    return full[n - 1:2 * n - 1] * problem.grid.width


def _f1(problem: DistributionShift, x, dtype):
    z = jnp.asarray(problem.grid.centers, dtype)
    f2 = jax.vmap(lambda zi: problem.loss(zi, x))(z)
    return f2 if problem.setting == "cooperative" else -f2


def first_variation(problem: DistributionShift, rho, x):
    """``ξ = δE₁/δρ = f₁(·, x) + W ∗ ρ + α (log(ρ/ρ̄) + 1)`` at the cell centres (``log`` of a zero density taken at
    the smallest positive float, where it only meets a zero flux weight)."""
    xi = _f1(problem, x, rho.dtype)
    if problem.has_kernel:
        xi = xi + interaction(problem, rho)
    tiny = jnp.finfo(rho.dtype).tiny
    natural = jnp.asarray(problem.natural, rho.dtype)
    entropy = jnp.log(jnp.maximum(rho, tiny)) - jnp.log(jnp.maximum(natural, tiny)) + 1.0
    return xi + jnp.where(problem.alpha > 0, problem.alpha * entropy, 0.0)


def population_velocity(problem: DistributionShift, rho, x):
    """The interface velocities ``u_{j+½} = −(ξ_{j+1} − ξ_j)/Δz`` (N − 1 interior interfaces)."""
    xi = first_variation(problem, rho, x)
    return -(xi[1:] - xi[:-1]) / problem.grid.width


def _minmod(a, b):
    return jnp.where(a * b > 0, jnp.sign(a) * jnp.minimum(jnp.abs(a), jnp.abs(b)), 0.0)


def _euler_rho(problem, rho, u, dt):
    """One forward-Euler step of the scheme in flux form, ``ρ_j − λ(F_{j+½} − F_{j−½})`` (``λ = Δt/Δz``): the fluxes
    telescope, so mass is conserved to rounding. Non-negative when ``λ max|u| ≤ ½``: ``ρ_j = ½(ρ^E_j + ρ^W_j)``
    and the outflow is ``λ(u⁺_{j+½} ρ^E_j − u⁻_{j−½} ρ^W_j)``."""
    h = problem.grid.width
    diff = (rho[1:] - rho[:-1]) / h
    zero = jnp.zeros(1, rho.dtype)
    slope = jnp.concatenate([zero, _minmod(diff[1:], diff[:-1]), zero])
    east = rho + 0.5 * h * slope          # ρ at the right edge of each cell
    west = rho - 0.5 * h * slope          # ρ at the left edge
    flux = jnp.maximum(u, 0.0) * east[:-1] + jnp.minimum(u, 0.0) * west[1:]
    flux = jnp.concatenate([zero, flux, zero])   # no flux through the ends
    return rho - (dt / h) * (flux[1:] - flux[:-1])


def learner_objective(problem: DistributionShift, rho, x):
    """``∫ f₂(z, x) ρ dz + (β/2)‖x − x̄‖²``."""
    z = jnp.asarray(problem.grid.centers, rho.dtype)
    f2 = jax.vmap(lambda zi: problem.loss(zi, x))(z)
    anchor = jnp.asarray(problem.anchor, rho.dtype)
    return jnp.sum(f2 * rho) * problem.grid.width + 0.5 * problem.beta * jnp.sum((x - anchor) ** 2)


def energy(problem: DistributionShift, rho, x):
    """``E₁(ρ, x)`` on the grid (``0 log 0 = 0``)."""
    h = problem.grid.width
    f1 = _f1(problem, x, rho.dtype)
    value = jnp.sum(f1 * rho) * h
    if problem.has_kernel:
        value = value + 0.5 * jnp.sum(rho * interaction(problem, rho)) * h
    natural = jnp.maximum(jnp.asarray(problem.natural, rho.dtype), jnp.finfo(rho.dtype).tiny)
    ratio = jnp.where(rho > 0, rho / natural, 1.0)
    kl = jnp.sum(jnp.where(rho > 0, rho * jnp.log(ratio), 0.0)) * h
    return value + jnp.where(problem.alpha > 0, problem.alpha * kl, 0.0)


def best_response_x(problem: DistributionShift, rho, x, iterations: int = 30):
    """The learner's best response ``argmin_x ∫ f₂(z, x) ρ dz + (β/2)‖x − x̄‖²`` by ``iterations`` Newton steps from
    ``x`` (the learner's timescale limit; exact in one step for a quadratic objective)."""
    def newton(_, xx):
        g = jax.grad(lambda y: learner_objective(problem, rho, y))(xx)
        h = jax.hessian(lambda y: learner_objective(problem, rho, y))(xx)
        return xx - jnp.linalg.solve(h + 1e-12 * jnp.eye(xx.shape[0], dtype=xx.dtype), g)

    return jax.lax.fori_loop(0, iterations, newton, x)


def best_response_rho(problem: DistributionShift, x, rho, iterations: int = 400, damping: float = 0.5):
    """The population's best response ``argmin_ρ E₁(ρ, x)`` (the population's timescale limit): the self-consistent
    Gibbs density ``ρ ∝ ρ̄ exp(−(f₁ + W ∗ ρ)/α)``, by damped fixed-point iteration from ``ρ`` (exact at once when
    ``W = 0``). Needs ``α > 0``."""
    h = problem.grid.width
    f1 = _f1(problem, x, rho.dtype)
    log_natural = jnp.log(jnp.asarray(problem.natural, rho.dtype))

    def gibbs(r):
        potential = f1 + (interaction(problem, r) if problem.has_kernel else 0.0)
        logw = log_natural - potential / problem.alpha
        w = jnp.exp(logw - jnp.max(logw))
        return w / (jnp.sum(w) * h)

    if not problem.has_kernel:
        return gibbs(rho)
    return jax.lax.fori_loop(0, iterations, lambda _, r: (1 - damping) * r + damping * gibbs(r), rho)


def best_response_residual(problem: DistributionShift, x, rho):
    """``∫ |ρ − Gibbs(ρ)| dz``: how far ``ρ`` is from satisfying the population's best-response equation at ``x``
    (0 at a fixed point; damped iteration can fail to reach one for a strong kernel)."""
    h = problem.grid.width
    potential = _f1(problem, x, rho.dtype) + (interaction(problem, rho) if problem.has_kernel else 0.0)
    logw = jnp.log(jnp.asarray(problem.natural, rho.dtype)) - potential / problem.alpha
    w = jnp.exp(logw - jnp.max(logw))
    return jnp.sum(jnp.abs(rho - w / (jnp.sum(w) * h))) * h


def _euler(problem, rho, x, dt, limit=None):
    if limit == "population":      # ρ at its best response to x; only the learner's ODE is integrated
        rho = best_response_rho(problem, x, rho)
        grad = jax.grad(lambda xx: learner_objective(problem, rho, xx))(x)
        return rho, x - dt * problem.rate * grad, jnp.zeros((), rho.dtype)
    if limit == "learner":         # x at its best response to ρ; only the population's PDE is integrated
        x = best_response_x(problem, rho, x)
        u = population_velocity(problem, rho, x)
        return _euler_rho(problem, rho, u, dt), x, jnp.max(jnp.abs(u))
    u = population_velocity(problem, rho, x)
    if not problem.learner_moves:     # rate 0 (static): the model is frozen, skip its gradient
        return _euler_rho(problem, rho, u, dt), x, jnp.max(jnp.abs(u))
    grad = jax.grad(lambda xx: learner_objective(problem, rho, xx))(x)
    return _euler_rho(problem, rho, u, dt), x - dt * problem.rate * grad, jnp.max(jnp.abs(u))


def _ssp_rk3(problem, rho, x, dt, limit=None):
    """Shu-Osher SSP-RK3 as convex combinations of forward-Euler steps (so each stage stays non-negative), and the
    largest interface speed met in any stage (the CFL condition must hold at every stage, not only the first)."""
    r1, x1, s1 = _euler(problem, rho, x, dt, limit)
    e2, y2, s2 = _euler(problem, r1, x1, dt, limit)
    r2, x2 = 0.75 * rho + 0.25 * e2, 0.75 * x + 0.25 * y2
    e3, y3, s3 = _euler(problem, r2, x2, dt, limit)
    # ρ/3 + 2e/3 written as ρ + 2(e − ρ)/3: fl(1/3) + fl(2/3) = 1 − 5.6e-17, which would shrink the mass by that
    # factor at every step (1e-12 after 5·10^4 steps, measured); the increment form conserves it to rounding
    new_rho, new_x = rho + (2 / 3) * (e3 - rho), x + (2 / 3) * (y3 - x)
    if limit == "population":      # the population sits at its best response to the new model
        new_rho = best_response_rho(problem, new_x, new_rho)
    elif limit == "learner":
        new_x = best_response_x(problem, new_rho, new_x)
    return new_rho, new_x, jnp.maximum(jnp.maximum(s1, s2), s3)


def cfl_step(problem: DistributionShift, rho, x, limit=None):
    """The largest stable step at ``(ρ, x)``: the smallest of the transport CFL bound ``Δz / (2 max |u|)`` (which
    keeps ``ρ ≥ 0``), the parabolic bound ``Δz² / (2α)`` of the entropy term (near the steady state ``u → 0`` and
    the transport bound alone lets the explicit diffusion step blow up: measured, the energy rose from 0.8651 to
    0.8775 on 50 cells before this bound was added) and ``2 / (γ ‖∇²_x L‖)`` for the learner's ODE."""
    h = problem.grid.width
    if limit == "learner":
        x = best_response_x(problem, rho, x)
    u = population_velocity(problem, rho, x)
    big = jnp.asarray(jnp.finfo(rho.dtype).max / 4, rho.dtype)
    transport = h / (2 * jnp.maximum(jnp.max(jnp.abs(u)), 1e-300))
    parabolic = jnp.where(problem.alpha > 0, h * h / (2 * jnp.maximum(problem.alpha, 1e-300)), big)
    if problem.learner_moves:
        hessian = jax.hessian(lambda xx: learner_objective(problem, rho, xx))(x)
        stiffness = problem.rate * jnp.max(jnp.abs(jnp.linalg.eigvalsh(0.5 * (hessian + hessian.T))))
        learner = jnp.where(stiffness > 0, 2.0 / jnp.maximum(stiffness, 1e-300), big)
    else:
        learner = big
    if limit == "population":
        return learner
    if limit == "learner":
        return jnp.minimum(transport, parabolic)
    return jnp.minimum(jnp.minimum(transport, parabolic), learner)


# ------------------------------------------------------------------------------------------------ metrics
def wasserstein2(grid: Grid1D, rho, sigma, quantiles: int = 4096):
    """The 2-Wasserstein distance between two densities on ``grid`` (piecewise constant per cell), from their
    quantile functions: ``W₂² = ∫₀¹ |F⁻¹(q) − G⁻¹(q)|² dq`` (midpoint rule on ``quantiles`` levels; each quantile
    function is piecewise linear and inverted exactly)."""
    edges = jnp.asarray(grid.low + np.arange(grid.cells + 1) * grid.width, rho.dtype)
    q = (jnp.arange(quantiles, dtype=rho.dtype) + 0.5) / quantiles

    def inverse(density):
        cdf = jnp.concatenate([jnp.zeros(1, density.dtype), jnp.cumsum(density) * grid.width])
        cdf = cdf / cdf[-1]
        # a flat stretch of the CDF (an empty cell) has no preimage inside; nudge to strictly increasing
        cdf = cdf + jnp.arange(cdf.shape[0], dtype=density.dtype) * 1e-14
        return jnp.interp(q, cdf / cdf[-1], edges)

    return jnp.sqrt(jnp.mean((inverse(rho) - inverse(sigma)) ** 2))


def gibbs_density(grid: Grid1D, potential, natural=None, alpha: float = 1.0) -> np.ndarray:
    """``ρ* ∝ ρ̄ exp(−f₁/α)`` on the grid, normalized: the steady state with ``W = 0`` and a fixed learner."""
    potential = np.asarray(potential, float)
    natural = np.ones(grid.cells) if natural is None else np.asarray(natural, float)
    logw = np.log(natural) - potential / alpha
    w = np.exp(logw - logw.max())
    return w / (w.sum() * grid.width)


# ------------------------------------------------------------------------------------------------ the solver
def _run(problem: DistributionShift, t_end, records: int, cfl: float, dt_fixed, max_steps: int, reference,
         limit=None):
    dtype = jnp.asarray(problem.initial).dtype
    record_times = t_end * (jnp.arange(1, records + 1, dtype=dtype) / records)

    def measure(rho, x):
        e = energy(problem, rho, x)
        anchor = jnp.asarray(problem.anchor, rho.dtype)
        return {"energy": e, "potential": e + 0.5 * problem.beta * jnp.sum((x - anchor) ** 2),
                "mass": jnp.sum(rho) * problem.grid.width,
                "min_density": jnp.min(rho), "learner_loss": learner_objective(problem, rho, x),
                "w2_to_reference": wasserstein2(problem.grid, rho, reference)}

    def segment(carry, target):
        def cond(c):
            rho, x, t, n, tries, factor, bad = c
            return (t < target) & (tries < max_steps) & (bad == 0)

        def body(c):
            rho, x, t, n, tries, factor, bad = c
            if dt_fixed is not None:
                dt = jnp.minimum(dt_fixed, target - t)
                new_rho, new_x, speed = _ssp_rk3(problem, rho, x, dt, limit)
                finite = jnp.all(jnp.isfinite(new_rho)) & jnp.all(jnp.isfinite(new_x))
                flag = jnp.where(~finite, 1, jnp.where(dt * speed > 0.5 * problem.grid.width, 2, 0)).astype(jnp.int32)
                return new_rho, new_x, t + dt, n + 1, tries + 1, factor, flag
            dt = jnp.minimum(factor * cfl * cfl_step(problem, rho, x, limit), target - t)
            new_rho, new_x, speed = _ssp_rk3(problem, rho, x, dt, limit)
            finite = jnp.all(jnp.isfinite(new_rho)) & jnp.all(jnp.isfinite(new_x)) & jnp.isfinite(dt)
            # a later stage can be faster than the first (the entropy term's log near empty cells): then the step
            # is rejected and retried at half the size, which keeps every stage within the CFL bound
            ok = finite & (dt * speed <= 0.5 * problem.grid.width)
            return (jnp.where(ok, new_rho, rho), jnp.where(ok, new_x, x), jnp.where(ok, t + dt, t),
                    n + ok.astype(n.dtype), tries + 1, jnp.where(ok, jnp.minimum(1.0, 2 * factor), 0.5 * factor),
                    jnp.where(finite, 0, 1).astype(jnp.int32))

        rho, x, t, n, tries, factor, bad = jax.lax.while_loop(cond, body, carry)
        extra = {"steps": n, "time": t, "flag": bad}
        if limit == "population":
            extra["residual"] = best_response_residual(problem, x, rho)
        return (rho, x, t, n, tries, factor, bad), ({**measure(rho, x), **extra}, rho, x)

    rho0, x0 = jnp.asarray(problem.initial), jnp.asarray(problem.x0)
    if limit == "population":    # the fast side starts at its best response
        rho0 = best_response_rho(problem, x0, rho0)
    elif limit == "learner":
        x0 = best_response_x(problem, rho0, x0)
    start = {**measure(rho0, x0), "rho": rho0, "x": x0}
    carry = (rho0, x0, jnp.zeros((), dtype), jnp.zeros((), jnp.int32), jnp.zeros((), jnp.int32), jnp.ones((), dtype),
             jnp.zeros((), jnp.int32))
    _, (recorded, snapshots, xs) = jax.lax.scan(segment, carry, record_times)
    return start, recorded, snapshots, xs


_run_jit = jax.jit(_run, static_argnames=("records", "max_steps", "limit"))


def solve(problem: DistributionShift, t_end: float, *, records: int = 100, cfl: float = 0.9, dt: float | None = None,
          max_steps: int = 10_000_000, reference=None, limit: str | None = None, precision: str = "float64"):
    """Integrate the coupled system to time ``t_end`` and return a :class:`~stratlearn.experiments.Trace`.

    Recorded at ``records`` equally spaced times (and at t = 0): ``energy`` (E₁), ``potential``
    (``E₁ + (β/2)‖x − x̄‖²``: in the cooperative setting its time derivative is ``−∫ρ|∂_z ξ|² − γ‖∇_x(∫f₂ρ +
    (β/2)‖x − x̄‖²)‖² ≤ 0``, the flow's Lyapunov function), ``mass``, ``min_density``,
    ``learner_loss`` (the learner's objective), ``x_<i>`` (each learner parameter) and ``w2_to_reference`` (the
    2-Wasserstein distance to ``reference``, default the initial density). ``trace.steps`` holds the solver steps
    taken by each record; ``trace.final_state`` the times, density snapshots (records + 1, N) and parameters.

    ``dt`` fixes the time step; it must satisfy the CFL condition at the start (checked, with the bound in the
    error). Otherwise each step is ``cfl`` times the bound at its start.

    ``limit`` takes one side's timescale to zero: ``"population"`` (the population best-responds at every instant,
    :func:`best_response_rho`, and the learner's ODE runs) or ``"learner"`` (the learner best-responds,
    :func:`best_response_x`, and the population's PDE runs); ``None`` integrates both at the ratio ``γ``.
    """
    from ..experiments.trace import Trace   # the shared result type of runs (experiments layer)

    if not isinstance(problem, DistributionShift):
        raise InvalidParameterError(f"problem: expected a DistributionShift, got {type(problem).__name__}")
    t_end = check_positive("t_end", t_end)
    records = check_positive_int("records", records)
    cfl = check_in_range("cfl", cfl, 0.0, 1.0, low_open=True)
    max_steps = check_positive_int("max_steps", max_steps)
    if precision not in ("float32", "float64"):
        raise InvalidParameterError(f"precision={precision!r}: expected 'float32' or 'float64'")
    if limit not in (None, "population", "learner"):
        raise InvalidParameterError(f"limit={limit!r}: expected None, 'population' or 'learner'")
    if limit == "population" and not float(problem.alpha) > 0:
        raise InvalidParameterError("limit='population' needs alpha > 0 (with alpha = 0 the population's best "
                                    "response is a point mass, not a density on the grid)")
    if limit == "population" and not float(problem.rate) > 0:
        raise InvalidParameterError("limit='population' needs rate > 0 (only the learner moves in that limit)")
    if limit == "learner":
        with jax.enable_x64(True):
            hess = jax.hessian(lambda xx: learner_objective(problem, jnp.asarray(problem.initial), xx))(
                jnp.asarray(problem.x0))
            smallest = float(jnp.linalg.eigvalsh(0.5 * (hess + hess.T)).min())
        if not smallest > 0:
            raise InvalidParameterError(f"limit='learner' needs a strictly convex learner objective (a unique best "
                                        f"response); its Hessian at x0 has smallest eigenvalue {smallest:.3g} "
                                        "(raise beta)")
    ref = problem.initial if reference is None else _density("reference", reference, problem.grid)
    started = time.perf_counter()
    with jax.enable_x64(precision == "float64"):
        bound = float(cfl_step(problem, jnp.asarray(problem.initial), jnp.asarray(problem.x0), limit))
        if dt is not None:
            dt = check_positive("dt", dt)
            if dt > bound:
                raise InvalidParameterError(f"dt={dt:g}: above the CFL bound {bound:.4g} at the initial state "
                                            "(the smallest of Δz/(2 max|u|), Δz²/(2α) and 2/(γ‖∇²L‖)); expected dt <= "
                                            "the bound (or dt=None for an adaptive step)")
        start, recorded, snapshots, xs = _run_jit(problem, jnp.asarray(t_end), records, jnp.asarray(cfl),
                                                  None if dt is None else jnp.asarray(dt), max_steps,
                                                  jnp.asarray(ref), limit)
        start = {k: np.asarray(v) for k, v in start.items()}
        rho_start, x_start = start.pop("rho"), start.pop("x")
        recorded = {k: np.asarray(v) for k, v in recorded.items()}
        snapshots, xs = np.asarray(snapshots), np.asarray(xs)
    steps = np.concatenate([[0], recorded.pop("steps")])
    times = np.concatenate([[0.0], recorded.pop("time")])
    flags = recorded.pop("flag")
    if (flags == 1).any():
        raise StratlearnError(f"the state became non-finite at t = {times[1:][flags == 1][0]:.4g}; check the loss, "
                              "kernel and parameters (no NaN result is returned)")
    if (flags == 2).any():
        raise InvalidParameterError(f"dt={dt:g}: exceeded the CFL bound during the run (at t <= "
                                    f"{times[1:][flags == 2][0]:.4g}), where the density could turn negative; "
                                    "expected a smaller dt or dt=None")
    residual = recorded.pop("residual", None)
    if residual is not None and residual.max() > 1e-8:
        raise StratlearnError(f"limit='population': the population's best response did not converge (residual "
                              f"{residual.max():.2g} at t = {times[1:][np.argmax(residual)]:.4g}); the interaction "
                              "is too strong for damped fixed-point iteration")
    if times[-1] < t_end * (1 - 1e-12):
        raise InvalidParameterError(f"max_steps={max_steps}: reached at t = {times[-1]:.4g} < t_end = {t_end:g}; "
                                    "expected a larger max_steps or a shorter t_end")
    metrics = {name: np.concatenate([[start[name]], recorded[name]])[None, :] for name in recorded}
    x_all = np.concatenate([x_start[None], xs])
    for i in range(x_all.shape[1]):
        metrics[f"x_{i}"] = x_all[None, :, i]
    final = {"times": times, "densities": np.concatenate([rho_start[None], snapshots]),
             "x": x_all}
    config = {"problem": {"cells": problem.grid.cells, "low": problem.grid.low, "high": problem.grid.high,
                          "alpha": float(problem.alpha), "beta": float(problem.beta), "rate": float(problem.rate),
                          "setting": problem.setting, "kernel": problem.has_kernel},
              "learner": {"name": "coupled_gradient_flow"},
              "run": {"t_end": t_end, "records": records, "cfl": cfl, "dt": dt, "limit": limit,
                      "precision": precision}}
    return Trace(steps=steps, metrics=metrics, final_state=final, seeds=np.arange(1), config=config,
                 wall_time=time.perf_counter() - started)
