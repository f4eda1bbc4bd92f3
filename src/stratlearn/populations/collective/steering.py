"""Gradient-based learning (§5 of [6]): a collective steering the parameters of an SGD-trained linear model toward a
target, and the fixed points and critical mass of the expected dynamics.

Part of :mod:`stratlearn.populations.collective` ([6] Hardt, Mazumdar, Mendler-Dünner and Zrnic, ICML
2023).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import (InvalidParameterError, StratlearnError, check_finite_array, check_positive, check_positive_int,
                       check_seed)
from .signals import check_alpha


# ------------------------------------------------------------------------------------ gradient-based learning
@dataclass(frozen=True)
class SteeringResult:
    """Parameters of SGD runs ``theta`` (alphas, seeds, p) averaged over the last half of the steps, their distance
    to the target (alphas, seeds), and the fixed point the expected dynamics reach (alphas, p)."""

    alpha: np.ndarray
    theta: np.ndarray
    distance: np.ndarray
    fixed_point: np.ndarray


def steering_fixed_point(alpha, covariance, theta_base, target, strength: float) -> np.ndarray:
    """Rest point of the expected SGD update under collective steering:
    ``(1 − α) Σ (θ − θ0) + α c² (θ − θ*) = 0``, i.e. ``θ∞ = [(1−α) Σ + α c² I]⁻¹ [(1−α) Σ θ0 + α c² θ*]``."""
    S = np.asarray(covariance, float)
    t0, ts = np.asarray(theta_base, float), np.asarray(target, float)
    out = []
    for a in np.atleast_1d(alpha):
        A = (1 - a) * S + a * strength ** 2 * np.eye(len(t0))
        out.append(np.linalg.solve(A, (1 - a) * S @ t0 + a * strength ** 2 * ts))
    return np.array(out)


def _steering_inputs(X, y, target, alphas, steps, step_size, batch_size, seeds):
    from ...errors import check_finite_array

    X = check_finite_array("X", X, ndim=2, error=InvalidParameterError)
    y = check_finite_array("y", y, ndim=1, error=InvalidParameterError)
    if y.shape != (X.shape[0],):
        raise InvalidParameterError(f"y: expected shape ({X.shape[0]},), got {y.shape}")
    target = check_finite_array("target", target, error=InvalidParameterError)
    if target.shape != (X.shape[1],):
        raise InvalidParameterError(f"target: expected {X.shape[1]} parameters (one per feature), got shape "
                                    f"{target.shape}")
    alphas = np.array([check_alpha(a, "alphas") for a in np.atleast_1d(alphas)])
    return (X, y, target, alphas, check_positive_int("steps", steps), check_positive("step_size", step_size),
            check_positive_int("batch_size", batch_size), check_positive_int("seeds", seeds))


def _steer(X, y, target, alphas, member_gradient, steps, eta, B, seeds, seed):
    """SGD on the least-squares loss over batches in which each point is a member's with probability α; a member
    contributes ``member_gradient(θ − θ*)``. Vmapped over α and seeds in one ``jit``; returns the averaged iterates
    over the last half of the steps, (alphas, seeds, p)."""
    import jax
    import jax.numpy as jnp

    Xj, yj, tj = jnp.asarray(X), jnp.asarray(y), jnp.asarray(target)

    def run(alpha, key):
        def step(theta, key):
            k1, k2 = jax.random.split(key)
            idx = jax.random.randint(k1, (B,), 0, X.shape[0])
            member = jax.random.uniform(k2, (B,)) < alpha
            xb, yb = Xj[idx], yj[idx]
            base_grad = ((xb @ theta - yb)[:, None] * xb)
            pull = member_gradient(theta - tj)
            grads = jnp.where(member[:, None], pull[None, :], base_grad)
            theta = theta - eta * grads.mean(0)
            return theta, theta

        keys = jax.random.split(key, steps)
        _, path = jax.lax.scan(step, jnp.zeros(X.shape[1]), keys)
        return path[steps // 2:].mean(0)

    keys = jax.random.split(jax.random.PRNGKey(check_seed(seed)), seeds)
    return np.asarray(jax.jit(jax.vmap(lambda a: jax.vmap(lambda k: run(a, k))(keys)))(jnp.asarray(alphas)))


def sgd_steering(X, y, target, alphas, *, feature_norm: float = 1.0, steps: int = 5000, step_size: float = 0.01,
                 batch_size: int = 32, seeds: int = 8, seed: int = 0) -> SteeringResult:
    """A collective steering an SGD-trained least-squares model toward ``target`` with a proportional pull (the
    library's strategy; compare :func:`gradient_steering`, which has a critical mass).

    At each step the firm draws a batch of ``batch_size`` points; each is a collective member's with probability α.
    A member observes the current ``θ`` and reports ``x = c u`` with ``u = (θ − θ*)/‖θ − θ*‖`` and ``y = xᵀθ*``
    (features of norm ``c = feature_norm``, the limit of what a member can report), so that its squared-loss
    gradient is ``(xᵀθ − y) x = c² (θ − θ*)``: a pull toward the target that fades as ``θ`` nears it, so no α < 1
    reaches the target exactly. Base points come from ``(X, y)``. Runs are vmapped over α and seeds in one
    ``jit``; success is the distance of the averaged iterate to the target, to be compared with
    :func:`steering_fixed_point`.
    """
    X, y, target, alphas, steps, eta, B, seeds = _steering_inputs(X, y, target, alphas, steps, step_size,
                                                                  batch_size, seeds)
    c = check_positive("feature_norm", feature_norm)
    theta = _steer(X, y, target, alphas, lambda diff: c ** 2 * diff, steps, eta, B, seeds, seed)
    cov = X.T @ X / X.shape[0]
    base = np.linalg.lstsq(X, y, rcond=None)[0]
    return SteeringResult(alphas, theta, np.linalg.norm(theta - target, axis=-1),
                          steering_fixed_point(alphas, cov, base, target, c))


def critical_mass(covariance, theta_base, target, gradient_norm: float) -> float:
    """The smallest collective that can make ``target`` the rest point of gradient descent on the least-squares
    loss when each member's gradient has norm at most ``C = gradient_norm``: ``α* = g / (g + C)`` with
    ``g = ‖∇L₀(θ*)‖ = ‖Σ(θ* − θ₀)‖`` the base data's gradient at the target. The expected update descends
    ``(1 − α) L₀(θ) + α C ‖θ − θ*‖`` (convex), whose subdifferential at ``θ*`` contains 0 exactly when
    ``α C ≥ (1 − α) g``. This is the condition §5 of [6] states for gradient-based learners as the library
    reconstructs it (only the abstract can be read here): the collective must be able to cancel the base data's
    gradient at the target."""
    S, t0, ts = _steering_terms(covariance, theta_base, target)
    g = float(np.linalg.norm(S @ (ts - t0)))
    C = check_positive("gradient_norm", gradient_norm)
    return g / (g + C)


def _steering_terms(covariance, theta_base, target):
    """``Σ`` (p, p), ``θ₀`` and ``θ*`` (p,) as float arrays of agreeing shapes, or a clear error."""
    ts = check_finite_array("target", target, ndim=1, error=InvalidParameterError)
    t0 = check_finite_array("theta_base", theta_base, ndim=1, error=InvalidParameterError)
    S = check_finite_array("covariance", covariance, ndim=2, error=InvalidParameterError)
    p = ts.size
    if t0.shape != (p,) or S.shape != (p, p):
        raise InvalidParameterError(f"covariance {S.shape}, theta_base {t0.shape}, target {ts.shape}: expected "
                                    f"({p}, {p}), ({p},) and ({p},)")
    return S, t0, ts


def gradient_steering_fixed_point(alpha, covariance, theta_base, target, gradient_norm: float) -> np.ndarray:
    """Minimizers of ``(1 − α) ½(θ − θ₀)ᵀΣ(θ − θ₀) + α C ‖θ − θ*‖``, one per α (alphas, p): the target itself when
    ``α ≥`` :func:`critical_mass`, otherwise the point where ``(1 − α)Σ(θ − θ₀) + αC u = 0`` with
    ``u = (θ − θ*)/‖θ − θ*‖``, found by minimizing the (there smooth) objective with L-BFGS from ``θ₀``."""
    from scipy.optimize import minimize

    S, t0, ts = _steering_terms(covariance, theta_base, target)
    C = check_positive("gradient_norm", gradient_norm)
    star = critical_mass(S, t0, ts, C)
    out = []
    for a in np.atleast_1d(alpha):
        if a >= star:
            out.append(ts.copy())
            continue

        def objective(th, a=a):
            d = th - t0
            r = th - ts
            nr = np.linalg.norm(r)
            value = (1 - a) * 0.5 * d @ S @ d + a * C * nr
            return value, (1 - a) * S @ d + a * C * r / max(nr, 1e-300)

        found = minimize(objective, t0, jac=True, method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 1e-15})
        if not np.all(np.isfinite(found.x)) or np.linalg.norm(objective(found.x)[1]) > 1e-6 * max(1.0, C):
            raise StratlearnError(f"alpha={a:g}: the rest point was not found (L-BFGS: {found.message}); the "
                                  "covariance may be singular")
        out.append(found.x)
    return np.array(out)


def gradient_steering(X, y, target, alphas, *, gradient_norm: float = 1.0, steps: int = 5000,
                      step_size: float = 0.01, batch_size: int = 32, seeds: int = 8, seed: int = 0) -> SteeringResult:
    """A collective steering an SGD-trained least-squares model with gradients of the largest allowed norm ``C``
    pointing at the target: a member observing ``θ`` reports a point whose loss gradient is
    ``C (θ − θ*)/‖θ − θ*‖`` (e.g. ``x = c u``, ``y = xᵀθ − C/c`` with ``u`` the unit vector toward ``θ``; any
    ``c > 0``), the gradient-based strategy of §5 of [6] as the library reconstructs it. The expected dynamics
    then descend ``(1 − α)L₀(θ) + αC‖θ − θ*‖`` and reach the target exactly once ``α ≥`` :func:`critical_mass`
    (``fixed_point`` holds :func:`gradient_steering_fixed_point`). Same batches, averaging and vmapping as
    :func:`sgd_steering`."""
    import jax.numpy as jnp

    X, y, target, alphas, steps, eta, B, seeds = _steering_inputs(X, y, target, alphas, steps, step_size,
                                                                  batch_size, seeds)
    C = check_positive("gradient_norm", gradient_norm)
    theta = _steer(X, y, target, alphas,
                   lambda diff: C * diff / jnp.maximum(jnp.linalg.norm(diff), 1e-12), steps, eta, B, seeds, seed)
    cov = X.T @ X / X.shape[0]
    base = np.linalg.lstsq(X, y, rcond=None)[0]
    return SteeringResult(alphas, theta, np.linalg.norm(theta - target, axis=-1),
                          gradient_steering_fixed_point(alphas, cov, base, target, C))
