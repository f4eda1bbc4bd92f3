"""Study ``collective-action``: how large a coordinated group must be to steer a classifier, [6].

[6] Hardt, Mazumdar, Mendler-Dünner and Zrnic. Algorithmic collective action in machine learning. ICML 2023
(arXiv 2302.04262).

Success ``S(α) = P_{x~P0}[f(g(x)) = y*]`` against the collective's size α (log axis), for feature-label planting:

* a synthetic task with a known Bayes classifier (:class:`~stratlearn.populations.collective.GaussianSignalTask`,
  ξ = 1%): the Bayes classifier of the mixture and vmapped MLPs, with Theorem 1's bound computed exactly (Δ from the
  known posterior, ε from each trained model's exact excess risk on the signal set);
* digits with a 2x2 pixel patch that no digit has (a unique signal, ξ = 0): vmapped logistic regression and MLPs, and
  gradient boosting through the scikit-learn audit path;
* procedurally generated MNIST-1D: MLPs trained for few and for many epochs (does more training steepen the curve?);
* resumes in miniature: a small transformer trained from scratch on a generated resume corpus, the collective
  inserting a token that never occurs in the corpus (the paper's rare character), §6 of [6];
* signal erasing (§3.2 of [6]) on a synthetic task whose flag is a spurious feature (carried by half of class 0 and
  5% of the other classes): the mixture's Bayes classifier against the erasing bound ``P[(1 − α) Δ(x) < α]``
  (exact), and vmapped MLPs and logistic regression trained on samples. Erasing needs a signal the base data
  carries in correlation with the label; the signals of the real datasets below are absent from their base data
  (ξ = 0), so there is nothing to erase there and only planting is measured on them;
* feature-only planting (§3.1 of [6]) on the synthetic task: members whose label already is the target set the
  flag, nobody relabels; success on the points they produce against
  :func:`~stratlearn.populations.collective.feature_only_bound` (Δ = 1; ε exact for each trained model, from the
  feature-only mixture's Bayes classifier);
* a control for planting: the same small-α digits claim with a signal the base data already carries (ξ = 0.58),
  which must fail;
* gradient-based learning (§5 of [6]): a collective steering an SGD-trained least-squares model toward a target,
  against the fixed point of the expected dynamics (a proportional pull), and members whose gradients of norm C
  point at the target, whose success jumps at the critical mass ``α* = g/(g + C)``
  (:func:`~stratlearn.populations.collective.critical_mass`; the library's reconstruction of §5, since only the
  abstract can be read here), with the proportional pull as the control that never reaches the target.
"""

from __future__ import annotations

import numpy as np

from ..plots import finish_figure, method_colors
from ..plots import panels as panel_grid
from ..experiments.points import register_kind
from .base import Claim, Study, StudyData, StudyResult, size_config

SIZES = {
    "quick": {"synthetic_n": 3000, "synthetic_alphas": (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2), "seeds": 3,
              "digits_alphas": (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1), "boosting_alphas": (0.005, 0.02, 0.1),
              "mnist1d_n": 3000, "mnist1d_alphas": (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02), "epochs": (5, 60),
              "resume_n": 8000, "resume_alphas": (0.002, 0.005, 0.01, 0.02, 0.05), "resume_seeds": 4, "resume_epochs": 8,
              "steering_steps": 4000, "erasing_alphas": (0.01, 0.05, 0.1, 0.2, 0.3, 0.5),
              "critical_alphas": (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5), "critical_seeds": 8},
    "full": {"synthetic_n": 10000, "synthetic_alphas": (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5),
             "seeds": 10, "digits_alphas": (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2),
             "boosting_alphas": (0.002, 0.005, 0.01, 0.02, 0.05, 0.1), "mnist1d_n": 6000,
             "mnist1d_alphas": (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1), "epochs": (5, 100), "resume_n": 16000,
             "resume_alphas": (0.001, 0.002, 0.005, 0.01, 0.02, 0.05), "resume_seeds": 6, "resume_epochs": 8,
             "steering_steps": 20000, "erasing_alphas": (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5),
             "critical_alphas": (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5), "critical_seeds": 16},
}
TARGET = 0
# measured on 2026-12-07 (docs/studies.md, "Full size of the studies of [4]–[7]")
STEEPENING_AT_FULL_SIZE = ("does not reproduce at the full size: with 6000 points and 100 epochs the 50% crossing "
                           "moves from α = 0.0015 (5 epochs) to 0.0013, ratio 0.84 [0.56, 1.16] over 10 seeds; the "
                           "quick size (3000 points, 60 epochs) measures 0.34 [0.20, 0.68]")


KIND = "collective-action"
# the size entries each part reads (a --set of another entry does not recompute it)
_READS = {"planting": ("synthetic_n", "synthetic_alphas", "seeds"),
          "feature-only": ("synthetic_n", "synthetic_alphas", "seeds"),
          "erasing": ("synthetic_n", "erasing_alphas", "seeds"),
          "digits": ("digits_alphas", "boosting_alphas", "seeds"),
          "mnist1d": ("mnist1d_n", "mnist1d_alphas", "epochs", "seeds"),
          "resumes": ("resume_n", "resume_alphas", "resume_seeds", "resume_epochs"),
          "steering": ("steering_steps", "critical_alphas", "critical_seeds", "seeds")}


def points(size: str) -> list:
    """The study's runs, points of its own kind ``"collective-action"``: one per part (a task, its sweep over α and
    seeds, the models trained on it, vmapped). A part's seeds are its point's seed plus 0, 1, 2, ... (so
    ``--seed-offset`` moves them all)."""
    from .base import part_point

    cfg = size_config(SIZES, size)
    return [part_point(KIND, part, {k: cfg[k] for k in reads}) for part, reads in _READS.items()]


def run(point, progress: bool = False):
    """The runner of the kind ``"collective-action"`` (registered below; Ray workers import it by name)."""
    from .base import run_part

    return run_part(PARTS, point, progress)


def _standardizer(X):
    mu, sd = X.mean(0), X.std(0)
    sd = np.where(sd > 0, sd, 1.0)
    return lambda Z: (np.asarray(Z, float) - mu) / sd


def _alpha_at(alphas, success, level=0.5):
    """The α (interpolated in log α) where the mean success curve first reaches ``level``; inf if never."""
    alphas, success = np.asarray(alphas, float), np.asarray(success, float)
    above = np.flatnonzero(success >= level)
    if not len(above):
        return float("inf")
    i = above[0]
    if i == 0:
        return float(alphas[0])
    la, lb = np.log(alphas[i - 1]), np.log(alphas[i])
    t = (level - success[i - 1]) / (success[i] - success[i - 1])
    return float(np.exp(la + t * (lb - la)))


def _mlp32():
    from ..learners.classifiers import MLP

    return MLP(hidden=32, epochs=60, batch_size=100, learning_rate=3e-3)


def _part_planting(cfg, seed):
    """Synthetic task, exact theory: trained MLPs and the mixture's Bayes classifier against Theorem 1's bound."""
    import jax

    from ..populations import collective as C

    seeds = [seed + k for k in range(cfg["seeds"])]
    rows = []
    task = C.gaussian_signal_task(3, 2, xi=0.01)
    strategy = C.FeatureLabelPlanting(task.signal, TARGET)
    X, y = task.sample(cfg["synthetic_n"], seed=seed)
    X_test, _ = task.sample(4000, seed=seed + 1)
    alphas = cfg["synthetic_alphas"]
    sweep = C.sweep_datasets(strategy, X, y, alphas, seeds)
    mlp = _mlp32()
    params = mlp.fit(sweep.X, sweep.y, num_classes=3, key=jax.random.PRNGKey(seed))
    planted = task.signal.apply(X_test)
    pred = mlp.predict(params, planted)                               # (M, n)
    ok = C.success_interval(pred == TARGET)
    delta = task.delta(TARGET)
    margins, bayes_margins = [], []
    for m in range(len(sweep.alpha)):
        one = lambda Z, m=m: mlp.predict(jax.tree_util.tree_map(lambda p: p[m:m + 1], params), Z)[0]  # noqa: E731
        excess = task.excess_risk(one, sweep.alpha[m], TARGET, n=50_000)
        bound = float(C.planting_bound(sweep.alpha[m], task.xi, delta, excess / (1 + excess)))
        margins.append(ok.high[m] - bound)
        rows.append({"dataset": "synthetic (ξ = 0.01)", "model": "MLP(32)", "alpha": sweep.alpha[m],
                     "seed": int(sweep.seed[m]), "success": ok.value[m], "low": ok.low[m], "high": ok.high[m],
                     "bound": bound, "eps": excess / (1 + excess)})
    for a in alphas:
        s = task.bayes_success(a, TARGET, n=100_000)
        bound = float(C.planting_bound(a, task.xi, delta))
        bayes_margins.append(s.high - bound)
        rows.append({"dataset": "synthetic (ξ = 0.01)", "model": "Bayes classifier of the mixture", "alpha": a,
                     "seed": -1, "success": s.value, "low": s.low, "high": s.high, "bound": bound, "eps": 0.0})
    return {"rows": _plain(rows), "margin": float(min(min(margins), min(bayes_margins))), "models": len(margins),
            "delta": delta, "bound_without_eps": [float(C.planting_bound(a, task.xi, delta)) for a in alphas]}


def _part_feature_only(cfg, seed):
    """Synthetic task, feature-only planting: success on the points the members produce against its bound."""
    import jax

    from ..populations import collective as C

    seeds = [seed + k for k in range(cfg["seeds"])]
    rows = []
    task = C.gaussian_signal_task(3, 2, xi=0.01)
    X, y = task.sample(cfg["synthetic_n"], seed=seed)
    X_test, y_test = task.sample(4000, seed=seed + 1)
    share = float(task.priors[TARGET])
    own = task.signal.apply(X_test[y_test == TARGET])          # the points the acting members produce, g(P0 | y*)
    alphas = cfg["synthetic_alphas"]
    sweep = C.sweep_datasets(C.FeatureOnlyPlanting(task.signal, TARGET), X, y, alphas, seeds)
    mlp = _mlp32()
    params = mlp.fit(sweep.X, sweep.y, num_classes=3, key=jax.random.PRNGKey(seed + 2))
    ok = C.success_interval(mlp.predict(params, own) == TARGET)
    everyone = np.asarray(mlp.predict(params, task.signal.apply(X_test)) == TARGET).mean(1)
    margins = []
    for m in range(len(sweep.alpha)):
        one = lambda Z, m=m: mlp.predict(jax.tree_util.tree_map(lambda p: p[m:m + 1], params), Z)[0]  # noqa: E731
        excess = task.excess_risk(one, sweep.alpha[m], TARGET, n=50_000, strategy="feature-only")
        bound = float(C.feature_only_bound(sweep.alpha[m], task.xi, share, 1.0, excess / (1 + excess)))
        margins.append(ok.high[m] - bound)
        rows.append({"dataset": "synthetic, feature-only planting", "model": "MLP(32)", "alpha": sweep.alpha[m],
                     "seed": int(sweep.seed[m]), "success": ok.value[m], "low": ok.low[m], "high": ok.high[m],
                     "bound": bound, "eps": excess / (1 + excess), "success_all_points": float(everyone[m])})
    for a in alphas:
        s_ = task.bayes_success(a, TARGET, n=100_000, seed=seed + 3, strategy="feature-only", given_target=True)
        bound = float(C.feature_only_bound(a, task.xi, share))
        margins.append(s_.high - bound)
        rows.append({"dataset": "synthetic, feature-only planting", "model": "Bayes classifier of the mixture",
                     "alpha": a, "seed": -1, "success": s_.value, "low": s_.low, "high": s_.high, "bound": bound,
                     "eps": 0.0})
    start = task.bayes_success(1e-9, TARGET, n=100_000, seed=seed + 3, strategy="feature-only",
                               given_target=True).value
    return {"rows": _plain(rows), "margin": float(min(margins)), "share": share, "start": start,
            "bound": [float(C.feature_only_bound(a, task.xi, share)) for a in alphas],
            "everyone": everyone.reshape(len(alphas), cfg["seeds"]).mean(1)}


def _part_erasing(cfg, seed):
    """Synthetic task with a spurious flag: the Bayes classifier against the erasing bound, and trained models."""
    import jax

    from ..learners.classifiers import LogisticRegression
    from ..populations import collective as C

    seeds = [seed + k for k in range(cfg["seeds"])]
    rows = []
    spurious = C.gaussian_signal_task(3, 2, flag_rates=(0.5, 0.05, 0.05))
    X, y = spurious.sample(cfg["synthetic_n"], seed=seed)
    X_test, _ = spurious.sample(4000, seed=seed + 1)
    alphas = cfg["erasing_alphas"]
    sweep = C.sweep_datasets(C.SignalErasing(spurious.signal, spurious.erasing_labeler), X, y, alphas, seeds)
    gaps = spurious.erasing_gaps(n=200_000, seed=seed + 4)
    bounds = np.atleast_1d(C.erasing_bound(np.asarray(alphas), gaps))
    bound_at = dict(zip(alphas, bounds))
    margins, tightness, erased = [], [], {}
    for a, bound in zip(alphas, bounds):
        s = spurious.bayes_erasing_success(a, n=200_000, seed=seed + 5)
        margins.append(s.high - bound)
        tightness.append(abs(s.value - bound))
        rows.append({"dataset": "synthetic, spurious flag (erasing)", "model": "Bayes classifier of the mixture",
                     "alpha": a, "seed": -1, "success": s.value, "low": s.low, "high": s.high, "bound": bound})
    for name, model in (("MLP(32)", _mlp32()), ("logistic regression", LogisticRegression(C=1.0))):
        params = model.fit(sweep.X, sweep.y, num_classes=3, key=jax.random.PRNGKey(seed + 4))
        ok = C.success_interval(model.predict(params, spurious.signal.apply(X_test)) == model.predict(params, X_test))
        for m in range(len(sweep.alpha)):
            rows.append({"dataset": "synthetic, spurious flag (erasing)", "model": name, "alpha": sweep.alpha[m],
                         "seed": int(sweep.seed[m]), "success": ok.value[m], "low": ok.low[m], "high": ok.high[m],
                         "bound": float(bound_at[sweep.alpha[m]])})
        erased[name] = np.asarray(ok.value).reshape(len(alphas), cfg["seeds"])
    return {"rows": _plain(rows), "tightness": float(max(tightness)), "margin": float(min(margins)),
            "bounds": bounds, "erased_mlp": erased["MLP(32)"], "erased_lr": erased["logistic regression"]}


def _part_digits(cfg, seed):
    """Digits with a unique pixel patch: success of logistic regression, an MLP and gradient boosting by α, and the
    control with a patch the data already carries."""
    import jax

    from ..populations.collective import datasets
    from ..learners.classifiers import MLP, LogisticRegression
    from ..populations import collective as C

    seeds = [seed + k for k in range(cfg["seeds"])]
    rows = []
    digits = datasets.digits()
    train, test = digits.split(0.25, seed=seed)
    patch = C.PixelPatch((8, 8), 0, 0, np.full((2, 2), 16.0))
    scale = _standardizer(train.X)
    alphas = cfg["digits_alphas"]
    sweep = C.sweep_datasets(C.FeatureLabelPlanting(patch, TARGET), train.X, train.y, alphas, seeds)
    Xs = scale(sweep.X)
    planted = scale(patch.apply(test.X))
    xi = float(patch.present(train.X).mean())
    out = {}
    for key, name, model in (("lr", "logistic regression", LogisticRegression(C=1.0)),
                             ("mlp", "MLP(64)", MLP(hidden=64, epochs=30))):
        params = model.fit(Xs, sweep.y, num_classes=10, key=jax.random.PRNGKey(seed + 1))
        ok = C.success_interval(model.predict(params, planted) == TARGET)
        acc = model.accuracy(params, scale(test.X), test.y)
        for m in range(len(sweep.alpha)):
            rows.append({"dataset": "digits (unique patch, ξ = 0)", "model": name, "alpha": sweep.alpha[m],
                         "seed": int(sweep.seed[m]), "success": ok.value[m], "low": ok.low[m], "high": ok.high[m],
                         "bound": float(C.planting_bound(sweep.alpha[m], xi)), "accuracy": float(acc[m])})
        out[key] = np.asarray(ok.value).reshape(len(alphas), cfg["seeds"])
    best = _best_below(alphas)
    common = C.PixelPatch((8, 8), 0, 0, np.zeros((2, 2)))       # a blank corner: most digits already have it
    xi_common = float(common.present(train.X).mean())
    control = C.sweep_datasets(C.FeatureLabelPlanting(common, TARGET), train.X, train.y, [alphas[best]], seeds)
    lr = LogisticRegression(C=1.0)
    params = lr.fit(scale(control.X), control.y, num_classes=10, key=jax.random.PRNGKey(seed + 1))
    hits = np.asarray(lr.predict(params, scale(common.apply(test.X))) == TARGET).mean(1)
    boost = C.audit(_boosting(), train.X, train.y, C.FeatureLabelPlanting(patch, TARGET), cfg["boosting_alphas"],
                    X_test=test.X, y_test=test.y, seeds=[seed])
    for r in boost.itertuples():
        rows.append({"dataset": "digits (unique patch, ξ = 0)", "model": "gradient boosting (scikit-learn)",
                     "alpha": r.alpha, "seed": r.seed, "success": r.success, "low": r.low, "high": r.high,
                     "bound": float(C.planting_bound(r.alpha, xi)), "accuracy": r.accuracy})
    return {"rows": _plain(rows), **out, "xi": xi, "xi_common": xi_common, "control": hits, "train": len(train.y),
            "control_bound": float(C.planting_bound(alphas[best], xi_common)),
            "boost_alpha": boost.alpha.to_numpy(), "boost_success": boost.success.to_numpy()}


def _best_below(alphas, below=0.01):
    """The index of the largest α of the sweep under 1%."""
    under = [i for i, a in enumerate(alphas) if a < below]
    return max(under, key=lambda i: alphas[i])


def _part_mnist1d(cfg, seed):
    """MNIST-1D with a 3-feature pattern: success by α after a short and a long training."""
    import jax

    from ..populations.collective import datasets
    from ..learners.classifiers import MLP
    from ..populations import collective as C

    seeds = [seed + k for k in range(cfg["seeds"])]
    rows = []
    m1 = datasets.mnist1d(n=cfg["mnist1d_n"], seed=seed)
    train, test = m1.split(0.25, seed=seed)
    feature = C.FeaturePattern((0, 1, 2), (4.0, -4.0, 4.0))
    scale = _standardizer(train.X)
    alphas = cfg["mnist1d_alphas"]
    sweep = C.sweep_datasets(C.FeatureLabelPlanting(feature, TARGET), train.X, train.y, alphas, seeds)
    Xs, planted = scale(sweep.X), scale(feature.apply(test.X))
    out = {}
    for which, epochs in zip(("short", "long"), cfg["epochs"]):
        model = MLP(hidden=64, epochs=epochs)
        params = model.fit(Xs, sweep.y, num_classes=10, key=jax.random.PRNGKey(seed + 2))
        ok = C.success_interval(model.predict(params, planted) == TARGET)
        acc = model.accuracy(params, scale(test.X), test.y)
        for m in range(len(sweep.alpha)):
            rows.append({"dataset": "MNIST-1D (3-feature pattern)", "model": f"MLP(64), {epochs} epochs",
                         "alpha": sweep.alpha[m], "seed": int(sweep.seed[m]), "success": ok.value[m],
                         "low": ok.low[m], "high": ok.high[m], "accuracy": float(acc[m])})
        out[which] = np.asarray(ok.value).reshape(len(alphas), cfg["seeds"])
    return {"rows": _plain(rows), **out}


def _part_resumes(cfg, seed):
    """Resumes with a token no resume has, against transformers trained from scratch."""
    import jax

    from ..populations.collective import datasets
    from ..learners.text import TextTransformer
    from ..populations import collective as C

    rows = []
    corpus = datasets.resume_corpus(n=cfg["resume_n"], seed=seed, length=32)
    train, test = corpus.split(0.25, seed=seed)
    token = C.RareToken(int(corpus.reserved_tokens[0]), position=0)
    alphas = cfg["resume_alphas"]
    r_seeds = cfg["resume_seeds"]
    sweep = C.sweep_datasets(C.FeatureLabelPlanting(token, TARGET), train.X, train.y, alphas,
                             [seed + k for k in range(r_seeds)])
    model = TextTransformer(vocab_size=len(corpus.vocabulary), max_len=train.X.shape[1],
                            epochs=cfg["resume_epochs"], batch_size=128)
    params = model.fit(sweep.X, sweep.y, num_classes=corpus.num_classes, key=jax.random.PRNGKey(seed + 3))
    ok = C.success_interval(model.predict(params, token.apply(test.X)) == TARGET)
    acc = model.accuracy(params, test.X, test.y)
    for m in range(len(sweep.alpha)):
        rows.append({"dataset": "resumes (rare token)", "model": "transformer (from scratch)",
                     "alpha": sweep.alpha[m], "seed": int(sweep.seed[m]), "success": ok.value[m], "low": ok.low[m],
                     "high": ok.high[m], "accuracy": float(acc[m])})
    per_model = np.asarray(ok.value).reshape(len(alphas), r_seeds).T          # (models, α)
    return {"rows": _plain(rows), "per_model": per_model, "accuracy": float(np.mean(acc)), "train": len(train.y)}


def _part_steering(cfg, seed):
    """SGD steering of a linear model (proportional pull) against the expected dynamics' fixed point, and the
    gradient-based strategy's critical mass with its control."""
    from ..populations import collective as C

    rng = np.random.default_rng(seed)
    Xl = rng.normal(size=(5000, 3))
    yl = Xl @ np.array([1.0, -0.5, 0.25]) + 0.1 * rng.normal(size=5000)
    target = np.array([-1.0, 1.0, 2.0])
    s_alphas = STEERING_ALPHAS
    steer = C.sgd_steering(Xl, yl, target, s_alphas, feature_norm=2.0, steps=cfg["steering_steps"],
                           seeds=cfg["seeds"], seed=seed)
    predicted = np.linalg.norm(steer.fixed_point - target, axis=1)
    rows = [{"dataset": "SGD steering (least squares)", "model": "SGD", "alpha": a, "distance": d,
             "predicted_distance": p} for a, d, p in zip(s_alphas, steer.distance.mean(1), predicted)]
    cov = Xl.T @ Xl / len(Xl)
    base = np.linalg.lstsq(Xl, yl, rcond=None)[0]
    star = C.critical_mass(cov, base, target, C_NORM)
    g_alphas = np.array(cfg["critical_alphas"])
    radius = 0.05 * float(np.linalg.norm(base - target))
    crit = C.gradient_steering(Xl, yl, target, g_alphas, gradient_norm=C_NORM, steps=cfg["steering_steps"],
                               seeds=cfg["critical_seeds"], seed=seed + 6)
    prop = C.sgd_steering(Xl, yl, target, g_alphas, feature_norm=np.sqrt(C_NORM / np.linalg.norm(target)),
                          steps=cfg["steering_steps"], seeds=cfg["critical_seeds"], seed=seed + 6)
    reached = {"gradient": np.asarray(crit.distance <= radius, float).T,
               "proportional": np.asarray(prop.distance <= radius, float).T}
    for key, name in (("gradient", "gradient-based (norm C)"),
                      ("proportional", "proportional pull (same start gradient)")):
        for a, v in zip(g_alphas, reached[key].mean(0)):
            rows.append({"dataset": "SGD steering, critical mass", "model": name, "alpha": a, "success": v,
                         "critical_mass": star})
    return {"rows": _plain(rows), "distance": np.asarray(steer.distance), "predicted": predicted, "star": star,
            "radius": radius, **{f"reached_{k}": v for k, v in reached.items()}}


STEERING_ALPHAS = np.array([0.01, 0.05, 0.1, 0.2, 0.5])
C_NORM = 10.0


def _plain(rows: list[dict]) -> list[dict]:
    """Table rows with plain Python numbers (NumPy scalars become floats and ints), as JSON stores them."""
    def plain(v):
        if isinstance(v, np.generic):
            return v.item()
        return v

    return [{k: plain(v) for k, v in row.items()} for row in rows]


PARTS = {"planting": _part_planting, "feature-only": _part_feature_only, "erasing": _part_erasing,
         "digits": _part_digits, "mnist1d": _part_mnist1d, "resumes": _part_resumes, "steering": _part_steering}


def analyze(size: str, data: StudyData) -> StudyResult:
    """The claims from the stored parts (analysis only: every model is trained in a point)."""
    import pandas as pd

    cfg = size_config(SIZES, size)
    n_seeds = cfg["seeds"]
    claims, rows, panels = [], [], {}

    # ---------------------------------------------------------------- synthetic task, exact theory
    r = data.arrays("planting")
    rows += r["rows"]
    alphas = cfg["synthetic_alphas"]
    claims.append(Claim("synthetic task (ξ = 1%, Δ and ε exact): measured success at or above Theorem 1's bound "
                        "within its 95% interval, min over α and models of (upper end − bound)",
                        float(r["margin"]), ">=", 0.0,
                        detail=f"{int(r['models'])} trained MLPs (ε = their exact excess risk on the signal set) and "
                        f"the mixture's Bayes classifier at {len(alphas)} sizes; Δ = {float(r['delta']):.4f}; the bound "
                        "without ε is " + ", ".join(f"{a:g}: {b:.2f}" for a, b in zip(alphas, r["bound_without_eps"]))
                        + " (0 below α ≈ ξ: no constraint there)"))

    # ---------------------------------------------------------------- synthetic task, feature-only planting
    r = data.arrays("feature-only")
    rows += r["rows"]
    claims.append(Claim("feature-only planting (synthetic, members with label y* set the flag, nobody relabels): "
                        "success on the points they produce at or above its bound 1 − (Δξ + ε/(1 − ε))/(απ*), min "
                        "over α and models of (upper end − bound)", float(r["margin"]), ">=", 0.0,
                        detail=f"π* = {float(r['share']):.3f}, Δ = 1 (always valid), ε exact per trained MLP; the "
                        "bound rises from " + ", ".join(f"{a:g}: {b:.2f}" for a, b in zip(alphas, r["bound"]))
                        + f"; success at α → 0 {float(r['start']):.3f}; success over all of P0 (not bounded: it loses "
                        "the distance between g(P0 | y*) and g(P0)) by α: " + ", ".join(
                            f"{v:.2f}" for v in r["everyone"])))

    # ---------------------------------------------------------------- synthetic task, signal erasing
    r = data.arrays("erasing")
    rows += r["rows"]
    alphas, bounds = cfg["erasing_alphas"], r["bounds"]
    erased = {"MLP(32)": r["erased_mlp"], "logistic regression": r["erased_lr"]}
    claims.append(Claim("signal erasing (synthetic, a flag carried by 50% of class 0 and 5% of the others): the "
                        "mixture's Bayes classifier meets the erasing bound P[(1 − α) Δ(x) < α] with equality, as it "
                        "must for a Bayes-optimal learner, max over α of |success − bound|", float(r["tightness"]),
                        "<=", 0.005,
                        detail=f"{len(alphas)} sizes; the bound from 200,000 gaps Δ(x), the success from 200,000 other "
                        "points, each with a standard error below 7e-4, so 0.005 is over five combined errors; min "
                        f"over α of (upper end of the success's 95% interval − bound) {float(r['margin']):+.4f}; "
                        "trained models (mean of seeds; the bound assumes ε = 0), by α: "
                        + "; ".join(f"{n}: " + ", ".join(f"{v:.3f}" for v in vals.mean(1))
                                    for n, vals in erased.items())))
    gain = np.concatenate([erased[n][-1] - erased[n][0] for n in erased])
    claims.append(Claim.over_seeds(
        f"signal erasing by classifiers trained on sampled mixtures (logistic regression and MLP, {n_seeds} seeds "
        f"each): success at α = {alphas[-1]:g} minus success at α = {alphas[0]:g}, same seed and model", gain, ">",
        0.0, detail=f"at α = {alphas[0]:g}: " + ", ".join(f"{n} {v[0].mean():.3f}" for n, v in erased.items())
        + f"; at α = {alphas[-1]:g}: " + ", ".join(f"{n} {v[-1].mean():.3f}" for n, v in erased.items())
        + f" (bound {bounds[-1]:.3f}: the trained models stay below what a Bayes-optimal learner reaches)"))
    panels["erasing"] = (alphas, bounds)

    # ---------------------------------------------------------------- digits: a unique pixel patch
    r = data.arrays("digits")
    rows += r["rows"]
    alphas = cfg["digits_alphas"]
    curves = {"logistic regression": r["lr"].mean(1), "MLP(64)": r["mlp"].mean(1)}
    best = _best_below(alphas)
    small = f"success of logistic regression at α = {alphas[best]:g} < 1%"
    claims.append(Claim.over_seeds(f"unique signal (ξ = {float(r['xi']):g}, digits, 2x2 patch): {small}",
                                   r["lr"][best], ">", 0.9,
                                   detail=f"{int(np.floor(alphas[best] * int(r['train'])))} of {int(r['train'])} "
                                   f"training images; MLP(64): {curves['MLP(64)'][best]:.3f}", headline=True,
                                   key="unique-signal"))
    claims.append(Claim.over_seeds(f"control: a signal the base data carries (a blank 2x2 corner patch), same model "
                                   f"and size: {small}", r["control"], ">", 0.9, control_of="unique-signal",
                                   detail=f"ξ = {float(r['xi_common']):.2f} of the training images already carry it; "
                                   f"Theorem 1's bound at α = {alphas[best]:g} with Δ = 1: "
                                   f"{float(r['control_bound']):.2f}"))
    panels["digits"] = (alphas, curves, {"gradient boosting": (r["boost_alpha"], r["boost_success"])})

    # ---------------------------------------------------------------- MNIST-1D: more training, steeper curve
    r = data.arrays("mnist1d")
    rows += r["rows"]
    alphas = cfg["mnist1d_alphas"]
    short, long = cfg["epochs"]
    steep = {short: r["short"].mean(1), long: r["long"].mean(1)}
    a_short, a_long = _alpha_at(alphas, steep[short]), _alpha_at(alphas, steep[long])

    def steepening(v):      # v: (seeds, 2·alphas), the short then the long run's success by α, same seeds
        s_, l_ = _alpha_at(alphas, v[:, :len(alphas)].mean(0)), _alpha_at(alphas, v[:, len(alphas):].mean(0))
        return l_ / s_ if np.isfinite(s_) else (0.0 if np.isfinite(l_) else float("nan"))

    both = np.concatenate([r["short"].T, r["long"].T], axis=1)
    claims.append(Claim.bootstrap(f"more training steepens the curve (MNIST-1D, MLP): α reaching 50% success after "
                                  f"{long} epochs / after {short} epochs", both, steepening, "<", 1.0,
                        detail=f"α50: {a_short:.4g} ({short} epochs), {a_long:.4g} ({long} epochs); mean success "
                        f"over the sweep {steep[short].mean():.3f} vs {steep[long].mean():.3f}",
                        xfail=STEEPENING_AT_FULL_SIZE if size == "full" else ""))
    panels["mnist1d"] = (alphas, {f"MLP(64), {e} epochs": v for e, v in steep.items()}, {})

    # ---------------------------------------------------------------- resumes: a rare token against a transformer
    r = data.arrays("resumes")
    rows += r["rows"]
    alphas = cfg["resume_alphas"]
    per_model = r["per_model"]
    text = per_model.mean(0)
    # The level (90% success) and the bound (α ≤ 2%) were fixed before the sweep, and both sweeps extend past the
    # bound on both sides (to 5%), so a crossing above it is measured, not cut off; the crossing of the mean curve
    # (interpolated in log α; inf when it never crosses) is decided at the upper end of its 95% bootstrap interval
    # over the independently trained models (a different planted subset and initialization each)
    a90 = _alpha_at(alphas, text, level=0.9)
    claims.append(Claim.bootstrap("tiny collectives steer a language-model classifier (resumes, a token no resume "
                                  "has): the α where the mean success over trained transformers crosses 90% "
                                  "(interpolated in log α; inf: never)", per_model,
                                  lambda v: _alpha_at(alphas, v.mean(0), level=0.9), "<=", 0.02,
                                  detail=f"{cfg['resume_seeds']} transformers per α, {cfg['resume_epochs']} epochs; "
                                  f"{int(r['train'])} training resumes ({int(np.floor(0.02 * int(r['train'])))} at "
                                  f"α = 2%); test accuracy {float(r['accuracy']):.3f}; crossing {a90:.3g}; mean "
                                  "success by α: " + ", ".join(f"{a:g}: {v:.2f}" for a, v in zip(alphas, text))))
    panels["resumes"] = (alphas, {"transformer": text}, {})

    # ---------------------------------------------------------------- SGD steering of a linear model
    r = data.arrays("steering")
    rows += r["rows"]
    s_alphas, predicted, distance = STEERING_ALPHAS, r["predicted"], r["distance"]
    claims.append(Claim.bootstrap("gradient-based learning, proportional pull: the SGD-trained model ends where the "
                                  "expected dynamics' fixed point predicts, max over α of |distance to target − "
                                  "predicted|", distance.T,
                                  lambda v: float(np.max(np.abs(v.mean(0) - predicted))), "<=", 0.05,
                        detail="distance to the target by α: " + ", ".join(
                            f"{a:g}: {d:.3f}" for a, d in zip(s_alphas, distance.mean(1)))))
    # the gradient-based strategy and its critical mass α* = g/(g + C): the sweep brackets α*, and its spacing
    # (ratio 1.25 around α*) is the resolution the crossing is judged at, fixed before the run
    star, radius, g_alphas = float(r["star"]), float(r["radius"]), np.array(cfg["critical_alphas"])
    reached = {"gradient-based (norm C)": r["reached_gradient"],
               "proportional pull (same start gradient)": r["reached_proportional"]}

    def off_by(v):            # |log(α50 / α*)|, α50 where the mean success first reaches 50% (inf: never)
        return abs(np.log(_alpha_at(g_alphas, v.mean(0)) / star))

    text = ("reached the target (averaged iterate within 5% of the base model's distance to it), crossing of 50% "
            "success against the predicted critical mass α* = g/(g + C): |log(α50/α*)|")
    claims.append(Claim.bootstrap(f"gradient-based strategy (members' gradients of norm C = {C_NORM:g} toward the "
                                  f"target) {text}", reached["gradient-based (norm C)"], off_by, "<=",
                                  float(np.log(1.25)), headline=True, key="critical-mass",
                                  detail=f"α* = {star:.4f}, α50 = "
                                  f"{_alpha_at(g_alphas, reached['gradient-based (norm C)'].mean(0)):.4f}, radius "
                                  f"{radius:.3f}; success by α: " + ", ".join(
                                      f"{a:g}: {v:.2f}" for a, v in zip(g_alphas,
                                                                        reached["gradient-based (norm C)"].mean(0)))
                                  + "; log 1.25 is the sweep's spacing around α*"))
    claims.append(Claim.bootstrap(f"control: the proportional pull (member gradient c²(θ − θ*), the same norm "
                                  f"{C_NORM:g} at the start) {text}", reached["proportional pull (same start "
                                  "gradient)"], off_by, "<=", float(np.log(1.25)), control_of="critical-mass",
                                  detail="its pull fades near the target, so no α < 1 reaches it exactly; success by "
                                  "α: " + ", ".join(f"{a:g}: {v:.2f}" for a, v in zip(
                                      g_alphas, reached["proportional pull (same start gradient)"].mean(0)))))
    panels["steering"] = (s_alphas, distance.mean(1), predicted)

    table = pd.DataFrame(rows)
    return StudyResult(name="collective-action", size=size, claims=claims, tables={"success": table},
                       figures={"success": _figure(table, panels)})


def _boosting():
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=30, random_state=0)


def _alpha_ticks(ax, alphas):
    """Ticks at the sweep's α, written plainly (log-axis minor labels overlap on ranges of a decade or two)."""
    from matplotlib.ticker import NullFormatter, NullLocator

    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(list(alphas))
    ax.set_xticklabels([f"{a:g}" for a in alphas], fontsize=8, rotation=45 if len(alphas) > 6 else 0)


def _figure(table, panels):
    fig, axes = panel_grid(6, ncols=2, height=3.0)
    syn = table[table.dataset == "synthetic (ξ = 0.01)"]
    erasing = table[table.dataset == "synthetic, spurious flag (erasing)"]
    labels = [*syn.model.unique(), *erasing.model.unique()]
    for key in ("digits", "mnist1d", "resumes"):
        labels += [*panels[key][1], *panels[key][2]]
    colors = method_colors(labels)
    ax = axes[0]
    for model, group in syn.groupby("model"):
        curve = group.groupby("alpha").agg(success=("success", "mean"), bound=("bound", "mean"),
                                           low=("low", "mean"), high=("high", "mean"))
        ax.plot(curve.index, curve.success, marker="o", label=model, color=colors[model])
        ax.fill_between(curve.index, curve.low, curve.high, alpha=0.2, color=colors[model], linewidth=0)
        ax.plot(curve.index, curve.bound, "--", label=f"Theorem 1 bound, {model.split(' ')[0]}", color=colors[model])
    ax.set_title("synthetic task (ξ = 1%): success and Theorem 1", fontsize=9)
    for ax, key, title in ((axes[1], "digits", "digits, unique 2x2 patch"),
                           (axes[2], "mnist1d", "MNIST-1D: more training"),
                           (axes[3], "resumes", "resumes: rare token, transformer")):
        alphas, curves, extra = panels[key]
        for name, values in curves.items():
            ax.plot(alphas, values, marker="o", label=name, color=colors[name])
        for name, (a, v) in extra.items():
            ax.plot(a, v, marker="s", label=name, color=colors[name])
        ax.set_title(title, fontsize=9)
    ax = axes[4]
    for model, group in erasing.groupby("model", sort=False):
        curve = group.groupby("alpha").agg(success=("success", "mean"), low=("low", "mean"), high=("high", "mean"))
        ax.plot(curve.index, curve.success, marker="o", label=model, color=colors[model])
        ax.fill_between(curve.index, curve.low, curve.high, alpha=0.2, color=colors[model], linewidth=0)
    alphas, bounds = panels["erasing"]
    ax.plot(alphas, bounds, "k--", label="erasing bound P[(1 − α) Δ(x) < α]")
    ax.set_title("synthetic task, spurious flag: signal erasing", fontsize=9)
    ax.set_ylabel("success P[f(g(x)) = f(x)]")
    ax = axes[5]
    alphas, measured, predicted = panels["steering"]
    ax.plot(alphas, measured, marker="o", color="0.35", label="steering: SGD, averaged iterate")
    ax.plot(alphas, predicted, "k:", label="steering: fixed point of the expected update")
    ax.set_ylabel("distance to the target parameters")
    ax.set_title("gradient-based learning: steering", fontsize=9)
    names = ("synthetic (ξ = 0.01)", "digits (unique patch, ξ = 0)", "MNIST-1D (3-feature pattern)",
             "resumes (rare token)", "synthetic, spurious flag (erasing)", "SGD steering (least squares)")
    for i, (ax, name) in enumerate(zip(axes, names)):
        ax.set_xscale("log")
        _alpha_ticks(ax, sorted(set(table.loc[table.dataset == name, "alpha"])))
        ax.set_xlabel("collective size α")
        if i < 4:
            ax.set_ylim(-0.02, 1.02)
            ax.set_ylabel("success")
        ax.grid(alpha=0.3)
    fig.suptitle("Success of the collective against its size α (mean over seeds; band: 95% interval)", fontsize=10)
    return finish_figure(fig, ncol=2)


register_kind(KIND, run)

STUDY = Study(name="collective-action", title="Algorithmic collective action: how large a group steers a classifier",
              paper="[6] Hardt, Mazumdar, Mendler-Dünner and Zrnic, ICML 2023 (arXiv 2302.04262)", points=points,
              analyze=analyze, sizes=SIZES)
