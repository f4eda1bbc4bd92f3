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
from ..games.markov import MarkovGame
from ..games.matrix import MatrixGame
from ..ops import sample_action  # noqa: F401  (re-exported: the learners draw their actions with it)
from ..schedules import Schedule, as_schedule

__all__ = ["Learner", "LearnerBase", "MatrixLearner", "MarkovLearner", "sample_action", "schedule_param"]


@runtime_checkable
class Learner(Protocol):
    """What :func:`~stratlearn.simulate` calls on a learner: ``init``, ``step`` and ``policy`` as described above,
    ``check_game`` (raise :class:`~stratlearn.errors.InvalidGameError` for a game it cannot play), ``params`` (the
    hyperparameters, JSON-able) and a ``name``. Subclassing :class:`LearnerBase` gives the last three."""

    name: str

    def init(self, game, key) -> Any: ...

    def step(self, game, state, key) -> Any: ...

    def policy(self, game, state) -> Any: ...

    def check_game(self, game) -> None: ...

    def params(self) -> dict: ...


class LearnerBase:
    """The one base class of the learners: a registry ``name``, the game classes it ``plays``, one check of the
    game against them, and a JSON-able view of the hyperparameters. A learner with a condition beyond the game's
    type (a monotone operator, a stated modulus) extends :meth:`check_game` and calls this one first."""

    name: ClassVar[str] = ""
    plays: ClassVar[tuple[type, ...]] = ()
    """The game classes this learner plays (an instance of any of them is accepted); empty: any game."""

    def check_game(self, game) -> None:
        """Raise :class:`InvalidGameError` if ``game`` is not an instance of one of :attr:`plays`."""
        if self.plays and not isinstance(game, self.plays):
            kinds = " or ".join(t.__name__ for t in self.plays)
            raise InvalidGameError(f"game: {type(self).__name__} plays a {kinds}, got {type(game).__name__}")

    def params(self) -> dict:
        """The hyperparameters as a JSON-able dict (schedules become tables with a ``kind``)."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Schedule):
                value = {"kind": type(value).__name__.lower(), **dataclasses.asdict(value)}
            out[f.name] = value
        return out


class MatrixLearner(LearnerBase):
    """Learners of :class:`~stratlearn.games.MatrixGame`.

    Besides :meth:`policy` (what the learner reports, possibly an average), a matrix learner says what it plays:
    :meth:`play` is the mixed profile its next step draws its actions from (or plays, if deterministic). The engine
    averages ``play``'s product over the steps of a run for the metrics of joint play (``ce_gap``, ``cce_gap``)."""

    plays = (MatrixGame,)

    def play(self, game, state):
        """The profile ``(x, y)`` the next :meth:`step` plays: by default the reported policy; a learner that
        reports an average of its play (fictitious play, regret matching+) overrides it."""
        return self.policy(game, state)


class MarkovLearner(LearnerBase):
    """Learners of :class:`~stratlearn.games.MarkovGame` (stationary policies of shape (S, A) and (S, B)). Not a
    matrix learner: it plays another kind of game."""

    plays = (MarkovGame,)


def schedule_param(learner, field: str, *, largest: float | None = None) -> None:
    """Normalize ``learner.<field>`` to a :class:`Schedule` and check its largest step is at most ``largest``."""
    schedule = as_schedule(field, getattr(learner, field))
    if largest is not None and schedule.largest > largest:
        raise InvalidParameterError(
            f"{field}={schedule!r}: its largest step {schedule.largest:g} exceeds {largest:g}; expected steps "
            f"in (0, {largest:g}]")
    object.__setattr__(learner, field, schedule)


