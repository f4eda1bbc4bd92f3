"""``stratlearn collective audit``: how large must a collective be to steer *your* classifier on *your* data? ([6])

Reads a CSV or Parquet table (:func:`~stratlearn.populations.collective.datasets.load_table`), holds out a test share, and for
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
name = "sklearn.linear_model.LogisticRegression"   # or "sklearn:linear_model.LogisticRegression"
params = { max_iter = 1000 }  # plain data only: numbers, strings, booleans, lists and tables of them
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

Configs are data: ``model.name`` must name a scikit-learn-style classifier *class*, and it is checked before anything
is imported, called or instantiated (:func:`resolve_model_class`). The name is a dotted path ``MODULE.Class`` (or
``sklearn:PATH``, a path inside scikit-learn); its module must lie under ``sklearn`` or under a package the person
running the audit allows by name (``--allow-module PACKAGE`` on the command line, ``allow_modules=`` in Python). A
config file cannot widen that list. The resolved object must be a class, defined in an allowed module, with callable
``fit`` and ``predict``; a scikit-learn class must also be a classifier (a ``ClassifierMixin``), and a class from an
allowed package must not declare itself something else (a regressor, a transformer, ...). ``model.params`` must be
plain data. Anything else is refused with :class:`~stratlearn.errors.ModelNotAllowedError`.
"""

from __future__ import annotations

import importlib
import inspect
import keyword
import time
from pathlib import Path

import numpy as np

from ...errors import ConfigError, InvalidParameterError, ModelNotAllowedError
from ..points import Point

__all__ = ["resolve_model", "resolve_model_class", "check_model_params", "run_audit", "load_audit_config",
           "audit_point", "run_audit_point", "audit_table", "audit_options"]

_ALLOWED = {"data": {"path", "label", "features"}, "model": {"name", "params", "standardize"},
            "collective": {"strategy", "target", "signal", "alphas", "seeds", "test_size", "seed"}}
DEFAULT_ALPHAS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
DEFAULT_MODULES = ("sklearn",)          # always allowed; anything else only by name, from the person running it
_EXPECTED = ("expected a scikit-learn classifier class such as sklearn.linear_model.LogisticRegression "
             "(a class from another package needs --allow-module PACKAGE on the command line, or "
             "allow_modules=['PACKAGE'] in Python; a config file cannot allow modules)")


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 100 else text[:97] + "..."


def _refuse(spec, reason: str) -> ModelNotAllowedError:
    return ModelNotAllowedError(f"model.name={_show(spec)}: {reason}; {_EXPECTED}")


def _is_dotted(name) -> bool:
    return isinstance(name, str) and all(p.isidentifier() and not keyword.iskeyword(p) for p in name.split("."))


def _check_allow_modules(allow_modules) -> tuple[str, ...]:
    if allow_modules is None:
        return ()
    if isinstance(allow_modules, str):
        allow_modules = [allow_modules]
    if not isinstance(allow_modules, (list, tuple, set, frozenset)):
        raise InvalidParameterError(f"allow_modules={_show(allow_modules)}: expected a list of module names, "
                                    "e.g. ['xgboost']")
    out = []
    for i, name in enumerate(allow_modules):
        if not _is_dotted(name):
            raise InvalidParameterError(f"allow_modules[{i}]={_show(name)}: expected a module name such as "
                                        "'xgboost' or 'mypackage.models'")
        out.append(name)
    return tuple(out)


def _under(module: str, allowed: tuple[str, ...]) -> bool:
    return any(module == a or module.startswith(a + ".") for a in allowed)


def resolve_model_class(spec, allow_modules=()) -> type:
    """The classifier class named by ``spec``, checked without calling anything it names.

    ``spec`` is a dotted path ``MODULE.Class`` (e.g. ``sklearn.linear_model.LogisticRegression``) or
    ``sklearn:PATH``, a path inside scikit-learn (``sklearn:linear_model.LogisticRegression``). In order:

    1. the name must be a dotted path of public Python identifiers (no component starts with ``_``);
    2. its module must lie under ``sklearn`` or under a module named in ``allow_modules``: this is checked on the
       *name*, so a module outside the list is never imported;
    3. the allowed module is imported and the last component looked up in it; the object must be a class
       (:func:`inspect.isclass`) defined in an allowed module, with callable ``fit`` and ``predict``;
    4. a scikit-learn class must be a classifier (a subclass of ``sklearn.base.ClassifierMixin``); a class from
       another allowed package must not declare another kind (a ``RegressorMixin``, ``TransformerMixin``, ... or an
       ``_estimator_type`` other than ``"classifier"``).

    Anything else raises :class:`~stratlearn.errors.ModelNotAllowedError` naming ``model.name`` and the value.
    """
    allowed = DEFAULT_MODULES + _check_allow_modules(allow_modules)
    if not isinstance(spec, str) or not spec.strip():
        raise _refuse(spec, "not a class name")
    path = spec.strip()
    if path.startswith("sklearn:"):                 # a path inside scikit-learn, never a top-level fallback
        path = path[len("sklearn:"):]
        path = path if path.startswith("sklearn.") else f"sklearn.{path}"
    if not _is_dotted(path) or "." not in path:
        raise _refuse(spec, "not a dotted path MODULE.Class")
    parts = path.split(".")
    if any(p.startswith("_") for p in parts):
        raise _refuse(spec, "a private name (a component starting with '_')")
    module_name, attr = ".".join(parts[:-1]), parts[-1]
    if not _under(module_name, allowed):
        raise _refuse(spec, f"module {module_name!r} is not allowed (allowed: "
                      f"{', '.join(repr(a) for a in allowed)})")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:                         # the module is allowed: its import errors are the user's to see
        raise _refuse(spec, f"cannot import module {module_name!r} ({type(exc).__name__}: {exc})") from None
    obj = getattr(module, attr, None)               # an allowed module's own lookup (it may load lazily)
    if obj is None:
        raise _refuse(spec, f"cannot import it: module {module_name!r} has no attribute {attr!r}")
    if not inspect.isclass(obj):
        kind = "function" if inspect.isroutine(obj) else "module" if inspect.ismodule(obj) else type(obj).__name__
        raise _refuse(spec, f"a {kind}, not a class")
    defined_in = getattr(obj, "__module__", None)
    if not isinstance(defined_in, str) or not _under(defined_in, allowed):
        raise _refuse(spec, f"a class defined in module {defined_in!r}, which is not allowed")
    missing = [m for m in ("fit", "predict") if not callable(getattr(obj, m, None))]
    if missing:
        raise _refuse(spec, f"a class without {' and '.join(m + '()' for m in missing)}, not a classifier")
    from sklearn.base import (BiclusterMixin, ClassifierMixin, ClusterMixin, DensityMixin, OutlierMixin,
                              RegressorMixin, TransformerMixin)

    if not issubclass(obj, ClassifierMixin):
        other = [m.__name__ for m in (RegressorMixin, ClusterMixin, BiclusterMixin, OutlierMixin, DensityMixin,
                                      TransformerMixin) if issubclass(obj, m)]
        declared = inspect.getattr_static(obj, "_estimator_type", None)
        if _under(defined_in, DEFAULT_MODULES) or other or (isinstance(declared, str) and declared != "classifier"):
            what = (f"a {other[0].replace('Mixin', '').lower()}" if other else
                    f"an estimator of type {declared!r}" if isinstance(declared, str) else "not a ClassifierMixin")
            raise _refuse(spec, f"a class that is not a classifier ({what})")
    return obj


_PLAIN = (bool, int, float, str, np.bool_, np.integer, np.floating)


def _check_plain(field: str, value):
    if value is None or isinstance(value, _PLAIN):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, (list, tuple)):
        return [_check_plain(f"{field}[{i}]", v) for i, v in enumerate(value)]
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, (str, int, float)):        # e.g. class_weight = {0: 1.0, 1: 5.0} in Python
                raise ModelNotAllowedError(f"{field}: key {_show(key)}: expected a string or a number")
        return {k: _check_plain(f"{field}.{k}", v) for k, v in value.items()}
    raise ModelNotAllowedError(f"{field}={_show(value)}: expected plain data (a number, string, boolean, or a "
                               f"list or table of them), got a {type(value).__name__}")


def check_model_params(params, field: str = "model.params") -> dict:
    """``params`` checked to be plain data: a mapping from keyword names to numbers, strings, booleans, ``None``,
    and lists or tables of them (what a TOML file or ``--param`` gives). Nothing in it is imported or called."""
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise ModelNotAllowedError(f"{field}={_show(params)}: expected a table of keyword = value")
    for key in params:
        if not isinstance(key, str) or not key.isidentifier() or keyword.iskeyword(key) or key.startswith("_"):
            raise ModelNotAllowedError(f"{field}: key {_show(key)}: expected a keyword argument name")
    return {k: _check_plain(f"{field}.{k}", v) for k, v in params.items()}


def resolve_model(spec: str, params: dict | None = None, *, allow_modules=()):
    """An estimator built from the classifier class ``spec`` names (see :func:`resolve_model_class`) with the plain
    data ``params`` (see :func:`check_model_params`). Both are checked before the class is instantiated."""
    from ...populations.collective import check_estimator

    params = check_model_params(params)
    cls = resolve_model_class(spec, allow_modules)
    try:
        estimator = cls(**params)
    except TypeError as exc:
        raise InvalidParameterError(f"model.params={_show(params)}: {spec} does not accept them ({exc})") from None
    return check_estimator(estimator, "model")


def load_audit_config(path, overrides=()) -> dict:
    """Read a TOML audit config, with ``overrides`` (``KEY=VALUE``, the CLI's ``--set``) applied, into the keyword
    arguments of :func:`run_audit` (unknown fields are errors)."""
    from .common import read_config

    return audit_options(read_config(path, overrides), path)


def audit_options(raw: dict, path) -> dict:
    """A TOML audit config's tables as the keyword arguments of :func:`run_audit`; a relative data path is read from
    the folder of the config file ``path``."""
    from .common import check_known_keys, config_table

    if isinstance(raw.get("model"), dict) and "allow_modules" in raw["model"]:
        raise ConfigError(f"{path}: model.allow_modules={_show(raw['model']['allow_modules'])}: a config file "
                          "cannot allow modules (configs are data); the person running the audit allows a "
                          "package with --allow-module PACKAGE, or allow_modules= in Python")
    check_known_keys(str(path), raw, set(_ALLOWED) | {"title", "description"})
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
    from ...populations.collective import FeaturePattern

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
                raise InvalidParameterError(f"signal={spec!r} (--signal): expected COLUMN=VALUE[,COLUMN=VALUE...]")
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
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidParameterError(f"signal value {column}={value!r} (--signal): expected a number") from None
        if not np.isfinite(number):
            raise InvalidParameterError(f"signal value {column}={value!r} (--signal): expected a finite number")
        vals.append(number)
        idx.append(names.index(column))
    return FeaturePattern(tuple(idx), tuple(vals)), {c: float(v) for c, v in zip(spec, vals)}


BUILTIN = ("breast_cancer", "digits", "mnist1d")


def _dataset(data, label, features):
    from ...populations.collective import datasets

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


def audit_point(*, data, model, label=None, features=None, model_params=None, standardize=True,
                strategy="planting", target=None, signal=None, alphas=DEFAULT_ALPHAS, seeds=3, test_size=0.25,
                seed=0, allow_modules=(), tags: dict | None = None) -> Point:
    """The point of kind ``"audit"`` of an audit's options (those of :func:`run_audit`): ``game`` is the data,
    ``learner`` the model, ``run`` the collective's sweep. ``allow_modules`` is part of the point because the person
    running it gave it (a config file cannot: :func:`load_audit_config` refuses it)."""
    return Point(game={"name": str(data), "label": label, "features": features},
                 learner={"name": model, "params": check_model_params(model_params), "standardize": standardize},
                 run={"strategy": strategy, "target": target, "signal": signal, "alphas": list(alphas)
                      if isinstance(alphas, (list, tuple)) else alphas, "seeds": seeds, "test_size": test_size,
                      "seed": seed, "allow_modules": list(_check_allow_modules(allow_modules))},
                 tags=dict(tags or {}), kind="audit")


def run_audit_point(point: Point | dict, progress: bool = False):
    """Run a point of kind ``"audit"``: the sweep over α and seeds (:func:`~stratlearn.populations.collective.audit`)
    with the bound's terms estimated on the held-out rows. ``(frame, info)``: one row per (seed, α index, column of
    the audit table), ``info`` with the α, the table's columns, the terms, the classes, the target and the signal."""
    import pandas as pd

    from ...populations import collective as C

    if isinstance(point, dict):
        point = Point(**point)
    started = time.perf_counter()
    run = point.run
    data, label, features = point.game["name"], point.game.get("label"), point.game.get("features")
    model, params, standardize = point.learner["name"], point.learner.get("params"), point.learner.get("standardize",
                                                                                                        True)
    estimator = resolve_model(model, params, allow_modules=_check_allow_modules(run.get("allow_modules", ())))
    if standardize:
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        estimator = make_pipeline(StandardScaler(), estimator)
    dataset = _dataset(data, label, features)
    from ...errors import check_in_range

    test_size = check_in_range("test_size", run.get("test_size", 0.25), 0.0, 1.0, low_open=True, high_open=True)
    train, test = dataset.split(test_size, run.get("seed", 0))
    classes = [str(c) for c in dataset.classes]
    target = run.get("target")
    if target is None:
        target_index = 0
    elif str(target) in classes:
        target_index = classes.index(str(target))
    else:
        raise InvalidParameterError(f"target={target!r}: this label does not occur in column {label!r} "
                                    f"(labels: {', '.join(classes[:20])})")
    sig, signal_spec = _signal(run.get("signal"), dataset, train.X)
    kinds = {"planting": C.FeatureLabelPlanting, "feature-only": C.FeatureOnlyPlanting}
    strategy = run.get("strategy", "planting")
    if strategy not in kinds:
        raise InvalidParameterError(f"strategy={strategy!r}: expected one of {', '.join(kinds)}")
    strat = kinds[strategy](sig, target_index)
    alphas = C.check_alphas(run.get("alphas", DEFAULT_ALPHAS))            # checked, sorted, distinct
    table = C.audit(estimator, train.X.astype(float), train.y, strat, alphas, X_test=test.X.astype(float),
                    y_test=test.y, seeds=run.get("seeds", 3), progress=progress)
    terms = C.estimate_bound_terms(test.X.astype(float), sig, target_index)
    columns = [c for c in table.columns if c not in ("alpha", "seed")]
    step = table.alpha.map({a: i for i, a in enumerate(alphas)}).to_numpy()
    frame = pd.concat([pd.DataFrame({"seed": table.seed.to_numpy(), "step": step, "metric": c,
                                     "value": table[c].to_numpy(dtype=float)}) for c in columns], ignore_index=True)
    info = {"wall_time": time.perf_counter() - started, "alphas": alphas, "columns": columns,
            "terms": {"xi": float(terms.xi), "delta": float(terms.delta)}, "classes": classes,
            "target_index": target_index, "signal": signal_spec, "train_rows": int(len(train.y)),
            "target_share": float(np.mean(train.y == target_index))}
    return frame, info


def audit_table(frame, info: dict):
    """The audit table (one row per α and seed, the columns of :func:`~stratlearn.populations.collective.audit`)
    from an audit point's stored ``(frame, info)``."""
    wide = frame.pivot_table(index=["seed", "step"], columns="metric", values="value", sort=True).reset_index()
    wide.insert(0, "alpha", [info["alphas"][int(k)] for k in wide.step])
    table = wide.drop(columns=["step"])[["alpha", "seed", *info["columns"]]]
    table.columns.name = None
    for c in ("members", "modified", "seed"):
        if c in table:
            table[c] = table[c].astype(int)
    return table.sort_values(["alpha", "seed"], kind="stable").reset_index(drop=True)


def run_audit(*, data, model, output, label=None, features=None, model_params=None, standardize=True,
              strategy="planting", target=None, signal=None, alphas=DEFAULT_ALPHAS, seeds=3, test_size=0.25,
              seed=0, allow_modules=(), progress: bool = False) -> dict:
    """Run the audit (its point of kind ``"audit"``, :func:`audit_point`) and write its files (see the module
    docstring); returns a summary dict.

    ``model`` names a classifier class, checked by :func:`resolve_model_class` before anything is instantiated;
    ``allow_modules`` lists the packages besides scikit-learn whose classes may be named (e.g. ``["xgboost"]``)."""
    from ...populations import collective as C
    from ..claims import Claim
    from ...files import save_figure, write_json, write_parquet
    from ..report import write_report

    started = time.perf_counter()
    point = audit_point(data=data, model=model, label=label, features=features, model_params=model_params,
                        standardize=standardize, strategy=strategy, target=target, signal=signal, alphas=alphas,
                        seeds=seeds, test_size=test_size, seed=seed, allow_modules=allow_modules)
    frame, info = run_audit_point(point, progress=progress)
    table = audit_table(frame, info)
    alphas, classes, target_index = info["alphas"], info["classes"], info["target_index"]
    xi, delta = info["terms"]["xi"], info["terms"]["delta"]
    curve = table.groupby("alpha").agg(success=("success", "mean"), low=("low", "mean"), high=("high", "mean"),
                                       accuracy=("accuracy", "mean"), members=("members", "first"),
                                       planted_errors=("planted_errors", "mean")).reset_index()
    # the bound at the collective's realized share ⌊αN⌋/N (no members: bound 0), with ε from the collective's own
    # training errors (a proxy: see estimate_bound_terms); drawn and tabulated as a reference, not claimed
    share = curve.members / info["train_rows"]
    excess = share * curve.planted_errors
    if strategy == "feature-only":
        pi = info["target_share"]
        curve["bound"] = [float(C.feature_only_bound(a, xi, pi, delta, e / (1 + e))) if a > 0 else 0.0
                          for a, e in zip(share, excess)]
        curve["implied_eps"] = np.nan
    else:
        curve["bound"] = [float(C.planting_bound(a, xi, delta, e / (1 + e))) if a > 0 else 0.0
                          for a, e in zip(share, excess)]
        curve["implied_eps"] = np.where(share > 0, C.implied_suboptimality(np.clip(share, 1e-12, 1 - 1e-12),
                                                                           curve.success, xi, delta),
                                        np.nan)
    reached = curve.alpha[curve.success >= 0.9]
    alpha90 = float(reached.min()) if len(reached) else float("inf")
    folder = Path(output) / "audit"
    claims = [
        Claim(f"success at the largest α = {alphas[-1]:g} (mean over {table.seed.nunique()} seeds)",
              float(curve.success.iloc[-1]), ">=", 0.9,
              detail=f"interval {curve.low.iloc[-1]:.3f}–{curve.high.iloc[-1]:.3f}; ξ = {xi:.4g}"),
        Claim("smallest α of the sweep with mean success ≥ 90% (inf: none)", alpha90, "<=", alphas[-1],
              detail=f"{int(curve.members[curve.alpha == alpha90].iloc[0]) if np.isfinite(alpha90) else '—'} "
              f"training rows of {info['train_rows']}"),
    ]
    write_parquet(folder / "audit.parquet", table)
    fig = _figure(curve, f"{Path(data).name}: {model}, target {classes[target_index]}")
    save_figure(folder / "success.png", fig)
    wall = time.perf_counter() - started
    from ..runner import machine_info

    write_json(folder / "claims.json", {
        "study": "collective audit", "title": f"How large a collective steers {model} on {Path(data).name}",
        "paper": "[6] Hardt, Mazumdar, Mendler-Dünner and Zrnic, ICML 2023", "size": "audit",
        "passed": all(c.passed for c in claims), "wall_time": wall, "claims": [c.as_dict() for c in claims],
        "machine": machine_info()})
    config = {"data": str(data), "label": label, "features": features, "model": model, "model_params": model_params,
              "allow_modules": point.run["allow_modules"],
              "standardize": standardize, "strategy": strategy, "target": classes[target_index],
              "signal": info["signal"], "alphas": alphas, "seeds": seeds, "test_size": point.run["test_size"],
              "seed": seed}
    write_json(Path(output) / "config.json", config)
    report = write_report([output], Path(output) / "report.html", title="stratlearn collective audit")
    return {"curve": curve, "table": table, "claims": claims, "report": report, "folder": folder,
            "wall_time": wall, "rows": info["train_rows"], "target": classes[target_index],
            "signal": info["signal"]}


def _figure(curve, title):
    from ...plots import _pyplot

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
