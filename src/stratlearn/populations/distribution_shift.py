"""Strategic distribution shift as coupled gradient flows, [5]: a population density that moves in response to a
deployed model while the model retrains.

[5] Conger, Hoffmann, Mazumdar, Ratliff. Strategic distribution shift of interacting agents via coupled gradient
flows. NeurIPS 2023 (arXiv 2307.01166).

The population's feature density ``ρ(z, t)`` on an interval or a rectangle (no-flux boundary) and the learner's
parameters ``x(t)`` follow

    E₁(ρ, x) = ∫ f₁(z, x) ρ dz + ½ ∫∫ W(z − z′) ρ(z) ρ(z′) dz dz′ + α KL(ρ | ρ̄)
    ∂_t ρ = ∇·(ρ ∇ δE₁/δρ),     δE₁/δρ = f₁(·, x) + W ∗ ρ + α (log(ρ/ρ̄) + 1)
    dx/dt = −γ ∇_x [∫ f₂(z, x) ρ dz + (β/2)‖x − x̄‖²]

with ``f₁ = f₂`` (cooperative: both lower the learner's loss) or ``f₁ = −f₂`` (competitive). ``γ`` is the ratio of
the learner's timescale to the population's.

Subpopulations (groups) ``k = 1..K`` with mass fractions ``w_k``, natural densities ``ρ̄_k`` and costs of change
``α_k`` share the model and the interaction: the population is ``ρ = Σ_k w_k ρ_k`` (each ``ρ_k`` of mass 1), the
energy is ``Σ_k w_k [∫ f₁ ρ_k + α_k KL(ρ_k | ρ̄_k)] + ½ ∫∫ W ρ ρ′`` and each group flows by
``∂_t ρ_k = ∇·(ρ_k ∇ξ_k)``, ``ξ_k = f₁ + W ∗ ρ + α_k (log(ρ_k/ρ̄_k) + 1)``, which is the gradient flow of that
energy with each group keeping its own mass (``dE/dt = −Σ_k w_k ∫ ρ_k |∇ξ_k|² ≤ 0``). A larger ``α_k`` is a
costlier change: the group is held closer to its natural distribution. With one group this is the system above.

Numerics (Carrillo, Chertock and Huang, Commun. Comput. Phys. 17 (2015)): a finite-volume scheme on cell averages
``ρ_j``. The velocity at the interface ``j + ½`` (along each axis) is ``u = −(ξ_{j+1} − ξ_j)/Δz`` with ``ξ`` at the
cell centres; the interface values come from a piecewise-linear reconstruction with minmod slopes, and the flux is
upwind, ``F = u⁺ ρ^E_j + u⁻ ρ^W_{j+1}``; the boundary fluxes are zero (no flux). In 2-D the fluxes are taken
dimension by dimension, as in the paper's 2-D scheme. The scheme conserves mass exactly (the fluxes telescope) and
keeps ``ρ ≥ 0`` under the CFL condition ``Δt · d · max_a max|u_a|/Δz_a ≤ ½`` on a ``d``-dimensional grid. Time
stepping is the three-stage strong-stability-preserving Runge-Kutta method of Shu and Osher (convex combinations of
forward-Euler steps, so it keeps the positivity of each), with the step chosen at the start of each step as ``cfl``
times the smallest of the transport CFL bound, the parabolic bound ``1/(2α Σ_a Δz_a⁻²)`` of the entropy term and
the learner's ``2/(γ‖∇²_x L‖)`` (:func:`cfl_step`), unless fixed by the user; a step whose later stages exceed the
transport bound is retried at half the size. The interaction ``W ∗ ρ`` is an FFT convolution of the zero-padded
density with the kernel sampled at every grid offset (``O(N log N)``; equal to the direct sum to rounding).
Everything runs inside one ``jit`` (a ``while_loop`` per record interval); the problem is a pytree, so runs ``vmap``
over its arrays.

The two limits of the timescale ratio are built in (``solve(..., limit="population" | "learner")``): the fast side
is held at its best response (:func:`best_response_rho`, :func:`best_response_x`).
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
from ..trace import Trace
from .grids import _GRIDS, Grid1D, Grid2D, _density

__all__ = ["Grid1D", "Grid2D", "DistributionShift", "interaction", "energy", "first_variation",
           "population_velocity", "learner_objective", "group_losses", "best_response_x", "best_response_rho",
           "cfl_step", "solve", "wasserstein2", "gibbs_density", "exponential_rate"]


# ------------------------------------------------------------------------------------------------ the problem
@pytree_game
@dataclass(frozen=True, eq=False, init=False)
class DistributionShift:
    """The coupled system of the module docstring on a :class:`Grid1D` or :class:`Grid2D`.

    ``initial`` is one density (shape ``grid.shape``) or one per group (shape ``(K, *grid.shape)``); ``weights``
    gives the groups' mass fractions (default equal); ``natural`` (ρ̄) is one density shared by every group or one
    per group (default uniform); ``alpha`` (α, the cost of change) is one number or one per group.

    Arrays (pytree leaves, so runs can be ``vmap``-ed over them, always stored with the group axis first):
    ``initial`` and ``natural`` (each group normalized to mass 1), ``weights``, ``alpha``, ``kernel`` (``W`` at every
    grid offset, :meth:`Grid1D.offsets`), ``x0`` (the learner's start), ``anchor`` (``x̄``), and the scalars ``beta``
    (β) and ``rate`` (γ). Static: ``grid``, ``loss`` (``f₂(z, x)``, a JAX function of one point ``z`` and the
    parameters), ``setting`` (``"cooperative"``: ``f₁ = f₂``; ``"competitive"``: ``f₁ = −f₂``), ``groups`` (K),
    ``has_kernel`` and ``learner_moves`` (``rate > 0``: a frozen model skips the learner's gradient and Hessian at
    every step; problems stacked for ``vmap`` must agree on it).
    """

    initial: Any
    natural: Any
    weights: Any
    alpha: Any
    kernel: Any
    x0: Any
    anchor: Any
    beta: Any
    rate: Any
    grid: Any
    loss: Callable
    setting: str
    groups: int
    has_kernel: bool
    learner_moves: bool

    _static = ("grid", "loss", "setting", "groups", "has_kernel", "learner_moves")

    def __init__(self, grid, loss: Callable, initial, *, x0, natural=None, kernel: Callable | None = None,
                 alpha=0.1, beta: float = 0.0, anchor=None, rate: float = 1.0, setting: str = "cooperative",
                 weights=None):
        if not isinstance(grid, _GRIDS):
            raise InvalidParameterError(f"grid: expected a Grid1D or Grid2D, got {type(grid).__name__}")
        if not callable(loss):
            raise InvalidParameterError(f"loss: expected a function f2(z, x) -> float, got {type(loss).__name__}")
        if setting not in ("cooperative", "competitive"):
            raise InvalidParameterError(f"setting={setting!r}: expected 'cooperative' (f1 = f2) or 'competitive' "
                                        "(f1 = -f2)")
        rho0 = _density("initial", initial, grid, groups=True)
        groups = 1 if rho0.shape == grid.shape else rho0.shape[0]
        rho0 = rho0.reshape((groups,) + grid.shape)
        alphas = np.atleast_1d(np.asarray(alpha, dtype=float)) if _numeric(alpha) else None
        if alphas is None or alphas.ndim != 1 or alphas.size not in (1, groups):
            raise InvalidParameterError(f"alpha={alpha!r}: expected a number >= 0 or one per group ({groups})")
        for k, a in enumerate(alphas):
            check_positive("alpha" if alphas.size == 1 else f"alpha[{k}]", float(a), allow_zero=True)
        alphas = np.broadcast_to(alphas, (groups,)).copy()
        if weights is None:
            w = np.full(groups, 1.0 / groups)
        else:
            w = np.atleast_1d(np.asarray(weights, dtype=float)) if _numeric(weights) else None
            if w is None or w.shape != (groups,) or not np.isfinite(w).all() or (w <= 0).any():
                raise InvalidParameterError(f"weights={weights!r}: expected {groups} positive mass fractions (one "
                                            "per group of initial)")
            w = w / w.sum()
        beta = check_positive("beta", beta, allow_zero=True)
        rate = check_positive("rate", rate, allow_zero=True)
        if natural is None:
            rhobar = np.ones((groups,) + grid.shape) / (np.prod(grid.shape) * grid.volume)
        else:
            rhobar = _density("natural", natural, grid, positive=bool((alphas > 0).any()), groups=True)
            if rhobar.shape == grid.shape:
                rhobar = np.broadcast_to(rhobar, (groups,) + grid.shape).copy()
            elif rhobar.shape[0] != groups:
                raise InvalidParameterError(f"natural: expected one density or one per group ({groups}), got "
                                            f"{rhobar.shape[0]}")
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
            pts = jnp.asarray(grid.points, jnp.float64)
            try:
                values = np.asarray(jax.vmap(lambda zi: loss(zi, jnp.asarray(x0)))(
                    pts.reshape((-1,) + pts.shape[grid.ndim:])))
            except Exception as exc:
                raise InvalidParameterError(f"loss: evaluating f2(z, x0) on the grid failed ({exc})") from None
        cells = int(np.prod(grid.shape))
        point = "a number" if grid.ndim == 1 else "an array of shape (2,)"
        if values.shape != (cells,) or not np.isfinite(values).all():
            raise InvalidParameterError(f"loss: expected a finite scalar f2(z, x0) at every cell centre (z is {point})"
                                        f", got " + (f"shape {values.shape[1:]} per point" if values.shape != (cells,)
                                                     else "non-finite values"))
        offsets = grid.offsets()
        span = offsets.shape[:grid.ndim]
        if kernel is None:
            w_kernel = np.zeros(span)
        else:
            if not callable(kernel):
                raise InvalidParameterError(f"kernel: expected a function W(z) or None, got {type(kernel).__name__}")
            try:
                w_kernel = np.asarray(kernel(offsets), dtype=float)
            except Exception as exc:
                raise InvalidParameterError(f"kernel: evaluating W at the grid offsets failed ({exc})") from None
            if w_kernel.shape != span or not np.isfinite(w_kernel).all():
                bad = ""
                if w_kernel.shape == span:
                    where = tuple(np.argwhere(~np.isfinite(w_kernel))[0])
                    bad = f" (e.g. W({np.round(offsets[where], 4).tolist()}))"
                raise InvalidParameterError(f"kernel: expected finite values W(z) at the grid offsets (shape {span})"
                                            f", got shape {w_kernel.shape}{bad}")
            # only the even part of W acts: the first variation of ½∫∫W(z − z′)ρρ′ is ½(W(·) + W(−·)) ∗ ρ, so an
            # odd part would make the flow disagree with the energy it is the gradient flow of
            w_kernel = 0.5 * (w_kernel + w_kernel[(slice(None, None, -1),) * grid.ndim])
        for field, value in (("initial", rho0), ("natural", rhobar), ("weights", w), ("alpha", alphas),
                             ("kernel", w_kernel), ("x0", x0), ("anchor", anchor), ("beta", np.asarray(beta)),
                             ("rate", np.asarray(rate)), ("grid", grid), ("loss", loss), ("setting", setting),
                             ("groups", groups), ("has_kernel", kernel is not None), ("learner_moves", rate > 0)):
            object.__setattr__(self, field, value)

    @property
    def initial_density(self) -> np.ndarray:
        """The whole population's initial density ``Σ_k w_k ρ_k(0)``, shape ``grid.shape``."""
        return np.tensordot(np.asarray(self.weights), np.asarray(self.initial), 1)


def _numeric(value) -> bool:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(arr).all())


def _loss_field(grid, loss, x, dtype):
    """``f₂(z, x)`` at every cell centre, shape ``grid.shape``."""
    pts = jnp.asarray(grid.points, dtype)
    flat = pts.reshape((-1,) + pts.shape[grid.ndim:])
    return jax.vmap(lambda zi: loss(zi, x))(flat).reshape(grid.shape)


# ------------------------------------------------------------------------------------------------ operators
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


def _axis_slice(values, start, stop, axis):
    return jax.lax.slice_in_dim(values, start, stop, axis=axis)


def _velocities(problem, rho, x):
    """``u_a = −Δ_a ξ / Δz_a`` at the interior interfaces along each grid axis (one array per axis, group axis
    first)."""
    xi = _first_variation(problem, rho, x)
    return [-jnp.diff(xi, axis=1 + a) / h for a, h in enumerate(problem.grid.widths)]


def population_velocity(problem: DistributionShift, rho, x):
    """The interface velocities ``u_{j+½} = −(ξ_{j+1} − ξ_j)/Δz``: in 1-D one array (N − 1 interior interfaces, a
    group axis first when ``rho`` has one), in 2-D a list with one array per axis."""
    stacked, single = _stack(problem, rho)
    us = _velocities(problem, stacked, x)
    us = [u[0] for u in us] if single else us
    return us[0] if problem.grid.ndim == 1 else us


def _speed(problem, us):
    """``d · max_a max|u_a| / Δz_a``: the step is non-negative-preserving when ``Δt · speed ≤ ½``."""
    rates = [jnp.max(jnp.abs(u)) / h for u, h in zip(us, problem.grid.widths)]
    return problem.grid.ndim * _max_of(rates)


def _max_of(values):
    out = values[0]
    for v in values[1:]:
        out = jnp.maximum(out, v)
    return out


def _minmod(a, b):
    return jnp.where(a * b > 0, jnp.sign(a) * jnp.minimum(jnp.abs(a), jnp.abs(b)), 0.0)


def _flux_difference(rho, u, h, axis):
    """``(F_{j+½} − F_{j−½}) / Δz`` along ``axis``: minmod reconstruction, upwind flux, zero flux at both ends."""
    n = rho.shape[axis]
    diff = jnp.diff(rho, axis=axis) / h
    zero = jnp.zeros_like(_axis_slice(rho, 0, 1, axis))
    slope = jnp.concatenate([zero, _minmod(_axis_slice(diff, 1, n - 1, axis), _axis_slice(diff, 0, n - 2, axis)),
                             zero], axis=axis)
    east = rho + 0.5 * h * slope          # ρ at the upper edge of each cell along the axis
    west = rho - 0.5 * h * slope          # ρ at the lower edge
    flux = jnp.maximum(u, 0.0) * _axis_slice(east, 0, n - 1, axis) + jnp.minimum(u, 0.0) * _axis_slice(west, 1, n,
                                                                                                       axis)
    flux = jnp.concatenate([zero, flux, zero], axis=axis)   # no flux through the boundary
    return (_axis_slice(flux, 1, n + 1, axis) - _axis_slice(flux, 0, n, axis)) / h


def _euler_rho(problem, rho, us, dt):
    """One forward-Euler step of the scheme in flux form, ``ρ − Δt Σ_a (F_{a,+} − F_{a,−})/Δz_a``: the fluxes
    telescope, so mass is conserved to rounding. Non-negative when ``Δt · d · max_a max|u_a|/Δz_a ≤ ½``: the cell
    average is the mean of its 2d edge values and each axis's outflow takes at most its share of it."""
    change = 0.0
    for a, (u, h) in enumerate(zip(us, problem.grid.widths)):
        change = change + _flux_difference(rho, u, h, 1 + a)
    return rho - dt * change


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


def _euler(problem, rho, x, dt, limit=None):
    """One forward-Euler step of the coupled system on stacked groups; returns the new state and the step's
    ``speed`` (:func:`_speed`)."""
    if limit == "population":      # ρ at its best response to x; only the learner's ODE is integrated
        rho = best_response_rho(problem, x, rho)
        grad = jax.grad(lambda xx: _learner_objective(problem, rho, xx))(x)
        return rho, x - dt * problem.rate * grad, jnp.zeros((), rho.dtype)
    if limit == "learner":         # x at its best response to ρ; only the population's PDE is integrated
        x = best_response_x(problem, rho, x)
    us = _velocities(problem, rho, x)
    new_rho = _euler_rho(problem, rho, us, dt)
    if limit == "learner" or not problem.learner_moves:   # rate 0 (static): the model is frozen
        return new_rho, x, _speed(problem, us)
    grad = jax.grad(lambda xx: _learner_objective(problem, rho, xx))(x)
    return new_rho, x - dt * problem.rate * grad, _speed(problem, us)


def _ssp_rk3(problem, rho, x, dt, limit=None):
    """Shu-Osher SSP-RK3 as convex combinations of forward-Euler steps (so each stage stays non-negative), and the
    largest speed met in any stage (the CFL condition must hold at every stage, not only the first)."""
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


def _cfl_step(problem, rho, x, limit=None):
    if limit == "learner":
        x = best_response_x(problem, rho, x)
    big = jnp.asarray(jnp.finfo(rho.dtype).max / 4, rho.dtype)
    transport = 1.0 / (2 * jnp.maximum(_speed(problem, _velocities(problem, rho, x)), 1e-300))
    alpha = jnp.max(jnp.asarray(problem.alpha, rho.dtype))
    inverse_squares = sum(1.0 / h ** 2 for h in problem.grid.widths)
    parabolic = jnp.where(alpha > 0, 1.0 / (2 * jnp.maximum(alpha, 1e-300) * inverse_squares), big)
    if problem.learner_moves:
        hessian = jax.hessian(lambda xx: _learner_objective(problem, rho, xx))(x)
        stiffness = problem.rate * jnp.max(jnp.abs(jnp.linalg.eigvalsh(0.5 * (hessian + hessian.T))))
        learner = jnp.where(stiffness > 0, 2.0 / jnp.maximum(stiffness, 1e-300), big)
    else:
        learner = big
    if limit == "population":
        return learner
    if limit == "learner":
        return jnp.minimum(transport, parabolic)
    return jnp.minimum(jnp.minimum(transport, parabolic), learner)


def cfl_step(problem: DistributionShift, rho, x, limit=None):
    """The largest stable step at ``(ρ, x)``: the smallest of the transport CFL bound
    ``1 / (2 d max_a max|u_a|/Δz_a)`` (which keeps ``ρ ≥ 0``; ``Δz/(2 max|u|)`` in 1-D), the parabolic bound
    ``1 / (2 max_k α_k Σ_a Δz_a⁻²)`` of the entropy term (``Δz²/(2α)`` in 1-D; near the steady state ``u → 0`` and
    the transport bound alone lets the explicit diffusion step blow up: measured, the energy rose from 0.8651 to
    0.8775 on 50 cells before this bound was added) and ``2 / (γ ‖∇²_x L‖)`` for the learner's ODE."""
    return _cfl_step(problem, _stack(problem, rho)[0], x, limit)


# ------------------------------------------------------------------------------------------------ metrics
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


def gibbs_density(grid, potential, natural=None, alpha: float = 1.0) -> np.ndarray:
    """``ρ* ∝ ρ̄ exp(−f₁/α)`` on the grid, normalized: the steady state with ``W = 0`` and a fixed learner."""
    potential = np.asarray(potential, float)
    natural = np.ones(grid.shape) if natural is None else np.asarray(natural, float)
    logw = np.log(natural) - potential / alpha
    w = np.exp(logw - logw.max())
    return w / (w.sum() * grid.volume)


# ------------------------------------------------------------------------------------------------ the solver
def _measure(problem: DistributionShift, rho, x, reference):
    e = _energy(problem, rho, x)
    anchor = jnp.asarray(problem.anchor, rho.dtype)
    out = {"energy": e, "potential": e + 0.5 * problem.beta * jnp.sum((x - anchor) ** 2),
           "mass": jnp.sum(jnp.asarray(problem.weights, rho.dtype) * _grid_sum(problem, rho)),
           "min_density": jnp.min(rho), "learner_loss": _learner_objective(problem, rho, x)}
    if problem.grid.ndim == 1:      # 2-D distances are POT computations on the host, after the run
        out["w2_to_reference"] = _w2_quantiles(problem.grid, _total(problem, rho), reference, 4096)
    if problem.groups > 1:
        out["group_loss"] = group_losses(problem, rho, x)
    return out


def _begin(problem: DistributionShift, reference, limit=None):
    """The measurements at t = 0 and the solver's carry ``(ρ, x, t, steps, tries, step factor, flag)``."""
    rho0, x0 = jnp.asarray(problem.initial), jnp.asarray(problem.x0)
    dtype = rho0.dtype
    if limit == "population":    # the fast side starts at its best response
        rho0 = best_response_rho(problem, x0, rho0)
    elif limit == "learner":
        x0 = best_response_x(problem, rho0, x0)
    start = {**_measure(problem, rho0, x0, reference), "rho": rho0, "x": x0}
    carry = (rho0, x0, jnp.zeros((), dtype), jnp.zeros((), jnp.int32), jnp.zeros((), jnp.int32), jnp.ones((), dtype),
             jnp.zeros((), jnp.int32))
    return start, carry


def _advance(problem: DistributionShift, carry, target, cfl, dt_fixed, max_steps: int, reference, limit=None):
    """Integrate from the carry's time to ``target`` (one record): SSP-RK3 steps at the CFL bound (or ``dt_fixed``),
    at most ``max_steps`` tries in all. Returns the new carry and the record (measurements, ρ, x)."""

    def cond(c):
        rho, x, t, n, tries, factor, bad = c
        return (t < target) & (tries < max_steps) & (bad == 0)

    def body(c):
        rho, x, t, n, tries, factor, bad = c
        if dt_fixed is not None:
            dt = jnp.minimum(dt_fixed, target - t)
            new_rho, new_x, speed = _ssp_rk3(problem, rho, x, dt, limit)
            finite = jnp.all(jnp.isfinite(new_rho)) & jnp.all(jnp.isfinite(new_x))
            flag = jnp.where(~finite, 1, jnp.where(dt * speed > 0.5, 2, 0)).astype(jnp.int32)
            return new_rho, new_x, t + dt, n + 1, tries + 1, factor, flag
        dt = jnp.minimum(factor * cfl * _cfl_step(problem, rho, x, limit), target - t)
        new_rho, new_x, speed = _ssp_rk3(problem, rho, x, dt, limit)
        finite = jnp.all(jnp.isfinite(new_rho)) & jnp.all(jnp.isfinite(new_x)) & jnp.isfinite(dt)
        # a later stage can be faster than the first (the entropy term's log near empty cells): then the step
        # is rejected and retried at half the size, which keeps every stage within the CFL bound
        ok = finite & (dt * speed <= 0.5)
        return (jnp.where(ok, new_rho, rho), jnp.where(ok, new_x, x), jnp.where(ok, t + dt, t),
                n + ok.astype(n.dtype), tries + 1, jnp.where(ok, jnp.minimum(1.0, 2 * factor), 0.5 * factor),
                jnp.where(finite, 0, 1).astype(jnp.int32))

    rho, x, t, n, tries, factor, bad = jax.lax.while_loop(cond, body, carry)
    extra = {"steps": n, "time": t, "flag": bad}
    if limit == "population":
        extra["residual"] = best_response_residual(problem, x, rho)
    return (rho, x, t, n, tries, factor, bad), ({**_measure(problem, rho, x, reference), **extra}, rho, x)


def _run_all(problem: DistributionShift, t_end, records: int, cfl, dt_fixed, max_steps: int, reference, limit=None):
    """The whole integration as one compiled function (a scan of :func:`_advance` over the records), for callers that
    ``vmap`` it over a batch of problems; :func:`solve` runs the same steps record by record."""
    start, carry = _begin(problem, reference, limit)
    dtype = carry[2].dtype
    record_times = t_end * (jnp.arange(1, records + 1, dtype=dtype) / records)

    def segment(c, target):
        return _advance(problem, c, target, cfl, dt_fixed, max_steps, reference, limit)

    _, (recorded, snapshots, xs) = jax.lax.scan(segment, carry, record_times)
    return start, recorded, snapshots, xs


_run_jit = jax.jit(_run_all, static_argnames=("records", "max_steps", "limit"))
_begin_jit = jax.jit(_begin, static_argnames=("limit",))
_advance_jit = jax.jit(_advance, static_argnames=("max_steps", "limit"))


def _run(problem: DistributionShift, t_end: float, records: int, cfl, dt_fixed, max_steps: int, reference,
         limit=None, progress: bool = True):
    """Integrate record by record (one compiled call each), with a progress bar on a terminal that shows the time
    reached, the solver steps taken and the estimate of those the whole run needs; stops early when the state turns
    non-finite or ``max_steps`` is used up (:func:`solve` then says what to change)."""
    start, carry = _begin_jit(problem, reference, limit)
    dtype = carry[2].dtype
    record_times = jnp.asarray(t_end, dtype) * (jnp.arange(1, records + 1, dtype=dtype) / records)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=records, desc="population", unit="record", leave=False, dynamic_ncols=True, disable=None)
    outs = []
    try:
        for k in range(records):
            carry, out = _advance_jit(problem, carry, record_times[k], cfl, dt_fixed, max_steps, reference, limit)
            outs.append(out)
            t, tries, flag = float(carry[2]), int(carry[4]), int(carry[6])
            if bar is not None:
                needed = tries / t * float(t_end) if t > 0 else float("nan")
                bar.set_postfix_str(f"t={t:.4g}/{float(t_end):g}, {tries:,} steps, ~{needed:,.0f} needed "
                                    f"(max_steps={max_steps:,})")
                bar.update(1)
            if flag != 0 or tries >= max_steps:
                break
    finally:
        if bar is not None:
            bar.close()
    recorded = {name: jnp.stack([o[0][name] for o in outs]) for name in outs[0][0]}
    return start, recorded, jnp.stack([o[1] for o in outs]), jnp.stack([o[2] for o in outs])





def solve(problem: DistributionShift, t_end: float, *, records: int = 100, cfl: float = 0.9, dt: float | None = None,
          max_steps: int = 10_000_000, reference=None, limit: str | None = None, precision: str = "float64",
          progress: bool = True):
    """Integrate the coupled system to time ``t_end`` and return a :class:`~stratlearn.experiments.Trace`.

    Recorded at ``records`` equally spaced times (and at t = 0): ``energy`` (E₁), ``potential``
    (``E₁ + (β/2)‖x − x̄‖²``: in the cooperative setting its time derivative is ``−Σ_k w_k ∫ρ_k|∇ξ_k|² −
    γ‖∇_x(∫f₂ρ + (β/2)‖x − x̄‖²)‖² ≤ 0``, the flow's Lyapunov function), ``mass``, ``min_density``,
    ``learner_loss`` (the learner's objective), ``x_<i>`` (each learner parameter), with groups ``group_loss_<k>``
    (:func:`group_losses`), and on a 1-D grid ``w2_to_reference`` (the 2-Wasserstein distance of the whole
    population to ``reference``, default its initial density). On a 2-D grid that distance is a POT computation
    (:func:`wasserstein2`) made once, for the final state, into ``final_state["w2_to_reference"]`` (left out, with
    the reason in ``trace.config``, when POT is not installed). ``trace.steps`` holds the solver steps taken by each
    record; ``trace.final_state`` the times, the population's density snapshots ``densities`` (records + 1,
    *grid.shape), each group's ``groups`` (records + 1, K, *grid.shape) and the parameters ``x``.

    ``dt`` fixes the time step; it must satisfy the CFL condition at the start (checked, with the bound in the
    error) and throughout (a violation is reported). Otherwise each step is ``cfl`` times the bound at its start.

    ``limit`` takes one side's timescale to zero: ``"population"`` (the population best-responds at every instant,
    :func:`best_response_rho`, and the learner's ODE runs) or ``"learner"`` (the learner best-responds,
    :func:`best_response_x`, and the population's PDE runs); ``None`` integrates both at the ratio ``γ``.

    ``progress`` shows, on a terminal, a bar over the records with the time reached, the solver steps taken and the
    number the whole run needs at the rate so far. When ``max_steps`` runs out the solve stops there and raises,
    saying the time it reached and what to change.
    """

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
    alphas = np.asarray(problem.alpha)
    if limit == "population" and not (alphas > 0).all():
        raise InvalidParameterError(f"limit='population' needs alpha > 0 for every group (got {alphas.tolist()}: "
                                    "with alpha = 0 the population's best response is a point mass, not a density "
                                    "on the grid)")
    if limit == "population" and not float(problem.rate) > 0:
        raise InvalidParameterError("limit='population' needs rate > 0 (only the learner moves in that limit)")
    if limit == "learner":
        with jax.enable_x64(True):
            hess = jax.hessian(lambda xx: _learner_objective(problem, jnp.asarray(problem.initial), xx))(
                jnp.asarray(problem.x0))
            smallest = float(jnp.linalg.eigvalsh(0.5 * (hess + hess.T)).min())
        if not smallest > 0:
            raise InvalidParameterError(f"limit='learner' needs a strictly convex learner objective (a unique best "
                                        f"response); its Hessian at x0 has smallest eigenvalue {smallest:.3g} "
                                        "(raise beta)")
    ref = problem.initial_density if reference is None else _density("reference", reference, problem.grid)
    started = time.perf_counter()
    with jax.enable_x64(precision == "float64"):
        bound = float(_cfl_step(problem, jnp.asarray(problem.initial), jnp.asarray(problem.x0), limit))
        if dt is not None:
            dt = check_positive("dt", dt)
            if dt > bound:
                raise InvalidParameterError(f"dt={dt:g}: above the CFL bound {bound:.4g} at the initial state "
                                            "(the smallest of the transport bound 1/(2d max|u|/Δz), the parabolic "
                                            "1/(2α Σ Δz⁻²) and 2/(γ‖∇²L‖)); expected dt <= the bound (or dt=None "
                                            "for an adaptive step)")
        start, recorded, snapshots, xs = _run(problem, t_end, records, jnp.asarray(cfl),
                                              None if dt is None else jnp.asarray(dt), max_steps, jnp.asarray(ref),
                                              limit, progress)
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
    group_loss = recorded.pop("group_loss", None)
    metrics = {name: np.concatenate([[start[name]], recorded[name]])[None, :] for name in recorded}
    if group_loss is not None:
        group_loss = np.concatenate([start.pop("group_loss")[None], group_loss])
        for k in range(problem.groups):
            metrics[f"group_loss_{k}"] = group_loss[None, :, k]
    x_all = np.concatenate([x_start[None], xs])
    for i in range(x_all.shape[1]):
        metrics[f"x_{i}"] = x_all[None, :, i]
    groups = np.concatenate([rho_start[None], snapshots])
    weights = np.asarray(problem.weights)
    final = {"times": times, "densities": np.tensordot(groups, weights, axes=([1], [0])), "groups": groups,
             "x": x_all}
    grid = problem.grid
    config = {"problem": {"grid": "Grid1D" if grid.ndim == 1 else "Grid2D", "cells": grid.cells, "low": grid.low,
                          "high": grid.high, "groups": problem.groups, "weights": weights.tolist(),
                          "alpha": alphas.tolist(), "beta": float(problem.beta), "rate": float(problem.rate),
                          "setting": problem.setting, "kernel": problem.has_kernel},
              "learner": {"name": "coupled_gradient_flow"},
              "run": {"t_end": t_end, "records": records, "cfl": cfl, "dt": dt, "limit": limit,
                      "precision": precision}}
    if grid.ndim == 2:
        try:
            final["w2_to_reference"] = wasserstein2(grid, final["densities"][-1], ref)
        except InvalidParameterError as exc:
            config["run"]["w2_to_reference"] = f"not computed: {exc}"
    return Trace(steps=steps, metrics=metrics, final_state=final, seeds=np.arange(1), config=config,
                 wall_time=time.perf_counter() - started)
