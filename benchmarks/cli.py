"""How fast the command line answers what needs no computation (issue: --help and config errors under 0.5 s).

Each command is run 7 times in a fresh process and the median wall time kept. The anchor is what every such answer
cost before the names were imported lazily: a process that imports JAX (``python -c "import jax"``), the floor of
any command that imports it. Writes its section of RESULTS.md."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import update_section

EXE = str(Path(sys.executable).with_name("stratlearn"))
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def median_seconds(cmd: list[str], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bad = Path(tmp) / "bad.toml"
        bad.write_text("[run]\nsteps = 10\nstepz = 3\n")
        anchor = median_seconds([sys.executable, "-c", "import jax"])
        rows = []
        for label, cmd in (("`stratlearn --help`", [EXE, "--help"]), ("`stratlearn --version`", [EXE, "--version"]),
                           ("`stratlearn run --help`", [EXE, "run", "--help"]),
                           ("`stratlearn run bad.toml` (unknown key)", [EXE, "run", str(bad)]),
                           ("`stratlearn run missing.toml`", [EXE, "run", str(bad) + ".missing"]),
                           ("`stratlearn population distribution_shift.toml --set run.tend=3` (unknown key)",
                            [EXE, "population", str(EXAMPLES / "distribution_shift.toml"), "--set", "run.tend=3"]),
                           ("`stratlearn tolls tolls.toml --set leader.iterationz=3` (unknown key; reads Sioux Falls)",
                            [EXE, "tolls", str(EXAMPLES / "tolls.toml"), "--set", "leader.iterationz=3"]),
                           ("`stratlearn collective audit --config collective.toml --set collective.seedz=3`",
                            [EXE, "collective", "audit", "--config", str(EXAMPLES / "collective.toml"), "--set",
                             "collective.seedz=3"])):
            seconds = median_seconds(cmd)
            rows.append(f"| {label} | {seconds:.2f} | {anchor:.2f} | {anchor / seconds:.1f}x |")
    body = ("| command | seconds (median of 7) | `python -c \"import jax\"` (anchor) | anchor / command |\n"
            "|---|---|---|---|\n" + "\n".join(rows) + "\n\nThe bar is 0.5 s. Commands that compute (run, sweep, "
            "population, tolls, collective audit, reproduce) import JAX when they start computing, after their "
            "config was read and checked.")
    update_section("cli", "Command line answers (`benchmarks/cli.py`)", body)
    print(body)


if __name__ == "__main__":
    main()
