"""Running things: the simulate engine, configs, sweeps, the result store, executors and reports.

The names below are imported when first used (:mod:`stratlearn._lazy`), so that the command line reads and checks a
config (and reports its errors) before JAX is imported."""

from .._lazy import lazy_attributes

__all__ = ["simulate", "seed_keys", "Trace", "Dataset", "DataFileError", "digits", "breast_cancer",
           "mnist1d", "load_table", "resume_corpus", "decode"]

__getattr__, __dir__ = lazy_attributes(__name__, globals(), {
    "simulate": ".engine", "seed_keys": ".engine", "Trace": "..trace",
    **{name: ".datasets" for name in ("Dataset", "DataFileError", "breast_cancer", "decode", "digits", "load_table",
                                      "mnist1d", "resume_corpus")}})
