"""Every study figure, drawn from small synthetic inputs in the shape the studies produce, is one a paper could use:
numbered ticks on every axis (log axes of a short span included), text of at least 8 pt at the size the report
shows it, one colour per method in all panels, legends outside the data."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from stratlearn.errors import InvalidParameterError  # noqa: E402
from stratlearn.plots import (MIN_FONT_SIZE, PALETTE, finish_figure, log_ticks, method_colors,  # noqa: E402
                                          panels)
from stratlearn.studies import (collective_action, distribution_shift, frank_wolfe,  # noqa: E402
                                function_approximation, markov_games, matrix_games, model_selection, tolls)

SHOWN_PX = 1168      # the report's page width for figures (1200 px less the padding)
DPI = 120            # save_figure's resolution: the report shows the PNG at one CSS pixel per pixel up to SHOWN_PX


# ------------------------------------------------------------------------------------------- synthetic inputs
def _curves(study, slope: float) -> pd.DataFrame:
    """The ``StudyData.curves()`` frame of a study's quick points: its roles, metrics and record steps, with a
    power-law mean of the given slope (small slopes give the short log ranges of the real runs)."""
    rows = []
    for point in study.points("quick"):
        every, total = point.run["record_every"], point.run["steps"]
        steps = np.arange(every, total + 1, every)
        steps = steps[np.unique(np.linspace(0, len(steps) - 1, 40).astype(int))]
        for metric in point.run["metrics"]:
            mean = 0.3 * (steps / steps[0]) ** slope
            rows += [{"run": point.tags["role"], "metric": metric.replace(":", "_"), "step": int(s), "mean": m,
                      "q10": 0.8 * m, "q90": 1.25 * m} for s, m in zip(steps, mean)]
    return pd.DataFrame(rows)


def _collective_action():
    rows, rng = [], np.random.default_rng(0)
    alphas = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
    for name, model in (("synthetic (ξ = 0.01)", "MLP(32)"), ("synthetic, spurious flag (erasing)", "MLP(32)"),
                        ("synthetic, spurious flag (erasing)", "logistic regression"),
                        ("digits (unique patch, ξ = 0)", "logistic regression"),
                        ("MNIST-1D (3-feature pattern)", "MLP(64), 5 epochs"),
                        ("resumes (rare token)", "transformer (from scratch)")):
        for a in alphas:
            s = float(np.clip(a * 8 + 0.05 * rng.random(), 0, 1))
            rows.append({"dataset": name, "model": model, "alpha": a, "seed": 0, "success": s, "low": s * 0.9,
                         "high": min(1.0, s * 1.1), "bound": s * 0.7})
    s_alphas = np.array([0.01, 0.05, 0.1, 0.2, 0.5])
    rows += [{"dataset": "SGD steering (least squares)", "model": "SGD", "alpha": a} for a in s_alphas]
    curve = np.linspace(0.1, 0.95, len(alphas))
    panels_ = {"digits": (alphas, {"logistic regression": curve, "MLP(64)": curve ** 2},
                          {"gradient boosting": (np.array(alphas[::3]), curve[::3])}),
               "mnist1d": (alphas, {"MLP(64), 5 epochs": curve, "MLP(64), 60 epochs": curve ** 0.5}, {}),
               "resumes": (alphas, {"transformer": curve}, {}),
               "erasing": (alphas, curve * 0.8),
               "steering": (s_alphas, np.linspace(2.0, 1.2, 5), np.linspace(2.02, 1.21, 5))}
    return collective_action._figure(pd.DataFrame(rows), panels_)


def _population_trace(cells=40, records=12, x_dim=1):
    times = np.linspace(0.0, 20.0, records)
    z = np.linspace(-5, 5, cells)
    dens = np.stack([np.exp(-(z - 0.1 * t) ** 2) for t in times])
    return SimpleNamespace(final_state={"times": times, "densities": dens, "x": np.outer(np.exp(-times / 5), np.ones(x_dim)),
                                        "groups": np.stack([np.stack([dens[k], dens[k][::-1]]) for k in range(records)])},
                           metrics={"potential": [1.0 + np.exp(-times / 4)], "group_loss_0": [0.5 + 0.01 * times],
                                    "group_loss_1": [0.7 - 0.01 * times]}, steps=np.arange(records))


def _distribution_shift():
    grid = SimpleNamespace(centers=np.linspace(-5, 5, 40), low=(-3.0, -3.0), high=(3.0, 3.0))
    runs = {"coupled (γ = 1)": _population_trace(), "learner best-responds": _population_trace(),
            "population best-responds": _population_trace()}
    rrm = SimpleNamespace(x=np.linspace(1.0, 0.2, 7)[:, None])
    rgd = SimpleNamespace(x=np.linspace(1.0, 0.3, 7)[:, None])
    trace2 = _population_trace(x_dim=2)
    trace2.final_state["densities"] = np.random.default_rng(0).random((12, 16, 16))
    return [distribution_shift._densities_figure(grid, runs, _population_trace()),
            distribution_shift._x_energy_figure(runs, rrm, rgd, np.array([0.3]), np.array([0.1])),
            distribution_shift._groups_figure(_population_trace()),
            distribution_shift._two_d_figure(grid, trace2)]


def _model_selection():
    frame = _curves(model_selection.STUDY, -0.05)
    est = pd.DataFrame({"run": frame.run.unique(), "exact": 0.28})
    curves = pd.DataFrame(
        [{"game": g, "family": f, "expressivity": e, "learner_loss": 1 / (1 + e) + 0.1 * k}
         for g, fams in (("regression", ("features", "norm ball")), ("classification", ("features", "norm ball")),
                         ("cournot", ("q1 >= low",)), ("entry deterrence", ("γ=0.5", "γ=0.9", "γ=0.99")))
         for k, f in enumerate(fams) for e in (1.0, 2.0, 3.0)])
    selection = pd.DataFrame([{"game": g, "gap_to_best": gap, "mean_samples": 2e4 + 30.0 / gap ** 2}
                              for g in ("regression", "cournot") for gap in (0.02, 0.05, 0.1, 0.3)])
    scaling = pd.DataFrame({"gap": [0.02, 0.01, 0.005, 0.0025], "mean_samples": [1.7e5, 8.6e5, 4.6e6, 1.7e7]})
    return [model_selection._expressivity_figure(curves), model_selection._algorithm1_figure(frame, est),
            model_selection._samples_figure(selection, scaling)]


def _tolls(tmp_path: Path):
    nodes = {1: (0.0, 0.0), 2: (1.0, 0.0), 3: (1.0, 1.0), 4: (0.0, 1.0)}
    (tmp_path / "SiouxFalls_node.tntp").write_text("Node\tX\tY\t;\n" + "".join(f"{n}\t{x}\t{y}\t;\n"
                                                                            for n, (x, y) in nodes.items()))
    net = SimpleNamespace(tail=np.array([1, 2, 3, 4, 2]), head=np.array([2, 3, 4, 1, 1]))
    curves = {"follower-agnostic": np.linspace(1.04, 1.006, 31), "zeroth-order": np.linspace(1.04, 1.03, 31),
              "oracle hypergradient (knows the demand)": np.linspace(1.04, 1.005, 31)}
    return [tolls._curves_figure(curves, 1.04),
            tolls._map_figure(tmp_path, net, np.arange(5.0), np.linspace(100, 900, 5), np.arange(5.0)[::-1])]


def _figures(tmp_path) -> dict[str, object]:
    out = {}
    for slope in (-0.02, -0.6):
        out[f"frank-wolfe slope {slope}"] = frank_wolfe._figure(_curves(frank_wolfe.STUDY, slope))
        out[f"function-approximation slope {slope}"] = function_approximation._figure(
            _curves(function_approximation.STUDY, slope), 0.35)
        out[f"markov-games slope {slope}"] = markov_games._figure(_curves(markov_games.STUDY, slope))
        out[f"matrix-games slope {slope}"] = matrix_games._figure(_curves(matrix_games.STUDY, slope))
    out["collective-action"] = _collective_action()
    for k, fig in enumerate(_distribution_shift()):
        out[f"distribution-shift {k}"] = fig
    for k, fig in enumerate(_model_selection()):
        out[f"model-selection {k}"] = fig
    for k, fig in enumerate(_tolls(tmp_path)):
        out[f"tolls {k}"] = fig
    return out


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    with matplotlib.rc_context({"figure.max_open_warning": 0}):      # all of them are open at once, on purpose
        figs = _figures(tmp_path_factory.mktemp("tntp"))
    for fig in figs.values():
        fig.canvas.draw()
    yield figs
    for fig in figs.values():
        plt.close(fig)


# ------------------------------------------------------------------------------------------------------ checks
def labelled(axis) -> list[str]:
    """The texts of the tick labels of ``axis`` that are drawn: non-empty, at a tick inside the view."""
    low, high = sorted(axis.get_view_interval())
    slack = 1e-9 * (high - low)
    out = []
    for minor in (False, True):
        locs = axis.get_minorticklocs() if minor else axis.get_majorticklocs()
        for loc, label in zip(locs, axis.get_ticklabels(minor=minor)):
            if label.get_visible() and label.get_text() and low - slack <= loc <= high + slack:
                out.append(label.get_text())
    return out


def _plot_axes(fig):
    return [ax for ax in fig.axes if ax.axison and not hasattr(ax, "_colorbar")]


def test_every_axis_has_two_numbered_ticks(figures):
    for name, fig in figures.items():
        for ax in fig.axes:
            if not ax.axison:
                continue                      # a map drawn without axes
            if hasattr(ax, "_colorbar"):
                long = ax.yaxis if ax._colorbar.orientation == "vertical" else ax.xaxis
                assert len(labelled(long)) >= 2, (name, "colour bar")
                continue
            for axis in (ax.xaxis, ax.yaxis):
                labels = labelled(axis)
                assert len(labels) >= 2, (name, ax.get_title(), axis.axis_name, axis.get_scale(), labels)


def test_text_is_at_least_8_pt_where_the_report_shows_it(figures):
    from matplotlib.text import Text

    for name, fig in figures.items():
        renderer = fig.canvas.get_renderer()
        width = fig.get_tightbbox(renderer).width            # inches, as saved with bbox_inches="tight"
        assert width * DPI <= SHOWN_PX, (name, width)        # shown unscaled, so a point stays a point
        small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text)
                 if t.get_visible() and t.get_text() and t.get_fontsize() < MIN_FONT_SIZE]
        assert not small, (name, small)


def test_legends_are_off_the_data(figures):
    for name, fig in figures.items():
        renderer = fig.canvas.get_renderer()
        for ax in _plot_axes(fig):
            box = ax.get_window_extent(renderer)
            legend = ax.get_legend()
            if legend is not None:
                assert not legend.get_window_extent(renderer).overlaps(box), name
        for legend in fig.legends:
            extent = legend.get_window_extent(renderer)
            assert not any(extent.overlaps(ax.get_window_extent(renderer)) for ax in _plot_axes(fig)), name


def test_one_colour_per_method_across_panels(figures):
    for name, fig in figures.items():
        seen = {}
        for ax in _plot_axes(fig):
            for line in ax.get_lines():
                label = line.get_label()
                if label.startswith("_") or line.get_linestyle() != "-" or line.get_alpha() not in (None, 1.0):
                    continue
                color = matplotlib.colors.to_hex(line.get_color())
                assert seen.setdefault(label, color) == color, (name, label)


def test_matrix_games_shapley_panel_and_function_approximation_are_numbered(figures):
    """The two figures the issue names: before, neither axis of the function-approximation figure and the y axis of
    Shapley's panel had a single number."""
    fa = figures["function-approximation slope -0.02"].axes[0]
    assert len(labelled(fa.xaxis)) >= 2 and len(labelled(fa.yaxis)) >= 2
    shapley = [ax for ax in figures["matrix-games slope -0.02"].axes if "Shapley" in ax.get_title()][0]
    assert len(labelled(shapley.yaxis)) >= 2


@pytest.mark.parametrize("low, high", [(2e-3, 6e-2), (0.31, 0.39), (0.2, 0.9), (1e-12, 1.0), (3e-5, 4e-5),
                                       (1.2e4, 8e4), (0.9, 1.1)])
def test_log_axes_of_any_span_are_numbered(low, high):
    fig, (ax,) = panels(1, width=4)
    ax.loglog([low, high], [high, low])
    log_ticks(ax)
    fig.canvas.draw()
    assert len(labelled(ax.xaxis)) >= 2 and len(labelled(ax.yaxis)) >= 2, (labelled(ax.xaxis))
    plt.close(fig)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=len(PALETTE)), st.randoms())
def test_method_colours_are_fixed_and_distinct(labels, rnd):
    colours = method_colors(labels)
    shuffled = list(labels)
    rnd.shuffle(shuffled)
    assert method_colors(shuffled) == colours                       # the order the labels come in does not matter
    assert set(colours) == set(labels) and len(set(colours.values())) == len(set(labels))
    assert set(colours.values()) <= set(PALETTE)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=10), min_size=len(PALETTE) + 1, max_size=3 * len(PALETTE),
                unique=True))
def test_more_methods_than_colours_reuse_the_palette(labels):
    colours = method_colors(labels)
    assert set(colours) == set(labels) and set(colours.values()) == set(PALETTE)


def test_bad_layout_arguments():
    with pytest.raises(InvalidParameterError):
        method_colors(["a"], palette=())
    with pytest.raises(InvalidParameterError):
        panels(0)
    fig, _ = panels(1)
    with pytest.raises(InvalidParameterError, match="legend"):
        finish_figure(fig, legend="inside")
    plt.close(fig)
