"""Wardrop equilibria of congestion networks: user equilibrium and system optimum, for the road-toll setting of [4].

[4] Maheshwari, Cheng, Sastry, Ratliff, Mazumdar. Follower agnostic methods for Stackelberg games (arXiv 2302.01421).

A user equilibrium (UE) routes the demand so that every used path between an origin and a destination has the
least generalized cost ``Σ_e (t_e(v_e) + τ_e)`` (latency plus toll); it minimizes Beckmann's potential
``Σ_e ∫₀^{v_e} t_e + τ_e v_e`` over feasible link flows. The system optimum (SO) minimizes the total travel time
``Σ_e v_e t_e(v_e)``; it is the UE under the marginal costs ``t_e + v_e t′_e``, so the marginal-cost (Pigouvian)
tolls ``τ_e = v*_e t′_e(v*_e)`` make the SO a UE (:func:`marginal_cost_tolls`).

Methods (the first three link-based: one all-or-nothing assignment per iteration, Dijkstra shortest-path trees from
every origin, compiled with numba and run in parallel over the origins, with each tree's flows loaded in the same
pass):

* ``"fw"``: Frank-Wolfe with an exact line search on the potential;
* ``"cfw"``: conjugate Frank-Wolfe (Mitradjieva and Lindberg, Transportation Science 47 (2013)): the target is a
  convex combination of the new all-or-nothing flow and the previous target, chosen so that the direction is
  conjugate, under the Hessian ``diag(c′(v))``, to the previous one;
* ``"bfw"``: bi-conjugate Frank-Wolfe (same paper): conjugate to the previous two directions. We solve the 2 × 2
  conjugacy system for the weights of the two previous targets directly and fall back to CFW, then to FW, when a
  weight would be negative (the target must stay a convex combination of feasible flows).
* ``"gp"``: path-based gradient projection (Jayakrishnan, Tsai, Prashker and Rajadhyaksha, Transportation
  Research Record 1443 (1994)), for high accuracy: each origin-destination pair keeps the paths it has used; every
  iteration adds the current shortest path and moves flow from each other path ``p`` to the cheapest one ``s`` by
  the Newton step ``(c_p − c_s) / Σ_{e ∈ p ⊕ s} c′_e`` (capped at the path's flow), one pair after another with
  the link flows updated at once (Gauss-Seidel). Its loops run in Python per pair, so it suits networks of up to a
  few thousand pairs (Sioux Falls: 528) and gaps far below what the link-based methods reach in the same time.
* ``"b"``: Algorithm B (R. B. Dial, Transportation Research Part B 40 (2006) 917–936), bush-based, for research
  precision on city networks: every origin keeps an acyclic *bush* of links carrying its flow, grown where it
  would shorten a path and pruned where unused, and equilibrated node by node by Newton moves between the longest
  used and the least-cost path segments; compiled with numba (``equilibria/_bush.py``, which says what is Dial's
  and what is ours). It reaches gaps of 1e-10 on Sioux Falls, Anaheim, Chicago-Sketch, Winnipeg and Barcelona in
  seconds (``benchmarks/RESULTS.md``), where the link-based methods stall near 1e-6 to 1e-7. Costs must be
  non-negative (a toll may not make a link's cost negative).

The convergence measure is the relative gap ``(Σ_e v_e c_e − Σ_od d_od π_od) / Σ_e v_e c_e`` with ``c`` the
generalized (or, for the SO, marginal) costs and ``π`` the shortest-path costs under them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError, StratlearnError, check_positive, check_positive_int
from ..games.routing import Demand, Network

__all__ = ["WardropResult", "Bushes", "user_equilibria", "ShortestPaths", "TollSensitivity", "TollGradient",
           "user_equilibrium", "system_optimum",
           "relative_gap", "marginal_cost_tolls", "total_system_travel_time", "all_or_nothing"]

_COMPILED = threading.Lock()   # one parallel region at a time (see equilibria/_paths.py)
_EPS = 1e-9     # added to every link weight so shortest-path trees have strictly increasing distances


class ShortestPaths:
    """The shortest-path structure of a network and a demand, built once: zones that are not thru nodes get a
    separate source node (their out-links move to it), so paths may start and end at them but never pass
    through them; parallel links are resolved to the cheapest at each call. The trees are grown by a compiled
    Dijkstra (``_paths``), in parallel over the origins."""

    def __init__(self, network: Network, demand: Demand):
        if not isinstance(network, Network):
            raise InvalidParameterError(f"network: expected a Network, got {type(network).__name__}")
        if not isinstance(demand, Demand):
            raise InvalidParameterError(f"demand: expected a Demand, got {type(demand).__name__}")
        if demand.zones != network.zones:
            raise InvalidParameterError(f"demand: {demand.zones} zones, but the network {network.name!r} has "
                                        f"{network.zones}")
        n, zones = network.num_nodes, network.zones
        tail, head = network.tail - 1, network.head - 1
        blocked = np.arange(n) < network.first_thru_node - 1          # may not be passed through
        source = np.arange(zones)
        extra = [z for z in range(zones) if blocked[z]]
        for k, z in enumerate(extra):
            source[z] = n + k
        self.size = n + len(extra)
        new_tail = tail.copy()
        usable = np.ones(network.num_links, bool)
        for z in extra:
            new_tail[tail == z] = source[z]
        # out-links of blocked nodes that are not zones can never be used
        usable &= ~(blocked[tail] & (tail >= zones))
        self.links = np.flatnonzero(usable)
        self.tail, self.head = new_tail[self.links].astype(np.int64), head[self.links].astype(np.int64)
        self.key = self.tail * self.size + self.head
        self.origins = np.flatnonzero(demand.volume.sum(axis=1) > 0)
        self.sources = source[self.origins].astype(np.int64)
        self.demand = np.ascontiguousarray(demand.volume[self.origins], dtype=float)     # (origins, zones)
        self.num_links, self.zones, self.network = network.num_links, zones, network
        self.rows = np.arange(self.origins.size)
        # the graph the trees are grown on has one link per (tail, head) pair, the cheapest of the parallel ones at
        # each call; its pairs, sorted by key, are fixed, so are its compressed rows (the links leaving node u
        # are positions indptr[u]:indptr[u + 1])
        keys, self._starts = np.unique(np.sort(self.key), return_index=True)
        self._pair_tail, self._pair_head = keys // self.size, keys % self.size
        self._indptr = np.searchsorted(self._pair_tail, np.arange(self.size + 1)).astype(np.int64)

    def _graph(self, cost):
        """The links chosen under ``cost`` (the cheapest of each parallel set, the first by index on a tie; one per
        (tail, head) pair, in the order of the pairs) and their weights ``max(cost, 0) + ε``."""
        c = cost[self.links]
        if not np.isfinite(c).all():
            bad = int(self.links[np.flatnonzero(~np.isfinite(c))[0]])
            raise StratlearnError(f"link cost {c[~np.isfinite(c)][0]} on link {bad + 1} of {self.network.name!r}: "
                                  "expected finite link costs (a latency or toll is not finite)")
        chosen = np.lexsort((c, self.key))[self._starts]
        return chosen, np.maximum(c[chosen], 0.0) + _EPS

    def _check_reached(self, dist):
        missing = (self.demand > 0) & ~np.isfinite(dist[:, :self.zones])
        if missing.any():
            o, d = np.argwhere(missing)[0]
            raise StratlearnError(f"demand from zone {self.origins[o] + 1} to zone {d + 1} "
                                  f"({self.demand[o, d]:g}) has no path in the network {self.network.name!r}; "
                                  "expected every origin-destination pair with demand to be connected")

    def trees(self, cost):
        """Shortest-path trees from every origin under link ``cost``: distances and predecessors (origins × nodes,
        on the split graph; ``-9999`` at the origin and where unreached) and a function mapping (parent, node)
        pairs to link indices."""
        from ._paths import shortest_path_trees      # here, so that importing stratlearn does not load numba

        cost = np.asarray(cost, dtype=float)
        chosen, weight = self._graph(cost)
        with _COMPILED:
            dist, pred = shortest_path_trees(self._indptr, self._pair_tail, self._pair_head, weight, self.sources)
        self._check_reached(dist)

        if self.size * self.size <= 20_000_000:          # a dense (parent, node) -> link table: one gather
            if not hasattr(self, "_table"):
                self._table = np.full((self.size, self.size), -1, np.int64)
            self._table[self._pair_tail, self._pair_head] = self.links[chosen]
            table = self._table

            def link_of(parent, node):
                return table[parent, node]
        else:
            keys, links = self.key[chosen], self.links[chosen]

            def link_of(parent, node):
                return links[np.searchsorted(keys, parent * self.size + node)]

        return dist, pred, link_of

    def assign(self, cost):
        """All-or-nothing: every origin-destination volume on a least-cost path under link ``cost``. Returns the
        link flows and the shortest-path cost ``Σ d_od π_od`` (under ``cost``, without the tie-breaking ε)."""
        from ._paths import all_or_nothing

        cost = np.asarray(cost, dtype=float)
        chosen, weight = self._graph(cost)
        # the trees and their flows in one compiled pass: each node's subtree volume goes to its parent, in the
        # reverse of the order in which Dijkstra settled the nodes
        with _COMPILED:
            out, dist = all_or_nothing(self._indptr, self._pair_tail, self._pair_head, weight, self.links[chosen],
                                       self.sources, self.demand, self.num_links)
        self._check_reached(dist)
        return out, float(out @ cost)

    def all_paths(self, pred, link_of, pairs) -> list:
        """The tree paths (tuples of link indices, origin first) for every (origin row, zone) in ``pairs``,
        walked up the predecessor arrays for all pairs at once."""
        if not pairs:
            return []
        rows = np.array([o for o, _ in pairs])
        node = np.array([d for _, d in pairs])
        source = self.sources[rows]
        hops = []
        active = node != source
        while active.any():
            parent = pred[rows, node]
            step = np.full(node.size, -1)
            step[active] = link_of(parent[active], node[active])
            hops.append(step)
            node = np.where(active, parent, node)
            active = node != source
        if not hops:
            return [()] * len(pairs)
        table = np.stack(hops, axis=1)[:, ::-1]                      # origin first; -1 pads short paths
        return [tuple(int(e) for e in row[row >= 0]) for row in table]

    def path(self, pred, link_of, o: int, d: int) -> tuple:
        """The links of the tree path from origin row ``o`` to zone ``d`` (0-based)."""
        links, node = [], d
        source = self.sources[o]
        while node != source:
            parent = pred[o, node]
            links.append(int(link_of(np.array([parent]), np.array([node]))[0]))
            node = parent
        return tuple(reversed(links))


def all_or_nothing(network: Network, demand: Demand, cost) -> np.ndarray:
    """Link flows when every traveller takes a least-cost path under the fixed link ``cost``."""
    return ShortestPaths(network, demand).assign(cost)[0]


def total_system_travel_time(network: Network, flow) -> float:
    """``Σ_e v_e t_e(v_e)``."""
    return network.total_travel_time(flow)


def marginal_cost_tolls(network: Network, flow) -> np.ndarray:
    """The Pigouvian tolls ``τ_e = v_e t′_e(v_e)``: at the system-optimal flow they make it a user equilibrium."""
    v = np.asarray(flow, dtype=float)
    return v * network.latency_derivative(v)


def _costs(network, objective, tolls):
    """The generalized link costs and their slopes, ``cost(v, links=None)`` and ``slope(v, links=None)``: at the
    full flow vector ``v``, for every link or only for ``links`` (then read at ``v[links]``)."""
    fixed = np.broadcast_to(network.toll + (0.0 if tolls is None else tolls), (network.num_links,))

    def at(v, links):
        return (v, fixed) if links is None else (v[links], fixed[links])

    if objective == "user":
        def cost(v, links=None):
            u, f = at(v, links)
            return network.latency(u, links) + f

        def slope(v, links=None):
            return network.latency_derivative(at(v, links)[0], links)
    else:
        def cost(v, links=None):
            u, f = at(v, links)
            return network.latency(u, links) + u * network.latency_derivative(u, links) + f

        def slope(v, links=None):
            u = at(v, links)[0]
            return 2 * network.latency_derivative(u, links) + u * network.latency_second_derivative(u, links)
    return cost, slope


def relative_gap(network: Network, demand: Demand, flow, *, tolls=None, objective: str = "user") -> float:
    """``(Σ v c(v) − Σ d π) / Σ v c(v)`` for the generalized costs (``objective="system"``: marginal costs)."""
    cost_fn, _ = _costs(network, objective, _tolls(network, tolls))
    c = cost_fn(np.asarray(flow, float))
    total = float(np.asarray(flow, float) @ c)
    _, shortest = ShortestPaths(network, demand).assign(c)
    return (total - shortest) / total if total > 0 else 0.0


def _tolls(network, tolls):
    if tolls is None:
        return None
    tolls = np.asarray(tolls, dtype=float)
    if tolls.shape != (network.num_links,) or not np.isfinite(tolls).all():
        raise InvalidParameterError(f"tolls: expected {network.num_links} finite values (one per link), got shape "
                                    f"{tolls.shape}")
    return tolls


@dataclass(frozen=True)
class WardropResult:
    """An equilibrium (or optimum): link ``flow``, generalized ``cost`` at it, the ``relative_gap`` reached, the
    total system travel time ``tstt``, the ``iterations`` taken and the gap and wall time after each."""

    flow: np.ndarray
    cost: np.ndarray
    relative_gap: float
    tstt: float
    iterations: int
    gaps: np.ndarray
    times: np.ndarray
    method: str
    objective: str
    bushes: "Bushes | None" = None
    """Algorithm B's bushes at the end (``method="b"`` only): pass the result as ``start=`` to warm-start a solve of
    the same network and demand under other tolls."""


@dataclass(frozen=True, eq=False)
class Bushes:
    """Algorithm B's state: for every origin with demand, which links are in its bush (``member``, origins x usable
    links) and the origin's flow on each (``flow``); ``demand`` is the demand they carry (origins x zones) and
    ``links`` the network links the columns stand for."""

    links: np.ndarray
    member: np.ndarray
    flow: np.ndarray
    demand: np.ndarray


def _line_search(cost_fn, x, d):
    """The step ``τ ∈ [0, 1]`` minimizing the potential along ``x + τ d``: its derivative ``Σ c(x + τ d) d`` is
    increasing, so bisection (with a secant refinement) finds its root."""
    def slope(t):
        return float(cost_fn(x + t * d) @ d)

    if slope(1.0) <= 0:
        return 1.0
    if slope(0.0) >= 0:
        return 0.0
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if slope(mid) > 0:
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-15:
            break
    return 0.5 * (lo + hi)


def _gradient_projection(network, paths, cost_fn, slope_fn, gap, max_iterations, time_limit, started, sets=None,
                         gap_check=True):
    """Path-based gradient projection (see the module docstring); returns flows, the gap, the history and the
    path sets (``(origin row, zone) -> [paths as link tuples, their flows]``), from which it can be resumed."""
    x = np.zeros(network.num_links)
    sets = {} if sets is None else sets
    for routes, flows in sets.values():
        for r, f in zip(routes, flows):
            np.add.at(x, list(r), f)
    gaps, times = [], []
    rel = np.inf
    pairs = [(o, d) for o in range(paths.origins.size) for d in np.flatnonzero(paths.demand[o] > 0)]
    costs, slopes = np.zeros(network.num_links), np.zeros(network.num_links)   # filled pair by pair
    for _ in range(max_iterations):
        c = cost_fn(x)
        dist, pred, link_of = paths.trees(c)
        shortest = dict(zip(pairs, paths.all_paths(pred, link_of, pairs)))
        if sets and gap_check:
            total = float(x @ c)
            spt = sum(paths.demand[o, d] * float(c[list(shortest[(o, d)])].sum()) for o, d in pairs)
            rel = (total - spt) / total if total > 0 else 0.0
            gaps.append(rel)
            times.append(time.perf_counter() - started)
            if rel <= gap or (time_limit is not None and times[-1] > time_limit):
                break
        for o, d in pairs:
            new = shortest[(o, d)]
            if (o, d) not in sets:
                sets[(o, d)] = [[new], np.array([paths.demand[o, d]])]
                np.add.at(x, list(new), paths.demand[o, d])
                continue
            routes, flows = sets[(o, d)]
            if new not in routes:
                routes.append(new)
                flows = np.append(flows, 0.0)
            # only the links of this pair's paths are read: their costs and slopes, not the whole network's
            touched = np.fromiter(set().union(*routes), dtype=np.intp)
            costs[touched] = cost_fn(x, touched)
            path_costs = np.array([costs[list(r)].sum() for r in routes])
            s = int(np.argmin(path_costs))
            slopes[touched] = slope_fn(x, touched)
            target = set(routes[s])
            for p in range(len(routes)):
                if p == s or flows[p] <= 0:
                    continue
                differ = list(target.symmetric_difference(routes[p]))
                curvature = slopes[differ].sum()
                shift = flows[p] if curvature <= 0 else min(flows[p], (path_costs[p] - path_costs[s]) / curvature)
                if shift <= 0:
                    continue
                flows[p] -= shift
                flows[s] += shift
                np.add.at(x, list(routes[p]), -shift)
                np.add.at(x, list(routes[s]), shift)
            keep = flows > 0
            keep[s] = True
            sets[(o, d)] = [[r for r, k in zip(routes, keep) if k], flows[keep]]
        x = np.maximum(x, 0.0)
    return x, rel, gaps, times, sets


SWEEPS = 4
"""Equilibration sweeps per origin and pass of Algorithm B (``method="b"``); a library choice, not Dial's."""
PROBES = 32
"""Links per origin and pass that Algorithm B tests for a cycle before adding them (see ``equilibria/_bush.py``)."""


def _start_bushes(start, paths):
    """The bushes of a warm start (copied: the start is never changed), checked against this solve's network and
    demand."""
    state = start.bushes if isinstance(start, WardropResult) else start
    if not isinstance(state, Bushes):
        what = (f"a WardropResult of method {start.method!r}" if isinstance(start, WardropResult)
                else type(start).__name__)
        raise InvalidParameterError(f"start: method='b' warm-starts from the bushes of an earlier method='b' result "
                                    f"(or its .bushes), got {what}")
    if state.member.shape != (paths.origins.size, paths.links.size) or not np.array_equal(state.links, paths.links):
        raise InvalidParameterError(f"start: bushes of {state.member.shape[0]} origins x {state.member.shape[1]} "
                                    f"links, but this network and demand have {paths.origins.size} origins x "
                                    f"{paths.links.size} links; expected a result of the same network")
    if state.demand.shape != paths.demand.shape or not np.allclose(state.demand, paths.demand, rtol=1e-12, atol=0):
        raise InvalidParameterError("start: the bushes carry another demand than this solve's; expected a result of "
                                    "the same demand (warm starts change tolls, not demand)")
    return state.member.copy(), state.flow.copy()


def _bush_based(network, paths, objective, tolls, gap, max_iterations, time_limit, started, start=None,
                arrays=None):
    """Algorithm B (Dial 2006; kernels and the method's description in ``equilibria/_bush.py``). Returns the flows,
    the gap, the histories and the final :class:`Bushes`. ``arrays``: the compressed rows of ``paths``' graph, when
    the caller has built them (a batch of scenarios builds them once)."""
    from . import _bush

    links = paths.links
    fixed = np.broadcast_to(network.toll + (0.0 if tolls is None else tolls), (network.num_links,))[links]
    t0 = np.ascontiguousarray(network.free_flow_time[links], float)
    k = np.ascontiguousarray(network.congestion[links], float)
    cap = np.ascontiguousarray(network.capacity[links], float)
    power = np.ascontiguousarray(network.power[links], float)
    fixed = np.ascontiguousarray(fixed, float)
    if (t0 + fixed < 0).any():
        j = int(np.flatnonzero(t0 + fixed < 0)[0])
        raise InvalidParameterError(f"tolls: {fixed[j]:g} on link {int(links[j]) + 1} makes its cost negative at "
                                    f"zero flow; method='b' expects non-negative link costs (its bushes stay "
                                    f"acyclic only then)")
    tail, head = paths.tail, paths.head
    out_ptr, out_idx, in_ptr, in_idx = _compressed_rows(paths) if arrays is None else arrays
    system = objective == "system"
    m, origins = links.size, paths.origins.size
    x, c, dc = np.zeros(m), np.empty(m), np.empty(m)
    _bush.refresh(x, c, dc, t0, k, cap, power, fixed, system)
    row = -1
    if start is not None:
        bush, xr = _start_bushes(start, paths)
    else:
        bush = np.zeros((origins, m), np.uint8)
        xr = np.zeros((origins, m))
        with _COMPILED:
            row, zone = _bush.initialize(paths.sources, paths.demand, out_ptr, out_idx, tail, head, c, bush, xr,
                                         paths.zones)
    if row >= 0:
        raise StratlearnError(f"demand from zone {paths.origins[row] + 1} to zone {zone + 1} "
                              f"({paths.demand[row, zone]:g}) has no path in the network {network.name!r}; "
                              "expected every origin-destination pair with demand to be connected")
    cost_fn, _ = _costs(network, objective, tolls)
    gaps, times = [], []
    rel = np.inf
    full = np.zeros(network.num_links)
    tolerance = min(1e-12, 1e-3 * gap)
    tiny = 1e-14 * paths.demand.sum(axis=1)
    for _ in range(max_iterations):
        x = xr.sum(axis=0)
        _bush.refresh(x, c, dc, t0, k, cap, power, fixed, system)
        full[links] = x
        cost = cost_fn(full)
        total = float(full @ cost)
        _, shortest = paths.assign(cost)
        rel = (total - shortest) / total if total > 0 else 0.0
        gaps.append(rel)
        times.append(time.perf_counter() - started)
        if rel <= gap or (time_limit is not None and times[-1] > time_limit):
            break
        with _COMPILED:
            _bush.sweep(paths.sources, out_ptr, out_idx, in_ptr, in_idx, tail, head, bush, xr, x, c, dc, t0, k,
                        cap, power, fixed, system, SWEEPS, tolerance, PROBES, tiny)
    return full.copy(), rel, gaps, times, Bushes(links=links, member=bush, flow=xr, demand=paths.demand.copy())


def _compressed_rows(paths):
    """The links of ``paths``' graph by tail and by head, as compressed rows (``ptr[u]:ptr[u + 1]``)."""
    tail, head = paths.tail, paths.head
    out_idx = np.argsort(tail, kind="stable").astype(np.int64)
    in_idx = np.argsort(head, kind="stable").astype(np.int64)
    out_ptr = np.searchsorted(tail[out_idx], np.arange(paths.size + 1)).astype(np.int64)
    in_ptr = np.searchsorted(head[in_idx], np.arange(paths.size + 1)).astype(np.int64)
    return out_ptr, out_idx, in_ptr, in_idx


def _solve(network, demand, objective, method, gap, max_iterations, tolls, time_limit, start, paths=None,
           arrays=None):
    if method not in ("fw", "cfw", "bfw", "gp", "b"):
        raise InvalidParameterError(f"method={method!r}: expected 'fw', 'cfw', 'bfw', 'gp' or 'b'")
    gap = check_positive("gap", gap)
    max_iterations = check_positive_int("max_iterations", max_iterations)
    paths = ShortestPaths(network, demand) if paths is None else paths
    tolls = _tolls(network, tolls)
    cost_fn, slope_fn = _costs(network, objective, tolls)
    started = time.perf_counter()
    if method == "b":
        x, rel, gaps, times, bushes = _bush_based(network, paths, objective, tolls, gap, max_iterations,
                                                  time_limit, started, start, arrays)
        return WardropResult(flow=x, cost=cost_fn(x), relative_gap=float(rel), tstt=network.total_travel_time(x),
                             iterations=len(gaps), gaps=np.asarray(gaps), times=np.asarray(times), method=method,
                             objective=objective, bushes=bushes)
    if isinstance(start, Bushes):
        raise InvalidParameterError(f"start: bushes start method='b' only; method={method!r} starts from link flows "
                                    "or an earlier result")
    if isinstance(start, WardropResult):
        start = start.flow
    if method == "gp":
        if start is not None:
            raise InvalidParameterError("start: gradient projection builds its own path flows; expected start=None")
        x, rel, gaps, times, _ = _gradient_projection(network, paths, cost_fn, slope_fn, gap, max_iterations,
                                                      time_limit, started)
        return WardropResult(flow=x, cost=cost_fn(x), relative_gap=float(rel), tstt=network.total_travel_time(x),
                             iterations=len(gaps), gaps=np.asarray(gaps), times=np.asarray(times), method=method,
                             objective=objective)
    if start is None:
        x, _ = paths.assign(cost_fn(np.zeros(network.num_links)))
    else:
        x = np.asarray(start, dtype=float)
        if x.shape != (network.num_links,):
            raise InvalidParameterError(f"start: expected {network.num_links} link flows, got shape {x.shape}")
    gaps, times = [], []
    prev1 = prev2 = None           # the previous two targets
    step1 = None
    rel = np.inf
    for it in range(1, max_iterations + 1):
        c = cost_fn(x)
        y, shortest = paths.assign(c)
        total = float(x @ c)
        rel = (total - shortest) / total if total > 0 else 0.0
        gaps.append(rel)
        times.append(time.perf_counter() - started)
        if rel <= gap or (time_limit is not None and times[-1] > time_limit):
            break
        target = y
        if method != "fw" and prev1 is not None and step1 is not None and step1 < 1.0:
            h = slope_fn(x)
            a, b = y - x, prev1 - x
            bhb, bha = float(b @ (h * b)), float(b @ (h * a))
            nu, mu = 0.0, 0.0
            if method == "bfw" and prev2 is not None:
                cvec = prev2 - x
                chc, chb, cha = float(cvec @ (h * cvec)), float(cvec @ (h * b)), float(cvec @ (h * a))
                det = bhb * chc - chb * chb
                if det > 1e-12 * max(bhb * chc, 1e-300):
                    nu = (-bha * chc + cha * chb) / det
                    mu = (-cha * bhb + bha * chb) / det
                    if nu < 0 or mu < 0:
                        nu = mu = 0.0
                        mu = -1.0      # marker: fall back to the conjugate step
            if method == "cfw" or prev2 is None or mu < 0 or (nu == 0 and mu == 0):
                mu = 0.0
                nu = -bha / bhb if bhb > 0 else 0.0
                nu = min(max(nu, 0.0), 1e6)
            target = (y + nu * prev1 + (mu * prev2 if mu > 0 else 0.0)) / (1.0 + nu + mu)
        d = target - x
        step = _line_search(cost_fn, x, d)
        x = x + step * d
        prev2, prev1, step1 = prev1, target, step
        if step >= 1.0 - 1e-14:      # a full step: the conjugate history restarts
            prev1 = prev2 = None
    c = cost_fn(x)
    return WardropResult(flow=x, cost=c, relative_gap=float(rel), tstt=network.total_travel_time(x),
                         iterations=len(gaps), gaps=np.asarray(gaps), times=np.asarray(times), method=method,
                         objective=objective)


def user_equilibrium(network: Network, demand: Demand | None, *, method: str = "bfw", gap: float = 1e-5,
                     max_iterations: int = 10_000, tolls=None, time_limit: float | None = None, start=None,
                     paths: ShortestPaths | None = None) -> WardropResult:
    """The user equilibrium under latency plus ``tolls`` (and the network's own tolls), to relative ``gap``.
    Stops after ``max_iterations`` (or ``time_limit`` seconds) with the gap reached in the result. ``paths``: a
    prebuilt :class:`ShortestPaths` (which holds the demand; then ``demand`` may be ``None``). ``start``: link flows
    or an earlier result to start from (the Frank-Wolfe methods); for ``method="b"`` an earlier ``"b"`` result of
    the same network and demand (its :class:`Bushes`), e.g. under other tolls. Many toll scenarios at once:
    :func:`user_equilibria`."""
    return _solve(network, demand, "user", method, gap, max_iterations, tolls, time_limit, start, paths)


def system_optimum(network: Network, demand: Demand, *, method: str = "bfw", gap: float = 1e-5,
                   max_iterations: int = 10_000, time_limit: float | None = None, start=None) -> WardropResult:
    """The flow minimizing total travel time: the user equilibrium under marginal costs ``t + v t′``."""
    return _solve(network, demand, "system", method, gap, max_iterations, None, time_limit, start)


def user_equilibria(network: Network, demand: Demand, tolls, *, method: str = "b", gap: float = 1e-6,
                    max_iterations: int = 10_000, time_limit: float | None = None, start="first",
                    paths: ShortestPaths | None = None) -> list[WardropResult]:
    """User equilibria of one network and demand under a batch of toll vectors (``tolls``: scenarios x links), the
    re-solve a planner, a leader's probes or a sensitivity study needs.

    The shortest-path structure (and, for ``method="b"``, the graph's compressed rows) is built once for the batch.
    ``start``: ``"first"`` (default) solves the first scenario cold and starts every other from it (Algorithm B's
    bushes; the flows for the Frank-Wolfe methods); ``None`` solves each cold; an earlier result starts them all.
    Each solve stops at the same ``gap``, so the answer does not depend on the start beyond what that gap allows
    (tested: warm and cold flows agree to the gap's accuracy)."""
    if method == "gp":
        raise InvalidParameterError("method='gp': gradient projection cannot be warm-started; expected 'b', 'fw', "
                                    "'cfw' or 'bfw'")
    table = np.asarray(tolls, dtype=float)
    if table.ndim != 2 or table.shape[1] != network.num_links or table.shape[0] < 1:
        raise InvalidParameterError(f"tolls: expected a (scenarios x {network.num_links}) array, one row of link "
                                    f"tolls per scenario, got shape {table.shape}")
    if not np.isfinite(table).all():
        row = int(np.flatnonzero(~np.isfinite(table).all(axis=1))[0])
        raise InvalidParameterError(f"tolls: scenario {row} has a value that is not finite; expected finite tolls")
    if not (start is None or (isinstance(start, str) and start == "first") or isinstance(start, (WardropResult,
                                                                                               Bushes))):
        raise InvalidParameterError(f"start={start!r}: expected 'first', None or an earlier result")
    paths = ShortestPaths(network, demand) if paths is None else paths
    arrays = _compressed_rows(paths) if method == "b" else None
    results, warm = [], None if (isinstance(start, str) or start is None) else start
    for row in table:
        result = _solve(network, None, "user", method, gap, max_iterations, row, time_limit, warm, paths, arrays)
        results.append(result)
        if isinstance(start, str) and warm is None:
            warm = result
    return results


@dataclass(frozen=True)
class TollGradient:
    """The user equilibrium under ``tolls`` and the derivative there of a leader cost ``F(v)`` of the link flows
    with respect to the tolls: ``value = F(v*)``, ``gradient = ∂F(v*(τ))/∂τ``; ``active_paths`` counts the used paths
    that define the equilibrium's local structure and ``relative_gap`` is the gap the equilibrium was solved to."""

    flow: np.ndarray
    value: float
    gradient: np.ndarray
    relative_gap: float
    active_paths: int


class TollSensitivity:
    """Implicit differentiation of the user equilibrium with respect to link tolls, through its path structure:
    the oracle baseline of [4]'s road-toll experiment, which knows what the follower-agnostic leader is never told
    (the demand and the travellers' rule).

    At a user equilibrium every used path of an origin-destination pair has the same generalized cost. Let ``S`` be
    the span of ``Δ_p − Δ_q`` over pairs of used paths ``p, q`` of the same origin-destination pair (``Δ_p`` the
    path's link-incidence vector) and ``N`` an orthonormal basis of ``S``. Moving flow between used paths keeps
    every demand met, so nearby equilibria (with the same used paths) are ``v = v* + N a`` with ``Nᵀ(t(v) + τ) = 0``
    (equal path costs). Differentiating, ``NᵀDN da + Nᵀ dτ = 0`` with ``D = diag(t′(v*))``, so

        ``dv/dτ = −N (NᵀDN)⁻¹ Nᵀ``  and  ``∂F/∂τ = −N (NᵀDN)⁻¹ Nᵀ ∇_v F``  (a symmetric operator).

    Assumptions, as in any implicit differentiation of an equilibrium: strict complementarity (an unused path is
    strictly costlier than the used ones; where one ties, it counts as used, see :meth:`_used`: the result is the
    one-sided derivative for changes that move flow onto it) and ``NᵀDN`` invertible
    (where a link with constant latency makes it singular, the link flows are not unique and the pseudo-inverse
    gives the minimum-norm derivative). A path counts as used when it carries more than ``active`` (relative to its
    pair's demand) or ties with the cheapest. Equilibria are solved by path-based gradient projection to ``gap``, warm-started from the
    previous call's path flows.
    """

    def __init__(self, network: Network, demand: Demand, *, gap: float = 1e-10, max_iterations: int = 2000,
                 active: float = 1e-8):
        self._paths = ShortestPaths(network, demand)
        self._network = network
        self._gap = check_positive("gap", gap)
        self._max_iterations = check_positive_int("max_iterations", max_iterations)
        self._active = check_positive("active", active)
        self._sets: dict = {}

    def _equilibrium(self, tolls):
        cost_fn, slope_fn = _costs(self._network, "user", _tolls(self._network, tolls))
        flow, rel, _, _, self._sets = _gradient_projection(self._network, self._paths, cost_fn, slope_fn, self._gap,
                                                           self._max_iterations, None, time.perf_counter(),
                                                           sets=self._sets)
        if not rel <= self._gap:
            raise StratlearnError(f"the user equilibrium reached relative gap {rel:.3g} in {self._max_iterations} "
                                  f"gradient-projection iterations; expected at most gap={self._gap:g} (allow more "
                                  "max_iterations)")
        return flow, float(rel)

    def _used(self, cost):
        """Per origin-destination pair, the used paths: those carrying more than ``active`` of the pair's demand,
        and those tied with the cheapest (cost within ``active`` of it, relative to ``max(|cost|, 1)``; the current
        shortest path is always a candidate). Counting a tied idle path as used is a choice: the result is the
        derivative for toll changes that move flow onto it (one-sided), not for those that would leave it idle. It
        makes untolled Pigou's gradient point to the toll that helps instead of being zero; in general it is a
        heuristic at a tie, not a guarantee that −gradient moves flow onto the tied path."""
        pairs = list(self._sets)
        _, pred, link_of = self._paths.trees(cost)
        shortest = dict(zip(pairs, self._paths.all_paths(pred, link_of, pairs)))
        used = {}
        for (o, d), (routes, flows) in self._sets.items():
            candidates = list(routes) + ([shortest[(o, d)]] if shortest[(o, d)] not in routes else [])
            carried = list(flows) + [0.0] * (len(candidates) - len(routes))
            costs = np.array([cost[list(r)].sum() for r in candidates])
            least = costs.min()
            used[(o, d)] = [r for r, f, c in zip(candidates, carried, costs)
                            if f > self._active * self._paths.demand[o, d]
                            or c <= least + self._active * max(abs(least), 1.0)]
        return used

    def basis(self, used) -> np.ndarray:
        """An orthonormal basis ``N`` (links × k) of the flow directions that move flow between used paths of the
        same pair (``used`` from :meth:`_used`)."""
        columns = []
        for routes in used.values():
            for r in routes[1:]:
                col = np.zeros(self._network.num_links)
                np.add.at(col, list(r), 1.0)
                np.add.at(col, list(routes[0]), -1.0)
                columns.append(col)
        if not columns:
            return np.zeros((self._network.num_links, 0))
        u, sv, _ = np.linalg.svd(np.stack(columns, axis=1), full_matrices=False)    # O(links · k²)
        return u[:, sv > 1e-10 * sv[0]]

    def __call__(self, tolls=None, grad_flow=None) -> TollGradient:
        """The equilibrium under ``tolls`` and the toll gradient of ``F``; ``grad_flow(v) -> (F(v), ∇F(v))``
        defaults to the total travel time ``Σ v t(v)`` (tolls are transfers, not costs)."""
        net = self._network
        tolls = np.zeros(net.num_links) if tolls is None else tolls
        flow, rel = self._equilibrium(tolls)
        if grad_flow is None:
            value, g = net.total_travel_time(flow), net.latency(flow) + flow * net.latency_derivative(flow)
        else:
            value, g = grad_flow(flow)
        used = self._used(net.latency(flow) + net.toll + np.asarray(tolls, dtype=float))
        N = self.basis(used)
        H = N.T @ (net.latency_derivative(flow)[:, None] * N)
        gradient = -N @ (np.linalg.pinv(H, hermitian=True) @ (N.T @ np.asarray(g, dtype=float)))
        return TollGradient(flow=flow, value=float(value), gradient=gradient, relative_gap=rel,
                            active_paths=sum(len(r) for r in used.values()))
