"""Exception types raised on bad input, and the small checks that raise them.

Every error stratlearn raises for a user's mistake is a subclass of :class:`StratlearnError`, itself a
:class:`ValueError`, so ``except ValueError`` keeps working. Messages name the field, show the bad value and
say what was expected, e.g. ``temperature=-0.1: expected a number > 0``.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

__all__ = [
    "check_seed",
    "check_memory",
    "DataWarning",
    "MAX_SEED",
    "StratlearnError",
    "InvalidGameError",
    "InvalidParameterError",
    "ConfigError",
    "ModelNotAllowedError",
    "StudyError",
    "UnknownNameError",
    "DataError",
    "ChecksumError",
    "check_positive",
    "check_in_range",
    "check_positive_int",
    "check_finite_array",
]


class StratlearnError(ValueError):
    """Base class of every input error stratlearn raises."""


class InvalidGameError(StratlearnError):
    """A game's arrays are malformed: wrong shape, non-finite entries, empty action sets."""


class InvalidParameterError(StratlearnError):
    """A hyperparameter, step size or run setting lies outside its allowed range."""


class ConfigError(StratlearnError):
    """A configuration file cannot be read or does not describe a valid experiment."""


class ModelNotAllowedError(ConfigError):
    """A model name (``model.name`` of ``stratlearn collective audit``) that is not an allowed scikit-learn-style
    classifier class. It is raised before anything named by the config is called or instantiated, and before a
    module outside the allow-list is imported; the message names the field, the value and what was expected."""


class StudyError(StratlearnError):
    """A study of ``stratlearn reproduce`` stopped with an error; the message names it (its output is printed)."""


class UnknownNameError(StratlearnError):
    """A name (of a game, learner, metric, ...) is not registered; the message lists the valid names."""

    def __init__(self, kind: str, name: Any, valid: Iterable[str]):
        self.kind = kind
        self.name = name
        self.valid = sorted(valid)
        super().__init__(f"unknown {kind} {name!r}{did_you_mean(name, self.valid)}: expected one of "
                         f"{', '.join(self.valid)}")


def did_you_mean(name: Any, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to a mistyped ``name`` (difflib), or ``""`` when none is
    close: the one suggestion every "unknown name" message of stratlearn gives."""
    import difflib

    close = difflib.get_close_matches(str(name), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class DataWarning(UserWarning):
    """A data file was loaded but disagrees with itself (e.g. a trips file whose entries do not sum to its header's
    total); the message gives both numbers."""


class DataError(StratlearnError):
    """A data set cannot be had: an unknown network name, files missing from the package and the cache, or a
    download that failed; the message names the value and says what to run (e.g. ``stratlearn data fetch NAME``)."""


class ChecksumError(DataError):
    """A fetched file's SHA-256 checksum differs from the one stratlearn records; the message names the file and
    both checksums, and the file is not kept."""


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_positive(field: str, value: Any, *, allow_zero: bool = False, error=InvalidParameterError) -> float:
    """Return ``value`` as a float after checking it is a finite number > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise error(f"{field}={_describe(value)}: expected a number {'>= 0' if allow_zero else '> 0'}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise error(f"{field}={_describe(value)}: expected a finite number {'>= 0' if allow_zero else '> 0'}")
    return value


def check_in_range(field: str, value: Any, low: float, high: float, *, low_open: bool = False,
                   high_open: bool = False, error=InvalidParameterError) -> float:
    """Return ``value`` as a float after checking it lies in the interval from ``low`` to ``high``."""
    interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise error(f"{field}={_describe(value)}: expected a number in {interval}")
    value = float(value)
    ok = math.isfinite(value) and (value > low if low_open else value >= low) and (
        value < high if high_open else value <= high)
    if not ok:
        raise error(f"{field}={_describe(value)}: expected a number in {interval}")
    return value


def check_positive_int(field: str, value: Any, *, error=InvalidParameterError) -> int:
    """Return ``value`` as an int after checking it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise error(f"{field}={_describe(value)}: expected an integer >= 1")
    return int(value)


def available_memory() -> int | None:
    """Bytes of memory available to allocate now (Linux's ``MemAvailable``; physical memory elsewhere), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import os

        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(what: str, nbytes: float) -> None:
    """Refuse, before allocating, an array of ``nbytes`` that does not fit in the memory available now, naming
    ``what`` (the field and its value) and the estimate."""
    free = available_memory()
    if free is not None and nbytes > free:
        raise InvalidParameterError(f"{what}: needs about {nbytes / 2**30:.3g} GiB, more than the "
                                    f"{free / 2**30:.3g} GiB of memory available; choose a smaller size")


MAX_SEED = 2**32 - 1
"""The largest seed of a simulated run: JAX's keys hold 32 bits, so a larger seed would alias a smaller one."""


def check_seed(seed: Any, field: str = "seed", maximum: int | None = None) -> int:
    """Return ``seed`` as an int after checking it is an integer >= 0 (and at most ``maximum`` when given: a JAX run's
    seeds stop at :data:`MAX_SEED`, where 2^32 would alias 0)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidParameterError(f"{field}={_describe(seed)}: expected an integer >= 0"
                                    + (f" and <= {maximum}" if maximum is not None else ""))
    if maximum is not None and seed > maximum:
        raise InvalidParameterError(f"{field}={int(seed)}: expected an integer in [0, {maximum}] (seeds are 32-bit; "
                                    f"a larger one would repeat a smaller one's random numbers)")
    return int(seed)


def check_finite_array(field: str, value: Any, *, ndim: int | None = None, error=InvalidGameError) -> np.ndarray:
    """Convert ``value`` to a float64 NumPy array and check that it holds real numbers (no text, complex numbers or
    other objects, which NumPy would otherwise parse or truncate), its rank, emptiness and finiteness."""
    try:
        raw = np.asarray(value)
        array = np.asarray(raw, dtype=np.float64) if raw.dtype.kind in "biuf" else None
    except (TypeError, ValueError) as exc:
        raise error(f"{field}: expected an array of numbers, got {_describe(value)} ({exc})") from None
    if array is None:
        kind = {"c": "complex numbers", "U": "text", "S": "bytes", "O": "objects"}.get(raw.dtype.kind, raw.dtype.name)
        raise error(f"{field}: expected an array of numbers, got {kind} ({_describe(value)}); only real numbers are "
                    f"accepted")
    if ndim is not None and array.ndim != ndim:
        raise error(f"{field}: expected a {ndim}-D array, got shape {array.shape}")
    if array.size == 0:
        raise error(f"{field}: expected a non-empty array (every player needs at least one action), "
                    f"got shape {array.shape}")
    bad = ~np.isfinite(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise error(f"{field}: expected finite numbers, found {array[index]} at index {index}")
    return array
