"""The theory of [6]: Theorem 1's planting bound, the feature-only and erasing bounds, and their terms ξ, Δ, ε
estimated from data.

Part of :mod:`stratlearn.populations.collective` ([6] Hardt, Mazumdar, Mendler-Dünner and Zrnic, ICML
2023).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ...errors import InvalidParameterError, check_in_range, check_seed
from .signals import check_alpha


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
