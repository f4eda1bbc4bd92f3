"""Benchmark: DSBR-VI (Algorithm 2 of [1]) in stratlearn against a plain NumPy loop of the algorithm, in one process.

stratlearn runs one seed and 256 seeds as one vmapped scan; the anchor is Algorithm 2 written line by line in NumPy
(line 4 updates every state's policy each step, as written in the paper), one run. Both on the 5-state, 2-action
random zero-sum game of the issue's prototype (γ = 0.9, τ = 0.1, c = 0.005, α = 0.05, K = 20,000), and on a 20-state,
5-action game. Throughput in samples per second; compilation excluded (reported apart).

Also: Shapley value iteration (``stratlearn.equilibria.shapley_value_iteration`` on the game built by
``stratlearn.games.interop.from_openspiel``) against OpenSpiel's ``open_spiel.python.algorithms.value_iteration`` on
``markov_soccer`` at the horizons OpenSpiel finishes, with the largest difference between the two value functions; and
DSBR-VI with 64 seeds on the 10^5-state pursuit-evasion game, with its memory.

Run: ``python benchmarks/markov_games.py [--write-results] [--skip-openspiel]``.
"""

from __future__ import annotations

import argparse
import resource
import time

import stratlearn as sl  # first: one XLA CPU device per core

import numpy as np  # noqa: E402
from _results import machine, update_section  # noqa: E402


def numpy_dsbr_vi(game, steps, tau=0.1, c=0.005, alpha=0.05, K=20_000, seed=0):
    """Algorithm 2 of [1] as a plain NumPy loop (one run)."""
    rng = np.random.default_rng(seed)
    S, A, B = game.shape
    r1, r2 = np.asarray(game.row_rewards), np.asarray(game.col_rewards)
    succ, probs = np.asarray(game.next_states), np.asarray(game.next_probs)
    gamma = float(game.discount)
    beta = c * alpha
    v1, v2 = np.zeros(S), np.zeros(S)
    q1, q2 = np.zeros((S, A)), np.zeros((S, B))
    p1, p2 = np.full((S, A), 1 / A), np.full((S, B), 1 / B)
    s, k = 0, 0
    start = time.perf_counter()
    for _ in range(steps):
        for q, p in ((q1, p1), (q2, p2)):
            z = np.exp((q - q.max(1, keepdims=True)) / tau)
            p += beta * (z / z.sum(1, keepdims=True) - p)
        u1, u2, u3 = rng.random(3)
        a = min(int(np.searchsorted(np.cumsum(p1[s]), u1, side="right")), A - 1)
        b = min(int(np.searchsorted(np.cumsum(p2[s]), u2, side="right")), B - 1)
        j = min(int(np.searchsorted(np.cumsum(probs[s, a, b]), u3, side="right")), probs.shape[-1] - 1)
        nxt = int(succ[s, a, b, j])
        q1[s, a] += alpha * (r1[s, a, b] + gamma * v1[nxt] - q1[s, a])
        q2[s, b] += alpha * (r2[s, a, b] + gamma * v2[nxt] - q2[s, b])
        s, k = nxt, k + 1
        if k == K:
            v1, v2 = (p1 * q1).sum(1), (p2 * q2).sum(1)
            q1[:], q2[:], p1[:], p2[:], k = 0, 0, 1 / A, 1 / B, 0
    return steps / (time.perf_counter() - start)


def stratlearn_dsbr_vi(game, steps, seeds):
    learner = sl.learners.DSBRValueIteration(temperature=0.1, policy_rate_ratio=0.005, step_size=0.05,
                                             inner_steps=20_000)

    def probe(g, profile):  # a cheap device metric, so that the timing is the learner's
        return profile[0].sum()

    started = time.perf_counter()
    sl.simulate(learner, game, steps=steps // 4, seeds=seeds, record_every=steps // 4, metrics=[probe],
                progress=False)
    compile_s = time.perf_counter() - started
    started = time.perf_counter()
    sl.simulate(learner, game, steps=steps, seeds=seeds, record_every=steps // 4, metrics=[probe], progress=False)
    return steps * seeds / (time.perf_counter() - started), compile_s


def shapley_against_openspiel(spec: dict, wrap: bool = False):
    """Seconds for OpenSpiel's value_iteration, for the bridge plus Shapley iteration, for Shapley alone, and the
    largest value difference over OpenSpiel's states (each OpenSpiel string compared with every node it names)."""
    import pyspiel
    from open_spiel.python.algorithms import value_iteration

    from stratlearn.games.interop import openspiel_index, with_move_number

    game = pyspiel.load_game("markov_soccer", spec)
    if wrap:
        game = with_move_number(game)
    started = time.perf_counter()
    theirs = value_iteration.value_iteration(game, depth_limit=-1, threshold=1e-10)
    openspiel_s = time.perf_counter() - started
    started = time.perf_counter()
    markov, index = openspiel_index(game)
    built = time.perf_counter()
    solution = sl.equilibria.shapley_value_iteration(markov)
    done = time.perf_counter()
    ours = solution.values + index.returns
    diff = max(abs(theirs[key[0]] - value) for key, value in zip(index.keys, ours) if key is not None)
    nonzero = int((np.abs(ours) > 1e-9).sum())
    return openspiel_s, done - started, done - built, diff, markov.num_states, nonzero


def pursuit_memory(steps: int = 100_000, seeds: int = 64):
    """DSBR-VI on the 18x18 pursuit-evasion game (104,976 states): samples/s, the learner state's bytes for all
    seeds, the game's bytes, and the growth of the process's peak resident memory over the run."""
    import jax

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    game = sl.games.catalog.pursuit_evasion(18)
    game_bytes = sum(np.asarray(leaf).nbytes for leaf in jax.tree_util.tree_leaves(game))
    learner = sl.learners.DSBRValueIteration(inner_steps=20_000)
    state = learner.init(game, jax.random.PRNGKey(0))
    state_bytes = seeds * sum(leaf.nbytes for leaf in jax.tree_util.tree_leaves(state))
    rate, compile_s = stratlearn_dsbr_vi(game, steps, seeds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return game.num_states, rate, state_bytes, game_bytes, peak - before, peak, compile_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-results", action="store_true")
    parser.add_argument("--skip-openspiel", action="store_true", help="skip the OpenSpiel comparison (minutes)")
    args = parser.parse_args()
    rows = []
    for S, A in ((5, 2), (20, 5)):
        game = sl.games.catalog.random_zero_sum_markov(S, A, discount=0.9, seed=0)
        loop = numpy_dsbr_vi(game, 50_000)
        one, _ = stratlearn_dsbr_vi(game, 200_000, 1)
        many, compile_s = stratlearn_dsbr_vi(game, 200_000, 256)
        rows.append((S, A, loop, one, many, compile_s))
    lines = ["| game | NumPy loop, 1 run (samples/s) | stratlearn, 1 seed | stratlearn, 256 seeds | 1 seed / loop | "
             "256 seeds / loop |", "|---|---|---|---|---|---|"]
    for S, A, loop, one, many, _ in rows:
        lines.append(f"| random zero-sum, S={S}, A=B={A} | {loop:.3g} | {one:.3g} | {many:.3g} | "
                     f"{one / loop:.1f}x | {many / loop:.0f}x |")
    table = "\n".join(lines)
    print(f"machine: {machine()}\n\n{table}")
    print(f"\ntarget: 256 seeds >= 200x the loop: {rows[0][4] / rows[0][2]:.0f}x (S=5), "
          f"{rows[1][4] / rows[1][2]:.0f}x (S=20)")

    S, rate, state_bytes, game_bytes, growth, peak, compile_s = pursuit_memory()
    pursuit = ("| game | seeds | samples/s | learner state, all seeds | game arrays | peak RSS growth | peak RSS | "
               "compile |\n|---|---|---|---|---|---|---|---|\n"
               f"| pursuit-evasion 18x18 ({S:,} states) | 64 | {rate:.3g} | {state_bytes / 2**20:.0f} MiB | "
               f"{game_bytes / 2**20:.0f} MiB | {growth / 2**20:.0f} MiB | {peak / 2**20:.0f} MiB | {compile_s:.1f} s |")
    print(f"\n{pursuit}")

    soccer = ""
    if not args.skip_openspiel:
        cases = [("markov_soccer, default 4x5 field", {"horizon": h}, False) for h in (3, 4, 5)]
        cases.append(("markov_soccer, 3x2 field `..\\nAO\\n.B`, move number in the string", 
                      {"grid": "..\nAO\n.B", "horizon": 4}, True))
        cases.append(("markov_soccer, 3x2 field `..\\nAO\\n.B`, plain", {"grid": "..\nAO\n.B", "horizon": 4}, False))
        lines = ["| game | horizon | states | states with value ≠ 0 | OpenSpiel value_iteration (s) | "
                 "bridge + Shapley (s) | Shapley alone (s) | end to end | Shapley alone | max value difference |",
                 "|---|---|---|---|---|---|---|---|---|---|"]
        for label, spec, wrap in cases:
            theirs, ours, solve, diff, states, nonzero = shapley_against_openspiel(spec, wrap)
            lines.append(f"| {label} | {spec['horizon']} | {states:,} | {nonzero} | {theirs:.2f} | {ours:.3f} | "
                         f"{solve:.4f} | {theirs / ours:.0f}x | {theirs / solve:.0f}x | {diff:.1e} |")
            print(lines[-1], flush=True)
        soccer = "\n".join(lines)
    if args.write_results:
        update_section("markov_games", "Markov games (`benchmarks/markov_games.py`)",
                       "DSBR-VI (Algorithm 2 of [1]); stratlearn's O(A)-per-sample lazy updates against the loop's "
                       "O(S·A) line 4.\n\n" + table +
                       "\n\nDSBR-VI (defaults, K = 20,000) on the 10^5-state game, 100,000 steps per seed; the "
                       "learner keeps q, π, v, a stamp and an epoch per state and player.\n\n" + pursuit +
                       ("\n\nShapley value iteration against OpenSpiel's `value_iteration` (tolerance 1e-10 for "
                        "both). \"End to end\" includes building the Markov game from OpenSpiel "
                        "(`from_openspiel`, which walks OpenSpiel's states in Python); OpenSpiel's time includes "
                        "its own state enumeration. On the default field no goal can be scored within 4 joint "
                        "actions, so every value is 0 and agreement there is trivial; the 3x2 field has decided "
                        "states. OpenSpiel keys states by their string, which for `markov_soccer` omits the time, "
                        "so on the plain game it merges nodes with different numbers of moves left and its values "
                        "differ by 1.0; wrapped with `with_move_number` (a Python game, hence OpenSpiel's slower "
                        "time there) the two agree to OpenSpiel's LP precision.\n\n" + soccer if soccer else ""))


if __name__ == "__main__":
    main()
