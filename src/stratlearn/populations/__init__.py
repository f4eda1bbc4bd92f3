"""Strategic behaviour of many agents: populations that shift in response to a deployed model ([5]), discrete
retraining against them, and collectives that change their own data to steer a classifier ([6])."""

from . import collective, distribution_shift, performative
from .collective import (FeatureLabelPlanting, FeatureOnlyPlanting, FeaturePattern, GaussianSignalTask, PixelPatch,
                         RareToken, SignalErasing, critical_mass, erasing_bound, erasing_success,
                         feature_only_bound, gaussian_signal_task, gradient_steering, gradient_steering_fixed_point,
                         plant, planting_bound, planting_success, sgd_steering, success_interval, sweep_datasets)
from .distribution_shift import (DistributionShift, Grid1D, Grid2D, best_response_rho, best_response_x, energy,
                                 exponential_rate, gibbs_density, group_losses,
                                 interaction, learner_objective, solve, wasserstein2)
from .performative import (CreditPopulation, RetrainingResult, credit_scoring, performative_risk, performatively_optimal_point,
                           performatively_stable_point, repeated_gradient_descent, repeated_risk_minimization)

__all__ = ["collective", "distribution_shift", "performative", "FeatureLabelPlanting", "FeatureOnlyPlanting",
           "FeaturePattern", "GaussianSignalTask", "PixelPatch", "RareToken", "SignalErasing", "erasing_bound",
           "erasing_success", "feature_only_bound", "gaussian_signal_task", "plant", "planting_bound",
           "planting_success", "sgd_steering", "gradient_steering", "critical_mass", "gradient_steering_fixed_point",
           "success_interval", "sweep_datasets", "DistributionShift", "Grid1D", "Grid2D", "group_losses", "best_response_rho",
           "best_response_x", "energy", "exponential_rate", "gibbs_density", "interaction", "learner_objective", "solve", "wasserstein2",
           "CreditPopulation", "credit_scoring", "RetrainingResult", "performative_risk", "performatively_optimal_point", "performatively_stable_point",
           "repeated_gradient_descent", "repeated_risk_minimization"]
