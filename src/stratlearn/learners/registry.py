"""The registry of learners a config names (``[[learners]] name = "dsbr"``): ``LEARNERS`` and :func:`make`."""

from __future__ import annotations

import dataclasses

from ..errors import ConfigError, UnknownNameError
from .baselines import Extragradient, OptimisticMultiplicativeWeights, RegretMatchingPlus
from .dsbr_vi import DSBRValueIteration
from .fictitious_play import FictitiousPlay, SmoothedFictitiousPlay
from .frank_wolfe import GeneralizedFrankWolfe, OptimisticGradient, ProjectedGradient, VIExtragradient
from .markov_baselines import DecentralizedQLearning, IndependentQLearning, MinimaxQ
from .model_selection import StochasticGradientPlay
from .smoothed_best_response import DoublySmoothedBestResponse
from .two_timescale_q import TwoTimescaleQ

__all__ = ["LEARNERS", "make"]

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
