"""The `distribution-shift` study at the quick size: claims computed from the PDE runs, tables and figures exist."""

import numpy as np

from stratlearn.studies import STUDIES, run_study


def test_distribution_shift_quick(tmp_path):
    assert "distribution-shift" in STUDIES
    result = run_study("distribution-shift", size="quick", output=tmp_path)
    assert len(result.claims) == 14 and all(np.isfinite(c.measured) for c in result.claims)
    # measured: W2 ratio 9.7e-7, 2 modes with the model retraining (1 without the push, 1 under RRM on a location
    # family), rate ratios 0.9996 (cooperative) and 1.076 (competitive), saddle distance 3e-6, distance 1.1e-3,
    # time ratio 0.044, credit RRM 1e-13 and divergence to 1.6e39, group loss ratio 7.35, closed-form error 9e-8,
    # 2-D W2 ratio 2.8e-3
    assert all(c.passed for c in result.claims)
    controls = [c for c in result.claims if c.is_control]
    assert len(controls) == 2 and all(c.control_of == "polarization" and c.measured == 1 for c in controls)
    polar = next(c for c in result.claims if c.key == "polarization")
    assert polar.measured >= 2
    rates = result.tables["rates"]
    assert set(rates.setting) == {"cooperative", "competitive"}
    assert (rates.fitted_rate >= 0.95 * rates.predicted_rate).all()
    summary = result.tables["summary"]
    assert set(summary.part) == {"a", "b", "c", "d", "e"}
    assert set(result.figures) == {"densities", "x_and_energy", "groups", "densities_2d"}
