"""Claims: a sentence from a paper with its measured value, threshold and verdict, decided on an interval over seeds
where the quantity is random; the rules that pair headline claims with their negative controls; fitted log-log
slopes. The engine's vocabulary for checked results, used by the studies and by any run that ends in claims (the
collective-action audit)."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import InvalidParameterError, StudyError

__all__ = ["Claim", "fitted_slope", "interval_over_seeds", "bootstrap_interval", "STATUSES", "count_statuses",
           "format_counts", "check_controls"]

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def fitted_slope(steps, values, start: float = 0.0, *, decades: float | None = None) -> float:
    """Least-squares slope of ``log values`` against ``log steps`` over the records with ``steps >= start`` and a
    positive value (the rate a log-log plot shows).

    ``decades`` fits over the last ``decades`` decades of steps instead (``steps >= steps[-1] / 10**decades``); the
    records must reach back that far, so a rate said to hold "over two decades" is fitted over two."""
    steps, values = np.asarray(steps, float), np.asarray(values, float)
    if decades is not None:
        if isinstance(decades, bool) or not isinstance(decades, (int, float)) or not np.isfinite(decades) \
                or decades <= 0:
            raise InvalidParameterError(f"decades={decades!r}: expected a positive number of decades of steps to "
                                        f"fit the slope over")
        start = steps[-1] / 10.0 ** decades
        if steps[0] > start * (1 + 1e-9):
            raise InvalidParameterError(
                f"decades={decades!r}: the records span {np.log10(steps[-1] / steps[0]):.3g} decades "
                f"({steps[0]:g}..{steps[-1]:g}); record earlier steps or fit over fewer decades")
    keep = (steps >= start) & (values > 0)
    if keep.sum() < 2:
        raise InvalidParameterError(f"values: {int(keep.sum())} positive record(s) from step {start:g} on; a log-log "
                                    f"slope needs at least 2 (a run at zero or rounding level has no rate to fit)")
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

    Headline claims and their negative controls (docs/studies.md, "Rules for claims"). A claim with ``headline=True``
    carries a ``key`` and must be paired with at least one control: a claim with ``control_of=<key>`` that makes the
    same measurement, against the same threshold, on a run that breaks the theorem's condition or removes the paper's
    key ingredient. A control is designed to fail the threshold: its status is ``PASS`` when the comparison does
    *not* hold even at the end of its interval that is easiest for it (so "the control fails" holds with 95%
    confidence), and ``FAIL`` when it holds there, for then the claim could not have failed and tests nothing.
    :class:`StudyResult` refuses a headline claim without a control and a control without its claim.
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
    headline: bool = False
    key: str = ""
    control_of: str = ""

    def __post_init__(self):
        if self.comparison not in _OPS:
            raise ValueError(f"comparison={self.comparison!r}: expected one of {', '.join(_OPS)}")
        for name in ("key", "control_of"):
            if not isinstance(getattr(self, name), str):
                raise InvalidParameterError(f"{name}={getattr(self, name)!r}: expected a string")
        if self.headline and not self.key:
            raise InvalidParameterError(f"key={self.key!r}: a headline claim ({self.text[:60]!r}) needs a key its "
                                        f"controls name in control_of")
        if self.headline and self.control_of:
            raise InvalidParameterError(f"control_of={self.control_of!r}: a claim is a headline claim or a control "
                                        f"({self.text[:60]!r}), not both")
        if self.interval is not None:
            low, high = (float(v) for v in self.interval)
            object.__setattr__(self, "interval", (low, high))
            if low > high:
                raise ValueError(f"interval={self.interval!r}: expected (low, high) with low <= high")

    @classmethod
    def over_seeds(cls, text: str, per_seed, comparison: str, threshold: float, detail: str = "",
                   xfail: str = "", **marks) -> "Claim":
        """A claim on the mean of one number per seed, decided at the end of its 95% t interval. ``marks``:
        ``headline``, ``key``, ``control_of``."""
        per_seed = np.asarray(per_seed, float).reshape(-1)
        return cls(text, float(per_seed.mean()), comparison, threshold, detail=detail,
                   interval=interval_over_seeds(per_seed), seeds=int(per_seed.size), xfail=xfail, **marks)

    @classmethod
    def bootstrap(cls, text: str, values, statistic: Callable[[np.ndarray], float], comparison: str,
                  threshold: float, detail: str = "", xfail: str = "", **marks) -> "Claim":
        """A claim on a statistic of the whole seed-by-record array (rows are seeds) that is not a mean of per-seed
        numbers, such as the slope of the mean curve; decided at the end of its 95% bootstrap interval over seeds."""
        values = np.asarray(values, float)
        return cls(text, float(statistic(values)), comparison, threshold, detail=detail,
                   interval=bootstrap_interval(values, statistic), seeds=int(values.shape[0]), xfail=xfail, **marks)

    @classmethod
    def proportion(cls, text: str, outcomes, comparison: str, threshold: float, detail: str = "",
                   xfail: str = "", **marks) -> "Claim":
        """A claim on a success rate over independent trials (one boolean per trial or seed), decided at the end of
        its exact (Clopper-Pearson) 95% interval."""
        from scipy import stats

        outcomes = np.asarray(outcomes, bool).reshape(-1)
        ci = stats.binomtest(int(outcomes.sum()), int(outcomes.size)).proportion_ci(0.95, method="exact")
        return cls(text, float(outcomes.mean()), comparison, threshold, detail=detail, interval=(ci.low, ci.high),
                   seeds=int(outcomes.size), xfail=xfail, **marks)

    @classmethod
    def skipped(cls, text: str, comparison: str, threshold: float, reason: str) -> "Claim":
        """A claim that could not be measured; ``reason`` says why and how to make it measurable."""
        return cls(text, float("nan"), comparison, threshold, skip=reason)

    @property
    def is_control(self) -> bool:
        return bool(self.control_of)

    @property
    def role(self) -> str:
        """``headline``, ``control`` or ``claim``."""
        return "headline" if self.headline else "control" if self.control_of else "claim"

    @property
    def decisive(self) -> float:
        """The value the verdict is taken at: the measured value, or the end of its interval hardest for the verdict
        (for a claim, the end hardest for the comparison to hold; for a control, the end easiest for it to hold)."""
        if self.interval is None:
            return float(self.measured)
        upper = self.comparison in ("<", "<=")
        return self.interval[1] if upper != self.is_control else self.interval[0]

    @property
    def met(self) -> bool:
        """Whether the comparison holds at :attr:`decisive`."""
        # NaN compares false, so a missing measurement fails; +inf ("never reached") fails any "<" claim
        return bool(_OPS[self.comparison](self.decisive, self.threshold))

    @property
    def passed(self) -> bool:
        """Whether the verdict is favourable: a claim's comparison holds; a control's does not (it fails as
        designed). A control with a missing (NaN) measurement is not favourable: it showed nothing."""
        if self.is_control:
            return not np.isnan(self.decisive) and not self.met
        return self.met

    @property
    def status(self) -> str:
        if self.skip:
            return "SKIP"
        if self.xfail:
            return "XPASS" if self.passed else "XFAIL"
        return "PASS" if self.passed else "FAIL"

    def as_dict(self) -> dict:
        return {"claim": self.text, "measured": float(self.measured), "comparison": self.comparison,
                "threshold": float(self.threshold), "passed": self.passed, "status": self.status,
                "interval": list(self.interval) if self.interval is not None else None, "seeds": self.seeds,
                "skip": self.skip, "xfail": self.xfail, "detail": self.detail, "role": self.role, "key": self.key,
                "control_of": self.control_of}


def check_controls(claims) -> None:
    """Refuse a study's claims unless every headline claim has a negative control and every control names a claim
    of the same study (:class:`~stratlearn.errors.StudyError`, naming the claim)."""
    claims = list(claims)
    keys = [c.key for c in claims if c.key]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise StudyError(f"key={repeated[0]!r}: used by {keys.count(repeated[0])} claims; expected each key once")
    known = set(keys)
    for c in claims:
        if c.control_of and c.control_of not in known:
            raise StudyError(f"control_of={c.control_of!r}: the control {c.text[:70]!r} names no claim of this "
                             f"study; expected one of {sorted(known) or 'the keys of its claims (none given)'}")
    paired = {c.control_of for c in claims if c.control_of}
    for c in claims:
        if c.headline and c.key not in paired:
            raise StudyError(f"headline claim {c.key!r} ({c.text[:70]!r}) has no negative control: add a claim with "
                             f"control_of={c.key!r} measured on a run that breaks the theorem's condition")


def count_statuses(statuses) -> dict[str, int]:
    """How many claims have each status, in the order of :data:`STATUSES`."""
    statuses = list(statuses)
    return {s: statuses.count(s) for s in STATUSES}


def format_counts(counts: dict[str, int]) -> str:
    """``N passed, M failed, K skipped, X xfailed`` (and ``Y xpassed`` when there are any)."""
    text = (f"{counts.get('PASS', 0)} passed, {counts.get('FAIL', 0)} failed, {counts.get('SKIP', 0)} skipped, "
            f"{counts.get('XFAIL', 0)} xfailed")
    return text + (f", {counts['XPASS']} xpassed" if counts.get("XPASS") else "")
