"""``Trace``: what a run recorded, as arrays, a tidy table and a figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Trace"]


@dataclass
class Trace:
    """The record of one ``simulate`` run.

    Attributes:
        steps: the step counts at which metrics were recorded, shape (records,).
        metrics: metric name -> array of shape (seeds, records).
        final_state: the learner's state after the last step, batched over seeds (a pytree of arrays).
        seeds: the seed indices, shape (seeds,).
        config: the run's configuration (learner hyperparameters, game, steps, ...), JSON-able.
        wall_time: seconds the run took, compilation included.
    """

    steps: np.ndarray
    metrics: dict[str, np.ndarray]
    final_state: Any
    seeds: np.ndarray
    config: dict = field(default_factory=dict)
    wall_time: float = float("nan")

    @property
    def label(self) -> str:
        """The run's label in legends: ``config["label"]`` where the runner set one (a learner's name with the
        parameters that tell it from another of the same name), else the learner's name."""
        return str(self.config.get("label") or self.config.get("learner", {}).get("name", "run"))

    def final(self, metric: str | None = None) -> np.ndarray:
        """The last recorded value of ``metric`` for every seed, shape (seeds,)."""
        return self.metrics[self._metric(metric)][:, -1]

    def summary(self) -> dict[str, tuple[float, float]]:
        """Metric name -> (mean, std) over seeds of the final value."""
        return {name: (float(v[:, -1].mean()), float(v[:, -1].std())) for name, v in self.metrics.items()}

    def _metric(self, metric: str | None) -> str:
        if metric is None:
            return next(iter(self.metrics))
        if metric not in self.metrics:
            from .errors import UnknownNameError

            raise UnknownNameError("metric", metric, self.metrics)
        return metric

    def to_frame(self):
        """A tidy ``pandas.DataFrame`` with columns ``seed, step, metric, value`` (one row per record)."""
        import pandas as pd

        frames = []
        for name, values in self.metrics.items():
            seeds, records = values.shape
            frames.append(pd.DataFrame({
                "seed": np.repeat(self.seeds, records),
                "step": np.tile(self.steps, seeds),
                "metric": name,
                "value": values.reshape(-1),
            }))
        return pd.concat(frames, ignore_index=True)

    def plot(self, metric: str | None = None, *, ax=None, label: str | None = None, band=(0.1, 0.9),
             log: bool = True):
        """Plot the mean of ``metric`` over seeds against steps with a quantile band (10%-90% by default).

        Returns the matplotlib ``Figure``. Pass ``ax`` to draw several traces on one axis.
        """
        from .plots import plot_metric

        return plot_metric(self, self._metric(metric), ax=ax, label=label or self.label, band=band, log=log)
