"""Atomic writes: files follow the user's umask like any other file, a vector copy lies beside each raster figure,
and a failed write leaves nothing behind."""

import json
import os
import stat
from contextlib import contextmanager

import matplotlib
import pandas as pd
import pytest

from stratlearn.errors import InvalidParameterError
from stratlearn.files import atomic_write, current_umask, save_figure, write_json, write_parquet
from stratlearn.experiments.report import write_report

matplotlib.use("Agg")


@contextmanager
def _umask(mask):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _figure():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([1, 2, 3], [3, 1, 2], label="a curve")
    return fig


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_outputs_follow_the_umask(tmp_path, mask):
    study = tmp_path / "out" / "demo"
    with _umask(mask):
        assert current_umask() == mask
        write_json(study / "claims.json", {"study": "demo", "title": "t", "paper": "p", "size": "quick",
                                           "claims": []})
        write_parquet(study / "table.parquet", pd.DataFrame({"x": [1, 2]}))
        fig = _figure()
        save_figure(study / "figure.png", fig)
        report = write_report([tmp_path / "out"], tmp_path / "out" / "report.html")
    expected = 0o666 & ~mask
    for path in (study / "claims.json", study / "table.parquet", study / "figure.png", study / "figure.pdf", report):
        assert _mode(path) == expected, (path.name, oct(_mode(path)), oct(expected))
    assert not [p for p in study.iterdir() if p.name.endswith(".tmp")]


def test_a_pdf_lies_beside_each_png_and_is_reproducible(tmp_path):
    fig = _figure()
    png = save_figure(tmp_path / "curve.png", fig)
    pdf = tmp_path / "curve.pdf"
    assert png.read_bytes()[:4] == b"\x89PNG" and pdf.read_bytes()[:5] == b"%PDF-"
    first = pdf.read_bytes()
    save_figure(tmp_path / "curve.png", fig)
    assert pdf.read_bytes() == first                     # no creation date: the same figure, the same bytes
    save_figure(tmp_path / "vector.svg", fig)           # a vector file gets no second copy
    assert (tmp_path / "vector.svg").exists() and not (tmp_path / "vector.pdf").exists()
    save_figure(tmp_path / "plain.png", fig, vector=None)
    assert not (tmp_path / "plain.pdf").exists()
    save_figure(tmp_path / "slides.png", fig, vector="svg")
    assert (tmp_path / "slides.svg").read_text().lstrip().startswith("<?xml")
    with pytest.raises(InvalidParameterError, match="vector"):
        save_figure(tmp_path / "bad.png", fig, vector="eps")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "claims.json"
    write_json(target, {"ok": True})

    def broken(path):
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(target, broken)
    assert json.loads(target.read_text()) == {"ok": True}
    assert [p.name for p in tmp_path.iterdir()] == ["claims.json"]
