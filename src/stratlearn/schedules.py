"""Step-size schedules shared by learners and populations.

A schedule is a small frozen (hashable) object; ``schedule(k)`` gives the step size at iteration ``k = 0, 1, ...``
and works on Python ints and on JAX integers inside ``jit``. ``schedule.largest`` is the largest value the schedule
ever takes, which learners use to check that a step size stays in its allowed range before a run starts.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp

from .errors import InvalidParameterError, check_in_range, check_positive

__all__ = ["Schedule", "Constant", "Harmonic", "constant", "harmonic", "as_schedule"]


class Schedule:
    """Base class: a map from the iteration index ``k`` to a step size."""

    def __call__(self, k):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def largest(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def decay(self) -> float:
        """The exponent ``p`` with ``step_k ≍ k^{-p}`` as ``k → ∞`` (0 for a constant step); two schedules' ratio
        ``slow_k/fast_k`` vanishes exactly when the slow one's ``decay`` is larger."""
        raise NotImplementedError  # pragma: no cover - abstract


@dataclass(frozen=True)
class Constant(Schedule):
    """``step_k = value`` for every k."""

    value: float

    def __post_init__(self):
        object.__setattr__(self, "value", check_positive("constant.value", self.value))

    def __call__(self, k):
        return jnp.full(jnp.shape(k), self.value, dtype=jnp.result_type(float))

    @property
    def largest(self) -> float:
        return self.value

    @property
    def decay(self) -> float:
        return 0.0


@dataclass(frozen=True)
class Harmonic(Schedule):
    """``step_k = a / (k + h) ** power``, the family ``α_k = α/(k+h)^z`` of [1], Theorem 2.1.

    ``power = 0`` is a constant step, ``power = 1`` the classic ``a/(k+h)``.
    """

    a: float
    h: float = 1.0
    power: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "a", check_positive("harmonic.a", self.a))
        object.__setattr__(self, "h", check_positive("harmonic.h", self.h))
        object.__setattr__(self, "power", check_in_range("harmonic.power", self.power, 0.0, 1.0))

    def __call__(self, k):
        return self.a / (jnp.asarray(k, dtype=jnp.result_type(float)) + self.h) ** self.power

    @property
    def largest(self) -> float:
        return self.a / self.h ** self.power

    @property
    def decay(self) -> float:
        return float(self.power)


def constant(value: float) -> Constant:
    """A constant step size ``value`` (> 0)."""
    return Constant(value)


def harmonic(a: float, h: float = 1.0, power: float = 1.0) -> Harmonic:
    """The decaying step size ``a / (k + h) ** power`` with ``a, h > 0`` and ``power`` in [0, 1]."""
    return Harmonic(a, h, power)


def as_schedule(field: str, value) -> Schedule:
    """Accept a :class:`Schedule`, a positive number (a constant step) or a config table
    ``{"kind": "harmonic", "a": ..., "h": ..., "power": ...}`` / ``{"kind": "constant", "value": ...}``."""
    if isinstance(value, Schedule):
        return value
    if isinstance(value, dict):
        spec = dict(value)
        kind = spec.pop("kind", None)
        makers = {"constant": constant, "harmonic": harmonic}
        if kind not in makers:
            raise InvalidParameterError(
                f"{field}.kind={kind!r}: expected one of {', '.join(sorted(makers))}")
        try:
            return makers[kind](**spec)
        except TypeError as exc:
            raise InvalidParameterError(f"{field}: bad arguments for a {kind} schedule: {exc}") from None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return constant(check_positive(field, value))
    raise InvalidParameterError(
        f"{field}={value!r}: expected a schedule (sl.schedules.constant/harmonic), a number > 0 "
        f"or a table with a 'kind' key")
