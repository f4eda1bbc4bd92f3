"""Repeated risk minimization and repeated gradient descent against the population PDE, and the performative
reference points."""

import numpy as np
import pytest

from stratlearn.errors import InvalidParameterError
from stratlearn.populations import (DistributionShift, Grid1D, performative_risk, performatively_optimal_point,
                                    performatively_stable_point, repeated_gradient_descent,
                                    repeated_risk_minimization, solve)


def quadratic(zi, x):
    return 0.5 * (zi - x[0]) ** 2


def problem():
    grid = Grid1D(-4.0, 4.0, 120)
    z = grid.centers
    return DistributionShift(grid, quadratic, np.exp(-(z - 1.5) ** 2 / 0.5), x0=[-1.0],
                             kernel=lambda d: -0.5 * np.exp(-d ** 2 / 0.5), alpha=0.2, beta=0.5, rate=1.0,
                             natural=np.exp(-(z - 1) ** 2 / 2))


def test_stable_point_is_where_retraining_and_the_coupled_flow_settle():
    p = problem()
    x_ps, rho_ps = performatively_stable_point(p)
    flow = solve(p, 20.0, records=2)
    assert abs(flow.final_state["x"][-1, 0] - x_ps[0]) < 1e-3
    rrm = repeated_risk_minimization(p, 12, 5.0)
    assert abs(rrm.x[-1, 0] - x_ps[0]) < 1e-2
    assert np.all(np.diff(np.abs(rrm.x[:, 0] - x_ps[0])) <= 1e-12)     # monotone approach here
    rgd = repeated_gradient_descent(p, 12, 5.0, step_size=0.5)
    assert abs(rgd.x[-1, 0] - x_ps[0]) < abs(rgd.x[0, 0] - x_ps[0]) / 10


def test_optimal_point_has_lower_performative_risk_than_the_stable_point():
    p = problem()
    x_ps, _ = performatively_stable_point(p)
    x_po, risk = performatively_optimal_point(p, bounds=(-3.0, 3.0))
    assert risk <= performative_risk(p, x_ps) + 1e-12
    # a grid search agrees with the bounded scalar search
    grid = np.linspace(-3, 3, 121)
    assert risk <= min(performative_risk(p, [v]) for v in grid) + 1e-9


def test_bad_input():
    p = problem()
    with pytest.raises(InvalidParameterError, match="rounds=0"):
        repeated_risk_minimization(p, 0, 1.0)
    with pytest.raises(InvalidParameterError, match="period=-1"):
        repeated_risk_minimization(p, 2, -1.0)
    with pytest.raises(InvalidParameterError, match="step_size=0"):
        repeated_gradient_descent(p, 2, 1.0, 0.0)
    with pytest.raises(InvalidParameterError, match="sits at a bound"):
        performatively_optimal_point(p, bounds=(1.0, 2.0))
    grid = Grid1D(-1.0, 1.0, 20)
    no_entropy = DistributionShift(grid, quadratic, np.ones(20), x0=[0.0], alpha=0.0)
    with pytest.raises(InvalidParameterError, match="needs alpha > 0"):
        performatively_stable_point(no_entropy)


# ------------------------------------------------------------------------------------------------ credit scoring
from hypothesis import given, settings, strategies as st  # noqa: E402

from stratlearn.errors import StratlearnError  # noqa: E402
from stratlearn.populations import CreditPopulation, credit_scoring  # noqa: E402


def test_credit_population_moves_only_its_strategic_features():
    import jax

    pop = credit_scoring(500, epsilon=0.7, seed=3)
    theta = np.linspace(-1, 1, pop.features.shape[1])
    with jax.enable_x64(True):
        moved = np.asarray(pop.shifted(theta))
    change = moved - pop.features
    expected = -0.7 * theta * pop.strategic
    np.testing.assert_allclose(change, np.broadcast_to(expected, change.shape), atol=1e-15)
    assert [n for n, s in zip(pop.names, pop.strategic) if s] == ["revolving_utilization", "debt_ratio",
                                                                  "open_credit_lines"]
    assert 0.2 < pop.labels.mean() < 0.5


def test_credit_learner_matches_scikit_learn_logistic_regression():
    """At a fixed deployed model the learner is L2 logistic regression; scikit-learn's lbfgs with C = 1/(nλ) and
    the constant column penalized like the rest (fit_intercept=False) minimizes the same objective. Both solve a
    strongly convex problem to tight tolerances, so the coefficients agree to 1e-5 (sklearn's tol)."""
    import jax
    import jax.numpy as jnp
    from sklearn.linear_model import LogisticRegression

    from stratlearn.populations.performative import _fit

    pop = credit_scoring(2000, epsilon=0.5, regularization=0.02, seed=1)
    deployed = np.array([0.5, -0.2, 0.3, 0.4, -0.1, 0.2, -0.5])
    with jax.enable_x64(True):
        ours = np.asarray(_fit(pop, jnp.asarray(deployed), jnp.zeros(7)))
        data = np.asarray(pop.shifted(deployed))
    ref = LogisticRegression(C=1 / (2000 * 0.02), fit_intercept=False, tol=1e-12, max_iter=10_000).fit(data, pop.labels)
    np.testing.assert_allclose(ours, ref.coef_[0], atol=1e-5)


def test_rrm_reaches_the_stable_point_and_the_optimum_is_lower():
    pop = credit_scoring(3000, epsilon=1.0, seed=0)
    theta_ps = performatively_stable_point(pop)
    rrm = repeated_risk_minimization(pop, 15)
    assert np.max(np.abs(rrm.x[-1] - theta_ps)) < 1e-8
    rgd = repeated_gradient_descent(pop, 200, step_size=1.0)
    assert np.max(np.abs(rgd.x[-1] - theta_ps)) < 1e-3 * np.max(np.abs(rgd.x[0] - theta_ps) + 1)
    theta_po, risk_po = performatively_optimal_point(pop)
    assert risk_po < performative_risk(pop, theta_ps)
    assert np.max(np.abs(theta_po - theta_ps)) > 1e-2         # stable is not optimal under strategic response


@settings(max_examples=6, deadline=None)
@given(epsilon=st.floats(0.0, 1.0), seed=st.integers(0, 100))
def test_optimum_never_worse_than_stable_and_they_coincide_without_response(epsilon, seed):
    pop = credit_scoring(400, epsilon=epsilon, seed=seed)
    theta_ps = performatively_stable_point(pop)
    theta_po, risk_po = performatively_optimal_point(pop)
    assert risk_po <= performative_risk(pop, theta_ps) + 1e-12
    if epsilon == 0.0:
        np.testing.assert_allclose(theta_po, theta_ps, atol=1e-6)


def test_credit_bad_input_and_divergence():
    with pytest.raises(InvalidParameterError, match="n=5"):
        credit_scoring(5)
    with pytest.raises(InvalidParameterError, match="epsilon=-1"):
        credit_scoring(100, epsilon=-1.0)
    with pytest.raises(InvalidParameterError, match="regularization=0"):
        credit_scoring(100, regularization=0.0)
    pop = credit_scoring(500, epsilon=10.0)
    with pytest.raises(InvalidParameterError, match="theta0: expected 7 coefficients"):
        repeated_risk_minimization(pop, 3, theta0=[0.0, 1.0])
    with pytest.raises(InvalidParameterError, match="did not settle within 500 rounds at epsilon=10"):
        performatively_stable_point(pop)
    with pytest.raises(StratlearnError, match="retraining diverged: the model became non-finite in round"):
        repeated_risk_minimization(pop, 200)     # |θ| grows ~600x a round here
    with pytest.raises(InvalidParameterError, match="period: expected the population time"):
        repeated_risk_minimization(problem(), 3)
    assert isinstance(pop, CreditPopulation)


def test_damping_reaches_the_rest_point_where_the_plain_map_oscillates():
    """Competitive setting near its convexity limit (α = 1.5, σ² = 1, β = 0.5; quadratic loss, Gaussian ρ̄): the
    plain best-response map x ← BR(ρ*(x)) has slope −(1/α) / ((1/σ² − 1/α)(1 + β)) = −4/3, so it oscillates and is
    refused; damped by 1/2 its slope is −1/6 and it contracts to the rest point, which satisfies x = BR(ρ*(x)) to
    1e-9."""
    from stratlearn.populations.distribution_shift import best_response_rho, best_response_x
    import jax.numpy as jnp

    grid = Grid1D(-6.0, 6.0, 160)
    z = grid.centers
    p = DistributionShift(grid, quadratic, np.exp(-(z + 1.0) ** 2), x0=[-2.0], natural=np.exp(-(z - 1.0) ** 2 / 2),
                          alpha=1.5, beta=0.5, rate=0.3, setting="competitive")
    with pytest.raises(InvalidParameterError, match="no fixed point within 500 iterations"):
        performatively_stable_point(p)
    x, rho = performatively_stable_point(p, damping=0.5)
    import jax

    with jax.enable_x64(True):                         # the check in float64, as the iteration runs
        xx, rr = jnp.asarray(x, jnp.float64), jnp.asarray(rho, jnp.float64)
        again = best_response_x(p, best_response_rho(p, xx, rr), xx)
    assert abs(float(again[0]) - x[0]) < 1e-9
    with pytest.raises(InvalidParameterError, match="damping"):
        performatively_stable_point(p, damping=0.0)
