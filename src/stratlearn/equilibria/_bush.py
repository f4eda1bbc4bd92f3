"""Compiled kernels of Algorithm B (Dial 2006), the bush-based user-equilibrium method behind
``user_equilibrium(..., method="b")`` in :mod:`stratlearn.equilibria.wardrop`.

R. B. Dial, *A path-based user-equilibrium traffic assignment algorithm that obviates path storage and
enumeration*, Transportation Research Part B 40 (2006) 917–936.

Each origin keeps a *bush*: an acyclic set of links rooted at the origin that carries all of the origin's flow, with
the origin's flow on each link. One pass over an origin

1. orders the bush's nodes topologically and computes, in that order, the least path cost ``L`` to every node and the
   largest ``U`` over the bush's paths;
2. drops the bush links that carry none of the origin's flow (below ``tiny``: rounding left by earlier moves counts as
   none), except the links of the least-cost tree, so every node stays reachable. It then adds links:
   every ``(i, j)`` with ``U_i + c_ij < U_j`` (Dial's rule), every ``(i, j)`` with ``U_i < U_j`` that shortens the
   least-cost path, ``L_i + c_ij < L_j``, and up to ``probes`` links that shorten it against the ``U`` order once a
   depth-first search shows they close no cycle. Costs are non-negative, so every bush link satisfies
   ``U_a <= U_b`` and every link of the first two kinds ``U_i < U_j``: a cycle would need ``U`` to rise strictly
   and come back. The last kind is checked one by one;
3. equilibrates the bush: for every node ``j``, from the last in topological order to the first, the longest *used*
   path and the least-cost path into ``j`` are followed back to the node where they meet; flow moves from the longer
   segment to the shorter by the Newton step ``(C_long − C_short) / Σ c′`` (the sum over both segments' links),
   capped by the least flow on the longer segment, with the segment costs read at the current flows. This is
   repeated a few times per origin.

What is Dial's and what is ours. Dial's: bushes, the ``U`` rule for adding links, dropping unused links, and Newton
moves between the longest used and the least-cost segments, node by node in reverse topological order (Dial's
paper is not readable here: this follows the method as it is commonly described). Ours: the two
further kinds of link additions and the zeroing of rounding residues. On Chicago-Sketch, whose centroid connectors
cost nothing, Dial's rule alone left the gap at 1.1e-6, and without the residue zeroing it stopped at 6e-8, with
shorter paths outside the bushes. Also ours: the number of equilibration sweeps per origin (``sweeps``), the order
of origins (by index, Gauss–Seidel: each origin sees the flows the previous ones left), and costs and slopes
updated on every link a move touches.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._paths import _dijkstra

_NONE = -1


@njit(cache=True, nogil=True, inline="always")
def _cost(e, v, t0, k, cap, p, fixed, system):
    """The generalized cost of link ``e`` at flow ``v`` (the marginal cost when ``system``)."""
    if v <= 0.0:
        r = 0.0
    else:
        r = (v / cap[e]) ** p[e]
    scale = p[e] + 1.0 if system else 1.0
    return t0[e] + k[e] * scale * r + fixed[e]


@njit(cache=True, nogil=True, inline="always")
def _slope(e, v, k, cap, p, system):
    """The derivative of :func:`_cost` in ``v``."""
    scale = p[e] + 1.0 if system else 1.0
    if v <= 0.0:
        return k[e] * scale / cap[e] if p[e] == 1.0 else 0.0
    return k[e] * scale * p[e] * (v / cap[e]) ** (p[e] - 1.0) / cap[e]


@njit(cache=True, nogil=True)
def refresh(x, c, dc, t0, k, cap, p, fixed, system):
    """Every link's cost and slope at the flows ``x``."""
    for e in range(x.size):
        c[e] = _cost(e, x[e], t0, k, cap, p, fixed, system)
        dc[e] = _slope(e, x[e], k, cap, p, system)


@njit(cache=True, nogil=True)
def initialize(srcs, demand, out_ptr, out_idx, tail, head, c, bush, xr, zones):
    """Every origin's bush is its least-cost tree under ``c``, carrying all its demand (an all-or-nothing load);
    ``bush``/``xr`` (origins x links) are filled. Returns the first origin row whose demand cannot reach a zone and
    that zone (``-1, -1`` when all can)."""
    n = out_ptr.size - 1
    m = tail.size
    dist = np.empty(n)
    pred = np.empty(n, np.int64)
    heap_key = np.empty(m + 1)
    heap_node = np.empty(m + 1, np.int64)
    load = np.empty(n)
    order = np.empty(n, np.int64)
    head_rows = head[out_idx]                     # the graph in compressed rows, as the shared Dijkstra reads it
    weight_rows = c[out_idx]
    none = np.empty(0)
    for r in range(srcs.size):
        # the trees of every other method's all-or-nothing step (``_paths``); ``pred`` holds row positions
        count = _dijkstra(out_ptr, head_rows, weight_rows, srcs[r], none, dist, pred, order, heap_key, heap_node)
        for z in range(zones):
            if demand[r, z] > 0 and not np.isfinite(dist[z]):
                return r, z
        # nodes in the reverse of the order they were settled: each passes its subtree's demand to its tree link
        for v in range(n):
            load[v] = 0.0
        for z in range(zones):
            load[z] += demand[r, z]
        for pos in range(count - 1, -1, -1):
            v = order[pos]
            if pred[v] < 0:
                continue
            e = out_idx[pred[v]]
            bush[r, e] = 1
            xr[r, e] = load[v]
            load[tail[e]] += load[v]
    return -1, -1


@njit(cache=True, nogil=True)
def _topological(src, out_ptr, out_idx, in_ptr, in_idx, head, tail, bush_r, indeg, order):
    """The bush's nodes reachable from ``src`` in topological order (Kahn); returns how many."""
    n = out_ptr.size - 1
    for v in range(n):
        cnt = 0
        for pos in range(in_ptr[v], in_ptr[v + 1]):
            if bush_r[in_idx[pos]]:
                cnt += 1
        indeg[v] = cnt
    order[0] = src
    size = 1
    front = 0
    while front < size:
        u = order[front]
        front += 1
        for pos in range(out_ptr[u], out_ptr[u + 1]):
            e = out_idx[pos]
            if bush_r[e]:
                v = head[e]
                indeg[v] -= 1
                if indeg[v] == 0:
                    order[size] = v
                    size += 1
    return size


@njit(cache=True, nogil=True)
def _labels(order, count, out_ptr, out_idx, head, bush_r, xr_r, c, used_only, L, Lp, U, Up):
    """Least (``L``, tree link ``Lp``) and largest (``U``, link ``Up``) path costs from the bush's root, in
    topological order; with ``used_only`` the largest is over links carrying the origin's flow."""
    for v in range(L.size):
        L[v] = np.inf
        U[v] = -np.inf
        Lp[v] = _NONE
        Up[v] = _NONE
    L[order[0]] = 0.0
    U[order[0]] = 0.0
    for pos in range(count):
        u = order[pos]
        for q in range(out_ptr[u], out_ptr[u + 1]):
            e = out_idx[q]
            if not bush_r[e]:
                continue
            v = head[e]
            if L[u] + c[e] < L[v]:
                L[v] = L[u] + c[e]
                Lp[v] = e
            if U[u] > -np.inf and (not used_only or xr_r[e] > 0.0) and U[u] + c[e] > U[v]:
                U[v] = U[u] + c[e]
                Up[v] = e


@njit(cache=True, nogil=True)
def sweep(srcs, out_ptr, out_idx, in_ptr, in_idx, tail, head, bush, xr, x, c, dc, t0, k, cap, p, fixed, system,
          sweeps, tolerance, probes, tiny):
    """One pass of Algorithm B over every origin (see the module docstring): the bush updated, then ``sweeps``
    equilibration sweeps. ``x``, ``c`` and ``dc`` are kept current. An origin's link flow below ``tiny[r]`` is
    rounding left by a move (``1e-14`` of the origin's demand): it is set to zero, else it would stay stranded on a
    link no used path reaches and keep the link, and its cycle-closing ends, in the bush. ``probes``: links per
    origin tested for a cycle before they are added. Returns the largest relative cost difference between the two
    segments of any move made."""
    n = out_ptr.size - 1
    m = tail.size
    indeg = np.empty(n, np.int64)
    order = np.empty(n, np.int64)
    L = np.empty(n)
    U = np.empty(n)
    Lp = np.empty(n, np.int64)
    Up = np.empty(n, np.int64)
    stamp = np.zeros(n, np.int64)
    stack = np.empty(n, np.int64)
    tick = 0
    worst = 0.0
    for r in range(srcs.size):
        src = srcs[r]
        bush_r = bush[r]
        xr_r = xr[r]
        eps = tiny[r]
        count = _topological(src, out_ptr, out_idx, in_ptr, in_idx, head, tail, bush_r, indeg, order)
        _labels(order, count, out_ptr, out_idx, head, bush_r, xr_r, c, False, L, Lp, U, Up)
        # drop unused links off the least-cost tree; add the links that shorten a longest path
        for e in range(m):
            if bush_r[e]:
                if xr_r[e] <= eps and Lp[head[e]] != e:
                    bush_r[e] = 0
                    xr_r[e] = 0.0
        for e in range(m):
            if not bush_r[e]:
                i = tail[e]
                j = head[e]
                if j != src and U[i] > -np.inf and U[j] > -np.inf and (
                        U[i] + c[e] < U[j] or (U[i] < U[j] and L[i] + c[e] < L[j])):
                    bush_r[e] = 1
                    xr_r[e] = 0.0
        # links that shorten a least-cost path but go against the U order: added when they close no cycle (their
        # tail is not reachable in the bush from their head), a depth-first search each, at most ``probes``
        tried = 0
        for e in range(m):
            if tried >= probes:
                break
            if bush_r[e]:
                continue
            i = tail[e]
            j = head[e]
            if j == src or not L[i] + c[e] < L[j] * (1.0 - 1e-12) or U[i] < U[j]:
                continue
            tried += 1
            tick += 1
            stamp[j] = tick
            stack[0] = j
            top = 1
            closes = False
            while top > 0 and not closes:
                top -= 1
                u = stack[top]
                for q in range(out_ptr[u], out_ptr[u + 1]):
                    f = out_idx[q]
                    if bush_r[f]:
                        w = head[f]
                        if w == i:
                            closes = True
                            break
                        if stamp[w] != tick:
                            stamp[w] = tick
                            stack[top] = w
                            top += 1
            if not closes:
                bush_r[e] = 1
                xr_r[e] = 0.0
        count = _topological(src, out_ptr, out_idx, in_ptr, in_idx, head, tail, bush_r, indeg, order)
        for _ in range(sweeps):
            _labels(order, count, out_ptr, out_idx, head, bush_r, xr_r, c, True, L, Lp, U, Up)
            moved = 0.0
            for pos in range(count - 1, 0, -1):
                j = order[pos]
                if Up[j] == _NONE or Up[j] == Lp[j] or U[j] - L[j] <= tolerance * U[j]:
                    continue                              # no used path into j is longer than the least-cost one
                tick += 1
                v = j                                     # mark the least-cost path back to the root
                stamp[v] = tick
                while Lp[v] != _NONE:
                    v = tail[Lp[v]]
                    stamp[v] = tick
                long_cost = 0.0                           # the longest used path back to where it meets it
                slope = 0.0
                cap_flow = np.inf
                v = j
                while True:
                    e = Up[v]
                    long_cost += c[e]
                    slope += dc[e]
                    if xr_r[e] < cap_flow:
                        cap_flow = xr_r[e]
                    v = tail[e]
                    if stamp[v] == tick:
                        break
                meet = v
                short_cost = 0.0
                v = j
                while v != meet:
                    e = Lp[v]
                    short_cost += c[e]
                    slope += dc[e]
                    v = tail[e]
                diff = long_cost - short_cost
                if diff <= tolerance * long_cost or cap_flow <= 0.0:
                    continue
                rel = diff / long_cost
                if rel > moved:
                    moved = rel
                shift = cap_flow if slope <= 0.0 else min(cap_flow, diff / slope)
                v = j
                while v != meet:
                    e = Up[v]
                    left = xr_r[e] - shift
                    xr_r[e] = left if left > eps else 0.0
                    x[e] -= shift
                    if x[e] < 0.0:
                        x[e] = 0.0
                    c[e] = _cost(e, x[e], t0, k, cap, p, fixed, system)
                    dc[e] = _slope(e, x[e], k, cap, p, system)
                    v = tail[e]
                v = j
                while v != meet:
                    e = Lp[v]
                    xr_r[e] += shift
                    x[e] += shift
                    c[e] = _cost(e, x[e], t0, k, cap, p, fixed, system)
                    dc[e] = _slope(e, x[e], k, cap, p, system)
                    v = tail[e]
            if moved > worst:
                worst = moved
            if moved <= tolerance:
                break
    return worst
