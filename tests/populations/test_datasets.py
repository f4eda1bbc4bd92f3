"""Tests of stratlearn.populations.collective.datasets: bundled, generated and user-supplied classification data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from stratlearn.errors import ConfigError, InvalidParameterError
from stratlearn.populations.collective import datasets as ds
from stratlearn.populations.collective.datasets import (PAD_TOKEN, DataFileError, Dataset, breast_cancer, decode, digits,
                                             load_table, mnist1d, resume_corpus)

pytest.importorskip("sklearn")


# ----------------------------------------------------------------------------------------------------------------
# the Dataset container and its split


def test_digits_and_breast_cancer_shapes():
    d = digits()
    assert d.X.shape == (1797, 64) and d.X.dtype == np.float64
    assert d.image_shape == (8, 8) and d.classes == tuple("0123456789")
    assert d.X.min() == 0 and d.X.max() == 16 and np.all(d.X == np.round(d.X))
    b = breast_cancer()
    assert b.X.shape == (569, 30) and b.classes == ("malignant", "benign")
    assert len(b.feature_names) == 30 and set(np.unique(b.y)) == {0, 1}


def test_dataset_is_read_only_and_validated():
    d = digits()
    with pytest.raises(ValueError):
        d.X[0, 0] = 1.0
    with pytest.raises(InvalidParameterError, match=r"y: label 3 outside 0\.\.1"):
        Dataset(X=np.zeros((3, 2)), y=np.array([0, 1, 3]), classes=("a", "b"), feature_names=None, name="t")
    with pytest.raises(InvalidParameterError, match=r"y: expected shape \(3,\)"):
        Dataset(X=np.zeros((3, 2)), y=np.array([0, 1]), classes=("a", "b"), feature_names=None, name="t")
    with pytest.raises(InvalidParameterError, match="feature_names"):
        Dataset(X=np.zeros((3, 2)), y=np.array([0, 1, 1]), classes=("a", "b"), feature_names=("x",), name="t")


def test_split_is_stratified_disjoint_and_deterministic():
    d = digits()
    train, test = d.split(0.25, seed=3)
    assert len(train) + len(test) == len(d)
    for label in range(10):
        n_c = int((d.y == label).sum())
        assert int((test.y == label).sum()) == round(0.25 * n_c)
    again_train, again_test = d.split(0.25, seed=3)
    assert np.array_equal(again_test.X, test.X) and np.array_equal(again_train.y, train.y)
    _, other = d.split(0.25, seed=4)
    assert not np.array_equal(other.X, test.X)
    # the two parts are disjoint: every row of d appears exactly once
    rows = {r.tobytes() for r in d.X}
    assert len({r.tobytes() for r in train.X} | {r.tobytes() for r in test.X}) == len(rows)
    assert test.image_shape == (8, 8) and test.classes == d.classes
    with pytest.raises(InvalidParameterError, match="test_size=1.5"):
        d.split(1.5)


# ----------------------------------------------------------------------------------------------------------------
# MNIST-1D-style data


def test_mnist1d_shapes_balance_and_determinism():
    a = mnist1d(500, seed=7)
    assert a.X.shape == (500, 40) and a.X.dtype == np.float64 and np.isfinite(a.X).all()
    assert np.array_equal(np.bincount(a.y), np.full(10, 50))
    b = mnist1d(500, seed=7)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.allclose(mnist1d(500, seed=8).X, a.X)
    with pytest.raises(InvalidParameterError, match="n=5"):
        mnist1d(5)


def test_mnist1d_is_learnable_but_not_linearly_easy():
    """Logistic regression is clearly above chance (0.1) but far from perfect; an MLP does clearly better.
    Measured on this exact setup: 0.34 and 0.62; the bounds leave room for other BLAS and scikit-learn builds."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train, test = mnist1d(2000, seed=0).split(0.25, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # convergence warnings: the bounds below are what matters
        linear = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(train.X, train.y)
        mlp = make_pipeline(StandardScaler(), MLPClassifier((64,), max_iter=200, alpha=1e-3,
                                                            random_state=0)).fit(train.X, train.y)
    linear_acc, mlp_acc = linear.score(test.X, test.y), mlp.score(test.X, test.y)
    assert 0.2 < linear_acc < 0.6
    assert mlp_acc > linear_acc + 0.15


# ----------------------------------------------------------------------------------------------------------------
# the resume corpus


@pytest.fixture(scope="module")
def corpus():
    return resume_corpus(1600, seed=0)


def test_resume_corpus_layout(corpus):
    assert corpus.X.shape == (1600, 48) and corpus.X.dtype == np.int32
    assert corpus.num_classes == 8 and np.array_equal(np.bincount(corpus.y), np.full(8, 200))
    vocab = corpus.vocabulary
    assert vocab[PAD_TOKEN] == "<pad>" and len(set(vocab)) == len(vocab)
    assert corpus.reserved_tokens == tuple(range(len(vocab) - 4, len(vocab)))
    assert all(vocab[t].startswith("<reserved") for t in corpus.reserved_tokens)
    # the reserved ids never occur; padding only at the end; between 60% and 100% of the positions are words
    assert not np.isin(corpus.X, corpus.reserved_tokens).any()
    words = (corpus.X != PAD_TOKEN).sum(1)
    assert words.min() >= int(np.ceil(0.6 * 48)) and words.max() <= 48
    assert np.all((corpus.X != PAD_TOKEN) == (np.arange(48)[None, :] < words[:, None]))


def test_resume_corpus_determinism_and_vocabulary_is_seed_free(corpus):
    again = resume_corpus(1600, seed=0)
    assert np.array_equal(again.X, corpus.X) and np.array_equal(again.y, corpus.y)
    other = resume_corpus(1600, seed=1)
    assert other.vocabulary == corpus.vocabulary and not np.array_equal(other.X, corpus.X)
    short = resume_corpus(100, seed=0, length=16)
    assert short.X.shape == (100, 16) and short.vocabulary == corpus.vocabulary


def test_resume_corpus_words_belong_to_their_occupation(corpus):
    """Own words of occupation k are most frequent in resumes labelled k."""
    occupation_words, _, _, vocab = ds._resume_vocabulary()
    index = {w: i for i, w in enumerate(vocab)}
    for label, words in enumerate(occupation_words):
        ids = [index[w] for w in words]
        counts = [np.isin(corpus.X[corpus.y == k], ids).sum() for k in range(corpus.num_classes)]
        assert int(np.argmax(counts)) == label


def test_resume_corpus_is_learnable_but_not_trivial(corpus):
    """A bag-of-words logistic regression: measured 0.85 on this split (0.86 with 3,000 resumes)."""
    from sklearn.linear_model import LogisticRegression

    def bag(d):
        counts = np.zeros((len(d), len(d.vocabulary)))
        np.add.at(counts, (np.repeat(np.arange(len(d)), d.X.shape[1]), d.X.ravel()), 1.0)
        counts[:, PAD_TOKEN] = 0.0
        return counts

    train, test = corpus.split(0.25, seed=0)
    accuracy = LogisticRegression(max_iter=2000).fit(bag(train), train.y).score(bag(test), test.y)
    assert 0.7 < accuracy < 0.97


def test_decode(corpus):
    text = decode(corpus, 0)
    assert "<pad>" not in text
    assert len(text.split()) == int((corpus.X[0] != PAD_TOKEN).sum())
    assert text.split()[0] == corpus.vocabulary[corpus.X[0, 0]]
    with pytest.raises(InvalidParameterError, match="row=1600"):
        decode(corpus, 1600)
    with pytest.raises(InvalidParameterError, match="not a text data set"):
        decode(digits(), 0)


def test_resume_corpus_rejects_bad_sizes():
    with pytest.raises(InvalidParameterError, match="n=3"):
        resume_corpus(3)
    with pytest.raises(InvalidParameterError, match="length=4"):
        resume_corpus(100, length=4)


# ----------------------------------------------------------------------------------------------------------------
# a user's table


def _write(frame: pd.DataFrame, tmp_path, fmt: str):
    path = tmp_path / f"table.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


@pytest.fixture(params=["csv", "parquet"])
def fmt(request):
    if request.param == "parquet":
        pytest.importorskip("pyarrow")
    return request.param


def _frame(**overrides):
    frame = pd.DataFrame({"height": [1.0, 2.0, 3.0, 4.0, 5.0], "width": [5, 4, 3, 2, 1],
                          "kind": ["dog", "cat", "dog", "bird", "cat"]})
    for column, values in overrides.items():
        frame[column] = values
    return frame


def test_load_table_reads_features_and_maps_labels(tmp_path, fmt):
    data = load_table(_write(_frame(), tmp_path, fmt), label="kind")
    assert data.classes == ("bird", "cat", "dog")
    assert data.y.tolist() == [2, 1, 2, 0, 1]
    assert data.feature_names == ("height", "width")
    assert data.X.dtype == np.float64 and data.X[:, 1].tolist() == [5, 4, 3, 2, 1]
    assert data.name == "table"
    only = load_table(_write(_frame(), tmp_path, fmt), label="kind", features=["width"])
    assert only.X.shape == (5, 1)


def test_load_table_sorts_numeric_labels_numerically(tmp_path, fmt):
    data = load_table(_write(_frame(kind=[10, 2, 10, 2, 7]), tmp_path, fmt), label="kind")
    assert data.classes == ("2", "7", "10") and data.y.tolist() == [2, 0, 2, 0, 1]


def test_load_table_missing_or_unknown_file(tmp_path):
    with pytest.raises(DataFileError, match=r"no such file") as info:
        load_table(tmp_path / "absent.csv", label="kind")
    assert "absent.csv" in str(info.value)
    (tmp_path / "table.xlsx").write_text("x")
    with pytest.raises(DataFileError, match=r"unknown file type '\.xlsx'"):
        load_table(tmp_path / "table.xlsx", label="kind")
    assert issubclass(DataFileError, ConfigError)


def test_load_table_unreadable_file(tmp_path):
    (tmp_path / "bad.parquet").write_bytes(b"this is not parquet")
    with pytest.raises(DataFileError, match=r"bad\.parquet'?: cannot be read as Parquet"):
        load_table(tmp_path / "bad.parquet", label="kind")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataFileError, match=r"empty\.csv'?: cannot be read as CSV"):
        load_table(tmp_path / "empty.csv", label="kind")


def test_load_table_label_column_absent(tmp_path, fmt):
    with pytest.raises(DataFileError, match=r"label='species': no such column .* 'height', 'width', 'kind'"):
        load_table(_write(_frame(), tmp_path, fmt), label="species")


def test_load_table_feature_column_absent(tmp_path, fmt):
    with pytest.raises(DataFileError, match=r"'depth' not in .*columns are 'height', 'width', 'kind'"):
        load_table(_write(_frame(), tmp_path, fmt), label="kind", features=["height", "depth"])


def test_load_table_label_with_missing_values(tmp_path, fmt):
    path = _write(_frame(kind=["dog", None, "cat", None, "cat"]), tmp_path, fmt)
    with pytest.raises(DataFileError, match=r"label column 'kind'.*2 row\(s\) have no value, the first at row 1"):
        load_table(path, label="kind")


def test_load_table_non_numeric_feature(tmp_path, fmt):
    path = _write(_frame(width=["5", "4", "three", "2", "1"]), tmp_path, fmt)
    with pytest.raises(DataFileError, match=r"not numeric: 'width' \(e\.g\. 'three' at row 2\)"):
        load_table(path, label="kind")


def test_load_table_missing_feature_value(tmp_path, fmt):
    path = _write(_frame(height=[1.0, 2.0, np.nan, 4.0, 5.0]), tmp_path, fmt)
    with pytest.raises(DataFileError, match=r"feature column 'height'.*1 missing value\(s\), the first at row 2"):
        load_table(path, label="kind")


def test_load_table_needs_two_classes(tmp_path, fmt):
    path = _write(_frame(kind=["dog"] * 5), tmp_path, fmt)
    with pytest.raises(DataFileError, match=r"label column 'kind'.*only one class \('dog'\)"):
        load_table(path, label="kind")


def test_date_feature_columns_are_refused(tmp_path):
    import pandas as pd

    from stratlearn.populations.collective.datasets import load_table

    frame = pd.DataFrame({"when": pd.date_range("2020-01-01", periods=6), "x": range(6), "label": [0, 1] * 3})
    frame.to_parquet(tmp_path / "d.parquet")
    with pytest.raises(ValueError, match="'when' \\(dates or durations"):
        load_table(tmp_path / "d.parquet", "label")


def test_dataset_does_not_freeze_the_callers_arrays():
    from stratlearn.populations.collective.datasets import Dataset

    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    Dataset(X, y, ("a", "b"), ("f0", "f1"), "tiny")
    X[0, 0] = 1.0                                     # still writable
    assert X.flags.writeable and y.flags.writeable
