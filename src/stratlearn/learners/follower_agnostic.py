"""The leader's methods of [4]: learning a Stackelberg decision (e.g. road tolls) without knowing the followers'
utilities, demand or learning rule, from their observed responses alone.

[4] Maheshwari, Cheng, Sastry, Ratliff, Mazumdar. Follower agnostic methods for Stackelberg games (arXiv 2302.01421;
v1: Convergent first-order methods for bi-level optimization and Stackelberg games).

The leader chooses ``x`` in a convex set ``X`` to minimize ``f(x, y*(x))``, where ``y*(x)`` is where the followers'
adaptation settles. It knows ``f`` (so ``∇_x f`` and ``∇_y f``) and may call
``followers.respond(x, state, steps, key) -> (y, state)`` (:class:`stratlearn.learners.followers.Followers`), nothing
else; it threads the followers' state from one call to the next (where they are) and, for restartable followers only,
may start them from a joint action of its choosing. The hypergradient ``∇_x f + Jᵀ ∇_y f`` needs the
response Jacobian ``J = ∂y*/∂x``, which the leader estimates from probes:

* two-loop (:func:`follower_agnostic`), the method built here: at each leader iteration deploy ``x_k`` and let the followers settle
  (``follower_steps`` steps; whether they did is checked by one more step, and a response still moving by more
  than ``tolerance`` is reported, never used); deploy ``probes`` perturbed decisions ``x_k + δ u`` (``u`` with
  independent ±1 entries), let the followers adapt from there and record ``(δu, y(x_k + δu) − y(x_k))``; estimate
  ``Ĵ`` by ridge least squares over the last ``memory`` probes, ``Ĵ = ΔY Uᵀ (U Uᵀ + λI)⁻¹``; step
  ``x_{k+1} = Π_X(x_k − η (∇_x f + Ĵᵀ ∇_y f))``.

* single-loop, two-timescale (:func:`follower_agnostic_two_timescale`), after [4] v1 ("alternate between
  descending on the inner problem using naive methods and descending on the upper-level objective using specially
  constructed gradient estimators"): the followers never settle; each leader iteration lets them take
  ``follower_steps`` steps (a few, typically one) and the leader takes a small step. A probe cannot measure ``J``
  directly here: ``(y(x + δu) − y(x))/δ`` after one step from the same ``y`` is the one-step sensitivity
  ``B u`` of the followers' update map ``Φ`` (``B = ∂Φ/∂x``), not the response Jacobian. (Tried: used as if it were
  ``J``, the leader stopped far from the optimum on an affine game.) Instead the leader tracks ``J`` through the
  followers' own recursion. The response Jacobian is the fixed point ``J = A J + B`` of the update's derivatives
  (``A = ∂Φ/∂y``; a contraction when the followers' rule converges), and one probe started from the perturbed
  joint action ``y + δ Ĵ u`` measures exactly the right-hand side applied to ``u``,
  ``s = (Φ(x + δu, y + δĴu) − Φ(x, y))/δ ≈ (AĴ + B) u``. The estimate moves toward it on the fast timescale,
  ``Ĵ ← Ĵ + (β/d) (s − Ĵu) uᵀ`` (a randomized fixed-point step, normalized by ``‖u‖² = d`` so that one probe does
  not overshoot along ``u``; with ±1 entries ``E[u uᵀ] = I`` and the residual vanishes at the fixed point), while
  ``x`` moves with ``η ≪ β/d``. This needs followers that can be started from a
  given joint action (their state is ``y``), as in bi-level optimization where the leader runs
  the inner solver: :class:`~stratlearn.learners.followers.GradientPlayFollowers` and the ``"frank_wolfe"`` rule of
  :class:`~stratlearn.learners.followers.RoutingFollowers` do; travellers who remember their paths do not, so
  ``restartable`` is checked.

Baselines: :func:`zeroth_order_descent` (two-point estimates of the gradient of the observed leader cost
``x ↦ f(x, y(x))``, which uses the responses only through ``f``) and, where the followers' game is known,
:func:`oracle_hypergradient_descent` (implicit differentiation of the followers' equilibrium, with JAX) and, for
road tolls, :func:`oracle_toll_descent` (implicit differentiation of the user equilibrium through its used paths).

Every method takes ``callback``: when given, ``callback(k, x)`` is called after leader iteration ``k`` (counted
from 1) with the new decision ``x``, e.g. to show progress (``stratlearn tolls`` draws its bar with it) or to log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import InvalidParameterError, StratlearnError, check_positive, check_positive_int, check_seed
from .followers import Followers, leader_set

__all__ = ["LeaderResult", "follower_agnostic", "follower_agnostic_two_timescale", "follower_agnostic_online",
           "myopic_descent", "zeroth_order_descent", "oracle_hypergradient_descent", "oracle_toll_descent",
           "FollowersDidNotSettle", "PRIVATE_FIELDS"]

# What a follower-agnostic leader must not be able to read: followers exposing one of these names (their demand,
# utilities or game) are refused, since the method is defined by not using them. Wrap such followers in
# SealedFollowers, which exposes respond and restartable only.
PRIVATE_FIELDS = ("demand", "utility", "utilities", "payoff", "payoffs", "game", "equilibrium")


class FollowersDidNotSettle(StratlearnError):
    """The followers' response was still moving after the allowed adaptation steps."""


@dataclass(frozen=True)
class LeaderResult:
    """The leader's decisions ``x`` (iterations + 1, d), the leader cost ``f(x_k, y_k)`` at each response (settled
    for the two-loop methods, current for the two-timescale one; the last entry always at a settled response), the
    final response ``y``, the number of follower adaptation steps used in all, the wall time, the leader's last
    estimate of the response Jacobian ``∂y/∂x`` (None where it keeps none), and ``gradients`` (iterations, d): the
    estimate of the hypergradient at ``x_k`` that the leader stepped along at each iteration (for the oracles, the
    exact one), so that a study can hold it against the exact hypergradient."""

    x: np.ndarray
    cost: np.ndarray
    y: np.ndarray
    follower_steps: int
    wall_time: float
    jacobian: np.ndarray | None = None
    gradients: np.ndarray | None = None


def _decision(x0, bounds):
    """The leader set and the starting decision, projected onto it; ``x0`` must match the set's dimension."""
    box = leader_set(bounds)
    x0 = np.atleast_1d(np.asarray(x0, dtype=float))
    if x0.shape != (box.dim,) or not np.isfinite(x0).all():
        raise InvalidParameterError(f"x0: expected {box.dim} finite numbers (the leader set's dimension), got shape "
                                    f"{x0.shape}")
    return box, box.project(x0)


def _check(followers, x0, iterations, step_size, lower_upper):
    if not hasattr(followers, "respond") or not callable(followers.respond):
        raise InvalidParameterError(f"followers: expected an object with respond(x, state, steps, key), got "
                                    f"{type(followers).__name__}")
    exposed = [name for name in PRIVATE_FIELDS if _exposes(followers, name)]
    if exposed:
        raise InvalidParameterError(
            f"followers: {type(followers).__name__} exposes {', '.join(exposed)}; a follower-agnostic leader must "
            "see the followers only through respond (the method is defined by not reading their utilities or "
            "demand). Wrap them: SealedFollowers(followers)")
    box, x = _decision(x0, lower_upper)
    return box, x, check_positive_int("iterations", iterations), check_positive("step_size", step_size)


def _exposes(followers, name) -> bool:
    try:
        getattr(followers, name)
    except AttributeError:
        return False
    return True


def _respond(followers, x, start, state, steps):
    """One call of the followers at decision ``x`` for ``steps`` steps: from the joint action ``start`` when they are
    restartable and one is given, else from their state ``state`` (where they are; ``None`` before the first call).
    Returns the response and their next state."""
    begin = start if (start is not None and getattr(followers, "restartable", False)) else state
    y, state = followers.respond(x, begin, steps, None)
    return np.asarray(y, dtype=float), state


def _settle(followers, x, y, state, steps, tolerance, where):
    """Let the followers adapt at ``x`` and check by one more step that they settled; returns ``(y, state)``."""
    y, state = _respond(followers, x, y, state, steps)
    again, state = _respond(followers, x, y, state, 1)
    if not (np.isfinite(y).all() and np.isfinite(again).all()):
        raise FollowersDidNotSettle(f"{where}: the followers' response is not finite")
    moved = np.linalg.norm(again - y) / max(np.linalg.norm(y), 1e-300)
    if moved > tolerance:
        raise FollowersDidNotSettle(f"{where}: the followers' response still moved by {moved:.2g} (relative) after "
                                    f"{steps} adaptation steps; expected at most tolerance={tolerance:g} (allow more "
                                    "follower_steps, or a looser tolerance)")
    return again, state


def follower_agnostic(followers: Followers, cost: Callable, grad_x: Callable, grad_y: Callable, x0, *,
                      bounds, iterations: int = 50, step_size: float = 0.1, probes: int = 4, radius: float = 0.1,
                      follower_steps: int = 20, first_steps: int | None = None, memory: int | None = None,
                      ridge: float = 1e-6, tolerance: float = 1e-3, resettle: bool | None = None,
                      seed: int = 0, callback: Callable | None = None) -> LeaderResult:
    """The follower-agnostic leader of [4] (two-loop). ``cost(x, y)``, ``grad_x(x, y)``, ``grad_y(x, y)`` are the
    leader's cost and its partial gradients; ``bounds`` the convex decision set (a ``Box`` or ``(lower, upper)``).
    Probes use radius ``radius``; ``memory`` (default ``4·dim``) is how many recent probes estimate the Jacobian.

    Every probe must start from the settled response at ``x_k``. Restartable followers are started there
    (``respond(x_k + δu, y_k, ...)``). Followers with a memory of their own (travellers who remember their paths)
    ignore ``y0`` and would start a probe from wherever the previous probe left them; for them (``resettle``,
    default: when the followers are not restartable) the leader re-deploys ``x_k`` for ``follower_steps`` steps
    after each probe and measures the next probe against that re-settled response. This only posts decisions and
    observes flows, at the price of ``follower_steps`` more steps per probe; ``resettle=False`` keeps the cheaper,
    biased probes (the tolls study measures what they cost in accuracy)."""
    box, x, iterations, eta = _check(followers, x0, iterations, step_size, bounds)
    probes = check_positive_int("probes", probes)
    radius = check_positive("radius", radius)
    follower_steps = check_positive_int("follower_steps", follower_steps)
    first_steps = follower_steps if first_steps is None else check_positive_int("first_steps", first_steps)
    memory = 4 * box.dim if memory is None else check_positive_int("memory", memory)
    resettle = (not getattr(followers, "restartable", False)) if resettle is None else bool(resettle)
    rng = np.random.default_rng(check_seed(seed))
    started = time.perf_counter()
    y = state = None
    us, dys = [], []
    xs, costs, grads, used = [x.copy()], [], [], 0
    for k in range(iterations):
        steps = first_steps if k == 0 else follower_steps
        y, state = _settle(followers, x, y, state, steps, tolerance, f"leader iteration {k}")
        used += steps + 1
        costs.append(float(cost(x, y)))
        base = y
        for j in range(probes):
            if resettle and j > 0:                # back to x_k: the next probe starts from a settled response
                base, state = _respond(followers, x, None, state, follower_steps)
                used += follower_steps
            u = rng.choice([-1.0, 1.0], size=box.dim)
            probe, state = _respond(followers, x + radius * u, base, state, follower_steps)
            used += follower_steps
            us.append(radius * u)
            dys.append(probe - base)
        us, dys = us[-memory:], dys[-memory:]
        U, dY = np.stack(us, axis=1), np.stack(dys, axis=1)            # (d, n), (m, n)
        jac = dY @ U.T @ np.linalg.inv(U @ U.T + ridge * radius ** 2 * np.eye(box.dim))
        g = np.asarray(grad_x(x, y), dtype=float) + jac.T @ np.asarray(grad_y(x, y), dtype=float)
        grads.append(g)
        x = box.project(x - eta * g)
        xs.append(x.copy())
        if callback is not None:
            callback(len(xs) - 1, x)
    y, _ = _settle(followers, x, y, state, follower_steps, tolerance, "final decision")
    used += follower_steps + 1
    costs.append(float(cost(x, y)))
    return LeaderResult(x=np.stack(xs), cost=np.asarray(costs), y=y, follower_steps=used,
                        wall_time=time.perf_counter() - started, jacobian=jac, gradients=np.stack(grads))


def follower_agnostic_two_timescale(followers: Followers, cost: Callable, grad_x: Callable, grad_y: Callable, x0, *,
                                    bounds, iterations: int = 500, step_size: float = 0.01, tracking: float = 0.5,
                                    probes: int = 1, radius: float = 1e-3, follower_steps: int = 1,
                                    first_steps: int | None = None, final_steps: int = 200, tolerance: float = 1e-3,
                                    seed: int = 0, callback: Callable | None = None) -> LeaderResult:
    """The single-loop, two-timescale follower-agnostic leader (after [4] v1; see the module docstring). Each
    iteration: the followers take ``follower_steps`` steps at ``x`` from where they are; ``probes`` probes started at
    ``(x + δu, y + δĴu)`` take the same steps and move the Jacobian estimate by ``tracking`` (β) toward what they
    measure; the leader steps ``x ← Π_X(x − η(∇_x f + Ĵᵀ∇_y f))`` with ``η = step_size``, which must be small
    against β times the followers' rate (the two timescales). ``first_steps`` (default ``follower_steps``) are
    taken at ``x0`` before the first iteration; at the end the followers get ``final_steps`` steps at the last
    decision and must have settled (``FollowersDidNotSettle`` otherwise). ``followers`` must be restartable from a
    given joint action: ``followers.restartable`` must be true."""
    box, x, iterations, eta = _check(followers, x0, iterations, step_size, bounds)
    if not getattr(followers, "restartable", False):
        raise InvalidParameterError(
            f"followers: the two-timescale leader starts probes from a chosen joint action, so the followers' state "
            f"must be their joint action (followers.restartable true); {type(followers).__name__} does not say it does (use "
            "follower_agnostic, the two-loop leader, for followers with memory of their own)")
    beta = check_positive("tracking", tracking)
    if beta > 1:
        raise InvalidParameterError(f"tracking={tracking!r}: expected a fixed-point step in (0, 1]")
    probes = check_positive_int("probes", probes)
    radius = check_positive("radius", radius)
    follower_steps = check_positive_int("follower_steps", follower_steps)
    first_steps = follower_steps if first_steps is None else check_positive_int("first_steps", first_steps)
    final_steps = check_positive_int("final_steps", final_steps)
    rng = np.random.default_rng(check_seed(seed))
    started = time.perf_counter()
    y, state = _respond(followers, x, None, None, first_steps)
    used = first_steps
    jac = np.zeros((y.size, box.dim))
    xs, costs, grads = [x.copy()], [], []
    for k in range(iterations):
        costs.append(float(cost(x, y)))
        nominal, state = _respond(followers, x, y, state, follower_steps)
        used += follower_steps
        for _ in range(probes):
            u = rng.choice([-1.0, 1.0], size=box.dim)
            probe, state = _respond(followers, x + radius * u, y + radius * (jac @ u), state, follower_steps)
            used += follower_steps
            if not (np.isfinite(nominal).all() and np.isfinite(probe).all()):
                raise FollowersDidNotSettle(f"leader iteration {k}: the followers' response is not finite (their "
                                            "rule does not converge from here)")
            # a Kaczmarz-like step, normalized by ‖u‖² = d: unnormalized, one ±1 probe overshoots by a factor ≈ d
            # along u and the tracking diverges beyond a few dimensions
            jac += (beta / (probes * box.dim)) * np.outer((probe - nominal) / radius - jac @ u, u)
        if not np.isfinite(jac).all():
            raise FollowersDidNotSettle(f"leader iteration {k}: the tracked Jacobian is not finite (the followers' "
                                        "rule is not a contraction, or tracking is too large)")
        y = nominal
        g = np.asarray(grad_x(x, y), dtype=float) + jac.T @ np.asarray(grad_y(x, y), dtype=float)
        grads.append(g)
        x = box.project(x - eta * g)
        xs.append(x.copy())
        if callback is not None:
            callback(len(xs) - 1, x)
    y, _ = _settle(followers, x, y, state, final_steps, tolerance, "final decision")
    used += final_steps + 1
    costs.append(float(cost(x, y)))
    return LeaderResult(x=np.stack(xs), cost=np.asarray(costs), y=y, follower_steps=used,
                        wall_time=time.perf_counter() - started, jacobian=jac, gradients=np.stack(grads))


def follower_agnostic_online(followers: Followers, cost: Callable, grad_x: Callable, grad_y: Callable, x0, *,
                             bounds, iterations: int = 2000, step_size: float = 0.01, dither: float = 0.02,
                             follower_steps: int = 1, window: int | None = None, warmup: int | None = None,
                             ridge: float = 1e-8, average_from: float | None = 0.5, first_steps: int | None = None,
                             final_steps: int = 200, tolerance: float = 1e-3, seed: int = 0,
                             callback: Callable | None = None) -> LeaderResult:
    """A single-loop leader that only posts decisions and observes responses (the library's construction, after the
    single-loop idea of [4] v1; not the paper's algorithm). Unlike :func:`follower_agnostic_two_timescale`, it
    never starts the followers from a state of its choosing and calls ``respond`` once per iteration, from wherever
    they are. Its model assumes that the observed ``y`` is the followers' whole state (their update is a map of
    ``(y, x)``): true for Frank-Wolfe travellers and gradient play, and for path-remembering travellers where link
    flows determine path flows (Pigou, where it is tested and claimed); on larger networks their path flows are a
    hidden state and the fit is only an approximation.

    Each iteration posts ``x_k + δu_k`` (``u_k`` with independent ±1 entries: a dither that makes the followers'
    dynamics identifiable), lets the followers take ``follower_steps`` steps and observes ``y_{k+1}``. Over the last
    ``window`` transitions (default ``4(m + d + 1)``; slow followers, whose update is close to the identity, make
    the regressors nearly collinear and need a longer one: on random affine games the default left errors up to
    7e-3 in ``Ĵ`` and 400 transitions 5e-9) it fits their linearized update ``y⁺ ≈ A y + B x + c`` by
    ridge least squares, and takes the response Jacobian of the fitted dynamics' fixed point,
    ``Ĵ = (I − A)⁻¹ B`` (least squares where ``I − A`` is singular, e.g. when the followers conserve their total
    flow). After ``warmup`` transitions (default the window) the leader steps
    ``x ← Π_X(x − η(∇_x f + Ĵᵀ∇_y f))`` at the observed ``y``; ``η`` must be small against the followers' rate
    (two timescales). The dither keeps the iterates moving by about ``√η δ``; the decision deployed at the end is
    their average from the fraction ``average_from`` of the run on (Polyak–Ruppert averaging; ``None``: the last
    iterate), the last row of ``x``, deployed without dither for ``final_steps`` steps; it must settle."""
    box, x, iterations, eta = _check(followers, x0, iterations, step_size, bounds)
    delta = check_positive("dither", dither)
    follower_steps = check_positive_int("follower_steps", follower_steps)
    first_steps = follower_steps if first_steps is None else check_positive_int("first_steps", first_steps)
    final_steps = check_positive_int("final_steps", final_steps)
    if average_from is not None and not 0 <= average_from < 1:
        raise InvalidParameterError(f"average_from={average_from!r}: expected a fraction of the run in [0, 1), or "
                                    "None for the last iterate")
    rng = np.random.default_rng(check_seed(seed))
    started = time.perf_counter()
    y, state = _respond(followers, x, None, None, first_steps)
    m, d = y.size, box.dim
    window = 4 * (m + d + 1) if window is None else check_positive_int("window", window)
    warmup = window if warmup is None else check_positive_int("warmup", warmup)
    if window < m + d + 1:
        raise InvalidParameterError(f"window={window}: expected at least m + d + 1 = {m + d + 1} transitions to "
                                    "fit the followers' linearized update")
    if not m + d + 1 <= warmup <= window:
        raise InvalidParameterError(f"warmup={warmup}: expected between m + d + 1 = {m + d + 1} (a determined fit) "
                                    f"and window={window} transitions")
    used = first_steps
    states, decisions, nexts = [], [], []
    jac = np.zeros((m, d))
    xs, costs, grads = [x.copy()], [], []
    for k in range(iterations):
        costs.append(float(cost(x, y)))
        posted = x + delta * rng.choice([-1.0, 1.0], size=d)
        after, state = _respond(followers, posted, None, state, follower_steps)
        used += follower_steps
        if not np.isfinite(after).all():
            raise FollowersDidNotSettle(f"leader iteration {k}: the followers' response is not finite")
        states.append(y)
        decisions.append(posted)
        nexts.append(after)
        states, decisions, nexts = states[-window:], decisions[-window:], nexts[-window:]
        y = after
        if k + 1 >= warmup:
            Z = np.column_stack([np.stack(states), np.stack(decisions), np.ones(len(states))])   # (n, m + d + 1)
            scale = np.maximum(np.abs(Z).max(axis=0), 1e-12)                                    # column scaling
            Zs = Z / scale
            coef = np.linalg.solve(Zs.T @ Zs + ridge * np.eye(Zs.shape[1]), Zs.T @ np.stack(nexts)) / scale[:, None]
            A, B = coef[:m].T, coef[m:m + d].T
            jac = np.linalg.lstsq(np.eye(m) - A, B, rcond=None)[0]
            g = np.asarray(grad_x(x, y), dtype=float) + jac.T @ np.asarray(grad_y(x, y), dtype=float)
        else:
            g = np.zeros(d)
        grads.append(g)
        x = box.project(x - eta * g)
        xs.append(x.copy())
        if callback is not None:
            callback(len(xs) - 1, x)
    if average_from is not None:
        x = box.project(np.mean(xs[1 + int(average_from * iterations):], axis=0))
        xs[-1] = x.copy()
    y, _ = _settle(followers, x, None, state, final_steps, tolerance, "final decision")
    used += final_steps + 1
    costs.append(float(cost(x, y)))
    return LeaderResult(x=np.stack(xs), cost=np.asarray(costs), y=y, follower_steps=used,
                        wall_time=time.perf_counter() - started, jacobian=jac, gradients=np.stack(grads))


def zeroth_order_descent(followers: Followers, cost: Callable, x0, *, bounds, iterations: int = 50,
                         step_size: float = 0.1, radius: float = 0.1, follower_steps: int = 20,
                         first_steps: int | None = None, tolerance: float = 1e-3, seed: int = 0,
                         callback: Callable | None = None) -> LeaderResult:
    """Baseline: projected descent on the observed leader cost ``h(x) = f(x, y(x))`` with the two-point estimate
    ``d (h(x + δu) − h(x)) u / δ`` (``u`` uniform on the unit sphere), using the followers only through ``h``."""
    box, x, iterations, eta = _check(followers, x0, iterations, step_size, bounds)
    radius = check_positive("radius", radius)
    follower_steps = check_positive_int("follower_steps", follower_steps)
    first_steps = follower_steps if first_steps is None else check_positive_int("first_steps", first_steps)
    rng = np.random.default_rng(check_seed(seed))

    def two_point(x, y, base, state):
        u = rng.standard_normal(box.dim)
        u /= np.linalg.norm(u)
        probe, state = _respond(followers, x + radius * u, y, state, follower_steps)
        return box.dim * (float(cost(x + radius * u, probe)) - base) / radius * u, follower_steps, state

    return _settled_descent(followers, cost, box, x, iterations, eta, follower_steps, first_steps, tolerance,
                            two_point, callback)


def _settled_descent(followers, cost, box, x, iterations, eta, follower_steps, first_steps, tolerance, direction,
                     callback=None):
    """Projected descent in which the followers settle at every decision: ``direction(x, y, f(x, y), state)``
    returns the step's direction, the follower steps it used beyond the settling and the followers' state after them
    (the zeroth-order and myopic leaders)."""
    started = time.perf_counter()
    y = state = None
    xs, costs, grads, used = [x.copy()], [], [], 0
    for k in range(iterations):
        steps = first_steps if k == 0 else follower_steps
        y, state = _settle(followers, x, y, state, steps, tolerance, f"leader iteration {k}")
        base = float(cost(x, y))
        costs.append(base)
        g, extra, state = direction(x, y, base, state)
        used += steps + 1 + extra
        grads.append(g)
        x = box.project(x - eta * g)
        xs.append(x.copy())
        if callback is not None:
            callback(len(xs) - 1, x)
    y, _ = _settle(followers, x, y, state, follower_steps, tolerance, "final decision")
    used += follower_steps + 1
    costs.append(float(cost(x, y)))
    return LeaderResult(x=np.stack(xs), cost=np.asarray(costs), y=y, follower_steps=used,
                        wall_time=time.perf_counter() - started, gradients=np.stack(grads))


def myopic_descent(followers: Followers, cost: Callable, grad_x: Callable, x0, *, bounds, iterations: int = 50,
                   step_size: float = 0.1, follower_steps: int = 20, first_steps: int | None = None,
                   tolerance: float = 1e-3, callback: Callable | None = None) -> LeaderResult:
    """Control for [4]: a leader that ignores the followers' response. It lets them settle at ``x_k`` like the
    two-loop leader but steps along the direct derivative only, ``x ← Π_X(x − η ∇_x f(x, y(x)))``, i.e. it takes
    the response Jacobian to be zero. Where the leader's cost depends on ``x`` only through the followers (total
    travel time against tolls: ``∇_x f = 0``) it never moves; in general it finds a point where the direct
    derivative vanishes, not a stationary point of ``x ↦ f(x, y*(x))``."""
    box, x, iterations, eta = _check(followers, x0, iterations, step_size, bounds)
    follower_steps = check_positive_int("follower_steps", follower_steps)
    first_steps = follower_steps if first_steps is None else check_positive_int("first_steps", first_steps)
    return _settled_descent(followers, cost, box, x, iterations, eta, follower_steps, first_steps, tolerance,
                            lambda x, y, base, state: (np.asarray(grad_x(x, y), dtype=float), 0, state), callback)


def oracle_hypergradient_descent(equilibrium: Callable, cost: Callable, x0, *, bounds, iterations: int = 50,
                                 step_size: float = 0.1, callback: Callable | None = None) -> LeaderResult:
    """Baseline that knows the followers' game: ``equilibrium(x)`` is a JAX function returning ``y*(x)``
    (differentiable, e.g. by implicit differentiation); the leader steps along the exact hypergradient of
    ``x ↦ cost(x, y*(x))`` computed with ``jax.grad``."""
    import jax
    import jax.numpy as jnp

    box, x = _decision(x0, bounds)
    iterations = check_positive_int("iterations", iterations)
    eta = check_positive("step_size", step_size)
    started = time.perf_counter()
    with jax.enable_x64(True):
        total = jax.jit(jax.value_and_grad(lambda z: cost(z, equilibrium(z))))
        xs, costs, grads = [x.copy()], [], []
        for _ in range(iterations):
            value, g = total(jnp.asarray(x))
            costs.append(float(value))
            grads.append(np.asarray(g, dtype=float))
            x = box.project(x - eta * np.asarray(g))
            xs.append(x.copy())
            if callback is not None:
                callback(len(xs) - 1, x)
        costs.append(float(total(jnp.asarray(x))[0]))
        y = np.asarray(equilibrium(jnp.asarray(x)))
    return LeaderResult(x=np.stack(xs), cost=np.asarray(costs), y=y, follower_steps=0,
                        wall_time=time.perf_counter() - started, gradients=np.stack(grads))


def oracle_toll_descent(sensitivity, x0, *, bounds, iterations: int = 20, step_size: float = 1e-4,
                        grad_flow: Callable | None = None, callback: Callable | None = None) -> LeaderResult:
    """Baseline for road tolls that knows the travellers' game: projected descent along the exact hypergradient
    ``∂F(v*(τ))/∂τ`` from :class:`stratlearn.equilibria.wardrop.TollSensitivity` (implicit differentiation of the
    user equilibrium through its used paths). ``F`` is the total travel time unless ``grad_flow(v) -> (F, ∇F)``
    is given. ``cost`` holds ``F`` at the equilibrium of each decision."""
    from ..equilibria.wardrop import TollSensitivity

    if not isinstance(sensitivity, TollSensitivity):
        raise InvalidParameterError(f"sensitivity: expected a TollSensitivity (the oracle knows the network and "
                                    f"the demand), got {type(sensitivity).__name__}")
    box, x = _decision(x0, bounds)
    iterations = check_positive_int("iterations", iterations)
    eta = check_positive("step_size", step_size)
    started = time.perf_counter()
    xs, costs, grads = [x.copy()], [], []
    for _ in range(iterations):
        res = sensitivity(x, grad_flow)
        costs.append(res.value)
        grads.append(np.asarray(res.gradient, dtype=float))
        x = box.project(x - eta * res.gradient)
        xs.append(x.copy())
        if callback is not None:
            callback(len(xs) - 1, x)
    res = sensitivity(x, grad_flow)
    costs.append(res.value)
    return LeaderResult(x=np.stack(xs), cost=np.asarray(costs), y=res.flow, follower_steps=0,
                        wall_time=time.perf_counter() - started, gradients=np.stack(grads))
