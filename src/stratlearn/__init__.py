"""stratlearn: learning in strategic environments.

``import stratlearn as sl`` gives the sub-packages (``sl.games``, ``sl.equilibria``, ``sl.metrics``,
``sl.learners``, ``sl.schedules``, ``sl.experiments``, ``sl.errors``) and ``sl.simulate``.
"""

import os as _os
import sys as _sys

# One XLA CPU device per core, so that `simulate` can split the seeds of a run across cores (about 2.3x the
# throughput of a single device on a 2-core machine). XLA reads this flag once, when JAX initializes, so it is set
# only if JAX has not been imported yet and the user has not chosen a device count; STRATLEARN_CPU_DEVICES=1 opts out
# (any other number sets the count).
if "jax" not in _sys.modules and "xla_force_host_platform_device_count" not in _os.environ.get("XLA_FLAGS", ""):
    _count = _os.environ.get("STRATLEARN_CPU_DEVICES") or str(_os.cpu_count() or 1)
    if _count.isdigit() and int(_count) > 1:
        _os.environ["XLA_FLAGS"] = (_os.environ.get("XLA_FLAGS", "") +
                                    f" --xla_force_host_platform_device_count={int(_count)}").strip()

from ._version import __version__  # noqa: E402

__all__ = ["errors", "ops", "schedules", "games", "equilibria", "metrics", "learners", "experiments",
           "simulate", "Trace", "__version__"]

# The sub-packages are imported when first used (``sl.games``, ``from stratlearn import learners``): importing
# stratlearn itself does not import JAX, so the command line answers --help, --version and config errors at once.
from ._lazy import lazy_attributes  # noqa: E402

__getattr__, __dir__ = lazy_attributes(__name__, globals(), {"simulate": ".experiments", "Trace": ".trace"},
                                       modules=("errors", "ops", "schedules", "games", "equilibria", "metrics",
                                                "learners", "populations", "experiments", "studies", "plots",
                                                "trace", "files"))
