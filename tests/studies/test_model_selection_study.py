"""The `model-selection` study at its quick size: claims from exact equilibria, stored Algorithm-1 runs and 100
selection trials per game; tables and figures exist."""

import numpy as np

from stratlearn.studies import STUDIES, run_study


def test_model_selection_quick(tmp_path):
    assert "model-selection" in STUDIES
    result = run_study("model-selection", size="quick", output=tmp_path)
    assert len(result.claims) == 12 and all(np.isfinite(c.measured) for c in result.claims)
    # reverse scaling is a property of the exact equilibria (measured 0.061, 0.027, 0.125 and 0.12, 0.31, 0.68)
    assert all(c.passed for c in result.claims if "minus" in c.text)
    curves = result.tables["expressivity"]
    assert set(curves.game) == {"regression", "classification", "cournot", "entry deterrence"}
    # the Cournot curve hits the closed forms: −(a−c)²/9 unrestricted, −(a−c)²/8 at q1 >= (a−c)/2
    cournot = curves[curves.game == "cournot"].set_index("class").learner_loss
    assert abs(cournot["q1>=0"] + 1.0) < 1e-8 and abs(cournot["q1>=1.5"] + 1.125) < 1e-8
    markov = curves[curves.game == "entry deterrence"]
    assert markov.nash_gap.max() <= 1e-9
    selection = result.tables["selection"]
    assert (selection.groupby("game").chosen_rate.sum().round(9) == 1).all()
    assert set(result.figures) == {"expressivity", "algorithm1", "samples"}
    # (d): the two-class instances hit their constructed gaps, every trial identifies the better class, and the
    # sample count rises as the gap falls
    scaling = result.tables["sample_scaling"]
    assert np.allclose(scaling.gap, [0.02, 0.01, 0.005, 0.0025], rtol=1e-6)
    assert (scaling.identified_rate == 1).all() and scaling.mean_samples.is_monotonic_increasing
    # (a'): the random family's fraction is decided on its exact interval, from 100 strongly monotone instances
    family = next(c for c in result.claims if "random family" in c.text)
    assert family.seeds == 100 and family.passed and 0 < family.interval[0] < family.measured < family.interval[1] < 1
