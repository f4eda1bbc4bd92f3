"""The learner protocol (DESIGN.md, "The core protocol") and helpers shared by every learner.

A learner is a frozen dataclass of hyperparameters with three pure methods:

* ``init(game, key) -> state``: a pytree;
* ``step(game, state, key) -> state``: one iteration (one sample, for payoff-based learners);
* ``policy(game, state) -> profile``: the players' current mixed strategies ``(x, y)``.

Because the dataclass is frozen and hashable it can be a static argument of ``jit``; because the state is a pytree it
can be ``vmap``-ed over seeds. Hyperparameters are validated in ``__post_init__``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Protocol, runtime_checkable

from ..errors import InvalidGameError, InvalidParameterError
from ..games.matrix import MatrixGame
from ..ops import sample_action  # noqa: F401  (re-exported: the learners draw their actions with it)
from ..schedules import Schedule, as_schedule

__all__ = ["Learner", "MatrixLearner", "MarkovLearner", "sample_action", "schedule_param"]


@runtime_checkable
class Learner(Protocol):
    """Anything with ``init``, ``step`` and ``policy`` as described above."""

    def init(self, game, key) -> Any: ...

    def step(self, game, state, key) -> Any: ...

    def policy(self, game, state) -> Any: ...


class MatrixLearner:
    """Base class of learners for :class:`~stratlearn.games.MatrixGame`: a registry name, game checking and a
    JSON-able view of the hyperparameters."""

    name: ClassVar[str] = ""

    def check_game(self, game) -> None:
        """Raise :class:`InvalidGameError` if this learner cannot play ``game``."""
        if not isinstance(game, MatrixGame):
            raise InvalidGameError(
                f"game: {type(self).__name__} plays a MatrixGame, got {type(game).__name__}")

    def params(self) -> dict:
        """The hyperparameters as a JSON-able dict (schedules become tables with a ``kind``)."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Schedule):
                value = {"kind": type(value).__name__.lower(), **dataclasses.asdict(value)}
            out[f.name] = value
        return out


class MarkovLearner(MatrixLearner):
    """Base class of learners for :class:`~stratlearn.games.MarkovGame` (stationary policies of shape (S, A) and
    (S, B))."""

    def check_game(self, game) -> None:
        from ..games.markov import MarkovGame

        if not isinstance(game, MarkovGame):
            raise InvalidGameError(
                f"game: {type(self).__name__} plays a MarkovGame, got {type(game).__name__}")


def schedule_param(learner, field: str, *, largest: float | None = None) -> None:
    """Normalize ``learner.<field>`` to a :class:`Schedule` and check its largest step is at most ``largest``."""
    schedule = as_schedule(field, getattr(learner, field))
    if largest is not None and schedule.largest > largest:
        raise InvalidParameterError(
            f"{field}={schedule!r}: its largest step {schedule.largest:g} exceeds {largest:g}; expected steps "
            f"in (0, {largest:g}]")
    object.__setattr__(learner, field, schedule)


