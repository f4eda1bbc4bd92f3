"""Exact references and metrics: LP solutions of zero-sum games, best responses, Nash gaps."""

from .gaps import (best_response, best_response_values, nash_gap, player_gaps, regularized_nash_gap,
                   row_gap, row_regularized_gap)
from .markov import (MarkovSolution, dsbr_rest_point, markov_nash_gap,
                     markov_regularized_nash_gap, markov_row_gap, policy_values, quantal_response_equilibrium,
                     shapley_value_iteration)
from .stackelberg import StackelbergSolution, stackelberg_commitment
from .strategic import MarkovEquilibrium, StrategicEquilibrium, pure_markov_equilibrium, strategic_equilibrium
from .wardrop import (TollGradient, TollSensitivity, WardropResult, marginal_cost_tolls, relative_gap, system_optimum, total_system_travel_time,
                      user_equilibrium)
from .zero_sum import ZeroSumSolution, solve_zero_sum

__all__ = [
    "ZeroSumSolution",
    "solve_zero_sum",
    "best_response",
    "best_response_values",
    "nash_gap",
    "player_gaps",
    "regularized_nash_gap",
    "row_regularized_gap",
    "row_gap",
    "MarkovSolution",
    "shapley_value_iteration",
    "quantal_response_equilibrium",
    "dsbr_rest_point",
    "policy_values",
    "markov_nash_gap",
    "markov_regularized_nash_gap",
    "markov_row_gap",
    "StrategicEquilibrium",
    "strategic_equilibrium",
    "MarkovEquilibrium",
    "pure_markov_equilibrium",
    "StackelbergSolution",
    "stackelberg_commitment",
    "WardropResult",
    "TollSensitivity",
    "TollGradient",
    "user_equilibrium",
    "system_optimum",
    "relative_gap",
    "marginal_cost_tolls",
    "total_system_travel_time",
]
