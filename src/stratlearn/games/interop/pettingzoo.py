"""Expose a :class:`~stratlearn.games.MarkovGame` as a PettingZoo ``ParallelEnv`` (both players act at once).

Agents are ``"player_0"`` (the row player) and ``"player_1"`` (the column player), PettingZoo's naming; each observes the state index (``Discrete(S)``) and acts in ``Discrete(A)`` or
``Discrete(B)``; rewards are ``r¹`` and ``r²``. An episode starts from a state drawn from ``game.initial`` and ends when
a terminal state of a finite-horizon game is reached (``terminated``) or after ``max_steps`` steps (``truncated``; for
a discounted game a horizon of a few ``1/(1−γ)`` covers the mass of the return). Sampling uses NumPy in float64 with
the generator seeded by ``reset(seed=...)``: an environment is stepped from Python one transition at a time, so it
does not go through JAX. ``render_mode`` is ``None`` or ``"ansi"`` (``render()`` returns the state, the step and the
last joint action as text). PettingZoo is an optional dependency (``pip install pettingzoo``).
"""

from __future__ import annotations

import functools

import numpy as np

from ...errors import InvalidGameError, InvalidParameterError, StratlearnError, check_positive_int
from ..markov import MarkovGame

__all__ = ["to_parallel_env"]


AGENTS = ("player_0", "player_1")


def to_parallel_env(game: MarkovGame, max_steps: int = 1000, render_mode: str | None = None):
    """A PettingZoo ``ParallelEnv`` that plays ``game`` (see the module docstring)."""
    if not isinstance(game, MarkovGame):
        raise InvalidGameError(f"game: expected a MarkovGame, got {type(game).__name__}")
    max_steps = check_positive_int("max_steps", max_steps)
    if render_mode not in (None, "ansi"):
        raise InvalidParameterError(f"render_mode={render_mode!r}: expected None or 'ansi'")
    try:
        from gymnasium.spaces import Discrete
        from pettingzoo import ParallelEnv
    except ImportError:
        raise StratlearnError("to_parallel_env needs PettingZoo: pip install pettingzoo") from None

    S, A, B = game.shape
    rewards = (np.asarray(game.row_rewards), np.asarray(game.col_rewards))
    succ, probs = np.asarray(game.next_states), np.asarray(game.next_probs)
    cdf = np.cumsum(probs, axis=-1)
    initial_cdf = np.cumsum(np.asarray(game.initial))
    terminal = game.terminal_states()

    class MarkovGameEnv(ParallelEnv):
        metadata = {"name": f"stratlearn_{game.name}", "render_modes": ["ansi"], "is_parallelizable": True}

        def __init__(self):
            self.possible_agents = list(AGENTS)
            self.render_mode = render_mode
            self._last = None
            self.agents = []
            self.max_steps = max_steps
            self._rng = np.random.default_rng()
            self._state = 0
            self._t = 0

        @functools.lru_cache(maxsize=None)
        def observation_space(self, agent):
            return Discrete(S)

        @functools.lru_cache(maxsize=None)
        def action_space(self, agent):
            return Discrete(A if agent == AGENTS[0] else B)

        def reset(self, seed=None, options=None):
            if seed is not None:
                self._rng = np.random.default_rng(seed)
                for i, agent in enumerate(self.possible_agents):
                    self.action_space(agent).seed(seed + i)
            self.agents = list(self.possible_agents)
            self._state = min(int(np.searchsorted(initial_cdf, self._rng.random(), side="right")), S - 1)
            self._t = 0
            self._last = None
            return {agent: self._state for agent in self.agents}, {agent: {} for agent in self.agents}

        def render(self):
            if self.render_mode is None:
                return None
            last = "" if self._last is None else f", last actions {self._last[0]} and {self._last[1]}"
            return f"state {self._state}, step {self._t}{last}"

        def close(self):
            pass

        def step(self, actions):
            if not self.agents:
                raise StratlearnError("step: the episode is over; call reset() first")
            missing = [agent for agent in self.agents if agent not in actions]
            if missing:
                raise StratlearnError(f"actions: expected an action for each of {self.agents}, missing {missing}")
            a, b = int(actions[AGENTS[0]]), int(actions[AGENTS[1]])
            if not (0 <= a < A and 0 <= b < B):
                raise StratlearnError(f"actions={actions!r}: expected {AGENTS[0]} in [0, {A}) and {AGENTS[1]} in "
                                      f"[0, {B})")
            self._last = (a, b)
            s = self._state
            k = min(int(np.searchsorted(cdf[s, a, b], self._rng.random(), side="right")), succ.shape[-1] - 1)
            self._state = int(succ[s, a, b, k])
            self._t += 1
            reward = {AGENTS[0]: float(rewards[0][s, a, b]), AGENTS[1]: float(rewards[1][s, a, b])}
            done = bool(terminal[self._state])
            cut = self._t >= self.max_steps and not done
            obs = {agent: self._state for agent in self.agents}
            terminated = {agent: done for agent in self.agents}
            truncated = {agent: cut for agent in self.agents}
            infos = {agent: {} for agent in self.agents}
            if done or cut:
                self.agents = []
            return obs, reward, terminated, truncated, infos

    return MarkovGameEnv()
