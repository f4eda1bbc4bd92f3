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

__all__ = ["Claim", "Study", "StudyData", "StudyResult", "STUDIES", "run_study", "run_studies", "format_claims",
           "default_jobs"]

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


# Measured quick-size wall times (s) on the 2-core machine, used only to start the longest studies first when
# studies run in parallel processes; an unknown study counts as 60 s.
QUICK_SECONDS = {"markov-games": 180, "function-approximation": 140, "matrix-games": 116, "collective-action": 70,
                 "distribution-shift": 61, "tolls": 57, "model-selection": 55, "frank-wolfe": 51}


def _print_result(result: StudyResult, folder: Path) -> None:
    print(format_claims(result))
    passed = sum(c.passed for c in result.claims)
    print(f"{passed}/{len(result.claims)} claims pass; {result.wall_time:.1f} s; results in {folder}\n", flush=True)


def _run_and_write(name, size, output, executor, progress, force) -> StudyResult:
    import matplotlib.pyplot as plt

    result = run_study(name, size=size, output=output, executor=executor, progress=progress, force=force)
    folder = write_result(result, Path(output))
    for fig in result.figures.values():
        plt.close(fig)
    _print_result(result, folder)
    return result


def default_jobs(which: str, executor=None) -> int:
    """Parallel study processes ``run_studies`` uses by default: two when ``which`` names more than one study (``all``
    or a comma-separated list), the executor is local and the machine has at least two cores (measured on 2 cores:
    ``reproduce all --quick`` takes 6 to 7 minutes this way against about 12 one after the other, because one study
    compiles or runs NumPy while the other computes), else one."""
    import os

    several = len(_names(which)) > 1
    local = executor is None or executor.name == "local"
    return 2 if several and local and (os.cpu_count() or 1) >= 2 else 1


def _names(which: str) -> list[str]:
    if which == "all":
        return list(STUDIES)
    # a name given twice runs once (two processes must never write one store); empty names (a trailing comma) drop
    names = list(dict.fromkeys(n.strip() for n in which.split(",") if n.strip()))
    if "all" in names:
        from ..errors import InvalidParameterError

        raise InvalidParameterError(f"study={which!r}: 'all' stands alone; expected 'all' or study names separated "
                                    "by commas")
    return names


def run_studies(which: str, *, size: str = "quick", output: str | Path = "runs/reproduce", executor=None,
                progress: bool = True, force: bool = False, jobs: int | None = None) -> bool:
    """Run ``which`` (a study name, names separated by commas, or ``"all"``), write results and the report under
    ``output`` and print each claims table. Returns whether every claim passed.

    ``jobs`` > 1 runs that many studies at once, each in its own Python process (longest first; each prints its
    claims table when it ends); ``None`` picks :func:`default_jobs`. Parallel processes need the local executor.
    A study that stops with an error does not stop the others: the report is written from what finished, then
    :class:`~stratlearn.errors.StudyError` names the studies that failed.
    """
    from ..errors import InvalidParameterError, check_positive_int
    from ..experiments.executors import LocalExecutor, shared_compilations
    from ..experiments.report import write_report

    names = _names(which)
    for name in names:
        _check(name, size)
    jobs = default_jobs(which, executor) if jobs is None else check_positive_int("jobs", jobs)
    if jobs > 1 and len(names) > 1 and executor is not None and not isinstance(executor, LocalExecutor):
        raise InvalidParameterError(f"jobs={jobs}: parallel study processes need the local executor, got "
                                    f"--executor {executor.name}")
    failed: list[str] = []
    if jobs > 1 and len(names) > 1:
        ok, failed = _run_parallel(names, size, Path(output), force, jobs)
    else:
        executor = executor or LocalExecutor()
        ok = True
        with executor, shared_compilations():
            for name in names:
                study = STUDIES[name]
                print(f"== {name} ({size}): {study.title} [{study.paper}]", flush=True)
                ok = _run_and_write(name, size, output, executor, progress, force).passed and ok
    if len(failed) < len(names):
        report = write_report([output], Path(output) / "report.html", title="stratlearn reproduce")
        print(f"report: {report.resolve()}", flush=True)
    if failed:
        from ..errors import StudyError

        others = "; the report holds the others" if len(failed) < len(names) else ""
        raise StudyError(f"studies that stopped with an error (their output is above{others}): {', '.join(failed)}")
    return ok


def _stop(running: dict) -> None:
    """Stop study processes: SIGTERM (their ``finally`` blocks remove their compilation caches), SIGKILL after 10 s."""
    import subprocess

    for proc, _ in running.values():
        if proc.poll() is None:
            proc.terminate()
    for proc, log in running.values():
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    running.clear()


def _run_parallel(names, size, output: Path, force: bool, jobs: int) -> tuple[bool, list[str]]:
    import json
    import os
    import signal
    import subprocess
    import sys
    import tempfile
    import threading

    order = sorted(names, key=lambda n: -QUICK_SECONDS.get(n, 60))
    waiting, running, failed, ok = list(order), {}, [], True
    print(f"running {len(names)} studies, {jobs} at a time in separate processes (longest first); each claims table "
          "is printed when its study ends\n", flush=True)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}

    def terminated(signum, frame):
        raise SystemExit(128 + signum)

    # SIGTERM (a timeout, a job scheduler) stops the study processes too, as Ctrl-C does: none outlives this one
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, terminated) if main else None
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                name = waiting.pop(0)
                log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
                cmd = [sys.executable, "-m", "stratlearn.studies._worker", name, size, str(output),
                       "1" if force else "0"]
                try:
                    running[name] = (subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env), log)
                except BaseException:
                    log.close()
                    raise
            done = [n for n, (proc, _) in running.items() if proc.poll() is not None]
            if not done:
                time.sleep(0.2)
                continue
            for name in done:
                proc, log = running.pop(name)
                log.seek(0)
                study = STUDIES[name]
                print(f"== {name} ({size}): {study.title} [{study.paper}]", flush=True)
                print(log.read().rstrip() + "\n", flush=True)
                log.close()
                if proc.returncode != 0:
                    failed.append(name)
                    continue
                ok = json.loads((output / name / "claims.json").read_text())["passed"] and ok
    finally:
        # interrupted or failed here: the study processes stop too; what their stores hold stays for a rerun
        _stop(running)
        if main:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
    return ok, failed
