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

__all__ = ["Claim", "StudyResult", "Study", "StudyData", "fitted_slope", "interval_over_seeds", "bootstrap_interval",
           "STATUSES", "count_statuses", "format_counts"]

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def fitted_slope(steps, values, start: float = 0.0) -> float:
    """Least-squares slope of ``log values`` against ``log steps`` over the records with ``steps >= start`` and a
    positive value (the rate a log-log plot shows)."""
    steps, values = np.asarray(steps, float), np.asarray(values, float)
    keep = (steps >= start) & (values > 0)
    return float(np.polyfit(np.log(steps[keep]), np.log(values[keep]), 1)[0])


STATUSES = ("PASS", "FAIL", "SKIP", "XFAIL", "XPASS")


def interval_over_seeds(values, level: float = 0.95) -> tuple[float, float]:
    """Student-t confidence interval of the mean of per-seed values (one number per seed, seeds independent).

    The t interval is exact for normal per-seed values and close for the sums and averages the studies record; it
    needs at least two seeds (one seed says nothing about the spread)."""
    from scipy import stats

    values = np.asarray(values, float).reshape(-1)
    if values.size < 2:
        raise ValueError(f"values: {values.size} seed(s); a confidence interval over seeds needs at least 2")
    if not np.all(np.isfinite(values)):
        return float("nan"), float("nan")
    mean, sem = float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))
    half = float(stats.t.ppf(0.5 + level / 2, values.size - 1)) * sem
    return mean - half, mean + half


def bootstrap_interval(values, statistic: Callable[[np.ndarray], float], *, level: float = 0.95,
                       resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval over seeds of a statistic of the seed-by-record array ``values`` (rows are
    seeds), for statistics that are not a mean of per-seed numbers (e.g. the slope of the mean curve). The resampling
    uses a fixed generator, so the interval is the same on every machine for the same values."""
    values = np.asarray(values, float)
    if values.shape[0] < 2:
        raise ValueError(f"values: {values.shape[0]} seed(s); a bootstrap over seeds needs at least 2")
    rng = np.random.default_rng(seed)
    draws = [statistic(values[rng.integers(0, values.shape[0], values.shape[0])]) for _ in range(resamples)]
    # quantiles taken at drawn values (no interpolation), so a statistic that can be +inf ("never reached") stays
    # well defined
    low, high = np.quantile(draws, [0.5 - level / 2, 0.5 + level / 2], method="inverted_cdf")
    return float(low), float(high)


@dataclass(frozen=True)
class Claim:
    """A sentence from a paper (or an issue) with its measured value, the threshold and the verdict.

    ``met`` is computed from ``decisive comparison threshold``. For a claim over seeds, ``interval`` is the 95%
    confidence interval of the measured value (``seeds`` of them) and the verdict is taken at the end of the interval
    that is hardest for the claim: the upper end for ``<``/``<=``, the lower end for ``>``/``>=``. So a verdict holds
    with 95% confidence and does not flip with the base seed.

    ``status`` is one of :data:`STATUSES`:

    * ``PASS`` / ``FAIL``: the claim was measured and holds / does not hold. A claim that does not reproduce is reported
      as failing with its measured value, never hidden.
    * ``SKIP``: ``skip`` says why it could not be measured (an optional dependency or input is missing, with the
      command that installs it). Never a crash, never a FAIL.
    * ``XFAIL`` / ``XPASS``: ``xfail`` documents why the result is expected not to reproduce (an honest finding listed
      in ``docs/studies.md``); it is measured all the same, and a marked claim that starts holding is reported as
      ``XPASS`` so the mark can be removed.
    """

    text: str
    measured: float
    comparison: str
    threshold: float
    detail: str = ""
    interval: tuple[float, float] | None = None
    seeds: int | None = None
    skip: str = ""
    xfail: str = ""

    def __post_init__(self):
        if self.comparison not in _OPS:
            raise ValueError(f"comparison={self.comparison!r}: expected one of {', '.join(_OPS)}")
        if self.interval is not None:
            low, high = (float(v) for v in self.interval)
            object.__setattr__(self, "interval", (low, high))
            if low > high:
                raise ValueError(f"interval={self.interval!r}: expected (low, high) with low <= high")

    @classmethod
    def over_seeds(cls, text: str, per_seed, comparison: str, threshold: float, detail: str = "",
                   xfail: str = "") -> "Claim":
        """A claim on the mean of one number per seed, decided at the end of its 95% t interval."""
        per_seed = np.asarray(per_seed, float).reshape(-1)
        return cls(text, float(per_seed.mean()), comparison, threshold, detail=detail,
                   interval=interval_over_seeds(per_seed), seeds=int(per_seed.size), xfail=xfail)

    @classmethod
    def bootstrap(cls, text: str, values, statistic: Callable[[np.ndarray], float], comparison: str,
                  threshold: float, detail: str = "", xfail: str = "") -> "Claim":
        """A claim on a statistic of the whole seed-by-record array (rows are seeds) that is not a mean of per-seed
        numbers, such as the slope of the mean curve; decided at the end of its 95% bootstrap interval over seeds."""
        values = np.asarray(values, float)
        return cls(text, float(statistic(values)), comparison, threshold, detail=detail,
                   interval=bootstrap_interval(values, statistic), seeds=int(values.shape[0]), xfail=xfail)

    @classmethod
    def proportion(cls, text: str, outcomes, comparison: str, threshold: float, detail: str = "",
                   xfail: str = "") -> "Claim":
        """A claim on a success rate over independent trials (one boolean per trial or seed), decided at the end of
        its exact (Clopper-Pearson) 95% interval."""
        from scipy import stats

        outcomes = np.asarray(outcomes, bool).reshape(-1)
        ci = stats.binomtest(int(outcomes.sum()), int(outcomes.size)).proportion_ci(0.95, method="exact")
        return cls(text, float(outcomes.mean()), comparison, threshold, detail=detail, interval=(ci.low, ci.high),
                   seeds=int(outcomes.size), xfail=xfail)

    @classmethod
    def skipped(cls, text: str, comparison: str, threshold: float, reason: str) -> "Claim":
        """A claim that could not be measured; ``reason`` says why and how to make it measurable."""
        return cls(text, float("nan"), comparison, threshold, skip=reason)

    @property
    def decisive(self) -> float:
        """The value the verdict is taken at: the measured value, or the end of its interval hardest for the claim."""
        if self.interval is None:
            return float(self.measured)
        return self.interval[1] if self.comparison in ("<", "<=") else self.interval[0]

    @property
    def met(self) -> bool:
        # NaN compares false, so a missing measurement fails; +inf ("never reached") fails any "<" claim
        return bool(_OPS[self.comparison](self.decisive, self.threshold))

    @property
    def passed(self) -> bool:
        """Whether the claim's condition holds (``met``); see ``status`` for SKIP and expected failures."""
        return self.met

    @property
    def status(self) -> str:
        if self.skip:
            return "SKIP"
        if self.xfail:
            return "XPASS" if self.met else "XFAIL"
        return "PASS" if self.met else "FAIL"

    def as_dict(self) -> dict:
        return {"claim": self.text, "measured": float(self.measured), "comparison": self.comparison,
                "threshold": float(self.threshold), "passed": self.passed, "status": self.status,
                "interval": list(self.interval) if self.interval is not None else None, "seeds": self.seeds,
                "skip": self.skip, "xfail": self.xfail, "detail": self.detail}


def count_statuses(statuses) -> dict[str, int]:
    """How many claims have each status, in the order of :data:`STATUSES`."""
    statuses = list(statuses)
    return {s: statuses.count(s) for s in STATUSES}


def format_counts(counts: dict[str, int]) -> str:
    """``N passed, M failed, K skipped, X xfailed`` (and ``Y xpassed`` when there are any)."""
    text = (f"{counts.get('PASS', 0)} passed, {counts.get('FAIL', 0)} failed, {counts.get('SKIP', 0)} skipped, "
            f"{counts.get('XFAIL', 0)} xfailed")
    return text + (f", {counts['XPASS']} xpassed" if counts.get("XPASS") else "")


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
