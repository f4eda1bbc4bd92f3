"""Learn road tolls without the demand ([4]): Pigou, Braess and Sioux Falls (`python examples/tolls.py`; about a
minute on 2 cores; Sioux Falls ships with stratlearn, so nothing is downloaded).
The planner sees the travellers only through `respond`: deploy tolls, let them adapt, observe the link flows."""

import numpy as np

from stratlearn.equilibria import system_optimum
from stratlearn.games.routing import braess, load_tntp, pigou
from stratlearn.learners.followers import RoutingFollowers
from stratlearn.learners import follower_agnostic


def learn(net, demand, **options):
    travellers = RoutingFollowers(net, demand)
    result = follower_agnostic(travellers, lambda x, y: net.total_travel_time(y), lambda x, y: 0 * x,
                               lambda x, y: net.latency(y) + y * net.latency_derivative(y),
                               np.zeros(net.num_links), **options)
    optimum = system_optimum(net, demand, gap=1e-6).tstt
    print(f"{net.name}: travel time / optimum {result.cost[0] / optimum:.4f} without tolls, "
          f"{result.cost[-1] / optimum:.4f} learned; tolls {np.round(result.x[-1], 2)[:8]}")


learn(*pigou(), bounds=([0.0] * 2, [2.0] * 2), iterations=40, step_size=0.5, probes=2, radius=0.05)
learn(*braess(), bounds=([0.0] * 5, [50.0] * 5), iterations=60, step_size=0.05, probes=3, radius=0.1,
      follower_steps=30)
learn(*load_tntp("SiouxFalls"), bounds=([0.0] * 76, [100.0] * 76), iterations=20, step_size=1e-4, probes=8,
      radius=0.5, follower_steps=5, first_steps=80, tolerance=1e-2)
