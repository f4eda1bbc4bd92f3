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
