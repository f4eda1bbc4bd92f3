"""The firm's learner in algorithmic collective action [6]: multinomial logistic regression and a one-hidden-layer
MLP, each trained for many datasets at once.

[6] Hardt, Mazumdar, Mendler-Dünner, Zrnic. Algorithmic collective action in machine learning. ICML 2023
(arXiv 2302.04262).

In [6] §5 the firm does not know a collective exists: it fits its usual classifier to the data it is given, the
mixture ``P_α = α P* + (1 − α) P_0`` in which a fraction ``α`` of the points was modified by the collective, and the
collective's success is ``P_{x∼P_0}[f(g(x)) = y*]``. Measuring success as a function of ``α`` means training one model
per (α, seed) — a sweep of hundreds of models on datasets that differ from one another in only ``⌊αN⌋`` rows. Three
things make such a sweep fast here:

* **one compiled call for all models**: ``fit`` takes ``M`` datasets stacked as ``X`` of shape (M, N, d) and trains
  all ``M`` models inside one ``jax.jit`` (vmapped, or batched by hand); the compiled functions are cached by shape
  and hyperparameters, so a second sweep of the same size does not compile again;
* **warm starts**: ``init`` starts every model from the parameters of a model fitted to the clean data
  (:meth:`fit_one`), which is already close to each mixture's solution when ``α`` is small;
* **shared rows** (logistic regression): the rows most datasets have in common are multiplied once, for all models,
  as one large matrix product, and only each model's own modified rows are handled per model.

Both learners follow one protocol: ``fit(X, y, *, num_classes, key, init=None)`` returns a params pytree whose
leaves carry a leading axis ``M``; ``predict(params, X)`` returns (M, N) integer labels for ``X`` of shape (N, d)
(the same rows for every model) or (M, N, d); ``accuracy(params, X, y)`` returns (M,); ``fit_one`` fits a single
model (no leading axis), e.g. the clean model used as a warm start. Features are used as given: standardize them
first (the caller's job, as in scikit-learn, where both estimators below are usually preceded by a
``StandardScaler``). Computations run in JAX's default float type (float32 unless 64-bit mode is on).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..errors import InvalidParameterError, check_positive, check_positive_int

__all__ = ["LogisticRegression", "MLP", "LinearParams", "MLPParams"]


class LinearParams(NamedTuple):
    """Logistic regression's parameters: ``weights`` (…, d, K) and ``bias`` (…, K)."""

    weights: jax.Array
    bias: jax.Array


class MLPParams(NamedTuple):
    """The MLP's parameters: hidden layer ``w1`` (…, d, H), ``b1`` (…, H); output layer ``w2`` (…, H, K),
    ``b2`` (…, K)."""

    w1: jax.Array
    b1: jax.Array
    w2: jax.Array
    b2: jax.Array


# ------------------------------------------------------------------------------------------------ input checks
def _check_num_classes(num_classes) -> int:
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
        raise InvalidParameterError(f"num_classes={num_classes!r}: expected an integer >= 2")
    return int(num_classes)


def _check_features(X, field: str = "X", ndims=(3,)) -> np.ndarray:
    """``X`` as a float array of one of the ranks ``ndims``, non-empty and finite."""
    try:
        array = np.asarray(X)
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise TypeError(f"dtype {array.dtype}")
        array = array.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(f"{field}: expected an array of numbers, got {type(X).__name__} ({exc})") from None
    if array.ndim not in ndims:
        expected = " or ".join({2: "2-D (rows, features)", 3: "3-D (models, rows, features)"}[n] for n in ndims)
        raise InvalidParameterError(f"{field}: expected a {expected} array, got shape {array.shape}")
    if array.size == 0:
        raise InvalidParameterError(f"{field}: expected at least one model, row and feature, got shape {array.shape}")
    bad = ~np.isfinite(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidParameterError(f"{field}: expected finite numbers, found {array[index]} at index {index}")
    return array


def _check_labels(y, shape, num_classes: int, field: str = "y") -> np.ndarray:
    """``y`` as an int32 array of ``shape`` with every label in [0, num_classes)."""
    array = np.asarray(y)
    if array.shape != tuple(shape):
        raise InvalidParameterError(f"{field}: expected shape {tuple(shape)} (one label per row of X), got shape "
                                    f"{array.shape}")
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise InvalidParameterError(f"{field}: expected integer class labels, got dtype {array.dtype}")
    if not np.issubdtype(array.dtype, np.integer):
        whole = np.isfinite(array) & (array == np.round(array))
        if not whole.all():
            index = tuple(int(i) for i in np.argwhere(~whole)[0])
            raise InvalidParameterError(f"{field}: expected integer class labels, found {array[index]} at index "
                                        f"{index}")
    outside = (array < 0) | (array >= num_classes)
    if outside.any():
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        raise InvalidParameterError(f"{field}: expected labels in [0, num_classes={num_classes}), found "
                                    f"{array[index]} at index {index}")
    return array.astype(np.int32)


def _check_params(params, expected: dict, models: int, field: str, cls):
    """Broadcast ``params`` (one model, or ``models`` models) to a stacked ``cls`` after checking every leaf's
    shape against ``expected`` (name -> shape of one model)."""
    if not isinstance(params, (tuple, list)) or len(params) != len(expected):
        raise InvalidParameterError(f"{field}: expected a {cls.__name__} with fields {', '.join(expected)}, got "
                                    f"{type(params).__name__}")
    leaves = []
    for (name, shape), leaf in zip(expected.items(), params):
        leaf = np.asarray(leaf)
        if leaf.shape == shape:
            leaf = np.broadcast_to(leaf, (models, *shape))
        elif leaf.shape != (models, *shape):
            raise InvalidParameterError(f"{field}.{name}: expected shape {shape} (one model) or {(models, *shape)}, "
                                        f"got shape {leaf.shape}")
        if not np.isfinite(leaf).all():
            raise InvalidParameterError(f"{field}.{name}: expected finite numbers")
        leaves.append(jnp.asarray(leaf, _dtype()))
    return cls(*leaves)


def _dtype():
    return jnp.result_type(float)


def _model_keys(key, models: int) -> jax.Array:
    """One key per model: a single key is split into ``models`` keys; a stack of ``models`` keys is used as is."""
    try:
        key = jnp.asarray(key)
    except TypeError as exc:
        raise InvalidParameterError(f"key: expected a JAX PRNG key, got {type(key).__name__} ({exc})") from None
    typed = jnp.issubdtype(key.dtype, jax.dtypes.prng_key)
    single = 0 if typed else 1
    if key.ndim == single:
        return jax.random.split(key, models)
    if key.ndim == single + 1 and key.shape[0] == models:
        return key
    raise InvalidParameterError(f"key: expected one PRNG key or a stack of {models} keys (one per model), got "
                                f"shape {key.shape}")


def _stacked_features(X, models: int, features: int) -> np.ndarray:
    """The rows to predict: (N, d) shared by all models or (M, N, d)."""
    X = _check_features(X, ndims=(2, 3))
    if X.shape[-1] != features:
        raise InvalidParameterError(f"X: expected {features} features (the models' input size), got shape {X.shape}")
    if X.ndim == 3 and X.shape[0] != models:
        raise InvalidParameterError(f"X: expected shape (N, {features}) or ({models}, N, {features}) for {models} "
                                    f"models, got shape {X.shape}")
    return X


def _leading(params) -> int:
    return int(np.shape(params[0])[0])


# ------------------------------------------------------------------------------------------------ shared rows
class _Rows(NamedTuple):
    """M datasets written as one shared matrix plus each dataset's few differences.

    Dataset m's row n is ``base[n] + δ``, where ``δ`` is zero except on the ``k`` rows ``rows[m]`` and there only in
    the columns ``columns``: ``delta[m, j]`` is that change for row ``rows[m, j]`` (zero on padding entries). A
    sweep's datasets differ in the ⌊αN⌋ rows the collective touched, and a planted signal touches few columns, so
    the products with ``base`` are one large matrix product for all models and the corrections are small.
    ``labels`` (N, M) holds every dataset's labels, rows first.
    """

    base: jax.Array            # (N, d)
    labels: jax.Array          # (N, M) int
    rows: jax.Array | None     # (M, k) int
    columns: jax.Array | None  # (c,) int
    delta: jax.Array | None    # (M, k, c)


def _shared_rows(X: np.ndarray, y: np.ndarray) -> _Rows:
    """Write X (M, N, d) as a shared base and per-dataset differences (see :class:`_Rows`). Any X can be written so;
    the split only decides how fast the fit runs, not what it computes."""
    M, N, d = X.shape
    dtype = _dtype()
    base = X[0]
    differs = np.any(X != base, axis=2)
    minority = differs.sum(0) * 2 > M        # rows where dataset 0 is the odd one out: take another's value
    if minority.any():
        which = np.flatnonzero(minority)
        base = base.copy()
        base[which] = X[differs[:, which].argmax(0), which]
        differs[:, which] = np.any(X[:, which] != base[which], axis=2)
    labels = jnp.asarray(y.T, jnp.int32)
    widest = int(differs.sum(1).max())
    if widest == 0:
        return _Rows(jnp.asarray(base, dtype), labels, None, None, None)
    k = min(N, -(-widest // 16) * 16)        # padded to a multiple of 16: fewer shapes, fewer compilations
    rows = np.argsort(~differs, axis=1, kind="stable")[:, :k]           # each dataset's differing rows first
    used = np.take_along_axis(differs, rows, 1)
    delta = np.take_along_axis(X, rows[..., None], 1) - base[rows]
    delta[~used] = 0.0
    columns = np.flatnonzero(np.any(delta != 0, axis=(0, 1)))
    return _Rows(jnp.asarray(base, dtype), labels, jnp.asarray(rows, jnp.int32), jnp.asarray(columns, jnp.int32),
                 jnp.asarray(delta[:, :, columns], dtype))


def _lse_softmax(z, axis):
    """log Σ exp and softmax along ``axis``, sharing one exponential."""
    top = jnp.max(z, axis=axis, keepdims=True)
    e = jnp.exp(z - top)
    total = jnp.sum(e, axis=axis, keepdims=True)
    return jnp.squeeze(jnp.log(total) + top, axis), e / total


# ------------------------------------------------------------------------------------------------ batched L-BFGS
class _LBFGSState(NamedTuple):
    x: jax.Array        # (M, P) iterates
    f: jax.Array        # (M,) objective at x
    g: jax.Array        # (M, P) gradient at x
    s: jax.Array        # (M, memory, P) steps, newest first
    y: jax.Array        # (M, memory, P) gradient changes, newest first
    stored: jax.Array   # (M,) how many pairs are held
    t: jax.Array        # (M,) step length to try next
    done: jax.Array     # (M,) converged (max |g| <= tol) or stalled
    iters: jax.Array    # (M,) iterations each model took until done


def _direction(state: _LBFGSState, memory: int):
    """The L-BFGS direction −H g by the two-loop recursion (Nocedal & Wright, Algorithm 7.4), per model, with the
    initial inverse Hessian ``γ I``, ``γ = sᵀy / yᵀy`` of the newest pair (``1 / max(‖g‖, 1)`` before any)."""
    valid = jnp.arange(memory)[None, :] < state.stored[:, None]                 # (M, memory)
    sy = jnp.einsum("mip,mip->mi", state.s, state.y)
    rho = jnp.where(valid, 1.0 / jnp.where(valid, sy, 1.0), 0.0)
    s_by_pair, y_by_pair = jnp.swapaxes(state.s, 0, 1), jnp.swapaxes(state.y, 0, 1)    # (memory, M, P)

    def newest_first(q, pair):
        s, y, r = pair
        a = r * jnp.einsum("mp,mp->m", s, q)
        return q - a[:, None] * y, a

    q, a = jax.lax.scan(newest_first, state.g, (s_by_pair, y_by_pair, rho.T))
    yy = jnp.einsum("mp,mp->m", state.y[:, 0], state.y[:, 0])
    gnorm = jnp.sqrt(jnp.einsum("mp,mp->m", state.g, state.g))
    gamma = jnp.where(state.stored > 0, sy[:, 0] / jnp.where(state.stored > 0, yy, 1.0),
                      1.0 / jnp.maximum(gnorm, 1.0))

    def oldest_first(r, pair):
        s, y, rh, ai = pair
        b = rh * jnp.einsum("mp,mp->m", y, r)
        return r + (ai - b)[:, None] * s, None

    r, _ = jax.lax.scan(oldest_first, gamma[:, None] * q, (s_by_pair, y_by_pair, rho.T, a), reverse=True)
    return -r


def _lbfgs_start(value_and_grad, x0, *, tol, memory: int) -> _LBFGSState:
    M, P = x0.shape
    f0, g0 = value_and_grad(x0)
    zeros = jnp.zeros((M, memory, P), x0.dtype)
    done0 = jnp.max(jnp.abs(g0), axis=1) <= tol
    return _LBFGSState(x0, f0, g0, zeros, zeros, jnp.zeros(M, jnp.int32), jnp.ones(M, x0.dtype), done0,
                       jnp.zeros(M, jnp.int32))


def _lbfgs_run(value_and_grad, state: _LBFGSState, *, steps: int, tol, memory: int, until: int = 0):
    """Iterate L-BFGS on M independent smooth objectives at once until at most ``until`` models are still running.

    ``value_and_grad(x)`` maps (M, P) to the values (M,) and gradients (M, P). Each model keeps its own history and
    step length; an iteration costs one evaluation for all models. The step rule is backtracking on the Armijo
    condition (a rejected step is retried, shorter, at the next iteration), with Hager and Zhang's approximate
    Wolfe condition accepted too once the decrease is below what the float type resolves. A model stops when
    ``max |∇f| <= tol`` or after ``steps`` iterations; stopped models are frozen.
    """
    resolution = 100 * jnp.finfo(state.x.dtype).eps

    def cond(st):
        return jnp.sum(~st.done) > until

    def body(st):
        d = _direction(st, memory)
        slope = jnp.einsum("mp,mp->m", st.g, d)
        uphill = slope >= 0                                       # lost descent: restart from −g
        d = jnp.where(uphill[:, None], -st.g, d)
        slope = jnp.where(uphill, -jnp.einsum("mp,mp->m", st.g, st.g), slope)
        stored = jnp.where(uphill, 0, st.stored)
        x_new = st.x + st.t[:, None] * d
        f_new, g_new = value_and_grad(x_new)
        slope_new = jnp.einsum("mp,mp->m", g_new, d)
        armijo = f_new <= st.f + 1e-4 * st.t * slope
        approximate = (f_new <= st.f + resolution * jnp.abs(st.f)) & (slope_new <= 0.8 * -slope)
        accept = (armijo | approximate) & jnp.isfinite(f_new) & ~st.done
        s_new, y_new = x_new - st.x, g_new - st.g
        curvature = jnp.einsum("mp,mp->m", s_new, y_new)
        push = accept & (curvature > resolution * jnp.sqrt(jnp.einsum("mp,mp->m", s_new, s_new)
                                                           * jnp.einsum("mp,mp->m", y_new, y_new)))
        # a rejected step: shrink by the minimizer of the quadratic through f, the slope and f_new, within [0.1, 0.5]
        excess = f_new - st.f - st.t * slope
        shrink = jnp.clip(-slope * st.t / (2 * jnp.where(excess > 0, excess, 1.0)), 0.1, 0.5)
        shrink = jnp.where((excess > 0) & jnp.isfinite(f_new), shrink, 0.1)
        t = jnp.where(accept, 1.0, st.t * shrink)
        a2, p3 = accept[:, None], push[:, None, None]
        x = jnp.where(a2, x_new, st.x)
        g = jnp.where(a2, g_new, st.g)
        s = jnp.where(p3, jnp.concatenate([s_new[:, None], st.s[:, :-1]], axis=1), st.s)
        y = jnp.where(p3, jnp.concatenate([y_new[:, None], st.y[:, :-1]], axis=1), st.y)
        iters = st.iters + ~st.done
        finished = (jnp.max(jnp.abs(g), axis=1) <= tol) | (t < 1e-12) | (iters >= steps)
        return _LBFGSState(x, jnp.where(accept, f_new, st.f), g, s, y,
                           jnp.where(push, jnp.minimum(stored + 1, memory), stored), t, st.done | finished, iters)

    return jax.lax.while_loop(cond, body, state)


# ------------------------------------------------------------------------------------------------ logistic regression
def _penalty_weight(num_classes: int) -> float:
    # K = 2: the softmax model's two weight vectors w0, w1 act through v = w1 − w0 only; at the optimum
    # w0 = −w1 = −v/2, so ‖W‖² = ‖v‖²/2 and a penalty of ‖W‖² equals scikit-learn's binary ½‖v‖².
    return 1.0 if num_classes == 2 else 0.5


def _lr_value_and_grad(x, data: _Rows, C, num_classes: int):
    """The scaled objective ``(1/N) Σ CE + λ‖W‖² / (C N)`` of every model and its gradient, by hand.

    x: (M, P) flat parameters, ``W`` row-major (d, K) then ``b`` (K). The logits of all models on the shared rows
    come from one product ``base @ [W_1 … W_M]`` laid out (N, K, M) (the softmax then reduces over a middle axis,
    which vectorizes across models); each model's changed rows are corrected in place. Each row's cross-entropy
    and residual ``softmax − onehot`` are formed before any sum over rows, so that nothing large cancels in float32.
    Dividing by ``C N`` is the scale scikit-learn's lbfgs works at, so ``tol`` means the same.
    """
    N, d = data.base.shape
    M, K = x.shape[0], num_classes
    W = x[:, : d * K].reshape(M, d, K)
    b = x[:, d * K:]
    logits = (data.base @ jnp.transpose(W, (1, 2, 0)).reshape(d, K * M)).reshape(N, K, M) + b.T[None]
    models = jnp.arange(M)[:, None]
    if data.rows is not None:
        fix = jnp.einsum("mjc,mck->mjk", data.delta, W[:, data.columns, :])
        logits = logits.at[data.rows, :, models].add(fix)
    lse, prob = _lse_softmax(logits, axis=1)
    label = jnp.arange(K)[None, :, None] == data.labels[:, None, :]                  # (N, K, M)
    cross_entropy = lse - jnp.sum(jnp.where(label, logits, 0.0), axis=1)             # (N, M)
    residual = prob - label
    grad_W = jnp.transpose((data.base.T @ residual.reshape(N, K * M)).reshape(d, K, M), (2, 0, 1))
    if data.rows is not None:
        grad_W = grad_W.at[:, data.columns, :].add(
            jnp.einsum("mjc,mjk->mck", data.delta, residual[data.rows, :, models]))
    lam = _penalty_weight(num_classes) / C
    value = (cross_entropy.sum(0) + lam * jnp.einsum("mdk,mdk->m", W, W)) / N
    grad_W = (grad_W + 2 * lam * W) / N
    grad_b = residual.sum(0).T / N
    return value, jnp.concatenate([grad_W.reshape(M, -1), grad_b], axis=1)


def _subset(data: _Rows, pick) -> _Rows:
    """The same sweep restricted to the models ``pick`` (the shared rows stay shared)."""
    take = lambda a: None if a is None else a[pick]  # noqa: E731
    return data._replace(labels=data.labels[:, pick], rows=take(data.rows), delta=take(data.delta))


@partial(jax.jit, static_argnames=("num_classes", "steps", "memory"))
def _lr_fit(x0, data: _Rows, C, tol, *, num_classes, steps, memory):
    """L-BFGS on all models; once only an eighth of them are still running, those few continue as a smaller
    batch (their iterates do not depend on the batch they are in, so this changes the cost, not the result)."""
    M, d = x0.shape[0], data.base.shape[1]
    objective = lambda data: lambda x: _lr_value_and_grad(x, data, C, num_classes)  # noqa: E731
    options = dict(steps=steps, tol=tol, memory=memory)
    state = _lbfgs_start(objective(data), x0, tol=tol, memory=memory)
    few = M // 8 if M >= 32 else 0
    state = _lbfgs_run(objective(data), state, until=few, **options)
    if few:
        pick = jnp.argsort(state.done, stable=True)[:few]          # the models still running come first
        rest = _lbfgs_run(objective(_subset(data, pick)), jax.tree_util.tree_map(lambda a: a[pick], state),
                          **options)
        state = jax.tree_util.tree_map(lambda a, b: a.at[pick].set(b), state, rest)
    x = state.x
    params = LinearParams(x[:, : d * num_classes].reshape(M, d, num_classes), x[:, d * num_classes:])
    return params, jnp.max(jnp.abs(state.g), axis=1), state.iters


def _lr_logits(params: LinearParams, X):
    if X.ndim == 2:
        return jnp.einsum("nd,mdk->mnk", X, params.weights) + params.bias[:, None, :]
    return jnp.einsum("mnd,mdk->mnk", X, params.weights) + params.bias[:, None, :]


@jax.jit
def _lr_predict(params: LinearParams, X):
    return jnp.argmax(_lr_logits(params, X), axis=-1)


@dataclass(frozen=True)
class LogisticRegression:
    """Multinomial logistic regression, scikit-learn's ``LogisticRegression(C=C)`` objective, for M datasets at once.

    Each model minimizes

        C · Σ_i CE(softmax(W x_i + b), y_i) + ½ ‖W‖²      (the intercept b is not penalized)

    over ``W`` (d × K) and ``b`` (K), exactly the objective scikit-learn minimizes with ``penalty="l2"`` and the
    lbfgs solver (for K = 2 the penalty is ``‖W‖²``, which equals scikit-learn's ``½‖w‖²`` on its single weight
    vector, see the comment in ``_penalty_weight``). Like scikit-learn, the solver works on the objective divided by
    ``C N`` and stops a model when the largest absolute gradient entry of that scaled objective is at most ``tol``
    (scikit-learn's ``gtol``). The solver is L-BFGS, batched over models by hand: one objective evaluation per
    iteration for all models, each model with its own history and backtracking step (a vmapped line search with
    its own inner loop, as in ``optax.lbfgs``, measured 30 times slower on CPU). Rows that most of the M datasets
    share are multiplied once for all models (see the module docstring), and once only an eighth of the models are
    still running they continue as a smaller batch. Each model's iterates are those it would have alone, up to
    float32 rounding. Parameters start at zero unless ``init`` is given, as in scikit-learn; the ``key`` is
    accepted for the common protocol and not used.

    This is the firm of [6] §5 when it fits a linear classifier to the mixture; a sweep warm-starts every model from
    the clean model (``init=fit_one(...)``).

    Args:
        C: inverse regularization strength (> 0), as in scikit-learn.
        steps: at most this many iterations (one objective evaluation each, rejected steps included).
        tol: stop a model when ``max |∇(objective / (C N))| <= tol``.
        memory: number of (step, gradient change) pairs L-BFGS keeps.
    """

    C: float = 1.0
    steps: int = 300
    tol: float = 1e-4
    memory: int = 10

    def __post_init__(self):
        object.__setattr__(self, "C", check_positive("C", self.C))
        object.__setattr__(self, "steps", check_positive_int("steps", self.steps))
        object.__setattr__(self, "tol", check_positive("tol", self.tol))
        object.__setattr__(self, "memory", check_positive_int("memory", self.memory))

    def _shapes(self, features: int, num_classes: int) -> dict:
        return {"weights": (features, num_classes), "bias": (num_classes,)}

    def fit_with_info(self, X, y, *, num_classes: int, key=None, init=None):
        """:meth:`fit`, also returning each model's final ``max |∇|`` of the scaled objective (M,) and its number
        of iterations (M,)."""
        num_classes = _check_num_classes(num_classes)
        X = _check_features(X)
        M, N, d = X.shape
        y = _check_labels(y, (M, N), num_classes)
        if init is None:
            start = LinearParams(jnp.zeros((M, d, num_classes), _dtype()), jnp.zeros((M, num_classes), _dtype()))
        else:
            start = _check_params(init, self._shapes(d, num_classes), M, "init", LinearParams)
        x0 = jnp.concatenate([start.weights.reshape(M, -1), start.bias], axis=1)
        params, gmax, iters = _lr_fit(x0, _shared_rows(X, y), jnp.asarray(self.C, _dtype()),
                                      jnp.asarray(self.tol, _dtype()), num_classes=num_classes, steps=self.steps,
                                      memory=self.memory)
        return params, np.asarray(gmax), np.asarray(iters)

    def fit(self, X, y, *, num_classes: int, key=None, init=None) -> LinearParams:
        """Fit M models, one to each dataset ``X[m], y[m]``, in one compiled call.

        Args:
            X: features, shape (M, N, d) (standardized by the caller).
            y: integer labels in [0, num_classes), shape (M, N).
            num_classes: K >= 2.
            key: unused (the fit is deterministic); accepted for the common protocol.
            init: warm start, a :class:`LinearParams` of one model (broadcast to all) or of M models.

        Returns:
            :class:`LinearParams` with leading axis M.
        """
        return self.fit_with_info(X, y, num_classes=num_classes, key=key, init=init)[0]

    def fit_one(self, X, y, *, num_classes: int, key=None) -> LinearParams:
        """Fit a single model to ``X`` (N, d), ``y`` (N,); the parameters have no leading axis."""
        X = _check_features(X, ndims=(2,))
        params = self.fit(X[None], np.asarray(y)[None] if np.ndim(y) == 1 else y, num_classes=num_classes, key=key)
        return LinearParams(*(leaf[0] for leaf in params))

    def _stacked(self, params) -> LinearParams:
        if not isinstance(params, (tuple, list)) or len(params) != 2 or np.ndim(params[0]) != 3:
            raise InvalidParameterError("params: expected LinearParams with a leading models axis (weights of shape "
                                        f"(M, d, K)), got {type(params).__name__}")
        M, d, K = np.shape(params[0])
        return _check_params(params, self._shapes(d, K), M, "params", LinearParams)

    def predict(self, params: LinearParams, X) -> np.ndarray:
        """Labels (M, N) for ``X`` of shape (N, d) (the same rows for every model) or (M, N, d)."""
        params = self._stacked(params)
        X = _stacked_features(X, _leading(params), params.weights.shape[1])
        return np.asarray(_lr_predict(params, jnp.asarray(X, _dtype())))

    def accuracy(self, params: LinearParams, X, y) -> np.ndarray:
        """Fraction of rows each model labels correctly, shape (M,); ``y`` is (N,) or (M, N)."""
        return _accuracy(self.predict(params, X), y, int(np.shape(params[1])[-1]))

    def objective(self, params: LinearParams, X, y) -> np.ndarray:
        """Each model's objective ``C Σ CE + ½‖W‖²`` (``‖W‖²`` for K = 2) on its dataset, (M,), in float64 NumPy:
        the quantity :meth:`fit` minimizes, for comparisons with other solvers."""
        params = self._stacked(params)
        W = np.asarray(params.weights, np.float64)
        b = np.asarray(params.bias, np.float64)
        M, d, K = W.shape
        X = _stacked_features(X, M, d)
        Xs = np.broadcast_to(X, (M, *X.shape)) if X.ndim == 2 else X
        y = _check_labels(np.broadcast_to(y, Xs.shape[:2]) if np.ndim(y) == 1 else y, Xs.shape[:2], K)
        z = np.einsum("mnd,mdk->mnk", Xs, W) + b[:, None, :]
        top = z.max(-1, keepdims=True)
        lse = np.log(np.exp(z - top).sum(-1)) + top[..., 0]
        ce = lse - np.take_along_axis(z, y[..., None], -1)[..., 0]
        return self.C * ce.sum(-1) + _penalty_weight(K) * (W ** 2).sum((1, 2))


def _accuracy(labels: np.ndarray, y, num_classes: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 1:
        y = np.broadcast_to(y, labels.shape)
    y = _check_labels(y, labels.shape, num_classes)
    return (labels == y).mean(axis=1)


# ------------------------------------------------------------------------------------------------ MLP
def _mlp_logits(p: MLPParams, X):
    """Logits of one model: X (n, d) -> (n, K)."""
    return jax.nn.relu(X @ p.w1 + p.b1) @ p.w2 + p.b2


def _glorot(key, d: int, hidden: int, num_classes: int, dtype) -> MLPParams:
    """Glorot-uniform weights, ``U(±sqrt(6 / (fan_in + fan_out)))`` (scikit-learn's bound for relu), zero biases."""
    k1, k2 = jax.random.split(key)
    b1, b2 = np.sqrt(6.0 / (d + hidden)), np.sqrt(6.0 / (hidden + num_classes))
    return MLPParams(jax.random.uniform(k1, (d, hidden), dtype, -b1, b1), jnp.zeros(hidden, dtype),
                     jax.random.uniform(k2, (hidden, num_classes), dtype, -b2, b2), jnp.zeros(num_classes, dtype))


@partial(jax.jit, static_argnames=("num_classes", "batch_size"))
def _mlp_fit(X, y, keys, init: MLPParams, warm, alpha, learning_rate, epochs, *, num_classes, batch_size):
    """Adam on minibatches for each model (vmapped over the leading axis of X, y, keys and init). ``warm`` (start
    from ``init`` or from a fresh initialization) and ``epochs`` are traced, so one compilation serves both."""
    N = X.shape[1]
    batches = -(-N // batch_size)
    padded = batches * batch_size
    optimizer = optax.adam(learning_rate)

    def one(X, y, key, start):
        k_init, k_shuffle = jax.random.split(key)
        fresh = _glorot(k_init, X.shape[1], start.w1.shape[-1], num_classes, X.dtype)
        params = jax.tree_util.tree_map(lambda a, b: jnp.where(warm, a, b), start, fresh)

        def loss(p, xb, yb, mask):
            count = mask.sum()
            logits = _mlp_logits(p, xb)
            ce = jax.nn.logsumexp(logits, -1) - jnp.take_along_axis(logits, yb[:, None], -1)[:, 0]
            # scikit-learn's MLP loss on a batch: mean CE + α/(2·batch) Σ‖W‖² (biases not penalized)
            return (mask * ce).sum() / count + alpha * ((p.w1 ** 2).sum() + (p.w2 ** 2).sum()) / (2 * count)

        def batch_step(carry, batch):
            p, opt = carry
            idx, mask = batch
            grads = jax.grad(loss)(p, X[idx], y[idx], mask)
            updates, opt = optimizer.update(grads, opt, p)
            return (optax.apply_updates(p, updates), opt), None

        def epoch(e, carry):
            # a fresh shuffle every epoch; the last batch holds the N mod batch_size leftover rows (masked padding)
            order = jax.random.permutation(jax.random.fold_in(k_shuffle, e), N)
            order = jnp.concatenate([order, jnp.zeros(padded - N, order.dtype)]).reshape(batches, batch_size)
            mask = (jnp.arange(padded) < N).astype(X.dtype).reshape(batches, batch_size)
            carry, _ = jax.lax.scan(batch_step, carry, (order, mask))
            return carry

        params, _ = jax.lax.fori_loop(0, epochs, epoch, (params, optimizer.init(params)))
        return params

    return jax.vmap(one)(X, y, keys, init)


@jax.jit
def _mlp_predict(params: MLPParams, X):
    if X.ndim == 2:          # the same rows for every model: the first layer is one matrix product for all
        hidden = jax.nn.relu(jnp.einsum("nd,mdh->mnh", X, params.w1) + params.b1[:, None, :])
    else:
        hidden = jax.nn.relu(jnp.einsum("mnd,mdh->mnh", X, params.w1) + params.b1[:, None, :])
    return jnp.argmax(jnp.einsum("mnh,mhk->mnk", hidden, params.w2) + params.b2[:, None, :], axis=-1)


@dataclass(frozen=True)
class MLP:
    """A one-hidden-layer ReLU network with a softmax output, trained like scikit-learn's ``MLPClassifier``, for M
    datasets at once.

    Each model minimizes, on each minibatch B, ``(1/|B|) Σ_{i∈B} CE_i + α/(2|B|) (‖W1‖² + ‖W2‖²)`` with Adam
    (β = 0.9, 0.999, ε = 1e-8), the rows reshuffled every epoch and the last batch holding the leftover rows — the
    loss, optimizer and batching of ``MLPClassifier(hidden_layer_sizes=(hidden,), alpha=alpha, batch_size=...,
    learning_rate_init=...)``. Differences: a fixed number of epochs (no tolerance-based early stop) and zero
    initial biases (weights are Glorot-uniform with scikit-learn's bound). Each model gets its own key (a single
    ``key`` is split into M), used for the initialization and the shuffles; ``init`` replaces the initialization
    and then only the shuffles are drawn, so warm-started fine-tuning for a few epochs is ``MLP(epochs=5).fit(...,
    init=clean)``. The number of epochs and whether ``init`` is given are not part of the compiled function's
    signature: one compilation per data shape serves every epoch count, warm or cold.

    This is the firm of [6] §5 when it trains a neural network on the mixture. Fine-tuning from a clean model for a
    few epochs is much faster than training each model from scratch, but it is a different firm: a signal carried by
    very few points moves an already-trained model less. Measured on digits with a 2x2 patch
    (``benchmarks/collective_action.py``): at α = 0.001 (one planted image) the success was 0.50 after a 20-epoch
    fine-tune against 0.84 from scratch; from α ≈ 0.007 on the two agree.

    Args:
        hidden: width of the hidden layer.
        alpha: L2 strength, as scikit-learn's ``alpha``.
        batch_size: rows per minibatch (capped at N).
        epochs: passes over the data.
        learning_rate: Adam's step size.
    """

    hidden: int = 64
    alpha: float = 1e-4
    batch_size: int = 200
    epochs: int = 200
    learning_rate: float = 1e-3

    def __post_init__(self):
        object.__setattr__(self, "hidden", check_positive_int("hidden", self.hidden))
        object.__setattr__(self, "alpha", check_positive("alpha", self.alpha, allow_zero=True))
        object.__setattr__(self, "batch_size", check_positive_int("batch_size", self.batch_size))
        object.__setattr__(self, "epochs", check_positive_int("epochs", self.epochs))
        object.__setattr__(self, "learning_rate", check_positive("learning_rate", self.learning_rate))

    def _shapes(self, features: int, num_classes: int) -> dict:
        return {"w1": (features, self.hidden), "b1": (self.hidden,), "w2": (self.hidden, num_classes),
                "b2": (num_classes,)}

    def fit(self, X, y, *, num_classes: int, key, init=None) -> MLPParams:
        """Train M models, one on each dataset ``X[m], y[m]``, in one compiled call.

        Args:
            X: features, shape (M, N, d) (standardized by the caller).
            y: integer labels in [0, num_classes), shape (M, N).
            num_classes: K >= 2.
            key: one PRNG key (split into one per model) or a stack of M keys.
            init: warm start, an :class:`MLPParams` of one model (broadcast to all) or of M models.

        Returns:
            :class:`MLPParams` with leading axis M.
        """
        num_classes = _check_num_classes(num_classes)
        X = _check_features(X)
        M, N, d = X.shape
        y = _check_labels(y, (M, N), num_classes)
        keys = _model_keys(key, M)
        if init is not None:
            start = _check_params(init, self._shapes(d, num_classes), M, "init", MLPParams)
        else:   # placeholders of the right shapes; the initialization is drawn inside from each model's key
            start = MLPParams(*(jnp.zeros((M, *s), _dtype()) for s in self._shapes(d, num_classes).values()))
        return _mlp_fit(jnp.asarray(X, _dtype()), jnp.asarray(y), keys, start, jnp.asarray(init is not None),
                        jnp.asarray(self.alpha, _dtype()), jnp.asarray(self.learning_rate, _dtype()),
                        jnp.asarray(self.epochs, jnp.int32), num_classes=num_classes,
                        batch_size=min(self.batch_size, N))

    def fit_one(self, X, y, *, num_classes: int, key) -> MLPParams:
        """Train a single model on ``X`` (N, d), ``y`` (N,) with ``key`` as its own key; no leading axis."""
        X = _check_features(X, ndims=(2,))
        key = jnp.asarray(key)
        params = self.fit(X[None], np.asarray(y)[None] if np.ndim(y) == 1 else y, num_classes=num_classes,
                          key=key[None])
        return MLPParams(*(leaf[0] for leaf in params))

    def _stacked(self, params) -> MLPParams:
        if not isinstance(params, (tuple, list)) or len(params) != 4 or np.ndim(params[0]) != 3:
            raise InvalidParameterError("params: expected MLPParams with a leading models axis (w1 of shape "
                                        f"(M, d, hidden)), got {type(params).__name__}")
        M, d, hidden = np.shape(params[0])
        shapes = {"w1": (d, hidden), "b1": (hidden,), "w2": (hidden, int(np.shape(params[3])[-1])),
                  "b2": (int(np.shape(params[3])[-1]),)}
        return _check_params(params, shapes, M, "params", MLPParams)

    def predict(self, params: MLPParams, X) -> np.ndarray:
        """Labels (M, N) for ``X`` of shape (N, d) (the same rows for every model) or (M, N, d)."""
        params = self._stacked(params)
        X = _stacked_features(X, _leading(params), params.w1.shape[1])
        return np.asarray(_mlp_predict(params, jnp.asarray(X, _dtype())))

    def accuracy(self, params: MLPParams, X, y) -> np.ndarray:
        """Fraction of rows each model labels correctly, shape (M,); ``y`` is (N,) or (M, N)."""
        return _accuracy(self.predict(params, X), y, int(np.shape(params[3])[-1]))
