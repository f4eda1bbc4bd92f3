"""Claims and their verdicts (status, intervals over seeds), seed offsets, and how `reproduce` reports crashed,
failing, skipped and expected-to-fail claims."""

import json
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stratlearn import studies
from stratlearn.errors import InvalidParameterError, StudyError
from stratlearn.experiments.points import Point
from stratlearn.studies import Claim, Study, StudyResult, run_studies, shift_seeds
from stratlearn.studies.base import bootstrap_interval, format_counts, interval_over_seeds


def test_statuses():
    assert Claim("x", 0.1, "<", 0.2).status == "PASS"
    assert Claim("x", 0.3, "<", 0.2).status == "FAIL"
    assert Claim("x", float("nan"), "<", 0.2).status == "FAIL"          # a missing measurement fails
    assert Claim.skipped("x", "<", 0.2, "needs POT: pip install pot").status == "SKIP"
    assert Claim("x", 0.3, "<", 0.2, xfail="known").status == "XFAIL"
    assert Claim("x", 0.1, "<", 0.2, xfail="known").status == "XPASS"   # a mark whose claim starts holding is said
    row = Claim.skipped("x", "<", 0.2, "pip install pot").as_dict()
    assert row["status"] == "SKIP" and row["skip"] == "pip install pot"


def test_the_interval_decides_at_its_hardest_end():
    values = np.array([0.08, 0.12, 0.1, 0.14, 0.06])
    low, high = interval_over_seeds(values)
    # t interval of 5 values: mean ± t_{0.975,4} s/√5 (t = 2.776)
    assert high - values.mean() == pytest.approx(2.7764 * values.std(ddof=1) / np.sqrt(5), rel=1e-4)
    below = Claim.over_seeds("x", values, "<", 0.13)
    assert below.measured < 0.13 < below.interval[1] and below.status == "FAIL"
    assert Claim.over_seeds("x", values, ">", 0.05).status == "PASS"
    assert Claim.over_seeds("x", values, ">", 0.09).status == "FAIL"  # mean 0.1 > 0.09, lower end is not
    assert below.seeds == 5


@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=40))
def test_interval_contains_the_mean(values):
    low, high = interval_over_seeds(values)
    assert low <= np.mean(values) + 1e-9 and np.mean(values) <= high + 1e-9


def test_bootstrap_is_repeatable_and_handles_never_reached():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(16, 5))
    a = bootstrap_interval(values, lambda v: float(v.mean()))
    assert a == bootstrap_interval(values, lambda v: float(v.mean()))          # same values, same interval
    assert a[0] < values.mean() < a[1]
    never = bootstrap_interval(values, lambda v: float("inf"))
    assert never == (float("inf"), float("inf"))
    assert Claim.bootstrap("x", values, lambda v: float("inf"), "<=", 1e6).status == "FAIL"


def test_interval_needs_two_seeds():
    with pytest.raises(ValueError, match="at least 2"):
        interval_over_seeds([1.0])


def test_proportion_uses_the_exact_binomial_interval():
    all_right = Claim.proportion("x", np.ones(100, bool), ">=", 0.95)
    # two-sided Clopper-Pearson at 100/100: the lower end solves p^100 = 0.025
    assert all_right.interval[0] == pytest.approx(0.025 ** (1 / 100))
    assert all_right.status == "PASS"
    assert Claim.proportion("x", np.r_[np.ones(97), np.zeros(3)], ">=", 0.95).status == "FAIL"


def test_counts_line():
    counts = studies.count_statuses(["PASS", "PASS", "FAIL", "SKIP", "XFAIL"])
    assert format_counts(counts) == "2 passed, 1 failed, 1 skipped, 1 xfailed"


def test_shift_seeds_moves_run_seeds_not_instances():
    p = Point({"name": "random_zero_sum", "rows": 3, "seed": 7}, {"name": "dsbr"}, {"steps": 10, "seed": 2},
              tags={"role": "r"})
    (q,) = shift_seeds([p], 5)
    assert q.run["seed"] == 7 and q.game["seed"] == 7 and q.tags == {"role": "r"}
    assert shift_seeds([Point({"name": "g"}, {"name": "l"}, {"steps": 1})], 3)[0].run["seed"] == 3


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True])
def test_bad_seed_offset(tmp_path, bad):
    with pytest.raises(InvalidParameterError, match="seed_offset"):
        run_studies("frank-wolfe", output=tmp_path, seed_offset=bad)


@pytest.mark.parametrize("bad", ["-1", "x", "1.5"])
def test_bad_seed_offset_on_the_command_line(bad, capsys):
    from stratlearn.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "frank-wolfe", "--seed-offset", bad])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--seed-offset" in err and "expected a non-negative integer" in err


# ------------------------------------------------------------------------------------ fake studies, in-process
def _study(name, claims=None, error=None):
    def analyze(size, data):
        if error is not None:
            raise error
        return StudyResult(name=name, size=size, claims=[c(data) for c in claims])

    return Study(name=name, title=f"{name} title", paper="[0]", points=lambda size: [], analyze=analyze)


@pytest.fixture
def fake_studies(monkeypatch):
    fakes = {
        "fine": _study("fine", [lambda d: Claim("holds", 0.1, "<", 1.0),
                                lambda d: Claim("known gap", 2.0, "<", 1.0, xfail="documented reason")]),
        "failing": _study("failing", [lambda d: Claim("does not hold", 2.0, "<", 1.0)]),
        "skipping": _study("skipping", [lambda d: Claim.skipped("needs X", "<", 1.0, "pip install x")]),
        "broken": _study("broken", error=RuntimeError("the solver fell over <b>")),
        "seeded": _study("seeded", [lambda d: Claim("offset", float(d.seed(0)), ">=", 0.0)]),
    }
    monkeypatch.setattr(studies, "STUDIES", fakes)
    return fakes


def test_a_crashed_study_is_in_the_report_and_raises(tmp_path, fake_studies, capsys):
    with pytest.raises(StudyError, match="broken"):
        run_studies("fine,broken,failing", output=tmp_path, jobs=1, progress=False)
    out = capsys.readouterr().out
    assert "2 studies ran, 1 crashed (broken); claims: 1 passed, 1 failed, 0 skipped, 1 xfailed" in out
    crashed = json.loads((tmp_path / "crashed.json").read_text())
    assert crashed["broken"]["error"] == "RuntimeError: the solver fell over <b>"
    report = (tmp_path / "report.html").read_text()
    assert "the solver fell over &lt;b&gt;" in report and "fell over <b>" not in report     # shown, escaped
    # a later run where the study finishes removes it from crashed.json
    fake_studies["broken"] = _study("broken", [lambda d: Claim("now fine", 0.0, "<=", 0.0)])
    summary = run_studies("broken", output=tmp_path, jobs=1, progress=False)
    assert summary["crashed"] == [] and json.loads((tmp_path / "crashed.json").read_text()) == {}


def test_exit_codes(tmp_path, fake_studies):
    from stratlearn.cli import main

    assert main(["reproduce", "fine", "-o", str(tmp_path / "a"), "--no-progress"]) == 0        # XFAIL does not fail
    assert main(["reproduce", "failing", "-o", str(tmp_path / "b"), "--no-progress"]) == 1     # a FAIL does
    assert main(["reproduce", "skipping", "-o", str(tmp_path / "c"), "--no-progress"]) == 0
    assert main(["reproduce", "skipping", "-o", str(tmp_path / "c"), "--no-progress", "--strict"]) == 1
    assert main(["reproduce", "broken", "-o", str(tmp_path / "d"), "--no-progress"]) == 2      # a crash does
    claims = json.loads((tmp_path / "a" / "fine" / "claims.json").read_text())
    assert claims["counts"]["XFAIL"] == 1 and claims["claims"][1]["xfail"] == "documented reason"


def test_seed_offset_reaches_the_analysis(tmp_path, fake_studies):
    run_studies("seeded", output=tmp_path, jobs=1, progress=False, seed_offset=4)
    claims = json.loads((tmp_path / "seeded" / "claims.json").read_text())
    assert claims["seed_offset"] == 4 and claims["claims"][0]["measured"] == 4.0


def test_missing_pot_gives_skip_with_the_install_command(monkeypatch):
    """The distribution-shift study's 2-D claim on a small grid, once with POT and once with POT hidden."""
    from stratlearn.studies import distribution_shift as ds

    from stratlearn.populations.grids import Grid2D

    cfg = {"cells_2d": 8, "t_2d": 1.0}
    grid = Grid2D((-3.0, -3.0), (3.0, 3.0), (8, 8))
    part = ds._part_two_dimensional(cfg, 0)
    assert ds._two_dimensional_claim(grid, part).status in ("PASS", "FAIL")
    monkeypatch.setitem(sys.modules, "ot", None)          # `import ot` now raises ImportError
    part = ds._part_two_dimensional(cfg, 0)
    claim = ds._two_dimensional_claim(grid, part)
    assert claim.status == "SKIP" and "pip install pot" in claim.skip


# --- headline claims and their negative controls (issue 19, docs/studies.md "Rules for claims") ---

def _headline(value=0.1):
    return Claim("gap under the bias", value, "<", 0.2, headline=True, key="bias")


def test_a_control_passes_when_the_claims_comparison_fails_on_its_run():
    assert Claim("c above the condition", 0.5, "<", 0.2, control_of="bias").status == "PASS"
    assert Claim("c above the condition", 0.1, "<", 0.2, control_of="bias").status == "FAIL"  # it could not fail
    assert Claim("missing", float("nan"), "<", 0.2, control_of="bias").status == "FAIL"       # showed nothing
    row = Claim("x", 0.5, "<", 0.2, control_of="bias").as_dict()
    assert row["role"] == "control" and row["control_of"] == "bias" and row["passed"]


def test_a_control_decides_at_the_end_of_its_interval_easiest_for_the_claim():
    values = np.array([0.18, 0.26, 0.22, 0.3, 0.14])          # mean 0.22 above 0.2, lower end below it
    control = Claim.over_seeds("x", values, "<", 0.2, control_of="bias")
    assert control.interval[0] < 0.2 < control.measured
    assert control.decisive == control.interval[0] and control.status == "FAIL"  # not a 95%-sure failure
    assert Claim.over_seeds("x", values + 0.2, "<", 0.2, control_of="bias").status == "PASS"
    # a ">" claim: its control must stay below the threshold even at the upper end
    assert Claim.over_seeds("x", values, ">", 0.5, control_of="bias").status == "PASS"
    assert Claim.over_seeds("x", values, ">", 0.25, control_of="bias").status == "FAIL"


def test_a_headline_claim_without_a_control_is_refused():
    with pytest.raises(StudyError, match="headline claim 'bias'.*no negative control"):
        StudyResult("s", "quick", [_headline()])
    ok = StudyResult("s", "quick", [_headline(), Claim("ctl", 0.5, "<", 0.2, control_of="bias")])
    assert ok.passed and ok.counts()["PASS"] == 2


def test_a_control_without_its_claim_is_refused():
    with pytest.raises(StudyError, match="control_of='rate'.*names no claim"):
        StudyResult("s", "quick", [_headline(), Claim("ctl", 0.5, "<", 0.2, control_of="bias"),
                                   Claim("orphan", 0.5, "<", 0.2, control_of="rate")])
    with pytest.raises(StudyError, match="key='bias': used by 2 claims"):
        StudyResult("s", "quick", [_headline(), _headline(), Claim("ctl", 0.5, "<", 0.2, control_of="bias")])


def test_bad_marks_are_refused():
    with pytest.raises(InvalidParameterError, match="key=''.*needs a key"):
        Claim("x", 0.1, "<", 0.2, headline=True)
    with pytest.raises(InvalidParameterError, match="not both"):
        Claim("x", 0.1, "<", 0.2, headline=True, key="a", control_of="b")
    with pytest.raises(InvalidParameterError, match="control_of=3"):
        Claim("x", 0.1, "<", 0.2, control_of=3)


def test_the_table_names_headlines_and_controls():
    result = StudyResult("matrix-games", "quick", [_headline(), Claim("big c", 0.5, "<", 0.2, control_of="bias")])
    text = studies.format_claims(result)
    assert "[bias] gap under the bias" in text and "control of [bias]: big c" in text and "must fail < 0.2" in text


def test_fitted_slope_over_decades():
    from stratlearn.studies.base import fitted_slope

    steps = np.logspace(1, 5, 41)
    values = 3.0 / steps + np.where(steps < 5e2, 1.0, 0.0)        # a rate of -1 only over the last two decades
    assert fitted_slope(steps, values, decades=2) == pytest.approx(-1.0)
    assert abs(fitted_slope(steps, values) + 1.0) > 0.3                  # the whole range mixes in the step
    for bad in (-1, 0, float("nan"), "2", True):
        with pytest.raises(InvalidParameterError, match="decades=.*positive number of decades"):
            fitted_slope(steps, values, decades=bad)
    with pytest.raises(InvalidParameterError, match="span 4 decades"):
        fitted_slope(steps, values, decades=5)
    # a run at zero (or below, by rounding) over the fitted range has no rate: a clear error, not numpy's TypeError
    with pytest.raises(InvalidParameterError, match="1 positive record"):
        fitted_slope(steps, np.where(steps < 1e5, -1e-17, 1e-16), decades=2)


def test_the_parallel_runner_says_how_far_it_is():
    import time

    from stratlearn.studies import QUICK_SECONDS, _overall

    now = time.perf_counter()
    line = _overall(3, 8, 200.0, ["tolls"], {"model-selection": None}, {"model-selection": now - 20}, "quick")
    left = QUICK_SECONDS["tolls"] + QUICK_SECONDS["model-selection"] - 20
    assert line.startswith("[3/8 studies done, 3:20 elapsed, about ") and "running: model-selection]" in line
    minutes, seconds = line.split("about ")[1].split(" left")[0].split(":")
    assert abs(60 * int(minutes) + int(seconds) - left) <= 1
    assert _overall(8, 8, 400.0, [], {}, {}, "quick") == "[8/8 studies done, 6:40 elapsed]"
    assert "left" not in _overall(1, 4, 10.0, ["tolls"], {}, {}, "full")     # no recorded times at the full size


# ------------------------------------------------------------------------------------ reproduce --set
SIZED = {"quick": {"seeds": 3, "step": 0.5, "inner": {"steps": 10}}, "full": {"seeds": 9, "step": 0.5,
                                                                              "inner": {"steps": 100}}}
SHAPED = {"quick": {"games": [(5, 2, 0.9)], "radii": (0.25, 0.5), "offset": 0}}


def _sized_study():
    from stratlearn.studies.base import size_config

    def analyze(size, data):
        cfg = size_config(SIZED, size)
        return StudyResult(name="sized", size=size, claims=[Claim("seeds", float(cfg["seeds"]), ">=", 0.0),
                                                            Claim("steps", float(cfg["inner"]["steps"]), ">=", 0.0),
                                                            Claim("step", cfg["step"], ">=", 0.0)])

    return Study(name="sized", title="sized title", paper="[0]", points=lambda size: [], analyze=analyze,
                 sizes=SIZED)


def test_size_config_applies_overrides_and_refuses_bad_ones():
    import pickle

    from stratlearn.errors import ConfigError
    from stratlearn.studies.base import Size, parse_size_overrides, size_config

    size = Size("quick", parse_size_overrides(["seeds=5", "inner.steps=20", "step=1"]))
    assert size == "quick" and hash(size) == hash("quick")          # still the size's name everywhere
    assert size_config(SIZED, size) == {"seeds": 5, "step": 1.0, "inner": {"steps": 20}}
    assert isinstance(size_config(SIZED, size)["step"], float)        # an integer may become a number
    assert SIZED["quick"]["seeds"] == 3                               # the table itself is untouched
    assert size_config(SIZED, "quick") == SIZED["quick"]
    assert pickle.loads(pickle.dumps(size)).overrides == size.overrides
    for items, message in [(["seedz=5"], "no 'seedz' \\(did you mean 'seeds'\\?\\); expected one of inner, seeds, "
                                         "step"),
                           (["seeds=five"], "seeds='five': expected a value of type int \\(the quick size has 3\\)"),
                           (["seeds=2.5"], "expected a value of type int"),
                           (["inner=3"], "a table; set its entries with a dotted key"),
                           (["seeds.x=1"], "seeds is not a table of the quick size")]:
        with pytest.raises(ConfigError, match=message):
            size_config(SIZED, Size("quick", parse_size_overrides(items)))
    for bad in ("seeds", "=3", "a..b=1"):
        with pytest.raises(ConfigError, match="--set"):
            parse_size_overrides([bad])
    # TOML gives lists: they take the entry's shape, so a study's `(S, A, gamma) in cfg["games"]` still matches
    shaped = size_config(SHAPED, Size("quick", parse_size_overrides(["games=[[5, 2, 0.9], [20, 2, 1]]",
                                                                     "radii=[0.1]", "offset=0"])))
    assert shaped == {"games": [(5, 2, 0.9), (20, 2, 1.0)], "radii": (0.1,), "offset": 0}
    assert (5, 2, 0.9) in shaped["games"] and isinstance(shaped["games"][1][2], float)
    for items, message in [(["games=[[5, 2]]"], "expected 3 entries"), (["games=[]"], "non-empty"),
                           (["games=[[5, 2.5, 0.9]]"], "type int"), (["radii=[-0.1]"], "expected a number > 0"),
                           (["seeds=0"], "expected an integer >= 1"), (["offset=-1"], "expected a number >= 0"),
                           (["radii=0.1"], "expected a list")]:
        with pytest.raises(ConfigError, match=message):
            size_config({**SHAPED, "quick": {**SHAPED["quick"], "seeds": 3}},
                        Size("quick", parse_size_overrides(items)))


def test_reproduce_set_changes_one_study_and_records_it(tmp_path, monkeypatch, fake_studies, capsys):
    from stratlearn.cli import main

    fake_studies["sized"] = _sized_study()
    assert main(["reproduce", "sized", "-o", str(tmp_path), "--no-progress", "--set", "seeds=7", "--set",
                 "inner.steps=12"]) == 0
    claims = json.loads((tmp_path / "sized" / "claims.json").read_text())
    assert [c["measured"] for c in claims["claims"]] == [7.0, 12.0, 0.5]
    assert claims["overrides"] == {"seeds": 7, "inner.steps": 12} and claims["size"] == "quick"
    report = (tmp_path / "report.html").read_text()
    assert "size overridden</b>: seeds=7, inner.steps=12" in report
    assert main(["reproduce", "sized", "-o", str(tmp_path / "plain"), "--no-progress", "--full"]) == 0
    plain = json.loads((tmp_path / "plain" / "sized" / "claims.json").read_text())
    assert [c["measured"] for c in plain["claims"]] == [9.0, 100.0, 0.5] and "overrides" not in plain
    assert main(["reproduce", "sized", "--set", "seeds=2", "--dry-run"]) == 0
    assert "nothing was run" in capsys.readouterr().out
    for argv, message in [(["reproduce", "sized,fine", "--set", "seeds=2"], "name one study"),
                          (["reproduce", "sized", "--set", "seedz=2"], "did you mean 'seeds'"),
                          (["reproduce", "fine", "--set", "seeds=2"], "has no size table"),
                          (["reproduce", "sized", "--set", "seeds"], "expected KEY=VALUE")]:
        assert main(argv) == 2 and message in capsys.readouterr().err, argv
