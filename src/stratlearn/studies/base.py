"""What a study is: a paper's experiment at a quick and a full size, ending in a table of checked claims.

A study lists its runs as :class:`~stratlearn.experiments.points.Point` objects (each tagged with a role), so they
go through the same executors and result store as a sweep: ``stratlearn reproduce`` is resumable and can run on Ray.
``analyze`` then turns the stored traces into claims, tables and figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..experiments.claims import (STATUSES, Claim, bootstrap_interval, check_controls, count_statuses, fitted_slope,
                                  format_counts, interval_over_seeds)

__all__ = ["Claim", "StudyResult", "Study", "StudyData", "fitted_slope", "interval_over_seeds", "bootstrap_interval",
           "STATUSES", "count_statuses", "format_counts", "check_controls", "part_point", "run_part"]


@dataclass
class StudyResult:
    """Claims, tidy tables (pandas DataFrames) and matplotlib figures produced by one study run."""

    name: str
    size: str
    claims: list[Claim]
    tables: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    wall_time: float = float("nan")
    seed_offset: int = 0

    def __post_init__(self):
        check_controls(self.claims)

    @property
    def passed(self) -> bool:
        """No claim FAILs (PASS, XFAIL, XPASS and SKIP do not fail a study; the main job checks SKIP apart)."""
        return not any(c.status == "FAIL" for c in self.claims)

    def counts(self) -> dict[str, int]:
        return count_statuses(c.status for c in self.claims)


class StudyData:
    """The stored traces of a study's points, looked up by the points' ``role`` tag.

    ``seed_offset`` (``stratlearn reproduce --seed-offset K``) has already shifted the points' run seeds; a study that
    draws randomness in ``analyze`` adds it to every seed it uses there, so the whole study moves to other seeds.
    """

    def __init__(self, points, store, seed_offset: int = 0):
        self._points = {p.tags["role"]: p for p in points}
        self._store = store
        self._cache: dict[Any, Any] = {}  # role -> stored frame; (role, metric) -> (steps, values)
        self.seed_offset = int(seed_offset)

    def seed(self, base: int = 0) -> int:
        """The seed ``base`` of the study shifted by ``seed_offset``."""
        return int(base) + self.seed_offset

    def point(self, role: str):
        return self._points[role]

    def roles(self, prefix: str = "") -> list[str]:
        """The roles of the study's points that start with ``prefix``, in the order the points were listed."""
        return [role for role in self._points if role.startswith(prefix)]

    def info(self, role: str) -> dict:
        """What the run of the point tagged ``role`` reported besides its trace (its kind's ``info``: the wall time,
        and for a leader the follower steps, the final tolls and the flow)."""
        if ("info", role) not in self._cache:
            self._cache["info", role] = self._store.meta(self._points[role])["info"]
        return self._cache["info", role]

    def arrays(self, role: str) -> dict:
        """The named results the run of the point tagged ``role`` ended in (a study's own kind, :func:`run_part`):
        arrays in their shapes, and the JSON values (table rows, names) as they were."""
        from ..experiments.points import frame_arrays

        if ("arrays", role) not in self._cache:
            info = self.info(role)
            arrays = frame_arrays(self._store.read(self._points[role]), info["shapes"])
            self._cache["arrays", role] = {**arrays, **info.get("values", {})}
        return self._cache["arrays", role]

    def metric(self, role: str, metric: str = "nash_gap") -> tuple[np.ndarray, np.ndarray]:
        """``(steps, values)`` with ``values`` of shape (seeds, records) for the point tagged ``role``."""
        if role not in self._cache:
            self._cache[role] = self._store.read(self._points[role])
        if (role, metric) not in self._cache:
            # pivoted once: an analysis may ask again for every bootstrap resample (4,000 pivots took 17 s)
            frame = self._cache[role]
            wide = frame[frame.metric == metric].pivot(index="seed", columns="step", values="value")
            self._cache[role, metric] = (wide.columns.to_numpy(), wide.to_numpy())
        steps, values = self._cache[role, metric]
        return steps.copy(), values.copy()

    def curves(self):
        """One row per (role, metric, step) of the ``"simulate"`` points: the mean over seeds and the 10% and 90%
        quantiles."""
        import pandas as pd

        rows = []
        for role, point in self._points.items():
            if point.kind != "simulate":
                continue
            for metric in point.run["metrics"]:
                name = metric.replace(":", "_")
                steps, values = self.metric(role, name)
                low, high = np.quantile(values, [0.1, 0.9], axis=0)
                rows += [{"run": role, "metric": name, "step": int(s), "mean": float(m), "q10": float(a),
                          "q90": float(b)} for s, m, a, b in zip(steps, values.mean(axis=0), low, high)]
        return pd.DataFrame(rows)


class Size(str):
    """A study's size (``"quick"`` or ``"full"``, compared and hashed as that string) with the overrides of its size
    table that ``stratlearn reproduce STUDY --set KEY=VALUE`` gives: ``overrides`` is a tuple of ``("a.b", value)``.
    A study reads its table with :func:`size_config`, never with ``SIZES[size]`` alone."""

    overrides: tuple

    def __new__(cls, name: str, overrides=()):
        obj = super().__new__(cls, str(name))
        obj.overrides = tuple((str(k), v) for k, v in (overrides.items() if isinstance(overrides, dict)
                                                        else overrides))
        return obj

    def __reduce__(self):
        return (Size, (str(self), self.overrides))


def parse_size_overrides(items) -> tuple:
    """``KEY=VALUE`` strings (``--set``) as ``(key, value)`` pairs, read as the config commands read them
    (:func:`~stratlearn.experiments.configs.parse_override`)."""
    from ..experiments.configs import parse_override

    return tuple(parse_override(item, "seeds=4") for item in items)


def size_config(sizes: dict, size) -> dict:
    """The size table ``sizes[size]`` of a study, a copy, with the overrides ``size`` carries (:class:`Size`)
    applied. An override must name a key the table has (a dotted path into nested tables) and keep the entry's shape
    (type, element types, sign: see ``_like``); anything else is refused naming the key, the value and what is
    expected."""
    import copy

    from ..errors import ConfigError, did_you_mean

    table = copy.deepcopy(sizes[str(size)])
    for key, value in getattr(size, "overrides", ()):
        *path, last = key.split(".")
        where = table
        for depth, part in enumerate(path):
            if not isinstance(where, dict) or part not in where or not isinstance(where[part], dict):
                raise ConfigError(f"--set {key}: {'.'.join(path[:depth + 1])} is not a table of the {size} size")
            where = where[part]
        if last not in where:
            raise ConfigError(f"--set {key}: the {size} size has no {key!r}{did_you_mean(last, where)}; expected "
                              f"one of {', '.join(sorted(where))}")
        where[last] = _like(where[last], value, f"--set {key}={value!r}", f"the {size} size has {where[last]!r}")
    return table


def _like(old, value, where: str, has: str):
    """``value`` in the shape of the size entry ``old`` it replaces: the same type (an integer may become a number;
    a list read from TOML becomes a tuple where the entry is one), element by element for sequences (a sequence of
    like entries may change length; a record such as ``(S, A, γ)`` may not), and the same sign for numbers (a count
    stays >= 1, a positive step stays positive)."""
    from ..errors import ConfigError

    if isinstance(old, (list, tuple)):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list like the entry it replaces ({has})")
        if old and len({type(o) for o in old}) == 1:    # a sequence of like entries: any length, each like the first
            value = [_like(old[0], v, where, has) for v in value]
        elif old:                                        # a record, e.g. (S, A, γ): the same length, entry by entry
            if len(value) != len(old):
                raise ConfigError(f"{where}: expected {len(old)} entries like the one it replaces ({has})")
            value = [_like(o, v, where, has) for o, v in zip(old, value)]
        if not value:
            raise ConfigError(f"{where}: expected a non-empty list ({has})")
        return type(old)(value)
    if isinstance(old, dict):
        raise ConfigError(f"{where}: a table; set its entries with a dotted key ({has})")
    widened = isinstance(old, float) and isinstance(value, int) and not isinstance(value, bool)
    if type(old) is not type(value) and not widened:
        raise ConfigError(f"{where}: expected a value of type {type(old).__name__} ({has})")
    if isinstance(old, (int, float)) and not isinstance(old, bool):
        if old >= 1 and isinstance(old, int) and value < 1:
            raise ConfigError(f"{where}: expected an integer >= 1 ({has})")
        if old > 0 and not value > 0:
            raise ConfigError(f"{where}: expected a number > 0 ({has})")
        if old >= 0 and value < 0:
            raise ConfigError(f"{where}: expected a number >= 0 ({has})")
    return float(value) if widened else value


def part_point(kind: str, part: str, sizes: dict, *, seed: int = 0, role: str | None = None, **params):
    """A point of a study's own kind ``kind`` (registered with :func:`run_part` as its runner): the computation
    ``part`` of the study with the size entries it reads (``sizes``, so that changing another entry with ``--set``
    does not recompute it), a seed (``--seed-offset`` shifts it) and any other parameters."""
    from ..experiments.points import Point

    return Point(game={"name": kind}, learner={"name": part, **params}, run={"size": dict(sizes), "seed": int(seed)},
                 tags={"role": role or part}, kind=kind)


def run_part(parts: dict, point, progress: bool = False):
    """Run the part a study's point names: ``parts[name](size, seed, **params)`` returns a dict of named results.
    Numbers and numeric arrays are stored as a tidy frame (:func:`~stratlearn.experiments.points.arrays_frame`);
    anything else (table rows, names) must be JSON-able and goes into ``info["values"]``, next to the arrays'
    shapes and the wall time. A study registers, as its kind's runner, a module-level function that calls this with
    its table of parts (Ray workers import it by name)."""
    import json
    import time

    from ..errors import UnknownNameError
    from ..experiments.points import arrays_frame

    params = dict(point.learner)
    name = params.pop("name")
    if name not in parts:
        raise UnknownNameError(f"{point.kind} part", name, parts)
    started = time.perf_counter()
    result = parts[name](dict(point.run["size"]), int(point.run.get("seed", 0)), **params)
    arrays, values = {}, {}
    for key, value in result.items():
        try:
            arrays[key] = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            values[key] = json.loads(json.dumps(value))      # JSON-able, or an error here rather than at write time
    frame, shapes = arrays_frame(arrays, seed=point.run.get("seed", 0))
    return frame, {"wall_time": time.perf_counter() - started, "shapes": shapes, "values": values}


@dataclass(frozen=True)
class Study:
    """A registered study: ``points(size)`` lists its runs; ``analyze(size, data)`` returns a :class:`StudyResult`.
    ``sizes`` is its table of sizes (``{"quick": {...}, "full": {...}}``), read through :func:`size_config` so that
    ``stratlearn reproduce STUDY --set KEY=VALUE`` can change an entry."""

    name: str
    title: str
    paper: str
    points: Callable[[str], list]
    analyze: Callable[[str, StudyData], StudyResult]
    sizes: dict | None = None
