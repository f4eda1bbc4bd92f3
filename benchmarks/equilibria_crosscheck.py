"""Cross-check: stratlearn's vertex enumeration against Nashpy, QuantEcon and Gambit on random bimatrix games.

:func:`~stratlearn.equilibria.vertex_enumeration` lists every extreme Nash equilibrium of each game of a batch. This
script compares its lists, game by game, with three independent implementations: Nashpy's ``vertex_enumeration`` and
QuantEcon's ``vertex_enumeration`` (both float64, built on Qhull) and Gambit's ``enummixed_solve`` (exact rational
arithmetic, run on the payoffs as exact fractions of their float64 values). The games and the comparison are those of
``tests/equilibria/test_vertex_enumeration.py`` (imported from there): per seed, 100 games of each square shape
2x2..5x5 and 100 spread over 2x5, 4x3, 3x2, 5x4, 3x5, each group split evenly over normal payoffs, integers in 0..3,
a duplicated row, and integers with a duplicated row and column. Two equilibria are the same when their strategies
agree to 1e-7; when the lists differ, the float64 certificate (largest regret) of every answer only one side returns
decides whether it is an equilibrium, and an anchor's extra answer is tested for lying inside the hull of one of our
components (then it is a non-extreme equilibrium we rightly omit).

Gambit is read in-process when ``pygambit`` is importable; ``--gambit-python PATH`` runs it instead in another Python
that has it (this same file, as a hidden worker), which also takes precedence; without either, Gambit is skipped and
the page says so. Seed 0 is reported in full (counts, every anchor failure, every disagreement); seeds 1-3 and a
second draw of seed 0 (40 games per group) are summed up in a table, with their notable disagreements listed.

Run: ``python benchmarks/equilibria_crosscheck.py [--gambit-python PATH] [--no-further-draws] [--write-docs]``
(``--write-docs`` writes ``docs/equilibria-crosscheck.md``; otherwise the page is printed).
"""

from __future__ import annotations

import argparse
import collections
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "equilibria-crosscheck.md"
ANCHORS = ("nashpy", "quantecon", "gambit")
FURTHER = ((1, 100), (2, 100), (3, 100), (0, 40))    # (seed, games per group) of the further draws


# --- Gambit --------------------------------------------------------------------------------------------------------

def gambit_solve(A, B) -> list | str:
    """Gambit's exact ``enummixed_solve`` on one game, payoffs taken as the exact fractions of their float64 values
    (so integer payoffs stay integers): a list of ``[x, y]`` (floats), or the text of the exception it raised."""
    from fractions import Fraction

    import pygambit as gbt

    try:
        fa = np.array([[Fraction(float(v)) for v in row] for row in A], dtype=object)
        fb = np.array([[Fraction(float(v)) for v in row] for row in B], dtype=object)
        table = getattr(gbt, "StrategicGame", gbt.Game)       # pygambit 17 moved from_arrays to StrategicGame
        game = table.from_arrays(fa, fb)
        result = gbt.nash.enummixed_solve(game, rational=True)

        def strategy(eq, player):       # pygambit 16: player objects; 17: labels, eq[label] yields (label, value)
            if isinstance(player, str):
                return [float(v) for _, v in eq[player]]
            return [float(eq[s]) for s in player.strategies]

        return [[strategy(eq, p) for p in game.players] for eq in result.equilibria]
    except Exception as error:              # an anchor's failure is recorded, not ours to raise
        return f"{type(error).__name__}: {error}"[:120]


def gambit_worker(path: str) -> None:
    """The hidden ``--gambit-worker FILE`` mode, run by another Python that has pygambit: solves every game of the
    ``.npz`` file ``FILE`` (arrays ``A`` and ``B``) and prints JSON ``{"version": ..., "answers": [...]}``."""
    import pygambit

    data = np.load(path)
    answers = [gambit_solve(A, B) for A, B in zip(data["A"], data["B"])]
    print(json.dumps({"version": pygambit.__version__, "answers": answers}))


class Gambit:
    """Where Gambit's answers come from: ``mode`` is ``"in-process"``, ``"worker"`` (another interpreter) or
    ``"skipped"``; ``version`` is pygambit's version (``None`` when skipped)."""

    def __init__(self, python: str | None):
        self.python, self.version = python, None
        if python:
            self.mode = "worker"
        else:
            try:
                import pygambit
            except ImportError:
                self.mode = "skipped"
            else:
                self.mode, self.version = "in-process", pygambit.__version__

    def solve_many(self, A, B) -> list:
        """Answers for the games ``A[g], B[g]`` (one shape): per game a list of ``(x, y)`` arrays or an error text."""
        if self.mode == "in-process":
            raw = [gambit_solve(a, b) for a, b in zip(A, B)]
        else:
            with tempfile.TemporaryDirectory() as folder:
                games = os.path.join(folder, "games.npz")
                np.savez(games, A=A, B=B)
                done = subprocess.run([self.python, str(Path(__file__).resolve()), "--gambit-worker", games],
                                      capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"the Gambit worker ({self.python}) failed:\n{done.stderr[-2000:]}")
            out = json.loads(done.stdout)
            self.version, raw = out["version"], out["answers"]
        return [a if isinstance(a, str) else [(np.array(x), np.array(y)) for x, y in a] for a in raw]


# --- the comparison ------------------------------------------------------------------------------------------------

def run(seed: int, per_shape: int, gambit: Gambit) -> list:
    """The games of ``seed`` (``per_shape`` per group) against each anchor: one record per game and anchor."""
    from test_vertex_enumeration import compare, cross_check

    records = cross_check(per_shape=per_shape, seed=seed)      # Nashpy and QuantEcon, game by game
    if gambit.mode == "skipped":
        return records
    base = [r for r in records if r["anchor"] == "nashpy"]
    by_shape = collections.defaultdict(list)
    for i, r in enumerate(base):
        by_shape[r["shape"]].append(i)
    answers = [None] * len(base)
    for idx in by_shape.values():
        solved = gambit.solve_many(np.stack([base[i]["A"] for i in idx]), np.stack([base[i]["B"] for i in idx]))
        for i, answer in zip(idx, solved):
            answers[i] = answer
    for r, answer in zip(base, answers):
        record = compare(r["A"], r["B"], r["ours"], r["degenerate"], "gambit", found=answer)
        records.append({**record, **{k: r[k] for k in ("shape", "kind", "game", "A", "B", "ours")}})
    return records


def fmt(v) -> str:
    return "(" + ", ".join(f"{t:.6g}" for t in v) + ")"


def where(r) -> str:
    return f"{r['shape'][0]}x{r['shape'][1]} {r['kind']} game {r['game']}"


def page(records, further, gambit: Gambit, command: str, seconds: float, versions: dict) -> str:
    """The findings page (markdown) from seed 0's records, the further draws' ``[(label, records)]`` and the command
    that reruns it."""
    from test_vertex_enumeration import CERTIFIED, SAME

    anchors = [a for a in ANCHORS if a != "gambit" or gambit.mode != "skipped"]
    base = [r for r in records if r["anchor"] == "nashpy"]
    games = len(base)
    per_shape = games // 5
    if gambit.mode == "skipped":
        gambit_line = ("**Gambit was skipped**: `pygambit` is not importable here and no `--gambit-python` was "
                       "given, so only the two Qhull-based anchors are compared.")
    else:
        route = ("imported by the script itself" if gambit.mode == "in-process"
                 else "in a separate Python environment (`--gambit-python`)")
        gambit_line = f"Gambit: pygambit {gambit.version}, run {route}."
    lines = [
        "# Vertex enumeration cross-check", "",
        "`sl.equilibria.vertex_enumeration` returns every extreme Nash equilibrium of each bimatrix game of a batch. "
        "This page compares those lists, game by game, with three independent implementations: Nashpy's and "
        "QuantEcon's `vertex_enumeration` (float64, built on Qhull) and Gambit's `enummixed_solve` (exact rational "
        "arithmetic on the payoffs read as exact fractions of their float64 values). Two equilibria are the same "
        f"when their strategies agree to {SAME:g}. Where the lists differ, the float64 certificate (largest regret ε) "
        "of every answer that only one side returns decides whether it is an equilibrium; an anchor's answer counts "
        f"as one when ε <= {CERTIFIED:g}, and it is also tested for lying in the hull of one of our components (then "
        "it is an equilibrium but not an extreme one).", "",
        f"Versions: nashpy {versions['nashpy']}, quantecon {versions['quantecon']}. {gambit_line}", "",
        f"The games (seed 0): {per_shape} each of 2x2, 3x3, 4x4, 5x5 and {per_shape} spread over 2x5, 4x3, 3x2, 5x4, "
        f"3x5, {games} in all; each group split evenly over normal payoffs, integers in 0..3, a duplicated row, and "
        "integers with a duplicated row and column. They are the games of "
        "`tests/equilibria/test_vertex_enumeration.py`.", "",
        "This page was written by the command below, run from the repository root"
        + (" (`PATH`: a Python interpreter that has pygambit; leave the flag out when pygambit is installed in the "
           "environment that runs the script):" if gambit.mode == "worker" else ":"), "",
        "```bash", command, "```", ""]
    degenerate = sum(r["degenerate"] for r in base)
    eps = max((float(e.certificate.epsilon) for r in base for e in r["ours"]), default=0.0)
    lines += [f"- Games flagged degenerate: {degenerate} of {games}.",
              f"- Extreme equilibria returned: {sum(len(r['ours']) for r in base)}; largest regret of any: "
              f"{eps:.3g}.", ""]
    lines += ["## Counts per anchor", "",
              "| anchor | games | agree | anchor raised | anchor NaN | differ | of which degenerate "
              "| differ on nondegenerate |", "|---|---|---|---|---|---|---|---|"]
    for anchor in anchors:
        rs = [r for r in records if r["anchor"] == anchor]
        c = collections.Counter(r["status"] for r in rs)
        dd = sum(r["status"] == "differ" and r["degenerate"] for r in rs)
        dn = sum(r["status"] == "differ" and not r["degenerate"] for r in rs)
        lines.append(f"| {anchor} | {len(rs)} | {c['agree']} | {c['error']} | {c['nan']} | {c['differ']} | {dd} "
                     f"| {dn} |")
    lines.append("")
    for anchor in anchors:
        rs = [r for r in records if r["anchor"] == anchor]
        missing = sum(len(r["ours_only"]) for r in rs)
        spurious = [a for r in rs for a in r["anchor_only"]]
        uncert = sum(a[2] > CERTIFIED for a in spurious)
        hull = sum(a[2] <= CERTIFIED and a[3] for a in spurious)
        empty = sum(r["status"] in ("agree", "differ") and r["anchor_answers"] == 0 for r in rs)
        lines.append(f"- {anchor}: games where it returned no equilibrium at all (without raising): {empty}; "
                     f"extreme equilibria of ours it does not return: {missing}; answers of its own we do not "
                     f"return: {len(spurious)} ({uncert} uncertified, ε > {CERTIFIED:g}; {hull} certified and "
                     f"inside the hull of one of our components; {len(spurious) - uncert - hull} otherwise).")
    lines.append("")
    failed = [r for r in records if r["status"] in ("error", "nan")]
    lines += ["## Anchor failures (exceptions, NaN)", ""]
    if not failed:
        lines += ["None.", ""]
    else:
        for (anchor, text), count in collections.Counter((r["anchor"], r["error"]) for r in failed).most_common():
            lines.append(f"- {anchor}: {count} x `{text}`")
        lines += ["", "The games (a constant payoff matrix has all its entries equal; our answers carry their "
                  "certificate):", ""]
        for r in failed:
            constant = [name for name, M in (("A", r["A"]), ("B", r["B"])) if np.ptp(M) == 0]
            lines.append(f"- {r['anchor']}, {where(r)}: `{r['error']}`; constant payoffs: "
                         f"{', '.join(constant) or 'none'}; ours: {len(r['ours'])} extreme equilibria, largest ε "
                         f"{max((float(e.certificate.epsilon) for e in r['ours']), default=0.0):.2g}")
        lines.append("")
    gambit_agrees = {(r["shape"], r["kind"], r["game"]): r["status"] == "agree"
                     for r in records if r["anchor"] == "gambit"}
    lines += ["## Every disagreement", "",
              "One line per (game, anchor) that differs: the game's shape, kind and index within its batch (seed 0), "
              "whether we flag it degenerate, the extreme equilibria only we return with the largest ε our "
              "certificate gives them, the anchor's answers we do not return (with their ε and verdict)"
              + (", and whether Gambit's exact enumeration returns exactly our set on that game." if gambit_agrees
                 else "."), ""]
    differ = [r for r in records if r["status"] == "differ"]
    for r in differ:
        line = (f"- {r['anchor']}, {where(r)} (degenerate: {r['degenerate']}): anchor {r['anchor_answers']} "
                f"answers, ours {len(r['ours'])}")
        if r["ours_only"]:
            worst = max(e for *_, e in r["ours_only"])
            line += (f"; only ours: {len(r['ours_only'])}, largest ε {worst:.2g} "
                     f"({'certified' if worst <= CERTIFIED else 'NOT certified'})")
        for x, y, e, h in r["anchor_only"]:
            verdict = ("not an equilibrium" if e > CERTIFIED else
                       "an equilibrium inside the hull of one of our components (not extreme)" if h else
                       "an equilibrium outside our components' hulls")
            line += f"; only {r['anchor']}: x={fmt(x)}, y={fmt(y)}, ε={e:.2g}: {verdict}"
        if r["anchor"] != "gambit" and gambit_agrees:
            agrees = gambit_agrees[(r["shape"], r["kind"], r["game"])]
            line += f"; Gambit agrees with ours: {'yes' if agrees else 'NO'}"
        lines.append(line)
    if not differ:
        lines.append("- none")
    if further:
        lines += ["", "## Further draws", "",
                  "Seeds 1, 2, 3 (the same mix, 100 games per group) and seed 0 with 40 games per group (other games, "
                  "drawn in another order); a draw is labelled seed/games per group.", "",
                  "| draw | anchor | agree | raised or NaN | differ (degenerate) | differ (nondegenerate) "
                  "| anchor answers we lack, uncertified | certified |", "|---|---|---|---|---|---|---|---|"]
        notable = []
        for label, more in further:
            for anchor in anchors:
                rs = [r for r in more if r["anchor"] == anchor]
                c = collections.Counter(r["status"] for r in rs)
                spurious = [a for r in rs for a in r["anchor_only"]]
                lines.append(f"| {label} | {anchor} | {c['agree']} | {c['error'] + c['nan']} | "
                             f"{sum(r['status'] == 'differ' and r['degenerate'] for r in rs)} | "
                             f"{sum(r['status'] == 'differ' and not r['degenerate'] for r in rs)} | "
                             f"{sum(a[2] > CERTIFIED for a in spurious)} | "
                             f"{sum(a[2] <= CERTIFIED for a in spurious)} |")
            notable += [(label, r) for r in more if r["status"] == "differ"
                        and (not r["degenerate"] or r["anchor_only"] or r["anchor"] == "gambit")]
        lines += ["", "Disagreements there on nondegenerate games, with an anchor answer we lack, or with Gambit:",
                  ""]
        for label, r in notable:
            line = (f"- draw {label}, {r['anchor']}, {where(r)} (degenerate: {r['degenerate']}): anchor "
                    f"{r['anchor_answers']} answers, ours {len(r['ours'])}")
            if r["ours_only"]:
                line += f"; only ours: {len(r['ours_only'])}, largest ε {max(e for *_, e in r['ours_only']):.2g}"
            for x, y, e, h in r["anchor_only"]:
                line += (f"; only {r['anchor']}: x={fmt(x)}, y={fmt(y)}, ε={e:.2g}: "
                         + ("not an equilibrium" if e > CERTIFIED else
                            "an equilibrium inside the hull of one of our components" if h else
                            "an equilibrium outside our components' hulls"))
            lines.append(line)
        if not notable:
            lines.append("- none")
    lines += ["", f"Run time: {seconds:.0f} s."]
    return "\n".join(lines) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)          # mkstemp creates 0600; give the page the usual permissions
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def main(per_shape: int, gambit_python: str | None, further: bool, write: bool) -> None:
    importlib.import_module("stratlearn")      # before JAX: one XLA CPU device per core

    sys.path.insert(0, str(ROOT / "tests" / "equilibria"))
    import nashpy
    import quantecon

    gambit = Gambit(gambit_python)
    if gambit.mode == "skipped":
        print("Gambit skipped: pygambit is not importable and no --gambit-python was given.", file=sys.stderr)
    start = time.perf_counter()
    records = run(0, per_shape, gambit)
    more = [(f"{seed}/{per}", run(seed, per, gambit)) for seed, per in FURTHER] if further else []
    command = " ".join(["python benchmarks/equilibria_crosscheck.py"]
                       + ([f"--per-shape {per_shape}"] if per_shape != 100 else [])
                       + (["--gambit-python PATH"] if gambit.mode == "worker" else [])
                       + ([] if further else ["--no-further-draws"]) + ["--write-docs"])
    text = page(records, more, gambit, command, time.perf_counter() - start,
                {"nashpy": nashpy.__version__, "quantecon": quantecon.__version__})
    if write:
        write_atomically(DOCS, text)
        print(f"wrote {DOCS.relative_to(ROOT)}")
    else:
        print(text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-shape", type=int, default=100,
                        help="games per group for seed 0 (default 100, at least 20)")
    parser.add_argument("--gambit-python", metavar="PATH",
                        help="a Python interpreter that has pygambit (used even when pygambit is importable here)")
    parser.add_argument("--no-further-draws", action="store_true", help="only seed 0 (skip seeds 1-3 and 0/40)")
    parser.add_argument("--write-docs", action="store_true", help="write docs/equilibria-crosscheck.md")
    parser.add_argument("--gambit-worker", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.per_shape < 20:
        parser.error(f"--per-shape: expected at least 20 (4 kinds in each of the 5 mixed shapes), got {args.per_shape}")
    if args.gambit_worker:
        gambit_worker(args.gambit_worker)
    else:
        main(args.per_shape, args.gambit_python, not args.no_further_draws, args.write_docs)
