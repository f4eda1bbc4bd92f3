"""Compiled shortest-path trees for :class:`~stratlearn.equilibria.wardrop.ShortestPaths`: Dijkstra's algorithm with
a binary heap, from many sources at once (in parallel over the sources, without the GIL), on a graph given in
compressed rows: the links leaving node ``u`` are the positions ``indptr[u]:indptr[u + 1]`` of ``tail``, ``head``
and ``weight``. Weights must be positive (so a node is settled after its parent in the tree).

Compiled with numba; ``cache=True`` keeps the machine code on disk, so only the first call after an install pays
for compiling. Threading: numba's parallel layer (OpenMP here, a work queue where OpenMP is missing) uses one thread
per core unless ``NUMBA_NUM_THREADS`` says otherwise (set it under Ray, where each worker would otherwise start a
thread per core). The work-queue layer must not be entered from two threads at once, so
:class:`~stratlearn.equilibria.wardrop.ShortestPaths` calls these routines under one lock; and with GNU OpenMP a
process must not ``fork()`` after using them (start child processes with ``spawn``, as Ray does).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, nogil=True, inline="always")
def _first(key_a, node_a, key_b, node_b):
    """Whether heap entry ``a`` comes out before ``b``: the nearer first and, at equal distances, the node with the
    larger index (the order of SciPy's ``dijkstra`` since version 1.16, whose trees we reproduce)."""
    return key_a < key_b or (key_a == key_b and node_a > node_b)


@njit(cache=True, nogil=True)
def _dijkstra(indptr, head, weight, source, wanted, dist, pred, order, heap_key, heap_node):
    """One tree from ``source``: fills ``dist`` (``inf`` where unreached) and ``pred`` (the position of the tree
    link into each node, ``-1`` at the source and where unreached), writes the settled nodes in the order they were
    settled (so by increasing distance) to ``order``, and returns how many there are.

    ``wanted``: if not empty, the search stops as soon as every node ``u < wanted.size`` with ``wanted[u] > 0`` is
    settled (their distances and tree paths are then final; those of nodes not settled may not be).
    ``heap_key``/``heap_node``: scratch space (one slot per link, plus one) for a binary min-heap holding an entry
    per improvement of a distance. A node's distance only decreases, so the entry holding its final distance is
    the one popped first; later ones are stale and skipped."""
    n = indptr.size - 1
    for v in range(n):
        dist[v] = np.inf
        pred[v] = -1
    left = 0
    for u in range(wanted.size):
        left += wanted[u] > 0
    dist[source] = 0.0
    heap_key[0], heap_node[0] = 0.0, source
    size, count = 1, 0
    while size > 0:
        d, u = heap_key[0], heap_node[0]
        size -= 1                                     # pop: the last entry sifts down from the root
        key, node = heap_key[size], heap_node[size]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            if child + 1 < size and _first(heap_key[child + 1], heap_node[child + 1], heap_key[child],
                                           heap_node[child]):
                child += 1
            if not _first(heap_key[child], heap_node[child], key, node):
                break
            heap_key[i], heap_node[i] = heap_key[child], heap_node[child]
            i = child
        heap_key[i], heap_node[i] = key, node
        if d > dist[u]:
            continue
        order[count] = u
        count += 1
        if u < wanted.size and wanted[u] > 0:
            left -= 1
            if left == 0:
                break
        for e in range(indptr[u], indptr[u + 1]):
            v = head[e]
            nd = d + weight[e]
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = e
                i = size                              # push: sift up from the end
                size += 1
                while i > 0:
                    parent = (i - 1) >> 1
                    if not _first(nd, v, heap_key[parent], heap_node[parent]):
                        break
                    heap_key[i], heap_node[i] = heap_key[parent], heap_node[parent]
                    i = parent
                heap_key[i], heap_node[i] = nd, v
    return count


@njit(parallel=True, cache=True, nogil=True)
def shortest_path_trees(indptr, tail, head, weight, sources):
    """Distances and predecessor nodes (``-9999`` at each source and where unreached, as in
    :func:`scipy.sparse.csgraph.dijkstra`) from every node of ``sources``, as (sources × nodes) arrays."""
    n, m = indptr.size - 1, head.size
    dist = np.empty((sources.size, n))
    pred = np.empty((sources.size, n), np.int64)
    for k in prange(sources.size):
        link = np.empty(n, np.int64)
        order = np.empty(n, np.int64)
        _dijkstra(indptr, head, weight, sources[k], np.empty(0), dist[k], link, order, np.empty(m + 1),
                  np.empty(m + 1, np.int64))
        for v in range(n):
            pred[k, v] = tail[link[v]] if link[v] >= 0 else -9999
    return dist, pred


@njit(parallel=True, cache=True, nogil=True)
def all_or_nothing(indptr, tail, head, weight, link, sources, demand, num_links):
    """Every row ``k`` of ``demand`` (volumes to nodes ``0 … demand.shape[1] - 1``) sent from ``sources[k]`` along
    its shortest-path tree. Returns the flow on each of ``num_links`` links (position ``e`` is link ``link[e]``)
    and the distances (sources × nodes; final at every node with demand, ``inf`` there if it is unreachable: each
    search stops once the nodes with demand are settled).

    Each tree's flows are found by passing every node's subtree volume to its parent, farthest node first; the trees
    are built in parallel, then their link flows are added up one source after another, in a fixed order, so the
    sums do not depend on the number of threads."""
    n, m, zones = indptr.size - 1, head.size, demand.shape[1]
    count = sources.size
    dist = np.empty((count, n))
    pred = np.empty((count, n), np.int64)
    volume = np.zeros((count, n))
    for k in prange(count):
        order = np.empty(n, np.int64)
        reached = _dijkstra(indptr, head, weight, sources[k], demand[k], dist[k], pred[k], order, np.empty(m + 1),
                            np.empty(m + 1, np.int64))
        for z in range(zones):
            volume[k, z] = demand[k, z]
        for r in range(reached - 1, 0, -1):           # order[0] is the source
            v = order[r]
            if volume[k, v] > 0:
                volume[k, tail[pred[k, v]]] += volume[k, v]
    flow = np.zeros(num_links)
    for k in range(count):
        for v in range(n):
            if pred[k, v] >= 0 and volume[k, v] > 0:
                flow[link[pred[k, v]]] += volume[k, v]
    return flow, dist
