"""Bridges to other libraries: an OpenSpiel simultaneous-move game as a :class:`~stratlearn.games.MarkovGame`, and a
:class:`~stratlearn.games.MarkovGame` as a PettingZoo ``ParallelEnv``. Both libraries are optional dependencies,
imported when a bridge is called."""

from .openspiel import OpenSpielIndex, from_openspiel, openspiel_index, with_move_number
from .pettingzoo import to_parallel_env

__all__ = ["from_openspiel", "openspiel_index", "OpenSpielIndex", "with_move_number", "to_parallel_env"]
