"""Sweeps: run a list of points through an executor into a result store, skipping points already stored."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from .executors import LocalExecutor, PointFailed
from .points import Point
from .store import ResultStore

__all__ = ["SweepSummary", "run_sweep"]


@dataclass
class SweepSummary:
    total: int
    skipped: int
    computed: list = field(default_factory=list)
    corrupt: list = field(default_factory=list)
    failed: list = field(default_factory=list)


def run_sweep(points: list[Point], store: ResultStore, *, executor=None, force: bool = False,
              progress: bool = True, log=None) -> SweepSummary:
    """Compute every point of ``points`` not yet in ``store`` (all of them with ``force``) and write each result as
    it arrives. Damaged point files are reported by name and recomputed. Raises :class:`PointFailed` at the end if
    a worker lost points (the others are stored)."""
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    executor = executor or LocalExecutor()
    todo, skipped, corrupt = [], 0, []
    for point in points:
        status, reason = store.status(point)
        if status == "ok" and not force:
            skipped += 1
            point.release()
            continue
        if status == "corrupt":
            log(f"store: {store.file(point).relative_to(store.path)} is damaged ({reason}); recomputing it")
            corrupt.append(point.key())
        todo.append(point)
    summary = SweepSummary(total=len(points), skipped=skipped, corrupt=corrupt)
    bar = None
    if progress and todo:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(points), initial=skipped, desc="points", unit="point", dynamic_ncols=True,
                   disable=None)

    def on_start(point):
        if bar is not None and executor.name == "local":
            bar.set_postfix_str(point.label()[:80])

    def on_result(point, frame, info):
        store.write(point, frame, info)
        summary.computed.append(point.key())
        if bar is not None:
            bar.update(1)

    try:
        summary.failed = executor.map(todo, on_result, on_start)
    finally:
        if bar is not None:
            bar.close()
    if summary.failed:
        names = "; ".join(f"{p.label()} ({why})" for p, why in summary.failed)
        raise PointFailed(f"{len(summary.failed)} point(s) failed and were not stored: {names}. "
                          f"Run the sweep again to retry them.")
    return summary
