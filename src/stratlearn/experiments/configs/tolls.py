"""Toll configs: a TOML file describing one run of a planner learning road tolls ([4]; see
:mod:`stratlearn.learners.follower_agnostic`), run by ``stratlearn tolls CONFIG``.

```toml
title = "..."
[network]
name = "SiouxFalls"           # "pigou", "braess", or a TNTP network name: $STRATLEARN_TNTP_DIR, the copies packaged
                              # with stratlearn (SiouxFalls, Braess-Example), the cache of `stratlearn data fetch`,
                              # or a checked download
# packaged = true             # the copy packaged with stratlearn, wherever else the name is found
# folder = "path/to/folder"   # instead of name: a folder with one *_net.tntp and one *_trips.tntp

[followers]
rule = "paths"                # gradient projection over remembered paths; or "frank_wolfe"

[leader]
method = "follower_agnostic"  # two-loop; "two_timescale" (needs rule = "frank_wolfe"), "online" (single loop,
                              # posts tolls and observes flows only), "zeroth_order", "myopic" (control), "oracle"
lower = 0.0                   # toll bounds: one number for every link, or one per link
upper = 100.0
iterations = 20
step_size = 1e-4
# any other keyword of the method: probes, radius, follower_steps, first_steps, tolerance, seed, memory, ridge,
# tracking, final_steps (see each method's docstring)
```

The planner's cost is the total travel time ``Σ v t(v)``. The travellers are wrapped in
:class:`~stratlearn.learners.followers.SealedFollowers`, so the leader never reads the demand (the ``oracle`` method
is the exception by design: it is the baseline that knows it). Every field is checked before anything runs; errors
name the field, the value and what was expected.

The run is a point of kind ``"leader"`` (:func:`tolls_point`, run by :func:`run_leader_point` through
:func:`~stratlearn.experiments.points.run_point`), like the runs of the ``tolls`` study: it can be stored, resumed and
run on Ray like any other point. Its tables: ``game`` is ``[network]`` with the followers' ``rule``, ``learner`` is
``[leader]`` with the method as its ``name``, and ``run`` holds the seed and what to record: ``metrics`` lists
``"travel_time"`` (always recorded, at every leader iteration) and ``"estimate"``: the leader's hypergradient estimate
against the exact hypergradient of :class:`~stratlearn.equilibria.wardrop.TollSensitivity` (which knows the demand;
the leader does not), from iteration ``estimate_from`` on: ``estimate_relative_error`` ``‖ĝ − ∇F‖/‖∇F‖``,
``estimate_cosine`` and ``stationarity`` ``‖x − Π(x − η∇F)‖/η`` (η the leader's step size), the exact solves to a
relative gap ``exact_gap`` in at most ``exact_iterations`` iterations.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np

from ...errors import ConfigError, StratlearnError, check_positive, check_positive_int, check_seed
from .common import check_known_keys, config_table as _table, read_config, read_vector
from ..points import Point

__all__ = ["load_tolls", "run_tolls", "tolls_point", "run_leader_point", "LEADER_RUN_DEFAULTS"]

_TOP = {"title", "description", "network", "followers", "leader"}
_METHODS = ("follower_agnostic", "two_timescale", "online", "zeroth_order", "myopic", "oracle")


_COUNTS = {"iterations", "probes", "follower_steps", "first_steps", "final_steps", "memory"}
_POSITIVE = {"step_size", "radius", "tolerance", "dither", "tracking", "gap"}
_FLAGS = {"resettle"}

LEADER_RUN_DEFAULTS = {"seed": 0, "metrics": ["travel_time"], "estimate_from": 0, "exact_gap": 1e-8,
                       "exact_iterations": 2000}
_LEADER_METRICS = ("travel_time", "estimate")


def _method(name):
    from ...learners.follower_agnostic import (follower_agnostic, follower_agnostic_online,
                                              follower_agnostic_two_timescale, myopic_descent, oracle_toll_descent,
                                              zeroth_order_descent)

    return {"follower_agnostic": follower_agnostic, "two_timescale": follower_agnostic_two_timescale,
            "online": follower_agnostic_online, "zeroth_order": zeroth_order_descent, "myopic": myopic_descent,
            "oracle": oracle_toll_descent}[name]


def _network(table, where):
    from ...games.routing import braess, load_tntp, pigou
    from ...games.tntp import tntp_prefix
    from ...games.tntp import find_tntp

    if ("name" in table) == ("folder" in table):
        raise ConfigError(f"{where}: [network] needs exactly one of name (pigou, braess or a TNTP network) and "
                          f"folder, got {sorted(table) or 'neither'}")
    packaged = table.get("packaged", False)
    if not isinstance(packaged, bool) or (packaged and "name" not in table):
        raise ConfigError(f"{where}: network.packaged={packaged!r}: expected true or false, with a network name")
    if "folder" in table:
        folder = table["folder"]
        if not isinstance(folder, str) or not Path(folder).is_dir():
            raise ConfigError(f"{where}: network.folder={folder!r}: expected a folder of TNTP files")
        return load_tntp(folder), Path(folder)
    name = table["name"]
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: network.name={name!r}: expected a network name")
    if name.lower() in ("pigou", "braess"):
        return (pigou() if name.lower() == "pigou" else braess()), None
    if packaged:
        from ...errors import DataError
        from ...games.tntp import packaged_tntp

        try:
            folder = packaged_tntp(name)
        except DataError as exc:
            raise ConfigError(f"{where}: network.packaged=true: {exc}") from None
        return load_tntp(folder, tntp_prefix(name)), folder
    folder = find_tntp(name, download=False)
    if folder is None:
        from ...games.tntp import fetch_tntp

        try:
            folder = fetch_tntp(name)
        except Exception as exc:      # any failure of the download is reported with its reason
            raise ConfigError(f"{where}: network.name={name!r}: no TNTP files found in $STRATLEARN_TNTP_DIR, "
                              f"the packaged networks or the cache, and fetching failed ({exc}); run `stratlearn "
                              f"data fetch {name}` or give network.folder (built in: pigou, braess)") from None
    return load_tntp(folder, tntp_prefix(name)), folder


def _bound(field, value, links, where):
    try:
        return read_vector(f"leader.{field}", value, links, broadcast=True, what="one per link")
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def load_tolls(path: str | Path, overrides=()):
    """Read and check a toll config, with ``overrides`` (``KEY=VALUE``, the CLI's ``--set``) applied; returns
    ``(raw, network, demand, folder, follower rule, method name, leader keywords)``."""
    where = f"config {str(path)!r}"
    raw = read_config(path, overrides)
    check_known_keys(where, raw, _TOP)
    return (raw, *_checked(raw, where))


def _checked(raw: dict, where: str):
    """The network, demand, folder, follower rule, method and leader keywords of a toll config's tables, every field
    checked (errors name ``where``)."""
    try:
        (network, demand), folder = _network(_table(raw, "network", {"name", "folder", "packaged"}, where), where)
    except StratlearnError as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{where}: [network] {exc}") from None
    followers = _table(raw, "followers", {"rule"}, where)
    rule = followers.get("rule", "paths")
    if rule not in ("paths", "frank_wolfe"):
        raise ConfigError(f"{where}: followers.rule={rule!r}: expected 'paths' or 'frank_wolfe'")
    leader = dict(raw.get("leader", {})) if isinstance(raw.get("leader", {}), dict) else None
    if leader is None:
        raise ConfigError(f"{where}: [leader] must be a table")
    method = leader.pop("method", "follower_agnostic")
    if method not in _METHODS:
        raise ConfigError(f"{where}: leader.method={method!r}: expected one of {', '.join(_METHODS)}")
    if method == "two_timescale" and rule != "frank_wolfe":
        raise ConfigError(f"{where}: leader.method='two_timescale' starts probes from chosen flows, which "
                          "followers.rule='paths' travellers (who remember their paths) cannot do; expected "
                          "followers.rule = 'frank_wolfe'")
    check_known_keys(where, leader, _parameters(method), prefix="leader", context=f" for method {method!r}")
    for key, value in leader.items():
        if key in _FLAGS:
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: leader.{key}={value!r}: expected true or false")
            continue
        if key not in ("lower", "upper") and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ConfigError(f"{where}: leader.{key}={value!r}: expected a number")
        # the ranges the methods check when they start, checked here so that a dry run refuses what a run refuses
        if key in _COUNTS:
            check_positive_int(f"leader.{key}", value, error=ConfigError)
        elif key in _POSITIVE:
            check_positive(f"leader.{key}", value, error=ConfigError)
        elif key == "seed":
            try:
                check_seed(value, "leader.seed")
            except StratlearnError as exc:
                raise ConfigError(f"{where}: {exc}") from None
    lower = _bound("lower", leader.pop("lower", 0.0), network.num_links, where)
    upper = _bound("upper", leader.pop("upper", 100.0), network.num_links, where)
    if (lower > upper).any():
        i = int(np.argmax(lower > upper))
        raise ConfigError(f"{where}: leader.lower > leader.upper on link {i + 1} ({lower[i]:g} > {upper[i]:g})")
    leader["bounds"] = (lower, upper)
    return network, demand, folder, rule, method, leader


def _parameters(method: str) -> set:
    """The keywords a ``[leader]`` table may give ``method``."""
    params = set(inspect.signature(_method(method)).parameters) - {"followers", "cost", "grad_x", "grad_y", "x0",
                                                                    "bounds", "sensitivity", "grad_flow",
                                                                    "callback"}
    return params | {"lower", "upper"} | ({"gap"} if method == "oracle" else set())


def tolls_point(raw: dict, *, metrics=("travel_time",), tags: dict | None = None, **run) -> Point:
    """The point of kind ``"leader"`` of a toll config's tables ``raw`` (``network``, ``followers``, ``leader``; see
    the module docstring): the leader's ``seed`` moves to the run table, where ``--seed-offset`` finds it. ``run``
    may set ``estimate_from``, ``exact_gap`` and ``exact_iterations``; ``metrics`` adds ``"estimate"``."""
    leader = dict(raw.get("leader", {}))
    seed = leader.pop("seed", 0)
    game = {**raw.get("network", {}), "rule": raw.get("followers", {}).get("rule", "paths")}
    if "folder" in game:
        game = {"name": Path(game["folder"]).name, **game}
    check_known_keys("leader point", run, set(LEADER_RUN_DEFAULTS) - {"seed", "metrics"}, prefix="run")
    return Point(game=game, learner={"name": leader.pop("method", "follower_agnostic"), **leader},
                 run={"seed": seed, "metrics": list(metrics), **run}, tags=dict(tags or {}), kind="leader")


def _leader_config(point: Point) -> dict:
    """A point of kind ``"leader"`` as the toll config tables it came from (the seed back in ``[leader]`` where the
    method takes one)."""
    game = dict(point.game)
    rule = game.pop("rule", "paths")
    if "folder" in game:
        game.pop("name", None)
    leader = dict(point.learner)
    method = leader.pop("name", "follower_agnostic")
    seed = point.run.get("seed", 0)
    if method in _METHODS and "seed" in _parameters(method):
        leader["seed"] = seed
    return {"network": game, "followers": {"rule": rule}, "leader": {"method": method, **leader}}


def _check_leader_run(run: dict, where: str) -> dict:
    check_known_keys(where, run, set(LEADER_RUN_DEFAULTS), prefix="run")
    run = {**LEADER_RUN_DEFAULTS, **run}
    metrics = run["metrics"]
    if not isinstance(metrics, (list, tuple)) or not all(m in _LEADER_METRICS for m in metrics):
        raise ConfigError(f"{where}: run.metrics={metrics!r}: expected a list of {', '.join(_LEADER_METRICS)}")
    check_positive(f"{where}: run.exact_gap", run["exact_gap"], error=ConfigError)
    check_positive_int(f"{where}: run.exact_iterations", run["exact_iterations"], error=ConfigError)
    if isinstance(run["estimate_from"], bool) or not isinstance(run["estimate_from"], int) \
            or run["estimate_from"] < 0:
        raise ConfigError(f"{where}: run.estimate_from={run['estimate_from']!r}: expected an integer >= 0")
    if not isinstance(run["seed"], int) or isinstance(run["seed"], bool):
        raise ConfigError(f"{where}: run.seed={run['seed']!r}: expected an integer")
    return run


def _lead(network, demand, rule, method, kwargs, *, progress: bool, where: str):
    """Run the leader ``method`` with ``kwargs`` against sealed routing followers; returns its ``LeaderResult``."""
    from ...equilibria.wardrop import TollSensitivity
    from ...errors import InvalidParameterError
    from ...learners.followers import RoutingFollowers, SealedFollowers

    net = network
    kwargs = dict(kwargs)
    x0 = np.clip(np.zeros(net.num_links), *kwargs["bounds"])
    cost = lambda x, y: net.total_travel_time(y)                      # noqa: E731
    grad_x = lambda x, y: np.zeros_like(x)                            # noqa: E731
    grad_y = lambda x, y: net.latency(y) + y * net.latency_derivative(y)   # noqa: E731
    total = kwargs.get("iterations", inspect.signature(_method(method)).parameters["iterations"].default)
    from tqdm.auto import tqdm

    # a bar over leader iterations with the time left, on a terminal only (disable=None); the leader reports each
    # finished iteration through its callback
    bar = tqdm(total=total if isinstance(total, int) and total > 0 else None, desc=f"{net.name}: {method}",
               unit="iteration", leave=False, dynamic_ncols=True, disable=None if progress else True)
    kwargs["callback"] = lambda k, x: bar.update(1)
    try:
        if method == "oracle":
            gap = kwargs.pop("gap", 1e-8)
            return _method(method)(TollSensitivity(net, demand, gap=gap), x0, **kwargs)
        followers = SealedFollowers(RoutingFollowers(net, demand, rule=rule))
        if method == "zeroth_order":
            return _method(method)(followers, cost, x0, **kwargs)
        if method == "myopic":
            return _method(method)(followers, cost, grad_x, x0, **kwargs)
        return _method(method)(followers, cost, grad_x, grad_y, x0, **kwargs)
    except InvalidParameterError as exc:
        raise ConfigError(f"{where}: [leader] {exc}") from None
    finally:
        bar.close()


def run_leader_point(point: Point | dict, progress: bool = False, *, where: str | None = None):
    """Run a point of kind ``"leader"`` (see the module docstring): ``(frame, info)`` with the frame's rows (seed,
    step = leader iteration, metric, value) and ``info`` holding the wall time, the follower steps, the final tolls
    and the flow at them."""
    import pandas as pd

    if isinstance(point, dict):
        point = Point(**point)
    where = where or f"point {point.label()!r}"
    run = _check_leader_run(point.run, where)
    network, demand, folder, rule, method, kwargs = _checked(_leader_config(point), where)
    result = _lead(network, demand, rule, method, kwargs, progress=progress, where=where)
    seed = run["seed"]
    cost = np.asarray(result.cost, dtype=float)
    frames = [pd.DataFrame({"seed": seed, "step": np.arange(len(cost)), "metric": "travel_time", "value": cost})]
    if "estimate" in run["metrics"]:
        from ...equilibria.wardrop import TollSensitivity
        from ...learners.followers import leader_set

        exact = TollSensitivity(network, demand, gap=run["exact_gap"], max_iterations=run["exact_iterations"])
        box, eta = leader_set(kwargs["bounds"]), float(kwargs.get("step_size", inspect.signature(
            _method(method)).parameters["step_size"].default))
        rows = []
        for k in range(run["estimate_from"], len(result.gradients)):
            g = np.asarray(exact(result.x[k]).gradient, dtype=float)
            e = np.asarray(result.gradients[k], dtype=float)
            ng, ne = np.linalg.norm(g), np.linalg.norm(e)
            rows += [(k, "estimate_relative_error", float(np.linalg.norm(e - g) / max(ng, 1e-300))),
                     (k, "estimate_cosine", float(e @ g) / (ne * ng) if ne > 0 and ng > 0 else 0.0),
                     (k, "stationarity", float(np.linalg.norm(result.x[k] - box.project(result.x[k] - eta * g))
                                               / eta))]
        step, metric, value = zip(*rows) if rows else ((), (), ())
        frames.append(pd.DataFrame({"seed": seed, "step": np.asarray(step, dtype=int), "metric": list(metric),
                                    "value": np.asarray(value, dtype=float)}))
    frame = pd.concat(frames, ignore_index=True)
    info = {"wall_time": float(result.wall_time), "follower_steps": int(result.follower_steps),
            "network": network.name, "method": method, "rule": rule,
            "folder": None if folder is None else str(folder),
            "tolls": np.asarray(result.x[-1], dtype=float).tolist(),
            "flow": np.asarray(result.y, dtype=float).tolist()}
    return frame, info


def run_tolls(path: str | Path, output: str | Path, overrides=(), *, progress: bool = True) -> dict:
    """Run the config at ``path`` (its point of kind ``"leader"``, :func:`tolls_point`); write ``trace.parquet``
    (leader iteration, travel time, its ratio to the system optimum), ``links.parquet`` (per link:
    :func:`link_table`), ``config.json`` and ``figure.png`` into ``output``, each atomically. Returns a summary
    dict."""
    raw, net, demand, folder, rule, method, kwargs = load_tolls(path, overrides)
    import pandas as pd

    from ...equilibria.wardrop import marginal_cost_tolls, system_optimum
    from ...files import save_figure, write_json, write_parquet
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    frame, info = run_leader_point(tolls_point(raw), progress=progress, where=f"config {str(path)!r}")
    optimum = system_optimum(net, demand, gap=1e-6 if net.num_links > 10 else 1e-12)
    so = optimum.tstt
    cost = frame[frame.metric == "travel_time"].sort_values("step")["value"].to_numpy()
    trace = pd.DataFrame({"iteration": np.arange(len(cost)), "tstt": cost, "tstt_over_so": cost / so})
    links = link_table(net, info["tolls"], info["flow"], marginal_cost_tolls(net, optimum.flow))
    write_parquet(output / "trace.parquet", trace)
    write_parquet(output / "links.parquet", links)
    summary = {"network": net.name, "method": method, "rule": rule, "iterations": len(cost) - 1,
               "tstt_start": float(cost[0]), "tstt_final": float(cost[-1]), "system_optimum": so,
               "ratio_start": float(cost[0] / so), "ratio_final": float(cost[-1] / so),
               "follower_steps": info["follower_steps"], "wall_time": info["wall_time"],
               "folder": None if folder is None else str(folder)}
    write_json(output / "config.json", {"config": raw, "summary": summary})
    save_figure(output / "figure.png", _figure(trace, raw.get("title") or f"{net.name}: {method}"))
    return summary


def link_table(net, tolls, flow, marginal_tolls):
    """``links.parquet``: one row per link with its id (the row's position, 0-based, in the network file's order),
    TNTP's link fields (``init_node``, ``term_node``, ``capacity``, ``length``, ``free_flow_time``, ``b``, ``power``,
    ``fixed_toll``) and, under the learned tolls, ``toll`` (learned), ``flow``, ``travel_time`` ``t(v)``, ``v_c``
    (flow over capacity) and ``marginal_toll`` (the Pigouvian toll ``v t′(v)`` at the system optimum)."""
    import pandas as pd

    n = net.num_links
    flow = np.asarray(flow, dtype=float)

    def column(values):
        return np.zeros(n) if values is None else np.broadcast_to(np.asarray(values, dtype=float), (n,))

    return pd.DataFrame({
        "link_id": np.arange(n), "init_node": net.tail, "term_node": net.head,
        "capacity": column(net.capacity), "length": column(net.length), "free_flow_time": column(net.free_flow_time),
        "b": column(net.b), "power": column(net.power), "fixed_toll": column(net.toll),
        "toll": np.asarray(tolls, dtype=float), "flow": flow, "travel_time": net.latency(flow),
        "v_c": flow / column(net.capacity), "marginal_toll": np.asarray(marginal_tolls, dtype=float)})


def _figure(trace, title):
    from ...plots import _pyplot

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.8))
    ax.plot(trace.iteration, trace.tstt_over_so, marker="o", ms=3)
    ax.axhline(1.0, color="k", linestyle=":", label="system optimum")
    ax.set_xlabel("leader iteration")
    ax.set_ylabel("total travel time / system optimum")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
