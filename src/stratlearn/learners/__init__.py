"""How players learn: one module per family, every learner under the ``init``/``step``/``policy`` protocol."""

from __future__ import annotations

import dataclasses

from ..errors import ConfigError, UnknownNameError
from .base import Learner, LearnerBase, MarkovLearner, MatrixLearner
from .dsbr_vi import DSBRValueIteration
from .markov_baselines import DecentralizedQLearning, IndependentQLearning, MinimaxQ
from .baselines import Extragradient, OptimisticMultiplicativeWeights, RegretMatchingPlus
from .classifiers import MLP, LinearParams, LogisticRegression, MLPParams
from .fictitious_play import FictitiousPlay, SmoothedFictitiousPlay
from .followers import Followers, GradientPlayFollowers, RoutingFollowers, SealedFollowers, leader_set
from .follower_agnostic import (FollowersDidNotSettle, LeaderResult, follower_agnostic, follower_agnostic_online,
                                follower_agnostic_two_timescale, myopic_descent, oracle_hypergradient_descent,
                                oracle_toll_descent, zeroth_order_descent)
from .frank_wolfe import (GeneralizedFrankWolfe, OptimisticGradient, ProjectedGradient, VIExtragradient,
                          VILearner)
from .features import ArrayFeatures, FeatureMap, GridFeatures, OneHotFeatures, RandomFeatures
from .model_selection import (SelectionResult, SGPResult, StochasticGradientPlay, selection_trials,
                              stochastic_gradient_play, successive_elimination)
from .two_timescale_q import TwoTimescaleQ
from .smoothed_best_response import DoublySmoothedBestResponse, default_policy_rate_ratio
from .text import TextTransformer

__all__ = [
    "Followers",
    "GradientPlayFollowers",
    "RoutingFollowers",
    "SealedFollowers",
    "leader_set",
    "Learner",
    "LearnerBase",
    "MatrixLearner",
    "MarkovLearner",
    "VILearner",
    "GeneralizedFrankWolfe",
    "ProjectedGradient",
    "VIExtragradient",
    "OptimisticGradient",
    "DSBRValueIteration",
    "TwoTimescaleQ",
    "StochasticGradientPlay",
    "stochastic_gradient_play",
    "successive_elimination",
    "selection_trials",
    "SGPResult",
    "SelectionResult",
    "follower_agnostic",
    "follower_agnostic_two_timescale",
    "follower_agnostic_online",
    "myopic_descent",
    "zeroth_order_descent",
    "oracle_hypergradient_descent",
    "oracle_toll_descent",
    "LeaderResult",
    "FollowersDidNotSettle",
    "FeatureMap",
    "OneHotFeatures",
    "RandomFeatures",
    "GridFeatures",
    "ArrayFeatures",
    "IndependentQLearning",
    "DecentralizedQLearning",
    "MinimaxQ",
    "FictitiousPlay",
    "SmoothedFictitiousPlay",
    "DoublySmoothedBestResponse",
    "OptimisticMultiplicativeWeights",
    "Extragradient",
    "RegretMatchingPlus",
    "default_policy_rate_ratio",
    "TextTransformer",
    "LogisticRegression",
    "MLP",
    "LinearParams",
    "MLPParams",
    "LEARNERS",
    "make",
]

LEARNERS = {
    cls.name: cls
    for cls in (DoublySmoothedBestResponse, FictitiousPlay, SmoothedFictitiousPlay,
                OptimisticMultiplicativeWeights, Extragradient, RegretMatchingPlus, DSBRValueIteration,
                IndependentQLearning, DecentralizedQLearning, MinimaxQ, GeneralizedFrankWolfe, ProjectedGradient,
                VIExtragradient, OptimisticGradient, TwoTimescaleQ, StochasticGradientPlay)
}


def make(name: str, **params):
    """Build the registered learner ``name`` with hyperparameters ``params`` (unknown ones raise a clear error)."""
    if not isinstance(name, str) or name not in LEARNERS:
        raise UnknownNameError("learner", name, LEARNERS)
    cls = LEARNERS[name]
    accepted = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise ConfigError(f"learner {name!r}: unknown parameter(s) {', '.join(unknown)}; expected some of "
                          f"{', '.join(sorted(accepted)) or '(none)'}")
    return cls(**params)
