"""What is played: immutable, validated game objects (no learning code here)."""

from . import catalog, interop, strategic, vi
from .catalog import GAMES
from .markov import MarkovGame
from .matrix import MatrixGame
from .strategic import ModelClass, NestedClasses, StrategicGame
from .vi import VariationalInequality

__all__ = ["MatrixGame", "MarkovGame", "VariationalInequality", "StrategicGame", "ModelClass", "NestedClasses",
           "catalog", "interop", "strategic", "vi", "GAMES"]
