"""Metrics any run can record: plain functions ``metric(game, profile) -> scalar``.

They are implemented in :mod:`stratlearn.equilibria` and named here for users and configs. A metric with a
parameter (the temperature of the regularized gap) is a small frozen object that is called like a function, so it
stays hashable (``simulate`` compiles metrics in as static arguments) and carries its own name.
"""

from __future__ import annotations

from dataclasses import dataclass

from .equilibria.gaps import nash_gap, row_gap
from .equilibria.gaps import regularized_nash_gap as _regularized_nash_gap
from .equilibria.gaps import row_regularized_gap as _row_regularized_gap
from .errors import InvalidParameterError, UnknownNameError, check_positive
from .games.strategic import learner_loss
from .games.vi import vi_gap

__all__ = ["nash_gap", "row_gap", "regularized_nash_gap", "learner_loss", "vi_gap", "RegularizedNashGap", "MarkovNashGap",
           "RowRegularizedGap", "row_regularized_gap", "MarkovRowGap", "CorrelatedGap", "ce_gap", "cce_gap", "EquilibriumDistance",
           "equilibrium_references", "METRICS",
           "get", "resolve", "metric_name", "is_host_metric", "is_joint_metric"]


@dataclass(frozen=True)
class RegularizedNashGap:
    """The metric ``(game, profile) -> NG_τ(profile)``, the entropy-regularized Nash gap at temperature ``τ``
    (see :func:`stratlearn.equilibria.regularized_nash_gap`). Recorded as ``regularized_nash_gap_<τ>``."""

    temperature: float

    def __post_init__(self):
        object.__setattr__(self, "temperature", check_positive("temperature", self.temperature))

    @property
    def __name__(self) -> str:
        return f"regularized_nash_gap_{self.temperature:g}"

    def __call__(self, game, profile):
        return _regularized_nash_gap(game, profile, self.temperature)


def regularized_nash_gap(temperature: float) -> RegularizedNashGap:
    """The regularized-Nash-gap metric at ``temperature`` (> 0)."""
    return RegularizedNashGap(temperature)


@dataclass(frozen=True)
class RowRegularizedGap:
    """The metric ``(game, profile) -> τ KL(x ‖ σ_τ(A y))``, the row player's regularized best-response gap (see
    :func:`stratlearn.equilibria.row_regularized_gap`): how far the row player is from its smoothed best response to
    the column player's current policy. Recorded as ``row_regularized_gap_<τ>``."""

    temperature: float

    def __post_init__(self):
        object.__setattr__(self, "temperature", check_positive("temperature", self.temperature))

    @property
    def __name__(self) -> str:
        return f"row_regularized_gap_{self.temperature:g}"

    def __call__(self, game, profile):
        return _row_regularized_gap(game, profile, self.temperature)


def row_regularized_gap(temperature: float) -> RowRegularizedGap:
    """The row player's regularized-gap metric at ``temperature`` (> 0)."""
    return RowRegularizedGap(temperature)


@dataclass(frozen=True)
class MarkovNashGap:
    """The exact Nash gap of a stationary policy pair in a Markov game (regularized when ``temperature > 0``), see
    :func:`stratlearn.equilibria.markov_nash_gap`. It solves linear systems in float64 with SciPy, so ``simulate``
    evaluates it on the host after each chunk (``host = True``) rather than inside the compiled loop."""

    temperature: float = 0.0
    host = True

    @property
    def __name__(self) -> str:
        return "nash_gap" if self.temperature == 0 else f"regularized_nash_gap_{self.temperature:g}"

    def __call__(self, game, profile):
        from .equilibria.markov import markov_nash_gap

        return markov_nash_gap(game, profile[0], profile[1], temperature=self.temperature)


@dataclass(frozen=True)
class MarkovRowGap:
    """The row player's exact (regularized) best-response gap in a Markov game, see
    :func:`stratlearn.equilibria.markov_row_gap`; evaluated on the host like :class:`MarkovNashGap`."""

    temperature: float = 0.0
    host = True

    @property
    def __name__(self) -> str:
        return "row_gap" if self.temperature == 0 else f"row_regularized_gap_{self.temperature:g}"

    def __call__(self, game, profile):
        from .equilibria.markov import markov_row_gap

        return markov_row_gap(game, profile[0], profile[1], temperature=self.temperature)


@dataclass(frozen=True)
class CorrelatedGap:
    """A metric of a run's joint play: ``ε`` such that the expected empirical distribution of the action pairs
    played so far is an ε-correlated equilibrium (``ce_gap``) or an ε-coarse correlated one (``cce_gap``, the
    largest average external regret of either player), see :func:`stratlearn.equilibria.correlated_gap`. The engine
    passes it the running mean of ``x_t y_tᵀ`` over the steps played (``joint = True``), not the reported policy."""

    coarse: bool = False
    joint = True

    @property
    def __name__(self) -> str:
        return "cce_gap" if self.coarse else "ce_gap"

    def __call__(self, game, distribution):
        from .equilibria.correlated import correlated_gap

        return correlated_gap(game.row_payoffs, game.col_payoffs, distribution, coarse=self.coarse)


@dataclass(frozen=True)
class EquilibriumDistance:
    """The metric ``(game, profile) -> min_k ‖x − x_k‖₁ + ‖y − y_k‖₁``: the distance of a matrix game's policy pair
    to the nearest of the game's certified Nash equilibria ``(x_k, y_k)`` (``equilibria``, each with regret ≤ 1e-9).
    Named ``"equilibrium_distance"`` in a config; :func:`resolve` computes the references of the game at hand: every
    extreme equilibrium by vertex enumeration for games of at most 6 actions a player
    (:func:`stratlearn.equilibria.vertex_enumeration`), else the distinct ones Lemke–Howson reaches from every
    starting label (:func:`stratlearn.equilibria.lemke_howson`; not necessarily all of them)."""

    equilibria: tuple = ()

    @property
    def __name__(self) -> str:
        return "equilibrium_distance"

    def __call__(self, game, profile):
        import jax.numpy as jnp

        if not self.equilibria:
            raise InvalidParameterError("metric 'equilibrium_distance': no reference equilibria; name it in a run "
                                        "(metrics = [\"equilibrium_distance\"]) so they are computed for its game")
        x, y = jnp.asarray(profile[0]), jnp.asarray(profile[1])
        xs = jnp.asarray([e[0] for e in self.equilibria], dtype=x.dtype)
        ys = jnp.asarray([e[1] for e in self.equilibria], dtype=y.dtype)
        return (jnp.abs(x - xs).sum(-1) + jnp.abs(y - ys).sum(-1)).min()


def equilibrium_references(game, tol: float = 1e-9) -> tuple:
    """The certified Nash equilibria of the matrix game ``game`` that :class:`EquilibriumDistance` measures against,
    as a tuple of ``(x, y)`` tuples (hashable, so a compiled run can hold them)."""
    import numpy as np

    from .equilibria.general_sum import lemke_howson, nash_certificate

    m, n = game.shape
    found = []
    if max(m, n) <= 6:
        from .equilibria.vertex_enumeration import vertex_enumeration

        result = vertex_enumeration(game.row_payoffs, game.col_payoffs)
        found = [(e.row, e.col) for e in result.equilibria[0]]
    else:
        lh = lemke_howson(game.row_payoffs, game.col_payoffs)
        found = lh.equilibria(0)
    certified = []
    for x, y in found:
        if float(nash_certificate(game.row_payoffs, game.col_payoffs, x, y).epsilon) <= tol:
            certified.append((tuple(float(v) for v in np.asarray(x)), tuple(float(v) for v in np.asarray(y))))
    return tuple(certified)


ce_gap = CorrelatedGap(coarse=False)
cce_gap = CorrelatedGap(coarse=True)


def is_joint_metric(metric) -> bool:
    """Whether the metric is evaluated on the run's joint play (an (m, n) distribution) rather than its policies."""
    return bool(getattr(metric, "joint", False))


def is_host_metric(metric) -> bool:
    return bool(getattr(metric, "host", False))


def resolve(spec, game):
    """The metric ``spec`` names, in the version that fits ``game``: the Nash gaps of a Markov game are computed
    exactly on the host (policy evaluation and best responses), those of a matrix game inside ``jit``; for a
    variational inequality ``"nash_gap"`` means its gap function ``vi_gap``."""
    from .games.markov import MarkovGame

    from .games.vi import VariationalInequality

    from .games.matrix import MatrixGame

    metric = get(spec)
    if isinstance(metric, EquilibriumDistance) and not metric.equilibria:
        if not isinstance(game, MatrixGame):
            raise InvalidParameterError(f"metric 'equilibrium_distance': measures a matrix game's policies against "
                                        f"its Nash equilibria; got a {type(game).__name__}")
        return EquilibriumDistance(equilibrium_references(game))
    if isinstance(game, VariationalInequality) and metric is nash_gap:
        return vi_gap  # the VI's gap function; on the VI of a matrix game it is the Nash gap
    if isinstance(game, MarkovGame):
        if metric is nash_gap:
            return MarkovNashGap()
        if isinstance(metric, RegularizedNashGap):
            return MarkovNashGap(metric.temperature)
        if isinstance(metric, RowRegularizedGap):
            return MarkovRowGap(metric.temperature)
        if metric is row_gap:
            return MarkovRowGap()
    return metric


METRICS = {"nash_gap": nash_gap, "row_gap": row_gap, "vi_gap": vi_gap, "learner_loss": learner_loss,
           "ce_gap": ce_gap, "cce_gap": cce_gap, "equilibrium_distance": EquilibriumDistance()}
_PARAMETRIC = {"regularized_nash_gap": regularized_nash_gap, "row_regularized_gap": row_regularized_gap}
_VALID = [*METRICS, *(f"{name}:<temperature>" for name in _PARAMETRIC)]


def metric_name(metric) -> str:
    """The name a metric is recorded under (its ``__name__``)."""
    return getattr(metric, "__name__", repr(metric))


def get(spec):
    """Resolve a metric from a callable or a name: ``"nash_gap"`` or ``"regularized_nash_gap:0.05"``."""
    if callable(spec):
        return spec
    if isinstance(spec, str):
        if spec in METRICS:
            return METRICS[spec]
        name, _, arg = spec.partition(":")
        if name in _PARAMETRIC and arg:
            try:
                value = float(arg)
            except ValueError:
                raise UnknownNameError("metric", spec, _VALID) from None
            return _PARAMETRIC[name](value)
    raise UnknownNameError("metric", spec, _VALID)
