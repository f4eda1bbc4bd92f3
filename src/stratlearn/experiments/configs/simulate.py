"""Experiment configs: a TOML file naming a game (or several), learners and run settings; lists sweep.

```toml
[game]                         # or [[games]] for several
name = "random_zero_sum"       # any name `stratlearn list` shows
rows = 50
seed = [0, 1, 2]               # a list in place of a value sweeps over it (`stratlearn sweep`)

[[learners]]
name = "dsbr"
temperature = [0.1, 0.05]
step_size = 0.01               # a number is a constant step; or {kind = "harmonic", a = 1.0, h = 10.0, power = 1.0}

[run]
steps = 1_000_000
seeds = 100
record_every = 10_000
metrics = ["nash_gap"]         # a list by nature: not a sweep
```

Every learner table runs on every game table; within each pair the lists (in the game table, the learner table,
nested tables such as ``step_size``, and the run table) expand to their cartesian product. Each resulting
:class:`~stratlearn.experiments.points.Point` is validated before anything runs.
"""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path

from ...errors import MAX_SEED, ConfigError, check_positive_int
from ..points import Point, build_table
from .common import check_known_keys, read_config

__all__ = ["expand", "load_points"]


_TOP_KEYS = {"game", "games", "learners", "run", "title", "description"}
_RUN_KEYS = {"steps", "seeds", "record_every", "records", "metrics", "seed", "precision"}


def _axes(where: str, table: dict, skip=()) -> list[tuple[tuple, list]]:
    """The sweep axes of a table: (path of keys, values) for every list value, nested tables included."""
    found = []
    for key, value in table.items():
        if key in skip:
            continue
        if isinstance(value, list):
            if not value:
                raise ConfigError(f"{where}.{key}=[]: expected a non-empty list of values to sweep over")
            found.append(((key,), value))
        elif isinstance(value, dict):
            found += [((key, *path), values) for path, values in _axes(f"{where}.{key}", value)]
    return found


def _set(table: dict, path: tuple, value) -> None:
    for key in path[:-1]:
        table = table[key]
    table[path[-1]] = value


def _check_run(run: dict) -> dict:
    steps = check_positive_int("run.steps", run["steps"], error=ConfigError)
    out = {"steps": steps, "seeds": check_positive_int("run.seeds", run.get("seeds", 1), error=ConfigError)}
    record_every = run.get("record_every")
    if "records" in run:   # how many records over the run; they follow a changed run.steps (e.g. from --set)
        if record_every is not None:
            raise ConfigError("run.records and run.record_every: expected one of them (records: how many times "
                              "the metrics are recorded; record_every: every how many steps)")
        records = check_positive_int("run.records", run["records"], error=ConfigError)
        record_every = -(-steps // records)     # ceil: at most `records` records (the last one at steps)
    if record_every is not None:
        record_every = check_positive_int("run.record_every", record_every, error=ConfigError)
        if record_every > steps:
            raise ConfigError(f"run.record_every={record_every}: expected at most run.steps={steps}")
    out["record_every"] = record_every
    seed = run.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"run.seed={seed!r}: expected an integer in [0, {MAX_SEED}] (seeds are 32-bit)")
    out["seed"] = seed
    names = run.get("metrics", ["nash_gap"])
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names:
        raise ConfigError(f"run.metrics={names!r}: expected a non-empty list of metric names")
    for name in names:
        if not isinstance(name, str):
            raise ConfigError(f"run.metrics: expected metric names, got {name!r}")
        from ... import metrics as metrics_module   # here: reading a config does not import JAX

        metrics_module.get(name)  # raises UnknownNameError listing the valid names
    if len(set(names)) != len(names):
        raise ConfigError(f"run.metrics={names!r}: a metric is listed twice; each is recorded once")
    out["metrics"] = list(names)
    if "precision" in run:  # only when given, so existing configs keep their point keys
        if run["precision"] not in ("float32", "float64"):
            raise ConfigError(f"run.precision={run['precision']!r}: expected 'float32' or 'float64'")
        out["precision"] = run["precision"]
    return out


def expand(raw: dict, *, source: str = "<config>", sweep: bool = True) -> list[Point]:
    """Validate a config dict and expand it into its points (one without lists gives one point per
    game x learner). With ``sweep=False`` a list value is an error that points to ``stratlearn sweep``."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a TOML document with [game], [[learners]] and [run]")
    check_known_keys(source, raw, _TOP_KEYS)
    if ("game" in raw) == ("games" in raw):
        raise ConfigError(f"{source}: expected exactly one of [game] or [[games]]")
    if "game" in raw:
        games = [("game", raw["game"])]
    else:
        if not isinstance(raw["games"], list) or not raw["games"]:
            raise ConfigError(f"{source}: [[games]] must be a non-empty array of tables")
        games = [(f"games[{i}]", g) for i, g in enumerate(raw["games"])]
    learner_tables = raw.get("learners")
    if not isinstance(learner_tables, list) or not learner_tables:
        raise ConfigError(f"{source}: [[learners]] is missing; expected at least one learner table")
    learners = [(f"learners[{i}]", t) for i, t in enumerate(learner_tables)]
    for where, table in games + learners:
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: expected a table with a 'name' key, got {table!r}")
        if "name" not in table:
            raise ConfigError(f"{where}.name: missing; every entry needs a name (see `stratlearn list`)")
        if isinstance(table["name"], list):
            raise ConfigError(f"{where}.name: a list of names cannot be swept; give one table per name")
    run = raw.get("run")
    if not isinstance(run, dict):
        raise ConfigError(f"{source}: [run] is missing; expected a table with steps, seeds, record_every, metrics")
    check_known_keys(source, run, _RUN_KEYS, prefix="run")
    if "steps" not in run:
        raise ConfigError("run.steps: missing; expected an integer >= 1")

    points: dict[str, Point] = {}
    built_games: dict[str, object] = {}   # each distinct game table is built once (to validate it and to run it)
    for g_where, g_table in games:
        for l_where, l_table in learners:
            axes = ([("game", p, v, g_where) for p, v in _axes(g_where, g_table)]
                    + [("learner", p, v, l_where) for p, v in _axes(l_where, l_table)]
                    + [("run", p, v, "run") for p, v in _axes("run", run, skip={"metrics"})])
            if axes and not sweep:
                section, path, values, where = axes[0]
                raise ConfigError(f"{where}.{'.'.join(path)}={values!r}: a list sweeps over values; run it with "
                                  f"`stratlearn sweep`, or give a single value")
            for combo in itertools.product(*(values for _, _, values, _ in axes)):
                tables = {"game": copy.deepcopy(g_table), "learner": copy.deepcopy(l_table),
                          "run": copy.deepcopy(run)}
                for (section, path, _, _), value in zip(axes, combo):
                    _set(tables[section], path, value)
                point = Point(game=tables["game"], learner=tables["learner"], run=_check_run(tables["run"]))
                # validate names and parameters now, before anything runs; the point carries what was built
                game_key = json.dumps(tables["game"], sort_keys=True, default=str)
                if game_key not in built_games:
                    built_games[game_key] = build_table("game", tables["game"])
                point.carry(built_games[game_key], build_table("learner", tables["learner"]))
                points.setdefault(point.key(), point)
    return list(points.values())


def load_points(path: str | Path, *, sweep: bool = True, overrides=()) -> tuple[dict, list[Point]]:
    """Read a config file (with ``overrides``, see :func:`apply_overrides`) and expand it: ``(raw, points)``."""
    raw = read_config(path, overrides)
    return raw, expand(raw, source=str(path), sweep=sweep)
