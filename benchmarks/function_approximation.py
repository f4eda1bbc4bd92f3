"""Benchmark: two-timescale Q-learning with linear features ([3], ``stratlearn.learners.TwoTimescaleQ``) in stratlearn
against a plain NumPy loop of the algorithm, in one process.

stratlearn runs one seed and 256 seeds as one vmapped scan (``stratlearn.simulate``); the anchor is the algorithm of
the learner's module docstring written directly in float64 NumPy, one run: per step both players' features at
``S_k`` and ``S_{k+1}``, softmax policies of ``Φθ``, actions and successor drawn by inverting CDFs at
``rng.random(3)``, the semi-gradient fast update of ``w`` and the slow update ``θ ← (1 − β)θ + βw`` of the whole
``θ`` vector (dense, as the algorithm is written), both players playing the floored softmax. Step sizes are the
learner's own schedules (defaults: ``τ = 0.1``, ``α_k = 3/(k + 10)^0.5``, ``β_k = 0.1/(k + 100)^0.8``, floor
``ε = 0.05``), evaluated once per run for all steps.

Cases: (a) the 20-state, 5-action random zero-sum Markov game with ``RandomFeatures(features=32)`` for both players;
the loop uses the dense ``(S, A, 32)`` arrays ``fmap.dense(game, player)``. (b) the 10x10 pursuit-evasion game
(10^4 states) with ``GridFeatures(width=3, relative=True)`` (``d = 3,085``, two active features per action); its
dense array would take ``S·5·d`` floats, 1.2 GB, so the loop computes the active indices with NumPy integer
arithmetic mirroring ``GridFeatures.active`` (checked against it on every state). Throughput in samples (steps) per
second per run summed over runs; compilation excluded (reported apart). stratlearn records once, at the end; the
cost of a record (both players' policies in all states, for every seed) is measured apart and reported: on the 10^4-
state game it is about as long as 10^4 steps of 256 seeds, so a benchmark that records every few thousand steps
measures the recording, not the learner.

Before timing, a check that both sides compute the same algorithm: in float64, the learner's jitted ``step`` and the
loop, driven by the same uniforms (the learner's ``uniform(fold_in(key, k), (3,))``), end with the same state and the
same ``Φw`` and ``Φθ`` (``learner.q_estimates(game, state, "fast" / "slow")``) to 1e-8, in both cases.

Run: ``python benchmarks/function_approximation.py [--write-results]``.
"""

from __future__ import annotations

import argparse
import time

import stratlearn as sl  # first: one XLA CPU device per core

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from _results import machine, update_section  # noqa: E402

from stratlearn.learners import GridFeatures, RandomFeatures, TwoTimescaleQ  # noqa: E402


class DenseFeatures:
    """``φ_i(s, ·)`` as rows of the dense ``(S, A_i, d)`` array: ``(None, Φ_i(s))``, None meaning all coordinates."""

    def __init__(self, fmap, game):
        self.phi = [fmap.dense(game, 0), fmap.dense(game, 1)]
        self.dims = [p.shape[2] for p in self.phi]

    def __call__(self, player, s):
        return None, self.phi[player][s]


class GridActive:
    """``GridFeatures.active`` in NumPy: the ``(5, m)`` active coordinates of a state and their values."""

    def __init__(self, fmap: GridFeatures, game):
        self.fmap, self.n = fmap, int(round(game.num_states ** 0.25))
        self.T = -(-(self.n - 1) // fmap.width) + 1
        self.dims = [fmap.dim(game, 0), fmap.dim(game, 1)]
        m = fmap.tilings + fmap.relative
        self.values = np.full((5, m), 1 / np.sqrt(m))
        self.actions = np.arange(5)[:, None]

    def __call__(self, player, s):
        f, n, T = self.fmap, self.n, self.T
        p, e = divmod(s, n * n)
        c = np.array([p // n, p % n, e // n, e % n])
        cells = []
        for j in range(f.tilings):
            t = (c + (j * f.width) // f.tilings) // f.width
            cells.append(j * T ** 4 + ((t[0] * T + t[1]) * T + t[2]) * T + t[3])
        if f.relative:
            cells.append(f.tilings * T ** 4 + (c[2] - c[0] + n - 1) * (2 * n - 1) + (c[3] - c[1] + n - 1))
        return np.array(cells)[None, :] * 5 + self.actions, self.values


def _lin(idx, val, x):
    """``Φ(s) x`` for the features ``(idx, val)`` of one state."""
    return val @ x if idx is None else (val * x[idx]).sum(1)


def _softmax(q, tau):
    z = q / tau
    e = np.exp(z - z.max())
    return e / e.sum()


def numpy_ttq(game, features, learner, steps, seed=0, uniforms=None, start=None):
    """Two-timescale Q-learning with linear features as a plain float64 NumPy loop (one run). ``uniforms`` (steps, 3)
    and ``start`` replace ``rng.random(3)`` and the drawn initial state (for the check against the learner).
    Returns samples/s, the final ``(w¹, w²)``, ``(θ¹, θ²)`` and state."""
    began = time.perf_counter()
    rng = np.random.default_rng(seed)
    tau, gamma, eps = learner.temperature, float(game.discount), learner.exploration
    policy = lambda q: (1 - eps) * _softmax(q, tau) + eps / q.size  # noqa: E731  the played policy, with its floor
    with jax.enable_x64(True):  # the learner's schedules, in float64, for every step at once
        alphas = np.asarray(learner.fast_step(np.arange(steps)), dtype=float)
        betas = np.asarray(learner.slow_step(np.arange(steps)), dtype=float)
    cdf, succ = np.asarray(game.next_cdf), np.asarray(game.next_states)
    rewards = (np.asarray(game.row_rewards), np.asarray(game.col_rewards))
    w = [np.zeros(d) for d in features.dims]
    theta = [np.zeros(d) for d in features.dims]
    s = int(rng.choice(game.num_states, p=np.asarray(game.initial))) if start is None else int(start)
    for k in range(steps):
        u = rng.random(3) if uniforms is None else uniforms[k]
        here = [features(0, s), features(1, s)]
        acts = []
        for i in (0, 1):
            cum = np.cumsum(policy(_lin(*here[i], theta[i])))
            acts.append(min(int((cum <= u[i]).sum()), len(cum) - 1))
        a, b = acts
        c = cdf[s, a, b]
        nxt = int(succ[s, a, b, min(int((c <= u[2]).sum()), len(c) - 1)])
        alpha, beta = alphas[k], betas[k]
        for i in (0, 1):
            (idx, val), act = here[i], acts[i]
            idx_n, val_n = features(i, nxt)
            v_next = policy(_lin(idx_n, val_n, theta[i])) @ _lin(idx_n, val_n, w[i])
            cols = slice(None) if idx is None else idx[act]
            delta = rewards[i][s, a, b] + gamma * v_next - val[act] @ w[i][cols]
            w[i][cols] += alpha * delta * val[act]
            theta[i] = (1 - beta) * theta[i] + beta * w[i]
        s = nxt
    return steps / (time.perf_counter() - began), w, theta, s


def check_against_learner(game, fmap, make_features, steps) -> float:
    """Run the learner's jitted step and the loop in float64 on the same uniforms; return the largest difference of
    ``Φw`` and ``Φθ`` (and fail loudly if the final states differ or everything stayed zero). The loop's features are
    built in float64 too (the random map draws different normals in float32)."""
    learner = TwoTimescaleQ(features=fmap)
    with jax.enable_x64(True):
        features = make_features(fmap, game)
        key = jax.random.PRNGKey(0)
        keys = jax.vmap(lambda k: jax.random.fold_in(key, k))(jnp.arange(steps))
        uniforms = np.asarray(jax.vmap(lambda k: jax.random.uniform(k, (3,), jnp.float64))(keys))
        state = learner.init(game, key)
        start = int(state.state)

        @jax.jit
        def run(st):
            return jax.lax.scan(lambda c, k: (learner.step(game, c, k), None), st, keys)[0]

        state = run(state)
        fast, slow = learner.q_estimates(game, state, "fast"), learner.q_estimates(game, state, "slow")
        # the loop's feature function agrees with the map on every state
        for i in (0, 1):
            idx, val = jax.vmap(lambda s, i=i: fmap.active(game, i, s))(jnp.arange(game.num_states))
            idx, val = np.asarray(idx), np.asarray(val)
            for s in range(game.num_states):
                mine_idx, mine_val = features(i, s)
                if mine_idx is None:
                    mine_idx = np.broadcast_to(np.arange(features.dims[i]), mine_val.shape)
                assert np.array_equal(mine_idx, idx[s]) and np.allclose(mine_val, val[s], rtol=0, atol=1e-12)
    _, w, theta, s = numpy_ttq(game, features, learner, steps, uniforms=uniforms, start=start)
    assert s == int(state.state), (s, int(state.state))
    diff = 0.0
    for i in (0, 1):
        for ours, vec in ((fast[i], w[i]), (slow[i], theta[i])):
            reference = np.stack([_lin(*features(i, x), vec) for x in range(game.num_states)])
            diff = max(diff, float(np.abs(np.asarray(ours) - reference).max()))
        assert np.abs(theta[i]).max() > 1e-3, "the check compared two zero vectors"
    assert diff < 1e-8, diff
    return diff


def _probe(g, profile):  # a device metric that reads the played policies of every state
    return profile[0].sum()


def stratlearn_ttq(game, fmap, steps, seeds):
    """samples/s of ``simulate`` with one record, at the end (the loop records nothing), its compile time (the first
    call's seconds less the second's: the same program), and the seconds one more record costs (a run with four
    records less the run with one, over three): a record computes both players' policies in every state."""
    learner = TwoTimescaleQ(features=fmap)

    def timed(record_every):
        started = time.perf_counter()
        sl.simulate(learner, game, steps=steps, seeds=seeds, record_every=record_every, metrics=[_probe],
                    progress=False)
        return time.perf_counter() - started

    first = timed(steps)
    seconds = timed(steps)
    timed(steps // 4)  # compiles the shorter scan
    per_record = max(timed(steps // 4) - seconds, 0.0) / 3
    return steps * seeds / seconds, max(first - seconds, 0.0), per_record


def profile_step(game, fmap, seeds=256, steps=10_000) -> dict[str, float]:
    """Where a step's time goes: samples/s of four cumulative variants of the step, each a jitted, vmapped scan on
    one device (so slower than ``simulate``, which splits the seeds over the cores): the transition alone (uniform
    actions), plus the four feature-index computations, plus the reads of the rows and the policies (actions drawn
    from them), and the learner's full step (plus the fast and slow updates and the write-back)."""
    from stratlearn.learners.base import sample_action

    learner = TwoTimescaleQ(features=fmap)
    maps = learner._maps(game)
    A = game.shape[1]

    def uniform_actions(key):
        u = jax.random.uniform(key, (3,))
        return u, jnp.minimum((u[0] * A).astype(jnp.int32), A - 1), jnp.minimum((u[1] * A).astype(jnp.int32), A - 1)

    def transition(st, key):
        u, a, b = uniform_actions(key)
        nxt, r1, _ = game.transition_at(u[2], st.state, a, b)
        return st._replace(state=nxt, log_decay=st.log_decay + r1, k=st.k + 1)

    def features(st, key):
        u, a, b = uniform_actions(key)
        nxt, _, _ = game.transition_at(u[2], st.state, a, b)
        acc = 0.0
        for fm, p, _ in maps:
            for s in (st.state, nxt):
                idx, val = fm.active(game, p, s)
                acc = acc + idx.sum() + val.sum()
        return st._replace(state=nxt, log_decay=st.log_decay + acc, k=st.k + 1)

    def reads(st, key):
        u = jax.random.uniform(key, (3,))
        here = [learner._read(st.table, fm, p, off, game, st.state, st.log_decay) for fm, p, off in maps]
        a, b = sample_action(u[0], here[0][3]), sample_action(u[1], here[1][3])
        nxt, _, _ = game.transition_at(u[2], st.state, a, b)
        there = [learner._read(st.table, fm, p, off, game, nxt, st.log_decay) for fm, p, off in maps]
        acc = sum(jnp.dot(t[3], t[4]) for t in there) + sum(h[4].sum() for h in here)
        return st._replace(state=nxt, log_decay=st.log_decay + acc * 1e-9, k=st.k + 1)

    variants = {"transition": transition, "+ feature indices": features, "+ reads and policies": reads,
                "full step": lambda st, key: learner.step(game, st, key)}
    keys = jax.random.split(jax.random.PRNGKey(0), seeds)
    out = {}
    for name, step in variants.items():
        def run(c0, key, step=step):
            return jax.lax.scan(lambda c, k: (step(c, k), None), c0, jax.random.split(key, steps))[0]

        f = jax.jit(jax.vmap(run))
        start = jax.vmap(lambda k: learner.init(game, k))(keys)
        jax.block_until_ready(f(start, keys))
        began = time.perf_counter()
        jax.block_until_ready(f(start, keys))
        out[name] = seeds * steps / (time.perf_counter() - began)
    return out


CASES = [
    # label, game, feature map, NumPy-loop features, steps: check, loop, 1 seed, 256 seeds (per seed); each timing
    # takes 5-30 s on a 2-core CPU
    ("random zero-sum, S=20, A=B=5", lambda: sl.games.catalog.make("random_zero_sum_markov", states=20, actions=5,
                                                                   discount=0.9, seed=0),
     RandomFeatures(features=32), DenseFeatures, (200, 50_000, 400_000, 40_000)),
    ("pursuit-evasion 10x10 (10^4 states)", lambda: sl.games.catalog.make("pursuit_evasion", size=10, discount=0.9),
     GridFeatures(width=3, relative=True), GridActive, (2_000, 50_000, 400_000, 40_000)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-results", action="store_true")
    parser.add_argument("--profile", action="store_true", help="only the profile of a step's parts, 256 seeds")
    args = parser.parse_args()
    if args.profile:
        for label, make_game, fmap, *_ in CASES:
            for name, rate in profile_step(make_game(), fmap).items():
                print(f"{label}: {name:22s} {rate:.3g} samples/s, {256e6 / rate:.0f} µs per iteration of 256 seeds")
        return
    rows, checks = [], []
    for label, make_game, fmap, make_features, (check_steps, loop_steps, one_steps, many_steps) in CASES:
        game = make_game()
        diff = check_against_learner(game, fmap, make_features, check_steps)
        features = make_features(fmap, game)
        checks.append(f"{label}: {check_steps} steps, largest difference {diff:.1e}")
        print(f"check, {checks[-1]}", flush=True)
        loop = numpy_ttq(game, features, TwoTimescaleQ(features=fmap), loop_steps)[0]
        one, one_compile, _ = stratlearn_ttq(game, fmap, one_steps, 1)
        many, many_compile, record = stratlearn_ttq(game, fmap, many_steps, 256)
        dims = features.dims[0]
        rows.append((label, f"{type(fmap).__name__} (d={dims:,})", loop, one, many, one_compile, many_compile,
                     record))
        print(rows[-1], flush=True)
    lines = ["| game | features (d) | NumPy loop, 1 run (samples/s) | stratlearn, 1 seed | stratlearn, 256 seeds | "
             "1 seed / loop | 256 seeds / loop | compile, 1 seed | compile, 256 seeds | one record, 256 seeds |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for label, feats, loop, one, many, c1, c256, record in rows:
        lines.append(f"| {label} | {feats} | {loop:.3g} | {one:.3g} | {many:.3g} | {one / loop:.1f}x | "
                     f"{many / loop:.0f}x | {c1:.1f} s | {c256:.1f} s | {record:.2f} s |")
    table = "\n".join(lines)
    ratios = [many / loop for _, _, loop, _, many, _, _, _ in rows]
    met = all(r >= 200 for r in ratios)
    verdict = (f"Target (256 seeds at least 200x the loop): {'met' if met else 'not met'} — "
               + ", ".join(f"{r:.0f}x ({row[0]})" for r, row in zip(ratios, rows)) + ".")
    print(f"machine: {machine()}\n\n{table}\n\n{verdict}")
    if args.write_results:
        steps = {label: s for label, _, _, _, s in CASES}
        update_section(
            "function_approximation", "Function approximation (`benchmarks/function_approximation.py`)",
            "Two-timescale Q-learning with linear features ([3], `TwoTimescaleQ` with default τ and schedules); "
            "stratlearn's O(A·m)-per-sample lazy slow update against the loop's dense O(d) one (the algorithm as "
            "written). The loop is float64 NumPy, one run; the random features are the map's dense (S, A, d) array, "
            "the grid features are computed per state with NumPy integer arithmetic (the dense array would be 1.2 "
            "GB). Steps (loop / 1 seed / 256 seeds, per seed): "
            + "; ".join(f"{label}: {s[1]:,} / {s[2]:,} / {s[3]:,}" for label, s in steps.items())
            + ". stratlearn's runs record once, at the end (the loop records nothing); the last column is what one more "
            "record costs (both players' policies in every state, for 256 seeds), measured apart. Compilation (the "
            "first of two identical calls, less the second) is excluded from the rates.\n\n" + table
            + "\n\n" + verdict + " Same-algorithm check (float64, identical uniforms, Φw and Φθ of the learner's "
            "`q_estimates` against the loop's): " + "; ".join(checks) + ".")


if __name__ == "__main__":
    main()
