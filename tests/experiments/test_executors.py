"""The Ray executor against a real local Ray runtime (2 CPUs, 127.0.0.1), compared with the local executor."""

import pandas as pd
import pytest

from stratlearn.errors import ConfigError
from stratlearn.experiments.executors import LocalExecutor, RayExecutor, make_executor
from stratlearn.experiments.points import Point
from stratlearn.experiments.store import ResultStore
from stratlearn.experiments.sweep import run_sweep

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'stratlearn[ray]'")

POINTS = [Point(game={"name": "random_zero_sum", "rows": 4, "seed": s},
                learner={"name": "dsbr", "temperature": 0.1, "step_size": 0.05},
                run={"steps": 2000, "seeds": 4, "record_every": 500, "metrics": ["nash_gap"], "seed": 0})
          for s in range(3)]


def _ray_listening_addresses():
    import psutil

    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        text = " ".join([proc.info["name"] or "", *(proc.info["cmdline"] or [])])
        if not any(tag in text for tag in ("gcs_server", "raylet", "ray::", "ray/_private", "dashboard")):
            continue
        try:
            conns = proc.net_connections(kind="tcp") if hasattr(proc, "net_connections") else proc.connections("tcp")
        except (psutil.AccessDenied, psutil.NoSuchProcess):
            continue
        found += [(c.laddr.ip, c.laddr.port) for c in conns if c.status == psutil.CONN_LISTEN]
    return found


def test_ray_sweep_equals_local_sweep(tmp_path):
    local = ResultStore.open(tmp_path / "local", create=True)
    run_sweep(POINTS, local, executor=LocalExecutor(), progress=False)
    remote = ResultStore.open(tmp_path / "ray", create=True)
    with RayExecutor(num_cpus=2) as executor:
        nodes = ray.nodes()
        assert nodes and all(n["NodeManagerAddress"] == "127.0.0.1" for n in nodes)
        summary = run_sweep(POINTS, remote, executor=executor, progress=False)
        # every socket the runtime's processes listen on is bound to the loopback address
        listening = _ray_listening_addresses()
        assert listening, "found no listening Ray sockets to check"
        assert all(ip in ("127.0.0.1", "::ffff:127.0.0.1") for ip, _ in listening), listening
    assert not ray.is_initialized()
    assert len(summary.computed) == 3
    for p in POINTS:
        pd.testing.assert_frame_equal(remote.read(p), local.read(p), check_exact=True)


def test_every_kind_of_point_runs_on_ray_as_it_runs_locally(tmp_path):
    # a leader point (an engine kind) and a study's own kind: the worker gets the kind's runner by reference and
    # imports the module that registered it; values equal the local executor's, entry for entry
    from stratlearn.studies import STUDIES
    from stratlearn.studies.base import Size

    tolls = [p for p in STUDIES["tolls"].points("quick") if p.tags["role"] in ("braess:0", "braess-myopic")]
    size = Size("quick", {"cells": 40, "t_groups": 2.0, "applicants": 300})
    shift = [p for p in STUDIES["distribution-shift"].points(size) if p.tags["role"] in ("groups", "credit:0")]
    points = tolls + shift
    assert {p.kind for p in points} == {"leader", "distribution-shift"}
    local = ResultStore.open(tmp_path / "local", create=True)
    run_sweep(points, local, executor=LocalExecutor(), progress=False)
    remote = ResultStore.open(tmp_path / "ray", create=True)
    with RayExecutor(num_cpus=2) as executor:
        summary = run_sweep(points, remote, executor=executor, progress=False)
    assert len(summary.computed) == len(points)
    for p in points:
        pd.testing.assert_frame_equal(remote.read(p), local.read(p), check_exact=True)
        assert remote.meta(p)["info"].get("shapes") == local.meta(p)["info"].get("shapes")


def test_unreachable_address_fails_with_a_clear_error():
    # no assertion on how long it takes (timings never go into tests): the error names the address
    with pytest.raises(ConfigError, match="127.0.0.1:1"):
        with RayExecutor(address="127.0.0.1:1"):
            pass
    with pytest.raises(ConfigError, match="HOST:PORT"):
        with RayExecutor(address="nonsense"):
            pass


def test_executor_names():
    assert isinstance(make_executor("local"), LocalExecutor)
    with pytest.raises(ConfigError, match="--address"):
        make_executor("local", address="127.0.0.1:6379")


def test_shared_compilations_reuse_within_the_block_and_leave_nothing_behind():
    """Two jitted functions with the same program compile once inside the block (the second is read back from
    the block's own folder); afterwards the folder is gone and JAX's settings are as before."""
    from pathlib import Path

    import jax
    import jax.numpy as jnp

    from stratlearn.experiments.executors import shared_compilations

    before = (jax.config.jax_compilation_cache_dir, jax.config.jax_persistent_cache_min_compile_time_secs)
    with shared_compilations():
        folder = Path(jax.config.jax_compilation_cache_dir)
        assert folder.is_dir() and folder.name.startswith("stratlearn-xla-")
        jax.jit(lambda x: jnp.sin(x) * 3.25 + 1.0)(jnp.arange(7.0)).block_until_ready()
        assert any(folder.iterdir())                    # the compilation was written
    assert not folder.exists()
    assert (jax.config.jax_compilation_cache_dir, jax.config.jax_persistent_cache_min_compile_time_secs) == before


def test_a_cluster_that_loses_a_worker_node_part_way_finishes_with_the_local_results(tmp_path, monkeypatch):
    """A real multi-node Ray cluster on this machine (a head with no CPUs and two one-CPU worker nodes, every node
    on 127.0.0.1): one worker node is removed, with all its processes, as soon as the first point is stored; the
    points it was running are run again on the node that is left, and every stored value equals the local
    executor's. The points are a study's own (the first eight of matrix-games at the quick size, shortened)."""
    import threading

    from ray._private import ray_constants
    from ray.cluster_utils import Cluster

    from stratlearn.studies import STUDIES

    # the study's games and learners, with a tenth of the samples (the test is about the executor, not the claims)
    import builtins

    print_before = builtins.print
    points = [Point(p.game, p.learner, {**p.run, "steps": p.run["steps"] // 10,
                                        "record_every": p.run["record_every"] // 10}, tags=p.tags)
              for p in STUDIES["matrix-games"].points("quick")[:8]]
    local = ResultStore.open(tmp_path / "local", create=True)
    run_sweep(points, local, executor=LocalExecutor(), progress=False)

    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")   # every node on the loopback address
    monkeypatch.setattr(ray_constants, "ENABLE_RAY_CLUSTER", False)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "node_ip_address": "127.0.0.1",
                                                            "include_dashboard": False})
    try:
        workers = [cluster.add_node(num_cpus=1, node_ip_address="127.0.0.1") for _ in range(2)]
        cluster.wait_for_nodes()
        remote = ResultStore.open(tmp_path / "ray", create=True)
        removed = threading.Event()
        original_write = remote.write

        def write_then_remove(*args, **kwargs):
            out = original_write(*args, **kwargs)
            if not removed.is_set():
                removed.set()
                cluster.remove_node(workers[1], allow_graceful=False)
            return out

        monkeypatch.setattr(remote, "write", write_then_remove)
        with RayExecutor(address=cluster.address) as executor:
            assert {n["NodeManagerAddress"] for n in ray.nodes()} == {"127.0.0.1"}
            summary = run_sweep(points, remote, executor=executor, progress=False)
        assert removed.is_set() and not workers[1].any_processes_alive()   # the node is gone, all its processes
        import builtins

        assert builtins.print is print_before     # Ray's print replacement is undone on exit (the test suite's
        # later tests saw Ray's safe_print where they named the built-in print)
        assert len(summary.computed) == len(points) and not summary.failed
    finally:
        cluster.shutdown()
    for p in points:
        pd.testing.assert_frame_equal(remote.read(p), local.read(p), check_exact=True)
