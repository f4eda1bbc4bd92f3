"""What is played: immutable, validated game objects (no learning code here)."""

from . import catalog, interop, routing, stackelberg, strategic, vi
from .catalog import GAMES
from .markov import MarkovGame
from .matrix import MatrixGame
from .routing import Demand, Network
from .stackelberg import FiniteStackelbergGame
from .strategic import ModelClass, NestedClasses, StrategicGame
from .vi import Box, VariationalInequality

__all__ = ["MatrixGame", "MarkovGame", "VariationalInequality", "StrategicGame", "ModelClass", "NestedClasses",
           "Network", "Demand", "FiniteStackelbergGame", "Box",
           "catalog", "interop", "routing", "stackelberg", "strategic", "vi", "GAMES"]
