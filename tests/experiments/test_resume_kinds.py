"""Every kind of point resumes after SIGKILL: a study's points (a few of them, at a small size) are run into a store
by a process that is killed once some are stored; the rerun recomputes none of the stored ones, and the store ends
equal, value for value, to an uninterrupted run's.

One case per kind: ``simulate`` (a learner on a game), ``leader`` (the tolls study: a leader with its followers),
and the two studies' own kinds (``distribution-shift``: population PDE solves; ``collective-action``: sweeps of
trained classifiers). The sweep command's own SIGKILL test is ``test_sweep_cli.py``.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from stratlearn.experiments.store import ResultStore

# run the chosen points of a study at a size with overrides into a store (argv: study, size, overrides as JSON,
# roles comma-separated, store folder); prints nothing, exits 0 when every point is stored
SCRIPT = """
import json, sys
from stratlearn.experiments.store import ResultStore
from stratlearn.experiments.sweep import run_sweep
from stratlearn.studies import STUDIES
from stratlearn.studies.base import Size

study, size, overrides, roles, out = sys.argv[1:]
roles = roles.split(",")
points = [p for p in STUDIES[study].points(Size(size, json.loads(overrides))) if p.tags["role"] in roles]
assert len(points) == len(roles), [p.tags["role"] for p in points]
summary = run_sweep(points, ResultStore.open(out, create=True), progress=False)
print(json.dumps({"skipped": summary.skipped, "computed": len(summary.computed)}))
"""

CASES = {
    "simulate": ("frank-wolfe", {}, ["gfw:rps", "extragradient:rps", "optimistic:rps", "gfw-stochastic:rps",
                                     "gfw:matching-pennies"]),
    "leader": ("tolls", {}, ["braess:0", "braess:1", "braess:2", "braess:3", "braess-myopic"]),
    "distribution-shift": ("distribution-shift",
                           {"cells": 40, "t_limits": 2.0, "t_polar": 2.0, "rounds": 2, "t_groups": 2.0,
                            "cells_2d": 8, "t_2d": 1.0, "t_rate": 2.0, "applicants": 300},
                           ["limits", "polarization", "retraining", "groups", "two-dimensional", "credit:0"]),
    "collective-action": ("collective-action",
                          {"synthetic_n": 300, "seeds": 2, "erasing_alphas": [0.1, 0.5],
                           "synthetic_alphas": [0.05, 0.2], "steering_steps": 200, "critical_seeds": 2},
                          ["planting", "erasing", "steering", "feature-only"]),
}


def _command(study, overrides, roles, out):
    return [sys.executable, "-c", SCRIPT, study, "quick", json.dumps(overrides), ",".join(roles), str(out)]


def _frames(path):
    store = ResultStore.open(path)
    return {key: store.read(key) for key in store.keys()}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_killed_run_of_every_kind_resumes_without_recomputing(kind, tmp_path):
    study, overrides, roles = CASES[kind]
    from stratlearn.studies import STUDIES
    from stratlearn.studies.base import Size

    kinds = {p.kind for p in STUDIES[study].points(Size("quick", overrides)) if p.tags["role"] in roles}
    assert kinds == {kind}
    reference = tmp_path / "reference"
    done = subprocess.run(_command(study, overrides, roles, reference), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(ResultStore.open(reference).keys()) == len(roles)

    killed = tmp_path / "killed"
    proc = subprocess.Popen(_command(study, overrides, roles, killed), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    points = killed / "points"
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None:
        if points.exists() and len(list(points.glob("*.parquet"))) >= 1:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed; make its points slower"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    survivors = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in points.glob("*.parquet")}
    assert 1 <= len(survivors) < len(roles)

    rerun = subprocess.run(_command(study, overrides, roles, killed), capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    summary = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert summary == {"skipped": len(survivors), "computed": len(roles) - len(survivors)}
    for name, stamp in survivors.items():          # the stored points are the very same files
        p = points / name
        assert (p.stat().st_ino, p.stat().st_mtime_ns) == stamp
    resumed, uninterrupted = _frames(killed), _frames(reference)
    assert sorted(resumed) == sorted(uninterrupted)
    for key in resumed:
        assert resumed[key].equals(uninterrupted[key]), key
