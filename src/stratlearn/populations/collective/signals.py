"""Signals: what a collective of [6] writes into a point's features (a pattern of features, a pixel patch, a rare
token), and the check of a collective's size α.

Part of :mod:`stratlearn.populations.collective` ([6] Hardt, Mazumdar, Mendler-Dünner and Zrnic, ICML
2023).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import InvalidParameterError, check_in_range, check_seed


def check_alpha(alpha: Any, field: str = "alpha") -> float:
    """α, the collective's share of the population, must lie strictly between 0 and 1."""
    return check_in_range(field, alpha, 0.0, 1.0, low_open=True, high_open=True)


def _features(X, field="X") -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2:
        raise InvalidParameterError(f"{field}: expected a 2-D array (points, features), got shape {X.shape}")
    return X


# ---------------------------------------------------------------------------------------------------- signals
@dataclass(frozen=True)
class FeaturePattern:
    """Signal ``g(x)``: set the features at ``indices`` to ``values`` (a pattern in a feature vector)."""

    indices: tuple
    values: tuple

    def __post_init__(self):
        idx = np.atleast_1d(np.asarray(self.indices))
        val = np.atleast_1d(np.asarray(self.values, dtype=float))
        if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer) or (idx < 0).any():
            raise InvalidParameterError(f"indices={self.indices!r}: expected a non-empty list of feature indices >= 0")
        if len(set(idx.tolist())) != idx.size:
            raise InvalidParameterError(f"indices={self.indices!r}: expected distinct feature indices")
        if val.shape != idx.shape or not np.isfinite(val).all():
            raise InvalidParameterError(f"values={self.values!r}: expected {idx.size} finite numbers, one per index")
        object.__setattr__(self, "indices", tuple(int(i) for i in idx))
        object.__setattr__(self, "values", tuple(float(v) for v in val))

    def check(self, X, field: str = "X") -> np.ndarray:
        X = _features(X, field)
        if max(self.indices) >= X.shape[1]:
            raise InvalidParameterError(f"signal indices={self.indices}: feature index {max(self.indices)} does not "
                                        f"fit {field} with {X.shape[1]} features (shape {X.shape})")
        return X

    def apply(self, X) -> np.ndarray:
        X = self.check(X).astype(float, copy=True)
        X[:, list(self.indices)] = self.values
        return X

    def present(self, X) -> np.ndarray:
        X = self.check(X)
        return np.all(X[:, list(self.indices)] == np.asarray(self.values), axis=1)


@dataclass(frozen=True)
class PixelPatch:
    """Signal ``g(x)``: paint the patch ``values`` (h, w) into flattened images of shape ``image_shape`` with its
    top-left corner at (``top``, ``left``)."""

    image_shape: tuple
    top: int = 0
    left: int = 0
    values: Any = field(default_factory=lambda: np.ones((2, 2)))

    def __post_init__(self):
        shape = tuple(int(s) for s in np.atleast_1d(self.image_shape))
        if len(shape) != 2 or min(shape) < 1:
            raise InvalidParameterError(f"image_shape={self.image_shape!r}: expected (height, width) >= 1")
        patch = np.asarray(self.values, dtype=float)
        if patch.ndim != 2 or patch.size == 0 or not np.isfinite(patch).all():
            raise InvalidParameterError(f"values: expected a finite 2-D patch, got shape {patch.shape}")
        for name, value, extent, size in (("top", self.top, patch.shape[0], shape[0]),
                                          ("left", self.left, patch.shape[1], shape[1])):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0 or value + extent > size:
                raise InvalidParameterError(f"{name}={value!r}: the {patch.shape} patch must fit in the {shape} "
                                            f"image (expected 0 <= {name} <= {size - extent})")
        object.__setattr__(self, "image_shape", shape)
        object.__setattr__(self, "values", patch)

    @property
    def _flat(self) -> np.ndarray:
        h, w = self.values.shape
        rows, cols = np.meshgrid(np.arange(self.top, self.top + h), np.arange(self.left, self.left + w),
                                 indexing="ij")
        return (rows * self.image_shape[1] + cols).ravel()

    def check(self, X, field: str = "X") -> np.ndarray:
        X = _features(X, field)
        if X.shape[1] != self.image_shape[0] * self.image_shape[1]:
            raise InvalidParameterError(f"signal image_shape={self.image_shape}: {field} has {X.shape[1]} features per "
                                        f"point, expected {self.image_shape[0] * self.image_shape[1]} (flattened "
                                        f"{self.image_shape[0]}x{self.image_shape[1]} images)")
        return X

    def apply(self, X) -> np.ndarray:
        X = self.check(X).astype(float, copy=True)
        X[:, self._flat] = self.values.ravel()
        return X

    def present(self, X) -> np.ndarray:
        X = self.check(X)
        return np.all(X[:, self._flat] == self.values.ravel(), axis=1)


@dataclass(frozen=True)
class RareToken:
    """Signal ``g(x)``: insert ``token`` at ``position`` of each token sequence, shifting the rest right and dropping
    the last token (the paper's collective inserts a rare character into its resumes, §6 of [6])."""

    token: int
    position: int = 0

    def __post_init__(self):
        check_seed(self.token, "token")
        check_seed(self.position, "position")

    def check(self, X, field: str = "X") -> np.ndarray:
        X = _features(X, field)
        if not np.issubdtype(X.dtype, np.integer):
            raise InvalidParameterError(f"{field}: a RareToken signal needs integer token ids, got dtype {X.dtype}")
        if self.position >= X.shape[1]:
            raise InvalidParameterError(f"signal position={self.position}: sequences in {field} have length "
                                        f"{X.shape[1]} (expected position < {X.shape[1]})")
        return X

    def apply(self, X) -> np.ndarray:
        X = self.check(X)
        out = X.copy()
        out[:, self.position + 1:] = X[:, self.position:-1]
        out[:, self.position] = self.token
        return out

    def present(self, X) -> np.ndarray:
        return np.any(self.check(X) == self.token, axis=1)
