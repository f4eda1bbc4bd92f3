"""Discrete retraining against a population that responds to the deployed model: repeated risk minimization and
repeated gradient descent (Perdomo, Zrnic, Mendler-Dünner and Hardt, ICML 2020), run against the population dynamics
of [5]'s coupled gradient flow, and the performative reference points.

Round ``k`` deploys ``x_k``; the population then moves for a time ``period`` under the PDE of
:mod:`stratlearn.populations.distribution_shift` with the model frozen, giving ``ρ_{k+1}``. Repeated risk
minimization (RRM) retrains to ``x_{k+1} = argmin_x L(x, ρ_{k+1})``; repeated gradient descent (RGD) takes one step
``x_{k+1} = x_k − η ∇_x L(x_k, ρ_{k+1})``, with ``L(x, ρ) = ∫ f₂(z, x) ρ dz + (β/2)‖x − x̄‖²``.

References: the population's response to a fixed model is ``ρ*(x) = argmin_ρ E₁(ρ, x)``
(:func:`~stratlearn.populations.distribution_shift.best_response_rho`). A *performatively stable* point satisfies
``x = argmin_x' L(x', ρ*(x))`` (the rest point of RRM and of the coupled flow); a *performatively optimal* point
minimizes the performative risk ``L(x, ρ*(x))``.
"""

from __future__ import annotations

from dataclasses import dataclass

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import InvalidParameterError, StratlearnError, check_in_range, check_positive, check_positive_int
from .distribution_shift import DistributionShift, best_response_rho, best_response_x, learner_objective, solve

__all__ = ["RetrainingResult", "repeated_risk_minimization", "repeated_gradient_descent", "performative_risk",
           "performatively_stable_point", "performatively_optimal_point", "CreditPopulation", "credit_scoring"]


@dataclass(frozen=True)
class RetrainingResult:
    """Deployed models ``x`` (rounds + 1, p), the learner's objective after each round's population move, and the
    densities at the start of each round (rounds + 1, *grid.shape; ``None`` for a :class:`CreditPopulation`)."""

    x: np.ndarray
    learner_loss: np.ndarray
    densities: np.ndarray | None


def _frozen(problem: DistributionShift, x, rho) -> DistributionShift:
    """The same problem with the model fixed at ``x`` (rate 0) and the population starting at ``rho``."""
    leaves = {"initial": np.asarray(rho, float), "x0": np.asarray(x, float), "rate": np.asarray(0.0),
              "learner_moves": False}
    copy = object.__new__(DistributionShift)
    for name in problem.__dataclass_fields__:
        object.__setattr__(copy, name, leaves.get(name, getattr(problem, name)))
    return copy


def _retrain(problem, rounds, period, update):
    if not isinstance(problem, DistributionShift):
        raise InvalidParameterError(f"problem: expected a DistributionShift, got {type(problem).__name__}")
    rounds = check_positive_int("rounds", rounds)
    period = check_positive("period", period)
    x, rho = np.asarray(problem.x0, float), np.asarray(problem.initial, float)
    xs, losses, densities = [x], [], [rho]
    step = jax.jit(lambda r, y: (learner_objective(problem, r, y), update(r, y)))
    for _ in range(rounds):
        rho = solve(_frozen(problem, x, rho), period, records=1).final_state["groups"][-1]
        with jax.enable_x64(True):
            loss, x = step(jnp.asarray(rho), jnp.asarray(x))
            loss, x = float(loss), np.asarray(x)
        xs.append(x)
        losses.append(loss)
        densities.append(rho)
    weights = np.asarray(problem.weights)
    return RetrainingResult(x=np.stack(xs), learner_loss=np.asarray(losses),
                            densities=np.tensordot(np.stack(densities), weights, axes=([1], [0])))


def repeated_risk_minimization(problem, rounds: int, period: float | None = None, *, theta0=None
                               ) -> RetrainingResult:
    """RRM: after each round's population move, retrain to the exact minimizer (Newton on ``L``).

    ``problem`` is a :class:`DistributionShift` (the population moves for ``period`` under the PDE between rounds)
    or a :class:`CreditPopulation` (the applicants best-respond at once; ``theta0`` is the first deployed model,
    default 0)."""
    if isinstance(problem, CreditPopulation):
        return _credit_retrain(problem, rounds, lambda theta: _fit(problem, theta, theta), theta0)
    if period is None:
        raise InvalidParameterError("period: expected the population time between rounds (a number > 0) for a "
                                    "DistributionShift")
    return _retrain(problem, rounds, period, lambda rho, x: best_response_x(problem, rho, x))


def repeated_gradient_descent(problem, rounds: int, period: float | None = None, step_size: float = 0.1, *,
                              theta0=None) -> RetrainingResult:
    """RGD: after each round's population move, one gradient step of size ``step_size`` (on a
    :class:`CreditPopulation`: ``θ ← θ − η ∇_θ ℓ(θ; D(θ))``, the gradient taken with the data fixed)."""
    eta = check_positive("step_size", step_size)
    if isinstance(problem, CreditPopulation):
        step = jax.jit(lambda theta: theta - eta * jax.grad(problem.risk)(theta, theta))
        return _credit_retrain(problem, rounds, step, theta0)
    if period is None:
        raise InvalidParameterError("period: expected the population time between rounds (a number > 0) for a "
                                    "DistributionShift")
    return _retrain(problem, rounds, period,
                    lambda rho, x: x - eta * jax.grad(lambda y: learner_objective(problem, rho, y))(x))


def _needs_entropy(problem, where):
    if not isinstance(problem, DistributionShift):
        raise InvalidParameterError(f"problem: expected a DistributionShift, got {type(problem).__name__}")
    if not (np.asarray(problem.alpha) > 0).all():
        raise InvalidParameterError(f"{where} needs alpha > 0: with alpha = 0 the population's full response is a "
                                    "point mass, not a density on the grid")


def performative_risk(problem, x) -> float:
    """``L(x, ρ*(x))``: the learner's objective once the population has fully responded to ``x`` (on a
    :class:`CreditPopulation`, ``ℓ(θ; D(θ))``)."""
    if isinstance(problem, CreditPopulation):
        with jax.enable_x64(True):
            return float(problem.performative_risk(jnp.asarray(x, jnp.float64)))
    _needs_entropy(problem, "performative_risk")
    with jax.enable_x64(True):
        x = jnp.atleast_1d(jnp.asarray(x, jnp.float64))
        return float(_risk(problem, x))


@jax.jit
def _risk(problem, x):
    rho = best_response_rho(problem, x, jnp.asarray(problem.initial))
    return learner_objective(problem, rho, x)


@jax.jit
def _stable_step(problem, x, rho):
    rho = best_response_rho(problem, x, rho)
    return best_response_x(problem, rho, x), rho


def performatively_stable_point(problem, *, iterations: int = 500, tol: float = 1e-12, damping: float = 1.0):
    """Iterate ``x ← argmin_x' L(x', ρ*(x))`` (RRM with a fully responding population) to a fixed point.
    Returns ``(x, ρ*(x))`` (``ρ*`` per group, shape ``(K, *grid.shape)``, when there are groups); raises when the
    map does not contract within ``iterations``. On a :class:`CreditPopulation` returns ``θ_PS`` alone.

    ``damping`` ``λ ∈ (0, 1]`` takes ``x ← (1 − λ)x + λ argmin_x' L(x', ρ*(x))``: the same fixed point, reached where
    the plain map overshoots (e.g. a competitive population near its convexity limit, where it oscillates)."""
    if isinstance(problem, CreditPopulation):
        return _credit_stable_point(problem, iterations=iterations, tol=tol)
    _needs_entropy(problem, "performatively_stable_point")
    iterations = check_positive_int("iterations", iterations)
    damping = check_in_range("damping", damping, 0.0, 1.0, low_open=True)
    with jax.enable_x64(True):
        x, rho = jnp.asarray(problem.x0, jnp.float64), jnp.asarray(problem.initial, jnp.float64)
        for _ in range(iterations):
            new, rho = _stable_step(problem, x, rho)
            new = (1 - damping) * x + damping * new
            if float(jnp.max(jnp.abs(new - x))) <= tol:
                rho = np.asarray(_stable_step(problem, new, rho)[1])
                return np.asarray(new), rho[0] if problem.groups == 1 else rho
            x = new
    raise InvalidParameterError(f"performatively_stable_point: no fixed point within {iterations} iterations "
                                "(repeated retraining does not contract for this problem)")


def performatively_optimal_point(problem, *, bounds=(-10.0, 10.0)):
    """The minimizer of the performative risk ``L(x, ρ*(x))`` for a one-parameter learner (bounded scalar search);
    on a :class:`CreditPopulation`, ``(θ_PO, PR(θ_PO))`` by BFGS (``bounds`` unused)."""
    if isinstance(problem, CreditPopulation):
        return _credit_optimal_point(problem)
    from scipy.optimize import minimize_scalar

    if np.asarray(problem.x0).size != 1:
        raise InvalidParameterError("performatively_optimal_point: implemented for a one-parameter learner; got "
                                    f"{np.asarray(problem.x0).size} parameters")
    _needs_entropy(problem, "performatively_optimal_point")
    low, high = (float(b) for b in bounds)
    result = minimize_scalar(lambda v: performative_risk(problem, [v]), bounds=(low, high), method="bounded",
                             options={"xatol": 1e-10})
    if min(result.x - low, high - result.x) < 1e-6 * max(1.0, high - low):
        raise InvalidParameterError(f"bounds=({low:g}, {high:g}): the minimizer {result.x:.6g} sits at a bound; "
                                    "expected bounds that contain the optimum (widen them)")
    return np.array([result.x]), float(result.fun)



# ------------------------------------------------------------------------------------------------ strategic classification
CREDIT_FEATURES = ("revolving_utilization", "age", "late_payments", "debt_ratio", "monthly_income", "open_credit_lines")
CREDIT_STRATEGIC = ("revolving_utilization", "debt_ratio", "open_credit_lines")


@jax.tree_util.register_pytree_node_class
@dataclass(frozen=True, eq=False)
class CreditPopulation:
    """Strategic classification (Perdomo, Zrnic, Mendler-Dünner and Hardt, ICML 2020, Sec. 5.2; Hardt et al. 2016):
    applicants with features ``x`` (rows of ``features``, standardized, last column the constant 1) and labels
    ``y ∈ {0, 1}`` (1 = default) face a deployed linear score ``θᵀx`` (higher = riskier). Each applicant
    best-responds at quadratic cost, maximizing ``−θᵀx′ − ‖x′ − x‖²/(2ε)`` over changes of its strategic features
    only, so ``x′_S = x_S − ε θ_S`` and the rest stays; labels do not change (gaming moves the features, not the
    risk). The distribution map ``D(θ)`` is therefore ``ε``-sensitive in W1 (the sensitivity of the paper).

    The learner fits L2-regularized logistic regression, ``ℓ(θ; D) = mean(log(1 + e^{θᵀx}) − y θᵀx) + (λ/2)‖θ‖²``
    (the constant feature is penalized too, as in the paper), which is ``λ``-strongly convex.
    ``risk(θ, deployed)`` is ``ℓ(θ; D(deployed))`` and the performative risk is ``PR(θ) = ℓ(θ; D(θ))``.
    """

    features: Any
    labels: Any
    strategic: Any
    epsilon: Any
    regularization: Any
    names: tuple = CREDIT_FEATURES + ("constant",)

    def tree_flatten(self):
        return (self.features, self.labels, self.strategic, self.epsilon, self.regularization), (self.names,)

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(*children, *aux)

    def shifted(self, deployed):
        """The features after every applicant best-responds to the deployed ``θ``: ``x_S − ε θ_S``."""
        deployed = jnp.asarray(deployed)
        return jnp.asarray(self.features) - self.epsilon * jnp.asarray(self.strategic, deployed.dtype) * deployed

    def risk(self, theta, deployed):
        """``ℓ(θ; D(deployed))``, the regularized logistic loss of ``θ`` on the population's response to
        ``deployed``."""
        scores = self.shifted(deployed) @ theta
        y = jnp.asarray(self.labels, scores.dtype)
        return jnp.mean(jnp.logaddexp(0.0, scores) - y * scores) + 0.5 * self.regularization * jnp.sum(theta ** 2)

    def performative_risk(self, theta):
        """``PR(θ) = ℓ(θ; D(θ))``."""
        return self.risk(theta, theta)

    def accuracy(self, theta, deployed=None):
        """The share of applicants classified right (``θᵀx′ > 0`` predicts default) once they respond to
        ``deployed`` (default ``θ``)."""
        deployed = theta if deployed is None else deployed
        predicted = (self.shifted(deployed) @ theta) > 0
        return jnp.mean(predicted == (jnp.asarray(self.labels) == 1))


def credit_scoring(n: int = 5000, *, epsilon: float = 1.0, regularization: float = 0.01, seed: int = 0
                   ) -> CreditPopulation:
    """A synthetic credit-scoring population of ``n`` applicants, after the Give Me Some Credit data that Perdomo
    et al. used (not shipped here): six standardized features — revolving utilization, age, late payments, debt
    ratio, monthly income, open credit lines — drawn correlated (utilization with debt ratio and late payments,
    age with income), and defaults drawn from a logistic model whose true coefficients make utilization, late
    payments and debt ratio risky and age and income safe (about 30% default). The strategic features are
    utilization, debt ratio and open credit lines. ``epsilon`` is the inverse cost of changing them."""
    from ..errors import check_seed

    n = check_positive_int("n", n)
    if n < 10:
        raise InvalidParameterError(f"n={n}: expected at least 10 applicants")
    epsilon = check_positive("epsilon", epsilon, allow_zero=True)
    regularization = check_positive("regularization", regularization)
    rng = np.random.default_rng(check_seed(seed))
    corr = np.eye(6)
    for (i, j), c in {(0, 2): 0.4, (0, 3): 0.5, (1, 4): 0.3, (2, 3): 0.2, (0, 5): 0.2}.items():
        corr[i, j] = corr[j, i] = c
    raw = rng.standard_normal((n, 6)) @ np.linalg.cholesky(corr).T
    true = np.array([1.2, -0.6, 0.9, 0.7, -0.5, 0.1])
    p = 1 / (1 + np.exp(-(raw @ true - 1.0)))
    labels = (rng.random(n) < p).astype(np.int32)
    features = (raw - raw.mean(0)) / raw.std(0)
    features = np.concatenate([features, np.ones((n, 1))], axis=1)
    strategic = np.array([name in CREDIT_STRATEGIC for name in CREDIT_FEATURES] + [False], dtype=float)
    return CreditPopulation(features=features, labels=labels, strategic=strategic, epsilon=np.asarray(epsilon),
                            regularization=np.asarray(regularization))


@jax.jit
def _fit(population: CreditPopulation, deployed, start):
    """``argmin_θ ℓ(θ; D(deployed))`` by Newton's method (the objective is λ-strongly convex and smooth; 40 steps
    from ``start`` reach rounding for the settings here)."""
    def newton(_, theta):
        g = jax.grad(population.risk)(theta, deployed)
        h = jax.hessian(population.risk)(theta, deployed)
        return theta - jnp.linalg.solve(h, g)

    return jax.lax.fori_loop(0, 40, newton, start)


def _check_population(problem):
    if not isinstance(problem, CreditPopulation):
        raise InvalidParameterError(f"problem: expected a DistributionShift or CreditPopulation, got "
                                    f"{type(problem).__name__}")


def _credit_retrain(population: CreditPopulation, rounds: int, update, theta0) -> RetrainingResult:
    rounds = check_positive_int("rounds", rounds)
    with jax.enable_x64(True):
        theta = jnp.zeros(population.features.shape[1]) if theta0 is None else jnp.asarray(theta0, jnp.float64)
        if theta.shape != (population.features.shape[1],):
            raise InvalidParameterError(f"theta0: expected {population.features.shape[1]} coefficients (one per "
                                        f"feature: {', '.join(population.names)}), got shape {theta.shape}")
        thetas, losses = [np.asarray(theta)], []
        for k in range(rounds):
            losses.append(float(population.risk(theta, theta)))      # the deployed model's loss once gamed
            theta = update(theta)
            if not bool(jnp.all(jnp.isfinite(theta))):
                raise StratlearnError(f"retraining diverged: the model became non-finite in round {k + 1} "
                                      f"(|θ| was {np.max(np.abs(thetas[-1])):.3g} before; epsilon="
                                      f"{float(population.epsilon):g} is too strong a response for it to contract)")
            thetas.append(np.asarray(theta))
    return RetrainingResult(x=np.stack(thetas), learner_loss=np.asarray(losses), densities=None)


def _credit_stable_point(population: CreditPopulation, *, iterations: int = 500, tol: float = 1e-12):
    """Iterate RRM, ``θ ← argmin_θ′ ℓ(θ′; D(θ))``, to a fixed point ``θ_PS`` (it contracts when ``ε`` is below the
    paper's ``γ/β``; raises when it does not settle within ``iterations``)."""
    _check_population(population)
    iterations = check_positive_int("iterations", iterations)
    with jax.enable_x64(True):
        theta = jnp.zeros(population.features.shape[1])
        for _ in range(iterations):
            new = _fit(population, theta, theta)
            if not bool(jnp.all(jnp.isfinite(new))):
                break
            if float(jnp.max(jnp.abs(new - theta))) <= tol:
                return np.asarray(new)
            theta = new
    raise InvalidParameterError(f"performatively_stable_point: repeated risk minimization did not settle within "
                                f"{iterations} rounds at epsilon={float(population.epsilon):g} (the response is too "
                                "strong for retraining to contract; expected a smaller epsilon or a larger "
                                "regularization)")


def _credit_optimal_point(population: CreditPopulation, start=None):
    """``θ_PO = argmin_θ PR(θ)``: the performative risk is an explicit smooth function here (the response is
    closed-form), minimized by BFGS with JAX gradients from ``start`` (default the stable point)."""
    from scipy.optimize import minimize

    _check_population(population)
    start = _credit_stable_point(population) if start is None else np.asarray(start, float)
    with jax.enable_x64(True):
        value_and_grad = jax.jit(jax.value_and_grad(population.performative_risk))

        def fun(theta):
            v, g = value_and_grad(jnp.asarray(theta))
            return float(v), np.asarray(g)

        result = minimize(fun, start, jac=True, method="BFGS", options={"gtol": 1e-11, "maxiter": 2000})
    if not np.isfinite(result.fun) or np.max(np.abs(result.jac)) > 1e-7:
        raise InvalidParameterError(f"performatively_optimal_point: BFGS stopped with gradient "
                                    f"{np.max(np.abs(result.jac)):.2g} ({result.message})")
    return np.asarray(result.x), float(result.fun)
