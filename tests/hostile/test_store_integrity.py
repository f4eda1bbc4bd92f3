"""A store that cannot lie or lose: every bit flip of a point file is detected on read, temporary files of live
writers survive a reader, and concurrent sweeps into one store keep every point once (issue "nothing lost")."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from stratlearn.experiments.configs import load_points
from stratlearn.experiments.points import Point
from stratlearn.experiments.store import ResultStore, file_digest
from stratlearn.experiments.sweep import run_sweep

POINT = Point(game={"name": "random_zero_sum", "rows": 2, "seed": 0}, learner={"name": "fictitious_play"},
              run={"steps": 20, "seeds": 1, "record_every": 10, "metrics": ["nash_gap"], "seed": 0})


def _quiet(_):
    pass


def test_every_single_bit_flip_of_a_point_file_is_detected(tmp_path):
    store = ResultStore.open(tmp_path / "s", create=True)
    run_sweep([POINT], store, progress=False, log=_quiet)
    path = store.file(POINT)
    good = path.read_bytes()
    file_digest(good)        # the intact file verifies
    undetected = []
    # all of them, not a sample: 8 flips per byte, each written to the file and read back through the store
    for i in range(len(good)):
        for bit in range(8):
            flipped = bytearray(good)
            flipped[i] ^= 1 << bit
            path.write_bytes(bytes(flipped))
            status, _ = store.status(POINT)
            if status != "corrupt":
                undetected.append((i, bit))
    path.write_bytes(good)
    assert store.status(POINT) == ("ok", None)
    assert not undetected, f"{len(undetected)} of {8 * len(good)} flips not detected, first {undetected[:5]}"


def test_a_renamed_column_and_a_changed_seed_are_caught(tmp_path):
    # the two silent cases of the issue: `seed` renamed `reed` in the footer, and the stored config's run.seed 0 -> 1
    store = ResultStore.open(tmp_path / "s", create=True)
    run_sweep([POINT], store, progress=False, log=_quiet)
    path = store.file(POINT)
    good = path.read_bytes()
    for old, new in ((b"seed", b"reed"), (b'"seed": 0', b'"seed": 1')):
        assert old in good
        path.write_bytes(good.replace(old, new, 1))
        status, reason = store.status(POINT)
        assert status == "corrupt" and "checksum" in reason
        index = store.index()
        assert index.empty and list(store.damaged) == [POINT.key()]
        assert path.name in store.damaged_note()
    messages = []
    summary = run_sweep([POINT], store, progress=False, log=messages.append)
    assert summary.corrupt == [POINT.key()] and any(path.name in m for m in messages)
    assert store.status(POINT) == ("ok", None)


def test_results_names_a_damaged_file_and_exits_non_zero(tmp_path):
    store = ResultStore.open(tmp_path / "s", create=True)
    points = [Point(POINT.game | {"seed": s}, POINT.learner, POINT.run) for s in range(3)]
    run_sweep(points, store, progress=False, log=_quiet)
    target = store.file(points[1])
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x10
    target.write_bytes(bytes(data))
    exe = Path(sys.executable).with_name("stratlearn")
    done = subprocess.run([str(exe), "results", str(tmp_path / "s")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and target.name in done.stderr and "Traceback" not in done.stderr
    assert len([line for line in done.stdout.splitlines() if "random_zero_sum" in line]) == 2
    report = subprocess.run([str(exe), "report", str(tmp_path / "s"), "-o", str(tmp_path / "r.html")],
                            capture_output=True, text=True, timeout=300)
    assert report.returncode == 0 and target.name in report.stderr
    assert target.name in (tmp_path / "r.html").read_text()


def _tmp_name(target: str, host: str, pid: int) -> str:
    return f".{target}.{host}.{pid}.abc123.tmp"


def test_a_reader_never_deletes_a_live_writers_temporary_file(tmp_path):
    store = ResultStore.open(tmp_path / "s", create=True)
    host = socket.gethostname().replace(".", "_")
    points = tmp_path / "s" / "points"
    live = points / _tmp_name("a.parquet", host, os.getpid())
    other_host = points / _tmp_name("b.parquet", host + "-elsewhere", 1)
    # a process id that is certainly gone: a child that has exited and been reaped
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = points / _tmp_name("c.parquet", host, child.pid)
    for f in (live, other_host, dead):
        f.write_bytes(b"partial")
    ResultStore.open(tmp_path / "s")
    assert live.exists() and other_host.exists() and not dead.exists()


SWEEP = """
title = "{title}"

[game]
name = "random_zero_sum"
rows = 3
seed = {seeds}

[[learners]]
name = "fictitious_play"

[run]
steps = 400
seeds = 2
record_every = 100
metrics = ["nash_gap"]
"""


def test_concurrent_sweeps_and_readers_lose_nothing(tmp_path):
    exe = str(Path(sys.executable).with_name("stratlearn"))
    store_dir = tmp_path / "store"
    grids = {"a": list(range(0, 8)), "b": list(range(4, 12)), "c": list(range(8, 16))}
    configs = []
    for name, seeds in grids.items():
        cfg = tmp_path / f"{name}.toml"
        cfg.write_text(SWEEP.format(title=name, seeds=json.dumps(seeds)))
        configs.append(cfg)
    ResultStore.open(store_dir, create=True)
    sweeps = [subprocess.Popen([exe, "sweep", str(c), "-o", str(store_dir), "--no-progress"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in configs]
    reader_errors, rounds = [], 0
    while any(p.poll() is None for p in sweeps) or rounds < 2:
        for args in (["results", str(store_dir)], ["report", str(store_dir), "-o", str(tmp_path / "r.html")]):
            done = subprocess.run([exe, *args], capture_output=True, text=True, timeout=300)
            if done.returncode not in (0,) and "no points stored" not in done.stdout:
                reader_errors.append((args[0], done.returncode, done.stderr[-500:]))
        rounds += 1
    outs = [p.communicate(timeout=600) for p in sweeps]
    assert all(p.returncode == 0 for p in sweeps), [o[1][-2000:] for o in outs]
    assert not reader_errors, reader_errors

    store = ResultStore.open(store_dir)
    expected = {p.key() for c in configs for p in load_points(c)[1]}
    assert len(expected) == 16
    files = sorted((store_dir / "points").iterdir())
    assert [f.stem for f in files] == sorted(expected)              # every point once, no temporary files left
    for key in expected:
        assert store.status(key) == ("ok", None)                    # checksums verified
    on_disk = pd.read_parquet(store_dir / "index.parquet").drop(columns=["file_size", "file_mtime_ns"])
    rebuilt = store.index()
    assert not store.damaged
    pd.testing.assert_frame_equal(on_disk.sort_index(axis=1), rebuilt.sort_index(axis=1), check_dtype=False)
    assert sorted(c["title"] for c in store.configs()) == ["a", "b", "c"]   # every sweep's config is kept


@pytest.mark.parametrize("bad", ["not json", json.dumps([1, 2]), json.dumps({"format": "x"})])
def test_a_damaged_manifest_is_one_clear_error(tmp_path, bad):
    from stratlearn.experiments.store import StoreError

    (tmp_path / "store.json").write_text(bad)
    with pytest.raises(StoreError, match="store.json|not a stratlearn result store"):
        ResultStore.open(tmp_path)
