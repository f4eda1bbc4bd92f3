"""`stratlearn data certify NAME`: a user-equilibrium reference to gap 1e-10 by Algorithm B, with the checksums of its
inputs and its comparison with the published best-known flows; written atomically with the user's umask."""

import hashlib
import json
import os
import stat

import numpy as np
import pytest

from stratlearn.cli import main
from stratlearn.equilibria.certify import certify_network
from stratlearn.equilibria.wardrop import relative_gap
from stratlearn.errors import DataError, InvalidParameterError
from stratlearn.games.routing import load_tntp, read_flows
from stratlearn.games.tntp import packaged_tntp
from tests._data import TNTP, needs_tntp

SIOUX_FALLS = packaged_tntp("SiouxFalls")


def test_sioux_falls_reference(tmp_path):
    """Sioux Falls to 1e-10: the file holds flows whose gap we recompute, the input checksums, and the comparison
    with the best-known flows (whose gap, 1.2e-16, is the smaller: they were solved further; links agree to
    2e-8 of the largest flow)."""
    out = tmp_path / "ref.json"
    old = os.umask(0o027)
    try:
        ref = certify_network("SiouxFalls", output=out)
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    stored = json.loads(out.read_text())
    assert stored["reached"] and stored["relative_gap"] <= 1e-10 and stored["target_gap"] == 1e-10
    net, dem = load_tntp(SIOUX_FALLS)
    flow = np.array(stored["links"]["flow"])
    assert relative_gap(net, dem, flow) == pytest.approx(stored["relative_gap"], rel=1e-6)
    assert stored["links"]["init_node"] == net.tail.tolist()
    np.testing.assert_allclose(stored["links"]["cost"], net.latency(flow), rtol=1e-12)
    assert stored["inputs"]["SiouxFalls_net.tntp"] == hashlib.sha256(
        (SIOUX_FALLS / "SiouxFalls_net.tntp").read_bytes()).hexdigest()
    best = stored["best_known"]
    published = read_flows(SIOUX_FALLS / "SiouxFalls_flow.tntp", net)
    assert best["relative_gap"] == pytest.approx(relative_gap(net, dem, published))
    assert best["smaller_gap"] == "best-known" and best["max_link_flow_difference_over_max_flow"] < 1e-6
    assert ref["path"] == str(out)


def test_an_unreached_target_is_said_plainly(tmp_path, capsys):
    """A time limit too short for the target: the reference says the target was not reached and records the gap it
    did reach (a solve of one pass cannot reach 1e-14)."""
    out = tmp_path / "short.json"
    assert main(["data", "certify", "SiouxFalls", "--gap", "1e-14", "--time-limit", "1e-9", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "was NOT reached" in text and "smallest gap reached" in text
    stored = json.loads(out.read_text())
    assert stored["reached"] is False and stored["relative_gap"] > 1e-14


@needs_tntp("Chicago-Sketch")
def test_chicago_sketch_reference_has_the_smaller_gap(tmp_path, monkeypatch):
    """Chicago-Sketch's published flows have gap 1.9e-4 under the file's own costs (their cost column charges the
    zero-time connectors 0.04 x length): the reference, at 1e-10, has the smaller gap."""
    monkeypatch.setenv("STRATLEARN_TNTP_DIR", str(TNTP))
    ref = certify_network("Chicago-Sketch", output=tmp_path / "chicago.json")
    assert ref["reached"]
    assert ref["best_known"]["smaller_gap"] == "ours" and ref["best_known"]["relative_gap"] > 1e-4


def test_certify_bad_input(tmp_path, capsys):
    with pytest.raises(InvalidParameterError, match="gap"):
        certify_network("SiouxFalls", gap=0.0, output=False)
    with pytest.raises(InvalidParameterError, match="time_limit"):
        certify_network("SiouxFalls", time_limit=-1.0, output=False)
    with pytest.raises(InvalidParameterError, match="output=.*a folder; expected a file name"):
        certify_network("SiouxFalls", gap=1e-3, output=tmp_path)
    with pytest.raises(DataError, match="Nowhere"):
        certify_network("Nowhere", output=False)
    assert main(["data", "certify", "Nowhere"]) != 0
    err = capsys.readouterr().err
    assert "Nowhere" in err and len(err.strip().splitlines()) == 1
