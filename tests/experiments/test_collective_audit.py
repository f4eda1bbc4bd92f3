"""``stratlearn collective audit``: the sweep on a user's file and model, its report, and its errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stratlearn.cli import main


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame["diagnosis"] = frame.pop("target").map({0: "malignant", 1: "benign"})
    path = tmp_path_factory.mktemp("audit") / "cancer.csv"
    frame.to_csv(path, index=False)
    return path


def test_audit_writes_the_report(table, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["collective", "audit", "--data", str(table), "--label", "diagnosis", "--model",
                 "sklearn:sklearn.linear_model.LogisticRegression", "--param", "max_iter=2000", "--target", "benign",
                 "--alphas", "0.01,0.1", "--seeds", "2", "-o", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "implied ε" in printed and "report:" in printed
    audit = pd.read_parquet(out / "audit" / "audit.parquet")
    assert list(audit.members) == [4, 4, 42, 42]                  # ⌊α · 427⌋ training rows
    assert audit.success.between(0, 1).all()
    assert audit.groupby("alpha").success.mean().iloc[-1] > 0.85
    claims = json.loads((out / "audit" / "claims.json").read_text())
    assert len(claims["claims"]) == 2
    config = json.loads((out / "config.json").read_text())
    assert config["target"] == "benign" and config["model_params"] == {"max_iter": 2000}
    html = (out / "report.html").read_text()
    assert "collective audit" in html and "data:image/png;base64" in html


def test_pipeline_models_are_seeded_and_alphas_sorted(table, tmp_path):
    from stratlearn.experiments.configs.collective import run_audit

    runs = [run_audit(data=str(table), label="diagnosis", model="sklearn:neural_network.MLPClassifier",
                      model_params={"hidden_layer_sizes": [8], "max_iter": 50}, alphas=[0.1, 0.02], seeds=1,
                      output=tmp_path / f"r{i}") for i in range(2)]
    # a StandardScaler pipeline around a seeded estimator: the two runs are identical, and the sizes come sorted
    assert runs[0]["curve"].alpha.tolist() == [0.02, 0.1]
    assert runs[0]["table"].success.tolist() == runs[1]["table"].success.tolist()
    assert "largest α = 0.1" in runs[0]["claims"][0].text


def test_example_config_parses():
    from pathlib import Path

    from stratlearn.experiments.configs.collective import load_audit_config

    options = load_audit_config(Path(__file__).parents[2] / "examples" / "collective.toml")
    assert options["data"] == "builtin:breast_cancer" and options["model"].startswith("sklearn:")
    assert options["model_params"] == {"max_iter": 50} and options["target"] == "benign"


@pytest.mark.parametrize("args, message", [
    (["--model", "sklearn:preprocessing.StandardScaler"],
     "model.name='sklearn:preprocessing.StandardScaler': a class without predict\\(\\)"),
    (["--model", "sklearn:linear_model.NoSuchModel"], "cannot import"),
    (["--model", "LogisticRegression"], "model.name='LogisticRegression': not a dotted path MODULE.Class"),
    (["--target", "healthy"], "target='healthy': this label does not occur in column 'diagnosis'"),
    (["--signal", "tumour size=3"], "signal column 'tumour size': not a feature column"),
    (["--signal", "mean radius"], "expected COLUMN=VALUE"),
    (["--alphas", "0.1,1.0"], "alphas\\[1\\]=1.0: expected a number in \\(0.0, 1.0\\)"),
    (["--label", "colour"], "colour"),
    (["--model", "sklearn:linear_model.LinearRegression"],
     "not a classifier \\(a regressor\\); expected a scikit-learn classifier class"),
    (["--model", "sklearn:linear_model.LogisticRegression", "--param", "C=-1"], "fitting it failed"),
])
def test_audit_errors_name_the_field(table, tmp_path, capsys, args, message):
    base = {"--data": str(table), "--label": "diagnosis", "--model": "sklearn:linear_model.LogisticRegression",
            "--alphas": "0.1", "--seeds": "1"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    argv = ["collective", "audit", "-o", str(tmp_path / "o")] + [x for kv in base.items() for x in kv]
    assert main(argv) == 2
    assert pytest.importorskip("re").search(message, capsys.readouterr().err)


def test_missing_labels_and_text_features_are_named(tmp_path, capsys):
    frame = pd.DataFrame({"a": np.arange(10.0), "b": ["x"] * 10, "label": [0, 1] * 5})
    frame.to_csv(tmp_path / "t.csv", index=False)
    assert main(["collective", "audit", "--data", str(tmp_path / "t.csv"), "--label", "label", "--model",
                 "sklearn:linear_model.LogisticRegression", "-o", str(tmp_path / "o")]) == 2
    assert "'b'" in capsys.readouterr().err
    frame = pd.DataFrame({"a": np.arange(10.0), "label": [0, 1, None, 1, 0, 1, 0, 1, 0, 1]})
    frame.to_csv(tmp_path / "m.csv", index=False)
    assert main(["collective", "audit", "--data", str(tmp_path / "m.csv"), "--label", "label", "--model",
                 "sklearn:linear_model.LogisticRegression", "-o", str(tmp_path / "o")]) == 2
    assert "label" in capsys.readouterr().err
