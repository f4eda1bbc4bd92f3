"""The command line, run as a user runs it (a subprocess on the installed entry point)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args, cwd=None):
    exe = Path(sys.executable).with_name("stratlearn")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "stratlearn.cli"]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, cwd=cwd, timeout=600,
                          env={**os.environ, "JAX_PLATFORMS": "cpu"})


SMALL = """
[[games]]
name = "rock_paper_scissors"

[[games]]
name = "random_zero_sum"
rows = 6
seed = 2

[[learners]]
name = "dsbr"
temperature = 0.1

[[learners]]
name = "fictitious_play"

[run]
steps = 2000
seeds = 4
record_every = 500
metrics = ["nash_gap", "regularized_nash_gap:0.1"]
"""


def test_run_writes_trace_config_and_figure(tmp_path):
    cfg = tmp_path / "small.toml"
    cfg.write_text(SMALL)
    out = tmp_path / "out"
    result = _cli("run", str(cfg), "-o", str(out), "--no-progress")
    assert result.returncode == 0, result.stderr
    frame = pd.read_parquet(out / "trace.parquet")
    assert set(frame.columns) == {"game", "learner", "seed", "step", "metric", "value"}
    assert len(frame) == 2 * 2 * 2 * 4 * 4  # games x learners x metrics x seeds x records
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["run"]["steps"] == 2000 and len(config["runs"]) == 4
    assert (out / "figure.png").read_bytes()[:4] == b"\x89PNG"
    assert "±" in result.stdout and "fictitious_play" in result.stdout
    assert not list(out.glob(".*.tmp")), "no temporary files are left behind"


def test_list_shows_games_learners_metrics():
    result = _cli("list")
    assert result.returncode == 0
    for name in ("rock_paper_scissors", "shapley_game", "dsbr", "smoothed_fictitious_play", "nash_gap", "omwu"):
        assert name in result.stdout


def test_errors_are_one_clear_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace('name = "dsbr"', 'name = "dsbrr"'))
    result = _cli("run", str(bad), "-o", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "unknown learner 'dsbrr'" in result.stderr and "fictitious_play" in result.stderr
    assert "Traceback" not in result.stderr
    bad.write_text("this is = not [toml")
    result = _cli("run", str(bad))
    assert result.returncode == 2 and "not valid TOML" in result.stderr


def test_example_configs_parse():
    from stratlearn.experiments.config import load_points, read_config
    from stratlearn.experiments.population_config import load_population

    examples = sorted((ROOT / "examples").glob("*.toml"))
    assert len(examples) >= 3
    for path in examples:
        if "population" in read_config(path):        # run by `stratlearn population`, not `run`/`sweep`
            load_population(path)
            continue
        if "collective" in read_config(path):        # run by `stratlearn collective audit`
            from stratlearn.experiments.collective_audit import load_audit_config

            assert load_audit_config(path)["model"].startswith("sklearn:")
            continue
        if "leader" in read_config(path):            # run by `stratlearn tolls`; needs its network's files
            from stratlearn.experiments.data import find_tntp
            from stratlearn.experiments.tolls_config import load_tolls

            if find_tntp(read_config(path)["network"].get("name", ""), download=False) is not None:
                load_tolls(path)
            continue
        raw, points = load_points(path, sweep=True)
        assert points


def test_run_refuses_a_sweep_config(tmp_path):
    cfg = tmp_path / "s.toml"
    cfg.write_text(SMALL.replace("temperature = 0.1", "temperature = [0.1, 0.2]"))
    result = _cli("run", str(cfg), "-o", str(tmp_path / "o"))
    assert result.returncode == 2 and "stratlearn sweep" in result.stderr
