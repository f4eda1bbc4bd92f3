"""The HTML report: self-contained, escaped, and rendered for real in headless Chromium."""

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from stratlearn.errors import StratlearnError
from stratlearn.files import save_figure
from stratlearn.experiments.points import Point
from stratlearn.experiments.report import build_report, write_report
from stratlearn.experiments.store import ResultStore
from stratlearn.experiments.sweep import run_sweep

EVIL = '<script>alert("x")</script>'


@pytest.fixture(scope="module")
def sweep_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "store"
    points = [Point(game={"name": game, **extra}, learner=learner,
                    run={"steps": 2000, "seeds": 4, "record_every": 200, "metrics": ["nash_gap"], "seed": 0})
              for game, extra in (("rock_paper_scissors", {}), ("random_zero_sum", {"rows": 5, "seed": 1}))
              for learner in ({"name": "dsbr", "temperature": 0.1, "step_size": 0.05}, {"name": "fictitious_play"})]
    store = ResultStore.open(path, create=True, config={"title": f"escaping test {EVIL}", "note": EVIL})
    run_sweep(points, store, progress=False)
    return path


def test_report_is_self_contained_and_escaped(sweep_store, tmp_path):
    html = build_report([sweep_store])
    assert EVIL not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "the page must not load anything from the network"
    assert html.count('<img class="figure"') == 1 and "data:image/png;base64," in html
    assert html.count('<table class="data"') == 2  # final metrics + machine
    assert "±" in html and "stratlearn" in html


def test_sweep_figures_have_numbered_ticks_and_one_colour_per_learner(sweep_store, monkeypatch):
    from stratlearn.experiments import report

    from ..studies.test_figures import labelled

    drawn = []
    original = report._png

    def keep(fig):
        fig.canvas.draw()
        drawn.append([(ax.get_title(), labelled(ax.xaxis), labelled(ax.yaxis),
                       {line.get_label(): line.get_color() for line in ax.get_lines()}) for ax in fig.axes])
        return original(fig)

    monkeypatch.setattr(report, "_png", keep)
    build_report([sweep_store])
    assert len(drawn) == 1 and len(drawn[0]) == 2               # one metric, one panel per game
    colours = {}
    for title, xs, ys, lines in drawn[0]:
        assert len(xs) >= 2 and len(ys) >= 2, (title, xs, ys)
        for label, colour in lines.items():
            assert colours.setdefault(label, colour) == colour
    assert len(colours) == 2 and len(set(colours.values())) == 2


def test_not_a_store_or_study_folder(tmp_path):
    with pytest.raises(StratlearnError, match="neither a result store"):
        build_report([tmp_path])


def _claim(text, status, measured, interval=None, seeds=None, skip="", xfail="", comparison="<=", threshold=0.1):
    return {"claim": text, "measured": measured, "comparison": comparison, "threshold": threshold,
            "passed": status in ("PASS", "XPASS"), "status": status, "interval": interval, "seeds": seeds,
            "skip": skip, "xfail": xfail, "detail": "d" * 400}        # one long word: the table must wrap it


@pytest.fixture(scope="module")
def reproduce_folder(tmp_path_factory, sweep_store):
    """A `stratlearn reproduce` output: a study with every status, its figure and store; a study written before
    statuses existed; and a study that crashed."""
    import matplotlib.pyplot as plt

    out = tmp_path_factory.mktemp("reproduce")
    alpha = out / "alpha"
    claims = [_claim("holds", "PASS", 0.05, [0.04, 0.06], 32), _claim("does not hold", "FAIL", 0.5, [0.4, 0.6], 32),
              _claim("needs torch", "SKIP", float("nan"), skip="pip install 'stratlearn[torch]'"),
              _claim("known gap", "XFAIL", 0.35, [0.29, 0.39], 32, xfail="outside Theorem 3.1's condition"),
              _claim("mark to remove", "XPASS", 0.01, xfail="was 0.2 before")]
    alpha.mkdir()
    (alpha / "claims.json").write_text(json.dumps({
        "study": "alpha", "title": f"the first {EVIL}", "paper": "[1]", "size": "quick", "wall_time": 3.2,
        "seed_offset": 0, "counts": {}, "claims": claims}, allow_nan=True))
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([1, 2], [2, 1])
    save_figure(alpha / "curve.png", fig)
    plt.close(fig)
    shutil.copytree(sweep_store, alpha / "store")
    old = out / "beta"
    old.mkdir()
    (old / "claims.json").write_text(json.dumps({"study": "beta", "title": "old format", "paper": "[2]",
                                                 "size": "quick", "wall_time": None, "claims": [
                                                     {"claim": "old pass", "measured": 1.0, "comparison": "<",
                                                      "threshold": 2.0, "passed": True},
                                                     {"claim": "old fail", "measured": 3.0, "comparison": "<",
                                                      "threshold": 2.0, "passed": False}]}))
    (out / "crashed.json").write_text(json.dumps({"gamma": {
        "study": "gamma", "title": "the crashed one", "paper": "[3]", "size": "quick",
        "error": f"ValueError: boom {EVIL} (the study process exited with status 1)"}}))
    return out


def test_header_toc_and_crashed_study(reproduce_folder):
    html = build_report([reproduce_folder], title="stratlearn reproduce")
    assert EVIL not in html and "boom &lt;script&gt;" in html
    summary = re.search(r'<div class="summary" id="summary">(.*?)</div>', html).group(1)
    text = re.sub(r"<[^>]+>", "", summary)
    assert "2 studies ran" in text and "1 crashed" in text
    for n, word in ((2, "passed"), (2, "failed"), (1, "skipped"), (1, "xfailed"), (1, "xpassed")):
        assert f"{n} claims {word}" in text, text
    # the table of contents links every section, the crashed one included, and each anchor exists
    toc = re.search(r'<nav class="toc">(.*?)</nav>', html, re.S).group(1)
    links = re.findall(r'href="#([\w-]+)"', toc)
    assert links == ["study-alpha", "study-beta", "crashed-gamma", "machine"]
    for anchor in links:
        assert f'id="{anchor}"' in html
    crashed = re.search(r'<section id="crashed-gamma">(.*?)</section>', html, re.S).group(1)
    assert "CRASHED" in crashed and '<pre class="error">ValueError: boom &lt;script&gt;' in crashed


def test_claims_table_shows_status_interval_seeds_and_reasons(reproduce_folder):
    html = build_report([reproduce_folder])
    alpha = re.search(r'<section id="study-alpha">(.*?)</section>', html, re.S).group(1)
    for status in ("pass", "fail", "skip", "xfail", "xpass"):
        assert f'<td class="status {status}">{status.upper()}</td>' in alpha
    assert "[0.04, 0.06]" in alpha and ">32<" in alpha and "&lt;= 0.1" in alpha
    assert "pip install &#x27;stratlearn[torch]&#x27;" in alpha and "outside Theorem 3.1&#x27;s condition" in alpha
    assert "<th>reason (skip / expected failure)</th>" in alpha
    assert 'class="num">—<' in alpha                                  # a skipped claim has no measured value
    assert "vector copy beside it: curve.pdf" in alpha and html.count('<img class="figure"') == 1
    beta = re.search(r'<section id="study-beta">(.*?)</section>', html, re.S).group(1)
    assert '<td class="status pass">PASS</td>' in beta and '<td class="status fail">FAIL</td>' in beta


def _rows(table_html):
    head = re.findall(r"<th>(.*?)</th>", table_html)
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table_html)[1:]]
    return head, rows


def test_final_metrics_are_sorted_without_point_keys(reproduce_folder, sweep_store):
    html = build_report([reproduce_folder])
    store = ResultStore.open(sweep_store)
    keys = list(store.keys())
    alpha = re.search(r'<section id="study-alpha">(.*?)</section>', html, re.S).group(1)
    table = re.search(r"Final metrics per run.*?(<table.*?</table>)", alpha, re.S).group(1)
    head, rows = _rows(table)
    assert head[:4] == ["game", "learner", "seeds", "steps"] and "point" not in head
    assert not any(key in table for key in keys)
    order = [(r[0], r[1]) for r in rows]
    assert order == sorted(order) and len(order) == 4
    assert order[0][0].startswith("random_zero_sum") and order[0][1].startswith("dsbr")


def test_bad_result_files_are_named(tmp_path):
    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "claims.json").write_text("{not json")
    with pytest.raises(StratlearnError, match="claims.json"):
        build_report([tmp_path])
    only = tmp_path / "only-crashes"
    only.mkdir()
    (only / "crashed.json").write_text(json.dumps({"x": {"study": "x", "error": "RuntimeError: no"}}))
    html = build_report([only])
    assert "0 studies ran" in re.sub(r"<[^>]+>", "", html) and "RuntimeError: no" in html
    (only / "crashed.json").write_text("[1, 2]")
    with pytest.raises(StratlearnError, match="crashed.json"):
        build_report([only])


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def _flags():
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--virtual-time-budget=10000", f"--user-data-dir={tempfile.mkdtemp()}"]


def _rendered(report: Path, width: int = 1280) -> tuple[dict, str]:
    dom = subprocess.run([_chromium(), *_flags(), f"--window-size={width},1000", "--dump-dom", report.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    body = re.search(r"<body([^>]*)>", dom)
    assert body, dom[:500]
    return {k: int(v) for k, v in re.findall(r'(data-[\w-]+)="(\d+)"', body.group(1))}, dom


@pytest.mark.skipif(_chromium() is None, reason="headless Chromium not installed (.ci/run installs Debian's chromium)")
def test_reproduce_report_fits_the_window_in_headless_chromium(reproduce_folder, tmp_path):
    report = write_report([reproduce_folder], tmp_path / "report.html")
    attrs, _ = _rendered(report)
    assert attrs["data-figures"] == 1 and attrs["data-figures-rendered"] == 1
    assert attrs["data-tables"] == 4          # claims of alpha and beta, alpha's final metrics, machine
    # long cells wrap: the page is no wider than the window, so nothing needs a sideways scroll of the page
    assert attrs["data-page-width"] <= attrs["data-window-width"], attrs


@pytest.mark.skipif(_chromium() is None, reason="headless Chromium not installed (.ci/run installs Debian's chromium)")
def test_report_renders_in_headless_chromium(sweep_store, tmp_path):
    report = write_report([sweep_store], tmp_path / "report.html")
    flags = _flags()
    attrs, dom = _rendered(report)
    # the page's load handler counted the figures the browser decoded and the tables it laid out
    assert attrs["data-figures"] == 1 and attrs["data-figures-rendered"] == attrs["data-figures"]
    assert attrs["data-tables"] == 2
    assert "1 of 1 figures rendered." in dom

    shot = tmp_path / "shot.png"
    subprocess.run([_chromium(), *flags, "--window-size=1200,1600", f"--screenshot={shot}", report.as_uri()],
                   capture_output=True, timeout=120)
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    # a rendered figure brings many distinct colours (curves, bands, text); a page of plain text has a handful
    colours = np.unique((pixels.reshape(-1, 3) * 255).astype(np.uint8), axis=0)
    assert len(colours) > 100, len(colours)
    # and the page is not blank
    assert pixels.std() > 0.05
