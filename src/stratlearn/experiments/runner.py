"""Run a parsed config (every learner on every game) and write its outputs into a folder."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..files import save_figure, write_json, write_parquet
from ..plots import plot_traces
from .points import RUN_DEFAULTS, Point, distinct_labels
from .engine import simulate
from ..trace import Trace

__all__ = ["RunResult", "run_experiment", "write_outputs", "machine_info", "summary_rows", "format_table",
           "mean_pm_std"]


@dataclass
class RunResult:
    game: str
    learner: str
    trace: Trace


def machine_info() -> dict:
    """Where a result was computed: OS, CPU count, Python, JAX and its backend."""
    import os

    import jax

    from .._version import __version__

    return {
        "stratlearn": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "jax": jax.__version__,
        "backend": jax.default_backend(),
    }


def run_experiment(points: list[Point], *, progress: bool = True) -> list[RunResult]:
    """Simulate each point (a game, a learner and run settings) and keep its full :class:`Trace`."""
    results = []
    # learners of one name with different parameters are told apart in the tables, legends and files
    labels = distinct_labels([p.learner for p in points])
    for point, label in zip(points, labels):
        game, learner = point.build()
        run = {**RUN_DEFAULTS, **point.run}
        trace = simulate(learner, game, steps=run["steps"], seeds=run["seeds"], record_every=run["record_every"],
                         metrics=run["metrics"], seed=run["seed"], progress=progress, precision=run["precision"])
        trace.config["label"] = label
        results.append(RunResult(game.name, label, trace))
    return results


def results_frame(results: list[RunResult]):
    import pandas as pd

    frames = []
    for r in results:
        frame = r.trace.to_frame()
        frame.insert(0, "learner", r.learner)
        frame.insert(0, "game", r.game)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def summary_rows(results: list[RunResult]) -> list[dict]:
    """One row per (game, learner, metric): final value's mean and std over seeds, and the wall time."""
    rows = []
    for r in results:
        for metric, (mean, std) in r.trace.summary().items():
            rows.append({"game": r.game, "learner": r.learner, "metric": metric, "mean": mean, "std": std,
                         "seeds": int(r.trace.seeds.size), "steps": int(r.trace.steps[-1]),
                         "seconds": round(r.trace.wall_time, 2)})
    return rows


def format_table(rows: list[dict], columns: list[str]) -> str:
    """A plain-text table (what the CLI prints)."""
    cells = [[str(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(line[i]) for line in cells)) if cells else len(c) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(line, widths)) for line in cells]
    return "\n".join(lines)


def write_outputs(results: list[RunResult], config: dict, output: str | Path) -> Path:
    """Write ``trace.parquet``, ``config.json`` and ``figure.png`` into ``output`` (each atomically)."""
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    write_parquet(output / "trace.parquet", results_frame(results))
    write_json(output / "config.json", {
        "config": config,
        "runs": [{"game": r.game, "learner": r.learner, **r.trace.config, "wall_time": r.trace.wall_time}
                 for r in results],
        "machine": machine_info(),
    })
    groups: dict[str, list] = {}
    for r in results:
        groups.setdefault(r.game, []).append(r.trace)
    fig = plot_traces(groups, results[0].trace.config["metrics"][0])
    save_figure(output / "figure.png", fig)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return output


def mean_pm_std(mean: float, std: float) -> str:
    return f"{mean:.4g} ± {std:.2g}" if np.isfinite(mean) else "nan"
