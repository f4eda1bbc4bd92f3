"""Executors run points and hand each result back to the driver, which writes it to the store.

* :class:`LocalExecutor` (the default): points run one after another in this process; each is one vmapped
  ``simulate`` over its seeds, already spread over the machine's cores.
* :class:`RayExecutor`: each point is a Ray task. Results come back to the driver as tasks finish, so the driver is
  the only writer. A point whose worker or node dies is run again (up to :data:`RETRIES` times, on the nodes that
  are left; a point is a pure function of its seeds, so the rerun returns the same values); a point whose own code
  raises is not retried: it is reported and the others go on. Without an
  address a local Ray runtime is started on 127.0.0.1 only; with ``address="host:port"`` the cluster is checked to
  be reachable within seconds before Ray is asked to connect.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Callable, Iterable

from ..errors import ConfigError, StratlearnError
from .points import Point, kind_runner, run_point

__all__ = ["LocalExecutor", "RayExecutor", "PointFailed", "make_executor", "EXECUTORS", "shared_compilations"]

OnStart = Callable[[Point], None]
OnResult = Callable[[Point, object, dict], None]


class PointFailed(StratlearnError):
    """One or more points failed on their workers; the others were stored."""


class LocalExecutor:
    name = "local"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, points: Iterable[Point], on_result: OnResult, on_start: OnStart | None = None) -> list:
        for point in points:
            if on_start:
                on_start(point)
            frame, info = run_point(point)
            on_result(point, frame, info)
        return []


def _check_reachable(address: str, timeout: float = 3.0) -> None:
    """Fail fast, with a clear message, when a Ray address does not accept TCP connections."""
    target = address.split("://", 1)[-1]
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"--address={address!r}: expected HOST:PORT of a Ray head node (e.g. 10.0.0.5:6379), "
                          f"or 'auto'")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise ConfigError(f"--address={address!r}: no Ray head node reachable there within {timeout:g} s "
                          f"({exc.strerror or exc})") from None


RETRIES = 3
"""How many times :class:`RayExecutor` runs a point again after its worker or node died."""


class RayExecutor:
    """Run each point as a Ray task (see the module docstring)."""

    name = "ray"

    def __init__(self, address: str | None = None, num_cpus: int | None = None):
        if num_cpus is not None and (isinstance(num_cpus, bool) or not isinstance(num_cpus, int) or num_cpus < 1):
            raise ConfigError(f"num_cpus={num_cpus!r}: expected an integer >= 1 (a Ray runtime with no CPUs would "
                              f"wait forever)")
        self.address = address
        self.num_cpus = num_cpus
        self._started = False

    def __enter__(self):
        import os
        import sys

        import builtins

        # Ray may replace print with its own (ray.experimental.tqdm_ray, when a worker's output reaches the driver);
        # it is given back on exit, so that a sweep leaves the process as it found it
        self._print = builtins.print
        local = not self.address or self.address == "auto"
        if local:
            # Ray resolves 127.0.0.1 to the machine's public address unless it runs in its single-machine mode, in
            # which the node address is the loopback one and every Ray server binds to it. The variable is read
            # when Ray is imported and inherited by the processes the runtime starts.
            os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
        try:
            import ray
        except ImportError:
            raise ConfigError("--executor ray: Ray is not installed; install it with "
                              "`pip install 'stratlearn[ray]'` (or `pip install ray`)") from None
        if ray.is_initialized():
            return self
        if not local:
            _check_reachable(self.address)
            ray.init(address=self.address, logging_level="ERROR", log_to_driver=False)
        else:
            if "ray._private.ray_constants" in sys.modules:  # Ray was imported before: switch the mode in place
                sys.modules["ray._private.ray_constants"].ENABLE_RAY_CLUSTER = False
            ray.init(num_cpus=self.num_cpus, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
        self._started = True
        cpus = ray.cluster_resources().get("CPU", 0)
        if cpus < 1:   # every task asks for one CPU: on a cluster without any it would wait forever, silently
            ray.shutdown()
            self._started = False
            raise ConfigError(f"--executor ray: the Ray cluster{' at ' + self.address if self.address else ''} "
                              f"has {cpus:g} CPUs; each point needs one")
        return self

    def __exit__(self, *exc):
        import builtins

        if self._started:
            import ray

            ray.shutdown()
        builtins.print = getattr(self, "_print", builtins.print)
        return False

    def map(self, points: Iterable[Point], on_result: OnResult, on_start: OnStart | None = None) -> list:
        import ray

        # Ray retries a task after a system failure (its worker process or node died), never after an exception
        # raised by the point itself
        remote = ray.remote(num_cpus=1, max_retries=RETRIES)(_run_with)
        pending = {}
        for point in points:
            # the runner of the point's kind travels by reference (its module and name): a worker imports the module
            # that registered it, a study's included, without a registry of its own
            pending[remote.remote(kind_runner(point.kind), point.as_dict())] = point
            point.release()        # the worker builds its own objects from the point's data
            if on_start:
                on_start(point)
        failures = []
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            ref = done[0]
            point = pending.pop(ref)
            try:
                frame, info = ray.get(ref)
            except ray.exceptions.RayError as exc:
                failures.append((point, str(exc).splitlines()[0]))
                continue
            on_result(point, frame, info)
        return failures


def _run_with(runner, data: dict):
    """A Ray task: run the point ``data`` with ``runner`` (its kind's runner)."""
    return runner(Point(**data))


EXECUTORS = {"local": LocalExecutor, "ray": RayExecutor}


def make_executor(name: str = "local", address: str | None = None, num_cpus: int | None = None):
    from ..errors import UnknownNameError

    if name not in EXECUTORS:
        raise UnknownNameError("executor", name, EXECUTORS)
    if name == "local":
        if address:
            raise ConfigError("--address: only used with --executor ray")
        return LocalExecutor()
    return RayExecutor(address=address, num_cpus=num_cpus)


@contextlib.contextmanager
def shared_compilations():
    """Within the block, XLA compilations are kept in a fresh temporary folder and reused: points whose programs
    differ only in traced values (a temperature, a seed) compile once instead of once each (measured: the
    ``frank-wolfe`` study's quick size 71 s → 51 s). Every compilation of any size is kept, the folder is created
    for this block and removed after it, so nothing written by another run or user is ever loaded. A cache folder
    the user has configured for JAX is left in charge."""
    import shutil
    import tempfile

    import jax
    from jax.experimental.compilation_cache import compilation_cache

    if jax.config.jax_compilation_cache_dir:
        yield
        return
    folder = tempfile.mkdtemp(prefix="stratlearn-xla-")
    saved = (jax.config.jax_persistent_cache_min_compile_time_secs,
             jax.config.jax_persistent_cache_min_entry_size_bytes)
    try:
        compilation_cache.reset_cache()
        jax.config.update("jax_compilation_cache_dir", folder)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
        yield
    finally:
        jax.config.update("jax_compilation_cache_dir", None)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", saved[0])
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", saved[1])
        compilation_cache.reset_cache()
        shutil.rmtree(folder, ignore_errors=True)
