"""The `frank-wolfe` study at its quick size: every claim is computed from stored runs, the tables and figure exist."""

import numpy as np

from stratlearn.studies import run_study
from stratlearn.studies.base import fitted_slope


def test_fitted_slope_recovers_a_power_law():
    steps = np.arange(1, 1001)
    assert abs(fitted_slope(steps, 3.0 * steps ** -0.5, 10) + 0.5) < 1e-12


def test_frank_wolfe_quick(tmp_path):
    result = run_study("frank-wolfe", size="quick", output=tmp_path)
    assert len(result.claims) == 8 and all(np.isfinite(c.measured) for c in result.claims)
    # the deterministic rate holds with room at the quick size (measured −0.83, −0.55, −0.54, −1.0)
    deterministic = [c for c in result.claims if "deterministic" in c.text]
    assert len(deterministic) == 4 and all(c.passed for c in deterministic)
    table = result.tables["final_gaps"]
    assert set(table.method) == {"gfw", "extragradient", "optimistic", "gfw-stochastic"}
    assert "vi_gap" in result.figures
