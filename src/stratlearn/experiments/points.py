"""A point: one fully resolved run (a game, a learner, run settings; or a run of another kind) and how to run it.

Sweeps, the result store, the executors and the studies all speak in points. A point is plain JSON-able data, so it
can be hashed (the store names files by the hash), shipped to a Ray worker and written next to its results.

Kinds. A point's ``kind`` names the function that runs it, looked up in a registry (:func:`register_kind`):

* ``"simulate"`` (the default): a learner on a game, :func:`~stratlearn.experiments.engine.simulate`;
* ``"leader"``: a Stackelberg leader learning tolls against routing followers
  (:mod:`stratlearn.experiments.configs.tolls`, the kind behind ``stratlearn tolls``);
* ``"population"``: a population PDE coupled to a learner (:mod:`stratlearn.experiments.configs.population`, behind
  ``stratlearn population``);
* ``"audit"``: a collective-action audit of a classifier over collective sizes and seeds
  (:mod:`stratlearn.experiments.configs.collective`, behind ``stratlearn collective audit``);
* a study's own kinds, registered by the study's module for the runs that fit no general kind.

Every runner takes the point and returns ``(frame, info)``: a tidy frame with columns seed, step, metric, value (what
the result store keeps) and a JSON-able dict (the wall time, and whatever else the run reports). So every kind is
stored, skipped when stored, resumed after a crash and run on Ray alike. A ``"simulate"`` point's data and hash are
those it had before kinds existed; another kind is part of the data (and of the hash).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Point", "run_point", "build_table", "distinct_labels", "RUN_DEFAULTS", "register_kind", "kind_runner",
           "KINDS", "arrays_frame", "frame_arrays"]

RUN_DEFAULTS = {"seeds": 1, "record_every": None, "metrics": ["nash_gap"], "seed": 0, "precision": "float32"}


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class Point:
    """One experiment: ``game`` and ``learner`` are config tables (with a ``name``), ``run`` the run settings."""

    game: dict
    learner: dict
    run: dict
    tags: dict = field(default_factory=dict, compare=False)  # free labels (e.g. a study's role); not hashed
    kind: str = "simulate"                                    # what runs it (see the module docstring)

    def as_dict(self) -> dict:
        data = {"game": self.game, "learner": self.learner, "run": self.run}
        if self.kind != "simulate":          # the default kind keeps the data (and hash) of a point before kinds
            data["kind"] = self.kind
        return data

    def key(self) -> str:
        """Content hash of the point's full config and stratlearn's version (the store's file name)."""
        from .._version import __version__

        digest = hashlib.sha256(_canonical({"point": self.as_dict(), "stratlearn": __version__}).encode())
        return digest.hexdigest()[:20]

    def label(self) -> str:
        """A short human-readable description: game, learner and every parameter."""
        def fmt(table):
            params = ", ".join(f"{k}={_canonical(v)}" for k, v in sorted(table.items()) if k != "name")
            return f"{table['name']}({params})" if params else table["name"]

        text = f"{fmt(self.game)} · {fmt(self.learner)}"
        if self.kind == "simulate":
            return text
        seed = f" · seed={_canonical(self.run['seed'])}" if "seed" in self.run else ""
        return f"{self.kind}: {text}{seed}"

    def build(self):
        """The game and learner objects (validated: bad values raise ``stratlearn.errors`` exceptions). A point that
        carries them (:meth:`carry`, done by the config reader that validated it) hands them out once and then
        drops them, so a run builds each game once and does not keep it after its point has run."""
        carried = self.__dict__.get("_objects")
        if carried is not None:
            object.__setattr__(self, "_objects", None)
            return carried
        return build_table("game", self.game), build_table("learner", self.learner)

    def release(self) -> None:
        """Drop the carried objects (a point that is skipped, or run elsewhere, does not keep them alive)."""
        object.__setattr__(self, "_objects", None)

    def carry(self, game, learner) -> "Point":
        """Attach the already built ``game`` and ``learner`` of this point (not hashed, not compared, never sent to
        a worker: :meth:`as_dict` is the point's data)."""
        object.__setattr__(self, "_objects", (game, learner))
        return self


def distinct_labels(tables: list[dict]) -> list[str]:
    """A label per config table: its ``name``, followed by the parameters that differ between tables of the same
    name (``dsbr(temperature=0.1)`` and ``dsbr(temperature=0.02)``), so that tables, legends and files keep two
    learners of one name apart. A name used once stays bare."""
    labels = []
    for table in tables:
        same = [t for t in tables if t.get("name") == table.get("name")]
        keys = sorted({k for t in same for k in t if k != "name"})
        differ = [k for k in keys if len({_canonical(t.get(k)) for t in same}) > 1]
        params = ", ".join(f"{k}={_canonical(table.get(k))}" for k in differ)
        labels.append(f"{table.get('name')}({params})" if params else str(table.get("name")))
    return labels


def build_table(kind: str, table: dict):
    """A game (``kind="game"``) or learner from its config table, with errors that name the table."""
    from .. import learners
    from ..errors import ConfigError, StratlearnError, UnknownNameError
    from ..games import catalog

    maker = catalog.make if kind == "game" else learners.make
    params = dict(table)
    name = params.pop("name", None)
    if name is None:
        raise ConfigError(f"{kind}.name: missing; every {kind} needs a name (see `stratlearn list`)")
    if not isinstance(name, str):
        raise ConfigError(f"{kind}.name={name!r}: expected a string naming a {kind} (see `stratlearn list`)")
    try:
        return maker(name, **params)
    except UnknownNameError:
        raise
    except StratlearnError as exc:
        raise type(exc)(f"{kind} {name!r}: {exc}") from None


KINDS: dict[str, Callable] = {}
"""The registered kinds: name -> runner ``(point, progress) -> (frame, info)``."""

# kinds of the engine itself, registered when first used (their modules import JAX or the routing code)
_BUILTIN = {"leader": "stratlearn.experiments.configs.tolls:run_leader_point",
            "population": "stratlearn.experiments.configs.population:run_population_point",
            "audit": "stratlearn.experiments.configs.collective:run_audit_point"}


def register_kind(name: str, runner: Callable) -> Callable:
    """Register ``runner(point, progress=False) -> (frame, info)`` as the runner of points of kind ``name``. A study
    registers its kinds when its module is imported; a runner must be a module-level function (Ray workers import it
    by name). Registering a name again replaces the runner only if it is the same function (a reloaded module)."""
    from ..errors import InvalidParameterError

    if not isinstance(name, str) or not name or name == "simulate":
        raise InvalidParameterError(f"kind={name!r}: expected a new kind's name (a non-empty string other than "
                                    "'simulate')")
    known = kind_runner(name) if name in _BUILTIN else KINDS.get(name)
    if known is not None and (known.__module__, known.__qualname__) != (runner.__module__, runner.__qualname__):
        raise InvalidParameterError(f"kind={name!r}: already registered to {known.__module__}.{known.__qualname__}")
    KINDS[name] = runner
    return runner


def kind_runner(kind: str) -> Callable:
    """The runner of ``kind`` (``"simulate"``, an engine kind, or a kind a study registered)."""
    from ..errors import UnknownNameError

    if kind == "simulate":
        return _run_simulation
    if kind not in KINDS and kind in _BUILTIN:
        module, name = _BUILTIN[kind].split(":")
        KINDS[kind] = getattr(importlib.import_module(module), name)
    if kind not in KINDS:
        raise UnknownNameError("point kind", kind, ["simulate", *sorted({*_BUILTIN, *KINDS})])
    return KINDS[kind]


def run_point(point: Point | dict, progress: bool = False):
    """Run one point with the runner of its kind. Returns ``(frame, info)``: the tidy trace (seed, step, metric,
    value) and a dict with at least the wall time.

    A module-level function of plain data, so a Ray worker can run it.
    """
    if isinstance(point, dict):
        point = Point(**point)
    return kind_runner(point.kind)(point, progress=progress)


def _run_simulation(point: Point, progress: bool = False):
    """A ``"simulate"`` point: ``simulate`` the learner on the game; ``info`` also holds the resolved learner
    hyperparameters and the game's description."""
    from .engine import simulate

    game, learner = point.build()
    run = {**RUN_DEFAULTS, **point.run}
    started = time.perf_counter()
    trace = simulate(learner, game, steps=run["steps"], seeds=run["seeds"], record_every=run["record_every"],
                     metrics=run["metrics"], seed=run["seed"], progress=progress,
                     precision=run["precision"])
    info = {"wall_time": time.perf_counter() - started, "resolved": trace.config}
    return trace.to_frame(), info


def arrays_frame(arrays: dict, seed: int = 0):
    """Named arrays (any shapes) as a tidy frame the store keeps: one row per entry, ``metric`` the array's name,
    ``step`` the entry's flat index, ``value`` the entry as a float; returns ``(frame, shapes)``, the shapes (a
    JSON-able dict) for :func:`frame_arrays`. For a study's own kinds, whose runs end in arrays, not a trace."""
    import numpy as np
    import pandas as pd

    frames, shapes = [], {}
    for name, value in arrays.items():
        array = np.asarray(value, dtype=float)
        shapes[name] = list(array.shape)
        frames.append(pd.DataFrame({"seed": int(seed), "step": np.arange(array.size), "metric": name,
                                    "value": array.ravel()}))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        {"seed": [], "step": [], "metric": [], "value": []})
    return frame, shapes


def frame_arrays(frame, shapes: dict) -> dict:
    """The named arrays :func:`arrays_frame` stored, in their shapes."""
    import numpy as np

    groups = {name: group for name, group in frame.groupby("metric", sort=False)}
    out = {}
    for name, shape in shapes.items():
        group = groups.get(name)
        values = np.empty(0) if group is None else group.sort_values("step")["value"].to_numpy()
        out[name] = values.reshape(shape)
    return out
