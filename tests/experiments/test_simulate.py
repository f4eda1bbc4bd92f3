import jax
import numpy as np
import pytest

import stratlearn as sl
from stratlearn.errors import InvalidParameterError, UnknownNameError

GAME = sl.games.catalog.random_zero_sum(4, seed=0)
DSBR = sl.learners.DoublySmoothedBestResponse(temperature=0.1, step_size=0.05)


def test_shapes_records_and_config():
    trace = sl.simulate(DSBR, GAME, steps=1000, seeds=3, record_every=250, progress=False)
    np.testing.assert_array_equal(trace.steps, [250, 500, 750, 1000])
    assert trace.metrics["nash_gap"].shape == (3, 4)
    assert trace.config["learner"]["name"] == "dsbr" and trace.config["steps"] == 1000
    assert trace.config["learner"]["step_size"] == {"kind": "constant", "value": 0.05}
    assert jax.tree_util.tree_leaves(trace.final_state)[0].shape[0] == 3


def test_record_every_that_does_not_divide_steps_ends_at_steps():
    trace = sl.simulate(DSBR, GAME, steps=1000, seeds=1, record_every=300, progress=False)
    np.testing.assert_array_equal(trace.steps, [300, 600, 900, 1000])


def test_chunking_does_not_change_the_trajectory():
    # the per-step keys depend only on (seed, chunk, index): the same record_every gives identical results, and a
    # run's final state is the same whether it is recorded often or once when the chunk layout is the same
    a = sl.simulate(DSBR, GAME, steps=600, seeds=2, record_every=200, progress=False)
    b = sl.simulate(DSBR, GAME, steps=600, seeds=2, record_every=200, progress=False)
    np.testing.assert_array_equal(a.metrics["nash_gap"], b.metrics["nash_gap"])


def test_seed_trajectory_is_independent_of_the_batch():
    many = sl.simulate(DSBR, GAME, steps=500, seeds=8, record_every=100, progress=False)
    one = sl.simulate(DSBR, GAME, steps=500, seeds=[6], record_every=100, progress=False)
    np.testing.assert_allclose(many.metrics["nash_gap"][6], one.metrics["nash_gap"][0], rtol=1e-6)
    other_base = sl.simulate(DSBR, GAME, steps=500, seeds=[6], record_every=100, seed=1, progress=False)
    assert not np.allclose(other_base.metrics["nash_gap"], one.metrics["nash_gap"])


def test_metrics_by_function_and_name():
    trace = sl.simulate(DSBR, GAME, steps=100, metrics=[sl.metrics.nash_gap, "regularized_nash_gap:0.1"],
                        progress=False)
    assert set(trace.metrics) == {"nash_gap", "regularized_nash_gap_0.1"}
    assert np.all(trace.metrics["regularized_nash_gap_0.1"] >= -1e-6)


def test_progress_bar_runs(capsys):
    sl.simulate(DSBR, GAME, steps=100, record_every=50, progress=True)


@pytest.mark.parametrize("kwargs, field", [
    ({"steps": 0}, "steps"),
    ({"steps": -5}, "steps"),
    ({"steps": 1.5}, "steps"),
    ({"steps": 10, "record_every": 0}, "record_every"),
    ({"steps": 10, "record_every": 20}, "record_every"),
    ({"steps": 10, "seeds": 0}, "seeds"),
    ({"steps": 10, "seeds": [1, 1]}, "seeds"),
    ({"steps": 10, "seeds": [-1]}, "seeds"),
    ({"steps": 10, "seed": -3}, "seed"),
    ({"steps": 10, "metrics": []}, "metrics"),
])
def test_bad_run_settings(kwargs, field):
    with pytest.raises(InvalidParameterError, match=field):
        sl.simulate(DSBR, GAME, progress=False, **kwargs)


def test_unknown_metric_lists_valid_names():
    with pytest.raises(UnknownNameError, match="nash_gap"):
        sl.simulate(DSBR, GAME, steps=10, metrics=["exploitabilty"], progress=False)


def test_games_differing_only_in_name_share_compiled_code():
    from stratlearn.experiments.engine import _chunk

    a = sl.games.catalog.random_zero_sum(4, seed=0)
    b = sl.games.catalog.random_zero_sum(4, seed=1)
    assert a.name != b.name
    sl.simulate(DSBR, a, steps=7, progress=False)
    before = _chunk._cache_size()
    trace = sl.simulate(DSBR, b, steps=7, progress=False)
    assert _chunk._cache_size() == before
    assert trace.config["game"]["name"] == b.name  # the label still reaches the trace
