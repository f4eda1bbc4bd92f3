"""What is played: immutable, validated game objects (no learning code here).

The names below are imported when first used (:mod:`stratlearn._lazy`), so that importing one light module of the
package (the TNTP catalogue the command line's help lists) does not import JAX."""

from .._lazy import lazy_attributes

__all__ = ["MatrixGame", "MarkovGame", "VariationalInequality", "StrategicGame", "ModelClass", "NestedClasses",
           "Network", "Demand", "FiniteStackelbergGame", "Box",
           "catalog", "interop", "routing", "stackelberg", "strategic", "vi", "GAMES"]

__getattr__, __dir__ = lazy_attributes(__name__, globals(), {
    "MatrixGame": ".matrix", "MarkovGame": ".markov", "VariationalInequality": ".vi", "Box": ".vi",
    "StrategicGame": ".strategic", "ModelClass": ".strategic", "NestedClasses": ".strategic",
    "Network": ".routing", "Demand": ".routing", "FiniteStackelbergGame": ".stackelberg", "GAMES": ".catalog"},
    modules=("catalog", "interop", "routing", "stackelberg", "strategic", "vi"))
