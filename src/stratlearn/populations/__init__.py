"""Strategic behaviour of many agents: populations that shift in response to a deployed model ([5]), discrete
retraining against them, and collectives that change their own data to steer a classifier ([6]).

The names below are imported when first used (:mod:`stratlearn._lazy`), so that a light module of the package
(a config reader, the command line) can be imported without JAX."""

from .._lazy import lazy_attributes

__all__ = ["collective", "distribution_shift", "performative", "FeatureLabelPlanting", "FeatureOnlyPlanting",
           "FeaturePattern", "GaussianSignalTask", "PixelPatch", "RareToken", "SignalErasing", "erasing_bound",
           "erasing_success", "feature_only_bound", "gaussian_signal_task", "plant", "planting_bound",
           "planting_success", "sgd_steering", "gradient_steering", "critical_mass", "gradient_steering_fixed_point",
           "success_interval", "sweep_datasets", "DistributionShift", "Grid1D", "Grid2D", "group_losses",
           "best_response_rho", "best_response_x", "energy", "exponential_rate", "gibbs_density", "interaction",
           "learner_objective", "solve", "wasserstein2", "CreditPopulation", "credit_scoring", "RetrainingResult",
           "performative_risk", "performatively_optimal_point", "performatively_stable_point",
           "repeated_gradient_descent", "repeated_risk_minimization"]

__getattr__, __dir__ = lazy_attributes(__name__, globals(), {
    "FeatureLabelPlanting": ".collective", "FeatureOnlyPlanting": ".collective", "FeaturePattern": ".collective",
    "GaussianSignalTask": ".collective", "PixelPatch": ".collective", "RareToken": ".collective",
    "SignalErasing": ".collective", "critical_mass": ".collective", "erasing_bound": ".collective",
    "erasing_success": ".collective", "feature_only_bound": ".collective", "gaussian_signal_task": ".collective",
    "gradient_steering": ".collective", "gradient_steering_fixed_point": ".collective", "plant": ".collective",
    "planting_bound": ".collective", "planting_success": ".collective", "sgd_steering": ".collective",
    "success_interval": ".collective", "sweep_datasets": ".collective", "DistributionShift": ".distribution_shift",
    "Grid1D": ".grids", "Grid2D": ".grids", "best_response_rho": ".distribution_shift",
    "best_response_x": ".distribution_shift", "energy": ".distribution_shift",
    "exponential_rate": ".distribution_shift", "gibbs_density": ".distribution_shift",
    "group_losses": ".distribution_shift", "interaction": ".distribution_shift",
    "learner_objective": ".distribution_shift", "solve": ".distribution_shift",
    "wasserstein2": ".distribution_shift", "CreditPopulation": ".performative", "RetrainingResult": ".performative",
    "credit_scoring": ".performative", "performative_risk": ".performative",
    "performatively_optimal_point": ".performative", "performatively_stable_point": ".performative",
    "repeated_gradient_descent": ".performative", "repeated_risk_minimization": ".performative"},
    modules=("collective", "distribution_shift", "performative"))
