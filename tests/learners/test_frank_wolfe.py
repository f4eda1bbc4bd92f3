"""Generalized Frank-Wolfe ([2]) and the first-order VI baselines: the identity with smoothed fictitious play, gap
decay on seeded instances, iterates staying in the domain, and bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stratlearn as sl
from stratlearn.errors import InvalidGameError, InvalidParameterError
from stratlearn.games.vi import Ball, Box, Domain, Simplex, VariationalInequality, from_matrix_game, quadratic_game, vi_gap
from stratlearn.learners import (GeneralizedFrankWolfe, OptimisticGradient, ProjectedGradient,
                                 SmoothedFictitiousPlay, VIExtragradient)
from stratlearn.schedules import harmonic


def _run(learner, vi, steps, key=0, state=None):
    st_ = learner.init(vi, jax.random.PRNGKey(key)) if state is None else state
    step = jax.jit(lambda s, k: learner.step(vi, s, k))
    for i in range(steps):
        st_ = step(st_, jax.random.PRNGKey(i))
    return st_


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_entropic_frank_wolfe_is_smoothed_fictitious_play(seed):
    """[2]'s connection: on a matrix game, GFW with the entropy and a constant τ produces the iterates of
    (deterministic) smoothed fictitious play with the same steps. Compared in float64, to 1e-10."""
    with jax.enable_x64(True):
        game = sl.games.catalog.make("random_general_sum", rows=4, cols=3, seed=seed)
        vi = from_matrix_game(game)
        sfp = SmoothedFictitiousPlay(temperature=0.2, step_size=harmonic(1.0, h=2.0), sampled=False)
        gfw = GeneralizedFrankWolfe(step_size=harmonic(1.0, h=2.0), regularization=0.2)
        s_state = sfp.init(game, jax.random.PRNGKey(seed))
        x0, y0 = sfp.policy(game, s_state)
        g_state = gfw.init(vi, None)._replace(z=jnp.concatenate([x0, y0]))
        for k in range(200):
            s_state = sfp.step(game, s_state, jax.random.PRNGKey(k))
            g_state = gfw.step(vi, g_state, jax.random.PRNGKey(k))
            x, y = sfp.policy(game, s_state)
            np.testing.assert_allclose(np.asarray(g_state.z), np.concatenate([x, y]), atol=1e-10, rtol=0)
        assert g_state.z.dtype == jnp.float64


def test_deterministic_gap_decays_with_a_fitted_slope():
    """Seeded 10x10 zero-sum game, τ_k = k^{-1/2}, β_k = 1/(k+1): the gap at 10^2, 10^3, 10^4 iterations measured
    0.207, 0.055, 0.013 (slope about −0.6 per decade). The bar, a fitted slope below −0.4 and a final gap below
    0.03, fails for a method that stalls at a positive level (fixed τ = 0.1 ends at the QRE's gap, 0.09)."""
    game = sl.games.catalog.make("random_zero_sum", rows=10, seed=0)
    vi = from_matrix_game(game)
    learner = GeneralizedFrankWolfe(regularization=harmonic(1.0, power=0.5))
    trace = sl.simulate(learner, vi, steps=10_000, seeds=1, record_every=100, metrics=["vi_gap"], progress=False)
    frame = trace.to_frame()
    steps, gaps = frame["step"].to_numpy(), frame["value"].to_numpy()
    slope = np.polyfit(np.log(steps[steps >= 100]), np.log(gaps[steps >= 100]), 1)[0]
    assert slope < -0.4
    assert gaps[-1] < 0.03
    fixed = sl.simulate(GeneralizedFrankWolfe(regularization=0.1), vi, steps=10_000, seeds=1, record_every=10_000,
                        metrics=["vi_gap"], progress=False).to_frame()["value"].to_numpy()[-1]
    assert fixed > 0.05


@pytest.mark.parametrize("learner", [
    GeneralizedFrankWolfe(regularization=harmonic(1.0, power=0.5)),
    GeneralizedFrankWolfe(regularization=0),
    VIExtragradient(step_size=0.1),
    OptimisticGradient(step_size=0.1),
    ProjectedGradient(step_size=0.05),
])
def test_methods_solve_a_strongly_monotone_game(learner):
    # measured after 3,000 steps: GFW 0.012 (τ_k = k^{-1/2}) and 0.003 (τ = 0); the gradient methods below 1e-4
    vi = quadratic_game(2, 3, strength=0.5, seed=0)
    trace = sl.simulate(learner, vi, steps=3000, seeds=1, record_every=3000, metrics=["vi_gap"], progress=False)
    assert trace.to_frame()["value"].to_numpy()[-1] < 0.05


def test_stochastic_frank_wolfe_needs_the_averaged_oracle():
    """With σ = 0.5 and no averaging the mean gap (8 seeds) is flat near 0.70 from 3·10^3 to 3·10^4 steps (the
    noise smooths the response: a biased fixed point); with the averaged estimate it keeps falling (measured 2.26 to
    0.92, a ratio of 0.41). Bars: averaged ratio below 0.6, unaveraged above 0.9 — the standard error of an 8-seed
    mean is under 2% of these levels here."""
    vi = quadratic_game(2, 3, strength=0.5, seed=0)

    def ratio(learner):
        frame = sl.simulate(learner, vi, steps=30_000, seeds=8, record_every=3000, metrics=["vi_gap"],
                            progress=False).to_frame()
        means = frame.groupby("step")["value"].mean()
        return means.loc[30_000] / means.loc[3000]

    assert ratio(GeneralizedFrankWolfe(regularization=0, noise=0.5)) < 0.6
    assert ratio(GeneralizedFrankWolfe(regularization=0, noise=0.5, averaging=1.0)) > 0.9


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(0.0, 2.0))
def test_iterates_stay_in_the_domain(seed, noise):
    vi = VariationalInequality(lambda p, z: p @ z, np.random.default_rng(seed).normal(size=(7, 7)),
                               Domain((Simplex(3), Box((-1.0, 0.0), (1.0, 0.5)), Ball((0.0, 0.0), 1.5))))
    for learner in (GeneralizedFrankWolfe(noise=noise), GeneralizedFrankWolfe(regularization=0, noise=noise),
                    GeneralizedFrankWolfe(regularizer="euclidean", noise=noise), ProjectedGradient(noise=noise),
                    VIExtragradient(noise=noise), OptimisticGradient(noise=noise)):
        z = np.asarray(learner.policy(vi, _run(learner, vi, 30, key=seed)))
        assert z[:3].min() >= -1e-6 and abs(z[:3].sum() - 1) < 1e-5
        assert -1 - 1e-6 <= z[3] <= 1 + 1e-6 and -1e-6 <= z[4] <= 0.5 + 1e-6
        assert np.linalg.norm(z[5:]) <= 1.5 + 1e-5


def test_bad_inputs():
    with pytest.raises(InvalidParameterError, match="regularizer='kl'"):
        GeneralizedFrankWolfe(regularizer="kl")
    with pytest.raises(InvalidParameterError, match="noise"):
        GeneralizedFrankWolfe(noise=-1.0)
    with pytest.raises(InvalidParameterError, match="step_size"):
        GeneralizedFrankWolfe(step_size=1.5)
    with pytest.raises(InvalidGameError, match="plays a VariationalInequality"):
        GeneralizedFrankWolfe().check_game(sl.games.catalog.make("rock_paper_scissors"))
    with pytest.raises(InvalidParameterError, match="start='corner'"):
        VIExtragradient(start="corner")


@given(st.integers(0, 2**31 - 1))
@settings(max_examples=25, deadline=None)
def test_random_starts_lie_in_the_domain_and_differ_by_seed(seed):
    domain = Domain((Simplex(4), Box((-1.0, 0.0), (1.0, 0.5)), Ball((1.0, -1.0, 0.0), 0.5)))
    vi = VariationalInequality(lambda p, z: z * 0.0, (), domain)
    learner = GeneralizedFrankWolfe(start="random")
    z1 = np.asarray(learner.init(vi, jax.random.PRNGKey(seed)).z)
    z2 = np.asarray(learner.init(vi, jax.random.PRNGKey(seed + 1)).z)
    assert z1[:4].min() >= 0 and abs(z1[:4].sum() - 1) < 1e-5
    assert -1 <= z1[4] <= 1 and 0 <= z1[5] <= 0.5
    assert np.linalg.norm(z1[6:] - np.array([1.0, -1.0, 0.0])) <= 0.5 + 1e-6
    assert not np.allclose(z1, z2)


def test_a_non_monotone_operator_warns_when_a_run_starts():
    """Every method here needs a monotone operator: a VI whose constructor cannot guarantee it is checked on sampled
    pairs before the run, and a violation is reported naming the pair. F(z) = −z (the gradient field of a concave
    function) violates monotonicity at every pair."""
    vi = VariationalInequality(lambda p, z: -z, (), Domain((Box((-1.0, -1.0), (1.0, 1.0)),)))
    with pytest.warns(sl.games.vi.MonotonicityWarning, match=r"not monotone: at z=\[.*\], z'=\[.*\]"):
        sl.simulate(GeneralizedFrankWolfe(), vi, steps=10, metrics=["vi_gap"], progress=False)


def test_float64_runs_resolve_gaps_below_float32():
    """On the affine VI, float32 GFW stalls near 7e-5 (the step β_k(ẑ − z) rounds away); float64 keeps falling."""
    vi = sl.games.catalog.make("affine_vi")
    learner = GeneralizedFrankWolfe(regularization=harmonic(1.0, power=0.5), regularizer="euclidean")
    gaps = {p: sl.simulate(learner, vi, steps=30_000, record_every=30_000, metrics=["vi_gap"], progress=False,
                           precision=p).metrics["vi_gap"][0, -1] for p in ("float32", "float64")}
    assert gaps["float64"] < 3e-5 < gaps["float32"]
    with pytest.raises(InvalidParameterError, match="precision='float16'"):
        sl.simulate(learner, vi, steps=10, metrics=["vi_gap"], progress=False, precision="float16")


def test_euclidean_response_on_a_ball_is_the_oracle_once_tau_is_small():
    """The property the ``frank-wolfe`` study's affine VI rests on: on a ball centred at 0, the Euclidean-regularized
    response ``Π(−g/τ)`` is the linear minimization oracle's ``−r g/‖g‖`` whenever ``τ < ‖g‖/r`` (no bias), and an
    interior point ``−g/τ`` when ``τ > ‖g‖/r`` (a constant large ``τ`` has a bias). Exact up to float64 rounding."""
    with jax.enable_x64(True):
        domain = Domain((Ball((0.0, 0.0, 0.0), 0.5),))
        vi = VariationalInequality(lambda p, z: z, None, domain, monotone="monotone")
        g = jnp.asarray([1.2, -0.4, 0.3])                          # ‖g‖ = 1.3, so ‖g‖/r = 2.6
        learner = GeneralizedFrankWolfe(regularizer="euclidean")
        np.testing.assert_allclose(learner._response(vi, g, 2.0), domain.lmo(g), atol=1e-12)
        np.testing.assert_allclose(learner._response(vi, g, 4.0), -g / 4.0, atol=1e-12)
        assert float(jnp.linalg.norm(learner._response(vi, g, 4.0))) < 0.5
