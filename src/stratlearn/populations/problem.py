"""The problem of [5]'s coupled flows: :class:`DistributionShift` (the population, its natural density and
cost of change, the interaction kernel, the learner and the timescale ratio), validated once when built.

[5] Conger, Hoffmann, Mazumdar, Ratliff. Strategic distribution shift of interacting agents via coupled gradient
flows. NeurIPS 2023 (arXiv 2307.01166). The model and the numerics are described in
:mod:`stratlearn.populations.distribution_shift`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import InvalidParameterError, check_positive
from ..games.base import pytree_game
from .grids import _GRIDS, _density

__all__ = ["DistributionShift"]


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
