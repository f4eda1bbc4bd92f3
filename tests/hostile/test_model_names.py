"""Configs are data: a model name in a `collective audit` config (or on the command line) can only ever name a
scikit-learn-style classifier class from an allowed module. Names of functions, of other classes, of modules outside
the allow-list, and parameters that are not plain data are refused before anything they name is called,
instantiated, or (outside the allow-list) imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from stratlearn.cli import main
from stratlearn.errors import ConfigError, ModelNotAllowedError, StratlearnError
from stratlearn.experiments.configs.collective import (check_model_params, load_audit_config, resolve_model,
                                                     resolve_model_class, run_audit)

PROBE = "stratlearn_hostile_probe"          # a module written into tmp_path by the `probe` fixture


def _touch(marker: Path) -> str:
    return f"touch {marker}"


# name, params (built from the marker path), a fragment of the expected message
HOSTILE = [
    ("subprocess.getoutput", lambda m: {"cmd": _touch(m)}, "module 'subprocess' is not allowed"),
    ("subprocess.Popen", lambda m: {"args": ["touch", str(m)]}, "module 'subprocess' is not allowed"),
    ("os.system", lambda m: {"command": _touch(m)}, "module 'os' is not allowed"),
    ("builtins.eval", lambda m: {"source": f"open({str(m)!r}, 'w').close()"}, "module 'builtins' is not allowed"),
    ("builtins.exec", lambda m: {"source": f"open({str(m)!r}, 'w').close()"}, "module 'builtins' is not allowed"),
    ("sklearn:subprocess.getoutput", lambda m: {"cmd": _touch(m)}, "cannot import module 'sklearn.subprocess'"),
    ("sklearn:os.system", lambda m: {"command": _touch(m)}, "cannot import module 'sklearn.os'"),
    ("sklearn.__builtins__.eval", lambda m: {"source": "1"}, "a private name"),
    ("sklearn.datasets.load_iris", lambda m: {"return_X_y": True}, "a function, not a class"),
    ("sklearn.utils.Bunch", lambda m: {"path": str(m)}, "a class without fit() and predict(), not a classifier"),
    ("sklearn.linear_model.LinearRegression", lambda m: {"fit_intercept": True},
     "a class that is not a classifier (a regressor)"),
    ("sklearn.cluster.KMeans", lambda m: {"n_clusters": 2}, "a class that is not a classifier (a cluster)"),
    ("sklearn.pipeline.Pipeline", lambda m: {"steps": []}, "a class that is not a classifier"),
    ("xgboost.XGBClassifier", lambda m: {"n_estimators": 5}, "module 'xgboost' is not allowed"),
    ("collections.OrderedDict", lambda m: {"cmd": _touch(m)}, "module 'collections' is not allowed"),
    ("LogisticRegression", lambda m: {}, "not a dotted path MODULE.Class"),
    ("sklearn.linear_model.Logistic Regression", lambda m: {}, "not a dotted path MODULE.Class"),
]


def _toml(path: Path, name: str, params: dict, extra_model: str = "") -> Path:
    # JSON strings and arrays are valid TOML values for these plain params
    inline = ", ".join(f"{k} = {json.dumps(v)}" for k, v in params.items())
    path.write_text(textwrap.dedent(f"""\
        [data]
        path = "builtin:breast_cancer"
        [model]
        name = {json.dumps(name)}
        params = {{ {inline} }}
        standardize = false
        {extra_model}
        [collective]
        alphas = [0.1]
        seeds = 1
        """))
    return path


@pytest.fixture
def probe(tmp_path):
    """A module on disk (not yet on sys.path) that leaves a marker file when it is imported and when any of its
    callables is called; it holds a classifier, a duck-typed one, a declared regressor and a plain function."""
    folder = tmp_path / "probe_pkg"
    folder.mkdir()
    imported, called = tmp_path / "imported.marker", tmp_path / "called.marker"
    (folder / f"{PROBE}.py").write_text(textwrap.dedent(f"""\
        import numpy as np
        from sklearn.base import BaseEstimator, ClassifierMixin
        open({str(imported)!r}, "a").close()

        class NearestMean(ClassifierMixin, BaseEstimator):
            '''A tiny classifier, the class whose mean is nearest (on scikit-learn's bases, as xgboost's are).'''
            def __init__(self, shrink=0.0):
                self.shrink = shrink
            def fit(self, X, y):
                self.classes_ = np.unique(y)
                self.means_ = np.stack([X[y == c].mean(axis=0) for c in self.classes_]) * (1 - self.shrink)
                return self
            def predict(self, X):
                d = ((np.asarray(X)[:, None, :] - self.means_[None]) ** 2).sum(-1)
                return self.classes_[d.argmin(1)]

        class Duck:
            '''Duck-typed: fit and predict, no scikit-learn base, no declared kind.'''
            def __init__(self, k=1):
                self.k = k
            def fit(self, X, y):
                return self
            def predict(self, X):
                return np.zeros(len(X))

        class Regressor(Duck):
            _estimator_type = "regressor"

        def run(cmd=""):
            open({str(called)!r}, "a").close()
        """))
    sys.modules.pop(PROBE, None)
    yield folder, imported, called
    sys.modules.pop(PROBE, None)


# ------------------------------------------------------------------------------------------------ the Python API
@pytest.mark.parametrize("name, make_params, message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_names_are_refused_before_any_call(tmp_path, name, make_params, message):
    marker = tmp_path / "marker"
    params = make_params(marker)
    with pytest.raises(ModelNotAllowedError) as caught:
        resolve_model(name, params)
    text = str(caught.value)
    assert text.startswith(f"model.name={name!r}: ") and message in text
    assert "expected a scikit-learn classifier class such as sklearn.linear_model.LogisticRegression" in text
    assert isinstance(caught.value, ConfigError) and isinstance(caught.value, ValueError)
    with pytest.raises(ModelNotAllowedError, match="model.name="):
        run_audit(data="builtin:breast_cancer", model=name, model_params=params, alphas=[0.1], seeds=1,
                  output=tmp_path / "out")
    assert not marker.exists()
    assert not (tmp_path / "out").exists()                  # nothing was written either


def test_a_module_outside_the_list_is_not_even_imported(probe, monkeypatch):
    folder, imported, called = probe
    monkeypatch.syspath_prepend(str(folder))
    for name in (f"{PROBE}.NearestMean", f"{PROBE}.run"):
        with pytest.raises(ModelNotAllowedError, match=f"module '{PROBE}' is not allowed"):
            resolve_model(name, {"cmd": "x"})
    with pytest.raises(ModelNotAllowedError, match="not allowed"):   # a prefix of the name does not allow it
        resolve_model(f"{PROBE}.NearestMean", allow_modules=[PROBE[:-1]])
    assert PROBE not in sys.modules and not imported.exists() and not called.exists()


def test_an_allowed_module_still_gets_only_classifier_classes(probe, monkeypatch, tmp_path):
    folder, imported, called = probe
    monkeypatch.syspath_prepend(str(folder))
    with pytest.raises(ModelNotAllowedError, match="a function, not a class"):
        resolve_model(f"{PROBE}.run", {"cmd": "x"}, allow_modules=[PROBE])
    with pytest.raises(ModelNotAllowedError, match="not a classifier \\(an estimator of type 'regressor'\\)"):
        resolve_model(f"{PROBE}.Regressor", allow_modules=[PROBE])
    assert imported.exists() and not called.exists()          # the allowed module was imported, nothing called
    # allowing the standard library does not make its functions or non-classifier classes runnable
    marker = tmp_path / "marker"
    with pytest.raises(ModelNotAllowedError, match="a class without fit\\(\\) and predict\\(\\)"):
        resolve_model("subprocess.Popen", {"args": ["touch", str(marker)]}, allow_modules=["subprocess"])
    with pytest.raises(ModelNotAllowedError, match="a function, not a class"):
        resolve_model("os.system", {"command": _touch(marker)}, allow_modules=["os"])
    assert not marker.exists()


def test_an_allowed_module_works(probe, monkeypatch, tmp_path):
    folder, imported, _ = probe
    monkeypatch.syspath_prepend(str(folder))
    model = resolve_model(f"{PROBE}.NearestMean", {"shrink": 0.0}, allow_modules=[PROBE])
    assert type(model).__name__ == "NearestMean" and model.shrink == 0.0
    assert resolve_model(f"{PROBE}.Duck", {"k": 3}, allow_modules=[PROBE]).k == 3
    out = run_audit(data="builtin:breast_cancer", model=f"{PROBE}.NearestMean", model_params={"shrink": 0.0},
                    allow_modules=[PROBE], standardize=False, alphas=[0.1], seeds=1, output=tmp_path / "out")
    assert out["curve"].success.between(0, 1).all()
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["allow_modules"] == [PROBE]


def test_scikit_learn_classifiers_resolve_with_their_params():
    from sklearn.linear_model import LogisticRegression

    for name in ("sklearn.linear_model.LogisticRegression", "sklearn:linear_model.LogisticRegression",
                 "sklearn:sklearn.linear_model.LogisticRegression"):
        assert resolve_model_class(name) is LogisticRegression
        model = resolve_model(name, {"C": 0.5, "max_iter": 200, "class_weight": {"0": 1.0}})
        assert isinstance(model, LogisticRegression) and model.C == 0.5 and model.max_iter == 200
    with pytest.raises(StratlearnError, match="does not accept them"):
        resolve_model("sklearn.linear_model.LogisticRegression", {"no_such_keyword": 1})


def test_params_must_be_plain_data():
    assert check_model_params({"a": [1, 2.5, "x", True, None], "b": {"c": {"d": [0]}}, "e": {0: 1.0}}) == {
        "a": [1, 2.5, "x", True, None], "b": {"c": {"d": [0]}}, "e": {0: 1.0}}
    for params, message in [({"C": print}, "model.params.C=<built-in function print>: expected plain data"),
                            ({"kernel": lambda x: x}, "model.params.kernel=<function"),
                            ({"w": [1, object()]}, "model.params.w\\[1\\]="),
                            ({"w": {"v": {1, 2}}}, "model.params.w.v=\\{1, 2\\}: expected plain data"),
                            ({"w": {(1, 2): 3}}, "key \\(1, 2\\): expected a string or a number"),
                            ({"__class__": 1}, "key '__class__': expected a keyword argument name"),
                            ({1: 1}, "key 1: expected a keyword argument name"),
                            ("max_iter=5", "model.params='max_iter=5': expected a table")]:
        with pytest.raises(ModelNotAllowedError, match=message):
            resolve_model("sklearn.linear_model.LogisticRegression", params)


def test_allow_modules_must_be_module_names():
    for value in (["os; rm -rf /"], [""], [3], "a b"):
        with pytest.raises(StratlearnError, match="allow_modules"):
            resolve_model_class("sklearn.svm.SVC", value)


def test_a_config_file_cannot_allow_modules(tmp_path):
    path = _toml(tmp_path / "c.toml", "subprocess.Popen", {"args": ["touch", str(tmp_path / "m")]},
                 'allow_modules = ["subprocess"]')
    with pytest.raises(ConfigError, match="model.allow_modules=\\['subprocess'\\]: a config file cannot allow"):
        load_audit_config(path)
    assert not (tmp_path / "m").exists()


# ------------------------------------------------------------------------------------ the command line, in-process
@pytest.mark.parametrize("name, make_params, message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_cli_refuses_hostile_configs(tmp_path, capsys, name, make_params, message):
    marker = tmp_path / "marker"
    config = _toml(tmp_path / "hostile.toml", name, make_params(marker))
    assert main(["collective", "audit", "--config", str(config), "-o", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"stratlearn: error: model.name={name!r}: ") and message in captured.err
    assert captured.err.count("\n") == 1 and not captured.out
    assert not marker.exists() and not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------- the command line, a subprocess
def _cli(args, tmp_path, pythonpath=None):
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath)] + [p for p in [env.get("PYTHONPATH")] if p])
    return subprocess.run([sys.executable, "-m", "stratlearn.cli", "collective", "audit", *args,
                           "-o", str(tmp_path / "out")], capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=300)


@pytest.mark.parametrize("name, params, message", [
    ("subprocess.getoutput", "cmd", "module 'subprocess' is not allowed"),
    ("sklearn:subprocess.getoutput", "cmd", "cannot import module 'sklearn.subprocess'"),
    ("builtins.eval", "source", "module 'builtins' is not allowed"),
])
def test_cli_subprocess_refuses_hostile_toml(tmp_path, name, params, message):
    marker = tmp_path / "marker"
    value = _touch(marker) if params == "cmd" else f"open({str(marker)!r}, 'w').close()"
    config = _toml(tmp_path / "hostile.toml", name, {params: value})
    done = _cli(["--config", str(config)], tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"stratlearn: error: model.name={name!r}: ") and message in done.stderr
    assert done.stderr.count("\n") == 1 and not done.stdout
    assert not marker.exists() and not (tmp_path / "out").exists()


def test_cli_subprocess_refuses_flags_and_toml_allowances_and_unlisted_modules(tmp_path, probe):
    folder, imported, called = probe
    marker = tmp_path / "marker"
    done = _cli(["--data", "builtin:breast_cancer", "--model", "os.system", "--param", f"command={_touch(marker)}"],
                tmp_path)
    assert done.returncode == 2 and "model.name='os.system': module 'os' is not allowed" in done.stderr
    config = _toml(tmp_path / "allow.toml", "subprocess.Popen", {"args": ["touch", str(marker)]},
                   'allow_modules = ["subprocess"]')
    done = _cli(["--config", str(config)], tmp_path)
    assert done.returncode == 2 and "model.allow_modules=['subprocess']: a config file cannot allow" in done.stderr
    config = _toml(tmp_path / "probe.toml", f"{PROBE}.run", {"cmd": "x"})
    done = _cli(["--config", str(config)], tmp_path, pythonpath=folder)      # importable, but not allowed
    assert done.returncode == 2 and f"module '{PROBE}' is not allowed" in done.stderr
    done = _cli(["--config", str(config), "--allow-module", PROBE], tmp_path, pythonpath=folder)
    assert done.returncode == 2 and f"model.name='{PROBE}.run': a function, not a class" in done.stderr
    assert imported.exists()                                  # allowed on the command line: imported, not called
    assert not marker.exists() and not called.exists() and not (tmp_path / "out").exists()
