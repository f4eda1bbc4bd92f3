"""Every learner follows the protocol: pure init/step/policy, vmap-able, deterministic per key, policies on the
simplex (a hypothesis property over random games and seeds)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stratlearn as sl
from stratlearn.errors import InvalidGameError, InvalidParameterError
from stratlearn.learners import LEARNERS

ALL = [
    sl.learners.DoublySmoothedBestResponse(temperature=0.1, step_size=0.2),
    sl.learners.FictitiousPlay(),
    sl.learners.SmoothedFictitiousPlay(temperature=0.1),
    sl.learners.SmoothedFictitiousPlay(temperature=0.1, sampled=False, step_size=sl.schedules.harmonic(1.0, 2.0)),
    sl.learners.OptimisticMultiplicativeWeights(step_size=0.5),
    sl.learners.Extragradient(step_size=0.5),
    sl.learners.RegretMatchingPlus(),
    sl.learners.RegretMatchingPlus(average="last"),
]


def _run(learner, game, seed, steps):
    key = jax.random.PRNGKey(seed)
    state = learner.init(game, key)
    step = jax.jit(lambda s, k: learner.step(game, s, k))
    for i in range(steps):
        state = step(state, jax.random.fold_in(key, i))
    return learner.policy(game, state)


@pytest.mark.parametrize("learner", ALL, ids=lambda l: repr(l)[:60])
@settings(max_examples=8)
@given(n=st.integers(1, 6), m=st.integers(1, 6), seed=st.integers(0, 1000), zero_sum=st.booleans())
def test_policies_stay_on_the_simplex(learner, n, m, seed, zero_sum):
    maker = sl.games.catalog.random_zero_sum if zero_sum else sl.games.catalog.random_general_sum
    game = maker(n, m, seed=seed)
    for p in _run(learner, game, seed, 30):
        p = np.asarray(p)
        assert np.all(p >= -1e-7) and abs(p.sum() - 1) < 1e-5 and np.all(np.isfinite(p))


@pytest.mark.parametrize("learner", ALL, ids=lambda l: repr(l)[:60])
def test_vmap_over_seeds_matches_single_runs(learner):
    game = sl.games.catalog.random_zero_sum(4, 3, seed=0)
    batched = sl.simulate(learner, game, steps=20, seeds=[0, 5], record_every=10, progress=False)
    alone = sl.simulate(learner, game, steps=20, seeds=[5], record_every=10, progress=False)
    np.testing.assert_allclose(batched.metrics["nash_gap"][1], alone.metrics["nash_gap"][0], rtol=1e-5, atol=1e-6)


def test_registry_names_match_classes():
    for name, cls in LEARNERS.items():
        assert cls.name == name


@pytest.mark.parametrize("make, field", [
    (lambda: sl.learners.DoublySmoothedBestResponse(temperature=0.0), "temperature"),
    (lambda: sl.learners.DoublySmoothedBestResponse(temperature=-1), "temperature"),
    (lambda: sl.learners.DoublySmoothedBestResponse(policy_rate_ratio=1.0), "policy_rate_ratio"),
    (lambda: sl.learners.DoublySmoothedBestResponse(policy_rate_ratio=0.0), "policy_rate_ratio"),
    (lambda: sl.learners.DoublySmoothedBestResponse(step_size=1.5), "step_size"),
    (lambda: sl.learners.DoublySmoothedBestResponse(step_size=sl.schedules.harmonic(2.0, 1.0)), "step_size"),
    (lambda: sl.learners.DoublySmoothedBestResponse(step_size=-0.1), "step_size"),
    (lambda: sl.learners.SmoothedFictitiousPlay(temperature=float("nan")), "temperature"),
    (lambda: sl.learners.SmoothedFictitiousPlay(step_size=2.0), "step_size"),
    (lambda: sl.learners.OptimisticMultiplicativeWeights(step_size=0.0), "step_size"),
    (lambda: sl.learners.Extragradient(step_size="big"), "step_size"),
    (lambda: sl.learners.RegretMatchingPlus(average="median"), "average"),
])
def test_bad_hyperparameters_name_the_field(make, field):
    with pytest.raises(InvalidParameterError, match=field):
        make()


def test_learner_rejects_a_non_matrix_game():
    with pytest.raises(InvalidGameError, match="MatrixGame"):
        sl.simulate(sl.learners.FictitiousPlay(), np.eye(2), steps=1, progress=False)


def test_every_registered_learner_has_one_base_and_the_whole_protocol():
    """One base class (LearnerBase) for every learner of the registry; it declares the game classes it plays and
    refuses any other game with one message; a Markov learner is not a matrix learner; and the Learner protocol
    holds every member simulate calls."""
    from stratlearn.games import catalog
    from stratlearn.learners import LearnerBase, Learner, MarkovLearner, MatrixLearner

    for name, cls in LEARNERS.items():
        assert issubclass(cls, LearnerBase) and cls.plays, name
    assert not issubclass(MarkovLearner, MatrixLearner)
    matrix = catalog.make("matching_pennies")
    markov = catalog.make("matching_pennies_markov", discount=0.9)
    dsbr_vi = sl.learners.make("dsbr_vi")
    assert isinstance(dsbr_vi, Learner)
    with pytest.raises(InvalidGameError, match="DSBRValueIteration plays a MarkovGame, got MatrixGame"):
        dsbr_vi.check_game(matrix)
    with pytest.raises(InvalidGameError, match="plays a MatrixGame, got MarkovGame"):
        sl.learners.make("dsbr").check_game(markov)


def test_simulate_names_every_missing_protocol_member():
    class Bare:            # init/step/policy only: no check_game, params or name
        def init(self, game, key): ...

        def step(self, game, state, key): ...

        def policy(self, game, state): ...

    game = sl.games.catalog.make("matching_pennies")
    with pytest.raises(InvalidParameterError, match="missing check_game, params, name.*LearnerBase"):
        sl.simulate(Bare(), game, steps=10)
