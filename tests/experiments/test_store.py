import json

import numpy as np
import pandas as pd
import pytest

from stratlearn.experiments.points import Point, run_point
from stratlearn.experiments.store import ResultStore, StoreError
from stratlearn.experiments.sweep import run_sweep

POINTS = [Point(game={"name": "random_zero_sum", "rows": 3, "seed": s}, learner={"name": "fictitious_play"},
                run={"steps": 200, "seeds": 2, "record_every": 100, "metrics": ["nash_gap"], "seed": 0})
          for s in range(3)]


def _quiet(_):
    pass


def test_store_roundtrip_index_and_plain_pandas(tmp_path):
    store = ResultStore.open(tmp_path / "s", create=True, config={"title": "t"})
    summary = run_sweep(POINTS, store, progress=False, log=_quiet)
    assert len(summary.computed) == 3 and summary.skipped == 0
    for p in POINTS:
        frame = store.read(p)
        expected, _ = run_point(p)
        pd.testing.assert_frame_equal(frame, expected)
        # the file opens with plain pandas, and its metadata is JSON, not a pickle
        raw = pd.read_parquet(store.file(p))
        assert list(raw.columns) == ["seed", "step", "metric", "value"]
        import pyarrow.parquet as pq

        meta = json.loads(pq.read_schema(store.file(p)).metadata[b"stratlearn"])
        assert meta["point"] == p.as_dict() and meta["key"] == p.key()
    index = pd.read_parquet(tmp_path / "s" / "index.parquet")
    assert sorted(index.key) == sorted(p.key() for p in POINTS)
    assert (index.nash_gap_mean >= 0).all()


def test_rerun_skips_and_force_recomputes(tmp_path):
    store = ResultStore.open(tmp_path / "s", create=True)
    run_sweep(POINTS, store, progress=False, log=_quiet)
    stamps = {p.key(): store.file(p).stat().st_mtime_ns for p in POINTS}
    again = run_sweep(POINTS, store, progress=False, log=_quiet)
    assert again.skipped == 3 and not again.computed
    assert stamps == {p.key(): store.file(p).stat().st_mtime_ns for p in POINTS}
    forced = run_sweep(POINTS, store, force=True, progress=False, log=_quiet)
    assert len(forced.computed) == 3


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_damaged_point_is_reported_by_name_and_recomputed(tmp_path, damage):
    store = ResultStore.open(tmp_path / "s", create=True)
    run_sweep(POINTS, store, progress=False, log=_quiet)
    target = store.file(POINTS[1])
    good = store.read(POINTS[1])
    data = bytearray(target.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        # flip bytes inside the first data page (just after the 4-byte magic and the page header)
        for i in range(40, 60):
            data[i] ^= 0xFF
    else:
        data = bytearray(b"not a parquet file at all")
    target.write_bytes(bytes(data))
    status, reason = store.status(POINTS[1])
    assert status == "corrupt" and target.name in reason
    with pytest.raises(StoreError, match=target.name):
        store.read(POINTS[1])
    messages = []
    summary = run_sweep(POINTS, store, progress=False, log=messages.append)
    assert summary.corrupt == [POINTS[1].key()] and summary.computed == [POINTS[1].key()]
    assert any(target.name in m for m in messages)
    pd.testing.assert_frame_equal(store.read(POINTS[1]), good)


def test_a_folder_that_is_not_a_store(tmp_path):
    with pytest.raises(StoreError, match="not a stratlearn result store"):
        ResultStore.open(tmp_path)
    (tmp_path / "other.txt").write_text("hello")
    with pytest.raises(StoreError, match="not an empty folder"):
        ResultStore.open(tmp_path, create=True)
    (tmp_path / "store.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(StoreError, match="format"):
        ResultStore.open(tmp_path)


def test_the_index_has_a_column_per_parameter(tmp_path):
    """Parameters as columns (learner.temperature, learner.step_size.kind, game.seed, run.steps), so a groupby or a
    filter needs no JSON parsing; a parameter a point does not have is missing (NaN), and a column whose points
    disagree on its type is written as text."""
    import pandas as pd

    from stratlearn.experiments.points import Point
    from stratlearn.experiments.store import ResultStore
    from stratlearn.experiments.sweep import run_sweep

    run = {"steps": 200, "seeds": 2, "record_every": 100, "metrics": ["nash_gap"], "seed": 0}
    points = [Point({"name": "random_zero_sum", "rows": 3, "seed": 1}, {"name": "dsbr", "temperature": t}, run)
              for t in (0.1, 0.02)]
    points.append(Point({"name": "random_zero_sum", "rows": 3, "seed": 1}, {"name": "fictitious_play"}, run))
    points.append(Point({"name": "random_zero_sum", "rows": 3, "seed": 1},
                        {"name": "dsbr", "temperature": 0.1, "step_size": {"kind": "harmonic", "a": 0.5, "h": 10.0,
                                                                          "power": 1.0}}, run))
    store = ResultStore.open(tmp_path / "s", create=True)
    run_sweep(points, store, progress=False)
    for index in (store.index(), pd.read_parquet(tmp_path / "s" / "index.parquet")):
        by_key = index.set_index("key")
        assert by_key.loc[points[0].key(), "learner.temperature"] == 0.1
        assert by_key.loc[points[1].key(), "learner.temperature"] == 0.02
        assert pd.isna(by_key.loc[points[2].key(), "learner.temperature"])
        assert by_key.loc[points[3].key(), "learner.step_size.kind"] == "harmonic"
        assert (index["game.seed"] == 1).all() and (index["run.steps"] == 200).all()


def test_an_index_from_before_the_parameter_columns_is_rebuilt(tmp_path):
    """An index written by an older stratlearn (no game./learner./run. columns) is not trusted for them: the next
    read rebuilds its rows from the point files."""
    import pandas as pd

    from stratlearn.experiments.points import Point
    from stratlearn.experiments.store import ResultStore
    from stratlearn.experiments.sweep import run_sweep

    run = {"steps": 100, "seeds": 1, "record_every": 100, "metrics": ["nash_gap"], "seed": 0}
    store = ResultStore.open(tmp_path / "s", create=True)
    run_sweep([Point({"name": "matching_pennies"}, {"name": "dsbr", "temperature": 0.2}, run)], store,
              progress=False)
    old = pd.read_parquet(tmp_path / "s" / "index.parquet")
    old[[c for c in old.columns if "." not in c]].to_parquet(tmp_path / "s" / "index.parquet", index=False)
    assert store.index(verify=False)["learner.temperature"].tolist() == [0.2]
