"""One self-contained HTML page for sweeps and studies: figures, final-metric tables, claims, configs, machine.

The page opens with what a reviewer asks first: how many studies ran and crashed, how many claims passed, failed,
were skipped or were expected failures, and a table of contents with each section's verdicts. A study that crashed
(``OUTPUT/crashed.json``, written by ``stratlearn reproduce``) has its own section with its error.

The page needs no network to view: figures are embedded as base64 PNG, styles are inline, and every piece of text
that comes from a config or a result file is HTML-escaped. A short inline script counts the figures the browser
decoded and records the count on ``<body>`` (``data-figures-rendered``), which is what a reader's browser shows at the
bottom of the page and what the headless-browser test checks.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..files import atomic_write
from ..plots import _pyplot, finish_figure, method_colors, panels, style_axis
from .store import ResultStore, StoreError

__all__ = ["build_report", "write_report"]

STATUSES = ("PASS", "FAIL", "SKIP", "XFAIL", "XPASS")
_WORDS = {"PASS": "passed", "FAIL": "failed", "SKIP": "skipped", "XFAIL": "xfailed", "XPASS": "xpassed"}
CRASHES = "crashed.json"

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;color:#222;
padding:0 1rem;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.3rem;border-bottom:1px solid #ddd;padding-bottom:.3rem;margin-top:2.5rem}
h3{font-size:1.05rem}
.scroll{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem}
table.data{width:100%;table-layout:auto}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere;
word-break:break-word}
th{background:#f4f4f4;overflow-wrap:normal;word-break:normal}
td.num,td.status{white-space:nowrap;overflow-wrap:normal;word-break:normal}td.interval{overflow-wrap:normal;word-break:normal}
td.num{font-variant-numeric:tabular-nums}
.status{font-weight:600}.pass{color:#176617}.fail{color:#a11}.skip{color:#8a6d00}.xfail{color:#555}
.xpass{color:#8a3ab9}.crashed{color:#fff;background:#a11;padding:0 .35rem;border-radius:3px}
tr.fail td{background:#fdf0f0}tr.xpass td{background:#f7f0fb}
.summary{display:flex;flex-wrap:wrap;gap:.4rem 1.4rem;font-size:1rem;margin:.6rem 0 1rem}
.summary b{font-size:1.15rem}
nav.toc ol{padding-left:1.4rem;margin:.3rem 0}nav.toc li{margin:.15rem 0}
.badges{font-size:.85rem;margin-left:.5rem}.badges span{margin-right:.5rem}
img{max-width:100%;border:1px solid #eee}
pre{background:#f7f7f7;padding:.6rem;overflow-x:auto;font-size:.8rem;white-space:pre-wrap;overflow-wrap:anywhere}
pre.error{background:#fdf0f0;border-left:4px solid #a11}
.meta{color:#666;font-size:.85rem}
"""

SCRIPT = """
window.addEventListener('load', function () {
  var imgs = document.querySelectorAll('img.figure'), ok = 0;
  imgs.forEach(function (img) { if (img.complete && img.naturalWidth > 0) { ok++; } });
  document.body.setAttribute('data-figures', imgs.length);
  document.body.setAttribute('data-figures-rendered', ok);
  document.body.setAttribute('data-tables', document.querySelectorAll('table.data').length);
  // wider than the window means the reader scrolls the whole page sideways: the tables must wrap instead
  document.body.setAttribute('data-page-width', document.documentElement.scrollWidth);
  document.body.setAttribute('data-window-width', document.documentElement.clientWidth);
  var s = document.getElementById('render-status');
  if (s) { s.textContent = ok + ' of ' + imgs.length + ' figures rendered.'; }
});
"""


@dataclass
class _Section:
    """One section of the page: its anchor, its entry in the table of contents, its HTML and verdicts."""

    kind: str                                   # "sweep", "study" or "crashed"
    name: str
    title: str
    body: str
    counts: dict = field(default_factory=dict)  # claims per status (studies)
    anchor: str = ""


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _img(data_b64: str, alt: str) -> str:
    return f'<img class="figure" alt="{_esc(alt)}" src="data:image/png;base64,{data_b64}">'


def _table(rows: list[dict], columns: list[str], *, classes: dict | None = None, row_classes: list | None = None,
           numeric: tuple = (), widths: dict | None = None) -> str:
    """An HTML table of ``rows`` (dicts) in a container that scrolls sideways rather than overflow the page.

    ``classes`` maps ``(row index, column)`` to a CSS class of that cell, ``row_classes`` gives one per row, and
    cells of the ``numeric`` columns do not wrap. ``widths`` (CSS widths by column) fixes the layout: each column
    keeps its width and long text wraps inside it, whatever a single cell holds."""
    head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
    if widths:
        head = ("<colgroup>" + "".join(f'<col style="width:{widths[c]}">' if c in widths else "<col>"
                                       for c in columns) + "</colgroup>" + head)
    body = []
    for i, row in enumerate(rows):
        cells = []
        for c in columns:
            cls = " ".join(filter(None, [(classes or {}).get((i, c)), "num" if c in numeric else ""]))
            attr = f' class="{cls}"' if cls else ""
            cells.append(f"<td{attr}>{_esc(row.get(c, ''))}</td>")
        rc = row_classes[i] if row_classes else ""
        body.append((f'<tr class="{rc}">' if rc else "<tr>") + "".join(cells) + "</tr>")
    layout = ' style="table-layout:fixed"' if widths else ""
    if widths:
        colgroup, head = head.split("</colgroup>")
        return (f'<div class="scroll"><table class="data"{layout}>{colgroup}</colgroup><thead><tr>{head}</tr>'
                f'</thead><tbody>{"".join(body)}</tbody></table></div>')
    return (f'<div class="scroll"><table class="data"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _num(value) -> str:
    """A measured value for the claims table: four significant digits, ``—`` when there is none."""
    if value is None:
        return "—"
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(value):
        return "—"
    return f"{value:.4g}"


def _badges(counts: dict) -> str:
    shown = [f'<span class="{s.lower()}">{counts[s]} {_WORDS[s]}</span>' for s in STATUSES if counts.get(s)]
    return f'<span class="badges">{"".join(shown)}</span>' if shown else ""


# ------------------------------------------------------------------------------------------------- sweep stores
def _label(point: dict, keys) -> str:
    params = []
    for section in ("game", "learner", "run"):
        for k, v in sorted(point[section].items()):
            if (section, k) in keys:
                params.append(f"{k}={json.dumps(v) if not isinstance(v, str) else v}")
    return ", ".join(params)


def _sortable(value):
    """A sort key for config values of any type: numbers by value, before anything else by its JSON text."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, json.dumps(value, sort_keys=True, default=str))


def _order(point: dict, varying: set):
    """Points sort by game and its varying parameters, then by learner and the other varying parameters (by value:
    a temperature of 0.05 comes before 0.1)."""
    def values(sections):
        return tuple((s, k, _sortable(point[s].get(k))) for s, k in sorted(varying) if s in sections)

    return (point["game"]["name"], values(("game",)), point["learner"]["name"], values(("learner", "run")))


def _store_parts(store: ResultStore, figures: bool = True):
    """Figures (unless ``figures=False``), a final-metrics table and the configs of the points of a store."""
    entries = [(key, meta["point"], frame) for key, meta, frame in store.read_all()]
    if store.damaged:           # a damaged point is never left out silently
        print(store.damaged_note(), file=sys.stderr, flush=True)
    if not entries:
        return [], [], []
    # which config values differ between points: those label the curves and order the rows
    flat = [{(s, k): json.dumps(v, sort_keys=True) for s in ("game", "learner", "run") for k, v in p[s].items()}
            for _, p, _ in entries]
    varying = {k for k in set().union(*flat) if len({f.get(k) for f in flat}) > 1}
    varying -= {("game", "name"), ("learner", "name")}
    game_varying = {k for k in varying if k[0] == "game"}
    entries.sort(key=lambda e: _order(e[1], varying))

    def game_label(point):
        params = _label(point, game_varying)
        return point["game"]["name"] + (f" ({params})" if params else "")

    def learner_label(point):
        params = _label(point, varying - game_varying)
        return point["learner"]["name"] + (f" ({params})" if params else "")

    metrics = sorted(set().union(*(set(f.metric.unique()) for _, _, f in entries)))
    games = {}
    for key, point, frame in entries:
        games.setdefault(game_label(point), []).append((key, point, frame))
    drawn = []
    colors = method_colors(learner_label(p) for _, p, _ in entries)
    for metric in metrics if figures else []:
        fig, axes = panels(len(games), height=3.2)
        for ax, (gname, items) in zip(axes, games.items()):
            positive = True
            for key, point, frame in items:
                sub = frame[frame.metric == metric]
                if sub.empty:
                    continue
                wide = sub.pivot(index="seed", columns="step", values="value")
                steps = wide.columns.to_numpy()
                values = wide.to_numpy()
                label = learner_label(point)
                (line,) = ax.plot(steps, values.mean(axis=0), label=label, color=colors[label])
                if values.shape[0] > 1:
                    lo, hi = np.quantile(values, [0.1, 0.9], axis=0)
                    ax.fill_between(steps, lo, hi, color=line.get_color(), alpha=0.18, linewidth=0)
                positive = positive and bool(np.all(values > 0))
            style_axis(ax, gname, metric.replace("_", " "), xlabel="step", yscale="log" if positive else "linear")
        drawn.append((f"{metric} vs steps (mean over seeds, 10%–90% band)", _png(finish_figure(fig))))
    rows = []
    for key, point, frame in entries:
        last = frame[frame.step == frame.step.max()]
        row = {"game": game_label(point), "learner": learner_label(point), "seeds": int(frame.seed.nunique()),
               "steps": int(frame.step.max())}
        for metric, values in last.groupby("metric")["value"]:
            row[metric] = f"{values.mean():.4g} ± {values.std(ddof=0):.2g}"
        rows.append(row)
    columns = ["game", "learner", "seeds", "steps", *metrics]
    configs = [(f"{game_label(point)} · {learner_label(point)}", key, point) for key, point, _ in entries]
    return drawn, [(rows, columns)], configs


def _metrics_tables(tables, heading: str) -> list[str]:
    return [f"<h3>{_esc(heading)}</h3>" + _table(rows, cols, numeric=tuple(c for c in cols if c != "learner"
                                                                              and c != "game"))
            for rows, cols in tables]


def _configs(configs) -> str:
    if not configs:
        return ""
    listing = "\n".join(f"{label}: {json.dumps(point, sort_keys=True)}  [store key {key}]"
                        for label, key, point in configs)
    return (f"<details><summary>Configs of the {len(configs)} runs</summary><pre>{_esc(listing)}</pre>"
            f"</details>")


def _sweep_section(path: Path) -> _Section:
    store = ResultStore.open(path)
    figures, tables, configs = _store_parts(store)
    title = (store.manifest.get("config") or {}).get("title") or path.name
    parts = [f'<p class="meta">store {_esc(path)} · {len(configs)} points · '
             f'stratlearn {_esc(store.manifest.get("stratlearn", "?"))}</p>']
    if store.damaged:
        parts.append('<p class="crashed">' + _esc(store.damaged_note()) + "</p>")
    parts += [f"<h3>{_esc(caption)}</h3>{_img(data, caption)}" for caption, data in figures]
    parts += _metrics_tables(tables, "Final metrics (mean ± std over seeds)")
    parts.append("<h3>Config</h3><pre>" + _esc(json.dumps(store.manifest.get("config"), indent=2)) + "</pre>")
    return _Section("sweep", str(title), f"Sweep: {title}", "\n".join(parts))


def is_run_folder(path: Path) -> bool:
    """Whether ``path`` holds the output of ``stratlearn run`` (``trace.parquet`` and ``config.json``)."""
    return (Path(path) / "trace.parquet").is_file() and (Path(path) / "config.json").is_file()


def run_folder_summary(path: Path) -> list[dict]:
    """The final value of every metric of a ``stratlearn run`` folder, per game and learner: one row each with the
    mean and std over seeds, the seeds and the last step."""
    import pandas as pd

    try:
        frame = pd.read_parquet(Path(path) / "trace.parquet")
    except Exception as exc:   # pyarrow raises several types for a damaged file
        raise StoreError(f"{Path(path) / 'trace.parquet'}: not readable as a stratlearn trace ({exc})") from None
    rows = []
    for (game, learner, metric), group in frame.groupby(["game", "learner", "metric"], sort=False):
        final = group[group.step == group.step.max()]["value"]
        rows.append({"game": game, "learner": learner, "metric": metric, "mean": float(final.mean()),
                     "std": float(final.std(ddof=0)), "seeds": int(group.seed.nunique()),
                     "steps": int(group.step.max())})
    return rows


def _run_section(path: Path) -> _Section:
    config = _read_json(path / "config.json", "config of a run")
    raw = config.get("config", {}) if isinstance(config, dict) else {}
    title = raw.get("title") or path.name
    rows = [{**r, "final (mean ± std)": f"{r['mean']:.4g} ± {r['std']:.2g}"} for r in run_folder_summary(path)]
    parts = [f'<p class="meta">run folder {_esc(path)} · {len({(r["game"], r["learner"]) for r in rows})} runs</p>']
    if (path / "figure.png").is_file():
        parts.append(f"<h3>Figure</h3>{_img(base64.b64encode((path / 'figure.png').read_bytes()).decode(), title)}")
    parts.append("<h3>Final metrics (mean ± std over seeds)</h3>"
                 + _table(rows, ["game", "learner", "metric", "final (mean ± std)", "seeds", "steps"],
                          numeric=("seeds", "steps")))
    parts.append("<h3>Config</h3><pre>" + _esc(json.dumps(raw, indent=2)) + "</pre>")
    return _Section("sweep", str(title), f"Run: {title}", "\n".join(parts))


# ------------------------------------------------------------------------------------------------------ studies
def _read_json(path: Path, what: str):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: cannot read the {what} ({exc})") from exc


def _status(claim: dict) -> str:
    """A claim's status; files written before statuses existed have only ``passed``."""
    status = str(claim.get("status") or "").upper()
    if status in STATUSES:
        return status
    return "PASS" if claim.get("passed") else "FAIL"


def _interval(claim: dict) -> str:
    interval = claim.get("interval")
    if not interval or len(interval) != 2:
        return ""
    return f"[{_num(interval[0])}, {_num(interval[1])}]"


def _claims_table(claims: list[dict]) -> tuple[str, dict]:
    rows, classes, row_classes = [], {}, []
    for i, c in enumerate(claims):
        status = _status(c)
        threshold = c.get("threshold")
        reason = c.get("skip") or c.get("xfail") or ""
        text = str(c.get("claim", ""))
        must_fail = ""
        if c.get("role") == "headline":
            text = f"[{c.get('key', '')}] {text}"
        elif c.get("control_of"):
            # a negative control: PASS means the claim's comparison fails on a run that breaks its condition
            text, must_fail = f"control of [{c['control_of']}]: {text}", "must fail "
        rows.append({"status": status, "claim": text, "measured": _num(c.get("measured")),
                     "95% interval": _interval(c), "seeds": c.get("seeds") if c.get("seeds") is not None else "",
                     "threshold": f"{must_fail}{c.get('comparison', '')} {_num(threshold)}".strip(),
                     "reason (skip / expected failure)": reason, "detail": c.get("detail", "")})
        classes[(i, "status")] = f"status {status.lower()}"
        classes[(i, "95% interval")] = "interval"           # wraps after its comma, not inside a number
        row_classes.append(status.lower())
    columns = ["status", "claim", "measured", "95% interval", "seeds", "threshold"]
    if any(r["reason (skip / expected failure)"] for r in rows):
        columns.append("reason (skip / expected failure)")
    columns.append("detail")
    counts = {s: sum(1 for c in claims if _status(c) == s) for s in STATUSES}
    widths = {"status": "4.4rem", "claim": "26%", "measured": "6.2rem", "95% interval": "8.6rem", "seeds": "3.9rem",
              "threshold": "6.2rem", "reason (skip / expected failure)": "15%"}
    table = _table(rows, columns, classes=classes, row_classes=row_classes,
                   numeric=("measured", "seeds", "threshold"), widths=widths)
    return table, counts


def _wall(value) -> str:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return ""
    return f" · {value:.1f} s" if math.isfinite(value) else ""


def _study_section(path: Path) -> _Section:
    claims = _read_json(path / "claims.json", "claims of a study")
    if not isinstance(claims, dict) or not isinstance(claims.get("claims", []), list):
        raise StoreError(f"{path / 'claims.json'}: expected an object with a list of claims")
    name = str(claims.get("study", path.name))
    table, counts = _claims_table(claims.get("claims", []))
    offset = claims.get("seed_offset")
    parts = [f'<p class="meta">size {_esc(claims.get("size"))} · {_esc(claims.get("paper", ""))}'
             f'{_esc(_wall(claims.get("wall_time")))}' + (f" · seed offset {_esc(offset)}" if offset else "")
             + (" · <b>size overridden</b>: " + _esc(", ".join(f"{k}={v}" for k, v in claims["overrides"].items()))
                + " (an exploration: the claims are calibrated at the study's sizes)"
                if isinstance(claims.get("overrides"), dict) and claims["overrides"] else "") + "</p>",
             "<h3>Claims</h3>" + table]
    for png in sorted(path.glob("*.png")):
        vector = [p.name for p in (png.with_suffix(".pdf"), png.with_suffix(".svg")) if p.exists()]
        note = f' <span class="meta">(vector copy beside it: {_esc(", ".join(vector))})</span>' if vector else ""
        parts.append(f"<h3>{_esc(png.stem.replace('_', ' '))}{note}</h3>"
                     + _img(base64.b64encode(png.read_bytes()).decode(), png.stem))
    if (path / "store" / "store.json").exists():
        _, tables, configs = _store_parts(ResultStore.open(path / "store"), figures=False)
        parts += _metrics_tables(tables, "Final metrics per run (mean ± std over seeds)")
        parts.append(_configs(configs))
    title = f"Study: {name} — {claims.get('title', '')}"
    return _Section("study", name, title, "\n".join(p for p in parts if p), counts=counts)


def _crashed_sections(path: Path) -> list[_Section]:
    file = path / CRASHES
    if not file.is_file():
        return []
    crashed = _read_json(file, "list of crashed studies")
    if not isinstance(crashed, dict):
        raise StoreError(f"{file}: expected an object {{study: {{study, title, paper, size, error}}}}")
    out = []
    for name, entry in sorted(crashed.items()):
        entry = entry if isinstance(entry, dict) else {"error": entry}
        body = (f'<p class="meta">size {_esc(entry.get("size", "?"))} · {_esc(entry.get("paper", ""))}</p>'
                f"<p>The study stopped with an error, so it has no claims, tables or figures. Its error:</p>"
                f'<pre class="error">{_esc(entry.get("error", "(no error recorded)"))}</pre>')
        out.append(_Section("crashed", str(name), f"Study: {entry.get('study', name)} — {entry.get('title', '')}",
                            body))
    return out


def _sections(path: Path) -> list[_Section]:
    path = Path(path)
    if (path / "store.json").exists():
        return [_sweep_section(path)]
    if is_run_folder(path):
        return [_run_section(path)]
    studies = sorted(p for p in path.iterdir() if (p / "claims.json").exists()) if path.is_dir() else []
    crashed = _crashed_sections(path) if path.is_dir() else []
    if studies or crashed:
        sections = [_study_section(p) for p in studies] + crashed
        return sorted(sections, key=lambda s: (s.name, s.kind))
    raise StoreError(f"{path}: neither a result store (store.json), a `stratlearn run` folder (trace.parquet and "
                     f"config.json) nor a `stratlearn reproduce` output folder (subfolders with claims.json, or "
                     f"crashed.json)")


# --------------------------------------------------------------------------------------------------------- page
def _anchors(sections: list[_Section]) -> None:
    seen = set()
    for s in sections:
        base = f"{s.kind}-" + (re.sub(r"[^a-z0-9]+", "-", s.name.lower()).strip("-") or "section")
        anchor, k = base, 2
        while anchor in seen:
            anchor, k = f"{base}-{k}", k + 1
        seen.add(anchor)
        s.anchor = anchor


def _summary(sections: list[_Section]) -> str:
    studies = [s for s in sections if s.kind == "study"]
    crashed = [s for s in sections if s.kind == "crashed"]
    sweeps = [s for s in sections if s.kind == "sweep"]
    items = []
    if studies or crashed:
        totals = {st: sum(s.counts.get(st, 0) for s in studies) for st in STATUSES}
        items.append(f"<span><b>{len(studies)}</b> studies ran</span>")
        items.append(('<span class="fail">' if crashed else "<span>") + f"<b>{len(crashed)}</b> crashed</span>")
        items += [(f'<span class="{st.lower()}">' if totals[st] else "<span>") + f"<b>{totals[st]}</b> claims "
                  f"{_WORDS[st]}</span>" for st in STATUSES]
    if sweeps:
        items.append(f"<span><b>{len(sweeps)}</b> sweep{'s' if len(sweeps) != 1 else ''}</span>")
    return f'<div class="summary" id="summary">{"".join(items)}</div>'


def _toc(sections: list[_Section]) -> str:
    entries = []
    for s in sections:
        mark = ' <span class="crashed">CRASHED</span>' if s.kind == "crashed" else _badges(s.counts)
        entries.append(f'<li><a href="#{s.anchor}">{_esc(s.title)}</a>{mark}</li>')
    entries.append('<li><a href="#machine">Machine</a></li>')
    return f'<nav class="toc"><h2>Contents</h2><ol>{"".join(entries)}</ol></nav>'


def _render(s: _Section) -> str:
    mark = ' <span class="crashed">CRASHED</span>' if s.kind == "crashed" else _badges(s.counts)
    return f'<section id="{s.anchor}">\n<h2>{_esc(s.title)}{mark}</h2>\n{s.body}\n</section>'


def build_report(paths: list[str | Path], *, title: str = "stratlearn report") -> str:
    """The HTML text of the report of ``paths`` (result stores and/or ``stratlearn reproduce`` output folders).

    Raises:
        StoreError: a path is neither a store nor a reproduce folder, or one of its result files cannot be read.
    """
    from .runner import machine_info

    sections = [s for p in paths for s in _sections(Path(p))]
    _anchors(sections)
    machine = machine_info()
    machine_rows = [{"key": k, "value": v} for k, v in machine.items()]
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{_esc(title)}</title>"
            f"<style>{CSS}</style></head><body>\n<h1>{_esc(title)}</h1>\n"
            f'<p class="meta">stratlearn {_esc(machine["stratlearn"])} · generated '
            f'{_esc(time.strftime("%Y-%m-%d %H:%M"))}</p>\n'
            + _summary(sections) + "\n" + _toc(sections) + "\n"
            + "\n".join(_render(s) for s in sections)
            + '\n<section id="machine"><h2>Machine</h2>' + _table(machine_rows, ["key", "value"]) + "</section>"
            + f'\n<p class="meta" id="render-status"></p>\n<script>{SCRIPT}</script>\n</body></html>\n')


def write_report(paths: list[str | Path], output: str | Path, *, title: str = "stratlearn report") -> Path:
    """Write the report of ``paths`` (stores and/or reproduce folders) to ``output`` atomically."""
    text = build_report(paths, title=title)
    return atomic_write(output, lambda p: p.write_text(text, encoding="utf-8"))
