"""A synthetic task where every term of [6]'s bounds is exact: a Gaussian mixture with a signal
(:class:`GaussianSignalTask`).

Part of :mod:`stratlearn.populations.collective` ([6] Hardt, Mazumdar, Mendler-Dünner and Zrnic, ICML
2023).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import (InvalidParameterError, check_finite_array, check_in_range, check_positive, check_positive_int,
                       check_seed)
from .signals import FeaturePattern, _features
from .success import Success, _predict, erasing_success, planting_success


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
