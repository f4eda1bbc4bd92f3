"""Build a :class:`~stratlearn.games.MarkovGame` from an OpenSpiel game whose states can be listed.

The game must have two players, zero-sum utility and perfect information (or be one-shot), with chance either absent
or explicit; its moves may be simultaneous (``markov_soccer``, ``oshi_zumo``, the ``matrix_*`` games, ...) or taken
in turns (``tic_tac_toe``, ``connect_four`` on a small board, ...). A turn-based game is a Markov game in which, at
each node, the player not to move has a single action: "wait", recorded as OpenSpiel action :data:`WAIT` (−1) in
:class:`OpenSpielIndex`. Every state reachable from the initial state is visited once, breadth first:

* a *state* of the Markov game is a decision node of OpenSpiel, identified by its string and its move number
  (``str(state)`` and ``state.move_number()``); the move number is part of the key because games such as
  ``markov_soccer`` end after a fixed horizon without printing the time, so two nodes with the same picture but a
  different number of moves left are different states. Chance nodes are not states: they are folded into the
  transition probabilities, a chance node after a joint action contributing the product of its outcome probabilities
  to each decision node it leads to (the initial distribution is built the same way from a chance root);
* the *reward* of the joint action ``(a, b)`` at ``s`` is the expected change of the row player's return
  ``E[returns(s')₀] − returns(s)₀``, which covers games that pay along the way and games that pay only at the end;
* every terminal node leads to one absorbing, zero-reward terminal state (the last index), so the result is a
  finite-horizon game with ``γ = 1`` by default, whose values are those of the OpenSpiel game.

Action sets may differ between states: the Markov game has ``A`` = the largest number of legal row actions at any
state (``B`` likewise), and at a state with ``n < A`` legal actions the indices ``n, …, A − 1`` repeat the last legal
action, which leaves the value of every stage game unchanged. :func:`openspiel_index` returns the state strings and the
OpenSpiel action of every index. OpenSpiel is an optional dependency (``pip install open_spiel``).

OpenSpiel's own ``value_iteration`` keys states by ``str(state)`` alone, so on ``markov_soccer`` it merges nodes that
differ only in the moves left and its values are not the finite-horizon game's once that matters (measured: off by 1.0
on a 3x2 grid at horizon 4). :func:`with_move_number` wraps a game so that its strings carry the move number; on the
wrapped game OpenSpiel's ``value_iteration`` and this bridge agree (see ``docs/markov-games.md``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from ...errors import InvalidGameError, InvalidParameterError, StratlearnError, check_positive_int
from ..markov import MarkovGame

__all__ = ["from_openspiel", "openspiel_index", "OpenSpielIndex", "with_move_number", "WAIT"]

WAIT = -1
"""The action index map's entry for the player who waits at a node of a turn-based game (its only action)."""


@dataclass(frozen=True)
class OpenSpielIndex:
    """How the states and actions of a bridged game map back to OpenSpiel.

    Attributes:
        keys: for every non-terminal state index, ``(str(state), move_number)`` of its OpenSpiel node; the last state
            (the absorbing terminal) has the key ``None``.
        row_actions, col_actions: int arrays (S, A) and (S, B): the OpenSpiel action played by each index (−1 at the
            terminal state, and :data:`WAIT` for the player who waits at a node of a turn-based game).
        returns: the row player's OpenSpiel return accumulated on reaching each state (0 at the terminal state,
            which every terminal node shares): OpenSpiel's value of a node is this plus the bridged game's value.
    """

    keys: tuple
    row_actions: np.ndarray
    col_actions: np.ndarray
    returns: np.ndarray


def _pyspiel():
    try:
        import pyspiel
    except ImportError:
        raise StratlearnError("from_openspiel needs OpenSpiel: pip install open_spiel") from None
    return pyspiel


def _load(game):
    pyspiel = _pyspiel()
    if isinstance(game, str):
        try:
            return pyspiel.load_game(game)
        except Exception as exc:  # pyspiel raises a bare RuntimeError/SpielError for unknown names or parameters
            raise InvalidGameError(f"game={game!r}: OpenSpiel could not load it ({exc})") from None
    if not isinstance(game, pyspiel.Game):
        raise InvalidGameError(f"game: expected an OpenSpiel game or its name, got {type(game).__name__}")
    return game


def _check_type(game) -> None:
    pyspiel = _pyspiel()
    kind = game.get_type()
    name = kind.short_name
    problems = []
    if game.num_players() != 2:
        problems.append(f"num_players={game.num_players()} (expected 2)")
    if kind.dynamics not in (pyspiel.GameType.Dynamics.SIMULTANEOUS, pyspiel.GameType.Dynamics.SEQUENTIAL):
        problems.append(f"dynamics={kind.dynamics.name} (expected SIMULTANEOUS or SEQUENTIAL)")
    if kind.utility != pyspiel.GameType.Utility.ZERO_SUM:
        problems.append(f"utility={kind.utility.name} (expected ZERO_SUM)")
    if kind.information not in (pyspiel.GameType.Information.PERFECT_INFORMATION,
                                pyspiel.GameType.Information.ONE_SHOT):
        problems.append(f"information={kind.information.name} (expected PERFECT_INFORMATION or ONE_SHOT: the "
                        "state string must be the state)")
    if kind.chance_mode == pyspiel.GameType.ChanceMode.SAMPLED_STOCHASTIC:
        problems.append("chance_mode=SAMPLED_STOCHASTIC (expected DETERMINISTIC or EXPLICIT_STOCHASTIC: chance "
                        "outcomes must be listed)")
    if problems:
        raise InvalidGameError(f"game {name!r}: not a two-player zero-sum game with listable states: "
                               f"{'; '.join(problems)}")


def _outcomes(state, prob, out):
    """Accumulate into ``out`` the decision or terminal nodes reached from ``state`` through chance nodes."""
    if state.is_chance_node():
        for action, p in state.chance_outcomes():
            if p > 0:
                _outcomes(state.child(action), prob * p, out)
        return
    key = None if state.is_terminal() else (str(state), state.move_number())
    entry = out.get(key)
    if entry is None:
        out[key] = [prob, prob * state.returns()[0], state]
    else:
        entry[0] += prob
        entry[1] += prob * state.returns()[0]


def _explore(game, max_states: int):
    """Breadth-first listing of the decision nodes; returns keys, nodes, and per (s, a, b) successor maps."""
    pyspiel = _pyspiel()
    root = game.new_initial_state()
    start: dict = {}
    _outcomes(root, 1.0, start)
    keys: list = []
    nodes: list = []
    index: dict = {}
    queue: deque = deque()

    def visit(key, node):
        if key is None or key in index:
            return
        if len(keys) >= max_states:
            raise InvalidParameterError(f"max_states={max_states}: the game has more reachable states; raise "
                                        "max_states or make the game smaller (e.g. a shorter horizon)")
        if node.current_player() not in (pyspiel.PlayerId.SIMULTANEOUS, 0, 1):
            raise InvalidGameError(f"game {game.get_type().short_name!r}: the node {key[0]!r} at move {key[1]} is "
                                   f"played by {node.current_player()}; expected both players at once, or one of "
                                   "the two")
        index[key] = len(keys)
        keys.append(key)
        nodes.append(node)
        queue.append(node)

    for key, (_, _, node) in start.items():
        visit(key, node)
    transitions = []
    while queue:
        node = queue.popleft()
        player = node.current_player()
        if player == pyspiel.PlayerId.SIMULTANEOUS:
            rows, cols = node.legal_actions(0), node.legal_actions(1)
        else:   # a turn: the other player waits (one action)
            rows = node.legal_actions(0) if player == 0 else [WAIT]
            cols = node.legal_actions(1) if player == 1 else [WAIT]
        if not rows or not cols:
            raise InvalidGameError(f"game {game.get_type().short_name!r}: the node {str(node)!r} has no legal action "
                                   "for a player; expected both to act at every decision node")
        here = {}
        for a in rows:
            for b in cols:
                child = node.clone()
                if player == pyspiel.PlayerId.SIMULTANEOUS:
                    child.apply_actions([a, b])
                else:
                    child.apply_action(a if player == 0 else b)
                out: dict = {}
                _outcomes(child, 1.0, out)
                here[(a, b)] = out
                for key, (_, _, succ) in out.items():
                    visit(key, succ)
        transitions.append((rows, cols, here))
    return start, keys, nodes, index, transitions


def _build(game, discount, max_states, name):
    game = _load(game)
    _check_type(game)
    max_states = check_positive_int("max_states", max_states)
    if isinstance(discount, bool) or not isinstance(discount, (int, float, np.integer, np.floating)):
        raise InvalidParameterError(f"discount={discount!r}: expected a number in [0, 1]")
    start, keys, nodes, index, transitions = _explore(game, max_states)
    if not keys:
        raise InvalidGameError(f"game {game.get_type().short_name!r}: the initial state is terminal; nothing to play")
    n = len(keys)
    S = n + 1  # plus the shared absorbing terminal state
    terminal = n
    A = max(len(rows) for rows, _, _ in transitions)
    B = max(len(cols) for _, cols, _ in transitions)
    K = max(len(out) for _, _, here in transitions for out in here.values())
    rewards = np.zeros((S, A, B))
    succ = np.full((S, A, B, K), terminal, dtype=np.int32)
    probs = np.zeros((S, A, B, K))
    probs[terminal, :, :, 0] = 1.0
    row_actions = np.full((S, A), -1, dtype=np.int64)
    col_actions = np.full((S, B), -1, dtype=np.int64)
    returns = np.zeros(S)
    for s, node in enumerate(nodes):
        returns[s] = node.returns()[0]
    for s, (rows, cols, here) in enumerate(transitions):
        row_actions[s] = [rows[min(i, len(rows) - 1)] for i in range(A)]
        col_actions[s] = [cols[min(j, len(cols) - 1)] for j in range(B)]
        for i, a in enumerate(row_actions[s]):
            for j, b in enumerate(col_actions[s]):
                out = here[(int(a), int(b))]
                total = 0.0
                for k, (key, (p, weighted_return, _)) in enumerate(out.items()):
                    succ[s, i, j, k] = terminal if key is None else index[key]
                    probs[s, i, j, k] = p
                    total += weighted_return
                rewards[s, i, j] = total - returns[s]
    initial = np.zeros(S)
    for key, (p, _, _) in start.items():
        initial[terminal if key is None else index[key]] += p
    label = name if name is not None else f"openspiel:{game}"
    markov = MarkovGame(rewards, next_states=succ, next_probs=probs, initial=initial, discount=discount,
                        finite_horizon=True, name=label)
    return markov, OpenSpielIndex(keys=tuple(keys) + (None,), row_actions=row_actions, col_actions=col_actions,
                                  returns=returns)


def from_openspiel(game, *, discount: float = 1.0, max_states: int = 200_000, name: str | None = None) -> MarkovGame:
    """The :class:`MarkovGame` of an OpenSpiel game (see the module docstring).

    Args:
        game: a ``pyspiel.Game`` or a name that ``pyspiel.load_game`` accepts, e.g. ``"markov_soccer(horizon=4)"``.
        discount: ``γ``; 1 (the default) keeps OpenSpiel's undiscounted returns.
        max_states: refuse games with more reachable decision nodes than this.
        name: the game's label; defaults to ``openspiel:<game string>``.

    Raises:
        InvalidGameError: the game is not two-player and zero-sum with listable states.
        InvalidParameterError: more than ``max_states`` states, or a bad ``discount``.
    """
    return _build(game, discount, max_states, name)[0]


def openspiel_index(game, *, discount: float = 1.0, max_states: int = 200_000,
                    name: str | None = None) -> tuple[MarkovGame, OpenSpielIndex]:
    """Like :func:`from_openspiel`, and also the map from state and action indices back to OpenSpiel's."""
    return _build(game, discount, max_states, name)


_WRAPPED: dict = {}


def with_move_number(game):
    """An OpenSpiel game that plays ``game`` and prints each state as ``str(state)`` followed by ``t=<move number>``.

    Algorithms that identify states by their string (OpenSpiel's ``value_iteration``, ``get_all_states``) then tell
    apart nodes with different numbers of moves left. The wrapper is registered with OpenSpiel as
    ``with_move_number_<short name>`` (once per short name) and takes the wrapped game's parameters; it is written in
    Python, so tree walks over it are slower than over the C++ game.
    """
    pyspiel = _pyspiel()
    game = _load(game)
    base = game.get_type()
    short = f"with_move_number_{base.short_name}"
    try:  # the wrapper rebuilds the game from its name and parameters; games made in code may not allow that
        pyspiel.load_game(base.short_name, game.get_parameters())
    except Exception as exc:
        raise InvalidGameError(f"game {str(game)!r}: with_move_number rebuilds a game by its name and parameters, "
                               f"and OpenSpiel could not ({exc}); expected a game loadable by name") from None
    if short not in _WRAPPED:
        _WRAPPED[short] = _register_with_move_number(pyspiel, base, short)
    return pyspiel.load_game(short, game.get_parameters())


def _register_with_move_number(pyspiel, base, short):
    kind = pyspiel.GameType(
        short_name=short, long_name=f"{base.long_name} (move number in the state string)",
        dynamics=base.dynamics, chance_mode=base.chance_mode, information=base.information, utility=base.utility,
        reward_model=base.reward_model, max_num_players=base.max_num_players, min_num_players=base.min_num_players,
        provides_information_state_string=False, provides_information_state_tensor=False,
        provides_observation_string=False, provides_observation_tensor=False,
        parameter_specification=base.parameter_specification)

    class State(pyspiel.State):
        def __init__(self, owner, inner):
            super().__init__(owner)
            self._inner = inner

        def current_player(self):
            return self._inner.current_player()

        def _legal_actions(self, player):
            return self._inner.legal_actions(player)

        def chance_outcomes(self):
            return self._inner.chance_outcomes()

        def _apply_action(self, action):
            self._inner.apply_action(action)

        def _apply_actions(self, actions):
            self._inner.apply_actions(actions)

        def _action_to_string(self, player, action):
            return self._inner.action_to_string(player, action)

        def is_terminal(self):
            return self._inner.is_terminal()

        def returns(self):
            return self._inner.returns()

        def rewards(self):
            return self._inner.rewards()

        def __str__(self):
            return f"{self._inner}t={self._inner.move_number()}"

        def __deepcopy__(self, memo):
            return State(self.get_game(), self._inner.clone())

    class Game(pyspiel.Game):
        def __init__(self, params=None):
            self._inner = pyspiel.load_game(base.short_name, dict(params or {}))
            inner = self._inner
            info = pyspiel.GameInfo(
                num_distinct_actions=inner.num_distinct_actions(), max_chance_outcomes=inner.max_chance_outcomes(),
                num_players=inner.num_players(), min_utility=inner.min_utility(), max_utility=inner.max_utility(),
                utility_sum=inner.utility_sum(), max_game_length=inner.max_game_length())
            super().__init__(kind, info, dict(params or {}))

        def new_initial_state(self):
            return State(self, self._inner.new_initial_state())

    pyspiel.register_game(kind, Game)
    return Game
