import os

# Tests run on the CPU with JAX's default precision; keep XLA from grabbing every core's threads twice over.
os.environ.setdefault("JAX_PLATFORMS", "cpu")
# the same two CPU devices a user gets from `import stratlearn` (set here because some tests import jax first)
if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2").strip()

import matplotlib

matplotlib.use("Agg")

from hypothesis import HealthCheck, settings

# Fixed derandomized examples: the suite gives the same verdict on every run (DEVELOPERS.md: fixed seeds).
settings.register_profile("stratlearn", deadline=None, max_examples=40, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("stratlearn")


import gc
import sys

import pytest


@pytest.fixture(autouse=True, scope="module")
def _release_compiled_programs():
    """After each test module, drop JAX's compiled programs. Every XLA CPU executable holds about 20 memory maps
    until its cache entry goes; the whole suite compiles thousands of programs, and one process past the kernel's
    ``vm.max_map_count`` (65,530 by default) dies with a segmentation fault inside a later compilation (seen in
    ``make test`` near its 1,000th test). Modules share few programs, so the recompilations cost little."""
    yield
    if "jax" in sys.modules:
        sys.modules["jax"].clear_caches()
        gc.collect()
