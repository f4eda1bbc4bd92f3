"""Running things: the simulate engine, traces, figures, configs and atomic file output."""

from . import io
from .simulate import seed_keys, simulate
from ..trace import Trace
from .datasets import (Dataset, DataFileError, breast_cancer, decode, digits, load_table, mnist1d,
                       resume_corpus)

__all__ = ["simulate", "seed_keys", "Trace", "io", "Dataset", "DataFileError", "digits", "breast_cancer",
           "mnist1d", "load_table", "resume_corpus", "decode"]
