"""The `matrix-games` study end to end through the command line, at its quick size."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from stratlearn.errors import UnknownNameError
from stratlearn.studies import STUDIES, Claim, run_studies


def test_claim_verdicts():
    assert Claim("x", 0.1, "<", 0.2).passed
    assert not Claim("x", float("nan"), "<", 0.2).passed
    assert not Claim("x", float("inf"), "<=", 1e6).passed
    assert Claim("x", 3.0, ">", 1.0).as_dict()["passed"] is True


def _holds(c):
    """Whether the claim's comparison holds at the measured value (for a control it must not)."""
    ops = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__}
    return ops[c["comparison"]](float(c["measured"]), float(c["threshold"]))


def _reproduce(out):
    exe = Path(sys.executable).with_name("stratlearn")
    return subprocess.run([str(exe), "reproduce", "matrix-games", "--quick", "-o", str(out), "--strict",
                           "--no-progress"], capture_output=True, text=True, timeout=1200)


def test_reproduce_matrix_games_quick(tmp_path):
    result = _reproduce(tmp_path)
    assert " passed, " in result.stdout, result.stderr
    claims = json.loads((tmp_path / "matrix-games" / "claims.json").read_text())
    assert claims["size"] == "quick" and len(claims["claims"]) >= 12
    failing = [c for c in claims["claims"] if not c["passed"]]
    assert not failing, failing
    assert result.returncode == 0
    temperatures = pd.read_parquet(tmp_path / "matrix-games" / "temperatures.parquet")
    assert list(temperatures.temperature) == [0.1, 0.05, 0.02]
    # every headline claim has a control, and every control failed the claim's threshold as designed
    heads = {c["key"] for c in claims["claims"] if c["role"] == "headline"}
    controls = [c for c in claims["claims"] if c["role"] == "control"]
    assert heads == {"bias-brps", "bias-r10", "rate", "rational", "hannan", "fp-2xn"}
    assert {c["control_of"] for c in controls} == heads
    assert all(c["status"] == "PASS" and not _holds(c) for c in controls)
    assert (tmp_path / "matrix-games" / "nash_gap.png").exists()
    report = tmp_path / "report.html"
    assert f"report: {report.resolve()}" in result.stdout and report.stat().st_size > 10_000

    # resumable: a second run finds every point in the store and recomputes none
    points = tmp_path / "matrix-games" / "store" / "points"
    stamps = {p.name: p.stat().st_mtime_ns for p in points.glob("*.parquet")}
    again = _reproduce(tmp_path)
    assert again.returncode == 0
    assert stamps == {p.name: p.stat().st_mtime_ns for p in points.glob("*.parquet")}


def test_unknown_study_lists_names(tmp_path):
    with pytest.raises(UnknownNameError, match="matrix-games"):
        run_studies("matrix-gamez", output=tmp_path)
    assert "matrix-games" in STUDIES


def test_studies_in_parallel_processes(tmp_path):
    # two studies side by side, each in its own process: both claims tables, both result folders, one report; a
    # third study finds a file where its folder must go and stops with an error: the others go on, the report is
    # written from them, and the error names it (exit status 2)
    (tmp_path / "tolls").write_text("not a folder")
    exe = Path(sys.executable).with_name("stratlearn")
    result = subprocess.run([str(exe), "reproduce", "frank-wolfe,model-selection,tolls", "--quick", "-o",
                             str(tmp_path), "--jobs", "2"], capture_output=True, text=True, timeout=1200)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "3 studies, 2 at a time in separate processes" in result.stdout
    assert result.stdout.count(" passed, ") == 3                     # two studies' lines and the total
    assert result.stdout.count("Traceback") == 1                     # the failing study's own error, printed
    for name in ("frank-wolfe", "model-selection"):
        assert json.loads((tmp_path / name / "claims.json").read_text())["study"] == name
    report = (tmp_path / "report.html").read_text()
    assert "Study: frank-wolfe" in report and "tolls" in json.loads((tmp_path / "crashed.json").read_text())
    assert "2 studies ran, 1 crashed (tolls)" in result.stdout
    assert result.stderr.strip() == ("stratlearn: error: studies that stopped with an error (their output is above; "
                                     "the report holds the others): tolls")


def test_parallel_processes_need_the_local_executor(tmp_path):
    from stratlearn.errors import InvalidParameterError
    from stratlearn.experiments.executors import make_executor

    with pytest.raises(InvalidParameterError, match="jobs=2: parallel study processes need the local executor"):
        run_studies("all", output=tmp_path, executor=make_executor("ray", num_cpus=1), jobs=2)


def test_default_jobs_and_bad_jobs(tmp_path, monkeypatch):
    import os

    from stratlearn.errors import InvalidParameterError
    from stratlearn.studies import default_jobs

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert default_jobs("all") == 2
    assert default_jobs("frank-wolfe, tolls") == 2
    assert default_jobs("frank-wolfe") == 1          # one study: nothing to run beside it
    assert default_jobs("frank-wolfe,") == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert default_jobs("all") == 1
    with pytest.raises(InvalidParameterError, match="jobs"):
        run_studies("all", output=tmp_path, jobs=0)


def test_each_study_process_gets_its_share_of_the_cores(monkeypatch):
    import os

    from stratlearn.studies import THREAD_VARIABLES, _thread_share

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    share = _thread_share({}, 2)
    assert share["STRATLEARN_CPU_DEVICES"] == "1" and "--xla_cpu_multi_thread_eigen=false" in share["XLA_FLAGS"]
    assert all(share[name] == "1" for name in THREAD_VARIABLES)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    share = _thread_share({"XLA_FLAGS": "--xla_dump_to=/tmp/x"}, 2)
    assert share["STRATLEARN_CPU_DEVICES"] == "4" and share["OMP_NUM_THREADS"] == "4"
    assert "XLA_FLAGS" not in share                     # several cores each: XLA keeps its thread pool
    # what the user chose stays: a device count in XLA_FLAGS or STRATLEARN_CPU_DEVICES, a pool size
    chosen = {"XLA_FLAGS": "--xla_force_host_platform_device_count=3", "OMP_NUM_THREADS": "7"}
    share = _thread_share(chosen, 2)
    assert "STRATLEARN_CPU_DEVICES" not in share and "XLA_FLAGS" not in share and "OMP_NUM_THREADS" not in share
    assert "STRATLEARN_CPU_DEVICES" not in _thread_share({"STRATLEARN_CPU_DEVICES": "2"}, 2)
    # a container allowed 2 of the machine's 64 cores: the pools match the cores the processes are pinned to
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {5, 9}, raising=False)
    assert _thread_share({}, 2)["OMP_NUM_THREADS"] == "1"


@pytest.mark.skipif(not hasattr(__import__("os"), "sched_setaffinity"), reason="pinning needs Linux's affinity calls")
def test_study_processes_are_pinned_to_disjoint_cores(monkeypatch):
    import os

    from stratlearn.studies import _core_slots, _pin

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4})
    assert _core_slots(2) == [{0, 1}, {2, 3}] and _core_slots(6) is None and _core_slots(1) is None
    # real processes on this machine: the second goes to the slot the first does not hold
    monkeypatch.undo()
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        pytest.skip("one core: nothing to pin apart")
    slots = _core_slots(2)
    first = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    second = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        _pin(first.pid, slots, {"a": first.pid})
        _pin(second.pid, slots, {"a": first.pid, "b": second.pid})
        assert os.sched_getaffinity(first.pid) == slots[0] and os.sched_getaffinity(second.pid) == slots[1]
    finally:
        first.kill(), second.kill()
        first.wait(), second.wait()


def test_studies_that_all_stop_with_an_error_are_named(tmp_path):
    for name in ("frank-wolfe", "model-selection"):
        (tmp_path / name).write_text("not a folder")
    exe = Path(sys.executable).with_name("stratlearn")
    result = subprocess.run([str(exe), "reproduce", "frank-wolfe,model-selection", "--quick", "-o", str(tmp_path)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.count("Traceback") == 2
    # named in the order they were asked for, whichever process stopped first
    assert result.stderr.strip() == ("stratlearn: error: studies that stopped with an error (their output is "
                                     "above): frank-wolfe, model-selection")
    crashed = json.loads((tmp_path / "crashed.json").read_text())
    # each crash keeps the study process's last line (its exception) and exit status
    error = crashed["frank-wolfe"]["error"]
    assert sorted(crashed) == ["frank-wolfe", "model-selection"]
    assert "Not a directory" in error and "frank-wolfe" in error and "exited with status 1" in error
    assert "0 studies ran, 2 crashed" in result.stdout


def test_study_lists(tmp_path):
    from stratlearn.errors import InvalidParameterError
    from stratlearn.studies import _names

    assert _names("frank-wolfe, tolls,frank-wolfe,") == ["frank-wolfe", "tolls"]
    with pytest.raises(InvalidParameterError, match="'all' stands alone"):
        run_studies("all,tolls", output=tmp_path)
