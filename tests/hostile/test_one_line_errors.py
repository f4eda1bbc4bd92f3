"""One line, never a traceback: every failure a user can cause through the command line ends with one
`stratlearn: error: ...` line naming the field or option, before anything is computed (issue "nothing lost",
item 5). Each case was a traceback, a hang or a silent exit 0 before."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).with_name("stratlearn"))

GOOD = """
[game]
name = "random_zero_sum"
rows = 3
[[learners]]
name = "dsbr"
[run]
steps = 10
"""


def _cli(*args, timeout=300):
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=timeout)


def _one_line(done, *needles):
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(("stratlearn: error:", "stratlearn ")), lines
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.mark.parametrize("change, needles", [
    (("name = \"random_zero_sum\"", "name = {x = 1}"), ("game.name",)),
    (("rows = 3", "rows = 200000"), ("rows=200000", "GiB")),
    (("steps = 10", "steps = 10\nseeds = 10000000000"), ("seeds=10000000000",)),
    (("steps = 10", "steps = 10\nseed = 4294967296"), ("run.seed",)),
    (("steps = 10", "steps = 10\nmetrics = [\"nash_gap\", \"nash_gap\"]"), ("run.metrics",)),
    (("steps = 10", "steps = 10\nmetrics = \"nash_gap_typo\""), ("nash_gap_typo",)),
])
def test_bad_configs_are_one_line(tmp_path, change, needles):
    cfg = tmp_path / "c.toml"
    cfg.write_text(GOOD.replace(*change))
    _one_line(_cli("run", str(cfg), "-o", str(tmp_path / "out"), "--no-progress"), *needles)


def test_run_onto_a_file_or_under_one_is_refused_before_computing(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(GOOD)
    blocker = tmp_path / "afile"
    blocker.write_text("keep me")
    _one_line(_cli("run", str(cfg), "-o", str(blocker), "--no-progress"), str(blocker), "is a file")
    _one_line(_cli("run", str(cfg), "-o", str(blocker / "sub"), "--no-progress"), "cannot write there")
    assert blocker.read_text() == "keep me"


def _without_override():
    """The command prefix that makes this test's process obey file permissions: nothing for an ordinary user; for
    root (CI, containers), `setpriv` dropping the capabilities that let root write anywhere, so that a folder of mode
    0555 is as read-only to it as to anyone."""
    import os
    import shutil

    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: root writes into read-only folders, nothing to test")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def test_run_into_a_read_only_folder_is_refused_before_computing(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(GOOD)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        for out in (locked, locked / "sub"):
            done = subprocess.run([*_without_override(), EXE, "run", str(cfg), "-o", str(out), "--no-progress"],
                                  capture_output=True, text=True, timeout=300)
            _one_line(done, str(out), "cannot write there", "Permission denied")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


@pytest.mark.parametrize("value", ["-1", "0", "two"])
def test_num_cpus_must_be_positive(tmp_path, value):
    cfg = tmp_path / "c.toml"
    cfg.write_text(GOOD)
    done = _cli("sweep", str(cfg), "-o", str(tmp_path / "s"), "--executor", "ray", "--num-cpus", value)
    assert done.returncode == 2 and "--num-cpus" in done.stderr and "Traceback" not in done.stderr


def test_ray_executor_refuses_zero_cpus_in_python():
    from stratlearn.errors import ConfigError
    from stratlearn.experiments.executors import RayExecutor

    for bad in (0, -1, 1.5, True):
        with pytest.raises(ConfigError, match="num_cpus"):
            RayExecutor(num_cpus=bad)


@pytest.mark.parametrize("names", [",", " , ,"])
def test_reproduce_with_no_study_name_fails(names):
    _one_line(_cli("reproduce", names), "study=")


def test_a_malformed_claims_file_in_a_report_folder(tmp_path):
    (tmp_path / "rep" / "bad").mkdir(parents=True)
    (tmp_path / "rep" / "bad" / "claims.json").write_text("{not json")
    _one_line(_cli("report", str(tmp_path / "rep"), "-o", str(tmp_path / "r.html")), "claims.json")


def test_ctrl_c_prints_one_line_and_exits_130_with_the_store_consistent(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(GOOD.replace("rows = 3", "rows = [3, 4, 5, 6, 7, 8]").replace("steps = 10", "steps = 200000"))
    store = tmp_path / "s"
    proc = subprocess.Popen([EXE, "sweep", str(cfg), "-o", str(store), "--no-progress"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and not list((store / "points").glob("*.parquet")):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "interrupted" in err
    # the store is consistent: the sweep resumes, keeps what was stored and computes only the rest
    done = _cli("sweep", str(cfg), "-o", str(store), "--no-progress")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "already stored" in done.stdout and len(list((store / "points").glob("*.parquet"))) == 6
    assert not [p for p in (store / "points").iterdir() if p.name.endswith(".tmp")]


def test_tntp_headers_and_ids_that_are_not_finite(tmp_path):
    from stratlearn.games.routing import TNTPError, read_demand, read_network

    net = ("<NUMBER OF ZONES> 2\n<NUMBER OF NODES> {nodes}\n<FIRST THRU NODE> 1\n<NUMBER OF LINKS> 1\n"
           "<END OF METADATA>\n~ init term cap len fft b power speed toll type ;\n{tail} 2 10 1 1 0.15 4 0 0 1 ;\n")
    for nodes, tail, needle in (("inf", "1", "NUMBER OF NODES"), ("-3", "1", "NUMBER OF NODES"),
                                ("2", "nan", "init_node"), ("2", "1e400", "init_node")):
        path = tmp_path / "x_net.tntp"
        path.write_text(net.format(nodes=nodes, tail=tail))
        with pytest.raises(TNTPError, match=needle):
            read_network(path)
    trips = tmp_path / "x_trips.tntp"
    trips.write_text("<NUMBER OF ZONES> 2\n<TOTAL OD FLOW> 10.0\n<END OF METADATA>\nOrigin 1\n 2 : 4.6;\n")
    with pytest.raises(TNTPError, match="cut short"):
        read_demand(trips)
    trips.write_text("<NUMBER OF ZONES> 2\n<TOTAL OD FLOW> 10.0\n<END OF METADATA>\nOrigin 1\n 2 : 5.0;\n"
                     "Origin 2\n 1 : 5.0;\n")
    assert read_demand(trips).volume.sum() == 10.0


@pytest.mark.parametrize("spec", ["a=nan", "a=inf", "a=text"])
def test_a_signal_value_that_is_not_a_finite_number_names_the_option(spec):
    from types import SimpleNamespace

    import numpy as np

    from stratlearn.errors import InvalidParameterError
    from stratlearn.experiments.configs.collective import _signal

    dataset = SimpleNamespace(feature_names=["a", "b"])
    with pytest.raises(InvalidParameterError, match=r"signal value a=.*\(--signal\)"):
        _signal(spec, dataset, np.zeros((3, 2)))
