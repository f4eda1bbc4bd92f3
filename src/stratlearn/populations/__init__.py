"""Strategic behaviour of many agents: populations that shift in response to a deployed model ([5]) and
discrete retraining against them."""

from . import distribution_shift, performative
from .distribution_shift import (DistributionShift, Grid1D, Grid2D, best_response_rho, best_response_x, energy,
                                 gibbs_density, group_losses,
                                 interaction, learner_objective, solve, wasserstein2)
from .performative import (CreditPopulation, RetrainingResult, credit_scoring, performative_risk, performatively_optimal_point,
                           performatively_stable_point, repeated_gradient_descent, repeated_risk_minimization)

__all__ = ["distribution_shift", "performative", "DistributionShift", "Grid1D", "Grid2D", "group_losses", "best_response_rho",
           "best_response_x", "energy", "gibbs_density", "interaction", "learner_objective", "solve", "wasserstein2",
           "CreditPopulation", "credit_scoring", "RetrainingResult", "performative_risk", "performatively_optimal_point", "performatively_stable_point",
           "repeated_gradient_descent", "repeated_risk_minimization"]
