"""Collective action ([6]): strategies touch exactly ⌊αN⌋ points, success and its interval, the theory's bounds on
a synthetic task with a known Bayes classifier, SGD steering, the audit path and bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stratlearn.errors import InvalidParameterError
from stratlearn.populations import collective as C

TASK = C.gaussian_signal_task(3, 2, xi=0.01)


def _data(n=200, d=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, k, size=n)


# ------------------------------------------------------------------------------------------ exact member counts
@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 400), alpha=st.floats(1e-4, 0.9999), seed=st.integers(0, 10_000),
       which=st.sampled_from(["label", "feature", "erase"]))
def test_strategies_touch_at_most_floor_alpha_n_points(n, alpha, seed, which):
    X, y = _data(n, seed=seed)
    y[0] = 1                                                        # the target label occurs
    signal = C.FeaturePattern((4,), (7.0,))
    strategy = {"label": C.FeatureLabelPlanting(signal, 1), "feature": C.FeatureOnlyPlanting(signal, 1),
                "erase": C.SignalErasing(signal, lambda Z: np.zeros(len(Z), int))}[which]
    out = C.plant(strategy, X, y, alpha, seed=seed)
    assert len(out.members) == math.floor(alpha * n + 1e-9)        # exactly ⌊αN⌋ members
    assert len(np.unique(out.members)) == len(out.members)
    assert set(out.modified.tolist()) <= set(out.members.tolist())
    changed = np.flatnonzero(np.any(out.X != X, axis=1) | (out.y != y))
    assert set(changed.tolist()) <= set(out.modified.tolist())      # nobody outside the modified set changed
    assert len(changed) <= math.floor(alpha * n + 1e-9)
    if which == "label":
        assert np.all(out.y[out.members] == 1) and np.all(out.X[out.members, 4] == 7.0)
    if which == "feature":
        assert np.all(y[out.modified] == 1)                         # only members already labelled y* act


def test_exact_count_on_a_round_product():
    X, y = _data(1000)
    out = C.plant(C.FeatureLabelPlanting(C.FeaturePattern((0,), (1.0,)), 2), X, y, 0.07, seed=3)
    assert len(out.members) == 70 and len(out.modified) == 70       # 0.07 · 1000 is 70.00000000000001 in floats


def test_sweep_stacks_models_alpha_major():
    X, y = _data(100)
    sweep = C.sweep_datasets(C.FeatureLabelPlanting(C.FeaturePattern((1,), (3.0,)), 0), X, y, [0.01, 0.1], 3)
    assert sweep.X.shape == (6, 100, 5) and sweep.y.shape == (6, 100)
    np.testing.assert_array_equal(sweep.alpha, [0.01] * 3 + [0.1] * 3)
    np.testing.assert_array_equal(sweep.seed, [0, 1, 2] * 2)
    np.testing.assert_array_equal(sweep.modified.sum(1), [1] * 3 + [10] * 3)


# ------------------------------------------------------------------------------------------------------ signals
def test_signals_apply_and_detect():
    patch = C.PixelPatch((4, 4), top=2, left=1, values=np.full((2, 2), 9.0))
    X = np.zeros((3, 16))
    Z = patch.apply(X)
    assert Z.reshape(3, 4, 4)[:, 2:, 1:3].min() == 9.0 and Z.sum() == 3 * 4 * 9.0
    assert patch.present(Z).all() and not patch.present(X).any()
    tok = C.RareToken(99, position=1)
    T = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    np.testing.assert_array_equal(tok.apply(T), [[1, 99, 2, 3], [5, 99, 6, 7]])
    assert tok.present(tok.apply(T)).all() and not tok.present(T).any()


# ------------------------------------------------------------------------------------------- success intervals
@settings(max_examples=50, deadline=None)
@given(hits=st.lists(st.booleans(), min_size=1, max_size=300))
def test_success_is_a_rate_inside_its_interval(hits):
    s = C.success_interval(hits)
    assert 0.0 <= s.low <= s.value <= s.high <= 1.0


def test_interval_covers_the_truth_at_its_rate():
    # The Bayes classifier of the mixture at α = 0.005 succeeds with probability about 0.38 (a rate far from 0 and 1,
    # where intervals are hardest). Truth from 10^6 draws (standard error 5e-4); 300 independent test sets of 300
    # points each. Clopper-Pearson covers with probability >= 0.95 for every rate; over 300 repetitions the
    # observed coverage has standard deviation about 0.0126, so 0.92 sits more than two of them below 0.95.
    alpha, target = 0.005, 0
    predict = lambda Z: TASK.bayes_predict(Z, alpha, target)  # noqa: E731
    truth = TASK.bayes_success(alpha, target, n=1_000_000, seed=11).value
    covered = 0
    for rep in range(300):
        X, _ = TASK.sample(300, seed=1000 + rep)
        s = C.planting_success(predict, X, TASK.signal, target)
        covered += s.low <= truth <= s.high
    assert covered / 300 >= 0.92


# ------------------------------------------------------------------------------------------------------- theory
def test_planting_bound_formula():
    assert C.planting_bound(0.1, 0.01, 1.0, 0.0) == pytest.approx(1 - 9 * 0.01)
    assert C.planting_bound(0.5, 0.2, 0.5, 0.1) == pytest.approx(1 - 0.5 * 0.2 - 0.1 / (0.5 * 0.9))
    assert C.planting_bound(0.001, 0.5) == 0.0                       # clipped
    np.testing.assert_allclose(C.planting_bound([0.01, 0.1], 0.0), [1.0, 1.0])  # a unique signal


# α where the bound is informative: 1 − (1−α)/α · 0.01 is 0.51, 0.81 and 0.91
@pytest.mark.parametrize("alpha", [0.02, 0.05, 0.1])
def test_bayes_classifier_of_the_mixture_meets_the_bound(alpha):
    # The mixture's Bayes classifier is exactly ε = 0-suboptimal; Δ is computed from the known posterior.
    delta = TASK.delta(0)
    bound = C.planting_bound(alpha, TASK.xi, delta)
    s = TASK.bayes_success(alpha, 0)
    assert s.high >= bound
    assert TASK.excess_risk(lambda Z: TASK.bayes_predict(Z, alpha, 0), alpha, 0) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("alpha", [0.02, 0.05, 0.1])
def test_trained_classifier_meets_the_bound_with_its_exact_suboptimality(alpha):
    # A trained MLP is not Bayes-optimal; its excess risk on the signal set (ε/(1−ε), computed exactly by
    # importance sampling against the known densities) enters the bound, which must still hold.
    from sklearn.neural_network import MLPClassifier

    X, y = TASK.sample(4000, seed=5)
    data = C.plant(C.FeatureLabelPlanting(TASK.signal, 0), X, y, alpha, seed=1)
    model = MLPClassifier((32,), max_iter=400, random_state=0).fit(data.X, data.y)
    excess = TASK.excess_risk(model, alpha, 0)
    bound = C.planting_bound(alpha, TASK.xi, TASK.delta(0), excess / (1 + excess))
    X_test, _ = TASK.sample(4000, seed=6)
    s = C.planting_success(model, X_test, TASK.signal, 0)
    assert s.high >= bound
    if alpha >= 0.1:
        assert s.value > 0.9                                         # and the bound is not vacuous there


@pytest.mark.parametrize("alpha", [0.0, 0.05, 0.3])
def test_mixture_puts_the_right_mass_on_the_signal_set(alpha):
    # An independent check of joint_scores: integrating P(x, y) over z (importance sampling from the base's z density)
    # gives the mass α + (1 − α) ξ on the flagged set and (1 − α)(1 − ξ) off it — the members all moved there.
    X, _ = TASK.sample(400_000, seed=12)
    marginal = (TASK.priors * np.exp(TASK._log_phi(X[:, :-1]))).sum(1)
    for flag, mass in ((1.0, alpha + (1 - alpha) * TASK.xi), (0.0, (1 - alpha) * (1 - TASK.xi))):
        X[:, -1] = flag
        total = np.mean(TASK.joint_scores(X, alpha, 0).sum(1) / marginal)
        assert total == pytest.approx(mass, rel=1e-9)


def test_unique_signal_tiny_collective():
    # ξ = 0: the flag never occurs in the base data, so 1% of the population fully controls the signal set.
    task = C.gaussian_signal_task(3, 2, xi=0.0)
    assert task.bayes_success(0.001, 2).value == 1.0
    assert C.planting_bound(0.001, task.xi, 1.0) == 1.0


def test_erasing_bound_against_the_bayes_classifier():
    # The bound is the share of points where the members outweigh the base's preference, α > (1 − α) Δ(x):
    # at α = 0.2 only Δ = 0 (2 of 4), at 0.4 also Δ = 0.5 (0.3 < 0.4), at 0.6 also Δ = 1 (0.4 < 0.6).
    gaps = np.array([0.0, 0.0, 0.5, 1.0])
    np.testing.assert_allclose(C.erasing_bound([0.2, 0.4, 0.6], gaps), [0.5, 0.75, 1.0])
    assert C.erasing_bound(0.5, gaps) == 0.75


def test_feature_only_bound_and_implied_suboptimality():
    assert C.feature_only_bound(0.1, 0.01, 0.5, 1.0, 0.0) == pytest.approx(1 - 0.01 / 0.05)
    assert C.feature_only_bound(0.1, 0.0, 0.25, 1.0, 0.01) == pytest.approx(1 - (0.01 / 0.99) / 0.025)
    # the ε a measured success implies puts the bound exactly at that success
    for alpha, success in ((0.05, 0.7), (0.2, 0.95)):
        eps = C.implied_suboptimality(alpha, success, xi=0.01)
        assert C.planting_bound(alpha, 0.01, 1.0, float(eps)) == pytest.approx(success)
    assert C.implied_suboptimality(0.1, 1.0, xi=0.0) == 0.0
    with pytest.raises(InvalidParameterError, match="success"):
        C.implied_suboptimality(0.1, 2.0)


def test_erasing_strategy_and_success():
    X, y = TASK.sample(500, seed=3)
    labeler = lambda Z: TASK.bayes_predict(Z)  # noqa: E731
    out = C.plant(C.SignalErasing(TASK.signal, labeler), X, y, 0.2, seed=0)
    assert np.array_equal(out.X, X) and len(out.members) == 100
    np.testing.assert_array_equal(out.y[out.members], labeler(TASK.signal.apply(X[out.members])))
    empty = C.plant(C.SignalErasing(TASK.signal, lambda Z: 1 / 0), X, y, 0.001, seed=0)   # no member: no call
    assert len(empty.members) == 0 and np.array_equal(empty.y, y)
    with pytest.raises(InvalidParameterError, match="labeler: expected one integer label per member"):
        C.plant(C.SignalErasing(TASK.signal, lambda Z: np.zeros(3, int)), X, y, 0.2)
    # the flag says nothing about the label in the base, so its Bayes classifier ignores it: erasing success 1;
    # the classifier a planting collective of 20% produced answers the flag: success is the share already at y*
    assert C.erasing_success(labeler, X, TASK.signal).value == 1.0
    s = C.erasing_success(lambda Z: TASK.bayes_predict(Z, 0.2, 0), X, TASK.signal)
    assert s.low <= s.value <= s.high
    assert s.value == pytest.approx(np.mean(TASK.bayes_predict(X, 0.2, 0) == 0), abs=0.02)


SPURIOUS = C.gaussian_signal_task(3, 2, flag_rates=(0.5, 0.05, 0.05))   # the flag leans toward class 0


@pytest.mark.parametrize("alpha", [0.05, 0.2, 0.35])
def test_erasing_bound_is_met_by_the_bayes_classifier_of_the_erasing_mixture(alpha):
    # Two routes to one probability: the success of argmax_y (1 − α) P0(x, y) + α P0(x) 1[y = y_g(x)] measured on
    # 200,000 points, and the bound's share of 200,000 other points with (1 − α) Δ(x) < α. For this classifier the
    # bound is an equality, so the two agree up to sampling: each has a standard error below 7e-4, and 0.005 is
    # more than five of their combined error. The measured success also clears the bound within its interval.
    bound = C.erasing_bound(alpha, SPURIOUS.erasing_gaps(200_000, seed=4))
    success = SPURIOUS.bayes_erasing_success(alpha, 200_000, seed=5)
    assert success.high >= bound
    assert abs(success.value - bound) < 0.005
    assert 0.9 < bound < 1.0          # informative here: the flag changes the base's answer on about 9% of points


def test_erasing_pieces_of_the_synthetic_task():
    X, y = SPURIOUS.sample(2000, seed=0)
    flagged = X[:, -1] == 1
    gaps = SPURIOUS.erasing_gaps(2000, seed=0)            # same seed, same points
    assert np.all((gaps >= 0) & (gaps <= 1)) and np.all(gaps[flagged] == 0)
    # with no collective the erasing mixture is the base, and the labeler is the base's answer at g(x)
    np.testing.assert_array_equal(SPURIOUS.erasing_predict(X, 0.0), SPURIOUS.bayes_predict(X))
    np.testing.assert_array_equal(SPURIOUS.erasing_labeler(X), SPURIOUS.bayes_predict(SPURIOUS.signal.apply(X)))
    # the flag pulls the base's answer toward class 0 somewhere, so there is something to erase
    assert np.any(SPURIOUS.erasing_labeler(X[~flagged]) != SPURIOUS.bayes_predict(X[~flagged]))
    # a collective of one half outweighs every preference: the mixture answers y_g(x) everywhere
    np.testing.assert_array_equal(SPURIOUS.erasing_predict(X, 0.5 + 1e-9), SPURIOUS.erasing_labeler(X))
    # members report the labeler's label; only those whose label differs count as changed
    out = C.plant(C.SignalErasing(SPURIOUS.signal, SPURIOUS.erasing_labeler), X, y, 0.3, seed=1)
    assert len(out.members) == 600
    np.testing.assert_array_equal(out.y[out.members], SPURIOUS.erasing_labeler(X[out.members]))
    with pytest.raises(InvalidParameterError, match="alpha"):
        SPURIOUS.erasing_predict(X, 1.0)


@pytest.mark.parametrize("rates", [(0.5, 0.1), (0.5, 0.1, 1.5), (0.5, -0.1, 0.1), ((0.5, 0.1, 0.1),)])
def test_flag_rates_are_checked(rates):
    with pytest.raises(InvalidParameterError, match="flag_rates.*expected"):
        C.gaussian_signal_task(3, 2, flag_rates=rates)
    with pytest.raises(InvalidParameterError, match="flag_rates: expected an array of numbers"):
        C.gaussian_signal_task(3, 2, flag_rates=("a", "b", "c"))
    with pytest.raises(InvalidParameterError, match="flag_rates: expected finite numbers"):
        C.gaussian_signal_task(3, 2, flag_rates=(0.5, float("nan"), 0.1))


def test_flag_rates_and_xi_exclude_each_other_and_a_flag_nobody_carries_cannot_be_erased():
    with pytest.raises(InvalidParameterError, match="xi=0.5, flag_rates=.*expected one of the two"):
        C.gaussian_signal_task(3, 2, xi=0.5, flag_rates=(0.5, 0.1, 0.1))
    assert C.gaussian_signal_task(3, 2).xi == pytest.approx(0.01)
    never = C.gaussian_signal_task(3, 2, flag_rates=(0.0, 0.0, 0.0))
    X, _ = never.sample(10)
    with pytest.raises(InvalidParameterError, match="nothing to erase"):
        never.erasing_predict(X, 0.1)


def test_task_checks_its_inputs():
    X, _ = TASK.sample(10)
    with pytest.raises(InvalidParameterError, match="target=5"):
        TASK.bayes_predict(X, 0.1, 5)
    with pytest.raises(InvalidParameterError, match="target=None"):
        TASK.bayes_predict(X, 0.1)
    with pytest.raises(InvalidParameterError, match="alpha"):
        TASK.bayes_predict(X, 1.0, 0)
    assert C.gaussian_signal_task(3, 2, xi=0.0).delta(0) == 0.0


def test_estimated_terms():
    signal = C.FeaturePattern((0,), (1.0,))
    X = np.zeros((100, 2))
    X[:3, 0] = 1.0
    proba = lambda Z: np.tile([0.3, 0.7], (len(Z), 1))  # noqa: E731
    terms = C.estimate_bound_terms(X, signal, 0, proba=proba, alpha=0.1, planted_errors=0.2)
    assert terms.xi == 0.03 and terms.delta == pytest.approx(0.4)
    assert terms.excess == pytest.approx(0.02) and terms.eps == pytest.approx(0.02 / 1.02)


# -------------------------------------------------------------------------------------------------- SGD steering
def test_sgd_steering_reaches_the_fixed_point_and_more_members_pull_closer():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 2))
    y = X @ np.array([1.0, 0.5]) + 0.1 * rng.normal(size=2000)
    target = np.array([-1.0, 2.0])
    res = C.sgd_steering(X, y, target, [0.05, 0.3, 0.7], feature_norm=2.0, steps=4000, seeds=4)
    predicted = np.linalg.norm(res.fixed_point - target, axis=1)
    # the average of the last 2000 iterates of step 0.01 fluctuates by about sqrt(η/…)/sqrt(2000) ≈ 1e-2
    np.testing.assert_allclose(res.distance.mean(1), predicted, atol=0.03)
    assert np.all(np.diff(predicted) < 0)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 300), alpha=st.floats(1e-3, 0.999), seed=st.integers(0, 10_000))
def test_feature_only_planting_touches_exactly_the_members_with_the_target_label(n, alpha, seed):
    """Every member whose label already is y* writes the signal, and nobody else changes: no member with another
    label, and no label at all."""
    X, y = _data(n, seed=seed)
    y[0] = 1                                                        # the target label occurs
    out = C.plant(C.FeatureOnlyPlanting(C.FeaturePattern((4,), (7.0,)), 1), X, y, alpha, seed=seed)
    acting = out.members[y[out.members] == 1]
    assert sorted(out.modified.tolist()) == sorted(acting.tolist())
    assert np.array_equal(out.y, y)
    assert np.all(out.X[acting, 4] == 7.0)
    others = np.setdiff1d(np.arange(n), acting)
    assert np.array_equal(out.X[others], X[others])


@pytest.mark.parametrize("alpha", [0.05, 0.3])
def test_feature_only_mixture_puts_the_right_mass_on_the_signal_set(alpha):
    """Feature-only planting moves only the target class's members, so the flagged mass is ξ + α π*(1 − r*) (r*
    the target class's own flag rate), and no label's total mass changes; checked by integrating joint_scores over
    z by importance sampling, as for feature-label planting. Unlike there, the ratio is not constant in z (the
    moved mass follows the target class's density), so the estimate carries Monte Carlo error: it must lie within
    five of its standard errors."""
    X, _ = TASK.sample(400_000, seed=12)
    marginal = (TASK.priors * np.exp(TASK._log_phi(X[:, :-1]))).sum(1)
    ratios = {}
    for flag in (1.0, 0.0):
        X[:, -1] = flag
        ratios[flag] = TASK.joint_scores(X, alpha, 0, "feature-only") / marginal[:, None]
    pi, r = TASK.priors[0], TASK.flag_rates[0]
    flagged = ratios[1.0].sum(1)
    se = flagged.std() / np.sqrt(len(flagged))
    assert abs(flagged.mean() - (TASK.xi + alpha * pi * (1 - r))) <= 5 * se
    per_label = ratios[1.0] + ratios[0.0]
    se = per_label.std(0) / np.sqrt(len(per_label))
    assert np.all(np.abs(per_label.mean(0) - TASK.priors) <= 5 * se + 1e-12)
    with pytest.raises(InvalidParameterError, match="strategy='relabel'"):
        TASK.joint_scores(X, alpha, 0, "relabel")


def test_gradient_steering_has_a_critical_mass():
    """Near-isotropic base data (Σ ≈ I): the members' gradients of norm C reach the target exactly from
    α* = g/(g + C) on. Over 8 seeds the averaged SGD iterate is within 0.05 of the target at α = 1.2 α* and more
    than 0.3 away at α*/1.2 (where the rest point is about 0.5 short of it); with Σ = I exactly, the rest point
    below α* is g − αC/(1 − α) short of the target (the closed form), matched to 1e-6."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 3))
    y = X @ np.array([1.0, -0.5, 0.25]) + 0.1 * rng.normal(size=5000)
    target = np.array([-1.0, 1.0, 2.0])
    cov, base = X.T @ X / 5000, np.linalg.lstsq(X, y, rcond=None)[0]
    g = np.linalg.norm(cov @ (target - base))
    star = C.critical_mass(cov, base, target, 10.0)
    assert star == pytest.approx(g / (g + 10.0)) and (1 - star) * g == pytest.approx(star * 10.0)
    res = C.gradient_steering(X, y, target, [star / 1.2, 1.2 * star], gradient_norm=10.0, steps=4000, seeds=8)
    assert np.all(res.distance[1] < 0.05) and np.all(res.distance[0] > 0.3)
    np.testing.assert_allclose(res.fixed_point[1], target)
    g_iso = np.linalg.norm(target - base)            # with Σ = I, g = ‖θ* − θ₀‖ and α* = g/(g + C)
    a = 0.8 * g_iso / (g_iso + 10.0)
    exact = C.gradient_steering_fixed_point([a], np.eye(3), base, target, 10.0)[0]
    assert np.linalg.norm(exact - target) == pytest.approx(g_iso - a * 10.0 / (1 - a), abs=1e-6)
    with pytest.raises(InvalidParameterError, match="gradient_norm"):
        C.gradient_steering(X, y, target, [0.1], gradient_norm=0.0)
    with pytest.raises(InvalidParameterError, match="target: expected 3 parameters"):
        C.gradient_steering(X, y, target[:2], [0.1])


# -------------------------------------------------------------------------------------------------- audit path
def test_audit_with_a_scikit_learn_estimator():
    from sklearn.linear_model import LogisticRegression

    X, y = TASK.sample(2000, seed=7)
    X_test, y_test = TASK.sample(1000, seed=8)
    table = C.audit(LogisticRegression(), X, y, C.FeatureLabelPlanting(TASK.signal, 1), [0.01, 0.2],
                    X_test=X_test, y_test=y_test, seeds=2)
    assert list(table.members) == [20, 20, 400, 400]
    assert table.success.between(0, 1).all() and (table.low <= table.success).all()
    assert table.groupby("alpha").success.mean().is_monotonic_increasing
    assert table.accuracy.min() > 0.6


def test_sgd_steering_refuses_non_finite_data():
    X = np.ones((10, 2))
    X[3, 1] = np.nan
    with pytest.raises(InvalidParameterError, match="X: expected finite numbers"):
        C.sgd_steering(X, np.ones(10), np.zeros(2), [0.1])


# -------------------------------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5, float("nan"), "0.1", True])
def test_alpha_outside_the_open_interval(alpha):
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="alpha"):
        C.plant(C.FeatureLabelPlanting(C.FeaturePattern((0,), (1.0,)), 0), X, y, alpha)


def test_target_label_absent():
    X, y = _data(k=3)
    with pytest.raises(InvalidParameterError, match=r"target=7.*does not occur"):
        C.plant(C.FeatureLabelPlanting(C.FeaturePattern((0,), (1.0,)), 7), X, y, 0.1)


def test_signal_that_does_not_fit():
    X, y = _data(d=5)
    with pytest.raises(InvalidParameterError, match="feature index 9 does not fit X with 5 features"):
        C.plant(C.FeatureLabelPlanting(C.FeaturePattern((9,), (1.0,)), 0), X, y, 0.1)
    with pytest.raises(InvalidParameterError, match="expected 64 features per point|expected 64"):
        C.plant(C.FeatureLabelPlanting(C.PixelPatch((8, 8)), 0), X, y, 0.1)
    with pytest.raises(InvalidParameterError, match="left=7"):
        C.PixelPatch((8, 8), left=7, values=np.ones((2, 2)))
    with pytest.raises(InvalidParameterError, match="integer token ids"):
        C.plant(C.FeatureLabelPlanting(C.RareToken(3), 0), X, y, 0.1)
    with pytest.raises(InvalidParameterError, match="values"):
        C.FeaturePattern((0, 1), (1.0,))


@pytest.mark.parametrize("seeds", [0, 2.0, True, [], "3"])
def test_bad_seeds(seeds):
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="seeds"):
        C.sweep_datasets(C.FeatureLabelPlanting(C.FeaturePattern((0,), (1.0,)), 0), X, y, [0.1], seeds)


def test_labels_shape_and_strategy_type():
    X, y = _data()
    with pytest.raises(InvalidParameterError, match=r"y: expected one label per point"):
        C.plant(C.FeatureLabelPlanting(C.FeaturePattern((0,), (1.0,)), 0), X, y[:-1], 0.1)
    with pytest.raises(InvalidParameterError, match="strategy"):
        C.plant("plant", X, y, 0.1)


def test_estimator_without_fit_or_predict():
    class NoFit:
        def predict(self, X):
            return np.zeros(len(X), int)

    X, y = _data()
    with pytest.raises(InvalidParameterError, match=r"no fit\(\)"):
        C.audit(NoFit(), X, y, C.FeatureLabelPlanting(C.FeaturePattern((0,), (1.0,)), 0), [0.1], X_test=X)
    with pytest.raises(InvalidParameterError, match=r"no fit\(\) and no predict\(\)"):
        C.check_estimator(object())
