"""The compiled shortest-path trees and all-or-nothing loads of ``ShortestPaths`` against SciPy's Dijkstra: on the
TNTP networks and on random networks with parallel links, zones that may not be passed through and ties."""

import numba
import numpy as np
import pytest
import scipy
from hypothesis import given, settings, strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from stratlearn.equilibria.wardrop import _EPS, ShortestPaths
from stratlearn.errors import StratlearnError
from stratlearn.games.routing import Demand, Network, load_tntp

from tests._data import TNTP, needs_tntp

# SciPy's dijkstra settles equal distances by larger node index from 1.16 on (earlier: a Fibonacci heap's order);
# the compiled trees follow that rule, so their predecessors equal SciPy's there even on ties
SAME_TIES = tuple(int(p) for p in scipy.__version__.split(".")[:2]) >= (1, 16)


def reference(net: Network, dem: Demand, cost):
    """Distances, predecessors and all-or-nothing link flows written out with SciPy: a zone below the first thru
    node gets a source copy (numbered after the nodes, in zone order) holding its out-links; the cheapest of
    parallel links (the first by index on a tie) is used; each pair's volume is walked up SciPy's tree."""
    n, zones = net.num_nodes, net.zones
    tail, head = net.tail - 1, net.head - 1
    blocked = np.arange(n) < net.first_thru_node - 1
    source = np.arange(zones)
    copies = [z for z in range(zones) if blocked[z]]
    source[copies] = n + np.arange(len(copies))
    size = n + len(copies)
    best = {}
    for e in range(net.num_links):
        u = tail[e]
        if blocked[u]:
            if u >= zones:
                continue                        # never an origin, never passed through
            u = source[u]
        if (u, head[e]) not in best or cost[e] < cost[best[(u, head[e])]]:
            best[(u, head[e])] = e
    pairs = np.array(sorted(best), dtype=np.int64).reshape(-1, 2)
    links = np.array([best[tuple(p)] for p in pairs], dtype=np.int64)
    graph = csr_matrix((np.maximum(cost[links], 0.0) + _EPS, (pairs[:, 0], pairs[:, 1])), shape=(size, size))
    origins = np.flatnonzero(dem.volume.sum(axis=1) > 0)
    dist, pred = dijkstra(graph, directed=True, indices=source[origins], return_predecessors=True)
    table = np.full((size, size), -1)
    table[pairs[:, 0], pairs[:, 1]] = links
    flow = np.zeros(net.num_links)
    for k, o in enumerate(origins):
        node = np.flatnonzero(dem.volume[o] > 0)
        volume = dem.volume[o, node]
        if not np.isfinite(dist[k, node]).all():
            return dist, pred, None
        while node.size:                        # every destination one link nearer the origin per step
            parent = pred[k, node]
            np.add.at(flow, table[parent, node], volume)
            keep = parent != source[o]
            node, volume = parent[keep], volume[keep]
    return dist, pred, flow


def check(net, dem, cost):
    paths = ShortestPaths(net, dem)
    dist, pred, flow = reference(net, dem, cost)
    if flow is None:                            # a pair with demand is not connected
        with pytest.raises(StratlearnError, match="has no path"):
            paths.assign(cost)
        with pytest.raises(StratlearnError, match="has no path"):
            paths.trees(cost)
        return
    ours_dist, ours_pred, link_of = paths.trees(cost)
    np.testing.assert_array_equal(ours_dist, dist)
    if SAME_TIES:
        np.testing.assert_array_equal(ours_pred, pred)
    # whatever the ties, every tree link is a shortest one
    k, v = np.nonzero(ours_pred >= 0)
    link = link_of(ours_pred[k, v], v)
    np.testing.assert_allclose(ours_dist[k, ours_pred[k, v]] + np.maximum(cost[link], 0) + _EPS, ours_dist[k, v],
                               rtol=1e-12)
    ours_flow, shortest = paths.assign(cost)
    if SAME_TIES:
        np.testing.assert_allclose(ours_flow, flow, rtol=1e-12, atol=1e-12 * max(1.0, dem.volume.sum()))
    # whatever the ties, all the demand is on shortest paths: Σ_e v_e w_e = Σ_od d_od dist_od under the weights w
    origins = np.flatnonzero(dem.volume.sum(axis=1) > 0)
    expected = float((dem.volume[origins] * np.where(dem.volume[origins] > 0, dist[:, :net.zones], 0.0)).sum())
    assert float(ours_flow @ (np.maximum(cost, 0) + _EPS)) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert shortest == pytest.approx(float(ours_flow @ cost), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", ["SiouxFalls",              # packaged with stratlearn: never skipped
                                  pytest.param("Anaheim", marks=needs_tntp("Anaheim")),
                                  pytest.param("Chicago-Sketch", marks=needs_tntp("Chicago-Sketch"))])
def test_tntp_trees_and_loads_match_scipy(name):
    net, dem = load_tntp(name if name == "SiouxFalls" else TNTP / name)
    free = net.latency(np.zeros(net.num_links))
    check(net, dem, free)                                       # free-flow times: many ties on Sioux Falls
    congested = net.latency(ShortestPaths(net, dem).assign(free)[0])
    check(net, dem, congested)


@needs_tntp("Chicago-Sketch")
def test_loads_do_not_depend_on_the_number_of_threads():
    net, dem = load_tntp(TNTP / "Chicago-Sketch")
    paths = ShortestPaths(net, dem)
    cost = net.latency(np.zeros(net.num_links))
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = paths.assign(cost)
        numba.set_num_threads(threads)
        many = paths.assign(cost)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(one[0], many[0])
    assert one[1] == many[1]


@st.composite
def networks(draw):
    n = draw(st.integers(2, 8))
    zones = draw(st.integers(1, n))
    # zones not passed through (TNTP's usual case), no such nodes, or some non-zones too (their links are unusable)
    first_thru = draw(st.sampled_from([1, zones + 1, zones + 1, draw(st.integers(1, n + 1))]))
    ends = st.tuples(st.integers(1, n), st.integers(1, n)).filter(lambda e: e[0] != e[1])
    links = draw(st.lists(ends, min_size=1, max_size=24))
    if draw(st.booleans()):                                     # a cycle through every node: most pairs connected
        links += [(i, i % n + 1) for i in range(1, n + 1)]
    if draw(st.booleans()):
        links += links[:draw(st.integers(0, len(links)))]       # parallel links
    tail, head = np.array(links).T
    m = tail.size
    net = Network(tail=tail, head=head, capacity=np.ones(m), free_flow_time=np.ones(m), b=np.zeros(m),
                  power=np.ones(m), num_nodes=n, zones=zones, first_thru_node=first_thru)
    # small integers make ties between paths and between parallel links; some costs are 0 or negative
    values = st.sampled_from([-1.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0]) if draw(st.booleans()) else st.floats(0.0, 10.0)
    cost = np.array(draw(st.lists(values, min_size=m, max_size=m)))
    volume = np.array(draw(st.lists(st.sampled_from([0.0, 0.0, 1.0, 2.5]), min_size=zones * zones,
                                    max_size=zones * zones))).reshape(zones, zones)
    return net, Demand(volume), cost


@settings(max_examples=300, deadline=None)
@given(networks())
def test_random_networks_match_scipy(case):
    net, dem, cost = case
    check(net, dem, cost)
