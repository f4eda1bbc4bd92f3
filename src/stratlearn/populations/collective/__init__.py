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
  linear model toward a target, with the fixed point it reaches in closed form (:func:`steering_fixed_point`);
* classification datasets to act on (:mod:`~stratlearn.populations.collective.datasets`): bundled, generated and
  user-supplied.

The package is split by what each part is about: ``signals``, ``strategies``, ``success`` (with the audit of any
scikit-learn estimator), ``bounds``, ``gaussian`` (the synthetic task), ``steering`` and ``datasets``; every public
name is importable from the package itself.

Suboptimality, as used here. ``f`` is ε-suboptimal on the signal set ``X*`` under ``P`` when it is Bayes-optimal
there for some ``(1 − ε) P + ε Q``. Then ``ε / (1 − ε)`` is at least the excess risk of ``f`` on ``X*`` under
``P``, ``R = Σ_{x ∈ X*} [max_y P(x, y) − P(x, f(x))]``, and the planting bound holds with ``ε / (1 − ε) = R``:
on the set ``F ⊆ X*`` where ``f ≠ y*`` each point gives up at least ``α p*(x) − (1 − α) Δ p0(x)``, so
``α P*(F) ≤ (1 − α) Δ ξ + R``. [6] states its theorems in this form; the excess risk is what
:class:`GaussianSignalTask` computes exactly and what :func:`estimate_bound_terms` approximates from data.
"""

from __future__ import annotations

from . import datasets  # the data sets a collective acts on, by name: collective.datasets.digits
from .bounds import (BoundTerms, erasing_bound, estimate_bound_terms, feature_only_bound, implied_suboptimality,
                     planting_bound)
from .gaussian import GaussianSignalTask, gaussian_signal_task
from .signals import FeaturePattern, PixelPatch, RareToken, check_alpha
from .steering import (SteeringResult, critical_mass, gradient_steering, gradient_steering_fixed_point, sgd_steering,
                       steering_fixed_point)
from .strategies import (CollectiveData, FeatureLabelPlanting, FeatureOnlyPlanting, SignalErasing, SweepData,
                         check_alphas, check_seeds, plant, sweep_datasets)
from .success import Success, audit, check_estimator, erasing_success, planting_success, success_interval

__all__ = ["FeaturePattern", "PixelPatch", "RareToken", "FeatureLabelPlanting", "FeatureOnlyPlanting",
           "SignalErasing", "CollectiveData", "SweepData", "plant", "sweep_datasets", "Success", "success_interval",
           "planting_success", "erasing_success", "planting_bound", "feature_only_bound", "erasing_bound",
           "BoundTerms", "estimate_bound_terms", "GaussianSignalTask", "gaussian_signal_task", "SteeringResult",
           "sgd_steering", "steering_fixed_point", "check_alpha", "check_estimator", "audit",
           "implied_suboptimality", "critical_mass", "gradient_steering", "gradient_steering_fixed_point",
           "check_alphas", "check_seeds", "datasets"]
