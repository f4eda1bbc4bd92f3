"""Success of a collective ([6], §3): Clopper-Pearson intervals of ``P[f(g(x)) = y*]`` and ``P[f(g(x)) = f(x)]``, and
the audit of any scikit-learn estimator over α and seeds.

Part of :mod:`stratlearn.populations.collective` ([6] Hardt, Mazumdar, Mendler-Dünner and Zrnic, ICML
2023).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import InvalidParameterError, check_in_range, check_seed
from .strategies import SignalErasing, check_alphas, _check_strategy, _labels, _plant, check_seeds


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
    alphas, seeds = check_alphas(alphas), check_seeds(seeds)
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
