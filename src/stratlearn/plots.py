"""Figures: metric curves with a mean line and a band over seeds, in one look shared by every study.

The look is that of a figure for a paper: at most :data:`MAX_WIDTH` inches wide (so the HTML report shows it at its
natural size), no text under :data:`MIN_FONT_SIZE` points, numbered ticks on every axis (log axes that span less than
two decades included), one colour per method in all panels of a figure (:func:`method_colors`) and legends beside
or below the data, never on it (:func:`finish_figure`).
"""

from __future__ import annotations

import math
import textwrap
import zlib

import numpy as np

__all__ = ["plot_metric", "plot_traces", "plot_band", "style_axis", "method_colors", "log_ticks", "panels",
           "finish_figure", "PALETTE", "MAX_WIDTH", "MIN_FONT_SIZE"]

MAX_WIDTH = 9.5
"""Widest figure, in inches: the report's page shows figures up to about 9.7 inches (at 120 dpi) unscaled."""

MIN_FONT_SIZE = 8.0
"""Smallest text, in points, at the figure's own size."""

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
           "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#5254a3", "#8ca252", "#bd9e39", "#ad494a",
           "#a55194")
"""Colours for methods: matplotlib's ``tab10`` without its grey (grey and black are kept for reference lines),
then the dark shades of ``tab20b``."""

_STRONG = 9     # the tab10 colours at the head of PALETTE


def _pyplot():
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        try:
            import matplotlib.pyplot as plt  # noqa: F401
        except ImportError:  # pragma: no cover
            matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# ------------------------------------------------------------------------------------------------------- colours
def method_colors(labels, palette=PALETTE) -> dict[str, str]:
    """A colour for each distinct label, to be used for that method in every panel of a figure.

    Each label has a preferred colour, fixed by a checksum of its text (so a method keeps its colour from one
    figure to the next unless two labels of a figure want the same one); labels that collide take the next free
    colour, in sorted order of the labels. The result depends only on the set of labels, not on their order, and
    distinct labels get distinct colours as long as there are no more of them than colours in ``palette`` (beyond
    that, colours repeat). With the default :data:`PALETTE`, up to nine labels share out its nine strong colours
    (``tab10``'s); its darker shades come in only for more.

    Args:
        labels: Method names (any iterable of strings; repeats are ignored).
        palette: The colours to choose from.

    Returns:
        ``{label: colour}``.

    Raises:
        InvalidParameterError: ``palette`` is empty.
    """
    from .errors import InvalidParameterError

    palette = tuple(palette)
    if not palette:
        raise InvalidParameterError("palette: expected at least one colour")
    labels = {str(label) for label in labels}
    # a few methods take the strong first colours (tab10's); the dark shades come in only for more methods
    used = palette[:max(len(labels), _STRONG)] if palette == PALETTE else palette
    unique = sorted(labels, key=lambda s: (zlib.crc32(s.encode()) % len(used), s))
    colors, taken = {}, set()
    for label in unique:
        slot = zlib.crc32(label.encode()) % len(used)
        if len(taken) == len(used):
            taken.clear()              # every colour is in use: start a second round
        while slot in taken:
            slot = (slot + 1) % len(used)
        taken.add(slot)
        colors[label] = used[slot]
    return colors


# --------------------------------------------------------------------------------------------------------- ticks
def _plain(value: float) -> str:
    """A tick value as a reader writes it: ``0.002``, ``40``, or ``2×10⁻⁵`` when very small or large."""
    if value == 0 or not np.isfinite(value):
        return f"{value:g}"
    if 1e-3 <= abs(value) < 1e4:
        return np.format_float_positional(value, precision=3, unique=True, fractional=False, trim="-")
    exponent = math.floor(math.log10(abs(value)))
    coefficient = f"{value / 10.0 ** exponent:.2g}"
    if coefficient in ("1", "-1"):
        return rf"$\mathdefault{{{coefficient[:-1]}10^{{{exponent}}}}}$"
    return rf"$\mathdefault{{{coefficient}\times10^{{{exponent}}}}}$"


def _in_view(axis, locs) -> list[float]:
    low, high = sorted(axis.get_view_interval())
    slack = 1e-9 * (high - low)
    return [float(v) for v in locs if low - slack <= v <= high + slack]


def _leading_digit(value: float) -> float:
    exponent = math.floor(math.log10(abs(value)))
    return round(abs(value) / 10.0 ** exponent, 6)


def _spaced(axis, kept: list[float], candidates: list[float]) -> list[float]:
    """The ``candidates`` (positive tick values between decades) to label beside the labelled ``kept`` ones: those
    with leading digit 2 or 5 first, then the others, each only if its label keeps clear of the labels already
    chosen on the axis as drawn (a label's height apart on a y axis, its width on an x axis)."""
    import matplotlib

    low, high = sorted(axis.get_view_interval())
    if low <= 0 or high <= low or not candidates:
        return []
    bbox = axis.axes.bbox
    length = bbox.width if axis.axis_name == "x" else bbox.height
    size = _points(matplotlib.rcParams[f"{axis.axis_name}tick.labelsize"]) * axis.figure.dpi / 72.0
    span = math.log10(high) - math.log10(low)

    def where(v):
        return (math.log10(v) - math.log10(low)) / span * length

    def room(v):
        text = _plain(v)
        chars = 4.5 if text.startswith("$") else len(text)       # "2×10⁻⁵" is drawn about 4.5 digits wide
        return 1.2 * size if axis.axis_name == "y" else (0.6 * chars + 0.6) * size

    order = sorted(candidates, key=lambda v: (_leading_digit(v) not in (2.0, 5.0), v))
    chosen, taken = [], list(kept)
    for v in order:
        if all(abs(where(v) - where(k)) >= (room(v) + room(k)) / 2 + 0.3 * size for k in taken):
            chosen.append(v)
            taken.append(v)
    return chosen


_FORMATTER = None


def _log_tick_labels(minor: bool):
    """A tick formatter for a log axis that never leaves the axis with fewer than two numbers.

    When at least two decades (major ticks) are in view, the decades are labelled ``10^k`` and the ticks between
    them are not. Otherwise the decade in view (if any) and some ticks between decades are labelled plainly: those
    with leading digit 2 or 5 (every one when at most five are in view), or, if that still leaves fewer than two
    labels, an evenly spaced few.
    """
    global _FORMATTER
    if _FORMATTER is None:
        from matplotlib.ticker import Formatter, LogFormatterSciNotation

        class LogTickLabels(Formatter):
            def __init__(self, minor: bool):
                self.minor = minor
                self._decades = LogFormatterSciNotation()
                self._labelled: list[float] = []
                self._sparse = False

            def set_axis(self, axis):
                super().set_axis(axis)
                self._decades.set_axis(axis)

            def set_locs(self, locs):
                super().set_locs(locs)
                self._decades.set_locs(locs)
                if self.axis is None:
                    return
                decades = [v for v in _in_view(self.axis, self.axis.get_majorticklocs()) if v > 0]
                self._sparse = len(decades) < 2
                if self.minor and self._sparse:
                    view = [v for v in _in_view(self.axis, locs) if v > 0]
                    self._labelled = _spaced(self.axis, decades, view)

            def __call__(self, x, pos=None):
                if not self.minor:
                    return _plain(x) if self._sparse else self._decades(x, pos)
                if self._sparse and any(math.isclose(x, v, rel_tol=1e-9) for v in self._labelled):
                    return _plain(x)
                return ""

        _FORMATTER = LogTickLabels
    return _FORMATTER(minor)


def log_ticks(ax) -> None:
    """Give each log-scaled axis of ``ax`` labelled ticks, whatever its span (see :func:`_log_tick_labels`).

    Call it after the axis scale is set (setting a scale resets the tick formatters)."""
    from matplotlib.ticker import LogFormatter, NullFormatter

    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() != "log":
            continue
        # only matplotlib's own log labels are replaced: ticks a figure set itself (set_xticks) keep their labels
        if isinstance(axis.get_major_formatter(), LogFormatter):
            axis.set_major_formatter(_log_tick_labels(minor=False))
        if isinstance(axis.get_minor_formatter(), (LogFormatter, NullFormatter)):
            axis.set_minor_formatter(_log_tick_labels(minor=True))


# -------------------------------------------------------------------------------------------------------- curves
def plot_metric(trace, metric: str, *, ax=None, label: str | None = None, band=(0.1, 0.9), log: bool = True,
                color=None):
    """Draw ``trace.metrics[metric]``: mean over seeds and a quantile band; log-log axes by default.

    Args:
        trace: A :class:`~stratlearn.trace.Trace`.
        metric: The metric's name.
        ax: The axes to draw in; a new figure when ``None`` (then finished: legend beside the axes).
        label: The curve's legend entry.
        band: The quantiles of the band, or ``None`` for no band.
        log: Log-scaled steps (and values, when all are positive).
        color: The curve's colour (matplotlib's next one when ``None``).

    Returns:
        The ``Figure``.
    """
    plt = _pyplot()
    new = ax is None
    if new:
        fig, ax = plt.subplots(figsize=(6, 4))
    else:
        fig = ax.figure
    values = trace.metrics[metric]
    mean = values.mean(axis=0)
    (line,) = ax.plot(trace.steps, mean, label=label, color=color)
    if values.shape[0] > 1 and band is not None:
        low, high = np.quantile(values, band, axis=0)
        ax.fill_between(trace.steps, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    if log:
        ax.set_xscale("log")
        if np.all(values > 0):
            ax.set_yscale("log")
        log_ticks(ax)
    ax.set_xlabel("step")
    ax.set_ylabel(metric.replace("_", " "))
    ax.grid(True, which="both", alpha=0.3)
    if new:
        finish_figure(fig, legend="axes")
    elif label:
        # a panel of the caller's figure: its legend beside it (finish_figure may gather the panels' legends)
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, frameon=False,
                  fontsize=max(MIN_FONT_SIZE, _points("small")))
    return fig


def plot_traces(groups: dict[str, list], metric: str, *, log: bool = True):
    """One panel per group (e.g. per game), one curve per trace in the group, one colour per trace label in all
    panels and one legend below them. Returns the ``Figure``."""
    fig, axes = panels(len(groups))
    colors = method_colors(trace.label for traces in groups.values() for trace in traces if trace.label)
    for ax, (title, traces) in zip(axes, groups.items()):
        for trace in traces:
            plot_metric(trace, metric, ax=ax, label=trace.label, log=log, color=colors.get(trace.label))
        ax.set_title(_wrap(title, ax))
    return finish_figure(fig)


def plot_band(ax, steps, mean, low, high, label, color=None, **line_kwargs):
    """A mean curve with a shaded band in the curve's colour.

    Args:
        ax: The axes.
        steps: The x values.
        mean: The curve (same length as ``steps``).
        low: The band's lower edge (same length).
        high: The band's upper edge (same length).
        label: The legend entry.
        color: The colour (see :func:`method_colors`); matplotlib's next one when ``None``.
        **line_kwargs: Passed on to ``ax.plot`` (line style, width, markers).

    Returns:
        The curve's ``Line2D``.
    """
    (line,) = ax.plot(steps, mean, label=label, color=color, **line_kwargs)
    ax.fill_between(steps, low, high, color=line.get_color(), alpha=0.15, linewidth=0)
    return line


def _wrap(text: str, ax, fontsize: float = 9.0) -> str:
    """``text`` broken into lines that fit the width of ``ax`` at ``fontsize`` points (a rough character width)."""
    width = ax.get_position().width * ax.figure.get_figwidth() * 72.0
    chars = max(12, int(width / (0.55 * fontsize)))
    return "\n".join(textwrap.wrap(str(text), chars)) if len(str(text)) > chars else str(text)


def style_axis(ax, title: str, ylabel: str, *, xlabel: str = "samples", yscale: str = "log", **yscale_kwargs):
    """The common look of the study panels: log-scaled steps, labelled ticks at any span, a grid, a wrapped title.

    The legend is left to :func:`finish_figure`, which puts it beside or below the panels."""
    ax.set_xscale("log")
    ax.set_yscale(yscale, **yscale_kwargs)
    log_ticks(ax)
    ax.set_title(_wrap(title, ax), fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)


# -------------------------------------------------------------------------------------------------------- layout
def panels(n: int, *, ncols: int | None = None, width: float = MAX_WIDTH, height: float = 3.0, **subplot_kwargs):
    """A figure of ``n`` panels in a grid at most :data:`MAX_WIDTH` inches wide.

    Args:
        n: Number of panels.
        ncols: Columns (default: ``n`` up to 3).
        width: Figure width in inches (capped at :data:`MAX_WIDTH`).
        height: Height of one row of panels, in inches.
        **subplot_kwargs: Passed on to ``plt.subplots`` (e.g. ``sharey``).

    Returns:
        ``(fig, axes)`` with ``axes`` a list of the ``n`` panels, row by row; grid cells beyond ``n`` are removed.

    Raises:
        InvalidParameterError: ``n`` or ``ncols`` is not a positive integer.
    """
    from .errors import check_positive_int

    n = check_positive_int("n", n)
    ncols = min(n, 3) if ncols is None else check_positive_int("ncols", ncols)
    rows = -(-n // ncols)
    plt = _pyplot()
    fig, grid = plt.subplots(rows, ncols, figsize=(min(width, MAX_WIDTH), height * rows), squeeze=False,
                             **subplot_kwargs)
    axes = list(grid.reshape(-1))
    for ax in axes[n:]:
        ax.remove()
    return fig, axes[:n]


def _points(size) -> float:
    from matplotlib.font_manager import FontProperties

    return FontProperties(size=size).get_size_in_points()


def _enforce_font_sizes(fig) -> None:
    import matplotlib
    from matplotlib.text import Text

    for ax in fig.axes:
        for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            for which in ("major", "minor"):
                labels = axis.get_ticklabels(minor=which == "minor")
                size = labels[0].get_fontsize() if labels else _points(matplotlib.rcParams[f"{name}tick.labelsize"])
                if size < MIN_FONT_SIZE:
                    ax.tick_params(axis=name, which=which, labelsize=MIN_FONT_SIZE)
    for text in fig.findobj(Text):
        if text.get_fontsize() < MIN_FONT_SIZE:
            text.set_fontsize(MIN_FONT_SIZE)


def _entries(fig) -> tuple[list, list]:
    handles, labels = [], []
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    return handles, labels


def finish_figure(fig, *, legend: str | None = "figure", ncol: int | None = None):
    """Give a figure the common look and lay it out; call it last, after everything is drawn.

    Log axes get labelled ticks (:func:`log_ticks`), no text stays under :data:`MIN_FONT_SIZE` points, and the
    legend goes where it hides no data.

    Args:
        fig: The figure.
        legend: ``"figure"``: one legend for all panels, below them (each label once; for panels that share their
            methods); ``"axes"``: each panel's own legend beside it, on the right; ``None``: no legend.
        ncol: Columns of the figure legend (default: as many as fit the figure's width).

    Returns:
        ``fig``.

    Raises:
        InvalidParameterError: ``legend`` is not one of ``"figure"``, ``"axes"`` or ``None``.
    """
    from .errors import InvalidParameterError

    if legend not in ("figure", "axes", None):
        raise InvalidParameterError(f"legend={legend!r}: expected 'figure', 'axes' or None")
    plot_axes = [ax for ax in fig.axes if not hasattr(ax, "_colorbar")]
    for ax in plot_axes:
        log_ticks(ax)
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    size = max(MIN_FONT_SIZE, _points("small"))
    if legend == "axes":
        for ax in plot_axes:
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=size,
                          frameon=False)
    _enforce_font_sizes(fig)
    handles, labels = _entries(fig) if legend == "figure" else ([], [])
    if not handles:
        fig.tight_layout()              # makes room for a suptitle too
        return fig
    if ncol is None:
        longest = max(len(label) for label in labels)
        entry = (longest * 0.55 * size + 40) / 72.0            # inches: the text and the line sample
        ncol = max(1, min(len(labels), int(fig.get_figwidth() * 0.95 / entry)))
    box = fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=ncol, fontsize=size,
                     frameon=False)
    renderer = fig.canvas.get_renderer()
    bottom = (box.get_window_extent(renderer).height + 4) / (fig.get_figheight() * fig.dpi)
    fig.tight_layout(rect=(0, min(bottom, 0.6), 1, 1))
    return fig
