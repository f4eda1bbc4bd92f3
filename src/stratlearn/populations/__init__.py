"""Strategic behaviour of many agents: populations that shift in response to a deployed model ([5])."""

from . import distribution_shift
from .distribution_shift import DistributionShift, Grid1D, energy, gibbs_density, interaction, solve, wasserstein2

__all__ = ["distribution_shift", "DistributionShift", "Grid1D", "energy", "gibbs_density", "interaction", "solve",
           "wasserstein2"]
