"""What a study is: a paper's experiment at a quick and a full size, ending in a table of checked claims.

A study lists its runs as :class:`~stratlearn.experiments.points.Point` objects (each tagged with a role), so they
go through the same executors and result store as a sweep: ``stratlearn reproduce`` is resumable and can run on Ray.
``analyze`` then turns the stored traces into claims, tables and figures.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["Claim", "StudyResult", "Study", "StudyData", "fitted_slope"]

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def fitted_slope(steps, values, start: float = 0.0) -> float:
    """Least-squares slope of ``log values`` against ``log steps`` over the records with ``steps >= start`` and a
    positive value (the rate a log-log plot shows)."""
    steps, values = np.asarray(steps, float), np.asarray(values, float)
    keep = (steps >= start) & (values > 0)
    return float(np.polyfit(np.log(steps[keep]), np.log(values[keep]), 1)[0])


@dataclass(frozen=True)
class Claim:
    """A sentence from a paper (or an issue) with its measured value, the threshold and the verdict.

    ``passed`` is computed from ``measured comparison threshold``; a claim that does not reproduce is reported as
    failing with its measured value, never hidden.
    """

    text: str
    measured: float
    comparison: str
    threshold: float
    detail: str = ""

    def __post_init__(self):
        if self.comparison not in _OPS:
            raise ValueError(f"comparison={self.comparison!r}: expected one of {', '.join(_OPS)}")

    @property
    def passed(self) -> bool:
        # NaN compares false, so a missing measurement fails; +inf ("never reached") fails any "<" claim
        return bool(_OPS[self.comparison](self.measured, self.threshold))

    def as_dict(self) -> dict:
        return {"claim": self.text, "measured": float(self.measured), "comparison": self.comparison,
                "threshold": float(self.threshold), "passed": self.passed, "detail": self.detail}


@dataclass
class StudyResult:
    """Claims, tidy tables (pandas DataFrames) and matplotlib figures produced by one study run."""

    name: str
    size: str
    claims: list[Claim]
    tables: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    wall_time: float = float("nan")

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.claims)


class StudyData:
    """The stored traces of a study's points, looked up by the points' ``role`` tag."""

    def __init__(self, points, store):
        self._points = {p.tags["role"]: p for p in points}
        self._store = store
        self._cache: dict[str, Any] = {}

    def point(self, role: str):
        return self._points[role]

    def metric(self, role: str, metric: str = "nash_gap") -> tuple[np.ndarray, np.ndarray]:
        """``(steps, values)`` with ``values`` of shape (seeds, records) for the point tagged ``role``."""
        if role not in self._cache:
            self._cache[role] = self._store.read(self._points[role])
        frame = self._cache[role]
        wide = frame[frame.metric == metric].pivot(index="seed", columns="step", values="value")
        return wide.columns.to_numpy(), wide.to_numpy()

    def curves(self):
        """One row per (role, metric, step): the mean over seeds and the 10% and 90% quantiles."""
        import pandas as pd

        rows = []
        for role, point in self._points.items():
            for metric in point.run["metrics"]:
                name = metric.replace(":", "_")
                steps, values = self.metric(role, name)
                low, high = np.quantile(values, [0.1, 0.9], axis=0)
                rows += [{"run": role, "metric": name, "step": int(s), "mean": float(m), "q10": float(a),
                          "q90": float(b)} for s, m, a, b in zip(steps, values.mean(axis=0), low, high)]
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class Study:
    """A registered study: ``points(size)`` lists its runs; ``analyze(size, data)`` returns a :class:`StudyResult`."""

    name: str
    title: str
    paper: str
    points: Callable[[str], list]
    analyze: Callable[[str, StudyData], StudyResult]
