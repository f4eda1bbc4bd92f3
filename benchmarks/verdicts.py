"""Verdicts that do not flip: every quick study at three seed offsets, one table of verdicts per offset.

    python verdicts.py [--offsets 0 1000 2000] [--output DIR] [--write-results]

Runs ``stratlearn reproduce all --quick --seed-offset K`` for each offset K (each into its own folder, so the runs
are independent), then lists every claim with its measured value and verdict at each offset and whether the verdicts
agree. Not a test (it takes three times the main job); its table goes to ``RESULTS.md`` with ``--write-results``.
Exits with status 1 when a claim's verdict differs between offsets or a study crashed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_offset(offset: int, output: Path) -> float:
    started = time.perf_counter()
    exe = Path(sys.executable).with_name("stratlearn")
    cmd = [str(exe), "reproduce", "all", "--quick", "--no-progress", "--seed-offset", str(offset),
           "-o", str(output)]
    print("$", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True)
    tail = done.stdout.strip().splitlines()[-1:] if done.stdout.strip() else []
    print(f"offset {offset}: exit {done.returncode} in {time.perf_counter() - started:.0f} s; {' '.join(tail)}",
          flush=True)
    if done.returncode not in (0, 1):
        print(done.stdout[-4000:], done.stderr[-4000:], sep="\n", file=sys.stderr)
    return time.perf_counter() - started


def read_claims(output: Path) -> dict:
    """(study, claim text) -> claim dict, in the studies' order."""
    out = {}
    for path in sorted(output.glob("*/claims.json")):
        study = json.loads(path.read_text())
        for claim in study["claims"]:
            out[(study["study"], claim["claim"])] = claim
    crashed = output / "crashed.json"
    for name in (json.loads(crashed.read_text()) if crashed.exists() else {}):
        out[(name, "(the study crashed)")] = {"status": "CRASH", "measured": float("nan"), "interval": None}
    return out


def table(offsets, results) -> tuple[str, int, int]:
    keys = list(dict.fromkeys(k for r in results for k in r))
    head = "| study | claim | " + " | ".join(f"offset {o}" for o in offsets) + " | same verdict |"
    lines = [head, "|" + "---|" * (len(offsets) + 3)]
    flips = 0
    for key in keys:
        cells, verdicts = [], []
        for r in results:
            c = r.get(key)
            if c is None:
                cells.append("missing")
                verdicts.append("missing")
                continue
            verdicts.append(c["status"])
            ci = c.get("interval")
            interval = f" [{ci[0]:.3g}, {ci[1]:.3g}]" if ci else ""
            cells.append(f"{c['status']} {c['measured']:.4g}{interval}")
        same = len(set(verdicts)) == 1
        flips += not same
        text = key[1] if len(key[1]) <= 110 else key[1][:107] + "..."
        lines.append(f"| {key[0]} | {text.replace('|', '&#124;')} | " + " | ".join(cells)
                     + f" | {'yes' if same else '**no**'} |")
    return "\n".join(lines), len(keys), flips


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offsets", type=int, nargs="+", default=[0, 1000, 2000])
    parser.add_argument("--output", default="runs/verdicts", help="folder of the runs (one subfolder per offset)")
    parser.add_argument("--write-results", action="store_true", help="write the table into RESULTS.md")
    parser.add_argument("--table-only", action="store_true",
                        help="build the table from the folders of an earlier run instead of running the studies")
    args = parser.parse_args(argv)
    if len(args.offsets) < 2 or any(o < 0 for o in args.offsets):
        parser.error("--offsets: expected at least two non-negative integers")
    output = Path(args.output)
    if args.table_only:
        seconds = {o: float("nan") for o in args.offsets}
    else:
        seconds = {o: run_offset(o, output / f"offset-{o}") for o in args.offsets}
    results = [read_claims(output / f"offset-{o}") for o in args.offsets]
    text, n, flips = table(args.offsets, results)
    crashes = sum(c["status"] == "CRASH" for r in results for c in r.values())
    summary = (f"{n} claims of the quick studies at seed offsets {', '.join(map(str, args.offsets))} "
               f"(`stratlearn reproduce all --quick --seed-offset K`, each offset from an empty folder"
               + ("" if args.table_only else "; " + ", ".join(f"{seconds[o]:.0f} s" for o in args.offsets)
                  + " on this machine") + "): "
               f"**{n - flips} with the same verdict at every offset, {flips} that differ**"
               + (f", {crashes} crashed studies" if crashes else "") + ". Each cell: status, measured value and, "
               "for claims over seeds, the 95% interval that decides the verdict.")
    print(summary)
    print(text)
    if args.write_results:
        sys.path.insert(0, str(HERE))
        from _results import update_section

        update_section("verdicts", "Verdicts across seed offsets (`benchmarks/verdicts.py`)", summary + "\n\n" + text)
    return 1 if flips or crashes else 0


if __name__ == "__main__":
    sys.exit(main())
