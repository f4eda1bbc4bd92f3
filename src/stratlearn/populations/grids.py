"""The grids of the population PDE of [5] (:mod:`stratlearn.populations.distribution_shift`): cells on an interval
or a rectangle, and the validated, normalized densities that live on them. NumPy only, so a config reader can
check a grid and its densities without importing JAX.

[5] Conger, Hoffmann, Mazumdar, Ratliff. Strategic distribution shift of interacting agents via coupled gradient
flows. NeurIPS 2023 (arXiv 2307.01166).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError, check_in_range

__all__ = ["Grid1D", "Grid2D"]


def _check_cells(field, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 3:
        raise InvalidParameterError(f"{field}={value!r}: expected an integer >= 3 (a flux scheme needs interior "
                                    "interfaces)")


def _check_interval(low_field, low, high_field, high):
    check_in_range(low_field, low, -math.inf, math.inf, low_open=True, high_open=True)
    check_in_range(high_field, high, -math.inf, math.inf, low_open=True, high_open=True)
    if not low < high:
        raise InvalidParameterError(f"{low_field}={low!r}, {high_field}={high!r}: expected {low_field} < {high_field}")


@dataclass(frozen=True)
class Grid1D:
    """``cells`` equal cells on ``[low, high]``; ``centers`` are the cell midpoints."""

    low: float
    high: float
    cells: int

    def __post_init__(self):
        _check_cells("cells", self.cells)
        _check_interval("low", self.low, "high", self.high)

    ndim = 1

    @property
    def shape(self) -> tuple:
        return (self.cells,)

    @property
    def width(self) -> float:
        return (self.high - self.low) / self.cells

    @property
    def widths(self) -> tuple:
        return (self.width,)

    @property
    def volume(self) -> float:
        """The measure of one cell."""
        return self.width

    @property
    def centers(self) -> np.ndarray:
        return self.low + (np.arange(self.cells) + 0.5) * self.width

    @property
    def points(self) -> np.ndarray:
        """Cell centres in the form the loss takes them: shape (N,), one scalar per cell."""
        return self.centers

    def offsets(self) -> np.ndarray:
        """Every difference of two cell centres, ``(k − N + 1)Δz`` for k = 0..2N − 2: where the kernel is sampled."""
        return (np.arange(2 * self.cells - 1) - (self.cells - 1)) * self.width


@dataclass(frozen=True)
class Grid2D:
    """``cells = (n₁, n₂)`` equal cells on the rectangle ``[low₁, high₁] × [low₂, high₂]`` (``low``, ``high`` and
    ``cells`` are pairs). A density on it is an array of shape ``(n₁, n₂)``; the loss takes one point ``z`` of shape
    (2,) and the kernel ``W`` an array of offsets of shape (…, 2), returning shape (…)."""

    low: tuple
    high: tuple
    cells: tuple

    def __post_init__(self):
        for field in ("low", "high", "cells"):
            value = getattr(self, field)
            if not isinstance(value, (tuple, list)) or len(value) != 2:
                raise InvalidParameterError(f"{field}={value!r}: expected a pair (one entry per axis)")
            object.__setattr__(self, field, tuple(value))
        for a in range(2):
            _check_cells(f"cells[{a}]", self.cells[a])
            _check_interval(f"low[{a}]", self.low[a], f"high[{a}]", self.high[a])

    ndim = 2

    @property
    def shape(self) -> tuple:
        return tuple(int(c) for c in self.cells)

    @property
    def widths(self) -> tuple:
        return tuple((self.high[a] - self.low[a]) / self.cells[a] for a in range(2))

    @property
    def volume(self) -> float:
        return self.widths[0] * self.widths[1]

    @property
    def axes(self) -> tuple:
        """The cell-centre coordinates along each axis."""
        return tuple(self.low[a] + (np.arange(self.cells[a]) + 0.5) * self.widths[a] for a in range(2))

    @property
    def points(self) -> np.ndarray:
        """Cell centres, shape ``(n₁, n₂, 2)``."""
        first, second = np.meshgrid(*self.axes, indexing="ij")
        return np.stack([first, second], axis=-1)

    def offsets(self) -> np.ndarray:
        """Every difference of two cell centres, shape ``(2n₁ − 1, 2n₂ − 1, 2)``."""
        steps = [(np.arange(2 * n - 1) - (n - 1)) * h for n, h in zip(self.cells, self.widths)]
        first, second = np.meshgrid(*steps, indexing="ij")
        return np.stack([first, second], axis=-1)


_GRIDS = (Grid1D, Grid2D)


def _density(field: str, values, grid, *, positive: bool = False, groups: bool = False) -> np.ndarray:
    """Validate and normalize to mass 1 a density of shape ``grid.shape``, or (``groups``) a stack of them, shape
    ``(K, *grid.shape)``, each normalized."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{field}: expected cell values of a density, shape {grid.shape} (numbers)") \
            from None
    single = arr.shape == grid.shape
    if not (single or (groups and arr.ndim == grid.ndim + 1 and arr.shape[1:] == grid.shape and arr.shape[0] >= 1)):
        expected = f"{grid.shape}" + (f" or (groups, {', '.join(map(str, grid.shape))})" if groups else "")
        raise InvalidParameterError(f"{field}: expected cell values of shape {expected}, got shape {arr.shape}")
    stack = arr[None] if single else arr
    if not np.isfinite(stack).all():
        raise InvalidParameterError(f"{field}: expected finite values")
    for k, dens in enumerate(stack):
        name = field if single else f"{field}[{k}]"
        if (dens < 0).any():
            j = tuple(int(i) for i in np.argwhere(dens < 0)[0])
            raise InvalidParameterError(f"{name}: a density cannot be negative; found {dens[j]:.4g} in cell "
                                        f"{j[0] if len(j) == 1 else j}")
        if positive and (dens <= 0).any():
            j = tuple(int(i) for i in np.argwhere(dens <= 0)[0])
            raise InvalidParameterError(f"{name}: expected a positive density (KL(ρ | ρ̄) needs ρ̄ > 0), found 0 "
                                        f"in cell {j[0] if len(j) == 1 else j}")
        if not dens.sum() * grid.volume > 0:
            raise InvalidParameterError(f"{name}: not normalizable (total mass 0); expected a positive total mass")
    stack = stack / (stack.sum(axis=tuple(range(1, stack.ndim)), keepdims=True) * grid.volume)
    return stack[0] if single else stack
