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

from . import errors, ops, schedules  # noqa: E402,I001  (layer order)
from . import games, equilibria, metrics, learners, populations, experiments  # noqa: E402
from .experiments import Trace, simulate  # noqa: E402
from ._version import __version__  # noqa: E402

__all__ = ["errors", "ops", "schedules", "games", "equilibria", "metrics", "learners", "experiments",
           "simulate", "Trace", "__version__"]
