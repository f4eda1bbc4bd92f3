"""Feature maps ``φ(s, a) ∈ R^d`` of a state and a player's own action, for learners with linear function
approximation (the two-timescale Q-learning of [3]).

[3] Chen, Zhang, Mazumdar, Ozdaglar, Wierman. Two-timescale Q-learning with function approximation in zero-sum
stochastic games. EC 2024 (arXiv 2312.04905).

A feature map is sparse by contract: for a state ``s`` it returns, for each of the player's ``A_i`` actions, ``m``
distinct coordinates in ``[0, d)`` and their values, and ``φ(s, a)`` is zero elsewhere. One-hot and tile features
have ``m`` of 1 or a few; dense features have ``m = d``. A learner then reads and writes ``m`` coordinates per
action and step, whatever ``d`` is, and features are computed from the state index inside ``jit`` (nothing of size
``S·d`` is stored, except by :class:`ArrayFeatures`, which holds the user's array).

Maps:

* :class:`OneHotFeatures` — ``φ(s, a) = e_{s·A_i + a}``, ``d = S·A_i``: the tabular case.
* :class:`RandomFeatures` — ``φ(s, a)`` i.i.d. ``N(0, I_d/d)`` (norm ≈ 1), seeded.
* :class:`GridFeatures` — tile coding of the pursuit-evasion game's positions (``tilings`` offset grids of tiles
  ``width`` cells wide over the four coordinates), optionally with the pursuer-to-evader offset as one more active
  feature; ``width = 1`` with one tiling is the one-hot map up to a relabelling.
* :class:`ArrayFeatures` — a user's dense array of shape ``(S, A_i, d)``.

Values are scaled so that ``‖φ(s, a)‖ ≤ 1`` (≈ 1 for the random map), which keeps the semi-gradient step stable
for fast step sizes up to 1.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import ConfigError, InvalidGameError, InvalidParameterError, check_positive_int, check_seed

__all__ = ["FeatureMap", "OneHotFeatures", "RandomFeatures", "GridFeatures", "ArrayFeatures", "FEATURES",
           "as_features"]


def _actions(game, player: int) -> int:
    return game.shape[1 + player]


class FeatureMap:
    """Base class. Subclasses implement :meth:`dim` and :meth:`active` (and :meth:`check` when they need a
    particular game)."""

    kind: str = ""
    #: True when every coordinate is active for every action with indices ``0..d-1`` in order (dense features):
    #: learners then read and write the coefficient block as a slice instead of gathering it.
    dense_layout: bool = False
    #: True when the indices are action-major within blocks: ``idx[a, j] = idx[0, j] + a``, so the rows of every
    #: action for the ``j``-th active feature are one contiguous block of ``A_i`` rows (one-hot and tile features):
    #: learners then read ``m`` blocks instead of gathering ``A_i·m`` single rows.
    action_blocks: bool = False

    def check(self, game, player: int, field: str = "features") -> None:
        """Raise :class:`InvalidGameError` when the map does not fit ``game``'s states or ``player``'s actions; the
        message names ``field``, the learner's parameter that holds the map."""

    def dim(self, game, player: int) -> int:
        raise NotImplementedError  # pragma: no cover - abstract

    def active(self, game, player: int, state):
        """``(indices, values)``, both of shape ``(A_i, m)``, for a (traced) scalar ``state``."""
        raise NotImplementedError  # pragma: no cover - abstract

    def dense(self, game, player: int) -> np.ndarray:
        """``φ`` as a dense ``(S, A_i, d)`` array (for inspection and small games)."""
        self.check(game, player)
        S, d = game.num_states, self.dim(game, player)
        idx, val = jax.vmap(lambda s: self.active(game, player, s))(jnp.arange(S))
        out = np.zeros((S, _actions(game, player), d))
        s_i, a_i, _ = np.indices(idx.shape)
        np.add.at(out, (s_i, a_i, np.asarray(idx)), np.asarray(val, float))
        return out

    def as_dict(self) -> dict:
        return {"kind": self.kind, **{f.name: getattr(self, f.name) for f in dataclasses.fields(self)}}


@dataclass(frozen=True)
class OneHotFeatures(FeatureMap):
    """``φ(s, a) = e_{s·A_i + a}`` (``d = S·A_i``): linear approximation with these features is the tabular
    algorithm."""

    kind = "one_hot"
    action_blocks = True

    def dim(self, game, player):
        return game.num_states * _actions(game, player)

    def active(self, game, player, state):
        A = _actions(game, player)
        idx = (state * A + jnp.arange(A, dtype=jnp.int32))[:, None]
        return idx.astype(jnp.int32), jnp.ones((A, 1), jnp.result_type(float))


@dataclass(frozen=True)
class RandomFeatures(FeatureMap):
    """``φ(s, a) ~ N(0, I_d/d)`` independently per ``(s, a)``, drawn once from ``numpy.random.default_rng(seed)`` (a
    separate stream per player) and kept as an ``(S, A_i, d)`` constant of the compiled step; refused above
    ``MAX_ENTRIES`` numbers (use tile features or :class:`ArrayFeatures` there). Drawing the features inside the step
    instead was measured 2.5x slower (four ``(A, d)`` Gaussian draws per step)."""

    features: int = 32
    seed: int = 0

    kind = "random"
    dense_layout = True
    MAX_ENTRIES = 2 ** 26

    def __post_init__(self):
        object.__setattr__(self, "features", check_positive_int("features", self.features))
        object.__setattr__(self, "seed", check_seed(self.seed))

    def check(self, game, player, field="features"):
        size = game.num_states * _actions(game, player) * self.features
        if size > self.MAX_ENTRIES:
            raise InvalidGameError(f"{field}: RandomFeatures({self.features}) on {game.num_states} states would hold "
                                   f"{size:,} numbers, above {self.MAX_ENTRIES:,}; use fewer features or GridFeatures")

    def dim(self, game, player):
        return self.features

    def table(self, game, player) -> np.ndarray:
        rng = np.random.default_rng([self.seed, player])
        shape = (game.num_states, _actions(game, player), self.features)
        return rng.standard_normal(shape) / np.sqrt(self.features)

    def active(self, game, player, state):
        A, d = _actions(game, player), self.features
        values = jnp.asarray(self.table(game, player), jnp.result_type(float))[state]
        return jnp.broadcast_to(jnp.arange(d, dtype=jnp.int32), (A, d)), values


def _grid_size(game) -> int | None:
    """``n`` when ``game`` has the pursuit-evasion layout (``n⁴`` states, 5 actions each), else None."""
    S, A, B = game.shape
    n = int(round(S ** 0.25))
    return n if n >= 2 and n ** 4 == S and A == 5 and B == 5 else None


@dataclass(frozen=True)
class GridFeatures(FeatureMap):
    """Tile coding for :func:`~stratlearn.games.catalog.pursuit_evasion` (``n⁴`` states: pursuer and evader cells).

    Each of ``tilings`` grids covers the four coordinates ``(pursuer row, pursuer col, evader row, evader col)`` with
    tiles ``width`` cells wide, grid ``j`` shifted by ``⌊j·width/tilings⌋`` cells; a state activates one tile per grid,
    crossed with the own action. With ``relative = True`` one more active feature encodes the offset ``(evader −
    pursuer)`` (``(2n − 1)²`` values) crossed with the own action — what a chase mostly depends on. Active values are
    ``1/√m`` (``m`` active features), so ``‖φ‖ = 1``. ``d = tilings·T⁴·5 (+ (2n−1)²·5)`` with ``T = ⌈(n − 1)/width⌉ +
    1`` tiles per coordinate.
    """

    width: int = 2
    tilings: int = 1
    relative: bool = False

    kind = "grid"
    action_blocks = True

    def __post_init__(self):
        object.__setattr__(self, "width", check_positive_int("width", self.width))
        object.__setattr__(self, "tilings", check_positive_int("tilings", self.tilings))
        if not isinstance(self.relative, bool):
            raise InvalidParameterError(f"relative={self.relative!r}: expected true or false")

    def check(self, game, player, field="features"):
        if _grid_size(game) is None:
            S, A, B = game.shape
            raise InvalidGameError(f"{field}: GridFeatures needs a pursuit-evasion game (n⁴ states for an n x n grid, "
                                   f"5 actions per player); got {S} states and actions ({A}, {B})")

    def _tiles(self, n):
        return -(-(n - 1) // self.width) + 1

    def dim(self, game, player):
        n = _grid_size(game)
        d = self.tilings * self._tiles(n) ** 4 * 5
        return d + ((2 * n - 1) ** 2 * 5 if self.relative else 0)

    def active(self, game, player, state):
        n = _grid_size(game)
        T = self._tiles(n)
        cells = n * n
        coords = jnp.stack([state // cells // n, state // cells % n, state % cells // n, state % cells % n])
        idx = []
        for j in range(self.tilings):
            t = (coords + (j * self.width) // self.tilings) // self.width
            tile = ((t[0] * T + t[1]) * T + t[2]) * T + t[3]
            idx.append(j * T ** 4 + tile)
        if self.relative:
            offset = (coords[2] - coords[0] + n - 1) * (2 * n - 1) + (coords[3] - coords[1] + n - 1)
            idx.append(self.tilings * T ** 4 + offset)
        cell = jnp.stack(idx).astype(jnp.int32)  # (m,)
        m = cell.shape[0]
        a = jnp.arange(5, dtype=jnp.int32)[:, None]
        f = jnp.result_type(float)
        return cell[None, :] * 5 + a, jnp.full((5, m), 1.0 / np.sqrt(m), f)


@dataclass(frozen=True, eq=False)
class ArrayFeatures(FeatureMap):
    """A user's dense features, an array of shape ``(S, A_i, d)`` (finite). Compared and hashed by identity."""

    array: Any

    kind = "array"
    dense_layout = True

    def __post_init__(self):
        a = np.asarray(self.array, dtype=float)
        if a.ndim != 3 or 0 in a.shape:
            raise InvalidParameterError(f"features: expected an array of shape (states, actions, d), got shape "
                                        f"{a.shape}")
        if not np.isfinite(a).all():
            raise InvalidParameterError("features: the array has non-finite entries")
        object.__setattr__(self, "array", a)

    def check(self, game, player, field="features"):
        S, A = game.num_states, _actions(game, player)
        if self.array.shape[:2] != (S, A):
            who = "row" if player == 0 else "column"
            raise InvalidGameError(f"{field}: expected shape ({S}, {A}, d) for the {who} player of this game "
                                   f"({S} states, {A} actions), got {self.array.shape}")

    def dim(self, game, player):
        return self.array.shape[2]

    def active(self, game, player, state):
        A, d = self.array.shape[1:]
        values = jnp.asarray(self.array, jnp.result_type(float))[state]
        return jnp.broadcast_to(jnp.arange(d, dtype=jnp.int32), (A, d)), values

    def as_dict(self) -> dict:
        return {"kind": self.kind, "shape": list(self.array.shape)}


FEATURES = {cls.kind: cls for cls in (OneHotFeatures, RandomFeatures, GridFeatures)}


def as_features(field: str, value) -> FeatureMap:
    """Accept a :class:`FeatureMap`, a kind name (``"one_hot"``, ``"random"``, ``"grid"``) or a config table
    ``{kind = "grid", width = 2, ...}``."""
    if isinstance(value, FeatureMap):
        return value
    if isinstance(value, str):
        value = {"kind": value}
    if isinstance(value, dict):
        params = dict(value)
        kind = params.pop("kind", None)
        if kind not in FEATURES:
            raise ConfigError(f"{field}.kind={kind!r}: expected one of {', '.join(FEATURES)}")
        accepted = {f.name for f in dataclasses.fields(FEATURES[kind])}
        unknown = sorted(set(params) - accepted)
        if unknown:
            raise ConfigError(f"{field}: unknown parameter(s) {', '.join(unknown)} for {kind!r} features; expected "
                              f"some of {', '.join(sorted(accepted)) or '(none)'}")
        return FEATURES[kind](**params)
    raise InvalidParameterError(f"{field}={value!r}: expected a FeatureMap, a kind name or a table with a 'kind'")
