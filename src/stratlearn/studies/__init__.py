"""The papers' experiments, one module each, with a quick and a full size and the claims they check.

``stratlearn reproduce NAME|all [--quick|--full] [--executor local|ray]`` runs them through :func:`run_studies`:
each study's runs go into a result store (``OUTPUT/<study>/store``, resumable), its claims, tables and figures are
written beside it, and one HTML report (``OUTPUT/report.html``) collects them all.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import UnknownNameError
from .base import Claim, Study, StudyData, StudyResult
from .collective_action import STUDY as _COLLECTIVE_ACTION
from .distribution_shift import STUDY as _DISTRIBUTION_SHIFT
from .frank_wolfe import STUDY as _FRANK_WOLFE
from .function_approximation import STUDY as _FUNCTION_APPROXIMATION
from .markov_games import STUDY as _MARKOV_GAMES
from .matrix_games import STUDY as _MATRIX_GAMES
from .model_selection import STUDY as _MODEL_SELECTION
from .tolls import STUDY as _TOLLS

__all__ = ["Claim", "Study", "StudyData", "StudyResult", "STUDIES", "run_study", "run_studies", "format_claims"]

STUDIES: dict[str, Study] = {s.name: s for s in (_MATRIX_GAMES, _MARKOV_GAMES, _FRANK_WOLFE,
                                                    _FUNCTION_APPROXIMATION, _MODEL_SELECTION, _DISTRIBUTION_SHIFT,
                                                    _TOLLS, _COLLECTIVE_ACTION)}
SIZES = ("quick", "full")


def _check(name: str, size: str) -> Study:
    if name not in STUDIES:
        raise UnknownNameError("study", name, [*STUDIES, "all"])
    if size not in SIZES:
        raise UnknownNameError("size", size, SIZES)
    return STUDIES[name]


def run_study(name: str, *, size: str = "quick", output: str | Path = "runs/reproduce", executor=None,
              progress: bool = False, force: bool = False) -> StudyResult:
    """Run one registered study: compute its missing points into ``output/<name>/store``, then analyze them."""
    from ..experiments.store import ResultStore
    from ..experiments.sweep import run_sweep

    study = _check(name, size)
    started = time.perf_counter()
    points = study.points(size)
    store = ResultStore.open(Path(output) / name / "store", create=True,
                             config={"study": name, "size": size, "title": study.title})
    run_sweep(points, store, executor=executor, force=force, progress=progress)
    result = study.analyze(size, StudyData(points, store))
    result.wall_time = time.perf_counter() - started
    return result


def format_claims(result: StudyResult) -> str:
    from ..experiments.runner import format_table

    rows = [{"": "PASS" if c.passed else "FAIL", "claim": c.text, "measured": f"{c.measured:.4g}",
             "threshold": f"{c.comparison} {c.threshold:.4g}"} for c in result.claims]
    return format_table(rows, ["", "claim", "measured", "threshold"])


def write_result(result: StudyResult, output: Path) -> Path:
    """Write ``claims.json``, one Parquet file per table and one PNG per figure into ``output/<study>``."""
    from ..experiments.io import save_figure, write_json, write_parquet
    from ..experiments.runner import machine_info

    study = STUDIES[result.name]
    folder = Path(output) / result.name
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in result.tables.items():
        write_parquet(folder / f"{name}.parquet", table)
    for name, fig in result.figures.items():
        save_figure(folder / f"{name}.png", fig)
    write_json(folder / "claims.json", {"study": result.name, "title": study.title, "paper": study.paper,
                                        "size": result.size, "passed": result.passed, "wall_time": result.wall_time,
                                        "claims": [c.as_dict() for c in result.claims], "machine": machine_info()})
    return folder


def run_studies(which: str, *, size: str = "quick", output: str | Path = "runs/reproduce", executor=None,
                progress: bool = True, force: bool = False) -> bool:
    """Run ``which`` (a study name or ``"all"``), write results and the report under ``output`` and print each
    claims table. Returns whether every claim passed."""
    import matplotlib.pyplot as plt

    from ..experiments.executors import LocalExecutor, shared_compilations
    from ..experiments.report import write_report

    names = list(STUDIES) if which == "all" else [which]
    for name in names:
        _check(name, size)
    executor = executor or LocalExecutor()
    ok = True
    with executor, shared_compilations():
        for name in names:
            study = STUDIES[name]
            print(f"== {name} ({size}): {study.title} [{study.paper}]", flush=True)
            result = run_study(name, size=size, output=output, executor=executor, progress=progress, force=force)
            folder = write_result(result, Path(output))
            for fig in result.figures.values():
                plt.close(fig)
            print(format_claims(result))
            passed = sum(c.passed for c in result.claims)
            print(f"{passed}/{len(result.claims)} claims pass; {result.wall_time:.1f} s; results in {folder}\n",
                  flush=True)
            ok = ok and result.passed
    report = write_report([output], Path(output) / "report.html", title="stratlearn reproduce")
    print(f"report: {report.resolve()}", flush=True)
    return ok
