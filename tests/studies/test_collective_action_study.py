"""The `collective-action` study at the quick size: claims, the success table and the figure."""

import numpy as np

from stratlearn.studies import STUDIES, run_study


def test_collective_action_quick(tmp_path):
    assert "collective-action" in STUDIES
    result = run_study("collective-action", size="quick", output=tmp_path)
    assert len(result.claims) == 11
    assert all(np.isfinite(c.measured) for c in result.claims if c.control_of != "critical-mass")
    assert all(c.passed for c in result.claims)
    by_text = {c.text.split(":")[0]: c for c in result.claims}
    # the theory's claims hold by construction of the bound when every piece is right: a failure here is a bug
    assert by_text["synthetic task (ξ = 1%, Δ and ε exact)"].passed
    assert by_text["gradient-based learning, proportional pull"].passed
    controls = {c.control_of: c for c in result.claims if c.is_control}
    assert set(controls) == {"unique-signal", "critical-mass"} and not any(c.met for c in controls.values())
    assert controls["critical-mass"].measured == np.inf             # the proportional pull never reaches it
    assert by_text["signal erasing (synthetic, a flag carried by 50% of class 0 and 5% of the others)"].passed
    # the transformer claim is decided over several independently trained models (one per α would let the base seed
    # decide it), on a sweep that brackets the 90% crossing on both sides
    text = by_text["tiny collectives steer a language-model classifier (resumes, a token no resume has)"]
    assert text.seeds == 4 and text.interval is not None and text.interval[0] <= text.measured <= text.interval[1]
    table = result.tables["success"]
    resumes = table[table.dataset == "resumes (rare token)"].groupby("alpha").success.mean()
    assert resumes.iloc[0] < 0.9 < resumes.iloc[-1]
    assert {"synthetic (ξ = 0.01)", "synthetic, feature-only planting", "digits (unique patch, ξ = 0)",
            "MNIST-1D (3-feature pattern)", "resumes (rare token)", "synthetic, spurious flag (erasing)",
            "SGD steering (least squares)", "SGD steering, critical mass"} == set(table.dataset)
    assert table.success.dropna().between(0, 1).all()
    assert set(result.figures) == {"success"}
