"""Two-timescale Q-learning of [3] with linear features: one-hot features give the tabular algorithm (checked
against a direct dense implementation), policies stay on the simplex, the slow iterate stays bounded, feature maps
have the documented shapes, and bad input is refused with named errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stratlearn as sl
from stratlearn.errors import ConfigError, InvalidGameError, InvalidParameterError
from stratlearn.learners import ArrayFeatures, GridFeatures, OneHotFeatures, RandomFeatures, TwoTimescaleQ
from stratlearn.learners import make as make_learner
from stratlearn.schedules import constant, harmonic


def _softmax(q, tau):
    z = np.exp((q - q.max()) / tau)
    return z / z.sum()


def _tabular_reference(game, learner, steps, key):
    """The tabular two-timescale Q-learning written directly: dense (S, A) fast and slow tables, the slow one updated
    everywhere at every step. The same uniforms as the learner drive the actions and transitions."""
    S, A, B = game.shape
    q = [np.zeros((S, A)), np.zeros((S, B))]
    theta = [np.zeros((S, A)), np.zeros((S, B))]
    s = int(game.sample_initial(key))
    tau, gamma = learner.temperature, float(game.discount)
    for k in range(steps):
        u = np.asarray(jax.random.uniform(jax.random.fold_in(key, k), (3,), dtype=jnp.float64))
        pis = [_softmax(theta[i][s], tau) for i in range(2)]
        acts = [min(int(np.sum(np.cumsum(p) <= x)), len(p) - 1) for p, x in zip(pis, u[:2])]
        nxt, r1, r2 = (np.asarray(v) for v in game.transition_at(jnp.float64(u[2]), s, *acts))
        nxt = int(nxt)
        alpha, beta = float(learner.fast_step(k)), float(learner.slow_step(k))
        for i, r in enumerate((float(r1), float(r2))):
            v_next = _softmax(theta[i][nxt], tau) @ q[i][nxt]
            target = r + gamma * v_next
            q_new = q[i].copy()
            q_new[s, acts[i]] += alpha * (target - q[i][s, acts[i]])
            q[i] = q_new
            theta[i] = (1 - beta) * theta[i] + beta * q[i]
        s = nxt
    return q, theta, s


@pytest.mark.parametrize("seed", [0, 1])
def test_one_hot_features_reduce_to_the_tabular_algorithm(seed):
    """In float64 the learner (lazy slow updates over sparse coordinates) and the dense tabular form agree to 1e-10
    after 400 steps on a 4-state game with 3 and 2 actions."""
    with jax.enable_x64(True):
        game = sl.games.catalog.make("random_zero_sum_markov", states=4, actions=3, col_actions=2, seed=seed)
        learner = TwoTimescaleQ(temperature=0.3, fast_step=harmonic(1.0, h=2.0, power=0.5),
                                slow_step=harmonic(0.5, h=2.0, power=0.9))
        key = jax.random.PRNGKey(seed)
        state = learner.init(game, key)
        step = jax.jit(lambda st_, k: learner.step(game, st_, k))
        for k in range(400):
            state = step(state, jax.random.fold_in(key, k))
        q, theta, s = _tabular_reference(game, learner, 400, key)
        assert int(state.state) == s
        fast = learner.q_estimates(game, state, "fast")
        slow = learner.q_estimates(game, state, "slow")
        for i in range(2):
            np.testing.assert_allclose(np.asarray(fast[i]), q[i], atol=1e-10, rtol=0)
            np.testing.assert_allclose(np.asarray(slow[i]), theta[i], atol=1e-10, rtol=0)
        assert np.abs(theta[0]).max() > 0.05  # the comparison is not between two tables of zeros


def _run(learner, game, steps, seed=0):
    key = jax.random.PRNGKey(seed)
    state = learner.init(game, key)
    step = jax.jit(lambda st_, k: learner.step(game, st_, k))
    for k in range(steps):
        state = step(state, jax.random.fold_in(key, k))
    return state


def test_dense_features_take_the_slice_path_and_agree_with_the_sparse_one():
    """One-hot features given as a dense array (every coordinate 'active', read and written as a slice) produce the
    same iterates as the sparse one-hot map."""
    game = sl.games.catalog.make("random_zero_sum_markov", states=3, actions=2, seed=4)
    onehot = OneHotFeatures()
    dense = [ArrayFeatures(onehot.dense(game, p)) for p in (0, 1)]
    a = TwoTimescaleQ(temperature=0.5)
    b = TwoTimescaleQ(temperature=0.5, features=dense[0], col_features=dense[1])
    sa, sb = _run(a, game, 300), _run(b, game, 300)
    for pa, pb in zip(a.policy(game, sa), b.policy(game, sb)):
        np.testing.assert_allclose(np.asarray(pa), np.asarray(pb), atol=1e-5)
    assert int(sa.state) == int(sb.state)


@given(st.integers(0, 10_000), st.sampled_from([0.5, 0.9]))
@settings(max_examples=10, deadline=None)
def test_policies_stay_on_the_simplex_and_the_slow_iterate_is_bounded(seed, gamma):
    """With one-hot features and α_k ≤ 1 every fast value is a convex combination of its old value and a target
    bounded by max|r| + γ·max|q|, so |q| ≤ max|r|/(1 − γ); the slow iterate, a convex combination of fast iterates,
    inherits the bound (max|r| ≤ 1 in the catalog)."""
    game = sl.games.catalog.make("random_zero_sum_markov", states=4, actions=3, discount=gamma, seed=seed)
    learner = TwoTimescaleQ(fast_step=harmonic(1.0, h=1.0, power=0.5), slow_step=harmonic(0.5, h=1.0, power=0.8))
    state = sl.simulate(learner, game, steps=2000, seeds=2, metrics=["nash_gap"], progress=False).final_state
    for i in range(2):
        st_i = jax.tree_util.tree_map(lambda x: x[i], state)
        for pol in learner.policy(game, st_i):
            pol = np.asarray(pol)
            assert pol.min() >= 0 and np.allclose(pol.sum(-1), 1, atol=1e-5)
        bound = 1.0 / (1 - gamma) + 1e-4
        for which in ("fast", "slow"):
            for q in learner.q_estimates(game, st_i, which):
                assert np.abs(np.asarray(q)).max() <= bound


def test_feature_maps_have_the_documented_shapes():
    game = sl.games.catalog.make("pursuit_evasion", size=3)
    S = game.num_states
    grid1 = GridFeatures(width=1)
    phi = grid1.dense(game, 0)
    assert phi.shape == (S, 5, S * 5)
    # width 1, one tiling: every (s, a) its own coordinate — one-hot up to a relabelling
    assert (phi.sum(axis=-1) == 1).all() and (phi.reshape(-1, S * 5).sum(axis=0) == 1).all()
    coarse = GridFeatures(width=2, tilings=2, relative=True)
    phi = coarse.dense(game, 1)
    assert phi.shape[-1] == coarse.dim(game, 1) == 2 * 2 ** 4 * 5 + 5 ** 2 * 5
    np.testing.assert_allclose(np.linalg.norm(phi, axis=-1), 1.0)
    rnd = RandomFeatures(features=8, seed=3).dense(game, 0)
    assert rnd.shape == (S, 5, 8) and abs(np.mean(np.sum(rnd ** 2, -1)) - 1) < 0.1
    np.testing.assert_array_equal(rnd, RandomFeatures(features=8, seed=3).dense(game, 0))


def test_config_tables_build_features():
    learner = make_learner("two_timescale_q", features={"kind": "grid", "width": 3, "relative": True},
                           col_features="one_hot")
    assert learner.features == GridFeatures(width=3, relative=True) and learner.col_features == OneHotFeatures()
    assert learner.params()["features"] == {"kind": "grid", "width": 3, "tilings": 1, "relative": True}
    with pytest.raises(ConfigError, match="features.kind='fourier'"):
        TwoTimescaleQ(features={"kind": "fourier"})
    with pytest.raises(ConfigError, match="unknown parameter.*radius"):
        TwoTimescaleQ(features={"kind": "grid", "radius": 2})


def test_bad_inputs():
    game = sl.games.catalog.make("random_zero_sum_markov", states=4, actions=2, seed=0)
    # features whose shape does not match the game
    learner = TwoTimescaleQ(features=ArrayFeatures(np.ones((5, 2, 3))))
    with pytest.raises(InvalidGameError, match=r"features: expected shape \(4, 2, d\) for the row player.*\(5, 2, 3\)"):
        sl.simulate(learner, game, steps=10, progress=False)
    with pytest.raises(InvalidGameError, match="GridFeatures needs a pursuit-evasion game"):
        sl.simulate(TwoTimescaleQ(features="grid"), game, steps=10, progress=False)
    with pytest.raises(InvalidParameterError, match="shape \\(states, actions, d\\)"):
        ArrayFeatures(np.ones((4, 2)))
    with pytest.raises(InvalidParameterError, match="non-finite"):
        ArrayFeatures(np.full((4, 2, 1), np.nan))
    # step sizes that violate the timescale condition β_k/α_k → 0
    with pytest.raises(InvalidParameterError, match="timescales must separate"):
        TwoTimescaleQ(fast_step=constant(0.1), slow_step=constant(0.01))
    with pytest.raises(InvalidParameterError, match="power 0.5 is not above the fast step's 0.5"):
        TwoTimescaleQ(fast_step=harmonic(1.0, power=0.5), slow_step=harmonic(0.1, power=0.5))
    with pytest.raises(InvalidParameterError, match="slow_step"):
        TwoTimescaleQ(slow_step=harmonic(2.0, h=1.0, power=0.9))  # β_0 = 2 is no convex combination
    with pytest.raises(InvalidParameterError, match="temperature"):
        TwoTimescaleQ(temperature=0.0)
    with pytest.raises(InvalidGameError, match="plays a MarkovGame"):
        TwoTimescaleQ().check_game(sl.games.catalog.make("rock_paper_scissors"))
