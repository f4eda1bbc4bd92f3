"""The `function-approximation` study at its quick size (10^4-state pursuit-evasion, exact Nash gaps)."""

import numpy as np

from stratlearn.studies import run_study


def test_function_approximation_quick(tmp_path):
    result = run_study("function-approximation", size="quick", output=tmp_path)
    assert len(result.claims) == 4 and all(np.isfinite(c.measured) for c in result.claims)
    table = result.tables["final_gaps"].set_index("run")
    assert list(table.d[:4]) == sorted(table.d[:4]) and table.loc["ttq:tabular", "d"] == 50_000
    # measured at this size: richest tile set 0.185 against 0.559 for uniform policies (claim (a)); the claims are
    # the study's verdicts, and (a) is asserted here because a learner that does nothing would fail it
    assert result.claims[1].passed
    assert "nash_gap" in result.figures
