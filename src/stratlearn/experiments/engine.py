"""The simulate engine: many seeds of one learner on one game, compiled once, no Python work per step.

``simulate`` splits the run into chunks of ``record_every`` steps. One chunk is a ``lax.scan`` over steps of the
learner's ``step``, ``vmap``-ed over seeds and compiled with ``jit``; after each chunk the metrics are evaluated on
every seed's policy (inside the same compiled call) and a progress bar advances. The result is a :class:`Trace`.

Seeds. Seed ``i`` of a run with base ``seed`` uses the key ``fold_in(PRNGKey(seed), i)``: its trajectory does not
depend on how many other seeds run beside it, and the same seeds give the same result on every call.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .. import metrics as metrics_module
from ..errors import MAX_SEED, InvalidParameterError, StratlearnError, check_memory, check_positive_int, check_seed
from ..games.base import unlabeled
from ..trace import Trace

__all__ = ["simulate", "seed_keys", "check_representable"]


def seed_keys(seed: int, seeds: Sequence[int]):
    """The per-seed keys ``fold_in(PRNGKey(seed), i)`` for each ``i`` in ``seeds``, stacked."""
    base = jax.random.PRNGKey(seed)
    return jax.vmap(lambda i: jax.random.fold_in(base, i))(jnp.asarray(seeds, dtype=jnp.uint32))


@partial(jax.jit, static_argnames=("learner",))
def _init(learner, game, keys):
    init_keys, run_keys = jax.vmap(lambda k: tuple(jax.random.split(k)))(keys)
    states = jax.vmap(lambda k: learner.init(game, k))(init_keys)
    return states, run_keys


@partial(jax.jit, static_argnames=("learner", "length", "metrics", "joint_metrics"), donate_argnums=(2, 3))
def _chunk(learner, game, states, joint, keys, start, *, length: int, metrics: tuple, joint_metrics: tuple = ()):
    """Advance every seed by ``length`` steps, from step ``start``, and evaluate ``metrics`` on the policies and
    ``joint_metrics`` on the joint play.

    Step ``t`` of a seed draws with ``fold_in(run_key, t)``: the random stream depends only on the seed and the step,
    so how the run is cut into chunks (``record_every``) does not change what happens. ``joint`` (seeds, m, n) is
    the running mean over the steps so far of ``x_t y_tᵀ``, the product of what each step plays
    (:meth:`~stratlearn.learners.base.MatrixLearner.play`): the expected empirical distribution of the action pairs
    played. It is kept only when a joint metric is recorded (otherwise it is ``None``)."""

    def run_one(state, average, key):
        def body(carry, i):
            state, average = carry
            if average is not None:
                x, y = learner.play(game, state)
                average = average + (jnp.outer(x, y) - average) / (start + i + 1).astype(average.dtype)
            return (learner.step(game, state, jax.random.fold_in(key, start + i)), average), None

        # not unrolled: measured on 2 cores (2026-12-03, JAX 0.10), unrolling 4 steps gave the same numbers bit for
        # bit but compiled about twice as long and ran 0-25% slower with one device per process (DSBR 12.5 s against
        # 16.3 s), mixed (-14% to +10%) with two; and a large learner state is copied in an unrolled body
        (state, average), _ = jax.lax.scan(body, (state, average), jnp.arange(length, dtype=jnp.uint32))
        return state, average

    if joint is None:
        states = jax.vmap(lambda s, k: run_one(s, None, k)[0])(states, keys)
    else:
        states, joint = jax.vmap(run_one)(states, joint, keys)
    profiles = jax.vmap(lambda s: learner.policy(game, s))(states)
    values = tuple(jax.vmap(lambda p, m=m: m(game, p))(profiles) for m in metrics)
    values += tuple(jax.vmap(lambda p, m=m: m(game, p))(joint) for m in joint_metrics)
    return states, joint, values


@partial(jax.jit, static_argnames=("learner",))
def _policies(learner, game, states):
    return jax.vmap(lambda s: learner.policy(game, s))(states)


def _spread_over_devices(states, keys, count: int):
    """Split the seed axis across the local devices (one XLA CPU device per core, or several GPUs).

    Seeds are padded up to a multiple of the device count by repeating the last seed; the padding rows are dropped
    from the results. With one device, or fewer seeds than devices, nothing changes.
    """
    devices = jax.local_devices()
    if len(devices) < 2 or count < len(devices):
        return states, keys, count
    padded = -(-count // len(devices)) * len(devices)
    if padded != count:
        pad = lambda x: jnp.concatenate([x, jnp.repeat(x[-1:], padded - count, axis=0)])  # noqa: E731
        states, keys = jax.tree_util.tree_map(pad, states), pad(keys)
    mesh = Mesh(np.asarray(devices), ("seeds",))
    sharding = NamedSharding(mesh, PartitionSpec("seeds"))
    return jax.device_put(states, sharding), jax.device_put(keys, sharding), count


def _progress(total: int, label: str, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    # disable=None: the bar shows on a terminal and stays silent when output goes to a file or a pipe
    return tqdm(total=total, desc=label, unit="step", unit_scale=True, leave=False, dynamic_ncols=True,
                disable=None)


def simulate(learner, game, *, steps: int, seeds: int | Sequence[int] = 1, record_every: int | None = None,
             metrics: Sequence[Callable | str] = ("nash_gap",), seed: int = 0, progress: bool = True,
             precision: str = "float32") -> Trace:
    """Run ``learner`` on ``game`` for ``steps`` steps on each of ``seeds`` and record ``metrics``.

    Args:
        learner: an object with ``init``, ``step`` and ``policy`` (a ``stratlearn.learners`` learner).
        game: the game to play, e.g. a :class:`~stratlearn.games.MatrixGame`.
        steps: number of steps (samples, for payoff-based learners) per seed, >= 1.
        seeds: how many seeds (``0..seeds-1``) or an explicit list of non-negative seed indices.
        record_every: record the metrics every this many steps (default: only at the end). When it does not
            divide ``steps`` the last record is at ``steps``.
        metrics: metric functions ``metric(game, profile) -> scalar`` or their names (``stratlearn.metrics``).
        seed: the base seed the per-seed keys are derived from.
        progress: show a progress bar that advances once per chunk.
        precision: ``"float32"`` (JAX's default, fastest) or ``"float64"``: the run (learner state, game arrays,
            metrics) in double precision, for rates measured past float32's resolution (a gap below about 1e-5,
            or steps ``β_k`` so small that ``z + β_k d`` rounds back to ``z``).

    Returns:
        A :class:`Trace` with ``steps`` (records,), ``metrics[name]`` (seeds, records), the final states and the
        run's config.
    """
    if precision not in ("float32", "float64"):
        raise InvalidParameterError(f"precision={precision!r}: expected 'float32' or 'float64'")
    # every member of the Learner protocol that the run calls, checked once here (then called without hasattr)
    missing = [name for name in ("init", "step", "policy", "check_game", "params")
               if not callable(getattr(learner, name, None))] + ([] if isinstance(getattr(learner, "name", None), str)
                                                                 else ["name"])
    if missing:
        raise InvalidParameterError(f"learner={learner!r}: expected a stratlearn learner with init, step, policy, "
                                    f"check_game, params and a name (missing {', '.join(missing)}); build one with "
                                    f"stratlearn.learners.make, or subclass stratlearn.learners.LearnerBase")
    with jax.enable_x64(precision == "float64"):
        if precision == "float64" and jnp.zeros(1, dtype=jnp.float64).dtype != jnp.float64:
            raise InvalidParameterError("precision='float64': this JAX cannot compute in float64 here (it would "
                                        "silently truncate to float32); run with precision='float32' or on a "
                                        "backend with double precision")
        if isinstance(metrics, str):
            metrics = [metrics]       # one name, not a sequence of one-letter names
        check_representable(learner, game, metrics, precision)
        trace = _simulate(learner, game, steps=steps, seeds=seeds, record_every=record_every, metrics=metrics,
                          seed=seed, progress=progress)
    trace.config["precision"] = precision
    return trace


def check_representable(learner, game, metrics, precision: str = "float32") -> None:
    """Refuse, before anything is compiled, numbers the run's precision cannot hold: a hyperparameter or a metric's
    temperature that overflows or falls below the smallest normal number (XLA on the CPU flushes subnormals to zero,
    so ``τ = 1e-50`` would become 0 in float32), and game arrays whose entries overflow (payoffs of ``1e39`` become
    ``inf`` in float32). The message says what to do instead of letting the run end in NaN."""
    dtype = np.dtype(precision)
    info = np.finfo(dtype)
    tiny, largest = float(info.tiny), float(info.max)
    advice = ("run with precision='float64'" if dtype == np.float32 else "rescale it") + " or choose another value"

    def walk(where, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{where}.{k}", v)
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(f"{where}[{i}]", v)
        elif isinstance(value, (float, np.floating)):
            v = float(value)
            if v != 0.0 and np.isfinite(v) and not tiny <= abs(v) <= largest:
                raise InvalidParameterError(f"{where}={v:g}: not representable in {dtype.name} (normal numbers "
                                            f"span {tiny:.3g} to {largest:.3g}); {advice}")

    walk(f"learner {learner.name!r}", learner.params())
    for metric in metrics:
        metric = metrics_module.get(metric) if isinstance(metric, str) else metric
        if isinstance(getattr(metric, "temperature", None), (float, np.floating)):
            walk(f"metric {metrics_module.metric_name(metric)!r}.temperature", metric.temperature)
    for leaf in jax.tree_util.tree_leaves(game):
        array = np.asarray(leaf)
        if array.dtype.kind == "f" and array.size and float(np.abs(array).max()) > largest:
            raise InvalidParameterError(
                f"game {getattr(game, 'name', type(game).__name__)!r}: entries up to {np.abs(array).max():.3g} "
                f"overflow {dtype.name} (largest {largest:.3g}); rescale the payoffs"
                + (" or run with precision='float64'" if dtype == np.float32 else ""))


def _check_metric_outputs(learner, game, device_fns) -> None:
    """Each compiled metric must give one real number per policy profile: checked on shapes only (nothing runs), so
    a custom metric returning text, an array or failing to trace is refused before the run, naming the metric."""
    try:
        state = jax.eval_shape(lambda k: learner.init(game, k), jax.random.PRNGKey(0))
        profile = jax.eval_shape(lambda s: learner.policy(game, s), state)
    except Exception:  # noqa: BLE001 - the learner's own errors surface when it runs
        return
    for metric in device_fns:
        name = metrics_module.metric_name(metric)
        try:
            out = jax.eval_shape(lambda p, m=metric: m(game, p), profile)
        except StratlearnError:
            raise                     # the metric's own error already says what is wrong
        except Exception as exc:  # noqa: BLE001 - a user's metric: report it in one line
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            raise InvalidParameterError(f"metric {name!r}: cannot be evaluated on the learner's policies inside "
                                        f"jit ({type(exc).__name__}: {first})") from None
        leaves = jax.tree_util.tree_leaves(out)
        if len(leaves) != 1 or leaves[0].shape != () or np.dtype(leaves[0].dtype).kind not in "biuf":
            got = ", ".join(f"{np.dtype(x.dtype).name}{list(x.shape)}" for x in leaves) or "nothing"
            raise InvalidParameterError(f"metric {name!r}: expected one real number per policy profile, got {got}")


def _check_joint_play(learner, game, joint_fns) -> None:
    """A metric of joint play needs a two-player matrix game and a learner that says what it plays."""
    from ..games.matrix import MatrixGame

    names = ", ".join(repr(metrics_module.metric_name(m)) for m in joint_fns)
    if not isinstance(game, MatrixGame):
        raise InvalidParameterError(f"metrics: {names} measure the joint play of a matrix game; got a "
                                    f"{type(game).__name__}")
    if not callable(getattr(learner, "play", None)):
        raise InvalidParameterError(f"metrics: {names} need a learner that says what it plays (a matrix learner's "
                                    f"play method); {getattr(learner, 'name', type(learner).__name__)!r} has none")


def _simulate(learner, game, *, steps, seeds, record_every, metrics, seed, progress) -> Trace:
    steps = check_positive_int("steps", steps)
    record_every = steps if record_every is None else check_positive_int("record_every", record_every)
    if record_every > steps:
        raise InvalidParameterError(f"record_every={record_every}: expected at most steps={steps}")
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        count = check_positive_int("seeds", seeds)
        if count > MAX_SEED + 1:
            raise InvalidParameterError(f"seeds={count}: expected at most {MAX_SEED + 1} (seeds are 32-bit)")
        check_memory(f"seeds={count}", 64 * count)       # the seed list and the keys, before any state
        seed_list = list(range(count))
    else:
        if isinstance(seeds, (str, bytes, bool)) or not hasattr(seeds, "__iter__"):
            raise InvalidParameterError(f"seeds={seeds!r}: expected a count >= 1 or a list of integers")
        seed_list = [check_seed(s, "seeds[]", maximum=MAX_SEED) for s in seeds]
        if not seed_list or len(set(seed_list)) != len(seed_list):
            raise InvalidParameterError(f"seeds={list(seeds)!r}: expected a non-empty list of distinct integers")
    if seed_list[-1] > MAX_SEED:
        raise InvalidParameterError(f"seeds={seeds!r}: seed indices go up to {MAX_SEED}")
    seed = check_seed(seed, "seed", maximum=MAX_SEED)
    if steps > MAX_SEED:
        raise InvalidParameterError(f"steps={steps}: expected at most {MAX_SEED} (steps are counted in 32 bits)")
    if isinstance(metrics, str):
        metrics = [metrics]           # one name, not a sequence of one-letter names
    if not metrics:
        raise InvalidParameterError("metrics=(): expected at least one metric")
    metric_fns = tuple(metrics_module.resolve(m, game) for m in metrics)
    names = [metrics_module.metric_name(m) for m in metric_fns]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        given = ", ".join(repr(m if isinstance(m, str) else metrics_module.metric_name(m)) for m in metrics)
        raise InvalidParameterError(f"metrics=[{given}]: {', '.join(repeated)} would be recorded twice on "
                                    f"{type(game).__name__} (each metric must be recorded under its own name)")
    joint_fns = tuple(m for m in metric_fns if metrics_module.is_joint_metric(m))
    device_fns = tuple(m for m in metric_fns if not metrics_module.is_host_metric(m) and m not in joint_fns)
    host_fns = tuple(m for m in metric_fns if metrics_module.is_host_metric(m))
    learner.check_game(game)
    # the states of every seed, estimated from the learner's init without running it (states and their donated
    # copies), before anything is allocated
    try:
        shape = jax.eval_shape(lambda k: learner.init(unlabeled(game), k), jax.random.PRNGKey(0))
        per_seed = sum(leaf.size * leaf.dtype.itemsize for leaf in jax.tree_util.tree_leaves(shape))
    except Exception:  # noqa: BLE001 - an estimate only: the run itself reports a learner's own errors
        per_seed = 0
    check_memory(f"seeds={len(seed_list)} with a learner state of {per_seed} bytes each", 3 * per_seed * len(seed_list))
    _check_metric_outputs(learner, unlabeled(game), device_fns)
    if joint_fns:
        _check_joint_play(learner, game, joint_fns)

    started = time.perf_counter()
    traced = unlabeled(game)  # the name is a label: games differing only in it share compiled code
    states, keys = _init(learner, traced, seed_keys(int(seed), seed_list))
    states, keys, count = _spread_over_devices(states, keys, len(seed_list))
    joint = None
    if joint_fns:
        probe = jax.eval_shape(lambda s: learner.play(traced, s), jax.tree_util.tree_map(lambda v: v[0], states))
        joint = jnp.zeros((keys.shape[0], probe[0].shape[-1], probe[1].shape[-1]), probe[0].dtype)
    lengths = [record_every] * (steps // record_every)
    if steps % record_every:
        lengths.append(steps % record_every)
    recorded_steps, columns = [], {n: [] for n in names}
    bar = _progress(steps, getattr(learner, "name", type(learner).__name__), progress)
    done = 0
    try:
        for length in lengths:
            states, joint, values = _chunk(learner, traced, states, joint, keys, jnp.uint32(done), length=length,
                                           metrics=device_fns, joint_metrics=joint_fns)
            done += length
            recorded_steps.append(done)
            for metric, value in zip(device_fns + joint_fns, values):
                columns[metrics_module.metric_name(metric)].append(np.asarray(value, dtype=np.float64)[:count])
            if host_fns:
                x, y = (np.asarray(p, dtype=np.float64)[:count] for p in _policies(learner, traced, states))
                for metric in host_fns:
                    values = [metric(game, (x[i], y[i])) for i in range(count)]
                    try:
                        column = np.asarray(values, dtype=np.float64).reshape(count)
                    except (TypeError, ValueError):
                        raise InvalidParameterError(f"metric {metrics_module.metric_name(metric)!r}: expected one "
                                                    f"real number per seed, got {values[0]!r}") from None
                    columns[metrics_module.metric_name(metric)].append(column)
            if bar is not None:
                bar.update(length)
    finally:
        if bar is not None:
            bar.close()
    elapsed = time.perf_counter() - started

    config = {
        "learner": {"name": learner.name, **learner.params()},
        "game": game.describe() if hasattr(game, "describe") else {"name": type(game).__name__},
        "steps": steps,
        "record_every": record_every,
        "seeds": seed_list,
        "seed": int(seed),
        "metrics": names,
    }
    return Trace(
        steps=np.asarray(recorded_steps, dtype=np.int64),
        metrics={n: np.stack(columns[n], axis=1) for n in names},
        final_state=jax.tree_util.tree_map(lambda x: x[:count], states),
        seeds=np.asarray(seed_list, dtype=np.int64),
        config=config,
        wall_time=elapsed,
    )
