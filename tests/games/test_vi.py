"""Variational inequalities: domains (projections, linear minimization oracles), constructors, the gap function,
the sampled monotonicity check and bad input."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog, minimize

import stratlearn as sl
from stratlearn.errors import InvalidGameError, InvalidParameterError
from stratlearn.games.vi import (Ball, Box, Domain, MonotonicityWarning, Simplex, VariationalInequality, affine_vi,
                                 check_monotone, from_markov_stage, from_matrix_game, quadratic_game, vi_gap)

DOMAIN = Domain((Simplex(3), Box((-1.0, 0.0), (1.0, 2.0)), Ball((0.5, -0.5, 0.0), 2.0)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=8, max_size=8))
def test_projection_is_the_closest_point_and_idempotent(values):
    v = np.asarray(values)
    p = np.asarray(DOMAIN.project(jnp.asarray(v)))
    # independent check: scipy's constrained minimizer of ||z - v||² over the same product set
    x0 = DOMAIN.center()
    cons = [{"type": "eq", "fun": lambda z: z[:3].sum() - 1},
            {"type": "ineq", "fun": lambda z: 4.0 - np.sum((z[5:] - np.array([0.5, -0.5, 0.0])) ** 2)}]
    bounds = [(0, None)] * 3 + [(-1, 1), (0, 2)] + [(None, None)] * 3
    ref = minimize(lambda z: np.sum((z - v) ** 2), x0, bounds=bounds, constraints=cons, method="SLSQP",
                   options={"ftol": 1e-12, "maxiter": 500}).x
    np.testing.assert_allclose(p, ref, atol=1e-4)
    np.testing.assert_allclose(np.asarray(DOMAIN.project(jnp.asarray(p))), p, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=8, max_size=8))
def test_lmo_minimizes_the_linear_function(values):
    """In float64, so the tolerances below measure the oracle, not float32 rounding (in float32 the ball's value,
    of magnitude up to 17, carries a rounding error of about 1e-6: hypothesis found −14.2978391 against
    −14.2978380)."""
    g = np.asarray(values)
    with jax.enable_x64(True):
        best = np.asarray(DOMAIN.lmo(jnp.asarray(g, dtype=jnp.float64)))
    rng = np.random.default_rng(0)
    others = np.stack([DOMAIN.sample(rng) for _ in range(500)])
    assert g @ best <= (others @ g).min() + 1e-6
    # exact reference for the simplex and box blocks by LP (HiGHS)
    lp = linprog(g[:5], A_eq=[[1, 1, 1, 0, 0]], b_eq=[1], bounds=[(0, None)] * 3 + [(-1, 1), (0, 2)],
                 method="highs")
    assert g[:5] @ best[:5] == pytest.approx(lp.fun, abs=1e-9)
    assert g[5:] @ best[5:] == pytest.approx(g[5:] @ np.array([0.5, -0.5, 0.0]) - 2.0 * np.linalg.norm(g[5:]),
                                             abs=1e-6)


def test_matrix_game_gap_is_the_nash_gap():
    for seed in range(5):
        game = sl.games.catalog.make("random_zero_sum", rows=4, cols=3, seed=seed)
        vi = from_matrix_game(game)
        rng = np.random.default_rng(seed)
        x, y = rng.dirichlet(np.ones(4)), rng.dirichlet(np.ones(3))
        z = jnp.concatenate([jnp.asarray(x), jnp.asarray(y)])
        # the VI is evaluated in JAX's float32 (payoffs of order 1: rounding near 1e-7), the reference in float64
        assert float(vi_gap(vi, z)) == pytest.approx(float(sl.equilibria.nash_gap(game, (x, y))), abs=1e-6)
        sol = sl.equilibria.solve_zero_sum(np.asarray(game.row_payoffs))
        assert float(vi_gap(vi, jnp.concatenate([jnp.asarray(sol.row), jnp.asarray(sol.col)]))) < 1e-6
        assert check_monotone(vi)


def test_markov_stage_game_is_the_matrix_game_of_q_values():
    game = sl.games.catalog.random_zero_sum_markov(4, 2, col_actions=3, discount=0.9, seed=1)
    values = sl.equilibria.shapley_value_iteration(game).values
    vi = from_markov_stage(game, values, 2)
    q = np.asarray(game.stage_payoffs(values)[0])[2]
    np.testing.assert_allclose(np.asarray(vi.params[0])[:2, 2:], -q)
    # at the Shapley policy of that state the stage VI is solved
    sol = sl.equilibria.shapley_value_iteration(game)
    z = jnp.concatenate([jnp.asarray(sol.row[2]), jnp.asarray(sol.col[2])])
    assert float(vi_gap(vi, z)) < 1e-5  # float32 evaluation of Q-values of order 1/(1 − γ) = 10


def test_constructed_operators_are_monotone_and_a_rotation_is_not_strongly():
    for vi in (quadratic_game(3, 2, strength=0.3, seed=4), affine_vi(8, rank=2, seed=5)):
        assert check_monotone(vi, samples=512)
    strong = quadratic_game(2, 3, strength=0.5, seed=1)
    M = np.asarray(strong.params[0])
    assert np.linalg.eigvalsh((M + M.T) / 2).min() >= 0.5 - 1e-12
    sym = np.asarray(affine_vi(8, rank=2, seed=5).params[0])
    assert np.linalg.eigvalsh((sym + sym.T) / 2).min() == pytest.approx(0.0, abs=1e-12)  # rank 2: not strongly


def test_a_non_monotone_operator_warns_naming_the_pair():
    vi = VariationalInequality(lambda p, z: -z, None, Domain((Box((-1.0, -1.0), (1.0, 1.0)),)), name="anti")
    with pytest.warns(MonotonicityWarning, match=r"anti: operator is not monotone: at z=\[.*\], z'=\[.*\]"):
        assert not check_monotone(vi)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_monotone(VariationalInequality(lambda p, z: z, None, vi.domain))


def test_vi_is_a_pytree_and_vmaps():
    vi = quadratic_game(2, 2, seed=0)
    zs = jnp.stack([jnp.asarray(vi.domain.sample(np.random.default_rng(i))) for i in range(6)])
    gaps = jax.jit(jax.vmap(lambda z: vi_gap(vi, z)))(zs)
    assert gaps.shape == (6,) and bool((gaps >= -1e-6).all())


def test_bad_inputs():
    box = Domain((Box((0.0,), (1.0,)),))
    with pytest.raises(InvalidGameError, match=r"operator: F\(z\) must have the shape of z, \(1,\)"):
        VariationalInequality(lambda p, z: jnp.zeros(3), None, box)
    with pytest.raises(InvalidGameError, match="operator: evaluating F"):
        VariationalInequality(lambda p, z: p @ z, jnp.ones((2, 2)), box)
    with pytest.raises(InvalidGameError, match="operator: expected a function"):
        VariationalInequality("F", None, box)
    with pytest.raises(InvalidGameError, match="domain: expected a Domain"):
        VariationalInequality(lambda p, z: z, None, Box((0.0,), (1.0,)))
    with pytest.raises(InvalidParameterError, match="monotone='yes'"):
        VariationalInequality(lambda p, z: z, None, box, monotone="yes")
    with pytest.raises(InvalidGameError, match=r"blocks\[0\]: expected finite bounds with low <= high"):
        Domain((Box((1.0,), (0.0,)),))
    with pytest.raises(InvalidParameterError, match=r"blocks\[1\].radius"):
        Domain((Simplex(2), Ball((0.0,), -1.0)))
    with pytest.raises(InvalidGameError, match=r"blocks\[0\]: expected a Simplex, Box or Ball"):
        Domain(("simplex",))
    with pytest.raises(InvalidGameError, match="blocks: expected a non-empty tuple"):
        Domain(())
    game = sl.games.catalog.random_zero_sum_markov(3, 2, seed=0)
    with pytest.raises(InvalidGameError, match=r"values: expected shape \(3,\)"):
        from_markov_stage(game, np.zeros(4), 0)
    with pytest.raises(InvalidParameterError, match="state=3"):
        from_markov_stage(game, np.zeros(3), 3)
    with pytest.raises(InvalidGameError, match="game: expected a MatrixGame"):
        from_matrix_game(game)
    with pytest.raises(InvalidParameterError, match="strength"):
        quadratic_game(strength=0.0)


def test_catalog_builds_vis_by_name():
    from stratlearn.errors import ConfigError
    from stratlearn.games.catalog import make

    vi = make("matrix_game_vi", game="random_zero_sum", options={"rows": 5, "cols": 3, "seed": 1})
    assert vi.size == 8 and vi.monotone == "monotone"
    game = make("random_zero_sum", rows=5, cols=3, seed=1)
    z = np.concatenate([np.full(5, 0.2), np.full(3, 1 / 3)])
    np.testing.assert_allclose(float(vi_gap(vi, z)), float(sl.equilibria.nash_gap(game, (z[:5], z[5:]))), atol=1e-6)
    assert make("quadratic_game", players=3, dim=2).size == 6
    assert make("affine_vi", dim=4).size == 4
    with pytest.raises(ConfigError, match="'soccer' is a MarkovGame"):
        make("matrix_game_vi", game="soccer")
    with pytest.raises(ConfigError, match="options must be a table"):
        make("matrix_game_vi", options=[1, 2])
