"""Strategies of [6] (§3): feature-label planting, feature-only planting, signal erasing; applying one to ⌊αN⌋ members
(:func:`plant`) and stacking one training set per (α, seed) (:func:`sweep_datasets`).

Part of :mod:`stratlearn.populations.collective` ([6] Hardt, Mazumdar, Mendler-Dünner and Zrnic, ICML
2023).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ...errors import InvalidParameterError, check_positive_int, check_seed
from .signals import check_alpha


# ------------------------------------------------------------------------------------------------- strategies
def _labels(y, n: int, field="y") -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,):
        raise InvalidParameterError(f"{field}: expected one label per point, shape ({n},), got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise InvalidParameterError(f"{field}: expected integer class labels, got dtype {y.dtype}")
    return y


def _target_in(target, y, field="target"):
    check_seed(target, field)
    if not np.any(y == target):
        raise InvalidParameterError(f"{field}={target!r}: this label does not occur in the data (labels present: "
                                    f"{sorted(set(np.unique(y).tolist()))[:20]})")


@dataclass(frozen=True)
class FeatureLabelPlanting:
    """Feature-label signal planting ``h(x, y) = (g(x), y*)`` (§3.1 of [6]): every member writes the signal into
    its features and reports the target label."""

    signal: Any
    target: int

    def transform(self, X, y, members):
        X, y = X.copy(), y.copy()
        X[members] = self.signal.apply(X[members])
        y[members] = self.target
        return X, y, members


@dataclass(frozen=True)
class FeatureOnlyPlanting:
    """Feature-only planting (§3.1 of [6]): members whose label already is ``y*`` write the signal into their
    features; the others leave their points alone (a collective that cannot change labels)."""

    signal: Any
    target: int

    def transform(self, X, y, members):
        acting = members[y[members] == self.target]
        X = X.copy()
        X[acting] = self.signal.apply(X[acting])
        return X, y.copy(), acting


@dataclass(frozen=True)
class SignalErasing:
    """Signal erasing ``h(x, y) = (x, y_{g(x)})`` (§3.2 of [6]): members keep their features and report the label
    that ``labeler`` (the collective's belief about the platform's label of ``g(x)``, e.g. the Bayes classifier
    of :class:`GaussianSignalTask` or a model trained on clean data) gives to ``g(x)``, so that the classifier
    learns to answer ``x`` as it answers ``g(x)`` and the signal stops mattering."""

    signal: Any
    labeler: Callable

    def transform(self, X, y, members):
        if not callable(self.labeler):
            raise InvalidParameterError(f"labeler={self.labeler!r}: expected a function from features to labels")
        if len(members) == 0:
            return X.copy(), y.copy(), members
        new = np.asarray(self.labeler(self.signal.apply(X[members])))
        if new.shape != (len(members),) or not np.issubdtype(new.dtype, np.integer):
            raise InvalidParameterError(f"labeler: expected one integer label per member, shape ({len(members)},), "
                                        f"got {new.dtype} of shape {new.shape}")
        new = new.astype(y.dtype)
        y = y.copy()
        changed = members[y[members] != new]
        y[members] = new
        return X.copy(), y, changed


_STRATEGIES = (FeatureLabelPlanting, FeatureOnlyPlanting, SignalErasing)


@dataclass(frozen=True)
class CollectiveData:
    """A training set after the collective acted: features, labels, the members (exactly ``⌊αN⌋``) and the points
    whose features or label changed (a subset of the members)."""

    X: np.ndarray
    y: np.ndarray
    members: np.ndarray
    modified: np.ndarray
    alpha: float


def _check_strategy(strategy, X, y):
    if not isinstance(strategy, _STRATEGIES):
        raise InvalidParameterError(f"strategy={strategy!r}: expected one of "
                                    f"{', '.join(s.__name__ for s in _STRATEGIES)}")
    X = strategy.signal.check(X)
    y = _labels(y, X.shape[0])
    if hasattr(strategy, "target"):
        _target_in(strategy.target, y)
    return X, y


def plant(strategy, X, y, alpha: float, *, seed: int = 0) -> CollectiveData:
    """Draw ``⌊αN⌋`` members uniformly without replacement (seeded) and apply ``strategy`` to their points."""
    alpha = check_alpha(alpha)
    seed = check_seed(seed)
    X, y = _check_strategy(strategy, X, y)
    return _plant(strategy, X, y, alpha, seed)


def _plant(strategy, X, y, alpha, seed):
    n = X.shape[0]
    size = math.floor(alpha * n + 1e-9)          # ⌊αN⌋, robust to α·N landing a hair below an integer
    members = np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))
    Xn, yn, modified = strategy.transform(X, y, members)
    return CollectiveData(Xn, yn, members, np.sort(np.asarray(modified, dtype=int)), alpha)


@dataclass(frozen=True)
class SweepData:
    """Training sets of a sweep stacked for vmapped training: ``X`` (M, N, d), ``y`` (M, N), and per model its
    ``alpha``, ``seed`` and which points changed (``modified``, (M, N) bool). Models are ordered α-major."""

    X: np.ndarray
    y: np.ndarray
    alpha: np.ndarray
    seed: np.ndarray
    modified: np.ndarray


def check_seeds(seeds) -> list[int]:
    """The seeds of a sweep: a count ``n`` (seeds 0..n-1) or a non-empty list of seeds, checked."""
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        return list(range(check_positive_int("seeds", seeds)))
    if isinstance(seeds, (list, tuple, np.ndarray)) and len(seeds):
        return [check_seed(s, "seeds") for s in seeds]
    raise InvalidParameterError(f"seeds={seeds!r}: expected a number of seeds >= 1 or a non-empty list of seeds")


def check_alphas(alphas) -> list[float]:
    """The collective sizes of a sweep: at least one, each in (0, 1), returned sorted and distinct."""
    values = np.atleast_1d(np.asarray(alphas, dtype=object)).tolist()
    if not values:
        raise InvalidParameterError("alphas: expected at least one collective size in (0, 1)")
    return sorted({check_alpha(a, f"alphas[{i}]") for i, a in enumerate(values)})


def sweep_datasets(strategy, X, y, alphas, seeds) -> SweepData:
    """One training set per (α, seed): the cross product of ``alphas`` and ``seeds`` (an int gives ``range``)."""
    alphas, seeds = check_alphas(alphas), check_seeds(seeds)
    X, y = _check_strategy(strategy, X, y)
    out = [_plant(strategy, X, y, a, s) for a in alphas for s in seeds]
    modified = np.zeros((len(out), X.shape[0]), bool)
    for i, d in enumerate(out):
        modified[i, d.modified] = True
    return SweepData(np.stack([d.X for d in out]), np.stack([d.y for d in out]),
                     np.repeat(np.asarray(alphas, float), len(seeds)), np.tile(np.asarray(seeds), len(alphas)),
                     modified)
