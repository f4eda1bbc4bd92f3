"""Running things: the simulate engine, configs, sweeps, the result store, executors and reports.

The names below are imported when first used (:mod:`stratlearn._lazy`), so that the command line reads and checks a
config (and reports its errors) before JAX is imported."""

from .._lazy import lazy_attributes

__all__ = ["simulate", "seed_keys", "Trace", "Point", "run_point", "register_kind"]

__getattr__, __dir__ = lazy_attributes(__name__, globals(), {
    "simulate": ".engine", "seed_keys": ".engine", "Trace": "..trace", "Point": ".points", "run_point": ".points",
    "register_kind": ".points"})
