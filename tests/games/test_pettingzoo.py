import warnings

import numpy as np
import pytest

import stratlearn as sl
from stratlearn.errors import InvalidGameError, StratlearnError
from stratlearn.games import MarkovGame
from stratlearn.games.interop import to_parallel_env

pettingzoo_test = pytest.importorskip("pettingzoo.test", reason="PettingZoo is optional: pip install pettingzoo")


def test_soccer_passes_the_parallel_api_test():
    env = to_parallel_env(sl.games.catalog.soccer(), max_steps=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the API test reports problems as warnings: none may appear
        pettingzoo_test.parallel_api_test(env, num_cycles=200)


def test_a_finite_horizon_game_terminates_with_the_games_rewards():
    horizon = 3
    r = np.zeros((horizon + 1, 2, 2))
    r[:horizon] = [[1.0, -1.0], [-1.0, 1.0]]
    succ = np.array([np.full((2, 2, 1), min(s + 1, horizon)) for s in range(horizon + 1)])
    game = MarkovGame(r, next_states=succ, next_probs=np.ones_like(succ, float), discount=1.0, finite_horizon=True,
                      initial=[1, 0, 0, 0])
    env = to_parallel_env(game)
    obs, _ = env.reset(seed=3)
    assert obs == {"player_0": 0, "player_1": 0}
    total = 0.0
    for t in range(horizon):
        obs, reward, terminated, truncated, _ = env.step({"player_0": 0, "player_1": 0})
        total += reward["player_0"]
        assert reward["player_1"] == -reward["player_0"]
    assert total == horizon and all(terminated.values()) and not any(truncated.values())
    assert env.agents == []
    with pytest.raises(StratlearnError, match="reset"):
        env.step({"player_0": 0, "player_1": 0})


def test_bad_inputs():
    with pytest.raises(InvalidGameError, match="MarkovGame"):
        to_parallel_env(sl.games.catalog.matching_pennies())
    env = to_parallel_env(sl.games.catalog.matching_pennies_markov(), max_steps=5)
    env.reset(seed=0)
    with pytest.raises(StratlearnError, match="missing"):
        env.step({"player_0": 0})
    with pytest.raises(StratlearnError, match="expected player_0 in \\[0, 2\\)"):
        env.step({"player_0": 5, "player_1": 0})


def test_render_mode_and_the_standard_agent_names():
    """PettingZoo's conventions: agents player_0 and player_1, a render_mode attribute (None or 'ansi'), and the API
    test passes without a warning (it used to warn that render_mode was missing)."""
    env = to_parallel_env(sl.games.catalog.soccer(), max_steps=20, render_mode="ansi")
    assert env.possible_agents == ["player_0", "player_1"] and env.render_mode == "ansi"
    env.reset(seed=0)
    env.step({"player_0": 1, "player_1": 2})
    assert env.render().startswith("state ") and "last actions 1 and 2" in env.render()
    assert to_parallel_env(sl.games.catalog.soccer()).render() is None
    with pytest.raises(sl.errors.InvalidParameterError, match="render_mode='human': expected None or 'ansi'"):
        to_parallel_env(sl.games.catalog.soccer(), render_mode="human")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pettingzoo_test.parallel_api_test(to_parallel_env(sl.games.catalog.soccer(), max_steps=50,
                                                          render_mode="ansi"), num_cycles=100)
