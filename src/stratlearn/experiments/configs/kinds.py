"""One config schema for every kind of run: which kind a TOML file describes, and its points.

A config's kind is told by its tables: ``[game]``/``[[games]]`` with ``[[learners]]`` is a learner on a game (kind
``"simulate"``), ``[network]`` with ``[leader]`` a leader learning tolls (``"leader"``), ``[grid]`` with
``[population]`` a population flow (``"population"``), ``[data]`` with ``[model]`` a collective-action audit
(``"audit"``). ``stratlearn run`` runs any of them (as ``stratlearn tolls``, ``population`` and ``collective audit``
do), and ``stratlearn sweep`` turns any of them into points in a result store, resumable and runnable on Ray.

Sweeping. A simulate config sweeps over the lists it holds in place of values. The other kinds hold lists as values
(a toll bound per link, a learner's start), so they name what to sweep in a ``[sweep]`` table of dotted keys::

    [sweep]
    "leader.step_size" = [1e-4, 2e-4]
    "leader.seed" = [0, 1, 2]

Every combination of the lists is one point, each checked before anything runs.
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path

from ...errors import ConfigError
from .common import read_config

__all__ = ["config_kind", "load_config_points", "KIND_TABLES"]

KIND_TABLES = {"simulate": ({"game", "games"}, {"learners"}), "leader": ({"network"}, {"leader"}),
               "population": ({"grid"}, {"population"}), "audit": ({"data"}, {"model"})}


def config_kind(raw: dict, source: str = "<config>") -> str:
    """The kind of run a config's tables describe (see the module docstring)."""
    found = [kind for kind, (first, second) in KIND_TABLES.items() if first & set(raw) and second & set(raw)]
    if len(found) != 1:
        shapes = "; ".join(f"{kind}: {' or '.join(f'[{t}]' for t in sorted(a))} with "
                           f"{' or '.join(f'[{t}]' for t in sorted(b))}" for kind, (a, b) in KIND_TABLES.items())
        have = ", ".join(f"[{k}]" for k in raw if isinstance(raw[k], (dict, list))) or "none"
        raise ConfigError(f"config {source!r}: cannot tell which kind of run it describes (tables: {have}); "
                          f"expected the tables of one kind ({shapes})")
    return found[0]


def _sweep_axes(raw: dict, source: str) -> list[tuple[list[str], list]]:
    table = raw.get("sweep", {})
    if not isinstance(table, dict):
        raise ConfigError(f"config {source!r}: [sweep] must be a table of dotted keys and lists of values")
    axes = []
    for key, values in table.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"config {source!r}: sweep.{key}={values!r}: expected a non-empty list of values")
        path = key.split(".")
        if len(path) < 2 or path[0] == "sweep" or not all(path):
            raise ConfigError(f"config {source!r}: sweep.{key}: expected a dotted key into a table of the config, "
                              "e.g. \"leader.step_size\"")
        axes.append((path, values))
    return axes


def _point(kind: str, raw: dict, source: str):
    """One checked point of ``kind`` from the config tables ``raw`` (no ``[sweep]``)."""
    if kind == "leader":
        from .tolls import _TOP, _checked, tolls_point
        from .common import check_known_keys

        check_known_keys(f"config {source!r}", raw, _TOP)
        _checked(raw, f"config {source!r}")
        return tolls_point(raw)
    if kind == "population":
        from .population import population_point, build_population

        build_population(raw, source=source)
        return population_point(raw)
    from .collective import audit_options, audit_point, resolve_model_class

    options = audit_options(raw, source)
    for required in ("data", "model"):
        if not options.get(required):
            raise ConfigError(f"config {source!r}: {'data.path' if required == 'data' else 'model.name'}: "
                              "missing")
    resolve_model_class(options["model"])
    return audit_point(**options)


def load_config_points(path: str | Path, *, sweep: bool = True, overrides=()) -> tuple[dict, str, list]:
    """``(raw, kind, points)`` of the config at ``path`` (any kind), with ``overrides`` applied. A simulate config
    expands its lists (:func:`~stratlearn.experiments.configs.simulate.load_points`); the other kinds expand their
    ``[sweep]`` table, which ``sweep=False`` (one run) refuses."""
    source = str(path)
    raw = read_config(path, overrides)
    kind = config_kind(raw, source)
    if kind == "simulate":
        from .simulate import load_points

        raw, points = load_points(path, sweep=sweep, overrides=overrides)
        return raw, kind, points
    axes = _sweep_axes(raw, source)
    if axes and not sweep:
        raise ConfigError(f"config {source!r}: [sweep] lists values to sweep over; run it with `stratlearn sweep`")
    base = {k: v for k, v in raw.items() if k != "sweep"}
    points = []
    for combo in itertools.product(*(values for _, values in axes)):
        one = copy.deepcopy(base)
        for (path_, _), value in zip(axes, combo):
            table = one
            for part in path_[:-1]:
                table = table.setdefault(part, {})
                if not isinstance(table, dict):
                    raise ConfigError(f"config {source!r}: sweep.{'.'.join(path_)}: {part} is not a table")
            table[path_[-1]] = value
        points.append(_point(kind, one, source))
    return raw, kind, points
