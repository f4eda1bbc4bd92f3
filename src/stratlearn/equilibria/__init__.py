"""Exact references and metrics: LP solutions of zero-sum games, certified Lemke–Howson equilibria of general-sum
games (batched), best responses, Nash gaps.

The names below are imported when first used (:mod:`stratlearn._lazy`), so that a light module of the package
(a config reader, the command line) can be imported without JAX."""

from .._lazy import lazy_attributes

__all__ = ["ZeroSumSolution", "solve_zero_sum", "best_response", "best_response_values", "nash_gap", "player_gaps",
           "regularized_nash_gap", "row_regularized_gap", "row_gap", "MarkovSolution", "shapley_value_iteration",
           "quantal_response_equilibrium", "dsbr_rest_point", "policy_values", "markov_nash_gap",
           "markov_regularized_nash_gap", "markov_row_gap", "StrategicEquilibrium", "strategic_equilibrium",
           "MarkovEquilibrium", "pure_markov_equilibrium", "StackelbergSolution", "stackelberg_commitment",
           "WardropResult", "Bushes", "user_equilibria", "certify_network", "TollSensitivity", "TollGradient", "user_equilibrium",
           "system_optimum", "relative_gap",
           "marginal_cost_tolls", "total_system_travel_time", "NashCertificate", "nash_certificate",
           "LemkeHowsonResult", "lemke_howson", "CorrelatedEquilibrium", "correlated_equilibrium",
           "deviation_gains", "correlated_gap", "CorrelatedDistance", "correlated_distance",
           "LogitPath", "logit_qre_path", "logit_residual", "vertex_enumeration", "VertexEnumerationResult",
           "ExtremeEquilibrium", "ZeroSumBatchSolution", "solve_zero_sum_batch"]

__getattr__, __dir__ = lazy_attributes(__name__, globals(), {
    "best_response": ".gaps", "best_response_values": ".gaps", "nash_gap": ".gaps", "player_gaps": ".gaps",
    "regularized_nash_gap": ".gaps", "row_gap": ".gaps", "row_regularized_gap": ".gaps", "MarkovSolution": ".markov",
    "dsbr_rest_point": ".markov", "markov_nash_gap": ".markov", "markov_regularized_nash_gap": ".markov",
    "markov_row_gap": ".markov", "policy_values": ".markov", "quantal_response_equilibrium": ".markov",
    "shapley_value_iteration": ".markov", "StackelbergSolution": ".stackelberg",
    "stackelberg_commitment": ".stackelberg", "MarkovEquilibrium": ".strategic",
    "StrategicEquilibrium": ".strategic", "pure_markov_equilibrium": ".strategic",
    "strategic_equilibrium": ".strategic", "TollGradient": ".wardrop", "TollSensitivity": ".wardrop",
    "WardropResult": ".wardrop", "Bushes": ".wardrop", "user_equilibria": ".wardrop", "certify_network": ".certify", "marginal_cost_tolls": ".wardrop", "relative_gap": ".wardrop",
    "system_optimum": ".wardrop", "total_system_travel_time": ".wardrop", "user_equilibrium": ".wardrop",
    "ZeroSumSolution": ".zero_sum", "solve_zero_sum": ".zero_sum", "NashCertificate": ".general_sum",
    "nash_certificate": ".general_sum", "LemkeHowsonResult": ".general_sum", "lemke_howson": ".general_sum",
    "CorrelatedEquilibrium": ".correlated", "correlated_equilibrium": ".correlated",
    "deviation_gains": ".correlated", "correlated_gap": ".correlated", "CorrelatedDistance": ".correlated",
    "correlated_distance": ".correlated", "LogitPath": ".logit_path", "logit_qre_path": ".logit_path",
    "logit_residual": ".logit_path", "vertex_enumeration": ".vertex_enumeration",
    "VertexEnumerationResult": ".vertex_enumeration", "ExtremeEquilibrium": ".vertex_enumeration",
    "ZeroSumBatchSolution": ".zero_sum_batch", "solve_zero_sum_batch": ".zero_sum_batch"})
