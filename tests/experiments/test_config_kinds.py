"""One config schema for every kind of run: `stratlearn run` and `stratlearn sweep` take a toll, population or
audit config as they take a learner-on-game one; the single-run commands are thin names for their kinds."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stratlearn.cli import main
from stratlearn.errors import ConfigError
from stratlearn.experiments.configs.common import read_config
from stratlearn.experiments.configs.kinds import config_kind, load_config_points
from stratlearn.experiments.points import frame_arrays, run_point
from stratlearn.experiments.store import ResultStore

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "stratlearn" / "examples"

LEADER = """
[network]
name = "braess"
[leader]
method = "follower_agnostic"
upper = 50.0
iterations = 4
step_size = 0.05
probes = 3
[sweep]
"leader.step_size" = [0.05, 0.1]
"leader.seed" = [0, 1]
"""


@pytest.mark.parametrize("name, kind", [("matrix_games.toml", "simulate"), ("tolls.toml", "leader"),
                                        ("tolls_online.toml", "leader"), ("distribution_shift.toml", "population"),
                                        ("competitive_population.toml", "population"), ("collective.toml", "audit")])
def test_each_shipped_config_is_of_one_kind(name, kind):
    assert config_kind(read_config(EXAMPLES / name)) == kind


@pytest.mark.parametrize("raw", [{}, {"title": "x"}, {"game": {"name": "rps"}, "network": {"name": "braess"},
                                                      "learners": [{}], "leader": {}}])
def test_a_config_of_no_kind_or_two_kinds_is_refused_naming_the_tables(raw):
    with pytest.raises(ConfigError, match="cannot tell which kind.*leader: \\[network\\] with \\[leader\\]"):
        config_kind(raw, "c.toml")


def test_a_leader_sweep_is_stored_resumed_and_listed(tmp_path, capsys):
    cfg = tmp_path / "leader.toml"
    cfg.write_text(LEADER)
    raw, kind, points = load_config_points(cfg)
    assert kind == "leader" and len(points) == 4 and len({p.key() for p in points}) == 4
    assert sorted((p.learner["step_size"], p.run["seed"]) for p in points) == [(0.05, 0), (0.05, 1), (0.1, 0),
                                                                                (0.1, 1)]
    store = tmp_path / "store"
    assert main(["sweep", str(cfg), "-o", str(store), "--no-progress"]) == 0
    assert "4 computed" in capsys.readouterr().out
    assert main(["sweep", str(cfg), "-o", str(store), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "0 computed, 4 already stored" in out and "travel_time" in out and "seed=1" in out
    index = ResultStore.open(store).index()
    assert set(index.kind) == {"leader"} and set(index["learner.step_size"]) == {0.05, 0.1}
    # a stored point is what running it again gives
    again, _ = run_point(points[0])
    assert ResultStore.open(store).read(points[0]).equals(again)


def test_run_takes_every_kind_and_equals_its_own_command(tmp_path, capsys):
    args = ["--set", "network.name=braess", "--set", "leader.iterations=3", "--set", "leader.upper=50.0",
            "--no-progress"]
    assert main(["run", str(EXAMPLES / "tolls.toml"), "-o", str(tmp_path / "a"), *args]) == 0
    assert main(["tolls", str(EXAMPLES / "tolls.toml"), "-o", str(tmp_path / "b"), *args]) == 0
    for name in ("trace.parquet", "links.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / name), pd.read_parquet(tmp_path / "b" / name))
    assert main(["run", str(EXAMPLES / "distribution_shift.toml"), "-o", str(tmp_path / "p"), "--set",
                 "run.t_end=1.0", "--no-progress"]) == 0
    assert (tmp_path / "p" / "densities.npy").exists()
    assert main(["run", str(EXAMPLES / "collective.toml"), "-o", str(tmp_path / "c"), "--set", "collective.seeds=1",
                 "--set", "collective.alphas=[0.05, 0.1]", "--no-progress"]) == 0
    assert (tmp_path / "c" / "audit" / "audit.parquet").exists()
    capsys.readouterr()


def test_a_population_point_stores_its_final_state_by_entry(tmp_path):
    cfg = tmp_path / "pop.toml"
    cfg.write_text((EXAMPLES / "distribution_shift.toml").read_text() + '\n[sweep]\n"learner.beta" = [0.5, 1.0]\n')
    raw, kind, points = load_config_points(cfg, overrides=["run.t_end=1.0"])
    assert kind == "population" and [p.learner["beta"] for p in points] == [0.5, 1.0]
    frame, info = run_point(points[0])
    state = frame_arrays(frame[frame.metric.str.startswith("state/")], info["shapes"])
    from stratlearn.experiments.configs.population import build_population
    from stratlearn.populations import solve

    problem, options = build_population({k: v for k, v in read_config(cfg, ["run.t_end=1.0", "learner.beta=0.5"])
                                         .items() if k != "sweep"})
    direct = solve(problem, **options)
    np.testing.assert_array_equal(state["state/densities"], direct.final_state["densities"])
    np.testing.assert_array_equal(state["state/x"], direct.final_state["x"])


def test_an_audit_point_gives_the_audit_table_back(tmp_path):
    # the audit kind's stored frame rebuilds exactly the table populations.collective.audit returns
    from sklearn.linear_model import LogisticRegression

    from stratlearn.experiments.configs.collective import audit_point, audit_table
    from stratlearn.populations import collective as C
    from stratlearn.populations.collective import datasets

    point = audit_point(data="builtin:breast_cancer", model="sklearn.linear_model.LogisticRegression",
                        model_params={"max_iter": 500}, signal={"mean radius": 40.0}, alphas=[0.02, 0.1], seeds=2)
    frame, info = run_point(point.as_dict())
    table = audit_table(frame, info)
    ds = datasets.breast_cancer()
    train, test = ds.split(0.25, 0)
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    names = list(ds.feature_names)
    signal = C.FeaturePattern((names.index("mean radius"),), (40.0,))
    direct = C.audit(make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)), train.X.astype(float), train.y,
                     C.FeatureLabelPlanting(signal, 0), [0.02, 0.1], X_test=test.X.astype(float), y_test=test.y,
                     seeds=2)
    pd.testing.assert_frame_equal(table, direct[table.columns.tolist()], check_dtype=False)


@pytest.mark.parametrize("sweep, match", [('"leader.step_size" = 0.1', "non-empty list"),
                                          ('"step_size" = [0.1]', "dotted key"),
                                          ('"leader.stepsize" = [0.1]', "stepsize")])
def test_a_bad_sweep_table_is_refused_naming_the_key(tmp_path, sweep, match):
    cfg = tmp_path / "c.toml"
    cfg.write_text(LEADER.split("[sweep]")[0] + "[sweep]\n" + sweep + "\n")
    with pytest.raises(ConfigError, match=match):
        load_config_points(cfg)


def test_a_sweep_table_in_a_single_run_or_in_a_simulate_config_is_refused(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(LEADER)
    out = subprocess.run([sys.executable, "-m", "stratlearn", "run", str(cfg)], capture_output=True, text=True)
    assert out.returncode == 2 and "run it with `stratlearn sweep`" in out.stderr
    sim = tmp_path / "s.toml"
    sim.write_text((EXAMPLES / "matrix_games.toml").read_text() + '\n[sweep]\n"run.seed" = [0, 1]\n')
    with pytest.raises(ConfigError, match="sweep"):
        load_config_points(sim)
