"""Population configs: a TOML file describing one run of the coupled population–learner flow of [5]
(:mod:`stratlearn.populations.distribution_shift`), run by ``stratlearn population CONFIG``.

```toml
title = "..."
[grid]
low = -4.0                    # or [-3.0, -3.0] with high and cells pairs for a 2-D grid
high = 4.0
cells = 160

[population]
loss = "quadratic"            # f2(z, x) = ½|z − x|²; or {kind = "bump", height = 0.5, width = 0.5}
setting = "cooperative"       # f1 = f2; "competitive": f1 = −f2
alpha = 0.2                   # the cost of change (KL weight); a group's own alpha overrides it
kernel = {kind = "gaussian", strength = -0.5, width = 0.5}    # W(d) = strength·exp(−|d|²/width); omit for W = 0
initial = {kind = "gaussian", mean = 1.5, variance = 0.25}
natural = {kind = "gaussian", mean = 1.0, variance = 1.0}     # omit for uniform

# or, for subpopulations, one table per group instead of initial/natural:
# [[population.groups]]
# initial = {...}; natural = {...}; alpha = 0.1; weight = 0.5

[learner]
x0 = [-1.0]                   # the learner's start (for "quadratic": one entry per dimension of z)
beta = 0.5
rate = 1.0                    # γ, the learner's timescale relative to the population's

[run]
t_end = 30.0
records = 60
limit = "none"                # or "population" / "learner": that side best-responds
```

Densities are ``{kind = "gaussian", mean, variance}`` (mean a number or, in 2-D, a pair; isotropic variance) or
``{kind = "uniform"}``. Every field is checked before anything runs; errors name the field, the value and what was
expected.

The run is a point of kind ``"population"`` (:func:`population_point`, run by :func:`run_population_point`): ``game``
holds ``[grid]`` and ``[population]``, ``learner`` the ``[learner]`` table and ``run`` the ``[run]`` table, so it can
be stored, resumed, swept and run on Ray like any point. Its frame holds the recorded metrics (``potential``, ...)
and, by entry, the final state's arrays under ``state/NAME`` (the densities, the learner's path, the times), whose
shapes are in ``info["shapes"]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import ConfigError, StratlearnError, check_in_range, check_positive, check_positive_int
from ..points import Point
from .common import check_known_keys, read_config, read_number, read_vector

_PER_DIMENSION = "one per grid dimension"

__all__ = ["build_population", "load_population", "run_population", "population_point", "run_population_point",
           "stored_trace"]

_TOP = {"title", "description", "grid", "population", "learner", "run"}
_POPULATION = {"loss", "setting", "alpha", "kernel", "initial", "natural", "groups"}
_LEARNER = {"x0", "beta", "rate"}
_RUN = {"t_end", "records", "limit", "cfl", "precision"}


def _keys(where, table, allowed):
    check_known_keys(where, table, allowed, prefix=where)     # a section's keys named with it: run.t_end


def _grid(table):
    from ...populations.grids import Grid1D, Grid2D      # NumPy only: a config is checked without JAX

    _keys("grid", table, {"low", "high", "cells"})
    for key in ("low", "high", "cells"):
        if key not in table:
            raise ConfigError(f"grid.{key}: missing; expected low, high and cells (numbers, or pairs for 2-D)")
    two = isinstance(table["cells"], list)
    try:
        if two:
            return Grid2D(tuple(read_vector("grid.low", table["low"], 2, what=_PER_DIMENSION)),
                          tuple(read_vector("grid.high", table["high"], 2, what=_PER_DIMENSION)),
                          tuple(table["cells"]))
        return Grid1D(read_number("grid.low", table["low"]), read_number("grid.high", table["high"]), table["cells"])
    except StratlearnError as exc:
        raise ConfigError(f"grid: {exc}") from None


def _density(field, spec, grid):
    if spec is None:
        return None
    if not isinstance(spec, dict) or "kind" not in spec:
        raise ConfigError(f"{field}={spec!r}: expected a table with kind = 'gaussian' or 'uniform'")
    kind = spec["kind"]
    if kind == "uniform":
        _keys(field, spec, {"kind"})
        return np.ones(grid.shape)
    if kind != "gaussian":
        raise ConfigError(f"{field}.kind={kind!r}: expected 'gaussian' or 'uniform'")
    _keys(field, spec, {"kind", "mean", "variance"})
    mean = read_vector(f"{field}.mean", spec.get("mean", 0.0), grid.ndim, what=_PER_DIMENSION)
    variance = read_number(f"{field}.variance", spec.get("variance", 1.0))
    if not variance > 0:
        raise ConfigError(f"{field}.variance={variance!r}: expected a number > 0")
    pts = grid.points.reshape(grid.shape + (grid.ndim,))
    values = np.exp(-np.sum((pts - mean) ** 2, axis=-1) / (2 * variance))
    if not values.sum() > 0:
        raise ConfigError(f"{field}: the gaussian has no mass on the grid (mean {mean.tolist()} is too far outside)")
    return values


def _quadratic(zi, x):
    import jax.numpy as jnp      # here, not at the top: a config is read and checked without JAX

    return 0.5 * jnp.sum((jnp.atleast_1d(zi) - x) ** 2)


def _bump(height, width):
    def loss(zi, x):
        import jax.numpy as jnp

        return height * jnp.exp(-jnp.sum((jnp.atleast_1d(zi) - x) ** 2) / (2 * width ** 2))

    return loss


def _loss(spec, ndim):
    kind, params = (spec, {}) if isinstance(spec, str) else (spec.get("kind") if isinstance(spec, dict) else None,
                                                             spec)
    if kind == "quadratic":
        if isinstance(spec, dict):
            _keys("population.loss", spec, {"kind"})
        return _quadratic, ndim
    if kind == "bump":
        _keys("population.loss", params, {"kind", "height", "width"})
        height = read_number("population.loss.height", params.get("height", 1.0))
        width = check_positive("population.loss.width", params.get("width", 1.0), error=ConfigError)
        return _bump(height, width), ndim
    raise ConfigError(f"population.loss={spec!r}: expected 'quadratic' (½|z − x|²) or a table with kind = 'bump'")


def _kernel(spec):
    if spec is None:
        return None
    if not isinstance(spec, dict) or spec.get("kind") != "gaussian":
        raise ConfigError(f"population.kernel={spec!r}: expected a table with kind = 'gaussian', strength and width")
    _keys("population.kernel", spec, {"kind", "strength", "width"})
    strength = read_number("population.kernel.strength", spec.get("strength", -1.0))
    width = check_positive("population.kernel.width", spec.get("width", 1.0), error=ConfigError)

    def kernel(d):
        d = np.asarray(d)
        sq = d ** 2 if d.ndim == 1 else np.sum(d ** 2, axis=-1)
        return strength * np.exp(-sq / width)

    return kernel


def build_population(raw: dict, *, source: str = "<config>"):
    """Validate a population config dict; returns ``(problem, run_options)`` for
    :func:`stratlearn.populations.solve`."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a TOML document with [grid], [population], [learner] and [run]")
    check_known_keys(source, raw, _TOP)
    for section in ("grid", "population", "learner", "run"):
        if section not in raw:
            raise ConfigError(f"{source}: missing [{section}]")
    grid = _grid(raw["grid"])
    pop = raw["population"]
    _keys("population", pop, _POPULATION)
    loss, dims = _loss(pop.get("loss", "quadratic"), grid.ndim)
    learner = raw["learner"]
    _keys("learner", learner, _LEARNER)
    if "x0" not in learner:
        raise ConfigError("learner.x0: missing; expected the learner's starting parameters (a list of numbers)")
    x0 = read_vector("learner.x0", learner["x0"], dims, what=_PER_DIMENSION)
    alpha = pop.get("alpha", 0.1)
    if "groups" in pop:
        if "initial" in pop or "natural" in pop:
            raise ConfigError("population: give initial/natural either at the top or per group in "
                              "[[population.groups]], not both")
        groups = pop["groups"]
        if not isinstance(groups, list) or not groups:
            raise ConfigError("population.groups: expected one or more [[population.groups]] tables")
        initial, natural, alphas, weights = [], [], [], []
        for k, g in enumerate(groups):
            where = f"population.groups[{k}]"
            _keys(where, g, {"initial", "natural", "alpha", "weight"})
            if "initial" not in g:
                raise ConfigError(f"{where}.initial: missing; expected a density table")
            initial.append(_density(f"{where}.initial", g["initial"], grid))
            nat = _density(f"{where}.natural", g.get("natural"), grid)
            natural.append(np.ones(grid.shape) if nat is None else nat)
            alphas.append(read_number(f"{where}.alpha", g.get("alpha", alpha)))
            weights.append(read_number(f"{where}.weight", g.get("weight", 1.0)))
        initial, natural, alpha = np.stack(initial), np.stack(natural), alphas
    else:
        if "initial" not in pop:
            raise ConfigError("population.initial: missing; expected a density table (or [[population.groups]])")
        initial = _density("population.initial", pop["initial"], grid)
        natural, weights = _density("population.natural", pop.get("natural"), grid), None
    run = raw["run"]
    _keys("run", run, _RUN)
    if "t_end" not in run:
        raise ConfigError("run.t_end: missing; expected the population time to integrate to (a number > 0)")
    limit = run.get("limit", "none")
    if limit not in ("none", "population", "learner"):
        raise ConfigError(f"run.limit={limit!r}: expected 'none', 'population' or 'learner'")
    options = {"t_end": check_positive("run.t_end", run["t_end"], error=ConfigError),
               "records": check_positive_int("run.records", run.get("records", 50), error=ConfigError),
               "cfl": check_in_range("run.cfl", run.get("cfl", 0.9), 0.0, 1.0, low_open=True, error=ConfigError),
               "limit": None if limit == "none" else limit,
               "precision": run.get("precision", "float64")}
    from ...populations import DistributionShift      # imports JAX: after every key was checked

    try:
        problem = DistributionShift(grid, loss, initial, x0=x0, natural=natural, kernel=_kernel(pop.get("kernel")),
                                    alpha=alpha, beta=read_number("learner.beta", learner.get("beta", 0.0)),
                                    rate=read_number("learner.rate", learner.get("rate", 1.0)),
                                    setting=pop.get("setting", "cooperative"), weights=weights)
    except ConfigError:
        raise
    except StratlearnError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return problem, options


def load_population(path: str | Path, overrides=()):
    """Read and validate a population config file, with ``overrides`` (``KEY=VALUE``, the CLI's ``--set``) applied;
    returns ``(raw, problem, run_options)``."""
    raw = read_config(path, overrides)
    problem, options = build_population(raw, source=str(path))
    return raw, problem, options


def population_point(raw: dict, *, tags: dict | None = None) -> Point:
    """The point of kind ``"population"`` of a population config's tables (see the module docstring)."""
    return Point(game={"name": "distribution_shift", "grid": raw.get("grid"), "population": raw.get("population")},
                 learner={"name": "gradient_flow", **dict(raw.get("learner") or {})}, run=dict(raw.get("run") or {}),
                 tags=dict(tags or {}), kind="population")


def _population_config(point: Point) -> dict:
    learner = dict(point.learner)
    learner.pop("name", None)
    raw = {"grid": point.game.get("grid"), "population": point.game.get("population"), "learner": learner,
           "run": dict(point.run)}
    return {k: v for k, v in raw.items() if v is not None}


def run_population_point(point: Point | dict, progress: bool = False, *, where: str | None = None):
    """Run a point of kind ``"population"``: ``(frame, info)``, the frame with the trace's metrics (seed 0, step the
    record) and the final state's arrays by entry (``state/densities``, ``state/x``, ``state/times``, ...), ``info``
    with the arrays' shapes, the wall time and the solver's settings."""
    import pandas as pd

    from ...populations import solve
    from ..points import arrays_frame

    if isinstance(point, dict):
        point = Point(**point)
    problem, options = build_population(_population_config(point), source=where or f"point {point.key()}")
    trace = solve(problem, **options, progress=progress)
    state, shapes = arrays_frame({f"state/{k}": v for k, v in trace.final_state.items()})
    frame = pd.concat([trace.to_frame(), state], ignore_index=True)
    return frame, {"wall_time": float(trace.wall_time), "shapes": shapes, "run": _plain(trace.config)}


def _plain(value):
    """``value`` as JSON data (NumPy numbers and arrays as Python ones)."""
    import json

    return json.loads(json.dumps(value, default=lambda v: v.tolist() if hasattr(v, "tolist") else str(v)))


def stored_trace(frame, info: dict):
    """A population point's stored ``(frame, info)`` read back like its trace: ``final_state`` (the arrays),
    ``metrics`` (name -> (seeds, records)), ``steps``."""
    from types import SimpleNamespace

    from ..points import frame_arrays

    state = frame[frame.metric.str.startswith("state/")]
    arrays = frame_arrays(state, info["shapes"])
    metrics = frame[~frame.metric.str.startswith("state/")]
    wide = {name: group.pivot(index="seed", columns="step", values="value")
            for name, group in metrics.groupby("metric")}
    steps = next(iter(wide.values())).columns.to_numpy() if wide else np.empty(0)
    return SimpleNamespace(final_state={k[len("state/"):]: v for k, v in arrays.items()},
                           metrics={k: v.to_numpy() for k, v in wide.items()}, steps=steps,
                           frame=metrics.reset_index(drop=True), wall_time=info.get("wall_time", float("nan")))


def run_population(path: str | Path, output: str | Path, overrides=(), *, progress: bool = True):
    """Run the config at ``path`` (its point of kind ``"population"``) and write ``trace.parquet`` (the recorded
    metrics), ``densities.npy`` (the population's snapshots, readable with ``numpy.load(..., allow_pickle=False)``),
    ``config.json`` and ``figure.png`` into ``output`` (each atomically). Returns the run read back like a trace
    (``final_state``, ``metrics``, ``steps``)."""
    raw, problem, options = load_population(path, overrides)
    from ...files import atomic_write, save_figure, write_json, write_parquet
    from ..runner import machine_info

    frame, info = run_population_point(population_point(raw), progress=progress, where=str(path))
    trace = stored_trace(frame, info)
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    write_parquet(output / "trace.parquet", trace.frame)

    def save_array(p):
        with open(p, "wb") as fh:
            np.save(fh, trace.final_state["densities"], allow_pickle=False)

    atomic_write(output / "densities.npy", save_array)
    summary = {k: float(v) for k, v in trace.final_state.items() if k == "w2_to_reference"}
    write_json(output / "config.json", {"config": raw, "run": info["run"], "wall_time": info["wall_time"],
                                        "times": trace.final_state["times"].tolist(), **summary,
                                        "machine": machine_info()})
    fig = _figure(problem, trace)
    save_figure(output / "figure.png", fig)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return trace


def _figure(problem, trace):
    from ...plots import _pyplot

    plt = _pyplot()
    grid = problem.grid
    times, dens, xs = trace.final_state["times"], trace.final_state["densities"], trace.final_state["x"]
    picks = np.linspace(0, len(times) - 1, 4).astype(int)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    if grid.ndim == 1:
        for k in picks:
            axes[0].plot(grid.centers, dens[k], label=f"t = {times[k]:.2g}")
        axes[0].set_xlabel("feature z")
        axes[0].set_ylabel("density ρ(z, t)")
        axes[0].legend(fontsize=8)
    else:
        extent = (grid.low[0], grid.high[0], grid.low[1], grid.high[1])
        axes[0].imshow(dens[-1].T, origin="lower", extent=extent, cmap="viridis")
        axes[0].set_title(f"density at t = {times[-1]:.2g}")
        axes[0].set_xlabel("z₁")
        axes[0].set_ylabel("z₂")
    for i in range(xs.shape[1]):
        axes[1].plot(times, xs[:, i], label=f"x_{i}")
    axes[1].set_xlabel("time")
    axes[1].set_ylabel("learner parameters")
    axes[1].legend(fontsize=8)
    pot = trace.metrics["potential"][0]
    excess = pot - pot.min()
    keep = excess > 0
    axes[2].semilogy(times[keep], excess[keep])
    axes[2].set_xlabel("time")
    axes[2].set_ylabel("E₁ + (β/2)|x − x̄|² minus its final value")
    for ax in axes[1:]:
        ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig
