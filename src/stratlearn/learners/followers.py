"""The followers a leader learns against in [4], and the leader's decision set.

[4] Maheshwari, Cheng, Sastry, Ratliff, Mazumdar. Follower agnostic methods for Stackelberg games (arXiv 2302.01421).

The leader's algorithms (:mod:`stratlearn.learners.follower_agnostic`) see the followers only through
:class:`Followers`: deploy a decision, let them adapt, observe where they end. :class:`GradientPlayFollowers` play
a strongly monotone game; :class:`RoutingFollowers` are travellers on a road network reacting to tolls, with a
demand the leader is never given; :class:`SealedFollowers` wraps any of them so that only ``respond`` can be reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..equilibria.wardrop import ShortestPaths, _costs, _gradient_projection, user_equilibrium
from ..errors import InvalidParameterError

__all__ = ["Box", "leader_set", "Followers", "GradientPlayFollowers", "RoutingFollowers", "SealedFollowers"]


@dataclass(frozen=True, eq=False)
class Box:
    """The leader's convex decision set ``{x : lower ≤ x ≤ upper}`` (entries may be ±inf)."""

    lower: np.ndarray
    upper: np.ndarray

    def __post_init__(self):
        lo, hi = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (self.lower, self.upper))
        if lo.shape != hi.shape or lo.ndim != 1 or lo.size == 0:
            raise InvalidParameterError(f"leader set: lower {lo.shape} and upper {hi.shape} must be vectors of one "
                                        "shape")
        if np.isnan(lo).any() or np.isnan(hi).any() or (lo > hi).any():
            j = int(np.flatnonzero(~(lo <= hi))[0])
            raise InvalidParameterError(f"leader set: lower[{j}]={lo[j]} > upper[{j}]={hi[j]}; expected lower <= "
                                        "upper")
        object.__setattr__(self, "lower", lo)
        object.__setattr__(self, "upper", hi)

    @property
    def dim(self) -> int:
        return int(self.lower.size)

    def project(self, x) -> np.ndarray:
        return np.clip(np.asarray(x, dtype=float), self.lower, self.upper)


def leader_set(spec) -> Box:
    """A leader decision set from ``spec``: a :class:`Box` or a ``(lower, upper)`` pair. Anything else (a finite
    list of allowed decisions, a union of intervals) is not convex, which projected leader steps need."""
    if isinstance(spec, Box):
        return spec
    if isinstance(spec, tuple) and len(spec) == 2:
        return Box(*spec)
    raise InvalidParameterError(f"leader set={spec!r}: expected a convex set, a Box(lower, upper) or a "
                                "(lower, upper) pair; a finite set of decisions or a union of intervals is not "
                                "convex, so projected steps are undefined")


class Followers:
    """What the leader may do with the followers: deploy ``x`` and let them adapt for ``steps`` steps, observing the
    joint action they end at: ``respond(x, state, steps, key) -> (y, state)``. The followers' state is explicit:
    ``respond`` reads it and returns the next one, and the followers object itself never changes (it holds their
    utilities, demand and rule, not where they are). ``state=None`` is their state before any decision
    (:meth:`start`). The leader's algorithms call ``respond`` only, and read ``restartable``: whether the state is
    the joint action itself (true for followers whose whole state is ``y``: the leader may then start them from any
    ``y`` it chooses, as a bi-level solver runs its inner solver); false for followers with a memory of their own
    (travellers who remember their paths), whose state only the followers can read and which a leader can only pass
    back as it got it (:class:`SealedFollowers` refuses an older one: followers cannot be rewound)."""

    restartable: bool = False

    def start(self):
        """The followers' state before any decision."""
        return None

    def respond(self, x, state, steps: int, key=None):  # pragma: no cover - interface
        raise NotImplementedError


class _Opaque:
    """A state the leader holds without being able to read it (see :class:`SealedFollowers`)."""

    __slots__ = ("_inner",)

    def __init__(self, inner):
        object.__setattr__(self, "_inner", inner)

    def __repr__(self) -> str:
        return "<followers' state>"


class SealedFollowers(Followers):
    """Followers exactly as a follower-agnostic leader may see them: ``respond`` (counted in ``calls``) and the
    declared ``restartable``; reading anything else through it (the demand, the utilities, the rule) raises. The
    state of followers that are not restartable comes back wrapped, unreadable, and only the latest one is accepted:
    passing an older state (rewinding the travellers' memory) or ``None`` after the first response (forgetting it)
    raises. It guards a leader's code against reading or doing what it should not, and tests use it to check that a
    leader never does; it is not a security boundary (Python lets a determined caller reach the wrapped object)."""

    def __init__(self, inner: Followers):
        if not callable(getattr(inner, "respond", None)):
            raise InvalidParameterError(f"inner: expected followers with respond(x, state, steps, key), got "
                                        f"{type(inner).__name__}")
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "calls", 0)
        object.__setattr__(self, "restartable", bool(getattr(inner, "restartable", False)))
        object.__setattr__(self, "_latest", None)

    def respond(self, x, state, steps: int, key=None):
        if self.restartable:
            inner_state = state
        else:
            if state is not self._latest:
                raise InvalidParameterError(
                    "state: followers with a memory of their own cannot be rewound or reset; pass the state of "
                    "their last response" + (" (None only before the first)" if self._latest is not None else ""))
            inner_state = None if state is None else state._inner
        y, new_state = self._inner.respond(x, inner_state, steps, key)
        if not self.restartable:
            new_state = _Opaque(new_state)
            object.__setattr__(self, "_latest", new_state)
        object.__setattr__(self, "calls", self.calls + 1)
        return y, new_state

    def __getattr__(self, name):
        raise AttributeError(f"the leader may only call respond, not read followers.{name}")

    def __setattr__(self, name, value):
        raise AttributeError(f"sealed followers cannot be changed (tried to set {name})")


class GradientPlayFollowers(Followers):
    """Followers playing projected gradient play in the strongly monotone game with affine pseudo-gradient
    ``F(y; x) = M y + q + C x`` on the box ``[lower, upper]``: ``y ← Π(y − α F(y; x))``. Strong monotonicity
    (the symmetric part of ``M`` positive definite) is checked; ``α`` defaults to ``μ/‖M‖²``, a contraction. Their
    state is their joint action ``y`` (restartable); before any decision, ``0`` projected on the box."""

    def __init__(self, M, q, C, lower, upper, *, step: float | None = None):
        M, q, C = (np.asarray(a, dtype=float) for a in (M, q, C))
        n = q.size
        if M.shape != (n, n) or C.ndim != 2 or C.shape[0] != n:
            raise InvalidParameterError(f"M {M.shape}, q {q.shape}, C {C.shape}: expected M (n, n), q (n,), C (n, d)")
        mu = float(np.linalg.eigvalsh(0.5 * (M + M.T)).min())
        if not mu > 0:
            raise InvalidParameterError(f"M: the followers' game must be strongly monotone; the symmetric part of M "
                                        f"has smallest eigenvalue {mu:.3g}")
        self._M, self._q, self._C = M, q, C
        self._lower = np.broadcast_to(np.asarray(lower, float), (n,)).copy()
        self._upper = np.broadcast_to(np.asarray(upper, float), (n,)).copy()
        self._step = mu / np.linalg.norm(M, 2) ** 2 if step is None else float(step)

    restartable = True

    def start(self) -> np.ndarray:
        return np.clip(np.zeros(self._q.size), self._lower, self._upper)

    def respond(self, x, state, steps: int, key=None):
        y = self.start() if state is None else np.asarray(state, dtype=float)
        drive = self._q + self._C @ np.asarray(x, dtype=float)
        for _ in range(int(steps)):
            y = np.clip(y - self._step * (self._M @ y + drive), self._lower, self._upper)
        return y.copy(), y.copy()


class RoutingFollowers(Followers):
    """Travellers on a network adapting to link tolls ``x``; ``y`` is the link flow vector. Their demand is theirs
    alone (the leader is never given it). Rule ``"paths"``: every step each origin-destination pair moves flow from
    its costlier used paths toward its cheapest one by gradient projection; their state is the paths each pair uses
    and the flow on each (a memory of their own: not restartable); ``"frank_wolfe"``: bi-conjugate Frank-Wolfe
    steps, whose state is the link flow vector (restartable; ``None``: Frank-Wolfe's own start).

    ``tolled`` (link indices, default every link) are the links the planner can toll: the decision ``x`` then holds
    one toll per listed link, in that order, and every other link is free."""

    def __init__(self, network, demand, *, rule: str = "paths", tolled=None):
        if rule not in ("paths", "frank_wolfe"):
            raise InvalidParameterError(f"rule={rule!r}: expected 'paths' or 'frank_wolfe'")
        if tolled is not None:
            idx = np.asarray(tolled)
            if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu" or (idx < 0).any() \
                    or (idx >= network.num_links).any() or np.unique(idx).size != idx.size:
                raise InvalidParameterError(f"tolled={tolled!r}: expected distinct link indices in "
                                            f"[0, {network.num_links})")
            tolled = idx.astype(int)
        self._tolled = tolled
        self._paths = ShortestPaths(network, demand)
        self._network, self._rule = network, rule

    @property
    def restartable(self) -> bool:
        """Frank-Wolfe travellers start from the link flows they are given; path-remembering ones do not."""
        return self._rule == "frank_wolfe"

    @property
    def network(self):
        """The road network (public: the planner knows its roads and latencies)."""
        return self._network

    def respond(self, x, state, steps: int, key=None):
        tolls = np.asarray(x, dtype=float)
        if self._tolled is not None:
            if tolls.shape != (self._tolled.size,):
                raise InvalidParameterError(f"x: expected {self._tolled.size} tolls (one per tolled link), got shape "
                                            f"{tolls.shape}")
            full = np.zeros(self._network.num_links)
            full[self._tolled] = tolls
            tolls = full
        if self._rule == "frank_wolfe":
            res = user_equilibrium(self._network, None, tolls=tolls, gap=1e-15, max_iterations=int(steps),
                                   start=state, paths=self._paths)
            return res.flow.copy(), res.flow.copy()
        # the path sets are copied before the steps move flow in them: the state handed in stays as it was
        sets = {} if state is None else {pair: [list(routes), flows.copy()] for pair, (routes, flows) in state.items()}
        cost_fn, slope_fn = _costs(self._network, "user", tolls)
        flow, _, _, _, sets = _gradient_projection(self._network, self._paths, cost_fn, slope_fn, 0.0, int(steps),
                                                   None, 0.0, sets=sets, gap_check=False)
        return flow.copy(), sets
