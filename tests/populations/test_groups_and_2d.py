"""Subpopulations with different costs of change, and the population PDE on a 2-D grid."""

import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from stratlearn.errors import InvalidParameterError
from stratlearn.populations import (DistributionShift, Grid1D, Grid2D, best_response_rho, energy, gibbs_density,
                                    group_losses, interaction, solve, wasserstein2)


def quadratic(zi, x):
    return 0.5 * (zi - x[0]) ** 2


def quadratic2(zi, x):
    return 0.5 * jnp.sum((zi - x) ** 2)


# ------------------------------------------------------------------------------------------------ groups
def test_two_groups_reach_the_closed_form_steady_state():
    """W = 0, natural N(1.5, 1) for both groups, f = ½(z − x)²: at a fixed x group k's steady state is Gaussian
    with mean m_k = (1.5 α_k + x)/(α_k + 1) and variance α_k/(α_k + 1); the learner's rest point solves
    (1 + β) x = Σ_k w_k m_k(x), a linear equation. The scheme's steady state has ξ_k constant, i.e. exactly these
    Gibbs weights at the cell centres, and midpoint sums of Gaussians on [-5, 5] are exact far below 1e-10; what is
    left is the approach in time (measured 1.2e-7 at t = 40), so 1e-5 is a bar that still catches any error in
    the group coupling (a wrong weight or α moves x by more than 1e-2)."""
    grid = Grid1D(-5.0, 5.0, 200)
    z = grid.centers
    natural = np.exp(-(z - 1.5) ** 2 / 2)
    alpha, w, beta = np.array([0.1, 1.0]), np.array([0.3, 0.7]), 0.5
    problem = DistributionShift(grid, quadratic, np.stack([natural, natural]), x0=[0.0], natural=natural,
                                alpha=alpha, weights=w, beta=beta, rate=1.0)
    trace = solve(problem, 40.0, records=4)
    c = alpha / (alpha + 1)
    x_star = np.sum(w * 1.5 * c) / (1 + beta - np.sum(w / (alpha + 1)))
    mean = (1.5 * alpha + x_star) / (alpha + 1)
    loss = 0.5 * ((mean - x_star) ** 2 + c)
    assert trace.final_state["x"][-1, 0] == pytest.approx(x_star, abs=1e-5)
    got = [trace.metrics[f"group_loss_{k}"][0, -1] for k in range(2)]
    np.testing.assert_allclose(got, loss, atol=1e-5)
    assert got[1] > 2 * got[0]          # the group that changes at a higher cost keeps the higher loss
    # each group keeps its own mass; the population's density is the weighted sum of the groups
    groups = trace.final_state["groups"]
    np.testing.assert_allclose(groups.sum(axis=2) * grid.width, 1.0, rtol=1e-12)
    np.testing.assert_allclose(trace.final_state["densities"], np.tensordot(groups, w, axes=([1], [0])), atol=1e-15)


def test_groups_energy_decays_with_a_kernel():
    grid = Grid1D(-4.0, 4.0, 120)
    z = grid.centers
    problem = DistributionShift(grid, quadratic, np.stack([np.exp(-(z + 1) ** 2), np.exp(-(z - 2) ** 2 / 0.3)]),
                                x0=[0.5], natural=np.stack([np.exp(-z ** 2 / 2), np.exp(-(z - 1) ** 2)]),
                                kernel=lambda d: -0.4 * np.exp(-d ** 2), alpha=[0.05, 0.5], weights=[0.5, 0.5],
                                beta=0.3, rate=2.0)
    trace = solve(problem, 10.0, records=50)
    potential = trace.metrics["potential"][0]
    assert np.all(np.diff(potential) <= 1e-12 * np.abs(potential[:-1]))
    assert potential[-1] < potential[0] - 0.1
    assert trace.metrics["min_density"].min() >= 0


def test_group_best_response_is_the_per_group_gibbs_density():
    grid = Grid1D(-3.0, 3.0, 80)
    z = grid.centers
    natural = np.stack([np.exp(-z ** 2), np.exp(-(z - 1) ** 2)])
    problem = DistributionShift(grid, quadratic, natural, x0=[0.3], natural=natural, alpha=[0.2, 0.7])
    with jax.enable_x64(True):
        rho = np.asarray(best_response_rho(problem, jnp.asarray([0.3]), jnp.asarray(problem.initial)))
        losses = np.asarray(group_losses(problem, jnp.asarray(rho), jnp.asarray([0.3])))
    for k, a in enumerate((0.2, 0.7)):
        expected = gibbs_density(grid, 0.5 * (z - 0.3) ** 2, problem.natural[k], a)
        np.testing.assert_allclose(rho[k], expected, rtol=1e-12)
        assert losses[k] == pytest.approx(np.sum(0.5 * (z - 0.3) ** 2 * expected) * grid.width, rel=1e-12)


def test_group_bad_input():
    grid = Grid1D(-1.0, 1.0, 10)
    two = np.ones((2, 10))
    with pytest.raises(InvalidParameterError, match=r"alpha=\[0.1, 0.2, 0.3\]: expected a number >= 0 or one per "
                                                    r"group \(2\)"):
        DistributionShift(grid, quadratic, two, x0=[0.0], alpha=[0.1, 0.2, 0.3])
    with pytest.raises(InvalidParameterError, match=r"alpha\[1\]=-0.2"):
        DistributionShift(grid, quadratic, two, x0=[0.0], alpha=[0.1, -0.2])
    with pytest.raises(InvalidParameterError, match="weights=.*expected 2 positive mass fractions"):
        DistributionShift(grid, quadratic, two, x0=[0.0], weights=[1.0, -1.0])
    with pytest.raises(InvalidParameterError, match="weights=.*expected 2 positive mass fractions"):
        DistributionShift(grid, quadratic, two, x0=[0.0], weights=[1.0])
    with pytest.raises(InvalidParameterError, match=r"natural: expected one density or one per group \(2\), got 3"):
        DistributionShift(grid, quadratic, two, x0=[0.0], natural=np.ones((3, 10)))
    with pytest.raises(InvalidParameterError, match=r"initial\[1\]: not normalizable"):
        DistributionShift(grid, quadratic, np.stack([np.ones(10), np.zeros(10)]), x0=[0.0])
    problem = DistributionShift(grid, quadratic, two, x0=[0.0])
    with pytest.raises(InvalidParameterError, match=r"rho: expected one density per group, shape \(2, 10\)"):
        energy(problem, jnp.ones(10), jnp.zeros(1))
    zero_cost = DistributionShift(grid, quadratic, two, x0=[0.0], alpha=[0.1, 0.0], rate=1.0)
    with pytest.raises(InvalidParameterError, match=r"needs alpha > 0 for every group \(got \[0.1, 0.0\]"):
        solve(zero_cost, 1.0, limit="population")


# ------------------------------------------------------------------------------------------------ 2-D
def test_2d_steady_state_is_the_gibbs_density_and_mass_is_kept():
    """W = 0, a frozen model at x = (0.5, −0.3), f₁ = ½|z − x|², α = 0.5: the steady state is the 2-D Gibbs density.
    The scheme is second order, so on 40 × 40 cells (Δz = 0.15) the L1 error of the grid's steady state is O(Δz²);
    measured 4e-3, asserted 1e-2. Mass is conserved to rounding and the density stays non-negative."""
    grid = Grid2D((-3.0, -3.0), (3.0, 3.0), (40, 40))
    pts = grid.points
    start = np.exp(-np.sum((pts - np.array([-1.0, 1.0])) ** 2, axis=-1))
    x = np.array([0.5, -0.3])
    problem = DistributionShift(grid, quadratic2, start, x0=x, alpha=0.5, rate=0.0)
    trace = solve(problem, 12.0, records=3)
    rho = trace.final_state["densities"][-1]
    target = gibbs_density(grid, 0.5 * np.sum((pts - x) ** 2, axis=-1), alpha=0.5)
    assert np.sum(np.abs(rho - target)) * grid.volume < 1e-2
    np.testing.assert_allclose(trace.metrics["mass"][0], 1.0, rtol=1e-12)
    assert trace.metrics["min_density"].min() >= 0
    assert trace.final_state["w2_to_reference"] > 1.0     # it travelled from (−1, 1) toward (0.5, −0.3): ≈ 2.1


def test_2d_scheme_reduces_to_the_1d_scheme_on_a_density_constant_along_one_axis():
    """A 2-D problem whose density and loss do not depend on z₂ has zero flux along z₂, so with the same fixed
    step its marginal must follow the 1-D scheme to rounding."""
    g1 = Grid1D(-3.0, 3.0, 50)
    g2 = Grid2D((-3.0, 0.0), (3.0, 1.0), (50, 4))
    z = g1.centers
    start = np.exp(-(z - 1) ** 2)
    natural = np.exp(-z ** 2 / 3)
    one = DistributionShift(g1, quadratic, start, x0=[-0.5], natural=natural, alpha=0.3, beta=0.2, rate=1.0,
                            kernel=lambda d: -0.3 * np.exp(-d ** 2))
    two = DistributionShift(g2, lambda zi, x: 0.5 * (zi[0] - x[0]) ** 2, np.repeat(start[:, None], 4, 1),
                            x0=[-0.5], natural=np.repeat(natural[:, None], 4, 1), alpha=0.3, beta=0.2, rate=1.0,
                            kernel=lambda d: -0.3 * np.exp(-d[..., 0] ** 2) * (d[..., 1] == 0) / g2.widths[1])
    a = solve(one, 2.0, records=2, dt=1e-3)
    b = solve(two, 2.0, records=2, dt=1e-3)
    marginal = b.final_state["densities"][-1].sum(axis=1) * g2.widths[1]
    np.testing.assert_allclose(marginal, a.final_state["densities"][-1], atol=1e-12)
    np.testing.assert_allclose(b.final_state["x"], a.final_state["x"], atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(n1=st.integers(3, 9), n2=st.integers(3, 9), seed=st.integers(0, 1000))
def test_2d_fft_interaction_equals_the_direct_sum(n1, n2, seed):
    rng = np.random.default_rng(seed)
    grid = Grid2D((-1.0, 0.0), (1.0, 2.5), (n1, n2))
    rho = rng.random((n1, n2)) + 0.1
    problem = DistributionShift(grid, quadratic2, rho, x0=[0.0, 0.0],
                                kernel=lambda d: np.exp(-d[..., 0] ** 2 - 2 * d[..., 1] ** 2) + 0.3 * d[..., 0])
    with jax.enable_x64(True):
        fast = np.asarray(interaction(problem, jnp.asarray(problem.initial_density)))
    pts = grid.points.reshape(-1, 2)
    diff = pts[:, None, :] - pts[None, :, :]
    w = 0.5 * (np.exp(-diff[..., 0] ** 2 - 2 * diff[..., 1] ** 2) * 2)     # the odd part 0.3 d₁ cancels
    direct = (w @ problem.initial_density.ravel() * grid.volume).reshape(n1, n2)
    np.testing.assert_allclose(fast, direct, atol=1e-10)


def test_2d_wasserstein_matches_a_translation_exactly():
    """Translating a density by whole cells is an optimal map, so W2 is the translation's length (to rounding)."""
    grid = Grid2D((0.0, 0.0), (2.0, 2.0), (20, 20))
    pts = grid.points
    a = np.exp(-np.sum((pts - 0.7) ** 2, axis=-1) / 0.02)
    b = np.zeros_like(a)
    b[3:, 2:] = a[:-3, :-2]
    assert wasserstein2(grid, a, b) == pytest.approx(np.hypot(3, 2) * 0.1, rel=1e-9)
    # W2² is exact to rounding (≈ 1e-16); its square root magnifies that to ≈ 1e-8
    assert wasserstein2(grid, a, a) == pytest.approx(0.0, abs=1e-7)


def test_2d_wasserstein_without_pot_names_the_package(monkeypatch):
    grid = Grid2D((0.0, 0.0), (1.0, 1.0), (4, 4))
    monkeypatch.setitem(sys.modules, "ot", None)       # as on a machine without POT
    with pytest.raises(InvalidParameterError, match="needs POT"):
        wasserstein2(grid, np.ones((4, 4)), np.ones((4, 4)))


def test_2d_bad_input():
    with pytest.raises(InvalidParameterError, match=r"cells\[1\]=2"):
        Grid2D((0.0, 0.0), (1.0, 1.0), (5, 2))
    with pytest.raises(InvalidParameterError, match="low=.*expected a pair"):
        Grid2D(0.0, (1.0, 1.0), (5, 5))
    with pytest.raises(InvalidParameterError, match=r"low\[0\]=1.0, high\[0\]=0.0"):
        Grid2D((1.0, 0.0), (0.0, 1.0), (5, 5))
    grid = Grid2D((0.0, 0.0), (1.0, 1.0), (5, 6))
    with pytest.raises(InvalidParameterError, match=r"initial: expected cell values of shape \(5, 6\)"):
        DistributionShift(grid, quadratic2, np.ones((6, 5)), x0=[0.0, 0.0])
    with pytest.raises(InvalidParameterError, match=r"initial: a density cannot be negative; found -1 in cell \(2, 3\)"):
        bad = np.ones((5, 6))
        bad[2, 3] = -1
        DistributionShift(grid, quadratic2, bad, x0=[0.0, 0.0])
    with pytest.raises(InvalidParameterError, match="kernel: expected finite values"), np.errstate(divide="ignore"):
        DistributionShift(grid, quadratic2, np.ones((5, 6)), x0=[0.0, 0.0],
                          kernel=lambda d: 1.0 / np.sum(d ** 2, axis=-1))
    with pytest.raises(InvalidParameterError, match="loss: expected a finite scalar"):
        DistributionShift(grid, lambda zi, x: zi * x[0], np.ones((5, 6)), x0=[0.0])
