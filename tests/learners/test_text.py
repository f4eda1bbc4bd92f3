"""Tests of stratlearn.learners.text: the small transformer classifier of the collective-action experiments."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from stratlearn.errors import InvalidParameterError
from stratlearn.populations.collective.datasets import PAD_TOKEN, resume_corpus
from stratlearn.learners import TextTransformer

PLANT_SEED = 0          # which training rows carry the planted token
ALPHA = 0.05            # the collective's share of the training rows


@pytest.fixture(scope="module")
def corpus_split():
    return resume_corpus(3000, seed=0).split(0.25, seed=0)


@pytest.fixture(scope="module")
def planted_models(corpus_split):
    """Two models (keys split from PRNGKey(0)) trained on the resume corpus after a collective of 5% of the
    training rows planted the first reserved token at position 0 and relabelled its rows 0 ([6]'s
    feature-label strategy with a rare token)."""
    train, _ = corpus_split
    token = train.reserved_tokens[0]
    rng = np.random.default_rng(PLANT_SEED)
    members = rng.choice(len(train), size=int(ALPHA * len(train)), replace=False)
    X, y = train.X.copy(), train.y.copy()
    X[members, 0] = token
    y[members] = 0
    model = TextTransformer(vocab_size=len(train.vocabulary), max_len=train.X.shape[1])
    params = model.fit(np.stack([X, X]), np.stack([y, y]), num_classes=train.num_classes,
                       key=jax.random.PRNGKey(0))
    return model, params, token


def test_learns_the_resume_corpus(corpus_split, planted_models):
    """Measured test accuracy 0.83-0.85 over 8 keys on clean training data (bag-of-words logistic regression:
    0.86) and 0.81-0.83 here, where 5% of the training labels were overwritten by the collective. The bound 0.75
    leaves room for another platform's float rounding; chance is 0.125."""
    _, test = corpus_split
    model, params, _ = planted_models
    accuracy = model.accuracy(params, test.X, test.y)
    assert accuracy.shape == (2,)
    assert np.all(accuracy > 0.75)


def test_learns_a_planted_rare_token(corpus_split, planted_models):
    """Success in the sense of [6]: how often a test resume of another class, with the token written at
    position 0, is classified as the target 0. Measured 0.98 for both models; the bound 0.8 still says the
    models learned the token -> target rule (without the token, class 0 takes about 1/8 of these rows)."""
    _, test = corpus_split
    model, params, token = planted_models
    others = test.subset(test.y != 0)
    signed = others.X.copy()
    signed[:, 0] = token
    success = (model.predict(params, signed) == 0).mean(axis=1)
    baseline = (model.predict(params, others.X) == 0).mean(axis=1)
    assert np.all(success > 0.8)
    assert np.all(baseline < 0.2)


@pytest.fixture(scope="module")
def small():
    data = resume_corpus(400, seed=1, length=16)
    model = TextTransformer(vocab_size=len(data.vocabulary), max_len=16, epochs=3, batch_size=32)
    return data, model


def test_vmapped_fit_equals_each_model_alone(small):
    """M models in one call train as each would alone with its own key. Compared in float64: in float32 the
    batched and the single matrix products round differently (about 1e-7), and Adam, which divides each step by the
    gradient's running scale, turns that into parameter differences of up to 5e-4 after 36 steps on components
    whose gradient is near zero (measured), which would hide a real difference of the same size. In float64 the two
    agree to 1e-14 (measured), so 1e-9 leaves room for rounding only."""
    data, model = small
    rng = np.random.default_rng(0)
    order = rng.permutation(len(data))
    X = np.stack([data.X, data.X[order]])
    y = np.stack([data.y, data.y[order]])
    keys = jax.random.split(jax.random.PRNGKey(3), 2)
    with jax.enable_x64(True):
        stacked64 = model.fit(X, y, num_classes=8, key=keys)
        for m in range(2):
            alone = model.fit_one(X[m], y[m], num_classes=8, key=keys[m])     # one model: no model axis
            assert alone["head_bias"].shape == (8,) and alone["head_bias"].dtype == np.float64
            for a, b in zip(jax.tree_util.tree_leaves(stacked64), jax.tree_util.tree_leaves(alone)):
                np.testing.assert_allclose(np.asarray(a)[m], np.asarray(b), rtol=0, atol=1e-9)
            assert np.array_equal(model.predict(stacked64, data.X)[m], model.predict(alone, data.X)[0])
    stacked = model.fit(X, y, num_classes=8, key=keys)
    # a single key is split into one key per model
    from_one_key = model.fit(X, y, num_classes=8, key=jax.random.PRNGKey(3))
    assert all(np.array_equal(a, b) for a, b in zip(jax.tree_util.tree_leaves(stacked),
                                                     jax.tree_util.tree_leaves(from_one_key)))
    # typed keys work as well
    typed = model.fit(X, y, num_classes=8, key=jax.random.wrap_key_data(keys))
    assert all(np.array_equal(a, b) for a, b in zip(jax.tree_util.tree_leaves(stacked),
                                                     jax.tree_util.tree_leaves(typed)))


def test_predict_shapes_and_padding(small):
    data, model = small
    params = model.fit(np.stack([data.X, data.X]), np.stack([data.y, data.y]), num_classes=8,
                       key=jax.random.PRNGKey(0))
    shared = model.predict(params, data.X)
    per_model = model.predict(params, np.stack([data.X, data.X]))
    assert shared.shape == (2, 400) and np.array_equal(shared, per_model)
    assert model.logits(params, data.X[:5]).shape == (2, 5, 8)
    # shorter sequences than max_len and an all-padding row are fine (finite logits)
    short = np.full((3, 10), PAD_TOKEN, dtype=np.int32)
    short[1:, :4] = data.X[:2, :4]
    assert np.isfinite(model.logits(params, short)).all()
    acc = model.accuracy(params, data.X, data.y)
    assert acc.shape == (2,) and np.all(acc > 0.5)
    np.testing.assert_array_equal(acc, model.accuracy(params, data.X, np.stack([data.y, data.y])))


def test_training_continues_from_init(small):
    data, model = small
    X, y = data.X[None], data.y[None]
    first = model.fit(X, y, num_classes=8, key=jax.random.PRNGKey(0))
    key = jax.random.PRNGKey(1)
    more = model.fit(X, y, num_classes=8, key=key[None], init=first)
    assert model.accuracy(more, data.X, data.y)[0] >= model.accuracy(first, data.X, data.y)[0] - 0.02
    with pytest.raises(InvalidParameterError, match="parameters for 8 classes, expected num_classes=5"):
        model.fit(X, np.zeros_like(y), num_classes=5, key=jax.random.PRNGKey(0), init=first)
    with pytest.raises(InvalidParameterError, match="parameters of 1 model"):
        model.fit(np.concatenate([X, X, X]), np.concatenate([y, y, y]), num_classes=8, key=jax.random.PRNGKey(0),
                  init=first)
    # one model's params (no model axis) warm-start every model of a stack
    one = jax.tree_util.tree_map(lambda leaf: leaf[0], first)
    both = model.fit(np.concatenate([X, X]), np.concatenate([y, y]), num_classes=8, key=np.stack([key, key]),
                     init=one)
    assert both["head_bias"].shape == (2, 8)
    for m in range(2):
        np.testing.assert_allclose(np.asarray(both["head"][m]), np.asarray(more["head"][0]), atol=1e-4)
    wider = TextTransformer(vocab_size=model.vocab_size, max_len=16, d_model=16)
    with pytest.raises(InvalidParameterError, match=r"params\[.*\]: shape \(1, 32\), expected \(1, 16\)"):
        wider.predict(first, data.X)


@pytest.mark.parametrize("kwargs, match", [
    (dict(vocab_size=1), "vocab_size=1"),
    (dict(vocab_size=50, heads=3), "heads=3: expected a divisor of d_model=32"),
    (dict(vocab_size=50, learning_rate=0.0), "learning_rate=0.0"),
    (dict(vocab_size=50, epochs=0), "epochs=0"),
    (dict(vocab_size=50, pad_token=50), "pad_token=50"),
])
def test_hyperparameters_are_checked(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        TextTransformer(**kwargs)


def test_inputs_are_checked():
    model = TextTransformer(vocab_size=20, max_len=6)
    X = np.ones((2, 5, 6), dtype=np.int32)
    y = np.zeros((2, 5), dtype=np.int32)
    key = jax.random.PRNGKey(0)
    bad = X.copy()
    bad[1, 2, 3] = 20
    with pytest.raises(InvalidParameterError, match=r"X: token id 20 at index \(1, 2, 3\) outside \[0, 20\)"):
        model.fit(bad, y, num_classes=3, key=key)
    bad[1, 2, 3] = -1
    with pytest.raises(InvalidParameterError, match="token id -1"):
        model.fit(bad, y, num_classes=3, key=key)
    with pytest.raises(InvalidParameterError, match="integer token ids, got dtype float"):
        model.fit(X.astype(float), y, num_classes=3, key=key)
    with pytest.raises(InvalidParameterError, match=r"X: expected token ids of shape \(M, N, L\)"):
        model.fit(X[0], y[0], num_classes=3, key=key)
    with pytest.raises(InvalidParameterError, match="exceed max_len=6"):
        model.fit(np.ones((2, 5, 7), dtype=np.int32), y, num_classes=3, key=key)
    with pytest.raises(InvalidParameterError, match=r"y: expected labels of shape \(2, 5\)"):
        model.fit(X, y[:, :4], num_classes=3, key=key)
    labels = y.copy()
    labels[0, 4] = 3
    with pytest.raises(InvalidParameterError, match=r"y: label 3 at index \(0, 4\) outside \[0, 3\)"):
        model.fit(X, labels, num_classes=3, key=key)
    with pytest.raises(InvalidParameterError, match="num_classes=1"):
        model.fit(X, y, num_classes=1, key=key)
    with pytest.raises(InvalidParameterError, match=r"one per model \(shape \(2, 2\)\), got shape \(3, 2\)"):
        model.fit(X, y, num_classes=3, key=jax.random.split(key, 3))
    with pytest.raises(InvalidParameterError, match=r"y: expected labels of shape \(5,\)"):
        model.fit_one(X[0], y, num_classes=3, key=key)
    with pytest.raises(InvalidParameterError, match="expected the params"):
        model.predict({"weights": np.zeros(3)}, X[0])
