"""What is played: immutable, validated game objects (no learning code here)."""

from . import catalog, interop, vi
from .catalog import GAMES
from .markov import MarkovGame
from .matrix import MatrixGame
from .vi import VariationalInequality

__all__ = ["MatrixGame", "MarkovGame", "VariationalInequality", "catalog", "interop", "vi", "GAMES"]
