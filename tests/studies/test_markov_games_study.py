"""The `markov-games` study at its quick size, through the Python API (the CLI path is covered by the
matrix-games study test)."""

import numpy as np

from stratlearn.studies import run_study


def test_markov_games_quick(tmp_path):
    result = run_study("markov-games", size="quick", output=tmp_path)
    by_label = {c.text[:3]: [] for c in result.claims}
    for c in result.claims:
        by_label[c.text[:3]].append(c)
        assert np.isfinite(c.measured), c
    # (a) and (c) hold at the quick size, decided at the hardest end of their 95% intervals over 32 seeds
    assert all(c.status == "PASS" and c.seeds == 32 for c in by_label["(a)"] + by_label["(c)"])
    tau_claims = [c for c in by_label["(b)"] if "τ=0.2" in c.text or "τ=0.1 " in c.text]
    assert len(tau_claims) == 2 and all(c.status == "PASS" for c in tau_claims)
    # (b) at τ = 0.05 is a measured finding (0.34 against the tolerance 0.3), marked as an expected failure with its
    # reason: shown, counted apart, and not a FAIL of the study
    (low_tau,) = [c for c in by_label["(b)"] if "τ=0.05" in c.text]
    assert low_tau.status == "XFAIL" and "Theorem 3.1" in low_tau.xfail and result.passed
    assert set(result.tables) == {"curves", "qre_comparison"} and "nash_gap" in result.figures
