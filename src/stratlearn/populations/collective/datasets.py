"""Classification data sets for the collective-action experiments of [6].

[6] Hardt, Mazumdar, Mendler-Dünner, Zrnic. Algorithmic collective action in machine learning. ICML 2023
(arXiv 2302.04262). A collective plants a signal into its members' data and asks how often the classifier a firm
trains on the pooled data maps signal-carrying inputs to the collective's target label. The experiments need data
sets of three kinds, all returned as one :class:`Dataset`:

- small bundled tables and images: :func:`digits` (8x8 handwritten digits) and :func:`breast_cancer`, both from
  scikit-learn's bundled files (nothing is downloaded);
- :func:`mnist1d`, a procedurally generated one-dimensional digits task in the spirit of MNIST-1D (Greydanus,
  2020), made here from ten templates of our own: hard for a linear model, easier for a nonlinear one;
- :func:`resume_corpus`, a procedurally generated corpus of resume-like token sequences labelled by occupation,
  the miniature of [6] §6 (resumes classified by skill with a language model), with reserved tokens that never
  occur in it, ready for a collective to plant as its rare signal;
- :func:`load_table`, a user's own CSV or Parquet file.

Every generator is deterministic in its ``seed``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ...errors import ConfigError, InvalidParameterError, check_in_range, check_positive_int, check_seed

__all__ = [
    "Dataset",
    "DataFileError",
    "digits",
    "breast_cancer",
    "mnist1d",
    "load_table",
    "resume_corpus",
    "decode",
    "PAD_TOKEN",
    "RESUME_OCCUPATIONS",
]


class DataFileError(ConfigError):
    """A user's data file cannot be read or does not describe a classification task."""


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """A classification data set: inputs ``X`` (one row per example) and integer labels ``y`` in ``0..K-1``.

    Attributes:
        X: array of shape (n, ...): features (float) or token ids (int32, for text).
        y: int64 array of shape (n,), labels in ``0..K-1``.
        classes: the K class names; ``classes[y[i]]`` names example ``i``'s class.
        feature_names: one name per column of a 2-D ``X``, or ``None``.
        name: a short name for tables and figures.
        image_shape: the shape an image row reshapes to (``(8, 8)`` for :func:`digits`), or ``None``.
        vocabulary: for text, the word of each token id (id 0 is padding), or ``None``.
        reserved_tokens: token ids in the vocabulary that never occur in ``X``, free for a collective to plant as
            its signal (text only; empty otherwise).
    """

    X: np.ndarray
    y: np.ndarray
    classes: tuple[str, ...]
    feature_names: tuple[str, ...] | None
    name: str
    image_shape: tuple[int, ...] | None = None
    vocabulary: tuple[str, ...] | None = None
    reserved_tokens: tuple[int, ...] = ()

    def __post_init__(self):
        X = np.array(self.X)          # a copy: freezing it must not freeze the caller's array
        y = np.array(self.y)
        if X.ndim < 2 or X.shape[0] == 0:
            raise InvalidParameterError(f"X: expected an array of shape (n, ...) with n >= 1, got shape {X.shape}")
        if y.shape != (X.shape[0],):
            raise InvalidParameterError(f"y: expected shape ({X.shape[0]},) to match X's rows, got {y.shape}")
        if not np.issubdtype(y.dtype, np.integer):
            raise InvalidParameterError(f"y: expected integer labels, got dtype {y.dtype}")
        classes = tuple(str(c) for c in self.classes)
        if len(classes) < 2:
            raise InvalidParameterError(f"classes={_describe(classes)}: expected at least two classes")
        if y.min() < 0 or y.max() >= len(classes):
            bad = int(y[(y < 0) | (y >= len(classes))][0])
            raise InvalidParameterError(f"y: label {bad} outside 0..{len(classes) - 1} "
                                        f"(there are {len(classes)} classes)")
        if self.feature_names is not None and (X.ndim != 2 or len(self.feature_names) != X.shape[1]):
            raise InvalidParameterError(f"feature_names: expected one name per column of X (shape {X.shape}), "
                                        f"got {len(self.feature_names)} names")
        if self.vocabulary is not None:
            if not np.issubdtype(X.dtype, np.integer):
                raise InvalidParameterError(f"X: a text data set needs integer token ids, got dtype {X.dtype}")
            if X.min() < 0 or X.max() >= len(self.vocabulary):
                raise InvalidParameterError(f"X: token ids must lie in [0, {len(self.vocabulary)}), "
                                            f"got range [{X.min()}, {X.max()}]")
        for token in self.reserved_tokens:
            if self.vocabulary is None or not 0 < int(token) < len(self.vocabulary):
                raise InvalidParameterError(f"reserved_tokens: token {token!r} is not an id of the vocabulary")
        X.setflags(write=False)
        y.setflags(write=False)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "classes", classes)
        if self.feature_names is not None:
            object.__setattr__(self, "feature_names", tuple(str(f) for f in self.feature_names))
        if self.image_shape is not None:
            object.__setattr__(self, "image_shape", tuple(int(s) for s in self.image_shape))
        if self.vocabulary is not None:
            object.__setattr__(self, "vocabulary", tuple(self.vocabulary))
        object.__setattr__(self, "reserved_tokens", tuple(int(t) for t in self.reserved_tokens))

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def __repr__(self) -> str:
        return (f"Dataset(name={self.name!r}, n={len(self)}, X shape={self.X.shape}, "
                f"classes={self.num_classes})")

    def subset(self, rows) -> "Dataset":
        """The data set restricted to ``rows`` (indices or a boolean mask), metadata kept."""
        rows = np.asarray(rows)
        return dataclasses.replace(self, X=self.X[rows], y=self.y[rows])

    def split(self, test_size: float = 0.25, seed: int = 0) -> tuple["Dataset", "Dataset"]:
        """A stratified random split into ``(train, test)``.

        Each class contributes ``round(test_size * n_c)`` of its ``n_c`` examples to the test set (at least one
        when ``n_c >= 2``, and never all of them), so both parts keep the class proportions. Deterministic in
        ``seed``; the rows of each part keep their original order.
        """
        test_size = check_in_range("test_size", test_size, 0.0, 1.0, low_open=True, high_open=True)
        rng = np.random.default_rng(check_seed(seed))
        test = np.zeros(len(self), dtype=bool)
        for label in range(self.num_classes):
            members = np.flatnonzero(self.y == label)
            if members.size < 2:
                continue
            take = min(max(int(round(test_size * members.size)), 1), members.size - 1)
            test[rng.permutation(members)[:take]] = True
        if test.all() or not test.any():
            raise InvalidParameterError(f"test_size={test_size}: leaves an empty train or test set for "
                                        f"{len(self)} examples")
        return self.subset(~test), self.subset(test)


# --------------------------------------------------------------------------------------------------------------
# scikit-learn's bundled data

def _sklearn_datasets():
    try:
        from sklearn import datasets
    except ImportError:  # pragma: no cover - scikit-learn is a test dependency
        raise ConfigError("this data set ships with scikit-learn: pip install scikit-learn") from None
    return datasets


def digits() -> Dataset:
    """The 1,797 8x8 handwritten digits bundled with scikit-learn: ``X`` (1797, 64) raw pixel values 0..16,
    ``image_shape`` (8, 8), classes ``"0".."9"``."""
    bunch = _sklearn_datasets().load_digits()
    return Dataset(X=bunch.data.astype(np.float64), y=bunch.target.astype(np.int64),
                   classes=tuple(str(c) for c in bunch.target_names),
                   feature_names=tuple(bunch.feature_names), name="digits", image_shape=(8, 8))


def breast_cancer() -> Dataset:
    """The Wisconsin diagnostic breast-cancer table bundled with scikit-learn: 569 tumours, 30 real-valued
    features, classes ``("malignant", "benign")`` (labels 0 and 1)."""
    bunch = _sklearn_datasets().load_breast_cancer()
    return Dataset(X=bunch.data.astype(np.float64), y=bunch.target.astype(np.int64),
                   classes=tuple(str(c) for c in bunch.target_names),
                   feature_names=tuple(str(f) for f in bunch.feature_names), name="breast_cancer")


# --------------------------------------------------------------------------------------------------------------
# MNIST-1D-style sequences

# Ten hand-drawn one-dimensional profiles, one per digit, twelve points each. They were drawn for this module so
# that pairs share parts (0 and 8 both oscillate, 2 and 5 are mirrored ramps, 3 and 7 both have plateaus) and a
# random shift makes the position of a feature uninformative: a linear model sees overlapping classes.
_MNIST1D_TEMPLATES = np.array([
    [0.0, 1.0, 2.0, 2.0, 1.0, 0.0, -1.0, -2.0, -2.0, -1.0, 0.0, 0.0],   # 0: one full wave
    [0.0, 0.0, 0.0, 0.5, 3.0, 3.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0],       # 1: a single narrow peak
    [2.0, 2.0, 1.5, 1.0, 0.5, 0.0, -0.5, -1.0, -1.5, -2.0, -2.0, -2.0],  # 2: a falling ramp
    [-1.0, 1.5, 1.5, 1.5, -1.0, -1.0, 1.5, 1.5, 1.5, -1.0, 0.0, 0.0],   # 3: two plateaus
    [0.0, 2.0, -1.0, 2.0, -1.0, 2.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0],    # 4: a short comb
    [-2.0, -2.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.0],  # 5: a rising ramp
    [0.0, 0.0, -1.0, -2.5, -2.5, -1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0],   # 6: a dip, then a bump
    [2.5, 2.5, 2.5, 2.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],       # 7: a plateau on the left
    [0.0, 1.5, 0.0, -1.5, 0.0, 1.5, 0.0, -1.5, 0.0, 1.5, 0.0, -1.5],    # 8: a long wave
    [-2.0, -2.0, -2.0, -2.0, -2.0, 0.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0],  # 9: a step up
])

_MNIST1D_LENGTH = 40


def _smooth(noise: np.ndarray, width: float) -> np.ndarray:
    """Convolve each row with a normalized Gaussian kernel of standard deviation ``width`` samples (wrapping
    around at the ends), keeping unit-variance inputs at unit variance."""
    offsets = np.arange(-3 * int(np.ceil(width)), 3 * int(np.ceil(width)) + 1)
    kernel = np.exp(-0.5 * (offsets / width) ** 2)
    kernel /= np.sqrt((kernel ** 2).sum())
    out = np.zeros_like(noise)
    for offset, weight in zip(offsets, kernel):
        out += weight * np.roll(noise, offset, axis=1)
    return out


def mnist1d(n: int = 4000, seed: int = 0) -> Dataset:
    """A procedurally generated MNIST-1D-style data set: ``n`` sequences of 40 numbers, labels ``0..9`` balanced.

    After the idea of MNIST-1D (Greydanus, "Scaling down deep learning", 2020), with templates and transform
    parameters of our own. Each example starts from its digit's template (twelve points, see
    ``_MNIST1D_TEMPLATES``) and is then, with all draws independent per example:

    1. padded with zeros to a canvas of 36 points and stretched by a factor in [0.8, 1.25] about the canvas
       centre (the template then spans about 9 to 15 of the 36 points);
    2. shifted by a random offset (uniform in ±9 canvas points; what leaves the canvas is cut off) and scaled in
       amplitude by a factor in [0.7, 1.3];
    3. sheared, i.e. a line ``s * (t - 1/2)`` with slope ``s`` uniform in [-1.5, 1.5] over canvas position
       ``t`` in [0, 1] is added;
    4. read off at 40 evenly spaced canvas positions by linear interpolation;
    5. given correlated noise (white Gaussian noise smoothed by a Gaussian kernel of width 2 samples, standard
       deviation 0.35) and white noise (standard deviation 0.25).

    Learnability (test accuracy, stratified 75/25 split, scikit-learn 1.9, inputs standardized; chance 0.10):
    on ``mnist1d(4000, seed=0)`` logistic regression 0.34 and an MLP with two hidden layers of 128 units 0.78
    (seed 1: 0.33 and 0.77); on ``mnist1d(2000, seed=0)`` logistic regression 0.34 and an MLP with one hidden
    layer of 64 units (200 iterations) 0.62. The tests keep logistic regression within (0.2, 0.6) and the MLP
    at least 0.15 above it.

    Returns a :class:`Dataset` with ``X`` float64 (n, 40), classes ``"0".."9"``.
    """
    n = check_positive_int("n", n)
    if n < 10:
        raise InvalidParameterError(f"n={n}: expected at least 10 examples (one per class)")
    rng = np.random.default_rng(check_seed(seed))
    y = np.arange(n) % 10
    rng.shuffle(y)
    canvas = 36
    grid = np.linspace(0.0, canvas - 1.0, _MNIST1D_LENGTH)          # canvas positions of the output points
    width = _MNIST1D_TEMPLATES.shape[1]
    stretch = rng.uniform(0.8, 1.25, size=n)
    shift = rng.uniform(-9.0, 9.0, size=n)
    amplitude = rng.uniform(0.7, 1.3, size=n)
    shear = rng.uniform(-1.5, 1.5, size=n)
    # where each output point falls in the template's own coordinate 0..width-1, one canvas point per template
    # point before the stretch (outside that range: the zero padding)
    centre = (canvas - 1) / 2
    coords = (grid[None, :] - centre - shift[:, None]) / stretch[:, None] + (width - 1) / 2
    X = np.zeros((n, _MNIST1D_LENGTH))
    for label in range(10):
        rows = y == label
        X[rows] = np.interp(coords[rows], np.arange(width), _MNIST1D_TEMPLATES[label], left=0.0, right=0.0)
    X *= amplitude[:, None]
    X += shear[:, None] * (grid[None, :] / (canvas - 1) - 0.5)
    X += 0.35 * _smooth(rng.standard_normal((n, _MNIST1D_LENGTH)), 2.0)
    X += 0.25 * rng.standard_normal((n, _MNIST1D_LENGTH))
    return Dataset(X=X, y=y.astype(np.int64), classes=tuple(str(d) for d in range(10)),
                   feature_names=tuple(f"x{i}" for i in range(_MNIST1D_LENGTH)), name="mnist1d")


# --------------------------------------------------------------------------------------------------------------
# a user's table

_TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


def _read_table(path: Path):
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix not in _TABLE_SUFFIXES:
        raise DataFileError(f"path={str(path)!r}: unknown file type {path.suffix or '(no suffix)'!r}; expected "
                            f"one of {', '.join(_TABLE_SUFFIXES)}")
    if not path.is_file():
        raise DataFileError(f"path={str(path)!r}: no such file")
    try:
        if suffix == ".csv":
            return pd.read_csv(path)
        return pd.read_parquet(path)
    except Exception as exc:  # pandas and pyarrow raise many types for a corrupt or unreadable file
        kind = "CSV" if suffix == ".csv" else "Parquet"
        raise DataFileError(f"path={str(path)!r}: cannot be read as {kind} ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else 'no detail'})") from None


def _first_missing(column) -> tuple[int, int]:
    missing = column.isna().to_numpy()
    return int(missing.sum()), int(np.flatnonzero(missing)[0])


def _sorted_labels(values: np.ndarray) -> list:
    """The distinct labels, sorted by value where they compare (numbers numerically), else by their text."""
    distinct = list(dict.fromkeys(values.tolist()))
    try:
        return sorted(distinct)
    except TypeError:
        return sorted(distinct, key=str)


def load_table(path: str | os.PathLike, label: str, features: Sequence[str] | None = None) -> Dataset:
    """Read a classification table from a CSV (``.csv``) or Parquet (``.parquet``, ``.pq``) file.

    Args:
        path: the file.
        label: the column holding the class of each row; any type (text, integers, booleans). The distinct
            values, sorted (numbers numerically), become ``classes`` as text and are numbered ``0..K-1``.
        features: the columns to use as features, in this order; default every column except ``label``. They
            must be numeric (booleans count as 0/1) and complete.

    Returns:
        a :class:`Dataset` with ``X`` float64 (rows, features), named after the file's stem.

    Raises:
        DataFileError: (a :class:`~stratlearn.errors.ConfigError`) the file is missing, unreadable or of an
            unknown type; the label or a feature column is absent (the message lists the columns); the label has
            missing values (how many, and the first row, counting data rows from 0); a feature column is not
            numeric (the message shows an offending value) or has missing values; fewer than two classes remain.
    """
    import pandas as pd

    path = Path(path)
    table = _read_table(path)
    where = f"{str(path)!r}"
    columns = [str(c) for c in table.columns]
    table.columns = columns
    if label not in columns:
        raise DataFileError(f"label={label!r}: no such column in {where}; its columns are "
                            f"{', '.join(map(repr, columns)) or '(none)'}")
    if features is None:
        features = [c for c in columns if c != label]
    else:
        if isinstance(features, str):
            raise InvalidParameterError(f"features={features!r}: expected a list of column names")
        features = [str(f) for f in features]
        absent = [f for f in features if f not in columns]
        if absent:
            raise DataFileError(f"features: column(s) {', '.join(map(repr, absent))} not in {where}; its "
                                f"columns are {', '.join(map(repr, columns))}")
        if label in features:
            raise DataFileError(f"features: the label column {label!r} cannot also be a feature")
    if not features:
        raise DataFileError(f"{where}: no feature columns besides the label {label!r}")
    if len(table) == 0:
        raise DataFileError(f"{where}: the table has no rows")

    labels = table[label]
    if labels.isna().any():
        count, first = _first_missing(labels)
        raise DataFileError(f"label column {label!r} of {where}: {count} row(s) have no value, the first at "
                            f"row {first} (counting data rows from 0)")

    non_numeric = []
    for name in features:
        column = table[name]
        if pd.api.types.is_datetime64_any_dtype(column) or pd.api.types.is_timedelta64_dtype(column):
            non_numeric.append(f"{name!r} (dates or durations, e.g. {_describe(column.iloc[0])})")
            continue
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            continue
        numbers = pd.to_numeric(column, errors="coerce")
        bad = numbers.isna() & column.notna()
        if bad.any():
            non_numeric.append(f"{name!r} (e.g. {_describe(column[bad].iloc[0])} at row "
                               f"{int(np.flatnonzero(bad.to_numpy())[0])})")
        else:
            table[name] = numbers
    if non_numeric:
        raise DataFileError(f"feature column(s) of {where} not numeric: {'; '.join(non_numeric)}; "
                            "expected numbers (encode categories first, or leave the column out of features)")
    for name in features:
        if table[name].isna().any():
            count, first = _first_missing(table[name])
            raise DataFileError(f"feature column {name!r} of {where}: {count} missing value(s), the first at "
                                f"row {first} (counting data rows from 0); expected complete columns")
    X = table[features].to_numpy(dtype=np.float64)
    if not np.isfinite(X).all():
        row, col = (int(i) for i in np.argwhere(~np.isfinite(X))[0])
        raise DataFileError(f"feature column {features[col]!r} of {where}: value {X[row, col]} at row {row}; "
                            "expected finite numbers")

    values = labels.to_numpy()
    distinct = _sorted_labels(values)
    if len(distinct) < 2:
        raise DataFileError(f"label column {label!r} of {where}: only one class ({_describe(distinct[0])}); "
                            "expected at least two")
    index = {value: i for i, value in enumerate(distinct)}
    y = np.array([index[v] for v in values.tolist()], dtype=np.int64)
    return Dataset(X=X, y=y, classes=tuple(str(v) for v in distinct), feature_names=tuple(features),
                   name=path.stem)


# --------------------------------------------------------------------------------------------------------------
# a resume-like text corpus

PAD_TOKEN = 0
"""Token id 0 pads every resume of :func:`resume_corpus` to its fixed length; its word is ``"<pad>"``."""

# Each occupation: (label, words that pick its job titles out of Faker's list, a short skill list of our own).
# A job title whose words match two occupations is dropped, and a word that ends up in two occupations' lists
# becomes a shared "professional" word, so every occupation-specific word names one occupation only.
RESUME_OCCUPATIONS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("engineering", ("engineer", "engineering"),
     ("cad", "tolerances", "welding", "turbines", "hydraulics", "circuits", "prototyping", "load", "fea")),
    ("healthcare", ("nurse", "doctor", "therapist", "surgeon", "pharmacist", "dentist", "radiographer",
                    "paramedic", "midwife", "physiotherapist", "psychotherapist"),
     ("patients", "triage", "ward", "clinic", "diagnosis", "dosage", "rehabilitation", "bedside", "vitals")),
    ("education", ("teacher", "lecturer", "tutor", "education", "teaching"),
     ("curriculum", "pupils", "classroom", "lessons", "grading", "pedagogy", "syllabus", "mentoring")),
    ("finance", ("accountant", "financial", "finance", "banker", "tax", "actuary", "trader", "insurance"),
     ("ledger", "audit", "portfolio", "budgeting", "forecasting", "equities", "compliance", "valuation")),
    ("creative", ("designer", "artist", "editor", "journalist", "producer", "copywriter", "illustrator",
                  "photographer", "musician"),
     ("portfolio-review", "typography", "storyboard", "sketching", "editing", "branding", "layout", "deadline")),
    ("science", ("scientist", "chemist", "physicist", "geologist", "biologist", "geneticist", "ecologist",
                 "researcher", "biochemist", "meteorologist", "oceanographer"),
     ("laboratory", "assays", "microscopy", "hypothesis", "samples", "spectroscopy", "fieldwork", "peer")),
    ("law", ("solicitor", "barrister", "legal", "lawyer", "attorney", "conveyancer", "paralegal"),
     ("litigation", "contracts", "counsel", "tribunal", "statutes", "drafting", "precedent", "clients")),
    ("software", ("programmer", "developer", "software", "database", "it", "web", "network", "systems"),
     ("python", "debugging", "deployment", "api", "backend", "testing", "cloud", "linux", "git")),
)

_TITLE_STOPWORDS = frozenset({"and", "of", "the", "a", "as", "for", "in", "to", "or", "s", "officer",
                              "assistant", "manager", "senior", "chief", "chartered", "general"})
_RESERVED_COUNT = 4
_P_OWN = (0.08, 0.20)      # per-resume probability of an own word: uniform in this range
_P_OTHER = (0.0, 0.08)    # ... of a word of the one other occupation
_P_SHARED = 0.1           # ... of a shared word
_ZIPF_POWER = 0.5         # word weights 1 / rank**power within a list


def _faker_words():
    try:
        from faker.providers.job.en_US import Provider as JobProvider
        from faker.providers.lorem.en_US import Provider as LoremProvider
    except ImportError:
        raise ConfigError("resume_corpus builds its words from the lists the faker package ships: "
                          "pip install faker") from None
    return tuple(JobProvider.jobs), tuple(LoremProvider.word_list)


def _words_of(text: str) -> list[str]:
    import re

    return [w for w in re.split(r"[^a-z]+", text.lower()) if len(w) > 1 and w not in _TITLE_STOPWORDS]


def _resume_vocabulary():
    """(occupation word lists, shared professional words, filler words, vocabulary) — fixed, seed-free."""
    jobs, lorem = _faker_words()
    title_words: list[set[str]] = [set() for _ in RESUME_OCCUPATIONS]
    for title in jobs:
        words = set(_words_of(title))
        owners = [i for i, (_, keys, _) in enumerate(RESUME_OCCUPATIONS) if words & set(keys)]
        if len(owners) == 1:
            title_words[owners[0]] |= words
    own = [title_words[i] | set(skills) for i, (_, _, skills) in enumerate(RESUME_OCCUPATIONS)]
    counts: dict[str, int] = {}
    for words in own:
        for word in words:
            counts[word] = counts.get(word, 0) + 1
    shared = sorted(w for w, c in counts.items() if c > 1)
    occupation_words = [sorted(w for w in words if counts[w] == 1) for words in own]
    taken = set(counts)
    filler = sorted(set(w for w in lorem if w.isalpha()) - taken)
    reserved = [f"<reserved{i}>" for i in range(_RESERVED_COUNT)]
    vocabulary = ["<pad>"] + sorted(taken | set(filler)) + reserved
    return occupation_words, shared, filler, tuple(vocabulary)


def resume_corpus(n: int = 3000, seed: int = 0, length: int = 48) -> Dataset:
    """A procedurally generated corpus of ``n`` resume-like token sequences labelled by occupation.

    The miniature of [6] §6, where a collective of job seekers plants a rare character into its resumes and a
    language model classifies resumes by skill. The words come from the lists the ``faker`` package ships
    (English job titles, and its "lorem" list of about 970 common English words) plus a short skill list per
    occupation written for this module (``RESUME_OCCUPATIONS``); nothing is downloaded.

    Eight occupations (``RESUME_OCCUPATIONS``), ``n // 8`` or one more resumes each. The words of the job titles
    belonging to an occupation, with its skill list, are its *own* words; words claimed by two occupations are
    *shared*; the rest of Faker's common words are *filler*. A resume has a random number of words, uniform in
    ``[ceil(0.6 * length), length]``, padded with :data:`PAD_TOKEN` at the end, each word drawn independently: with
    probability ``p_own`` (per resume, uniform in [0.08, 0.20]) an own word of its occupation, with probability
    ``p_other`` (per resume, uniform in [0, 0.08]) an own word of one *other* occupation (the same one throughout
    the resume: a career changer), with probability 0.1 a shared word, else a filler word. Within a list, words are
    drawn with Zipf-like weights ``rank ** -0.5`` under a random ranking fixed by ``seed``, so some words are
    several times as common as others. Some resumes carry more words of another occupation than of their own, which
    caps the achievable accuracy below 1.

    Learnability (``resume_corpus(3000, seed=0)``, stratified 75/25 split, scikit-learn 1.9): a bag-of-words
    logistic regression (word counts, C=1) reaches 0.86 test accuracy (seeds 1 and 2: 0.86, 0.84); chance is
    0.125.

    The vocabulary is fixed (it does not depend on ``seed``): id 0 is ``"<pad>"``, then every word in
    alphabetical order, then :attr:`Dataset.reserved_tokens`: four ids ``"<reserved0>".."<reserved3>"`` at the
    end that never occur in the corpus, for a collective to plant as its signal. It depends on the word lists
    of the installed ``faker`` version.

    Returns a :class:`Dataset` with ``X`` int32 (n, length) token ids, ``vocabulary`` and ``reserved_tokens``;
    :func:`decode` turns a row back into text.
    """
    n = check_positive_int("n", n)
    length = check_positive_int("length", length)
    if n < len(RESUME_OCCUPATIONS):
        raise InvalidParameterError(f"n={n}: expected at least {len(RESUME_OCCUPATIONS)} resumes (one per "
                                    "occupation)")
    if length < 8:
        raise InvalidParameterError(f"length={length}: expected an integer >= 8 (words per resume)")
    rng = np.random.default_rng(check_seed(seed))
    occupation_words, shared, filler, vocabulary = _resume_vocabulary()
    ids = {word: i for i, word in enumerate(vocabulary)}
    K = len(RESUME_OCCUPATIONS)

    def zipf_list(words):
        order = rng.permutation(len(words))
        weights = (1.0 + np.arange(len(words))) ** -_ZIPF_POWER
        return np.array([ids[words[i]] for i in order], dtype=np.int32), weights / weights.sum()

    own_lists = [zipf_list(words) for words in occupation_words]
    shared_list, filler_list = zipf_list(shared), zipf_list(filler)

    y = np.arange(n) % K
    rng.shuffle(y)
    other = (y + rng.integers(1, K, size=n)) % K
    p_own = rng.uniform(*_P_OWN, size=n)
    p_other = rng.uniform(*_P_OTHER, size=n)
    p_shared = _P_SHARED
    words = rng.integers(int(np.ceil(0.6 * length)), length + 1, size=n)
    u = rng.random((n, length))
    kind = np.where(u < p_own[:, None], 0, np.where(u < (p_own + p_other)[:, None], 1,
                    np.where(u < (p_own + p_other + p_shared)[:, None], 2, 3)))
    X = np.zeros((n, length), dtype=np.int32)

    def draw(mask, token_list):
        tokens, probs = token_list
        X[mask] = rng.choice(tokens, size=int(mask.sum()), p=probs)

    for label in range(K):
        draw((kind == 0) & (y == label)[:, None], own_lists[label])
        draw((kind == 1) & (other == label)[:, None], own_lists[label])
    draw(kind == 2, shared_list)
    draw(kind == 3, filler_list)
    X[np.arange(length)[None, :] >= words[:, None]] = PAD_TOKEN
    reserved = tuple(range(len(vocabulary) - _RESERVED_COUNT, len(vocabulary)))
    return Dataset(X=X, y=y.astype(np.int64), classes=tuple(name for name, _, _ in RESUME_OCCUPATIONS),
                   feature_names=None, name="resume_corpus", vocabulary=vocabulary, reserved_tokens=reserved)


def decode(dataset: Dataset, row: int) -> str:
    """The words of row ``row`` of a text data set, separated by spaces, padding left out."""
    if dataset.vocabulary is None:
        raise InvalidParameterError(f"dataset {dataset.name!r}: not a text data set (it has no vocabulary)")
    if isinstance(row, bool) or not isinstance(row, (int, np.integer)) or not -len(dataset) <= row < len(dataset):
        raise InvalidParameterError(f"row={_describe(row)}: expected an integer index in [0, {len(dataset)})")
    return " ".join(dataset.vocabulary[t] for t in dataset.X[int(row)] if t != PAD_TOKEN)
