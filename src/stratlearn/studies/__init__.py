"""The papers' experiments, one module each, with a quick and a full size and the claims they check.

``stratlearn reproduce NAME|all [--quick|--full] [--executor local|ray]`` runs them through :func:`run_studies`:
each study's runs go into a result store (``OUTPUT/<study>/store``, resumable), its claims, tables and figures are
written beside it, and one HTML report (``OUTPUT/report.html``) collects them all.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import ConfigError, UnknownNameError
from .base import (Claim, Size, Study, StudyData, StudyResult, count_statuses, format_counts, parse_size_overrides,
                   size_config)
from .collective_action import STUDY as _COLLECTIVE_ACTION
from .distribution_shift import STUDY as _DISTRIBUTION_SHIFT
from .frank_wolfe import STUDY as _FRANK_WOLFE
from .function_approximation import STUDY as _FUNCTION_APPROXIMATION
from .markov_games import STUDY as _MARKOV_GAMES
from .matrix_games import STUDY as _MATRIX_GAMES
from .model_selection import STUDY as _MODEL_SELECTION
from .tolls import STUDY as _TOLLS

__all__ = ["Claim", "Study", "StudyData", "StudyResult", "STUDIES", "run_study", "run_studies", "resolve",
           "format_claims", "default_jobs", "shift_seeds"]

STUDIES: dict[str, Study] = {s.name: s for s in (_MATRIX_GAMES, _MARKOV_GAMES, _FRANK_WOLFE,
                                                    _FUNCTION_APPROXIMATION, _MODEL_SELECTION, _DISTRIBUTION_SHIFT,
                                                    _TOLLS, _COLLECTIVE_ACTION)}
SIZES = ("quick", "full")


def _check(name: str, size: str) -> Study:
    if name not in STUDIES:
        raise UnknownNameError("study", name, [*STUDIES, "all"])
    if size not in SIZES:
        raise UnknownNameError("size", size, SIZES)
    study = STUDIES[name]
    if getattr(size, "overrides", ()):
        if study.sizes is None:
            raise ConfigError(f"--set: the study {name!r} has no size table to override")
        size_config(study.sizes, size)      # every override names an entry of the table and keeps its type
    return study


def _check_offset(seed_offset) -> int:
    from ..errors import check_seed

    return check_seed(seed_offset, "seed_offset")      # added to every seed, so it is a seed's range: an integer >= 0


def shift_seeds(points: list, seed_offset: int) -> list:
    """The points with their run seed (``run.seed``, default 0) shifted by ``seed_offset``. Game instances keep their
    own seeds: the instances are the study's design, the run seeds its randomness."""
    from dataclasses import replace

    if not seed_offset:
        return list(points)
    return [replace(p, run={**p.run, "seed": int(p.run.get("seed", 0)) + seed_offset}) for p in points]


def run_study(name: str, *, size: str = "quick", output: str | Path = "runs/reproduce", executor=None,
              progress: bool = False, force: bool = False, seed_offset: int = 0, overrides=()) -> StudyResult:
    """Run one registered study: compute its missing points into ``output/<name>/store``, then analyze them.

    ``seed_offset`` shifts every seed the study uses (its runs' seeds and the seeds its analysis draws with), so the
    same study can be checked on other randomness; its verdicts must not change. ``overrides`` (``(key, value)``
    pairs, or the ``--set KEY=VALUE`` strings) change entries of the study's size table (:func:`size_config`); a
    result run with them records them in ``claims.json``."""
    from ..experiments.store import ResultStore
    from ..experiments.sweep import run_sweep

    if overrides and isinstance(next(iter(overrides)), str):
        overrides = parse_size_overrides(overrides)
    size = Size(size, overrides or getattr(size, "overrides", ()))
    study = _check(name, size)
    seed_offset = _check_offset(seed_offset)
    started = time.perf_counter()
    points = shift_seeds(study.points(size), seed_offset)
    store = ResultStore.open(Path(output) / name / "store", create=True,
                             config={"study": name, "size": str(size), "title": study.title, "seed_offset": seed_offset,
                                     **({"overrides": dict(size.overrides)} if size.overrides else {})})
    run_sweep(points, store, executor=executor, force=force, progress=progress)
    result = study.analyze(size, StudyData(points, store, seed_offset=seed_offset))
    result.wall_time = time.perf_counter() - started
    result.seed_offset = seed_offset
    result.size = str(size)
    result.overrides = dict(size.overrides)
    return result


def _interval(c: Claim) -> str:
    if c.interval is None:
        return ""
    return f"[{c.interval[0]:.4g}, {c.interval[1]:.4g}] ({c.seeds} seeds)"


def format_claims(result: StudyResult) -> str:
    from ..experiments.runner import format_table

    def label(c: Claim) -> str:
        if c.headline:
            return f"[{c.key}] {c.text}"
        if c.control_of:
            return f"  control of [{c.control_of}]: {c.text}"
        return c.text

    def threshold(c: Claim) -> str:
        # a control passes when the claim's comparison fails on its run
        return f"{'must fail ' if c.control_of else ''}{c.comparison} {c.threshold:.4g}"

    rows = [{"": c.status, "claim": label(c), "measured": f"{c.measured:.4g}", "95% interval": _interval(c),
             "threshold": threshold(c)} for c in result.claims]
    text = format_table(rows, ["", "claim", "measured", "95% interval", "threshold"])
    notes = [f"  {c.status}: {c.text[:60]}... {c.skip or c.xfail}" for c in result.claims if c.skip or c.xfail]
    return text + ("\n" + "\n".join(notes) if notes else "")


def write_result(result: StudyResult, output: Path) -> Path:
    """Write ``claims.json``, one Parquet file per table and one PNG per figure into ``output/<study>``."""
    from ..files import save_figure, write_json, write_parquet
    from ..experiments.runner import machine_info

    study = STUDIES[result.name]
    folder = Path(output) / result.name
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in result.tables.items():
        write_parquet(folder / f"{name}.parquet", table)
    for name, fig in result.figures.items():
        save_figure(folder / f"{name}.png", fig)
    write_json(folder / "claims.json", {"study": result.name, "title": study.title, "paper": study.paper,
                                        "size": result.size, "passed": result.passed, "counts": result.counts(),
                                        "seed_offset": result.seed_offset, "wall_time": result.wall_time,
                                        **({"overrides": result.overrides} if getattr(result, "overrides", None)
                                           else {}),
                                        "claims": [c.as_dict() for c in result.claims], "machine": machine_info()})
    return folder


CRASHES = "crashed.json"


def record_crashes(output: Path, size: str, errors: dict[str, str], ran: list[str]) -> None:
    """Keep ``OUTPUT/crashed.json`` up to date: the studies of this run that stopped with an error (name, title,
    paper, size, error), plus earlier entries of studies this run did not touch. A crashed study's stale
    ``claims.json`` from an earlier run is removed, so the report shows it as crashed, with its error, not as passed."""
    import json

    from ..files import write_json

    path = Path(output) / CRASHES
    try:
        earlier = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        earlier = {}
    keep = {n: e for n, e in earlier.items() if isinstance(e, dict) and n not in ran}
    for name, error in errors.items():
        study = STUDIES[name]
        keep[name] = {"study": name, "title": study.title, "paper": study.paper, "size": size, "error": error}
        stale = Path(output) / name / "claims.json"
        if stale.is_file():
            stale.unlink()
    if keep or path.exists():
        Path(output).mkdir(parents=True, exist_ok=True)
        write_json(path, keep)


QUICK_SECONDS = {"collective-action": 187, "markov-games": 175, "matrix-games": 172, "function-approximation": 167,
                 "tolls": 99, "distribution-shift": 68, "frank-wolfe": 66, "model-selection": 61}
"""Seconds each quick study took in one of two study processes on 2 cores (one core each, see :func:`_thread_share`;
measured 2026-12-03): the parallel runner starts the longest first; an unknown study counts as 60 s."""


def _print_result(result: StudyResult, folder: Path) -> None:
    print(format_claims(result))
    print(f"{format_counts(result.counts())}; {result.wall_time:.1f} s; results in {folder}\n", flush=True)


def _run_and_write(name, size, output, executor, progress, force, seed_offset=0) -> StudyResult:
    import matplotlib.pyplot as plt

    result = run_study(name, size=size, output=output, executor=executor, progress=progress, force=force,
                       seed_offset=seed_offset)
    folder = write_result(result, Path(output))
    for fig in result.figures.values():
        plt.close(fig)
    _print_result(result, folder)
    return result


def default_jobs(which: str, executor=None) -> int:
    """Parallel study processes ``run_studies`` uses by default: two when ``which`` names more than one study (``all``
    or a comma-separated list), the executor is local and the machine has at least two cores, else one. Each process
    gets its share of the cores (:func:`_thread_share`), so compiling, Python and single-threaded NumPy in one study
    overlap with computing in the other: measured on 2 cores, ``reproduce all --quick`` took 572 s this way against
    665 s one after the other (and 630 s two at a time with every process using every core)."""
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


def resolve(which: str, size: str, overrides=()) -> tuple[list[str], Size]:
    """The study names ``which`` stands for and the :class:`~stratlearn.studies.base.Size` to run them at, both
    checked: every name is a study, and ``overrides`` (``--set`` strings or ``(key, value)`` pairs) name one study
    and entries of its size table."""
    names = _names(which)
    if overrides and isinstance(next(iter(overrides)), str):
        overrides = parse_size_overrides(overrides)
    overrides = tuple(overrides or ())
    if overrides and len(names) != 1:
        raise ConfigError(f"--set {overrides[0][0]}: overrides one study's size table; name one study, not "
                          f"{which!r} (the tables differ: see SIZES in each study's module)")
    size = Size(size, overrides)
    for name in names:
        _check(name, size)
    return names, size


def run_studies(which: str, *, size: str = "quick", output: str | Path = "runs/reproduce", executor=None,
                progress: bool = True, force: bool = False, jobs: int | None = None, seed_offset: int = 0,
                overrides=()) -> dict:
    """Run ``which`` (a study name, names separated by commas, or ``"all"``), write results and the report under
    ``output`` and print each claims table, then one line ``N passed, M failed, K skipped, X xfailed``.

    Returns the summary: ``counts`` (claims per status), ``crashed`` (studies that stopped with an error, in the order
    they were asked for), ``studies`` (those that finished) and ``ok`` (no claim FAILs and no study crashed).

    ``jobs`` > 1 runs that many studies at once, each in its own Python process (longest first; each prints its
    claims table when it ends); ``None`` picks :func:`default_jobs`. Parallel processes need the local executor.
    A study that stops with an error does not stop the others: it is recorded as crashed (``OUTPUT/crashed.json``,
    shown in the report with its error), the report is written from everything, then
    :class:`~stratlearn.errors.StudyError` names the studies that crashed. ``seed_offset`` shifts every seed.
    ``overrides`` (``--set KEY=VALUE`` strings or ``(key, value)`` pairs) change entries of one study's size table
    (:func:`~stratlearn.studies.base.size_config`): a study's claims are calibrated at its sizes, so an overridden
    run is an exploration, and its ``claims.json`` records the overrides.
    """
    from ..errors import InvalidParameterError, check_positive_int
    from ..experiments.executors import LocalExecutor, shared_compilations
    from ..experiments.report import write_report
    import jax

    names, size = resolve(which, size, overrides)
    seed_offset = _check_offset(seed_offset)
    jobs = default_jobs(which, executor) if jobs is None else check_positive_int("jobs", jobs)
    if jobs > 1 and len(names) > 1 and executor is not None and not isinstance(executor, LocalExecutor):
        raise InvalidParameterError(f"jobs={jobs}: parallel study processes need the local executor, got "
                                    f"--executor {executor.name}")
    output = Path(output)
    if jobs > 1 and len(names) > 1:
        errors = _run_parallel(names, size, output, force, jobs, seed_offset)
    else:
        executor = executor or LocalExecutor()
        errors = {}
        with executor, shared_compilations():
            for name in names:
                study = STUDIES[name]
                changed = ", ".join(f"{k}={v}" for k, v in getattr(size, "overrides", ()))
                print(f"== {name} ({size}{', overridden: ' + changed if changed else ''}): {study.title} "
                      f"[{study.paper}]", flush=True)
                try:
                    _run_and_write(name, size, output, executor, progress, force, seed_offset)
                except Exception as exc:
                    import traceback

                    traceback.print_exc()
                    print(f"{name}: stopped with an error: {exc}\n", flush=True)
                    errors[name] = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                finally:
                    # Each XLA CPU executable holds about 20 memory maps until its cache entry goes; all the studies
                    # in one process would come near the kernel's vm.max_map_count (65,530 by default), past which a
                    # compilation dies with a segmentation fault. The next study recompiles what it shares (little).
                    jax.clear_caches()
    import json

    crashed = [n for n in names if n in errors]
    record_crashes(output, size, errors, names)

    statuses = []
    finished = [n for n in names if n not in crashed and (output / n / "claims.json").exists()]
    for name in finished:
        statuses += [c["status"] for c in json.loads((output / name / "claims.json").read_text())["claims"]]
    counts = count_statuses(statuses)
    report = write_report([output], output / "report.html", title="stratlearn reproduce")
    print(f"report: {report.resolve()}", flush=True)
    ran = f"{len(finished)} studies ran" + (f", {len(crashed)} crashed ({', '.join(crashed)})" if crashed else "")
    print(f"{ran}; claims: {format_counts(counts)}", flush=True)
    if crashed:
        from ..errors import StudyError

        others = "; the report holds the others" if len(crashed) < len(names) else ""
        raise StudyError(f"studies that stopped with an error (their output is above{others}): {', '.join(crashed)}")
    return {"counts": counts, "crashed": crashed, "studies": finished, "ok": counts["FAIL"] == 0}


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


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
"""The thread pools of NumPy's BLAS, OpenMP and Numba, sized for each study process by :func:`_thread_share`."""


def _thread_share(env: dict, jobs: int) -> dict:
    """Environment for one of ``jobs`` study processes: the cores shared out, each process with its share as XLA CPU
    devices and as the size of every thread pool (on 2 cores and 2 jobs: one device, one thread each). Without this,
    each process split its seeds over every core and every pool spun on every core: measured on 2 cores, the quick
    studies took 630 s two at a time against 665 s one after the other, ``tolls`` 148 s beside another study against
    63 s alone. What the user set in the environment is kept."""
    share = max(1, _usable_cores() // jobs)
    out = {name: str(share) for name in THREAD_VARIABLES if not env.get(name)}
    flags = env.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" not in flags and not env.get("STRATLEARN_CPU_DEVICES"):
        out["STRATLEARN_CPU_DEVICES"] = str(share)
        if share == 1 and "xla_cpu_multi_thread_eigen" not in flags:
            out["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false").strip()
    return out


def _usable_cores() -> int:
    """The cores this process may run on (its affinity where the platform has one, else the machine's count)."""
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _core_slots(jobs: int) -> list[set[int]] | None:
    """The cores this process may use, cut into ``jobs`` disjoint groups (one per study process), or ``None`` where the
    platform cannot pin processes (not Linux) or there are fewer cores than jobs."""
    import os

    if not hasattr(os, "sched_getaffinity") or jobs < 2:
        return None
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < jobs:
        return None
    size = len(cores) // jobs
    return [set(cores[k * size:(k + 1) * size]) for k in range(jobs)]


def _pin(pid: int, slots: list[set[int]] | None, running: dict[str, int]) -> None:
    """Pin the study process ``pid`` to a group of cores no other running study process holds. XLA's CPU runtime keeps
    a second thread busy even with one device and no intra-op threads; unpinned, that thread took a core from the
    other study (measured: one DSBR run used 23.8 s of CPU in 14.6 s, pinned 14.0 s in 14.5 s)."""
    import os

    if slots is None:
        return
    taken = set()
    for other in running.values():
        if other != pid:
            try:
                taken |= {min(os.sched_getaffinity(other))}
            except OSError:        # it has just ended
                pass
    free = [slot for slot in slots if min(slot) not in taken]
    try:
        os.sched_setaffinity(pid, free[0] if free else slots[0])
    except OSError:                # it has already ended, or the platform refuses: it runs unpinned
        pass


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def _overall(done: int, total: int, elapsed: float, waiting, running, starts, size: str) -> str:
    """The parallel runner's line after each study: how many are done, the time elapsed and, at the quick size, about
    how long the rest takes (the studies' recorded times, :data:`QUICK_SECONDS`, less what the running ones have
    already had, shared among the processes; a guide on a machine like the one they were measured on)."""
    line = f"[{done}/{total} studies done, {_clock(elapsed)} elapsed"
    if size == "quick" and (waiting or running):
        now = time.perf_counter()
        left = sum(QUICK_SECONDS.get(n, 60) for n in waiting) + sum(
            max(QUICK_SECONDS.get(n, 60) - (now - starts.get(n, now)), 0) for n in running)
        line += f", about {_clock(left / max(len(running), 1))} left"
    return line + (f"; running: {', '.join(running)}]" if running else "]")


def _run_parallel(names, size, output: Path, force: bool, jobs: int, seed_offset: int = 0) -> dict[str, str]:
    """Run the studies in ``jobs`` processes; returns the error of each study that crashed."""
    import os
    import signal
    import subprocess
    import sys
    import tempfile
    import threading

    order = sorted(names, key=lambda n: -QUICK_SECONDS.get(n, 60))
    waiting, running, failed = list(order), {}, {}
    print(f"running {len(names)} studies, {jobs} at a time in separate processes (longest first); each claims table "
          "is printed when its study ends\n", flush=True)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.update(_thread_share(env, jobs))
    slots = _core_slots(jobs)
    started, starts, finished_count = time.perf_counter(), {}, 0

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
                       "1" if force else "0", str(seed_offset)]
                try:
                    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
                except BaseException:
                    log.close()
                    raise
                running[name] = (proc, log)
                starts[name] = time.perf_counter()
                _pin(proc.pid, slots, {n: p.pid for n, (p, _) in running.items()})
            done = [n for n, (proc, _) in running.items() if proc.poll() is not None]
            if not done:
                time.sleep(0.2)
                continue
            for name in done:
                proc, log = running.pop(name)
                log.seek(0)
                study = STUDIES[name]
                print(f"== {name} ({size}): {study.title} [{study.paper}]", flush=True)
                text = log.read().rstrip()
                print(text + "\n", flush=True)
                log.close()
                if proc.returncode != 0:
                    # the worker's last line is its exception (or what it printed before it was killed)
                    last = text.splitlines()[-1] if text else ""
                    failed[name] = f"{last} (the study process exited with status {proc.returncode})"
                finished_count += 1
                print(_overall(finished_count, len(names), time.perf_counter() - started, waiting, running, starts,
                               size), flush=True)
    finally:
        # interrupted or failed here: the study processes stop too; what their stores hold stays for a rerun
        _stop(running)
        if main:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
    return failed
