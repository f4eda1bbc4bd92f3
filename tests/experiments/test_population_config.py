"""`stratlearn population CONFIG`: the coupled flow of [5] from a TOML file, its outputs and its config errors."""

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stratlearn.cli import main
from stratlearn.errors import ConfigError
from stratlearn.experiments.configs import read_config
from stratlearn.experiments.configs.population import build_population

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "distribution_shift.toml"


def test_the_example_runs_from_the_command_line(tmp_path, capsys):
    assert main(["population", str(EXAMPLE), "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "group_loss_1" in out and "steps to t = 20" in out
    frame = pd.read_parquet(tmp_path / "trace.parquet")
    final = frame[frame.step == frame.step.max()].set_index("metric").value
    assert final["group_loss_1"] > 2 * final["group_loss_0"]     # the costlier group keeps the higher loss
    dens = np.load(tmp_path / "densities.npy", allow_pickle=False)
    assert dens.shape == (41, 160) and (dens >= 0).all()
    meta = json.loads((tmp_path / "config.json").read_text())
    assert meta["run"]["problem"]["groups"] == 2 and len(meta["times"]) == 41
    assert (tmp_path / "figure.png").stat().st_size > 0


def _two_d():
    return {"grid": {"low": [-2.0, -2.0], "high": [2.0, 2.0], "cells": [10, 12]},
            "population": {"loss": "quadratic", "alpha": 0.3,
                           "initial": {"kind": "gaussian", "mean": [0.5, -0.5], "variance": 0.3}},
            "learner": {"x0": [0.0, 0.0], "beta": 0.2},
            "run": {"t_end": 0.5, "records": 3}}


def test_a_2d_config_runs_and_reports_the_pot_distance(tmp_path):
    path = tmp_path / "two.toml"
    path.write_text('[grid]\nlow = [-2.0, -2.0]\nhigh = [2.0, 2.0]\ncells = [10, 12]\n'
                    '[population]\nloss = {kind = "bump", height = 0.5, width = 0.7}\nalpha = 0.3\n'
                    'kernel = {kind = "gaussian", strength = -0.2, width = 0.5}\n'
                    'initial = {kind = "gaussian", mean = [0.5, -0.5], variance = 0.3}\n'
                    '[learner]\nx0 = [0.0, 0.0]\nbeta = 0.2\n[run]\nt_end = 0.5\nrecords = 3\n')
    assert main(["population", str(path), "-o", str(tmp_path / "out")]) == 0
    meta = json.loads((tmp_path / "out" / "config.json").read_text())
    assert meta["run"]["problem"]["grid"] == "Grid2D" and meta["w2_to_reference"] > 0
    assert np.load(tmp_path / "out" / "densities.npy", allow_pickle=False).shape == (4, 10, 12)


@pytest.mark.parametrize("change, message", [
    (lambda c: c.update(extra=1), r"unknown key\(s\) extra"),
    (lambda c: c["grid"].update(cells=[10, 2]), r"grid: cells\[1\]=2"),
    (lambda c: c["learner"].pop("x0"), "learner.x0: missing"),
    (lambda c: c["learner"].update(x0=[0.0]), r"learner.x0=\[0.0\]: expected 2 number"),
    (lambda c: c["population"].update(kernel={"kind": "cubic"}), "population.kernel=.*expected a table with kind"),
    (lambda c: c["population"]["initial"].update(kind="beta"), "population.initial.kind='beta'"),
    (lambda c: c["population"]["initial"].update(variance=0.0), "population.initial.variance=0.0"),
    (lambda c: c["population"]["initial"].update(mean=[40.0, 40.0]), "no mass on the grid"),
    (lambda c: c["run"].update(limit="both"), "run.limit='both'"),
    (lambda c: c["run"].update(t_end=-1.0), "run.t_end=-1"),
    (lambda c: c["population"].update(alpha=-0.5), "alpha=-0.5"),
    (lambda c: c["population"].update(alpha="high"), "alpha='high'"),
    (lambda c: c["population"].update(loss="cubic"), "population.loss='cubic'"),
    (lambda c: c["population"].update(groups=[{"initial": {"kind": "uniform"}}]), "not both"),
    (lambda c: c.pop("run"), r"missing \[run\]"),
])
def test_config_errors_name_the_field(change, message):
    config = copy.deepcopy(_two_d())
    build_population(copy.deepcopy(config))            # the base config is valid
    change(config)
    with pytest.raises(ConfigError, match=message):
        build_population(config)


def test_the_example_parses():
    problem, options = build_population(read_config(EXAMPLE))
    assert problem.groups == 2 and list(problem.alpha) == [0.1, 1.0] and options["t_end"] == 20.0
