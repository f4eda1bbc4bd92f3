"""Algorithmic collective action: a coordinated fraction α of a platform's users changes its own data, and the
firm's classifier, trained on the mixture, does what the collective wants. [6] Hardt, Mazumdar, Mendler-Dünner and
Zrnic, *Algorithmic collective action in machine learning*, ICML 2023 (arXiv 2302.04262).

The base distribution is ``P0`` over features and labels. A collective of size α applies a strategy ``h`` to its
members' points, so the firm trains on ``P = α h(P0) + (1 − α) P0`` (§3 of [6]). Here:

* **signals** ``g`` (:class:`FeaturePattern`, :class:`PixelPatch`, :class:`RareToken`): what the collective writes
  into a point's features; ``present`` tells whether a point already carries it;
* **strategies**: feature-label planting ``h(x, y) = (g(x), y*)`` (:class:`FeatureLabelPlanting`), feature-only
  planting by the members whose label already is ``y*`` (:class:`FeatureOnlyPlanting`), and signal erasing
  ``h(x, y) = (x, y_{g(x)})`` (:class:`SignalErasing`), where ``y_{g(x)}`` is the label the collective believes
  the platform gives to ``g(x)``;
* :func:`plant` / :func:`sweep_datasets` apply a strategy to ``⌊αN⌋`` members drawn without replacement (never
  more); a sweep stacks one training set per (α, seed) for the vmapped trainers of
  :mod:`stratlearn.learners.classifiers`;
* success ``S(α) = P_{x~P0}[f(g(x)) = y*]`` (planting) and ``P_{x~P0}[f(g(x)) = f(x)]`` (erasing) with
  Clopper-Pearson intervals (:func:`planting_success`, :func:`erasing_success`, :func:`success_interval`);
* the theory: :func:`planting_bound` (Theorem 1 of [6]: ``S(α) ≥ 1 − (1−α)/α · Δ ξ − ε / (α (1 − ε))``),
  :func:`feature_only_bound` and :func:`erasing_bound`, with ξ (the signal's share of the base data), Δ (how far
  ``y*`` is from the base's best label on the signal set) and ε (the learner's suboptimality) computed exactly for
  :class:`GaussianSignalTask` and estimated from data otherwise (:func:`estimate_bound_terms`);
* gradient-based learning (§5 of [6]): :func:`sgd_steering`, a collective steering the parameters of an SGD-trained
  linear model toward a target, with the fixed point it reaches in closed form (:func:`steering_fixed_point`).

Suboptimality, as used here. ``f`` is ε-suboptimal on the signal set ``X*`` under ``P`` when it is Bayes-optimal
there for some ``(1 − ε) P + ε Q``. Then ``ε / (1 − ε)`` is at least the excess risk of ``f`` on ``X*`` under
``P``, ``R = Σ_{x ∈ X*} [max_y P(x, y) − P(x, f(x))]``, and the planting bound holds with ``ε / (1 − ε) = R``:
on the set ``F ⊆ X*`` where ``f ≠ y*`` each point gives up at least ``α p*(x) − (1 − α) Δ p0(x)``, so
``α P*(F) ≤ (1 − α) Δ ξ + R``. [6] states its theorems in this form; the excess risk is what
:class:`GaussianSignalTask` computes exactly and what :func:`estimate_bound_terms` approximates from data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import (InvalidParameterError, StratlearnError, check_finite_array, check_in_range, check_positive,
                      check_positive_int, check_seed)

__all__ = ["FeaturePattern", "PixelPatch", "RareToken", "FeatureLabelPlanting", "FeatureOnlyPlanting",
           "SignalErasing", "CollectiveData", "SweepData", "plant", "sweep_datasets", "Success", "success_interval",
           "planting_success", "erasing_success", "planting_bound", "feature_only_bound", "erasing_bound",
           "BoundTerms", "estimate_bound_terms", "GaussianSignalTask", "gaussian_signal_task", "SteeringResult",
           "sgd_steering", "steering_fixed_point", "check_alpha", "check_estimator", "audit",
           "implied_suboptimality"]


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


def _seeds(seeds) -> list[int]:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        return list(range(check_positive_int("seeds", seeds)))
    if isinstance(seeds, (list, tuple, np.ndarray)) and len(seeds):
        return [check_seed(s, "seeds") for s in seeds]
    raise InvalidParameterError(f"seeds={seeds!r}: expected a number of seeds >= 1 or a non-empty list of seeds")


def _alphas(alphas) -> list[float]:
    values = np.atleast_1d(np.asarray(alphas, dtype=object)).tolist()
    if not values:
        raise InvalidParameterError("alphas: expected at least one collective size in (0, 1)")
    return sorted({check_alpha(a, f"alphas[{i}]") for i, a in enumerate(values)})


def sweep_datasets(strategy, X, y, alphas, seeds) -> SweepData:
    """One training set per (α, seed): the cross product of ``alphas`` and ``seeds`` (an int gives ``range``)."""
    alphas, seeds = _alphas(alphas), _seeds(seeds)
    X, y = _check_strategy(strategy, X, y)
    out = [_plant(strategy, X, y, a, s) for a in alphas for s in seeds]
    modified = np.zeros((len(out), X.shape[0]), bool)
    for i, d in enumerate(out):
        modified[i, d.modified] = True
    return SweepData(np.stack([d.X for d in out]), np.stack([d.y for d in out]),
                     np.repeat(np.asarray(alphas, float), len(seeds)), np.tile(np.asarray(seeds), len(alphas)),
                     modified)


# ---------------------------------------------------------------------------------------------------- success
@dataclass(frozen=True)
class Success:
    """A success rate with its two-sided Clopper-Pearson interval at ``level`` (arrays for a batch of models)."""

    value: Any
    low: Any
    high: Any
    n: int
    level: float = 0.95


def success_interval(hits, level: float = 0.95) -> Success:
    """Success rate of boolean ``hits`` (..., n) over the last axis, with the exact (Clopper-Pearson) interval:
    its coverage is at least ``level`` for every true rate, which is why it is used rather than a normal one."""
    from scipy.stats import beta

    level = check_in_range("level", level, 0.0, 1.0, low_open=True, high_open=True)
    hits = np.asarray(hits, bool)
    if hits.ndim == 0 or hits.shape[-1] == 0:
        raise InvalidParameterError(f"hits: expected at least one test point, got shape {hits.shape}")
    n = hits.shape[-1]
    k = hits.sum(axis=-1)
    a = (1 - level) / 2
    low = np.where(k == 0, 0.0, beta.ppf(a, k, n - k + 1))
    high = np.where(k == n, 1.0, beta.ppf(1 - a, k + 1, n - k))
    value = k / n
    if np.ndim(value) == 0:
        value, low, high = float(value), float(low), float(high)
    return Success(value, low, high, n, level)


def _predict(model, X):
    """Labels from a fitted estimator (anything with ``predict``) or a function of the features."""
    if hasattr(model, "predict"):
        return np.asarray(model.predict(X))
    if callable(model):
        return np.asarray(model(X))
    raise InvalidParameterError(f"predict={model!r}: expected a fitted estimator with predict() or a function "
                                "from features to labels")


def planting_success(predict, X_test, signal, target: int, level: float = 0.95) -> Success:
    """``S(α) = P_{x~P0}[f(g(x)) = y*]`` estimated on held-out base points ``X_test``; ``predict`` maps features
    to labels ((n,) for one model or (M, n) for a batch)."""
    check_seed(target, "target")
    X_sig = signal.apply(signal.check(X_test, "X_test"))
    return success_interval(_predict(predict, X_sig) == target, level)


def erasing_success(predict, X_test, signal, level: float = 0.95) -> Success:
    """``P_{x~P0}[f(g(x)) = f(x)]``: how often the signal leaves the classifier's answer unchanged."""
    X = signal.check(X_test, "X_test")
    return success_interval(_predict(predict, signal.apply(X)) == _predict(predict, X), level)


# ------------------------------------------------------------------------------------------------- audit path
def check_estimator(estimator, field: str = "model"):
    """A scikit-learn-style classifier: something with callable ``fit`` and ``predict``."""
    missing = [m for m in ("fit", "predict") if not callable(getattr(estimator, m, None))]
    if missing:
        raise InvalidParameterError(f"{field}={estimator!r}: expected a classifier with fit() and predict() "
                                    f"(scikit-learn style); it has no {' and no '.join(m + '()' for m in missing)}")
    return estimator


def audit(estimator, X, y, strategy, alphas, *, X_test, y_test=None, seeds=3, level: float = 0.95,
          progress: bool = False):
    """The audit path: fit a fresh copy of any scikit-learn-style ``estimator`` on the training set after the
    collective acted, for every (α, seed), and measure success on the held-out base points ``X_test``.

    Returns a table (pandas) with one row per model: ``alpha``, ``seed``, ``members`` (``⌊αN⌋``), ``modified``,
    ``success`` with its interval ``low``/``high``, ``planted_errors`` (the share of the collective's own training
    points the model gets wrong) and ``accuracy`` on ``(X_test, y_test)`` when labels are given.
    Erasing strategies are scored with :func:`erasing_success`, planting ones with :func:`planting_success`.
    ``progress`` shows a bar over the fits with the time left, on a terminal only.
    """
    import copy

    import pandas as pd

    check_estimator(estimator)
    try:
        from sklearn.base import clone
    except ImportError:                                    # pragma: no cover - scikit-learn is a dependency
        clone = copy.deepcopy
    alphas, seeds = _alphas(alphas), _seeds(seeds)
    X, y = _check_strategy(strategy, X, y)
    X_test = strategy.signal.check(X_test, "X_test")
    if y_test is not None:
        y_test = _labels(y_test, X_test.shape[0], "y_test")
    try:
        from sklearn.base import is_regressor
    except ImportError:                                    # pragma: no cover
        is_regressor = lambda m: False  # noqa: E731
    if is_regressor(estimator):
        raise InvalidParameterError(f"model={estimator!r}: a regressor; expected a classifier (its predictions are "
                                    "compared with the target label)")
    from tqdm.auto import tqdm

    rows = []
    bar = tqdm(total=len(alphas) * len(seeds), desc="audit", unit="fit", leave=False, dynamic_ncols=True,
               disable=None if progress else True)
    try:
        for a in alphas:
            for s in seeds:
                data = _plant(strategy, X, y, a, s)
                try:
                    model = clone(estimator)
                except Exception:
                    model = copy.deepcopy(estimator)
                seeded = {k: s for k in getattr(model, "get_params", lambda: {})()
                          if k == "random_state" or k.endswith("__random_state")}      # inside a Pipeline too
                if seeded:
                    model.set_params(**seeded)
                try:
                    model.fit(data.X, data.y)
                except Exception as exc:
                    raise InvalidParameterError(f"model={estimator!r}: fitting it failed at alpha={a}, seed={s} "
                                                f"({type(exc).__name__}: {exc})") from None
                if isinstance(strategy, SignalErasing):
                    ok = erasing_success(model, X_test, strategy.signal, level)
                else:
                    ok = planting_success(model, X_test, strategy.signal, strategy.target, level)
                row = {"alpha": a, "seed": s, "members": len(data.members), "modified": len(data.modified),
                       "success": ok.value, "low": ok.low, "high": ok.high,
                       "planted_errors": float(np.mean(_predict(model, data.X[data.modified]) != data.y[data.modified]))
                       if len(data.modified) else 0.0}
                if y_test is not None:
                    row["accuracy"] = float(np.mean(_predict(model, X_test) == np.asarray(y_test)))
                rows.append(row)
                bar.update(1)
    finally:
        bar.close()
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------------ bounds
def _check_terms(alpha, xi, delta, eps):
    alpha = np.asarray(alpha, float)
    if not np.all((alpha > 0) & (alpha < 1)):
        raise InvalidParameterError(f"alpha={alpha!r}: expected numbers in (0, 1)")
    xi = check_in_range("xi", xi, 0.0, 1.0)
    delta = check_in_range("delta", delta, 0.0, 1.0)
    eps = check_in_range("eps", eps, 0.0, 1.0, high_open=True)
    return alpha, xi, delta, eps


def implied_suboptimality(alpha, success, xi: float = 0.0, delta: float = 1.0):
    """The smallest ε under which Theorem 1 of [6] allows the measured ``success``: solving
    ``S = 1 − (1−α)/α · Δ ξ − ε/(α(1−ε))`` gives ``ε/(1−ε) = α (1 − S) − (1 − α) Δ ξ`` (0 when the bound without
    ε already allows it). A diagnostic of how far the trained model is from the mixture's Bayes classifier on the
    signal set."""
    alpha, success = np.asarray(alpha, float), np.asarray(success, float)
    if not np.all((alpha > 0) & (alpha < 1)):
        raise InvalidParameterError(f"alpha={alpha!r}: expected numbers in (0, 1)")
    if not np.all((success >= 0) & (success <= 1)):
        raise InvalidParameterError(f"success={success!r}: expected rates in [0, 1]")
    xi = check_in_range("xi", xi, 0.0, 1.0)
    delta = check_in_range("delta", delta, 0.0, 1.0)
    r = np.maximum(alpha * (1 - success) - (1 - alpha) * delta * xi, 0.0)
    return r / (1 + r)


def planting_bound(alpha, xi: float, delta: float = 1.0, eps: float = 0.0):
    """Theorem 1 of [6] (feature-label planting): ``S(α) ≥ 1 − (1 − α)/α · Δ ξ − ε / (α (1 − ε))``, clipped to
    [0, 1]. ``xi`` = ``P0(X*)``, the base data's mass on the signal set (0 for a unique signal); ``delta`` =
    ``sup_{x ∈ X*} max_y P0(y|x) − P0(y*|x)`` (1 when unknown: always valid); ``eps`` the learner's
    suboptimality on the signal set (0 for the Bayes classifier of the mixture)."""
    alpha, xi, delta, eps = _check_terms(alpha, xi, delta, eps)
    return np.clip(1 - (1 - alpha) / alpha * delta * xi - eps / (alpha * (1 - eps)), 0.0, 1.0)


def feature_only_bound(alpha, xi: float, target_share: float, delta: float = 1.0, eps: float = 0.0):
    """Feature-only planting (§3.1 of [6]): only members with label ``y*`` (a share ``π* = P0(y*)`` of the collective)
    plant, and nobody's label changes, so the base keeps its full weight ``P0(x, y)`` on every other label. On the
    points the acting members produce, ``S ≥ 1 − (Δ ξ + ε/(1 − ε)) / (α π*)`` with ``Δ`` here bounding
    ``max_{y ≠ y*} P0(y|x) − (1 − α) P0(y*|x)`` on ``X*`` (1 when unknown). Success over all of ``P0`` additionally
    loses the total-variation distance between ``g(P0 | y*)`` and ``g(P0)`` (0 when the signal overwrites every
    feature that carries the label)."""
    alpha, xi, delta, eps = _check_terms(alpha, xi, delta, eps)
    share = check_in_range("target_share", target_share, 0.0, 1.0, low_open=True)
    return np.clip(1 - (delta * xi + eps / (1 - eps)) / (alpha * share), 0.0, 1.0)


def erasing_bound(alpha, gaps) -> np.ndarray:
    """Signal erasing (§3.2 of [6]) against the Bayes classifier of the mixture (ε = 0):
    ``S(α) ≥ P_{x~P0}[(1 − α) Δ(x) < α]`` with ``Δ(x) = max_y P0(y|x) − P0(y_{g(x)}|x)``; ``gaps`` are samples of
    ``Δ(x)`` for ``x ~ P0``. (Members at ``x`` outweigh the base's preference against ``y_{g(x)}`` exactly when
    ``α > (1 − α) Δ(x)``; on the signal set the members' label agrees with the base's, so ``f(g(x)) = y_{g(x)}``.)
    This assumes the labeler is the base's Bayes classifier and that the base puts mass where ``g(x)`` lands: for a
    signal the base never carries (ξ = 0) nothing constrains ``f(g(x))`` and the bound does not apply."""
    alpha = np.atleast_1d(np.asarray(alpha, float))
    if not np.all((alpha > 0) & (alpha < 1)):
        raise InvalidParameterError(f"alpha={alpha!r}: expected numbers in (0, 1)")
    gaps = np.asarray(gaps, float).ravel()
    if gaps.size == 0 or not np.all((gaps >= -1e-12) & (gaps <= 1 + 1e-12)):
        raise InvalidParameterError("gaps: expected probabilities gaps Δ(x) in [0, 1], at least one")
    out = np.mean((1 - alpha[:, None]) * gaps[None, :] < alpha[:, None], axis=1)
    return out if out.size > 1 else float(out[0])


@dataclass(frozen=True)
class BoundTerms:
    """The terms of Theorem 1 of [6] estimated from data: ``xi`` (share of base points already carrying the signal),
    ``delta`` (largest preference of a reference model for another label on those points; 1 without a reference
    model, 0 with one when no base point carries the signal), ``excess`` (``ε/(1−ε)``, see
    :func:`estimate_bound_terms`) and ``eps``."""

    xi: float
    delta: float
    excess: float
    eps: float

    def bound(self, alpha):
        return planting_bound(alpha, self.xi, self.delta, self.eps)


def estimate_bound_terms(X_base, signal, target: int, *, alpha: float | None = None, planted_errors: float = 0.0,
                         proba: Callable | None = None) -> BoundTerms:
    """Estimate ξ, Δ and ε from data where they are not known.

    ``xi``: the share of base points ``X_base`` on which ``signal.present`` holds. ``delta``: with ``proba`` (a
    reference model's class probabilities, e.g. one trained on clean data), the largest ``max_y p(y|x) − p(y*|x)``
    over those points; 1 (always valid) otherwise. ``eps``: from the share of the collective's own training points
    the trained model gets wrong, ``planted_errors`` — those points carry ``α`` of the mass on the signal set, so
    the excess risk there is at most about ``α · planted_errors`` (without ``alpha``, ``planted_errors`` is taken
    as the excess itself); this is a proxy (the true Bayes label on the signal set is not observed, and a model that
    memorizes its training rows has no training errors) and is reported as such.
    """
    X_base = signal.check(X_base, "X_base")
    check_seed(target, "target")
    present = np.asarray(signal.present(X_base), bool)
    xi = float(present.mean())
    delta = 1.0
    if proba is not None and present.any():
        p = np.asarray(proba(X_base[present]), float)
        if p.ndim != 2 or target >= p.shape[1]:
            raise InvalidParameterError(f"proba: expected class probabilities (n, K) with K > target={target}, "
                                        f"got shape {p.shape}")
        delta = float(np.clip(np.max(p.max(axis=1) - p[:, target]), 0.0, 1.0))
    elif proba is not None:
        delta = 0.0 if xi == 0 else 1.0
    excess = 0.0
    if planted_errors:
        planted_errors = check_in_range("planted_errors", planted_errors, 0.0, 1.0)
        excess = check_alpha(alpha) * planted_errors if alpha is not None else planted_errors
    return BoundTerms(xi, delta, float(excess), float(excess / (1 + excess)))


# --------------------------------------------------------------------------------------------- synthetic task
@dataclass(frozen=True)
class GaussianSignalTask:
    """A synthetic base distribution with a known Bayes classifier, so every term of the theory is exact.

    Class ``k`` (prior ``priors[k]``) has features ``z ~ N(means[k], scale² I)`` and a binary flag ``b``, present
    with probability ``flag_rates[k]``: a point is ``(z, b)`` in ``d + 1`` features. The signal is
    ``FeaturePattern([d], [1])`` (set the flag), so ``X* = {b = 1}`` and ``ξ = Σ_k priors[k] flag_rates[k]``.
    """

    means: np.ndarray
    scale: float
    priors: np.ndarray
    flag_rates: np.ndarray

    @property
    def num_classes(self) -> int:
        return len(self.priors)

    def _check_target(self, target):
        if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= target < self.num_classes:
            raise InvalidParameterError(f"target={target!r}: expected a class in 0..{self.num_classes - 1}")

    @property
    def dim(self) -> int:
        return self.means.shape[1] + 1

    @property
    def signal(self) -> FeaturePattern:
        return FeaturePattern((self.means.shape[1],), (1.0,))

    @property
    def xi(self) -> float:
        return float(np.dot(self.priors, self.flag_rates))

    def sample(self, n: int, seed: int = 0):
        """``n`` base points ``(X, y)``."""
        rng = np.random.default_rng(check_seed(seed))
        y = rng.choice(self.num_classes, size=check_positive_int("n", n), p=self.priors)
        z = self.means[y] + self.scale * rng.standard_normal((n, self.means.shape[1]))
        b = (rng.random(n) < self.flag_rates[y]).astype(float)
        return np.column_stack([z, b]), y

    def _log_phi(self, z):
        d2 = ((np.asarray(z)[:, None, :] - self.means[None]) ** 2).sum(-1)
        return -0.5 * d2 / self.scale ** 2          # the shared normalizing constant cancels in every ratio

    def joint_scores(self, X, alpha: float = 0.0, target: int | None = None, strategy: str = "feature-label"):
        """``P(x, y)`` up to one positive factor shared by all points, for the mixture ``P`` after a collective of size
        ``alpha`` applied feature-label planting (``target``) — or the base when ``alpha = 0``. With
        ``strategy="feature-only"`` only the members whose label is ``target`` set the flag and nobody relabels:
        ``P(x, y) = P0(x, y)`` for ``y ≠ y*`` and ``(1 − α) P0(x, y*) + α P0(z, y*) 1[b = 1]`` for ``y*``."""
        alpha = check_in_range("alpha", alpha, 0.0, 1.0, high_open=True)
        if strategy not in ("feature-label", "feature-only"):
            raise InvalidParameterError(f"strategy={strategy!r}: expected 'feature-label' or 'feature-only'")
        if alpha > 0:
            self._check_target(target)
        if strategy == "feature-only" and alpha > 0:
            X = _features(np.asarray(X, float))
            base = self.joint_scores(X)
            b = X[:, -1]
            prior_phi = self.priors[target] * np.exp(self._log_phi(X[:, :-1]))[:, target]
            base[:, target] = (1 - alpha) * base[:, target] + np.where(b == 1, alpha * prior_phi, 0.0)
            return base
        X = _features(np.asarray(X, float))
        if X.shape[1] != self.dim:
            raise InvalidParameterError(f"X: expected {self.dim} features (the task's {self.dim - 1} plus the flag), "
                                        f"got shape {X.shape}")
        z, b = X[:, :-1], X[:, -1]
        phi = np.exp(self._log_phi(z))                              # (n, K), same factor for all
        base = self.priors * phi
        flagged = base * self.flag_rates
        plain = base * (1 - self.flag_rates)
        scores = np.where(b[:, None] == 1, flagged, plain) * (1 - alpha)
        if alpha > 0:
            scores[:, target] += np.where(b == 1, alpha * base.sum(1), 0.0)
        return scores

    def posterior(self, X) -> np.ndarray:
        """``P0(y | x)`` of the base distribution."""
        s = self.joint_scores(X)
        return s / s.sum(1, keepdims=True)

    def bayes_predict(self, X, alpha: float = 0.0, target: int | None = None,
                      strategy: str = "feature-label") -> np.ndarray:
        """The Bayes classifier of the mixture after planting (of the base when ``alpha = 0``)."""
        return np.argmax(self.joint_scores(X, alpha, target, strategy), axis=1)

    def delta(self, target: int, n: int = 200_000, seed: int = 1) -> float:
        """``Δ = sup_{x ∈ X*} max_y P0(y|x) − P0(y*|x)``, as a maximum over ``n`` flagged points drawn from the base
        plus the class means: a lower estimate of the supremum (for means on a circle the supremum is 1, reached
        far out along another class's mean, and the estimate is within 1e-6 of it). 0 when no base point carries
        the flag (ξ = 0: the bound does not use Δ then)."""
        self._check_target(target)
        if self.xi == 0:
            return 0.0
        X, _ = self.sample(n, seed)
        X = np.vstack([X, np.column_stack([self.means, np.ones(self.num_classes)])])
        X[:, -1] = 1.0
        p = self.posterior(X)
        return float(np.max(p.max(1) - p[:, target]))

    def excess_risk(self, predict, alpha: float, target: int, n: int = 200_000, seed: int = 2,
                    strategy: str = "feature-label") -> float:
        """``R = ∫_{X*} max_y P(x, y) − P(x, f(x)) dx`` for classifier ``predict`` on the mixture after planting,
        by importance sampling with the base's ``z`` marginal: ``ε/(1−ε)`` of the module docstring."""
        X, _ = self.sample(n, seed)
        X[:, -1] = 1.0
        phi = np.exp(self._log_phi(X[:, :-1]))
        marginal = (self.priors * phi).sum(1)                      # the z density, same factor as the scores
        scores = self.joint_scores(X, alpha, target, strategy)
        f = np.asarray(_predict(predict, X)).reshape(-1)
        return float(np.mean((scores.max(1) - scores[np.arange(len(f)), f]) / marginal))

    def bayes_success(self, alpha: float, target: int, n: int = 200_000, seed: int = 3,
                      strategy: str = "feature-label", given_target: bool = False) -> Success:
        """Success of the mixture's Bayes classifier, ``P_{x~P0}[f(g(x)) = y*]``, by Monte Carlo; with
        ``given_target`` over ``x ~ P0(· | y*)`` instead (the points feature-only planting produces, where
        :func:`feature_only_bound` applies)."""
        X, y = self.sample(n, seed)
        if given_target:
            X = X[y == target]
        return planting_success(lambda Z: self.bayes_predict(Z, alpha, target, strategy), X, self.signal, target)

    # signal erasing (§3.2 of [6]), with the base's Bayes classifier as the collective's labeler
    def erasing_labeler(self, X) -> np.ndarray:
        """``y_{g(x)}``: the base's Bayes label of ``g(x)``, the label an erasing member reports at ``x`` (pass
        ``task.erasing_labeler`` to :class:`SignalErasing`). Needs a flag the base carries (ξ > 0)."""
        if self.xi == 0:
            raise InvalidParameterError("flag_rates: every rate is 0, so the base never carries the signal and "
                                        "there is nothing to erase (ξ = 0); expected a rate > 0 for some class")
        return self.bayes_predict(self.signal.apply(np.asarray(X, float)))

    def erasing_predict(self, X, alpha: float) -> np.ndarray:
        """The Bayes classifier of the mixture after signal erasing:
        ``argmax_y (1 − α) P0(x, y) + α P0(x) 1[y = y_{g(x)}]`` (members keep their features, so they are spread
        like the base, and report ``y_{g(x)}``)."""
        alpha = check_in_range("alpha", alpha, 0.0, 1.0, high_open=True)
        base = self.joint_scores(X)
        scores = (1 - alpha) * base
        scores[np.arange(len(scores)), self.erasing_labeler(X)] += alpha * base.sum(1)
        return np.argmax(scores, axis=1)

    def erasing_gaps(self, n: int = 200_000, seed: int = 4) -> np.ndarray:
        """``n`` samples of ``Δ(x) = max_y P0(y|x) − P0(y_{g(x)}|x)`` for ``x ~ P0``, the input of
        :func:`erasing_bound`. Flagged points have ``g(x) = x`` and a gap of 0."""
        X, _ = self.sample(n, seed)
        post = self.posterior(X)
        return np.clip(post.max(1) - post[np.arange(n), self.erasing_labeler(X)], 0.0, 1.0)

    def bayes_erasing_success(self, alpha: float, n: int = 200_000, seed: int = 5) -> Success:
        """Erasing success of the mixture's Bayes classifier, ``P_{x~P0}[f(g(x)) = f(x)]``, by Monte Carlo."""
        X, _ = self.sample(n, seed)
        return erasing_success(lambda Z: self.erasing_predict(Z, alpha), X, self.signal)


def gaussian_signal_task(num_classes: int = 3, dim: int = 2, *, separation: float = 2.0, scale: float = 1.0,
                         xi: float | None = None, flag_rates=None) -> GaussianSignalTask:
    """Class means on a circle (first two coordinates) of radius ``separation``, equal priors, and the flag present
    with the same rate ``xi`` in every class (so it says nothing about the label before the collective acts; 0.01
    when neither ``xi`` nor ``flag_rates`` is given).

    ``flag_rates`` (one rate in [0, 1] per class), given instead of ``xi``, makes a flag that is correlated with the
    label: a spurious feature the base classifier uses, the setting in which a collective wants to *erase* the
    signal."""
    k = check_positive_int("num_classes", num_classes)
    if k < 2:
        raise InvalidParameterError(f"num_classes={num_classes}: expected at least 2 classes")
    d = check_positive_int("dim", dim)
    check_positive("separation", separation)
    check_positive("scale", scale)
    if xi is not None and flag_rates is not None:
        raise InvalidParameterError(f"xi={xi!r}, flag_rates={flag_rates!r}: expected one of the two (xi is the same "
                                    "rate in every class, flag_rates one rate per class)")
    angles = 2 * np.pi * np.arange(k) / k
    means = np.zeros((k, d))
    means[:, 0] = separation * np.cos(angles)
    if d > 1:
        means[:, 1] = separation * np.sin(angles)
    if flag_rates is None:
        rates = np.full(k, check_in_range("xi", 0.01 if xi is None else xi, 0.0, 1.0))
    else:
        rates = check_finite_array("flag_rates", flag_rates, ndim=1, error=InvalidParameterError)
        if rates.shape != (k,) or not np.all((rates >= 0) & (rates <= 1)):
            raise InvalidParameterError(f"flag_rates={flag_rates!r}: expected {k} rates in [0, 1], one per class")
    return GaussianSignalTask(means, float(scale), np.full(k, 1.0 / k), rates)


# ------------------------------------------------------------------------------------ gradient-based learning
@dataclass(frozen=True)
class SteeringResult:
    """Parameters of SGD runs ``theta`` (alphas, seeds, p) averaged over the last half of the steps, their distance
    to the target (alphas, seeds), and the fixed point the expected dynamics reach (alphas, p)."""

    alpha: np.ndarray
    theta: np.ndarray
    distance: np.ndarray
    fixed_point: np.ndarray


def steering_fixed_point(alpha, covariance, theta_base, target, strength: float) -> np.ndarray:
    """Rest point of the expected SGD update under collective steering:
    ``(1 − α) Σ (θ − θ0) + α c² (θ − θ*) = 0``, i.e. ``θ∞ = [(1−α) Σ + α c² I]⁻¹ [(1−α) Σ θ0 + α c² θ*]``."""
    S = np.asarray(covariance, float)
    t0, ts = np.asarray(theta_base, float), np.asarray(target, float)
    out = []
    for a in np.atleast_1d(alpha):
        A = (1 - a) * S + a * strength ** 2 * np.eye(len(t0))
        out.append(np.linalg.solve(A, (1 - a) * S @ t0 + a * strength ** 2 * ts))
    return np.array(out)


def _steering_inputs(X, y, target, alphas, steps, step_size, batch_size, seeds):
    from ..errors import check_finite_array

    X = check_finite_array("X", X, ndim=2, error=InvalidParameterError)
    y = check_finite_array("y", y, ndim=1, error=InvalidParameterError)
    if y.shape != (X.shape[0],):
        raise InvalidParameterError(f"y: expected shape ({X.shape[0]},), got {y.shape}")
    target = check_finite_array("target", target, error=InvalidParameterError)
    if target.shape != (X.shape[1],):
        raise InvalidParameterError(f"target: expected {X.shape[1]} parameters (one per feature), got shape "
                                    f"{target.shape}")
    alphas = np.array([check_alpha(a, "alphas") for a in np.atleast_1d(alphas)])
    return (X, y, target, alphas, check_positive_int("steps", steps), check_positive("step_size", step_size),
            check_positive_int("batch_size", batch_size), check_positive_int("seeds", seeds))


def _steer(X, y, target, alphas, member_gradient, steps, eta, B, seeds, seed):
    """SGD on the least-squares loss over batches in which each point is a member's with probability α; a member
    contributes ``member_gradient(θ − θ*)``. Vmapped over α and seeds in one ``jit``; returns the averaged iterates
    over the last half of the steps, (alphas, seeds, p)."""
    import jax
    import jax.numpy as jnp

    Xj, yj, tj = jnp.asarray(X), jnp.asarray(y), jnp.asarray(target)

    def run(alpha, key):
        def step(theta, key):
            k1, k2 = jax.random.split(key)
            idx = jax.random.randint(k1, (B,), 0, X.shape[0])
            member = jax.random.uniform(k2, (B,)) < alpha
            xb, yb = Xj[idx], yj[idx]
            base_grad = ((xb @ theta - yb)[:, None] * xb)
            pull = member_gradient(theta - tj)
            grads = jnp.where(member[:, None], pull[None, :], base_grad)
            theta = theta - eta * grads.mean(0)
            return theta, theta

        keys = jax.random.split(key, steps)
        _, path = jax.lax.scan(step, jnp.zeros(X.shape[1]), keys)
        return path[steps // 2:].mean(0)

    keys = jax.random.split(jax.random.PRNGKey(check_seed(seed)), seeds)
    return np.asarray(jax.jit(jax.vmap(lambda a: jax.vmap(lambda k: run(a, k))(keys)))(jnp.asarray(alphas)))


def sgd_steering(X, y, target, alphas, *, feature_norm: float = 1.0, steps: int = 5000, step_size: float = 0.01,
                 batch_size: int = 32, seeds: int = 8, seed: int = 0) -> SteeringResult:
    """A collective steering an SGD-trained least-squares model toward ``target`` with a proportional pull (the
    library's strategy; compare :func:`gradient_steering`, which has a critical mass).

    At each step the firm draws a batch of ``batch_size`` points; each is a collective member's with probability α.
    A member observes the current ``θ`` and reports ``x = c u`` with ``u = (θ − θ*)/‖θ − θ*‖`` and ``y = xᵀθ*``
    (features of norm ``c = feature_norm``, the limit of what a member can report), so that its squared-loss
    gradient is ``(xᵀθ − y) x = c² (θ − θ*)``: a pull toward the target that fades as ``θ`` nears it, so no α < 1
    reaches the target exactly. Base points come from ``(X, y)``. Runs are vmapped over α and seeds in one
    ``jit``; success is the distance of the averaged iterate to the target, to be compared with
    :func:`steering_fixed_point`.
    """
    X, y, target, alphas, steps, eta, B, seeds = _steering_inputs(X, y, target, alphas, steps, step_size,
                                                                  batch_size, seeds)
    c = check_positive("feature_norm", feature_norm)
    theta = _steer(X, y, target, alphas, lambda diff: c ** 2 * diff, steps, eta, B, seeds, seed)
    cov = X.T @ X / X.shape[0]
    base = np.linalg.lstsq(X, y, rcond=None)[0]
    return SteeringResult(alphas, theta, np.linalg.norm(theta - target, axis=-1),
                          steering_fixed_point(alphas, cov, base, target, c))


def critical_mass(covariance, theta_base, target, gradient_norm: float) -> float:
    """The smallest collective that can make ``target`` the rest point of gradient descent on the least-squares
    loss when each member's gradient has norm at most ``C = gradient_norm``: ``α* = g / (g + C)`` with
    ``g = ‖∇L₀(θ*)‖ = ‖Σ(θ* − θ₀)‖`` the base data's gradient at the target. The expected update descends
    ``(1 − α) L₀(θ) + α C ‖θ − θ*‖`` (convex), whose subdifferential at ``θ*`` contains 0 exactly when
    ``α C ≥ (1 − α) g``. This is the condition §5 of [6] states for gradient-based learners as the library
    reconstructs it (only the abstract can be read here): the collective must be able to cancel the base data's
    gradient at the target."""
    S, t0, ts = _steering_terms(covariance, theta_base, target)
    g = float(np.linalg.norm(S @ (ts - t0)))
    C = check_positive("gradient_norm", gradient_norm)
    return g / (g + C)


def _steering_terms(covariance, theta_base, target):
    """``Σ`` (p, p), ``θ₀`` and ``θ*`` (p,) as float arrays of agreeing shapes, or a clear error."""
    ts = check_finite_array("target", target, ndim=1, error=InvalidParameterError)
    t0 = check_finite_array("theta_base", theta_base, ndim=1, error=InvalidParameterError)
    S = check_finite_array("covariance", covariance, ndim=2, error=InvalidParameterError)
    p = ts.size
    if t0.shape != (p,) or S.shape != (p, p):
        raise InvalidParameterError(f"covariance {S.shape}, theta_base {t0.shape}, target {ts.shape}: expected "
                                    f"({p}, {p}), ({p},) and ({p},)")
    return S, t0, ts


def gradient_steering_fixed_point(alpha, covariance, theta_base, target, gradient_norm: float) -> np.ndarray:
    """Minimizers of ``(1 − α) ½(θ − θ₀)ᵀΣ(θ − θ₀) + α C ‖θ − θ*‖``, one per α (alphas, p): the target itself when
    ``α ≥`` :func:`critical_mass`, otherwise the point where ``(1 − α)Σ(θ − θ₀) + αC u = 0`` with
    ``u = (θ − θ*)/‖θ − θ*‖``, found by minimizing the (there smooth) objective with L-BFGS from ``θ₀``."""
    from scipy.optimize import minimize

    S, t0, ts = _steering_terms(covariance, theta_base, target)
    C = check_positive("gradient_norm", gradient_norm)
    star = critical_mass(S, t0, ts, C)
    out = []
    for a in np.atleast_1d(alpha):
        if a >= star:
            out.append(ts.copy())
            continue

        def objective(th, a=a):
            d = th - t0
            r = th - ts
            nr = np.linalg.norm(r)
            value = (1 - a) * 0.5 * d @ S @ d + a * C * nr
            return value, (1 - a) * S @ d + a * C * r / max(nr, 1e-300)

        found = minimize(objective, t0, jac=True, method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 1e-15})
        if not np.all(np.isfinite(found.x)) or np.linalg.norm(objective(found.x)[1]) > 1e-6 * max(1.0, C):
            raise StratlearnError(f"alpha={a:g}: the rest point was not found (L-BFGS: {found.message}); the "
                                  "covariance may be singular")
        out.append(found.x)
    return np.array(out)


def gradient_steering(X, y, target, alphas, *, gradient_norm: float = 1.0, steps: int = 5000,
                      step_size: float = 0.01, batch_size: int = 32, seeds: int = 8, seed: int = 0) -> SteeringResult:
    """A collective steering an SGD-trained least-squares model with gradients of the largest allowed norm ``C``
    pointing at the target: a member observing ``θ`` reports a point whose loss gradient is
    ``C (θ − θ*)/‖θ − θ*‖`` (e.g. ``x = c u``, ``y = xᵀθ − C/c`` with ``u`` the unit vector toward ``θ``; any
    ``c > 0``), the gradient-based strategy of §5 of [6] as the library reconstructs it. The expected dynamics
    then descend ``(1 − α)L₀(θ) + αC‖θ − θ*‖`` and reach the target exactly once ``α ≥`` :func:`critical_mass`
    (``fixed_point`` holds :func:`gradient_steering_fixed_point`). Same batches, averaging and vmapping as
    :func:`sgd_steering`."""
    import jax.numpy as jnp

    X, y, target, alphas, steps, eta, B, seeds = _steering_inputs(X, y, target, alphas, steps, step_size,
                                                                  batch_size, seeds)
    C = check_positive("gradient_norm", gradient_norm)
    theta = _steer(X, y, target, alphas,
                   lambda diff: C * diff / jnp.maximum(jnp.linalg.norm(diff), 1e-12), steps, eta, B, seeds, seed)
    cov = X.T @ X / X.shape[0]
    base = np.linalg.lstsq(X, y, rcond=None)[0]
    return SteeringResult(alphas, theta, np.linalg.norm(theta - target, axis=-1),
                          gradient_steering_fixed_point(alphas, cov, base, target, C))
