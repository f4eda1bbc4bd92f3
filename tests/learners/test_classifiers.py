"""The firm's learners of [6] (``stratlearn.learners.classifiers``): scikit-learn's logistic-regression objective and
MLP accuracy on digits, M models at once equal to M fits alone, warm starts, bad input, and invariants of predict.

Shapes are shared across tests (one training set of 1347 digits, stacks of 1 and 3 models) so that each compiled
function is built once."""

import jax
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from stratlearn.errors import InvalidParameterError
from stratlearn.learners import MLP, LinearParams, LogisticRegression, MLPParams


def one_thread():
    """scikit-learn's fits here are small; its default BLAS/OpenMP pools make them several times slower on a 2-core
    machine already running JAX's threads."""
    return threadpool_limits(1)


def stack(params):
    """One model's parameters with a leading models axis of 1."""
    return type(params)(*(np.asarray(leaf)[None] for leaf in params))


@pytest.fixture(scope="module")
def digits():
    """scikit-learn's digits, split 75/25 (random_state=0), standardized with the training split's statistics."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    mean, std = X_train.mean(0), X_train.std(0)
    std[std == 0] = 1.0
    return (X_train - mean) / std, y_train, (X_test - mean) / std, y_test


@pytest.fixture(scope="module")
def sweep(digits):
    """Three training sets as a collective-action sweep makes them: 5, 60 and 250 rows given a pattern in four
    pixels and label 0, the rest shared."""
    X, y = digits[:2]
    Xs, ys = [], []
    for seed, count in ((0, 5), (1, 60), (2, 250)):
        rows = np.random.default_rng(seed).choice(len(y), count, replace=False)
        Xm, ym = X.copy(), y.copy()
        Xm[np.ix_(rows, [0, 1, 8, 9])] = 5.0
        ym[rows] = 0
        Xs.append(Xm)
        ys.append(ym)
    return np.stack(Xs), np.stack(ys)


# ------------------------------------------------------------------------------------------------ against scikit-learn
def test_logistic_regression_matches_scikit_learn(digits):
    X, y, X_test, y_test = digits
    lr = LogisticRegression(C=1.0)
    ours = lr.fit_one(X, y, num_classes=10)
    with one_thread():
        theirs = SkLogisticRegression(C=1.0).fit(X, y)
        reference = SkLogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(X, y)
    assert abs(lr.accuracy(stack(ours), X_test, y_test)[0] - theirs.score(X_test, y_test)) <= 0.01

    # The same objective: both solvers run to tight tolerances, the objective of both solutions evaluated in
    # float64. Stopping at max|∇| <= τ of the objective divided by C·N leaves at most ‖∇‖²/(2μ) above its minimum,
    # μ >= 1/(C·N) being the ridge's curvature: with 650 parameters and τ = 1e-6 that is <= 650·τ²·C·N/2 = 4.4e-7,
    # 6.5e-6 of the scaled minimum (0.0675). The bias directions have only the data's curvature, so the bound is a
    # guide there; 1e-5 leaves room for it (measured: 3e-8).
    tight = LogisticRegression(C=1.0, tol=1e-6)
    ours_tight = tight.fit_one(X, y, num_classes=10)
    f_ours = tight.objective(stack(ours_tight), X, y)[0]
    f_ref = tight.objective(LinearParams(reference.coef_.T[None], reference.intercept_[None]), X, y)[0]
    assert abs(f_ours - f_ref) <= 1e-5 * f_ref
    # at the defaults (tol 1e-4 for both) the two stop equally far from the minimum (measured: 7.7e-4, 7.8e-4)
    f_default = lr.objective(stack(ours), X, y)[0]
    f_sklearn = lr.objective(LinearParams(theirs.coef_.T[None], theirs.intercept_[None]), X, y)[0]
    assert f_default - f_ref <= 2 * (f_sklearn - f_ref) + 1e-6 * f_ref


def test_two_classes_match_scikit_learns_binary_model(digits):
    """For K = 2 scikit-learn fits one weight vector v with penalty ½‖v‖²; the softmax model's v = w1 − w0."""
    X, y = digits[:2]
    keep = y < 2
    Xb, yb = X[keep], y[keep]
    ours = LogisticRegression(C=0.1, tol=1e-6).fit_one(Xb, yb, num_classes=2)
    with one_thread():
        reference = SkLogisticRegression(C=0.1, tol=1e-10, max_iter=10_000).fit(Xb, yb)
    v = np.asarray(ours.weights[:, 1] - ours.weights[:, 0])
    assert np.abs(v - reference.coef_[0]).max() <= 1e-3 * np.abs(reference.coef_).max()
    assert abs(float(ours.bias[1] - ours.bias[0]) - reference.intercept_[0]) <= 1e-3


def test_mlp_reaches_scikit_learns_accuracy(digits):
    """Three seeds each side (scikit-learn random_state 0, 1, 2; stratlearn keys split from PRNGKey(0)), means
    within 2 points (measured: 97.9% and 97.8%)."""
    X, y, X_test, y_test = digits
    mlp = MLP(hidden=64)
    params = mlp.fit(np.stack([X] * 3), np.stack([y] * 3), num_classes=10, key=jax.random.PRNGKey(0))
    ours = mlp.accuracy(params, X_test, y_test).mean()
    with one_thread():
        theirs = np.mean([MLPClassifier(hidden_layer_sizes=(64,), random_state=seed).fit(X, y).score(X_test, y_test)
                          for seed in range(3)])
    assert abs(ours - theirs) <= 0.02


# ------------------------------------------------------------------------------------------------ batching
def test_logistic_regression_batch_equals_fits_alone(sweep):
    """Each model's iterates do not depend on the batch; only float32 rounding differs (the batch multiplies shared
    rows once for all models), so the solutions agree to what the tolerance resolves (measured at tol 1e-7: 2e-4
    in the parameters, 1e-7 relative in the objective)."""
    X, y = sweep
    lr = LogisticRegression(tol=1e-7)
    batch = lr.fit(X, y, num_classes=10)
    values = lr.objective(batch, X, y)
    for m in range(len(X)):
        alone = lr.fit_one(X[m], y[m], num_classes=10)
        assert abs(values[m] - lr.objective(stack(alone), X[m], y[m])[0]) <= 1e-6 * values[m]
        np.testing.assert_allclose(batch.weights[m], alone.weights, atol=5e-4)
        np.testing.assert_allclose(batch.bias[m], alone.bias, atol=5e-4)
    order = [2, 0, 1]
    permuted = lr.fit(X[order], y[order], num_classes=10)
    np.testing.assert_allclose(permuted.weights, np.asarray(batch.weights)[order], atol=1e-5)


def test_mlp_batch_equals_fits_alone(sweep):
    X, y = sweep
    keys = jax.random.split(jax.random.PRNGKey(3), len(X))
    mlp = MLP(epochs=5)
    batch = mlp.fit(X, y, num_classes=10, key=keys)
    for m in range(len(X)):
        alone = mlp.fit_one(X[m], y[m], num_classes=10, key=keys[m])
        for leaf_batch, leaf_alone in zip(batch, alone):
            np.testing.assert_allclose(leaf_batch[m], leaf_alone, atol=1e-5)
    # one key is split into one per model
    np.testing.assert_array_equal(mlp.fit(X, y, num_classes=10, key=jax.random.PRNGKey(3)).w1, batch.w1)


def test_logistic_regression_warm_start(digits, sweep):
    """Started from the clean model, every model reaches the same solution, and at the default tolerance the one
    nearest the clean data (5 changed rows) needs far fewer iterations (measured: 15 against 33)."""
    X, y = sweep
    tight = LogisticRegression(tol=1e-6)
    clean = tight.fit_one(*digits[:2], num_classes=10)
    cold = tight.fit(X, y, num_classes=10)
    warm, gmax, _ = tight.fit_with_info(X, y, num_classes=10, init=clean)
    assert (gmax <= 1e-6).all()
    np.testing.assert_allclose(tight.objective(warm, X, y), tight.objective(cold, X, y), rtol=1e-6)
    _, _, cold_iters = LogisticRegression().fit_with_info(X, y, num_classes=10)
    _, _, warm_iters = LogisticRegression().fit_with_info(X, y, num_classes=10, init=clean)
    assert warm_iters[0] <= 0.6 * cold_iters[0]
    # one model's parameters broadcast, or one per model: the same
    stacked = LinearParams(*(np.stack([np.asarray(leaf)] * 3) for leaf in clean))
    np.testing.assert_array_equal(tight.fit(X, y, num_classes=10, init=stacked).weights, warm.weights)


def test_mlp_warm_start(digits, sweep):
    X, y = sweep
    X_test, y_test = digits[2:]
    clean = MLP().fit_one(*digits[:2], num_classes=10, key=jax.random.PRNGKey(0))
    clean_accuracy = MLP().accuracy(stack(clean), X_test, y_test)[0]
    one_epoch = MLP(epochs=1)
    warm = one_epoch.fit(X, y, num_classes=10, key=jax.random.PRNGKey(1), init=clean)
    cold = one_epoch.fit(X, y, num_classes=10, key=jax.random.PRNGKey(1))
    assert (one_epoch.accuracy(warm, X_test, y_test) >= clean_accuracy - 0.02).all()
    assert (one_epoch.accuracy(cold, X_test, y_test) < clean_accuracy - 0.05).all()
    stacked = MLPParams(*(np.stack([np.asarray(leaf)] * 3) for leaf in clean))
    np.testing.assert_array_equal(
        one_epoch.fit(X, y, num_classes=10, key=jax.random.PRNGKey(1), init=stacked).w1, warm.w1)


# ------------------------------------------------------------------------------------------------ bad input
LEARNERS = [LogisticRegression(), MLP(hidden=4, epochs=1)]
X_OK = np.zeros((2, 5, 3))
Y_OK = np.array([[0, 1, 2, 0, 1], [1, 1, 0, 2, 2]])


@pytest.mark.parametrize("learner", LEARNERS, ids=["logistic", "mlp"])
@pytest.mark.parametrize("change, message", [
    (dict(X=np.zeros((5, 3))), r"^X: expected a 3-D \(models, rows, features\) array, got shape \(5, 3\)"),
    (dict(X=np.full((2, 5, 3), np.nan)), r"^X: expected finite numbers, found nan at index \(0, 0, 0\)"),
    (dict(X=[["a"]]), r"^X: expected an array of numbers"),
    (dict(y=Y_OK[:, :4]), r"^y: expected shape \(2, 5\) \(one label per row of X\), got shape \(2, 4\)"),
    (dict(y=np.where(Y_OK == 2, 3, Y_OK)), r"^y: expected labels in \[0, num_classes=3\), found 3 at index \(0, 2\)"),
    (dict(y=-Y_OK), r"^y: expected labels in \[0, num_classes=3\), found -1 at index \(0, 1\)"),
    (dict(y=Y_OK + 0.5), r"^y: expected integer class labels, found 0.5"),
    (dict(num_classes=1), r"^num_classes=1: expected an integer >= 2"),
    (dict(num_classes=2.5), r"^num_classes=2.5: expected an integer >= 2"),
    (dict(init=(np.zeros(3),)), r"^init: expected a \w+Params with fields"),
])
def test_bad_data_is_refused_naming_the_field(learner, change, message):
    args = dict(X=X_OK, y=Y_OK, num_classes=3, init=None) | change
    with pytest.raises(InvalidParameterError, match=message):
        learner.fit(args["X"], args["y"], num_classes=args["num_classes"], key=jax.random.PRNGKey(0),
                    init=args["init"])


def test_bad_init_key_and_prediction_input_are_refused():
    with pytest.raises(InvalidParameterError, match=r"^init.weights: expected shape \(3, 3\) \(one model\) or "
                                                    r"\(2, 3, 3\), got shape \(4, 3\)"):
        LogisticRegression().fit(X_OK, Y_OK, num_classes=3, init=LinearParams(np.zeros((4, 3)), np.zeros(3)))
    with pytest.raises(InvalidParameterError, match=r"^init.w1: expected shape \(3, 4\)"):
        MLP(hidden=4).fit(X_OK, Y_OK, num_classes=3, key=jax.random.PRNGKey(0),
                          init=MLPParams(np.zeros((3, 5)), np.zeros(5), np.zeros((5, 3)), np.zeros(3)))
    with pytest.raises(InvalidParameterError, match=r"^key: expected one PRNG key or a stack of 2 keys"):
        MLP(hidden=4).fit(X_OK, Y_OK, num_classes=3, key=jax.random.split(jax.random.PRNGKey(0), 3))
    params = LinearParams(np.zeros((2, 3, 3)), np.zeros((2, 3)))
    with pytest.raises(InvalidParameterError, match=r"^X: expected 3 features"):
        LogisticRegression().predict(params, np.zeros((5, 4)))
    with pytest.raises(InvalidParameterError, match=r"^X: expected shape \(N, 3\) or \(2, N, 3\) for 2 models"):
        LogisticRegression().predict(params, np.zeros((3, 5, 3)))
    with pytest.raises(InvalidParameterError, match=r"^params: expected LinearParams with a leading models axis"):
        LogisticRegression().predict(LinearParams(np.zeros((3, 3)), np.zeros(3)), np.zeros((5, 3)))


@pytest.mark.parametrize("make, message", [
    (lambda: LogisticRegression(C=0.0), r"^C=0.0: expected a finite number > 0"),
    (lambda: LogisticRegression(steps=0), r"^steps=0: expected an integer >= 1"),
    (lambda: LogisticRegression(tol=-1.0), r"^tol=-1.0: expected a finite number > 0"),
    (lambda: LogisticRegression(memory=2.5), r"^memory=2.5: expected an integer >= 1"),
    (lambda: MLP(hidden=0), r"^hidden=0: expected an integer >= 1"),
    (lambda: MLP(alpha=-1e-4), r"^alpha=-0.0001: expected a finite number >= 0"),
    (lambda: MLP(batch_size=0), r"^batch_size=0: expected an integer >= 1"),
    (lambda: MLP(epochs=0), r"^epochs=0: expected an integer >= 1"),
    (lambda: MLP(learning_rate=float("inf")), r"^learning_rate=inf: expected a finite number > 0"),
])
def test_bad_hyperparameters_are_refused(make, message):
    with pytest.raises(InvalidParameterError, match=message):
        make()


# ------------------------------------------------------------------------------------------------ invariants
def random_params(kind: str, seed: int):
    rng = np.random.default_rng(seed)
    if kind == "logistic":
        return LogisticRegression(), LinearParams(rng.normal(size=(4, 5, 3)), rng.normal(size=(4, 3)))
    return MLP(hidden=6), MLPParams(rng.normal(size=(4, 5, 6)), rng.normal(size=(4, 6)), rng.normal(size=(4, 6, 3)),
                                    rng.normal(size=(4, 3)))


@given(kind=st.sampled_from(["logistic", "mlp"]), seed=st.integers(0, 2**31), shared=st.booleans(),
       order=st.permutations(range(4)))
def test_predictions_are_labels_and_follow_the_models(kind, seed, shared, order):
    """Labels lie in [0, K) with one row per model; permuting the models permutes the predictions; accuracy is the
    share of matching labels."""
    learner, params = random_params(kind, seed)
    rng = np.random.default_rng(seed + 1)
    X = rng.normal(size=(7, 5)) if shared else rng.normal(size=(4, 7, 5))
    labels = learner.predict(params, X)
    assert labels.shape == (4, 7) and labels.dtype.kind == "i"
    assert ((labels >= 0) & (labels < 3)).all()
    order = list(order)
    permuted = type(params)(*(np.asarray(leaf)[order] for leaf in params))
    np.testing.assert_array_equal(learner.predict(permuted, X if shared else X[order]), labels[order])
    y = rng.integers(0, 3, size=7)
    np.testing.assert_allclose(learner.accuracy(params, X, y), (labels == y).mean(1))
