"""The `function-approximation` study at its quick size: the 5-state game (learning to the learner's rest point, the
single-timescale control, the rate, rationality, features of known approximation error) and the 10^4-state
pursuit-evasion game (tile features), exact Nash gaps."""

import numpy as np
import pytest

import stratlearn as sl
from stratlearn.errors import StudyError
from stratlearn.studies import run_study
from stratlearn.studies.function_approximation import APPROX, approximation_error, fixed_point, small_game_reference


def test_small_game_reference_numbers():
    """The headline's threshold comes from the game: the learner's rest point (with its exploration floor) plus the
    floor's bias, tighter than the QRE's gap plus the bias τ(log A + log B)/(1 − γ) and than 80% of the way from
    uniform play; the claim is false at the start."""
    ref = small_game_reference()
    assert ref["uniform"] == pytest.approx(5.293, abs=1e-3) and ref["qre_gap"] == pytest.approx(0.2344, abs=1e-3)
    assert ref["issue_threshold"] == pytest.approx(ref["qre_gap"] + 0.2 * (ref["uniform"] - ref["qre_gap"]))
    assert ref["issue_threshold"] < ref["qre_gap"] + ref["bias"]
    assert ref["threshold"] == pytest.approx(ref["rest_gap"] + ref["floor_bias"])
    assert ref["threshold"] < ref["issue_threshold"] and ref["uniform"] > ref["threshold"]
    # the rest point without the floor is near the QRE (they differ only in the continuation values: the learner's
    # are unregularized), and the floor moves it away
    assert abs(ref["rest_gap_no_floor"] - ref["qre_gap"]) < 0.05 < ref["floor_bias"]
    # features spanning the Q functions exactly have no approximation error; the coarser sets have growing ones
    errors = [approximation_error(APPROX[n], ref["game"], ref["q"]) for n in APPROX]
    assert errors[0] < 1e-8 and errors == sorted(errors) and errors[-1] > 0.5


def test_fixed_point_is_a_rest_point_of_the_mean_dynamics():
    """At the returned policies the exact Q functions reproduce them: ``(1 − ε) σ_τ(Q_π) + ε/A = π`` (to 1e-9), on a
    game with unequal action counts; a budget too small to converge is refused with StudyError, not returned."""
    game = sl.games.catalog.make("random_zero_sum_markov", states=3, actions=2, col_actions=3, discount=0.8, seed=4)
    tau, eps = 0.2, 0.1
    x, y = fixed_point(game, tau, eps)
    v1, v2 = sl.equilibria.policy_values(game, x, y)
    g = float(game.discount)
    q1 = np.einsum("sab,sb->sa", np.asarray(game.row_rewards) + g * np.asarray(game.expected_next(v1)), y)
    q2 = np.einsum("sab,sa->sb", np.asarray(game.col_rewards) + g * np.asarray(game.expected_next(v2)), x)

    def played(q):
        e = np.exp((q - q.max(axis=1, keepdims=True)) / tau)
        return (1 - eps) * e / e.sum(axis=1, keepdims=True) + eps / q.shape[1]

    np.testing.assert_allclose(played(q1), x, atol=1e-9)
    np.testing.assert_allclose(played(q2), y, atol=1e-9)
    assert x.min() >= eps / 2 - 1e-12 and y.min() >= eps / 3 - 1e-12
    with pytest.raises(StudyError, match="fixed_point: residual"):
        fixed_point(game, tau, eps, max_iterations=3)


def test_function_approximation_quick(tmp_path):
    result = run_study("function-approximation", size="quick", output=tmp_path)
    assert len(result.claims) == 9 and all(np.isfinite(c.measured) for c in result.claims)
    table = result.tables["final_gaps"].set_index("run")
    assert list(table.d) == sorted(table.d)
    by_key = {c.key: c for c in result.claims if c.key}
    # the headline is the study's verdict; asserted here because a learner that does not learn fails it
    learn = by_key["learn"]
    assert learn.passed and learn.interval[1] <= learn.threshold
    # the single-timescale control fails the same threshold, at the end of its interval easiest for it
    control = next(c for c in result.claims if c.control_of == "learn")
    assert control.status == "PASS" and control.threshold == learn.threshold
    assert control.interval[0] > control.threshold
    assert result.passed
    assert "nash_gap" in result.figures
