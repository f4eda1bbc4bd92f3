"""``stratlearn collective audit``: how large must a collective be to steer *your* classifier on *your* data? ([6])

Reads a CSV or Parquet table (:func:`~stratlearn.experiments.datasets.load_table`), holds out a test share, and for
every α and seed lets a collective of ``⌊αN⌋`` training rows plant a signal (a feature pattern: chosen columns set to
chosen values) with a target label, fits a fresh copy of the scikit-learn estimator named by ``--model`` on the
result, and measures success on held-out rows (:func:`~stratlearn.populations.collective.audit`). The theory's bound
(Theorem 1 of [6]) is drawn from terms estimated on the data (:func:`~stratlearn.populations.collective.estimate_bound_terms`).

It writes, into the output folder: ``audit/audit.parquet`` (one row per model), ``audit/success.png``,
``audit/claims.json`` (the summary as checked statements), ``config.json`` and ``report.html`` (the same HTML
report as ``stratlearn reproduce``). The theory's bound is drawn and tabulated as a reference, not claimed: on real
data its ε is only a proxy. A TOML file (``--config``; see ``examples/collective.toml``) can hold every option:

```toml
[data]
path = "my_table.csv"        # CSV or Parquet; or builtin:breast_cancer, builtin:digits, builtin:mnist1d
label = "outcome"            # the class column (not needed for a builtin data set)
# features = ["a", "b"]      # default: every other column
[model]
name = "sklearn:sklearn.linear_model.LogisticRegression"   # or "sklearn:linear_model.LogisticRegression"
params = { max_iter = 1000 }
standardize = true           # a StandardScaler in front of the model, fitted on the training set it sees
[collective]
strategy = "planting"        # or "feature-only"
target = "1"                 # the label's value as written in the file; default: the first class
signal = { a = 9.5 }         # columns -> values; default: the last feature set far outside its range
alphas = [0.001, 0.003, 0.01, 0.03, 0.1]
seeds = 3
test_size = 0.25
seed = 0
```
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

import numpy as np

from ..errors import ConfigError, InvalidParameterError

__all__ = ["resolve_model", "run_audit", "load_audit_config"]

_ALLOWED = {"data": {"path", "label", "features"}, "model": {"name", "params", "standardize"},
            "collective": {"strategy", "target", "signal", "alphas", "seeds", "test_size", "seed"}}
DEFAULT_ALPHAS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)


def resolve_model(spec: str, params: dict | None = None):
    """An estimator from ``sklearn:module.path.Class`` (the module path may start after ``sklearn.``), built with
    ``params`` and checked to have ``fit`` and ``predict``."""
    from ..populations.collective import check_estimator

    if not isinstance(spec, str) or not spec.startswith("sklearn:") or "." not in spec[len("sklearn:"):]:
        raise InvalidParameterError(f"model={spec!r}: expected 'sklearn:MODULE.PATH.Estimator', e.g. "
                                    "'sklearn:sklearn.linear_model.LogisticRegression'")
    path = spec[len("sklearn:"):]
    module_name, _, attr = path.rpartition(".")
    candidates = [module_name] if module_name.startswith("sklearn") else [f"sklearn.{module_name}", module_name]
    obj, errors = None, []
    for name in candidates:
        try:
            obj = getattr(importlib.import_module(name), attr)
            break
        except (ImportError, AttributeError) as exc:
            errors.append(f"{name}.{attr}: {exc}")
    if obj is None:
        raise InvalidParameterError(f"model={spec!r}: cannot import it ({'; '.join(errors)})")
    try:
        estimator = obj(**(params or {})) if isinstance(obj, type) or callable(obj) else obj
    except TypeError as exc:
        raise InvalidParameterError(f"model params={params!r}: {spec} does not accept them ({exc})") from None
    return check_estimator(estimator, "model")


def load_audit_config(path) -> dict:
    """Read a TOML audit config into the keyword arguments of :func:`run_audit` (unknown fields are errors)."""
    from .config import config_table, read_config

    raw = read_config(path)
    unknown = sorted(set(raw) - set(_ALLOWED) - {"title", "description"})
    if unknown:
        raise ConfigError(f"{path}: unknown table(s) {', '.join(unknown)}; expected {', '.join(_ALLOWED)}")
    out = {}
    for table, allowed in _ALLOWED.items():
        for key, value in config_table(raw, table, allowed, str(path)).items():
            out[{"path": "data", "name": "model", "params": "model_params"}.get(key, key)] = value
    if "path" in raw.get("data", {}) and not str(raw["data"]["path"]).startswith("builtin:"):
        base = Path(path).parent
        out["data"] = str((base / raw["data"]["path"]) if not Path(raw["data"]["path"]).is_absolute()
                          else raw["data"]["path"])
    return out


def _signal(spec, dataset, X):
    from ..populations.collective import FeaturePattern

    names = list(dataset.feature_names)
    if spec is None:                          # the last feature, set three ranges above its maximum: never seen
        j = len(names) - 1
        span = float(X[:, j].max() - X[:, j].min()) or 1.0
        return FeaturePattern((j,), (float(X[:, j].max() + 3 * span),)), {names[j]: float(X[:, j].max() + 3 * span)}
    if isinstance(spec, str):
        pairs = {}
        for part in spec.split(","):
            column, sep, value = part.partition("=")
            if not sep:
                raise InvalidParameterError(f"signal={spec!r}: expected COLUMN=VALUE[,COLUMN=VALUE...]")
            pairs[column.strip()] = value.strip()
        spec = pairs
    if not isinstance(spec, dict) or not spec:
        raise InvalidParameterError(f"signal={spec!r}: expected a mapping of feature columns to values")
    idx, vals = [], []
    for column, value in spec.items():
        if column not in names:
            raise InvalidParameterError(f"signal column {column!r}: not a feature column (features: "
                                        f"{', '.join(names[:20])}{' ...' if len(names) > 20 else ''})")
        try:
            vals.append(float(value))
        except (TypeError, ValueError):
            raise InvalidParameterError(f"signal value {column}={value!r}: expected a number") from None
        idx.append(names.index(column))
    return FeaturePattern(tuple(idx), tuple(vals)), {c: float(v) for c, v in zip(spec, vals)}


BUILTIN = ("breast_cancer", "digits", "mnist1d")


def _dataset(data, label, features):
    from . import datasets

    if isinstance(data, str) and data.startswith("builtin:"):
        name = data[len("builtin:"):]
        if name not in BUILTIN:
            raise InvalidParameterError(f"data={data!r}: expected builtin:NAME with NAME one of {', '.join(BUILTIN)}")
        ds = getattr(datasets, name)()
        if ds.feature_names is None:
            ds = datasets.Dataset(ds.X, ds.y, ds.classes, tuple(f"x{i}" for i in range(ds.X.shape[1])), ds.name)
        return ds
    if label is None:
        raise InvalidParameterError("label: required for a data file (the column holding the class)")
    return datasets.load_table(data, label, features)


def run_audit(*, data, model, output, label=None, features=None, model_params=None, standardize=True,
              strategy="planting", target=None, signal=None, alphas=DEFAULT_ALPHAS, seeds=3, test_size=0.25,
              seed=0) -> dict:
    """Run the audit sweep and write its files (see the module docstring); returns a summary dict."""
    from ..populations import collective as C
    from ..studies.base import Claim
    from .io import save_figure, write_json, write_parquet
    from .report import write_report

    started = time.perf_counter()
    estimator = resolve_model(model, model_params)
    if standardize:
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        estimator = make_pipeline(StandardScaler(), estimator)
    dataset = _dataset(data, label, features)
    from ..errors import check_in_range

    test_size = check_in_range("test_size", test_size, 0.0, 1.0, low_open=True, high_open=True)
    train, test = dataset.split(test_size, seed)
    classes = [str(c) for c in dataset.classes]
    if target is None:
        target_index = 0
    elif str(target) in classes:
        target_index = classes.index(str(target))
    else:
        raise InvalidParameterError(f"target={target!r}: this label does not occur in column {label!r} "
                                    f"(labels: {', '.join(classes[:20])})")
    sig, signal_spec = _signal(signal, dataset, train.X)
    kinds = {"planting": C.FeatureLabelPlanting, "feature-only": C.FeatureOnlyPlanting}
    if strategy not in kinds:
        raise InvalidParameterError(f"strategy={strategy!r}: expected one of {', '.join(kinds)}")
    strat = kinds[strategy](sig, target_index)
    alphas = C._alphas(alphas)                       # checked, sorted, distinct
    table = C.audit(estimator, train.X.astype(float), train.y, strat, alphas, X_test=test.X.astype(float),
                    y_test=test.y, seeds=seeds)
    curve = table.groupby("alpha").agg(success=("success", "mean"), low=("low", "mean"), high=("high", "mean"),
                                       accuracy=("accuracy", "mean"), members=("members", "first"),
                                       planted_errors=("planted_errors", "mean")).reset_index()
    terms = C.estimate_bound_terms(test.X.astype(float), sig, target_index)
    # the bound at the collective's realized share ⌊αN⌋/N (no members: bound 0), with ε from the collective's own
    # training errors (a proxy: see estimate_bound_terms); drawn and tabulated as a reference, not claimed
    share = curve.members / len(train.y)
    excess = share * curve.planted_errors
    if strategy == "feature-only":
        pi = float(np.mean(train.y == target_index))
        curve["bound"] = [float(C.feature_only_bound(a, terms.xi, pi, terms.delta, e / (1 + e))) if a > 0 else 0.0
                          for a, e in zip(share, excess)]
        curve["implied_eps"] = np.nan
    else:
        curve["bound"] = [float(C.planting_bound(a, terms.xi, terms.delta, e / (1 + e))) if a > 0 else 0.0
                          for a, e in zip(share, excess)]
        curve["implied_eps"] = np.where(share > 0, C.implied_suboptimality(np.clip(share, 1e-12, 1 - 1e-12),
                                                                           curve.success, terms.xi, terms.delta),
                                        np.nan)
    reached = curve.alpha[curve.success >= 0.9]
    alpha90 = float(reached.min()) if len(reached) else float("inf")
    folder = Path(output) / "audit"
    claims = [
        Claim(f"success at the largest α = {alphas[-1]:g} (mean over {table.seed.nunique()} seeds)",
              float(curve.success.iloc[-1]), ">=", 0.9,
              detail=f"interval {curve.low.iloc[-1]:.3f}–{curve.high.iloc[-1]:.3f}; ξ = {terms.xi:.4g}"),
        Claim("smallest α of the sweep with mean success ≥ 90% (inf: none)", alpha90, "<=", alphas[-1],
              detail=f"{int(curve.members[curve.alpha == alpha90].iloc[0]) if np.isfinite(alpha90) else '—'} "
              f"training rows of {len(train.y)}"),
    ]
    write_parquet(folder / "audit.parquet", table)
    fig = _figure(curve, f"{Path(data).name}: {model}, target {classes[target_index]}")
    save_figure(folder / "success.png", fig)
    wall = time.perf_counter() - started
    from .runner import machine_info

    write_json(folder / "claims.json", {
        "study": "collective audit", "title": f"How large a collective steers {model} on {Path(data).name}",
        "paper": "[6] Hardt, Mazumdar, Mendler-Dünner and Zrnic, ICML 2023", "size": "audit",
        "passed": all(c.passed for c in claims), "wall_time": wall, "claims": [c.as_dict() for c in claims],
        "machine": machine_info()})
    config = {"data": str(data), "label": label, "features": features, "model": model, "model_params": model_params,
              "standardize": standardize, "strategy": strategy, "target": classes[target_index],
              "signal": signal_spec, "alphas": alphas, "seeds": seeds, "test_size": test_size, "seed": seed}
    write_json(Path(output) / "config.json", config)
    report = write_report([output], Path(output) / "report.html", title="stratlearn collective audit")
    return {"curve": curve, "table": table, "claims": claims, "report": report, "folder": folder,
            "wall_time": wall, "rows": len(train.y), "target": classes[target_index], "signal": signal_spec}


def _figure(curve, title):
    from .plots import _pyplot

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(curve.alpha, curve.success, marker="o", label="measured success (mean over seeds)")
    ax.fill_between(curve.alpha, curve.low, curve.high, alpha=0.25, label="95% interval (mean of the seeds')")
    ax.plot(curve.alpha, curve.bound, "k--", label="Theorem 1 bound (estimated terms)")
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("collective size α")
    ax.set_ylabel("success")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
