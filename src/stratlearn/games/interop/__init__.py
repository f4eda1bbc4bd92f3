"""Bridges to other libraries: an OpenSpiel game (simultaneous or turn-based) as a :class:`~stratlearn.games.MarkovGame`, and a
:class:`~stratlearn.games.MarkovGame` as a PettingZoo ``ParallelEnv``. Both libraries are optional dependencies,
imported when a bridge is called."""

from .openspiel import WAIT, OpenSpielIndex, from_openspiel, openspiel_index, with_move_number
from .pettingzoo import to_parallel_env

__all__ = ["WAIT", "from_openspiel", "openspiel_index", "OpenSpielIndex", "with_move_number", "to_parallel_env"]
