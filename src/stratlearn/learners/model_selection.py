"""Model selection in games, [7]: Algorithm 1 (projected stochastic gradient play) and Algorithm 2 (successive
elimination over candidate model classes).

[7] Handina, Mazumdar. Understanding model selection for learning in strategic environments. NeurIPS 2024
(arXiv 2402.07588).

**Algorithm 1** runs projected stochastic gradient play on a μ-strongly monotone game,

    z_{t+1} = Π_{Θ × W}(z_t − η_t F̂(z_t)),    η_t = 1/(μ t)   (t = 1, 2, …, T),

where ``F̂`` is an unbiased sample of the game's operator (every player's partial gradient), and returns the average
of the second half of the iterates, ``z̄ = (2/T) Σ_{t > T/2} z_t``. With ``E‖F̂(z)‖² ≤ G²`` on the domain, the argument
of Rakhlin, Shamir and Sridharan (2012, Lemma 1) for strongly convex SGD carries over to strongly monotone games
(``⟨F(z), z − z*⟩ ≥ μ‖z − z*‖²`` at the solution), giving ``E‖z_t − z*‖² ≤ 4G²/(μ²t)`` and, by Jensen's inequality
over the second half, the **stated error** ``E‖z̄ − z*‖² ≤ 8G²/(μ²T)``. The step rule and the bound are the standard
ones for this method; [7]'s own constants are not available here.

**Algorithm 2** treats each candidate class as an arm whose value is the learner's equilibrium loss in the game
restricted to it. In round ``r = 1, 2, …`` every surviving class gets ``T_r = T_1 2^{r−1}`` steps of Algorithm 1 in
each of ``B`` independent replicates, and each replicate's value estimate is the mean of ``T_r`` noisy observations
of the learner's loss at its ``z̄``. A class is eliminated when its lower confidence bound exceeds the smallest upper
one; each round and class gets confidence ``δ_r = δ/(K r (r + 1))`` (a union bound over classes and rounds sums to
``δ``). Two interval rules:

* ``width="t"`` (default): Student's t interval of the ``B`` replicate estimates at level ``1 − δ_r``. It covers
  the mean of the estimates, ``E[ℓ_L(z̄)]``, which differs from the equilibrium value ``ℓ_L(z*)`` by Algorithm 1's
  bias — of order ``1/T`` for a smooth loss, against the interval's ``1/√T`` — so it is valid asymptotically in
  ``T``, not at every budget (measured: coverage 0.985 against the nominal 0.992 with ``T_1 = 100`` on strategic
  regression; fine from ``T_1 = 1000``, the default). The study measures its identification rate.
* ``width="bound"``: a guaranteed interval from the stated error (Markov's inequality on ``‖z̄ − z*‖``, the loss's
  Lipschitz constant on the domain, Chebyshev's inequality for the loss noise) — valid for any distribution, and
  far wider, so it needs many more samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from scipy import stats

from ..errors import InvalidGameError, InvalidParameterError, check_in_range, check_positive, check_positive_int, \
    check_seed
from ..games.strategic import ModelClass, NestedClasses, StrategicGame, check_strongly_monotone
from ..games.vi import VariationalInequality
from .frank_wolfe import VILearner, _oracle

__all__ = ["StochasticGradientPlay", "SGPState", "SGPResult", "stochastic_gradient_play", "SelectionResult",
           "successive_elimination", "selection_trials"]


class SGPState(NamedTuple):
    z: jax.Array        # the iterate z_t
    total: jax.Array    # sum of the iterates of the second half
    count: jax.Array    # how many iterates are in ``total``
    t: jax.Array        # steps taken


@dataclass(frozen=True)
class StochasticGradientPlay(VILearner):
    """Algorithm 1 of [7] under the learner protocol (see the module docstring); ``policy`` is the running average
    of the second half once it has started, the iterate before.

    Args:
        steps: the horizon ``T`` (the average starts after ``T // 2`` steps).
        strong_monotonicity: ``μ`` for the steps ``η_t = 1/(μt)``; ``None`` reads it from a
            :class:`~stratlearn.games.strategic.StrategicGame` (a plain VI needs it given).
        noise: ``σ ≥ 0`` of the Gaussian oracle ``F(z) + σξ`` used on a plain VI (a strategic game has its own).
        start: ``"center"`` or ``"random"``.
    """

    steps: int = 10_000
    strong_monotonicity: float | None = None
    noise: float = 0.0
    start: str = "center"

    name = "stochastic_gradient_play"
    plays = (StrategicGame, VariationalInequality)   # a strategic game is a VI; a plain VI needs its μ given

    def __post_init__(self):
        object.__setattr__(self, "steps", check_positive_int("steps", self.steps))
        if self.strong_monotonicity is not None:
            object.__setattr__(self, "strong_monotonicity",
                               check_positive("strong_monotonicity", self.strong_monotonicity))
        object.__setattr__(self, "noise", check_positive("noise", self.noise, allow_zero=True))
        if self.start not in ("center", "random"):
            raise InvalidParameterError(f"start={self.start!r}: expected 'center' or 'random'")

    def check_game(self, game) -> None:
        """Refuse anything but a VI; Algorithm 1 needs strong monotonicity, which is checked on sampled pairs (and,
        for a strategic game, against its stated ``μ``): a violation raises naming the pair."""
        super().check_game(game)
        if not isinstance(game, StrategicGame) and self.strong_monotonicity is None:
            raise InvalidParameterError(f"strong_monotonicity=None: {game.name} is not a StrategicGame, so its μ "
                                        "must be given")
        # the μ the steps will use, whoever gave it, must not exceed what the sampled pairs show
        check_strongly_monotone(game, strength=self._mu(game))

    def _mu(self, game) -> float:
        if self.strong_monotonicity is not None:
            return self.strong_monotonicity
        return game.strong_monotonicity

    def init(self, game, key):
        dtype = jnp.result_type(float)
        if self.start == "random":
            z = game.domain.random_point(key, dtype)
        else:
            z = jnp.asarray(game.domain.center(), dtype)
        return SGPState(z, jnp.zeros_like(z), jnp.zeros((), jnp.int32), jnp.zeros((), jnp.int32))

    def step(self, game, state, key):
        if isinstance(game, StrategicGame):
            g = game.sample_gradient(state.z, key)
        else:
            g = _oracle(game, state.z, key, self.noise)   # the VI learners' Gaussian oracle
        t = state.t + 1
        eta = 1.0 / (self._mu(game) * t.astype(state.z.dtype))
        z = game.domain.project(state.z - eta * g)
        late = t > self.steps // 2
        return SGPState(z, state.total + jnp.where(late, z, 0.0), state.count + late.astype(jnp.int32), t)

    def policy(self, game, state):
        return jnp.where(state.count > 0, state.total / jnp.maximum(state.count, 1), state.z)


# ------------------------------------------------------------------------------------------------ batch runner
def _check_strategic(game) -> StrategicGame:
    if not isinstance(game, StrategicGame):
        raise InvalidGameError(f"game: expected a StrategicGame, got {type(game).__name__}")
    return game


def _play(game: StrategicGame, steps, keys, loss_samples):
    """Algorithm 1 for ``steps`` (a traced integer: no recompilation per horizon) on each key, then the mean of
    ``loss_samples`` noisy loss observations at each average. Returns (averages, value estimates)."""
    mu = game.strong_monotonicity
    half = steps // 2

    def one(key):
        k_run, k_loss = jax.random.split(key)
        z0 = jnp.asarray(game.domain.center(), jnp.result_type(float))

        def body(t, carry):
            z, total = carry
            g = game.sample_gradient(z, jax.random.fold_in(k_run, t))
            z = game.domain.project(z - g / (mu * (t + 1)))
            return z, total + jnp.where(t + 1 > half, z, 0.0)

        z, total = jax.lax.fori_loop(0, steps, body, (z0, jnp.zeros_like(z0)))
        zbar = total / (steps - half)

        if game.mean_observation is not None:
            return zbar, game.mean_observation(game.params, zbar, k_loss, loss_samples)

        def observe(t, acc):
            _, loss = game.sample(zbar, jax.random.fold_in(k_loss, t))
            return acc + loss

        value = jax.lax.fori_loop(0, loss_samples, observe, jnp.zeros((), zbar.dtype)) / loss_samples
        return zbar, value

    return jax.vmap(one)(keys)


_play_jit = jax.jit(_play)


@dataclass(frozen=True)
class SGPResult:
    """What :func:`stochastic_gradient_play` returns.

    Attributes:
        points: the averages ``z̄`` per seed, shape (seeds, n), float64.
        learner_losses: ``ℓ_L(z̄)`` per seed (exact, not sampled).
        error_bound: the stated root-mean-square error ``sqrt(8G²/(μ²T))`` of ``z̄`` (see the module docstring).
        steps: ``T``.
    """

    points: np.ndarray
    learner_losses: np.ndarray
    error_bound: float
    steps: int


def stochastic_gradient_play(game: StrategicGame, steps: int, seeds: int = 1, *, seed: int = 0,
                             precision: str = "float64") -> SGPResult:
    """Run Algorithm 1 for ``steps`` on ``seeds`` independent seeds at once (``vmap``) and return the averages with the
    stated error bound. Strong monotonicity is checked on sampled pairs first."""
    game = _check_strategic(game)
    steps, seeds = check_positive_int("steps", steps), check_positive_int("seeds", seeds)
    if steps < 2:
        raise InvalidParameterError(f"steps={steps}: expected at least 2 (the average is over the second half)")
    if precision not in ("float32", "float64"):
        raise InvalidParameterError(f"precision={precision!r}: expected 'float32' or 'float64'")
    check_strongly_monotone(game, strength=game.strong_monotonicity)
    constants = game.constants()
    with jax.enable_x64(precision == "float64"):
        keys = jax.random.split(jax.random.PRNGKey(check_seed(seed)), seeds)
        points, _ = _play_jit(game, jnp.asarray(steps), keys, jnp.asarray(1))
        losses = jax.vmap(game.learner_loss)(points)
    bound = math.sqrt(8 * constants.gradient_second_moment / (constants.strong_monotonicity ** 2 * steps))
    return SGPResult(points=np.asarray(points, np.float64), learner_losses=np.asarray(losses, np.float64),
                     error_bound=bound, steps=steps)


# ------------------------------------------------------------------------------------------------ Algorithm 2
@dataclass(frozen=True)
class SelectionResult:
    """What :func:`successive_elimination` returns (for one trial).

    Attributes:
        chosen: the index of the selected class; ``chosen_class`` the class itself.
        identified: True when every other class was eliminated (the guarantee's event); False when the round budget
            ran out first and ``chosen`` is the survivor with the lowest estimate.
        estimates: the last value estimate per class (the learner's equilibrium loss), shape (K,).
        intervals: the last confidence interval per class, shape (K, 2).
        samples: oracle calls spent on each class (gradient samples plus loss observations), shape (K,).
        eliminated_in: the round in which each class was eliminated (0 for survivors), shape (K,).
        rounds: rounds played.
        names: the classes' names.
    """

    chosen: int
    chosen_class: ModelClass
    identified: bool
    estimates: np.ndarray
    intervals: np.ndarray
    samples: np.ndarray
    eliminated_in: np.ndarray
    rounds: int
    names: list = field(default_factory=list)

    @property
    def total_samples(self) -> int:
        return int(self.samples.sum())


def _check_classes(game: StrategicGame, classes) -> list:
    if isinstance(classes, NestedClasses):
        classes = list(classes.classes)
    if isinstance(classes, (str, bytes)) or not isinstance(classes, Sequence) or len(classes) == 0:
        raise InvalidParameterError(f"classes={classes!r}: expected a non-empty list of ModelClass")
    for k, c in enumerate(classes):
        if not isinstance(c, ModelClass):
            raise InvalidParameterError(f"classes[{k}]: expected a ModelClass, got {type(c).__name__}")
    return list(classes)


def _selection_rounds(game, classes, delta, initial_steps, replicates, max_rounds, width, trials, seed):
    """Successive elimination on ``trials`` independent trials at once. Returns per-trial arrays."""
    K = len(classes)
    games = [game.restrict(c) for c in classes]     # raises for a class outside the full class
    for g in games:
        check_strongly_monotone(g, strength=g.strong_monotonicity)
    constants = [g.constants() for g in games]
    active = np.ones((trials, K), bool)
    estimates = np.full((trials, K), np.nan)
    intervals = np.full((trials, K, 2), np.nan)
    samples = np.zeros((trials, K), np.int64)
    eliminated = np.zeros((trials, K), np.int64)
    done = np.zeros(trials, bool)
    rounds = np.zeros(trials, np.int64)
    if K == 1:   # nothing to eliminate: the only class is chosen without spending samples
        return (np.zeros(trials, np.int64), np.ones(trials, bool), estimates, intervals, samples, eliminated, rounds)
    root = jax.random.PRNGKey(check_seed(seed))
    with jax.enable_x64(True):
        for r in range(1, max_rounds + 1):
            steps = initial_steps * 2 ** (r - 1)
            delta_r = delta / (K * r * (r + 1))
            running = ~done
            if not running.any():
                break
            rounds[running] = r
            for k in range(K):
                lanes = running & active[:, k]
                if not lanes.any():
                    continue
                # every trial's keys are fixed by (seed, round, class, trial), whichever trials are still running;
                # only the running ones are computed, padded to a power of two (or all trials) so few shapes compile
                key = jax.random.fold_in(jax.random.fold_in(root, r), k)
                keys = jax.random.split(key, trials * replicates).reshape(trials, replicates, -1)
                which = np.flatnonzero(lanes)
                size = 1 << int(math.ceil(math.log2(len(which))))
                padded = np.resize(which, size) if size < trials else np.arange(trials)
                _, out = _play_jit(games[k], jnp.asarray(steps), keys[padded].reshape(-1, keys.shape[-1]),
                                   jnp.asarray(steps))
                values = np.full((trials, replicates), np.nan)
                out = np.asarray(out, np.float64).reshape(len(padded), replicates)
                values[which] = out[:len(which)] if size < trials else out[which]
                mean = values.mean(1)
                if width == "t":
                    spread = values.std(1, ddof=1)
                    half = stats.t.ppf(1 - delta_r / 2, replicates - 1) * spread / math.sqrt(replicates)
                else:
                    c = constants[k]
                    rms = math.sqrt(8 * c.gradient_second_moment / (c.strong_monotonicity ** 2 * steps))
                    half = np.full(trials, c.loss_lipschitz * rms / (delta_r / 2)
                                   + math.sqrt(c.loss_variance / (replicates * steps * delta_r / 2)))
                if not np.isfinite(mean[lanes]).all() or not np.isfinite(half[lanes]).all():
                    raise InvalidGameError(f"{games[k].name}: class {classes[k].name!r} gave a non-finite value "
                                           f"estimate in round {r}; expected finite learner losses")
                estimates[lanes, k] = mean[lanes]
                intervals[lanes, k, 0] = (mean - half)[lanes]
                intervals[lanes, k, 1] = (mean + half)[lanes]
                samples[lanes, k] += 2 * steps * replicates
            # eliminate, trial by trial, among the running ones
            upper = np.where(active, intervals[:, :, 1], np.inf).min(1)
            drop = active & (intervals[:, :, 0] > upper[:, None]) & running[:, None]
            eliminated[drop] = r
            active &= ~drop
            done |= active.sum(1) == 1
    chosen = np.where(active, estimates, np.inf).argmin(1)
    return chosen, done, estimates, intervals, samples, eliminated, rounds


def _check_selection_args(delta, initial_steps, replicates, max_rounds, width):
    delta = check_in_range("delta", delta, 0.0, 1.0, low_open=True, high_open=True)
    initial_steps = check_positive_int("initial_steps", initial_steps)
    if initial_steps < 2:
        raise InvalidParameterError(f"initial_steps={initial_steps}: expected at least 2")
    replicates = check_positive_int("replicates", replicates)
    if replicates < 2:
        raise InvalidParameterError(f"replicates={replicates}: expected at least 2 (the t interval needs a spread)")
    max_rounds = check_positive_int("max_rounds", max_rounds)
    if width not in ("t", "bound"):
        raise InvalidParameterError(f"width={width!r}: expected 't' or 'bound'")
    return delta, initial_steps, replicates, max_rounds


def successive_elimination(game: StrategicGame, classes, *, delta: float = 0.05, initial_steps: int = 1000,
                           replicates: int = 10, max_rounds: int = 10, width: str = "t",
                           seed: int = 0) -> SelectionResult:
    """Algorithm 2 of [7]: pick, among the candidate ``classes`` (each a subset of the game's full class), the one
    with the lowest learner equilibrium loss, eliminating classes by confidence intervals at level ``delta`` (see the
    module docstring)."""
    game = _check_strategic(game)
    classes = _check_classes(game, classes)
    delta, initial_steps, replicates, max_rounds = _check_selection_args(delta, initial_steps, replicates,
                                                                         max_rounds, width)
    out = _selection_rounds(game, classes, delta, initial_steps, replicates, max_rounds, width, 1, seed)
    chosen, done, est, iv, samples, elim, rounds = (a[0] for a in out)
    return SelectionResult(chosen=int(chosen), chosen_class=classes[int(chosen)], identified=bool(done),
                           estimates=est, intervals=iv, samples=samples, eliminated_in=elim, rounds=int(rounds),
                           names=[c.name for c in classes])


def selection_trials(game: StrategicGame, classes, trials: int = 100, *, delta: float = 0.05,
                     initial_steps: int = 1000, replicates: int = 10, max_rounds: int = 10, width: str = "t",
                     seed: int = 0) -> list[SelectionResult]:
    """``trials`` independent runs of :func:`successive_elimination`, computed together (one vmapped call per class
    and round), for measuring the identification rate."""
    game = _check_strategic(game)
    classes = _check_classes(game, classes)
    trials = check_positive_int("trials", trials)
    delta, initial_steps, replicates, max_rounds = _check_selection_args(delta, initial_steps, replicates,
                                                                         max_rounds, width)
    chosen, done, est, iv, samples, elim, rounds = _selection_rounds(game, classes, delta, initial_steps,
                                                                     replicates, max_rounds, width, trials, seed)
    names = [c.name for c in classes]
    return [SelectionResult(chosen=int(chosen[i]), chosen_class=classes[int(chosen[i])], identified=bool(done[i]),
                            estimates=est[i], intervals=iv[i], samples=samples[i], eliminated_in=elim[i],
                            rounds=int(rounds[i]), names=names) for i in range(trials)]
