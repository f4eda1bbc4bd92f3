"""Games whose learner picks a model class as its action set, [7].

[7] Handina, Mazumdar. Understanding model selection for learning in strategic environments. NeurIPS 2024
(arXiv 2402.07588).

A *strategic game* here is a game between a learner, whose action is a parameter vector ``θ`` in a model class
``Θ``, and the rest of the environment (strategic agents, a competitor), whose action is ``w``. The point
``z = (θ, w)`` lives in the product ``Θ × W``; each player minimizes its own loss, and the vector of their partial
gradients ``F(z) = (∇_θ ℓ_L(θ, w), ∇_w ℓ_A(θ, w))`` is the game's operator. A Nash equilibrium is a solution of the
variational inequality VI(F, Θ × W), so a :class:`StrategicGame` *is* a
:class:`~stratlearn.games.vi.VariationalInequality`, with three things added: the learner's loss ``ℓ_L`` (the
quantity [7] compares across classes), a stochastic first-order oracle (what Algorithm 1 of [7] observes) and the
constants its error bound needs.

[7]'s observation is that the learner's equilibrium loss need not fall as ``Θ`` grows ("reverse scaling", a
Braess-like paradox); :meth:`StrategicGame.restrict` replaces the learner's set by a smaller :class:`ModelClass`, and
:class:`NestedClasses` orders candidates by inclusion.

Model classes are convex sets of the learner's parameters: :func:`feature_subset` (a linear model on a subset of the
features: the other coordinates fixed at 0, the used ones in ``[−bound, bound]``), :func:`norm_ball` and
:func:`interval` (a box). A game's *full class* is the set it was built with; every class it is restricted to must
be a subset of it, which is checked exactly (box in box, ball in ball, box in ball, ball in box).

Constructors (each documented with its equations): :func:`strategic_regression`, :func:`strategic_classification`,
:func:`cournot`. Markov games with restricted policy classes are built by :func:`restrict_row_actions`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import (InvalidGameError, InvalidParameterError, check_finite_array, check_in_range, check_positive,
                      check_positive_int, check_seed)
from .base import pytree_game
from .vi import Ball, Box, Domain, VariationalInequality

__all__ = ["ModelClass", "NestedClasses", "feature_subset", "norm_ball", "interval", "StrategicGame",
           "StrategicConstants", "strategic_regression", "strategic_classification", "cournot", "learner_loss",
           "check_strongly_monotone", "restrict_row_actions"]


# ------------------------------------------------------------------------------------------------ model classes
@dataclass(frozen=True)
class ModelClass:
    """A convex set of the learner's parameters: a :class:`~stratlearn.games.vi.Box` or a
    :class:`~stratlearn.games.vi.Ball` of ``size`` coordinates, with a name for tables and figures."""

    block: Any
    name: str

    def __post_init__(self):
        if not isinstance(self.block, (Box, Ball)):
            raise InvalidParameterError(f"model class {self.name!r}: expected a Box or a Ball of parameters, got "
                                        f"{type(self.block).__name__}")

    @property
    def size(self) -> int:
        return self.block.size

    def contains(self, other: "ModelClass", tolerance: float = 1e-12) -> bool:
        """Whether ``other ⊆ self`` (exact for boxes and balls centred anywhere)."""
        return _why_not_subset(other.block, self.block, tolerance) is None

    def radius(self) -> float:
        """``max_{θ ∈ Θ} ‖θ‖``."""
        return _max_norm(self.block)


def _floats(field: str, value) -> np.ndarray:
    """``value`` as a float array, or a clear error naming the field (never NumPy's conversion message)."""
    if isinstance(value, (str, bytes)):
        raise InvalidParameterError(f"{field}={value!r}: expected numbers, got a string")
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{field}={value!r}: expected a number or a list of numbers") from None


def _index_list(field: str, value) -> list:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidParameterError(f"{field}={value!r}: expected a list of indices")
    return list(value)


def _max_norm(block) -> float:
    if isinstance(block, Box):
        low, high = np.abs(np.asarray(block.low, float)), np.abs(np.asarray(block.high, float))
        return float(np.linalg.norm(np.maximum(low, high)))
    return float(np.linalg.norm(np.asarray(block.center_point, float)) + block.radius)


def _why_not_subset(inner, outer, tol) -> str | None:
    """None when ``inner ⊆ outer``, else a sentence saying where it sticks out."""
    if inner.size != outer.size:
        return f"it has {inner.size} parameters, the full class {outer.size}"
    if isinstance(outer, Box):
        lo, hi = np.asarray(outer.low, float), np.asarray(outer.high, float)
        if isinstance(inner, Box):
            ilo, ihi = np.asarray(inner.low, float), np.asarray(inner.high, float)
        else:
            c = np.asarray(inner.center_point, float)
            ilo, ihi = c - inner.radius, c + inner.radius
        bad = np.flatnonzero((ilo < lo - tol) | (ihi > hi + tol))
        if bad.size:
            j = int(bad[0])
            return f"coordinate {j} ranges over [{ilo[j]:g}, {ihi[j]:g}], not inside [{lo[j]:g}, {hi[j]:g}]"
        return None
    c, r = np.asarray(outer.center_point, float), outer.radius
    if isinstance(inner, Ball):
        reach = np.linalg.norm(np.asarray(inner.center_point, float) - c) + inner.radius
    else:  # the box's farthest corner from the ball's centre
        lo, hi = np.asarray(inner.low, float) - c, np.asarray(inner.high, float) - c
        reach = np.linalg.norm(np.maximum(np.abs(lo), np.abs(hi)))
    if reach > r + tol:
        return f"it reaches distance {reach:g} from the centre, beyond the radius {r:g}"
    return None


def feature_subset(features: Sequence[int], dim: int, bound: float = 1.0, *, name: str | None = None) -> ModelClass:
    """Linear models on the features ``features`` of ``dim``: ``θ_j ∈ [−bound, bound]`` for ``j`` in the subset,
    ``θ_j = 0`` otherwise."""
    dim = check_positive_int("dim", dim)
    bound = check_positive("bound", bound)
    features = _index_list("features", features)
    chosen = []
    for j in features:
        if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or not 0 <= j < dim:
            raise InvalidParameterError(f"features={list(features)!r}: expected indices in [0, {dim}), got {j!r}")
        chosen.append(int(j))
    if not chosen:
        raise InvalidParameterError(f"features=[]: an empty model class; expected at least one index in [0, {dim})")
    if len(set(chosen)) != len(chosen):
        raise InvalidParameterError(f"features={chosen!r}: expected distinct indices")
    mask = np.zeros(dim, bool)
    mask[chosen] = True
    low = tuple(float(-bound) if m else 0.0 for m in mask)
    high = tuple(float(bound) if m else 0.0 for m in mask)
    return ModelClass(Box(low, high), name or "features{" + ",".join(str(j) for j in sorted(chosen)) + "}")


def norm_ball(radius: float, dim: int, *, name: str | None = None) -> ModelClass:
    """Linear models with ``‖θ‖ ≤ radius`` (a ball around the origin)."""
    dim = check_positive_int("dim", dim)
    if isinstance(radius, bool) or not isinstance(radius, (int, float, np.integer, np.floating)) or not math.isfinite(
            radius):
        raise InvalidParameterError(f"radius={radius!r}: expected a finite number > 0")
    if radius <= 0:
        raise InvalidParameterError(f"radius={radius!r}: the ball is empty or a single point; expected radius > 0")
    return ModelClass(Ball((0.0,) * dim, float(radius)), name or f"ball(r={radius:g})")


def interval(low, high, *, name: str | None = None) -> ModelClass:
    """The box ``low ≤ θ ≤ high`` (numbers for one parameter, sequences for several)."""
    lo = np.atleast_1d(_floats("low", low))
    hi = np.atleast_1d(_floats("high", high))
    if lo.ndim != 1 or lo.shape != hi.shape:
        raise InvalidParameterError(f"low={low!r}, high={high!r}: expected bounds of one equal length")
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise InvalidParameterError(f"low={low!r}, high={high!r}: expected finite bounds")
    if (lo > hi).any():
        j = int(np.flatnonzero(lo > hi)[0])
        raise InvalidParameterError(f"low={low!r}, high={high!r}: an empty model class (low > high at coordinate "
                                    f"{j}); expected low <= high")
    label = name or ("[" + ", ".join(f"{a:g}..{b:g}" for a, b in zip(lo, hi)) + "]")
    return ModelClass(Box(tuple(lo.tolist()), tuple(hi.tolist())), label)


@dataclass(frozen=True)
class NestedClasses:
    """Candidate model classes ordered by inclusion, least expressive first: ``classes[k] ⊆ classes[k + 1]``."""

    classes: tuple

    def __post_init__(self):
        classes = tuple(self.classes) if isinstance(self.classes, (list, tuple)) else self.classes
        if not isinstance(classes, tuple) or not classes:
            raise InvalidParameterError(f"classes={self.classes!r}: expected a non-empty list of ModelClass")
        for k, c in enumerate(classes):
            if not isinstance(c, ModelClass):
                raise InvalidParameterError(f"classes[{k}]: expected a ModelClass, got {type(c).__name__}")
        for k in range(len(classes) - 1):
            why = _why_not_subset(classes[k].block, classes[k + 1].block, 1e-12)
            if why is not None:
                raise InvalidParameterError(f"classes[{k}] ({classes[k].name!r}) is not a subset of classes[{k + 1}] "
                                            f"({classes[k + 1].name!r}): {why}; expected nested classes, least "
                                            "expressive first")
        object.__setattr__(self, "classes", classes)

    def __len__(self) -> int:
        return len(self.classes)

    def __iter__(self):
        return iter(self.classes)

    def __getitem__(self, k):
        return self.classes[k]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.classes]


# ------------------------------------------------------------------------------------------------ the game
@dataclass(frozen=True)
class StrategicConstants:
    """The constants in the error bound of Algorithm 1 on a game restricted to a class.

    Attributes:
        strong_monotonicity: ``μ`` with ``⟨F(z) − F(z'), z − z'⟩ ≥ μ‖z − z'‖²`` on the domain.
        lipschitz: ``L`` with ``‖F(z) − F(z')‖ ≤ L‖z − z'‖`` on the domain.
        gradient_second_moment: ``G²`` with ``E‖F̂(z)‖² ≤ G²`` for every ``z`` of the domain (``F̂`` the oracle).
        loss_lipschitz: ``L_ℓ`` with ``|ℓ_L(z) − ℓ_L(z')| ≤ L_ℓ‖z − z'‖`` on the domain.
        loss_variance: a bound on the variance of one noisy observation of ``ℓ_L``.
    """

    strong_monotonicity: float
    lipschitz: float
    gradient_second_moment: float
    loss_lipschitz: float
    loss_variance: float


@pytree_game
@dataclass(frozen=True, eq=False, init=False)
class StrategicGame(VariationalInequality):
    """A learner (the first block of the domain, ``learner_size`` coordinates) against the environment (the other
    blocks); see the module docstring.

    Attributes (beyond :class:`~stratlearn.games.vi.VariationalInequality`'s):
        loss: ``(params, z) -> ℓ_L(z)``, the learner's loss (static).
        strong_monotonicity: ``μ`` on the current domain (static: the step size of Algorithm 1 needs it inside
            ``jit``).
        oracle: ``(params, z, key) -> (F̂(z), ℓ̂_L(z))``: one unbiased sample of the operator and one of the learner's
            loss (static).
        mean_observation: optional ``(params, z, key, n) -> `` the mean of ``n`` independent loss observations,
            drawn directly from its distribution where that is known (the Gaussian oracle); ``None`` averages ``n``
            oracle calls (static).
        gradient_oracle: optional ``(params, z, key) -> F̂(z)`` drawing the operator sample alone (cheaper when the
            loss observation is not needed); ``None`` uses ``oracle`` (static).
        constants: ``(params, radius) -> StrategicConstants`` on a domain whose points have norm at most ``radius``
            (static).
        learner_size: the learner's number of parameters.
        full_class: the :class:`ModelClass` the game was built with; ``model_class`` the one it is restricted to.
    """

    loss: Callable
    oracle: Callable
    constants_fn: Callable
    learner_size: int
    full_class: ModelClass
    model_class: ModelClass
    strong_monotonicity: float
    mean_observation: Callable | None
    gradient_oracle: Callable | None

    _static = ("domain", "operator", "monotone", "name", "loss", "oracle", "constants_fn", "learner_size",
               "full_class", "model_class", "strong_monotonicity", "mean_observation", "gradient_oracle")

    def __init__(self, operator, params, domain: Domain, *, loss, oracle, constants, full_class: ModelClass,
                 model_class: ModelClass | None = None, mean_observation: Callable | None = None,
                 gradient_oracle: Callable | None = None, name: str = "strategic_game"):
        super().__init__(operator, params, domain, monotone="strongly", name=name)
        if not isinstance(full_class, ModelClass):
            raise InvalidGameError(f"full_class: expected a ModelClass, got {type(full_class).__name__}")
        if domain.blocks[0].size != full_class.size:
            raise InvalidGameError(f"full_class: {full_class.size} parameters, but the learner's block has "
                                   f"{domain.blocks[0].size}")
        for field, value in (("loss", loss), ("oracle", oracle), ("constants_fn", constants),
                             ("learner_size", full_class.size), ("full_class", full_class),
                             ("model_class", model_class or full_class), ("mean_observation", mean_observation),
                             ("gradient_oracle", gradient_oracle)):
            object.__setattr__(self, field, value)
        object.__setattr__(self, "strong_monotonicity", float(self.constants().strong_monotonicity))

    # -------------------------------------------------------------------------------------------- views
    def learner(self, z):
        """The learner's parameters ``θ`` of a point (or batch of points) ``z``."""
        return z[..., :self.learner_size]

    def learner_loss(self, z):
        """``ℓ_L(z)``, jit/vmap-able."""
        return self.loss(self.params, z)

    def sample(self, z, key):
        """``(F̂(z), ℓ̂_L(z))``: one stochastic-oracle call."""
        return self.oracle(self.params, z, key)

    def sample_gradient(self, z, key):
        """``F̂(z)`` alone."""
        if self.gradient_oracle is not None:
            return self.gradient_oracle(self.params, z, key)
        return self.oracle(self.params, z, key)[0]

    def constants(self) -> StrategicConstants:
        """The bound constants on this game's current domain."""
        radius = float(np.linalg.norm([_max_norm(b) if isinstance(b, (Box, Ball)) else 1.0
                                       for b in self.domain.blocks]))
        return self.constants_fn(self.params, radius)

    # -------------------------------------------------------------------------------------------- classes
    def restrict(self, model_class: ModelClass) -> "StrategicGame":
        """The same game with the learner's set replaced by ``model_class``, which must be a subset of the full
        class."""
        if not isinstance(model_class, ModelClass):
            raise InvalidParameterError(f"model_class: expected a ModelClass, got {type(model_class).__name__}")
        why = _why_not_subset(model_class.block, self.full_class.block, 1e-12)
        if why is not None:
            raise InvalidParameterError(f"model_class {model_class.name!r} is not a subset of the full class "
                                        f"{self.full_class.name!r}: {why}")
        domain = Domain((model_class.block,) + self.domain.blocks[1:])
        return StrategicGame(self.operator, self.params, domain, loss=self.loss, oracle=self.oracle,
                             constants=self.constants_fn, full_class=self.full_class, model_class=model_class,
                             mean_observation=self.mean_observation, gradient_oracle=self.gradient_oracle,
                             name=self.name)

    def describe(self) -> dict:
        return {**super().describe(), "learner_size": self.learner_size, "model_class": self.model_class.name}


def learner_loss(game: StrategicGame, z):
    """The metric ``(game, z) -> ℓ_L(z)``: the learner's loss at the point ``z`` (jit/vmap-able)."""
    if not isinstance(game, StrategicGame):
        raise InvalidGameError(f"metric learner_loss: expected a StrategicGame (a game whose learner has a loss), got "
                               f"{type(game).__name__}")
    return game.learner_loss(z)


# ------------------------------------------------------------------------------------------------ affine games
def _affine_operator(params, z):
    return params["M"] @ z + params["b"]


def _quadratic_loss(params, z):
    return 0.5 * z @ params["Q"] @ z + params["q"] @ z + params["c"]


def _gaussian_oracle(params, z, key):
    # one draw for both parts, in float32 whatever the run's precision: random bits are most of a step's cost on a
    # CPU, and the rounding of a float32 normal (relative 6e-8) is far below the noise it scales
    xi = jax.random.normal(key, (z.shape[-1] + 1,), jnp.float32).astype(z.dtype)
    g = _affine_operator(params, z) + params["noise"] * xi[:-1]
    loss = _quadratic_loss(params, z) + params["loss_noise"] * xi[-1]
    return g, loss


def _gaussian_gradient(params, z, key):
    # the operator sample alone (what Algorithm 1 uses at every step): n draws, not n + 1
    return _affine_operator(params, z) + params["noise"] * jax.random.normal(key, z.shape, jnp.float32).astype(z.dtype)


def _gaussian_mean_observation(params, z, key, n):
    # the mean of n observations ℓ(z) + σ_ℓ ξ_i is exactly ℓ(z) + (σ_ℓ/√n) ξ
    scale = params["loss_noise"] / jnp.sqrt(jnp.asarray(n, z.dtype))
    return _quadratic_loss(params, z) + scale * jax.random.normal(key, (), z.dtype)


def _affine_constants(params, radius):
    M, b, Q, q = (np.asarray(params[k], float) for k in ("M", "b", "Q", "q"))
    sym = (M + M.T) / 2
    mu = float(np.linalg.eigvalsh(sym).min())
    lip = float(np.linalg.norm(M, 2))
    f_max = lip * radius + float(np.linalg.norm(b))
    noise, loss_noise = float(params["noise"]), float(params["loss_noise"])
    return StrategicConstants(strong_monotonicity=mu, lipschitz=lip,
                              gradient_second_moment=f_max ** 2 + noise ** 2 * M.shape[0],
                              loss_lipschitz=float(np.linalg.norm(Q, 2)) * radius + float(np.linalg.norm(q)),
                              loss_variance=loss_noise ** 2)


def _affine_game(M, b, Q, q, c, domain, full_class, noise, loss_noise, name) -> StrategicGame:
    params = {"M": np.asarray(M, float), "b": np.asarray(b, float), "Q": np.asarray(Q, float),
              "q": np.asarray(q, float), "c": np.asarray(float(c)), "noise": np.asarray(float(noise)),
              "loss_noise": np.asarray(float(loss_noise))}
    mu = float(np.linalg.eigvalsh((params["M"] + params["M"].T) / 2).min())
    if not mu > 0:
        raise InvalidGameError(f"{name}: the game is not strongly monotone (the symmetric part of its Jacobian has "
                               f"smallest eigenvalue {mu:.4g}); expected > 0")
    return StrategicGame(_affine_operator, params, domain, loss=_quadratic_loss, oracle=_gaussian_oracle,
                         constants=_affine_constants, full_class=full_class,
                         mean_observation=_gaussian_mean_observation, gradient_oracle=_gaussian_gradient, name=name)


def check_nonnegative(field: str, value) -> float:
    return check_positive(field, value, allow_zero=True)


def _vector(field, value, dim=None, *, positive=False, nonnegative=False) -> np.ndarray:
    arr = np.atleast_1d(_floats(field, value))
    if arr.ndim == 1 and arr.size == 0:
        raise InvalidParameterError(f"{field}=[]: expected at least one value")
    arr = check_finite_array(field, arr, ndim=1, error=InvalidParameterError)
    if dim is not None and arr.shape != (dim,):
        raise InvalidParameterError(f"{field}: expected {dim} values, got {arr.shape[0]}")
    if positive and not (arr > 0).all():
        raise InvalidParameterError(f"{field}={arr.tolist()}: expected every entry > 0")
    if nonnegative and not (arr >= 0).all():
        raise InvalidParameterError(f"{field}={arr.tolist()}: expected every entry >= 0")
    return arr


def _linear_gaming_game(beta, S, k, cost, v, lam, bound, noise, loss_noise, constant, name) -> StrategicGame:
    d = beta.size
    K, C, V, I = np.diag(k), np.diag(cost), np.diag(v), np.eye(d)
    M = np.block([[S + lam * I, S @ K], [-I, C]])
    b = np.concatenate([-S @ beta, np.zeros(d)])
    IK = np.hstack([I, K])
    Q = IK.T @ S @ IK + np.block([[lam * I, np.zeros((d, d))], [np.zeros((d, d)), V]])
    q = -IK.T @ S @ beta
    full = ModelClass(Box((-bound,) * d, (bound,) * d), f"all {d} features")
    shifts = Box(tuple((-bound / cost).tolist()), tuple((bound / cost).tolist()))
    return _affine_game(M, b, Q, q, constant + 0.5 * beta @ S @ beta, Domain((full.block, shifts)), full, noise,
                        loss_noise, name)


def _gaming_inputs(d, gameability, manipulation_cost, gaming_noise, ridge, bound, noise, loss_noise):
    k = _vector("gameability", gameability, d, nonnegative=True)
    cost = _vector("manipulation_cost", manipulation_cost, d, positive=True)
    v = _vector("gaming_noise", gaming_noise, d, nonnegative=True)
    return (k, cost, v, check_nonnegative("ridge", ridge), check_positive("bound", bound),
            check_nonnegative("noise", noise), check_nonnegative("loss_noise", loss_noise))


def strategic_regression(coefficients=(1.0, 0.3), feature_variances=(1.0, 1.0), gameability=(0.0, 0.4),
                         manipulation_cost=(4.0, 0.5), gaming_noise=(0.0, 2.0), ridge: float = 0.05,
                         bound: float = 2.0, noise: float = 0.5, loss_noise: float = 0.5,
                         features: Sequence[int] | None = None) -> StrategicGame:
    """Strategic regression: a learner fits ``y ≈ θᵀx`` while agents shift their features by ``δ``.

    Our linear-quadratic model (the paper's own equations are not available here; this model keeps [7]'s
    ingredients — a linear model over a chosen class, agents shifting features at quadratic cost, equilibria in
    closed form). Features ``x ~ N(0, Σ)`` with ``Σ = diag(feature_variances)``, outcome ``y = βᵀx + ε``.

    * The agents' loss ``ℓ_A(θ, δ) = −θᵀδ + ½ δᵀCδ``: shifting the features they report by ``δ`` raises their
      predicted score ``θᵀ(x + δ)`` by ``θᵀδ`` and costs ``½δᵀCδ`` (``C = diag(manipulation_cost)``); their best
      response is ``δ = C⁻¹θ``.
    * The learner predicts ``θᵀx̃ + b`` from the reported features ``x̃``. The common shift of the means moves every
      prediction by ``θᵀδ``, which the learner's intercept ``b`` cancels at its optimum (it is not written out), so
      manipulation reaches the learner's loss only through what it does to the relation between reported features
      and outcomes. Gaming changes features, not outcomes: a shift ``δ_j`` lowers the outcome carried by feature
      ``j`` by ``K_jj δ_j`` (``K = diag(gameability)``: the coefficient of reported feature ``j`` drifts to
      ``β_j − K_jj δ_j``), and because agents game unevenly it adds residual variance ``δᵀVδ`` that no linear model
      explains (``V = diag(gaming_noise)``). The learner's population squared error plus ridge penalty is then

          ℓ_L(θ, δ) = ½ (θ − β + Kδ)ᵀ Σ (θ − β + Kδ) + ½ δᵀVδ + (λ/2)‖θ‖²   (+ ½σ², dropped);

      a test checks it against a Monte Carlo population built this way, intercept fitted.

    ``F(θ, δ) = ((Σ + λI)θ + ΣKδ − Σβ, Cδ − θ)`` is affine; the game is strongly monotone when the symmetric part of
    its Jacobian is positive definite (checked at construction). Equilibria restricted to a feature subset solve a
    linear system (closed form). The full class is ``[−bound, bound]^d``; the agents' shifts range over
    ``|δ_j| ≤ bound / C_jj``, which contains every best response. The oracle returns ``F`` plus Gaussian noise of
    scale ``noise`` per coordinate and ``ℓ_L`` plus Gaussian noise of scale ``loss_noise``.

    Reverse scaling: a feature that is cheap to game (small ``C_jj``) and weakly predictive (small ``β_j``) costs
    the learner more through the agents' response (``½V_jj θ_j²/C_jj²`` at equilibrium) than it earns. ``features`` (a list of
    indices) returns the game restricted to :func:`feature_subset` of them (the config route to a class).
    """
    beta = _vector("coefficients", coefficients)
    d = beta.size
    sigma = _vector("feature_variances", feature_variances, d, positive=True)
    k, cost, v, lam, bound, noise, loss_noise = _gaming_inputs(d, gameability, manipulation_cost, gaming_noise,
                                                               ridge, bound, noise, loss_noise)
    game = _linear_gaming_game(beta, np.diag(sigma), k, cost, v, lam, bound, noise, loss_noise, 0.0,
                               f"strategic_regression_{d}")
    return game if features is None else game.restrict(feature_subset(features, d, bound))


def strategic_classification(separation=(2.0, 0.6), gameability=(0.0, 0.4), manipulation_cost=(4.0, 0.5),
                             gaming_noise=(0.0, 3.0), ridge: float = 0.05, bound: float = 2.0, noise: float = 0.5,
                             loss_noise: float = 0.5, features: Sequence[int] | None = None) -> StrategicGame:
    """Strategic classification with a least-squares linear classifier (the linear discriminant): labels
    ``y = ±1`` with equal probability, features ``x | y ~ N(y s/2, I)`` with ``s = separation``; the learner fits the
    score ``θᵀx`` to ``y`` by least squares and classifies by its sign, while agents (who all want a higher score)
    shift their features by ``δ`` as in :func:`strategic_regression`.

    The population moments are ``Σ = E[xxᵀ] = I + ssᵀ/4`` and ``E[xy] = s/2``, so the unmanipulated least-squares
    classifier is ``β = Σ⁻¹ s/2`` and, with the same gaming model (attenuation ``K``, gaming noise ``V``, cost ``C``),

        ℓ_L(θ, δ) = ½ (θ − β + Kδ)ᵀ Σ (θ − β + Kδ) + ½ δᵀVδ + (λ/2)‖θ‖² + ½ (1 − βᵀΣβ),

    the squared-loss surrogate of the classification error (its last term is the unexplainable part of the label).
    Our choice of model where [7]'s equations are not available here: the quadratic surrogate keeps equilibria in
    closed form; the ±1 labels, the class-conditional features and the sign rule make it a classifier. A feature with
    a small separation that is cheap to game is the reverse-scaling case. ``features`` restricts the learner as in
    :func:`strategic_regression`.
    """
    s = _vector("separation", separation)
    d = s.size
    k, cost, v, lam, bound, noise, loss_noise = _gaming_inputs(d, gameability, manipulation_cost, gaming_noise,
                                                               ridge, bound, noise, loss_noise)
    S = np.eye(d) + np.outer(s, s) / 4
    beta = np.linalg.solve(S, s / 2)
    game = _linear_gaming_game(beta, S, k, cost, v, lam, bound, noise, loss_noise, 0.5 * (1 - beta @ S @ beta),
                               f"strategic_classification_{d}")
    return game if features is None else game.restrict(feature_subset(features, d, bound))


def cournot(intercept: float = 4.0, cost: float = 1.0, noise: float = 0.2, loss_noise: float = 0.2,
            min_quantity: float | None = None) -> StrategicGame:
    """A Cournot duopoly: the learner (firm 1) and a competitor choose quantities ``q_1, q_2 ∈ [0, a − c]``; the price
    is ``a − q_1 − q_2`` and the unit cost ``c``. Losses are negative profits,
    ``ℓ_i = −q_i (a − c − q_1 − q_2)``, so ``F(q) = (2q_1 + q_2 − (a − c), q_1 + 2q_2 − (a − c))`` (strongly monotone,
    ``μ = 1``). The unrestricted equilibrium is ``q_i = (a − c)/3`` with profit ``(a − c)²/9``; restricting firm 1 to
    ``q_1 ≥ (a − c)/2`` (:func:`interval`) moves it to ``((a − c)/2, (a − c)/4)`` with profit ``(a − c)²/8`` — the
    Stackelberg outcome, reached by giving up options. ``min_quantity`` returns the game restricted to
    ``q_1 ≥ min_quantity``."""
    a = check_in_range("intercept", intercept, -np.inf, np.inf, low_open=True, high_open=True)
    c = check_in_range("cost", cost, -np.inf, np.inf, low_open=True, high_open=True)
    if not a > c:
        raise InvalidParameterError(f"intercept={a!r}, cost={c!r}: expected intercept > cost (a market to serve)")
    noise, loss_noise = check_nonnegative("noise", noise), check_nonnegative("loss_noise", loss_noise)
    m = a - c
    full = interval(0.0, m, name=f"q1 in [0, {m:g}]")
    M = np.array([[2.0, 1.0], [1.0, 2.0]])
    b = np.array([-m, -m])
    Q = np.array([[2.0, 1.0], [1.0, 0.0]])
    q = np.array([-m, 0.0])
    game = _affine_game(M, b, Q, q, 0.0, Domain((full.block, Box((0.0,), (m,)))), full, noise, loss_noise,
                        "cournot")
    if min_quantity is None:
        return game
    low = check_in_range("min_quantity", min_quantity, 0.0, m)
    return game.restrict(interval(low, m))


# ------------------------------------------------------------------------------------------------ checks
def check_strongly_monotone(game: VariationalInequality, samples: int = 512, seed: int = 0,
                            strength: float | None = None) -> float:
    """Sample ``samples`` pairs ``(z, z')`` of the domain and return the smallest ratio
    ``⟨F(z) − F(z'), z − z'⟩ / ‖z − z'‖²`` (an upper estimate of the strong-monotonicity modulus ``μ``).

    Raises :class:`~stratlearn.errors.InvalidGameError` naming the worst pair when that ratio is not positive (the
    game is not strongly monotone, and Algorithm 1 of [7] has no guarantee), or when it is below the claimed
    ``strength`` (the game's stated ``μ`` is wrong). A sampled check can miss a violation; it never reports one that
    is not there.
    """
    if not isinstance(game, VariationalInequality):
        raise InvalidGameError(f"game: expected a VariationalInequality or StrategicGame, got {type(game).__name__}")
    samples = check_positive_int("samples", samples)
    rng = np.random.default_rng(check_seed(seed))
    z = np.stack([game.domain.sample(rng) for _ in range(samples)])
    w = np.stack([game.domain.sample(rng) for _ in range(samples)])
    with jax.enable_x64(True):
        F = jax.jit(jax.vmap(game))
        dF = np.asarray(F(jnp.asarray(z))) - np.asarray(F(jnp.asarray(w)))
    dz = z - w
    ratio = np.sum(dF * dz, axis=-1) / np.maximum(np.sum(dz * dz, axis=-1), 1e-300)
    worst = int(np.argmin(ratio))
    where = f"at z={np.round(z[worst], 4).tolist()}, z'={np.round(w[worst], 4).tolist()}"
    if not ratio[worst] > 0:
        raise InvalidGameError(f"{game.name}: not strongly monotone: {where}, <F(z) - F(z'), z - z'> / |z - z'|^2 = "
                               f"{ratio[worst]:.4g}; expected > 0 (Algorithm 1 of [7] requires a strongly monotone "
                               "game)")
    if strength is not None and ratio[worst] < strength * (1 - 1e-9):
        raise InvalidGameError(f"{game.name}: stated strong monotonicity {strength:.4g} exceeds the sampled "
                               f"{ratio[worst]:.4g} {where}")
    return float(ratio[worst])


# ------------------------------------------------------------------------------------------------ Markov games
def restrict_row_actions(game, actions: Sequence[int], *, name: str | None = None):
    """The Markov game in which the row player (the learner) may use only ``actions`` in every state: a smaller
    policy class (stationary policies supported on ``actions``). Columns, rewards and transitions are unchanged."""
    from .markov import MarkovGame

    if not isinstance(game, MarkovGame):
        raise InvalidGameError(f"game: expected a MarkovGame, got {type(game).__name__}")
    S, A, B = game.shape
    actions = _index_list("actions", actions)
    idx = []
    for a in actions:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or not 0 <= a < A:
            raise InvalidParameterError(f"actions={list(actions)!r}: expected indices in [0, {A}), got {a!r}; a "
                                        "restricted class must be a subset of the full action set")
        idx.append(int(a))
    if not idx:
        raise InvalidParameterError("actions=[]: an empty policy class; expected at least one row action")
    if len(set(idx)) != len(idx):
        raise InvalidParameterError(f"actions={idx!r}: expected distinct actions")
    sel = np.asarray(idx)
    return MarkovGame(np.asarray(game.row_rewards)[:, sel], discount=float(game.discount),
                      col_rewards=np.asarray(game.col_rewards)[:, sel],
                      next_states=np.asarray(game.next_states)[:, sel], next_probs=np.asarray(game.next_probs)[:, sel],
                      initial=np.asarray(game.initial), name=name or f"{game.name}[rows {idx}]")
