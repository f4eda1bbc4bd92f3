"""One study in its own process, for ``run_studies(..., jobs=N)``: ``python -m stratlearn.studies._worker NAME SIZE
OUTPUT FORCE SEED_OFFSET``. It runs the study with the local executor and a run-scoped compilation cache, writes its results
under OUTPUT and prints its claims table."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    import signal

    from ..experiments.executors import LocalExecutor, shared_compilations
    from . import _run_and_write

    # the parent stops a study with SIGTERM: leave through the finally blocks (the compilation cache is removed)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    name, size, output, force, seed_offset = argv
    with LocalExecutor() as executor, shared_compilations():
        _run_and_write(name, size, output, executor, progress=False, force=force == "1", seed_offset=int(seed_offset))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
