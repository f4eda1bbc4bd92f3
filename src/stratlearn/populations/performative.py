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

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import InvalidParameterError, check_positive, check_positive_int
from .distribution_shift import (DistributionShift, best_response_rho, best_response_x, learner_objective, solve,
                                 wasserstein2)

__all__ = ["RetrainingResult", "repeated_risk_minimization", "repeated_gradient_descent", "performative_risk",
           "performatively_stable_point", "performatively_optimal_point"]


@dataclass(frozen=True)
class RetrainingResult:
    """Deployed models ``x`` (rounds + 1, p), the learner's objective after each round's population move, and the
    densities at the start of each round (rounds + 1, N)."""

    x: np.ndarray
    learner_loss: np.ndarray
    densities: np.ndarray


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


def repeated_risk_minimization(problem: DistributionShift, rounds: int, period: float) -> RetrainingResult:
    """RRM: after each round's population move, retrain to the exact minimizer (Newton on ``L``)."""
    return _retrain(problem, rounds, period, lambda rho, x: best_response_x(problem, rho, x))


def repeated_gradient_descent(problem: DistributionShift, rounds: int, period: float,
                              step_size: float) -> RetrainingResult:
    """RGD: after each round's population move, one gradient step of size ``step_size``."""
    eta = check_positive("step_size", step_size)
    return _retrain(problem, rounds, period,
                    lambda rho, x: x - eta * jax.grad(lambda y: learner_objective(problem, rho, y))(x))


def _needs_entropy(problem, where):
    if not isinstance(problem, DistributionShift):
        raise InvalidParameterError(f"problem: expected a DistributionShift, got {type(problem).__name__}")
    if not (np.asarray(problem.alpha) > 0).all():
        raise InvalidParameterError(f"{where} needs alpha > 0: with alpha = 0 the population's full response is a "
                                    "point mass, not a density on the grid")


def performative_risk(problem: DistributionShift, x) -> float:
    """``L(x, ρ*(x))``: the learner's objective once the population has fully responded to ``x``."""
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


def performatively_stable_point(problem: DistributionShift, *, iterations: int = 500, tol: float = 1e-12):
    """Iterate ``x ← argmin_x' L(x', ρ*(x))`` (RRM with a fully responding population) to a fixed point.
    Returns ``(x, ρ*(x))`` (``ρ*`` per group, shape ``(K, *grid.shape)``, when there are groups); raises when the map does not contract within ``iterations``."""
    _needs_entropy(problem, "performatively_stable_point")
    iterations = check_positive_int("iterations", iterations)
    with jax.enable_x64(True):
        x, rho = jnp.asarray(problem.x0, jnp.float64), jnp.asarray(problem.initial, jnp.float64)
        for _ in range(iterations):
            new, rho = _stable_step(problem, x, rho)
            if float(jnp.max(jnp.abs(new - x))) <= tol:
                rho = np.asarray(_stable_step(problem, new, rho)[1])
                return np.asarray(new), rho[0] if problem.groups == 1 else rho
            x = new
    raise InvalidParameterError(f"performatively_stable_point: no fixed point within {iterations} iterations "
                                "(repeated retraining does not contract for this problem)")


def performatively_optimal_point(problem: DistributionShift, *, bounds=(-10.0, 10.0)):
    """The minimizer of the performative risk ``L(x, ρ*(x))`` for a one-parameter learner (bounded scalar search)."""
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

