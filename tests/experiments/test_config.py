import textwrap

import pytest

from stratlearn.errors import ConfigError, InvalidParameterError, UnknownNameError
from stratlearn.experiments.configs import expand, load_points, read_config


def _write(tmp_path, text):
    path = tmp_path / "c.toml"
    path.write_text(textwrap.dedent(text))
    return path


GOOD = """
[game]
name = "random_zero_sum"
rows = 4
seed = 1

[[learners]]
name = "dsbr"
temperature = 0.1
step_size = {kind = "harmonic", a = 0.5, h = 10.0, power = 1.0}

[[learners]]
name = "fictitious_play"

[run]
steps = 100
seeds = 2
record_every = 50
metrics = ["nash_gap"]
"""


def test_good_config(tmp_path):
    raw, points = load_points(_write(tmp_path, GOOD), sweep=False)
    assert len(points) == 2
    games_learners = [p.build() for p in points]
    assert [g.shape for g, _ in games_learners] == [(4, 4), (4, 4)]
    assert [l.name for _, l in games_learners] == ["dsbr", "fictitious_play"]
    assert games_learners[0][1].step_size.h == 10.0
    assert points[0].run == {"steps": 100, "seeds": 2, "record_every": 50, "seed": 0, "metrics": ["nash_gap"]}


def test_invalid_toml(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_config(_write(tmp_path, "[game\nname = 'x'"))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        read_config(tmp_path / "nope.toml")


def test_unknown_learner_lists_valid_names(tmp_path):
    with pytest.raises(UnknownNameError) as info:
        load_points(_write(tmp_path, GOOD.replace('name = "fictitious_play"', 'name = "qlearning"')))
    message = str(info.value)
    assert "qlearning" in message and "dsbr" in message and "fictitious_play" in message


def test_unknown_game_lists_valid_names(tmp_path):
    with pytest.raises(UnknownNameError) as info:
        load_points(_write(tmp_path, GOOD.replace('"random_zero_sum"', '"poker"')))
    assert "poker" in str(info.value) and "rock_paper_scissors" in str(info.value)


@pytest.mark.parametrize("old, new, error, field", [
    ("steps = 100", "steps = 0", ConfigError, "run.steps"),
    ("steps = 100", "steps = -10", ConfigError, "run.steps"),
    ("steps = 100", "", ConfigError, "run.steps"),
    ("seeds = 2", "seeds = 0", ConfigError, "run.seeds"),
    ("record_every = 50", "record_every = 500", ConfigError, "run.record_every"),
    ('metrics = ["nash_gap"]', 'metrics = ["gap"]', UnknownNameError, "nash_gap"),
    ("temperature = 0.1", "temperature = -0.1", InvalidParameterError, "temperature"),
    ("temperature = 0.1", "temprature = 0.1", ConfigError, "temprature"),
    ("rows = 4", "rows = 0", InvalidParameterError, "rows"),
    ("power = 1.0", "power = 2.0", InvalidParameterError, "power"),
])
def test_bad_values_name_the_field(tmp_path, old, new, error, field):
    with pytest.raises(error, match=field):
        load_points(_write(tmp_path, GOOD.replace(old, new, 1)))


def test_structure_errors():
    with pytest.raises(ConfigError, match="game"):
        expand({"learners": [{"name": "dsbr"}], "run": {"steps": 1}})
    with pytest.raises(ConfigError, match="learners"):
        expand({"game": {"name": "matching_pennies"}, "run": {"steps": 1}})
    with pytest.raises(ConfigError, match="name"):
        expand({"game": {"rows": 3}, "learners": [{"name": "dsbr"}], "run": {"steps": 1}})
    with pytest.raises(ConfigError, match=r"unknown key\(s\) extra; expected some of"):
        expand({"game": {"name": "matching_pennies"}, "learners": [{"name": "dsbr"}], "run": {"steps": 1},
                "extra": 1})


# ---------------------------------------------------------------------------------------------- sweeps
def test_lists_expand_to_the_cartesian_product():
    raw = {"game": {"name": "random_zero_sum", "rows": [3, 4], "seed": [0, 1, 2]},
           "learners": [{"name": "dsbr", "temperature": [0.1, 0.05],
                         "step_size": {"kind": "harmonic", "a": [0.1, 0.2], "h": 10.0}},
                        {"name": "fictitious_play"}],
           "run": {"steps": [10, 20], "metrics": ["nash_gap", "regularized_nash_gap:0.1"]}}
    points = expand(raw)
    assert len(points) == 2 * 3 * 2 * (2 * 2 + 1)
    assert len({p.key() for p in points}) == len(points)
    dsbr = [p for p in points if p.learner["name"] == "dsbr"]
    assert {p.learner["step_size"]["a"] for p in dsbr} == {0.1, 0.2}
    assert all(p.run["metrics"] == ["nash_gap", "regularized_nash_gap:0.1"] for p in points)  # not swept


def test_sweep_errors_name_the_field():
    base = {"game": {"name": "matching_pennies"}, "run": {"steps": 10}}
    with pytest.raises(ConfigError, match="temprature"):
        expand({**base, "learners": [{"name": "dsbr", "temprature": [0.1, 0.2]}]})
    with pytest.raises(ConfigError, match=r"learners\[0\].temperature=\[\]"):
        expand({**base, "learners": [{"name": "dsbr", "temperature": []}]})
    with pytest.raises(ConfigError, match="stratlearn sweep"):
        expand({**base, "learners": [{"name": "dsbr", "temperature": [0.1, 0.2]}]}, sweep=False)
    with pytest.raises(InvalidParameterError, match="temperature"):
        expand({**base, "learners": [{"name": "dsbr", "temperature": [0.1, -1.0]}]})


def test_every_example_config_loads_and_builds():
    """The configs under examples/ stay valid: each expands into checked points, and each learner-on-game point
    builds its game and learner (the other kinds check their tables when their points are made)."""
    from pathlib import Path

    from stratlearn.experiments.configs.kinds import load_config_points

    paths = sorted((Path(__file__).parents[2] / "examples").glob("*.toml"))
    assert len(paths) >= 7
    for path in paths:
        _, kind, points = load_config_points(path)
        assert points and {p.kind for p in points} == {kind}, path
        for point in points if kind == "simulate" else ():
            game, learner = point.build()
            learner.check_game(game)


def test_a_run_builds_each_game_once_and_honours_its_precision(tmp_path, monkeypatch):
    """`stratlearn run` on one game and two learners: the game is built once (validated and run with the same
    object; a 10^5-state Markov game used to be built twice), and run.precision = "float64" reaches simulate."""
    import json

    from stratlearn import cli
    from stratlearn.games import catalog

    calls = []
    make = catalog.make

    def counting(name, **params):
        calls.append(name)
        return make(name, **params)

    monkeypatch.setattr(catalog, "make", counting)
    path = _write(tmp_path, GOOD.replace('metrics = ["nash_gap"]', 'metrics = ["nash_gap"]\nprecision = "float64"'))
    assert cli.main(["run", str(path), "-o", str(tmp_path / "out"), "--no-progress"]) == 0
    assert calls == ["random_zero_sum"]
    runs = json.loads((tmp_path / "out" / "config.json").read_text())
    assert "float64" in json.dumps(runs)
    # and the values themselves were computed in double precision: the same run in float32 differs from it
    import pandas as pd

    f64 = pd.read_parquet(tmp_path / "out" / "trace.parquet")
    path.write_text(path.read_text().replace('precision = "float64"', 'precision = "float32"'))
    assert cli.main(["run", str(path), "-o", str(tmp_path / "out32"), "--no-progress"]) == 0
    f32 = pd.read_parquet(tmp_path / "out32" / "trace.parquet")
    assert len(f64) == len(f32) and not (f64["value"].to_numpy() == f32["value"].to_numpy()).all()


def test_set_overrides_values_with_their_types(tmp_path):
    from stratlearn.experiments.configs import apply_overrides

    path = _write(tmp_path, GOOD)
    raw, points = load_points(path, overrides=["run.steps=400", "run.seeds=3", "learners.0.temperature=0.2",
                                               "game.seed=5", 'run.metrics=["nash_gap"]'])
    assert raw["run"]["steps"] == 400 and {p.run["steps"] for p in points} == {400}
    assert points[0].learner["temperature"] == 0.2 and points[0].game["seed"] == 5
    # an integer where the file has a number is widened; a string where it has a name stays a string
    assert apply_overrides({"a": {"x": 0.5}}, ["a.x=1"])["a"]["x"] == 1.0
    assert apply_overrides({"game": {"name": "a"}}, ["game.name=matching_pennies"])["game"]["name"] == \
        "matching_pennies"
    original = {"run": {"steps": 10}}
    apply_overrides(original, ["run.steps=20"])
    assert original == {"run": {"steps": 10}}          # the dict handed in is not changed


@pytest.mark.parametrize("item, message", [
    ("run.steps", "--set 'run.steps': expected KEY=VALUE"),
    ("run.steps=abc", "--set run.steps=abc: expected an integer \\(the config has 100\\), got string 'abc'"),
    ("learners.0.temperature=hot", "expected a number"),
    ("learners.9.temperature=0.1", "learners has 2 entries; expected an index from 0 to 1"),
    ("learners.temperature=0.1", "learners is an array of tables"),
    ("run.stepz=3", "unknown key\\(s\\) run.stepz \\(did you mean .steps.\\?\\); expected some of"),
    ("=3", "expected a dotted KEY"),
])
def test_set_refuses_what_cannot_be_set(tmp_path, item, message):
    with pytest.raises(ConfigError, match=message):
        load_points(_write(tmp_path, GOOD), overrides=[item])


def test_records_follow_the_steps(tmp_path):
    path = _write(tmp_path, GOOD.replace("record_every = 50", "records = 4"))
    _, points = load_points(path, overrides=["run.steps=1000"])
    assert {p.run["record_every"] for p in points} == {250}
    _, points = load_points(path, overrides=["run.steps=10", "run.records=6"])    # never more records than asked
    assert {p.run["record_every"] for p in points} == {2}
    with pytest.raises(ConfigError, match="run.records and run.record_every: expected one of them"):
        load_points(_write(tmp_path, GOOD.replace("record_every = 50", "record_every = 50\nrecords = 4")))


def test_two_learners_of_one_name_keep_their_parameters_in_the_outputs(tmp_path):
    """Two dsbr tables (τ 0.1 and 0.02) used to print, plot and store as 'dsbr' twice, so a groupby merged them."""
    import pandas as pd

    from stratlearn import cli
    from stratlearn.experiments.points import distinct_labels

    assert distinct_labels([{"name": "dsbr", "temperature": 0.1, "step_size": 0.05},
                            {"name": "dsbr", "temperature": 0.02, "step_size": 0.05},
                            {"name": "fictitious_play"}]) == ["dsbr(temperature=0.1)", "dsbr(temperature=0.02)",
                                                               "fictitious_play"]
    text = GOOD.replace('[[learners]]\nname = "fictitious_play"',
                        '[[learners]]\nname = "dsbr"\ntemperature = 0.02\nstep_size = 0.05')
    path = _write(tmp_path, text)
    assert cli.main(["run", str(path), "-o", str(tmp_path / "out"), "--no-progress"]) == 0
    frame = pd.read_parquet(tmp_path / "out" / "trace.parquet")
    assert frame.learner.nunique() == 2 and all(name.startswith("dsbr(") for name in frame.learner.unique())
