"""The hostile cases that already held when the "nothing lost" issue was filed, kept here so that none can regress.

Where one lives elsewhere (it tests a module's main behaviour too), this list says where:

- SIGKILL part-way through a sweep, resumed to a store equal to an uninterrupted one, no stored point recomputed:
  ``tests/experiments/test_sweep_cli.py::test_killed_sweep_resumes_without_recomputing``; Ctrl-C:
  ``test_one_line_errors.py::test_ctrl_c_prints_one_line_and_exits_130_with_the_store_consistent``.
- truncated point files and flipped data pages recomputed: ``test_store_integrity.py`` (every single-bit flip).
- Ray bound to 127.0.0.1 (every listening socket): ``tests/experiments/test_executors.py``.
- HTML escaped in the report: ``tests/experiments/test_report.py::test_report_is_self_contained_and_escaped``.
- same seed, same bytes across runs and executors: ``test_seed_exact.py``.
- configs are data (no import or call from a config): ``test_model_names.py``.

Here: typed errors from every catalog constructor on every bad value, typos named with the valid names, and no
unpickling, ``eval``/``exec`` or shell anywhere in the package.
"""

import dataclasses
import inspect
import re
import warnings
from pathlib import Path

import pytest

import stratlearn
from stratlearn.errors import StratlearnError, UnknownNameError
from stratlearn.games.catalog import GAMES
from stratlearn.games.catalog import make as make_game
from stratlearn.learners import LEARNERS
from stratlearn.learners import make as make_learner

# what a config or a caller can hand a constructor by mistake: signs, non-finite numbers, text, nothing, a list, a
# size no machine holds, a boolean where a number belongs
BAD = [-1, 0, float("nan"), float("inf"), "text", None, [1], 10**30, True]


def _accepts_or_refuses_clearly(build):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a NaN computed on the way is a silent number too
        try:
            build()
        except StratlearnError:
            pass


@pytest.mark.parametrize("name", sorted(LEARNERS))
def test_every_learner_field_takes_a_bad_value_or_refuses_it_with_a_stratlearn_error(name):
    for field in dataclasses.fields(LEARNERS[name]):
        for value in BAD:
            _accepts_or_refuses_clearly(lambda: make_learner(name, **{field.name: value}))


@pytest.mark.parametrize("name", sorted(GAMES))
def test_every_game_parameter_takes_a_bad_value_or_refuses_it_with_a_stratlearn_error(name):
    # a size of 10^30 must be refused by the memory estimate before anything is allocated (several were numpy's
    # "Maximum allowed size exceeded"); a discount given as text once failed inside a format string
    for parameter in inspect.signature(GAMES[name]).parameters:
        for value in BAD:
            _accepts_or_refuses_clearly(lambda: make_game(name, **{parameter: value}))


@pytest.mark.parametrize("kind, make, registry", [("game", make_game, GAMES), ("learner", make_learner, LEARNERS)])
@pytest.mark.parametrize("name", ["rock_paper_sissors", ["dsbr"], {"x": 1}, None])
def test_a_wrong_name_lists_the_valid_ones(kind, make, registry, name):
    with pytest.raises(UnknownNameError) as info:
        make(name)
    message = str(info.value)
    assert f"unknown {kind}" in message and all(valid in message for valid in registry)


def test_an_unknown_parameter_names_the_accepted_ones():
    with pytest.raises(StratlearnError, match=r"temperatur.*expected some of.*temperature"):
        make_learner("dsbr", temperatur=0.1)
    with pytest.raises(StratlearnError, match=r"colums.*expected some of.*cols.*rows"):
        make_game("random_zero_sum", colums=3)


# (pattern, why it is dangerous); the package must contain none of them
FORBIDDEN = [
    (r"\bimport pickle\b|\bpickle\.load|\bcloudpickle\.load|\bdill\.load", "unpickling runs code from the file"),
    (r"allow_pickle\s*=\s*True", "numpy unpickles object arrays"),
    (r"\bmarshal\.loads?\b", "marshal loads code objects"),
    (r"(?<![\w.])eval\(|(?<![\w.])exec\(", "evaluates text as code"),
    (r"shell\s*=\s*True", "a shell interprets the command line"),
    (r"\bos\.system\(|\bos\.popen\(", "a shell interprets the command line"),
    (r"yaml\.load\((?![^)]*SafeLoader)", "yaml.load without SafeLoader builds arbitrary objects"),
    (r"torch\.load\(", "torch.load unpickles"),
]


def test_the_package_never_unpickles_evaluates_or_uses_a_shell():
    root = Path(stratlearn.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            for pattern, why in FORBIDDEN:
                if re.search(pattern, code):
                    found.append(f"{path.relative_to(root)}:{number}: {line.strip()} ({why})")
    assert not found, "\n".join(found)


def test_the_scan_finds_what_it_looks_for():
    # the scan above would pass on an empty package too; show that each pattern matches the thing it forbids
    samples = ["import pickle", "np.load(f, allow_pickle=True)", "marshal.loads(b)", "eval(text)", "exec(code)",
               "subprocess.run(cmd, shell=True)", "os.system(cmd)", "yaml.load(stream)", "torch.load(path)"]
    for sample in samples:
        assert any(re.search(pattern, sample) for pattern, _ in FORBIDDEN), sample
    for harmless in ["jax.jit(evaluate)", "model.eval()", "yaml.load(s, Loader=yaml.SafeLoader)", "executor(x)"]:
        assert not any(re.search(pattern, harmless) for pattern, _ in FORBIDDEN), harmless
